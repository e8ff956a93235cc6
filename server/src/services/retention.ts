// Retention (SPEC §7): each site keeps consent records `retentionDays` (default 5 years), then
// they are purged. Only a prefix of the chain is ever removed — oldest first, stopping at the
// first record still within retention — so what remains is one unbroken chain; the newest
// purged record's seq and hash become the site's anchor, where verification starts.
//
// The admin audit log follows the same clock: a site's entries are kept as long as its consent
// records (they explain what visitors were shown while those records were made), and entries of
// no site as long as the default retention. So do export manifests, which name who exported and
// with which filters.
import { siteSettings, storedSiteSettings } from '@miniconsent/shared'
import { and, eq, isNull, lt } from 'drizzle-orm'
import type { Db } from '../db/client'
import { auditLog, consentIdentities, documentAcceptances, exportManifests, sites } from '../db/schema'
import type { Logger } from '../logger'
import type { AuditLog } from './audit'

const DAY_MS = 86_400_000
/** Rows deleted per transaction: ingestion waits for at most one batch. */
const BATCH = 5_000
/** How long audit entries of no site are kept: the sites' default retention (five years). */
export const ACCOUNT_AUDIT_RETENTION_DAYS: number = siteSettings.shape.retentionDays.parse(undefined)

export interface PurgeResult {
  siteId: string
  purged: number
  identities: number
  documents: number
  /** Audit log entries of the site. */
  auditEntries: number
  /** Export manifests of the site (they hold the filters, a consentId among them, and who exported). */
  manifests: number
  /**
   * The record the purge stopped at although later ones are past retention: it was stamped later
   * than they were (the server's clock ran ahead, then stepped back). Records are purged oldest
   * first in chain order, so those after it are kept until it expires too.
   */
  heldBackBy?: { seq: number; serverTime: string }
}

export interface PurgeOptions {
  /**
   * Where each transaction that deleted something records it (`consents.purge`); none when absent.
   * Over the same connection as the purge, so that the entry is written in its transaction.
   */
  audit?: AuditLog
  /** Consent records deleted per transaction (tests make it small). */
  batch?: number
}

/**
 * Purges one site, a batch of records per transaction. Each transaction that deletes something
 * also writes its `consents.purge` audit entry, saying what that transaction deleted, so a crash
 * or an error between two of them leaves nothing deleted unaudited nor audited undeleted. A purge
 * larger than a batch is therefore audited in several entries. The site's other expired rows
 * (identities, accepted documents, audit entries, export manifests) go in the last transaction.
 */
export function purgeSite(db: Db, siteId: string, retentionDays: number, now: number, o: PurgeOptions = {}): PurgeResult {
  const before = new Date(now - retentionDays * DAY_MS)
  const cutoff = before.toISOString()
  const size = o.batch ?? BATCH
  const c = db.$client
  const oldest = c.prepare('SELECT seq, hash, server_time AS serverTime FROM consent_records WHERE site_id = ? ORDER BY seq LIMIT ?')
  const remove = c.prepare('DELETE FROM consent_records WHERE site_id = ? AND seq <= ?')
  const anchor = c.prepare(
    `INSERT INTO chain_anchors (site_id, seq, hash, purged_count, purged_at) VALUES (@siteId, @seq, @hash, @count, @at)
     ON CONFLICT (site_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
       purged_count = chain_anchors.purged_count + excluded.purged_count, purged_at = excluded.purged_at`,
  )
  const others = () => ({
    identities: db
      .delete(consentIdentities)
      .where(and(eq(consentIdentities.siteId, siteId), lt(consentIdentities.serverTime, cutoff)))
      .run().changes,
    documents: db
      .delete(documentAcceptances)
      .where(and(eq(documentAcceptances.siteId, siteId), lt(documentAcceptances.serverTime, cutoff)))
      .run().changes,
    auditEntries: db
      .delete(auditLog)
      .where(and(eq(auditLog.siteId, siteId), lt(auditLog.at, before)))
      .run().changes,
    manifests: db
      .delete(exportManifests)
      .where(and(eq(exportManifests.siteId, siteId), lt(exportManifests.createdAt, before)))
      .run().changes,
  })
  const none = { identities: 0, documents: 0, auditEntries: 0, manifests: 0 }
  const step = c.transaction((): PurgeResult => {
    const rows = oldest.all(siteId, size) as { seq: number; hash: string; serverTime: string }[]
    // Stop at the first record within retention even if a later one is older (a clock step back).
    const within = rows.findIndex((r) => r.serverTime >= cutoff)
    const stop = within === -1 ? rows.length : within
    const last = rows[stop - 1]
    let purged = 0
    if (last) {
      purged = remove.run(siteId, last.seq).changes
      anchor.run({ siteId, seq: last.seq, hash: last.hash, count: purged, at: now })
    }
    const held = rows[stop]
    const heldBack = held && rows.slice(stop + 1).some((r) => r.serverTime < cutoff) ? { heldBackBy: { seq: held.seq, serverTime: held.serverTime } } : {}
    const result = { siteId, purged, ...(purged < size ? others() : none), ...heldBack }
    if (o.audit && removedAny(result)) o.audit.record({ siteId, userId: null, action: 'consents.purge', after: result })
    return result
  })
  const total: PurgeResult = { siteId, purged: 0, ...none }
  for (;;) {
    // IMMEDIATE, as writeTransaction (db/client.ts): the consent writer thread writes the same file.
    const r = step.immediate()
    total.purged += r.purged
    total.identities += r.identities
    total.documents += r.documents
    total.auditEntries += r.auditEntries
    total.manifests += r.manifests
    if (r.heldBackBy) total.heldBackBy = r.heldBackBy
    if (r.purged < size) return total
  }
}

const removedAny = (r: PurgeResult) => Boolean(r.purged || r.identities || r.documents || r.auditEntries || r.manifests)

/** Deletes audit entries of no site past ACCOUNT_AUDIT_RETENTION_DAYS; returns how many. */
export function purgeAccountAudit(db: Db, now: number): number {
  return db
    .delete(auditLog)
    .where(and(isNull(auditLog.siteId), lt(auditLog.at, new Date(now - ACCOUNT_AUDIT_RETENTION_DAYS * DAY_MS))))
    .run().changes
}

/**
 * Purges every site by its own retention setting. A site that fails (its settings unreadable, the
 * database busy past the timeout) is passed to `failed` and the others are purged all the same.
 */
export function purgeExpired(db: Db, now: number, o: PurgeOptions & { failed?: (siteId: string, err: unknown) => void } = {}): PurgeResult[] {
  const results: PurgeResult[] = []
  for (const site of db.select({ id: sites.id, settings: sites.settings }).from(sites).all()) {
    try {
      results.push(purgeSite(db, site.id, storedSiteSettings.parse(JSON.parse(site.settings)).retentionDays, now, o))
    } catch (err) {
      o.failed?.(site.id, err)
    }
  }
  return results
}

/** Runs the purge now and then every `everyMs`; the timer does not keep the process alive. */
export function startRetention(
  db: Db,
  o: { logger: Logger; audit?: AuditLog; now?: () => number; everyMs?: number },
): { stop: () => void } {
  const now = o.now ?? Date.now
  const run = () => {
    try {
      const t = now()
      const failed = (siteId: string, err: unknown) => o.logger.error('retention purge failed', { siteId, err })
      for (const r of purgeExpired(db, t, { ...(o.audit ? { audit: o.audit } : {}), failed })) {
        if (removedAny(r)) o.logger.info('retention purge', { ...r })
        if (r.heldBackBy) {
          o.logger.warn('retention held back: a record stamped later than those after it (the clock stepped back) keeps them past retention until it expires', {
            siteId: r.siteId,
            ...r.heldBackBy,
          })
        }
      }
      const accountEntries = purgeAccountAudit(db, t)
      if (accountEntries) o.logger.info('retention purge', { auditEntries: accountEntries })
    } catch (err) {
      o.logger.error('retention purge failed', { err })
    }
  }
  run()
  const timer = setInterval(run, o.everyMs ?? 3_600_000)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}
