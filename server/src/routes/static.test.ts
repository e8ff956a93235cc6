import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../test-support'

let t: TestServer
beforeEach(() => {
  t = startTestServer()
  const dash = join(t.dir, 'dashboard')
  mkdirSync(join(dash, 'assets'), { recursive: true })
  writeFileSync(join(dash, 'index.html'), '<!doctype html><title>Dashboard</title><script type="module" src="/assets/index-abc123.js"></script>')
  writeFileSync(join(dash, 'assets', 'index-abc123.js'), 'console.log("dashboard")')
  writeFileSync(join(dash, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  const demo = join(t.dir, 'demo')
  mkdirSync(join(demo, 'acme'), { recursive: true })
  writeFileSync(join(demo, 'index.html'), '<h1>Demo sites</h1>')
  writeFileSync(join(demo, 'demo.css'), 'body{}')
  writeFileSync(join(demo, 'acme', 'index.html'), '<h1>Acme demo</h1>')
})
afterEach(() => t.close())

describe('dashboard SPA', () => {
  it('serves index.html at / and for client-side routes, with a strict CSP', async () => {
    // `/index.html%2F` names index.html too (the slash is decoded and dropped): the CSP goes with the file.
    for (const path of ['/', '/sites/acme/consents', '/login', '/index.html', '/index.html%2F', '//index.html']) {
      const res = await t.request(path)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(await res.text()).toContain('<title>Dashboard</title>')
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
      expect(res.headers.get('cache-control')).toBe('no-cache')
    }
  })

  it('serves hashed assets as immutable and other files revalidated', async () => {
    const asset = await t.request('/assets/index-abc123.js')
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(await asset.text()).toBe('console.log("dashboard")')
    const icon = await t.request('/favicon.svg')
    expect(icon.headers.get('content-type')).toBe('image/svg+xml')
    const again = await t.request('/favicon.svg', { headers: { 'If-None-Match': icon.headers.get('etag')! } })
    expect(again.status).toBe(304)
  })

  it('answers 404, not the SPA, for missing files and unknown API paths', async () => {
    expect((await t.request('/assets/missing-123.js')).status).toBe(404)
    const api = await t.request('/api/v1/nothing-here')
    expect(api.status).toBe(404)
    expect(await api.json()).toMatchObject({ error: { code: 'not_found' } })
    writeFileSync(join(t.dir, 'secret.txt'), 'top secret')
    for (const path of ['/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const res = await t.request(path)
      expect(await res.text()).not.toContain('top secret')
    }
  })

  it('answers 404, not the SPA, for /.well-known/ paths the server does not serve', async () => {
    // A browser trusts /.well-known/change-password only if this probe path is not a 200.
    const paths = [
      '/.well-known/resource-that-should-not-exist-whose-status-code-should-not-be-200',
      '/.well-known/change-password',
      '/.well-known/acme-challenge/abcDEF123',
      '/.well-known/gpc.json/',
      '/.well-known/',
      '/.well-known',
    ]
    for (const path of paths) {
      const res = await t.request(path)
      expect(res.status, path).toBe(404)
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/)
      expect(await res.json(), path).toMatchObject({ error: { code: 'not_found' } })
    }
    // The file it does serve is still served, and a path merely starting alike is the dashboard's.
    expect((await t.request('/.well-known/gpc.json')).status).toBe(200)
    expect(await (await t.request('/.well-knownish')).text()).toContain('<title>Dashboard</title>')
  })

  it('answers a spelling of a /.well-known/ path that names the same resource as that path, and any other path as the dashboard', async () => {
    // The same URI as /.well-known/change-password (RFC 3986 §6.2.2: a percent-encoded unreserved
    // character, a dot segment): the same 404.
    for (const path of ['/%2Ewell-known/change-password', '/.well-known/%63hange-password', '/./.well-known/change-password', '/x/../.well-known/change-password']) {
      const res = await t.request(path)
      expect(res.status, path).toBe(404)
      expect(await res.json(), path).toMatchObject({ error: { code: 'not_found' } })
    }
    // Other paths, which no well-known client asks for (it sends the exact lower-case path, and a
    // path is case-sensitive; `%2F` is no `/`; `//` starts with an empty segment): the dashboard
    // answers them as any path of its own, as it does `/API/…`, claiming no well-known resource.
    for (const path of ['/.WELL-KNOWN/change-password', '/.Well-Known/change-password', '/.well-known%2Fchange-password', '//.well-known/x', '//.well-known/change-password']) {
      const res = await t.request(path)
      expect(res.status, path).toBe(200)
      expect(await res.text(), path).toContain('<title>Dashboard</title>')
    }
  })

  it('answers 503 with a hint when the dashboard is not built', async () => {
    const bare = startTestServer()
    try {
      const res = await bare.request('/')
      expect(res.status).toBe(503)
      expect(await res.text()).toMatch(/not built/)
    } finally {
      bare.close()
    }
  })
})

describe('demo pages', () => {
  it('serves the index and each demo site, redirecting to the trailing slash', async () => {
    expect(await (await t.request('/demo/')).text()).toBe('<h1>Demo sites</h1>')
    const bare = await t.request('/demo')
    expect(bare.status).toBe(301)
    expect(bare.headers.get('location')).toBe('/demo/')
    const redirect = await t.request('/demo/acme')
    expect(redirect.status).toBe(301)
    expect(redirect.headers.get('location')).toBe('/demo/acme/')
    const page = await t.request('/demo/acme/')
    expect(page.status).toBe(200)
    expect(await page.text()).toBe('<h1>Acme demo</h1>')
    expect((await t.request('/demo/demo.css')).headers.get('content-type')).toBe('text/css; charset=utf-8')
    // On the dashboard's origin, a demo page runs no script from elsewhere and talks to no other server.
    for (const path of ['/demo/', '/demo/acme/', '/demo/acme/index.html']) {
      const csp = (await t.request(path)).headers.get('content-security-policy') ?? ''
      expect(csp, path).toContain("script-src 'self' 'unsafe-inline';")
      expect(csp, path).toContain("connect-src 'self';")
      expect(csp, path).toContain("default-src 'self';")
    }
    expect((await t.request('/demo/nobody/')).status).toBe(404)
    expect((await t.request('/demo/..%2fdashboard/index.html')).status).toBe(404)
  })
})

describe('app', () => {
  it('answers /healthz and sets security headers and a request id', async () => {
    const res = await t.request('/healthz')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true })
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('x-request-id')).toMatch(/\w{8,}/)
  })

  it("sends pages the document security headers, and keeps a client's own request id", async () => {
    const page = await t.request('/demo/acme/', { headers: { 'X-Request-Id': 'trace-42' } })
    expect(page.headers.get('x-frame-options')).toBe('SAMEORIGIN')
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin')
    expect(page.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin')
    expect(page.headers.get('x-content-type-options')).toBe('nosniff')
    expect(page.headers.get('x-request-id')).toBe('trace-42')
    // An id that could forge a log line is replaced.
    const forged = await t.request('/healthz', { headers: { 'X-Request-Id': 'a b' } })
    expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('answers 500 without internals when something unexpected fails', async () => {
    t.db.$client.close()
    // /healthz answers its own 503 (health.test.ts); a sign-in reads the database and fails.
    const res = await t.request('/api/admin/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: 'owner@acme.test', password: 'owner password 1' }) })
    expect(res.status).toBe(500)
    const body = (await res.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('internal')
    expect(body.error.message).not.toMatch(/database|sqlite/i)
    expect(body.error.message).toContain(res.headers.get('x-request-id')!)
  })
})
