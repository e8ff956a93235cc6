// The harness of the bundle tests (bundle*.test.ts): the built, minified dist/miniconsent.js (and
// the chunks it loads from dist/) in a fresh happy-dom window per test, what a visitor's browser
// runs, mangled property names included. Run `pnpm build` first.
import { existsSync, readFileSync } from 'node:fs'
import { PropertySymbol, type Window } from 'happy-dom'
import { encodeConsentCookie } from '@miniconsent/shared/cookie'
import type { PublishedConfig } from '@miniconsent/shared'
import { minopaConfig } from '../test/fixtures'
import { scriptingWindow } from '../test/scripting-window'

export const BUNDLE = readFileSync(new URL('../../dist/miniconsent.js', import.meta.url), 'utf8')
export const chunk = (name: string) => {
  const file = new URL('../../dist/' + name, import.meta.url)
  return /^[\w-]+\.js$/.test(name) && existsSync(file) ? readFileSync(file, 'utf8') : null
}
export const PAGE = `<!doctype html><html lang="en"><head></head><body>
<script type="text/plain" data-category="analytics">window.ran.push('analytics-1')</script>
<script type="text/plain" data-category="marketing" nonce="abc">window.ran.push('marketing')</script>
<script type="text/plain" data-category="analytics" data-service="sentry">window.ran.push('sentry')</script>
<script type="text/plain" data-category="analytics">window.ran.push('analytics-2')</script>
<iframe data-category="analytics" data-src="https://example.com/embed"></iframe>
</body></html>`
/** PAGE in another language. */
export const pageIn = (lang: string) => PAGE.replace('lang="en"', `lang="${lang}"`)

export interface Posted {
  url: string
  body: Record<string, unknown>
}

const windows: Window[] = []

/** Closes the windows the test opened (boot): each bundle test file runs it after each test. */
export async function closeWindows(): Promise<void> {
  for (const w of windows.splice(0)) await w.happyDOM.close()
}

/**
 * Makes `window` fetch a module whose fetch failed again on its next import(), as the HTML standard
 * now says (whatwg/html#10327) and Chromium does: happy-dom, as browsers did before, keeps a failed
 * module in its module map and fails every later import() of it without asking the network. A
 * module still on its way stays shared by every import() of it, as in a browser. Unlike a browser,
 * happy-dom never runs a module whose own import failed (dialog.js importing banner.js), even later:
 * a test that fails banner.js fails the chunks fetched beside it too.
 */
function forgetFailedModules(window: Window): void {
  type Entry = { addResolveListener?(resolve: () => void, reject: () => void): void }
  const modules = (window as unknown as Record<symbol, { esm: Map<string, Entry> }>)[PropertySymbol.modules]!.esm
  const get = modules.get.bind(modules)
  modules.get = (url) => {
    const entry = get(url)
    let failed = false
    // Only an unresolved module has this; one that failed calls `reject` at once.
    entry?.addResolveListener?.(() => {}, () => (failed = true))
    return failed ? undefined : entry
  }
}

/** `unavailable`: chunks the server answers with a 404, as a network that fails to deliver them. */
/**
 * `failOnce`: chunks whose first request fails (a 404), as a network that drops it, and which are
 * delivered when asked for again (see forgetFailedModules). `failing`: chunks whose requests fail
 * while they are in the set, as a network that is down; the test takes a name out to let the next
 * request through.
 * `status`: the server's answer to a POST by its path (201 otherwise); `url`: the page's;
 * `before`: prepares the window before the SDK runs (e.g. a stubbed indexedDB).
 */
export async function boot(opts: { config?: PublishedConfig | null; cookie?: string; gpc?: boolean; fetchFails?: boolean; html?: string; storage?: Record<string, string>; unavailable?: string[]; failOnce?: string[]; failing?: Set<string>; status?: (path: string) => number; url?: string; before?: (win: Record<string, any>) => void } = {}) {
  const chunkRequests: string[] = []
  // happy-dom loads the chunks through its own fetch: served from dist/. Vendor libraries the SDK
  // inserts (Meta's on a grant) are fetched synchronously: never the real network.
  const w = scriptingWindow(opts.url ?? 'https://minopa.com/pricing?ref=mail', async (name, window) => {
    const dropped = (!chunkRequests.includes(name) && !!opts.failOnce?.includes(name)) || !!opts.failing?.has(name)
    chunkRequests.push(name)
    const code = opts.unavailable?.includes(name) || dropped ? null : chunk(name)
    return new window.Response(code ?? '', { status: code ? 200 : 404, headers: { 'content-type': 'text/javascript' } })
  })
  windows.push(w)
  if (opts.failOnce || opts.failing) forgetFailedModules(w)
  const win = w as unknown as Record<string, any>
  win.ran = []
  const posted: Posted[] = []
  win.fetch = async (url: string, init?: { body?: string }) => {
    if (opts.fetchFails) throw new TypeError('offline')
    if (init?.body) posted.push({ url, body: JSON.parse(init.body) })
    const status = opts.status?.(new URL(url).pathname) ?? 201
    return { ok: status < 300, status, json: async () => (status < 300 ? {} : { error: { code: 'refused', message: 'Refused' } }) }
  }
  opts.before?.(win)
  if (opts.gpc) Object.defineProperty(w.navigator, 'globalPrivacyControl', { value: true })
  // happy-dom never reports an intersection: the test says when an element comes into view.
  const observers: { cb: (entries: object[]) => void; els: Set<unknown> }[] = []
  win.IntersectionObserver = class {
    els = new Set<unknown>()
    constructor(cb: (entries: object[]) => void) {
      observers.push({ cb, els: this.els })
    }
    observe(el: unknown) {
      this.els.add(el)
    }
    unobserve(el: unknown) {
      this.els.delete(el)
    }
  }
  const intersect = (el: unknown) => observers.forEach((o) => o.els.has(el) && o.cb([{ target: el, isIntersecting: true }]))
  if (opts.cookie) w.document.cookie = opts.cookie
  // What an earlier page view of the same browser left in localStorage.
  for (const [k, v] of Object.entries(opts.storage ?? {})) w.localStorage.setItem(k, v)
  w.document.write(opts.html ?? PAGE)
  const config = opts.config === undefined ? minopaConfig() : opts.config
  const code = config ? BUNDLE.replace('"__MINICONSENT_CONFIG__"', () => JSON.stringify(config)) : BUNDLE
  // An inline script element, as happy-dom only gives those dynamic import().
  const script = w.document.createElement('script')
  script.text = code
  w.document.head.prepend(script)
  await settle()
  return { w, win, posted, chunkRequests, intersect, api: win.miniconsent }
}

/** Lets chunk loads and their effects finish; generous, as happy-dom fetches chunks asynchronously under load. */
export const settle = () => new Promise((r) => setTimeout(r, 150))

export const stored = (granted: string[], over: object = {}) =>
  'miniconsent=' + encodeConsentCookie({ consentId: 'Zm9vYmFyYmF6cXV4cXV1eA', revision: 3, updatedAt: Date.now() - 864e5, method: 'custom', granted, services: {}, gpc: false, ...over })

/** The stored-choice cookie the SDK wrote in `w` (the last of that name), for the next page view. */
export const storedCookie = (w: Window) => 'miniconsent=' + /.*miniconsent=([^;]+)/.exec(w.document.cookie)![1]

export const consentCalls = (win: Record<string, any>) =>
  (win.dataLayer as IArguments[]).filter((a) => a[0] === 'consent').map((a) => ({ isArguments: Object.prototype.toString.call(a) === '[object Arguments]', command: a[1], state: a[2] }))

