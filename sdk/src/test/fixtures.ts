// Published configs shaped like the demo customers' catalogues, for tests only.
import type { ConsentModeDefault, PublishedConfig } from '@miniconsent/shared'
import { gpcCategories } from '@miniconsent/shared/consent-mode'
import { allCategories } from '../core/consent'
import { consentModeState } from '../core/consent-mode'

const site = {
  defaultLanguage: 'en',
  cookieName: 'miniconsent',
  cookieLifetimeDays: 182,
  reloadOnRevoke: true,
  consentModeWaitForUpdate: 500,
}

/**
 * What the server adds to a config (server/src/routes/config.ts): the categories GPC refuses, and
 * the Consent Mode defaults with short region lists: opt-in regions denied, opt-out ones granted
 * less those categories under GPC, then the config's own mode.
 */
export function withDefaults(config: PublishedConfig): PublishedConfig {
  const wait = config.site.consentModeWaitForUpdate
  const refused = gpcCategories(config.catalogue)
  const state = (on: boolean, region?: string[]): ConsentModeDefault => {
    const categories = allCategories(config, on)
    if (config.gpc) for (const id of refused) categories[id] = false
    return { ...consentModeState(config, categories), wait_for_update: wait, ...(region ? { region } : {}) }
  }
  const consentModeDefaults = config.needsBanner ? [state(false, ['DE', 'FR', 'GB']), state(true, ['US-CA', 'US-VA']), state(config.mode !== 'opt-in')] : [state(true)]
  return { ...config, consentModeDefaults, gpcCategories: refused }
}

/** A config as a server or a cache from before `gpcCategories` has it: without the list. */
export function withoutGpcList(config: PublishedConfig): PublishedConfig {
  const { gpcCategories: _, ...old } = config
  return old
}

export function minopaConfig(over: Partial<PublishedConfig> = {}): PublishedConfig {
  return withDefaults({
    siteId: 'minopa',
    revision: 3,
    consentRevision: 2,
    site: { ...site, name: 'Minopa', privacyPolicyUrl: 'https://minopa.com/privacy' },
    region: 'DE',
    mode: 'opt-in',
    needsBanner: true,
    catalogue: {
      categories: [
        { id: 'essential', required: true, label: { en: 'Essential Cookies', de: 'Notwendige Cookies' }, description: { en: 'Needed for sign-in.' }, consentMode: ['security_storage'] },
        { id: 'functional', required: false, label: { en: 'Functional Cookies' }, description: {}, consentMode: ['functionality_storage', 'personalization_storage'] },
        { id: 'analytics', required: false, label: { en: 'Analytics Cookies' }, description: {}, consentMode: ['analytics_storage'] },
        { id: 'marketing', required: false, label: { en: 'Marketing Cookies' }, description: {}, consentMode: ['ad_storage', 'ad_user_data', 'ad_personalization'] },
      ],
      services: [
        { id: 'minopa', category: 'essential', name: 'Minopa', provider: 'Minopa', purpose: { en: 'Sign-in' } },
        { id: 'google-analytics', category: 'analytics', name: 'Google Analytics', provider: 'Google', purpose: {}, vendor: 'google' },
        { id: 'microsoft-clarity', category: 'analytics', name: 'Microsoft Clarity', provider: 'Microsoft', purpose: {}, vendor: 'clarity' },
        { id: 'sentry', category: 'analytics', name: 'Sentry', provider: 'Sentry', purpose: {} },
      ],
      entries: [
        { name: 'next-auth.session-token', kind: 'cookie', category: 'essential', service: 'minopa', provider: 'Minopa', purpose: { en: 'Keeps you signed in' }, expiry: '30d' },
        { name: 'miniconsent', kind: 'cookie', category: 'essential', provider: 'Minopa', purpose: { en: 'Your cookie choice' }, expiry: '1y' },
        { name: 'theme', kind: 'cookie', category: 'functional', provider: 'Minopa', purpose: { en: 'Dark or light mode' }, expiry: '1y' },
        { name: '_ga', kind: 'cookie', category: 'analytics', service: 'google-analytics', provider: 'Google', purpose: { en: 'Tells visitors apart' }, expiry: '2y' },
        { name: '_ga_*', kind: 'cookie', category: 'analytics', service: 'google-analytics', provider: 'Google', purpose: { en: 'Session state' }, expiry: '2y' },
        { name: '_clck', kind: 'cookie', category: 'analytics', service: 'microsoft-clarity', provider: 'Microsoft', purpose: { en: 'Clarity user id' }, expiry: '1y' },
        { name: 'sentry-*', kind: 'cookie', category: 'analytics', service: 'sentry', provider: 'Sentry', purpose: { en: 'Error tracking' }, expiry: 'session' },
        { name: 'sentry-replay*', kind: 'sessionStorage', category: 'analytics', service: 'sentry', provider: 'Sentry', purpose: { en: 'Replay buffer' }, expiry: 'session' },
      ],
      texts: { en: { preferences: 'Cookie Settings' } },
      appearance: { layout: 'bar', theme: 'system', accentColor: '#5b4cf0', radius: 8, floatingButton: false },
    },
    ...over,
  })
}

export function minimagicConfig(): PublishedConfig {
  return withDefaults({
    siteId: 'minimagic',
    revision: 1,
    consentRevision: 1,
    site: { ...site, name: 'MiniMagic' },
    region: null,
    mode: 'opt-in',
    needsBanner: false,
    catalogue: {
      categories: [
        { id: 'essential', required: true, label: { en: 'Essential' }, description: {}, consentMode: [] },
        { id: 'functional', required: false, label: { en: 'Functional' }, description: {}, consentMode: [] },
      ],
      services: [{ id: 'supabase', category: 'essential', name: 'Supabase', provider: 'Supabase', purpose: {} }],
      entries: [
        { name: 'sb-*-auth-token', kind: 'localStorage', category: 'essential', service: 'supabase', provider: 'Supabase', purpose: { en: 'Sign-in' }, expiry: 'persistent' },
        { name: 'theme', kind: 'localStorage', category: 'functional', provider: 'MiniMagic', purpose: { en: 'Theme' }, expiry: 'persistent' },
      ],
      texts: {},
      appearance: { layout: 'box', theme: 'light', floatingButton: false },
    },
  })
}

export function moniClubConfig(mode: PublishedConfig['mode'] = 'opt-out', over: Partial<PublishedConfig> = {}): PublishedConfig {
  const base = minopaConfig()
  return withDefaults({
    ...base,
    siteId: 'mini-moni-club',
    revision: 1,
    consentRevision: 1,
    region: 'US-CA',
    mode,
    catalogue: {
      ...base.catalogue,
      services: [
        { id: 'posthog', category: 'analytics', name: 'PostHog', provider: 'PostHog', purpose: {}, vendor: 'posthog' },
        { id: 'meta-pixel', category: 'marketing', name: 'Meta Pixel', provider: 'Meta', purpose: {}, vendor: 'meta' },
        { id: 'tiktok-pixel', category: 'marketing', name: 'TikTok Pixel', provider: 'TikTok', purpose: {}, vendor: 'tiktok' },
        { id: 'youtube', category: 'marketing', name: 'YouTube', provider: 'Google', purpose: {} },
      ],
      entries: [{ name: '_fbp', kind: 'cookie', category: 'marketing', service: 'meta-pixel', provider: 'Meta', purpose: {}, expiry: '3mo' }],
    },
    ...over,
  })
}

/**
 * Mini Moni Club with its ad category named `advertising` instead of `marketing` (SPEC §4 allows
 * custom categories), the same Consent Mode types mapped: GPC must refuse it all the same.
 */
export function advertisingConfig(mode: PublishedConfig['mode'] = 'opt-out', over: Partial<PublishedConfig> = {}): PublishedConfig {
  const base = moniClubConfig(mode)
  const rename = (id: string) => (id === 'marketing' ? 'advertising' : id)
  return withDefaults({
    ...base,
    catalogue: {
      ...base.catalogue,
      categories: base.catalogue.categories.map((c) => (c.id === 'marketing' ? { ...c, id: 'advertising', label: { en: 'Advertising' } } : c)),
      services: base.catalogue.services.map((s) => ({ ...s, category: rename(s.category) })),
      entries: base.catalogue.entries.map((e) => ({ ...e, category: rename(e.category) })),
    },
    ...over,
  })
}
