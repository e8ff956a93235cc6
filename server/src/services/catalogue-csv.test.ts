import { catalogue, storedCatalogue, type Catalogue } from '@miniconsent/shared'
import { parse } from 'csv-parse/sync'
import { stringify } from 'csv-stringify/sync'
import { describe, expect, it } from 'vitest'
import type { ApiError } from '../lib/errors'
import { DEMO_SITES } from '../seed/catalogues'
import { ACME } from '../test-support'
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
    // Into a draft with nothing: the categories come back in their order too, with their labels.
    const empty = csvToCatalogue(csv, { ...c, categories: [], services: [], entries: [] }) as Catalogue
    expect(empty.categories.map((cat) => [cat.id, cat.label])).toEqual(c.categories.map((cat) => [cat.id, cat.label]))
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
    // Services in the wrong categories are put back too, and from the file alone they come in their order.
    const moved = { ...mixed, services: mixed.services.map((s) => ({ ...s, category: 'essential' })), entries: [] }
    expect(catalogue.parse(csvToCatalogue(csv, moved))).toEqual(mixed)
    expect(catalogue.parse(csvToCatalogue(csv, { ...mixed, services: [], entries: [] }))).toEqual(mixed)
  })

  it('declares a service on a row of its own only when an entry row would not tell its category, and a category only when no row would name it in its place', () => {
    const rows = (text: string) => parse(text, { columns: true }) as Record<string, string>[]
    expect(rows(csv).filter((r) => !r.name).map((r) => [r.category, r.service])).toEqual([
      ['essential', 'shop'],
      // Before the row of recently-viewed, a marketing entry: analytics is listed before marketing.
      ['analytics', ''],
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

  it('escapes a formula after a semicolon, a tab or a line break too, which a spreadsheet in a `;` locale splits into a cell of its own, and reads it back exactly', () => {
    const texts = ['Counts;=1+2', 'Counts\t=1+2', "Counts;'=1+2 stays as written", 'Counts; =1+2 and a;b', 'a;;@x\t\t-y;+z', 'Two lines:\n=1+2;x', "Windows lines\r\n@x\n'y"]
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
    // A line break inside quotes ends the row for a spreadsheet that splits at semicolons.
    expect(csv).toContain(`"Two lines:\n'=1+2;x"`)
    expect(csv).toContain(`"Windows lines\r\n'@x\n''y"`)
    // Split where such a spreadsheet splits, no piece of any line starts with a formula character.
    for (const line of csv.split(/\r?\n/)) for (const piece of line.split(/[,;\t]/)) expect(piece, line).not.toMatch(/^"?[=+\-@]/)
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

  it("reads files without the service rows: a service's rows give it one category, the draft's when the draft has it, its entries' one when the file adds it", () => {
    const old = [
      'category,service,service_name,service_provider,name,kind,provider,expiry',
      'analytics,google-analytics,Google Analytics,Google,_ga,cookie,Google,2y',
      'marketing,google-analytics,Google Analytics,Google,_gcl_au,cookie,Google,3mo',
    ].join('\n')
    // Its rows all in the draft's category: nothing to say.
    const one = old.replace('marketing,', 'analytics,')
    const into = catalogue.parse(csvToCatalogue(one, { ...mixed, entries: [] }))
    expect(into.services.find((s) => s.id === 'google-analytics')?.category).toBe('analytics')
    expect(into.entries.map((e) => `${e.category}/${e.name}`)).toEqual(['analytics/_ga', 'analytics/_gcl_au'])
    // An entry row in another: the file does not say whether the service stays (before: it did, unsaid) or moves with it.
    expect(() => csvToCatalogue(old, { ...mixed, entries: [] })).toThrow(
      /^Line 3, column "category": "marketing" is not the draft's category of the service "google-analytics", "analytics", and no row declares the service alone/,
    )
    // From the file alone its category is the one its entries' rows all give; two would leave one dropped unsaid.
    expect(catalogue.parse(csvToCatalogue(one, { ...mixed, services: [], entries: [] })).services).toEqual([expect.objectContaining({ id: 'google-analytics', category: 'analytics' })])
    expect(() => csvToCatalogue(old, { ...mixed, services: [], entries: [] })).toThrow(/^Line 3, column "category": "marketing" differs from line 2's "analytics"/)
  })
})

/**
 * Services without entries first, in the middle and last of their category, alone in theirs, and a
 * category with nothing in it, between others.
 */
const ordered = catalogue.parse({
  categories: [
    { id: 'essential', required: true, label: { en: 'Essential' } },
    { id: 'functional', label: { en: 'Functional' } },
    { id: 'analytics', label: { en: 'Analytics' } },
    { id: 'marketing', label: { en: 'Marketing' } },
  ],
  services: [
    { id: 'cloudflare', category: 'essential', name: 'Cloudflare', provider: 'Cloudflare' },
    { id: 'shop', category: 'essential', name: 'Shop', provider: 'Acme' },
    { id: 'stripe', category: 'essential', name: 'Stripe', provider: 'Stripe' },
    { id: 'auth', category: 'essential', name: 'Auth', provider: 'Acme' },
    { id: 'plausible', category: 'analytics', name: 'Plausible', provider: 'Plausible Insights' },
    { id: 'hotjar', category: 'analytics', name: 'Hotjar', provider: 'Hotjar' },
    { id: 'meta-pixel', category: 'marketing', name: 'Meta Pixel', provider: 'Meta' },
  ],
  entries: [
    { name: 'cart', category: 'essential', service: 'shop', provider: 'Acme', expiry: 'session' },
    { name: 'session', category: 'essential', service: 'auth', provider: 'Acme', expiry: '30d' },
    { name: 'plausible_ignore', kind: 'localStorage', category: 'analytics', service: 'plausible', provider: 'Plausible Insights', expiry: 'persistent' },
  ],
})

/** What a draft's lists hold, in their order: categories, services with their categories, entries. */
const order = (draft: unknown) => {
  const c = draft as Catalogue
  return {
    categories: c.categories.map((cat) => cat.id),
    services: c.services.map((s) => `${s.category}/${s.id}`),
    entries: c.entries.map((e) => `${e.category}/${e.service ?? ''}/${e.name}`),
  }
}
/** The file read into a draft that has nothing: every list comes from the file alone. */
const fromFile = (csv: string, c: Catalogue) => csvToCatalogue(csv, { ...c, categories: [], services: [], entries: [] })

describe('the order of a cookie table', () => {
  it('survives a CSV round trip, wherever a service or category without entries is listed', () => {
    const csv = catalogueToCsv(ordered)
    expect(order(fromFile(csv, ordered))).toEqual(order(ordered))
    expect(catalogue.parse(csvToCatalogue(csv, ordered))).toEqual(ordered)
    // The file reads in the catalogue's order: each service or category without entries on a row
    // of its own, where it is listed.
    const rows = parse(csv, { columns: true }) as Record<string, string>[]
    expect(rows.map((r) => [r.category, r.service, r.name])).toEqual([
      ['essential', 'cloudflare', ''],
      ['essential', 'shop', 'cart'],
      ['essential', 'stripe', ''],
      ['essential', 'auth', 'session'],
      ['functional', '', ''],
      ['analytics', 'plausible', 'plausible_ignore'],
      ['analytics', 'hotjar', ''],
      ['marketing', 'meta-pixel', ''],
    ])
  })

  it('survives it with a service without entries at any place in the list, whatever its category', () => {
    const stripe = ordered.services.find((s) => s.id === 'stripe')!
    const others = ordered.services.filter((s) => s !== stripe)
    for (let i = 0; i <= others.length; i++) {
      const c = catalogue.parse({ ...ordered, services: others.toSpliced(i, 0, stripe) })
      expect(order(fromFile(catalogueToCsv(c), c)), `at ${i}`).toEqual(order(c))
    }
  })

  it('survives it with the entries listed in another order than their categories and services', () => {
    const fbp = { name: '_fbp', category: 'marketing', service: 'meta-pixel', provider: 'Meta', expiry: '3mo' }
    const c = catalogue.parse({ ...ordered, entries: [fbp, ...ordered.entries.toReversed()] })
    expect(order(fromFile(catalogueToCsv(c), c))).toEqual(order(c))
    // Services with entries in other categories than their own, listed in any order.
    const moved = catalogue.parse({ ...mixed, services: [...mixed.services].reverse(), entries: [...mixed.entries].reverse() })
    expect(order(fromFile(catalogueToCsv(moved), moved))).toEqual(order(moved))
    expect(catalogue.parse(csvToCatalogue(catalogueToCsv(moved), moved))).toEqual(moved)
  })

  it('reads a file exported before 0.9.9, with the rows of services and categories without entries last, as it did', () => {
    const old = [
      'category,service,service_name,service_provider,service_privacy_policy_url,name,kind,provider,expiry,domain,path,category_label_en,service_purpose_en,purpose_en',
      'essential,shop,Shop,Acme,,cart,cookie,Acme,session,,,Essential,,',
      'essential,auth,Auth,Acme,,session,cookie,Acme,30d,,,Essential,,',
      'analytics,plausible,Plausible,Plausible Insights,,plausible_ignore,localStorage,Plausible Insights,persistent,,,Analytics,,',
      'essential,cloudflare,Cloudflare,Cloudflare,,,,,,,,Essential,,',
      'essential,stripe,Stripe,Stripe,,,,,,,,Essential,,',
      'analytics,hotjar,Hotjar,Hotjar,,,,,,,,Analytics,,',
      'marketing,meta-pixel,Meta Pixel,Meta,,,,,,,,Marketing,,',
      'functional,,,,,,,,,,,Functional,,',
    ].join('\n')
    // Into the draft it came from: the draft's order, nothing changed.
    expect(catalogue.parse(csvToCatalogue(old, ordered))).toEqual(ordered)
    // From the file alone: in the order its rows name them.
    expect(order(fromFile(old, ordered))).toEqual({
      categories: ['essential', 'analytics', 'marketing', 'functional'],
      services: ['essential/shop', 'essential/auth', 'analytics/plausible', 'essential/cloudflare', 'essential/stripe', 'analytics/hotjar', 'marketing/meta-pixel'],
      entries: order(ordered).entries,
    })
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

describe('the header of an imported cookie table', () => {
  const bare = { ...mixed, services: [], entries: [] }
  /** What csvImport throws for `text`, as the API answers it. */
  const refusal = (text: string) => {
    try {
      csvImport(text, mixed)
    } catch (err) {
      const e = err as ApiError
      return { status: e.status, code: e.code, message: e.message }
    }
    throw new Error('the file was taken')
  }

  it("reads the export's names whatever their case and the spaces around them", () => {
    const typed = [
      ' Category ;Name;Kind;Provider;Expiry;Domain;PATH;Purpose_en;Service;Service_Purpose_de',
      'analytics;ab_test;localStorage;Acme;persistent;.acme.test;/shop;Splits visitors;stats;Statistik',
    ].join('\n')
    const draft = catalogue.parse(csvToCatalogue(typed, bare))
    expect(draft.entries).toEqual([
      { name: 'ab_test', kind: 'localStorage', category: 'analytics', service: 'stats', provider: 'Acme', purpose: { en: 'Splits visitors' }, expiry: 'persistent', domain: '.acme.test', path: '/shop' },
    ])
    expect(draft.services).toEqual([expect.objectContaining({ id: 'stats', purpose: { de: 'Statistik' } })])
    // An export whose header a spreadsheet capitalised comes back as it was.
    const [header, ...rows] = catalogueToCsv(mixed).split('\n')
    const capitalised = [header!.replace(/(^|,)(\w)/g, (_m, sep: string, c: string) => sep + c.toUpperCase()), ...rows].join('\n')
    expect(capitalised).toMatch(/^Category,Service,Service_name,/)
    expect(catalogue.parse(csvToCatalogue(capitalised, bare))).toEqual(catalogue.parse(csvToCatalogue(catalogueToCsv(mixed), bare)))
  })

  it('refuses a column it would not read, naming it and the names it reads, rather than dropping its values from every entry', () => {
    const header = 'category,name,provider,expiry'
    expect(refusal(`${header},purpose\nanalytics,_ga,Google,2y,Distinguishes users`)).toEqual({
      status: 400,
      code: 'invalid_csv',
      message: expect.stringMatching(/the column "purpose" names no language: write its language tag in lower case, such as "purpose_en"/),
    })
    // The language keeps its case: judged as every language tag is.
    expect(refusal(`${header},Purpose_EN\nanalytics,_ga,Google,2y,x`).message).toMatch(/the column "Purpose_EN" names no language/)
    const unknown = refusal(`${header},Duration\nanalytics,_ga,Google,2y,2 years`)
    expect(unknown).toMatchObject({ status: 400, code: 'invalid_csv' })
    expect(unknown.message).toMatch(/^The CSV file cannot be read: the column "Duration" is not one the import reads: rename it to one of category, service, .*, domain, path, or a text column with its language, category_label_…, service_purpose_…, purpose_… \(such as "purpose_en"\), or remove it$/)
    // Two spellings of one name are one column twice.
    expect(refusal('category,kind,Kind\nanalytics,cookie,localStorage').message).toMatch(/the column "kind" appears twice in the header/)
  })

  it('tells a file of only its header (or of empty rows under it) from one without a header', () => {
    const noRows = { status: 400, code: 'invalid_csv', message: 'The CSV file has its header row but no rows under it: nothing to import' }
    expect(refusal('category,service,name,provider,expiry')).toEqual(noRows)
    expect(refusal('category;name;provider\r\n;;\r\n\r\n')).toEqual(noRows)
    for (const text of ['', '\n\n', 'name,provider\n_ga,Google']) expect(refusal(text).message).toMatch(/^The CSV file needs a header row with at least a "category" column/)
  })

  it('refuses a column with no name that holds a value, and leaves one that holds none', () => {
    expect(refusal('category,,\nanalytics,x,y')).toEqual({
      status: 400,
      code: 'invalid_csv',
      message: expect.stringMatching(/^The CSV file cannot be read: line 2: column 2 has no name in the header but holds "x": name it as one of category, /),
    })
    expect(refusal('category,name,provider,expiry,\nanalytics,a,Acme,1d,\nanalytics,b,Acme,1d,late').message).toMatch(/line 3: column 5 has no name in the header but holds "late"/)
    const trailing = catalogue.parse(csvToCatalogue('category,name,provider,expiry,,\nanalytics,a,Acme,1d,,\n', bare))
    expect(trailing.entries).toEqual([expect.objectContaining({ name: 'a', provider: 'Acme', expiry: '1d' })])
  })

  it("refuses a value that nothing on its row reads: a service's without its id, a cookie's without its name", () => {
    // Before, 200: the row's values were dropped, and with the entries replaced, the draft lost them all.
    const header = 'category,service,service_name,name,kind,provider,expiry,purpose_en,service_purpose_en\n'
    expect(refusal(header + 'essential,,Stripe Payments,,cookie,Stripe,1y,Keeps the cart,Payments\n')).toEqual({
      status: 422,
      code: 'invalid',
      message: 'Line 2, column "service_name": "Stripe Payments" is a service\'s, and the row names no service in column "service": add its id, or remove the value',
    })
    expect(refusal(header + 'essential,stripe,Stripe Payments,,cookie,Stripe,1y,Keeps the cart,Payments\n').message).toBe(
      'Line 2, column "kind": "cookie" is a cookie\'s or storage entry\'s, and the row names none in column "name": add its name, or remove the value',
    )
    expect(refusal(header + 'essential,,,,,Stripe,,,\n').message).toMatch(/^Line 2, column "provider": "Stripe" is a cookie's or storage entry's/)
    // A provider on a row naming a service already there is read by nothing either (only a new service takes it).
    expect(refusal(header + 'essential,stripe,,,,Stripe,,,\nessential,stripe,,,,Someone Else Ltd,,,\n').message).toBe(
      'Line 3, column "provider": "Someone Else Ltd" is a cookie\'s or storage entry\'s, and the row names none in column "name": add its name, or remove the value',
    )
    // A row declaring a service (its provider, when the service is new, too) or a category alone is read as before.
    const declared = catalogue.parse(csvToCatalogue(header + 'essential,stripe,Stripe Payments,,,Stripe,,,Payments\nanalytics,,,,,,,,\n', bare))
    expect(declared.services).toEqual([expect.objectContaining({ id: 'stripe', name: 'Stripe Payments', provider: 'Stripe', purpose: { en: 'Payments' } })])
    expect(declared.entries).toEqual([])
  })
})

describe('a text starting with a NUL', () => {
  it('gets the leading apostrophe, as in the consent export, and comes back exactly', () => {
    const sneaky = '\u0000=HYPERLINK("http://evil","x")'
    const c = catalogue.parse({
      ...mixed,
      services: [...mixed.services, { id: 'nul', category: 'analytics', name: sneaky, provider: '\u0000=1+1', purpose: { en: 'a;\u0000=1+1' } }],
    })
    const csv = catalogueToCsv(c)
    expect(csv).toContain(`,"'\u0000=HYPERLINK(""http://evil"",""x"")",'\u0000=1+1,`)
    expect(csv).toContain(`a;'\u0000=1+1`)
    for (const line of csv.split('\n')) for (const piece of line.split(/[,;\t]/)) expect(piece, line).not.toMatch(/^"?\u0000/)
    expect(catalogue.parse(csvToCatalogue(csv, { ...c, services: [], entries: [] }))).toEqual(c)
  })
})

describe('an empty text', () => {
  it('is no text in that language in a cookie table: an empty cell, read back as absent', () => {
    // As a catalogue stored before blank texts were refused may hold it.
    const c = storedCatalogue.parse({ ...mixed, entries: [{ ...mixed.entries[0]!, purpose: { de: 'Warenkorb', en: '' } }] })
    const back = catalogue.parse(csvToCatalogue(catalogueToCsv(c), { ...c, entries: [] }))
    expect(back.entries[0]!.purpose).toEqual({ de: 'Warenkorb' })
  })
})

describe('one service or category on several rows', () => {
  const acme = catalogue.parse(ACME.catalogue)
  /** What csvImport over ACME throws for `text`, as the API answers it. */
  const refusal = (text: string) => {
    try {
      csvImport(text, acme)
    } catch (err) {
      const e = err as ApiError
      return { status: e.status, code: e.code, message: e.message }
    }
    throw new Error('the file was taken')
  }
  const header = 'category,service,service_name,service_provider,name,provider,expiry,category_label_en,service_purpose_en\n'

  it('refuses a row giving a service or category another value than an earlier row did, rather than keeping the last', () => {
    // Before, valid: "GA4 (Google Analytics 4)", Alphabet and Statistics were kept, the first row's values dropped unsaid.
    expect(refusal(header + 'analytics,ga,Google Analytics,Google,_ga,Google,2y,Analytics,\nanalytics,ga,GA4 (Google Analytics 4),Alphabet,_gid,Google,1d,Statistics,\n')).toEqual({
      status: 422,
      code: 'invalid',
      message: 'Line 3, column "service_name": "GA4 (Google Analytics 4)" differs from line 2\'s "Google Analytics": every row naming the service "ga" gives it one value there (or leaves the cell empty)',
    })
    expect(refusal(header + 'analytics,ga,Google Analytics,Google,_ga,Google,2y,,\nanalytics,ga,,,_gid,Google,1d,,Counts visits\nanalytics,ga,,,_gat,Google,1d,,Throttles requests\n').message).toBe(
      'Line 4, column "service_purpose_en": "Throttles requests" differs from line 3\'s "Counts visits": every row naming the service "ga" gives it one value there (or leaves the cell empty)',
    )
    expect(refusal(header + 'analytics,,,,_ga,Google,2y,Analytics,\nessential,,,,s,Acme,1d,,\nanalytics,,,,_gid,Google,1d,Statistics,\n').message).toBe(
      'Line 4, column "category_label_en": "Statistics" differs from line 2\'s "Analytics": every row naming the category "analytics" gives it one value there (or leaves the cell empty)',
    )
  })

  it('refuses two rows declaring one service alone in different categories, but takes its entries in categories of their own', () => {
    // Before, valid: matomo ended up in essential, the second declaring row's category, line 2's dropped unsaid.
    expect(refusal('category,service,service_name,name,provider,expiry\nanalytics,matomo,Matomo,,,\nessential,matomo,Matomo,,,\n')).toEqual({
      status: 422,
      code: 'invalid',
      message: 'Line 3, column "category": "essential" differs from line 2\'s "analytics": every row declaring the service "matomo" alone (with no entry name) gives it one category',
    })
    // The service declared once (or twice alike) in analytics; an entry of it in essential is the entry's category.
    const draft = catalogue.parse(csvToCatalogue(header + 'analytics,ga,Google Analytics,Google,,,,,\nessential,ga,,,_ga_csrf,Google,1d,,\nanalytics,ga,,,,,,,\n', acme))
    expect(draft.services.find((s) => s.id === 'ga')?.category).toBe('analytics')
    expect(draft.entries.find((e) => e.name === '_ga_csrf')?.category).toBe('essential')
  })

  it("refuses entry rows giving a service the file adds different categories, or a draft service another than its own, when no row declares it", () => {
    const entryHeader = 'category,service,service_name,service_provider,name,provider,expiry,purpose_en,service_purpose_en\n'
    // Before, valid: ga ended up in marketing (in analytics the other way round), the first row's category dropped unsaid.
    expect(refusal(entryHeader + 'analytics,ga,,,_ga,Google,2y,,\nmarketing,ga,,,_gid,Google,1d,,\n')).toEqual({
      status: 422,
      code: 'invalid',
      message:
        'Line 3, column "category": "marketing" differs from line 2\'s "analytics": with no row declaring the service "ga" alone (with no entry name), every row of it gives it one category; to keep its entries in several categories, add a row declaring it alone in its own',
    })
    expect(refusal(entryHeader + 'marketing,ga,,,_gid,Google,1d,,\nanalytics,ga,,,_ga,Google,2y,,\n').message).toMatch(/^Line 3, column "category": "analytics" differs from line 2's "marketing"/)
    // Declared alone anywhere in the file, before or after its entries (as before 0.9.9), its entries may sit in any category.
    for (const declaring of ['analytics,ga,Google Analytics,,,,,,\nanalytics,ga,,,_ga,Google,2y,,\nmarketing,ga,,,_gid,Google,1d,,\n', 'analytics,ga,,,_ga,Google,2y,,\nmarketing,ga,,,_gid,Google,1d,,\nanalytics,ga,Google Analytics,,,,,,\n']) {
      const draft = catalogue.parse(csvToCatalogue(entryHeader + declaring, acme))
      expect(draft.services.find((s) => s.id === 'ga')?.category).toBe('analytics')
      expect(draft.entries.map((e) => `${e.category}/${e.name}`)).toEqual(['analytics/_ga', 'marketing/_gid'])
    }
    // An entry row of plausible, in analytics in the draft, in essential: the file does not say whether plausible
    // moves there (another site's file has no row declaring a service whose entries all sit in its category) or
    // stays. Long ago it moved into the required essential (always on, asked of nobody); then it stayed, unsaid.
    expect(refusal(entryHeader + 'essential,plausible,,,_pl,Plausible,1d,,\n')).toEqual({
      status: 422,
      code: 'invalid',
      message:
        'Line 2, column "category": "essential" is not the draft\'s category of the service "plausible", "analytics", and no row declares the service alone (with no entry name) to say which it is in: add such a row, in "essential" to move the service there (as in a file exported from another site), or in "analytics" to keep it there',
    })
    // Its rows in its own category (a file exported from this draft) need none.
    expect(catalogue.parse(csvToCatalogue(entryHeader + 'analytics,plausible,,,_pl,Plausible,1d,,\n', acme)).services).toEqual(acme.services)
    // A row declaring it alone keeps it, its entry in essential…
    const kept = catalogue.parse(csvToCatalogue(entryHeader + 'essential,plausible,,,_pl,Plausible,1d,,\nanalytics,plausible,,,,,,,\n', acme))
    expect(kept.services.find((s) => s.id === 'plausible')?.category).toBe('analytics')
    expect(kept.entries).toEqual([expect.objectContaining({ name: '_pl', category: 'essential', service: 'plausible' })])
    // …or moves it.
    const moved = catalogue.parse(csvToCatalogue(entryHeader + 'essential,plausible,,,_pl,Plausible,1d,,\nmarketing,plausible,,,,,,,\n', acme))
    expect(moved.services.find((s) => s.id === 'plausible')?.category).toBe('marketing')
  })

  it("takes a value given on one row and left empty on the others, the same value on each, and a new value over the draft's", () => {
    const draft = catalogue.parse(
      csvToCatalogue(header + 'analytics,ga,Google Analytics,Google,_ga,Google,2y,Statistics,\nanalytics,ga,,,_gid,Google,1d,,Counts visits\nanalytics,ga,Google Analytics,Google,_gat,Google,1d,Statistics,Counts visits\n', acme),
    )
    expect(draft.services.find((s) => s.id === 'ga')).toMatchObject({ name: 'Google Analytics', provider: 'Google', purpose: { en: 'Counts visits' } })
    expect(draft.categories.find((c) => c.id === 'analytics')?.label).toEqual({ en: 'Statistics' })
    expect(draft.entries.map((e) => e.name)).toEqual(['_ga', '_gid', '_gat'])
  })
})
