// Retention (SPEC §7): each site keeps consent records `retentionDays` (default 5 years), then
// they are purged. Only a prefix of the chain is ever removed — oldest first, stopping at the
// first record still within retention — so what remains is one unbroken chain; the newest
// purged record's seq and hash become the site's anchor, where verification starts. A purge
// deletes only records that verify as that chain's links (consent-chain.ts), and signs the anchor
// over nothing else: records restamped as expired in the database, or otherwise edited, stay, with
// everything after them, and verification goes on reporting them.
//
// The admin audit log follows the same clock: a site's entries are kept as long as its consent
// records (they explain what visitors were shown while those records were made), and entries of
// no site as long as the default retention. So do export manifests, which name who exported and
// with which filters. A deleted site (it never had records: services/sites.ts deleteSite) leaves
// only its audit log, kept by the retention it had when it was deleted (`deleted_sites`), its
// `site.delete` entry included; its id stays reserved by that row once the log is empty.
//
// The retention a live site is purged by is one the server saved and signed (retention-signature.ts):
// whoever could write the settings row could otherwise set one day and have the purge delete, and
// sign as retention, everything older. A site whose retention bears no such signature is not
// purged at all, and the purge warns once; the anchor says the retention its purge acted on. So
// with a deleted site's audit log: the retention kept for it carries the site's signature, and one
// rewritten there (or unsigned when the site was deleted) purges none of it, until the server's
// operator signs it (`sign-unsigned --site <id> --confirm`).
import { siteSettings } from '@miniconsent/shared'
import type { Db } from '../db/client'
import type { Logger } from '../logger'
import type { AuditLog } from './audit'
import { STORED_ROW_COLUMNS, formatOf, manifestHeads, storedErasures, verifyChain, type HashFormat, type SeenHead, type StoredRow } from './consent-chain'
import {
  DELETED_SITE_RETENTION_COLUMNS,
  SITE_RETENTION_COLUMNS,
  signedDeletedRetention,
  signedRetention,
  type DeletedSiteRetentionRow,
  type SiteRetentionRow,
} from './retention-signature'
import { ANCHOR_COLUMNS, ANCHOR_RETENTION_COLUMN, anchorProblem, signAnchor, storedGeneratedKey, storedVerifyKeys, type AnchorRow, type StoredSigningKey } from './stored-signatures'

const DAY_MS = 86_400_000
/**
 * Rows deleted per transaction, all tables together. SQLite is synchronous: a transaction holds
 * the event loop from BEGIN to COMMIT, and as long the write lock the consent writer thread waits
 * for (busy_timeout 5 s). COMMIT costs most: it writes and syncs every page the batch dirtied (a
 * record's entries in four indexes, two of them in random order) and, every ~1,000 pages, a WAL
 * checkpoint. Measured on a 2,000,000-record log, lowering retention from 730 to 700 days
 * (82,192 records and 37,810 other rows), per transaction:
 *   5,000 (until now, run back to back): median 469 ms, worst 864 ms; the event loop blocked 8.6 s.
 *   500: median 48 ms, worst 83 ms.
 *   200: median 11 ms, worst 70–74 ms (111 ms purging 1,000,000 records); ingestion's appends
 *        meanwhile 1.6 ms (median), 16–27 ms (worst).
 *   100: median 5 ms, worst 53 ms.
 * The whole purge takes 11–13 s whatever the size. Below 200 the checkpoints set the worst case,
 * and a purge writes twice as many `consents.purge` entries (one per transaction).
 */
export const PURGE_BATCH = 200
/**
 * The purge's statements (their query plans are tested). The rows to delete are found through the
 * (site_id, time) indexes; the oldest records through consent_records_site_seq, named: on a
 * database with planner statistics, consent_records_site_time (recreated by migration 0006, so
 * without statistics of its own) looked cheaper, and each batch read and sorted the whole site.
 */
export const PURGE_SQL = {
  // Whole rows: the purge verifies those it deletes.
  oldest: `SELECT ${STORED_ROW_COLUMNS} FROM consent_records INDEXED BY consent_records_site_seq WHERE site_id = ? ORDER BY seq LIMIT ?`,
  // Once the records before the one a purge stops at are gone, any record left past retention
  // comes after it: one look-up finds it, however far down the log.
  expired: 'SELECT seq FROM consent_records WHERE site_id = ? AND server_time < ? LIMIT 1',
  records: 'DELETE FROM consent_records WHERE site_id = ? AND seq <= ?',
  // With the retention this purge acted on: the anchor's signature covers it (anchorStatement).
  anchor: `INSERT INTO chain_anchors (site_id, seq, hash, purged_count, purged_at, retention_days) VALUES (@siteId, @seq, @hash, @count, @at, @retentionDays)
     ON CONFLICT (site_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
       purged_count = chain_anchors.purged_count + excluded.purged_count, purged_at = excluded.purged_at, retention_days = excluded.retention_days, signature = NULL`,
  anchorRow: `SELECT ${ANCHOR_COLUMNS}, ${ANCHOR_RETENTION_COLUMN}, signature FROM chain_anchors WHERE site_id = ?`,
  // Live sites with their settings and the signature of their retention.
  sites: `SELECT ${SITE_RETENTION_COLUMNS} FROM sites ORDER BY rowid`,
  signAnchor: 'UPDATE chain_anchors SET signature = ? WHERE site_id = ?',
  // At most `limit` rows at a time.
  identities: 'DELETE FROM consent_identities WHERE id IN (SELECT id FROM consent_identities WHERE site_id = ? AND server_time < ? LIMIT ?)',
  documents: 'DELETE FROM document_acceptances WHERE id IN (SELECT id FROM document_acceptances WHERE site_id = ? AND server_time < ? LIMIT ?)',
  auditEntries: 'DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE site_id = ? AND at < ? LIMIT ?)',
  manifests: 'DELETE FROM export_manifests WHERE rowid IN (SELECT rowid FROM export_manifests WHERE site_id = ? AND created_at < ? LIMIT ?)',
  accountAudit: 'DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE site_id IS NULL AND at < ? LIMIT ?)',
  // Deleted sites (none of them a site again, should the row of one be written by hand).
  // With the signature of their retention.
  deletedSites: `SELECT ${DELETED_SITE_RETENTION_COLUMNS} FROM deleted_sites WHERE site_id NOT IN (SELECT id FROM sites) ORDER BY rowid`,
  deletedSitePurged: 'UPDATE deleted_sites SET audit_purged_count = audit_purged_count + ?, audit_purged_at = ? WHERE site_id = ?',
} as const

/** How long audit entries of no site are kept: the sites' default retention (five years). */
export const ACCOUNT_AUDIT_RETENTION_DAYS: number = siteSettings.shape.retentionDays.parse(undefined)

export interface PurgeResult {
  siteId: string
  /** A deleted site: its audit entries are all it has left to purge (purgeDeletedSite). */
  deleted?: true
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
  /**
   * The first record past retention that fails verification (its reason as verify gives it): the
   * purge deleted the records before it, and keeps it and every record after it, so that
   * verification goes on reporting it. That it looked past retention proves nothing: its
   * server_time may be the edit.
   */
  chainBroken?: { seq: number; reason: string }
  /**
   * Why the site was not purged at all: its `retentionDays` bears no valid signature of this server
   * (edited in the database, or saved by a version that did not sign it). An owner saving the
   * retention again signs it. For a deleted site (`deleted`), the retention kept for its audit log
   * (`deleted_sites`), which nobody can save again: the server's operator signs it (`sign-unsigned`).
   */
  unsignedRetention?: string
}

export interface PurgeOptions {
  /**
   * Where each transaction that deleted something records it (`consents.purge`); none when absent.
   * Over the same connection as the purge, so that the entry is written in its transaction. A
   * deleted site's purge counts what it deleted in its `deleted_sites` row instead (purgeDeletedSite).
   */
  audit?: AuditLog
  /** Rows deleted per transaction (tests make it small); PURGE_BATCH when absent. */
  batch?: number
  /**
   * The key that signs each anchor a purge writes (the manifest key: the server passes it). When
   * absent, the key generated and kept in the database, if that is the one signing; else the
   * anchor stays unsigned, and verification reports it.
   */
  sign?: StoredSigningKey | null
}

/** How a purge shares the event loop: between two transactions it yields, and it can be stopped there. */
export interface GradualOptions {
  /**
   * Awaited between two transactions, after the event loop has turned. The server waits there for
   * the consent writer thread to commit what it has queued (`consentLog.written()`): ingestion then
   * gets the write lock between every two batches, rather than only if its busy handler happens
   * to poll in the gap.
   */
  between?: () => Promise<void>
  /** Once aborted, the purge stops at its next pause: every transaction it committed is whole and audited. */
  signal?: AbortSignal
}

const removed = (r: PurgeResult) => r.purged + r.identities + r.documents + r.auditEntries + r.manifests
const removedAny = (r: PurgeResult) => removed(r) > 0

/** The next turn of the event loop: timers, I/O (requests, the writer thread's answers) run first. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

async function pause(o: GradualOptions): Promise<boolean> {
  if (o.signal?.aborted) return false
  await nextTurn()
  await o.between?.()
  return !o.signal?.aborted
}

/** What a purge checks the records it deletes against besides their chain, read once per site. */
interface PurgeChecks {
  heads: SeenHead[]
  erasures: ReturnType<typeof storedErasures>
}

/**
 * How many of `rows` (the oldest records, past retention) verify as links of the chain from the
 * anchor (or genesis), as verify walks them (consent-chain.ts): seq and prev_hash, content, format,
 * the erasure of a tombstone, and the head a trusted export manifest saw among them. `format`: the
 * last purged record's, when this run purged it. With the first record that fails, why.
 */
function verifiedPrefix(
  rows: StoredRow[],
  anchor: AnchorRow | undefined,
  format: HashFormat | undefined,
  checks: PurgeChecks,
): { count: number; broken?: { seq: number; reason: string } } {
  const start = anchor ? { seq: anchor.seq, hash: anchor.hash, purgedCount: anchor.purgedCount, ...(format ? { format } : {}) } : null
  // Heads past the batch are for later records: checked when the purge reaches them.
  const last = rows.at(-1)!.seq
  const result = verifyChain(rows, start, checks.heads.filter((h) => h.seq <= last), checks.erasures)
  if (result.ok || !result.firstBad) return { count: rows.length }
  // `count` includes the first bad record: the records before it are sound links of the chain.
  return { count: Math.max(0, result.count - 1), broken: result.firstBad }
}

/**
 * One site's purge as a series of transactions: `step()` runs the next (IMMEDIATE) and says
 * whether the purge is complete. Each transaction deletes at most `batch` rows: the oldest
 * records first, and once no record is left to purge, with what room is left, the site's other
 * expired rows (identities, accepted documents, audit entries, export manifests). Each transaction
 * that deletes something also moves the chain anchor past the records it deleted and writes its
 * `consents.purge` audit entry, saying what that transaction deleted, so a crash or an error
 * between two of them leaves nothing deleted unaudited nor audited undeleted. A purge larger than
 * a batch is therefore audited in several entries. The records a transaction deletes are verified
 * first, as it reads them (verifiedPrefix): the first that fails ends the purge of records there.
 */
function sitePurge(db: Db, siteId: string, retentionDays: number, now: number, o: PurgeOptions) {
  const beforeMs = now - retentionDays * DAY_MS
  const cutoff = new Date(beforeMs).toISOString()
  const size = o.batch ?? PURGE_BATCH
  const c = db.$client
  const oldest = c.prepare<[string, number], StoredRow>(PURGE_SQL.oldest)
  const expired = c.prepare<[string, string], { seq: number }>(PURGE_SQL.expired)
  const remove = c.prepare(PURGE_SQL.records)
  const anchor = c.prepare(PURGE_SQL.anchor)
  const anchorRow = c.prepare<[string], AnchorRow & { signature: string | null }>(PURGE_SQL.anchorRow)
  const signed = c.prepare(PURGE_SQL.signAnchor)
  const key = o.sign === undefined ? storedGeneratedKey(c) : o.sign
  const keys = storedVerifyKeys(c)
  // Read when there is a record to purge, once: the manifests' heads and the erasures' audit entries.
  let checks: PurgeChecks | undefined
  const purgeChecks = () => (checks ??= { heads: manifestHeads(c, siteId, keys).heads, erasures: storedErasures(c, siteId, keys) })
  const others = {
    identities: c.prepare(PURGE_SQL.identities),
    documents: c.prepare(PURGE_SQL.documents),
    auditEntries: c.prepare(PURGE_SQL.auditEntries),
    manifests: c.prepare(PURGE_SQL.manifests),
  }
  // Once a transaction found the first record within retention (or one that fails verification),
  // later ones do not look again: records written meanwhile are new, and no other purge runs (startRetention).
  let recordsDone = false
  // The format of the last record this run purged: the next batch's first record vouches for it.
  let lastFormat: HashFormat | undefined
  const total: PurgeResult = { siteId, purged: 0, identities: 0, documents: 0, auditEntries: 0, manifests: 0 }
  const transaction = c.transaction((): PurgeResult => {
    let purged = 0
    let heldBack: Pick<PurgeResult, 'heldBackBy'> = {}
    let broken: Pick<PurgeResult, 'chainBroken'> = {}
    if (!recordsDone) {
      const rows = oldest.all(siteId, size)
      // Stop at the first record within retention even if a later one is older (a clock step back).
      const within = rows.findIndex((r) => r.serverTime >= cutoff)
      let stop = within === -1 ? rows.length : within
      const prior = stop > 0 ? anchorRow.get(siteId) : undefined
      if (stop > 0) {
        const verified = verifiedPrefix(rows.slice(0, stop), prior, lastFormat, purgeChecks())
        stop = verified.count
        if (verified.broken) broken = { chainBroken: verified.broken }
      }
      const last = rows[stop - 1]
      if (last) {
        // An anchor this server did not sign (written by hand, or signed with a key after that key
        // was retired: a copy of its private half) is not taken over: moved on, it stays unsigned,
        // and verify goes on reporting it.
        const trusted = !prior || anchorProblem(prior, keys) === null
        purged = remove.run(siteId, last.seq).changes
        // Moving the anchor drops the statistics' rollups of the purged days (a trigger of
        // migration 0012), in this transaction: they never count a purged record.
        anchor.run({ siteId, seq: last.seq, hash: last.hash, count: purged, at: now, retentionDays })
        // Signed as it now is, its count summed over every purge so far.
        if (key && trusted) signed.run(signAnchor(anchorRow.get(siteId)!, key), siteId)
        lastFormat = formatOf(last)
      }
      const held = rows[stop]
      if (held && !broken.chainBroken && expired.get(siteId, cutoff)) {
        heldBack = { heldBackBy: { seq: held.seq, serverTime: held.serverTime } }
      }
    }
    let room = size - purged
    const take = (statement: (typeof others)[keyof typeof others], before: string | number) => {
      if (room <= 0) return 0
      const n = statement.run(siteId, before, room).changes
      room -= n
      return n
    }
    const result: PurgeResult = {
      siteId,
      purged,
      identities: take(others.identities, cutoff),
      documents: take(others.documents, cutoff),
      auditEntries: take(others.auditEntries, beforeMs),
      manifests: take(others.manifests, beforeMs),
      ...heldBack,
      ...broken,
    }
    if (o.audit && removedAny(result)) o.audit.record({ siteId, userId: null, action: 'consents.purge', after: result })
    return result
  })
  return {
    total,
    /** Runs the next transaction; true once everything expired is gone. */
    step(): boolean {
      // IMMEDIATE, as writeTransaction (db/client.ts): the consent writer thread writes the same file.
      const r = transaction.immediate()
      // Fewer than `size` records: none is left to purge. Fewer than `size` rows in all: nothing else either.
      if (r.purged < size || r.chainBroken) recordsDone = true
      total.purged += r.purged
      total.identities += r.identities
      total.documents += r.documents
      total.auditEntries += r.auditEntries
      total.manifests += r.manifests
      if (r.heldBackBy) total.heldBackBy = r.heldBackBy
      if (r.chainBroken) total.chainBroken = r.chainBroken
      return removed(r) < size
    },
  }
}

/**
 * Purges one site in transactions run back to back, blocking the event loop until all is done:
 * for tests and tools. The server purges with purgeSiteGradually.
 */
export function purgeSite(db: Db, siteId: string, retentionDays: number, now: number, o: PurgeOptions = {}): PurgeResult {
  const purge = sitePurge(db, siteId, retentionDays, now, o)
  while (!purge.step());
  return purge.total
}

/**
 * Purges one site as purgeSite does, but yields to the event loop before each transaction (and
 * awaits `between`), so that requests and ingestion wait for one batch at most. Stopped by
 * `signal`, it returns what it purged so far.
 */
export async function purgeSiteGradually(
  db: Db,
  siteId: string,
  retentionDays: number,
  now: number,
  o: PurgeOptions & GradualOptions = {},
): Promise<PurgeResult> {
  const purge = sitePurge(db, siteId, retentionDays, now, o)
  while ((await pause(o)) && !purge.step());
  return purge.total
}

/**
 * Runs `remove`, which deletes at most `size` rows and says how many, in one IMMEDIATE transaction
 * after each pause, until a transaction deletes fewer than `size`; returns how many in all.
 */
async function purgeInBatches(db: Db, o: Pick<PurgeOptions, 'batch'> & GradualOptions, remove: (size: number) => number): Promise<number> {
  const size = o.batch ?? PURGE_BATCH
  const transaction = db.$client.transaction(() => remove(size))
  let total = 0
  while (await pause(o)) {
    const n = transaction.immediate()
    total += n
    if (n < size) break
  }
  return total
}

/** Deletes audit entries of no site past ACCOUNT_AUDIT_RETENTION_DAYS, a batch per transaction; returns how many. */
export async function purgeAccountAudit(db: Db, now: number, o: Pick<PurgeOptions, 'batch'> & GradualOptions = {}): Promise<number> {
  const statement = db.$client.prepare(PURGE_SQL.accountAudit)
  return purgeInBatches(db, o, (size) => statement.run(now - ACCOUNT_AUDIT_RETENTION_DAYS * DAY_MS, size).changes)
}

/**
 * Deletes the audit entries of a deleted site older than `retentionDays` (the retention it had when
 * it was deleted, which purgeExpired checks is signed), as its purges did while it lived, a batch per transaction, yielding between two
 * as purgeSiteGradually does: its `site.delete` entry, the newest, goes last. Each transaction adds
 * what it deleted to the site's `deleted_sites` row (its count and time, nothing personal) rather
 * than writing a `consents.purge` entry: that entry would be one more of the site's audit log,
 * deleted in its turn by a purge writing another, and the log would never be empty.
 */
export async function purgeDeletedSite(
  db: Db,
  siteId: string,
  retentionDays: number,
  now: number,
  o: Pick<PurgeOptions, 'batch'> & GradualOptions = {},
): Promise<PurgeResult> {
  const entries = db.$client.prepare(PURGE_SQL.auditEntries)
  const counted = db.$client.prepare(PURGE_SQL.deletedSitePurged)
  const auditEntries = await purgeInBatches(db, o, (size) => {
    const n = entries.run(siteId, now - retentionDays * DAY_MS, size).changes
    if (n) counted.run(n, now, siteId)
    return n
  })
  return { siteId, deleted: true, purged: 0, identities: 0, documents: 0, auditEntries, manifests: 0 }
}

/**
 * Purges every site by its own retention setting, one after the other (purgeSiteGradually), then
 * the audit log of every deleted site by the retention it had (purgeDeletedSite). A site whose
 * retention this server did not sign as it is (signedRetention; a deleted site's,
 * signedDeletedRetention) is not purged: its result says why (`unsignedRetention`). A site that
 * fails (its settings unreadable, the database busy past the timeout) is passed to `failed` and
 * the others are purged all the same. Stopped by `signal`, it returns what it did.
 */
export async function purgeExpired(
  db: Db,
  now: number,
  o: PurgeOptions & GradualOptions & { failed?: (siteId: string, err: unknown) => void } = {},
): Promise<PurgeResult[]> {
  const results: PurgeResult[] = []
  const c = db.$client
  const keys = storedVerifyKeys(c)
  const live = c
    .prepare<[], SiteRetentionRow>(PURGE_SQL.sites)
    .all()
    .map((site) => ({
      siteId: site.siteId,
      purge: async (): Promise<PurgeResult> => {
        const retention = signedRetention(site, keys)
        if (retention.problem !== undefined) return { siteId: site.siteId, purged: 0, identities: 0, documents: 0, auditEntries: 0, manifests: 0, unsignedRetention: retention.problem }
        return purgeSiteGradually(db, site.siteId, retention.retentionDays, now, o)
      },
    }))
  const deleted = c
    .prepare<[], DeletedSiteRetentionRow>(PURGE_SQL.deletedSites)
    .all()
    .map((site) => ({
      siteId: site.siteId,
      purge: async (): Promise<PurgeResult> => {
        const retention = signedDeletedRetention(site, keys)
        if (retention.problem !== undefined) {
          return { siteId: site.siteId, deleted: true, purged: 0, identities: 0, documents: 0, auditEntries: 0, manifests: 0, unsignedRetention: retention.problem }
        }
        return purgeDeletedSite(db, site.siteId, retention.retentionDays, now, o)
      },
    }))
  for (const { siteId, purge } of [...live, ...deleted]) {
    if (o.signal?.aborted) break
    try {
      results.push(await purge())
    } catch (err) {
      o.failed?.(siteId, err)
    }
  }
  return results
}

export interface Retention {
  /** Runs the purge now, or returns the run still going: two never overlap. Never rejects. */
  run(): Promise<void>
  /**
   * Stops the hourly runs and the running purge, at its next pause between two transactions
   * (each of them whole and audited): resolves once it has stopped, before the database may close.
   */
  stop(): Promise<void>
}

/**
 * Runs the purge now and then every `everyMs`; the timer does not keep the process alive. A run
 * goes on while the server answers (purgeSiteGradually); the timer firing while the previous run
 * is still going starts none.
 */
export function startRetention(
  db: Db,
  o: { logger: Logger; audit?: AuditLog; now?: () => number; everyMs?: number } & Pick<PurgeOptions, 'batch' | 'sign'> & Pick<GradualOptions, 'between'>,
): Retention {
  const now = o.now ?? Date.now
  const stopping = new AbortController()
  const options: PurgeOptions & GradualOptions = {
    signal: stopping.signal,
    ...(o.audit ? { audit: o.audit } : {}),
    ...(o.batch ? { batch: o.batch } : {}),
    ...(o.between ? { between: o.between } : {}),
    ...(o.sign !== undefined ? { sign: o.sign } : {}),
  }
  // Sites whose unsigned retention was already logged: once each, until it is signed.
  const unsignedWarned = new Set<string>()
  const purge = async () => {
    try {
      const t = now()
      const failed = (siteId: string, err: unknown) => o.logger.error('retention purge failed', { siteId, err })
      for (const r of await purgeExpired(db, t, { ...options, failed })) {
        if (removedAny(r)) o.logger.info('retention purge', { ...r })
        if (r.unsignedRetention === undefined) unsignedWarned.delete(r.siteId)
        else if (!unsignedWarned.has(r.siteId)) {
          unsignedWarned.add(r.siteId)
          // A deleted site's retention is nobody's to save again: the operator vouches for it (cli.ts sign-unsigned).
          const until = r.deleted
            ? `so nothing of the deleted site's audit log is purged until the server's operator signs that retention, if it is the one the site had: npm run sign-unsigned -- --site ${r.siteId} --confirm (without --confirm it only lists it)`
            : `so nothing of the site is purged until an owner saves its retention again (Site settings, or PUT /api/admin/sites/${r.siteId}/settings with retentionDays)`
          o.logger.warn(`retention purge skipped: ${r.unsignedRetention}, ${until}`, { siteId: r.siteId })
        }
        if (r.chainBroken) {
          o.logger.error('retention purge stopped at a record that fails verification: it and the records after it are kept, past retention or not, until the log is restored', {
            siteId: r.siteId,
            ...r.chainBroken,
          })
        }
        if (r.heldBackBy) {
          o.logger.warn('retention held back: a record stamped later than those after it (the clock stepped back) keeps them past retention until it expires', {
            siteId: r.siteId,
            ...r.heldBackBy,
          })
        }
      }
      const accountEntries = await purgeAccountAudit(db, t, options)
      if (accountEntries) o.logger.info('retention purge', { auditEntries: accountEntries })
      if (stopping.signal.aborted) o.logger.info('retention purge stopped with the server: what is left is purged at the next start')
    } catch (err) {
      o.logger.error('retention purge failed', { err })
    }
  }
  let running: Promise<void> | null = null
  const run = (): Promise<void> => {
    if (running) {
      o.logger.debug('retention purge still running: no other is started')
      return running
    }
    if (stopping.signal.aborted) return Promise.resolve()
    running = purge().finally(() => (running = null))
    return running
  }
  void run()
  const timer = setInterval(() => void run(), o.everyMs ?? 3_600_000)
  timer.unref()
  return {
    run,
    stop: () => {
      clearInterval(timer)
      stopping.abort()
      return running ?? Promise.resolve()
    },
  }
}
