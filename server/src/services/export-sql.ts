// The export's SQL: the columns of both formats, in EXPORT_COLUMNS order, and the page queries
// that export-pages.ts runs.
// - NDJSON: each line is one json_object(), and a page is its lines concatenated by SQLite. A BLOB
//   (only an edited row holds one) goes out as `{"blob":"<hex>"}` (blobJson), never as itself.
// - CSV: a page's values as ONE string, each record's values joined by a unit separator (char 31)
//   and the records by a record separator (char 30), split again in JavaScript. Not twenty values
//   per record (each its own string: ~8 µs per record), and not one JSON array of records either
//   (json_array() and JSON.parse cost ~1.1 µs more per record than concat() and split(), measured).
//   SQLite only turns values into text: gpc as `true`/`false` (GPC_CSV), NULL as an empty cell,
//   categories or services that are not text starting with `{` as their SQL literal
//   (storedJsonCsv), any other BLOB as the text of its bytes. The escape
//   of formulas is JavaScript's (export-pages.ts) and the CSV itself is d3-dsv's.
import { EXPORT_COLUMNS } from '@miniconsent/shared'
import { COLUMN_COUNT, VISITOR_CELLS } from './export-pages'

// export-pages.ts reads a CSV record's seq from its first value, and knows the number of values and
// the visitor's cells by position (it loads no shared module).
if (EXPORT_COLUMNS[0] !== 'seq') throw new Error('the first export column must be seq')
if (EXPORT_COLUMNS.length !== COLUMN_COUNT) throw new Error(`COLUMN_COUNT must be ${EXPORT_COLUMNS.length}`)
if (VISITOR_CELLS.map((i) => EXPORT_COLUMNS[i]).join() !== 'consentId,url,userAgent') throw new Error('VISITOR_CELLS must name consentId, url and userAgent')

/**
 * A value as text when it is a BLOB, as concat() makes it for CSV (its bytes, read as UTF-8):
 * json_array() refuses a BLOB, and only an edited row can hold one (the server writes text). For
 * the CSV form that takes whatever a value holds, which only pages the usual form splits wrong are
 * read with (csvFallbackSql).
 */
const blobAsText = (column: string) => `iif(typeof(${column}) = 'blob', CAST(${column} AS TEXT), ${column})`

/**
 * A BLOB (only an edited row holds one: the server writes text and numbers) as an NDJSON value:
 * `{"blob":"<its bytes in hex>"}`, an object, which no column but categories and services ever
 * holds otherwise, so `verify --file` reads it back as the BLOB `verify --site` reads (a Buffer).
 * json_object() is never handed the BLOB itself: it reads one that is valid JSONB as the JSON it
 * holds (x'01' as `true`, jsonb('"…"') as the very string the column held before the edit).
 */
const blobJson = (column: string) => `json_object('blob', hex(${column}))`

/**
 * A column in an NDJSON line: its value, a BLOB as blobJson. `>= x''` holds for a BLOB only (SQLite
 * orders NULL, numbers and text before every BLOB, and no affinity turns a BLOB into another type):
 * a comparison, ~0.01 µs a column, where typeof() = 'blob', a function call, cost ~0.03 (measured).
 */
const jsonValue = (column: string) => `iif(${column} >= x'', ${blobJson(column)}, ${column})`

/**
 * A value as its SQL literal, as a string: `X'…'` for a BLOB (quote()), `'…'` for anything else,
 * its quotes doubled. Not quote() for text, which stops at a NUL: replace() keeps every byte.
 */
const sqlLiteral = (column: string) => `iif(typeof(${column}) = 'blob', quote(${column}), '''' || replace(${column}, '''', '''''') || '''')`

/**
 * A JSON column (categories, services) in an NDJSON line: the stored text as the object it is when
 * it is TEXT holding a strict JSON object (RFC 8259) exactly as json() writes it, else its SQL
 * literal (sqlLiteral) as a string. json() keeps a repeated key and the keys' order (and escapes
 * as written), so the line holds the stored text byte for byte, and `verify --file` checks it as
 * `verify --site` checks the column (the CLI reads the object's text from the line). As a literal
 * (only an edited row holds one, the server writes canonical JSON text): whitespace between
 * tokens, which json() drops (the object would read as the canonical text the hash covers), JSON5
 * (which json() would turn into JSON), a value that is no object, broken JSON, text holding a NUL
 * (json_valid() and json() stop at it, and would pass off `{…}` NUL `x` as `{…}`), and any BLOB:
 * JSONB, which json() reads as the JSON it holds, a BLOB of JSON text, which json() reads as that
 * text, bytes that are not UTF-8. The CLI reads `X'…'` back as the BLOB, `'…'` as the text.
 * typeof(), unicode() and instr() are cheap beside json_valid(), which parses the text for json()
 * (SQLite caches the parse): ~0.05 µs a value. Comparing json()'s text with the stored one adds
 * ~0.08 (a second json() text; looking for whitespace with instr() first cost more, measured).
 */
const storedJson = (column: string) =>
  `iif(typeof(${column}) = 'text' AND unicode(${column}) = 123 AND instr(${column}, char(0)) = 0 AND json_valid(${column}, 1) AND json(${column}) = ${column}, json(${column}), ${sqlLiteral(column)})`

/**
 * A JSON column in a CSV cell: its text as stored when it starts with `{` (the server writes a JSON
 * object's canonical text), else (only an edited row) its SQL literal (sqlLiteral: `X'7B22…'` for a
 * BLOB, `'…'` for anything else), as gpc's. As the text of its bytes, a BLOB of the JSON text the
 * server wrote would read as that text, and `verify --file` could not tell what `--site` reports;
 * and text kept as it is could read as a BLOB's literal (`X'7B7D'`, stored as text). The CLI
 * reads a literal back as the value it stands for.
 */
const storedJsonCsv = (column: string) => `iif(typeof(${column}) = 'text' AND unicode(${column}) = 123, ${column}, ${sqlLiteral(column)})`

/**
 * gpc: `true` for 1 and `false` for 0, as the server stores it. Any other value (only an edited
 * row holds one) is written as it is stored, not as the boolean it would read as: the hash reads
 * it as one (2 as true), the listing as `1` or not, so a file that showed `true` hid the edit from
 * `verify --file`, which reports it as `verify --site` does. In CSV as its SQL literal (quote():
 * `2`, `'true'`, `X'01'`, `NULL`), so that no text passes for `true` or `false`; in NDJSON as the
 * JSON value it is, a BLOB as blobJson (json_object() reads a BLOB as JSONB: x'01' would be
 * `true`). Ordinary rows take the first or second branch: 0 first, most records' value.
 */
const GPC_CSV = "iif(gpc = 0, 'false', iif(gpc = 1, 'true', quote(gpc)))"
const GPC_JSON = `iif(gpc = 0, json('false'), iif(gpc = 1, json('true'), ${jsonValue('gpc')}))`

/**
 * Each column's SQL: one expression for both formats, or one per format. In NDJSON, a column
 * given as one expression is taken as jsonValue of it: json_object() is never handed a BLOB.
 */
const COLUMN_SQL: Record<(typeof EXPORT_COLUMNS)[number], string | { csv: string; json: string }> = {
  seq: 'seq',
  recordId: 'record_id',
  consentId: 'consent_id',
  serverTime: 'server_time',
  clientTime: 'client_time',
  method: 'method',
  revision: 'revision',
  textsHash: 'texts_hash',
  region: 'region',
  mode: 'mode',
  language: 'language',
  url: 'url',
  ip: 'ip',
  userAgent: 'user_agent',
  gpc: { csv: GPC_CSV, json: GPC_JSON },
  // As stored, or as its SQL literal when json() would rewrite it or refuse it (storedJson):
  // whitespace or broken JSON in an edited row too, which verification then reports. A BLOB as
  // its SQL literal in both formats.
  categories: { csv: storedJsonCsv('categories'), json: storedJson('categories') },
  services: { csv: storedJsonCsv('services'), json: storedJson('services') },
  prevHash: 'prev_hash',
  hash: 'hash',
  erasedAt: 'erased_at',
  personalHash: 'personal_hash',
}

function sqlFor(name: (typeof EXPORT_COLUMNS)[number], format: 'csv' | 'json'): string {
  const column = COLUMN_SQL[name]
  if (typeof column === 'string') return format === 'json' ? jsonValue(column) : column
  return column[format]
}

/** An NDJSON line: the record as one json_object(), selected as `line` beside seq straight from the table. */
export const NDJSON_LINE = `json_object(${EXPORT_COLUMNS.map((name) => `'${name}', ${sqlFor(name, 'json')}`).join(', ')})`

/**
 * The NDJSON page query around `records`, a SELECT of (seq, line) in seq order bounded to one
 * page: ONE row, the record count, the last seq and the page's bytes — its lines, each ended with
 * a line break, as a BLOB. A BLOB arrives as a Buffer: no JavaScript string per line to join, none
 * for the page to encode to UTF-8 again (which cost more than hashing it, measured), and it can be
 * handed from the reading thread to the writing one without a copy.
 *
 * SQLite joins the lines in the order the subquery yields them, seq order; it does not promise it,
 * so export-pages.ts checks the order of the lines' seqs (linesInSeqOrder) and reads a page that is
 * not in it again with ndjsonOrderedSql. An ORDER BY in the aggregate would promise it, at a sort
 * of the page's lines per page: ~1 µs more per record for the query (measured).
 */
export function ndjsonPageSql(records: string): string {
  return `SELECT count(*), max(seq), CAST(group_concat(line || char(10), '') AS BLOB) FROM (${records})`
}

/** The same page with its lines joined in seq order, sorted by SQLite: for a page the check above finds out of order. */
export function ndjsonOrderedSql(pageSql: string): string {
  return pageSql.replace("group_concat(line || char(10), '')", "group_concat(line || char(10), '' ORDER BY seq)")
}

/** A CSV record's values, in EXPORT_COLUMNS order. */
const CSV_VALUES = EXPORT_COLUMNS.map((name) => sqlFor(name, 'csv'))

/** A CSV record: its values as text joined by char(31), NULL as an empty value (concat() takes NULL as ''), selected as `line` beside seq. */
export const CSV_LINE = `concat(${CSV_VALUES.join(', char(31), ')})`

/** The page's records joined by char(30), in the order the subquery yields them: seq order (see csvPageSql). */
const CSV_PAGE = 'group_concat(line, char(30))'

/**
 * The CSV page query around `records`, a SELECT of (seq, line) in seq order bounded to one page:
 * ONE row, the record count, the last seq and the records' values (CSV_LINE) joined by char(30).
 * SQLite joins them in the order the subquery yields them, seq order; it does not promise it, so
 * csvText checks the order and sorts a page that is not in it. An ORDER BY in the aggregate would
 * promise it, at a sort per page (2.6 against 2.0 µs per record for the query, measured).
 *
 * A value holding char(30) or char(31) itself (only an edited row can: the server writes JSON,
 * which escapes them, and HTTP headers and URLs cannot hold them) would shift the values after it:
 * export-pages.ts counts the separators of each page and reads a page whose count is off again
 * with csvFallbackSql.
 */
export function csvPageSql(records: string): string {
  return `SELECT count(*), max(seq), ${CSV_PAGE} FROM (${records})`
}

/**
 * The same page as ONE JSON array of records, each a JSON array of its values: for a page with a
 * separator inside a value (csvPageSql), whatever its characters. A NULL stays null (an empty cell),
 * a BLOB is the text of its bytes (as concat() makes it in CSV_LINE).
 */
export function csvFallbackSql(pageSql: string): string {
  return pageSql.replace(CSV_LINE, `json_array(${CSV_VALUES.map(blobAsText).join(', ')})`).replace(CSV_PAGE, 'json_group_array(json(line))')
}
