// The config when the server did not splice it into the script (e.g. the SDK file served from a
// CDN as is): from the API, else the last one cached in IndexedDB, else deny-all with a banner.
import { consentModeState } from '../core/consent-mode'
import type { PublishedConfig } from '../core/types'
import { load, save } from './store'

function fallbackConfig(siteId: string): PublishedConfig {
  return {
    siteId,
    // Revision 0 is never stored as valid nor recorded: the visitor is asked again once the real config loads.
    revision: 0,
    consentRevision: 0,
    site: { name: location.hostname, defaultLanguage: 'en', cookieName: 'miniconsent', cookieLifetimeDays: 182, reloadOnRevoke: true, consentModeWaitForUpdate: 500 },
    region: null,
    mode: 'opt-in',
    needsBanner: true,
    catalogue: {
      categories: [{ id: 'essential', required: true, label: { en: 'Essential' }, description: {}, consentMode: [] }],
      services: [],
      entries: [],
      texts: {},
      appearance: { layout: 'bar', theme: 'system', floatingButton: false },
    },
  }
}

/** The site id is the script's file name: `/sdk/minopa.js` → `minopa`. */
export function fetchConfig(api: string, scriptSrc: string): Promise<PublishedConfig> {
  const siteId = (/([\w-]+)\.js(?:[?#]|$)/.exec(scriptSrc) || [])[1] || 'unknown'
  const key = 'c:' + siteId
  return fetch(`${api}/api/v1/sites/${siteId}/config`)
    .then((r) => (r.ok ? r.json() : Promise.reject()))
    .then((c: PublishedConfig) => (save(key, c), c))
    .catch(() => load<PublishedConfig>(key))
    .then((c) => {
      c = c || fallbackConfig(siteId)
      // The fallback, or a config cached before the server sent Consent Mode defaults: deny all
      // but security_storage, everywhere, rather than push no default at all.
      c.consentModeDefaults ||= [{ ...consentModeState(c, {}), wait_for_update: c.site.consentModeWaitForUpdate }]
      return c
    })
}
