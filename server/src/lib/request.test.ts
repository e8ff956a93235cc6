import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppEnv } from '../context'
import type { Services } from '../context'
import { clientIp, hopAddress, isHttps, requestHeader, type RequestFacts } from './request'

const NAMES = ['origin', 'x-forwarded-for', 'user-agent', 'accept-encoding', 'sec-gpc', 'x-request-id']

// Served by Node, requestHeader reads Node's parsed headers instead of Hono's Headers: the two
// must agree on what a client sent, repeats and padding included.
describe('requestHeader over a real HTTP server', () => {
  const app = new Hono<AppEnv>().get('/', (c) => c.json(NAMES.map((n) => [requestHeader(c, n) ?? null, c.req.header(n) ?? null])))
  let server: ReturnType<typeof serve>
  let port = 0
  beforeAll(async () => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise<void>((resolve) => server.once('listening', () => resolve()))
    port = (server.address() as AddressInfo).port
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  const get = (headers: [string, string][]) =>
    new Promise<[string | null, string | null][]>((resolve, reject) => {
      // A flat [name, value, …] list, as rawHeaders (an object could not repeat a header); Node adds no Host to one.
      const raw = [['Host', `127.0.0.1:${port}`], ...headers].flat()
      const req = httpRequest({ host: '127.0.0.1', port, path: '/', agent: false, headers: raw }, (res) => {
        let body = ''
        res.on('data', (d) => (body += d))
        res.on('end', () => resolve(JSON.parse(body) as [string | null, string | null][]))
      })
      req.on('error', reject)
      req.end()
    })

  it('gives what Hono gives: repeats joined, padding trimmed, absent headers undefined', async () => {
    const pairs = await get([
      ['Origin', 'https://www.acme.test'],
      ['X-Forwarded-For', '198.18.0.1'],
      ['x-forwarded-for', ' 203.0.113.9 '],
      ['User-Agent', 'Mozilla/5.0 (test)'],
      ['Accept-Encoding', 'gzip, br'],
    ])
    for (const [fast, hono] of pairs) expect(fast).toBe(hono)
    expect(pairs.map(([fast]) => fast)).toEqual(['https://www.acme.test', '198.18.0.1, 203.0.113.9', 'Mozilla/5.0 (test)', 'gzip, br', null, null])
  })
})

describe('hopAddress', () => {
  it('takes the address out of an X-Forwarded-For hop written with a port, and leaves a bare one as it is', () => {
    expect(hopAddress('203.0.113.9:51234')).toBe('203.0.113.9')
    expect(hopAddress('[2001:db8::1]:51234')).toBe('2001:db8::1')
    expect(hopAddress('[2001:db8::1]')).toBe('2001:db8::1')
    expect(hopAddress('2001:db8::1')).toBe('2001:db8::1')
    expect(hopAddress('203.0.113.9')).toBe('203.0.113.9')
    expect(hopAddress('unknown')).toBe('unknown')
  })
})

describe('clientIp and isHttps behind TRUST_PROXY proxies', () => {
  const facts = (headers: Record<string, string>, url = 'http://acme.test/'): RequestFacts => ({
    env: { incoming: { socket: { remoteAddress: '10.0.0.1' } } as never },
    req: { url, header: (name) => headers[name] },
  })
  const proxies = (TRUST_PROXY: number | boolean) => ({ env: { TRUST_PROXY } }) as unknown as Services
  const xff = { 'x-forwarded-for': 'forged, 198.51.100.7, 172.70.1.1', 'x-forwarded-proto': 'https, http' }

  it('takes the hop the outermost proxy appended, and the socket without proxies', () => {
    expect([0, false, 1, true, 2, 3, 9].map((n) => clientIp(facts(xff), proxies(n)))).toEqual(['10.0.0.1', '10.0.0.1', '172.70.1.1', '172.70.1.1', '198.51.100.7', 'forged', 'forged'])
    expect(clientIp(facts({ 'x-forwarded-for': ' , ' }), proxies(2))).toBe('10.0.0.1')
  })

  it('reads the scheme the outermost proxy was reached by', () => {
    expect([0, 1, 2].map((n) => isHttps(facts(xff), proxies(n)))).toEqual([false, false, true])
    expect(isHttps(facts({}, 'https://acme.test/'), proxies(0))).toBe(true)
    // A scheme in capitals (some proxies send it so) is https all the same; without TRUST_PROXY, never read.
    expect(isHttps(facts({ 'x-forwarded-proto': 'HTTPS' }), proxies(1))).toBe(true)
    expect(isHttps(facts({ 'x-forwarded-proto': 'HTTPS' }), proxies(0))).toBe(false)
  })
})
