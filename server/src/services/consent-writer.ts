// The consent log's append path: a batch of records in ONE transaction, each linked to its site's
// hash chain, inserted, committed. It runs either on the server's own connection (tests, an
// in-memory database) or in a worker thread with a connection of its own (consent-writer-thread.ts),
// so that the commit's sync to disk never stops the event loop.
import type { ConsentRecordInput } from '@miniconsent/shared'
import type Database from 'better-sqlite3'
import { canonicalJson } from '../lib/canonical-json'
import { fileGoneFrom, openedFile } from '../db/client'
import { fileGoneError, isDatabaseBusy } from '../lib/database-busy'
import { GENESIS_HASH, personalHash, recordHash, type ChainedFields, type ChainStart, type HashFormat } from './consent-chain'

/**
 * A record as ingestion prepares it, stamped with its server time: the writer adds seq and the
 * hashes. `sentGpc`: the body itself said `gpc: true` (`gpc` is that or the browser's Sec-GPC
 * header), which a retry of the same record says again. `sentRecordId`: the recordId as the body
 * sent it, when `recordId` is that in lower case: see ConsentWriter.write().
 */
export type StampedRecord = Omit<ChainedFields, 'seq'> & { sentGpc?: boolean; sentRecordId?: string }

/**
 * What the server adds to a record as sent (SPEC §7), in the order a `SentRecord` lists them: its
 * time, region and mode, the page URL as stored (stripped of query and credentials), the user
 * agent, the truncated IP, and GPC (the record's or the browser's header).
 */
export type ServerFields = [serverTime: string, region: string | null, mode: string, url: string, userAgent: string | null, ip: string | null, gpc: boolean]

/**
 * A record as ingestion hands it to the writer: the server's fields, and the record as the client
 * sent it, checked (the body as the front door read it, which may leave out `services` and `gpc`
 * and carry keys of no use, or the route's checked input). The stored record is built from it in
 * the writer (`stampedRecord`), so that the server's busy thread does not write the whole record
 * out as JSON again.
 */
export type SentRecord = [fields: ServerFields, sent: Omit<ConsentRecordInput, 'services'> & { services?: Record<string, boolean> }]

/**
 * The record to store from what ingestion handed over: a stamped record as it is, or one built
 * from a sent record. A sent recordId is taken in lower case, as the schema reads it (shared
 * `recordId`): the front door hands over the body's text as it came, so this is where its row and
 * its hash get the same id the route's checked input carries (the answer's, in thread mode, is
 * the one ConsentLog.appendSent lower-cases: the thread does not send it back). It is kept as
 * sent too, for a record stored under it before ids were read in lower case (write()).
 */
export function stampedRecord(entry: StampedRecord | SentRecord): StampedRecord {
  if (!Array.isArray(entry)) return entry
  const [[serverTime, region, mode, url, userAgent, ip, gpc], sent] = entry
  return {
    siteId: sent.siteId,
    recordId: sent.recordId.toLowerCase(),
    sentRecordId: sent.recordId,
    consentId: sent.consentId,
    revision: sent.revision,
    textsHash: sent.textsHash,
    categories: sent.categories,
    services: sent.services ?? {},
    method: sent.method,
    region,
    mode,
    language: sent.language,
    url,
    userAgent,
    ip,
    gpc,
    clientTime: sent.clientTime,
    serverTime,
    sentGpc: sent.gpc === true,
  }
}

/**
 * The records that have arrived since a batch was taken, for it to write too (none: an empty
 * list). The writer thread's commit costs the same for one record as for fifty (its sync, the
 * pages each index rewrites, the transaction's start and end): under load, records arriving while
 * a batch is written joining it, instead of waiting for a batch of their own, made the thread's
 * batches ~40 % larger and the server's CPU per record ~10 % lower (57 against 63 µs, medians of
 * 14 interleaved one-second slices, two fresh servers each; ~5 % more records a second).
 */
export type MoreRecords = () => StampedRecord[]

export interface AppendResult {
  recordId: string
  seq: number
  /** False when this recordId was already stored (a retried POST). */
  created: boolean
}

export class RecordIdConflict extends Error {}

/**
 * What crosses back from the worker thread for a record that failed: Errors do not survive the trip
 * as classes, so a conflict is flagged and SQLite's code (SQLITE_BUSY: answered 503
 * `database_busy`, not 500) carried beside the message.
 */
export type WireError = { error: string; conflict: boolean; code?: string }

/**
 * What crosses back from the worker thread for a batch: two numbers per record, in the batch's
 * order: its seq, then 1 when it was stored, 0 when its recordId was already stored (`created`
 * false), NaN when it failed, its error then in `errors` beside its index. Not an object per
 * record: their structured clone, and the garbage it left, cost both threads on every record. The
 * recordId is not sent back: it is the record's own, which the caller has.
 */
export interface WireBatch {
  results: Float64Array
  errors: [index: number, error: WireError][] | null
}

export function toWire(results: (AppendResult | Error)[]): WireBatch {
  const wire = new Float64Array(2 * results.length)
  let errors: WireBatch['errors'] = null
  results.forEach((r, i) => {
    if (!(r instanceof Error)) {
      wire[2 * i] = r.seq
      wire[2 * i + 1] = r.created ? 1 : 0
      return
    }
    wire[2 * i + 1] = Number.NaN
    const code = (r as { code?: unknown }).code
    ;(errors ??= []).push([i, { error: r.message, conflict: r instanceof RecordIdConflict, ...(typeof code === 'string' ? { code } : {}) }])
  })
  return { results: wire, errors }
}

/** How many records a batch's outcome is for. */
export const wireCount = (batch: WireBatch): number => batch.results.length / 2

/** The outcome of the batch's `i`-th record, whose recordId is `recordId`, as toWire() sent it. */
export function fromWire(batch: WireBatch, i: number, recordId: string): AppendResult | Error {
  const created = batch.results[2 * i + 1]!
  if (!Number.isNaN(created)) return { recordId, seq: batch.results[2 * i]!, created: created === 1 }
  const r = batch.errors!.find(([at]) => at === i)![1]
  if (r.conflict) return new RecordIdConflict(r.error)
  return r.code === undefined ? new Error(r.error) : Object.assign(new Error(r.error), { code: r.code })
}

/** What a retried POST is compared with: the stored record under its recordId. */
interface StoredRecord {
  siteId: string
  seq: number
  consentId: string
  revision: number
  textsHash: string | null
  categories: string
  services: string
  method: string
  language: string
  url: string
  clientTime: string
  gpc: number
  erasedAt: string | null
}

/**
 * Whether a record sent again under a stored recordId is the stored one: the fields the client
 * sent. What the server adds (time, region, IP, user agent, GPC from the header) may differ on a
 * retry from elsewhere. An erased record kept only its non-personal fields to compare with.
 * A different decision under a used recordId would otherwise be answered 200 as if it were stored.
 */
function sameDecision(stored: StoredRecord, record: StampedRecord): boolean {
  return (
    stored.revision === record.revision &&
    stored.textsHash === (record.textsHash ?? null) &&
    stored.categories === canonicalJson(record.categories) &&
    stored.services === canonicalJson(record.services) &&
    stored.method === record.method &&
    stored.language === record.language &&
    stored.clientTime === record.clientTime &&
    // GPC the body sent is the record's own (the SDK sends its record again as it was): a body
    // saying true over a record stored without GPC is another record, not a retry, and was answered
    // 200 as if its opt-out were logged (review). GPC from the header alone may differ on a retry.
    !(record.sentGpc && stored.gpc === 0) &&
    (stored.erasedAt !== null || (stored.consentId === record.consentId && stored.url === record.url))
  )
}

/** The outcome of a record sent again under a stored recordId: the stored one's place, or a conflict. */
function retried(existing: StoredRecord, record: StampedRecord): AppendResult | Error {
  if (existing.siteId !== record.siteId) return new RecordIdConflict('this recordId belongs to another site')
  if (!sameDecision(existing, record)) return new RecordIdConflict('this recordId was already used for a different record')
  return { recordId: record.recordId, seq: existing.seq, created: false }
}

export class ConsentWriter {
  private readonly byRecordId
  private readonly head
  private readonly anchorHead
  private readonly lastRolledDay
  private readonly dropRolledDay
  private readonly insert
  private readonly transaction
  private readonly file: string

  /**
   * `opened`: the identity of the file the server opened (openedFile), which this writer's
   * connection must still find at its path; undefined when not known (in memory).
   */
  constructor(
    client: Database.Database,
    private readonly opened: string | null | undefined = openedFile(client),
  ) {
    this.file = client.name
    // Raw statements, prepared once: drizzle's per-call mapping cost several times the index
    // lookups themselves (about 25 µs against 6 µs per query, measured), three per record.
    this.byRecordId = client.prepare<[string], StoredRecord>(
      `SELECT site_id AS siteId, seq, consent_id AS consentId, revision, texts_hash AS textsHash, categories, services, method,
              language, url, client_time AS clientTime, gpc, erased_at AS erasedAt
         FROM consent_records WHERE record_id = ?`,
    )
    this.head = client.prepare<[string], { seq: number; hash: string; format: HashFormat }>(
      'SELECT seq, hash, iif(personal_hash IS NULL, 1, 2) AS format FROM consent_records WHERE site_id = ? ORDER BY seq DESC LIMIT 1',
    )
    this.anchorHead = client.prepare<[string], { seq: number; hash: string }>('SELECT seq, hash FROM chain_anchors WHERE site_id = ?')
    this.lastRolledDay = client.prepare<[string], { day: string | null }>('SELECT max(day) AS day FROM stats_rollups WHERE site_id = ?')
    this.dropRolledDay = client.prepare('DELETE FROM stats_rollups WHERE site_id = ? AND day = ?')
    // Positional parameters: binding by name looks each one up per run. A recordId already stored
    // (a retried POST) inserts nothing, so that the common case needs no lookup before the insert.
    this.insert = client.prepare(
      `INSERT INTO consent_records (site_id, seq, record_id, consent_id, revision, texts_hash, categories, services, method, region,
         mode, language, url, user_agent, ip, gpc, client_time, server_time, prev_hash, hash, personal_hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (record_id) DO NOTHING`,
    )
    const batch = client.transaction((records: StampedRecord[], more?: MoreRecords) => {
      // Each site's chain head as this transaction leaves it: read once, then carried from record to record.
      const heads = new Map<string, ChainStart>()
      // Each site's last rolled-up day (stats_rollups), read once: see write().
      const rolled = new Map<string, string | null>()
      const results = records.map((record) => this.write(record, heads, rolled))
      if (!more) return results
      // Records that arrived while these were written join the batch, until none is waiting. They
      // go into `records` too, so that a batch failing whole retries them with the others.
      for (let next = more(); next.length > 0; next = more()) {
        records.push(...next)
        for (const record of next) results.push(this.write(record, heads, rolled))
      }
      return results
    })
    // IMMEDIATE: the head is read and then written in the same transaction; taking the write lock
    // first means another connection (retention, erasure) can never slip a commit in between.
    this.transaction = batch.immediate
  }

  /**
   * Writes the batch in one transaction; one bad record fails only itself. `more`: the records
   * that have arrived since, asked for once the batch's are written, then again until it has none;
   * they join the same transaction, and their outcomes follow the batch's, in the order given.
   */
  writeBatch(records: StampedRecord[], more?: MoreRecords): (AppendResult | Error)[] {
    // The file removed or replaced while the server ran: committed to the file this connection
    // still has open, the records would be acknowledged, and gone once the server stops (review).
    // One stat a batch, not a record.
    if (fileGoneFrom(this.file, this.opened)) return records.map(() => fileGoneError())
    try {
      return this.transaction(records, more)
    } catch (e) {
      // Another process held the write lock past the wait: every record would wait as long again,
      // one after the other. Each fails with the lock, and its sender retries.
      if (isDatabaseBusy(e)) return records.map(() => e as Error)
      // Retry each in its own transaction, so that the neighbours of a bad record are stored.
      return records.map((record) => {
        try {
          return this.transaction([record])[0]!
        } catch (e) {
          return e instanceof Error ? e : new Error(String(e))
        }
      })
    }
  }

  // Runs inside the batch transaction. A conflict is returned, not thrown, so it fails only its caller.
  private write(record: StampedRecord, heads: Map<string, ChainStart>, rolled: Map<string, string | null>): AppendResult | Error {
    // A recordId sent with upper-case letters (never by the SDK) may be a record's stored before
    // recordIds were read in lower case, under the text as it was sent: sent again so, it is that
    // record, not a second one under the lower-case id. Looked up only then: for every other record
    // this costs one string compare (an index on lower(record_id) would cost every insert).
    if (record.sentRecordId !== undefined && record.sentRecordId !== record.recordId) {
      const legacy = this.byRecordId.get(record.sentRecordId)
      if (legacy) return retried(legacy, record)
    }
    // A site whose every record was purged by retention continues from the purge's anchor.
    const head: ChainStart | undefined = heads.get(record.siteId) ?? this.head.get(record.siteId) ?? this.anchorHead.get(record.siteId)
    // Field by field, not `{ ...record, seq }`: adding `seq` to the spread's copy went through V8's
    // slow path, a new hidden class for every record; this literal has one shape (measured under
    // load: this thread's CPU per record ~39 → ~32 µs).
    const fields: ChainedFields = {
      siteId: record.siteId,
      seq: (head?.seq ?? 0) + 1,
      recordId: record.recordId,
      consentId: record.consentId,
      revision: record.revision,
      textsHash: record.textsHash,
      categories: record.categories,
      services: record.services,
      method: record.method,
      region: record.region,
      mode: record.mode,
      language: record.language,
      url: record.url,
      userAgent: record.userAgent,
      ip: record.ip,
      gpc: record.gpc,
      clientTime: record.clientTime,
      serverTime: record.serverTime,
    }
    const prevHash = head?.hash ?? GENESIS_HASH
    const personal = personalHash(fields)
    // Hashed and stored as the same text, made once.
    const categories = canonicalJson(fields.categories)
    const services = canonicalJson(fields.services)
    // The chain's start and a purge anchor count as format 2 (verify takes either after an anchor).
    const hash = recordHash(prevHash, fields, personal, head?.format ?? 2, categories, services)
    const inserted = this.insert.run(
      fields.siteId,
      fields.seq,
      fields.recordId,
      fields.consentId,
      fields.revision,
      fields.textsHash,
      categories,
      services,
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
      personal,
    ).changes
    if (!inserted) return retried(this.byRecordId.get(record.recordId)!, record)
    heads.set(record.siteId, { seq: fields.seq, hash, format: 2 })
    this.keepStatisticsWhole(record, rolled)
    return { recordId: record.recordId, seq: fields.seq, created: true }
  }

  /**
   * A record stamped into a day whose statistics are already rolled up drops that day's rollups,
   * which the next view builds again from the log, with it. Records are stamped as they arrive,
   * so this happens only when the server's clock stepped back past a day's end after a view rolled
   * the day up (an NTP correction, a restored VM): the record was stored, and the statistics never
   * counted it. A check per record (a trigger) cost ~5 µs of the writer's ~30; this reads each
   * site's last rolled-up day once per batch, and the rollups hold only closed days, so for every
   * other record it compares two strings. Within the batch's transaction, no rollups can be
   * written in between (statistics write theirs in transactions of their own, and check for a
   * record written since their count: stats-rollups.ts writeStretch).
   */
  private keepStatisticsWhole(record: StampedRecord, rolled: Map<string, string | null>): void {
    let rolledUpTo = rolled.get(record.siteId)
    if (rolledUpTo === undefined) {
      rolledUpTo = this.lastRolledDay.get(record.siteId)?.day ?? null
      rolled.set(record.siteId, rolledUpTo)
    }
    const day = record.serverTime.slice(0, 10)
    if (rolledUpTo !== null && day <= rolledUpTo) this.dropRolledDay.run(record.siteId, day)
  }
}
