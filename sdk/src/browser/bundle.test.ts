// The built, minified dist/miniconsent.js in a fresh happy-dom window per test (bundle-harness.ts):
// its structure, gating, Consent Mode and the other vendors' signals, the JavaScript API,
// identify(). Run `pnpm build` first. The bundle's tests are split over four files,
// which vitest runs side by side: most of their time is waiting for chunks and timers.
import { afterEach, describe, expect, it } from 'vitest'
import { parseConsentCookie } from '@miniconsent/shared/cookie'
import { minopaConfig, moniClubConfig } from '../test/fixtures'
import { en } from '../ui/texts/en'
import { BUNDLE, boot, chunk, closeWindows, consentCalls, settle, stored } from './bundle-harness'

afterEach(closeWindows)

describe('dist/miniconsent.js: gating, vendor signals and the API', () => {
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

})
