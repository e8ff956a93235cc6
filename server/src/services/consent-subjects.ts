// Data-subject requests (GDPR art. 15 and 17) by consentId: find, export, erase; and the
// consentIds linked to one of the site's user IDs, for a request from a signed-in customer.
//
// Erasure leaves tombstones: the record's personal fields (consentId, IP, user agent, URL) are
// blanked and `erased_at` set, while seq, prev_hash and hash stay, so the chain's links still
// verify and the log still proves that a decision was recorded at that time. Identities and
// document acceptances of that consentId are deleted outright; they are outside the chain.
//
// What is erased leaves the file too (erase): SQLite only frees the room a deleted or
// rewritten value took, and its write-ahead log keeps each page as it was written, so the values
// could still be read from the file with `strings`.
import { MAX_LINKED_CONSENT_IDS, type ConsentIdentity, type DocumentAcceptance, type SubjectData, type SubjectErasure, type SubjectUser } from '@miniconsent/shared'
import { and, asc, eq, sql } from 'drizzle-orm'
import { writeTransaction, type Db } from '../db/client'
import { ApiError } from '../lib/errors'
import { oneShotThread, workerScript } from '../lib/worker-script'
import { consentIdentities, consentRecords, documentAcceptances } from '../db/schema'
import { ERASED_CONSENT_ID, STORED_ROW_COLUMNS, contentProblem, type StoredRow } from './consent-chain'
import { signErasure } from './stored-signatures'
import { sha256 } from './accounts'
import type { AuditLog } from './audit'
import { LATEST_DECISION_FIRST, toConsentRecord } from './consent-log'
import { eraseFromManifests, namedConsentId } from './export'
import type { ManifestKeys } from './manifest-keys'
import { linkedConsentIds } from './subject-queries'
import type { Logger } from '../logger'

/**
 * How long a reset of the write-ahead log waits for the connections using it (on the event loop,
 * holding the writer thread's commits meanwhile: briefly), the time between two tries, and how
 * many it gets.
 */
const WAL_RESET_WAIT_MS = 20
const WAL_RESET_RETRY_MS = 5_000
const WAL_RESET_TRIES = 60

/** Limits of a look-up's thread: it holds at most MAX_LINKED_CONSENT_IDS links; SQLite's sort is outside V8's heap. */
const LOOKUP_THREAD_LIMITS = { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 64 }

const lookUpAborted = () => new ApiError(503, 'lookup_aborted', 'The look-up was stopped: the request was cancelled')

/** How much of a visitor's data there is, as the audit log notes it. */
const counts = (data: SubjectData) => ({ records: data.records.length, identities: data.identities.length, documents: data.documents.length })

/**
 * Notes that `userId` was shown a visitor's data (`consents.subject-view`), naming the consentId by
 * its SHA-256 only, as the download and the erasure do, with how much was shown (`found`): by the
 * look-up (lookUp), by a page of the consent log's listing filtered by their consentId
 * (routes/admin-consents.ts), which shows the same records, and by the statistics filtered by it
 * (routes/stats.ts), which show their decisions.
 */
export function auditSubjectView(audit: AuditLog, o: { siteId: string; consentId: string; userId: number | null }, found: Record<string, number | string>): void {
  audit.record({ userId: o.userId, siteId: o.siteId, action: 'consents.subject-view', after: { consentIdSha256: sha256(o.consentId), ...found } })
}

export class ConsentSubjects {
  /** The tries left of the pending reset of the write-ahead log: one at a time, whatever the erasures. */
  private walReset: { triesLeft: number } | null = null

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    private readonly audit: AuditLog,
    /** Signs again a manifest the erasure renames a consentId in. */
    private readonly keys: ManifestKeys,
    private readonly logger?: Logger,
  ) {}

  /**
   * One read transaction: the writer thread commits on its own connection meanwhile, and a record
   * committed between two of these reads was named the decision in force without being listed (review).
   */
  find(siteId: string, consentId: string): SubjectData {
    return this.db.$client.transaction(() => this.read(siteId, consentId))()
  }

  private read(siteId: string, consentId: string): SubjectData {
    const records = this.db
      .select()
      .from(consentRecords)
      .where(and(eq(consentRecords.siteId, siteId), eq(consentRecords.consentId, consentId)))
      // `+seq`: a subject's few records are found through consent_records_site_consent and sorted.
      // ORDER BY seq let the planner walk consent_records_site_seq instead, reading every record of
      // the site to skip that sort: 1.1–2.4 s per look-up on a 2,000,000-record log without
      // planner statistics, against 0–2 ms.
      .orderBy(sql`+${consentRecords.seq}`)
      .all()
    const identities: ConsentIdentity[] = this.db
      .select({ recordId: consentIdentities.recordId, userId: consentIdentities.userId, serverTime: consentIdentities.serverTime })
      .from(consentIdentities)
      .where(and(eq(consentIdentities.siteId, siteId), eq(consentIdentities.consentId, consentId)))
      .orderBy(asc(consentIdentities.id))
      .all()
    const documents: DocumentAcceptance[] = this.db
      .select({
        recordId: documentAcceptances.recordId,
        documentType: documentAcceptances.documentType,
        documentVersion: documentAcceptances.documentVersion,
        userId: documentAcceptances.userId,
        url: documentAcceptances.url,
        ip: documentAcceptances.ip,
        userAgent: documentAcceptances.userAgent,
        clientTime: documentAcceptances.clientTime,
        serverTime: documentAcceptances.serverTime,
      })
      .from(documentAcceptances)
      .where(and(eq(documentAcceptances.siteId, siteId), eq(documentAcceptances.consentId, consentId)))
      .orderBy(asc(documentAcceptances.id))
      .all()
    const inForce =
      this.db
        .select({ seq: consentRecords.seq })
        .from(consentRecords)
        .where(and(eq(consentRecords.siteId, siteId), eq(consentRecords.consentId, consentId)))
        .orderBy(...LATEST_DECISION_FIRST)
        .limit(1)
        .get()?.seq ?? null
    return { consentId, records: records.map(toConsentRecord), inForce, identities, documents }
  }

  /**
   * A visitor's data, for a look-up by an owner or auditor (the admin route): who looked it up is
   * audited, naming the consentId by its SHA-256 only, as the download and the erasure do.
   */
  lookUp(siteId: string, consentId: string, userId: number | null): SubjectData {
    const data = this.find(siteId, consentId)
    auditSubjectView(this.audit, { siteId, consentId, userId }, counts(data))
    return data
  }

  /**
   * The consentIds linked to one of the site's user IDs, by identify() or by a document accepted
   * with it, last linked first, each with how many consent records are stored under it
   * (subject-queries.ts). At most MAX_LINKED_CONSENT_IDS are counted and listed, `total` says how
   * many there are. Read here, on this thread: tests, `:memory:`. The server uses findByUserInThread.
   */
  findByUser(siteId: string, userId: string): SubjectUser {
    return linkedConsentIds(this.db.$client, siteId, userId, MAX_LINKED_CONSENT_IDS)
  }

  /**
   * The same, read in a worker thread with a read-only connection of its own (subjects-worker.ts):
   * a user ID that a million visitors share (a site calling identify('undefined')) takes ~1.8 s to
   * read and sort, during which this thread goes on ingesting and answering. An in-memory
   * database, which no other connection can open, is read here. `signal` aborts (the client went
   * away): the thread is ended, and the promise settles once it has (a thread inside SQLite ends
   * only when its query returns).
   */
  findByUserInThread(siteId: string, userId: string, signal?: AbortSignal): Promise<SubjectUser> {
    const client = this.db.$client
    if (client.memory) return Promise.resolve().then(() => this.findByUser(siteId, userId))
    return oneShotThread(workerScript(import.meta.url, 'subjects-worker'), {
      workerData: { file: client.name, siteId, userId, cap: MAX_LINKED_CONSENT_IDS },
      resourceLimits: LOOKUP_THREAD_LIMITS,
      signal,
      aborted: lookUpAborted,
      what: 'user ID look-up',
      read: (value: SubjectUser) => value,
    })
  }

  /**
   * Audits a look-up by user ID that `by` is answered: how many consentIds it found, and not the
   * user ID, not even hashed. A consentId is random, so its SHA-256 names it to nobody who does
   * not already hold it; a site's user IDs are often counted or e-mail addresses, whose SHA-256
   * anyone reading the audit log could find by hashing guesses.
   */
  auditUserLookUp(siteId: string, found: SubjectUser, by: number | null): void {
    this.audit.record({ userId: by, siteId, action: 'consents.subject-user-view', after: { consentIds: found.total } })
  }

  /**
   * A visitor's data as NDJSON, for their access request. Who downloaded it is audited like a
   * consent export, naming the consentId by its SHA-256 only, as the erasure does.
   */
  exportNdjson(siteId: string, consentId: string, userId: number | null): string {
    const data = this.find(siteId, consentId)
    const lines = [
      ...data.records.map((r) => ({ type: 'consentRecord', ...r })),
      ...data.identities.map((i) => ({ type: 'identity', consentId, ...i })),
      ...data.documents.map((d) => ({ type: 'documentAcceptance', consentId, ...d })),
    ]
    this.audit.record({
      userId,
      siteId,
      action: 'consents.subject-export',
      after: { consentIdSha256: sha256(consentId), ...counts(data) },
    })
    return lines.map((l) => JSON.stringify(l) + '\n').join('')
  }

  /**
   * Erases a visitor's data so that it is gone from the database file, not only from its tables:
   * every connection that writes overwrites what it frees (db/client.ts SECURE_DELETE), and then
   * the write-ahead log, whose earlier frames still hold the pages as they were before, is
   * checkpointed into the file and truncated. That needs every connection reading it (an export, a
   * listing) to have moved on, so it is tried again every few seconds, for a few minutes. Until then,
   * and should another process keep the file open (`verify --db`, a backup), the log may still hold
   * the erased values.
   */
  erase(siteId: string, consentId: string, userId: number | null): SubjectErasure {
    const result = this.eraseRows(siteId, consentId, userId)
    if (result.erased + result.identities + result.documents > 0 && !this.db.$client.memory) this.resetWal()
    return result
  }

  /**
   * Checkpoints the write-ahead log into the file and truncates it, or tries again later while a
   * reader holds it. An erasure while a reset is pending gives it its tries back, and starts no other.
   */
  private resetWal(): void {
    if (this.walReset) {
      this.walReset.triesLeft = WAL_RESET_TRIES
      return
    }
    const pending = (this.walReset = { triesLeft: WAL_RESET_TRIES })
    const attempt = () => {
      pending.triesLeft -= 1
      if (this.truncateWal() || !this.db.$client.open) {
        this.walReset = null
      } else if (pending.triesLeft > 0) {
        setTimeout(attempt, WAL_RESET_RETRY_MS).unref()
      } else {
        this.walReset = null
        this.logger?.warn('write-ahead log still not reset after an erasure: it may hold erased values until the server stops or the log is written over')
      }
    }
    attempt()
  }

  /** One try at checkpointing the write-ahead log and truncating it: true once it is empty. */
  private truncateWal(): boolean {
    const client = this.db.$client
    if (!client.open) return false
    const busyTimeout = client.pragma('busy_timeout', { simple: true }) as number
    try {
      client.pragma(`busy_timeout = ${WAL_RESET_WAIT_MS}`)
      const [state] = client.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[]
      return state?.busy === 0
    } catch (e) {
      this.logger?.warn('write-ahead log not reset after an erasure', { err: e })
      return false
    } finally {
      client.pragma(`busy_timeout = ${busyTimeout}`)
    }
  }

  /**
   * Blanks the consentId's records and signs each tombstone, but only a record that still matches
   * its hash (contentProblem, as verify checks it): a signature over one edited in the database
   * would turn the edit into an erasure verify accepts (a pre-0.6 record's rewritten decision, a
   * record reassigned to this consentId). Such a record is left as it is, for verify to go on
   * reporting; the visitor's other records are erased all the same, and the answer and the audit
   * entry name the ones left (`refused`).
   */
  private eraseRows(siteId: string, consentId: string, userId: number | null): SubjectErasure {
    const erasedAt = new Date(this.now()).toISOString()
    const client = this.db.$client
    return writeTransaction(this.db, (tx) => {
      // `+seq`: through consent_records_site_consent, as find() reads them.
      const rows = client
        .prepare<[string, string], StoredRow>(`SELECT ${STORED_ROW_COLUMNS} FROM consent_records WHERE site_id = ? AND consent_id = ? ORDER BY +seq`)
        .all(siteId, consentId)
      const refused: { seq: number; reason: string }[] = []
      const tombstones: StoredRow[] = []
      for (const row of rows) {
        // The record before it is not read: its format unknown (null), either may match.
        const problem = contentProblem(row, null)
        if (problem) refused.push({ seq: row.seq, reason: problem })
        else tombstones.push(row)
      }
      // Each tombstone signed: verification takes no erasure the server did not make (stored-signatures.ts).
      const key = tombstones.length ? this.keys.active() : null
      const blank = client.prepare(
        `UPDATE consent_records SET consent_id = ?, ip = NULL, user_agent = NULL, url = '', erased_at = ?, erasure_signature = ? WHERE site_id = ? AND seq = ?`,
      )
      for (const row of tombstones) blank.run(ERASED_CONSENT_ID, erasedAt, signErasure({ ...row, erasedAt }, key!), siteId, row.seq)
      const seqs = tombstones.map((r) => r.seq)
      // The events' recordIds outlive them, so that a retry of one is not stored again (erased_events).
      for (const table of ['consent_identities', 'document_acceptances']) {
        tx.run(sql`INSERT OR IGNORE INTO erased_events (record_id, site_id, erased_at)
                    SELECT record_id, site_id, ${erasedAt} FROM ${sql.identifier(table)} WHERE site_id = ${siteId} AND consent_id = ${consentId}`)
      }
      const identities = tx
        .delete(consentIdentities)
        .where(and(eq(consentIdentities.siteId, siteId), eq(consentIdentities.consentId, consentId)))
        .run().changes
      const documents = tx
        .delete(documentAcceptances)
        .where(and(eq(documentAcceptances.siteId, siteId), eq(documentAcceptances.consentId, consentId)))
        .run().changes
      const result: SubjectErasure = { erased: seqs.length, identities, documents, ...(refused.length ? { refused } : {}) }
      const consentIdSha256 = sha256(consentId)
      // Since 0.8.1 an export filtered by a consentId names it by its hash in its manifest and
      // audit entry. One made before named it as itself: both keep their filter, naming the
      // consentId by its hash, and a signed manifest is signed again.
      eraseFromManifests(tx, siteId, consentId, () => this.keys.active())
      const named = namedConsentId(consentId, 'erased')
      tx.run(sql`UPDATE audit_log SET after = json_set(after, '$.filters.consentId', ${named})
                  WHERE site_id = ${siteId} AND action = 'consents.export' AND json_extract(after, '$.filters.consentId') = ${consentId}`)
      // The audit entry must not keep what was erased: it names the consentId by its hash only,
      // enough to answer "was the request of <consentId> carried out?".
      this.audit.record({
        userId,
        siteId,
        action: 'consents.erase',
        before: { consentIdSha256 },
        after: { ...result, seqs, erasedAt },
      })
      return result
    })
  }
}
