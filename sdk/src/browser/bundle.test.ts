// The built, minified dist/miniconsent.js (and the chunks it loads from dist/) in a fresh
// happy-dom window per test: what a visitor's browser runs, mangled property names included.
// Run `pnpm build` first.
import { existsSync, readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { Window } from 'happy-dom'
import { encodeConsentCookie, parseConsentCookie } from '@miniconsent/shared/cookie'
import type { PublishedConfig } from '@miniconsent/shared'
import { advertisingConfig, minimagicConfig, minopaConfig, moniClubConfig } from '../test/fixtures'
import { en } from '../ui/texts/en'

const BUNDLE = readFileSync(new URL('../../dist/miniconsent.js', import.meta.url), 'utf8')
const chunk = (name: string) => {
  const file = new URL('../../dist/' + name, import.meta.url)
  return /^[\w-]+\.js$/.test(name) && existsSync(file) ? readFileSync(file, 'utf8') : null
}
const PAGE = `<!doctype html><html lang="en"><head></head><body>
<script type="text/plain" data-category="analytics">window.ran.push('analytics-1')</script>
<script type="text/plain" data-category="marketing" nonce="abc">window.ran.push('marketing')</script>
<script type="text/plain" data-category="analytics" data-service="sentry">window.ran.push('sentry')</script>
<script type="text/plain" data-category="analytics">window.ran.push('analytics-2')</script>
<iframe data-category="analytics" data-src="https://example.com/embed"></iframe>
</body></html>`
/** PAGE in another language. */
const pageIn = (lang: string) => PAGE.replace('lang="en"', `lang="${lang}"`)

interface Posted {
  url: string
  body: Record<string, unknown>
}

const windows: Window[] = []
afterEach(async () => {
  for (const w of windows.splice(0)) await w.happyDOM.close()
})

/** `unavailable`: chunks the server answers with a 404, as a network that fails to deliver them. */
/**
 * `status`: the server's answer to a POST by its path (201 otherwise); `url`: the page's;
 * `before`: prepares the window before the SDK runs (e.g. a stubbed indexedDB).
 */
async function boot(opts: { config?: PublishedConfig | null; cookie?: string; gpc?: boolean; fetchFails?: boolean; html?: string; storage?: Record<string, string>; unavailable?: string[]; status?: (path: string) => number; url?: string; before?: (win: Record<string, any>) => void } = {}) {
  const chunkRequests: string[] = []
  const w = new Window({
    url: opts.url ?? 'https://minopa.com/pricing?ref=mail',
    settings: {
      enableJavaScriptEvaluation: true,
      suppressInsecureJavaScriptEnvironmentWarning: true,
      // happy-dom loads the chunks through its own fetch: serve them from dist/.
      fetch: {
        interceptor: {
          beforeAsyncRequest: async ({ request, window }) => {
            const name = request.url.split('/').pop()!
            chunkRequests.push(name)
            const code = opts.unavailable?.includes(name) ? null : chunk(name)
            return new window.Response(code ?? '', { status: code ? 200 : 404, headers: { 'content-type': 'text/javascript' } })
          },
          // Vendor libraries the SDK inserts (Meta's on a grant): never the real network.
          beforeSyncRequest: ({ request, window }) => ({ status: 404, statusText: 'Not Found', ok: false, url: request.url, redirected: false, headers: new window.Headers(), body: null }),
        },
      },
    },
  })
  windows.push(w)
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
const settle = () => new Promise((r) => setTimeout(r, 150))

const stored = (granted: string[], over: object = {}) =>
  'miniconsent=' + encodeConsentCookie({ consentId: 'Zm9vYmFyYmF6cXV4cXV1eA', revision: 3, updatedAt: Date.now() - 864e5, method: 'custom', granted, services: {}, gpc: false, ...over })

/** The stored-choice cookie the SDK wrote in `w` (the last of that name), for the next page view. */
const storedCookie = (w: Window) => 'miniconsent=' + /.*miniconsent=([^;]+)/.exec(w.document.cookie)![1]

const consentCalls = (win: Record<string, any>) =>
  (win.dataLayer as IArguments[]).filter((a) => a[0] === 'consent').map((a) => ({ isArguments: Object.prototype.toString.call(a) === '[object Arguments]', command: a[1], state: a[2] }))

describe('dist/miniconsent.js', () => {
  it('holds the config placeholder exactly once', () => {
    expect(BUNDLE.split('"__MINICONSENT_CONFIG__"').length).toBe(2)
  })

  it('has the chunks loaded after banner.js take Preact and the banner’s buttons from it, not a copy of their own', () => {
    // The preferences' buttons and the declaration's link check are the banner's: bundled again,
    // they cost dialog.js ~110 B brotli (the build's rule missed ui/Banner.tsx by its extension).
    const dialog = chunk('dialog.js')!
    expect(/import\{[^}]*\bButtons as \w+[^}]*\}from"\.\/banner\.js"/.test(dialog)).toBe(true)
    expect(/import\{[^}]*\bsafeUrl as \w+[^}]*\}from"\.\/banner\.js"/.test(dialog)).toBe(true)
    expect(dialog).not.toContain('mc-btns')
    for (const name of ['dialog.js', 'placeholder.js']) expect(chunk(name)).toMatch(/import\{[^}]*\brender as \w+[^}]*\}from"\.\/banner\.js"/)
  })

  it('on a returning visit runs the granted scripts in document order, keeps the rest blocked and shows nothing', async () => {
    const { w, win, api, chunkRequests } = await boot({ cookie: stored(['essential', 'analytics']) })
    expect(chunkRequests).toEqual([])
    expect(win.ran).toEqual(['analytics-1', 'sentry', 'analytics-2'])
    expect(w.document.querySelector('iframe')!.getAttribute('src')).toBe('https://example.com/embed')
    expect(w.document.querySelector('script[type="text/plain"]')!.getAttribute('nonce')).toBe('abc')
    expect(w.document.getElementById('miniconsent')).toBeNull()
    expect(api.get()).toMatchObject({ consentId: 'Zm9vYmFyYmF6cXV4cXV1eA', method: 'custom', categories: { essential: true, analytics: true, marketing: false } })
    expect(api.accepted('analytics')).toBe(true)
    expect(api.acceptedService('google-analytics')).toBe(true)
    await expect(api.ready).resolves.toMatchObject({ revision: 3 })
  })

  it('keeps elements whose category or service is named like an Object member blocked, and answers false for those names', async () => {
    const names = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']
    const html =
      names.map((n) => `<script type="text/plain" data-category="${n}">ran.push('${n}')</script>`).join('') +
      '<script type="text/plain" data-category="marketing" data-service="constructor">ran.push("marketing service")</script>' +
      '<script type="text/plain" data-category="analytics" data-service="toString">ran.push("analytics service")</script>' +
      '<iframe data-category="constructor" data-src="https://example.com/embed"></iframe><img data-category="__proto__" data-src="https://example.com/p.gif">'
    const { w, win, api } = await boot({ cookie: stored(['essential', 'analytics']), html })
    // An unknown service counts as its category: analytics is granted, marketing is not.
    expect(win.ran).toEqual(['analytics service'])
    expect(w.document.querySelector('iframe')!.hasAttribute('src')).toBe(false)
    expect(w.document.querySelector('img')!.hasAttribute('src')).toBe(false)
    for (const n of names) {
      expect(api.accepted(n)).toBe(false)
      expect(api.acceptedService(n)).toBe(false)
    }
    // Nor does set() with such a name grant anything.
    api.set({ constructor: true, toString: true, ['__proto__']: true })
    await settle()
    expect(win.ran).toEqual(['analytics service'])
    expect(api.get().categories).toEqual({ essential: true, functional: false, analytics: true, marketing: false })
  })

  it('loads an iframe whose unknown service is named like an Object member by allowing its category from the placeholder', async () => {
    const html = '<iframe data-category="analytics" data-service="constructor" data-src="https://example.com/embed"></iframe>'
    const { w, api } = await boot({ cookie: stored(['essential']), html })
    await settle()
    ;(w.document.querySelector('.mc-ph button') as unknown as HTMLElement).click()
    await settle()
    expect(w.document.querySelector('iframe')!.getAttribute('src')).toBe('https://example.com/embed')
    expect(api.get().categories.analytics).toBe(true)
  })

  it('pushes the server’s Consent Mode defaults in order as Arguments objects, then the stored choice again as an update', async () => {
    const config = minopaConfig()
    const { win } = await boot({ config, cookie: stored(['essential', 'analytics']) })
    const calls = consentCalls(win)
    expect(calls.map((c) => [c.isArguments, c.command])).toEqual([[true, 'default'], [true, 'default'], [true, 'default'], [true, 'update']])
    expect(calls.slice(0, 3).map((c) => c.state)).toEqual(config.consentModeDefaults)
    expect(calls[0]!.state).toMatchObject({ analytics_storage: 'denied', security_storage: 'granted', wait_for_update: 500, region: ['DE', 'FR', 'GB'] })
    expect(calls[3]!.state).toEqual({ ...calls[2]!.state, analytics_storage: 'granted', wait_for_update: undefined })
    expect(win.clarity.q[0][0]).toBe('consentv2')
  })

  it('denies a Consent Mode type to Google when the visitor refused its Google service by exception, and grants it for one allowed so', async () => {
    // Analytics allowed, Google Analytics refused: the Google tag must not store its cookies.
    const refused = await boot({ cookie: stored(['essential', 'analytics'], { services: { 'google-analytics': false } }), html: '<p>Page</p>' })
    expect(consentCalls(refused.win).at(-1)).toMatchObject({ command: 'update', state: { analytics_storage: 'denied', security_storage: 'granted' } })
    // Clarity follows its own choice, not Google's.
    expect(refused.win.clarity.q.at(-1)[1]).toEqual({ ad_Storage: 'denied', analytics_Storage: 'granted' })
    // Analytics refused, Google Analytics allowed by exception.
    const allowed = await boot({ cookie: stored(['essential'], { services: { 'google-analytics': true } }), html: '<p>Page</p>' })
    expect(consentCalls(allowed.win).at(-1)).toMatchObject({ command: 'update', state: { analytics_storage: 'granted', ad_storage: 'denied' } })
    expect(allowed.win.clarity.q.at(-1)[1]).toEqual({ ad_Storage: 'denied', analytics_Storage: 'denied' })
    // A choice made now, through the API.
    refused.api.set({ analytics: true }, { 'google-analytics': true })
    await settle()
    expect(consentCalls(refused.win).at(-1)).toMatchObject({ command: 'update', state: { analytics_storage: 'granted' } })
    allowed.api.set({ analytics: true }, { 'google-analytics': false })
    await settle()
    expect(consentCalls(allowed.win).at(-1)).toMatchObject({ command: 'update', state: { analytics_storage: 'denied' } })
  })

  it('signals each vendor its service’s own choice, exceptions included', async () => {
    // PostHog's snippet has run (its stub queues calls); Meta's and TikTok's are gated.
    const html = '<script>window.posthog = []</script><p>Page</p>'
    const config = moniClubConfig('opt-out', { revision: 3, consentRevision: 2 })
    config.catalogue.services.push({ id: 'microsoft-ads', category: 'marketing', name: 'Microsoft Advertising', provider: 'Microsoft', purpose: {}, vendor: 'uet' })
    config.catalogue.services.push({ id: 'microsoft-clarity', category: 'analytics', name: 'Microsoft Clarity', provider: 'Microsoft', purpose: {}, vendor: 'clarity' })
    // Marketing allowed but Meta, TikTok and Microsoft Ads refused; analytics refused but PostHog and Clarity allowed.
    const cookie = stored(['essential', 'marketing'], { services: { 'meta-pixel': false, 'tiktok-pixel': false, 'microsoft-ads': false, posthog: true, 'microsoft-clarity': true } })
    const { win } = await boot({ config, cookie, html })
    expect(Array.from(win.fbq.queue as IArguments[], (a) => [a[0], a[1]])).toEqual([['consent', 'revoke']])
    expect(win.ttq).toEqual([['holdConsent'], ['revokeConsent']])
    expect(win.uetq).toEqual(['consent', 'default', { ad_storage: 'denied' }])
    expect(win.posthog).toEqual([['opt_in_capturing']])
    expect(win.clarity.q.at(-1)[1]).toEqual({ ad_Storage: 'granted', analytics_Storage: 'granted' })
  })

  it('pushes no update before a choice, so tags wait for the visitor’s', async () => {
    const { win } = await boot()
    expect(consentCalls(win).map((c) => c.command)).toEqual(['default', 'default', 'default'])
  })

  it('pushes GPC the server did not see as an update before any gated script runs', async () => {
    const html = '<script type="text/plain" data-category="analytics">dataLayer.push("analytics ran")</script>'
    const { win } = await boot({ config: moniClubConfig('opt-out'), gpc: true, html })
    const layer = win.dataLayer as unknown[]
    const update = layer.findIndex((a) => (a as IArguments)[1] === 'update')
    expect(consentCalls(win)[3]!.state).toMatchObject({ ad_storage: 'denied', ad_user_data: 'denied', analytics_storage: 'granted' })
    expect(update).toBeGreaterThan(-1)
    expect(update).toBeLessThan(layer.indexOf('analytics ran'))
  })

  it('treats a choice older than the consent revision as none: nothing runs', async () => {
    const { win, api } = await boot({ cookie: stored(['essential', 'analytics'], { revision: 1 }) })
    expect(win.ran).toEqual([])
    expect(api.get()).toBeNull()
    expect(api.accepted('analytics')).toBe(false)
  })

  it('in opt-out regions asks again after a consent revision, keeping the stored refusal in force meanwhile', async () => {
    const cookie = stored(['essential'], { revision: 1, method: 'reject-all' })
    const { w, win, api } = await boot({ config: moniClubConfig('opt-out', { revision: 2, consentRevision: 2 }), cookie })
    expect(win.ran).toEqual([])
    expect(api.accepted('marketing')).toBe(false)
    expect(consentCalls(win).at(-1)).toMatchObject({ command: 'update', state: { ad_storage: 'denied', analytics_storage: 'denied' } })
    const banner = w.document.querySelector('[role="region"]')!
    expect(Array.from(banner.querySelectorAll('button')).map((b) => b.textContent)).toEqual(['Accept all', 'Reject all', 'Cookie Settings'])
    ;(banner.querySelector('button') as unknown as HTMLElement).click()
    await settle()
    expect(win.ran).toEqual(['analytics-1', 'marketing', 'sentry', 'analytics-2'])
    expect(api.get()).toMatchObject({ method: 'accept-all', revision: 2 })
  })

  it('hands page code copies of its state: changing them grants nothing', async () => {
    const { win, api } = await boot({ cookie: stored(['essential']) })
    const changes: any[] = []
    api.on('change', (s: any) => changes.push(s))
    api.get().categories.marketing = true
    api.get().services.sentry = true
    ;(await api.ready).categories.analytics = true
    api.rescan()
    expect(win.ran).toEqual([])
    api.set({ functional: true })
    await settle()
    changes[0].categories.marketing = true
    ;(await api.ready).categories.marketing = true
    api.rescan()
    expect(win.ran).toEqual([])
    expect(api.get().categories).toEqual({ essential: true, functional: true, analytics: false, marketing: false })
  })

  it('closes the banner on a choice made through the API', async () => {
    const { w, api } = await boot()
    expect(w.document.querySelector('[role="region"]')).not.toBeNull()
    api.rejectAll()
    await settle()
    expect(w.document.querySelector('[role="region"]')).toBeNull()
    expect(api.get()).toMatchObject({ method: 'api' })
    // Also when the page chooses before the banner chunk has arrived.
    const early = await boot({ html: '<script type="text/plain" data-category="essential">setTimeout(() => miniconsent.acceptAll())</script>' })
    expect(early.api.get()).toMatchObject({ method: 'api' })
    expect(early.w.document.querySelector('[role="region"]')).toBeNull()
  })

  it('shows an iframe released before its placeholder chunk arrived, with no placeholder over it', async () => {
    const { w, api } = await boot({ html: '<p>page</p>' })
    const frame = w.document.createElement('iframe')
    frame.setAttribute('data-category', 'analytics')
    frame.setAttribute('data-src', 'https://example.com/embed')
    w.document.body.appendChild(frame)
    api.acceptAll()
    await settle()
    await settle()
    expect(frame.getAttribute('src')).toBe('https://example.com/embed')
    expect(frame.hidden).toBe(false)
    expect(w.document.querySelectorAll('.mc-ph')).toHaveLength(0)
  })

  it('records a choice made through the API, stores it and releases what it grants', async () => {
    const { w, win, api, posted } = await boot()
    const changes: unknown[] = []
    api.on('change', (s: unknown) => changes.push(s))
    let event: any
    w.addEventListener('miniconsent:change', (e) => (event = e))
    api.acceptAll()
    await settle()
    expect(win.ran).toEqual(['analytics-1', 'marketing', 'sentry', 'analytics-2'])
    const cookie = parseConsentCookie(/miniconsent=([^;]+)/.exec(w.document.cookie)![1])
    expect(cookie).toMatchObject({ method: 'api', revision: 3 })
    // The time this visitor was first seen, in base 36, then 96 random bits (see consentIdAt).
    expect(cookie!.consentId).toMatch(/^[0-9a-z]{8}[0-9]{3,30}$/)
    expect(Math.abs(parseInt(cookie!.consentId.slice(0, 8), 36) - Date.now())).toBeLessThan(60_000)
    expect(posted).toHaveLength(1)
    expect(posted[0]!.url).toBe('https://minopa.com/api/v1/consents')
    expect(posted[0]!.body).toMatchObject({
      consentId: cookie!.consentId,
      siteId: 'minopa',
      revision: 3,
      method: 'api',
      textsHash: null,
      url: 'https://minopa.com/pricing',
      language: 'en',
      gpc: false,
      categories: { essential: true, functional: true, analytics: true, marketing: true },
      services: { minopa: true, 'google-analytics': true, 'microsoft-clarity': true, sentry: true },
    })
    expect(posted[0]!.body.recordId).toMatch(/^[0-9a-f-]{36}$/)
    expect(changes).toHaveLength(1)
    expect(event.detail).toMatchObject({ method: 'api' })
    await expect(api.ready).resolves.toMatchObject({ method: 'api' })
  })

  it('records a choice made on a later page view under the consentId identify() or acceptDocument() linked before it', async () => {
    const storage = (w: { localStorage: Storage }) => Object.fromEntries(Object.keys(w.localStorage).map((k) => [k, w.localStorage.getItem(k)!]))
    for (const link of [(api: any) => api.identify('user-42'), (api: any) => api.acceptDocument('terms', { userId: 'user-42' })]) {
      // Page 1: the visitor signs in before choosing anything.
      const first = await boot({ html: '<p>Sign-in page</p>' })
      await link(first.api)
      const linked = first.posted[0]!.body
      expect(linked).toMatchObject({ userId: 'user-42', siteId: 'minopa' })
      expect(first.w.document.cookie).not.toContain('miniconsent=')
      // Page 2, same browser: the banner again, and the choice made there.
      const second = await boot({ html: '<p>Next page</p>', storage: storage(first.w) })
      const banner = second.w.document.querySelector('[role="region"]')!
      ;(banner.querySelector('button') as unknown as HTMLElement).click()
      await settle()
      const record = second.posted.find((p) => p.url.endsWith('/api/v1/consents'))!.body
      expect(record).toMatchObject({ method: 'accept-all', consentId: linked.consentId })
      expect(parseConsentCookie(/miniconsent=([^;]+)/.exec(second.w.document.cookie)![1])!.consentId).toBe(linked.consentId)
      expect(second.api.get().consentId).toBe(linked.consentId)
      // The cookie holds it now; a third page view reads it from there.
      const third = await boot({ html: '<p>Third page</p>', storage: storage(second.w), cookie: /miniconsent=[^;]+/.exec(second.w.document.cookie)![0] })
      expect(third.api.get().consentId).toBe(linked.consentId)
    }
  })

  it('keeps no consentId for a visitor who links one after choosing: the cookie has it', async () => {
    const { w, api, posted } = await boot({ cookie: stored(['essential']), html: '<p>Page</p>' })
    await api.identify('user-42')
    expect(posted[0]!.body).toMatchObject({ consentId: 'Zm9vYmFyYmF6cXV4cXV1eA', userId: 'user-42' })
    expect(Object.keys(w.localStorage).filter((k) => k !== 'miniconsent-pending')).toEqual([])
  })

  it('on revocation deletes the declared cookies of denied categories, wildcards included', async () => {
    const { w, api } = await boot({ cookie: stored(['essential', 'analytics']) })
    w.document.cookie = '_ga=GA1.1; path=/'
    w.document.cookie = '_ga_ABC=GS1; path=/'
    w.document.cookie = 'sentry-sc=1; path=/'
    w.document.cookie = 'next-auth.session-token=t; path=/'
    api.set({ analytics: false })
    // The record and cleanup chunks load one after the other: slow on a busy machine.
    await expect.poll(() => w.document.cookie, { timeout: 3000 }).not.toContain('_ga=')
    const names = w.document.cookie.split('; ').map((c) => c.split('=')[0])
    expect(names).not.toContain('_ga')
    expect(names).not.toContain('_ga_ABC')
    expect(names).not.toContain('sentry-sc')
    expect(names).toContain('next-auth.session-token')
    expect(api.get().categories.analytics).toBe(false)
  })

  it('on revocation deletes the declared cookies set on a parent directory of the page, with or without its trailing slash', async () => {
    // A cookie set without a path on /shop/cart.html is filed under /shop (RFC 6265's default-path).
    const { w, api } = await boot({ cookie: stored(['essential', 'functional', 'analytics']), url: 'https://minopa.com/shop/cart.html' })
    w.document.cookie = '_ga=GA1.1; path=/shop'
    w.document.cookie = '_ga_ABC=GS1; path=/shop/'
    w.document.cookie = '_clck=c; path=/shop/cart.html'
    w.document.cookie = 'theme=dark; path=/shop'
    api.set({ analytics: false })
    await expect.poll(() => w.document.cookie, { timeout: 3000 }).not.toContain('_ga=')
    await settle()
    const names = w.document.cookie.split('; ').map((c) => c.split('=')[0])
    expect(names).not.toContain('_ga')
    expect(names).not.toContain('_ga_ABC')
    expect(names).not.toContain('_clck')
    expect(names).toContain('theme')
  })

  it('on revocation deletes the IndexedDB databases a declared wildcard covers, where the browser can list them', async () => {
    const config = minopaConfig()
    config.catalogue.entries.push(
      { name: 'phdb-*', kind: 'indexedDB', category: 'analytics', service: 'sentry', provider: 'PostHog', purpose: {}, expiry: 'persistent' },
      { name: 'named-db', kind: 'indexedDB', category: 'analytics', provider: 'Minopa', purpose: {}, expiry: 'persistent' },
    )
    for (const listed of [true, false, 'never answers'] as const) {
      const deleted: string[] = []
      const { api } = await boot({
        config,
        cookie: stored(['essential', 'analytics']),
        before: (win) => {
          win.indexedDB = {
            deleteDatabase: (name: string) => void deleted.push(name),
            ...(listed === true && { databases: async () => [{ name: 'phdb-abc', version: 1 }, { name: 'phdb-xyz', version: 2 }, { name: 'app-cache', version: 1 }] }),
            // A listing that never settles holds up nothing for more than a second.
            ...(listed === 'never answers' && { databases: () => new Promise(() => {}) }),
          }
        },
      })
      api.set({ analytics: false })
      await expect.poll(() => deleted, { timeout: 3000 }).toContain('named-db')
      await settle()
      // Without indexedDB.databases() (Firefox before 126), only the database named in full.
      expect(deleted.sort(), String(listed)).toEqual(listed === true ? ['named-db', 'phdb-abc', 'phdb-xyz'] : ['named-db'])
    }
  })

  it('resolves identify() and acceptDocument() true once the server stored them, false when it refused them, and keeps no link it refused', async () => {
    const refusing = { status: (path: string) => (path.endsWith('/identify') ? 400 : path.endsWith('/documents') ? 422 : 201) }
    const { w, api, posted, chunkRequests } = await boot({ html: '<p>Sign-in page</p>', ...refusing })
    await expect(api.identify('user-42')).resolves.toBe(false)
    await expect(api.acceptDocument('no-such-document', { userId: 'user-42' })).resolves.toBe(false)
    expect(posted.map((p) => new URL(p.url).pathname)).toEqual(['/api/v1/consents/identify', '/api/v1/documents'])
    // Refused for good: neither kept as a link nor queued to be sent again.
    expect(w.localStorage.getItem('miniconsent-id')).toBeNull()
    expect(w.localStorage.getItem('miniconsent-pending')).toBeNull()
    expect(chunkRequests).not.toContain('store.js')

    const ok = await boot({ html: '<p>Sign-in page</p>' })
    await expect(ok.api.identify('user-42')).resolves.toBe(true)
    await expect(ok.api.acceptDocument('terms')).resolves.toBe(true)
    expect(ok.w.localStorage.getItem('miniconsent-id')).toBe(ok.posted[0]!.body.consentId)

    // A link an earlier page view made holds when a later one is refused.
    const later = await boot({ html: '<p>Next page</p>', storage: { 'miniconsent-id': 'Zm9vYmFyYmF6cXV4cXV1eA' }, ...refusing })
    await expect(later.api.identify('user-43')).resolves.toBe(false)
    expect(later.w.localStorage.getItem('miniconsent-id')).toBe('Zm9vYmFyYmF6cXV4cXV1eA')
  })

  it('rejects identify() and acceptDocument() without a valid argument with a TypeError, sending nothing', async () => {
    const { w, api, posted } = await boot({ html: '<p>Sign-in page</p>' })
    for (const call of [() => api.identify(), () => api.identify(''), () => api.identify({}), () => api.acceptDocument(), () => api.acceptDocument(42), () => api.acceptDocument('terms', { userId: 42 })]) {
      const error = await call().then(() => null, (e: Error) => e)
      expect(error?.name).toBe('TypeError')
      expect(error?.message).toMatch(/^miniconsent\.(identify|acceptDocument)\(\) takes /)
    }
    await settle()
    expect(posted).toEqual([])
    expect(w.localStorage.getItem('miniconsent-id')).toBeNull()
  })

  it('rejects set() with anything but { category: boolean } and { service: boolean }, storing, recording and changing nothing', async () => {
    for (const cookie of [undefined, stored(['essential', 'analytics'])]) {
      const { w, api, posted } = await boot({ cookie })
      const before = api.get()
      const changes: unknown[] = []
      api.on('change', (s: unknown) => changes.push(s))
      // Before, set(), set(null), set(42) and set({ analytics: true }, 42) recorded the state in force as the visitor's choice.
      for (const args of [['analytics'], [{ analytics: 'yes' }], [{ analytics: 1 }], [{}, { 'google-analytics': 'no' }], [{ analytics: true }, 'sentry'], [], [null], [42], [undefined, {}], [{ analytics: true }, 42], [[]], [new Map()], [{}, [true]]]) {
        const error = await api.set(...args).then(() => null, (e: Error) => e)
        expect(error?.name).toBe('TypeError')
        expect(error?.message).toBe('miniconsent.set() takes { category: boolean } and optionally { service: boolean }')
      }
      await settle()
      expect(posted).toEqual([])
      expect(changes).toEqual([])
      expect(api.get()).toEqual(before)
      expect(w.document.cookie).toBe(cookie ?? '')
      // The banner a first visit shows stays up.
      if (!cookie) expect(w.document.querySelector('[role="region"]')).not.toBeNull()
    }
  })

  it('ignores a category id set() names that the catalogue does not know, as before', async () => {
    const { api, posted } = await boot()
    await expect(api.set({ analytics: true, unknown: true })).resolves.toBeUndefined()
    await settle()
    expect(api.get().categories).toEqual({ essential: true, functional: false, analytics: true, marketing: false })
    expect(posted).toHaveLength(1)
  })

  it('lays set() over the choice in force: the categories it names change, the others and earlier per-service choices stay', async () => {
    const { api, posted } = await boot({ cookie: stored(['essential', 'analytics'], { services: { 'google-analytics': false } }), html: '<p>Page</p>' })
    await api.set({ marketing: true })
    await settle()
    expect(api.get()).toMatchObject({ method: 'api', categories: { essential: true, functional: false, analytics: true, marketing: true } })
    expect(api.get().services['google-analytics']).toBe(false)
    expect(posted.at(-1)!.body).toMatchObject({ method: 'api', categories: { analytics: true, marketing: true }, services: { 'google-analytics': false } })
    // A service named now goes over the earlier exception.
    await api.set({}, { 'google-analytics': true })
    await settle()
    expect(api.get().services['google-analytics']).toBe(true)
  })

  it('lays each of two set() calls made before record.js came over the one before', async () => {
    const { api } = await boot({ html: '<p>Page</p>' })
    // Both before the chunk that records them has loaded: before, each was merged as it was called,
    // over the same state, and the second undid the first.
    await Promise.all([api.set({ analytics: true }), api.set({ marketing: true })])
    await settle()
    expect(api.get().categories).toMatchObject({ analytics: true, marketing: true })
  })

  it('turns GPC into a recorded refusal of marketing in opt-out regions, without a banner', async () => {
    const { w, win, api, posted } = await boot({ config: moniClubConfig('opt-out'), gpc: true })
    expect(api.get()).toMatchObject({ gpc: true, method: 'gpc', categories: { analytics: true, marketing: false } })
    expect(win.ran).toEqual(['analytics-1', 'sentry', 'analytics-2'])
    expect(posted[0]!.body).toMatchObject({ method: 'gpc', gpc: true, siteId: 'mini-moni-club' })
    expect(win.fbq.queue[0][0]).toBe('consent')
    expect(win.fbq.queue[0][1]).toBe('revoke')
    // Only the Your Privacy Choices button every opt-out visitor gets; one record.
    await settle()
    expect(w.document.querySelector('[role="region"]')).toBeNull()
    expect(Array.from(w.document.querySelectorAll('#miniconsent button')).map((b) => b.textContent)).toEqual(['Your Privacy Choices'])
    expect(posted).toHaveLength(1)
  })

  it('honours GPC the server saw on the config request (Sec-GPC) as the browser signal', async () => {
    const { win, api, posted } = await boot({ config: moniClubConfig('opt-out', { gpc: true }) })
    await settle()
    expect(api.get()).toMatchObject({ gpc: true, method: 'gpc', categories: { marketing: false } })
    expect(posted[0]!.body).toMatchObject({ method: 'gpc', gpc: true })
    // The server's own default already refuses the ad types.
    expect(consentCalls(win)[2]!.state).toMatchObject({ ad_storage: 'denied', analytics_storage: 'granted' })
  })

  it('lets GPC win over a grant stored without it in opt-out regions, recorded with the stored consent ID', async () => {
    const cookie = stored(['essential', 'analytics', 'marketing'], { method: 'accept-all' })
    const { win, api, posted } = await boot({ config: moniClubConfig('opt-out', { revision: 3, consentRevision: 2 }), cookie, gpc: true })
    await settle()
    expect(api.get()).toMatchObject({ consentId: 'Zm9vYmFyYmF6cXV4cXV1eA', method: 'gpc', gpc: true, categories: { analytics: true, marketing: false } })
    expect(posted.map((p) => p.body.method)).toEqual(['gpc'])
    expect(win.ran).toEqual(['analytics-1', 'sentry', 'analytics-2'])
  })

  it('keeps the visitor’s refusal of a service when GPC overrides their stored grant, in force and in the record', async () => {
    const cookie = stored(['essential', 'analytics', 'marketing'], { services: { posthog: false } })
    const html = '<script type="text/plain" data-category="analytics" data-service="posthog">ran.push("posthog")</script><script type="text/plain" data-category="analytics">ran.push("analytics")</script>'
    const { win, api, posted } = await boot({ config: moniClubConfig('opt-out', { revision: 3, consentRevision: 2 }), cookie, gpc: true, html })
    await settle()
    expect(win.ran).toEqual(['analytics'])
    expect(api.get()).toMatchObject({ method: 'gpc', categories: { analytics: true, marketing: false }, services: { posthog: false, 'meta-pixel': false } })
    expect(posted.map((p) => p.body)).toEqual([expect.objectContaining({ method: 'gpc', services: expect.objectContaining({ posthog: false, 'meta-pixel': false }) })])
  })

  it('lets GPC refuse a marketing service the visitor allowed by exception without the signal, recorded as gpc', async () => {
    const cookie = stored(['essential', 'analytics'], { services: { 'meta-pixel': true, youtube: true } })
    const html = '<script type="text/plain" data-category="marketing" data-service="meta-pixel">ran.push("meta")</script>'
    const { w, win, api, posted } = await boot({ config: moniClubConfig('opt-out', { revision: 3, consentRevision: 2 }), cookie, gpc: true, html })
    await settle()
    expect(win.ran).toEqual([])
    expect(win.fbq.queue.map((a: IArguments) => a[1])).not.toContain('grant')
    expect(api.get()).toMatchObject({ method: 'gpc', gpc: true, services: { 'meta-pixel': false, youtube: false } })
    expect(posted.map((p) => p.body.method)).toEqual(['gpc'])
    // The last: happy-dom keeps the fixture's cookie beside the one the SDK writes.
    expect(parseConsentCookie(/.*miniconsent=([^;]+)/.exec(w.document.cookie)![1])).toMatchObject({ method: 'gpc', gpc: true, services: {} })
  })

  it('keeps a grant the visitor made with GPC on, and a stored opt-in choice whatever the signal', async () => {
    const marketing = stored(['essential', 'marketing'], { gpc: true })
    const optOut = await boot({ config: moniClubConfig('opt-out', { revision: 3, consentRevision: 2 }), cookie: marketing, gpc: true })
    expect(optOut.api.get()).toMatchObject({ method: 'custom', categories: { marketing: true } })
    expect(optOut.posted).toEqual([])
    // Marketing is allowed: the preferences do not claim the signal was honoured.
    optOut.api.open()
    await settle()
    expect(optOut.w.document.querySelector('dialog')!.textContent).toContain('Your consent ID')
    expect(optOut.w.document.querySelector('dialog')!.textContent).not.toContain('Global Privacy Control')
    const optIn = await boot({ cookie: stored(['essential', 'marketing']), gpc: true })
    expect(optIn.api.get()).toMatchObject({ method: 'custom', categories: { marketing: true } })
  })

  it('keeps a refusal stored by GPC on a later visit without the signal, and says so in the preferences', async () => {
    const cookie = stored(['essential', 'analytics'], { method: 'gpc', gpc: true })
    const { w, win, api, posted } = await boot({ config: moniClubConfig('opt-out', { revision: 3, consentRevision: 2 }), cookie })
    expect(api.get()).toMatchObject({ method: 'gpc', gpc: true, categories: { marketing: false } })
    expect(win.ran).toEqual(['analytics-1', 'sentry', 'analytics-2'])
    expect(consentCalls(win)[3]).toMatchObject({ command: 'update', state: { ad_storage: 'denied' } })
    api.open()
    await settle()
    expect(w.document.querySelector('dialog')!.textContent).toContain('Global Privacy Control signal was honoured')
    expect(posted).toEqual([])
  })

  it('refuses an ad category not named marketing under GPC, its services and ad types too, recorded as gpc', async () => {
    const html =
      '<script type="text/plain" data-category="advertising" data-service="meta-pixel">ran.push("meta")</script>' +
      '<script type="text/plain" data-category="advertising">ran.push("ads")</script><script type="text/plain" data-category="analytics">ran.push("analytics")</script>'
    const { w, win, api, posted } = await boot({ config: advertisingConfig('opt-out'), gpc: true, html })
    await settle()
    expect(api.get()).toMatchObject({ gpc: true, method: 'gpc', categories: { analytics: true, advertising: false }, services: { 'meta-pixel': false, youtube: false } })
    expect(win.ran).toEqual(['analytics'])
    expect(posted.map((p) => p.body)).toEqual([expect.objectContaining({ method: 'gpc', gpc: true, categories: expect.objectContaining({ advertising: false }) })])
    expect(consentCalls(win)[3]).toMatchObject({ command: 'update', state: { ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'granted' } })
    expect(win.fbq.queue[0][1]).toBe('revoke')
    api.open()
    await settle()
    expect(w.document.querySelector('dialog')!.textContent).toContain('Global Privacy Control signal was honoured')
  })

  it('does not claim GPC was honoured once the visitor granted the ad category with the signal on', async () => {
    const cookie = stored(['essential', 'advertising'], { gpc: true })
    const { w, api, posted } = await boot({ config: advertisingConfig('opt-out', { revision: 3, consentRevision: 2 }), cookie, gpc: true })
    expect(api.get()).toMatchObject({ method: 'custom', gpc: true, categories: { advertising: true } })
    expect(posted).toEqual([])
    api.open()
    await settle()
    expect(w.document.querySelector('dialog')!.textContent).toContain('Your consent ID')
    expect(w.document.querySelector('dialog')!.textContent).not.toContain('Global Privacy Control')
  })

  it('shows the banner on a first visit and records the choice made there with a hash of its texts', async () => {
    const { w, win, posted, chunkRequests } = await boot()
    const banner = w.document.querySelector('[role="region"]')!
    expect(banner.getAttribute('aria-labelledby')).toBe('mc-bt')
    // The page's blocked iframe brings its placeholder; recording waits for the visitor.
    expect(chunkRequests.sort()).toEqual(['banner.js', 'placeholder.js'])
    const buttons = Array.from(banner.querySelectorAll('button')).map((b) => b.textContent)
    expect(buttons).toEqual(['Accept all', 'Reject all', 'Cookie Settings'])
    expect(w.document.querySelector('style')!.textContent).toContain('--a:#5b4cf0')
    ;(banner.querySelectorAll('button')[1] as unknown as HTMLElement).click()
    await settle()
    expect(w.document.querySelector('[role="region"]')).toBeNull()
    expect(win.ran).toEqual([])
    expect(parseConsentCookie(/miniconsent=([^;]+)/.exec(w.document.cookie)![1])).toMatchObject({ method: 'reject-all', granted: ['essential'] })
    expect(posted[0]!.body).toMatchObject({ method: 'reject-all', categories: { essential: true, analytics: false } })
    expect(posted[0]!.body.textsHash).toMatch(/^[a-f0-9]{64}$/)
  })

  it('saves the categories switched on in the preferences dialog', async () => {
    const { w, win, api } = await boot()
    api.open()
    await settle()
    const dialog = w.document.querySelector('dialog')!
    const analytics = dialog.querySelector('input[aria-label="Analytics Cookies"]') as unknown as HTMLInputElement
    analytics.click()
    await settle()
    const save = Array.from(dialog.querySelectorAll('button')).find((b) => b.textContent === 'Save choices') as unknown as HTMLElement
    save.click()
    await settle()
    expect(w.document.querySelector('dialog')).toBeNull()
    expect(api.get()).toMatchObject({ method: 'custom', categories: { analytics: true, marketing: false }, services: { 'google-analytics': true } })
    expect(win.ran).toEqual(['analytics-1', 'sentry', 'analytics-2'])
  })

  it('records switching off a category the visitor had allowed as a withdrawal', async () => {
    const { w, api, posted } = await boot({ cookie: stored(['essential', 'analytics']), html: '<p>Page</p>' })
    api.open()
    await settle()
    const dialog = w.document.querySelector('dialog')!
    ;(dialog.querySelector('input[aria-label="Analytics Cookies"]') as unknown as HTMLElement).click()
    await settle()
    ;(Array.from(dialog.querySelectorAll('button')).find((b) => b.textContent === 'Save choices') as unknown as HTMLElement).click()
    await settle()
    expect(api.get()).toMatchObject({ method: 'withdraw', categories: { analytics: false } })
    expect(posted.map((p) => p.body.method)).toEqual(['withdraw'])
  })

  it('where a banner may show, loads the declaration only once it comes near the viewport', async () => {
    const config = minopaConfig()
    // A second `theme` cookie, the shop's own: the declaration tells the two apart by its domain and path.
    config.catalogue.entries.push({ name: 'theme', kind: 'cookie', category: 'functional', provider: 'Minopa', purpose: { en: 'Shop theme' }, expiry: '1y', domain: 'shop.minopa.com', path: '/cart' })
    const { w, chunkRequests, intersect } = await boot({ config, cookie: stored(['essential']), html: '<div data-consent-table></div>' })
    const table = w.document.querySelector('[data-consent-table]')!
    expect(chunkRequests).toEqual([])
    intersect(table)
    await settle()
    expect(chunkRequests.sort()).toEqual(['banner.js', 'dialog.js'])
    expect(table.textContent).toContain('next-auth.session-token')
    expect(table.textContent).toContain('30 days')
    const under = (name: string) => Array.from(table.querySelectorAll('td')).filter((td) => td.firstChild?.textContent === name).map((td) => td.querySelector('small')?.textContent ?? null)
    expect(under('theme')).toEqual([null, 'shop.minopa.com /cart'])
    expect(under('sentry-replay*')).toEqual(['sessionStorage'])
  })

  it('lets a visitor allow one service of a category they leave off', async () => {
    const { w, api } = await boot()
    api.open()
    await settle()
    const dialog = w.document.querySelector('dialog')!
    const expand = Array.from(dialog.querySelectorAll('button')).find((b) => b.textContent === 'Analytics Cookies') as unknown as HTMLElement
    expand.click()
    await settle()
    ;(dialog.querySelector('input[aria-label="Sentry"]') as unknown as HTMLElement).click()
    await settle()
    ;(Array.from(dialog.querySelectorAll('button')).find((b) => b.textContent === 'Save choices') as unknown as HTMLElement).click()
    await settle()
    expect(api.get()).toMatchObject({ method: 'custom', categories: { analytics: false }, services: { sentry: true, 'google-analytics': false } })
    expect(parseConsentCookie(/miniconsent=([^;]+)/.exec(w.document.cookie)![1])!.services).toEqual({ sentry: true })
  })

  it('speaks the page language from its own chunk, right to left for Arabic', async () => {
    const de = await boot({ html: pageIn('de') })
    expect(de.chunkRequests).toContain('lang-de.js')
    const banner = de.w.document.querySelector('[role="region"]')!
    expect(banner.textContent).toContain('Wir verwenden Cookies')
    expect(Array.from(banner.querySelectorAll('button')).map((b) => b.textContent)).toEqual(['Alle akzeptieren', 'Alle ablehnen', 'Einstellungen'])
    expect(de.w.document.getElementById('miniconsent')!.firstElementChild!.getAttribute('lang')).toBe('de')
    const ar = await boot({ html: pageIn('ar') })
    const root = ar.w.document.getElementById('miniconsent')!.firstElementChild!
    expect(root.getAttribute('dir')).toBe('rtl')
    expect(root.textContent).toContain('قبول الكل')
  })

  it('records the language the visitor was shown: their own when there are texts in it, else the site default', async () => {
    const language = async (pageLang: string, defaultLanguage = 'en') => {
      const config = minopaConfig()
      config.site.defaultLanguage = defaultLanguage
      config.catalogue.texts = { ...config.catalogue.texts, sv: { bannerTitle: 'Vi använder kakor' } }
      const { w, posted } = await boot({ config, html: pageIn(pageLang) })
      ;(w.document.querySelector('#miniconsent button') as unknown as HTMLElement).click()
      await settle()
      return posted[0]!.body.language
    }
    // Built-in texts (German, Portuguese), or the site's own (Swedish): the visitor's language.
    expect(await language('de')).toBe('de')
    expect(await language('pt-BR')).toBe('pt-BR')
    expect(await language('sv')).toBe('sv')
    // Japanese has neither: the visitor read the default's texts.
    expect(await language('ja')).toBe('en')
    expect(await language('ja', 'de')).toBe('de')
  })

  it('marks the banner and the declaration with the language of the texts they show, which is the visitor’s only when there are texts in it', async () => {
    const shown = async (pageLang: string, defaultLanguage: string, texts: PublishedConfig['catalogue']['texts']) => {
      const config = minopaConfig()
      config.site.defaultLanguage = defaultLanguage
      config.catalogue.texts = texts
      const html = pageIn(pageLang).replace('</body>', '<div data-consent-table></div></body>')
      const { w, intersect } = await boot({ config, html })
      const table = w.document.querySelector('[data-consent-table]')!
      intersect(table)
      await settle()
      const root = w.document.getElementById('miniconsent')!.firstElementChild!
      const declaration = table.firstElementChild!
      return {
        banner: [root.getAttribute('lang'), root.getAttribute('dir'), root.querySelector('h2')!.textContent],
        declaration: [declaration.getAttribute('lang'), declaration.getAttribute('dir')],
        expiry: table.querySelector('td:last-child')!.textContent,
      }
    }
    // A German site without Japanese texts: a Japanese visitor reads German, and the expiries are in German too.
    expect(await shown('ja', 'de', { de: { bannerTitle: 'Cookies bei Minopa' } })).toEqual({
      banner: ['de', 'ltr', 'Cookies bei Minopa'],
      declaration: ['de', 'ltr'],
      expiry: '30 Tage',
    })
    // Neither the site nor the SDK has Hebrew: English, left to right.
    expect((await shown('he', 'en', { en: { bannerTitle: 'Cookies at Minopa' } })).banner).toEqual(['en', 'ltr', 'Cookies at Minopa'])
    // The site's own Hebrew, or Arabic: right to left.
    expect((await shown('he', 'en', { he: { bannerTitle: 'עוגיות במינופה' } })).banner).toEqual(['he', 'rtl', 'עוגיות במינופה'])
    const arabic = await shown('ar', 'en', { en: { bannerTitle: 'Cookies at Minopa' }, ar: { bannerTitle: 'ملفات تعريف الارتباط في مينوبا' } })
    expect(arabic.banner).toEqual(['ar', 'rtl', 'ملفات تعريف الارتباط في مينوبا'])
    expect(arabic.declaration).toEqual(['ar', 'rtl'])
  })

  it('marks an iframe placeholder with the language of its texts, which is the banner’s, not the page’s', async () => {
    const placeholder = async (pageLang: string, defaultLanguage: string) => {
      const config = minopaConfig()
      config.site.defaultLanguage = defaultLanguage
      const { w } = await boot({ config, html: pageIn(pageLang) })
      const ph = w.document.querySelector('.mc-ph')!
      return [ph.getAttribute('lang'), ph.getAttribute('dir'), ph.querySelector('button')!.textContent]
    }
    // Arabic texts, right to left on a page that sets no direction.
    expect(await placeholder('ar', 'en')).toEqual(['ar', 'rtl', 'تحميل المحتوى من example.com'])
    // A Japanese page of a German site: German texts, marked German.
    expect(await placeholder('ja', 'de')).toEqual(['de', 'ltr', 'Inhalt von example.com laden'])
  })

  it('marks what it shows, and records, the site’s language when the visitor’s built-in texts fail to load', async () => {
    const shown = async (pageLang: string, texts: PublishedConfig['catalogue']['texts'] = {}, siteDefault = 'en') => {
      const config = minopaConfig()
      config.catalogue.texts = texts
      config.site.defaultLanguage = siteDefault
      const { w, posted } = await boot({ config, html: pageIn(pageLang), unavailable: [`lang-${pageLang}.js`] })
      const root = w.document.getElementById('miniconsent')!.firstElementChild!
      const ph = w.document.querySelector('.mc-ph')!
      const marks = [root.getAttribute('lang'), root.getAttribute('dir'), ph.getAttribute('lang'), ph.getAttribute('dir')]
      const title = root.querySelector('h2')!.textContent
      ;(w.document.querySelector('#miniconsent button') as unknown as HTMLElement).click()
      await settle()
      return { marks, title, recorded: posted[0]!.body.language }
    }
    // English texts (the site's default), not Arabic ones: left to right, and recorded as English.
    expect(await shown('ar')).toEqual({ marks: ['en', 'ltr', 'en', 'ltr'], title: en.bannerTitle, recorded: 'en' })
    // The site's own German texts still show: German.
    expect(await shown('de', { de: { bannerTitle: 'Cookies bei Minopa' } })).toEqual({ marks: ['de', 'ltr', 'de', 'ltr'], title: 'Cookies bei Minopa', recorded: 'de' })
    // A German site with no texts of its own, whose French visitor's chunk failed: the banner falls
    // back to English (the SDK's German is in a chunk not loaded), and says so.
    expect(await shown('fr', {}, 'de')).toEqual({ marks: ['en', 'ltr', 'en', 'ltr'], title: en.bannerTitle, recorded: 'en' })
  })

  it('in opt-out regions offers a Your Privacy Choices button that opens the preferences', async () => {
    const { w } = await boot({ config: moniClubConfig('opt-out'), html: '<p>Page</p>' })
    expect(w.document.querySelector('[role="region"]')?.outerHTML).toBeUndefined()
    const button = Array.from(w.document.querySelectorAll('#miniconsent button')).find((b) => b.textContent === 'Your Privacy Choices') as unknown as HTMLElement
    button.click()
    await settle()
    expect(w.document.querySelector('dialog')).not.toBeNull()
    // It stays in the page behind the modal dialog, for the focus to return to when the dialog closes.
    expect(Array.from(w.document.querySelectorAll('#miniconsent button')).filter((b) => b.textContent === 'Your Privacy Choices')).toEqual([button])
  })

  it('shows no reopen button on a returning visit unless the site asks for one', async () => {
    const plain = await boot({ cookie: stored(['essential']), html: '<p>Page</p>' })
    expect(plain.chunkRequests).toEqual([])
    const config = minopaConfig()
    config.catalogue.appearance.floatingButton = true
    const { w } = await boot({ cookie: stored(['essential']), config, html: '<p>Page</p>' })
    expect(w.document.querySelector('#miniconsent button')!.textContent).toBe('Change cookie settings')
  })

  it('follows the site appearance: layout and theme classes, accent colour, and no link that is not http(s) or mailto', async () => {
    const config = minopaConfig()
    config.catalogue.appearance = { layout: 'box', theme: 'dark', accentColor: '#aa0000', radius: 2, floatingButton: false }
    config.site.privacyPolicyUrl = 'javascript:alert(1)'
    config.catalogue.texts = { en: { bannerTitle: '<img src=x onerror=alert(1)>' } }
    const { w } = await boot({ config, html: '<p>Page</p>' })
    const root = w.document.getElementById('miniconsent')!.firstElementChild!
    expect(root.className).toBe('mc mc-dark')
    const banner = root.querySelector('[role="region"]')!
    expect(banner.className).toBe('mc-banner mc-box')
    expect(banner.querySelector('a')).toBeNull()
    expect(banner.querySelector('img')).toBeNull()
    expect(banner.querySelector('h2')!.textContent).toBe('<img src=x onerror=alert(1)>')
    expect(Array.from(w.document.querySelectorAll('style')).map((s) => s.textContent).join('')).toContain('--a:#aa0000;--r:2px')
  })

  it('keeps a modal banner closed with Escape closed while the page redraws, and show() opens it again', async () => {
    const config = minopaConfig()
    config.catalogue.appearance.layout = 'modal'
    const { w, api } = await boot({ config, html: '<p><a href="#" data-consent-open>Cookie settings</a></p>' })
    type Dialog = { open: boolean; close(): void; dispatchEvent(event: unknown): boolean }
    const banner = () => w.document.querySelector('dialog.mc-banner') as unknown as Dialog | null
    expect(banner()!.open).toBe(true)
    // What the browser does on Escape: the dialog's cancel, then close. Nothing is granted.
    banner()!.close()
    // Cookie settings redraws the UI to add the preferences: the banner stays closed under them.
    ;(w.document.querySelector('[data-consent-open]') as unknown as HTMLElement).click()
    await settle()
    const preferences = w.document.querySelector('dialog[aria-modal]') as unknown as Dialog
    expect(preferences.open).toBe(true)
    expect(banner()!.open).toBe(false)
    preferences.dispatchEvent(new w.KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    await settle()
    expect(w.document.querySelector('dialog[aria-modal]')).toBeNull()
    expect(banner()!.open).toBe(false)
    expect(api.get()).toBeNull()
    // The page asks for the banner again: it opens, modal.
    api.show()
    await settle()
    expect(banner()!.open).toBe(true)
  })

  it('in notice mode informs with one OK, which is stored as accepting what already runs', async () => {
    const { w, api, posted } = await boot({ config: moniClubConfig('notice') })
    const banner = w.document.querySelector('[role="region"]')!
    expect(Array.from(banner.querySelectorAll('button')).map((b) => b.textContent)).toEqual(['OK', 'Cookie Settings'])
    expect(banner.textContent).toContain('This site uses cookies')
    expect(posted).toEqual([])
    ;(banner.querySelector('button') as unknown as HTMLElement).click()
    await settle()
    expect(w.document.querySelector('[role="region"]')).toBeNull()
    expect(api.get()).toMatchObject({ method: 'accept-all', categories: { marketing: true } })
    expect(posted.map((p) => p.body.method)).toEqual(['accept-all'])
    // The next page: informed, no notice.
    const next = await boot({ config: moniClubConfig('notice'), cookie: storedCookie(w) })
    expect(next.w.document.querySelector('[role="region"]')).toBeNull()
    expect(next.chunkRequests).toEqual([])
  })

  it('in notice mode informs a first visitor whose GPC refused marketing too, records the refusal once, and its OK grants nothing', async () => {
    const { w, win, api, posted } = await boot({ config: moniClubConfig('notice'), gpc: true })
    await settle()
    expect(api.get()).toMatchObject({ method: 'gpc', gpc: true, categories: { analytics: true, marketing: false } })
    expect(win.ran).toEqual(['analytics-1', 'sentry', 'analytics-2'])
    expect(posted.map((p) => p.body)).toEqual([expect.objectContaining({ method: 'gpc', gpc: true, categories: expect.objectContaining({ marketing: false }) })])
    const banner = w.document.querySelector('[role="region"]')!
    expect(banner.textContent).toContain('This site uses cookies')
    expect(Array.from(banner.querySelectorAll('button')).map((b) => b.textContent)).toEqual(['OK', 'Cookie Settings'])
    // The preferences say the signal was honoured, as opt-out's Your Privacy Choices do.
    ;(banner.querySelectorAll('button')[1] as unknown as HTMLElement).click()
    await settle()
    const dialog = w.document.querySelector('dialog[aria-modal]')!
    expect(dialog.textContent).toContain('Global Privacy Control signal was honoured')
    dialog.dispatchEvent(new w.KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    await settle()
    // OK closes the notice: nothing granted, nothing more recorded.
    ;(w.document.querySelector('[role="region"] button') as unknown as HTMLElement).click()
    await settle()
    expect(w.document.querySelector('[role="region"]')).toBeNull()
    expect(api.get()).toMatchObject({ method: 'gpc', categories: { marketing: false } })
    expect(win.ran).toEqual(['analytics-1', 'sentry', 'analytics-2'])
    expect(posted).toHaveLength(1)
    expect(parseConsentCookie(storedCookie(w).slice('miniconsent='.length))).toMatchObject({ method: 'gpc', gpc: true })
    // The next page, the signal still on: no notice, no new record.
    const next = await boot({ config: moniClubConfig('notice'), gpc: true, cookie: storedCookie(w) })
    expect(next.w.document.querySelector('[role="region"]')).toBeNull()
    expect(next.api.get()).toMatchObject({ method: 'gpc', categories: { marketing: false } })
    expect(next.posted).toEqual([])
  })

  it('in notice mode shows no notice again when GPC overrides a grant stored on an earlier visit, nor after a choice made through the API', async () => {
    // Accepted on an earlier visit, without the signal: informed already.
    const cookie = stored(['essential', 'functional', 'analytics', 'marketing'], { method: 'accept-all' })
    const returning = await boot({ config: moniClubConfig('notice', { revision: 3, consentRevision: 2 }), cookie, gpc: true })
    await settle()
    expect(returning.api.get()).toMatchObject({ method: 'gpc', categories: { marketing: false } })
    expect(returning.posted.map((p) => p.body.method)).toEqual(['gpc'])
    expect(returning.w.document.querySelector('[role="region"]')).toBeNull()
    // Page code choosing as soon as GPC has, before the banner chunk came: no notice over its choice.
    const html = `<script>addEventListener('miniconsent:change', (e) => e.detail.method == 'gpc' && miniconsent.rejectAll())</script>`
    const chosen = await boot({ config: moniClubConfig('notice'), gpc: true, html })
    await settle()
    expect(chosen.posted.map((p) => p.body.method)).toEqual(['gpc', 'api'])
    expect(chosen.w.document.querySelector('[role="region"]')).toBeNull()
  })

  it('asks a GPC visitor again over a choice stored before a new consent revision in opt-out regions, after recording the refusal once', async () => {
    // Accepted everything on revision 1, without the signal; revision 2 asks again.
    const cookie = stored(['essential', 'analytics', 'marketing'], { revision: 1, method: 'accept-all', services: { posthog: false } })
    const config = moniClubConfig('opt-out', { revision: 2, consentRevision: 2 })
    const { w, win, api, posted } = await boot({ config, cookie, gpc: true })
    await settle()
    // The refusal, in force and recorded once; the visitor's other refusal kept.
    expect(api.get()).toMatchObject({ method: 'gpc', gpc: true, categories: { analytics: true, marketing: false }, services: { posthog: false, 'meta-pixel': false } })
    expect(win.ran).toEqual(['analytics-1', 'sentry', 'analytics-2'])
    expect(posted.map((p) => p.body)).toEqual([expect.objectContaining({ method: 'gpc', gpc: true, categories: expect.objectContaining({ marketing: false }) })])
    // Asked again, as without the signal: the consent banner, marketing shown refused in its preferences.
    const banner = w.document.querySelector('[role="region"]')!
    expect(banner.textContent).toContain(en.bannerText)
    expect(Array.from(banner.querySelectorAll('button')).map((b) => b.textContent)).toEqual(['Accept all', 'Reject all', 'Cookie Settings'])
    ;(banner.querySelectorAll('button')[2] as unknown as HTMLElement).click()
    await settle()
    const dialog = w.document.querySelector('dialog[aria-modal]')!
    expect((dialog.querySelector('input[aria-label="Marketing Cookies"]') as unknown as HTMLInputElement).checked).toBe(false)
    expect((dialog.querySelector('input[aria-label="Analytics Cookies"]') as unknown as HTMLInputElement).checked).toBe(true)
    expect(dialog.textContent).toContain('Global Privacy Control signal was honoured')
    dialog.dispatchEvent(new w.KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    await settle()
    // Accept all with the signal on: the visitor's explicit consent, which stands.
    ;(w.document.querySelector('[role="region"] button') as unknown as HTMLElement).click()
    await settle()
    expect(w.document.querySelector('[role="region"]')).toBeNull()
    expect(api.get()).toMatchObject({ method: 'accept-all', gpc: true, revision: 2, categories: { marketing: true } })
    expect(posted.map((p) => p.body.method)).toEqual(['gpc', 'accept-all'])
    expect(win.ran).toEqual(['analytics-1', 'sentry', 'analytics-2', 'marketing'])
    // The next page, the signal still on: nothing shown, nothing recorded, the grant stands.
    const next = await boot({ config, cookie: storedCookie(w), gpc: true })
    expect(next.w.document.querySelector('[role="region"]')).toBeNull()
    expect(next.api.get()).toMatchObject({ method: 'accept-all', categories: { marketing: true } })
    expect(next.posted).toEqual([])
  })

  it('asks a GPC visitor again over a choice too old to count in notice mode, with the consent banner rather than the notice', async () => {
    const cookie = stored(['essential', 'functional', 'analytics', 'marketing'], { method: 'accept-all', updatedAt: Date.now() - 400 * 864e5 })
    const config = moniClubConfig('notice', { revision: 3, consentRevision: 2 })
    const { w, win, api, posted } = await boot({ config, cookie, gpc: true })
    await settle()
    expect(api.get()).toMatchObject({ method: 'gpc', gpc: true, categories: { analytics: true, marketing: false } })
    expect(posted.map((p) => p.body.method)).toEqual(['gpc'])
    const banner = w.document.querySelector('[role="region"]')!
    expect(banner.textContent).toContain(en.bannerText)
    expect(Array.from(banner.querySelectorAll('button')).map((b) => b.textContent)).toEqual(['Accept all', 'Reject all', 'Cookie Settings'])
    ;(banner.querySelectorAll('button')[1] as unknown as HTMLElement).click()
    await settle()
    expect(w.document.querySelector('[role="region"]')).toBeNull()
    expect(api.get()).toMatchObject({ method: 'reject-all', gpc: true, categories: { analytics: false, marketing: false } })
    expect(posted.map((p) => p.body.method)).toEqual(['gpc', 'reject-all'])
    expect(win.ran).toEqual(['analytics-1', 'sentry', 'analytics-2'])
    const next = await boot({ config, cookie: storedCookie(w), gpc: true })
    expect(next.w.document.querySelector('[role="region"]')).toBeNull()
    expect(next.api.get()).toMatchObject({ method: 'reject-all', categories: { analytics: false, marketing: false } })
    expect(next.posted).toEqual([])
  })

  it('treats a stored-choice cookie it cannot read as a first visit under GPC: the notice in notice mode, nothing but the reopen button in opt-out regions', async () => {
    const cookie = 'miniconsent=garbage'
    const notice = await boot({ config: moniClubConfig('notice'), cookie, gpc: true })
    await settle()
    expect(notice.api.get()).toMatchObject({ method: 'gpc', gpc: true, categories: { analytics: true, marketing: false } })
    expect(notice.posted.map((p) => p.body.method)).toEqual(['gpc'])
    const banner = notice.w.document.querySelector('[role="region"]')!
    expect(banner.textContent).toContain('This site uses cookies')
    expect(Array.from(banner.querySelectorAll('button')).map((b) => b.textContent)).toEqual(['OK', 'Cookie Settings'])
    // OK only closes it: nothing granted, nothing more recorded.
    ;(banner.querySelector('button') as unknown as HTMLElement).click()
    await settle()
    expect(notice.w.document.querySelector('[role="region"]')).toBeNull()
    expect(notice.api.get()).toMatchObject({ method: 'gpc', categories: { marketing: false } })
    expect(notice.posted).toHaveLength(1)
    const optOut = await boot({ config: moniClubConfig('opt-out'), cookie, gpc: true })
    await settle()
    expect(optOut.api.get()).toMatchObject({ method: 'gpc', gpc: true, categories: { analytics: true, marketing: false } })
    expect(optOut.posted.map((p) => p.body.method)).toEqual(['gpc'])
    expect(optOut.w.document.querySelector('[role="region"]')).toBeNull()
    expect(Array.from(optOut.w.document.querySelectorAll('#miniconsent button')).map((b) => b.textContent)).toEqual(['Your Privacy Choices'])
  })

  it('shows no banner when nothing needs consent, but fills the declaration at once and opens preferences from it', async () => {
    const { w, api } = await boot({ config: minimagicConfig(), html: '<div data-consent-table></div>' })
    expect(w.document.querySelector('[role="region"]')).toBeNull()
    expect(api.get()).toMatchObject({ method: null, categories: { essential: true, functional: true } })
    const table = w.document.querySelector('[data-consent-table]')!
    expect(table.textContent).toContain('sb-*-auth-token')
    expect(table.textContent).toContain('Persistent')
    // What kind of storage each entry is, under its name: not every entry is a cookie.
    const nameCell = Array.from(table.querySelectorAll('td')).find((td) => td.textContent!.startsWith('sb-*-auth-token'))!
    expect(nameCell.querySelector('small')!.textContent).toBe('localStorage')
    ;(table.querySelector('button') as unknown as HTMLElement).click()
    await settle()
    const dialog = w.document.querySelector('dialog[role="dialog"]')!
    expect(dialog.getAttribute('aria-modal')).toBe('true')
    expect(dialog.textContent).toContain(api.get().consentId)
  })

  it('without an embedded config and without a network falls back to denying everything optional', async () => {
    const { win, api, posted } = await boot({ config: null, fetchFails: true })
    expect(api.get()).toBeNull()
    expect(win.ran).toEqual([])
    expect(consentCalls(win)).toEqual([
      expect.objectContaining({ command: 'default', state: expect.objectContaining({ ad_storage: 'denied', analytics_storage: 'denied', security_storage: 'granted', wait_for_update: 500 }) }),
    ])
    api.acceptAll()
    await settle()
    expect(win.ran).toEqual([])
    expect(posted).toEqual([])
  })

  it('lays out cookie names left to right in a right-to-left UI, and the site’s English texts shown to an Arabic visitor as English', async () => {
    const config = minopaConfig()
    config.catalogue.categories[0]!.label = { en: 'Essential Cookies', ar: 'ملفات تعريف الارتباط الضرورية' }
    const html = pageIn('ar').replace('</body>', '<div data-consent-table></div></body>')
    const { w, intersect } = await boot({ config, html })
    const table = w.document.querySelector('[data-consent-table]')!
    intersect(table)
    await settle()
    /** The innermost element showing exactly `text`, and the direction and language it is laid out in. */
    const marks = (root: { querySelectorAll(s: string): ArrayLike<Element> }, text: string) => {
      const el = Array.from(root.querySelectorAll('*')).filter((e) => e.textContent === text).pop()
      if (!el) throw new Error('not shown: ' + text)
      // <bdi> is dir=auto unless it says otherwise.
      const dir = el.closest('[dir],bdi')!
      return [dir.getAttribute('dir') ?? 'auto', el.closest('[lang]')!.getAttribute('lang')]
    }
    const check = (root: { querySelectorAll(s: string): ArrayLike<Element> }) => {
      // Identifiers, as declared: `_ga`, never `ga_`; `sentry-*`, never `*-sentry`; `sessionStorage`.
      for (const name of ['_ga', '_ga_*', 'sentry-*', 'next-auth.session-token', 'sessionStorage']) expect(marks(root, name)[0]).toBe('ltr')
      // The site's English, where it has no Arabic: marked English, in its own direction (`Sign-in.`, not `.Sign-in`).
      expect(marks(root, 'Needed for sign-in.')).toEqual(['auto', 'en'])
      expect(marks(root, 'Tells visitors apart')).toEqual(['auto', 'en'])
      // Names of services and providers, in any script: each in the direction of its own letters.
      expect(marks(root, 'Google Analytics')[0]).toBe('auto')
      expect(marks(root, 'Google')[0]).toBe('auto')
      // The site's own Arabic: the UI's language and direction.
      expect(marks(root, 'ملفات تعريف الارتباط الضرورية')).toEqual(['rtl', 'ar'])
    }
    check(table)
    // The preferences show the same lists.
    ;(Array.from(w.document.querySelectorAll('#miniconsent button')).find((b) => b.textContent === 'التفضيلات') as unknown as HTMLElement).click()
    await settle()
    const dialog = w.document.querySelector('dialog[aria-modal]')!
    for (const b of Array.from(dialog.querySelectorAll('.mc-exp'))) {
      ;(b as unknown as HTMLElement).click()
      await settle()
    }
    check(dialog)
  })

  it('gives the focus, after Save choices closes the preferences and the banner that opened them, to the reopen button, else to the page’s main content', async () => {
    const saved = async (floatingButton: boolean) => {
      const config = minopaConfig()
      config.catalogue.appearance.floatingButton = floatingButton
      const { w } = await boot({ config, html: '<header><a href="/">Home</a></header><main><h1>Pricing</h1></main>' })
      const opener = Array.from(w.document.querySelectorAll('[role="region"] button')).find((b) => b.textContent === 'Cookie Settings') as unknown as HTMLElement
      opener.focus()
      opener.click()
      await settle()
      const save = Array.from(w.document.querySelectorAll('dialog[aria-modal] button')).find((b) => b.textContent === 'Save choices') as unknown as HTMLElement
      save.focus()
      save.click()
      await settle()
      expect(w.document.querySelector('dialog[aria-modal]')).toBeNull()
      return w.document.activeElement
    }
    expect((await saved(true))!.textContent).toBe('Change cookie settings')
    const main = (await saved(false))!
    expect(main.tagName).toBe('MAIN')
    // Focusable by script only: not added to the Tab order.
    expect(main.getAttribute('tabindex')).toBe('-1')
  })

  it('moves the focus to an iframe its placeholder has loaded, not to <body>', async () => {
    const { w } = await boot({ cookie: stored(['essential']) })
    await settle()
    const button = w.document.querySelector('.mc-ph button') as unknown as HTMLElement
    button.focus()
    button.click()
    await settle()
    const frame = w.document.querySelector('iframe')!
    expect(frame.getAttribute('src')).toBe('https://example.com/embed')
    expect(w.document.activeElement).toBe(frame)
  })
})
