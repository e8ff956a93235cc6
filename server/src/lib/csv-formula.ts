// The formula escape of the CSV files the server writes (the consent-log export, the catalogue's
// cookie table) and its undoing when such a file is read back (verify, the CLI, the catalogue import).
//
// Spreadsheets run a cell that starts with = + - @ (or tab/CR, or after a NUL they drop) as a
// formula (OWASP "CSV injection"). Such a value gets a leading `'`, which spreadsheets hide; a value
// that itself starts with `'` gets one too, so reading back (drop one leading `'`) is exact and
// the consent log's hashes still verify. The consent export escapes the start of a value in SQL
// (export-sql.ts), the catalogue's cookie table with escapeExportCell below; both use
// splitFormulaEscaped.

/**
 * What a cell must not start with: = + - @, tab and CR, a NUL (which a spreadsheet drops before
 * running the rest), and `'` (so that reading back is exact). One class for the start of a cell
 * and for what follows a semicolon or a tab, so the two escapes cannot drift apart; the consent
 * export's SQL (export-sql.ts) spells the same list.
 */
const FORMULA_START = "[=+\\-@'\\t\\r\\0]"

/** A cell that starts with what a spreadsheet runs as a formula (or a `'`). */
const STARTS_FORMULA = new RegExp(`^${FORMULA_START}`)

/** A semicolon or a tab followed by what a spreadsheet runs as a formula (or a `'`, so that reading back is exact). */
const SPLIT_FORMULA = new RegExp(`([;\\t])(?=${FORMULA_START})`, 'g')

/**
 * The `'` splitFormulaEscaped puts after a semicolon or a tab: always before a formula character
 * or another `'`. Only those are taken out, so that a `;'` the escape did not write (in a file
 * from before it, or typed by hand: `Shop;'s cookie`) is read as it is.
 */
const SPLIT_ESCAPED = new RegExp(`([;\\t])'(?=${FORMULA_START})`, 'g')

/**
 * Spreadsheets in the locales whose list separator is `;` (German, French, Italian, Spanish,
 * Dutch: the EU's auditors) open a `.csv` split at semicolons, and tab is the other separator
 * they guess. Split there, a value's `…;=cmd|…` starts a cell of its own with a formula that the
 * leading-`'` escape never saw, and quoting would not help: a quote in the middle of such a cell
 * is text. So a `'` goes after each semicolon or tab that a formula character (or a `'`) follows;
 * unescapeExportCell takes it out again, exactly (each `;'` or tab-`'` in the file is one put
 * there). A value that holds neither, or is no string, is left as it is.
 */
export function splitFormulaEscaped<T>(value: T): T {
  return typeof value === 'string' && (value.includes(';') || value.includes('\t')) ? (value.replace(SPLIT_FORMULA, "$1'") as T) : value
}

/**
 * A value as a cell of a CSV the server writes in JS (the catalogue's cookie table): a `'` after
 * each semicolon or tab a formula follows (splitFormulaEscaped), and one in front when the value
 * starts with a formula character or a `'`. unescapeExportCell gives the value back exactly.
 */
export function escapeExportCell(value: string): string {
  const split = splitFormulaEscaped(value)
  return STARTS_FORMULA.test(split) ? `'${split}` : split
}

/** A cell as it was before the leading-`'` escape: one leading `'` dropped. */
export function unescapeCell(value: string): string {
  return value.startsWith("'") ? value.slice(1) : value
}

/**
 * A cell of a CSV the server wrote, as the value it was: unescapeCell, and the `'` put after a
 * semicolon or a tab that a formula character follows taken out (splitFormulaEscaped).
 */
export const unescapeExportCell = (value: string): string => unescapeCell(value).replace(SPLIT_ESCAPED, '$1')
