import { describe, expect, it } from 'vitest'
import { catalogue, siteSettings, type Catalogue, type StorageEntry } from './catalogue'
import { consentCookieMismatch, declareConsentCookie, expiryIsDays, ownStorage } from './own-storage'

/** A site whose settings say `mm_consent`, 365 days, unless `overrides` say otherwise. */
const site = (overrides: Record<string, unknown> = {}) =>
  siteSettings.parse({ id: 'shop', name: 'Shop', cookieName: 'mm_consent', cookieLifetimeDays: 365, ...overrides })

/**
 * A new site's draft made under the default settings (`miniconsent`, 182 days), with an analytics
 * category, and `entries` after its own storage.
 */
function draft(entries: Array<Partial<StorageEntry> & Pick<StorageEntry, 'name'>> = []): Catalogue {
  const own = ownStorage(siteSettings.parse({ id: 'shop', name: 'Shop' }))
  return catalogue.parse({
    categories: [
      { id: 'essential', required: true, label: { en: 'Essential' } },
      { id: 'analytics', label: { en: 'Analytics' } },
    ],
    services: own.services,
    entries: [...own.entries, ...entries.map((e) => ({ category: 'essential', provider: 'Shop', expiry: '1y', ...e }))],
  })
}

/** The draft's cookie entries as [name, category, service, expiry]. */
const cookies = (c: Catalogue) => c.entries.filter((e) => e.kind === 'cookie').map((e) => [e.name, e.category, e.service, e.expiry])

/** Fixes `c` for `s`, checks the result is a valid catalogue that now matches, and returns it. */
function fixed(s: ReturnType<typeof site>, c: Catalogue): Catalogue {
  const next = declareConsentCookie(s, c)
  expect(catalogue.safeParse(next).error).toBeUndefined()
  expect(consentCookieMismatch(s, next)).toBeNull()
  return next
}

describe('an expiry as a number of days', () => {
  it('accepts every spelling of the same length, a year being 365 days', () => {
    expect(['1y', '365d', '8760h'].map((e) => expiryIsDays(e, 365))).toEqual([true, true, true])
    expect(['2w', '14d', '336h', '20160mi'].every((e) => expiryIsDays(e, 14))).toBe(true)
    expect(['52w', '366d', '2y', 'session', 'persistent', ''].some((e) => expiryIsDays(e, 365))).toBe(false)
  })

  it('takes a month as a twelfth of a year, give or take a day', () => {
    expect([181, 182, 183, 184].map((d) => expiryIsDays('6mo', d))).toEqual([false, true, true, false])
    expect([364, 365, 366].map((d) => expiryIsDays('12mo', d))).toEqual([false, true, false])
    expect(expiryIsDays('13mo', 396)).toBe(true)
  })
})

describe("a catalogue's declaration of the consent cookie", () => {
  it('matches a cookie of its name, or a wildcard covering it, in an always-on category with its lifetime in any spelling', () => {
    expect(consentCookieMismatch(siteSettings.parse({ id: 'shop', name: 'Shop' }), draft())).toBeNull()
    const renamed = draft().entries.map((e) => (e.kind === 'cookie' ? { ...e, name: 'mm_consent', expiry: '12mo' } : e))
    expect(consentCookieMismatch(site(), { ...draft(), entries: renamed })).toBeNull()
    expect(consentCookieMismatch(site(), draft([{ name: 'mm_*', expiry: '365d' }]))).toBeNull()
    // One right declaration is enough: a wildcard elsewhere may say more.
    expect(consentCookieMismatch(site(), draft([{ name: 'mm_consent' }, { name: 'mm_*', category: 'analytics', expiry: '30d' }]))).toBeNull()
    expect(declareConsentCookie(site(), draft([{ name: 'mm_consent' }]))).toEqual(draft([{ name: 'mm_consent' }]))
  })

  it('after a rename, names the old declaration and renames it, keeping its purpose and service', () => {
    const before = draft()
    expect(consentCookieMismatch(site(), before)).toEqual({
      problem: 'missing',
      message:
        'The site\'s consent cookie is "mm_consent", kept 365 days (Site settings), but the catalogue declares no cookie of that name in an always-on category; it declares MiniConsent\'s cookie as "miniconsent", expiry 182d.',
      fix: 'Renames cookie "miniconsent" to "mm_consent", with expiry 1y.',
    })
    const after = fixed(site(), before)
    expect(after.entries[0]).toEqual({ ...before.entries[0], name: 'mm_consent', expiry: '1y' })
    expect(after.entries.slice(1)).toEqual(before.entries.slice(1))
    expect(after.services).toEqual(before.services)
  })

  it('takes a cookie under the default name, outside the MiniConsent service, for the old declaration', () => {
    const demo = { ...draft(), services: [], entries: draft().entries.map(({ service: _, ...e }) => e) }
    expect(cookies(fixed(site(), demo))).toEqual([['mm_consent', 'essential', undefined, '1y']])
  })

  it('with no old declaration to go by, adds the cookie and the MiniConsent service in the default language', () => {
    const other = draft([{ name: 'cookie-preferences' }]).entries.filter((e) => e.kind !== 'cookie' || e.name !== 'miniconsent')
    const before = { ...draft(), services: [], entries: other.map(({ service: _, ...e }) => e) }
    const german = site({ defaultLanguage: 'de', cookieLifetimeDays: 182 })
    expect(consentCookieMismatch(german, before)).toMatchObject({
      problem: 'missing',
      message: 'The site\'s consent cookie is "mm_consent", kept 182 days (Site settings), but the catalogue declares no cookie of that name in an always-on category.',
      fix: 'Adds cookie "mm_consent", expiry 182d, to the category "essential" under a new MiniConsent service.',
    })
    const after = fixed(german, before)
    expect(after.entries.slice(0, -1)).toEqual(before.entries)
    expect(after.entries.at(-1)).toEqual({ ...ownStorage(german).entries[0], purpose: { de: 'Speichert Ihre Cookie-Auswahl' } })
    expect(after.services).toEqual(ownStorage(german).services)
    // The service there already: the cookie goes under it.
    expect(consentCookieMismatch(german, { ...before, services: draft().services })?.fix).toMatch(/under the MiniConsent service\.$/)
  })

  it('sets the expiry of a cookie declared with another', () => {
    const before = draft([{ name: 'mm_consent', expiry: '182d' }])
    expect(consentCookieMismatch(site(), before)).toMatchObject({
      problem: 'expiry',
      message: 'The site\'s consent cookie is "mm_consent", kept 365 days (Site settings), but the catalogue declares it with expiry 182d.',
      fix: 'Sets the expiry of cookie "mm_consent" to 1y.',
    })
    const after = fixed(site(), before)
    expect(after.entries.at(-1)).toEqual({ ...before.entries.at(-1), expiry: '1y' })
    expect(cookies(after)).toEqual([...cookies(before).slice(0, -1), ['mm_consent', 'essential', undefined, '1y']])
  })

  it('moves a cookie declared where visitors can switch it off to the always-on category, under MiniConsent', () => {
    const before = draft([{ name: 'mm_consent', category: 'analytics', expiry: '30d' }])
    expect(consentCookieMismatch(site({ cookieLifetimeDays: 1 }), before)).toMatchObject({
      problem: 'switchable',
      message:
        'The site\'s consent cookie is "mm_consent", kept 1 day (Site settings), but the catalogue declares it in the category "analytics", which visitors can switch off: the cookie is set whatever they choose.',
      fix: 'Moves cookie "mm_consent" to the always-on category "essential", with expiry 1d.',
    })
    expect(cookies(fixed(site({ cookieLifetimeDays: 1 }), before)).at(-1)).toEqual(['mm_consent', 'essential', 'miniconsent', '1d'])
  })

  it('leaves a wildcard as it is and declares the cookie on its own', () => {
    const before = draft([{ name: 'mm_*', expiry: '30d' }])
    expect(consentCookieMismatch(site(), before)).toMatchObject({
      problem: 'expiry',
      message: 'The site\'s consent cookie is "mm_consent", kept 365 days (Site settings), but the catalogue declares it as "mm_*" with expiry 30d.',
      fix: 'Adds cookie "mm_consent", expiry 1y, to the category "essential" under the MiniConsent service.',
    })
    expect(cookies(fixed(site(), before)).slice(-2)).toEqual([
      ['mm_*', 'essential', undefined, '30d'],
      ['mm_consent', 'essential', 'miniconsent', '1y'],
    ])
  })

  it('moves a cookie of the exact name declared where visitors can switch it off, also beside an always-on wildcard, rather than declaring it twice', () => {
    const before = draft([
      { name: 'mm_*', expiry: '30d' },
      { name: 'mm_consent', category: 'analytics', expiry: '1y' },
    ])
    expect(consentCookieMismatch(site(), before)).toMatchObject({ problem: 'switchable', fix: 'Moves cookie "mm_consent" to the always-on category "essential", with expiry 1y.' })
    expect(cookies(fixed(site(), before)).filter(([name]) => name === 'mm_consent')).toEqual([['mm_consent', 'essential', 'miniconsent', '1y']])
  })

  it('counts only cookies, and puts no cookie under a MiniConsent service visitors can switch off', () => {
    const before = draft([{ name: 'mm_consent', kind: 'localStorage', expiry: '1y' }])
    const switchable = { ...before, services: before.services.map((s) => ({ ...s, category: 'analytics' })) }
    expect(consentCookieMismatch(site(), switchable)?.fix).toBe('Renames cookie "miniconsent" to "mm_consent", with expiry 1y.')
    // Two candidates for the old name: neither is guessed, the cookie is added.
    const two = draft([{ name: 'miniconsent-old', service: 'miniconsent' }, { name: 'miniconsent-extra', service: 'miniconsent' }])
    expect(consentCookieMismatch(site(), { ...two, services: switchable.services })?.fix).toBe('Adds cookie "mm_consent", expiry 1y, to the category "essential".')
    expect(cookies(fixed(site(), { ...two, services: switchable.services })).at(-1)).toEqual(['mm_consent', 'essential', undefined, '1y'])
  })
})
