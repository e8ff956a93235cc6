// The export's SQL: the columns of both formats, in EXPORT_COLUMNS order, and the page queries
// that export-pages.ts runs.
// - NDJSON: each line is one json_object(), and a page is its lines concatenated by SQLite.
// - CSV: a page's values as ONE JSON array of records, not twenty values per record (each its own
//   string, which cost more than the query: ~8 µs per record against ~5 µs for the page as JSON,
//   query included, measured). SQLite only transforms values: the formula escape (below), gpc as
//   `true`/`false`, NULL as an empty cell; the CSV itself is d3-dsv's.
import { EXPORT_COLUMNS } from '@miniconsent/shared'
import { VISITOR_CELLS } from './export-pages'

// export-pages.ts reads a CSV record's seq from its first value, and knows the visitor's cells by
// position (it loads no shared module).
if (EXPORT_COLUMNS[0] !== 'seq') throw new Error('the first export column must be seq')
if (VISITOR_CELLS.map((i) => EXPORT_COLUMNS[i]).join() !== 'consentId,url,userAgent') throw new Error('VISITOR_CELLS must name consentId, url and userAgent')

/**
 * Spreadsheets run a cell that starts with = + - @ (or tab/CR, or after a NUL they drop) as a formula, and URL, user agent
 * and consentId come from visitors: such values get a leading `'` (OWASP "CSV injection"). A
 * value that itself starts with `'` gets one too, so reading back (drop one leading `'`, see
 * unescapeCell, lib/csv-formula.ts) is exact and the hashes still verify. NULL stays NULL.
 */
const formulaEscaped = (x: string) =>
  // A NUL as the first character is looked for in the bytes: SQLite's text functions stop at it.
  `iif(substr(${x}, 1, 1) IN ('''', '=', '+', '-', '@', char(9), char(13)) OR substr(CAST(${x} AS BLOB), 1, 1) = x'00', '''' || ${x}, ${x})`

/**
 * Each column's SQL: one expression for both formats, or one per format, and for a JSON column
 * the form that also takes broken JSON (`checked`).
 */
const COLUMN_SQL: Record<(typeof EXPORT_COLUMNS)[number], string | { csv: string; json: string; checked?: string }> = {
  seq: 'seq',
  recordId: 'record_id',
  consentId: { csv: formulaEscaped('consent_id'), json: 'consent_id' },
  serverTime: 'server_time',
  clientTime: 'client_time',
  method: 'method',
  revision: 'revision',
  textsHash: 'texts_hash',
  region: 'region',
  mode: 'mode',
  language: 'language',
  url: { csv: formulaEscaped('url'), json: 'url' },
  ip: 'ip',
  userAgent: { csv: formulaEscaped('user_agent'), json: 'user_agent' },
  gpc: { csv: "iif(gpc, 'true', 'false')", json: "json(iif(gpc, 'true', 'false'))" },
  // An edited row may hold broken JSON, which json() refuses: the checked form sends it as a
  // string (verification reports the row). Checking every row cost a second parse of each value.
  categories: { csv: 'categories', json: 'json(categories)', checked: 'iif(json_valid(categories), json(categories), categories)' },
  services: { csv: 'services', json: 'json(services)', checked: 'iif(json_valid(services), json(services), services)' },
  prevHash: 'prev_hash',
  hash: 'hash',
  erasedAt: 'erased_at',
  personalHash: 'personal_hash',
}

function sqlFor(name: (typeof EXPORT_COLUMNS)[number], format: 'csv' | 'json' | 'checked'): string {
  const column = COLUMN_SQL[name]
  if (typeof column === 'string') return column
  return format === 'checked' ? (column.checked ?? column.json) : column[format]
}

const line = (format: 'json' | 'checked') => `json_object(${EXPORT_COLUMNS.map((name) => `'${name}', ${sqlFor(name, format)}`).join(', ')})`

/** An NDJSON line: the record as one json_object(), selected as `line` beside seq straight from the table. */
export const NDJSON_LINE = line('json')

/** The same line for a record whose JSON columns may be broken (an edited row): those go out as strings. */
export const NDJSON_LINE_CHECKED = line('checked')

/** The page query with NDJSON_LINE_CHECKED in place of NDJSON_LINE, for the pages NDJSON_LINE refuses (export-pages.ts). */
export const checkedNdjson = (pageSql: string): string => pageSql.replace(NDJSON_LINE, NDJSON_LINE_CHECKED)

/**
 * The NDJSON page query around `records`, a SELECT of (seq, line) in seq order bounded to one
 * page: ONE row, the record count, the last seq and the page's bytes — its lines, each ended with
 * a line break, as a BLOB. A BLOB arrives as a Buffer: no JavaScript string per line to join, none
 * for the page to encode to UTF-8 again (which cost more than hashing it, measured), and it can be
 * handed from the reading thread to the writing one without a copy.
 */
export function ndjsonPageSql(records: string): string {
  return `SELECT count(*), max(seq), CAST(group_concat(line || char(10), '' ORDER BY seq) AS BLOB) FROM (${records})`
}

/**
 * The CSV page query around `records`, a SELECT of whole consent_records rows (so their column
 * names) in seq order, bounded to one page: ONE row, the record count, the last seq and the
 * values. SQLite adds them in the order the subquery yields, seq order; it does not promise it,
 * so csvText checks the order and sorts a page that is not in it. An ORDER BY in the aggregate
 * would promise it, at a sort per page: 2.6 against 2.0 µs per record for the query, measured.
 */
export function csvPageSql(records: string): string {
  const values = EXPORT_COLUMNS.map((name) => sqlFor(name, 'csv')).join(', ')
  return `SELECT count(*), max(seq), json_group_array(json_array(${values})) FROM (${records})`
}
