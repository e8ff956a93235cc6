import { catalogue, type Catalogue } from '@miniconsent/shared'
import { parse } from 'csv-parse/sync'
import { stringify } from 'csv-stringify/sync'
import { describe, expect, it } from 'vitest'
import { DEMO_SITES } from '../seed/catalogues'
import { catalogueToCsv, csvImport, csvToCatalogue } from './catalogue-csv'

describe.each(DEMO_SITES.map((s) => [s.settings.id, catalogue.parse(s.catalogue)] as const))('the %s cookie table', (_id, c) => {
  it('survives a CSV round trip entry for entry', () => {
    const csv = catalogueToCsv(c)
    // Into the same draft: nothing changes.
    expect(catalogue.parse(csvToCatalogue(csv, c))).toEqual(c)
    // Into a draft that has only the categories: services and entries come back from the file alone.
    const bare = { ...c, services: [], entries: [] }
    const rebuilt = catalogue.parse(csvToCatalogue(csv, bare))
    expect(rebuilt.entries).toEqual(c.entries)
    expect(rebuilt.services.map((s) => [s.id, s.category, s.name, s.provider, s.purpose, s.privacyPolicyUrl])).toEqual(
      c.services.map((s) => [s.id, s.category, s.name, s.provider, s.purpose, s.privacyPolicyUrl]),
    )
  })
})

/** Services whose entries sit in other categories than the service, and texts that look escaped. */
const mixed = catalogue.parse({
  categories: [
    { id: 'essential', required: true, label: { en: 'Essential' } },
    { id: 'analytics', label: { en: 'Analytics', de: 'Statistik' } },
    { id: 'marketing', label: { en: 'Marketing' } },
  ],
  services: [
    { id: 'shop', category: 'essential', name: 'Shop', provider: 'Acme', purpose: { en: "'=SUM' is what we call it" } },
    { id: 'google-analytics', category: 'analytics', name: 'Google Analytics', provider: 'Google', purpose: { en: 'Statistics' } },
    { id: 'meta-pixel', category: 'marketing', name: 'Meta Pixel', provider: 'Meta Platforms' },
    { id: 'hubspot', category: 'marketing', name: 'HubSpot', provider: 'HubSpot' },
  ],
  entries: [
    { name: 'cart', category: 'essential', service: 'shop', provider: 'Acme', purpose: { en: "'quoted' on purpose", de: "'" }, expiry: 'session' },
    { name: 'recently-viewed', category: 'marketing', service: 'shop', provider: 'Acme', purpose: { en: "''=1+1" }, expiry: '30d', path: '/shop' },
    { name: '_ga', category: 'analytics', service: 'google-analytics', provider: 'Google', purpose: { en: '-1 day, +1 visit' }, expiry: '2y' },
    { name: '_gcl_au', category: 'marketing', service: 'google-analytics', provider: 'Google', purpose: { en: '@ads' }, expiry: '3mo' },
    { name: '_fbp', category: 'analytics', service: 'meta-pixel', provider: 'Meta Platforms', purpose: {}, expiry: '3mo' },
  ],
})

describe('a cookie table whose services have entries in other categories', () => {
  const csv = catalogueToCsv(mixed)

  it('survives a CSV round trip, into the same draft or one without services', () => {
    expect(catalogue.parse(csvToCatalogue(csv, mixed))).toEqual(mixed)
    // Services in the wrong categories are put back too; from the file alone they come in the file's order.
    const moved = { ...mixed, services: mixed.services.map((s) => ({ ...s, category: 'essential' })), entries: [] }
    expect(catalogue.parse(csvToCatalogue(csv, moved))).toEqual(mixed)
    const rebuilt = catalogue.parse(csvToCatalogue(csv, { ...mixed, services: [], entries: [] }))
    expect(rebuilt.entries).toEqual(mixed.entries)
    const byId = (list: Catalogue['services']) => Object.fromEntries(list.map((s) => [s.id, s]))
    expect(byId(rebuilt.services)).toEqual(byId(mixed.services))
  })

  it('declares a service on a row of its own only when an entry row would not tell its category', () => {
    const rows = (text: string) => parse(text, { columns: true }) as Record<string, string>[]
    expect(rows(csv).filter((r) => !r.name).map((r) => [r.category, r.service])).toEqual([
      ['essential', 'shop'],
      ['analytics', 'google-analytics'],
      ['marketing', 'meta-pixel'],
      ['marketing', 'hubspot'],
    ])
    const whole = catalogueToCsv({ ...mixed, entries: mixed.entries.filter((e) => e.name === '_ga') })
    expect(rows(whole).filter((r) => r.service === 'google-analytics')).toHaveLength(1)
  })

  it('escapes every cell starting with an apostrophe or a formula character, and takes exactly one off', () => {
    expect(csv).toContain(`,''=SUM' is what we call it,'',''quoted' on purpose\n`)
    expect(csv).toContain(`,'''=1+1\n`)
    expect(csv).toContain(`,"'-1 day, +1 visit"\n`)
    expect(csv).toContain(`,'@ads\n`)
    expect(csv).not.toMatch(/,"?[=+\-@]/)
  })

  it('escapes a formula after a semicolon or a tab too, which a spreadsheet in a `;` locale splits into a cell of its own, and reads it back exactly', () => {
    const texts = ['Counts;=1+2', 'Counts\t=1+2', "Counts;'=1+2 stays as written", 'Counts; =1+2 and a;b', 'a;;@x\t\t-y;+z']
    const c = catalogue.parse({
      ...mixed,
      categories: mixed.categories.map((cat) => (cat.id === 'analytics' ? { ...cat, label: { ...cat.label, fr: 'Stats;@SUM(A1)' } } : cat)),
      services: mixed.services.map((s) => (s.id === 'hubspot' ? { ...s, purpose: { en: 'Mail;-2+3' } } : s)),
      entries: texts.map((text, i) => ({ name: `c${i}`, category: 'analytics', provider: 'Acme', purpose: { en: text }, expiry: '1y' })),
    })
    const csv = catalogueToCsv(c)
    expect(csv).toContain(`,Counts;'=1+2,`)
    expect(csv).toContain(`,Counts\t'=1+2,`)
    expect(csv).toContain(`,Counts;''=1+2 stays as written,`)
    expect(csv).toContain(`Stats;'@SUM(A1)`)
    expect(csv).toContain(`Mail;'-2+3`)
    // Split where such a spreadsheet splits, no piece of any line starts with a formula character.
    for (const line of csv.split('\n')) for (const piece of line.split(/[,;\t]/)) expect(piece, line).not.toMatch(/^"?[=+\-@]/)
    // The import takes off exactly what the export put in: every text comes back as it was.
    expect(catalogue.parse(csvToCatalogue(csv, { ...c, entries: [] }))).toEqual(c)
    expect(catalogue.parse(csvToCatalogue(csv, { ...c, categories: c.categories.map((cat) => ({ ...cat, label: { en: cat.id } })), services: [], entries: [] })).entries).toEqual(c.entries)
  })

  it("reads a ';' before a \"'\" that the escape did not write (a file from before it, or typed by hand) as it is", () => {
    const typed = [
      'category,service,service_name,service_provider,name,kind,provider,expiry,purpose_en',
      "analytics,,,,_shop,cookie,Acme,1y,The shop;'s visit counter",
    ].join('\n')
    const draft = catalogue.parse(csvToCatalogue(typed, { ...mixed, services: [], entries: [] }))
    expect(draft.entries[0]!.purpose).toEqual({ en: "The shop;'s visit counter" })
  })

  it('reads files without the service rows as before: the entries give the service its category', () => {
    const old = [
      'category,service,service_name,service_provider,name,kind,provider,expiry',
      'analytics,google-analytics,Google Analytics,Google,_ga,cookie,Google,2y',
      'marketing,google-analytics,Google Analytics,Google,_gcl_au,cookie,Google,3mo',
    ].join('\n')
    const draft = catalogue.parse(csvToCatalogue(old, { ...mixed, services: [], entries: [] }))
    expect(draft.services).toEqual([expect.objectContaining({ id: 'google-analytics', category: 'marketing' })])
  })
})

describe('cells with spaces at their ends', () => {
  it('come back from a CSV round trip as they were written', () => {
    const c = catalogue.parse({
      categories: [
        { id: 'essential', required: true, label: { en: ' Essential' } },
        { id: 'analytics', label: { en: 'Analytics  ', de: ' Statistik ' } },
      ],
      services: [{ id: 'plausible', category: 'analytics', name: ' Plausible', provider: 'Plausible Insights ', purpose: { en: '  counts visits  ' } }],
      entries: [{ name: 'session', category: 'essential', provider: 'Acme', purpose: { en: '  leading and trailing spaces  ' }, expiry: 'session' }],
    })
    const csv = catalogueToCsv(c)
    expect(csv).toContain('"  leading and trailing spaces  "')
    expect(catalogue.parse(csvToCatalogue(csv, { ...c, services: [], entries: [] }))).toEqual(c)
  })
})

describe('a cookie table saved with another separator', () => {
  // What a spreadsheet in a German or French locale saves: semicolons, and a comma inside a cell
  // left unquoted ("-1 day, +1 visit"); or tabs.
  const rows = parse(catalogueToCsv(mixed), { bom: true }) as string[][]
  it.each([
    ['semicolons', ';'],
    ['tabs', '\t'],
  ])('reads a file separated by %s as the same table', (_name, delimiter) => {
    const csv = stringify(rows, { delimiter })
    expect(csv).toContain(`-1 day, +1 visit`)
    expect(catalogue.parse(csvToCatalogue(csv, { ...mixed, services: [], entries: [] }))).toEqual(mixed)
  })

  it('keeps a semicolon inside a cell of a comma-separated file', () => {
    const c = catalogue.parse({ ...mixed, entries: [{ ...mixed.entries[0]!, purpose: { en: 'cart; wish list' } }] })
    expect(catalogue.parse(csvToCatalogue(catalogueToCsv(c), { ...c, entries: [] })).entries[0]!.purpose).toEqual({ en: 'cart; wish list' })
  })

  it('names the separators it reads when no header has a category column', () => {
    expect(() => csvImport('categorie|name\nessential|session\n', mixed)).toThrow(/header row with at least a "category" column, its columns separated by commas, semicolons or tabs/)
  })
})
