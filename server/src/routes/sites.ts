// Sites themselves: creating one. What a site holds has its own routes (catalogue, members…).
import { newSiteInput } from '@miniconsent/shared'
import { Hono } from 'hono'
import type { AppEnv, Services } from '../context'
import { formBody } from '../lib/validate'
import { requireSession } from '../middleware/session'
import { createSite } from '../services/sites'

export function siteRoutes(s: Services) {
  return new Hono<AppEnv>().post(
    '/api/admin/sites',
    // Any account may create a site: accounts exist only as the deployment's first owner or by
    // an owner's invitation, so each is trusted by whoever runs the server.
    requireSession,
    // The body may carry a whole catalogue: at most MAX_ADMIN_BODY (1 MB), as every admin request (app.ts).
    formBody(newSiteInput),
    (c) => {
      const site = createSite(s, c.get('session')!.user.id, c.req.valid('json'))
      c.header('Location', `/api/admin/sites/${site.id}/catalogue`)
      return c.json({ site }, 201)
    },
  )
}
