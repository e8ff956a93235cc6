// Data-subject requests by consentId: look up and download (owners and auditors), erase (owners only).
// And by the site's user ID (owners and auditors): the consentIds linked to it, each then looked up,
// downloaded or erased as above.
import { consentId, LOG_ROLES, siteUserId, slug } from '@miniconsent/shared'
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, Services } from '../context'
import { getOnly, paramsOf, queryOf } from '../lib/validate'
import { assertSiteRole, ownPagesOnly, requireSiteRole } from '../middleware/session'
import { ConsentSubjects } from '../services/consent-subjects'

const subjectParams = z.object({ siteId: slug, consentId })
const siteParams = z.object({ siteId: slug })
const subjectUserQuery = z.object({ userId: siteUserId })

export function subjectRoutes(s: Services) {
  const subjects = new ConsentSubjects(s.db, s.now, s.audit, s.manifestKeys, s.logger)
  return new Hono<AppEnv>()
    .get('/api/admin/sites/:siteId/subjects/:consentId', requireSiteRole(s, LOG_ROLES), paramsOf(subjectParams), (c) => {
      const { siteId, consentId } = c.req.valid('param')
      c.header('Cache-Control', 'no-store')
      return c.json(subjects.find(siteId, consentId))
    })
    // The user ID in the query, not the path: it may be any text, and a path segment of `.`, `..`
    // or an encoded `/` is resolved or refused by browsers and proxies before it gets here.
    .get('/api/admin/sites/:siteId/subject-users', requireSiteRole(s, LOG_ROLES), paramsOf(siteParams), queryOf(subjectUserQuery), (c) => {
      const { siteId } = c.req.valid('param')
      const { userId } = c.req.valid('query')
      c.header('Cache-Control', 'no-store')
      return c.json(subjects.findByUser(siteId, userId))
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
