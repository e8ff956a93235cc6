// The admin audit log of a site, for its owners and auditors (SPEC §8: auditors read logs).
import { auditQuery, LOG_ROLES } from '@miniconsent/shared'
import { Hono } from 'hono'
import type { AppEnv, Services } from '../context'
import { paramsOf, queryOf } from '../lib/validate'
import { requireSiteRole } from '../middleware/session'
import { siteParam } from './catalogue'

export function auditRoutes(s: Services) {
  return new Hono<AppEnv>().get('/api/admin/sites/:siteId/audit', requireSiteRole(s, LOG_ROLES), paramsOf(siteParam), queryOf(auditQuery), (c) => {
    c.header('Cache-Control', 'no-store')
    return c.json(s.audit.list(c.req.valid('param').siteId, c.req.valid('query')))
  })
}
