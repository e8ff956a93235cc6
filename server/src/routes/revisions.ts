// Published revisions, the diff between any two catalogues, publishing and rolling back.
import { consentCookieMismatch, diffQuery, publishInput, rollbackInput, slug, urlNumber, type PublishWarning, type RevisionSummary } from '@miniconsent/shared'
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, Services } from '../context'
import { formBody, paramsOf, queryOf } from '../lib/validate'
import { requireSiteRole } from '../middleware/session'
import { EDIT_ROLES, siteParam } from './catalogue'

const revisionParam = z.object({ siteId: slug, number: urlNumber() })

export function revisionRoutes(s: Services) {
  /**
   * A revision just published, with what the admin should look at in it: the dashboard warns of a
   * consent cookie declared otherwise than the settings say before publishing; a client of the API
   * learns it here. A warning, never a refusal (settings change apart from revisions).
   */
  const created = (siteId: string, revision: RevisionSummary): { revision: RevisionSummary; warnings: PublishWarning[] } => {
    const settings = s.sites.get(siteId)?.settings
    const mismatch = settings && consentCookieMismatch(settings, s.revisions.get(siteId, revision.number).catalogue)
    return { revision, warnings: mismatch ? [{ code: 'consent_cookie_undeclared', ...mismatch }] : [] }
  }

  return new Hono<AppEnv>()
    .get('/api/admin/sites/:siteId/revisions', requireSiteRole(s), paramsOf(siteParam), (c) => {
      c.header('Cache-Control', 'no-store')
      return c.json({ revisions: s.revisions.list(c.req.valid('param').siteId) })
    })
    .get('/api/admin/sites/:siteId/revisions/:number', requireSiteRole(s), paramsOf(revisionParam), (c) => {
      const { siteId, number } = c.req.valid('param')
      const revision = s.revisions.get(siteId, number)
      // Revisions never change once published. Only then: a 404 (not published yet) must not be kept.
      c.header('Cache-Control', 'private, max-age=3600')
      return c.json({ revision })
    })
    .get('/api/admin/sites/:siteId/diff', requireSiteRole(s), paramsOf(siteParam), queryOf(diffQuery), (c) => {
      const { from, to } = c.req.valid('query')
      c.header('Cache-Control', 'no-store')
      return c.json(s.revisions.diff(c.req.valid('param').siteId, from, to))
    })
    .post('/api/admin/sites/:siteId/publish', requireSiteRole(s, EDIT_ROLES), paramsOf(siteParam), formBody(publishInput, 'a publication'), (c) => {
      const { siteId } = c.req.valid('param')
      return c.json(created(siteId, s.revisions.publish(siteId, c.get('session')!.user.id, c.req.valid('json'))), 201)
    })
    .post('/api/admin/sites/:siteId/rollback', requireSiteRole(s, EDIT_ROLES), paramsOf(siteParam), formBody(rollbackInput, 'a rollback'), (c) => {
      const { siteId } = c.req.valid('param')
      return c.json(created(siteId, s.revisions.rollback(siteId, c.get('session')!.user.id, c.req.valid('json'))), 201)
    })
}
