import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { apiError, consentStats } from '@miniconsent/shared'
import { addUser, consentBody, json, startTestServer, type TestServer } from '../test-support'

let t: TestServer
let cookie: string

const DECISIONS = [
  // day, region header, method, analytics granted
  ['2026-11-20', 'DE', 'accept-all', true],
  ['2026-11-20', 'DE', 'reject-all', false],
  ['2026-11-20', 'US-CA', 'custom', true],
  ['2026-11-21', 'DE', 'accept-all', true],
  ['2026-11-21', null, 'withdraw', false],
  ['2026-11-22', 'US-CA', 'gpc', false],
] as const

beforeEach(async () => {
  t = startTestServer({ env: { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: 'cf-ipcountry', TRUST_PROXY: false } })
  await addUser(t.db, 'auditor@acme.test', 'auditor password', { acme: 'auditor' })
  for (const [i, [day, region, method, analytics]] of DECISIONS.entries()) {
    t.clock.now = Date.parse(`${day}T12:00:00Z`) + i
    const body = consentBody({ method, categories: { essential: true, analytics }, revision: 1 })
    expect((await t.request('/api/v1/consents', json(body, region ? { 'cf-ipcountry': region } : {}), `192.0.2.${i}`)).status).toBe(201)
  }
  const res = await t.request('/api/admin/login', json({ email: 'auditor@acme.test', password: 'auditor password' }))
  cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!
})
afterEach(() => t.close())

async function stats(query = '') {
  const res = await t.request(`/api/admin/sites/acme/stats${query}`, { headers: { Cookie: cookie } })
  expect(res.status).toBe(200)
  return consentStats.parse(await res.json())
}

describe('GET /api/admin/sites/:siteId/stats', () => {
  it('counts decisions per day, category, region and revision', async () => {
    const s = await stats()
    expect(s.perDay).toEqual([
      { day: '2026-11-20', total: 3, acceptAll: 1, rejectAll: 1, custom: 1, other: 0 },
      { day: '2026-11-21', total: 2, acceptAll: 1, rejectAll: 0, custom: 0, other: 1 },
      { day: '2026-11-22', total: 1, acceptAll: 0, rejectAll: 0, custom: 0, other: 1 },
    ])
    expect(s.perCategory).toEqual([
      { category: 'analytics', granted: 3, denied: 3 },
      { category: 'essential', granted: 6, denied: 0 },
    ])
    const byRegion = Object.fromEntries(s.perRegion.map((r) => [r.region ?? 'unknown', r]))
    expect(byRegion.DE).toMatchObject({ total: 3, acceptAll: 2, rejectAll: 1 })
    expect(byRegion['US-CA']).toMatchObject({ total: 2, custom: 1, other: 1 })
    expect(byRegion.unknown).toMatchObject({ region: null, mode: 'opt-in', total: 1, other: 1 })
    expect(s.perRevision).toEqual([{ revision: 1, total: 6, acceptAll: 2, rejectAll: 1, custom: 1, other: 2 }])
  })

  it("takes the log's other filters too — method, region (or unknown), revision, consentId — in every table, as the listing does", async () => {
    const totals = (x: Awaited<ReturnType<typeof stats>>) => [x.perDay, x.perRegion, x.perRevision].map((rows) => rows.reduce((n, r) => n + r.total, 0))
    const listed = async (query: string) => {
      const res = await t.request(`/api/admin/sites/acme/consents${query}`, { headers: { Cookie: cookie } })
      return ((await res.json()) as { total: number }).total
    }
    for (const [query, expected] of [
      ['?method=accept-all', 2],
      ['?region=DE', 3],
      ['?region=unknown', 1],
      // A country includes its subdivisions; a subdivision is itself only.
      ['?region=US', 2],
      ['?region=US-CA', 2],
      ['?region=US-NY', 0],
      ['?region=DE&method=reject-all', 1],
      ['?revision=1&from=2026-11-21', 3],
      ['?revision=2', 0],
      ['?consentId=visitor-0001', 6],
    ] as const) {
      const s = await stats(query)
      expect(totals(s), query).toEqual([expected, expected, expected])
      expect(await listed(query), query).toBe(expected)
      expect(s.perCategory.find((c) => c.category === 'essential')?.granted ?? 0, query).toBe(expected)
    }
    // One visitor's decisions alone.
    t.clock.now = Date.parse('2026-11-22T13:00:00Z')
    const solo = consentBody({ consentId: 'visitor-solo', method: 'custom', categories: { essential: true, analytics: true } })
    expect((await t.request('/api/v1/consents', json(solo, { 'cf-ipcountry': 'FR' }), '192.0.2.99')).status).toBe(201)
    const one = await stats('?consentId=visitor-solo')
    expect(one.perRegion).toEqual([expect.objectContaining({ region: 'FR', total: 1, custom: 1 })])
    expect(one.perCategory).toEqual([
      { category: 'analytics', granted: 1, denied: 0 },
      { category: 'essential', granted: 1, denied: 0 },
    ])
    // A filter value that is no filter is refused, as by the listing.
    const bad = await t.request('/api/admin/sites/acme/stats?method=maybe', { headers: { Cookie: cookie } })
    expect(bad.status).toBe(400)
    expect(apiError.parse(await bad.json()).error.code).toBe('invalid_request')
  })

  it('limits every table to the period, days inclusive', async () => {
    const s = await stats('?from=2026-11-21&to=2026-11-21')
    expect(s.perDay.map((d) => d.day)).toEqual(['2026-11-21'])
    expect(s.perCategory).toEqual([
      { category: 'analytics', granted: 1, denied: 1 },
      { category: 'essential', granted: 2, denied: 0 },
    ])
    expect(s.perRevision[0]).toMatchObject({ total: 2 })
    expect((await stats('?from=2026-11-23')).perDay).toEqual([])
  })

  it('counts everything up to the last day of the calendar, and from its first', async () => {
    const all = await stats()
    expect(await stats('?to=9999-12-31')).toEqual(all)
    expect(await stats('?from=0000-01-01&to=9999-12-31T23:00:00-05:00')).toEqual(all)
    expect((await stats('?from=9999-12-31')).perDay).toEqual([])
  })

  it('exports everything up to the last day of the calendar', async () => {
    const lines = async (query: string) => {
      const res = await t.request(`/api/admin/sites/acme/export?format=ndjson&${query}`, { headers: { Cookie: cookie } })
      expect(res.status).toBe(200)
      return (await res.text()).trimEnd().split('\n').filter(Boolean)
    }
    expect(await lines('to=9999-12-31')).toHaveLength(DECISIONS.length)
    expect(await lines('from=2026-11-21&to=9999-12-31')).toHaveLength(3)
    expect(await lines('to=9999-12-31T23:59:59.999Z')).toHaveLength(DECISIONS.length)
  })

  it('answers 400 for a malformed period and 403 to outsiders', async () => {
    const res = await t.request('/api/admin/sites/acme/stats?from=last-week', { headers: { Cookie: cookie } })
    expect(res.status).toBe(400)
    expect(apiError.parse(await res.json()).error.message).toContain('from')
    expect((await t.request('/api/admin/sites/notice-only/stats', { headers: { Cookie: cookie } })).status).toBe(403)
  })
})
