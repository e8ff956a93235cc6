// The front door answers the config fetch and stores consent records before Hono: a client, a
// cache and the access log must not be able to tell which way a request went. Each request below
// goes to two real servers on 127.0.0.1 over the same app: one as main.ts serves it (front door
// first), one through Hono alone.
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp } from './app'
import type { AppDeps } from './context'
import { serveApp } from './front-door'
import { createLogger } from './logger'
import { stripUrl } from './routes/consents'
import type { ConsentLogOptions } from './services/consent-log'
import { ACME, addUser, consentBody, send, signIn, startTestServer, type TestServer } from './test-support'

interface Answer {
  status: number
  headers: IncomingHttpHeaders
  /** The header lines as sent: name, value, name, ... (their case, order and repeats). */
  raw: string[]
  body: Buffer
}

function get(port: number, path: string, headers: Record<string, string>, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers: { Host: 'consent.example.test', ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (d: Buffer) => chunks.push(d))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, raw: res.rawHeaders, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** A POST of `body` with its Content-Length (unless `chunked`), as sendBeacon sends a record unless told otherwise. */
function post(port: number, body: string | Buffer, headers: Record<string, string | string[]> = {}, chunked = false, path = '/api/v1/consents'): Promise<Answer> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body
  const length: Record<string, string> = chunked ? {} : { 'Content-Length': String(bytes.length) }
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: 'POST', headers: { Host: 'consent.example.test', 'Content-Type': 'text/plain;charset=UTF-8', ...length, ...headers } },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (d: Buffer) => chunks.push(d))
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, raw: res.rawHeaders, body: Buffer.concat(chunks) }))
      },
    )
    req.on('error', reject)
    // Written before the end, a body goes chunked: given to end(), Node would send its length.
    if (chunked) req.write(bytes)
    req.end(chunked ? undefined : bytes)
  })
}

/**
 * The header lines as sent (name, value, ...: their case and order), with the values that may
 * differ between two answers (the time, a generated request id) left out. Content-Length is the
 * one line whose place differs: the front door names it with the answer's headers, Node adds it
 * after Connection for Hono. Its value is compared with the others (comparable()).
 */
function sentHead(a: Answer): string[] {
  const lines: string[] = []
  for (let i = 0; i < a.raw.length; i += 2) {
    const name = a.raw[i]!
    if (!/^content-length$/i.test(name)) lines.push(`${name}: ${/^(date|x-request-id)$/i.test(name) ? '' : a.raw[i + 1]}`)
  }
  return lines
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

async function start(env: Partial<AppDeps['env']> = {}, log: ConsentLogOptions = {}) {
  t?.close()
  lines = []
  honoCalls = 0
  const logger = createLogger('info', (line) => lines.push(JSON.parse(line) as Record<string, unknown>))
  t = startTestServer({ logger, env: { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: undefined, TRUST_PROXY: false, ...env } }, [
    { ...ACME, settings: { ...ACME.settings, domains: ['acme.test'] } },
  ], log)
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
      // Byte for byte: the same header lines, in the same order and case.
      expect(sentHead(a), JSON.stringify(headers)).toEqual(sentHead(b))
      expect(a.headers['x-request-id']).toMatch(headers['X-Request-Id'] === 'client-chosen-id' ? /^client-chosen-id$/ : /^[0-9a-f-]{36}$/)
      // Revalidation with the ETag just received: 304 on both, with the same headers.
      const revalidate = { ...headers, 'If-None-Match': String(a.headers.etag) }
      const [c, d] = [await get(front, PATH, revalidate), await get(hono, PATH, revalidate)]
      expect(c.status, JSON.stringify(headers)).toBe(304)
      expect(comparable(c, false)).toEqual(comparable(d, false))
      expect(sentHead(c), JSON.stringify(headers)).toEqual(sentHead(d))
      // Each answer has its own request id, whichever answer and id the one before had.
      expect(c.headers['x-request-id']).toMatch(headers['X-Request-Id'] === 'client-chosen-id' ? /^client-chosen-id$/ : /^[0-9a-f-]{36}$/)
      if (headers['X-Request-Id'] !== 'client-chosen-id') expect(c.headers['x-request-id']).not.toBe(a.headers['x-request-id'])
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

  it("answers a request @hono/node-server cannot read with the API's error shape, not an empty 400", async () => {
    const { front } = await start()
    for (const host of ['a@b', 'x/y', 'exa%mple']) {
      const a = await get(front, '/healthz', { Host: host })
      expect(a.status, host).toBe(400)
      expect(a.headers['content-type'], host).toMatch(/^application\/json/)
      expect(a.headers['x-content-type-options'], host).toBe('nosniff')
      expect(JSON.parse(a.body.toString()), host).toEqual({ error: { code: 'bad_request', message: expect.stringMatching(/^This request cannot be read: Invalid (host header|URL)$/) } })
    }
    // The server goes on answering.
    expect((await get(front, '/healthz', {})).status).toBe(200)
  })

  it('answers 400, not 500, for a Host @hono/node-server passes on that no URL holds (a name ending in a number that is no IPv4 address), where a route reads the whole Request', async () => {
    const { front } = await start()
    for (const host of ['1.2.3.4.5', '256.0.0.1', 'web.1']) {
      // Routes that read the whole Request: a session, the preview's origin, a body.
      for (const [method, path] of [['GET', '/api/admin/me'], ['GET', '/api/admin/preview/acme/'], ['POST', '/api/admin/login']] as const) {
        const a = await get(front, path, { Host: host }, method)
        expect(a.status, `${host} ${method} ${path}`).toBe(400)
        // The preview's refusals are a page, read in its frame.
        if (path.includes('/preview/')) expect(a.body.toString(), host).toContain('This request cannot be read: its Host is no host a URL holds')
        else expect(JSON.parse(a.body.toString()), host).toEqual({ error: { code: 'bad_request', message: 'This request cannot be read: its Host is no host a URL holds' } })
      }
      // Those that do not answer as for any Host: a health checker may reach the server by such a name.
      expect((await get(front, '/healthz', { Host: host })).status, host).toBe(200)
      expect((await get(front, PATH, { Host: host })).status, host).toBe(200)
      // A consent POST is refused as Hono refuses it, whichever way it is sent: stored by neither.
      const record = JSON.stringify(consentBody())
      const sent = [await post(front, record, { Host: host, Origin: 'https://www.acme.test' }), await post(front, record, { Host: host, Origin: 'https://www.acme.test' }, true)]
      expect(sent.map((a) => a.status), host).toEqual([400, 400])
    }
    expect(t.db.$client.prepare('SELECT count(*) AS n FROM consent_records').get()).toEqual({ n: 0 })
    // Nothing was logged as the server's own error.
    expect(lines.filter((l) => l.level === 'error')).toEqual([])
    expect(lines.filter((l) => l.msg === 'request' && l.status === 400)).toHaveLength(15)
  })

  it("answers a request whose HTTP framing is broken with the API's error shape, and logs no error of its own", async () => {
    const { front } = await start()
    const body = JSON.stringify(consentBody())
    const head = (path: string, method = 'POST') => `${method} ${path} HTTP/1.1\r\nHost: consent.example.test\r\nContent-Type: text/plain\r\n`
    const cases: [string, string, number, string][] = [
      ['a chunk size that is no number (front door)', `${head('/api/v1/consents')}Transfer-Encoding: chunked\r\n\r\nZZ\r\n${body}\r\n0\r\n\r\n`, 400, 'bad_request'],
      ['a chunk size that is no number (Hono)', `${head('/api/admin/login')}Transfer-Encoding: chunked\r\n\r\n5\r\n{"a":\r\nZZ\r\n`, 400, 'bad_request'],
      ['a length that is no number', `${head('/api/v1/consents')}Content-Length: abc\r\n\r\n${body}`, 400, 'bad_request'],
      ['a length and chunks both', `${head('/api/v1/consents')}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400, 'bad_request'],
      ['a control character in a header name', `${head('/healthz', 'GET')}X-\u0001: 1\r\n\r\n`, 400, 'bad_request'],
      ['headers past their limit', `${head('/healthz', 'GET')}X-Pad: ${'x'.repeat(20_000)}\r\n\r\n`, 431, 'headers_too_large'],
    ]
    const held: Socket[] = []
    for (const [what, request, status, code] of cases) {
      // A client that keeps its end of the connection open once the server has ended its own.
      const answer = await new Promise<string>((resolve, reject) => {
        let text = ''
        const socket = connect({ port: front, host: '127.0.0.1', allowHalfOpen: true }, () => socket.write(request))
        held.push(socket)
        socket.setEncoding('latin1')
        socket.on('data', (d: string) => (text += d))
        socket.on('end', () => resolve(text))
        socket.on('error', reject)
      })
      const [statusLine, ...rest] = answer.split('\r\n')
      expect(statusLine, what).toBe(`HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : 'Request Header Fields Too Large'}`)
      expect(rest, what).toEqual(expect.arrayContaining(['Content-Type: application/json', 'X-Content-Type-Options: nosniff', 'Connection: close']))
      const json = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { error: { code: string; message: string } }
      expect(json, what).toEqual({ error: { code, message: expect.stringMatching(/^This request cannot be read: /) } })
    }
    // The server has closed each connection, whatever its client does (it held them).
    await expect.poll(() => new Promise((resolve) => servers[0]!.getConnections((_, n) => resolve(n)))).toBe(0)
    for (const socket of held) socket.destroy()
    await new Promise((r) => setTimeout(r, 50))
    // A broken request is the client's doing: no "unhandled error", no 500 in the access log.
    expect(lines.filter((l) => l.level === 'error' || l.status === 500)).toEqual([])
    // Each one the server had begun to read is logged with the status the client got.
    expect(lines.filter((l) => l.msg === 'request').map((l) => [l.method, l.path, l.status])).toEqual([
      ['POST', '/api/v1/consents', 400],
      ['POST', '/api/admin/login', 400],
    ])
    expect((await get(front, '/healthz', {})).status).toBe(200)
  })

  it('refuses an admin change without a session at once, without waiting for a body held back', async () => {
    const { front } = await start()
    // With a declared length, and chunked (whose limit is counted as the body is read).
    for (const framing of ['Content-Length: 100\r\n\r\n{"id":', 'Transfer-Encoding: chunked\r\n\r\n6\r\n{"id":\r\n']) {
      const answer = await new Promise<string>((resolve, reject) => {
        let text = ''
        const socket = connect(front, '127.0.0.1', () =>
          socket.write(`POST /api/admin/sites HTTP/1.1\r\nHost: consent.example.test\r\nContent-Type: application/json\r\n${framing}`),
        )
        socket.setEncoding('latin1')
        socket.on('data', (d: string) => {
          text += d
          if (text.includes('\r\n\r\n{')) {
            socket.destroy()
            resolve(text)
          }
        })
        socket.on('error', reject)
        // Before, the server read the whole body (for its UTF-8 check) first: no answer.
        setTimeout(() => {
          socket.destroy()
          resolve(text)
        }, 3_000)
      })
      expect(answer, framing).toMatch(/^HTTP\/1\.1 401 /)
    }
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

describe("the front door's consent POST", () => {
  /** A stored record's columns that the request decides (not its id, place in the chain or time). */
  const storedAs = (recordId: string) =>
    t.db.$client
      .prepare('SELECT consent_id, revision, texts_hash, categories, services, method, region, mode, language, url, user_agent, ip, gpc, client_time FROM consent_records WHERE record_id = ?')
      .get(recordId)
  /** An answer to a stored record, less what differs between two records: their ids and places in the log. */
  const storedAnswer = (a: Answer) => {
    const { recordId: _id, seq, ...rest } = JSON.parse(a.body.toString()) as { recordId: string; seq: number }
    const { 'content-length': _length, ...headers } = a.headers
    return { ...comparable({ ...a, headers, body: Buffer.from(JSON.stringify(rest)) }, false), seq: typeof seq }
  }

  it('stores a record as the SDK sends it without Hono, with the answer and the row Hono gives', async () => {
    const { front, hono } = await start({ TRUST_PROXY: true, REGION_HEADERS: { country: 'cf-ipcountry', subdivision: 'cf-region-code' } })
    const cases: Record<string, string>[] = [
      {},
      { 'Content-Type': 'application/json' },
      { 'Content-Type': 'text/plain' },
      { Origin: 'https://www.acme.test', 'User-Agent': 'Mozilla/5.0 (front door)' },
      { Origin: 'http://consent.example.test' },
      { 'Sec-GPC': '1', 'CF-IPCountry': 'DE', 'X-Forwarded-For': '198.51.100.23' },
      { 'CF-IPCountry': 'US', 'CF-Region-Code': 'CA', 'X-Forwarded-For': '2001:db8:1:2:3:4:5:6' },
      { 'X-Request-Id': 'client-chosen-id' },
    ]
    for (const headers of cases) {
      const [viaFront, viaHono] = [consentBody(), consentBody()]
      const [a, b] = [await post(front, JSON.stringify(viaFront), headers), await post(hono, JSON.stringify(viaHono), headers)]
      expect(a.status, JSON.stringify(headers)).toBe(201)
      expect(storedAnswer(a), JSON.stringify(headers)).toEqual(storedAnswer(b))
      expect(JSON.parse(a.body.toString())).toMatchObject({ recordId: viaFront.recordId })
      expect(a.headers['x-request-id']).toMatch(headers['X-Request-Id'] ? /^client-chosen-id$/ : /^[0-9a-f-]{36}$/)
      expect(storedAs(viaFront.recordId), JSON.stringify(headers)).toEqual(storedAs(viaHono.recordId))
    }
    // The same record again: 200 with its place in the log, as the SDK's retry is answered.
    const again = consentBody()
    const first = await post(front, JSON.stringify(again))
    const retry = await post(front, JSON.stringify(again))
    expect([first.status, retry.status]).toEqual([201, 200])
    expect(JSON.parse(retry.body.toString())).toEqual(JSON.parse(first.body.toString()))
    expect(honoCalls).toBe(0)
  })

  it('answers requests pipelined on one connection in their order, each whole: a record whose answer waits for its commit, a config fetch answered at once behind it, another record', async () => {
    const { front } = await start()
    const [first, second] = [consentBody(), consentBody()]
    const postOf = (body: object) => {
      const text = JSON.stringify(body)
      return `POST /api/v1/consents HTTP/1.1\r\nHost: consent.example.test\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`
    }
    const raw = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = []
      const socket = connect(front, '127.0.0.1', () =>
        socket.end(postOf(first) + `GET ${PATH} HTTP/1.1\r\nHost: consent.example.test\r\n\r\n` + postOf(second)),
      )
      socket.on('data', (d: Buffer) => chunks.push(d))
      socket.on('end', () => resolve(Buffer.concat(chunks)))
      socket.on('error', reject)
    })
    // Each answer's head, then exactly the body its Content-Length gives.
    const answers: { status: number; body: string }[] = []
    for (let at = 0; at < raw.length; ) {
      const headEnd = raw.indexOf('\r\n\r\n', at)
      const head = raw.toString('latin1', at, headEnd)
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)![1])
      answers.push({ status: Number(head.split(' ')[1]), body: raw.toString('utf8', headEnd + 4, headEnd + 4 + length) })
      at = headEnd + 4 + length
    }
    expect(answers.map((a) => a.status)).toEqual([201, 200, 201])
    expect(JSON.parse(answers[0]!.body)).toMatchObject({ recordId: first.recordId })
    expect(JSON.parse(answers[1]!.body)).toMatchObject({ siteId: 'acme' })
    expect(JSON.parse(answers[2]!.body)).toMatchObject({ recordId: second.recordId })
    expect(honoCalls).toBe(0)
  })

  it('takes PUBLIC_URL as this server\'s own origin as the route does, for the config and the record, behind a proxy that rewrites Host', async () => {
    const { front, hono } = await start({ PUBLIC_URL: 'https://consent.example.com' })
    const page = { Origin: 'https://consent.example.com' }
    const [a, b] = [await get(front, PATH, page), await get(hono, PATH, page)]
    expect(a.headers['access-control-allow-origin']).toBe('https://consent.example.com')
    expect(comparable(a, false)).toEqual(comparable(b, false))
    const [viaFront, viaHono] = [consentBody(), consentBody()]
    const [c, d] = [await post(front, JSON.stringify(viaFront), page), await post(hono, JSON.stringify(viaHono), page)]
    expect(c.status).toBe(201)
    expect(storedAnswer(c)).toEqual(storedAnswer(d))
    expect(storedAs(viaFront.recordId)).toEqual(storedAs(viaHono.recordId))
    // Both answered before Hono.
    expect(honoCalls).toBe(0)
  })

  it('stores a body in any form the SDK\'s reading takes as the row Hono stores, through the writer thread, in a chain that verifies', async () => {
    // The front door hands the writer the body's text as it came, and the route its checked input
    // written out: the writer thread builds the stored record from either (consent-writer.ts stampedRecord).
    const { front, hono } = await start({ TRUST_PROXY: true }, { writer: 'thread' })
    const forms: [string, (body: Record<string, unknown>) => string][] = [
      ['as the SDK sends it', (b) => JSON.stringify(b)],
      ['pretty-printed', (b) => JSON.stringify(b, null, 2).replace(/\n/g, '\r\n\t')],
      ['keys in another order, with keys of no use', (b) => JSON.stringify({ extra: { nested: [1, 'x', null] }, ...Object.fromEntries(Object.entries(b).reverse()), sdk: '1.0.0' })],
      ['without services and gpc', ({ services: _s, gpc: _g, ...b }) => JSON.stringify({ ...b, categories: { essential: true, analytics: false } })],
      ['gpc in the body', (b) => JSON.stringify({ ...b, gpc: true })],
      ['no texts hash', (b) => JSON.stringify({ ...b, textsHash: null })],
      ['a URL with credentials, a port and dot segments', (b) => JSON.stringify({ ...b, url: 'HTTPS://user:pw@Acme.test:8443/a/./b/../c?q=1#f' })],
      ['escapes in its strings', (b) => JSON.stringify(b).replace('"url":"https://acme.test/pricing', '"url":"https:\\/\\/acme.test\\/pr\\u00efcing\\u2028')],
      ['a key twice (the last counts)', (b) => JSON.stringify(b).replace('"method":"accept-all"', '"method":"reject-all","method":"custom"').replace('"analytics":true', '"analytics":false')],
      ['categories in another order', (b) => JSON.stringify({ ...b, categories: { analytics: false, essential: true }, services: { plausible: false } })],
    ]
    for (const [form, write] of forms) {
      const [viaFront, viaHono] = [consentBody(), consentBody()]
      const headers = { 'X-Forwarded-For': '198.51.100.23', 'User-Agent': 'Mozilla/5.0 "quoted" \\ agent', 'Sec-GPC': form === 'no texts hash' ? '1' : '0' }
      const [a, b] = [await post(front, write(viaFront), headers), await post(hono, write(viaHono), headers)]
      expect([a.status, b.status], form).toEqual([201, 201])
      expect(storedAs(viaFront.recordId), form).toEqual(storedAs(viaHono.recordId))
    }
    expect(honoCalls).toBe(0)
    expect(storedAs(consentBody().recordId)).toBeUndefined()
    const rows = t.db.$client.prepare("SELECT url, method, gpc, texts_hash AS textsHash, categories, services, user_agent AS userAgent FROM consent_records WHERE site_id = 'acme' ORDER BY seq").all()
    expect(rows).toHaveLength(forms.length * 2)
    // What each form stored, read back: the same two rows, as the rules of ingestion make them.
    expect(rows.filter((_, i) => i % 2 === 0)).toEqual([
      { url: 'https://acme.test/pricing', method: 'accept-all', gpc: 0, textsHash: 'a'.repeat(64), categories: '{"analytics":true,"essential":true}', services: '{"plausible":true}', userAgent: 'Mozilla/5.0 "quoted" \\ agent' },
      { url: 'https://acme.test/pricing', method: 'accept-all', gpc: 0, textsHash: 'a'.repeat(64), categories: '{"analytics":true,"essential":true}', services: '{"plausible":true}', userAgent: 'Mozilla/5.0 "quoted" \\ agent' },
      { url: 'https://acme.test/pricing', method: 'accept-all', gpc: 0, textsHash: 'a'.repeat(64), categories: '{"analytics":true,"essential":true}', services: '{"plausible":true}', userAgent: 'Mozilla/5.0 "quoted" \\ agent' },
      { url: 'https://acme.test/pricing', method: 'accept-all', gpc: 0, textsHash: 'a'.repeat(64), categories: '{"analytics":false,"essential":true}', services: '{}', userAgent: 'Mozilla/5.0 "quoted" \\ agent' },
      { url: 'https://acme.test/pricing', method: 'accept-all', gpc: 1, textsHash: 'a'.repeat(64), categories: '{"analytics":true,"essential":true}', services: '{"plausible":true}', userAgent: 'Mozilla/5.0 "quoted" \\ agent' },
      { url: 'https://acme.test/pricing', method: 'accept-all', gpc: 1, textsHash: null, categories: '{"analytics":true,"essential":true}', services: '{"plausible":true}', userAgent: 'Mozilla/5.0 "quoted" \\ agent' },
      { url: 'https://acme.test:8443/a/c', method: 'accept-all', gpc: 0, textsHash: 'a'.repeat(64), categories: '{"analytics":true,"essential":true}', services: '{"plausible":true}', userAgent: 'Mozilla/5.0 "quoted" \\ agent' },
      { url: 'https://acme.test/pr%C3%AFcing%E2%80%A8', method: 'accept-all', gpc: 0, textsHash: 'a'.repeat(64), categories: '{"analytics":true,"essential":true}', services: '{"plausible":true}', userAgent: 'Mozilla/5.0 "quoted" \\ agent' },
      { url: 'https://acme.test/pricing', method: 'custom', gpc: 0, textsHash: 'a'.repeat(64), categories: '{"analytics":false,"essential":true}', services: '{"plausible":true}', userAgent: 'Mozilla/5.0 "quoted" \\ agent' },
      { url: 'https://acme.test/pricing', method: 'accept-all', gpc: 0, textsHash: 'a'.repeat(64), categories: '{"analytics":false,"essential":true}', services: '{"plausible":false}', userAgent: 'Mozilla/5.0 "quoted" \\ agent' },
    ])
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: forms.length * 2 })
  })

  it('hands every record it does not store to Hono with the body it read, for the answer Hono alone gives', async () => {
    const { front, hono } = await start()
    const record = (overrides: Record<string, unknown> = {}) => JSON.stringify(consentBody(overrides))
    const cases: [string, string | Buffer, Record<string, string>][] = [
      ['malformed JSON', '{"recordId": ', {}],
      ['not a record', '{"x":1}', {}],
      ['not a record, as JSON', '[]', { 'Content-Type': 'application/json' }],
      // JSON's escape of half a surrogate pair, which no UTF-8 text can hold.
      ['an unpaired surrogate', record().replace('"url":"https://acme.test/', '"url":"https://acme.test/\\ud800'), {}],
      ['nested past the limit', record({ extra: JSON.parse('['.repeat(70) + ']'.repeat(70)) as unknown }), {}],
      ['an unknown site', record({ siteId: 'nowhere' }), { Origin: 'https://www.acme.test' }],
      ['an origin of no site', record(), { Origin: 'https://evil.example' }],
      ['an unknown revision', record({ revision: 9 }), { Origin: 'https://www.acme.test' }],
      ['an unknown category', record({ categories: { essential: true, ads: true } }), {}],
      ['a required category denied', record({ categories: { essential: false } }), {}],
      ['an unknown service', record({ services: { nowhere: true } }), {}],
      ['an empty body', '', {}],
      // Latin-1 for é: read as UTF-8, stored as U+FFFD.
      ['bytes that are not UTF-8', Buffer.from(record({ url: 'https://acme.test/café' }), 'latin1'), {}],
      // JSON.parse makes each an own key; zod would drop both without a word.
      ['a __proto__ category', record().replace('"categories":{', '"categories":{"__proto__":true,'), {}],
      ['a __proto__ key', record().replace('{', '{"__proto__":{"x":1},'), {}],
    ]
    for (const [name, body, headers] of cases) {
      const [a, b] = [await post(front, body, headers), await post(hono, body, headers)]
      expect(a.status, name).toBeGreaterThanOrEqual(400)
      expect(a.status, name).toBeLessThan(500)
      expect(comparable(a, false), name).toEqual(comparable(b, false))
    }
    expect(honoCalls).toBe(cases.length)
    // A body Hono reads and the front door does not: a UTF-8 BOM, which Hono's reading drops. Hono stores it.
    const bom = consentBody()
    const withBom = await post(front, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(bom))]))
    expect(withBom.status).toBe(201)
    expect(storedAs(bom.recordId)).toBeTruthy()
    expect(honoCalls).toBe(cases.length + 1)
  })

  it('answers a site with nothing published as no site on its three posts, as Hono alone does, storing nothing; once published, stores its record itself', async () => {
    const { front, hono } = await start()
    await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
    const owner = await signIn(t, 'owner@acme.test', 'owner password 1')
    expect((await owner.request('/api/admin/sites', send('POST', { id: 'shop', name: 'Shop', domains: ['shop.test'] }))).status).toBe(201)
    const stored = () =>
      ['consent_records', 'consent_identities', 'document_acceptances'].map((table) => t.db.$client.prepare(`SELECT count(*) AS n FROM ${table} WHERE site_id = 'shop'`).get())
    const nothing = stored()
    // The record the SDK sends from the site's page, as the link to a user and the acceptance of a document it sends.
    const posts = (siteId: string): [string, unknown][] => {
      const record = consentBody({ siteId, categories: { essential: true }, services: {} })
      const { recordId, consentId, language, url, clientTime } = record
      const event = { recordId, siteId, consentId, language, url, clientTime }
      return [
        ['/api/v1/consents', record],
        ['/api/v1/consents/identify', { ...event, userId: 'customer-42' }],
        ['/api/v1/documents', { ...event, type: 'terms' }],
      ]
    }
    // As sendBeacon sends them (text/plain), and as fetch does.
    const pages: Record<string, string>[] = [{ Origin: 'https://www.shop.test' }, { Origin: 'https://www.shop.test', 'Content-Type': 'application/json' }]
    for (const siteId of ['nosuch', 'shop']) {
      for (const page of pages) {
        for (const [path, body] of posts(siteId)) {
          const [a, b] = [await post(front, JSON.stringify(body), page, false, path), await post(hono, JSON.stringify(body), page, false, path)]
          const what = `${siteId} ${path} ${page['Content-Type'] ?? 'text/plain'}`
          expect([what, a.status, JSON.parse(a.body.toString())]).toEqual([what, 404, { error: { code: 'site_not_found', message: `No site "${siteId}"` } }])
          expect(comparable(a, false), what).toEqual(comparable(b, false))
        }
      }
    }
    expect(stored()).toEqual(nothing)
    // Each record went to Hono from the front door, which stores none of a site unknown to visitors;
    // the links and acceptances are Hono's alone.
    expect(honoCalls).toBe(12)
    expect((await owner.request('/api/admin/sites/shop/publish', send('POST', {}))).status).toBe(201)
    const [path, record] = posts('shop')[0]!
    const published = await post(front, JSON.stringify(record), pages[0]!, false, path)
    expect(published.status).toBe(201)
    expect(honoCalls).toBe(12)
  })

  it('leaves to Hono unread what it does not take: another type, too large, no length', async () => {
    const { front, hono } = await start()
    const cases: [string, string, Record<string, string>, boolean][] = [
      ['a form', JSON.stringify(consentBody()), { 'Content-Type': 'application/x-www-form-urlencoded' }, false],
      ['too large', JSON.stringify(consentBody({ url: 'https://acme.test/' + 'a'.repeat(9000) })), {}, false],
      // Compressed, or said to be: refused by the route (415), never stored as if it were not (review).
      ['gzip', JSON.stringify(consentBody()), { 'Content-Encoding': 'gzip' }, false],
      ['br', JSON.stringify(consentBody()), { 'Content-Encoding': 'br' }, false],
      ['an empty encoding', JSON.stringify(consentBody()), { 'Content-Encoding': '' }, false],
    ]
    for (const [name, body, headers, chunked] of cases) {
      const [a, b] = [await post(front, body, headers, chunked), await post(hono, body, headers, chunked)]
      expect(comparable(a, false), name).toEqual(comparable(b, false))
    }
    expect(honoCalls).toBe(cases.length)
    // Chunked (no Content-Length): Hono reads and stores it.
    const chunked = consentBody()
    expect((await post(front, JSON.stringify(chunked), {}, true)).status).toBe(201)
    expect(storedAs(chunked.recordId)).toBeTruthy()
    expect(honoCalls).toBe(cases.length + 1)
  })

  it('reads the first of two Content-Types, as Node does, on both paths', async () => {
    const { front, hono } = await start()
    // Hono's own validator joins the two and, finding no JSON type, handed the route `{}`: the
    // record was refused as missing every field while the front door stored it (review).
    const headers = { 'Content-Type': ['application/json', 'text/html'] }
    const [a, b] = [consentBody({ consentId: 'visitor-0001' }), consentBody({ consentId: 'visitor-0002' })]
    expect((await post(front, JSON.stringify(a), headers)).status).toBe(201)
    expect((await post(hono, JSON.stringify(b), headers)).status).toBe(201)
    expect([storedAs(a.recordId), storedAs(b.recordId)]).toEqual([expect.anything(), expect.anything()])
    // Malformed JSON under the same two types: the same 400 on both.
    const [c, d] = [await post(front, '{"recordId": ', headers), await post(hono, '{"recordId": ', headers)]
    expect(c.status).toBe(400)
    expect(comparable(c, false)).toEqual(comparable(d, false))
  })

  it('parses a JSON body once on the Hono path', async () => {
    const { hono } = await start()
    const body = JSON.stringify(consentBody())
    const parse = vi.spyOn(JSON, 'parse')
    try {
      expect((await post(hono, body, { 'Content-Type': 'application/json' })).status).toBe(201)
      // Hono's validator parsed it; the route's reading took that value instead of parsing it again (review).
      expect(parse.mock.calls.filter(([text]) => text === body)).toHaveLength(1)
    } finally {
      parse.mockRestore()
    }
  })

  it("takes from the same rate-limit buckets as the route: the record past the limit gets the route's 429", async () => {
    const { front, hono } = await start()
    const answers = async (port: number) => {
      const statuses: number[] = []
      // ACME's limit: 20 at once from one network, then one a second (the test's clock stands still).
      for (let i = 0; i < 21; i++) statuses.push((await post(port, JSON.stringify(consentBody()), { Origin: 'https://www.acme.test' })).status)
      return statuses
    }
    const [viaFront, viaHono] = [await answers(front), await answers(hono)]
    expect(viaFront).toEqual([...Array(20).fill(201), 429])
    expect(viaFront).toEqual(viaHono)
    // Only the refused one went to Hono, which found the bucket the front door had emptied.
    expect(honoCalls).toBe(1)
    const [a, b] = [await post(front, JSON.stringify(consentBody()), { Origin: 'https://www.acme.test' }), await post(hono, JSON.stringify(consentBody()), { Origin: 'https://www.acme.test' })]
    expect(a.status).toBe(429)
    expect(comparable(a, false)).toEqual(comparable(b, false))
  })

  it('spends no token on a record refused 422, which it hands to Hono: the next valid one is stored', async () => {
    const { front } = await start()
    const stale = JSON.stringify(consentBody({ revision: 99 }))
    for (let i = 0; i < 20; i++) expect((await post(front, stale, { Origin: 'https://www.acme.test' })).status).toBe(422)
    expect((await post(front, JSON.stringify(consentBody()), { Origin: 'https://www.acme.test' })).status).toBe(201)
  })

  it("answers a record that arrives after the log closed at a stop with the route's 503 server_stopping, storing nothing", async () => {
    const { front, hono } = await start()
    expect((await post(front, JSON.stringify(consentBody()))).status).toBe(201)
    await t.consentLog.close()
    const [a, b] = [await post(front, JSON.stringify(consentBody()), { Origin: 'https://www.acme.test' }), await post(hono, JSON.stringify(consentBody()), { Origin: 'https://www.acme.test' })]
    expect(a.status).toBe(503)
    expect(JSON.parse(a.body.toString())).toMatchObject({ error: { code: 'server_stopping' } })
    expect(a.headers['retry-after']).toBe('5')
    expect(comparable(a, false)).toEqual(comparable(b, false))
    expect(honoCalls).toBe(0)
    expect(t.db.$client.prepare('SELECT count(*) AS n FROM consent_records').get()).toEqual({ n: 1 })
  })

  it("answers a recordId stored with another record with the route's 409, and logs each record as the middleware does", async () => {
    const { front, hono } = await start()
    const answers: Answer[] = []
    for (const port of [front, hono]) {
      const first = consentBody()
      expect((await post(port, JSON.stringify(first))).status).toBe(201)
      answers.push(await post(port, JSON.stringify({ ...first, method: 'reject-all', categories: { essential: true, analytics: false } }), { Origin: 'https://www.acme.test', 'X-Request-Id': `conflict-${port}` }))
    }
    expect(answers[0]!.status).toBe(409)
    expect(comparable(answers[0]!, false)).toEqual(comparable(answers[1]!, false))
    expect(honoCalls).toBe(0)
    // The access log: one line each, alike but for the request id, the time and how long it took.
    const [viaFront, viaHono] = [lines.find((l) => l.requestId === `conflict-${front}`), lines.find((l) => l.requestId === `conflict-${hono}`)]
    expect(viaFront).toMatchObject({ msg: 'request', method: 'POST', path: '/api/v1/consents', status: 409, ms: expect.any(Number) })
    expect({ ...viaFront, requestId: null, time: null, ms: null }).toEqual({ ...viaHono, requestId: null, time: null, ms: null })
  })

  it('takes a recordId in another case as the same record on both paths, through the writer thread: 200 with its place, 409 for another decision, stored once in lower case in a chain that verifies', async () => {
    const { front, hono } = await start({}, { writer: 'thread' })
    const answer = (a: Answer) => [a.status, JSON.parse(a.body.toString()) as unknown]
    const body = consentBody()
    const upper = { ...body, recordId: body.recordId.toUpperCase() }
    expect(answer(await post(front, JSON.stringify(body)))).toEqual([201, { recordId: body.recordId, seq: 1 }])
    // Before: 201 seq 2 through Hono, a second row counted twice in the statistics.
    expect(answer(await post(hono, JSON.stringify(upper)))).toEqual([200, { recordId: body.recordId, seq: 1 }])
    expect(answer(await post(front, JSON.stringify(upper)))).toEqual([200, { recordId: body.recordId, seq: 1 }])
    const other = JSON.stringify({ ...upper, method: 'reject-all', categories: { essential: true, analytics: false } })
    for (const port of [front, hono]) {
      expect(answer(await post(port, other))).toEqual([409, { error: { code: 'record_id_conflict', message: expect.stringMatching(/different record/) } }])
    }
    // Sent first in mixed case, whichever way: stored, chained and answered in lower case; sent again in lower case, the same record.
    const mixed = (id: string) => id.replace(/[a-f]/g, (ch, at: number) => (at % 2 ? ch.toUpperCase() : ch))
    const [viaFront, viaHono] = [consentBody(), consentBody()]
    expect(answer(await post(front, JSON.stringify({ ...viaFront, recordId: mixed(viaFront.recordId) })))).toEqual([201, { recordId: viaFront.recordId, seq: 2 }])
    expect(answer(await post(hono, JSON.stringify({ ...viaHono, recordId: mixed(viaHono.recordId) })))).toEqual([201, { recordId: viaHono.recordId, seq: 3 }])
    for (const port of [front, hono]) for (const sent of [viaFront, viaHono]) expect((await post(port, JSON.stringify(sent))).status).toBe(200)
    expect(honoCalls).toBe(0)
    expect(t.db.$client.prepare('SELECT record_id AS recordId FROM consent_records ORDER BY seq').all()).toEqual([body, viaFront, viaHono].map(({ recordId }) => ({ recordId })))
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 3 })
  })

  it('takes a record stored under an upper-case recordId before ids were read in lower case as the record sent again under that id, on both paths through the writer thread', async () => {
    const { front, hono } = await start({}, { writer: 'thread' })
    const answer = (a: Answer) => [a.status, JSON.parse(a.body.toString()) as unknown]
    const body = consentBody()
    const upper = { ...body, recordId: body.recordId.toUpperCase() }
    // As the log stored it before (a client other than the SDK): under the id as it was sent.
    const { gpc, ...sent } = upper
    await t.consentLog.append({ ...sent, url: stripUrl(body.url), region: null, mode: 'opt-in', userAgent: null, ip: null, gpc } as Parameters<TestServer['consentLog']['append']>[0])
    // Before: 201 seq 2 through the front door, a second row.
    for (const port of [front, hono]) expect(answer(await post(port, JSON.stringify(upper)))).toEqual([200, { recordId: body.recordId, seq: 1 }])
    const other = JSON.stringify({ ...upper, method: 'reject-all', categories: { essential: true, analytics: false } })
    for (const port of [front, hono]) expect((await post(port, other)).status).toBe(409)
    expect(honoCalls).toBe(0)
    expect(t.db.$client.prepare('SELECT record_id AS recordId FROM consent_records').all()).toEqual([{ recordId: upper.recordId }])
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 1 })
  })

  it('stores nothing and goes on serving when a client leaves before its body is complete', async () => {
    const { front } = await start()
    const partial = consentBody()
    const text = JSON.stringify(partial)
    await new Promise<void>((resolve, reject) => {
      const socket = connect(front, '127.0.0.1', () => {
        socket.write(`POST /api/v1/consents HTTP/1.1\r\nHost: consent.example.test\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text.slice(0, 40)}`)
        setTimeout(() => socket.destroy(), 50)
      })
      socket.on('close', () => resolve())
      socket.on('error', reject)
    })
    await new Promise((r) => setTimeout(r, 50))
    expect(storedAs(partial.recordId)).toBeUndefined()
    const next = consentBody()
    expect((await post(front, JSON.stringify(next))).status).toBe(201)
    expect(honoCalls).toBe(0)
  })
  it('writes nothing more on a connection whose request was answered before its body came, when its client then ends its side', async () => {
    const { front } = await start()
    // No session: answered 401 at once, the rest of its body never sent.
    const text = await new Promise<string>((resolve) => {
      let got = ''
      const socket = connect(front, '127.0.0.1', async () => {
        socket.write('PUT /api/admin/sites/acme/settings HTTP/1.1\r\nHost: consent.example.test\r\nX-Request-Id: early\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":')
        await new Promise((r) => setTimeout(r, 500))
        socket.end()
      })
      socket.setEncoding('latin1')
      socket.on('data', (d: string) => (got += d))
      socket.on('close', () => resolve(got))
      socket.on('error', () => {})
    })
    // That answer was the last: no 400 after it (its status line follows the 401's body directly).
    expect(text.match(/HTTP\/1\.1 \d+/g)).toEqual(['HTTP/1.1 401'])
    expect(lines.filter((l) => l.requestId === 'early').map((l) => l.status)).toEqual([401])
  })

  it('logs once and as no error a client that ends its side before its body is complete, whichever way the request goes: 400, as answered, or 499 for a reset', async () => {
    const { front } = await start()
    await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
    const owner = await signIn(t, 'owner@acme.test', 'owner password 1')
    const head = (method: string, path: string, id: string, extra = '') =>
      `${method} ${path} HTTP/1.1\r\nHost: consent.example.test\r\nOrigin: https://www.acme.test\r\nX-Request-Id: ${id}\r\n${extra}`
    const cases: [string, string][] = [
      // Read by the front door.
      ['left-front', `${head('POST', '/api/v1/consents', 'left-front')}Content-Type: text/plain\r\nContent-Length: 500\r\n\r\n{"recordId":`],
      // Handed to Hono (chunked), and read there.
      ['left-chunked', `${head('POST', '/api/v1/consents', 'left-chunked')}Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\nc\r\n{"recordId":\r\n`],
      ['left-identify', `${head('POST', '/api/v1/consents/identify', 'left-identify')}Content-Type: text/plain\r\nContent-Length: 500\r\n\r\n{"siteId":`],
      [
        'left-admin',
        `${head('PUT', '/api/admin/sites/acme/settings', 'left-admin', `Cookie: ${owner.cookie}\r\nX-CSRF-Token: ${owner.csrfToken}\r\n`)}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":`,
      ],
    ]
    // Half-closed (it may still read): answered 400 and logged so. Reset: gone, logged 499.
    const answers: Record<string, string> = {}
    for (const reset of [false, true]) {
      for (const [id, request] of cases) {
        const sent = reset ? request.replaceAll(`X-Request-Id: ${id}`, `X-Request-Id: ${id}-reset`) : request
        await new Promise<void>((resolve) => {
          let text = ''
          const socket = connect(front, '127.0.0.1', () => {
            socket.write(sent)
            setTimeout(() => (reset ? socket.resetAndDestroy() : socket.end()), 300)
          })
          socket.setEncoding('latin1')
          socket.on('data', (d: string) => (text += d))
          socket.on('close', () => resolve(void (answers[reset ? `${id}-reset` : id] = text.split('\r\n')[0]!)))
          socket.on('error', () => {})
        })
      }
    }
    const logged = (id: string) => lines.filter((l) => l.requestId === id).map((l) => [l.msg, l.method, l.status])
    await expect.poll(() => cases.map(([id]) => [logged(id), logged(`${id}-reset`)])).toEqual([
      [[['request', 'POST', 400]], [['request', 'POST', 499]]],
      [[['request', 'POST', 400]], [['request', 'POST', 499]]],
      [[['request', 'POST', 400]], [['request', 'POST', 499]]],
      [[['request', 'PUT', 400]], [['request', 'PUT', 499]]],
    ])
    for (const [id] of cases) expect(answers[id], id).toBe('HTTP/1.1 400 Bad Request')
    expect(lines.filter((l) => l.level === 'error')).toEqual([])
    // One that sends its whole body is logged with the status it got.
    expect((await post(front, JSON.stringify(consentBody()), { 'X-Request-Id': 'stayed' })).status).toBe(201)
    expect(logged('stayed')).toEqual([['request', 'POST', 201]])
  })
})
