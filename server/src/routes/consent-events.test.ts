import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { apiError } from '@miniconsent/shared'
import { ACME, NOTICE_ONLY, json, startTestServer, type TestServer } from '../test-support'

let t: TestServer
beforeEach(() => {
  const acme = { ...ACME, settings: { ...ACME.settings, documents: { terms: { version: '2026-01', url: 'https://acme.test/terms' } } } }
  t = startTestServer({ ingestRateLimit: { capacity: 3, refillPerSecond: 1 } }, [acme, NOTICE_ONLY])
})
afterEach(() => t.close())

let n = 0
/** What the SDK's record chunk sends with every visitor event. */
const event = (extra: Record<string, unknown>) => ({
  recordId: `0b7a9c1e-2d3f-4a5b-8c6d-${(++n).toString(16).padStart(12, '0')}`,
  siteId: 'acme',
  consentId: 'visitor-0001',
  language: 'en',
  url: 'https://acme.test/signup?email=a@b.c#top',
  clientTime: '2026-11-22T10:59:58.000+01:00',
  ...extra,
})
const beacon = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'Content-Type': 'text/plain;charset=UTF-8' }, body: JSON.stringify(body) })
const rows = (table: string) => t.db.$client.prepare(`SELECT * FROM ${table} ORDER BY id`).all() as Record<string, unknown>[]

describe('POST /api/v1/consents/identify', () => {
  it('links the consentId to the user once per recordId, from a sendBeacon text/plain body', async () => {
    const body = event({ userId: 'customer-42' })
    const first = await t.request('/api/v1/consents/identify', beacon(body))
    expect(first.status).toBe(201)
    expect(await first.json()).toEqual({ recordId: body.recordId })
    expect((await t.request('/api/v1/consents/identify', json(body))).status).toBe(200)
    expect(rows('consent_identities')).toEqual([
      expect.objectContaining({ site_id: 'acme', consent_id: 'visitor-0001', user_id: 'customer-42', server_time: '2026-11-22T10:00:00.000Z' }),
    ])
    const other = await t.request('/api/v1/consents/identify', json({ ...body, siteId: 'notice-only' }))
    expect(other.status).toBe(409)
  })

  it('applies the ingestion rules: 400 for a bad body, 413 over 8 KB, 403 for a foreign origin, 429 over the limit', async () => {
    const bad = await t.request('/api/v1/consents/identify', json(event({ userId: '' })))
    expect(bad.status).toBe(400)
    expect(apiError.parse(await bad.json()).error.message).toContain('userId')
    expect((await t.request('/api/v1/consents/identify', json(event({ userId: 'u'.repeat(9000) })))).status).toBe(413)
    const foreign = await t.request('/api/v1/consents/identify', json(event({ userId: 'x' }), { Origin: 'https://evil.example' }))
    expect(foreign.status).toBe(403)
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push((await t.request('/api/v1/consents/identify', json(event({ userId: 'x' })), '192.0.2.50')).status)
    expect(statuses).toEqual([201, 201, 201])
    expect((await t.request('/api/v1/documents', json(event({ type: 'terms' })), '192.0.2.50')).status).toBe(429)
  })
})

describe('a recordId used again', () => {
  const origin = { Origin: 'https://acme.test' }

  it('answers a different identify under it 409 record_id_conflict, readable by the site, and a true retry 200', async () => {
    const body = event({ userId: 'alice' })
    expect((await t.request('/api/v1/consents/identify', json(body, origin), '192.0.2.1')).status).toBe(201)
    expect((await t.request('/api/v1/consents/identify', beacon(body), '192.0.2.2')).status).toBe(200)
    for (const [changed, ip] of [[{ userId: 'mallory' }, '192.0.2.3'], [{ consentId: 'visitor-0002' }, '192.0.2.4']] as const) {
      const res = await t.request('/api/v1/consents/identify', json({ ...body, ...changed }, origin), ip)
      expect(res.status, JSON.stringify(changed)).toBe(409)
      expect(apiError.parse(await res.json()).error.code).toBe('record_id_conflict')
      // The site's own CORS verdict, as on its other refusals: the SDK reads why and drops the event.
      expect(res.headers.get('access-control-allow-origin')).toBe('https://acme.test')
      expect(res.headers.get('vary')).toContain('Origin')
    }
    // What the server adds, and what is not stored (language, page, time), may differ on a retry.
    const retry = { ...body, language: 'de', url: 'https://acme.test/other', clientTime: '2026-11-22T11:00:00Z' }
    expect((await t.request('/api/v1/consents/identify', json(retry, { ...origin, 'User-Agent': 'Other/2.0' }), '198.51.100.9')).status).toBe(200)
    expect(rows('consent_identities')).toEqual([expect.objectContaining({ consent_id: 'visitor-0001', user_id: 'alice' })])
  })

  it('takes it in another case as the same recordId (UUIDs are case-insensitive): a retry answers 200, another event 409, one row in lower case', async () => {
    let last = 10
    // One address each: this file's limit is 3 a network.
    const post = (path: string, body: unknown) => t.request(path, json(body, origin), `192.0.2.${last++}`)
    for (const [path, table, extra] of [
      ['/api/v1/consents/identify', 'consent_identities', { userId: 'alice' }],
      ['/api/v1/documents', 'document_acceptances', { type: 'terms' }],
    ] as const) {
      const body = event(extra)
      const upper = { ...body, recordId: body.recordId.toUpperCase() }
      expect((await post(path, body)).status, path).toBe(201)
      const retry = await post(path, upper)
      expect(retry.status, path).toBe(200)
      expect(await retry.json()).toEqual({ recordId: body.recordId })
      expect((await post(path, { ...upper, consentId: 'visitor-0002' })).status, path).toBe(409)
      // Sent first in upper case: stored and answered in lower case, and its lower-case retry is the same event.
      const fresh = event(extra)
      const created = await post(path, { ...fresh, recordId: fresh.recordId.toUpperCase() })
      expect(created.status, path).toBe(201)
      expect(await created.json()).toEqual({ recordId: fresh.recordId })
      expect((await post(path, fresh)).status, path).toBe(200)
      expect(rows(table).map((r) => r.record_id), path).toEqual([body.recordId, fresh.recordId])
    }
  })

  it('takes an event stored in upper case before recordIds were read in lower case as the event sent again under that id: 200 and nothing stored, 409 for another, erased stays erased', async () => {
    let last = 40
    const post = (path: string, body: unknown) => t.request(path, json(body, origin), `192.0.2.${last++}`)
    for (const [path, table, extra] of [
      ['/api/v1/consents/identify', 'consent_identities', { userId: 'alice' }],
      ['/api/v1/documents', 'document_acceptances', { type: 'terms' }],
    ] as const) {
      // Stored by the server before (from a client other than the SDK): under the id as it was sent.
      const body = event(extra)
      const upper = { ...body, recordId: body.recordId.toUpperCase() }
      expect((await post(path, body)).status, path).toBe(201)
      t.db.$client.prepare(`UPDATE ${table} SET record_id = upper(record_id)`).run()
      // Before: 201 and a second row under the lower-case id.
      const retry = await post(path, upper)
      expect(retry.status, path).toBe(200)
      expect(await retry.json(), path).toEqual({ recordId: body.recordId })
      expect((await post(path, { ...upper, consentId: 'visitor-0002' })).status, path).toBe(409)
      expect(rows(table).map((r) => r.record_id), path).toEqual([upper.recordId])
      t.db.$client.prepare(`DELETE FROM ${table}`).run()
      // Erased by a data-subject request while it was stored so: its retry stores nothing again, for another site it is a conflict.
      const erased = event(extra)
      const erasedUpper = { ...erased, recordId: erased.recordId.toUpperCase() }
      t.db.$client.prepare(`INSERT INTO erased_events (record_id, site_id, erased_at) VALUES (?, 'acme', '2026-11-01T00:00:00.000Z')`).run(erasedUpper.recordId)
      const again = await post(path, erasedUpper)
      expect(again.status, path).toBe(200)
      expect(await again.json(), path).toEqual({ recordId: erased.recordId })
      expect(rows(table), path).toEqual([])
      expect((await t.request(path, json({ ...erasedUpper, siteId: 'notice-only' }), `192.0.2.${last++}`)).status, path).toBe(409)
    }
  })

  it('answers a different document acceptance under it 409, and a retry 200 even after the document version changed', async () => {
    // A second document, so that a change of type is not refused for the type alone.
    const documents = { terms: { version: '2026-01', url: 'https://acme.test/terms' }, privacy: { version: '3', url: 'https://acme.test/privacy' } }
    t.db.$client.prepare(`UPDATE sites SET settings = json_set(settings, '$.documents', json(?)) WHERE id = 'acme'`).run(JSON.stringify(documents))
    t.clock.now += 10_000
    const body = event({ type: 'terms', userId: 'customer-42' })
    expect((await t.request('/api/v1/documents', json(body, origin), '192.0.2.1')).status).toBe(201)
    let ip = 10
    for (const changed of [{ type: 'privacy' }, { userId: 'customer-43' }, { userId: null }, { consentId: 'visitor-0002' }, { url: 'https://acme.test/elsewhere' }, { clientTime: '2026-11-22T11:00:00Z' }]) {
      const res = await t.request('/api/v1/documents', json({ ...body, ...changed }, origin), `192.0.2.${ip++}`)
      expect(res.status, JSON.stringify(changed)).toBe(409)
      expect(apiError.parse(await res.json()).error.code).toBe('record_id_conflict')
      expect(res.headers.get('access-control-allow-origin')).toBe('https://acme.test')
    }
    // The same page with another query is the same stored URL.
    expect((await t.request('/api/v1/documents', json({ ...body, url: 'https://acme.test/signup?step=2' }, origin), '192.0.2.30')).status).toBe(200)
    // The version is the server's, from the settings: a retry that arrives after it changed is the acceptance stored.
    t.db.$client.prepare(`UPDATE sites SET settings = json_set(settings, '$.documents.terms.version', '2026-02') WHERE id = 'acme'`).run()
    t.clock.now += 10_000
    expect((await t.request('/api/v1/documents', json(body, origin), '192.0.2.31')).status).toBe(200)
    expect(rows('document_acceptances')).toEqual([expect.objectContaining({ document_type: 'terms', document_version: '2026-01', user_id: 'customer-42' })])
  })
})

describe('POST /api/v1/documents', () => {
  it('takes a page URL longer than 2048 characters, and stores it stripped and cut to 2048', async () => {
    const path = '/' + encodeURIComponent('文'.repeat(250))
    const body = event({ type: 'terms', url: `https://acme.test${path}?email=a@b.c` })
    expect((await t.request('/api/v1/documents', json(body))).status).toBe(201)
    const [stored] = rows('document_acceptances')
    expect(stored!.url).toBe(`https://acme.test${path}`.slice(0, 2048))
    expect((await t.request('/api/v1/consents/identify', json(event({ userId: 'u', url: `https://acme.test${path}` })))).status).toBe(201)
  })


  it('records the version of the document in force from the site settings, with URL and IP reduced', async () => {
    const body = event({ type: 'terms', userId: 'customer-42' })
    const res = await t.request('/api/v1/documents', beacon(body), '203.0.113.77')
    expect(res.status).toBe(201)
    expect((await t.request('/api/v1/documents', beacon(body))).status).toBe(200)
    expect(rows('document_acceptances')).toEqual([
      expect.objectContaining({
        document_type: 'terms',
        document_version: '2026-01',
        user_id: 'customer-42',
        url: 'https://acme.test/signup',
        ip: '203.0.113.0',
        client_time: body.clientTime,
      }),
    ])
    expect((await t.request('/api/v1/documents', json(event({ type: 'terms', userId: null })))).status).toBe(201)
  })

  it('answers 422 for a document type the site does not declare', async () => {
    const res = await t.request('/api/v1/documents', json(event({ type: 'privacy' })))
    expect(res.status).toBe(422)
    expect(apiError.parse(await res.json()).error.code).toBe('unknown_document')
    expect(rows('document_acceptances')).toHaveLength(0)
  })

  it("spends a token on an undeclared type's look-up whatever it answers, so that it cannot be repeated at will", async () => {
    // Stored from another address: its recordId is one the look-up would name.
    const stored = event({ type: 'terms' })
    expect((await t.request('/api/v1/documents', json(stored), '192.0.2.9')).status).toBe(201)
    // The test server's limit: 3 at once from one network. Look-ups that find nothing, and one that finds the stored recordId.
    const answers = []
    for (const body of [event({ type: 'privacy' }), event({ type: 'privacy' }), { ...stored, type: 'privacy' }, event({ type: 'privacy' }), { ...stored, type: 'privacy' }]) {
      answers.push((await t.request('/api/v1/documents', json(body), '198.51.100.1')).status)
    }
    expect(answers).toEqual([422, 422, 409, 429, 429])
    // Another network's limit is its own.
    expect((await t.request('/api/v1/documents', json(event({ type: 'terms' })), '198.51.100.7')).status).toBe(201)
  })

  it("answers 422 for the type 'constructor', a valid slug that every object inherits", async () => {
    const res = await t.request('/api/v1/documents', json(event({ type: 'constructor' })))
    expect(res.status).toBe(422)
    expect(apiError.parse(await res.json()).error.code).toBe('unknown_document')
    expect(rows('document_acceptances')).toHaveLength(0)
  })
})
