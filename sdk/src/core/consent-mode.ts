// Google Consent Mode v2 state from the categories in force and the choices of Google services (SPEC §5).
// https://developers.google.com/tag-platform/security/guides/consent
import { CONSENT_MODE_TYPES, type ConsentModeType } from '@miniconsent/shared/consent-mode'
import type { PublishedConfig } from './types'

export type ConsentModeState = Record<ConsentModeType, 'granted' | 'denied'>

/**
 * Each granted category grants the types its catalogue entry lists (the dashboard pre-fills the
 * default map of SPEC §5); security_storage is always granted.
 *
 * With `services`, the visitor's decision on each Google service (vendor `google`) counts too: a
 * service carries the types of its category (SPEC §4), and these types are what Google's tags obey.
 * - A Google service refused denies its types, also when the visitor refused it by exception
 *   inside a granted category: one Consent Mode state serves every Google tag on the page, and the
 *   stricter choice wins, or the refused tag would store its cookies.
 * - A Google service allowed by exception inside a refused category grants its types, unless a
 *   Google service using them is refused: the visitor consented to that service's storage. The
 *   category's other services do not read Consent Mode; the SDK keeps them blocked.
 */
export function consentModeState(config: PublishedConfig, categories: Record<string, boolean>, services?: Record<string, boolean>): ConsentModeState {
  // Per type: 1 granted, 2 refused by a Google service (which no grant overrides).
  const verdict: Record<string, number> = {}
  for (const c of config.catalogue.categories)
    for (const t of c.consentMode) {
      if (categories[c.id]) verdict[t] ||= 1
      if (services)
        for (const s of config.catalogue.services) if (s.vendor == 'google' && s.category == c.id) verdict[t] = services[s.id] ? verdict[t] || 1 : 2
    }
  const out = {} as ConsentModeState
  for (const t of CONSENT_MODE_TYPES) out[t] = t == 'security_storage' || verdict[t] == 1 ? 'granted' : 'denied'
  return out
}
