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

describe('POST /api/v1/documents', () => {
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

  it("answers 422 for the type 'constructor', a valid slug that every object inherits", async () => {
    const res = await t.request('/api/v1/documents', json(event({ type: 'constructor' })))
    expect(res.status).toBe(422)
    expect(apiError.parse(await res.json()).error.code).toBe('unknown_document')
    expect(rows('document_acceptances')).toHaveLength(0)
  })
})
