// The export's file, read page by page (keyset: seq > the last page's) from one SQLite
// connection, the export's snapshot, with the queries of export-sql.ts. Used inline by the main
// thread, and by the worker thread that reads exports (export-worker.ts), which is why this
// module loads nothing it does not need (the shared schemas would cost the worker ~10 MB).
// - NDJSON: each line is one json_object() (a JSON serialiser); a page is its lines, concatenated
//   by SQLite into one BLOB.
// - CSV: a page's values arrive as ONE string, joined by separators (export-sql.ts), and d3-dsv
//   writes the CSV (quoting, quote doubling, line breaks): no CSV syntax is built by hand.
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import type { ExportFormat } from '@miniconsent/shared'
import type Database from 'better-sqlite3'
import { csvFormatRows } from 'd3-dsv'
import { escapeExportCell } from '../lib/csv-formula'
import { GENESIS_HASH } from './consent-chain'

/**
 * Records per page. A CSV page's values (~60 KB of JSON) stay an ordinary young-generation
 * string: strings of a few hundred KB go to V8's large-object space, and the server's memory grew
 * by ~40 MB with pages of 256 records (and ~100 MB with 1,000, measured). An NDJSON page is a
 * Buffer, outside V8's heap, and larger pages cost SQLite less per record (~3.4 against ~4.6 µs
 * with 512 against 128, measured).
 */
export const pageSize = (format: ExportFormat) => (format === 'csv' ? 128 : 512)

/** What one export reads: the page query (export-sql.ts) and its parameters, two of them filled in per page. */
export interface ExportPlan {
  siteId: string
  format: ExportFormat
  sql: string
  /**
   * CSV: the same page in a form that takes whatever a value holds, for a page with a separator
   * inside a value (export-sql.ts). NDJSON: the same page with its lines sorted by SQLite
   * (ndjsonOrderedSql), for a page whose lines did not come in seq order; null: every page is
   * taken as it comes (its lines take any value as they are).
   */
  fallbackSql: string | null
  params: unknown[]
  /** Where the keyset (seq > after) and the snapshot's head (seq <= head) sit in `params`. */
  afterAt: number
  headAt: number
  /**
   * With a period or a consentId: a query for the lowest and highest seq the filters select,
   * through their own index, and its parameters. The pages then read only that stretch of the
   * site's log in seq order, not all of it: a day's export of a large log, or a visitor's, read
   * every record of the site before (346 ms for ~550 of 200,000 records, measured).
   */
  boundsSql: string | null
  boundsParams: unknown[]
  /**
   * For an export read by more than one thread (Part): the seq that ends the records after `after`
   * (the same filters, up to the head) at offset `offsetAt`, `ORDER BY seq LIMIT 1 OFFSET ?`, seq
   * only: the last record of the pages another reader reads, found through the index.
   */
  skip: { sql: string; params: unknown[]; afterAt: number; headAt: number; offsetAt: number }
}

/**
 * Which of an export's readers reads the pages: reader `index` of `of` reads pages index,
 * index + of, index + 2 × of, … and skips the others' (ExportPlan.skip). Each page is keyset and
 * bounded by the snapshot's head as with one reader, and every reader walks the same page
 * boundaries on the same snapshot, so each record is in exactly one reader's pages.
 */
export interface Part {
  index: number
  of: number
}

/** One reader reads every page. */
export const WHOLE: Part = { index: 0, of: 1 }

/**
 * How an export's readers open their snapshots together (export-worker.ts): SLOTS Int32s of
 * shared memory. The others count themselves READY once their connection is open; reader 0 then
 * takes the write lock and sets PHASE to OPEN (or to ABANDONED if it ends first); each other
 * reader makes its first read and counts itself OPENED (or does so as it ends without one); reader
 * 0 lets the lock go once all have.
 * Shared memory and Atomics.wait, not messages: the lock is held while the others are woken, and
 * a message between two threads took ~0.2 ms (up to ~3 on a busy machine) where a wake takes ~0.01.
 * The lock is then held 0.2–0.6 ms on a quiet machine (1–4 ms on a busy one; ~2 ms with messages).
 */
export const GATE = { READY: 0, PHASE: 1, OPENED: 2, SLOTS: 3, OPEN: 1, ABANDONED: 2 } as const

export interface ChainHead {
  seq: number
  hash: string
}

/** The newest record the export can contain; on a snapshot connection, this first read fixes the snapshot. */
export function chainHead(conn: Database.Database, siteId: string): ChainHead {
  return (
    (conn.prepare('SELECT seq, hash FROM consent_records WHERE site_id = ? ORDER BY seq DESC LIMIT 1').get(siteId) as ChainHead | undefined) ??
    (conn.prepare('SELECT seq, hash FROM chain_anchors WHERE site_id = ?').get(siteId) as ChainHead | undefined) ?? { seq: 0, hash: GENESIS_HASH }
  )
}

let discard: MessagePort | null = null

/**
 * Whether the bytes are all of their memory (an SQLite BLOB, a long string's UTF-8), not a slice of
 * Node's shared pool or of a larger buffer: only such memory can be moved or freed with them.
 */
export function ownsMemory(bytes: Uint8Array): bytes is Uint8Array<ArrayBuffer> {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
}

/**
 * Frees a page's memory now, not at some later collection, when the page owns it (ownsMemory);
 * returns whether it did. Pages live outside V8's heap, and
 * a thread that allocates little else collects rarely: ~55 MB of sent pages waited for a
 * collection at a time, in each thread, measured. Moving the memory into a message for a closed
 * port detaches it from its JavaScript object and drops the message, and with it the memory.
 */
export function freeNow(bytes: Uint8Array): boolean {
  if (!ownsMemory(bytes)) return false
  if (!discard) {
    const channel = new MessageChannel()
    channel.port2.close()
    discard = channel.port1
  }
  try {
    discard.postMessage(null, [bytes.buffer])
    return true
  } catch {
    // Not transferable (marked so by its owner): left to the collector.
    return false
  }
}

/**
 * CSV lines of `rows`, each ended with a line break (d3-dsv puts none after the last). d3-dsv
 * quotes a value that holds a quote, a comma or a line break, doubling its quotes, writes NULL as an
 * empty cell, and returns one flat string.
 * - Papa Parse, which wrote the CSV before 0.7, cost ~1.2 µs more per record in the whole export
 *   (8.9 → 7.9 µs of server CPU, 180,000 → 210,000 rows/s, interleaved bench runs): it appends each
 *   value to one string, which V8 keeps as thousands of pieces until the page is encoded to UTF-8.
 * - The visitor's cells are escaped against formulas here (escapeExportCell, lib/csv-formula.ts:
 *   a leading `'`, and one after a `;` or a tab before a formula), as the catalogue's CSV is. A
 *   formula-escaped value is not also put in quotes: the leading `'` is what keeps a spreadsheet
 *   from running it (OWASP), and a quoted `'=…` reads as the same text.
 */
export const csvLines = (rows: unknown[][]): string => {
  for (const row of rows) for (const i of VISITOR_CELLS) if (typeof row[i] === 'string') row[i] = escapeExportCell(row[i])
  // Numbers and NULL as well as strings: d3-dsv writes `String(value)`, or nothing for null (its types name strings only).
  return csvFormatRows(rows as string[][]) + '\n'
}

/** seq is the first column of an export (EXPORT_COLUMNS; export-sql.ts checks it at load). */
const SEQ = 0

/** How many values an export record has (EXPORT_COLUMNS; export-sql.ts checks it at load). */
export const COLUMN_COUNT = 21

/** The cells a visitor wrote: consentId, url and userAgent (EXPORT_COLUMNS; export-sql.ts checks them at load). */
export const VISITOR_CELLS = [2, 11, 13] as const

/** The records in seq order: as they are when they already are (always, so far), else sorted. */
export function inSeqOrder(records: unknown[][]): unknown[][] {
  for (let i = 1; i < records.length; i++) {
    if (Number(records[i]![SEQ]) < Number(records[i - 1]![SEQ])) return records.sort((a, b) => Number(a[SEQ]) - Number(b[SEQ]))
  }
  return records
}

const RECORD_SEPARATOR = '\x1e'
const UNIT_SEPARATOR = '\x1f'

/**
 * Whether a CSV page's values (csvPageSql) split into `count` records of COLUMN_COUNT values: no
 * value holds a separator itself. Values only ever add separators, so the count is exact.
 */
export const splitsWhole = (values: string, count: number): boolean =>
  occurrences(values, UNIT_SEPARATOR) + occurrences(values, RECORD_SEPARATOR) === count * COLUMN_COUNT - 1

function occurrences(text: string, char: string): number {
  let n = 0
  for (let i = text.indexOf(char); i !== -1; i = text.indexOf(char, i + 1)) n++
  return n
}

/** A CSV page read as its values (csvPageSql; splitsWhole checked where it was read), as the file's text. */
export const csvText = (values: string): string => {
  const records = values.split(RECORD_SEPARATOR).map((record) => record.split(UNIT_SEPARATOR))
  if (records.some((r) => r.length !== COLUMN_COUNT)) throw new Error('a CSV page whose values do not split into whole records')
  return csvLines(inSeqOrder(records))
}

const SEQ_KEY = Buffer.from('{"seq":')

/**
 * Whether an NDJSON page (ndjsonPageSql) holds `count` lines whose seqs, each its line's first
 * value (EXPORT_COLUMNS), are plain integers in ascending order. False for anything else (a seq
 * that is text, a real or a BLOB, an edited row), which the sorted query then reads: true only
 * when the lines are in seq order. Doubles only ever round seqs beyond 2^53 to equal ones, so
 * no lines out of order pass (equal seqs fail).
 */
export function linesInSeqOrder(bytes: Uint8Array, count: number): boolean {
  let previous = -1
  let lines = 0
  for (let at = 0; at < bytes.length; lines++) {
    for (let k = 0; k < SEQ_KEY.length; k++) if (bytes[at + k] !== SEQ_KEY[k]) return false
    let i = at + SEQ_KEY.length
    let seq = 0
    const first = i
    for (let c = bytes[i]!; c >= 48 && c <= 57; c = bytes[++i]!) seq = seq * 10 + (c - 48)
    if (i === first || bytes[i] !== 44 || seq <= previous) return false
    previous = seq
    // Lines hold no line break but their last byte: JSON escapes one inside a string (json_object(), and json() of strict JSON only).
    const end = bytes.indexOf(10, i)
    if (end === -1) return false
    at = end + 1
  }
  return lines === count
}

/** A page of the file: its bytes, or (CSV) its values for another thread to format with csvText. */
export type Page = { rows: number; bytes: Uint8Array } | { rows: number; values: string }

/**
 * The pages of records up to `head`, in seq order: those of `part` (all of them by default). Each
 * page query (export-sql.ts) answers one row: the count, the last seq and the page.
 * `formatHere(i)`: whether CSV page i is formatted here or handed over as values.
 */
export function* exportPages(
  conn: Database.Database,
  plan: ExportPlan,
  head: ChainHead,
  formatHere: (page: number) => boolean = () => true,
  part: Part = WHOLE,
): Generator<Page, void, undefined> {
  const query = conn.prepare(plan.sql).raw(true)
  let fallback: Database.Statement | null = null
  const again = (params: unknown[]) => {
    fallback ??= conn.prepare(plan.fallbackSql!).raw(true)
    return fallback.get(...params) as [number, number | null, string | Uint8Array]
  }
  const page = (params: unknown[]) => query.get(...params) as [number, number | null, string | Uint8Array]
  const params = [...plan.params]
  const skipParams = [...plan.skip.params]
  const size = pageSize(plan.format)
  let after = 0
  let last = head.seq
  if (plan.boundsSql !== null) {
    const [low, high] = conn.prepare(plan.boundsSql).raw(true).get(...plan.boundsParams) as [number | null, number | null]
    if (low === null || high === null) return
    after = low - 1
    last = Math.min(head.seq, high)
  }
  params[plan.headAt] = last
  skipParams[plan.skip.headAt] = last
  const skip = part.of > 1 ? conn.prepare(plan.skip.sql).pluck() : null
  /** Past the next `pages` pages, the other readers': false when they are not all whole (the last page is among them, or none is left). */
  const skipped = (pages: number): boolean => {
    skipParams[plan.skip.afterAt] = after
    skipParams[plan.skip.offsetAt] = pages * size - 1
    const end = skip!.get(...skipParams) as number | undefined
    if (end === undefined) return false
    after = end
    return true
  }
  for (let i = part.index; ; i += part.of) {
    const others = i === part.index ? part.index : part.of - 1
    if (others > 0 && !skipped(others)) return
    params[plan.afterAt] = after
    const [count, end, content] = page(params)
    if (count === 0 || end === null) return
    if (typeof content !== 'string') {
      // Lines not in seq order (never seen so far; or a seq no plain integer, an edited row): the page again, sorted by SQLite.
      const inOrder = plan.fallbackSql === null || linesInSeqOrder(content, count)
      yield { rows: count, bytes: inOrder ? content : (again(params)[2] as Uint8Array) }
    }
    else if (!splitsWhole(content, count)) {
      // A value holds a separator (an edited row): this page again as JSON, formatted here.
      const [, , json] = again(params)
      yield { rows: count, bytes: Buffer.from(csvLines(inSeqOrder(JSON.parse(json as string) as unknown[][]))) }
    } else yield formatHere(i) ? { rows: count, bytes: Buffer.from(csvText(content)) } : { rows: count, values: content }
    after = end
    if (count < size) return
  }
}
