// The consent log as admins and auditors read it, and its chain verification.
import { consentLogQuery, LOG_ROLES, slug } from '@miniconsent/shared'
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, Services } from '../context'
import { getOnly, paramsOf, queryOf } from '../lib/validate'
import { workSlots } from '../lib/work-slots'
import { ownPagesOnly, requireSiteRole } from '../middleware/session'

const siteParam = z.object({ siteId: slug })

/**
 * Verifications running at once, over all sites. Each is a thread that reads a site's whole log
 * and hashes every record, most of a core for seconds on a large log; past this, a verification
 * is refused with 429 `verifies_busy` and Retry-After. A budget of its own rather than a share of
 * the exports' (EXPORTS_AT_ONCE, routes/exports.ts): an export lasts as long as its download, and
 * four slow downloads would otherwise shut verification out for their whole length. Together the
 * two bound the server's reading threads to 4 + 2.
 */
export const VERIFIES_AT_ONCE = 2

/**
 * Pages of the listing read at once, over all sites: each is a thread with a read snapshot, over
 * in milliseconds for the usual views and in a second or two for a rare filter over millions of
 * records; past this, 429 `listings_busy` and Retry-After.
 */
export const LISTINGS_AT_ONCE = 4

export function adminConsentRoutes(s: Services) {
  const slots = workSlots(VERIFIES_AT_ONCE, 'verifies_busy', 'chain verifications', 5)
  const listings = workSlots(LISTINGS_AT_ONCE, 'listings_busy', 'consent log listings', 1)

  return new Hono<AppEnv>()
    .get('/api/admin/sites/:siteId/consents', requireSiteRole(s, LOG_ROLES), paramsOf(siteParam), queryOf(consentLogQuery), async (c) => {
      const { siteId } = c.req.valid('param')
      const release = listings.take()
      try {
        // Off the event loop: a filter matching few records of a large log reads much of it.
        const page = await s.consentLog.listInThread(siteId, c.req.valid('query'), c.req.raw.signal)
        c.header('Cache-Control', 'no-store')
        return c.json(page)
      } finally {
        release()
      }
    })
    .get('/api/admin/sites/:siteId/verify', getOnly('A verification is run by GET only: HEAD would walk the whole chain for no answer'), ownPagesOnly, requireSiteRole(s, LOG_ROLES), paramsOf(siteParam), async (c) => {
      const { siteId } = c.req.valid('param')
      const release = slots.take()
      try {
        // Off the event loop: ingestion and every other request go on meanwhile. A client that
        // goes away ends its verification (the signal), which frees its place.
        const result = await s.consentLog.verifyInThread(siteId, c.req.raw.signal)
        c.header('Cache-Control', 'no-store')
        return c.json(result)
      } finally {
        release()
      }
    })
}
