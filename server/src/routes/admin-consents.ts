// The consent log as admins and auditors read it, and its chain verification.
import { consentLogQuery, exportManifest, LOG_ROLES, slug, verifyWithManifestInput } from '@miniconsent/shared'
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, Services } from '../context'
import { ApiError } from '../lib/errors'
import { getOnly, jsonBody, paramsOf, queryOf } from '../lib/validate'
import { workSlots } from '../lib/work-slots'
import { assertOwnPage, assertSiteRole, ownPagesOnly, requireSiteRole } from '../middleware/session'
import { savedManifestHead, type SavedManifestHead } from '../services/consent-chain'
import { auditSubjectView } from '../services/consent-subjects'
import { signedManifestProblem, storedPublicKeys } from '../services/manifest-keys'

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
      const query = c.req.valid('query')
      // One visitor's listing is audited (below): refused, as their look-up is (ownPagesOnly), when
      // another site's page asks for it, which would write entries in an auditor's name. The
      // listing of the log, which writes nothing, is answered as before.
      if (query.consentId !== undefined) assertOwnPage(c)
      const release = listings.take()
      try {
        // Off the event loop: a filter matching few records of a large log reads much of it.
        const page = await s.consentLog.listInThread(siteId, query, c.req.raw.signal)
        // Still a member with a log role once the page is read (the role was checked before, and a
        // page of a large log takes seconds): only then is it audited and answered, so that no
        // look-up follows the member's removal in the audit log.
        assertSiteRole(c, s, LOG_ROLES, true)
        // One visitor's records (IP, user agent, page) are their data, as the look-up by consentId
        // shows it: audited as it is, once per page read, so that the site can tell who looked
        // at them whichever way. A HEAD receives no records.
        if (query.consentId !== undefined && c.req.method === 'GET') {
          auditSubjectView(s.audit, { siteId, consentId: query.consentId, userId: c.get('session')!.user.id }, { records: page.records.length, via: 'listing' })
        }
        c.header('Cache-Control', 'no-store')
        return c.json(page)
      } finally {
        release()
      }
    })
    .get('/api/admin/sites/:siteId/verify', getOnly('A verification is run by GET only: HEAD would walk the whole chain for no answer'), ownPagesOnly, requireSiteRole(s, LOG_ROLES), paramsOf(siteParam), async (c) => {
      const { siteId } = c.req.valid('param')
      return c.json(await verified(siteId, c.req.raw.signal), 200, NO_STORE)
    })
    // The same verification, also against a manifest the auditor saved outside the server: the
    // one chain head that deleting rows (the manifests' own included) cannot take away.
    .post('/api/admin/sites/:siteId/verify', requireSiteRole(s, LOG_ROLES), paramsOf(siteParam), jsonBody(verifyWithManifestInput, { fieldsOf: 'a verification' }), async (c) => {
      const { siteId } = c.req.valid('param')
      const saved = savedHead(s, siteId, c.req.valid('json').manifest)
      return c.json(await verified(siteId, c.req.raw.signal, saved), 200, NO_STORE)
    })

  async function verified(siteId: string, signal: AbortSignal, saved?: SavedManifestHead) {
    const release = slots.take()
    try {
      // Off the event loop: ingestion and every other request go on meanwhile. A client that
      // goes away ends its verification (the signal), which frees its place.
      return await s.consentLog.verifyInThread(siteId, signal, saved)
    } finally {
      release()
    }
  }
}

const NO_STORE = { 'Cache-Control': 'no-store' }

/**
 * The chain head of a saved manifest, once it is known to be this server's, unaltered, and of
 * this site: 400 for what is no manifest or another site's, 422 for one unsigned (nothing proves
 * its head) or not signed by this server's keys (forged or altered, or the keys were).
 */
function savedHead(s: Services, siteId: string, raw: Record<string, unknown>): SavedManifestHead {
  const parsed = exportManifest.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new ApiError(400, 'invalid_manifest', `Not an export manifest: ${issue.path.join('.') || '(the manifest)'}: ${issue.message}`)
  }
  const manifest = parsed.data
  if (manifest.siteId !== siteId) throw new ApiError(400, 'manifest_other_site', `The manifest is of site "${manifest.siteId}", not "${siteId}"`)
  if (manifest.keyId === undefined && manifest.signature === undefined) {
    throw new ApiError(422, 'manifest_unsigned', 'The manifest is unsigned (made before 0.8, or its signature was removed): nothing proves the chain head it names')
  }
  const problem = signedManifestProblem(raw, manifest, storedPublicKeys(s.db), "this server's keys")
  if (problem) throw new ApiError(422, 'manifest_not_signed_here', `The manifest is not one this server signed as it is: ${problem}`)
  return savedManifestHead(manifest)
}
