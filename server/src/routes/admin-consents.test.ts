import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { apiError, consentLogPage } from '@miniconsent/shared'
import { addUser, consentBody, json, startTestServer, type TestServer } from '../test-support'

let t: TestServer
let cookie: string

beforeEach(async () => {
  t = startTestServer({ env: { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: 'cf-ipcountry', TRUST_PROXY: false } })
  await addUser(t.db, 'auditor@acme.test', 'auditor password', { acme: 'auditor' })
  // Records 1–6 on 20–25 November at 23:30 UTC, alternating regions and methods.
  t.clock.now = Date.UTC(2026, 10, 20, 23, 30)
  const methods = ['accept-all', 'reject-all', 'custom', 'accept-all', 'withdraw', 'accept-all'] as const
  for (let i = 0; i < 6; i++) {
    const headers = i % 2 === 0 ? { 'cf-ipcountry': 'DE' } : i === 3 ? { 'cf-ipcountry': 'XX' } : { 'cf-ipcountry': 'US' }
    const body = consentBody({ method: methods[i], consentId: i < 3 ? 'visitor-early' : 'visitor-late' })
    expect((await t.request('/api/v1/consents', json(body, headers), `192.0.2.${i}`)).status).toBe(201)
    t.clock.now += 86_400_000
  }
  const res = await t.request('/api/admin/login', json({ email: 'auditor@acme.test', password: 'auditor password' }))
  cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!
})
afterEach(() => t.close())

async function seqs(query: string) {
  const res = await t.request(`/api/admin/sites/acme/consents?${query}`, { headers: { Cookie: cookie } })
  expect(res.status).toBe(200)
  const page = consentLogPage.parse(await res.json())
  return { seqs: page.records.map((r) => r.seq), total: page.total }
}

describe('consent log filters', () => {
  it('takes from/to days as whole UTC days, and date-times as instants', async () => {
    expect(await seqs('from=2026-11-21&to=2026-11-23')).toEqual({ seqs: [4, 3, 2], total: 3 })
    expect(await seqs('to=2026-11-20')).toEqual({ seqs: [1], total: 1 })
    // 2026-11-22T00:30+01:00 is 21 November 23:30 UTC, record 2's time exactly.
    expect(await seqs('from=2026-11-22T00:30:00%2B01:00&to=2026-11-22T23:30:00Z')).toEqual({ seqs: [3, 2], total: 2 })
  })

  it('filters by method, region (or unknown), revision and consentId, combined', async () => {
    expect((await seqs('method=accept-all')).seqs).toEqual([6, 4, 1])
    expect((await seqs('region=DE')).seqs).toEqual([5, 3, 1])
    expect((await seqs('region=unknown')).seqs).toEqual([4])
    expect((await seqs('revision=1')).total).toBe(6)
    expect((await seqs('revision=2')).total).toBe(0)
    expect(await seqs('consentId=visitor-late&method=accept-all')).toEqual({ seqs: [6, 4], total: 2 })
    expect(await seqs('method=accept-all&limit=2')).toEqual({ seqs: [6, 4], total: 3 })
    expect((await seqs('method=accept-all&before=4')).seqs).toEqual([1])
    // Cleared form fields are no filter.
    expect((await seqs('method=&region=&from=&consentId=')).total).toBe(6)
  })

  it('takes an empty limit or before (a cleared field, a hand-written URL) as absent', async () => {
    expect(await seqs('limit=')).toEqual({ seqs: [6, 5, 4, 3, 2, 1], total: 6 })
    expect(await seqs('before=')).toEqual({ seqs: [6, 5, 4, 3, 2, 1], total: 6 })
    expect(await seqs('method=accept-all&limit=&before=')).toEqual({ seqs: [6, 4, 1], total: 3 })
    expect(await seqs('limit=2&before=')).toEqual({ seqs: [6, 5], total: 6 })
  })

  it('answers 400 naming the field for a malformed filter', async () => {
    for (const [query, field] of [
      ['from=yesterday', 'from'],
      ['method=maybe', 'method'],
      ['region=germany', 'region'],
      ['revision=0', 'revision'],
      ['limit=many', 'limit'],
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=%20', 'limit'],
      ['before=last', 'before'],
      ['before=0', 'before'],
    ]) {
      const res = await t.request(`/api/admin/sites/acme/consents?${query}`, { headers: { Cookie: cookie } })
      expect(res.status, query).toBe(400)
      expect(apiError.parse(await res.json()).error.message).toContain(field)
    }
  })
})
