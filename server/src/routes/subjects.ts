// Data-subject requests by consentId: look up and download (owners and auditors), erase (owners only).
// And by the site's user ID (owners and auditors): the consentIds linked to it, each then looked up,
// downloaded or erased as above. Every look-up, download and erasure is audited.
import { consentId, LOG_ROLES, siteUserId, slug } from '@miniconsent/shared'
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, Services } from '../context'
import { getOnly, paramsOf, queryOf } from '../lib/validate'
import { workSlots } from '../lib/work-slots'
import { assertSiteRole, ownPagesOnly, requireSiteRole } from '../middleware/session'
import { ConsentSubjects } from '../services/consent-subjects'

const subjectParams = z.object({ siteId: slug, consentId })
const siteParams = z.object({ siteId: slug })
const subjectUserQuery = z.object({ userId: siteUserId })

/**
 * Look-ups by user ID at once on this server, each in a thread of its own (a user ID very many
 * visitors share takes seconds); one account runs at most 2 of them, one site's accounts together
 * at most 3, so that another site always has a place. Past this, 429 `lookups_busy` and Retry-After.
 */
export const LOOK_UPS_AT_ONCE = 4

/** A look-up is audited: HEAD would audit one that nobody receives. */
const LOOK_UP_BY_GET = 'A data-subject look-up is made by GET only: HEAD would audit one that nobody receives'

export function subjectRoutes(s: Services) {
  const subjects = new ConsentSubjects(s.db, s.now, s.audit, s.manifestKeys, s.logger)
  const lookUps = workSlots(LOOK_UPS_AT_ONCE, 'lookups_busy', 'user ID look-ups', 1, { perAccount: 2, perSite: 3 })
  return new Hono<AppEnv>()
    .get('/api/admin/sites/:siteId/subjects/:consentId', getOnly(LOOK_UP_BY_GET), ownPagesOnly, requireSiteRole(s, LOG_ROLES), paramsOf(subjectParams), (c) => {
      const { siteId, consentId } = c.req.valid('param')
      c.header('Cache-Control', 'no-store')
      return c.json(subjects.lookUp(siteId, consentId, c.get('session')!.user.id))
    })
    // The user ID in the query, not the path: it may be any text, and a path segment of `.`, `..`
    // or an encoded `/` is resolved or refused by browsers and proxies before it gets here.
    .get('/api/admin/sites/:siteId/subject-users', getOnly(LOOK_UP_BY_GET), ownPagesOnly, requireSiteRole(s, LOG_ROLES), paramsOf(siteParams), queryOf(subjectUserQuery), async (c) => {
      const { siteId } = c.req.valid('param')
      const { userId } = c.req.valid('query')
      const release = lookUps.take({ account: String(c.get('session')!.user.id), site: siteId })
      let found
      try {
        // Off the event loop: a user ID very many visitors share takes seconds. Its place is held
        // until the thread has ended, even for a request cancelled meanwhile (oneShotThread).
        found = await subjects.findByUserInThread(siteId, userId, c.req.raw.signal)
      } finally {
        release()
      }
      // Still a member with a log role once the thread has answered (the role was checked before it
      // ran); only then is the look-up audited and answered.
      assertSiteRole(c, s, LOG_ROLES, true)
      subjects.auditUserLookUp(siteId, found, c.get('session')!.user.id)
      c.header('Cache-Control', 'no-store')
      return c.json(found)
    })
    .get('/api/admin/sites/:siteId/subjects/:consentId/export', getOnly('A data-subject export is made by GET only: HEAD would audit one that nobody receives'), ownPagesOnly, requireSiteRole(s, LOG_ROLES), paramsOf(subjectParams), (c) => {
      const { siteId, consentId } = c.req.valid('param')
      c.header('Content-Type', 'application/x-ndjson; charset=utf-8')
      c.header('Content-Disposition', `attachment; filename="subject-${siteId}-${consentId}.ndjson"`)
      c.header('Cache-Control', 'no-store')
      return c.body(subjects.exportNdjson(siteId, consentId, c.get('session')!.user.id))
    })
    .delete('/api/admin/sites/:siteId/subjects/:consentId', requireSiteRole(s, ['owner']), paramsOf(subjectParams), async (c) => {
      const { siteId, consentId } = c.req.valid('param')
      // Records received before this request are committed first: none of them outlives the erasure.
      await s.consentLog.written()
      // Still an owner once they are: the role was checked before that wait.
      assertSiteRole(c, s, ['owner'], true)
      const result = subjects.erase(siteId, consentId, c.get('session')!.user.id)
      s.logger.info('subject erased', { siteId, ...result })
      return c.json(result)
    })
}
