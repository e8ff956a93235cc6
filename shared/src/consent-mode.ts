// Google Consent Mode v2 consent types and the default category mapping (SPEC §5).
// Pure constants and rules: imported by the SDK bundle, so nothing here may pull in zod.
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

/** A catalogue category, as far as the rules below read it. */
interface CategoryRule {
  id: string
  required: boolean
  consentMode: readonly string[]
}

/**
 * Whether Global Privacy Control refuses a category (SPEC §5: an opt-out of sale/sharing):
 * `marketing`, and every category that is not required and grants an advertising type
 * (ad_storage, ad_user_data, ad_personalization: the types that start with `ad_`), whatever its
 * name. The one rule: the server refuses these in its Consent Mode defaults and lists them in the
 * published config (`gpcCategories`), which the SDK reads as it decides.
 */
export const isGpcCategory = (c: CategoryRule): boolean => c.id == 'marketing' || (!c.required && c.consentMode.some((t) => t.startsWith('ad_')))

/** The ids of the categories GPC refuses (isGpcCategory), in catalogue order. */
export const gpcCategories = (catalogue: { categories: readonly CategoryRule[] }): string[] => catalogue.categories.filter(isGpcCategory).map((c) => c.id)
