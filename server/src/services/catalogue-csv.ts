// The catalogue as a cookie table in CSV (one row per storage entry), the way site owners keep
// it in spreadsheets. Only what a table can hold travels: categories and services found in the
// file are added to (or updated in) the current draft; its entries are replaced by the file's.
//
// A row's `category` is its entry's. A service's own category is that of a row declaring the
// service alone (no `name`), which the export writes whenever some entry of the service sits in
// another category (or it has none), or where the order needs it (below). Without such a row, the
// file says the service is where all its entries' rows are: one the file adds takes that category,
// and one the draft has must already be in it. A file exported from another site, where the
// service sat elsewhere, would otherwise leave it where the draft has it, its entries moved away
// from it unsaid; yet moving it could as well be wrong (a cookie of the draft's analytics service
// put in the required `essential` by hand would take the service there, always on): such a file
// is refused, asking for a row declaring the service alone in the category it goes in.
//
// Order: the entries come in the file's order. Categories and services the draft does not have
// are added in the order the rows first name them (those it has keep their place in it), so the
// export names them in the catalogue's order: before an entry's row, each category and service
// listed before the entry's that no row has named yet gets a row of its own (a service alone,
// which declares it, or a category alone). A service or category without entries is thus written
// where it is listed, and comes back there. Files exported before 0.9.9 have those rows after all
// the entries; the import reads them as it always did.
//
// A service's cells and a category's label are written the same on each of its rows; on import, a
// row may leave them empty, but one giving another value than an earlier row is refused (422). So
// is a row declaring a service alone in another category than an earlier such row, and, for a
// service the file adds and declares on no row, an entry row in another category than an earlier
// one of it: its category would be the last row's, the others' dropped without a word (for one the
// draft has, an entry row in another category than the draft's is refused, as above).
//
// An empty cell is no text in that language, both ways: a table has no other way to write "no
// text" (a language column is there as soon as one row has a text in it), so an empty text
// (`purpose: { en: "" }`, which a catalogue stored before blank texts were refused may hold) is
// exported as an empty cell and read back as absent, the way the dashboard's editor stores a
// text field it has emptied. Over a category or service of the draft, an empty cell leaves its
// text as the draft has it; such a text found blank is the draft's to fix, not the file's
// (locate, DraftSpot).
import {
  CATALOGUE_CSV_COLUMNS,
  CATALOGUE_CSV_TEXT_COLUMNS,
  CHOICES_MAX_BYTES,
  choiceBytes,
  choicesBytes,
  LANGUAGE_PATTERN,
  SLUG_PATTERN,
  type Catalogue,
  type LocalizedText,
} from '@miniconsent/shared'
import { parse } from 'csv-parse/sync'
import { stringify } from 'csv-stringify/sync'
import { escapeExportCell, unescapeExportCell } from '../lib/csv-formula'
import { ApiError } from '../lib/errors'

type TextColumn = (typeof CATALOGUE_CSV_TEXT_COLUMNS)[number]

function languagesOf(c: Catalogue): string[] {
  const langs = new Set<string>()
  const add = (t: LocalizedText | undefined) => Object.keys(t ?? {}).forEach((l) => langs.add(l))
  c.categories.forEach((cat) => add(cat.label))
  c.services.forEach((s) => add(s.purpose))
  c.entries.forEach((e) => add(e.purpose))
  return [...langs].sort()
}

export function catalogueToCsv(c: Catalogue): string {
  const langs = languagesOf(c)
  const textHeader = (col: TextColumn) => langs.map((l) => `${col}_${l}`)
  const header = [...CATALOGUE_CSV_COLUMNS, ...CATALOGUE_CSV_TEXT_COLUMNS.flatMap(textHeader)]
  const categoryById = new Map(c.categories.map((cat) => [cat.id, cat]))
  const serviceById = new Map(c.services.map((s) => [s.id, s]))
  const rows: string[][] = []
  // The file names categories and services in the catalogue's order (see the top of this file):
  // c.categories[0 … categoriesNamed) and c.services[0 … servicesNamed) are named by the rows so far.
  const categoryIndex = new Map(c.categories.map((cat, i) => [cat.id, i]))
  const serviceIndex = new Map(c.services.map((s, i) => [s.id, i]))
  let categoriesNamed = 0
  let servicesNamed = 0

  const row = (categoryId: string, serviceId: string | undefined, entry: Catalogue['entries'][number] | null) => {
    const service = serviceId ? serviceById.get(serviceId) : undefined
    const texts: Record<TextColumn, LocalizedText> = {
      category_label: categoryById.get(categoryId)?.label ?? {},
      service_purpose: service?.purpose ?? {},
      purpose: entry?.purpose ?? {},
    }
    rows.push([
      categoryId,
      serviceId ?? '',
      service?.name ?? '',
      service?.provider ?? '',
      service?.privacyPolicyUrl ?? '',
      entry?.name ?? '',
      entry?.kind ?? '',
      entry?.provider ?? '',
      entry?.expiry ?? '',
      entry?.domain ?? '',
      entry?.path ?? '',
      ...CATALOGUE_CSV_TEXT_COLUMNS.flatMap((col) => langs.map((l) => texts[col][l] ?? '')),
    ])
    categoriesNamed = Math.max(categoriesNamed, (categoryIndex.get(categoryId) ?? -1) + 1)
    if (serviceId) servicesNamed = Math.max(servicesNamed, (serviceIndex.get(serviceId) ?? -1) + 1)
  }

  // Services whose own category their entries' rows tell: those with entries, all in that category.
  const toldByEntries = new Set<string>()
  const strays = new Set<string>()
  for (const e of c.entries) {
    if (!e.service) continue
    toldByEntries.add(e.service)
    if (e.category !== serviceById.get(e.service)?.category) strays.add(e.service)
  }
  for (const id of strays) toldByEntries.delete(id)

  /** Rows of their own for the categories listed before `categoryId` that no row has named yet. */
  const categoriesBefore = (categoryId: string) => {
    const end = categoryIndex.get(categoryId) ?? 0
    while (categoriesNamed < end) row(c.categories[categoriesNamed]!.id, undefined, null)
  }
  const declared = new Set<string>()
  /** The row declaring service `s` alone, after the categories listed before its own. */
  const declare = (s: Catalogue['services'][number]) => {
    categoriesBefore(s.category)
    row(s.category, s.id, null)
    declared.add(s.id)
  }
  const servicesBefore = (serviceId: string) => {
    const end = serviceIndex.get(serviceId) ?? 0
    while (servicesNamed < end) declare(c.services[servicesNamed]!)
  }

  // Each entry's row, in the entries' order, after rows naming what is listed before its category
  // and service; its service declared first when its entries' rows do not tell its category.
  for (const e of c.entries) {
    const service = e.service ? serviceById.get(e.service) : undefined
    if (service) {
      servicesBefore(service.id)
      if (!toldByEntries.has(service.id) && !declared.has(service.id)) declare(service)
    }
    categoriesBefore(e.category)
    row(e.category, e.service, e)
  }
  // What is listed after everything the entries named: services without entries, categories
  // without any row.
  while (servicesNamed < c.services.length) declare(c.services[servicesNamed]!)
  while (categoriesNamed < c.categories.length) row(c.categories[categoriesNamed]!.id, undefined, null)

  // A cell with spaces at an end goes in quotes: the import trims what is around a cell, not what
  // is inside its quotes, so "  Signed in " comes back as it was written.
  // Spreadsheets run a cell starting with = + - @ (or tab, CR, or a NUL they drop) as a formula
  // (OWASP "CSV injection"), and an editor's text would then run on the machine of whoever opens the
  // export. Such cells get a leading apostrophe, which spreadsheets hide and the import takes off
  // again; so does a cell that itself starts with one, so the import always takes off exactly one.
  // A spreadsheet set to a `;` locale also splits cells at semicolons (and tabs), so a formula
  // after one gets an apostrophe too. The escape is lib/csv-formula.ts's, which the consent export
  // shares, so the two cannot drift apart again.
  return stringify([header, ...rows.map((r) => r.map(escapeExportCell))], { quoted_match: /^\s|\s$/ })
}

/** Where in the file something of the draft was written: a line, and the column when known. */
export interface FileSpot {
  line: number
  column?: string
}

/**
 * A text of the draft that the file leaves as it is (a category's description, which no column
 * holds, or a language whose cell is empty): `what` it is, by its item's id, for the admin to find
 * on the Catalogue page. No line of the file could fix it.
 */
export interface DraftSpot {
  what: string
}

/** The draft with the file applied, not yet validated, and where the file wrote what is in it. */
export interface CsvImport {
  draft: unknown
  /**
   * Where the file wrote what an issue's path (`entries.N…`, `categories.N…`, `services.N…`, as
   * the draft numbers them) names, or undefined for what the file does not name (a category or
   * service of the draft that no row names). A category's or service's field is told by the first
   * line setting its column; a text in one language that no cell set is the draft's (DraftSpot);
   * anything else of one by the first line naming it.
   */
  locate: (path: readonly PropertyKey[]) => FileSpot | DraftSpot | undefined
}

/** Where the file names a category or service: the first line naming it, and the first line setting each of its columns, with the value. */
interface Spots {
  line: number
  columns: Map<string, { line: number; value: string }>
}

/**
 * 422: line `line` gives `column` another value than an earlier line did, one of which would be
 * dropped without a word; `rule` says what every such row must do.
 */
function differs(line: number, column: string, value: string, earlier: { line: number; value: string }, rule: string): ApiError {
  return new ApiError(422, 'invalid', `Line ${line}, column "${column}": "${value}" differs from line ${earlier.line}'s "${earlier.value}": ${rule}`)
}

/** The column holding a field of a category or service (its path after `categories.N` or `services.N`), if any does. */
function columnOf(list: 'categories' | 'services', field: PropertyKey | undefined, lang: PropertyKey | undefined): string | undefined {
  const language = typeof lang === 'string' ? lang : undefined
  if (list === 'categories') return field === 'label' && language ? `category_label_${language}` : undefined
  if (field === 'purpose') return language ? `service_purpose_${language}` : undefined
  return ({ name: 'service_name', provider: 'service_provider', privacyPolicyUrl: 'service_privacy_policy_url' } as Record<string, string>)[field as string]
}

/** A category's or service's text per language, by its field, as a message names it; undefined for any other field. */
function draftText(list: 'categories' | 'services', field: PropertyKey | undefined): string | undefined {
  if (list === 'services') return field === 'purpose' ? 'purpose' : undefined
  return field === 'label' ? 'name' : field === 'description' ? 'description' : undefined
}

/** Whether a cell holds a category's or service's id as the catalogue takes it (`slug`). */
const isId = (v: string) => v.length <= 64 && SLUG_PATTERN.test(v)

/** A text column's language, or null when the column is none of the text columns. */
function textColumnLanguage(name: string): string | null {
  const col = CATALOGUE_CSV_TEXT_COLUMNS.find((c) => name.startsWith(c + '_'))
  return col === undefined ? null : name.slice(col.length + 1)
}

const isPlainColumn = (name: string) => (CATALOGUE_CSV_COLUMNS as readonly string[]).includes(name)
const isBareTextColumn = (name: string) => (CATALOGUE_CSV_TEXT_COLUMNS as readonly string[]).includes(name)

/**
 * A header cell as the import reads it: trimmed, and the export's names matched without case
 * (`Kind`, `Domain`, `Purpose_en`), as hand-made tables and spreadsheets' autocorrect write them.
 * A text column's language keeps its case: LANGUAGE_PATTERN judges it as it judges every language
 * here (`purpose_EN` is refused, not read as `en`). Any other name is returned trimmed, as written.
 */
function columnName(cell: string): string {
  const name = cell.trim()
  const lower = name.toLowerCase()
  if (isPlainColumn(lower) || isBareTextColumn(lower)) return lower
  const text = CATALOGUE_CSV_TEXT_COLUMNS.find((c) => lower.startsWith(c + '_'))
  return text === undefined ? name : text + name.slice(text.length)
}

/** The columns the import reads, for a message refusing another. */
const EXPECTED_COLUMNS = `${CATALOGUE_CSV_COLUMNS.join(', ')}, or a text column with its language, ${CATALOGUE_CSV_TEXT_COLUMNS.map((c) => `${c}_…`).join(', ')} (such as "purpose_en")`

/**
 * Why the import refuses a header cell (`written` as in the file, `name` as columnName reads it),
 * or undefined when it reads it. The import replaces every entry, so a column it would not read
 * (`purpose` with no language, `Duration`) would drop its values from all of them without a word.
 * An empty name is judged by its values (refuseUnnamedValues).
 */
function columnRefusal(written: string, name: string): string | undefined {
  if (name === '' || isPlainColumn(name)) return undefined
  const text = CATALOGUE_CSV_TEXT_COLUMNS.find((c) => name === c || name.startsWith(c + '_'))
  if (text !== undefined) {
    const lang = textColumnLanguage(name)
    if (lang !== null && LANGUAGE_PATTERN.test(lang)) return undefined
    return `the column "${written}" names no language: write its language tag in lower case, such as "${written.slice(0, text.length)}_en" or "…_pt-BR"`
  }
  return `the column "${written}" is not one the import reads: rename it to one of ${EXPECTED_COLUMNS}, or remove it`
}

/** The import's message when the file has no header with a `category` column. */
const NO_HEADER = 'The CSV file needs a header row with at least a "category" column, its columns separated by commas, semicolons or tabs'

/** The separators a cookie table may come with: a spreadsheet set to a European locale saves `;`. */
const DELIMITERS = [',', ';', '\t'] as const

/**
 * The file's column separator: the one that makes a `category` column of its header (the first
 * line that is not blank), a comma when none does. Column names hold no separator, so splitting
 * the header is enough. Comma-separated cells may hold semicolons and the other way round, so
 * the file is read with its own separator only.
 */
export function csvDelimiter(text: string): string {
  const header = text.replace(/^\uFEFF/, '').split(/\r?\n/).find((l) => l.trim() !== '') ?? ''
  const names = (d: string) => header.split(d).map((c) => columnName(c.trim().replace(/^"(.*)"$/, '$1')))
  return DELIMITERS.find((d) => names(d).includes('category')) ?? ','
}

/**
 * The draft with the file applied, not yet validated: the caller validates it like any draft, and
 * names an issue by where the file wrote what it is about (`locate`), as a spreadsheet user finds it.
 */
export function csvImport(text: string, base: Catalogue): CsvImport {
  let parsed: { record: Record<string, string>; info: { lines: number } }[]
  // The record keys of the header's empty cells, by column number (from 1).
  const unnamed = new Map<string, number>()
  let headerRead = false
  try {
    parsed = parse(text, {
      delimiter: csvDelimiter(text),
      columns: (h: string[]) => {
        const written = h.map((c) => c.trim())
        const names = written.map(columnName)
        if (!names.includes('category')) throw new ApiError(400, 'invalid_csv', NO_HEADER)
        headerRead = true
        // Two columns of one name would leave one cell of each row unread, unsaid which.
        const twice = names.find((c, i) => c !== '' && names.indexOf(c) !== i)
        if (twice !== undefined) throw new Error(`the column "${twice}" appears twice in the header`)
        for (const [i, name] of names.entries()) {
          const refusal = columnRefusal(written[i]!, name)
          if (refusal !== undefined) throw new Error(refusal)
        }
        // Each empty name its own key, which no read column has (those are refused or named
        // above), so that the values of every one of them can be looked at.
        return names.map((name, i) => {
          if (name !== '') return name
          const key = `(column ${i + 1})`
          unnamed.set(key, i + 1)
          return key
        })
      },
      skip_empty_lines: true,
      // A spreadsheet's trailing rows of empty cells (`,,,,`) are no rows either.
      skip_records_with_empty_values: true,
      trim: true,
      bom: true,
      info: true,
      cast: unescapeExportCell,
    }) as { record: Record<string, string>; info: { lines: number } }[]
  } catch (err) {
    if (err instanceof ApiError) throw err
    throw new ApiError(400, 'invalid_csv', `The CSV file cannot be read: ${(err as Error).message}`)
  }
  refuseUnnamedValues(parsed, unnamed)
  const records = parsed.map((p) => p.record)
  const first = records[0]
  if (!first && headerRead) throw new ApiError(400, 'invalid_csv', 'The CSV file has its header row but no rows under it: nothing to import')
  if (!first || !('category' in first)) throw new ApiError(400, 'invalid_csv', NO_HEADER)

  const categories = base.categories.map((c) => ({ ...c, label: { ...c.label } }))
  const services = base.services.map((s) => ({ ...s, purpose: { ...s.purpose } }))
  // By id: a file of a hundred thousand new ids searched the growing lists row by row, minutes
  // of the event loop for one request.
  const categoryById = new Map(categories.map((c) => [c.id, c]))
  const serviceById = new Map(services.map((s) => [s.id, s]))
  const entries: Record<string, unknown>[] = []
  const entryLines: number[] = []
  // By id: where the file names each category and service, for the caller's messages (locate).
  const categorySpots = new Map<string, Spots>()
  const serviceSpots = new Map<string, Spots>()
  /**
   * Notes line `line` as naming `id` (`what`: "the service …"), and as setting each of its cells in
   * `columns` that holds a value. A value other than an earlier row's is refused: one of them would
   * be dropped without a word (the last row won), as when a service is renamed on one of its rows
   * only. The export writes them the same on every row; an empty cell leaves the value as it is.
   * Compared as NFC, so that two spellings of one text (`é`, or `e` and its accent) are one value.
   */
  const spotted = (spots: Map<string, Spots>, id: string, what: string, line: number, rec: Record<string, string>, columns: RegExp) => {
    let at = spots.get(id)
    if (!at) spots.set(id, (at = { line, columns: new Map() }))
    for (const [column, value] of Object.entries(rec)) {
      if (!value || !columns.test(column)) continue
      const earlier = at.columns.get(column)
      if (!earlier) at.columns.set(column, { line, value })
      else if (earlier.value.normalize('NFC') !== value.normalize('NFC')) {
        throw differs(line, column, value, earlier, `every row naming ${what} gives it one value there (or leaves the cell empty)`)
      }
    }
  }
  // What every consent record would carry of the ids so far (shared `choicesBytes`, then one id at
  // a time): past the budget the file is refused at once, not after building and checking it whole.
  let choices = choicesBytes({ categories, services })
  const addChoice = (id: string, line: number) => {
    choices += choiceBytes(id)
    if (choices > CHOICES_MAX_BYTES) {
      throw new ApiError(422, 'invalid', `Line ${line}: the categories' and services' ids take more than the ${CHOICES_MAX_BYTES} bytes a consent record has for them: merge services or use shorter ids`)
    }
  }

  // An empty cell is no text (see the top of this file), not an empty one.
  const texts = (rec: Record<string, string>, col: TextColumn): LocalizedText => {
    const out: LocalizedText = {}
    for (const [key, value] of Object.entries(rec)) {
      if (!key.startsWith(col + '_') || !value) continue
      const lang = key.slice(col.length + 1)
      if (LANGUAGE_PATTERN.test(lang)) out[lang] = value
    }
    return out
  }
  const opt = (v: string | undefined) => (v ? v : undefined)
  // Services whose category a row declaring the service alone has set, with that row's line and
  // category: another declaring row may not move them.
  const declared = new Map<string, { line: number; value: string }>()
  // Services some row declares alone, wherever it is (files before 0.9.9 have those rows after the
  // entries): the entry rows of the others tell their category, so those must all tell one.
  const declaring = new Set(records.flatMap((rec) => (rec.service && !rec.name ? [rec.service] : [])))
  // Services the file adds on an entry row and declares nowhere, with the line and category of the
  // entry row that added them.
  const toldByEntries = new Map<string, { line: number; value: string }>()
  // The draft's services' categories, which the entry rows of a service declared nowhere must give.
  const draftCategory = new Map(base.services.map((s) => [s.id, s.category]))

  for (const [index, rec] of records.entries()) {
    const line = parsed[index]!.info.lines
    const categoryId = rec.category ?? ''
    // An id no record could carry: refused here, on its line, rather than as `categories.N`.
    if (!isId(categoryId)) throw new ApiError(422, 'invalid', `Line ${line}, column "category": "${categoryId}" is no category id (lower-case letters, digits, "-" and "_")`)
    let cat = categoryById.get(categoryId)
    const label = texts(rec, 'category_label')
    if (!cat) {
      cat = { id: categoryId, required: false, label: Object.keys(label).length ? label : { en: categoryId }, description: {}, consentMode: [] }
      addChoice(categoryId, line)
      categories.push(cat)
      categoryById.set(categoryId, cat)
    } else Object.assign(cat.label, label)

    const serviceId = opt(rec.service)
    refuseUnheldValues(rec, line, serviceId, serviceId !== undefined && !serviceById.has(serviceId))
    if (serviceId && !isId(serviceId)) throw new ApiError(422, 'invalid', `Line ${line}, column "service": "${serviceId}" is no service id (lower-case letters, digits, "-" and "_")`)
    if (serviceId) {
      const declares = !rec.name
      // Such rows give the service its category (an entry of it may sit in another): two of them
      // that disagree would leave it in the last one's, the first dropped without a word.
      const earlier = declares ? declared.get(serviceId) : undefined
      if (earlier && earlier.value !== categoryId) {
        throw differs(line, 'category', categoryId, earlier, `every row declaring the service "${serviceId}" alone (with no entry name) gives it one category`)
      }
      // Without a declaring row, a service the file adds takes its entries' category, which two of
      // them could not both give (the last one's won, unsaid); for one the draft has, they must all
      // give its draft category, or the file does not say whether it moves (the top of this file).
      const undeclared = !declares && !declaring.has(serviceId)
      const drafted = undeclared ? draftCategory.get(serviceId) : undefined
      if (drafted !== undefined && drafted !== categoryId) {
        throw new ApiError(
          422,
          'invalid',
          `Line ${line}, column "category": "${categoryId}" is not the draft's category of the service "${serviceId}", "${drafted}", and no row declares the service alone (with no entry name) to say which it is in: add such a row, in "${categoryId}" to move the service there (as in a file exported from another site), or in "${drafted}" to keep it there`,
        )
      }
      const told = undeclared ? toldByEntries.get(serviceId) : undefined
      if (told && told.value !== categoryId) {
        throw differs(
          line,
          'category',
          categoryId,
          told,
          `with no row declaring the service "${serviceId}" alone (with no entry name), every row of it gives it one category; to keep its entries in several categories, add a row declaring it alone in its own`,
        )
      }
      const fields = {
        ...(declares ? { category: categoryId } : {}),
        ...(rec.service_name ? { name: rec.service_name } : {}),
        ...(rec.service_provider ? { provider: rec.service_provider } : {}),
        ...(rec.service_privacy_policy_url ? { privacyPolicyUrl: rec.service_privacy_policy_url } : {}),
      }
      const service = serviceById.get(serviceId)
      if (service) Object.assign(service, fields, { purpose: { ...service.purpose, ...texts(rec, 'service_purpose') } })
      else {
        addChoice(serviceId, line)
        const added = { id: serviceId, name: serviceId, provider: rec.provider || serviceId, category: categoryId, ...fields, purpose: texts(rec, 'service_purpose') }
        services.push(added)
        serviceById.set(serviceId, added)
        if (!declares && !declaring.has(serviceId)) toldByEntries.set(serviceId, { line, value: categoryId })
      }
      if (declares && !earlier) declared.set(serviceId, { line, value: categoryId })
      spotted(serviceSpots, serviceId, `the service "${serviceId}"`, line, rec, SERVICE_CELL)
    }
    // After the service's: a row's differing values are told in the order of the export's columns.
    spotted(categorySpots, categoryId, `the category "${categoryId}"`, line, rec, /^category_label_/)

    if (rec.name) {
      entries.push({
        name: rec.name,
        kind: opt(rec.kind) ?? 'cookie',
        category: categoryId,
        service: serviceId,
        provider: rec.provider || (serviceId ? (serviceById.get(serviceId)?.provider ?? '') : ''),
        purpose: texts(rec, 'purpose'),
        expiry: rec.expiry ?? '',
        domain: opt(rec.domain),
        path: opt(rec.path),
      })
      entryLines.push(line)
    }
  }
  // What the draft had before the file: only its texts can be left as they were.
  const drafted = { categories: new Set(base.categories.map((c) => c.id)), services: new Set(base.services.map((s) => s.id)) }
  const locate = (path: readonly PropertyKey[]): FileSpot | DraftSpot | undefined => {
    const [list, index, field, lang] = path
    if (typeof index !== 'number') return undefined
    if (list === 'entries') {
      const line = entryLines[index]
      return line === undefined ? undefined : { line }
    }
    if (list !== 'categories' && list !== 'services') return undefined
    const id = (list === 'categories' ? categories : services)[index]?.id
    const at = id === undefined ? undefined : (list === 'categories' ? categorySpots : serviceSpots).get(id)
    const column = columnOf(list, field, lang)
    const set = column === undefined ? undefined : at?.columns.get(column)
    if (set) return { line: set.line, column }
    // A text no cell set was kept from the draft (an empty cell leaves it, and a description has no
    // column): the line naming its item holds nothing to fix.
    const text = typeof lang === 'string' && id !== undefined && drafted[list].has(id) ? draftText(list, field) : undefined
    if (text) return { what: `the ${text} of the ${list === 'categories' ? 'category' : 'service'} "${id}"` }
    return at ? { line: at.line } : undefined
  }
  return { draft: { ...base, categories, services, entries }, locate }
}

/** The cells of a service, read only on a row that names one in column `service`. */
const SERVICE_CELL = /^service_/
/** The cells of a cookie or storage entry, read only on a row that names one in column `name`. */
const ENTRY_CELL = /^(?:kind|expiry|domain|path|purpose_.*)$/

/**
 * Refuses a row holding a value that nothing on it reads: a service's cells without the service's
 * id, an entry's without its name (`provider` is read too when the row adds a service: as that
 * service's provider, when it has no `service_provider`). Such a value was dropped without a word,
 * and with it a cookie whose name was left out.
 */
function refuseUnheldValues(rec: Record<string, string>, line: number, serviceId: string | undefined, addsService: boolean) {
  for (const [column, value] of Object.entries(rec)) {
    if (!value) continue
    if (serviceId === undefined && SERVICE_CELL.test(column)) {
      throw new ApiError(422, 'invalid', `Line ${line}, column "${column}": "${value}" is a service's, and the row names no service in column "service": add its id, or remove the value`)
    }
    if (!rec.name && (ENTRY_CELL.test(column) || (column === 'provider' && !(addsService && !rec.service_provider)))) {
      throw new ApiError(422, 'invalid', `Line ${line}, column "${column}": "${value}" is a cookie's or storage entry's, and the row names none in column "name": add its name, or remove the value`)
    }
  }
}

/**
 * A column with no name in the header is read by nobody: empty in every row (a spreadsheet's
 * trailing `,`), it may be left; with a value anywhere, that value would be dropped, so the file
 * is refused at the first one.
 */
function refuseUnnamedValues(parsed: readonly { record: Record<string, string>; info: { lines: number } }[], unnamed: ReadonlyMap<string, number>) {
  if (unnamed.size === 0) return
  for (const { record, info } of parsed) {
    for (const [key, column] of unnamed) {
      const value = record[key]
      if (!value) continue
      throw new ApiError(400, 'invalid_csv', `The CSV file cannot be read: line ${info.lines}: column ${column} has no name in the header but holds "${value}": name it as one of ${EXPECTED_COLUMNS}, or remove it`)
    }
  }
}

/** The draft with the file applied, not yet validated (csvImport without the entries' lines). */
export const csvToCatalogue = (text: string, base: Catalogue): unknown => csvImport(text, base).draft
