// Consent statistics per day, category, region and revision (dashboard charts). Those of one
// consentId are one visitor's decisions, audited as the look-up of their data is.
import { LOG_ROLES, slug, statsQuery } from '@miniconsent/shared'
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, Services } from '../context'
import { getOnly, paramsOf, queryOf } from '../lib/validate'
import { workSlots } from '../lib/work-slots'
import { assertOwnPage, assertSiteRole, requireSiteRole } from '../middleware/session'
import { auditSubjectView } from '../services/consent-subjects'
import { ConsentStatsService } from '../services/stats'

/**
 * Statistics computed at once, over all sites; past this, a request is refused with 429
 * `stats_busy` and Retry-After. Each is a thread that reads the rollups of the period's closed
 * days (services/stats.ts) and counts the rest, the period's partial first and last days and
 * today, from the log. Measured on a 2-core VM, the whole log of a site, built server: 500,000
 * records over 173 days, 0.1 s (0.7–0.9 s for the first view, which rolls the days up; 4–6 s
 * before rollups); 2,000,000 over five years, 0.3 s (3.8 s the first; 21 s before). A first
 * view is most of a core for seconds on a large log, once. More than the verifications'
 * (VERIFIES_AT_ONCE): every dashboard user's analytics page asks for them.
 */
export const STATS_AT_ONCE = 4

export function statsRoutes(s: Services) {
  const stats = new ConsentStatsService(s.db, { now: s.now })
  const slots = workSlots(STATS_AT_ONCE, 'stats_busy', 'statistics requests', 2)
  return new Hono<AppEnv>().get(
    '/api/admin/sites/:siteId/stats',
    getOnly('Statistics are counted by GET only: HEAD would count them for no answer'),
    requireSiteRole(s, LOG_ROLES),
    paramsOf(z.object({ siteId: slug })),
    queryOf(statsQuery),
    async (c) => {
      const { siteId } = c.req.valid('param')
      const query = c.req.valid('query')
      // One visitor's statistics are audited (below): refused, as their listing is, when another
      // site's page asks for them, which would write entries in an auditor's name. The statistics
      // of the log, which write nothing, are answered as before.
      if (query.consentId !== undefined) assertOwnPage(c)
      const release = slots.take()
      try {
        // Off the event loop: ingestion and every other request go on meanwhile. A client that
        // goes away ends its thread (the signal), which frees its place.
        const result = await stats.statsInThread(siteId, query, c.req.raw.signal)
        // Still a member with a log role once they are counted (the role was checked before, and a
        // first view of a large log takes seconds): only then are they audited and answered.
        assertSiteRole(c, s, LOG_ROLES, true)
        // One visitor's statistics show their decisions (each day, method, category granted or
        // denied, region, revision): audited as their listing is, so that the site can tell who
        // looked at them whichever way. Only GET gets here (getOnly).
        if (query.consentId !== undefined) {
          const records = result.perDay.reduce((n, d) => n + d.total, 0)
          auditSubjectView(s.audit, { siteId, consentId: query.consentId, userId: c.get('session')!.user.id }, { records, via: 'stats' })
        }
        c.header('Cache-Control', 'no-store')
        return c.json(result)
      } finally {
        release()
      }
    },
  )
}
