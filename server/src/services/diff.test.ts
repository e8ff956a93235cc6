import { catalogue, storedCatalogue, type Catalogue, type CatalogueInput } from '@miniconsent/shared'
import { describe, expect, it } from 'vitest'
import { minopa } from '../seed/catalogues/minopa'
import { diffCatalogues, isTypoFix, verdictBasis } from './diff'

const base = catalogue.parse(minopa.catalogue)
/** `base` edited by `f`, as an admin saves it, or as a revision published under older rules was (`storedCatalogue`). */
const edit = (f: (c: CatalogueInput & Catalogue) => void, schema: typeof catalogue | typeof storedCatalogue = catalogue): Catalogue => {
  const copy = structuredClone(base) as CatalogueInput & Catalogue
  f(copy)
  return schema.parse(copy)
}

describe('re-consent rule', () => {
  it('finds nothing between a catalogue and itself', () => {
    expect(diffCatalogues(base, structuredClone(base))).toEqual({ changes: [], needsConsent: false, reasons: [] })
  })

  it('asks again for a new service, naming it', () => {
    const after = edit((c) => c.services.push({ id: 'hotjar', category: 'analytics', name: 'Hotjar', provider: 'Hotjar Ltd', purpose: {} }))
    const d = diffCatalogues(base, after)
    expect(d.needsConsent).toBe(true)
    expect(d.reasons).toEqual(['New service "Hotjar" (hotjar) in category "analytics"'])
    expect(d.changes).toEqual([expect.objectContaining({ path: 'services[hotjar]', kind: 'added', before: null, consentRelevant: true })])
  })

  it('asks again for a new category and a new cookie', () => {
    const after = edit((c) => {
      c.categories.push({ id: 'personalisation', required: false, label: { en: 'Personalisation' }, description: {}, consentMode: [] })
      c.entries.push({ name: 'reco', kind: 'cookie', category: 'personalisation', provider: 'Minopa', purpose: {}, expiry: '30d' })
    })
    const d = diffCatalogues(base, after)
    expect(d.needsConsent).toBe(true)
    expect(d.changes.map((ch) => ch.path)).toEqual(['categories[personalisation]', 'entries[cookie:reco]'])
  })

  it('asks again when a service moves category or its purpose changes, not when its name is reworded', () => {
    const svc = base.services[0]!
    const other = base.categories.find((cat) => cat.id !== svc.category && !cat.required)!
    const moved = diffCatalogues(base, edit((c) => void (c.services[0]!.category = other.id)))
    expect(moved.needsConsent).toBe(true)
    expect(moved.changes[0]).toMatchObject({ path: `services[${svc.id}].category`, kind: 'changed', before: svc.category, after: other.id })

    const purpose = diffCatalogues(base, edit((c) => void (c.services[0]!.purpose = { en: 'Something else entirely' })))
    expect(purpose.needsConsent).toBe(true)

    const renamed = diffCatalogues(base, edit((c) => void (c.services[0]!.name = svc.name + ' (new name)')))
    expect(renamed.needsConsent).toBe(false)
    expect(renamed.changes).toEqual([{ path: `services[${svc.id}].name`, kind: 'changed', before: svc.name, after: svc.name + ' (new name)', consentRelevant: false }])
  })

  it('does not ask again for wording, texts, appearance, removals or a shorter expiry', () => {
    const after = edit((c) => {
      // A typo fixed in a category's name, and a translation of it added, are no new name.
      c.categories[1]!.label = { ...c.categories[1]!.label, en: c.categories[1]!.label.en! + 's', xx: 'Translated' }
      c.texts = { en: { bannerTitle: 'Cookies?' } }
      c.appearance.layout = 'box'
      c.entries.pop()
      c.entries[0]!.expiry = 'session'
    })
    const d = diffCatalogues(base, after)
    expect(d.needsConsent).toBe(false)
    expect(d.changes.length).toBeGreaterThanOrEqual(5)
    expect(d.changes.some((ch) => ch.path.startsWith('texts.en') && !ch.consentRelevant)).toBe(true)
    expect(d.changes.map((ch) => ch.path)).toContain('appearance.layout')
  })

  it('asks again when a category becomes optional: its stored choices hold it as granted, whatever visitors chose', () => {
    const preferences = (required: boolean) =>
      edit((c) => void (c.categories as Catalogue['categories']).push({ id: 'preferences', required, label: { en: 'Preferences' }, description: {}, consentMode: [] }))
    const d = diffCatalogues(preferences(true), preferences(false))
    expect(d.needsConsent).toBe(true)
    expect(d.reasons).toEqual(['Category "preferences" becomes optional: choices made while it was always on hold it as granted, which visitors did not choose'])
  })

  it("asks again when a category's name or description says something else, per language", () => {
    const analytics = (f: (cat: Catalogue['categories'][number]) => void) => edit((c) => f((c.categories as Catalogue['categories']).find((cat) => cat.id === 'analytics')!))
    const renamed = diffCatalogues(base, analytics((cat) => void (cat.label = { ...cat.label, en: 'Advertising' })))
    expect(renamed).toMatchObject({ needsConsent: true, reasons: ['Name of category "analytics" changed (en)'] })
    const described = diffCatalogues(base, analytics((cat) => void (cat.description = { ...cat.description, en: 'Profiles shared with our advertising partners' })))
    expect(described.needsConsent).toBe(true)
    expect(described.reasons[0]).toMatch(/^(Description of category "analytics" changed \(en\)|New description of category "analytics" \(en\))$/)
    // Nobody chooses an always-on category: its wording changes nothing anyone agreed to.
    const essential = edit((c) => {
      const cat = (c.categories as Catalogue['categories']).find((x) => x.required)!
      cat.label = { en: 'Strictly necessary' }
      cat.description = { en: 'What the shop needs to work' }
    })
    expect(diffCatalogues(base, essential).needsConsent).toBe(false)
  })

  it("asks again when a service's vendor signal is added, removed or changed: it decides what a choice of the service grants, and to whom it is told", () => {
    const vendorOf = (id: string, vendor: Catalogue['services'][number]['vendor']) =>
      edit((c) => {
        const s = c.services.find((x) => x.id === id)!
        if (vendor) s.vendor = vendor
        else delete s.vendor
      })
    // Without it, a visitor who refused Google Analytics inside granted analytics has analytics_storage granted.
    const removed = diffCatalogues(base, vendorOf('google-analytics', undefined))
    expect(removed.changes).toEqual([{ path: 'services[google-analytics].vendor', kind: 'removed', before: 'google', after: null, consentRelevant: true }])
    expect(removed.reasons).toEqual([
      'Service "google-analytics" loses the vendor signal "google": choices of it no longer reach that vendor, so a refusal of it may no longer hold back tracking',
    ])
    expect(diffCatalogues(base, vendorOf('google-analytics', 'meta')).reasons).toEqual([
      'Service "google-analytics" signals choices of it to another vendor: "meta", not "google"',
    ])
    expect(diffCatalogues(base, vendorOf('sentry', 'posthog')).reasons).toEqual(['Service "sentry" gets the vendor signal "posthog": choices of it reach that vendor'])
  })

  it("does not ask again for a vendor signal of a service in a required category, which nobody refuses, but does when the category is or becomes optional", () => {
    const gtm = { id: 'gtm', category: 'essential', name: 'Google Tag Manager', provider: 'Google', purpose: { en: 'Loads the site’s tags' } }
    const withGtm = (vendor: 'google' | undefined, category = 'essential', required = true) =>
      edit((c) => {
        c.services.push({ ...gtm, category, ...(vendor ? { vendor } : {}) })
        c.categories.find((x) => x.id === 'essential')!.required = required
      }, storedCatalogue)
    // Always on: a refusal of it is never taken, and the category's Consent Mode map grants nothing that needs consent.
    for (const [before, after] of [[withGtm(undefined), withGtm('google')], [withGtm('google'), withGtm(undefined)]] as const) {
      const d = diffCatalogues(before, after)
      expect(d).toMatchObject({ needsConsent: false, reasons: [] })
      expect(d.changes).toEqual([expect.objectContaining({ path: 'services[gtm].vendor', consentRelevant: false })])
    }
    // Moved into a category visitors choose, or its category becoming optional: still asked.
    expect(diffCatalogues(withGtm(undefined), withGtm('google', 'analytics')).reasons).toEqual([
      'Service "gtm" moves from category "essential" to "analytics"',
      'Service "gtm" gets the vendor signal "google": choices of it reach that vendor',
    ])
    expect(diffCatalogues(withGtm('google', 'analytics'), withGtm(undefined)).reasons).toContain(
      'Service "gtm" loses the vendor signal "google": choices of it no longer reach that vendor, so a refusal of it may no longer hold back tracking',
    )
    expect(diffCatalogues(withGtm(undefined), withGtm('google', 'essential', false)).reasons).toContain(
      'Service "gtm" gets the vendor signal "google": choices of it reach that vendor',
    )
  })

  it('gives catalogues that differ only in names, texts or appearance one basis, and another to any change it judges', () => {
    const reworded = edit((c) => {
      c.services[0]!.name = 'Renamed'
      c.appearance.layout = 'box'
      c.texts = { en: { bannerTitle: 'Cookies?' } }
    })
    expect(verdictBasis(reworded)).toBe(verdictBasis(base))
    expect(verdictBasis(edit((c) => void (c.entries[0]!.expiry = '99y')))).not.toBe(verdictBasis(base))
    expect(verdictBasis(edit((c) => void (c.services[0]!.provider = 'Someone else')))).not.toBe(verdictBasis(base))
    expect(verdictBasis(edit((c) => void delete c.services.find((s) => s.vendor === 'google')!.vendor))).not.toBe(verdictBasis(base))
  })

  it('asks again when a cookie is kept longer', () => {
    const after = edit((c) => void (c.entries[0]!.expiry = '99y'))
    const d = diffCatalogues(base, after)
    expect(d.needsConsent).toBe(true)
    expect(d.reasons[0]).toMatch(/kept longer/)
  })

  it('reports a change of order without asking again', () => {
    const after = edit((c) => c.categories.reverse())
    const d = diffCatalogues(base, after)
    expect(d).toMatchObject({ needsConsent: false, changes: [{ path: 'categories.order', kind: 'changed' }] })
  })

  it('judges a Consent Mode map as a set: only a type added asks again', () => {
    const marketing = (...types: string[]) => edit((c) => void (c.categories.find((cat) => cat.id === 'marketing')!.consentMode = types as never))
    const live = marketing('ad_storage', 'ad_user_data', 'ad_personalization')
    for (const [what, after] of [
      ['reordered', marketing('ad_personalization', 'ad_storage', 'ad_user_data')],
      ['narrowed', marketing('ad_storage', 'ad_user_data')],
      ['emptied', marketing()],
      // security_storage is granted always, whatever the map says.
      ['security_storage added', marketing('ad_storage', 'ad_user_data', 'ad_personalization', 'security_storage')],
    ] as const) {
      const d = diffCatalogues(live, after)
      expect(d, what).toMatchObject({ needsConsent: false, reasons: [] })
      // Still listed, for the publisher to see.
      expect(d.changes, what).toEqual([expect.objectContaining({ path: 'categories[marketing].consentMode', kind: 'changed', consentRelevant: false })])
    }
    // A duplicate (which the schema refuses since, but a stored catalogue may hold) grants nothing new.
    const twice: Catalogue = { ...live, categories: live.categories.map((cat) => (cat.id === 'marketing' ? { ...cat, consentMode: ['ad_storage', 'ad_storage', 'ad_user_data', 'ad_personalization'] } : cat)) }
    expect(diffCatalogues(live, twice)).toMatchObject({ needsConsent: false, reasons: [] })
    expect(diffCatalogues(twice, live)).toMatchObject({ needsConsent: false, reasons: [] })

    const widened = diffCatalogues(marketing('ad_storage'), marketing('ad_user_data', 'ad_storage', 'ad_personalization'))
    expect(widened).toMatchObject({ needsConsent: true, reasons: ['Category "marketing" grants other Consent Mode types: ad_user_data, ad_personalization'] })
    // A type swapped for another is a type added.
    expect(diffCatalogues(live, marketing('ad_storage', 'ad_user_data', 'analytics_storage'))).toMatchObject({
      needsConsent: true,
      reasons: ['Category "marketing" grants other Consent Mode types: analytics_storage'],
    })
  })

  it('treats the first publication as needing consent', () => {
    expect(diffCatalogues(null, base)).toMatchObject({ needsConsent: true, reasons: ['First publication'] })
  })
})

describe('entries with one name', () => {
  const shopSession = { name: 'next-auth.session-token', kind: 'cookie', category: 'marketing', provider: 'Minopa', purpose: {}, expiry: '1y', path: '/shop' } as const

  it('asks again for a cookie that shares a name with another but lives on its own path', () => {
    const d = diffCatalogues(base, edit((c) => c.entries.push({ ...shopSession })))
    expect(d.needsConsent).toBe(true)
    expect(d.reasons).toEqual(['New cookie "next-auth.session-token" (path /shop) in category "marketing"'])
    expect(d.changes.map((ch) => [ch.path, ch.kind])).toEqual([['entries[cookie:next-auth.session-token/shop]', 'added']])
  })

  it('matches repeated entries one to one, so that none hides another (input the schema would refuse)', () => {
    const theme = base.entries.find((e) => e.name === 'theme')!
    const twice: Catalogue = { ...base, entries: [...base.entries, { ...theme, category: 'marketing' }] }
    const added = diffCatalogues(base, twice)
    expect(added).toMatchObject({ needsConsent: true, reasons: ['New cookie "theme" in category "marketing"'] })
    expect(added.changes.map((ch) => [ch.path, ch.kind])).toEqual([['entries[cookie:theme #2]', 'added']])
    expect(diffCatalogues(twice, base).changes.map((ch) => [ch.path, ch.kind])).toEqual([['entries[cookie:theme #2]', 'removed']])
    expect(diffCatalogues(twice, structuredClone(twice)).changes).toEqual([])
  })

  it('tells a name with a slash from a name on a path', () => {
    const onPath = { ...shopSession, name: 'cart', category: 'functional', path: '/b' }
    const before = edit((c) => c.entries.push(onPath))
    const d = diffCatalogues(before, edit((c) => c.entries.push(onPath, { ...onPath, name: 'cart/b', path: undefined, category: 'marketing' })))
    expect(d).toMatchObject({ needsConsent: true, reasons: ['New cookie "cart/b" in category "marketing"'] })
  })

  it('labels two entries that the plain label would confuse apart, quoting a name that holds "@" or "/"', () => {
    const cart = { ...shopSession, name: 'cart', category: 'functional', path: '/b' }
    const slashed = { ...cart, name: 'cart/b', path: undefined }
    const onDomain = { ...cart, name: 'a', domain: 'b.test', path: undefined }
    const at = { ...onDomain, name: 'a@b.test', domain: undefined }
    const before = edit((c) => c.entries.push(cart, slashed, onDomain, at))
    const after = edit((c) => c.entries.push(...[cart, slashed, onDomain, at].map((e) => ({ ...e, expiry: '1d' }))))
    expect(diffCatalogues(before, after).changes.map((ch) => ch.path)).toEqual([
      'entries[cookie:cart/b].expiry',
      'entries[cookie:"cart/b"].expiry',
      'entries[cookie:a@b.test].expiry',
      'entries[cookie:"a@b.test"].expiry',
    ])
    // A domain that holds a "/" (refused since 0.9.14, but a revision published before may hold one) is quoted the
    // same way; a name starting with a quote too, so a quote always opens one.
    const odd = [{ ...cart, name: 's', domain: 'x.test/y', path: undefined }, { ...cart, name: '"cart"', path: undefined }]
    expect(diffCatalogues(base, edit((c) => c.entries.push(...odd), storedCatalogue)).changes.map((ch) => ch.path)).toEqual([
      'entries[cookie:s@"x.test/y"]',
      'entries[cookie:"\\"cart\\""]',
    ])
  })
})

describe('purpose texts', () => {
  const ga = () => base.services.find((s) => s.id === 'google-analytics')!
  const withPurposes = (service: Record<string, string>, entry: Record<string, string>) =>
    edit((c) => {
      c.services.find((s) => s.id === 'google-analytics')!.purpose = service
      c.entries.find((e) => e.name === '_ga')!.purpose = entry
    })

  it('does not ask again for a translation added or removed, and still lists it', () => {
    const en = ga().purpose.en!
    const translated = withPurposes({ en, de: 'Website-Analyse: welche Seiten und Funktionen genutzt werden, mit anonymisierten IP-Adressen.' }, { en: 'Distinguishes unique users', fr: 'Distingue les utilisateurs uniques' })
    const d = diffCatalogues(base, translated)
    expect(d).toMatchObject({ needsConsent: false, reasons: [] })
    expect(d.changes.map((ch) => [ch.path, ch.kind, ch.consentRelevant])).toEqual([
      ['services[google-analytics].purpose.de', 'added', false],
      ['entries[cookie:_ga].purpose.fr', 'added', false],
    ])
    expect(diffCatalogues(translated, base)).toMatchObject({ needsConsent: false, changes: [{ kind: 'removed' }, { kind: 'removed' }] })
  })

  it('asks again for a first purpose text, or one that replaces every language', () => {
    const none = withPurposes({}, { en: 'Distinguishes unique users' })
    const first = diffCatalogues(none, base)
    expect(first).toMatchObject({ needsConsent: true, reasons: ['New purpose of service "google-analytics" (en)'] })
    const replaced = diffCatalogues(base, withPurposes({ de: 'Personalisierte Werbung auf Partnerseiten.' }, { en: 'Distinguishes unique users' }))
    expect(replaced.needsConsent).toBe(true)
    expect(replaced.changes.map((ch) => [ch.path, ch.consentRelevant])).toEqual([
      ['services[google-analytics].purpose.de', true],
      ['services[google-analytics].purpose.en', false],
    ])
  })

  it('judges a regional text beside its language as a change of that text, since the SDK shows it to that region', () => {
    const en = ga().purpose.en!
    const entry = { en: 'Distinguishes unique users' }
    const live = withPurposes({ en }, entry)
    // US browsers now read another purpose than the English one they consented to.
    const profiles = diffCatalogues(live, withPurposes({ en, 'en-US': 'Builds advertising profiles that we share with data brokers' }, entry))
    expect(profiles).toMatchObject({
      needsConsent: true,
      reasons: ['Purpose of service "google-analytics" changed (en-US, unlike en)'],
      changes: [{ path: 'services[google-analytics].purpose.en-US', kind: 'added', consentRelevant: true }],
    })
    // The same text, or a spelling of the region's, says nothing new.
    const spelt = withPurposes({ en, 'en-US': en.replace('anonymised', 'anonymized') }, { ...entry, 'en-GB': 'Distinguishes unique users' })
    expect(diffCatalogues(live, spelt)).toMatchObject({ needsConsent: false, reasons: [] })
    // The base language's text moved to a regional tag: no new purpose if it says the same.
    expect(diffCatalogues(live, withPurposes({ 'en-US': en }, entry))).toMatchObject({ needsConsent: false, reasons: [] })
    // Beside only another region's text, it is judged against that; the base language added beside a region too.
    const us = withPurposes({ 'en-US': en }, entry)
    expect(diffCatalogues(us, withPurposes({ 'en-US': en, 'en-GB': 'Personalised advertising on partner sites.' }, entry))).toMatchObject({
      needsConsent: true,
      reasons: ['Purpose of service "google-analytics" changed (en-GB, unlike en-US)'],
    })
    expect(diffCatalogues(us, withPurposes({ 'en-US': en, en: 'Personalised advertising on partner sites.' }, entry))).toMatchObject({
      needsConsent: true,
      reasons: ['Purpose of service "google-analytics" changed (en, unlike en-US)'],
    })
    expect(diffCatalogues(us, withPurposes({ 'en-US': en, en }, entry))).toMatchObject({ needsConsent: false })
    // A regional text of a new language is a translation like any other.
    const pt = diffCatalogues(live, withPurposes({ en, 'pt-BR': 'Análise do site: quais páginas e funções são usadas.' }, entry))
    expect(pt).toMatchObject({ needsConsent: false, reasons: [], changes: [{ path: 'services[google-analytics].purpose.pt-BR', kind: 'added', consentRelevant: false }] })
  })

  it('does not ask again for a typo fix, and asks for a changed wording, each language on its own', () => {
    const typos = withPurposes(
      { en: 'Website analytcs: which pages and features are used, with anonymised IP adresses. Runs with Google Consent Mode v2.', de: 'Statistik' },
      { en: 'Distinguishes uniqe users' },
    )
    const fixed = withPurposes({ en: ga().purpose.en!, de: 'Statistiken über Seitenaufrufe' }, { en: 'distinguishes  unique users.' })
    const d = diffCatalogues(typos, fixed)
    expect(d.changes.map((ch) => [ch.path, ch.consentRelevant])).toEqual([
      ['services[google-analytics].purpose.de', true],
      ['services[google-analytics].purpose.en', false],
      ['entries[cookie:_ga].purpose.en', false],
    ])
    expect(d).toMatchObject({ needsConsent: true, reasons: ['Purpose of service "google-analytics" changed (de)'] })
  })

  it('asks again when a purpose written in Arabic-Indic digits keeps data longer', () => {
    const arabic = (days: string) => withPurposes({ ...ga().purpose, ar: `نحتفظ بهذه البيانات لمدة ${days} يوما` }, { en: 'Distinguishes unique users' })
    const d = diffCatalogues(arabic('٣٠'), arabic('٩٠'))
    expect(d).toMatchObject({ needsConsent: true, reasons: ['Purpose of service "google-analytics" changed (ar)'] })
    expect(d.changes).toEqual([expect.objectContaining({ path: 'services[google-analytics].purpose.ar', consentRelevant: true })])
    // The same number in other digits says nothing new.
    expect(diffCatalogues(arabic('٣٠'), arabic('30'))).toMatchObject({ needsConsent: false })
  })

  it('tells typos from new words, and keeps numbers', () => {
    expect(isTypoFix('Analytcs', 'Analytics')).toBe(true)
    expect(isTypoFix('Remembers languge preference', 'Remembers language preference')).toBe(true)
    expect(isTypoFix('Stats', 'Statistics')).toBe(false)
    expect(isTypoFix('Ads', 'AI')).toBe(false)
    expect(isTypoFix('Error logs are kept for 90 days.', 'Error logs are kept for 30 days.')).toBe(false)
    // Numbers in any script's digits, by value: Arabic texts often write ٣٠ for 30.
    expect(isTypoFix('نحتفظ بهذه البيانات لمدة ٣٠ يوما', 'نحتفظ بهذه البيانات لمدة ٩٠ يوما')).toBe(false)
    expect(isTypoFix('نحتفظ بهذه البيانات لمدة ٣٠ يوما', 'نحتفظ بهذه البيانات لمدة 30 يوما')).toBe(true)
    expect(isTypoFix('نگهداری به مدت ۳۰ روز', 'نگهداری به مدت ٣٠ روز')).toBe(true)
    expect(isTypoFix('Kept for ३० days', 'Kept for ९० days')).toBe(false)
    const long = 'Session recordings, heatmaps and behavioural metrics (clicks, scrolling) to improve the site. They are not shared with advertisers.'
    expect(isTypoFix(long, long.replace('not shared', 'shared'))).toBe(false)
    expect(isTypoFix(long, long.replace('behavioural', 'behavioral').replace('heatmaps', 'heat maps'))).toBe(true)
    // A letter or two that adds or drops a negation is no typo fix, in any of the SDK's languages.
    expect(isTypoFix('We do not share your data.', 'We do now share your data.')).toBe(false)
    expect(isTypoFix('You can opt out at any time.', "You can't opt out at any time.")).toBe(false)
    expect(isTypoFix('Wir geben Daten an ein Partner weiter.', 'Wir geben Daten an kein Partner weiter.')).toBe(false)
    expect(isTypoFix('Les données sont partagées.', "Les données n'sont partagées.")).toBe(false)
    // Spelling a negation another way keeps it: still a typo fix.
    expect(isTypoFix('We dont share your data.', "We don't share your data.")).toBe(true)
    expect(isTypoFix('Wir teilen keine Daten mit Dritten', 'Wir teilen keine Daten mit Driten')).toBe(true)
    // Edits at both ends of a long text; its first letter is kept (see the next tests).
    const huge = 'a'.repeat(4000)
    expect(isTypoFix(huge, 'ab' + huge.slice(2, -1) + 'c')).toBe(true)
    expect(isTypoFix(huge, 'abc' + huge.slice(3, -1) + 'd')).toBe(false)
  })
})

describe('texts in another Unicode form', () => {
  const nfd = (t: string) => t.normalize('NFD')

  it('finds no change in a purpose or a text written decomposed (NFD), saved or stored', () => {
    for (const schema of [catalogue, storedCatalogue]) {
      const after = edit((c) => {
        c.services[0]!.purpose = { ...c.services[0]!.purpose, es: nfd('No compartimos ningún dato') }
        c.texts = { ...c.texts, fr: { bannerTitle: nfd('Café et cookies') } }
      }, schema)
      const before = edit((c) => {
        c.services[0]!.purpose = { ...c.services[0]!.purpose, es: 'No compartimos ningún dato' }
        c.texts = { ...c.texts, fr: { bannerTitle: 'Café et cookies' } }
      })
      expect(diffCatalogues(before, after)).toEqual({ changes: [], needsConsent: false, reasons: [] })
    }
  })

  it('counts a negation written decomposed as one written composed', () => {
    const pairs: Array<[string, string]> = [
      // A typo fix that makes a negation: the same verdict, whichever form it is written in.
      ['Nie udostępniamy zadnych danych', 'Nie udostępniamy żadnych danych'],
      ['No compartimos ningun dato', 'No compartimos ningún dato'],
    ]
    for (const [before, after] of pairs) {
      expect(isTypoFix(before, after), after).toBe(false)
      expect(isTypoFix(before, nfd(after)), `${after} (NFD)`).toBe(false)
      expect(isTypoFix(nfd(before), after), `${before} (NFD)`).toBe(false)
    }
    // The same text in two forms is no change of meaning.
    expect(isTypoFix('No compartimos ningún dato', nfd('No compartimos ningún dato'))).toBe(true)
  })
})

describe('typo fixes and other words', () => {
  // Each pair is at most 2 edits and a fifth of the text apart, with the same numbers and
  // negations: the edit count alone let it pass as a typo fix. Judged both ways.
  it.each([
    // A short word replaced: it has no room for a typo.
    ['We share your data with partners in the EU.', 'We share your data with partners in the US.'],
    ['We share your data with partners in the UK.', 'We share your data with partners in the US.'],
    ['We share your data with partners in the EEA.', 'We share your data with partners in the USA.'],
    ['Reports are kept for two weeks.', 'Reports are kept for ten weeks.'],
    // A word's first letter changed.
    ['We do sell your data.', 'We do tell your data.'],
    ['Your choices are stored locally.', 'Your choices are stored globally.'],
    // A negating prefix, in the SDK's languages that have them.
    ['Stored for limited periods', 'Stored for unlimited periods'],
    ['Kept for a limited time', 'Kept for unlimited time'],
    ['The data is accurate.', 'The data is inaccurate.'],
    ['Withdrawing consent is possible.', 'Withdrawing consent is impossible.'],
    ['Such transfers are legal.', 'Such transfers are illegal.'],
    ['This tracking is reversible.', 'This tracking is irreversible.'],
    ['Die Speicherdauer ist begrenzt.', 'Die Speicherdauer ist unbegrenzt.'],
    ['Un refus est possible.', 'Un refus est impossible.'],
    ['Ce cookie est utile.', 'Ce cookie est inutile.'],
    ['Vous restez connecté.', 'Vous restez déconnecté.'],
    ['Estas cookies son necesarias.', 'Estas cookies son innecesarias.'],
    ['Il trattamento è lecito.', 'Il trattamento è illecito.'],
    ['Questo uso è consigliato.', 'Questo uso è sconsigliato.'],
    ['Deze cookies zijn nodig.', 'Deze cookies zijn onnodig.'],
    ['O tratamento é lícito.', 'O tratamento é ilícito.'],
    ['Ці файли cookie безпечні.', 'Ці файли cookie небезпечні.'],
  ])('asks again for %j → %j', (before, after) => {
    expect(isTypoFix(before, after)).toBe(false)
    expect(isTypoFix(after, before)).toBe(false)
  })

  it('still asks again for a negation or a longer prefix added', () => {
    expect(isTypoFix('Partners may use your data.', 'Partners may not use your data.')).toBe(false)
    expect(isTypoFix('You can object at any time.', "You can't object at any time.")).toBe(false)
    expect(isTypoFix('Stored for a limited time', 'Stored for an unlimited time')).toBe(false)
    expect(isTypoFix('You can opt in here.', 'You can opt out here.')).toBe(false)
    expect(isTypoFix('Only essential cookies are set.', 'Only non-essential cookies are set.')).toBe(false)
  })

  it.each([
    ['You will recieve a copy by email.', 'You will receive a copy by email.'],
    ['Stores teh choice you made.', 'Stores the choice you made.'],
    ['These cookeis remember your choice.', 'These cookies remember your choice.'],
    ['Goolge Analytics', 'Google Analytics'],
    ['Website analytcs', 'Website analytics'],
    ['Remembers your  language preference ', 'Remembers your language preference'],
    ['Sent to google', 'Sent to Google'],
    // An apostrophe is no letter: its or it's, the same partners get the data.
    ["Shared with the site and it's partners", 'Shared with the site and its partners'],
    ['Shared with the site and its partners', "Shared with the site and it's partners"],
    ["Retient la langue que l'on prefere", "Retient la langue que l'on préfère"],
    // A first letter may take an accent.
    ['Statistiques pour nos equipes', 'Statistiques pour nos équipes'],
    ['Stores informations about your visit', 'Stores information about your visit'],
    // A word split or joined keeps its letters.
    ['Builds heatmaps of your clicks', 'Builds heat maps of your clicks'],
  ])('lets %j → %j pass as a typo fix', (before, after) => {
    expect(isTypoFix(before, after)).toBe(true)
  })
})
