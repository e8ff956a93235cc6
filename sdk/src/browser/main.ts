// The script every customer page loads first in <head>: decides, signals, gates and records,
// synchronously when the server embedded the config. Anything that shows something is in the UI
// chunk, loaded only when needed. Nothing here may throw into the page.
import { encodeConsentCookie, parseConsentCookie, type StoredChoice } from '@miniconsent/shared/cookie'
import { allCategories, choiceCategories, decide, makeChoice, revokedCategories, toState } from '../core/consent'
import { consentModeState } from '../core/consent-mode'
import { removals } from '../core/cleanup'
import { base64url, hex, uuidFromBytes } from '../core/ids'
import { pickLanguage } from '../core/language'
import { buildConsentRecord } from '../core/record'
import { BANNER_CONSENT, BANNER_NONE, type BannerKind, type ConsentMethod, type ConsentState, type PublishedConfig, type UiApi, type UiHost } from '../core/types'
import { presentNames, readCookie, remove, writeCookie } from './cookies'
import { createGate, type GatedElement } from './gate'
import { beaconPending, deliver, flush } from './net'
import { consentMode, vendorSignals } from './signals'
import { load, save } from './store'

/**
 * The server replaces the string literal "__MINICONSENT_CONFIG__", quotes included, with the
 * site's published config JSON. The source names a free global instead, which no bundler or
 * minifier can fold away; scripts/build.mjs then turns it into that literal. Tests set the global.
 */
declare const __MINICONSENT_CONFIG__: unknown
const EMBEDDED: unknown = __MINICONSENT_CONFIG__

const w = window as Window & { miniconsent?: unknown }
const d = document

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))
const uuid = () => (crypto.randomUUID ? crypto.randomUUID() : uuidFromBytes(random(16)))

/** Deny everything optional and ask: used when neither the server nor the cache gave a config. */
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

function start(): void {
  const script = d.currentScript as HTMLScriptElement | null
  const src = script ? script.src : ''
  const attr = (name: string) => (script && script.getAttribute(name)) || ''
  const base = src || location.href
  const api = attr('data-api').replace(/\/$/, '') || new URL(base).origin
  const nonce = (script && script.nonce) || ''
  const siteId = (/([\w-]+)\.js(?:[?#]|$)/.exec(src) || [])[1] || 'unknown'
  const gpc = (navigator as Navigator & { globalPrivacyControl?: boolean }).globalPrivacyControl === true
  const gate = createGate(d)
  const listeners = new Set<(s: ConsentState) => void>()
  const tablesDone = new WeakSet<Element>()

  let config: PublishedConfig
  let lang = 'en'
  let consentId = base64url(random(16))
  let choice: StoredChoice | null = null
  let categories: Record<string, boolean> = {}
  let state: ConsentState
  let known = false
  let ui: Promise<UiApi | void> | undefined
  let resolveReady: (s: ConsentState) => void
  const ready = new Promise<ConsentState>((r) => (resolveReady = r))

  const loadUi = () =>
    (ui ||= import(/* @vite-ignore */ new URL('ui.js', base).href).then(
      (m: { default: (h: UiHost) => UiApi }) => m.default(host),
      () => {},
    ))
  const withUi = (fn: (u: UiApi) => void) => loadUi().then((u) => u && fn(u))

  const host: UiHost = {
    _config: null as unknown as PublishedConfig,
    _lang: lang,
    _nonce: nonce,
    _state: () => state,
    _choose: (method, cats, services, texts) => commit(method, cats, services, texts),
  }

  const allowed = (el: HTMLElement) => {
    const service = el.getAttribute('data-service')
    if (service && service in state.services) return state.services[service]!
    return !!state.categories[el.getAttribute('data-category')!]
  }

  function scan(): void {
    if (!config) return
    const blocked = gate._apply(allowed).filter((f) => !(f as GatedElement)._ph)
    if (blocked.length) withUi((u) => u._placeholders(blocked))
    const tables = Array.from(d.querySelectorAll('[data-consent-table]')).filter((t) => !tablesDone.has(t))
    if (tables.length) {
      tables.forEach((t) => tablesDone.add(t))
      withUi((u) => u._tables(tables))
    }
  }

  /** Applies the state in force: Consent Mode, vendors, cleanup, gated elements. */
  function apply(first: boolean): void {
    state = toState(config, consentId, categories, choice, gpc)
    const cm = consentModeState(config, categories)
    if (!first || choice) consentMode('update', cm)
    vendorSignals(config, state.services, cm, first, nonce)
    remove(removals(config, categories, state.services, presentNames()))
    scan()
  }

  function persist(fresh: StoredChoice, texts?: string): Promise<unknown> {
    if (!config.revision) return Promise.resolve()
    writeCookie(config.site.cookieName, encodeConsentCookie(fresh), config.site.cookieLifetimeDays * 86400)
    const hash: Promise<string | null> =
      texts && crypto.subtle
        ? crypto.subtle.digest('SHA-256', new TextEncoder().encode(texts)).then(hex, () => null)
        : Promise.resolve(null)
    return hash.then((textsHash) =>
      deliver(
        api,
        '/api/v1/consents',
        buildConsentRecord(config, state, {
          recordId: uuid(),
          textsHash,
          language: lang,
          url: location.origin + location.pathname,
          clientTime: new Date().toISOString(),
        }),
      ),
    )
  }

  function commit(method: ConsentMethod, cats: Record<string, boolean>, services: Record<string, boolean>, texts?: string): void {
    try {
      const before = state
      const next = makeChoice(config, consentId, method, cats, services, gpc, Date.now())
      const nextCats = choiceCategories(config, next)
      const nextState = toState(config, consentId, nextCats, next, gpc)
      const revoked = [...revokedCategories(before.categories, nextCats), ...revokedCategories(before.services, nextState.services)]
      // A visitor taking back what they had allowed is a withdrawal in the consent log (SPEC §7).
      if (method === 'custom' && revoked.length && known) next.method = 'withdraw'
      choice = next
      categories = nextCats
      known = true
      apply(false)
      const sent = persist(next, texts)
      for (const fn of listeners) {
        try {
          fn(state)
        } catch {}
      }
      w.dispatchEvent(new CustomEvent('miniconsent:change', { detail: state }))
      resolveReady(state)
      // Scripts already running cannot be stopped: reload so that only what is allowed runs again.
      if (revoked.length && config.site.reloadOnRevoke) sent.then(() => location.reload())
    } catch {}
  }

  function begin(cfg: PublishedConfig): void {
    config = host._config = cfg
    lang = host._lang = pickLanguage([attr('data-lang'), d.documentElement.lang, navigator.language], cfg.site.defaultLanguage)
    const stored = parseConsentCookie(readCookie(cfg.site.cookieName))
    if (stored) consentId = stored.consentId
    const now = Date.now()
    const decision = decide(cfg, stored, consentId, gpc, now)
    // The default comes from the region's mode alone; a stored choice follows as an update.
    consentMode('default', consentModeState(cfg, decide(cfg, null, consentId, gpc, now)._categories), cfg.site.consentModeWaitForUpdate)
    choice = decision._choice
    categories = decision._categories
    known = !!choice || decision._banner !== BANNER_CONSENT
    apply(true)
    if (decision._fresh) persist(decision._choice!)
    if (known) resolveReady(state)
    const banner: BannerKind = decision._banner
    if (banner !== BANNER_NONE) withUi((u) => u._banner(banner))
  }

  function fetchConfig(): Promise<PublishedConfig> {
    const key = 'c:' + siteId
    return fetch(`${api}/api/v1/sites/${siteId}/config`)
      .then((r) => (r.ok ? r.json() : Promise.reject()))
      .then((c: PublishedConfig) => (save(key, c), c))
      .catch(() => load<PublishedConfig>(key))
      .then((c) => c || fallbackConfig(siteId))
  }

  const later =
    <A extends unknown[]>(fn: (...a: A) => unknown) =>
    (...a: A): void =>
      void (config ? fn(...a) : configLoaded.then(() => fn(...a)))

  const sendEvent = (path: string, extra: object): Promise<boolean> =>
    configLoaded.then(() =>
      deliver(api, path, { recordId: uuid(), siteId: config.siteId, consentId, clientTime: new Date().toISOString(), ...extra }),
    )

  w.miniconsent = {
    ready,
    get: () => (known ? state : null),
    accepted: (category: string) => !!(config && state.categories[category]),
    acceptedService: (id: string) => !!(config && state.services[id]),
    acceptAll: later(() => commit('api', allCategories(config, true), {})),
    rejectAll: later(() => commit('api', allCategories(config, false), {})),
    set: later((cats: Record<string, boolean>, services?: Record<string, boolean>) =>
      commit('api', { ...categories, ...cats }, { ...(choice && choice.services), ...services }),
    ),
    open: later(() => withUi((u) => u._open())),
    show: later(() => withUi((u) => u._banner(BANNER_CONSENT))),
    on: (event: string, fn: (s: ConsentState) => void) => {
      if (event === 'change') listeners.add(fn)
      return () => void listeners.delete(fn)
    },
    rescan: () => scan(),
    identify: (userId: string) => sendEvent('/api/v1/consents/identify', { userId }),
    acceptDocument: (type: string, opts: { userId?: string } = {}) =>
      sendEvent('/api/v1/documents', { type, userId: opts.userId ?? null, language: lang, url: location.origin + location.pathname }),
  }

  const configLoaded: Promise<unknown> =
    typeof EMBEDDED === 'object' && EMBEDDED ? Promise.resolve(begin(EMBEDDED as PublishedConfig)) : fetchConfig().then(begin)
  configLoaded.catch(() => {})

  const whenParsed = (fn: () => void) => (d.readyState === 'loading' ? d.addEventListener('DOMContentLoaded', fn) : fn())
  whenParsed(() => {
    configLoaded.then(scan)
    // Elements a single-page app adds later are gated too.
    new MutationObserver((records) => {
      if (records.some((r) => Array.from(r.addedNodes).some((n) => n.nodeType === 1))) scan()
    }).observe(d.documentElement, { childList: true, subtree: true })
  })
  d.addEventListener('click', (e) => {
    const t = e.target as Element | null
    if (t && t.closest && t.closest('[data-consent-open]')) {
      e.preventDefault()
      ;(w.miniconsent as { open(): void }).open()
    }
  })
  flush(api)
  w.addEventListener('pagehide', () => beaconPending(api))
}

try {
  if (!w.miniconsent) start()
} catch {}
