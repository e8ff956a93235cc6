import { readFileSync } from 'node:fs'
import { consentCookieMismatch, lifetimeExpiry, SDK_CONSENT_ID_KEY, SDK_DATABASE, SDK_PENDING_KEY, siteSettings } from '@miniconsent/shared'
import { describe, expect, it } from 'vitest'
import { needsBanner, starterCatalogue } from './sites'

/** A file of the SDK's sources, which the server's build does not bundle. */
const sdkSource = (path: string) => readFileSync(new URL(`../../../sdk/src/${path}`, import.meta.url), 'utf8')

describe("MiniConsent's own storage", () => {
  it('is declared under the names the SDK writes', () => {
    expect(sdkSource('browser/store.ts')).toContain(`createStore('${SDK_DATABASE}', `)
    expect(sdkSource('browser/net-flag.ts')).toContain(`PENDING_FLAG = '${SDK_PENDING_KEY}'`)
    expect(sdkSource('browser/net-flag.ts')).toContain(`CONSENT_ID_KEY = '${SDK_CONSENT_ID_KEY}'`)
    // The stored choice: the site's cookie name, for its lifetime in days.
    expect(sdkSource('chunks/record.ts')).toMatch(/writeCookie\(config\.site\.cookieName, [^\n]*, config\.site\.cookieLifetimeDays\)/)
    expect(sdkSource('browser/cookie-jar.ts')).toContain('max-age=${days * 86400}')
  })

  it('gives the cookie its lifetime in whole years, else in days', () => {
    expect([365, 730, 182, 396, 1].map(lifetimeExpiry)).toEqual(['1y', '2y', '182d', '396d', '1d'])
  })

  it("is in a new site's starter catalogue, always on, under its cookie name and lifetime, in its default language", () => {
    const site = (defaultLanguage: string) =>
      siteSettings.parse({ id: 'shop', name: 'Shop', defaultLanguage, cookieName: 'shop-consent', cookieLifetimeDays: 365, privacyPolicyUrl: 'https://shop.test/privacy' })
    const english = starterCatalogue(site('en'))
    expect(english.services).toEqual([
      {
        id: 'miniconsent',
        category: 'essential',
        name: 'MiniConsent',
        provider: 'Shop',
        purpose: { en: 'The consent manager: asks for your cookie choices, remembers them and records each choice as proof.' },
        privacyPolicyUrl: 'https://shop.test/privacy',
      },
    ])
    expect(english.entries.map((e) => [e.kind, e.name, e.expiry, e.category, e.service, e.provider, e.purpose.en])).toEqual([
      ['cookie', 'shop-consent', '1y', 'essential', 'miniconsent', 'Shop', 'Stores your cookie choices'],
      ['indexedDB', 'miniconsent', 'persistent', 'essential', 'miniconsent', 'Shop', expect.stringMatching(/^Keeps a cookie choice not yet recorded/)],
      ['localStorage', 'miniconsent-pending', 'persistent', 'essential', 'miniconsent', 'Shop', expect.stringMatching(/^Keeps your latest cookie choice/)],
      ['localStorage', 'miniconsent-id', 'persistent', 'essential', 'miniconsent', 'Shop', expect.stringMatching(/^Your consent ID/)],
    ])
    // Nothing in it needs consent: published as it is, it shows no banner.
    expect(needsBanner(english)).toBe(false)
    // What the dashboard checks a catalogue against the settings with: no warning for a new site.
    expect(consentCookieMismatch(site('en'), english)).toBeNull()
    expect(starterCatalogue(siteSettings.parse({ id: 'shop', name: 'Shop' })).entries[0]).toMatchObject({ name: 'miniconsent', expiry: '182d' })
    expect(starterCatalogue(siteSettings.parse({ id: 'shop', name: 'Shop' })).services[0]).not.toHaveProperty('privacyPolicyUrl')

    const texts = (c: ReturnType<typeof starterCatalogue>) => [...c.services, ...c.entries].map((x) => x.purpose)
    // The SDK's built-in languages have their own words; a region's tag takes its language's.
    for (const lang of ['de', 'fr', 'es', 'it', 'nl', 'pt', 'pl', 'uk', 'ar', 'pt-BR']) {
      const words = texts(starterCatalogue(site(lang))).map((t) => t[lang])
      words.forEach((w, i) => {
        expect(w, `${lang} ${i}`).toBeTruthy()
        expect(w, `${lang} ${i}`).not.toBe(texts(english)[i]!.en)
      })
    }
    // Another language gets the English words under its tag, for the admin to translate.
    expect(texts(starterCatalogue(site('ja')))).toEqual(texts(english).map((t) => ({ ja: t.en })))
  })
})
