// The script every customer page loads first in <head>: decides, signals Consent Mode and
// vendors, and gates scripts — synchronously when the server embedded the config. Showing
// anything and recording a choice live in chunks loaded on demand (dist/banner.js, record.js,
// dialog.js, …), so a returning visit downloads nothing more. Nothing here may throw into the page.
import { parseConsentCookie, type StoredChoice } from '@miniconsent/shared/cookie'
import { consentIdAt } from '@miniconsent/shared/ids'
import { allCategories, decide, own, toState } from '../core/consent'
import { consentModeState } from '../core/consent-mode'
import { BANNER_CONSENT, BANNER_NONE, type BannerChunk, type BannerKind, type ChunkName, type ConsentState, type Host, type MiniConsent, type PublishedConfig, type RecordChunk, type StoreChunk, type UiApi } from '../core/types'
import { readCookie } from './cookie-jar'
import { d, w } from './dom'
import { createGate, type GatedElement } from './gate'
import { CONSENT_ID_KEY, PENDING_FLAG } from './net-flag'
import { consentMode, gtag, posthogSignal, vendorSignals } from './signals'

/**
 * The server replaces the string literal "__MINICONSENT_CONFIG__", quotes included, with the
 * site's published config JSON. The source names a free global instead, which no bundler or
 * minifier can fold away; scripts/build.mjs then turns it into that literal.
 */
declare const __MINICONSENT_CONFIG__: unknown
const EMBEDDED: unknown = __MINICONSENT_CONFIG__


function start(): void {
  const script = d.currentScript as HTMLScriptElement | null
  const src = script?.src || ''
  const base = src || location.href
  const attr = (name: string) => script?.getAttribute(name) || ''
  const api = (attr('data-api') || new URL(base).origin).replace(/\/$/, '')
  let gpc = (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl === true
  const gate = createGate(d, () => config && posthogSignal(config, state.services))

  let config: PublishedConfig | undefined
  let consentId = consentIdAt(Date.now(), crypto.getRandomValues(new Uint32Array(3)))
  let choice: StoredChoice | null = null
  let state = { categories: {}, services: {} } as ConsentState
  let known = false
  /** Truthy for a few seconds after a chunk failed to load: the page scan asks for no chunk then (see fail). */
  let quiet: unknown
  /** The first layer the visitor is owed (set by begin), drawn by the banner chunk when it mounts. */
  let owed: () => BannerKind
  let resolveReady: (s: ConsentState) => void
  const ready = new Promise<ConsentState>((r) => (resolveReady = r))
  // Page code gets copies: changing one must not change what the SDK allows.
  const copy = (): ConsentState => JSON.parse(JSON.stringify(state))

  // Relative to the core script, so a CDN copy of the SDK loads its chunks from the same place.
  // Not kept here: the browser's module map loads and runs each chunk once, and forgets one whose
  // fetch failed (whatwg/html#10327; Chromium does), so that asking again after a network failure
  // tries again: a kept rejection left "Your Privacy Choices" dead for the rest of the page view.
  // import() takes the URL itself: it turns its argument into a string (ToString), the URL's href.
  const chunk = <T,>(name: ChunkName): Promise<T> => import(/* @vite-ignore */ new URL(name + '.js', base) as unknown as string).then((m) => m.default)
  /**
   * `also` is fetched in parallel with the banner chunk, which would otherwise ask for it only once run.
   * Asks at once, whatever failed before (open(), Cookie Settings links, show(), a declaration coming
   * into view), and ends the page scan's wait (quiet): if this load fails too, it starts again.
   */
  const withUi = (fn?: (u: UiApi) => void, also?: ChunkName) => {
    quiet = 0
    if (also) chunk(also).catch(fail)
    // Mounted once, on the chunk's own object: a banner chunk that failed to load is asked for again
    // next time. The mount draws the first layer owed then, not when first asked: after a failed
    // load, the next that succeeds (open(), a declaration, a placeholder) still shows the banner.
    chunk<BannerChunk>('banner').then((m) => (m._ui ||= m._mount(host, owed()))).then(fn, fail)
  }
  /**
   * A UI chunk failed to load. The scan runs on every change to the page and asks again for what is
   * not drawn yet: with a chunk that keeps failing (a 404 after a bad deploy, a CSP that blocks it,
   * a network down), a ticker or a single-page app sent a request, or a CSP report, per change. It
   * asks again once 5 s have passed (the first failure's timer, when several failed together).
   */
  const fail = () => (quiet = setTimeout(() => (quiet = 0), 5e3))

  // _config and _gpc are set once the config is known (begin), before any chunk can read them.
  const host = {
    _api: api,
    _nonce: script?.nonce || '',
    _lang: attr('data-lang'),
    _state: () => state,
    _choose: (...a) => chunk<RecordChunk>('record').then((m) => m._commit(host, ...a)),
    _chunk: chunk,
    _set: set,
    _ui: withUi,
  } as Host


  function scan(): void {
    if (!config) return
    const blocked = gate._apply((el) => {
      // A service the catalogue does not know counts as its category; an unknown category as refused.
      return own(state.services, el.getAttribute('data-service')!) ?? !!own(state.categories, el.getAttribute('data-category')!)
    })
    const frames = blocked.filter((f) => !(f as GatedElement)._ph)
    // Gated above in any case; drawn below, unless a chunk failed to load a moment ago (see fail).
    if (quiet) return
    if (frames.length) withUi((u) => u._placeholders(frames), 'placeholder')
    // Marked (_ph) by dialog.js once drawn, as iframes by placeholder.js: one whose chunk failed to
    // load is asked for again by a later scan (a change to the page, the dialog opening) once 5 s
    // have passed, or at once after the visitor asked for the UI (see withUi).
    for (const t of d.querySelectorAll<GatedElement>('[data-consent-table]')) if (!t._ph) config.needsBanner ? tables.observe(t) : showTables([t])
  }

  const showTables = (els: Element[]) => withUi((u) => u._tables(els), 'dialog')
  // A declaration is usually far down a page: where a banner may show, its chunk is loaded only
  // when it comes near the viewport, so that neither first nor returning visits pay for it up
  // front. A site that needs no banner has the declaration as its only UI: shown at once.
  const tables = new IntersectionObserver(
      (entries) => entries.map((e) => e.isIntersecting && (tables.unobserve(e.target), showTables([e.target]))),
      { rootMargin: '50%' },
    )

  /** Applies `next`: Consent Mode, vendor signals, gated elements. */
  function apply(next: ConsentState, first?: boolean): void {
    state = next
    // Under GPC too: the server's defaults assume no signal when the request for them carried none.
    if (!first || choice || gpc) consentMode('update', consentModeState(config!, next.categories, next.services))
    // Clarity's ad storage follows the ad categories: a Google service allowed by exception is no consent for Microsoft's ads.
    vendorSignals(config!, next.services, consentModeState(config!, next.categories), !!first, host._nonce)
    // PostHog's signal too (see posthogSignal).
    scan()
  }

  /**
   * Puts a choice made now, and the state it makes, in force (RecordChunk._commit makes both and
   * tells the page). Returns whether a state was known before: only then can it be withdrawn.
   */
  function set(next: StoredChoice, s: ConsentState): boolean {
    const was = known
    choice = next
    known = true
    apply(s)
    resolveReady(copy())
    return was
  }

  function begin(cfg: PublishedConfig): void {
    config = host._config = cfg
    // The server saw `Sec-GPC: 1` on the request for this config (SPEC §5).
    host._gpc = gpc ||= !!cfg.gpc
    const stored = parseConsentCookie(readCookie(cfg.site.cookieName))
    if (stored) consentId = stored.consentId
    const decision = decide(cfg, stored, gpc, Date.now())
    // Read when the banner chunk mounts: no first layer once a choice came through the API before
    // the banner chunk did. Set before apply(), whose scan may already ask for the UI (a placeholder).
    owed = () => (choice == decision._choice ? decision._banner : BANNER_NONE)
    // The server's defaults, per region from the rules of its modes and then this request's own;
    // a stored choice follows as an update (in apply), as Google asks on every page load.
    for (const x of cfg.consentModeDefaults || []) consentMode('default', x)
    // The site's ads_data_redaction / url_passthrough, after the defaults as Google's examples order them.
    if (cfg.gtagSet) gtag('set', cfg.gtagSet)
    choice = decision._choice
    known = !!choice || decision._banner != BANNER_CONSENT
    apply(toState(cfg, consentId, decision._categories, decision._services, choice, gpc), true)
    if (decision._fresh) host._choose('gpc', decision._categories, state.services)
    if (known) resolveReady(copy())
    // Opt-out regions get a "Your Privacy Choices" button (SPEC §6); sites may ask for a reopen button.
    if (decision._banner || cfg.mode == 'opt-out' || cfg.catalogue.appearance.floatingButton) withUi()
  }

  try {
    // A consentId identify() or acceptDocument() linked on an earlier page view, before any choice.
    consentId = localStorage.getItem(CONSENT_ID_KEY) || consentId
    if (localStorage.getItem(PENDING_FLAG)) chunk<StoreChunk>('store').then((m) => m._flush(api))
  } catch {}

  const configLoaded: Promise<void> =
    typeof EMBEDDED === 'object' && EMBEDDED
      ? Promise.resolve(begin(EMBEDDED as PublishedConfig))
      : chunk<StoreChunk>('store').then((m) => m._fetchConfig(api, src).then(begin))

  const later =
    <A extends unknown[], R>(fn: (...a: A) => R) =>
    (...a: A): Promise<Awaited<R>> =>
      configLoaded.then(() => fn(...a)) as Promise<Awaited<R>>

  const open = later(() => withUi((u) => u._open(), 'dialog'))
  w.miniconsent = {
    ready,
    get: () => (known ? copy() : null),
    accepted: (category: string) => !!own(state.categories, category),
    acceptedService: (id: string) => !!own(state.services, id),
    acceptAll: later(() => host._choose('api', allCategories(config!, true), {})),
    rejectAll: later(() => host._choose('api', allCategories(config!, false), {})),
    // Checked and merged into the state in force by record.js (set(null), set(42) are refused there).
    set: later((categories: Record<string, boolean>, services?: Record<string, boolean>) => host._choose('api', categories, services!, undefined, 1)),
    open,
    show: later(() => withUi((u) => u._banner(BANNER_CONSENT))),
    on: (event: string, fn: (s: ConsentState) => void) => {
      const listener = (e: Event) => fn((e as CustomEvent<ConsentState>).detail)
      w.addEventListener('miniconsent:' + event, listener)
      return () => w.removeEventListener('miniconsent:' + event, listener)
    },
    rescan: scan,
    identify: later((...a: [userId: string]) => chunk<RecordChunk>('record').then((m) => m._identify(host, ...a))),
    acceptDocument: later((...a: [type: string, opts?: { userId?: string }]) => chunk<RecordChunk>('record').then((m) => m._acceptDocument(host, ...a))),
  } satisfies MiniConsent

  // From the start, not from DOMContentLoaded: a granted script further down <head> is released as
  // soon as the parser inserts it; later, elements a single-page app adds are gated too.
  new MutationObserver(scan).observe(d.documentElement, { childList: true, subtree: true })
  d.addEventListener('DOMContentLoaded', scan)
  d.addEventListener('click', (e) => {
    const t = e.target as Element
    if (t.closest?.('[data-consent-open]')) {
      e.preventDefault()
      open()
    }
  })
}

try {
  if (!w.miniconsent) start()
} catch {}
