// The catalogue editor: draft, site settings, and the draft as a JSON or CSV file.
import {
  catalogue as catalogueSchema,
  catalogueFormatQuery,
  catalogueImportQuery,
  saveDraftInput,
  siteSettingsInput,
  slug,
} from '@miniconsent/shared'
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, Services } from '../context'
import { ApiError, invalidError } from '../lib/errors'
import { refusedDocument, refuseUnreadKeys } from '../lib/unread-keys'
import { formBody, ownBody, paramsOf, queryOf, wellFormed } from '../lib/validate'
import { requireSiteRole } from '../middleware/session'
import { catalogueToCsv, csvImport, type CsvImport } from '../services/catalogue-csv'

export const siteParam = z.object({ siteId: slug })
export const EDIT_ROLES = ['owner', 'editor'] as const

/**
 * Whose field a key of a draft's save is not: the request's own (it takes `catalogue` and
 * `baseUpdatedAt`), or the catalogue's within it.
 */
const draftKeyOwner = (path: readonly (string | number)[]) =>
  path.length === 1 ? `the save of a draft (${Object.keys(saveDraftInput.shape).join(', ')})` : 'the catalogue'

export function catalogueRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/api/admin/sites/:siteId/catalogue', requireSiteRole(s), paramsOf(siteParam), (c) => {
      c.header('Cache-Control', 'no-store')
      return c.json(s.catalogues.state(c.req.valid('param').siteId))
    })
    // A misspelt field of a draft is refused, as the import refuses it: it was dropped without a word (review).
    .put('/api/admin/sites/:siteId/catalogue/draft', requireSiteRole(s, EDIT_ROLES), paramsOf(siteParam), formBody(saveDraftInput, draftKeyOwner), (c) => {
      const { siteId } = c.req.valid('param')
      const { catalogue, baseUpdatedAt } = c.req.valid('json')
      s.catalogues.saveDraft(siteId, c.get('session')!.user.id, catalogue, { baseUpdatedAt })
      return c.json(s.catalogues.state(siteId))
    })
    .put('/api/admin/sites/:siteId/settings', requireSiteRole(s, EDIT_ROLES), paramsOf(siteParam), formBody(siteSettingsInput, 'the site settings'), (c) => {
      const { siteId } = c.req.valid('param')
      const userId = c.get('session')!.user.id
      const { baseUpdatedAt, id, ...settings } = c.req.valid('json')
      if (id !== undefined && id !== siteId) {
        throw invalidError({ issues: [{ path: ['id'], message: `"${id}" is not this site's id ("${siteId}"): a site's id cannot change` }] })
      }
      // The role decides which settings this save may change (retention and IP policy are the owner's).
      const role = s.accounts.roleOn(userId, siteId)!
      return c.json(s.catalogues.saveSettings(siteId, userId, settings, { role, baseUpdatedAt }))
    })
    .get('/api/admin/sites/:siteId/catalogue/export', requireSiteRole(s), paramsOf(siteParam), queryOf(catalogueFormatQuery), (c) => {
      const { siteId } = c.req.valid('param')
      const { format } = c.req.valid('query')
      const draft = s.catalogues.draft(siteId)
      c.header('Cache-Control', 'no-store')
      c.header('Content-Disposition', `attachment; filename="${siteId}-catalogue.${format}"`)
      if (format === 'csv') return c.body(catalogueToCsv(draft), 200, { 'Content-Type': 'text/csv; charset=utf-8' })
      // Compact, not indented: the import takes the file back only within the admin body limit, and
      // a stored draft is held to it as compact JSON (refuseOversizedCatalogue). Indented, a large
      // catalogue's export grew by half again and its own server refused it (413).
      return c.body(JSON.stringify(draft) + '\n', 200, { 'Content-Type': 'application/json; charset=utf-8' })
    })
    .post(
      '/api/admin/sites/:siteId/catalogue/import',
      requireSiteRole(s, EDIT_ROLES),
      paramsOf(siteParam),
      queryOf(catalogueImportQuery),
      ownBody,
      // At most MAX_ADMIN_BODY (1 MB), as every admin request (app.ts); so is the catalogue the file
      // makes, as JSON (saveDraft refuses it 422 otherwise): a CSV row is a fifth of its entry's JSON.
      async (c) => {
        const { siteId } = c.req.valid('param')
        const { format, baseUpdatedAt } = c.req.valid('query')
        const text = await c.req.text()
        let input: unknown
        let locate: CsvImport['locate'] = () => undefined
        if (format === 'csv') ({ draft: input, locate } = csvImport(text, s.catalogues.draft(siteId)))
        else {
          try {
            input = JSON.parse(text)
          } catch {
            throw new ApiError(400, 'invalid_json', 'The file is not valid JSON')
          }
          wellFormed(input)
        }
        const parsed = catalogueSchema.safeParse(input)
        if (!parsed.success) {
          // A field the catalogue does not have is named along with the file's other problems.
          if (format !== 'csv') throw refusedDocument(catalogueSchema, input, parsed.error, 'the catalogue')
          // A problem is told by its line in the file (and column, for a category's or service's field),
          // which a spreadsheet user can find: the path counts the draft's categories and services,
          // not the file's rows. A text the file leaves as the draft has it is the draft's to fix.
          const located = parsed.error.issues.map((i) => ({ issue: i, at: locate(i.path) }))
          const issues = located.map(({ issue: i, at }) => {
            if (at && 'what' in at) return { ...i, message: `${at.what}, in the draft (the file leaves it as it is: fix it on the Catalogue page): ${i.message}` }
            return at ? { ...i, message: `line ${at.line}${at.column ? `, column "${at.column}"` : ''}: ${i.message}` } : i
          })
          const inDraft = located[0]!.at !== undefined && 'what' in located[0]!.at
          throw invalidError({ issues }, `${inDraft ? 'The draft has problems the file leaves as they are' : 'The CSV file has problems'}: ${issues[0]!.message}`)
        }
        // The import replaces the whole draft: a field the catalogue has no such name for (misspelt,
        // `privacyPolicyURL`) would be dropped, and the one it meant left empty. (A CSV's columns are
        // checked as the file is read, csvImport.)
        if (format !== 'csv') refuseUnreadKeys(input, parsed.data, 'The file', 'the catalogue')
        s.catalogues.saveDraft(siteId, c.get('session')!.user.id, parsed.data, { action: 'catalogue.import', baseUpdatedAt })
        return c.json(s.catalogues.state(siteId))
      },
    )
}
