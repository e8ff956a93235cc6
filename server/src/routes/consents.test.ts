import { request as httpRequest, Agent } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { serve } from '@hono/node-server'
import Database from 'better-sqlite3'
import { Hono } from 'hono'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { apiError, consentRecord, visitorConsentRecord } from '@miniconsent/shared'
import { createLogger } from '../logger'
import { GENESIS_HASH, recordHash } from '../services/consent-chain'
import { ConsentLog, type AddedFields } from '../services/consent-log'
import { stripUrl } from './consents'
import { consentBody, json, startTestServer, type TestServer } from '../test-support'

let t: TestServer
beforeEach(() => {
  t = startTestServer()
})
afterEach(() => t.close())

const rows = () => t.db.$client.prepare('SELECT * FROM consent_records ORDER BY site_id, seq').all() as Record<string, unknown>[]

describe('POST /api/v1/consents', () => {
  it('stores the record with a truncated IP, the URL without query, server time and chained hashes', async () => {
    const body = consentBody()
    const res = await t.request('/api/v1/consents', json(body, { 'User-Agent': 'TestBrowser/1.0' }), '203.0.113.77')
    expect(res.status).toBe(201)
    expect(await res.json()).toEqual({ recordId: body.recordId, seq: 1 })
    t.clock.now += 1000
    const second = consentBody({ method: 'reject-all', categories: { essential: true, analytics: false } })
    expect((await t.request('/api/v1/consents', json(second), '2001:db8:85a3:1234::8a2e:370:7334')).status).toBe(201)

    const [one, two] = rows()
    expect(one).toMatchObject({
      site_id: 'acme',
      seq: 1,
      ip: '203.0.113.0',
      url: 'https://acme.test/pricing',
      user_agent: 'TestBrowser/1.0',
      server_time: '2026-11-22T10:00:00.000Z',
      client_time: body.clientTime,
      prev_hash: GENESIS_HASH,
    })
    expect(two).toMatchObject({ seq: 2, ip: '2001:db8:85a3::', server_time: '2026-11-22T10:00:01.000Z', prev_hash: one!.hash })

    const stored = consentRecord.parse(t.consentLog.latest('acme', 'visitor-0001'))
    expect(stored).toMatchObject({ seq: 2, method: 'reject-all', categories: { essential: true, analytics: false } })
    const { prevHash, hash, ...rest } = stored
    expect(hash).toBe(recordHash(prevHash, { ...rest, siteId: 'acme' }))
  })

  it("behind a trusted proxy, takes the client's address from the last X-Forwarded-For hop, with or without a port", async () => {
    const proxied = startTestServer({ env: { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: undefined, TRUST_PROXY: true } })
    try {
      for (const hop of ['198.51.100.7:4711', '[2001:db8:aa:bb::1]:443', '2001:db8:cc:dd::1']) {
        const res = await proxied.request('/api/v1/consents', json(consentBody(), { 'X-Forwarded-For': `192.0.2.66, ${hop}` }), '10.0.0.1')
        expect(res.status).toBe(201)
      }
      const ips = (proxied.db.$client.prepare('SELECT ip FROM consent_records ORDER BY seq').all() as { ip: string }[]).map((r) => r.ip)
      expect(ips).toEqual(['198.51.100.0', '2001:db8:aa::', '2001:db8:cc::'])
    } finally {
      proxied.close()
    }
  })

  it('stores nothing but the URL path and no IP for a site whose policy is "none"', async () => {
    const res = await t.request('/api/v1/consents', json(consentBody({ siteId: 'notice-only', categories: { essential: true }, services: {} })))
    expect(res.status).toBe(201)
    expect(rows()[0]).toMatchObject({ ip: null })
  })

  it('is idempotent on recordId: a retried POST answers 200 with the same body and stores one row', async () => {
    const body = consentBody()
    const first = await t.request('/api/v1/consents', json(body))
    const retry = await t.request('/api/v1/consents', json(body))
    expect(first.status).toBe(201)
    expect(retry.status).toBe(200)
    expect(await retry.json()).toEqual(await first.json())
    expect(rows()).toHaveLength(1)
  })

  it('answers 409 to a recordId sent again with another decision, and keeps the stored one', async () => {
    const body = consentBody({ method: 'reject-all', categories: { essential: true, analytics: false } })
    expect((await t.request('/api/v1/consents', json(body), '192.0.2.1')).status).toBe(201)
    const before = rows()
    for (const changed of [
      { method: 'accept-all', categories: { essential: true, analytics: true } },
      { categories: { essential: true, analytics: true } },
      { consentId: 'visitor-other' },
      { clientTime: '2026-11-22T09:59:00.000Z' },
    ]) {
      const res = await t.request('/api/v1/consents', json({ ...body, ...changed }), '192.0.2.2')
      expect(res.status, JSON.stringify(changed)).toBe(409)
      expect(apiError.parse(await res.json()).error).toMatchObject({ code: 'record_id_conflict', message: expect.stringMatching(/different record/) })
    }
    // A body that says GPC over a record stored without it: another record (before: 200, the opt-out never logged).
    for (const headers of [{}, { 'Sec-GPC': '1' }] as Record<string, string>[]) {
      const gpc = await t.request('/api/v1/consents', json({ ...body, gpc: true }, headers), '192.0.2.2')
      expect(gpc.status).toBe(409)
      expect(apiError.parse(await gpc.json()).error.code).toBe('record_id_conflict')
    }
    expect(rows()).toEqual(before)
    // The browser's Sec-GPC header alone may differ on a retry (the body is the record): 200.
    expect((await t.request('/api/v1/consents', json(body, { 'Sec-GPC': '1' }), '192.0.2.3')).status).toBe(200)
    // The same record again, from another address and browser (what the server adds may differ): 200.
    const retry = await t.request('/api/v1/consents', json(body, { 'User-Agent': 'Other/2.0' }), '198.51.100.9')
    expect(retry.status).toBe(200)
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 1 })
  })

  it("answers 409 to a recordId already stored for another site, and stores nothing for it", async () => {
    const body = consentBody()
    expect((await t.request('/api/v1/consents', json(body))).status).toBe(201)
    const other = await t.request('/api/v1/consents', json({ ...body, siteId: 'notice-only', categories: { essential: true }, services: {} }))
    expect(other.status).toBe(409)
    expect(apiError.parse(await other.json()).error.code).toBe('record_id_conflict')
    expect(rows().map((r) => r.site_id)).toEqual(['acme'])
    // The refused record took no place in either chain.
    expect((await t.request('/api/v1/consents', json(consentBody({ siteId: 'notice-only', categories: { essential: true }, services: {} })))).status).toBe(201)
    expect(t.consentLog.verify('notice-only')).toMatchObject({ ok: true, count: 1 })
  })

  it('takes a recordId in another case as the same recordId (UUIDs are case-insensitive): a retry answers 200 with its place, another decision 409, one row in lower case', async () => {
    const body = consentBody()
    const upper = { ...body, recordId: body.recordId.toUpperCase() }
    expect((await t.request('/api/v1/consents', json(body))).status).toBe(201)
    // Before: 201 and a second row, counted twice in the statistics.
    const retry = await t.request('/api/v1/consents', json(upper))
    expect(retry.status).toBe(200)
    expect(await retry.json()).toEqual({ recordId: body.recordId, seq: 1 })
    const other = await t.request('/api/v1/consents', json({ ...upper, method: 'reject-all', categories: { essential: true, analytics: false } }))
    expect(other.status).toBe(409)
    expect(apiError.parse(await other.json()).error.code).toBe('record_id_conflict')
    // Sent first in upper case: stored, chained and answered in lower case, and its lower-case retry is the same record.
    const fresh = consentBody()
    const created = await t.request('/api/v1/consents', json({ ...fresh, recordId: fresh.recordId.toUpperCase() }))
    expect(created.status).toBe(201)
    expect(await created.json()).toEqual({ recordId: fresh.recordId, seq: 2 })
    expect((await t.request('/api/v1/consents', json(fresh))).status).toBe(200)
    expect(rows().map((r) => r.record_id)).toEqual([body.recordId, fresh.recordId])
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 2 })
  })

  it('takes a record stored under an upper-case recordId before ids were read in lower case as the record sent again under that id: 200 with its place, 409 for another decision', async () => {
    const body = consentBody()
    const upper = { ...body, recordId: body.recordId.toUpperCase() }
    // As the log stored it before (a client other than the SDK): under the id as it was sent.
    const { gpc, ...sent } = upper
    await t.consentLog.append({ ...sent, url: stripUrl(body.url), region: null, mode: 'opt-in', userAgent: null, ip: null, gpc } as Parameters<ConsentLog['append']>[0])
    // Before: 201 seq 2, a second row counted twice in the statistics.
    const retry = await t.request('/api/v1/consents', json(upper))
    expect(retry.status).toBe(200)
    expect(await retry.json()).toEqual({ recordId: body.recordId, seq: 1 })
    const other = await t.request('/api/v1/consents', json({ ...upper, method: 'reject-all', categories: { essential: true, analytics: false } }))
    expect(other.status).toBe(409)
    expect(apiError.parse(await other.json()).error.code).toBe('record_id_conflict')
    expect(rows().map((r) => r.record_id)).toEqual([upper.recordId])
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 1 })
  })

  it('stores concurrent posts in one chain without gaps, duplicates written once', async () => {
    const bodies = Array.from({ length: 40 }, () => consentBody())
    const results = await Promise.all([...bodies, bodies[0]!].map((b, i) => t.request('/api/v1/consents', json(b), `198.51.100.${i}`)))
    expect(results.filter((r) => r.status === 201)).toHaveLength(40)
    expect(results.filter((r) => r.status === 200)).toHaveLength(1)
    expect(rows().map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 40 })
  })

  it('accepts a text/plain body, as navigator.sendBeacon sends it', async () => {
    const res = await t.request('/api/v1/consents', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify(consentBody()),
    })
    expect(res.status).toBe(201)
  })

  it('refuses a __proto__ key, which zod would drop without a word, and stores nothing', async () => {
    const sent = JSON.stringify(consentBody({ categories: { essential: true, analytics: false } }))
    for (const [body, where] of [
      // The visitor's choice under that key would be lost, and the rest of the record stored as if it were all.
      [sent.replace('"categories":{', '"categories":{"__proto__":true,'), 'categories.__proto__'],
      [sent.replace('{', '{"__proto__":{"admin":true},'), '__proto__'],
    ] as const) {
      for (const type of ['application/json', 'text/plain;charset=UTF-8']) {
        const res = await t.request('/api/v1/consents', { method: 'POST', headers: { 'Content-Type': type }, body })
        expect(res.status, `${where} ${type}`).toBe(400)
        expect(apiError.parse(await res.json()).error).toEqual({ code: 'invalid_request', message: `${where}: "__proto__" is not accepted as a key` })
      }
    }
    expect(rows()).toHaveLength(0)
    // The same record without it is stored.
    expect((await t.request('/api/v1/consents', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: sent })).status).toBe(201)
  })

  it('refuses text that is not valid Unicode (a lone surrogate escaped in JSON), which would be stored as U+FFFD and break the record\'s hash', async () => {
    expect((await t.request('/api/v1/consents', json(consentBody()))).status).toBe(201)
    for (const [body, where] of [
      [consentBody({ url: 'https://acme.test/page-\ud800' }), 'url'],
      [consentBody({ consentId: 'visitor-\udc00x' }), 'consentId'],
      [consentBody({ categories: { essential: true, ['an\ud800alytics']: true } }), 'categories.an'],
    ] as const) {
      for (const type of ['application/json', 'text/plain;charset=UTF-8']) {
        const res = await t.request('/api/v1/consents', { method: 'POST', headers: { 'Content-Type': type }, body: JSON.stringify(body) })
        expect(res.status, `${where} ${type}`).toBe(400)
        const error = apiError.parse(await res.json()).error
        expect(error.code).toBe('invalid_text')
        expect(error.message.startsWith(where)).toBe(true)
      }
    }
    // A well-formed pair (an emoji) is text like any other.
    expect((await t.request('/api/v1/consents', json(consentBody({ url: 'https://acme.test/\ud83c\udf6a' })))).status).toBe(201)
    expect(rows()).toHaveLength(2)
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 2 })
  })

  it('answers 400 in the error shape for an invalid record or malformed JSON', async () => {
    const res = await t.request('/api/v1/consents', json(consentBody({ recordId: 'not-a-uuid', method: 'maybe' })))
    expect(res.status).toBe(400)
    const body = apiError.parse(await res.json())
    expect(body.error.code).toBe('invalid_request')
    expect(body.error.message).toContain('recordId')
    const broken = await t.request('/api/v1/consents', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"recordId":' })
    expect(broken.status).toBe(400)
    expect(apiError.parse(await broken.json()).error.code).toBe('invalid_json')
    const form = await t.request('/api/v1/consents', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'a=1' })
    expect(form.status).toBe(415)
    expect(rows()).toHaveLength(0)
  })

  it('takes a page URL longer than 2048 characters, and stores it stripped and cut to 2048, under a hash of what is stored', async () => {
    // 342 Cyrillic letters in a slug: location.pathname percent-encodes each as 6 characters.
    const path = '/' + encodeURIComponent('б'.repeat(342))
    const body = consentBody({ url: `https://acme.test${path}?utm_source=mail#top` })
    const res = await t.request('/api/v1/consents', json(body))
    expect(res.status).toBe(201)
    const url = (t.db.$client.prepare('SELECT url FROM consent_records WHERE record_id = ?').pluck().get(body.recordId)) as string
    expect(url).toHaveLength(2048)
    expect(`https://acme.test${path}`.startsWith(url)).toBe(true)
    // A retry is the same record (compared with what is stored), and the chain verifies.
    expect((await t.request('/api/v1/consents', json(body))).status).toBe(200)
    // Cut at a code point: never half of a surrogate pair, which SQLite would store as U+FFFD and break the hash.
    const text = consentBody({ url: 'x'.repeat(2047) + '\u{1F36A}' + 'tail' })
    expect((await t.request('/api/v1/consents', json(text))).status).toBe(201)
    expect(t.db.$client.prepare('SELECT url FROM consent_records WHERE record_id = ?').pluck().get(text.recordId)).toBe('x'.repeat(2047))
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 2 })
  })

  it('stores a page URL as the WHATWG parser writes it, without credentials, query or fragment, whether or not it looks plain', async () => {
    // The old way, kept here as the rule: parse, drop the credentials, write; a string it cannot parse stays as sent.
    const parsed = (bare: string) => {
      try {
        const u = new URL(bare)
        u.username = ''
        u.password = ''
        return u.href
      } catch {
        return bare
      }
    }
    const urls = [
      'https://acme.test/pricing',
      'http://shop.acme.test/a/b-c_d.e~f/',
      'https://acme.test/a/./b', 'https://acme.test/a/../b', 'https://acme.test/a/..', 'https://acme.test/.', 'https://acme.test/a/.b/..c/',
      'https://ACME.test/x', 'HTTPS://acme.test/x', 'https://acme.test:443/x', 'http://acme.test:80/x', 'https://acme.test:8443/x',
      'https://acme.test', 'https://acme.test.', 'https://acme.test./x', 'https://acme..test/x',
      'https://1.2.3/x', 'https://0x7f.1/x', 'https://010.0.0.1/x', 'https://acme.0x1f/x', 'https://a.b.c.123/x', 'https://acme.test1/x',
      'https://xn--bcher-kva.test/x', 'https://xn--a.test/x', 'https://xn--/x', 'https://bücher.test/x',
      'https://user:secret@acme.test/x', 'https://user@acme.test/x', 'https://acme.test/a@b', 'https://@acme.test/x',
      'https://acme.test/a b', 'https://acme.test/%7e', 'https://acme.test/a\\b', 'https://acme.test/a\tb', ' https://acme.test/x', 'https://acme.test/"<>`{}',
      'https://acme.test/б', 'https://-acme-.test/x', 'file:///etc/x', 'not a url', '', '/relative/path', 'https:acme.test/x', 'https:/acme.test/x',
    ]
    for (const url of urls) expect([url, stripUrl(url)]).toEqual([url, parsed(url)])
    // Through the route: the page URL stored for a record.
    const body = consentBody({ url: 'https://visitor:pw@Acme.TEST:443/a/./b/../c?utm=1#top' })
    expect((await t.request('/api/v1/consents', json(body))).status).toBe(201)
    expect(t.db.$client.prepare('SELECT url FROM consent_records WHERE record_id = ?').pluck().get(body.recordId)).toBe('https://acme.test/a/c')
  })

  it('answers 413 for a body over 8 KB', async () => {
    const res = await t.request('/api/v1/consents', json(consentBody({ url: 'https://acme.test/' + 'a'.repeat(9000) })))
    expect(res.status).toBe(413)
    expect(apiError.parse(await res.json()).error.code).toBe('payload_too_large')
  })

  it('behind a CDN and a proxy (TRUST_PROXY=2), takes the address the CDN saw, and limits each visitor on their own', async () => {
    const proxied = startTestServer({ env: { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: undefined, TRUST_PROXY: 2 } })
    try {
      // The CDN appends the visitor's address, the proxy the CDN edge's; what comes before is the visitor's own.
      for (let i = 0; i < 25; i++) {
        const res = await proxied.request('/api/v1/consents', json(consentBody(), { 'X-Forwarded-For': `10.9.9.9, 198.51.${i}.7, 172.70.1.1` }), '10.0.0.1')
        expect(res.status, `visitor ${i}`).toBe(201)
      }
      const ips = (proxied.db.$client.prepare('SELECT DISTINCT ip FROM consent_records ORDER BY seq').all() as { ip: string }[]).map((r) => r.ip)
      expect(ips).toHaveLength(25)
      expect(ips[3]).toBe('198.51.3.0')
      // Sent past the CDN, with fewer hops than proxies: the first hop, as far as the header goes.
      const direct = await proxied.request('/api/v1/consents', json(consentBody(), { 'X-Forwarded-For': '203.0.113.50' }), '10.0.0.1')
      expect(direct.status).toBe(201)
      expect((proxied.db.$client.prepare('SELECT ip FROM consent_records ORDER BY seq DESC LIMIT 1').get() as { ip: string }).ip).toBe('203.0.113.0')
    } finally {
      proxied.close()
    }
  })

  it('lets the SDK read every refusal, those given before the site is known too, so that it drops the record instead of sending it again', async () => {
    const origin = { Origin: 'https://acme.test' }
    const beacon = (body: string, headers: Record<string, string> = origin): RequestInit => ({ method: 'POST', headers: { 'Content-Type': 'text/plain;charset=UTF-8', ...headers }, body })
    const refusals: [string, RequestInit, number, string][] = [
      ['/api/v1/consents', json(consentBody({ url: 'https://acme.test/' + 'a'.repeat(9000) }), origin), 413, 'payload_too_large'],
      ['/api/v1/consents', beacon('{"recordId": '), 400, 'invalid_json'],
      ['/api/v1/consents', json(consentBody({ clientTime: '2026-11-22T10:00:00+15:00' }), origin), 400, 'invalid_request'],
      ['/api/v1/consents', json(consentBody({ siteId: 'nobody' }), origin), 404, 'site_not_found'],
      ['/api/v1/consents', json(consentBody({ revision: 2 }), origin), 422, 'unknown_revision'],
      ['/api/v1/consents/identify', beacon('not json'), 400, 'invalid_json'],
      ['/api/v1/documents', beacon('[]'), 400, 'invalid_request'],
    ]
    for (const [path, init, status, code] of refusals) {
      const res = await t.request(path, init)
      expect([res.status, apiError.parse(await res.json()).error.code], `${path} ${code}`).toEqual([status, code])
      expect(res.headers.get('access-control-allow-origin'), code).toBe('https://acme.test')
      expect(res.headers.get('vary'), code).toContain('Origin')
    }
    // Once the site is known, its own verdict on the Origin stands: another site's domain reads nothing of its refusal.
    const otherSite = await t.request('/api/v1/consents', json(consentBody({ siteId: 'notice-only', categories: { essential: true }, services: {} }), origin))
    expect([otherSite.status, otherSite.headers.get('access-control-allow-origin')]).toEqual([403, null])
    // An origin no site lists still reads nothing.
    const stranger = await t.request('/api/v1/consents', beacon('{"recordId": ', { Origin: 'https://elsewhere.test' }))
    expect(stranger.status).toBe(400)
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull()
    expect(rows()).toHaveLength(0)
  })

  it('refuses choices the revision never offered: an undeclared category or service, a required category denied', async () => {
    const origin = { Origin: 'https://acme.test' }
    const cases: [Record<string, unknown>, string, string][] = [
      [{ categories: { essential: true, analytics: true, 'made-up-category': true } }, 'unknown_category', '"made-up-category"'],
      [{ categories: { essential: true, marketing: false } }, 'unknown_category', '"marketing"'],
      [{ categories: { essential: false, analytics: false }, method: 'reject-all' }, 'required_category_denied', '"essential"'],
      [{ services: { plausible: true, hotjar: true } }, 'unknown_service', '"hotjar"'],
    ]
    for (const [override, code, named] of cases) {
      const res = await t.request('/api/v1/consents', json(consentBody(override), origin))
      const { error } = apiError.parse(await res.json())
      expect([res.status, error.code], code).toEqual([422, code])
      expect(error.message).toContain(named)
      expect(res.headers.get('access-control-allow-origin')).toBe('https://acme.test')
    }
    expect(rows()).toHaveLength(0)
    // What the SDK sends, and a record that leaves some out (an older SDK, a partial api call), are stored.
    expect((await t.request('/api/v1/consents', json(consentBody()))).status).toBe(201)
    expect((await t.request('/api/v1/consents', json(consentBody({ categories: { essential: true }, services: {}, method: 'api' })))).status).toBe(201)
  })

  it('answers 404 for an unknown site and 422 for a revision the site never published', async () => {
    const unknown = await t.request('/api/v1/consents', json(consentBody({ siteId: 'nobody' })))
    expect(unknown.status).toBe(404)
    const future = await t.request('/api/v1/consents', json(consentBody({ revision: 2 })))
    expect(future.status).toBe(422)
    expect(apiError.parse(await future.json()).error.code).toBe('unknown_revision')
    expect(rows()).toHaveLength(0)
  })

  it('limits each IP to a burst of 20 per site, then 429 with Retry-After, refilling over time', async () => {
    for (let i = 0; i < 20; i++) expect((await t.request('/api/v1/consents', json(consentBody()), '192.0.2.1')).status).toBe(201)
    const limited = await t.request('/api/v1/consents', json(consentBody()), '192.0.2.1')
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(apiError.parse(await limited.json()).error.code).toBe('rate_limited')
    // Another visitor is not affected; the first one may post again a second later.
    expect((await t.request('/api/v1/consents', json(consentBody()), '192.0.2.2')).status).toBe(201)
    t.clock.now += 1000
    expect((await t.request('/api/v1/consents', json(consentBody()), '192.0.2.1')).status).toBe(201)
  })

  it("keeps each site's buckets apart, and an IPv4 address mapped into IPv6 in the plain address's", async () => {
    for (let i = 0; i < 20; i++) expect((await t.request('/api/v1/consents', json(consentBody()), '192.0.2.44')).status).toBe(201)
    // The same client seen through a dual-stack socket is the same network: no token left.
    expect((await t.request('/api/v1/consents', json(consentBody()), '::ffff:192.0.2.44')).status).toBe(429)
    // Another site has its own bucket for that address, and so has the next address.
    const notice = () => consentBody({ siteId: 'notice-only', categories: { essential: true }, services: {} })
    expect((await t.request('/api/v1/consents', json(notice()), '::ffff:192.0.2.44')).status).toBe(201)
    expect((await t.request('/api/v1/consents', json(consentBody()), '192.0.2.45')).status).toBe(201)
  })

  it('spends no token on a refused record: 20 refused 422 or 400 leave the next valid one from that address stored', async () => {
    const refused = [
      { body: consentBody({ revision: 99 }), status: 422 },
      { body: consentBody({ categories: { essential: false } }), status: 422 },
      { body: consentBody({ services: { hotjar: true } }), status: 422 },
      { body: consentBody({ method: 'nope' }), status: 400 },
    ]
    for (const [i, { body, status }] of refused.entries()) {
      const ip = `198.51.100.${i + 1}`
      for (let n = 0; n < 20; n++) expect((await t.request('/api/v1/consents', json(body), ip)).status).toBe(status)
      expect((await t.request('/api/v1/consents', json(consentBody()), ip)).status, JSON.stringify(body)).toBe(201)
    }
  })

  it('answers a record refused 422 with its 422, not a 429, once its address has spent its tokens', async () => {
    for (let i = 0; i < 20; i++) expect((await t.request('/api/v1/consents', json(consentBody()), '198.51.100.9')).status).toBe(201)
    const stale = await t.request('/api/v1/consents', json(consentBody({ revision: 99 })), '198.51.100.9')
    expect(stale.status).toBe(422)
    expect(apiError.parse(await stale.json()).error.code).toBe('unknown_revision')
  })

  it('limits an IPv6 client by its /64, whichever address inside it the client picks', async () => {
    const inside = (i: number) => `2001:db8:5:6:${(i + 1).toString(16)}::${(i * 7 + 1).toString(16)}`
    for (let i = 0; i < 20; i++) expect((await t.request('/api/v1/consents', json(consentBody()), inside(i))).status).toBe(201)
    expect((await t.request('/api/v1/consents', json(consentBody()), inside(20))).status).toBe(429)
    // The next /64 is another subscriber.
    expect((await t.request('/api/v1/consents', json(consentBody()), '2001:db8:5:7::1')).status).toBe(201)
  })

  it("reflects an Origin from the site's domains and refuses other origins", async () => {
    const ok = await t.request('/api/v1/consents', json(consentBody(), { Origin: 'https://www.acme.test' }))
    expect(ok.status).toBe(201)
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://www.acme.test')
    const local = await t.request('/api/v1/consents', json(consentBody(), { Origin: 'http://localhost:5173' }))
    expect(local.headers.get('access-control-allow-origin')).toBe('http://localhost:5173')

    const evil = await t.request('/api/v1/consents', json(consentBody(), { Origin: 'https://evil.example' }))
    expect(evil.status).toBe(403)
    expect(evil.headers.get('access-control-allow-origin')).toBeNull()
    // acme.test.evil.example is not a subdomain of acme.test.
    const lookalike = await t.request('/api/v1/consents', json(consentBody(), { Origin: 'https://acme.test.evil.example' }))
    expect(lookalike.status).toBe(403)
    expect(rows()).toHaveLength(2)
    const preflight = await t.request('/api/v1/consents', {
      method: 'OPTIONS',
      headers: { Origin: 'https://acme.test', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://acme.test')
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/content-type/i)
    const refused = await t.request('/api/v1/consents', { method: 'OPTIONS', headers: { Origin: 'https://evil.example' } })
    expect(refused.headers.get('access-control-allow-origin')).toBeNull()
    // A site's domains stand for its web pages: no other scheme, nor anything but scheme, host and port.
    for (const origin of ['chrome-extension://acme.test', 'ftp://acme.test', 'file://acme.test', 'https://user:pw@acme.test', 'https://acme.test/', 'https://acme.test:443']) {
      const other = await t.request('/api/v1/consents', json(consentBody(), { Origin: origin }))
      expect([other.status, other.headers.get('access-control-allow-origin')], origin).toEqual([403, null])
    }
    for (const origin of ['http://acme.test', 'https://shop.acme.test:8443', 'https://ACME.test']) {
      const page = await t.request('/api/v1/consents', json(consentBody(), { Origin: origin }), '192.0.2.200')
      expect([page.status, page.headers.get('access-control-allow-origin')], origin).toEqual([201, origin])
    }

    // The SDK can read why an allowed origin's record was refused.
    const rejected = await t.request('/api/v1/consents', json(consentBody({ revision: 9 }), { Origin: 'https://acme.test' }))
    expect(rejected.status).toBe(422)
    expect(rejected.headers.get('access-control-allow-origin')).toBe('https://acme.test')
  })
})

describe('POST /api/v1/consents over a real HTTP server (the answer written once the record is committed)', () => {
  interface Answer {
    status: number
    headers: Record<string, string | string[] | undefined>
    body: string
  }
  let server: ReturnType<typeof serve> | null = null
  const agent = new Agent({ keepAlive: true })
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(null)))
    server = null
  })

  /** Serves a test server's app on 127.0.0.1, as main.ts does: with the writer thread, and an access log kept in `lines`. */
  async function listen(overrides: Parameters<typeof startTestServer>[0] = {}, wrap?: (app: TestServer['app']) => { fetch: TestServer['app']['fetch'] }): Promise<{ url: string; lines: Record<string, unknown>[] }> {
    const lines: Record<string, unknown>[] = []
    t.close()
    const logger = createLogger('info', (line) => lines.push(JSON.parse(line) as Record<string, unknown>))
    t = startTestServer({ logger, ...overrides }, undefined, { writer: 'thread' })
    server = serve({ fetch: (wrap?.(t.app) ?? t.app).fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise((resolve) => server!.once('listening', resolve))
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lines }
  }

  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const data = JSON.stringify(body)
      const req = httpRequest(`${url}/api/v1/consents`, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), ...headers } }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (text += d))
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }))
      })
      req.on('error', reject)
      req.end(data)
    })

  it('answers 201 once the record is committed, 200 to a retry and 409 to another decision, with the headers app.request() gives', async () => {
    const { url, lines } = await listen()
    const body = consentBody()
    const origin = { Origin: 'https://www.acme.test' }
    const first = await post(url, body, origin)
    expect(first.status).toBe(201)
    expect(JSON.parse(first.body)).toEqual({ recordId: body.recordId, seq: 1 })
    // Answered after COMMIT: the row is there for another connection to read.
    expect(rows()).toMatchObject([{ record_id: body.recordId, seq: 1, ip: '127.0.0.0' }])
    expect(first.headers).toMatchObject({
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'access-control-allow-origin': 'https://www.acme.test',
      'x-content-type-options': 'nosniff',
      'cross-origin-resource-policy': 'same-origin',
      'content-length': String(Buffer.byteLength(first.body)),
    })
    expect(first.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(first.headers['transfer-encoding']).toBeUndefined()

    const retry = await post(url, body, { ...origin, 'X-Request-Id': 'retry-1' })
    expect(retry.status).toBe(200)
    expect(retry.body).toBe(first.body)
    expect(retry.headers['x-request-id']).toBe('retry-1')

    const otherDecision = { ...body, method: 'reject-all', categories: { essential: true, analytics: false } }
    const conflict = await post(url, otherDecision, origin)
    expect(conflict.status).toBe(409)
    expect(apiError.parse(JSON.parse(conflict.body)).error.code).toBe('record_id_conflict')
    // The SDK reads why: the refusal carries the CORS headers too.
    expect(conflict.headers['access-control-allow-origin']).toBe('https://www.acme.test')
    expect(rows()).toHaveLength(1)

    // The same answers as through app.request(), which has no Node response to write on.
    const viaApp = await t.request('/api/v1/consents', json(consentBody(), origin))
    const names = (h: Iterable<string>) => [...h].filter((n) => !['date', 'connection', 'keep-alive', 'content-length'].includes(n)).sort()
    expect(names(Object.keys(first.headers))).toEqual(names(viaApp.headers.keys()))
    // A refusal carries every security header, as one answered through onError does.
    const conflictViaApp = await t.request('/api/v1/consents', json(otherDecision, origin))
    expect(conflictViaApp.status).toBe(409)
    expect(names(Object.keys(conflict.headers))).toEqual(names(conflictViaApp.headers.keys()))
    expect(conflict.headers['x-frame-options']).toBe('SAMEORIGIN')

    // The access log has each request once, with the status it was answered, logged when it was.
    const logged = lines.filter((l) => l.msg === 'request').map((l) => [l.requestId, l.status])
    expect(logged).toEqual([
      [first.headers['x-request-id'], 201],
      ['retry-1', 200],
      [conflict.headers['x-request-id'], 409],
      [viaApp.headers.get('x-request-id'), 201],
      [conflictViaApp.headers.get('x-request-id'), 409],
    ])
  })

  /** Holds every append until `release()`: records wait for their commit as long as a test needs. */
  function holdCommits() {
    const held: (() => void)[] = []
    const appendSent = t.consentLog.appendSent.bind(t.consentLog)
    t.consentLog.appendSent = (sent: string, added: AddedFields, recordId: string) => new Promise((resolve) => held.push(() => resolve(appendSent(sent, added, recordId))))
    // The front door's way (a callback instead of a promise).
    const appendSentThen = t.consentLog.appendSentThen.bind(t.consentLog)
    t.consentLog.appendSentThen = (sent, added, recordId, done) => void held.push(() => appendSentThen(sent, added, recordId, done))
    return { held, release: () => held.splice(0).forEach((go) => go()) }
  }

  it('lets go of each request\'s Hono context while its record waits for the commit', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const contexts: WeakRef<object>[] = []
    // An app in front of the server's, to see its contexts: the same context runs through both.
    const { url } = await listen({ ingestRateLimit: { capacity: 100, refillPerSecond: 100 } }, (app) =>
      new Hono()
        .use(async (c, next) => {
          contexts.push(new WeakRef(c))
          await next()
        })
        .route('/', app),
    )
    const commits = holdCommits()
    const answers = Array.from({ length: 20 }, () => post(url, consentBody()))
    await expect.poll(() => commits.held.length).toBe(20)
    await new Promise((resolve) => setImmediate(resolve))
    gc()
    expect(contexts.filter((r) => r.deref() !== undefined)).toHaveLength(0)
    commits.release()
    expect((await Promise.all(answers)).map((a) => a.status)).toEqual(Array.from({ length: 20 }, () => 201))
    expect(rows()).toHaveLength(20)
  })

  it('stores the record of a client that left before its commit, and logs the request as 499', async () => {
    const { url, lines } = await listen()
    const commits = holdCommits()
    const body = consentBody()
    const data = JSON.stringify(body)
    const req = httpRequest(`${url}/api/v1/consents`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), 'X-Request-Id': 'gone-1' } })
    req.on('error', () => {})
    req.end(data)
    await expect.poll(() => commits.held.length).toBe(1)
    req.destroy()
    await expect.poll(() => lines.find((l) => l.msg === 'request')).toMatchObject({ requestId: 'gone-1', status: 499 })
    commits.release()
    // The writer thread starts with the first record: seconds, from source, on a busy machine.
    await expect.poll(() => rows().map((r) => r.record_id), { timeout: 15_000 }).toEqual([body.recordId])
  })

  it('stores 200 concurrent records from 20 connections in one gapless chain and answers each with its own seq', async () => {
    const { url } = await listen({ ingestRateLimit: { capacity: 1000, refillPerSecond: 1000 } })
    const bodies = Array.from({ length: 200 }, () => consentBody())
    const many = new Agent({ keepAlive: true, maxSockets: 20 })
    const answers = await Promise.all(
      bodies.map(
        (body) =>
          new Promise<Answer>((resolve, reject) => {
            const data = JSON.stringify(body)
            // No Content-Length: the body arrives chunked and is counted as it comes.
            const req = httpRequest(`${url}/api/v1/consents`, { method: 'POST', agent: many, headers: { 'Content-Type': 'application/json' } }, (res) => {
              let text = ''
              res.on('data', (d: Buffer) => (text += d.toString()))
              res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }))
            })
            req.on('error', reject)
            req.end(data)
          }),
      ),
    )
    many.destroy()
    expect(answers.map((a) => a.status)).toEqual(bodies.map(() => 201))
    const seqs = answers.map((a) => (JSON.parse(a.body) as { seq: number }).seq)
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
    // Each answer names its own record's seq.
    const stored = new Map(rows().map((r) => [r.record_id, r.seq]))
    expect(seqs).toEqual(bodies.map((b) => stored.get(b.recordId)))
  })

  it('answers 500 in the error shape, with the request id, when the record could not be written, and logs why', async () => {
    const { url, lines } = await listen()
    t.consentLog.appendSent = () => Promise.reject(new Error('disk I/O error'))
    t.consentLog.appendSentThen = (_sent, _added, _recordId, done) => queueMicrotask(() => done(new Error('disk I/O error')))
    const res = await post(url, consentBody(), { 'X-Request-Id': 'lost-1' })
    expect(res.status).toBe(500)
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'internal', message: 'Internal error (request lost-1)' } })
    expect(res.headers['x-request-id']).toBe('lost-1')
    expect(lines.find((l) => l.msg === 'unhandled error')).toMatchObject({ requestId: 'lost-1', path: '/api/v1/consents', err: { message: 'disk I/O error' } })
    expect(lines.find((l) => l.msg === 'request')).toMatchObject({ requestId: 'lost-1', status: 500 })
  })

  it('answers 503 database_busy with Retry-After and CORS when another process holds the write lock past the writer thread\'s wait, and stores the record sent again', async () => {
    const { url, lines } = await listen()
    const origin = { Origin: 'https://www.acme.test' }
    // The writer thread is up, with its own connection (and its 5 s busy_timeout).
    expect((await post(url, consentBody(), origin)).status).toBe(201)
    const other = new Database(t.file)
    let busy: Answer
    const body = consentBody()
    const started = Date.now()
    try {
      // A backup, a migration or a second server on the file holds the write lock.
      other.exec('BEGIN IMMEDIATE')
      busy = await post(url, body, origin)
      other.exec('ROLLBACK')
    } finally {
      other.close()
    }
    // One wait of the thread's busy_timeout, not one more per record of the batch.
    expect(Date.now() - started).toBeLessThan(9_000)
    expect(busy.status).toBe(503)
    expect(JSON.parse(busy.body)).toEqual({ error: { code: 'database_busy', message: 'The database is busy with another write; try again in a few seconds' } })
    expect(busy.headers['retry-after']).toBe('5')
    // The SDK reads it (and keeps the record to send again) only with the site's CORS verdict.
    expect(busy.headers['access-control-allow-origin']).toBe('https://www.acme.test')
    expect(busy.headers.vary).toBe('Origin')
    expect(lines.some((l) => l.msg === 'unhandled error')).toBe(false)
    expect(rows()).toHaveLength(1)

    const again = await post(url, body, origin)
    expect(again.status).toBe(201)
    expect(rows().map((r) => r.record_id)).toContain(body.recordId)
  }, 60_000)

  it('answers 503 server_stopping with Retry-After and CORS to a record that arrives after the log closed at a stop, storing nothing', async () => {
    const { url } = await listen()
    const origin = { Origin: 'https://www.acme.test' }
    expect((await post(url, consentBody(), origin)).status).toBe(201)
    await t.consentLog.close()
    const late = await post(url, consentBody(), origin)
    expect(late.status).toBe(503)
    expect(JSON.parse(late.body)).toEqual({ error: { code: 'server_stopping', message: 'The server is stopping: send the record again in a moment' } })
    expect(late.headers['retry-after']).toBe('5')
    expect(late.headers['access-control-allow-origin']).toBe('https://www.acme.test')
    expect(rows()).toHaveLength(1)
  })
})

describe('GET /api/v1/consents/:consentId', () => {
  it("answers the visitor's latest record, 404 when there is none", async () => {
    await t.request('/api/v1/consents', json(consentBody({ consentId: 'visitor-latest' })))
    t.clock.now += 5000
    await t.request('/api/v1/consents', json(consentBody({ consentId: 'visitor-latest', method: 'withdraw' })))
    const res = await t.request('/api/v1/consents/visitor-latest?site=acme')
    expect(res.status).toBe(200)
    const latest = (await res.json()) as Record<string, unknown>
    expect(latest).toMatchObject({ method: 'withdraw', consentId: 'visitor-latest', region: null, mode: 'opt-in' })
    // Anyone who knows the consentId may ask: no personal field, nor the chain's position and hashes.
    expect(Object.keys(latest).sort()).toEqual(Object.keys(visitorConsentRecord.shape).sort())
    for (const field of ['ip', 'userAgent', 'url', 'seq', 'hash', 'prevHash', 'personalHash']) expect(latest, field).not.toHaveProperty(field)
    // A record edited outside the server is still the visitor's: answered as stored, not as a bad request.
    t.db.$client.prepare(`UPDATE consent_records SET categories = '{"Essential":true}' WHERE consent_id = 'visitor-latest'`).run()
    const edited = await t.request('/api/v1/consents/visitor-latest?site=acme')
    expect(edited.status).toBe(200)
    expect(await edited.json()).toMatchObject({ categories: { Essential: true } })
    expect((await t.request('/api/v1/consents/visitor-none?site=acme')).status).toBe(404)
    expect((await t.request('/api/v1/consents/visitor-latest?site=notice-only')).status).toBe(404)
    // Two sites named: neither answers (the first did).
    const twice = await t.request('/api/v1/consents/visitor-latest?site=acme&site=notice-only')
    expect(twice.status).toBe(400)
    expect(apiError.parse(await twice.json()).error).toEqual({ code: 'invalid_request', message: 'site: name one site, once' })
    expect((await t.request('/api/v1/consents/visitor-latest')).status).toBe(400)
  })

  it('keeps every refusal out of caches and lets the page read it: a malformed consentId, a missing or unknown site, no record', async () => {
    const origin = { headers: { Origin: 'https://www.acme.test' } }
    const cases: [string, number, string][] = [
      ['/api/v1/consents/visitor-none?site=acme', 404, 'record_not_found'],
      ['/api/v1/consents/visitor-none?site=no-such-site', 404, 'site_not_found'],
      ['/api/v1/consents/visitor-none', 400, 'invalid_request'],
      [`/api/v1/consents/${'x'.repeat(200)}?site=acme`, 400, 'invalid_request'],
    ]
    for (const [path, status, code] of cases) {
      const res = await t.request(path, origin)
      expect([path, res.status, apiError.parse(await res.json()).error.code]).toEqual([path, status, code])
      expect([path, res.headers.get('cache-control'), res.headers.get('vary'), res.headers.get('access-control-allow-origin')]).toEqual([path, 'no-store', 'Origin', 'https://www.acme.test'])
    }
    // An origin no site lists reads none of them.
    const stranger = await t.request('/api/v1/consents/visitor-none?site=no-such-site', { headers: { Origin: 'https://evil.test' } })
    expect(stranger.status).toBe(404)
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull()
    expect(stranger.headers.get('cache-control')).toBe('no-store')
  })

  it('limits look-ups per address, whatever the site and the consentId, with CORS on the 429', async () => {
    const origin = { headers: { Origin: 'https://acme.test' } }
    for (let i = 0; i < 60; i++) expect((await t.request(`/api/v1/consents/visitor-${String(i).padStart(4, '0')}?site=acme`, origin, '192.0.2.9')).status).toBe(404)
    const limited = await t.request('/api/v1/consents/visitor-9999?site=notice-only', origin, '192.0.2.9')
    expect(limited.status).toBe(429)
    expect(apiError.parse(await limited.json()).error.code).toBe('rate_limited')
    expect(limited.headers.get('retry-after')).toBe('1')
    expect(limited.headers.get('access-control-allow-origin')).toBeNull()
    expect((await t.request('/api/v1/consents/visitor-9999?site=acme', origin, '192.0.2.9')).headers.get('access-control-allow-origin')).toBe('https://acme.test')
    // Another address is not affected.
    expect((await t.request('/api/v1/consents/visitor-9999?site=acme', origin, '192.0.2.10')).status).toBe(404)
  })

  it('answers the last decision even when the records arrive out of order, whatever their time zones', async () => {
    // Decided 10:00 UTC (withdraw), then 10:01 UTC (reject-all, written in UTC+2); a queue sends the later first, at 10:05.
    t.clock.now = Date.UTC(2026, 10, 22, 10, 5)
    await t.request('/api/v1/consents', json(consentBody({ consentId: 'visitor-queued', method: 'reject-all', clientTime: '2026-11-22T12:01:00.000+02:00' })))
    await t.request('/api/v1/consents', json(consentBody({ consentId: 'visitor-queued', method: 'withdraw', clientTime: '2026-11-22T10:00:00.000Z' })))
    expect(await (await t.request('/api/v1/consents/visitor-queued?site=acme')).json()).toMatchObject({ method: 'reject-all', clientTime: '2026-11-22T12:01:00.000+02:00' })
    // Same decision time: the one that arrived last.
    await t.request('/api/v1/consents', json(consentBody({ consentId: 'visitor-queued', method: 'accept-all', clientTime: '2026-11-22T10:01:00Z' })))
    expect(await (await t.request('/api/v1/consents/visitor-queued?site=acme')).json()).toMatchObject({ method: 'accept-all' })
  })

  it('does not let a record dated ahead of its arrival hide the decisions made after it, a withdrawal included', async () => {
    // A device whose clock says 2099 (a dead clock battery, or anyone who knows the consentId).
    expect((await t.request('/api/v1/consents', json(consentBody({ consentId: 'visitor-ahead', clientTime: '2099-01-01T00:00:00Z' })))).status).toBe(201)
    t.clock.now += 60_000
    const withdraw = consentBody({ consentId: 'visitor-ahead', method: 'withdraw', categories: { essential: true, analytics: false }, services: { plausible: false }, clientTime: '2026-11-22T10:01:00Z' })
    expect((await t.request('/api/v1/consents', json(withdraw))).status).toBe(201)
    expect(await (await t.request('/api/v1/consents/visitor-ahead?site=acme')).json()).toMatchObject({ method: 'withdraw' })
    // The record dated ahead keeps its client time as sent: it only counts as made when it arrived.
    const times = t.db.$client.prepare(`SELECT client_time FROM consent_records WHERE consent_id = 'visitor-ahead' ORDER BY seq`).pluck().all()
    expect(times).toEqual(['2099-01-01T00:00:00Z', '2026-11-22T10:01:00Z'])
  })

  it('refuses a UTC offset beyond ±14:00, and orders a stored time SQLite cannot read by its arrival', async () => {
    for (const clientTime of ['2026-11-23T05:00:00+20:00', '2026-11-22T10:00:00+14:01', '2026-11-21T20:00:00-14:30']) {
      const res = await t.request('/api/v1/consents', json(consentBody({ consentId: 'visitor-offset', clientTime })))
      expect(res.status, clientTime).toBe(400)
      expect(apiError.parse(await res.json()).error.message, clientTime).toMatch(/^clientTime: .*14:00/)
    }
    for (const clientTime of ['2026-11-23T00:00:00+14:00', '2026-11-21T20:00:00-14:00']) {
      expect((await t.request('/api/v1/consents', json(consentBody({ consentId: 'visitor-offset', clientTime })))).status, clientTime).toBe(201)
    }
    // A record taken before the bound, with a time julianday() reads as NULL: it is the visitor's
    // latest when it arrived last, not sunk below every other.
    t.clock.now += 60_000
    const last = consentBody({ consentId: 'visitor-offset', method: 'withdraw', categories: { essential: true, analytics: false }, services: { plausible: false } })
    expect((await t.request('/api/v1/consents', json(last))).status).toBe(201)
    t.db.$client.prepare(`UPDATE consent_records SET client_time = '2026-11-23T06:00:00+20:00' WHERE record_id = ?`).run(last.recordId)
    expect(await (await t.request('/api/v1/consents/visitor-offset?site=acme')).json()).toMatchObject({ method: 'withdraw', clientTime: '2026-11-23T06:00:00+20:00' })
  })
})
