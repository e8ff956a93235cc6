// Consent statistics per day, category, region and revision (dashboard charts).
import { LOG_ROLES, slug, statsQuery } from '@miniconsent/shared'
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, Services } from '../context'
import { getOnly, paramsOf, queryOf } from '../lib/validate'
import { workSlots } from '../lib/work-slots'
import { requireSiteRole } from '../middleware/session'
import { ConsentStatsService } from '../services/stats'

/**
 * Statistics computed at once, over all sites. Each is a thread that groups a period of a site's
 * log, most of a core for a moment on a large log; past this, a request is refused with 429
 * `stats_busy` and Retry-After. More than the verifications' (VERIFIES_AT_ONCE): every dashboard
 * user's analytics page asks for them, and each is over in well under a second.
 */
export const STATS_AT_ONCE = 4

export function statsRoutes(s: Services) {
  const stats = new ConsentStatsService(s.db)
  const slots = workSlots(STATS_AT_ONCE, 'stats_busy', 'statistics requests', 2)
  return new Hono<AppEnv>().get(
    '/api/admin/sites/:siteId/stats',
    getOnly('Statistics are counted by GET only: HEAD would count them for no answer'),
    requireSiteRole(s, LOG_ROLES),
    paramsOf(z.object({ siteId: slug })),
    queryOf(statsQuery),
    async (c) => {
      const { siteId } = c.req.valid('param')
      const release = slots.take()
      try {
        // Off the event loop: ingestion and every other request go on meanwhile. A client that
        // goes away ends its thread (the signal), which frees its place.
        const result = await stats.statsInThread(siteId, c.req.valid('query'), c.req.raw.signal)
        c.header('Cache-Control', 'no-store')
        return c.json(result)
      } finally {
        release()
      }
    },
  )
}
