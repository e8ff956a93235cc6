// The formula escape of the CSV files the server writes (the consent-log export, the catalogue's
// cookie table) and its undoing when such a file is read back (verify, the CLI, the catalogue import).
//
// Spreadsheets run a cell that starts with = + - @ (or tab/CR, or after a NUL they drop) as a
// formula (OWASP "CSV injection"). Such a value gets a leading `'`, which spreadsheets hide; a value
// that itself starts with `'` gets one too, so reading back (drop one leading `'`) is exact and
// the consent log's hashes still verify. The consent export's visitor cells (export-pages.ts) and
// the catalogue's cookie table are both escaped with escapeExportCell below.

/**
 * What a cell must not start with: = + - @, tab and CR, a NUL (which a spreadsheet drops before
 * running the rest), and `'` (so that reading back is exact). One class for the start of a cell
 * and for what follows a split (SPLIT), so the two escapes cannot drift apart.
 */
const FORMULA_START = "[=+\\-@'\\t\\r\\0]"

/** A cell that starts with what a spreadsheet runs as a formula (or a `'`). */
const STARTS_FORMULA = new RegExp(`^${FORMULA_START}`)

/**
 * Where a spreadsheet that splits a line at semicolons or tabs may start a cell inside a value:
 * after a semicolon, a tab, and a line break. Such a spreadsheet takes a value in quotes as quoted
 * only when the quote starts one of its own cells, so the line break inside a comma-separated
 * file's quoted value ends its row, and the next line starts a cell (checked in LibreOffice Calc:
 * a cell `x`, a line break and `=1+1;y`, read with `;` as the separator, shows 2).
 */
const SPLIT = '[;\\t\\r\\n]'

/** A split followed by what a spreadsheet runs as a formula (or a `'`, so that reading back is exact). */
const SPLIT_FORMULA = new RegExp(`(${SPLIT})(?=${FORMULA_START})`, 'g')

/**
 * The `'` splitFormulaEscaped puts after a split: always before a formula character or another
 * `'`. Only those are taken out, so that a `;'` the escape did not write (in a file from before
 * it, or typed by hand: `Shop;'s cookie`) is read as it is.
 */
const SPLIT_ESCAPED = new RegExp(`(${SPLIT})'(?=${FORMULA_START})`, 'g')

/** SPLIT_ESCAPED as 0.8.5 to 0.9.11 wrote it: after a semicolon or a tab only. */
const SPLIT_ESCAPED_BEFORE_0_9_12 = new RegExp(`([;\\t])'(?=${FORMULA_START})`, 'g')

/** Whether a value holds a split, where splitFormulaEscaped may have to put a `'`. */
const HAS_SPLIT = new RegExp(SPLIT)

/** A split followed by a `'`: where a cell's reading depends on the release that wrote it. */
const SPLIT_QUOTE = new RegExp(`${SPLIT}'`)

/**
 * Whether a cell of a CSV the server wrote holds a split followed by a `'`, which releases before
 * 0.8.5 (semicolon, tab) or 0.9.12 (line break) wrote as the value held it, not as an escape.
 */
export const holdsSplitEscape = (cell: string): boolean => SPLIT_QUOTE.test(cell)

/**
 * Spreadsheets in the locales whose list separator is `;` (German, French, Italian, Spanish,
 * Dutch: the EU's auditors) open a `.csv` split at semicolons, and tab is the other separator
 * they guess. Split there, a value's `…;=cmd|…` starts a cell of its own with a formula that the
 * leading-`'` escape never saw, and quoting would not help: a quote in the middle of such a cell
 * is text, and a line break inside quotes ends the row (SPLIT). So a `'` goes after each
 * semicolon, tab or line break that a formula character (or a `'`) follows; unescapeExportCell
 * takes it out again, exactly (each such `'` in the file is one put there). A value that holds
 * none, or is no string, is left as it is.
 */
export function splitFormulaEscaped<T>(value: T): T {
  return typeof value === 'string' && HAS_SPLIT.test(value) ? (value.replace(SPLIT_FORMULA, "$1'") as T) : value
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
 * semicolon, tab or line break that a formula character follows taken out (splitFormulaEscaped).
 */
export const unescapeExportCell = (value: string): string => unescapeCell(value).replace(SPLIT_ESCAPED, '$1')

/** unescapeExportCell as 0.8.5 to 0.9.11 wrote their files: no `'` went after a line break. */
export const unescapeExportCellBefore0912 = (value: string): string => unescapeCell(value).replace(SPLIT_ESCAPED_BEFORE_0_9_12, '$1')
