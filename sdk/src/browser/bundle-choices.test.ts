// The built, minified dist/miniconsent.js in a fresh happy-dom window per test (bundle-harness.ts):
// what a revocation deletes, identify() and acceptDocument() answered, set(), and Global
// Privacy Control. Run `pnpm build` first. The bundle's tests are split over four files,
// which vitest runs side by side: most of their time is waiting for chunks and timers.
import { afterEach, describe, expect, it } from 'vitest'
import { parseConsentCookie } from '@miniconsent/shared/cookie'
import { advertisingConfig, minopaConfig, moniClubConfig } from '../test/fixtures'
import { boot, chunk, closeWindows, consentCalls, settle, stored } from './bundle-harness'

afterEach(closeWindows)

describe('dist/miniconsent.js: revocation, set() and GPC', () => {
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

})
