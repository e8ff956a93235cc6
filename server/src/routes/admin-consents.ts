// The consent log as admins and auditors read it, and its chain verification.
import { consentLogQuery, LOG_ROLES, slug } from '@miniconsent/shared'
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, Services } from '../context'
import { paramsOf, queryOf } from '../lib/validate'
import { requireSiteRole } from '../middleware/session'

const siteParam = z.object({ siteId: slug })

export function adminConsentRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/api/admin/sites/:siteId/consents', requireSiteRole(s, LOG_ROLES), paramsOf(siteParam), queryOf(consentLogQuery), (c) => {
      const { siteId } = c.req.valid('param')
      c.header('Cache-Control', 'no-store')
      return c.json(s.consentLog.list(siteId, c.req.valid('query')))
    })
    .get('/api/admin/sites/:siteId/verify', requireSiteRole(s, LOG_ROLES), paramsOf(siteParam), (c) => {
      const { siteId } = c.req.valid('param')
      c.header('Cache-Control', 'no-store')
      return c.json(s.consentLog.verify(siteId))
    })
}
