// Google Consent Mode v2 state from the categories in force (SPEC §5).
// https://developers.google.com/tag-platform/security/guides/consent
import { CONSENT_MODE_TYPES, type ConsentModeType } from '@miniconsent/shared/consent-mode'
import type { PublishedConfig } from './types'

export type ConsentModeState = Record<ConsentModeType, 'granted' | 'denied'>

/**
 * Each granted category grants the types its catalogue entry lists (the dashboard pre-fills the
 * default map of SPEC §5); security_storage is always granted.
 */
export function consentModeState(config: PublishedConfig, categories: Record<string, boolean>): ConsentModeState {
  const granted = new Set<string>(['security_storage'])
  for (const c of config.catalogue.categories) {
    if (!categories[c.id]) continue
    for (const t of c.consentMode) granted.add(t)
  }
  const out = {} as ConsentModeState
  for (const t of CONSENT_MODE_TYPES) out[t] = granted.has(t) ? 'granted' : 'denied'
  return out
}
