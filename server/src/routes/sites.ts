// Sites themselves: creating one. What a site holds has its own routes (catalogue, members…).
import { newSiteInput } from '@miniconsent/shared'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { AppEnv, Services } from '../context'
import { ApiError } from '../lib/errors'
import { formBody } from '../lib/validate'
import { requireSession } from '../middleware/session'
import { createSite } from '../services/sites'
import { MAX_IMPORT_BYTES } from './catalogue'

export function siteRoutes(s: Services) {
  return new Hono<AppEnv>().post(
    '/api/admin/sites',
    // Any account may create a site: accounts exist only as the deployment's first owner or by
    // an owner's invitation, so each is trusted by whoever runs the server.
    requireSession,
    // The body may carry a whole catalogue, which the import takes up to this size.
    bodyLimit({
      maxSize: MAX_IMPORT_BYTES,
      onError: () => {
        throw new ApiError(413, 'payload_too_large', 'A new site with its catalogue may be at most 1 MB')
      },
    }),
    formBody(newSiteInput),
    (c) => {
      const site = createSite(s, c.get('session')!.user.id, c.req.valid('json'))
      c.header('Location', `/api/admin/sites/${site.id}/catalogue`)
      return c.json({ site }, 201)
    },
  )
}
