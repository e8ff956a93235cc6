// The front door answers the config fetch before Hono: a client, a cache and the access log must
// not be able to tell which way a request went. Each request below goes to two real servers on
// 127.0.0.1 over the same app: one as main.ts serves it (front door first), one through Hono alone.
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApp } from './app'
import type { AppDeps } from './context'
import { serveApp } from './front-door'
import { createLogger } from './logger'
import { ACME, addUser, send, signIn, startTestServer, type TestServer } from './test-support'

interface Answer {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

function get(port: number, path: string, headers: Record<string, string>, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers: { Host: 'consent.example.test', ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (d: Buffer) => chunks.push(d))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** What may differ between two answers to the same request: the time and a generated request id. */
function comparable(a: Answer, keepRequestId: boolean) {
  const { date: _date, 'x-request-id': requestId, ...headers } = a.headers
  return { status: a.status, headers, body: a.body.toString('base64'), ...(keepRequestId ? { requestId } : {}) }
}

let t: TestServer
let servers: Server[] = []
let lines: Record<string, unknown>[]
let honoCalls: number

async function listen(server: Server): Promise<number> {
  servers.push(server)
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve))
  return (server.address() as AddressInfo).port
}

async function start(env: Partial<AppDeps['env']> = {}) {
  t?.close()
  lines = []
  honoCalls = 0
  const logger = createLogger('info', (line) => lines.push(JSON.parse(line) as Record<string, unknown>))
  t = startTestServer({ logger, env: { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: undefined, TRUST_PROXY: false, ...env } }, [
    { ...ACME, settings: { ...ACME.settings, domains: ['acme.test'] } },
  ])
  const app = t.app
  const counted = { frontDoor: app.frontDoor, fetch: (req: Request, env?: unknown) => (honoCalls++, app.fetch(req, env as never)) }
  const front = await listen(serveApp(counted, { port: 0, hostname: '127.0.0.1' }))
  // Hono alone, with an app of its own over the same database: answers it builds itself, not the
  // ones the front door built and kept.
  const alone = createApp({
    db: t.db,
    env: { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: undefined, TRUST_PROXY: false, ...env },
    logger,
    now: () => t.clock.now,
    consentLog: t.consentLog,
    sdkDir: join(t.dir, 'sdk'),
    dashboardDir: join(t.dir, 'dashboard'),
    demoDir: join(t.dir, 'demo'),
  })
  const hono = await listen(serve({ fetch: alone.fetch, port: 0, hostname: '127.0.0.1' }) as Server)
  return { front, hono }
}

beforeEach(() => {
  servers = []
})
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  t.close()
})

const PATH = '/api/v1/sites/acme/config'

describe('the front door', () => {
  it('answers every variant of the config fetch as Hono does, without Hono', async () => {
    const { front, hono } = await start({ TRUST_PROXY: true, REGION_HEADERS: { country: 'cf-ipcountry', subdivision: 'cf-region-code' } })
    const cases: Record<string, string>[] = [
      {},
      { 'Accept-Encoding': 'gzip, deflate, br' },
      { 'Accept-Encoding': 'gzip' },
      { 'Accept-Encoding': 'br;q=0, gzip;q=0' },
      { Origin: 'https://www.acme.test', 'Accept-Encoding': 'br' },
      { Origin: 'https://shop.acme.test' },
      { Origin: 'https://evil.example' },
      { Origin: 'null' },
      // This server's own pages: same origin by the Host, and behind the trusted proxy that ends TLS.
      { Origin: 'http://consent.example.test' },
      { Origin: 'https://consent.example.test', 'X-Forwarded-Proto': 'https' },
      { 'Sec-GPC': '1' },
      { 'CF-IPCountry': 'US', 'CF-Region-Code': 'CA', 'Sec-GPC': '1' },
      { 'CF-IPCountry': 'BR' },
      { 'X-Request-Id': 'client-chosen-id' },
      { 'X-Request-Id': 'not acceptable: spaces' },
    ]
    for (const headers of cases) {
      const [a, b] = [await get(front, PATH, headers), await get(hono, PATH, headers)]
      expect(a.status, JSON.stringify(headers)).toBe(200)
      expect(comparable(a, false), JSON.stringify(headers)).toEqual(comparable(b, false))
      expect(a.headers['x-request-id']).toMatch(headers['X-Request-Id'] === 'client-chosen-id' ? /^client-chosen-id$/ : /^[0-9a-f-]{36}$/)
      // Revalidation with the ETag just received: 304 on both, with the same headers.
      const revalidate = { ...headers, 'If-None-Match': String(a.headers.etag) }
      const [c, d] = [await get(front, PATH, revalidate), await get(hono, PATH, revalidate)]
      expect(c.status, JSON.stringify(headers)).toBe(304)
      expect(comparable(c, false)).toEqual(comparable(d, false))
    }
    // Each of the front-door server's requests was answered before Hono.
    expect(honoCalls).toBe(0)
  })

  it('leaves to Hono what it does not answer itself, with the same answers as Hono alone', async () => {
    const { front, hono } = await start()
    const cases: [string, string, Record<string, string>][] = [
      ['GET', '/api/v1/sites/nowhere/config', {}],
      ['GET', '/api/v1/sites/ac%6De/config', {}],
      ['GET', '/api/v1/sites/acme/config/', {}],
      ['GET', '/api/v1/sites//config', {}],
      ['HEAD', PATH, {}],
      ['OPTIONS', PATH, { Origin: 'https://www.acme.test', 'Access-Control-Request-Method': 'GET' }],
      ['GET', PATH, { Host: 'Consent.Example.TEST' }],
      ['GET', '/healthz', {}],
    ]
    for (const [method, path, headers] of cases) {
      const [a, b] = [await get(front, path, headers, method), await get(hono, path, headers, method)]
      expect(comparable(a, false), `${method} ${path}`).toEqual(comparable(b, false))
      expect(a.status, `${method} ${path}`).toBeLessThan(500)
    }
    expect(honoCalls).toBe(cases.length)
    // An unknown site's refusal, through the front door as through Hono: kept by no cache.
    expect((await get(front, '/api/v1/sites/nowhere/config', {})).headers['cache-control']).toBe('no-store')
    // A Host no URL can hold, with an Origin the site does not allow: an answer, not a 500, either way.
    const odd = { Host: '1.2.3.4.5', Origin: 'https://evil.example' }
    const [a, b] = [await get(front, PATH, odd), await get(hono, PATH, odd)]
    expect(a.status).toBe(200)
    expect(comparable(a, false)).toEqual(comparable(b, false))
  })

  it('answers with a query string as without, and serves a newly published catalogue at once', async () => {
    const { front } = await start()
    const before = await get(front, `${PATH}?v=1`, {})
    expect(before.status).toBe(200)
    expect(comparable(before, false)).toEqual(comparable(await get(front, PATH, {}), false))
    // An editor renames a category and publishes: the next fetch has it, under a new ETag.
    await addUser(t.db, 'editor@acme.test', 'editor password!', { acme: 'editor' })
    const editor = await signIn(t, 'editor@acme.test', 'editor password!')
    const state = (await (await editor.request('/api/admin/sites/acme/catalogue')).json()) as { draft: { categories: { label: Record<string, string> }[] } }
    state.draft.categories[1]!.label.en = 'Statistics'
    expect((await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: state.draft }))).status).toBe(200)
    expect((await editor.request('/api/admin/sites/acme/publish', send('POST', {}))).status).toBe(201)
    const after = await get(front, PATH, {})
    expect(after.headers.etag).not.toBe(before.headers.etag)
    expect((JSON.parse(after.body.toString()) as typeof state.draft & { catalogue: typeof state.draft }).catalogue.categories[1]!.label.en).toBe('Statistics')
    expect(honoCalls).toBe(0)
  })

  it('logs each answer as the request-context middleware does', async () => {
    const { front, hono } = await start()
    await get(front, PATH, { 'X-Request-Id': 'front-1' })
    await get(hono, PATH, { 'X-Request-Id': 'hono-1' })
    const [viaFront, viaHono] = [lines.find((l) => l.requestId === 'front-1'), lines.find((l) => l.requestId === 'hono-1')]
    expect(viaFront).toMatchObject({ msg: 'request', method: 'GET', path: PATH, status: 200, ms: expect.any(Number) })
    expect(Object.keys(viaFront!).sort()).toEqual(Object.keys(viaHono!).sort())
    expect({ ...viaFront, requestId: null, time: null, ms: null }).toEqual({ ...viaHono, requestId: null, time: null, ms: null })
  })
})
