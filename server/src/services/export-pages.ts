// The export's file, read page by page (keyset: seq > the last page's) from one SQLite
// connection, the export's snapshot. Used inline by the main thread, and by the worker thread that
// reads CSV exports (export-worker.ts).
// - NDJSON: each line is one json_object() (a JSON serialiser); a page is its lines joined.
// - CSV: a page's values arrive as ONE JSON array of records, not twenty values per record (each
//   its own string, which cost more than the query: ~8 µs per record against ~5 µs for the page
//   as JSON, query included, measured), and Papa Parse writes the CSV (quoting, quote doubling,
//   line breaks): no CSV syntax is built by hand. SQLite only transforms values: the formula
//   escape (below), gpc as `true`/`false`, NULL as an empty cell.
import { EXPORT_COLUMNS, type ExportFormat } from '@miniconsent/shared'
import type Database from 'better-sqlite3'
import Papa from 'papaparse'
import { GENESIS_HASH } from './consent-chain'

/**
 * Records per page. A page's text (~75 KB of NDJSON) stays an ordinary young-generation string:
 * strings of a few hundred KB go to V8's large-object space, and the server's memory grew by
 * ~40 MB with pages of 256 records (and ~100 MB with 1,000, measured).
 */
export const PAGE = 128

/**
 * Spreadsheets run a cell that starts with = + - @ (or tab/CR) as a formula, and URL, user agent
 * and consentId come from visitors: such values get a leading `'` (OWASP "CSV injection"). A
 * value that itself starts with `'` gets one too, so reading back (drop one leading `'`, see
 * unescapeCell) is exact and the hashes still verify. NULL stays NULL.
 */
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

/** An NDJSON line: the record as one json_object(), selected beside seq straight from the table. */
export const NDJSON_LINE = `json_object(${EXPORT_COLUMNS.map((name) => `'${name}', ${COLUMN_SQL[name].json}`).join(', ')})`

/**
 * The CSV page query around `records`, a SELECT of whole consent_records rows (so their column
 * names) in seq order, bounded to one page: ONE row, the record count, the last seq and the
 * values (the aggregate's ORDER BY keeps seq order whatever the plan).
 */
export function csvPageSql(records: string): string {
  const values = EXPORT_COLUMNS.map((name) => COLUMN_SQL[name].csv).join(', ')
  return `SELECT count(*), max(seq), json_group_array(json_array(${values}) ORDER BY seq) FROM (${records})`
}

/** What one export reads: the page query (CSV: csvPageSql; NDJSON: seq and NDJSON_LINE per record) and its parameters, two of them filled in per page. */
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

/** The file's text before the first page: the CSV header. */
export const fileStart = (format: ExportFormat) => (format === 'csv' ? csvLines([[...EXPORT_COLUMNS]]) : '')

/** A CSV page read as its values (a JSON array of records), as the file's text. */
export const csvText = (values: string) => csvLines(JSON.parse(values) as unknown[][])

/** A page of the file: its text, or (CSV) its values for another thread to format with csvText. */
export type Page = { rows: number; text: string } | { rows: number; values: string }

/**
 * The pages of records up to `head`, in seq order. `formatHere(i)`: whether CSV page i is
 * formatted here or handed over as values.
 */
export function* exportPages(
  conn: Database.Database,
  plan: ExportPlan,
  head: ChainHead,
  formatHere: (page: number) => boolean = () => true,
): Generator<Page, void, undefined> {
  const query = conn.prepare(plan.sql).raw(true)
  const params = [...plan.params]
  params[plan.headAt] = head.seq
  let after = 0
  for (let i = 0; ; i++) {
    params[plan.afterAt] = after
    let rows: number
    if (plan.format === 'csv') {
      const [count, last, values] = query.get(...params) as [number, number | null, string]
      if (count === 0 || last === null) return
      yield formatHere(i) ? { rows: count, text: csvText(values) } : { rows: count, values }
      rows = count
      after = last
    } else {
      // `.all()` of a bounded page is faster than stepping `.iterate()` record by record.
      const lines = query.all(...params) as [number, string][]
      if (lines.length === 0) return
      yield { rows: lines.length, text: lines.map((l) => l[1]).join('\n') + '\n' }
      rows = lines.length
      after = lines[rows - 1]![0]
    }
    if (rows < PAGE) return
  }
}
