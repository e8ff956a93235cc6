import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { canonicalJson } from '../lib/canonical-json'
import { consentBody, json, startTestServer, type TestServer } from '../test-support'
import { recordHash, recordPayload } from './consent-chain'

let t: TestServer
beforeEach(async () => {
  t = startTestServer()
  for (let i = 0; i < 5; i++) {
    t.clock.now += 1000
    expect((await t.request('/api/v1/consents', json(consentBody({ consentId: `visitor-${i}xyz` })))).status).toBe(201)
  }
  // Another site's chain is independent of acme's.
  expect((await t.request('/api/v1/consents', json(consentBody({ siteId: 'notice-only', categories: { essential: true } })))).status).toBe(201)
})
afterEach(() => t.close())

const sql = (text: string, ...params: unknown[]) => t.db.$client.prepare(text).run(...params)

describe('consent log hash chain', () => {
  it('verifies an untouched log, per site', () => {
    const acme = t.consentLog.verify('acme')
    expect(acme).toMatchObject({ ok: true, count: 5 })
    expect(acme.head).toBe((t.db.$client.prepare("SELECT hash FROM consent_records WHERE site_id='acme' AND seq=5").get() as { hash: string }).hash)
    expect(t.consentLog.verify('notice-only')).toMatchObject({ ok: true, count: 1 })
    expect(t.consentLog.verify('nobody')).toMatchObject({ ok: true, count: 0 })
  })

  it('detects an edited record', () => {
    sql(`UPDATE consent_records SET categories = '{"analytics":false,"essential":true}' WHERE site_id='acme' AND seq=3`)
    const result = t.consentLog.verify('acme')
    expect(result.ok).toBe(false)
    expect(result.firstBad).toEqual({ seq: 3, reason: expect.stringContaining('edited') })
  })

  it('detects an edit that also recomputed that record’s own hash', () => {
    const row = t.db.$client.prepare("SELECT * FROM consent_records WHERE site_id='acme' AND seq=2").get() as Record<string, string>
    const forged = recordHash(row.prev_hash!, {
      siteId: 'acme', seq: 2, recordId: row.record_id!, consentId: row.consent_id!, revision: 1, textsHash: row.texts_hash!,
      categories: { analytics: false, essential: true }, services: JSON.parse(row.services!), method: 'reject-all', region: null,
      mode: 'opt-in', language: 'en', url: row.url!, userAgent: row.user_agent!, ip: row.ip!, gpc: false,
      clientTime: row.client_time!, serverTime: row.server_time!,
    })
    sql(
      `UPDATE consent_records SET categories=?, method='reject-all', hash=? WHERE site_id='acme' AND seq=2`,
      canonicalJson({ analytics: false, essential: true }),
      forged,
    )
    expect(t.consentLog.verify('acme').firstBad).toEqual({ seq: 3, reason: expect.stringContaining('prev_hash') })
  })

  it('detects a deleted record', () => {
    sql(`DELETE FROM consent_records WHERE site_id='acme' AND seq=2`)
    const result = t.consentLog.verify('acme')
    expect(result).toMatchObject({ ok: false, firstBad: { seq: 3 } })
    expect(result.firstBad?.reason).toMatch(/record 2 was deleted/)
  })

  it('detects an inserted record, even one whose own hash is consistent', () => {
    // Make room after seq 2 and forge a record there that links correctly to record 2.
    sql(`UPDATE consent_records SET seq = seq + 1000 WHERE site_id='acme' AND seq >= 3`)
    sql(`UPDATE consent_records SET seq = seq - 999 WHERE site_id='acme' AND seq >= 1003`)
    const prev = t.db.$client.prepare("SELECT hash FROM consent_records WHERE site_id='acme' AND seq=2").get() as { hash: string }
    const fields = {
      siteId: 'acme', seq: 3, recordId: '00000000-0000-4000-8000-000000000000', consentId: 'forged-visitor', revision: 1,
      textsHash: null, categories: { essential: true, analytics: true }, services: {}, method: 'accept-all', region: null,
      mode: 'opt-in', language: 'en', url: 'https://acme.test/', userAgent: null, ip: null, gpc: false,
      clientTime: '2026-11-22T10:00:02Z', serverTime: '2026-11-22T10:00:02.500Z',
    }
    sql(
      `INSERT INTO consent_records (site_id, seq, record_id, consent_id, revision, texts_hash, categories, services, method, region,
         mode, language, url, user_agent, ip, gpc, client_time, server_time, prev_hash, hash)
       VALUES ('acme', 3, ?, 'forged-visitor', 1, NULL, ?, '{}', 'accept-all', NULL, 'opt-in', 'en', 'https://acme.test/', NULL, NULL, 0, ?, ?, ?, ?)`,
      fields.recordId, canonicalJson(fields.categories), fields.clientTime, fields.serverTime, prev.hash, recordHash(prev.hash, fields),
    )
    const result = t.consentLog.verify('acme')
    expect(result.ok).toBe(false)
    expect(result.firstBad?.seq).toBe(4)
    expect(t.consentLog.verify('notice-only').ok).toBe(true)
  })
})

describe('recordPayload', () => {
  it('is exactly the canonical JSON of the chained fields, nulls and non-ASCII included', () => {
    const base = {
      siteId: 'acme', seq: 12, recordId: '6f1c1d2e-3b4a-4c5d-8e9f-000000000001', consentId: 'visitor-0001', revision: 3,
      textsHash: null, categories: { essential: true, analytics: false }, services: {}, method: 'custom', region: null,
      mode: 'opt-in', language: 'de-CH', url: 'https://acme.test/ü"\\</script>', userAgent: null, ip: null, gpc: true,
      clientTime: '2026-11-22T10:00:00.000+01:00', serverTime: '2026-11-22T09:00:00.000Z',
    }
    for (const fields of [base, { ...base, textsHash: 'b'.repeat(64), region: 'US-CA', userAgent: 'UA\u2028x', ip: '203.0.113.0', gpc: false }]) {
      expect(recordPayload(fields)).toBe(canonicalJson(fields))
    }
  })
})
