// Consent statistics per day, category, region and revision (dashboard charts).
import { LOG_ROLES, slug, statsQuery } from '@miniconsent/shared'
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, Services } from '../context'
import { paramsOf, queryOf } from '../lib/validate'
import { requireSiteRole } from '../middleware/session'
import { ConsentStatsService } from '../services/stats'

export function statsRoutes(s: Services) {
  const stats = new ConsentStatsService(s.db)
  return new Hono<AppEnv>().get(
    '/api/admin/sites/:siteId/stats',
    requireSiteRole(s, LOG_ROLES),
    paramsOf(z.object({ siteId: slug })),
    queryOf(statsQuery),
    (c) => {
      const { siteId } = c.req.valid('param')
      c.header('Cache-Control', 'no-store')
      return c.json(stats.stats(siteId, c.req.valid('query')))
    },
  )
}
