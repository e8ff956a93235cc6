// A body over its limit is refused 413 before it is read whole; over a real keep-alive connection,
// the client must be able to go on: the answer either closes the connection and says so, or leaves
// it usable. (`app.request()` has no socket, so this runs on 127.0.0.1 as main.ts serves the app.)
import { Agent, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { apiError } from '@miniconsent/shared'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { serveApp } from '../front-door'
import { addUser, signIn, startTestServer, type TestServer } from '../test-support'

interface Answer {
  status: number
  connection: string | undefined
  body: string
}

let t: TestServer
let server: Server
let port: number
let agent: Agent

beforeEach(async () => {
  t = startTestServer()
  server = serveApp(t.app, { port: 0, hostname: '127.0.0.1' })
  await new Promise((resolve) => server.once('listening', resolve))
  port = (server.address() as AddressInfo).port
  agent = new Agent({ keepAlive: true, maxSockets: 1 })
})
afterEach(async () => {
  agent.destroy()
  await new Promise((resolve) => server.close(resolve))
  t.close()
})

/** One request on the shared keep-alive agent; `chunks` are written one by one (chunked when no length is given). */
function send(method: string, path: string, o: { headers?: Record<string, string | number>; chunks?: Buffer[] } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, agent, headers: o.headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }))
    })
    // The server may answer and close before the whole body is written: that is its right.
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)))
    for (const chunk of o.chunks ?? []) req.write(chunk)
    req.end()
  })
}

const ADMIN_OVER = 1024 * 1024 + 100_000
const PUBLIC_OVER = 9 * 1024

describe('a body over its limit', () => {
  it.each([
    ['a sign-in with a declared length', '/api/admin/login', 'application/json', ADMIN_OVER, true],
    ['a sign-in sent chunked', '/api/admin/login', 'application/json', ADMIN_OVER, false],
    ['a consent record with a declared length', '/api/v1/consents', 'text/plain', PUBLIC_OVER, true],
    ['a consent record sent chunked', '/api/v1/consents', 'text/plain', PUBLIC_OVER, false],
  ])('%s is refused 413, and the client goes on over the same agent', async (_name, path, type, size, declared) => {
    const body = Buffer.from(JSON.stringify({ email: 'a@acme.test', password: 'x'.repeat(size) }))
    // Chunked: many small chunks, so the limit is crossed while the body is still arriving.
    const chunks = declared ? [body] : Array.from({ length: Math.ceil(body.length / 16_384) }, (_, i) => body.subarray(i * 16_384, (i + 1) * 16_384))
    const refused = await send('POST', path, {
      headers: { 'Content-Type': type, ...(declared ? { 'Content-Length': body.length } : {}) },
      chunks,
    })
    expect(refused.status).toBe(413)
    expect(apiError.parse(JSON.parse(refused.body)).error.code).toBe('payload_too_large')
    // The rest of the body was never read: the connection cannot carry another request, and says so.
    expect(refused.connection).toBe('close')
    for (let i = 0; i < 3; i++) expect((await send('GET', '/healthz')).status).toBe(200)
  })

  it('is refused 413 signed in, sent chunked, where the session reads the body first', async () => {
    await addUser(t.db, 'editor@acme.test', 'editor password 1', { acme: 'editor' })
    const editor = await signIn(t, 'editor@acme.test', 'editor password 1')
    const body = Buffer.from(JSON.stringify({ catalogue: { categories: [], services: [], entries: [], pad: 'x'.repeat(ADMIN_OVER) } }))
    const chunks = Array.from({ length: Math.ceil(body.length / 16_384) }, (_, i) => body.subarray(i * 16_384, (i + 1) * 16_384))
    const refused = await send('PUT', '/api/admin/sites/acme/catalogue/draft', {
      headers: { 'Content-Type': 'application/json', Cookie: editor.cookie, 'X-CSRF-Token': editor.csrfToken },
      chunks,
    })
    expect(refused.status).toBe(413)
    expect(apiError.parse(JSON.parse(refused.body)).error.code).toBe('payload_too_large')
    expect(refused.connection).toBe('close')
  })

  it('on a method no route of the path takes is that 405 with its Allow, not a 413: the body is not read, and the client goes on', async () => {
    const body = Buffer.alloc(ADMIN_OVER, 'x')
    for (const declared of [true, false]) {
      const chunks = declared ? [body] : Array.from({ length: Math.ceil(body.length / 16_384) }, (_, i) => body.subarray(i * 16_384, (i + 1) * 16_384))
      const refused = await send('PUT', '/api/admin/sites/acme/stats', { headers: declared ? { 'Content-Length': body.length } : {}, chunks })
      expect([declared, refused.status, apiError.parse(JSON.parse(refused.body)).error.code]).toEqual([declared, 405, 'method_not_allowed'])
      for (let i = 0; i < 2; i++) expect((await send('GET', '/healthz')).status).toBe(200)
    }
  })

  it('on a change the caller may not make is that 401 or 403, not a 413: the body is not read, and the client goes on', async () => {
    await addUser(t.db, 'auditor@acme.test', 'auditor password 1', { acme: 'auditor' })
    const auditor = await signIn(t, 'auditor@acme.test', 'auditor password 1')
    const body = Buffer.from(JSON.stringify({ catalogue: { categories: [], services: [], entries: [], pad: 'x'.repeat(ADMIN_OVER) } }))
    for (const [who, session, answer] of [
      ['no session', {}, [401, 'unauthenticated']],
      ['an auditor', { Cookie: auditor.cookie, 'X-CSRF-Token': auditor.csrfToken }, [403, 'forbidden']],
    ] as const) {
      for (const declared of [true, false]) {
        const chunks = declared ? [body] : Array.from({ length: Math.ceil(body.length / 16_384) }, (_, i) => body.subarray(i * 16_384, (i + 1) * 16_384))
        const refused = await send('PUT', '/api/admin/sites/acme/catalogue/draft', {
          headers: { 'Content-Type': 'application/json', ...session, ...(declared ? { 'Content-Length': body.length } : {}) },
          chunks,
        })
        expect([who, declared, refused.status, apiError.parse(JSON.parse(refused.body)).error.code]).toEqual([who, declared, ...answer])
        for (let i = 0; i < 2; i++) expect((await send('GET', '/healthz')).status).toBe(200)
      }
    }
  })

  it('within its limit leaves the connection open for the next request', async () => {
    const body = JSON.stringify({ email: 'nobody@acme.test', password: 'wrong password' })
    const refused = await send('POST', '/api/admin/login', { headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }, chunks: [Buffer.from(body)] })
    expect(refused.status).toBe(401)
    expect(refused.connection).toBe('keep-alive')
    expect((await send('GET', '/healthz')).status).toBe(200)
  })
})

describe('a Content-Encoding header', () => {
  // A compressed body would be read as its compressed bytes, and is refused 415; a request without
  // a body has nothing compressed, and was refused all the same, before its session was looked at.
  it('refuses a body sent compressed, with its length or chunked, and nothing else: a request without a body is answered as without the header', async () => {
    await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
    const owner = await signIn(t, 'owner@acme.test', 'owner password 1')
    const session = { Cookie: owner.cookie, 'X-CSRF-Token': owner.csrfToken }
    const gzip = { 'Content-Encoding': 'gzip' }
    const csv = Buffer.from('category,name,provider,expiry\nessential,session,Acme,1d\n')
    for (const declared of [true, false]) {
      const refused = await send('POST', '/api/admin/sites/acme/catalogue/import?format=csv', {
        headers: { ...session, ...gzip, 'Content-Type': 'text/csv', ...(declared ? { 'Content-Length': csv.length } : {}) },
        chunks: [csv],
      })
      expect([declared, refused.status, apiError.parse(JSON.parse(refused.body)).error.code]).toEqual([declared, 415, 'unsupported_media_type'])
    }
    for (const [method, path, headers] of [
      ['GET', '/api/admin/me', {}],
      ['GET', '/api/admin/me', session],
      ['DELETE', '/api/admin/sites/acme/members/99', {}],
      ['DELETE', '/api/admin/sites/acme/members/99', session],
      ['GET', '/api/admin/invitations/no-such-invitation-token-0000000000000000', {}],
      ['POST', '/api/admin/logout', {}],
    ] as const) {
      const plain = await send(method, path, { headers })
      const encoded = await send(method, path, { headers: { ...headers, ...gzip } })
      expect([method, path, encoded.status, encoded.body]).toEqual([method, path, plain.status, plain.body])
      expect(encoded.status).not.toBe(415)
    }
    // Signed out, a request without a body is told to sign in, not to send it uncompressed.
    expect((await send('GET', '/api/admin/me', { headers: gzip })).status).toBe(401)
    const out = await send('POST', '/api/admin/logout', { headers: { ...session, ...gzip } })
    expect(out.status).toBe(204)
    expect((await send('GET', '/api/admin/me', { headers: session })).status).toBe(401)
  })
})
