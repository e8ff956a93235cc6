import { describe, expect, it } from 'vitest'
import { consentModeState } from './consent-mode'
import { cookieDomains, cookiePaths, removals } from './cleanup'
import { buildConsentRecord } from './record'
import { matchesName, matchingNames } from './wildcard'
import { localize, pickLanguage, shownLanguage } from './language'
import { hex } from './ids'
import { toState } from './consent'
import { minimagicConfig, minopaConfig } from '../test/fixtures'

describe('wildcard names', () => {
  it('matches `*` as any characters and everything else literally', () => {
    expect(matchesName('sentry-*', 'sentry-sc')).toBe(true)
    expect(matchesName('_ga_*', '_ga_ABC123')).toBe(true)
    expect(matchesName('_ga_*', '_ga')).toBe(false)
    expect(matchesName('_ga', '_gat')).toBe(false)
    expect(matchesName('next-auth.session-token', 'next-authXsession-token')).toBe(false)
    expect(matchesName('sb-*-auth-token', 'sb-abc-auth-token')).toBe(true)
    expect(matchingNames('_ga*', ['_ga', '_ga_X', 'ga', 'x_ga'])).toEqual(['_ga', '_ga_X'])
  })
})

describe('consent mode', () => {
  it('maps granted categories to their types, with security_storage always granted', () => {
    const s = consentModeState(minopaConfig(), { essential: true, functional: false, analytics: true, marketing: false })
    expect(s).toEqual({
      ad_storage: 'denied',
      ad_user_data: 'denied',
      ad_personalization: 'denied',
      analytics_storage: 'granted',
      functionality_storage: 'denied',
      personalization_storage: 'denied',
      security_storage: 'granted',
    })
  })

  it('lets each Google service’s own choice decide the types of its category, a refusal over any grant', () => {
    const config = minopaConfig()
    config.catalogue.services.push({ id: 'google-ads', category: 'marketing', name: 'Google Ads', provider: 'Google', purpose: {}, vendor: 'google' })
    config.catalogue.services.push({ id: 'floodlight', category: 'marketing', name: 'Floodlight', provider: 'Google', purpose: {}, vendor: 'google' })
    const cats = { essential: true, functional: false, analytics: true, marketing: false }
    const services = { minopa: true, 'google-analytics': false, 'microsoft-clarity': true, sentry: true, 'google-ads': true, floodlight: false }
    const s = consentModeState(config, cats, services)
    // Analytics granted, Google Analytics refused; marketing refused, one Google service allowed but another not.
    expect(s).toMatchObject({ analytics_storage: 'denied', ad_storage: 'denied', ad_user_data: 'denied', security_storage: 'granted' })
    expect(consentModeState(config, cats, { ...services, floodlight: true })).toMatchObject({ analytics_storage: 'denied', ad_storage: 'granted', ad_personalization: 'granted' })
    // Without the services: the categories alone, as the server's defaults are made.
    expect(consentModeState(config, cats)).toMatchObject({ analytics_storage: 'granted', ad_storage: 'denied' })
    // A refused Google service denies its types also where another category grants them.
    config.catalogue.categories.find((c) => c.id === 'functional')!.consentMode.push('analytics_storage')
    expect(consentModeState(config, { ...cats, functional: true }, services).analytics_storage).toBe('denied')
  })

  it('grants only the types a category lists, security_storage always', () => {
    const s = consentModeState(minimagicConfig(), { essential: true, functional: true })
    expect(s.functionality_storage).toBe('denied')
    expect(s.security_storage).toBe('granted')
  })
})

describe('cleanup', () => {
  const config = minopaConfig()
  const present = { cookie: ['_ga', '_ga_XYZ', 'sentry-sc', 'miniconsent', 'next-auth.session-token', 'theme'], localStorage: [], sessionStorage: ['sentry-replay-1', 'other'], indexedDB: [] }

  it('removes declared entries of denied categories, including wildcards, but never the stored choice', () => {
    const cats = { essential: true, functional: true, analytics: false, marketing: false }
    const r = removals(config, cats, toState(config, 'x', cats, {}, null, false).services, present)
    expect(r.map((x) => `${x.kind}:${x.name}`).sort()).toEqual(['cookie:_ga', 'cookie:_ga_XYZ', 'cookie:sentry-sc', 'sessionStorage:sentry-replay-1'])
  })

  it('keeps the entries of a service the visitor allowed inside a denied category', () => {
    const cats = { essential: true, functional: false, analytics: false, marketing: false }
    const services = { minopa: true, 'google-analytics': true, 'microsoft-clarity': false, sentry: false }
    const names = removals(config, cats, services, present).map((x) => x.name)
    expect(names).not.toContain('_ga')
    expect(names).toContain('theme')
    expect(names).toContain('sentry-sc')
  })

  it('removes an entry whose service or category name is an Object member unless its own choice grants it', () => {
    const odd = minopaConfig()
    odd.catalogue.entries.push({ name: 'odd', kind: 'cookie', category: 'analytics', service: 'constructor', provider: 'Odd', purpose: {}, expiry: '1y' })
    odd.catalogue.entries.push({ name: 'odder', kind: 'cookie', category: 'constructor', provider: 'Odd', purpose: {}, expiry: '1y' })
    const cats = { essential: true, functional: true, analytics: false, marketing: false }
    const names = removals(odd, cats, toState(odd, 'x', cats, {}, null, false).services, { cookie: ['odd', 'odder'], localStorage: [], sessionStorage: [], indexedDB: [] }).map((x) => x.name)
    expect(names).toEqual(['odd', 'odder'])
  })

  it('removes the IndexedDB databases a wildcard covers among those present, and one named in full whether present or not', () => {
    const config = minopaConfig()
    config.catalogue.entries.push(
      { name: 'phdb-*', kind: 'indexedDB', category: 'analytics', provider: 'PostHog', purpose: {}, expiry: 'persistent' },
      { name: 'named-db', kind: 'indexedDB', category: 'analytics', provider: 'Minopa', purpose: {}, expiry: 'persistent' },
    )
    const cats = { essential: true, functional: true, analytics: false, marketing: false }
    const dbs = (indexedDB: string[]) =>
      removals(config, cats, toState(config, 'x', cats, {}, null, false).services, { cookie: [], localStorage: [], sessionStorage: [], indexedDB }).map((x) => `${x.kind}:${x.name}`)
    expect(dbs(['phdb-1', 'phdb-2', 'other'])).toEqual(['indexedDB:phdb-1', 'indexedDB:phdb-2', 'indexedDB:named-db'])
    expect(dbs([])).toEqual(['indexedDB:named-db'])
  })

  it('lists every path a cookie visible on the page may have been set on', () => {
    expect(cookiePaths('/shop/cart.html')).toEqual(['/', '/shop', '/shop/', '/shop/cart.html'])
    expect(cookiePaths('/a/b/')).toEqual(['/', '/a', '/a/', '/a/b', '/a/b/', '/a/b/'])
    expect(cookiePaths('/')).toEqual(['/', '/'])
  })

  it('lists the host and its parent domains', () => {
    expect(cookieDomains('app.www.minopa.com')).toEqual(['app.www.minopa.com', 'www.minopa.com', 'minopa.com'])
    expect(cookieDomains('localhost')).toEqual(['localhost'])
    expect(cookieDomains('127.0.0.1')).toEqual(['127.0.0.1'])
  })
})

describe('consent record', () => {
  it('lists every category and service with the context of the decision', () => {
    const config = minopaConfig()
    const cats = { essential: true, functional: false, analytics: true, marketing: false }
    const state = toState(config, 'k3J9x_2mQp-8aZAAAAAAAA', cats, { sentry: false }, { consentId: 'k3J9x_2mQp-8aZAAAAAAAA', revision: 3, updatedAt: 0, method: 'custom', granted: ['essential', 'analytics'], services: { sentry: false }, gpc: false }, false)
    const rec = buildConsentRecord(config, state, { recordId: '7d9f1f7e-2a59-4c1a-9d1c-6a3c1f0e4b11', textsHash: null, language: 'de', url: 'https://minopa.com/pricing', clientTime: '2026-06-01T00:00:00.000Z' })
    expect(rec).toMatchObject({ siteId: 'minopa', revision: 3, method: 'custom', language: 'de', gpc: false })
    expect(rec.categories).toEqual(cats)
    expect(rec.services).toEqual({ minopa: true, 'google-analytics': true, 'microsoft-clarity': true, sentry: false })
  })
})

describe('language and ids', () => {
  it('takes the first well-formed candidate, else the site default', () => {
    expect(pickLanguage([null, 'DE-at', 'en'], 'en')).toBe('de-at')
    expect(pickLanguage(['', 'not a tag!', 'pt_BR'], 'en')).toBe('pt-BR')
    expect(pickLanguage([undefined], 'fr')).toBe('fr')
  })

  it('localizes with fallbacks to the primary tag, site default and English', () => {
    expect(localize({ en: 'Hi', de: 'Hallo' }, 'de-AT', 'en')).toBe('Hallo')
    expect(localize({ en: 'Hi', fr: 'Salut' }, 'es', 'fr')).toBe('Salut')
    expect(localize({ en: 'Hi' }, 'es', 'fr')).toBe('Hi')
    expect(localize({}, 'es', 'fr')).toBe('')
  })

  it('matches language tags in any case past the primary subtag, as BCP 47 tags are', () => {
    expect(localize({ en: 'Hi', pt: 'Olá', 'pt-BR': 'Oi' }, 'pt-br', 'en')).toBe('Oi')
    expect(localize({ en: 'Hi', 'zh-hant': '你好' }, 'zh-Hant', 'en')).toBe('你好')
    // The site default too, as the site spelt it elsewhere.
    expect(localize({ fr: 'Salut', 'pt-br': 'Oi' }, 'ja', 'pt-BR')).toBe('Oi')
    const site = minopaConfig()
    site.site.defaultLanguage = 'de-CH'
    site.catalogue.texts = { 'pt-BR': {}, 'de-ch': {} }
    expect(shownLanguage(site, 'pt-br', undefined)).toBe('pt-br')
    expect(shownLanguage(site, 'ja', undefined)).toBe('de-CH')
  })

  it('names the language of the texts shown: the visitor’s when the site or the SDK has texts in it, else the site default', () => {
    const german = minopaConfig()
    german.site.defaultLanguage = 'de'
    german.catalogue.texts = { de: {}, sv: {}, 'zh-TW': {} }
    // The site's own texts, by exact tag or language; the SDK's built-in ones by language.
    expect(shownLanguage(german, 'sv-FI', true)).toBe('sv-FI')
    expect(shownLanguage(german, 'zh-TW', true)).toBe('zh-TW')
    expect(shownLanguage(german, 'fr-CA', true)).toBe('fr-CA')
    expect(shownLanguage(german, 'ar', true)).toBe('ar')
    // Neither: the site default's texts.
    expect(shownLanguage(german, 'ja', true)).toBe('de')
    expect(shownLanguage(german, 'zh-CN', true)).toBe('de')
    expect(shownLanguage(german, 'he', true)).toBe('de')
    // The SDK's texts could not be had (their chunk failed to load): only the site's count.
    expect(shownLanguage(german, 'fr-CA', undefined)).toBe('de')
    expect(shownLanguage(german, 'sv-FI', undefined)).toBe('sv-FI')
  })

  it('hashes as hex', () => {
    expect(hex(new Uint8Array([0, 15, 255]).buffer)).toBe('000fff')
  })
})

import { formatExpiry } from './expiry'
describe('expiry in words', () => {
  it('renders durations in the visitor language and names session and persistent entries', () => {
    expect(formatExpiry('30d', 'en', 'Session', 'Persistent')).toBe('30 days')
    expect(formatExpiry('1y', 'en', 'Session', 'Persistent')).toBe('1 year')
    expect(formatExpiry('24h', 'de', 'Sitzung', 'Dauerhaft')).toBe('24 Stunden')
    expect(formatExpiry('session', 'en', 'Session', 'Persistent')).toBe('Session')
    expect(formatExpiry('persistent', 'en', 'Session', 'Persistent')).toBe('Persistent')
  })
})
