// The built, minified dist/miniconsent.js in a fresh happy-dom window per test: what a visitor's
// browser runs, mangled property names included. Run `pnpm build` first.
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { Window } from 'happy-dom'
import { encodeConsentCookie, parseConsentCookie } from '@miniconsent/shared/cookie'
import type { PublishedConfig } from '@miniconsent/shared'
import { minopaConfig, moniClubConfig } from '../test/fixtures'

const BUNDLE = readFileSync(new URL('../../dist/miniconsent.js', import.meta.url), 'utf8')
const PAGE = `<!doctype html><html lang="en"><head></head><body>
<script type="text/plain" data-category="analytics">window.ran.push('analytics-1')</script>
<script type="text/plain" data-category="marketing" nonce="abc">window.ran.push('marketing')</script>
<script type="text/plain" data-category="analytics" data-service="sentry">window.ran.push('sentry')</script>
<script type="text/plain" data-category="analytics">window.ran.push('analytics-2')</script>
<iframe data-category="analytics" data-src="https://example.com/embed"></iframe>
</body></html>`

interface Posted {
  url: string
  body: Record<string, unknown>
}

const windows: Window[] = []
afterEach(async () => {
  for (const w of windows.splice(0)) await w.happyDOM.close()
})

async function boot(opts: { config?: PublishedConfig | null; cookie?: string; gpc?: boolean; fetchFails?: boolean } = {}) {
  const w = new Window({ url: 'https://minopa.com/pricing?ref=mail', settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true } })
  windows.push(w)
  const win = w as unknown as Record<string, any>
  win.ran = []
  const posted: Posted[] = []
  win.fetch = async (url: string, init?: { body?: string }) => {
    if (opts.fetchFails) throw new TypeError('offline')
    if (init?.body) posted.push({ url, body: JSON.parse(init.body) })
    return { ok: true, status: 201, json: async () => ({}) }
  }
  if (opts.gpc) Object.defineProperty(w.navigator, 'globalPrivacyControl', { value: true })
  if (opts.cookie) w.document.cookie = opts.cookie
  w.document.write(PAGE)
  const config = opts.config === undefined ? minopaConfig() : opts.config
  const code = config ? BUNDLE.replace('"__MINICONSENT_CONFIG__"', () => JSON.stringify(config)) : BUNDLE
  w.eval(code)
  await new Promise((r) => setTimeout(r, 20))
  return { w, win, posted, api: win.miniconsent }
}

const stored = (granted: string[], over: object = {}) =>
  'miniconsent=' + encodeConsentCookie({ consentId: 'Zm9vYmFyYmF6cXV4cXV1eA', revision: 3, updatedAt: Date.now() - 864e5, method: 'custom', granted, services: {}, gpc: false, ...over })

const consentCalls = (win: Record<string, any>) =>
  (win.dataLayer as IArguments[]).filter((a) => a[0] === 'consent').map((a) => ({ isArguments: Object.prototype.toString.call(a) === '[object Arguments]', command: a[1], state: a[2] }))

describe('dist/miniconsent.js', () => {
  it('holds the config placeholder exactly once', () => {
    expect(BUNDLE.split('"__MINICONSENT_CONFIG__"').length).toBe(2)
  })

  it('on a returning visit runs the granted scripts in document order, keeps the rest blocked and shows nothing', async () => {
    const { w, win, api } = await boot({ cookie: stored(['essential', 'analytics']) })
    expect(win.ran).toEqual(['analytics-1', 'sentry', 'analytics-2'])
    expect(w.document.querySelector('iframe')!.getAttribute('src')).toBe('https://example.com/embed')
    expect(w.document.querySelector('script[type="text/plain"]')!.getAttribute('nonce')).toBe('abc')
    expect(w.document.getElementById('miniconsent')).toBeNull()
    expect(api.get()).toMatchObject({ consentId: 'Zm9vYmFyYmF6cXV4cXV1eA', method: 'custom', categories: { essential: true, analytics: true, marketing: false } })
    expect(api.accepted('analytics')).toBe(true)
    expect(api.acceptedService('google-analytics')).toBe(true)
    await expect(api.ready).resolves.toMatchObject({ revision: 3 })
  })

  it('pushes the Consent Mode default as an Arguments object, then the stored choice as an update', async () => {
    const { win } = await boot({ cookie: stored(['essential', 'analytics']) })
    const calls = consentCalls(win)
    expect(calls[0]).toMatchObject({ isArguments: true, command: 'default', state: { analytics_storage: 'denied', ad_storage: 'denied', security_storage: 'granted', wait_for_update: 500 } })
    expect(calls[1]).toMatchObject({ isArguments: true, command: 'update', state: { analytics_storage: 'granted', ad_storage: 'denied' } })
    expect(win.clarity.q[0][0]).toBe('consentv2')
  })

  it('treats a choice older than the consent revision as none: nothing runs', async () => {
    const { win, api } = await boot({ cookie: stored(['essential', 'analytics'], { revision: 1 }) })
    expect(win.ran).toEqual([])
    expect(api.get()).toBeNull()
    expect(api.accepted('analytics')).toBe(false)
  })

  it('records a choice made through the API, stores it and releases what it grants', async () => {
    const { w, win, api, posted } = await boot()
    const changes: unknown[] = []
    api.on('change', (s: unknown) => changes.push(s))
    let event: any
    w.addEventListener('miniconsent:change', (e) => (event = e))
    api.acceptAll()
    await new Promise((r) => setTimeout(r, 20))
    expect(win.ran).toEqual(['analytics-1', 'marketing', 'sentry', 'analytics-2'])
    const cookie = parseConsentCookie(/miniconsent=([^;]+)/.exec(w.document.cookie)![1])
    expect(cookie).toMatchObject({ method: 'api', revision: 3 })
    expect(cookie!.consentId).toMatch(/^[A-Za-z0-9_-]{22}$/)
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

  it('on revocation deletes the declared cookies of denied categories, wildcards included', async () => {
    const { w, api } = await boot({ cookie: stored(['essential', 'analytics']) })
    w.document.cookie = '_ga=GA1.1; path=/'
    w.document.cookie = '_ga_ABC=GS1; path=/'
    w.document.cookie = 'sentry-sc=1; path=/'
    w.document.cookie = 'next-auth.session-token=t; path=/'
    api.set({ analytics: false })
    await new Promise((r) => setTimeout(r, 20))
    const names = w.document.cookie.split('; ').map((c) => c.split('=')[0])
    expect(names).not.toContain('_ga')
    expect(names).not.toContain('_ga_ABC')
    expect(names).not.toContain('sentry-sc')
    expect(names).toContain('next-auth.session-token')
    expect(api.get().categories.analytics).toBe(false)
  })

  it('turns GPC into a recorded refusal of marketing in opt-out regions, without a banner', async () => {
    const { win, api, posted } = await boot({ config: moniClubConfig('opt-out'), gpc: true })
    expect(api.get()).toMatchObject({ gpc: true, method: 'gpc', categories: { analytics: true, marketing: false } })
    expect(win.ran).toEqual(['analytics-1', 'sentry', 'analytics-2'])
    expect(posted[0]!.body).toMatchObject({ method: 'gpc', gpc: true, siteId: 'mini-moni-club' })
    expect(win.fbq.queue[0][0]).toBe('consent')
    expect(win.fbq.queue[0][1]).toBe('revoke')
  })

  it('without an embedded config and without a network falls back to denying everything optional', async () => {
    const { win, api, posted } = await boot({ config: null, fetchFails: true })
    expect(api.get()).toBeNull()
    expect(win.ran).toEqual([])
    api.acceptAll()
    await new Promise((r) => setTimeout(r, 20))
    expect(win.ran).toEqual([])
    expect(posted).toEqual([])
  })
})
