import { catalogue, consentCookieMismatch, lifetimeExpiry, SDK_CONSENT_ID_KEY, SDK_DATABASE, SDK_PENDING_KEY, siteSettings, type Catalogue } from '@miniconsent/shared'
import { describe, expect, it } from 'vitest'
import { DEMO_SITES } from './index'

const byId = (id: string) => {
  const site = DEMO_SITES.find((s) => s.settings.id === id)
  if (!site) throw new Error(`no demo site "${id}"`)
  return { settings: siteSettings.parse(site.settings), catalogue: catalogue.parse(site.catalogue) }
}

// The rule the config endpoint applies (SPEC §4): a banner only when a switchable category has
// something in it.
const needsConsent = (c: Catalogue) => {
  const optional = new Set(c.categories.filter((cat) => !cat.required).map((cat) => cat.id))
  return c.services.some((s) => optional.has(s.category)) || c.entries.some((e) => optional.has(e.category))
}

describe('demo catalogues', () => {
  it('are the four demo sites, each a valid catalogue and site settings', () => {
    expect(DEMO_SITES.map((s) => s.settings.id)).toEqual(['minopa', 'minimagic', 'my-mini-webinar', 'mini-moni-club'])
    for (const site of DEMO_SITES) {
      const settings = siteSettings.safeParse(site.settings)
      expect(settings.error?.issues ?? [], site.settings.id).toEqual([])
      const parsed = catalogue.safeParse(site.catalogue)
      expect(parsed.error?.issues ?? [], site.settings.id).toEqual([])
    }
  })

  it('can be embedded on the demo host and on the real domain', () => {
    for (const site of DEMO_SITES) {
      const { settings } = byId(site.settings.id)
      expect(settings.domains).toEqual(expect.arrayContaining(['localhost', '127.0.0.1']))
      expect(settings.domains.some((d) => d.includes('.') && !/^[\d.]+$/.test(d))).toBe(true)
      expect(settings.privacyPolicyUrl).toMatch(/^https:\/\//)
    }
  })

  it('point every service and entry at a category and every entry at a service of the same category', () => {
    for (const site of DEMO_SITES) {
      const c = byId(site.settings.id).catalogue
      const categories = new Set(c.categories.map((cat) => cat.id))
      for (const s of c.services) expect(categories, `${site.settings.id}/${s.id}`).toContain(s.category)
      for (const e of c.entries) {
        expect(categories).toContain(e.category)
        if (e.service) expect(c.services.find((s) => s.id === e.service)?.category, `${site.settings.id}/${e.name}`).toBe(e.category)
      }
    }
  })

  it('keeps the essential category required in every site', () => {
    for (const site of DEMO_SITES) {
      expect(byId(site.settings.id).catalogue.categories.find((c) => c.id === 'essential')?.required).toBe(true)
    }
  })

  it("declare MiniConsent's own storage, always on: the stored choice under the site's cookie name and lifetime, its IndexedDB database and its localStorage keys", () => {
    for (const site of DEMO_SITES) {
      const { settings, catalogue: c } = byId(site.settings.id)
      const required = new Set(c.categories.filter((cat) => cat.required).map((cat) => cat.id))
      const own = [
        ['cookie', settings.cookieName, lifetimeExpiry(settings.cookieLifetimeDays)],
        ['indexedDB', SDK_DATABASE, 'persistent'],
        ['localStorage', SDK_PENDING_KEY, 'persistent'],
        ['localStorage', SDK_CONSENT_ID_KEY, 'persistent'],
      ]
      const declared = c.entries.filter((e) => own.some(([kind, name]) => e.kind === kind && e.name === name))
      expect(declared.map((e) => [e.kind, e.name, e.expiry]), settings.id).toEqual(own)
      for (const e of declared) {
        expect(required, `${settings.id}/${e.name}`).toContain(e.category)
        expect(e.purpose.en, `${settings.id}/${e.name}`).toBeTruthy()
      }
      // All under the one service that stands for the consent manager.
      expect(new Set(declared.map((e) => e.service)).size, settings.id).toBe(1)
      // The dashboard's check agrees: no warning on any demo site.
      expect(consentCookieMismatch(settings, c), settings.id).toBeNull()
    }
  })

  it('shows a banner everywhere except MiniMagic', () => {
    const needs = Object.fromEntries(DEMO_SITES.map((s) => [s.settings.id, needsConsent(byId(s.settings.id).catalogue)]))
    expect(needs).toEqual({ minopa: true, minimagic: false, 'my-mini-webinar': true, 'mini-moni-club': true })
  })
})

describe('Minopa', () => {
  const { settings, catalogue: c } = byId('minopa')

  it('declares exactly the cookies of its policy table 5.1', () => {
    const cookies = c.entries.filter((e) => e.kind === 'cookie')
    expect(cookies.map((e) => [e.name, e.provider, e.expiry, e.category])).toEqual([
      ['next-auth.session-token', 'Minopa', '30d', 'essential'],
      ['next-auth.csrf-token', 'Minopa', 'session', 'essential'],
      ['cookie-preferences', 'Minopa', '1y', 'essential'],
      ['theme', 'Minopa', '1y', 'functional'],
      ['locale', 'Minopa', '1y', 'functional'],
      ['_ga', 'Google Analytics', '2y', 'analytics'],
      ['_gid', 'Google Analytics', '24h', 'analytics'],
      ['_clck', 'Microsoft Clarity', '1y', 'analytics'],
      ['_clsk', 'Microsoft Clarity', '1d', 'analytics'],
      ['CLID', 'Microsoft Clarity', '1y', 'analytics'],
      ['sentry-*', 'Sentry', 'session', 'analytics'],
    ])
    expect(cookies.every((e) => e.purpose.en)).toBe(true)
    // Besides them, only the consent manager's own storage.
    expect(c.entries.filter((e) => e.kind !== 'cookie').map((e) => e.name)).toEqual([SDK_DATABASE, SDK_PENDING_KEY, SDK_CONSENT_ID_KEY])
  })

  it('has the four categories with the Consent Mode map and German texts', () => {
    expect(c.categories.map((cat) => [cat.id, cat.required, cat.consentMode])).toEqual([
      ['essential', true, ['security_storage']],
      ['functional', false, ['functionality_storage', 'personalization_storage']],
      ['analytics', false, ['analytics_storage']],
      ['marketing', false, ['ad_storage', 'ad_user_data', 'ad_personalization']],
    ])
    for (const cat of c.categories) {
      expect(cat.label.de, cat.id).toBeTruthy()
      expect(cat.description.de, cat.id).toBeTruthy()
    }
  })

  it('keeps marketing empty, available for later', () => {
    expect(c.services.filter((s) => s.category === 'marketing')).toEqual([])
    expect(c.entries.filter((e) => e.category === 'marketing')).toEqual([])
  })

  it('sends Google and Clarity signals and keeps the choice for the year its policy states', () => {
    expect(c.services.map((s) => [s.id, s.category, s.vendor])).toEqual([
      ['minopa', 'essential', undefined],
      ['google-analytics', 'analytics', 'google'],
      ['microsoft-clarity', 'analytics', 'clarity'],
      ['sentry', 'analytics', undefined],
      ['stripe', 'essential', undefined],
    ])
    expect(settings.cookieLifetimeDays).toBe(365)
    expect(settings.cookieName).toBe('cookie-preferences')
  })
})

describe('MiniMagic', () => {
  const { catalogue: c } = byId('minimagic')

  it('has only essential and functional, both always active', () => {
    expect(c.categories.map((cat) => [cat.id, cat.required])).toEqual([
      ['essential', true],
      ['functional', true],
    ])
  })

  it('declares local storage as well as cookies', () => {
    const kinds = Object.fromEntries(c.entries.map((e) => [e.name, [e.kind, e.expiry]]))
    expect(kinds).toMatchObject({
      'sb-*-auth-token': ['localStorage', 'persistent'],
      __stripe_mid: ['cookie', '1y'],
      __stripe_sid: ['cookie', '30mi'],
      theme: ['localStorage', 'persistent'],
    })
    expect(c.entries.some((e) => e.kind === 'indexedDB' && e.category === 'functional')).toBe(true)
  })
})

describe('Mini Moni Club', () => {
  const { catalogue: c } = byId('mini-moni-club')

  it('gates every ad platform of its policy behind marketing with the vendor signals', () => {
    const marketing = c.services.filter((s) => s.category === 'marketing').map((s) => [s.id, s.vendor])
    expect(marketing).toEqual([
      ['meta-pixel', 'meta'],
      ['google-ads', 'google'],
      ['tiktok-pixel', 'tiktok'],
      ['pinterest-tag', undefined],
      ['youtube', undefined],
    ])
    const expiries = Object.fromEntries(c.entries.filter((e) => e.kind === 'cookie').map((e) => [e.name, e.expiry]))
    expect(expiries).toMatchObject({
      __session: '1y',
      __client_uat: '1y',
      'ph_*_posthog': '1y',
      _fbp: '3mo',
      _gcl_au: '3mo',
      _ttp: '13mo',
      _pinterest_ct_ua: '1y',
      _pin_unauth: '1y',
      VISITOR_INFO1_LIVE: '6mo',
      YSC: 'session',
    })
  })
})
