// Appending to and reading the consent log.
//
// Appends are group-committed: requests arriving in the same event-loop turn (or within
// `maxWaitMs` when set, up to `maxBatch`) are written in ONE SQLite transaction, and each caller
// is answered only after COMMIT. SQLite has one writer, so a transaction per request caps
// ingestion at the commit rate; batching amortises it. The chain head is read inside the same
// transaction, so appends are serialized.
import type { ConsentLogFilters, ConsentLogPage, ConsentRecord } from '@miniconsent/shared'
import { and, count, desc, eq, lt, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { chainAnchors, consentRecords } from '../db/schema'
import { canonicalJson } from '../lib/canonical-json'
import type { Logger } from '../logger'
import { GENESIS_HASH, recordHash, verifyChain, type ChainedFields, type ChainStart, type StoredRow, type VerifyResult } from './consent-chain'
import { filterConditions } from './consent-filters'

/** A record as ingestion prepares it: the log adds seq, server time and the hashes. */
export type NewConsentRecord = Omit<ChainedFields, 'seq' | 'serverTime'>

export interface AppendResult {
  recordId: string
  seq: number
  /** False when this recordId was already stored (a retried POST). */
  created: boolean
}

export class RecordIdConflict extends Error {}

interface Pending {
  record: NewConsentRecord
  resolve: (r: AppendResult) => void
  reject: (e: unknown) => void
}

type Row = typeof consentRecords.$inferSelect

export function toConsentRecord(row: Row): ConsentRecord {
  return {
    recordId: row.recordId,
    consentId: row.consentId,
    siteId: row.siteId,
    revision: row.revision,
    textsHash: row.textsHash,
    categories: JSON.parse(row.categories) as Record<string, boolean>,
    services: JSON.parse(row.services) as Record<string, boolean>,
    method: row.method as ConsentRecord['method'],
    language: row.language,
    url: row.url,
    clientTime: row.clientTime,
    gpc: row.gpc,
    seq: row.seq,
    serverTime: row.serverTime,
    region: row.region,
    mode: row.mode as ConsentRecord['mode'],
    ip: row.ip,
    userAgent: row.userAgent,
    prevHash: row.prevHash,
    hash: row.hash,
    erasedAt: row.erasedAt,
  }
}

/** The chain's start after a retention purge, or null when it starts at genesis. */
export function chainAnchor(db: Db, siteId: string): ChainStart | null {
  const row = db
    .select({ seq: chainAnchors.seq, hash: chainAnchors.hash, purgedCount: chainAnchors.purgedCount })
    .from(chainAnchors)
    .where(eq(chainAnchors.siteId, siteId))
    .get()
  return row ?? null
}

export interface ConsentLogOptions {
  now?: () => number
  maxBatch?: number
  maxWaitMs?: number
  logger?: Logger
}

export class ConsentLog {
  private queue: Pending[] = []
  private timer: ReturnType<typeof setTimeout> | null = null
  private immediate: ReturnType<typeof setImmediate> | null = null
  private readonly now: () => number
  private readonly maxBatch: number
  private readonly maxWaitMs: number
  private readonly byRecordId
  private readonly head
  private readonly anchorHead
  private readonly insert
  private readonly latestByConsentId
  private readonly writeBatch

  constructor(
    private readonly db: Db,
    options: ConsentLogOptions = {},
  ) {
    this.now = options.now ?? Date.now
    this.maxBatch = options.maxBatch ?? 256
    // 0: flush once the requests parsed in this event-loop turn are queued. No timer is needed
    // for batches to grow: while one commit syncs to disk, the requests arriving meanwhile wait
    // in the socket buffers and make up the next turn's batch.
    this.maxWaitMs = options.maxWaitMs ?? 0
    const p = sql.placeholder
    // The append path runs raw statements: drizzle's per-call mapping cost several times the
    // index lookups themselves (about 25 µs against 6 µs per query, measured), three per record.
    const c = db.$client
    this.byRecordId = c.prepare<[string], { siteId: string; seq: number }>(
      'SELECT site_id AS siteId, seq FROM consent_records WHERE record_id = ?',
    )
    this.head = c.prepare<[string], { seq: number; hash: string }>(
      'SELECT seq, hash FROM consent_records WHERE site_id = ? ORDER BY seq DESC LIMIT 1',
    )
    this.anchorHead = c.prepare<[string], { seq: number; hash: string }>('SELECT seq, hash FROM chain_anchors WHERE site_id = ?')
    // Positional parameters: binding by name looks each one up per run. A recordId already stored
    // (a retried POST) inserts nothing, so that the common case needs no lookup before the insert.
    this.insert = c.prepare(
      `INSERT INTO consent_records (site_id, seq, record_id, consent_id, revision, texts_hash, categories, services, method, region,
         mode, language, url, user_agent, ip, gpc, client_time, server_time, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (record_id) DO NOTHING`,
    )
    this.latestByConsentId = db
      .select()
      .from(consentRecords)
      .where(and(eq(consentRecords.siteId, p('siteId')), eq(consentRecords.consentId, p('consentId'))))
      // The visitor's last decision, not the last to arrive: a queue delivers a page's waiting
      // records together, in any order. julianday() reads the ISO time with its offset.
      .orderBy(sql`julianday(${consentRecords.clientTime}) desc`, desc(consentRecords.seq))
      .limit(1)
      .prepare()
    this.writeBatch = db.$client.transaction((items: Pending[]) => {
      // Each site's chain head as this transaction leaves it: read once, then carried from record to record.
      const heads = new Map<string, ChainStart>()
      return items.map((item) => this.write(item.record, heads))
    })
  }

  /** Resolves once the record is committed (or was already stored under that recordId). */
  append(record: NewConsentRecord): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject })
      if (this.queue.length >= this.maxBatch) this.flush()
      else if (this.maxWaitMs > 0) this.timer ??= setTimeout(() => this.flush(), this.maxWaitMs)
      else this.immediate ??= setImmediate(() => this.flush())
    })
  }

  /** Writes everything queued now. */
  flush() {
    if (this.timer) clearTimeout(this.timer)
    if (this.immediate) clearImmediate(this.immediate)
    this.timer = null
    this.immediate = null
    const batch = this.queue
    this.queue = []
    if (batch.length === 0) return
    let results: (AppendResult | Error)[]
    try {
      results = this.writeBatch(batch)
    } catch {
      // One bad item must not fail its neighbours: retry each in its own transaction.
      results = batch.map((item) => {
        try {
          return this.writeBatch([item])[0]!
        } catch (e) {
          return e instanceof Error ? e : new Error(String(e))
        }
      })
    }
    batch.forEach((item, i) => {
      const r = results[i]!
      if (r instanceof Error) item.reject(r)
      else item.resolve(r)
    })
  }

  // Runs inside the batch transaction. A conflict is returned, not thrown, so it fails only its caller.
  private write(record: NewConsentRecord, heads: Map<string, ChainStart>): AppendResult | Error {
    // A site whose every record was purged by retention continues from the purge's anchor.
    const head = heads.get(record.siteId) ?? this.head.get(record.siteId) ?? this.anchorHead.get(record.siteId)
    const fields: ChainedFields = {
      ...record,
      seq: (head?.seq ?? 0) + 1,
      serverTime: new Date(this.now()).toISOString(),
    }
    const prevHash = head?.hash ?? GENESIS_HASH
    const hash = recordHash(prevHash, fields)
    const inserted = this.insert.run(
      fields.siteId,
      fields.seq,
      fields.recordId,
      fields.consentId,
      fields.revision,
      fields.textsHash,
      canonicalJson(fields.categories),
      canonicalJson(fields.services),
      fields.method,
      fields.region,
      fields.mode,
      fields.language,
      fields.url,
      fields.userAgent,
      fields.ip,
      fields.gpc ? 1 : 0,
      fields.clientTime,
      fields.serverTime,
      prevHash,
      hash,
    ).changes
    if (!inserted) {
      const existing = this.byRecordId.get(record.recordId)!
      if (existing.siteId !== record.siteId) return new RecordIdConflict('this recordId belongs to another site')
      return { recordId: record.recordId, seq: existing.seq, created: false }
    }
    heads.set(record.siteId, { seq: fields.seq, hash })
    return { recordId: record.recordId, seq: fields.seq, created: true }
  }

  latest(siteId: string, consentId: string): ConsentRecord | null {
    const row = this.latestByConsentId.get({ siteId, consentId })
    return row ? toConsentRecord(row) : null
  }

  list(siteId: string, q: ConsentLogFilters & { limit: number; before?: number | undefined }): ConsentLogPage {
    const filter = filterConditions(siteId, q)
    const rows = this.db
      .select()
      .from(consentRecords)
      .where(and(filter, q.before !== undefined ? lt(consentRecords.seq, q.before) : undefined))
      .orderBy(desc(consentRecords.seq))
      .limit(q.limit + 1)
      .all()
    const page = rows.slice(0, q.limit)
    const total = this.db.select({ n: count() }).from(consentRecords).where(filter).get()?.n ?? 0
    return {
      records: page.map(toConsentRecord),
      nextBefore: rows.length > q.limit ? (page.at(-1)?.seq ?? null) : null,
      total,
    }
  }

  verify(siteId: string): VerifyResult {
    // Read before iterating: better-sqlite3 allows no other query while an iterator is open.
    const anchor = chainAnchor(this.db, siteId)
    const rows = this.db.$client
      .prepare(
        `SELECT site_id AS siteId, seq, record_id AS recordId, consent_id AS consentId, revision, texts_hash AS textsHash,
                categories, services, method, region, mode, language, url, user_agent AS userAgent, ip, gpc,
                client_time AS clientTime, server_time AS serverTime, prev_hash AS prevHash, hash, erased_at AS erasedAt
           FROM consent_records WHERE site_id = ? ORDER BY seq`,
      )
      .iterate(siteId) as Iterable<StoredRow>
    return verifyChain(rows, anchor)
  }

  /** Writes what is queued; call before closing the database. */
  close() {
    this.flush()
  }
}
