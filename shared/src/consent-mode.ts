// Google Consent Mode v2 consent types and the default category mapping (SPEC §5).
// Pure constants: imported by the SDK bundle, so nothing here may pull in zod.
// https://developers.google.com/tag-platform/security/guides/consent#consent-types

export const CONSENT_MODE_TYPES = [
  'ad_storage',
  'ad_user_data',
  'ad_personalization',
  'analytics_storage',
  'functionality_storage',
  'personalization_storage',
  'security_storage',
] as const

export type ConsentModeType = (typeof CONSENT_MODE_TYPES)[number]

/** Default category → Consent Mode types map; each site's catalogue can override it. */
export const DEFAULT_CONSENT_MODE_MAP: Readonly<Record<string, readonly ConsentModeType[]>> = {
  essential: ['security_storage'],
  functional: ['functionality_storage', 'personalization_storage'],
  analytics: ['analytics_storage'],
  marketing: ['ad_storage', 'ad_user_data', 'ad_personalization'],
}
