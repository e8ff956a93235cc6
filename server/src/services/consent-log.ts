// Appending to and reading the consent log.
//
// Appends are group-committed: the records that arrive while the previous batch is being written
// (at most `maxBatch`) are written in ONE SQLite transaction, and each caller is answered only
// after COMMIT. SQLite has one writer, so a transaction per request caps ingestion at the commit
// rate; batching amortises it. The chain head is read inside the same transaction, so appends are
// serialized. The writing itself is consent-writer.ts: inline (a batch per event-loop turn), or in
// a worker thread that takes each record from a ring of shared memory as soon as it is appended
// (writer-channel.ts) and the rest as its next batch.
import { Worker } from 'node:worker_threads'
import type { ConsentLogFilters, ConsentLogPage, ConsentRecord } from '@miniconsent/shared'
import { and, desc, eq, getTableColumns, sql, type SQL } from 'drizzle-orm'
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core'
import { openedFile, type Db } from '../db/client'
import { consentRecords } from '../db/schema'
import { ApiError } from '../lib/errors'
import { oneShotThread, workerScript } from '../lib/worker-script'
import type { Logger } from '../logger'
import { verifyStoredChain, type ChainedFields, type SavedManifestHead, type VerifyResult } from './consent-chain'
import { filterConditions, timeConditions } from './consent-filters'
import { runListing, type ListingPlan, type ListingRows, type Query } from './listing-queries'
import { ConsentStatsService } from './stats'
import { channelMemory, ChannelWriter, RING_BYTES } from './writer-channel'
import { ConsentWriter, fromWire, stampedRecord, wireCount, type AppendResult, type SentRecord, type StampedRecord, type WireBatch } from './consent-writer'

export { RecordIdConflict, type AppendResult } from './consent-writer'

/** A record as ingestion prepares it: the log adds seq, server time and the hashes. */
export type NewConsentRecord = Omit<ChainedFields, 'seq' | 'serverTime'>

/** What the server adds to a record as sent, but its time, which the log stamps on arrival (`ServerFields`). */
export interface AddedFields {
  region: string | null
  mode: string
  /** The page URL as stored (stripUrl). */
  url: string
  userAgent: string | null
  ip: string | null
  gpc: boolean
}

/**
 * Called once with an appended record's outcome: what was stored, or why it was not (a
 * RecordIdConflict, ConsentLogClosed, SQLite's error). One that throws is logged (ConsentLog.answer).
 */
export type Committed = (r: AppendResult | Error) => void

interface Pending {
  /**
   * The record, or (appendSent) the start of a `SentRecord`'s JSON: its fields and the comma
   * before the text as sent (`sent`), which a `]` closes. The three go into the writer thread's
   * ring one after the other (sentJson joins them where the whole text is needed).
   */
  entry: StampedRecord | string
  /** A sent record's text as the client sent it, after `entry`; '' for a record. */
  sent: string
  /** The record's recordId: its outcome's (the writer thread does not send it back). */
  recordId: string
  done: Committed
}

const settledAlready: Committed = () => undefined

/** What closes a sent record's JSON after its text as sent: the ring gets it as the entry's last part. */
const SENT_END = ']'

/** A sent record's whole JSON text (`SentRecord`), from its entry's start and its text as sent: see Pending. */
const sentJson = (entry: string, sent: string): string => `${entry}${sent}${SENT_END}`

type Row = typeof consentRecords.$inferSelect

/**
 * A stored choice list: the JSON object ingestion wrote, or null when the column holds anything
 * else (an edited row). Only booleans by name count; one such row must not take the listing or a
 * data-subject request down with it (verification names it).
 */
function storedChoices(text: string): Record<string, boolean> | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null
  return Object.values(value).every((v) => typeof v === 'boolean') ? (value as Record<string, boolean>) : null
}

export function toConsentRecord(row: Row): ConsentRecord {
  const categories = storedChoices(row.categories)
  const services = storedChoices(row.services)
  const unreadable = [...(categories ? [] : ['categories' as const]), ...(services ? [] : ['services' as const])]
  return {
    recordId: row.recordId,
    consentId: row.consentId,
    siteId: row.siteId,
    revision: row.revision,
    textsHash: row.textsHash,
    categories: categories ?? {},
    services: services ?? {},
    ...(unreadable.length ? { unreadable } : {}),
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
    personalHash: row.personalHash,
    erasedAt: row.erasedAt,
  }
}

export interface ConsentLogOptions {
  now?: () => number
  /** Most records per transaction. */
  maxBatch?: number
  /**
   * Where batches are written. `inline`: on the server's connection, in the event loop (tests,
   * the CLI, `:memory:`). `thread`: by a worker thread with its own connection to the same file,
   * so the event loop goes on parsing and answering requests while a commit syncs to disk.
   */
  writer?: 'inline' | 'thread'
  logger?: Logger
  /** Thread mode: the size of the ring records reach the thread through (writer-channel.ts; tests make it small). */
  ringBytes?: number
  /**
   * Called when a listing's total counted closed days from the log, which had no rollups yet: the
   * server asks its background rollups to run soon (Rollups.runSoon), so that the next listing
   * reads them.
   */
  unrolledDays?: () => void
}

/**
 * A verification thread's heap: it holds one record at a time; bounded like the export's reader
 * (export.ts), so that what it leaves for the collector cannot grow the server's memory.
 */
const VERIFY_THREAD_LIMITS = { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 32 }

const verifyAborted = () => new ApiError(503, 'verify_aborted', 'The verification was stopped: the request was cancelled')

/** The listing's columns, named as drizzle names them (a Row), for the raw queries of runListing. */
const LISTED_COLUMNS = Object.entries(getTableColumns(consentRecords))
  .map(([key, column]) => `${column.name} AS ${key}`)
  .join(', ')

/** A listing thread's heap: one page of at most a few hundred records. */
const LISTING_THREAD_LIMITS = { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 64 }

const listingAborted = () => new ApiError(503, 'listing_aborted', 'The listing was stopped: the request was cancelled')

/** runListing's rows as the answer: the page, and where the next one starts. */
function listingPage({ rows, total }: Omit<ListingRows, 'unrolled'>, limit: number): ConsentLogPage {
  const page = rows.slice(0, limit).map((r) => toConsentRecord({ ...r, gpc: r.gpc === 1 || r.gpc === true } as Row))
  return { records: page, nextBefore: rows.length > limit ? (page.at(-1)?.seq ?? null) : null, total }
}

/** How long an idle writer thread is kept before it is stopped (a new one starts on the next record). */
const THREAD_IDLE_MS = 30_000

/**
 * A visitor's records, the decision in force first: their last decision, not the last to arrive.
 * A queue delivers a page's waiting records together, in any order, so a record queued offline
 * and flushed late must not count as newer than one made after it. julianday() reads the ISO time
 * with its offset. The device's clock is capped at the record's arrival, so that a record dated
 * ahead (a clock years off, or anyone who knows the consentId) cannot hide every later decision, a
 * withdrawal included; a time julianday() cannot read (NULL, which would sink the record) counts as
 * its arrival. No index serves this order: the (site_id, consent_id) index finds the visitor's
 * records, a handful, and they are sorted. The public look-up and the data-subject view both use it.
 */
export const LATEST_DECISION_FIRST = [
  sql`coalesce(min(julianday(${consentRecords.clientTime}), julianday(${consentRecords.serverTime})), julianday(${consentRecords.serverTime})) desc`,
  desc(consentRecords.seq),
] as const

/**
 * A record appended after close(): refused, not written by a new writer thread that the process's
 * exit would then stop mid-batch. The route answers it 503 `server_stopping`, which the SDK sends
 * again later, to the server once it is back.
 */
export class ConsentLogClosed extends Error {
  constructor() {
    super('the consent log is closed: the server is stopping')
  }
}

export class ConsentLog {
  private queue: Pending[] = []
  /** Set by close() once what was queued is written: see ConsentLogClosed. */
  private closed = false
  /** close()'s work, run once however often it is called. */
  private closing: Promise<void> | null = null
  /** Records refused since refusedClosed()'s last line, and when that was (performance.now()). */
  private refusedSinceLine = 0
  private refusedLineAt = Number.NEGATIVE_INFINITY
  private immediate: ReturnType<typeof setImmediate> | null = null
  private readonly now: () => number
  private readonly maxBatch: number
  private readonly ringBytes: number
  private readonly logger: Logger | undefined
  private readonly latestByConsentId
  private readonly dialect = new SQLiteSyncDialect()
  /** The listing's totals: ConsentStatsService.countQuery. */
  private readonly stats: ConsentStatsService
  private readonly unrolledDays: (() => void) | undefined
  // inline mode
  private inlineWriter: ConsentWriter | null = null
  // thread mode
  private readonly threaded: boolean
  private thread: { worker: Worker; channel: ChannelWriter } | null = null
  /**
   * The records put in the thread's ring and not yet answered, oldest first. The thread answers
   * each batch with a result per record, in the ring's order. (`queue` holds, in thread mode, the
   * records that found the ring full; they go in, in order, as the thread reads.)
   */
  private posted: Pending[] = []
  private idle: ReturnType<typeof setTimeout> | null = null
  private drained: (() => void)[] = []
  /** serverTime()'s last millisecond and its text. */
  private stampedAt = Number.NaN
  private stampedIso = ''

  constructor(
    private readonly db: Db,
    options: ConsentLogOptions = {},
  ) {
    this.now = options.now ?? Date.now
    this.stats = new ConsentStatsService(db, { now: this.now })
    this.unrolledDays = options.unrolledDays
    this.maxBatch = options.maxBatch ?? 1024
    this.ringBytes = options.ringBytes ?? RING_BYTES
    this.logger = options.logger
    this.threaded = options.writer === 'thread' && !db.$client.memory
    const p = sql.placeholder
    this.latestByConsentId = db
      .select()
      .from(consentRecords)
      .where(and(eq(consentRecords.siteId, p('siteId')), eq(consentRecords.consentId, p('consentId'))))
      .orderBy(...LATEST_DECISION_FIRST)
      .limit(1)
      .prepare()
  }

  /**
   * Resolves once the record is committed (or was already stored under that recordId). The record
   * becomes the log's: it is stamped in place, not copied (a copy of its seventeen fields cost the
   * ingestion's busiest thread ~1 µs a record), so a caller sends each record as a new object.
   */
  append(record: NewConsentRecord): Promise<AppendResult> {
    // Stamped on arrival: records are written in this order, so server times follow the chain.
    const stamped = record as StampedRecord
    stamped.serverTime = this.serverTime()
    return this.promised(stamped, '', record.recordId)
  }

  /**
   * Appends a record as the client sent it (`sent`: its checked JSON text, which the front door
   * has as the body it read) with what the server adds. The same as append() with the record built
   * from both (`stampedRecord`), but in thread mode it is built in the writer thread: the server's
   * thread then puts the text it has in the ring instead of writing the whole record out as JSON
   * again (~2 µs of the ~50 that thread spends on a record under load). `recordId` is the record's,
   * in any case: its outcome carries it in lower case, as the writer stores it (stampedRecord), in
   * thread mode too, where the thread does not send it back.
   */
  appendSent(sent: string, added: AddedFields, recordId: string): Promise<AppendResult> {
    return this.promised(this.sentEntry(added), sent, recordId.toLowerCase())
  }

  /**
   * The same as appendSent(), the outcome given to `done` instead of a promise: the front door's
   * way, for which a promise and its reactions per record cost the server's busiest thread more
   * than the call. `done` is called once.
   */
  appendSentThen(sent: string, added: AddedFields, recordId: string, done: Committed): void {
    this.enqueue(this.sentEntry(added), sent, recordId.toLowerCase(), done)
  }

  /**
   * The start of a sent record's entry in the ring, stamped on arrival: the server's fields and the
   * comma before the text as sent (`SentRecord`). The text follows it in the ring as it is, not
   * copied into one string with it (sentJson).
   */
  private sentEntry(added: AddedFields): string {
    const fields: SentRecord[0] = [this.serverTime(), added.region, added.mode, added.url, added.userAgent, added.ip, added.gpc]
    return `[${JSON.stringify(fields)},`
  }

  /** Queues an entry; its promise settles once it is committed (see append()). */
  private promised(entry: StampedRecord | string, sent: string, recordId: string): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => this.enqueue(entry, sent, recordId, (r) => (r instanceof Error ? reject(r) : resolve(r))))
  }

  /** Queues an entry stamped on arrival (`sent`: see Pending); `done` gets its outcome once it is committed (see append()). */
  private enqueue(entry: StampedRecord | string, sent: string, recordId: string, done: Committed): void {
    if (this.closed) {
      this.refusedClosed()
      const refused = new ConsentLogClosed()
      queueMicrotask(() => this.answer(done, refused))
      return
    }
    const pending: Pending = { entry, sent, recordId, done }
    this.queue.push(pending)
    try {
      if (this.threaded) return this.pass()
      if (this.queue.length >= this.maxBatch) this.flush()
      else this.immediate ??= setImmediate(() => this.flush())
    } catch (e) {
      // No writer thread could be started: this record fails now. It stays queued, as the others,
      // and may yet be written; its caller has had its answer. (flush() throws nothing: a batch it
      // could not write answers each of its records, this one too, with the error.)
      pending.done = settledAlready
      this.answer(done, e instanceof Error ? e : new Error(String(e)))
    }
  }

  /**
   * Gives a record's callback its outcome. One that throws (a bug of its caller's) is logged, and
   * goes no further: thrown on, it left the rest of its batch unanswered, written() waiting for
   * ever, and the exception uncaught in the writer thread's message handler (review).
   */
  private answer(done: Committed, r: AppendResult | Error): void {
    try {
      done(r)
    } catch (e) {
      this.logger?.error("a consent record's callback threw on its outcome", { err: e })
    }
  }

  /** Logs records refused after close(): the first at once, then a count at most every 10 s (a stop under load refuses many). */
  private refusedClosed(): void {
    this.refusedSinceLine += 1
    const now = performance.now()
    if (now - this.refusedLineAt < 10_000) return
    this.logger?.warn('consent records came after the consent log closed: refused (503 server_stopping)', { refused: this.refusedSinceLine })
    this.refusedSinceLine = 0
    this.refusedLineAt = now
  }

  /** The clock's time as a record's serverTime: the same text for every record of a millisecond, made once. */
  private serverTime(): string {
    const now = this.now()
    if (now !== this.stampedAt) {
      this.stampedAt = now
      this.stampedIso = new Date(now).toISOString()
    }
    return this.stampedIso
  }

  /**
   * Resolves once every record appended before this call is written (or has failed): batches are
   * written in the order they were queued, so the last one appended settles last. A data-subject
   * erasure waits for it, so that a record received before the erasure is not committed after it,
   * with its personal data.
   */
  written(): Promise<void> {
    if (!this.threaded) this.flush()
    // The last record still to be answered (one answered already, refused when no thread could start, counts as settled).
    const last = [...this.posted, ...this.queue].findLast((p) => p.done !== settledAlready)
    if (!last) return Promise.resolve()
    return new Promise((resolve) => {
      const done = last.done
      last.done = (r) => {
        try {
          done(r)
        } finally {
          resolve()
        }
      }
    })
  }

  /**
   * Inline mode: writes everything queued now. No timer is needed for batches to grow: while one
   * commit syncs to disk, the requests arriving meanwhile wait in the socket buffers and make up
   * the next turn's batch.
   */
  flush() {
    if (this.threaded) return this.pass()
    if (this.immediate) clearImmediate(this.immediate)
    this.immediate = null
    const batch = this.queue
    this.queue = []
    if (batch.length === 0) return
    let results: (AppendResult | Error)[]
    try {
      this.inlineWriter ??= new ConsentWriter(this.db.$client)
      results = this.inlineWriter.writeBatch(batch.map(({ entry, sent }) => (typeof entry === 'string' ? stampedRecord(JSON.parse(sentJson(entry, sent)) as SentRecord) : entry)))
    } catch (e) {
      // Nothing written (no writer could be prepared: a closed database): the batch, out of the
      // queue, fails whole, each record answered once.
      const failed = e instanceof Error ? e : new Error(String(e))
      results = batch.map(() => failed)
    }
    for (let i = 0; i < batch.length; i++) this.answer(batch[i]!.done, results[i]!)
  }

  /** Thread mode: puts the queued records in the thread's ring, in order, while it has room. */
  private pass() {
    if (this.queue.length === 0) {
      if (this.posted.length === 0) this.onDrained()
      return
    }
    const thread = this.writerThread()
    if (this.posted.length === 0) thread.worker.ref()
    let passed = 0
    // One JSON text per record: written into shared memory, read and parsed by the thread. A sent
    // record's goes in as its parts, written one after the other.
    while (passed < this.queue.length) {
      const { entry, sent } = this.queue[passed]!
      if (!(typeof entry === 'string' ? thread.channel.put(entry, sent, SENT_END) : thread.channel.put(JSON.stringify(entry)))) break
      passed++
    }
    if (passed > 0) this.posted.push(...this.queue.splice(0, passed))
  }

  private writerThread(): { worker: Worker; channel: ChannelWriter } {
    if (this.idle) clearTimeout(this.idle)
    this.idle = null
    if (this.thread) return this.thread
    const [entry, options] = workerScript(import.meta.url, 'consent-writer-thread')
    // A new ring for each thread: one that stopped may have left a record half read.
    const memory = channelMemory(this.ringBytes)
    const worker = new Worker(entry, { ...options, workerData: { file: this.db.$client.name, channel: memory, maxBatch: this.maxBatch, opened: openedFile(this.db.$client) } })
    const thread = { worker, channel: new ChannelWriter(memory) }
    worker.on('message', (results: WireBatch) => {
      const batch = this.posted.splice(0, wireCount(results))
      for (let i = 0; i < batch.length; i++) this.answer(batch[i]!.done, fromWire(results, i, batch[i]!.recordId))
      // The thread read more from the ring before this batch's commit: room for what found it full.
      this.pass()
    })
    const lost = (e: unknown) => {
      if (this.thread !== thread) return
      this.thread = null
      this.logger?.error('consent writer thread stopped', { err: e })
      // Whether the records in the ring were committed is unknown: their callers get an error, and
      // the SDK's retry of the same recordIds is answered from what is stored.
      const lostRecords = this.posted
      this.posted = []
      for (const p of lostRecords) this.answer(p.done, e instanceof Error ? e : new Error(String(e)))
      // What found the ring full goes to a new thread.
      this.pass()
    }
    worker.on('error', lost)
    worker.on('exit', (code) => lost(new Error(`consent writer thread exited with code ${code}`)))
    this.thread = thread
    return thread
  }

  private onDrained() {
    for (const done of this.drained.splice(0)) done()
    const thread = this.thread
    if (!thread) return
    thread.worker.unref()
    this.idle ??= setTimeout(() => {
      this.idle = null
      if (this.thread === thread && this.posted.length === 0 && this.queue.length === 0) void this.stopThread()
    }, THREAD_IDLE_MS).unref()
  }

  /** Asks the thread to stop once its ring is written, and waits until it has. */
  private async stopThread(): Promise<void> {
    const thread = this.thread
    if (!thread) return
    this.thread = null
    const exited = new Promise((resolve) => thread.worker.once('exit', resolve))
    thread.channel.stop()
    await exited
  }

  latest(siteId: string, consentId: string): ConsentRecord | null {
    const row = this.latestByConsentId.get({ siteId, consentId })
    return row ? toConsentRecord(row) : null
  }

  /**
   * A page of the listing as SQL, for runListing. The index each query walks, by filter:
   * - a consentId: the visitor's records through (site_id, consent_id), sorted (a handful, however
   *   far apart in the log);
   * - a period: its lowest and highest seq from (site_id, server_time, seq) alone, then the seq
   *   index between them, newest first;
   * - otherwise the seq index, newest first (in the log's order: a method, region or revision
   *   matching few records reads the log once, not at random).
   * Without a consentId, the total is the statistics' count (ConsentStatsService.countQuery): the
   * rollups of the closed days that have them, and the rest of the period through (site_id,
   * server_time). The listing builds no rollups: the first statistics view of those days does.
   */
  listingPlan(siteId: string, q: ConsentLogFilters & { limit: number; before?: number | undefined }): ListingPlan {
    const query = (condition: SQL): Query => {
      const { sql: text, params } = this.dialect.sqlToQuery(condition)
      return { sql: text, params }
    }
    const visitor = q.consentId !== undefined
    const period = !visitor && (q.from !== undefined || q.to !== undefined)
    const time = period ? query(and(eq(consentRecords.siteId, siteId), ...timeConditions(q))!) : null
    return {
      select: `SELECT ${LISTED_COLUMNS} FROM consent_records INDEXED BY ${visitor ? 'consent_records_site_consent' : 'consent_records_site_seq'}`,
      where: query(filterConditions(siteId, q)),
      bounds: time && { sql: `SELECT min(seq), max(seq) FROM consent_records INDEXED BY consent_records_site_time WHERE ${time.sql}`, params: time.params },
      count: visitor ? 'SELECT count(*) FROM consent_records INDEXED BY consent_records_site_consent' : this.stats.countQuery(siteId, q),
      before: q.before,
      limit: q.limit,
    }
  }

  /** runListing's rows as the answer; closed days it found without rollups are reported (unrolledDays). */
  private page(rows: ListingRows, limit: number): ConsentLogPage {
    if (rows.unrolled) this.unrolledDays?.()
    return listingPage(rows, limit)
  }

  /** A page of the listing, read here, on this thread: the CLI, tests, `:memory:`. The server uses listInThread. */
  list(siteId: string, q: ConsentLogFilters & { limit: number; before?: number | undefined }): ConsentLogPage {
    return this.page(runListing(this.db.$client, this.listingPlan(siteId, q)), q.limit)
  }

  /**
   * The same page, read in a worker thread with a read-only connection of its own
   * (listing-worker.ts): a filter matching few records of a large log reads much of it, seconds
   * during which this thread goes on ingesting and answering. An in-memory database, which no
   * other connection can open, is read here. `signal` aborts (the client went away).
   */
  listInThread(siteId: string, q: ConsentLogFilters & { limit: number; before?: number | undefined }, signal?: AbortSignal): Promise<ConsentLogPage> {
    const client = this.db.$client
    if (client.memory) return Promise.resolve().then(() => this.list(siteId, q))
    return oneShotThread(workerScript(import.meta.url, 'listing-worker'), {
      workerData: { file: client.name, plan: this.listingPlan(siteId, q) },
      resourceLimits: LISTING_THREAD_LIMITS,
      signal,
      aborted: listingAborted,
      what: 'consent log listing',
      read: (rows: ListingRows) => this.page(rows, q.limit),
    })
  }

  /** Walks the site's chain here, on this thread: the CLI and tests. The server uses verifyInThread. */
  verify(siteId: string, saved?: SavedManifestHead): VerifyResult {
    return verifyStoredChain(this.db.$client, siteId, saved)
  }

  /**
   * The same verification, in a worker thread with a read-only connection of its own
   * (verify-worker.ts): hashing a log of millions of records takes seconds, during which this
   * thread goes on ingesting and answering. An in-memory database, which no other connection can
   * open, is verified here. `signal` aborts (the client went away): the thread is ended.
   */
  verifyInThread(siteId: string, signal?: AbortSignal, saved?: SavedManifestHead): Promise<VerifyResult> {
    const client = this.db.$client
    if (client.memory) return Promise.resolve().then(() => this.verify(siteId, saved))
    return oneShotThread(workerScript(import.meta.url, 'verify-worker'), {
      workerData: { file: client.name, siteId, saved },
      resourceLimits: VERIFY_THREAD_LIMITS,
      signal,
      aborted: verifyAborted,
      what: 'chain verification',
      read: (result: VerifyResult) => result,
    })
  }

  /**
   * Writes what is queued (what is appended meanwhile too) and stops the writer thread; a record
   * appended after that is refused (ConsentLogClosed). Every call waits for the same work. Call
   * before closing the database.
   */
  close(): Promise<void> {
    this.closing ??= this.closeOnce()
    return this.closing
  }

  private async closeOnce(): Promise<void> {
    if (!this.threaded) {
      this.flush()
      this.closed = true
      return
    }
    // Closed in the same turn as the last batch is answered: a record appended in any later turn
    // is refused, none can find the ring empty and start a thread after this one stopped.
    if (this.posted.length || this.queue.length) await new Promise<void>((resolve) => this.drained.push(() => ((this.closed = true), resolve())))
    this.closed = true
    if (this.idle) clearTimeout(this.idle)
    await this.stopThread()
  }
}
