// The export's file, read page by page from one SQLite connection. Used by the export's worker
// thread (export-worker.ts) on its own snapshot connection, and inline on the server's connection
// when the database lives in memory (no second connection can see it).
//
// Each page is ONE result row: SQLite aggregates the page's records into one value, so a page
// crosses into JavaScript as one value instead of twenty per record, which cost more than the
// SQL itself (measured: ~8 µs per record to receive twenty column values, ~5 µs for the page
// as JSON, including the query).
// - NDJSON: each line is one json_object() (a JSON serialiser), the page is the lines joined.
// - CSV: the page's values arrive as one JSON array of records, and Papa Parse writes the CSV
//   (quoting, quote doubling, line breaks): no CSV syntax is built by hand. SQLite only
//   transforms values: the formula escape (below), gpc as `true`/`false`, NULL as an empty cell.
// A page can also be read as its values only (JSON, the same values as the text would hold) and
// formatted elsewhere: the worker leaves some pages to the main thread, so both cores format.
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

/** A value a visitor may have written (URL, user agent, consentId), with the formula escape; NULL stays NULL. */
const formulaEscaped = (x: string) => `iif(substr(${x}, 1, 1) IN ('''', '=', '+', '-', '@', char(9), char(13)), '''' || ${x}, ${x})`

/** Each column's stored name, and its SQL in the CSV values and the NDJSON text where that differs. */
const COLUMN_SQL: Record<(typeof EXPORT_COLUMNS)[number], { stored: string; csv?: string; json?: string }> = {
  seq: { stored: 'seq' },
  recordId: { stored: 'record_id' },
  consentId: { stored: 'consent_id', csv: formulaEscaped('consent_id') },
  serverTime: { stored: 'server_time' },
  clientTime: { stored: 'client_time' },
  method: { stored: 'method' },
  revision: { stored: 'revision' },
  textsHash: { stored: 'texts_hash' },
  region: { stored: 'region' },
  mode: { stored: 'mode' },
  language: { stored: 'language' },
  url: { stored: 'url', csv: formulaEscaped('url') },
  ip: { stored: 'ip' },
  userAgent: { stored: 'user_agent', csv: formulaEscaped('user_agent') },
  gpc: { stored: 'gpc', csv: "iif(gpc, 'true', 'false')", json: "json(iif(gpc, 'true', 'false'))" },
  // An edited row may hold broken JSON: it goes out as a string and verification reports it.
  categories: { stored: 'categories', json: 'iif(json_valid(categories), json(categories), categories)' },
  services: { stored: 'services', json: 'iif(json_valid(services), json(services), services)' },
  prevHash: { stored: 'prev_hash' },
  hash: { stored: 'hash' },
  erasedAt: { stored: 'erased_at' },
}
const sqlOf = (form: 'stored' | 'csv' | 'json') => EXPORT_COLUMNS.map((name) => COLUMN_SQL[name][form] ?? COLUMN_SQL[name].stored)

/**
 * The page queries around `records`, a SELECT of whole consent_records rows (so their column names)
 * in seq order, bounded to one page: the page's record count, its last seq, and its content,
 * either as the file's text (`text`, for NDJSON) or as its values (`values`, a JSON array of one
 * array per record). The aggregates' ORDER BY keeps the file in seq order whatever the plan.
 */
export function pageSql(format: ExportFormat, records: string): { text: string | null; values: string } {
  const page = (content: string) => `SELECT count(*), max(seq), ${content} FROM (${records})`
  const values = (exprs: string[]) => page(`json_group_array(json_array(${exprs.join(', ')}) ORDER BY seq)`)
  if (format === 'csv') return { text: null, values: values(sqlOf('csv')) }
  return {
    text: page(`group_concat(json_object(${EXPORT_COLUMNS.map((name, i) => `'${name}', ${sqlOf('json')[i]}`).join(', ')}), char(10) ORDER BY seq) || char(10)`),
    // The stored values: gpc and the JSON columns are converted in JavaScript (ndjsonLines), where
    // it costs less than SQLite's json() and json_valid() did.
    values: values(sqlOf('stored')),
  }
}

/** What one export reads: the page query and its parameters, two of them filled in per page. */
export interface ExportPlan {
  siteId: string
  format: ExportFormat
  sql: { text: string | null; values: string }
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

/**
 * A stored JSON text (categories, services) as a value, parsed once per distinct text: a log
 * holds few distinct ones. Broken JSON (an edited row) stays a string, as in pageSql's `text`.
 */
function jsonValues() {
  const parsed = new Map<string, unknown>()
  return (text: unknown): unknown => {
    if (typeof text !== 'string') return text
    let value = parsed.get(text)
    if (value === undefined) {
      try {
        value = JSON.parse(text) as unknown
      } catch {
        value = text
      }
      // Bounded: a log of all-different values gains nothing from the cache and must not grow it.
      if (parsed.size >= 1_000) parsed.clear()
      parsed.set(text, value)
    }
    return value
  }
}

/** NDJSON lines of `records` (stored values in EXPORT_COLUMNS order), as pageSql's `text` writes them. */
function ndjsonLines(records: unknown[][], json: (text: unknown) => unknown): string {
  let text = ''
  // One object literal: V8 serialises an object of a fixed shape several times faster than one
  // built key by key. The keys are EXPORT_COLUMNS, in its order (the tests compare the two).
  for (const v of records) {
    text += `${JSON.stringify({
      seq: v[0],
      recordId: v[1],
      consentId: v[2],
      serverTime: v[3],
      clientTime: v[4],
      method: v[5],
      revision: v[6],
      textsHash: v[7],
      region: v[8],
      mode: v[9],
      language: v[10],
      url: v[11],
      ip: v[12],
      userAgent: v[13],
      gpc: Number(v[14]) !== 0,
      categories: json(v[15]),
      services: json(v[16]),
      prevHash: v[17],
      hash: v[18],
      erasedAt: v[19],
    } satisfies Record<(typeof EXPORT_COLUMNS)[number], unknown>)}\n`
  }
  return text
}

/** The file's text before the first page: the CSV header. */
export const fileStart = (format: ExportFormat) => (format === 'csv' ? csvLines([[...EXPORT_COLUMNS]]) : '')

/** Formats pages read as their values (`values` of pageSql) as the file's text. */
export function valuesFormatter(format: ExportFormat): (values: string) => string {
  const json = jsonValues()
  return (values) => {
    const records = JSON.parse(values) as unknown[][]
    return format === 'csv' ? csvLines(records) : ndjsonLines(records, json)
  }
}

/** A page of the file: its text, or its values for another thread to format (valuesFormatter). */
export type Page = { rows: number; text: string } | { rows: number; values: string }

/**
 * The pages of records up to `head`, in seq order. `formatHere(i)`: whether page i is formatted
 * here or handed over as values.
 */
export function* exportPages(
  conn: Database.Database,
  plan: ExportPlan,
  head: ChainHead,
  formatHere: (page: number) => boolean = () => true,
): Generator<Page, void, undefined> {
  const asText = plan.sql.text === null ? null : conn.prepare(plan.sql.text).raw(true)
  const asValues = conn.prepare(plan.sql.values).raw(true)
  const valuesText = valuesFormatter(plan.format)
  const params = [...plan.params]
  params[plan.headAt] = head.seq
  let after = 0
  for (let i = 0; ; i++) {
    params[plan.afterAt] = after
    const here = formatHere(i)
    const [rows, last, content] = ((here && asText) || asValues).get(...params) as [number, number | null, string | null]
    if (rows === 0 || last === null || content === null) return
    if (!here) yield { rows, values: content }
    else yield { rows, text: asText ? content : valuesText(content) }
    if (rows < PAGE) return
    after = last
  }
}
