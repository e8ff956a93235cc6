// The export's file as byte chunks, read page by page from one SQLite connection. Used by the
// export's worker thread (export-worker.ts) on its own snapshot connection, and inline on the
// server's connection when the database lives in memory (no second connection can see it).
//
// Each page is ONE result row: SQLite aggregates the page's records into one value, so a page
// crosses into JavaScript as one value instead of twenty per record, which cost more than the
// SQL itself (measured: ~8 µs per record to receive twenty column values, ~5 µs for the page
// as JSON, including the query).
// - NDJSON: each line is one json_object() (a JSON serialiser), the page is the lines joined,
//   handed over as a BLOB, i.e. bytes outside the JavaScript heap, ready to hash and send.
// - CSV: the page's values arrive as one JSON array of rows, and Papa Parse writes the CSV
//   (quoting, quote doubling, line breaks): no CSV syntax is built by hand. SQLite only
//   transforms values: the formula escape (below), gpc as `true`/`false`, NULL as an empty cell.
import { EXPORT_COLUMNS, type ExportFormat } from '@miniconsent/shared'
import type Database from 'better-sqlite3'
import Papa from 'papaparse'
import { GENESIS_HASH } from './consent-chain'

/**
 * Records per page. A CSV page is parsed from one JSON string: at 256 records (~170 KB) that is
 * past V8's regular object size, but the worker's heap is small and collected often; larger
 * pages gained little more (per-page costs are already under 2 % at this size).
 */
export const PAGE = 128

/** A value a visitor may have written (URL, user agent, consentId), with the formula escape; NULL stays NULL. */
const formulaEscaped = (x: string) => `iif(substr(${x}, 1, 1) IN ('''', '=', '+', '-', '@', char(9), char(13)), '''' || ${x}, ${x})`

const COLUMN_SQL: Record<(typeof EXPORT_COLUMNS)[number], { csv: string; json: string }> = {
  seq: { csv: 'seq', json: 'seq' },
  recordId: { csv: 'record_id', json: 'record_id' },
  consentId: { csv: formulaEscaped('consent_id'), json: 'consent_id' },
  serverTime: { csv: 'server_time', json: 'server_time' },
  clientTime: { csv: 'client_time', json: 'client_time' },
  method: { csv: 'method', json: 'method' },
  revision: { csv: 'revision', json: 'revision' },
  textsHash: { csv: 'texts_hash', json: 'texts_hash' },
  region: { csv: 'region', json: 'region' },
  mode: { csv: 'mode', json: 'mode' },
  language: { csv: 'language', json: 'language' },
  url: { csv: formulaEscaped('url'), json: 'url' },
  ip: { csv: 'ip', json: 'ip' },
  userAgent: { csv: formulaEscaped('user_agent'), json: 'user_agent' },
  gpc: { csv: "iif(gpc, 'true', 'false')", json: "json(iif(gpc, 'true', 'false'))" },
  // An edited row may hold broken JSON: it goes out as a string and verification reports it.
  categories: { csv: 'categories', json: 'iif(json_valid(categories), json(categories), categories)' },
  services: { csv: 'services', json: 'iif(json_valid(services), json(services), services)' },
  prevHash: { csv: 'prev_hash', json: 'prev_hash' },
  hash: { csv: 'hash', json: 'hash' },
  erasedAt: { csv: 'erased_at', json: 'erased_at' },
}

/**
 * The page query around `records`, a SELECT of whole consent_records rows (so their column names)
 * in seq order, bounded to one page: the page's record count, its last seq, and its content.
 * The aggregates' ORDER BY keeps the file in seq order whatever the plan.
 */
export function pageSql(format: ExportFormat, records: string): string {
  const content =
    format === 'csv'
      ? `json_group_array(json_array(${EXPORT_COLUMNS.map((name) => COLUMN_SQL[name].csv).join(', ')}) ORDER BY seq)`
      : `group_concat(json_object(${EXPORT_COLUMNS.map((name) => `'${name}', ${COLUMN_SQL[name].json}`).join(', ')}), char(10) ORDER BY seq) || char(10)`
  return `SELECT count(*), max(seq), ${content} FROM (${records})`
}

/** What one export reads: the page query and its parameters, two of them filled in per page. */
export interface ExportPlan {
  siteId: string
  format: ExportFormat
  sql: string
  params: unknown[]
  /** Where the keyset (seq > after) and the snapshot's head (seq <= head) sit in `params`. */
  afterAt: number
  headAt: number
}

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

/** A formula-escaped value is quoted too, as OWASP advises (Papa Parse quotes the others only when they need it). */
const CSV_OPTIONS: Papa.UnparseConfig = {
  quotes: (value: unknown) => typeof value === 'string' && value.charCodeAt(0) === 39,
  newline: '\n',
}
/** CSV lines of `rows`, each ended with a line break (Papa Parse puts none after the last). */
const csvLines = (rows: unknown[][]) => Papa.unparse(rows, CSV_OPTIONS) + '\n'

/** A page as SQLite aggregated it: NDJSON lines, or for CSV the rows' values as a JSON array. */
export interface Page {
  content: string
  rows: number
}

/** The file's text before the first page: the CSV header. */
export const fileStart = (format: ExportFormat) => (format === 'csv' ? csvLines([[...EXPORT_COLUMNS]]) : '')

/** A page as the file's text. */
export const pageText = (format: ExportFormat, page: Page) => (format === 'csv' ? csvLines(JSON.parse(page.content) as unknown[][]) : page.content)

/** The pages of records up to `head`, in seq order. */
export function* exportPages(conn: Database.Database, plan: ExportPlan, head: ChainHead): Generator<Page, void, undefined> {
  const page = conn.prepare(plan.sql).raw(true)
  const params = [...plan.params]
  params[plan.headAt] = head.seq
  let after = 0
  for (;;) {
    params[plan.afterAt] = after
    const [rows, last, content] = page.get(...params) as [number, number | null, string | null]
    if (rows === 0 || last === null || content === null) return
    yield { content, rows }
    if (rows < PAGE) return
    after = last
  }
}
