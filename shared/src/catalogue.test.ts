import { describe, expect, it } from 'vitest'
import {
  CHOICES_MAX_BYTES,
  CONSENTED_VENDOR_SIGNALS,
  CONSENT_RECORD_MAX_BYTES,
  VENDOR_SIGNALS,
  catalogue,
  choicesBytes,
  safeUrl,
  siteHostname,
  siteSettings,
  storageEntry,
  storedCatalogue,
  UI_TEXT_KEYS,
  urlNumber,
} from './catalogue'
// The SDK's built-in English texts: plain data, the tables its chunks carry.
import { en, enDialog, enPlaceholder } from '../../sdk/src/ui/texts/en'
import { newSiteInput, siteSettingsInput } from './admin'

const base = {
  categories: [
    { id: 'essential', required: true, label: { en: 'Essential' } },
    { id: 'analytics', label: { en: 'Analytics' }, consentMode: ['analytics_storage'] },
  ],
  services: [{ id: 'sentry', category: 'analytics', name: 'Sentry', provider: 'Functional Software' }],
  entries: [{ name: 'sentry-*', category: 'analytics', service: 'sentry', provider: 'Sentry', purpose: { en: 'Errors' }, expiry: 'session' }],
}

describe('catalogue schema', () => {
  it('accepts a catalogue with a wildcard cookie and fills defaults', () => {
    const parsed = catalogue.parse(base)
    expect(parsed.entries[0]?.kind).toBe('cookie')
    expect(parsed.appearance.layout).toBe('bar')
    expect(parsed.categories[1]?.required).toBe(false)
  })

  it('names the dangling reference when a service points at a missing category', () => {
    const result = catalogue.safeParse({ ...base, services: [{ ...base.services[0], category: 'marketing' }] })
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.message).toBe('no category "marketing"')
  })

  it('rejects javascript: links and unreadable expiries', () => {
    expect(safeUrl.safeParse('javascript:alert(1)').success).toBe(false)
    expect(safeUrl.safeParse('https://minopa.com/privacy').success).toBe(true)
    expect(storageEntry.safeParse({ ...base.entries[0], expiry: 'two years' }).success).toBe(false)
    expect(storageEntry.safeParse({ ...base.entries[0], expiry: '2y' }).success).toBe(true)
  })

  it('refuses a required category that grants what needs consent, but reads a stored one', () => {
    const always = {
      ...base,
      categories: [base.categories[0], { id: 'marketing', required: true, label: { en: 'Marketing' }, consentMode: ['security_storage', 'ad_storage'] }, base.categories[1]],
    }
    const refused = catalogue.safeParse(always)
    expect(refused.error?.issues).toEqual([expect.objectContaining({ path: ['categories', 1, 'consentMode'], message: expect.stringContaining('"ad_storage"') })])
    expect(storedCatalogue.safeParse(always).success).toBe(true)
    const essential = { ...base, categories: [{ ...base.categories[0], consentMode: ['security_storage', 'functionality_storage'] }, base.categories[1]] }
    expect(catalogue.safeParse(essential).success).toBe(true)
  })

  it('refuses a service with a vendor signal in a required category, naming both, but reads a stored one', () => {
    const pixels = {
      ...base,
      services: [
        { id: 'meta-pixel', category: 'essential', name: 'Meta Pixel', provider: 'Meta Platforms', vendor: 'meta' },
        { id: 'tiktok', category: 'essential', name: 'TikTok Pixel', provider: 'TikTok', vendor: 'tiktok' },
        { id: 'clarity', category: 'essential', name: 'Clarity', provider: 'Microsoft', vendor: 'clarity' },
        { id: 'uet', category: 'essential', name: 'Microsoft Ads', provider: 'Microsoft', vendor: 'uet' },
        { id: 'posthog', category: 'essential', name: 'PostHog', provider: 'PostHog', vendor: 'posthog' },
        { id: 'sentry', category: 'essential', name: 'Sentry', provider: 'Functional Software' },
      ],
      entries: [],
    }
    const refused = catalogue.safeParse(pixels)
    expect(refused.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual(
      [0, 1, 2, 3, 4].map((i) => [`services.${i}.category`, expect.stringContaining(`service "${pixels.services[i]!.id}"`)]),
    )
    expect(refused.error?.issues[0]?.message).toBe(
      'service "meta-pixel" has the vendor signal "meta", but its category "essential" is required: always on and asked of nobody, it would tell the vendor that every visitor consented. Put the service in a category visitors choose (such as marketing or analytics)',
    )
    // Any required category, not only essential.
    const functional = { ...base, categories: [...base.categories, { id: 'functional', required: true, label: { en: 'Functional' } }] }
    const inFunctional = catalogue.safeParse({ ...functional, services: [{ ...pixels.services[3], category: 'functional' }], entries: [] })
    expect(inFunctional.error?.issues.map((i) => i.message)).toEqual([expect.stringContaining('its category "functional" is required')])
    // A revision published before the rule stays readable.
    expect(storedCatalogue.safeParse(pixels).success).toBe(true)
    // In a category visitors choose, the signals are what they are for.
    const chosen = { ...pixels, services: pixels.services.map((s) => ({ ...s, category: 'analytics' })) }
    expect(catalogue.safeParse(chosen).success).toBe(true)
    // Google's signal is the category's Consent Mode map, which a required category already keeps to what needs no consent.
    expect(catalogue.safeParse({ ...base, services: [{ id: 'recaptcha', category: 'essential', name: 'reCAPTCHA', provider: 'Google', vendor: 'google' }], entries: [] }).success).toBe(true)
    expect(CONSENTED_VENDOR_SIGNALS).toEqual(VENDOR_SIGNALS.filter((v) => v !== 'google'))
  })

  it('keeps essential in every catalogue, always on, but reads a stored catalogue without it', () => {
    const switchable = { ...base, categories: [{ ...base.categories[0], required: false }, base.categories[1]] }
    const refused = catalogue.safeParse(switchable)
    expect(refused.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['categories.0.required', 'the "essential" category is always on and cannot be switched off: mark it required'],
    ])
    // Without required, it is a switchable category: as a stored draft or revision it stays readable.
    expect(storedCatalogue.safeParse({ ...base, categories: [{ id: 'essential', label: { en: 'Essential' } }, base.categories[1]] }).success).toBe(true)
    expect(storedCatalogue.safeParse(switchable).success).toBe(true)

    const without = { ...base, categories: [base.categories[1]!], entries: [] }
    expect(catalogue.safeParse(without).error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['categories', 'the "essential" category is missing: every catalogue has it, always on (required), for what the site needs to work'],
    ])
    // Another category made required in its place is no essential.
    const renamed = { ...without, categories: [{ ...base.categories[0], id: 'necessary' }, base.categories[1]] }
    expect(catalogue.safeParse(renamed).error?.issues.map((i) => i.path.join('.'))).toEqual(['categories'])
    expect(storedCatalogue.safeParse(without).success).toBe(true)
    expect(storedCatalogue.safeParse(renamed).success).toBe(true)
  })

  it('refuses a Consent Mode type listed twice in a category, but reads a stored one', () => {
    const twice = { ...base, categories: [base.categories[0], { ...base.categories[1], consentMode: ['analytics_storage', 'functionality_storage', 'analytics_storage'] }] }
    expect(catalogue.safeParse(twice).error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['categories.1.consentMode.2', 'category "analytics" lists the Consent Mode type "analytics_storage" twice'],
    ])
    expect(storedCatalogue.safeParse(twice).success).toBe(true)
  })

  it('refuses a catalogue whose choices would not fit in a consent record, and the budget leaves a record room', () => {
    const services = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `vendor-${String(i).padStart(12, '0')}`, category: 'analytics', name: `V${i}`, provider: 'P' }))
    const fits = { ...base, services: services(200), entries: [] }
    expect(catalogue.safeParse(fits).success).toBe(true)
    const tooMany = { ...base, services: services(230), entries: [] }
    const refused = catalogue.safeParse(tooMany)
    expect(refused.error?.issues).toEqual([expect.objectContaining({ path: ['services'], message: expect.stringContaining('merge services or use shorter ids') })])
    // A revision published before the rule stays readable.
    expect(storedCatalogue.safeParse(tooMany).success).toBe(true)
    // The largest record the SDK can make from a catalogue at the budget, with every other field
    // at its longest and a 1,500-byte page URL, is still taken.
    const ids = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${String(i).padStart(62, '0')}`, false]))
    let n = 0
    while (choicesBytes({ categories: [], services: Object.keys(ids(n + 1)).map((id) => ({ id })) }) <= CHOICES_MAX_BYTES) n++
    const record = {
      recordId: '6f1c1d2e-3b4a-4c5d-8e9f-000000000001',
      consentId: 'a'.repeat(64),
      siteId: 's'.repeat(64),
      revision: Number.MAX_SAFE_INTEGER,
      textsHash: 'a'.repeat(64),
      categories: {},
      services: ids(n),
      method: 'accept-all',
      language: 'en-GB',
      url: 'https://acme.test/' + 'p'.repeat(1482),
      clientTime: '2026-11-22T10:00:00.000+01:00',
      gpc: false,
    }
    expect(new TextEncoder().encode(JSON.stringify(record)).length).toBeLessThanOrEqual(CONSENT_RECORD_MAX_BYTES)
  })

  it('takes a site\'s own wording of every text the SDK shows, in a language it has no texts in, and refuses a key it does not show', () => {
    const shown = Object.keys({ ...en, ...enDialog, ...enPlaceholder }).sort()
    expect([...UI_TEXT_KEYS].sort()).toEqual(shown)
    const own = Object.fromEntries(shown.map((k) => [k, `${k}（中文）`]))
    const parsed = catalogue.safeParse({ ...base, texts: { 'zh-Hant': own } })
    expect(parsed.error?.issues).toBeUndefined()
    expect(parsed.data?.texts['zh-Hant']).toEqual(own)
    for (const key of ['ok', 'changeSettings', 'services', 'name', 'provider', 'purpose', 'expiry', 'session', 'persistent', 'loadContent', 'loadNote']) {
      expect(catalogue.safeParse({ ...base, texts: { sv: { [key]: 'text' } } }).success, key).toBe(true)
    }
    const misspelt = catalogue.safeParse({ ...base, texts: { sv: { okay: 'OK' } } })
    expect(misspelt.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['texts.sv', expect.stringContaining('"okay"')]])
  })

  it('refuses a category without a name in any language, naming it, but reads a stored one', () => {
    const named = (label: Record<string, string>) => ({ ...base, categories: [base.categories[0], { ...base.categories[1], label }] })
    for (const label of [{}, { en: '' }, { en: '   ' }, { en: '', de: '\u00a0\n' }] as Record<string, string>[]) {
      const refused = catalogue.safeParse(named(label))
      expect(refused.error?.issues.map((i) => [i.path.join('.'), i.message]), JSON.stringify(label)).toEqual([
        ['categories.1.label', 'Enter a name for the category "analytics" in at least one language: visitors see it on its switch'],
      ])
      expect(storedCatalogue.safeParse(named(label)).success, JSON.stringify(label)).toBe(true)
    }
    // A new category has no id yet: the message still reads.
    const fresh = catalogue.safeParse({ ...base, categories: [...base.categories, { id: '', label: {} }] })
    expect(fresh.error?.issues.map((i) => [i.path.join('.'), i.message])).toContainEqual(['categories.2.label', 'Enter a name for this category in at least one language: visitors see it on its switch'])
    // One language is enough: the SDK falls back to it. A blank one beside it is not left out: the
    // SDK shows visitors of that language their own text, blank, and is refused, naming it.
    expect(catalogue.safeParse(named({ de: 'Statistik' })).success).toBe(true)
    const blank = catalogue.safeParse(named({ en: '', de: 'Statistik' }))
    expect(blank.error?.issues.map((i) => i.path.join('.'))).toEqual(['categories.1.label.en'])
    expect(storedCatalogue.safeParse(named({ en: '', de: 'Statistik' })).success).toBe(true)
  })

  it('keeps its texts in one Unicode form (NFC), as saved and as stored, and identifiers as written', () => {
    const nfd = (t: string) => t.normalize('NFD')
    const written = {
      categories: [
        { id: 'essential', required: true, label: { es: nfd('Técnicas') }, description: { es: nfd('Imprescindibles para la sesión') } },
        { id: 'analytics', label: { es: nfd('Analítica') } },
      ],
      services: [{ id: 'matomo', category: 'analytics', name: nfd('Matomo Café'), provider: nfd('InnoCraft Ltd. (Nueva Zelanda)'), purpose: { es: nfd('No compartimos ningún dato') } }],
      entries: [
        { name: nfd('_pk_café'), category: 'analytics', service: 'matomo', provider: nfd('Matomo Café'), purpose: { es: nfd('Visitas') }, expiry: '13mo', path: nfd('/tienda/menú') },
      ],
      texts: { es: { bannerTitle: nfd('Café y cookies'), loadNote: nfd('Esto establece {0}; ¿aceptás?') } },
    }
    expect(JSON.stringify(written)).not.toBe(JSON.stringify(written).normalize('NFC'))
    for (const schema of [catalogue, storedCatalogue]) {
      const parsed = schema.parse(structuredClone(written))
      const { entries, ...texts } = parsed
      expect(JSON.stringify(texts)).toBe(JSON.stringify(texts).normalize('NFC'))
      expect(parsed.services[0]?.purpose.es).toBe('No compartimos ningún dato'.normalize('NFC'))
      expect(parsed.texts.es?.bannerTitle).toBe('Café y cookies'.normalize('NFC'))
      // What the SDK matches against the browser's storage by its exact characters is kept as written.
      expect(entries[0]).toMatchObject({ name: nfd('_pk_café'), path: nfd('/tienda/menú'), provider: 'Matomo Café'.normalize('NFC'), purpose: { es: 'Visitas' } })
      // One catalogue, whichever form it was written in.
      expect(schema.parse(JSON.parse(JSON.stringify(written).normalize('NFC')))).toEqual({ ...parsed, entries: [{ ...entries[0], name: '_pk_café'.normalize('NFC'), path: '/tienda/menú'.normalize('NFC') }] })
    }
  })

  it('bounds a text as composed when saved, saying so when composing made it longer, and reads a stored one over its bound once composed', () => {
    const COMPOSED_TOO_LONG = (n: number) =>
      `Use at most 4000 characters: this text has ${n} (counted in Unicode's composed form, NFC, in which some letters, such as "\u0915\u093c", take two)`
    const base = { categories: [{ id: 'essential', required: true, label: { en: 'Essential' } }] }
    // "क़" (U+0958) is two characters once composed: 4,000 as typed, 8,000 as kept.
    const hindi = (purpose: string) => ({ ...base, services: [{ id: 'x', category: 'essential', name: 'X', provider: 'X', purpose: { hi: purpose } }] })
    const saved = catalogue.safeParse(hindi('\u0958'.repeat(4000)))
    expect(saved.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['services.0.purpose.hi', COMPOSED_TOO_LONG(8000)],
    ])
    expect(catalogue.safeParse(hindi('\u0958'.repeat(4001))).error?.issues[0]?.message).toBe(COMPOSED_TOO_LONG(8002))
    // Sent back as the server answers it (composed, 8,000 characters), it is refused the same way.
    expect(catalogue.safeParse(storedCatalogue.parse(hindi('\u0958'.repeat(4000)))).error?.issues[0]?.message).toBe(COMPOSED_TOO_LONG(8000))
    // A text without combining marks is told its length alone.
    expect(catalogue.safeParse(hindi('x'.repeat(4001))).error?.issues[0]?.message).toBe('Use at most 4000 characters: this text has 4001')
    // Decomposed, over the bound as typed, within it once composed: taken, as before.
    expect(catalogue.parse(hindi('u\u0301'.repeat(3000))).services[0]?.purpose.hi).toBe('\u00fa'.repeat(3000))
    // As stored by a version that checked the bound as written, and as the server answers it.
    expect(storedCatalogue.parse(hindi('\u0958'.repeat(4000))).services[0]?.purpose.hi).toBe('\u0915\u093c'.repeat(4000))
    expect(storedCatalogue.parse(hindi('\u0915\u093c'.repeat(4000))).services[0]?.purpose.hi).toHaveLength(8000)
  })

  it('refuses one language spelt twice in a text or in the site texts, naming both spellings, but reads a stored one', () => {
    // Tags match in any case (the SDK gives a pt-br page the pt-BR texts): two spellings would be two texts for one language.
    const twice = { ...base, categories: [base.categories[0], { ...base.categories[1], label: { en: 'Analytics', 'pt-BR': 'Análise', 'pt-br': 'Estatísticas' } }] }
    const result = catalogue.safeParse(twice)
    expect(result.success).toBe(false)
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['categories.1.label.pt-br', '"pt-BR" and "pt-br" are the same language: keep one of them']])
    const texts = catalogue.safeParse({ ...base, texts: { EN: { bannerTitle: 'Cookies' }, en: { bannerTitle: 'Cookies!' } } })
    expect(texts.success).toBe(false)
    expect(storedCatalogue.safeParse(twice).success).toBe(true)
    // Two languages of one family are two languages.
    expect(catalogue.safeParse({ ...base, texts: { 'pt-BR': { bannerTitle: 'Cookies' }, 'pt-PT': { bannerTitle: 'Cookies' }, pt: { bannerTitle: 'Cookies' } } }).success).toBe(true)
  })

  it('refuses the same cookie twice, naming it, but not one name on two paths', () => {
    const session = { name: 'session', category: 'essential', provider: 'Acme', expiry: 'session' }
    const twice = catalogue.safeParse({ ...base, entries: [...base.entries, session, { ...session, category: 'analytics' }] })
    expect(twice.error?.issues).toEqual([expect.objectContaining({ path: ['entries', 2, 'name'], message: 'cookie "session" appears twice' })])
    const onPath = { ...session, category: 'analytics', path: '/shop' }
    expect(catalogue.safeParse({ ...base, entries: [session, onPath] }).success).toBe(true)
    expect(catalogue.safeParse({ ...base, entries: [session, { ...session, kind: 'localStorage' }] }).success).toBe(true)
    const again = catalogue.safeParse({ ...base, entries: [session, onPath, { ...onPath, domain: '.acme.test' }, { ...onPath, domain: '.acme.test' }] })
    expect(again.error?.issues.map((i) => i.message)).toEqual(['cookie "session" (domain .acme.test, path /shop) appears twice'])
  })

  it("refuses a cookie's domain or path that would add attributes to the cookie the SDK writes to delete it, but reads a stored one", () => {
    const entry = (more: object) => ({ ...base, entries: [{ ...base.entries[0], ...more }] })
    for (const good of [{ domain: 'acme.test' }, { domain: '.acme.test' }, { domain: 'xn--bcher-kva.example' }, { path: '/shop/cart' }, { path: '/a b' }]) {
      expect(catalogue.safeParse(entry(good)).success, JSON.stringify(good)).toBe(true)
    }
    const refused = (more: object) => catalogue.safeParse(entry(more)).error?.issues.map((i) => [i.path.join('.'), i.message])
    expect(refused({ path: '/zz;max-age=99999' })).toEqual([['entries.0.path', 'a cookie path has no ";" or control characters']])
    expect(refused({ path: '/zz\n' })).toEqual([['entries.0.path', 'a cookie path has no ";" or control characters']])
    for (const domain of ['acme.test;max-age=99999', 'acme.test path=/', 'https://acme.test', 'acme..test', '']) {
      expect(refused({ domain }), domain).toEqual([['entries.0.domain', `"${domain}" is not a cookie domain: write a hostname such as example.com or .example.com`]])
    }
    // An international name or a trailing dot: what to write instead.
    expect(refused({ domain: 'bücher.example' })).toEqual([['entries.0.domain', '"bücher.example" is not a cookie domain as browsers store it: write "xn--bcher-kva.example", its ASCII form']])
    expect(refused({ domain: '.bücher.example' })).toEqual([['entries.0.domain', '".bücher.example" is not a cookie domain as browsers store it: write ".xn--bcher-kva.example", its ASCII form']])
    expect(refused({ domain: 'acme.test.' })).toEqual([['entries.0.domain', '"acme.test." is not a cookie domain: write it without the trailing dot, "acme.test"']])
    expect(refused({ domain: 'bücher.example;max-age=1' })).toEqual([['entries.0.domain', '"bücher.example;max-age=1" is not a cookie domain: write a hostname such as example.com or .example.com']])
    expect(refused({ domain: 'bücher.example.' })).toEqual([['entries.0.domain', '"bücher.example." is not a cookie domain as browsers store it: write "xn--bcher-kva.example", its ASCII form']])
    // Nothing suggested that the rule would refuse again.
    for (const domain of ['..bücher.example', '.', 'bücher..example', '[::1]', 'bü cher.example']) {
      expect(refused({ domain }), domain).toEqual([['entries.0.domain', `"${domain}" is not a cookie domain: write a hostname such as example.com or .example.com`]])
    }
    // A revision published before the rule stays readable (the SDK skips such an entry's cookie).
    expect(storedCatalogue.safeParse(entry({ path: '/zz;max-age=99999', domain: 'a;b' })).success).toBe(true)
  })

  it('asks for an empty required field in words, first at its path, and for a category when none is chosen', () => {
    const empty = catalogue.safeParse({
      ...base,
      services: [{ id: '', category: '', name: '', provider: '' }],
      entries: [{ name: '', category: '', provider: '', expiry: 'session' }],
    })
    const first = new Map<string, string>()
    for (const issue of empty.error?.issues ?? []) if (!first.has(issue.path.join('.'))) first.set(issue.path.join('.'), issue.message)
    expect(Object.fromEntries(first)).toEqual({
      'services.0.id': 'Enter an ID',
      'services.0.category': 'Choose a category',
      'services.0.name': 'Enter a name',
      'services.0.provider': 'Enter the provider',
      'entries.0.name': 'Enter the cookie or storage name',
      'entries.0.category': 'Choose a category',
      'entries.0.provider': 'Enter the provider',
    })
    // No category chosen is not a dangling reference to one called "".
    expect(empty.error?.issues.map((i) => i.message)).not.toContain('no category ""')
    expect(catalogue.safeParse({ ...base, categories: [] }).error?.issues[0]?.message).toBe('Add a category')
    expect(siteSettings.safeParse({ id: 'acme', name: '' }).error?.issues[0]?.message).toBe('Enter a name')
    expect(siteSettings.safeParse({ id: 'acme', name: 'Acme', cookieName: 'a b' }).error?.issues[0]?.message).toBe('use 1 to 64 letters, digits, "-" and "_"')
  })
})

describe('site domains', () => {
  const settings = (domains: string[]) => siteSettings.safeParse({ id: 'acme', name: 'Acme', domains })

  it('keeps hostnames as an Origin carries them: lower case, no trailing dot, punycode, bare IPv6', () => {
    expect(settings(['Acme.TEST', 'www.acme.test.', ' localhost ', '127.0.0.1', 'Bücher.example', '[::1]', 'shop_eu.acme.test']).data?.domains).toEqual([
      'acme.test',
      'www.acme.test',
      'localhost',
      '127.0.0.1',
      'xn--bcher-kva.example',
      '::1',
      'shop_eu.acme.test',
    ])
  })

  it('refuses a domain listed twice, compared as normalised, in a new site and a settings change too; an invalid one is refused once', () => {
    const twice = ['minimagic.ai', 'www.minimagic.ai', 'MINIMAGIC.AI.']
    const said = (r: { error?: { issues: { path: PropertyKey[]; message: string }[] } }) => r.error?.issues.map((i) => [i.path.join('.'), i.message])
    expect(said(settings(twice))).toEqual([['domains.2', '"minimagic.ai" is listed twice']])
    expect(said(newSiteInput.safeParse({ id: 'mm', name: 'MiniMagic', domains: twice, defaultLanguage: 'en' }))).toEqual([['domains.2', '"minimagic.ai" is listed twice']])
    expect(said(siteSettingsInput.safeParse({ domains: twice }))).toEqual([['domains.2', '"minimagic.ai" is listed twice']])
    expect(said(settings(['a b', 'a b']))?.map(([, m]) => m)).toEqual([expect.stringContaining('is not a hostname'), expect.stringContaining('is not a hostname')])
  })

  it('refuses URLs, ports, paths and wildcards, naming the value at its index', () => {
    const result = settings(['acme.test', 'https://acme.test', 'acme.test:8443', 'acme.test/shop', '*.acme.test', 'my shop.test', ''])
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['domains.1', '"https://acme.test" is not a hostname: write it without https://, port or path, e.g. www.example.com'],
      ['domains.2', '"acme.test:8443" is not a hostname: write it without https://, port or path, e.g. www.example.com'],
      ['domains.3', '"acme.test/shop" is not a hostname: write it without https://, port or path, e.g. www.example.com'],
      ['domains.4', '"*.acme.test": write acme.test, which covers its subdomains too'],
      ['domains.5', '"my shop.test" is not a hostname: write it without https://, port or path, e.g. www.example.com'],
      ['domains.6', '"" is not a hostname: write it without https://, port or path, e.g. www.example.com'],
    ])
  })

  it('refuses what the URL parser would read as another host', () => {
    // An Origin never carries these spellings: 1.2.3 is the address 1.2.0.3, labels stop at 63 characters.
    for (const bad of ['1.2.3', '0x7f.0.0.1', `${'a'.repeat(64)}.test`, '-acme.test', 'acme..test', '[::1', 'fe80::1%eth0']) {
      expect(siteHostname(bad), bad).toBeNull()
    }
    expect(siteHostname('[0:0:0:0:0:0:0:1]')).toBe('::1')
  })

  it('refuses a value longer than a hostname can be, saying so, and reads a long run of colons once (it took the server 22 s)', () => {
    const longest = [63, 63, 63, 61].map((n) => 'a'.repeat(n)).join('.')
    expect(siteHostname(longest)).toBe(longest)
    expect(siteHostname(`${longest}a`)).toBeNull()
    const colons = `${':'.repeat(100_000)}x`
    expect(siteHostname(colons)).toBeNull()
    expect(settings([colons]).error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['domains.0', 'a hostname has at most 253 characters; this one has 100001'],
    ])
    // Under the limit, the same run is still read once, and an address in brackets as before.
    expect(siteHostname(`${':'.repeat(250)}x`)).toBeNull()
    expect(siteHostname('[2001:db8::1]')).toBe('2001:db8::1')
    expect(siteHostname('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1')
  })
})

describe('urlNumber', () => {
  it('takes a whole number from 1 in plain digits, and nothing Number() would also take', () => {
    expect(urlNumber().parse('1')).toBe(1)
    expect(urlNumber().parse('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER)
    expect(urlNumber(500).parse('500')).toBe(500)
    for (const bad of ['0', '01', '0x10', '1e1', ' 7', '7 ', '7.0', '0b1', '-1', '+1', '', 'Infinity', '9007199254740992', '99999999999999999']) {
      expect(urlNumber().safeParse(bad).success, bad).toBe(false)
    }
    expect(urlNumber(500).safeParse('501').success).toBe(false)
  })

  it('refuses a number beyond its bound with one issue that says the bound', () => {
    for (const [schema, text, bound] of [[urlNumber(), '9999999999999999', '9007199254740991'], [urlNumber(500), '501', '500']] as const) {
      const issues = schema.safeParse(text).error?.issues ?? []
      expect(issues.map((i) => i.message)).toEqual([`a whole number from 1 to ${bound}`])
    }
  })
})
