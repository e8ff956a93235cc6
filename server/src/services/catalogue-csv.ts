// The catalogue as a cookie table in CSV (one row per storage entry), the way site owners keep
// it in spreadsheets. Only what a table can hold travels: categories and services found in the
// file are added to (or updated in) the current draft; its entries are replaced by the file's.
//
// A row's `category` is its entry's. A service's own category is that of a row declaring the
// service alone (no `name`), which the export writes whenever some entry of the service sits in
// another category (or it has none); without such a row, its entries' rows give it.
import {
  CATALOGUE_CSV_COLUMNS,
  CATALOGUE_CSV_TEXT_COLUMNS,
  LANGUAGE_PATTERN,
  type Catalogue,
  type LocalizedText,
} from '@miniconsent/shared'
import { parse } from 'csv-parse/sync'
import { stringify } from 'csv-stringify/sync'
import { ApiError } from '../lib/errors'
import { unescapeCell } from './export'

type TextColumn = (typeof CATALOGUE_CSV_TEXT_COLUMNS)[number]

// Spreadsheets run a cell starting with = + - @ as a formula (OWASP "CSV injection"), and an
// editor's text would then run on the machine of whoever opens the export. Such cells get a
// leading apostrophe, which spreadsheets hide and the import takes off again; as in the consent
// export, so does a cell that itself starts with one, so the import always takes off exactly one.
const ESCAPED_START = /^['=+\-@\t\r]/
const defuse = (cell: string) => (ESCAPED_START.test(cell) ? `'${cell}` : cell)

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
  }

  const listed = new Set<string>()
  // Services whose every entry row carries the service's own category: the import reads it there.
  const inOwnCategory = new Set(c.services.map((s) => s.id))
  for (const e of c.entries) {
    row(e.category, e.service, e)
    listed.add(e.category)
    if (!e.service) continue
    listed.add(`service:${e.service}`)
    if (e.category !== serviceById.get(e.service)?.category) inOwnCategory.delete(e.service)
  }
  // Services without any entry, or with one in another category, get a row declaring them; so
  // do categories without any row, so that nothing is lost on re-import.
  for (const s of c.services) {
    if (listed.has(`service:${s.id}`) && inOwnCategory.has(s.id)) continue
    row(s.category, s.id, null)
    listed.add(s.category)
  }
  for (const cat of c.categories) if (!listed.has(cat.id)) row(cat.id, undefined, null)
  return stringify([header, ...rows.map((r) => r.map(defuse))])
}

/**
 * The draft with the file applied, not yet validated: the caller validates it like any draft, and
 * `entries.N` in an issue is the file's data row N + 1 (after the header).
 */
export function csvToCatalogue(text: string, base: Catalogue): unknown {
  let records: Record<string, string>[]
  try {
    records = parse(text, {
      columns: (h: string[]) => {
        const names = h.map((c) => c.trim())
        // Two columns of one name would leave one cell of each row unread, unsaid which.
        const twice = names.find((c, i) => c !== '' && names.indexOf(c) !== i)
        if (twice !== undefined) throw new Error(`the column "${twice}" appears twice in the header`)
        return names
      },
      skip_empty_lines: true,
      trim: true,
      bom: true,
      cast: unescapeCell,
    })
  } catch (err) {
    throw new ApiError(400, 'invalid_csv', `The CSV file cannot be read: ${(err as Error).message}`)
  }
  const first = records[0]
  if (!first || !('category' in first)) throw new ApiError(400, 'invalid_csv', 'The CSV file needs a header row with at least a "category" column')

  const categories = base.categories.map((c) => ({ ...c, label: { ...c.label } }))
  const services = base.services.map((s) => ({ ...s, purpose: { ...s.purpose } }))
  const entries: Record<string, unknown>[] = []

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
  // Services whose category a row declaring the service alone has set: entry rows no longer move them.
  const declared = new Set<string>()

  for (const rec of records) {
    const categoryId = rec.category ?? ''
    let cat = categories.find((c) => c.id === categoryId)
    const label = texts(rec, 'category_label')
    if (!cat) {
      cat = { id: categoryId, required: false, label: Object.keys(label).length ? label : { en: categoryId }, description: {}, consentMode: [] }
      categories.push(cat)
    } else Object.assign(cat.label, label)

    const serviceId = opt(rec.service)
    if (serviceId) {
      const declares = !rec.name
      const fields = {
        ...(declares || !declared.has(serviceId) ? { category: categoryId } : {}),
        ...(rec.service_name ? { name: rec.service_name } : {}),
        ...(rec.service_provider ? { provider: rec.service_provider } : {}),
        ...(rec.service_privacy_policy_url ? { privacyPolicyUrl: rec.service_privacy_policy_url } : {}),
      }
      const service = services.find((s) => s.id === serviceId)
      if (service) Object.assign(service, fields, { purpose: { ...service.purpose, ...texts(rec, 'service_purpose') } })
      else services.push({ id: serviceId, name: serviceId, provider: rec.provider || serviceId, category: categoryId, ...fields, purpose: texts(rec, 'service_purpose') })
      if (declares) declared.add(serviceId)
    }

    if (rec.name) {
      entries.push({
        name: rec.name,
        kind: opt(rec.kind) ?? 'cookie',
        category: categoryId,
        service: serviceId,
        provider: rec.provider || (serviceId ? (services.find((s) => s.id === serviceId)?.provider ?? '') : ''),
        purpose: texts(rec, 'purpose'),
        expiry: rec.expiry ?? '',
        domain: opt(rec.domain),
        path: opt(rec.path),
      })
    }
  }
  return { ...base, categories, services, entries }
}
