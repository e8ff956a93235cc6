import { describe, expect, it } from 'vitest'
import { encodeConsentCookie, parseConsentCookie } from '@miniconsent/shared/cookie'
import { bannerAfterGpc, decide, isChoiceValid, makeChoice, revokedCategories, toState } from './consent'
import { BANNER_CONSENT, BANNER_GPC_NOTICE, BANNER_NONE, BANNER_NOTICE } from './types'
import { consentModeState } from './consent-mode'
import { advertisingConfig, minimagicConfig, minopaConfig, moniClubConfig, withoutGpcList } from '../test/fixtures'

const NOW = Date.UTC(2026, 5, 1)
const DAY = 864e5
const ID = 'AAAAAAAAAAAAAAAAAAAAAA'

describe('decide', () => {
  const config = minopaConfig()

  it('shows the banner in opt-in mode when nothing is stored, with only essential in force', () => {
    const d = decide(config, null, false, NOW)
    expect(d._banner).toBe(BANNER_CONSENT)
    expect(d._choice).toBeNull()
    expect(d._categories).toEqual({ essential: true, functional: false, analytics: false, marketing: false })
  })

  it('never refuses a service of a required category by exception: it runs as its category does', () => {
    const choice = makeChoice(config, ID, 'api', { analytics: true }, { minopa: false, sentry: false }, false, NOW)
    expect(choice.services).toEqual({ sentry: false })
    const state = toState(config, ID, { essential: true, functional: false, analytics: true, marketing: false }, choice.services, choice, false)
    expect(state.services).toMatchObject({ minopa: true, sentry: false, 'google-analytics': true })
  })

  it('uses a valid stored choice without a banner, also after a cookie round-trip', () => {
    const choice = makeChoice(config, ID, 'custom', { analytics: true }, {}, false, NOW - 10 * DAY)
    const stored = parseConsentCookie(encodeConsentCookie(choice))
    const d = decide(config, stored, false, NOW)
    expect(d._banner).toBe(BANNER_NONE)
    expect(d._categories).toEqual({ essential: true, functional: false, analytics: true, marketing: false })
  })

  it('asks again when the stored revision is older than the consent revision', () => {
    const old = { ...makeChoice(config, ID, 'accept-all', { analytics: true }, {}, false, NOW), revision: 1 }
    expect(decide(config, old, false, NOW)._banner).toBe(BANNER_CONSENT)
    // A newer catalogue revision that did not need consent again keeps the choice.
    expect(decide(config, { ...old, revision: 2 }, false, NOW)._banner).toBe(BANNER_NONE)
  })

  it('asks again when the choice is older than the cookie lifetime or unreadable', () => {
    const choice = makeChoice(config, ID, 'accept-all', { analytics: true }, {}, false, NOW - 183 * DAY)
    expect(isChoiceValid(config, choice, NOW)).toBe(false)
    expect(isChoiceValid(config, { ...choice, updatedAt: NOW - 181 * DAY }, NOW)).toBe(true)
    expect(decide(config, parseConsentCookie('garbage'), false, NOW)._banner).toBe(BANNER_CONSENT)
  })

  it('shows no banner when the catalogue needs no consent, and runs everything', () => {
    const d = decide(minimagicConfig(), null, false, NOW)
    expect(d._banner).toBe(BANNER_NONE)
    expect(d._categories).toEqual({ essential: true, functional: true })
  })

  it('allows everything in opt-out mode until the visitor says no', () => {
    const d = decide(moniClubConfig('opt-out'), null, false, NOW)
    expect(d._banner).toBe(BANNER_NONE)
    expect(d._categories.marketing).toBe(true)
    expect(d._fresh).toBe(false)
  })

  it('turns GPC into a recorded refusal of marketing in opt-out mode, without a prompt', () => {
    const d = decide(moniClubConfig('opt-out'), null, true, NOW)
    expect(d._banner).toBe(BANNER_NONE)
    expect(d._fresh).toBe(true)
    expect(d._choice).toBeNull()
    expect(d._categories).toMatchObject({ analytics: true, marketing: false })
  })

  it('does not let GPC grant anything in opt-in mode: the banner still asks', () => {
    const d = decide(config, null, true, NOW)
    expect(d._banner).toBe(BANNER_CONSENT)
    expect(d._categories.marketing).toBe(false)
  })

  it('informs in notice mode while everything runs', () => {
    const d = decide(moniClubConfig('notice'), null, false, NOW)
    expect(d._banner).toBe(BANNER_NOTICE)
    expect(d._categories.marketing).toBe(true)
  })

  it('lets GPC refuse marketing over a grant stored without the signal in opt-out and notice modes', () => {
    for (const mode of ['opt-out', 'notice'] as const) {
      const cfg = moniClubConfig(mode)
      const choice = makeChoice(cfg, ID, 'accept-all', { analytics: true, marketing: true }, {}, false, NOW)
      const d = decide(cfg, choice, true, NOW)
      expect(d).toMatchObject({ _fresh: true, _choice: null, _banner: BANNER_NONE, _categories: { analytics: true, marketing: false } })
    }
  })

  it('keeps the visitor’s other service choices when GPC overrides a stored grant', () => {
    const cfg = moniClubConfig('opt-out')
    const choice = makeChoice(cfg, ID, 'custom', { analytics: true, marketing: true }, { posthog: false }, false, NOW)
    const d = decide(cfg, choice, true, NOW)
    expect(d).toMatchObject({ _fresh: true, _choice: null, _categories: { analytics: true, marketing: false } })
    expect(toState(cfg, ID, d._categories, d._services, null, true).services).toEqual({ posthog: false, 'meta-pixel': false, 'tiktok-pixel': false, youtube: false })
  })

  it('lets GPC refuse a marketing service granted by exception without the signal, and only then', () => {
    const cfg = moniClubConfig('opt-out')
    const choice = makeChoice(cfg, ID, 'custom', { analytics: true }, { 'meta-pixel': true }, false, NOW)
    const d = decide(cfg, choice, true, NOW)
    expect(d).toMatchObject({ _fresh: true, _choice: null, _services: { 'meta-pixel': false } })
    expect(decide(cfg, choice, false, NOW)).toMatchObject({ _fresh: false, _choice: choice, _services: { 'meta-pixel': true } })
    const refusedAll = makeChoice(cfg, ID, 'reject-all', {}, {}, false, NOW)
    expect(decide(cfg, refusedAll, true, NOW)._fresh).toBeFalsy()
  })

  it('in opt-out and notice modes asks again over a stale choice, keeping what it refused meanwhile', () => {
    for (const mode of ['opt-out', 'notice'] as const) {
      const cfg = moniClubConfig(mode, { revision: 2, consentRevision: 2 })
      const stale = { ...makeChoice(cfg, ID, 'custom', { analytics: true }, { posthog: false }, false, NOW), revision: 1 }
      const d = decide(cfg, stale, false, NOW)
      expect(d).toMatchObject({ _banner: BANNER_CONSENT, _choice: stale, _categories: { analytics: true, marketing: false }, _services: { posthog: false } })
      expect(decide(cfg, { ...stale, updatedAt: NOW - 400 * DAY }, false, NOW)._banner).toBe(BANNER_CONSENT)
    }
    // Nothing stored: everything runs, as before.
    expect(decide(moniClubConfig('opt-out', { revision: 2, consentRevision: 2 }), null, false, NOW)).toMatchObject({ _banner: BANNER_NONE, _categories: { marketing: true } })
  })

  it('keeps a grant made with GPC on, a refusal GPC stored, and any stored choice in opt-in mode', () => {
    const cfg = moniClubConfig('opt-out')
    const consented = makeChoice(cfg, ID, 'custom', { marketing: true }, {}, true, NOW)
    expect(decide(cfg, consented, true, NOW)).toMatchObject({ _fresh: false, _choice: consented, _categories: { marketing: true } })
    const refused = makeChoice(cfg, ID, 'gpc', { analytics: true }, {}, true, NOW)
    expect(decide(cfg, refused, false, NOW)).toMatchObject({ _fresh: false, _choice: refused, _categories: { analytics: true, marketing: false } })
    const optIn = moniClubConfig('opt-in')
    const granted = makeChoice(optIn, ID, 'accept-all', { marketing: true }, {}, false, NOW)
    expect(decide(optIn, granted, true, NOW)).toMatchObject({ _fresh: false, _categories: { marketing: true } })
  })

  it('asks a GPC visitor again over an out-of-date choice once the refusal is in force, as it asks one without the signal', () => {
    for (const mode of ['opt-out', 'notice'] as const) {
      const cfg = moniClubConfig(mode, { revision: 2, consentRevision: 2 })
      // Granted marketing on an earlier consent revision, without the signal.
      const stale = { ...makeChoice(cfg, ID, 'accept-all', { analytics: true, marketing: true }, {}, false, NOW), revision: 1 }
      const tooOld = makeChoice(cfg, ID, 'accept-all', { analytics: true, marketing: true }, {}, false, NOW - 400 * DAY)
      for (const stored of [stale, tooOld]) {
        // The same banner a visitor without the signal gets…
        expect(decide(cfg, stored, false, NOW)._banner).toBe(BANNER_CONSENT)
        // …and, with it, the refusal to record first, after which that banner is owed.
        const d = decide(cfg, stored, true, NOW)
        expect(d).toMatchObject({ _fresh: true, _choice: null, _categories: { analytics: true, marketing: false }, _services: { 'meta-pixel': false } })
        expect(bannerAfterGpc(cfg, stored, NOW)).toBe(BANNER_CONSENT)
      }
      // Over a valid choice: nothing owed, the visitor was asked already.
      expect(bannerAfterGpc(cfg, { ...stale, revision: 2 }, NOW)).toBe(BANNER_NONE)
    }
    // Nothing stored, or a cookie that cannot be read, is a first visit: notice mode's notice, nothing in opt-out regions.
    for (const stored of [null, parseConsentCookie('garbage')]) {
      expect(decide(moniClubConfig('notice'), stored, true, NOW)).toMatchObject({ _fresh: true, _banner: BANNER_NONE })
      expect(bannerAfterGpc(moniClubConfig('notice'), stored, NOW)).toBe(BANNER_GPC_NOTICE)
      expect(bannerAfterGpc(moniClubConfig('opt-out'), stored, NOW)).toBe(BANNER_NONE)
    }
  })
})

describe('GPC and an ad category not named marketing (SPEC §4, §5)', () => {
  const adsDenied = { ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied' }

  it('refuses it and its services in opt-out and notice modes, a choice to record as gpc, with the ad types denied', () => {
    for (const mode of ['opt-out', 'notice'] as const) {
      const cfg = advertisingConfig(mode)
      const d = decide(cfg, null, true, NOW)
      expect(d).toMatchObject({ _fresh: true, _choice: null, _banner: BANNER_NONE })
      expect(d._categories).toEqual({ essential: true, functional: true, analytics: true, advertising: false })
      const state = toState(cfg, ID, d._categories, d._services, null, true)
      expect(state.services).toEqual({ posthog: true, 'meta-pixel': false, 'tiktok-pixel': false, youtube: false })
      expect(consentModeState(cfg, state.categories, state.services)).toMatchObject({ ...adsDenied, analytics_storage: 'granted' })
      // What main.ts hands the record chunk (method gpc): the category and its services refused.
      expect(makeChoice(cfg, ID, 'gpc', d._categories, state.services, true, NOW)).toMatchObject({ method: 'gpc', gpc: true, granted: ['essential', 'functional', 'analytics'], services: {} })
    }
    // Without the signal, everything runs.
    expect(decide(advertisingConfig('opt-out'), null, false, NOW)).toMatchObject({ _fresh: false, _categories: { advertising: true } })
  })

  it('refuses it over a grant stored without the signal, and a service of it allowed by exception', () => {
    const cfg = advertisingConfig('opt-out')
    const granted = makeChoice(cfg, ID, 'accept-all', { analytics: true, advertising: true }, { posthog: false }, false, NOW)
    const d = decide(cfg, granted, true, NOW)
    expect(d).toMatchObject({ _fresh: true, _choice: null, _categories: { analytics: true, advertising: false } })
    expect(toState(cfg, ID, d._categories, d._services, null, true).services).toEqual({ posthog: false, 'meta-pixel': false, 'tiktok-pixel': false, youtube: false })
    const exception = makeChoice(cfg, ID, 'custom', { analytics: true }, { 'meta-pixel': true }, false, NOW)
    expect(decide(cfg, exception, true, NOW)).toMatchObject({ _fresh: true, _choice: null, _services: { 'meta-pixel': false } })
    // A grant made with the signal on is the visitor's consent, and stands.
    const consented = makeChoice(cfg, ID, 'custom', { advertising: true }, {}, true, NOW)
    expect(decide(cfg, consented, true, NOW)).toMatchObject({ _fresh: false, _choice: consented, _categories: { advertising: true } })
  })

  it('refuses what the config lists, and marketing alone in a config served before the list', () => {
    const old = withoutGpcList(moniClubConfig('opt-out'))
    expect(old.gpcCategories).toBeUndefined()
    expect(decide(old, null, true, NOW)).toMatchObject({ _fresh: true, _categories: { analytics: true, marketing: false }, _services: { 'meta-pixel': false } })
    // A list with nothing to sell or share: GPC refuses nothing, and no choice is made for the visitor.
    expect(decide({ ...moniClubConfig('opt-out'), gpcCategories: [] }, null, true, NOW)).toMatchObject({ _fresh: false, _categories: { marketing: true } })
    // A list naming two: both refused.
    const both = decide({ ...moniClubConfig('opt-out'), gpcCategories: ['analytics', 'marketing'] }, null, true, NOW)
    expect(both._categories).toMatchObject({ analytics: false, marketing: false, functional: true })
  })
})

describe('choices and state', () => {
  const config = moniClubConfig('opt-in')

  it('never lets a required category be switched off', () => {
    const choice = makeChoice(config, ID, 'reject-all', { essential: false }, {}, false, NOW)
    expect(choice.granted).toEqual(['essential'])
  })

  it('stores only service choices that differ from their category', () => {
    const choice = makeChoice(config, ID, 'custom', { marketing: false, analytics: true }, { youtube: true, posthog: true }, false, NOW)
    expect(choice.services).toEqual({ youtube: true })
    const state = toState(config, ID, { essential: true, functional: false, analytics: true, marketing: false }, choice.services, choice, false)
    expect(state.services).toEqual({ posthog: true, 'meta-pixel': false, 'tiktok-pixel': false, youtube: true })
    expect(state.method).toBe('custom')
    expect(state.updatedAt).toBe(new Date(NOW).toISOString())
  })

  it('reports an implied state with no method when nothing was chosen', () => {
    const state = toState(config, ID, { essential: true, marketing: true }, {}, null, true)
    expect(state).toMatchObject({ method: null, updatedAt: null, revision: 1, gpc: true, region: 'US-CA' })
  })

  it('counts a service or category named like an Object member (constructor) by its own choice only', () => {
    // Valid slugs, so a catalogue may use them; every plain object also has them on its prototype.
    const odd = moniClubConfig('opt-in')
    odd.catalogue.categories.push({ id: 'constructor', required: false, label: { en: 'Odd' }, description: {}, consentMode: [] })
    odd.catalogue.services.push({ id: 'constructor', category: 'analytics', name: 'Odd', provider: 'Odd', purpose: {} })
    const refused = makeChoice(odd, ID, 'reject-all', {}, {}, false, NOW)
    expect(refused.granted).toEqual(['essential'])
    expect(refused.services).toEqual({})
    const stored = parseConsentCookie(encodeConsentCookie(refused))!
    const d = decide(odd, stored, false, NOW)
    expect(d._categories.constructor).toBe(false)
    expect(toState(odd, ID, d._categories, d._services, stored, false).services.constructor).toBe(false)
    // Its own exception still counts.
    const allowed = makeChoice(odd, ID, 'custom', {}, { constructor: true }, false, NOW)
    expect(toState(odd, ID, d._categories, allowed.services, allowed, false).services.constructor).toBe(true)
  })

  it('names the categories a new choice revokes', () => {
    expect(revokedCategories({ essential: true, analytics: true, marketing: false }, { essential: true, analytics: false, marketing: true })).toEqual(['analytics'])
  })
})
