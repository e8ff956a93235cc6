// dist/ui.js: what the core script loads only when needed — the Preact UI, and everything that
// follows a choice (the consent record and its delivery queue, removal of denied cookies), plus
// the config fallback and the flush of undelivered records.
import { encodeConsentCookie } from '@miniconsent/shared/cookie'
import { hex, uuidFromBytes } from './core/ids'
import { pickLanguage } from './core/language'
import { buildConsentRecord } from './core/record'
import type { Host, Lazy } from './core/types'
import { fetchConfig } from './browser/config'
import { writeCookie } from './browser/cookie-jar'
import { removeDenied } from './browser/cookies'
import { beaconPending, deliver, flush } from './browser/net'
import { mountUi } from './ui/mount'

const uuid = () => (crypto.randomUUID ? crypto.randomUUID() : uuidFromBytes(crypto.getRandomValues(new Uint8Array(16))))
const pageUrl = () => location.origin + location.pathname
const now = () => new Date().toISOString()

/** data-lang on the SDK tag, then <html lang>, then the browser, then the site's default. */
export const language = (host: Host) =>
  pickLanguage([host._lang, document.documentElement.lang, navigator.language], host._config.site.defaultLanguage)

let pagehide = false
function send(host: Host, path: string, body: Record<string, unknown> & { recordId: string }): Promise<boolean> {
  if (!pagehide) {
    pagehide = true
    addEventListener('pagehide', () => beaconPending(host._api))
  }
  return deliver(host._api, path, body)
}

const lazy: Lazy = {
  _ui: mountUi,
  _record(host, choice, texts, reload) {
    const config = host._config
    const state = host._state()
    // Revision 0 is the deny-all fallback: nothing is stored or recorded against it.
    if (!config.revision) return
    writeCookie(config.site.cookieName, encodeConsentCookie(choice), config.site.cookieLifetimeDays)
    removeDenied(config, state)
    const hash: Promise<string | null> =
      texts && crypto.subtle ? crypto.subtle.digest('SHA-256', new TextEncoder().encode(texts)).then(hex, () => null) : Promise.resolve(null)
    hash
      .then((textsHash) =>
        send(host, '/api/v1/consents', buildConsentRecord(config, state, { recordId: uuid(), textsHash, language: language(host), url: pageUrl(), clientTime: now() })),
      )
      .then(() => reload && location.reload())
  },
  _send: (host, path, extra) =>
    send(host, path, {
      recordId: uuid(),
      siteId: host._config.siteId,
      consentId: host._state().consentId,
      language: language(host),
      url: pageUrl(),
      clientTime: now(),
      ...extra,
    }),
  _fetchConfig: fetchConfig,
  _flush: flush,
}
export default lazy
