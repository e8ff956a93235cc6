// Streaming exports of the consent log (SPEC §7) as CSV or NDJSON, with a manifest.
//
// Records are read in keyset pages (seq > last) on a connection of their own inside one read
// transaction: the file is a consistent snapshot even while ingestion appends (WAL), and memory
// stays at a few pages whatever the log's size. Pages are read by worker threads: an NDJSON page
// comes whole from SQLite, read by two threads on one snapshot, each every other page; a CSV page,
// read by one, is formatted by either thread (splitting its values and writing the CSV cost about
// as much as reading them). The caller hashes the bytes as they go out and completes the manifest with the digest
// and the row count; the manifest is then signed (manifest-keys.ts).
import { randomUUID } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import { EXPORT_COLUMNS, type ConsentLogFilters, type ExportFormat, type ExportManifest } from '@miniconsent/shared'
import Database from 'better-sqlite3'
import { and, asc, desc, eq, gt, lte, Placeholder, sql } from 'drizzle-orm'
import type { Db, Tx } from '../db/client'
import { workerScript } from '../lib/worker-script'
import { consentRecords, exportManifests, users } from '../db/schema'
import { sha256 } from './accounts'
import { signManifest, type ManifestKeys, type SigningKey } from './manifest-keys'
import { manifestFrom } from './stored-signatures'
import { GENESIS_HASH } from './consent-chain'
import { activeFilters, filterConditions, seqBounds } from './consent-filters'
import { chainHead, csvLines, csvText, exportPages, freeNow, GATE, pageSize, type ChainHead, type ExportPlan, type Page } from './export-pages'
import { csvFallbackSql, CSV_LINE, csvPageSql, NDJSON_LINE, ndjsonOrderedSql, ndjsonPageSql } from './export-sql'
import type { FromWorker, ReaderData, ToWorker } from './export-worker'

/**
 * Pages a worker may read ahead of what this thread has taken: enough that it rarely waits, few
 * enough that memory stays at a few hundred KB whatever the download's speed.
 */
const CREDIT = 4


/**
 * The worker's heap: it only ever holds a few pages; bounded, so that what it leaves for the
 * collector cannot grow the server's memory (a 2 MB young generation was collected so often
 * that the export ran at half speed; 8 and 16 MB ended at the same peak, measured).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 32 }

export interface ExportJob {
  id: string
  /** The filters as the manifest and the audit log name them: a consentId by its hash. */
  filters: ConsentLogFilters
  filename: string
  contentType: string
  /** The file's bytes, one page of records per chunk; the reader stops when the loop over them ends. */
  chunks: AsyncGenerator<Uint8Array, void, undefined>
  rowCount: () => number
  /** Writes the digest of what was sent; the manifest is served from then on. */
  complete: (sha256: string) => void
  /** Stops reading (download cut short, failed): the workers end and their connections close. */
  abort: () => void
  /**
   * Stops reading and deletes the manifest's row: for an export refused before its first byte,
   * which leaves no trace (no audit entry says it began).
   */
  discard: () => void
  /**
   * Once a chunk's bytes are with the kernel (the socket's write callback): hands its memory back
   * to the reader to be filled with a later page, or frees it. Optional; the chunk must not be
   * used after.
   */
  release: (chunk: Uint8Array) => void
}

interface Reader {
  head: ChainHead
  chunks: AsyncGenerator<Page, void, undefined>
  stop: () => void
  release: (chunk: Uint8Array) => void
}

/**
 * Reads on this thread: on a read-only connection of its own in one read transaction (the
 * snapshot), or on the server's connection for an in-memory database, which no other can open.
 */
function inlineReader(main: Db['$client'], plan: ExportPlan): Reader {
  const own = main.memory ? null : new Database(main.name, { readonly: true, fileMustExist: true })
  const close = () => {
    if (!own?.open) return
    if (own.inTransaction) own.prepare('COMMIT').run()
    own.close()
  }
  try {
    if (own) {
      own.pragma('busy_timeout = 5000')
      // A sequential read needs few cached pages; the default 16 MB would only add to the server's memory.
      own.pragma('cache_size = -2000')
      own.prepare('BEGIN').run()
    }
    const conn = own ?? main
    const head = chainHead(conn, plan.siteId)
    const pages = exportPages(conn, plan, head)
    return {
      head,
      chunks: (async function* () {
        try {
          yield* pages
        } finally {
          close()
        }
      })(),
      stop: close,
      // Pages read here are new memory each: freed once sent.
      release: (chunk) => void freeNow(chunk),
    }
  } catch (e) {
    close()
    throw e
  }
}

/**
 * Threads that read an export's pages, each its share (Part). An NDJSON page comes whole from
 * SQLite (json_object(), ~4 µs a record), and one thread reading them all was the export's bound:
 * 192,681 rows/s in 0.9.25's bench, while this thread hashed and sent at ~1.3 µs a record. With
 * two, 4 alternated pairs of 1M-record exports on a quiet machine went from 268,000–290,000 to
 * 325,000–356,000 rows/s (server CPU 4.4–4.8 → 4.7–5.1 µs a record: each reader also finds the
 * end of the other's pages, and each connection caches its own). CSV keeps one: its pages are
 * formatted by either thread (credit decides), which keeps both cores busy already; with two
 * readers, 4 alternated runs made 198,000–222,000 rows/s against 233,000–250,000 with one (server
 * CPU 7.2–8.0 against 6.8–7.3 µs a record).
 */
const READERS: Record<ExportFormat, number> = { csv: 1, ndjson: 2 }

/**
 * Chunks whose memory came from a worker, which may be handed back to it: CSV pages only. An
 * NDJSON page's memory is freed here once sent: the worker then moves the BLOB SQLite gave it as
 * it is, where it copied each page into returned memory and freed the BLOB's (freeNow). 12
 * alternated pairs of 1M-record NDJSON exports: server CPU 5.66 → 5.43 µs a record, the worker
 * 4.22 → 4.02, peak RSS 116–120 → 113–117 MB. CSV pages (~80 KB, four times as many) did not
 * gain from it: 8.24 → 8.63 µs a record over 4 pairs (measured).
 */
type Lent = WeakMap<Uint8Array, (memory: ArrayBuffer) => void>

/**
 * Reads in worker threads (READERS), each with its own connection, on one snapshot
 * (export-worker.ts); resolves once every snapshot is taken. A reader that fails to start stops
 * the others at once (reader 0 would wait for it). The pages come in their order: page i from
 * reader i mod READERS.
 */
async function threadReaders(file: string, plan: ExportPlan): Promise<Reader> {
  const of = READERS[plan.format]
  const lent: Lent = new WeakMap()
  const gate = of > 1 ? new SharedArrayBuffer(GATE.SLOTS * Int32Array.BYTES_PER_ELEMENT) : null
  const readers: ReturnType<typeof threadReader>[] = []
  const stop = () => {
    for (const r of readers) r.stop()
  }
  let heads: ChainHead[]
  try {
    // One by one, so that a thread the system cannot start (it throws) stops those already made.
    for (let index = 0; index < of; index++) readers.push(threadReader({ file, plan, credit: CREDIT, part: { index, of }, gate }, lent))
    heads = await Promise.all(readers.map((r) => r.head))
  } catch (e) {
    stop()
    // The heads of readers made before one failed to start are awaited by nothing else: a rejection left unhandled ends the server.
    void Promise.allSettled(readers.map((r) => r.head))
    throw e
  }
  const [head] = heads
  if (heads.some((h) => h.seq !== head!.seq || h.hash !== head!.hash)) {
    stop()
    // Snapshots that differ would make one file of two states.
    throw new Error('the readers of the export saw different chain heads')
  }
  return {
    head: head!,
    chunks: (async function* () {
      try {
        // Strictly in turn, each reader on its own credit: memory stays at a few pages each,
        // however slow the download. The export ends when the reader of the next page has none.
        for (let i = 0; ; i = (i + 1) % of) {
          const next = await readers[i]!.chunks.next()
          if (next.done) return
          yield next.value
        }
      } finally {
        stop()
      }
    })(),
    stop,
    release: (chunk) => {
      const giveBack = lent.get(chunk)
      if (!giveBack) return void freeNow(chunk)
      lent.delete(chunk)
      giveBack(chunk.buffer as ArrayBuffer)
    },
  }
}

/** What a reader reported as its failure, with SQLite's code when it has one (SQLITE_BUSY: 503 `database_busy`). */
const readerError = (m: { error: string; code?: string }) => Object.assign(new Error(m.error), m.code && { code: m.code })

/** One reader's thread: `head` resolves once its snapshot is taken, and its pages follow. */
function threadReader(data: ReaderData, lent: Lent): { head: Promise<ChainHead>; chunks: AsyncGenerator<Page, void, undefined>; stop: () => void } {
  const [entry, options] = workerScript(import.meta.url, 'export-worker')
  const worker = new Worker(entry, { ...options, workerData: data, resourceLimits: WORKER_LIMITS })
  const inbox: FromWorker[] = []
  let wake: (() => void) | null = null
  const deliver = (m: FromWorker) => {
    inbox.push(m)
    wake?.()
  }
  let ended = false
  worker.on('message', deliver)
  worker.on('error', (e) => deliver({ error: e.message }))
  worker.on('exit', (code) => {
    ended = true
    deliver({ error: `export reader exited (${code})` })
  })
  const tell = (m: ToWorker, transfer?: ArrayBuffer[]) => {
    if (!ended) worker.postMessage(m, transfer)
  }
  const giveBack = (memory: ArrayBuffer) => tell({ recycle: memory }, [memory])
  const stop = () => {
    tell({ stop: true })
    // A worker stuck in a page would keep its snapshot open: it gets a moment, then is ended.
    setTimeout(() => void worker.terminate(), 2_000).unref()
  }
  const next = async (): Promise<FromWorker> => {
    while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve))
    wake = null
    return inbox.shift()!
  }
  const chunks = async function* (): AsyncGenerator<Page, void, undefined> {
    try {
      for (;;) {
        const m = await next()
        if ('done' in m) return
        if ('error' in m) throw readerError(m)
        if ('rows' in m) {
          // Credit is returned as a page is taken, not once it is sent: the worker's credit is then
          // the pages waiting here, which tells it whether this thread is busy (export-worker.ts).
          tell({ credit: 1 })
          if ('bytes' in m && data.plan.format === 'csv') lent.set(m.bytes, giveBack)
          yield m
        }
      }
    } finally {
      stop()
    }
  }
  const head = next().then((m) => {
    if ('head' in m) return m.head
    throw 'error' in m ? readerError(m) : new Error('export reader sent no chain head')
  })
  return { head, chunks: chunks(), stop }
}

/**
 * How a manifest and the audit log name a consentId filter: by its hash (its first 16 hex digits,
 * so that the filter still reads as a consentId), never as itself. Manifests are handed to third
 * parties and outlive a data-subject erasure, which could not rewrite a signed manifest without
 * breaking its signature; the hash confirms a consentId one holds and reveals none.
 */
export const namedConsentId = (consentId: string, prefix: 'sha256' | 'erased' = 'sha256') => `${prefix}-${sha256(consentId).slice(0, 16)}`

/**
 * The erasure of a consentId (consent-subjects.ts) in the manifests of exports filtered by it that
 * name it as itself (made before 0.8.1): renamed by its hash, and each signed one signed again, by
 * `signer`, so that its signature still holds. Runs in the erasure's transaction.
 */
export function eraseFromManifests(tx: Tx, siteId: string, consentId: string, signer: () => SigningKey): void {
  const named = namedConsentId(consentId, 'erased')
  const rows = tx
    .select({ m: exportManifests })
    .from(exportManifests)
    .where(and(eq(exportManifests.siteId, siteId), sql`json_extract(${exportManifests.filters}, '$.consentId') = ${consentId}`))
    .all()
  for (const { m } of rows) {
    const filters = JSON.stringify({ ...(JSON.parse(m.filters) as ConsentLogFilters), consentId: named })
    let signed: { keyId: string; signature: string } | null = null
    if (m.signature !== null && m.rowCount !== null && m.sha256 !== null) {
      const key = signer()
      const unsigned = manifestFrom({ ...m, filters, keyId: key.keyId, signature: null }, m.createdByEmail, m.rowCount, m.sha256)
      signed = { keyId: key.keyId, signature: signManifest(unsigned, key.privateKey) }
    }
    tx.update(exportManifests).set({ filters, ...signed }).where(eq(exportManifests.id, m.id)).run()
  }
}

/** What an export of `siteId` in `format` with `filters` reads (export-pages.ts). */
export function exportPlan(db: Db, siteId: string, format: ExportFormat, filters: ConsentLogFilters): ExportPlan {
  // The page's records are selected by drizzle (same filters as the listing), keyset after the
  // last page and up to the snapshot's head (export-pages.ts).
  const where = and(
    filterConditions(siteId, filters),
    gt(consentRecords.seq, sql.placeholder('after')),
    lte(consentRecords.seq, sql.placeholder('head')),
  )
  const records = db
    .select({ seq: consentRecords.seq, line: sql.raw(format === 'csv' ? CSV_LINE : NDJSON_LINE).as('line') })
    .from(consentRecords)
    .where(where)
    .orderBy(asc(consentRecords.seq))
    .limit(pageSize(format))
    .toSQL()
  // The seq that ends the pages another reader reads: the same records, seq only, through the index.
  const skip = db.select({ seq: consentRecords.seq }).from(consentRecords).where(where).orderBy(asc(consentRecords.seq)).limit(1).offset(sql.placeholder('offset')).toSQL()
  const bounds = seqBounds(db, siteId, filters)
  const slot = (params: unknown[], name: string) => params.findIndex((p) => p instanceof Placeholder && p.name === name)
  const filled = (params: unknown[]) => params.map((p) => (p instanceof Placeholder ? null : p))
  const pageSql = format === 'csv' ? csvPageSql(records.sql) : ndjsonPageSql(records.sql)
  return {
    siteId,
    format,
    sql: pageSql,
    fallbackSql: format === 'csv' ? csvFallbackSql(pageSql) : ndjsonOrderedSql(pageSql),
    params: filled(records.params),
    afterAt: slot(records.params, 'after'),
    headAt: slot(records.params, 'head'),
    boundsSql: bounds?.sql ?? null,
    boundsParams: bounds?.params ?? [],
    skip: { sql: skip.sql, params: filled(skip.params), afterAt: slot(skip.params, 'after'), headAt: slot(skip.params, 'head'), offsetAt: slot(skip.params, 'offset') },
  }
}

export class ConsentExports {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    private readonly keys: ManifestKeys,
  ) {}

  async begin(o: { siteId: string; format: ExportFormat; filters: ConsentLogFilters; userId: number | null }): Promise<ExportJob> {
    const id = randomUUID()
    const filters = activeFilters(o.filters)
    const plan = exportPlan(this.db, o.siteId, o.format, filters)
    // Before any byte is sent: a key that cannot be had fails the request, not the finished download.
    const signer = this.keys.active()
    const createdBy = o.userId === null ? null : (this.db.select({ email: users.email }).from(users).where(eq(users.id, o.userId)).get()?.email ?? null)
    const client = this.db.$client
    // Workers read, so that this thread only hashes and sends (and formats CSV pages when the
    // worker is the busier one): the query is most of an NDJSON export's cost.
    const reader = client.memory ? inlineReader(client, plan) : await threadReaders(client.name, plan)
    const { head } = reader

    const named = filters.consentId ? { ...filters, consentId: namedConsentId(filters.consentId) } : filters
    const started = {
      id,
      siteId: o.siteId,
      format: o.format,
      filters: JSON.stringify(named),
      chainHeadSeq: head.seq,
      chainHeadHash: head.hash,
      createdAt: new Date(this.now()),
    }
    try {
      this.db
        .insert(exportManifests)
        .values({ ...started, createdBy: o.userId })
        .run()
    } catch (e) {
      reader.stop()
      throw e
    }

    let rowCount = 0
    const chunks = async function* (): AsyncGenerator<Uint8Array, void, undefined> {
      if (o.format === 'csv') yield Buffer.from(csvLines([[...EXPORT_COLUMNS]]))
      for await (const page of reader.chunks) {
        rowCount += page.rows
        // Buffer.from encodes UTF-8 ~2.5× as fast as TextEncoder (measured on 100 KB pages).
        yield 'bytes' in page ? page.bytes : Buffer.from(csvText(page.values))
      }
    }

    const day = new Date(this.now()).toISOString().slice(0, 10)
    return {
      id,
      filters: named,
      filename: `consents-${o.siteId}-${day}-${id.slice(0, 8)}.${o.format}`,
      contentType: o.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      chunks: chunks(),
      rowCount: () => rowCount,
      complete: (sha256) => {
        // Signed as it will be served, the exporter's e-mail kept with it.
        const signature = signManifest(manifestFrom({ ...started, keyId: signer.keyId, signature: null }, createdBy, rowCount, sha256), signer.privateKey)
        this.db
          .update(exportManifests)
          .set({ rowCount, sha256, completedAt: new Date(this.now()), createdByEmail: createdBy, keyId: signer.keyId, signature })
          .where(eq(exportManifests.id, id))
          .run()
      },
      abort: reader.stop,
      discard: () => {
        reader.stop()
        this.db.delete(exportManifests).where(eq(exportManifests.id, id)).run()
      },
      release: reader.release,
    }
  }

  /** The manifest of a completed export of that site, or null. */
  manifest(siteId: string, exportId: string): ExportManifest | null {
    const row = this.db
      .select({ m: exportManifests, email: users.email })
      .from(exportManifests)
      .leftJoin(users, eq(users.id, exportManifests.createdBy))
      .where(and(eq(exportManifests.id, exportId), eq(exportManifests.siteId, siteId)))
      .orderBy(desc(exportManifests.createdAt))
      .get()
    if (!row || row.m.completedAt === null || row.m.sha256 === null || row.m.rowCount === null) return null
    // A signed manifest names the exporter as signed; one from before signing, as the account is now.
    const createdBy = row.m.signature === null ? row.email : row.m.createdByEmail
    return manifestFrom(row.m, createdBy, row.m.rowCount, row.m.sha256)
  }
}
