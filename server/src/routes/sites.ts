// Sites themselves: creating one, deleting one. What a site holds has its own routes (catalogue, members…).
import { newSiteInput } from '@miniconsent/shared'
import { Hono } from 'hono'
import type { AppEnv, Services } from '../context'
import { ApiError } from '../lib/errors'
import { formBody, paramsOf } from '../lib/validate'
import { authorisation, requireSession, requireSiteRole } from '../middleware/session'
import { createSite, deleteSite } from '../services/sites'
import { siteParam } from './catalogue'

/** Whose field a key of a new site's body is not: the catalogue's within it, or the site's. */
const newSiteKeyOwner = (path: readonly (string | number)[]) => (path[0] === 'catalogue' && path.length > 1 ? 'the catalogue' : 'a new site')

export function siteRoutes(s: Services) {
  return new Hono<AppEnv>()
    .delete('/api/admin/sites/:siteId', requireSiteRole(s, ['owner']), paramsOf(siteParam), (c) => {
      deleteSite(s, c.get('session')!.user.id, c.req.valid('param').siteId)
      return c.body(null, 204)
    })
    .post(
    '/api/admin/sites',
    requireSession,
    // The server's administrator and the owners of a site may create one (Accounts.mayCreateSites);
    // checked before the body is, so that an account that may not learns nothing of it.
    authorisation((c) => {
      if (!s.accounts.mayCreateSites(c.get('session')!.user)) {
        throw new ApiError(403, 'forbidden', 'Only the server’s administrator and the owners of a site may create a site: ask one of them')
      }
    }),
    // The body may carry a whole catalogue: at most MAX_ADMIN_BODY (1 MB), as every admin request (app.ts).
    formBody(newSiteInput, newSiteKeyOwner),
    (c) => {
      const site = createSite(s, c.get('session')!.user.id, c.req.valid('json'))
      c.header('Location', `/api/admin/sites/${site.id}/catalogue`)
      return c.json({ site }, 201)
    },
  )
}
