import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { apiError, chainVerification, consentLogPage } from '@miniconsent/shared'
import { sha256 } from '../services/accounts'
import { ConsentWriter, type StampedRecord } from '../services/consent-writer'
import { addUser, consentBody, holdAnswers, json, signIn, startTestServer, type TestServer } from '../test-support'
import { VERIFIES_AT_ONCE } from './admin-consents'

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
    // One visitor's pages, read between their lowest and highest seq.
    expect(await seqs('consentId=visitor-early&limit=2')).toEqual({ seqs: [3, 2], total: 3 })
    expect(await seqs('consentId=visitor-early&limit=2&before=2')).toEqual({ seqs: [1], total: 3 })
    expect(await seqs('consentId=visitor-nobody')).toEqual({ seqs: [], total: 0 })
    expect(await seqs('method=accept-all&limit=2')).toEqual({ seqs: [6, 4], total: 3 })
    expect((await seqs('method=accept-all&before=4')).seqs).toEqual([1])
    // Cleared form fields are no filter.
    expect((await seqs('method=&region=&from=&consentId=')).total).toBe(6)
  })

  it('lists a record whose stored choices were edited into something unreadable, naming them, instead of failing the page', async () => {
    t.db.$client.prepare(`UPDATE consent_records SET categories = '{"analytics": tru', services = '["x"]' WHERE seq = 2`).run()
    t.db.$client.prepare(`UPDATE consent_records SET services = '{"plausible": "yes"}' WHERE seq = 3`).run()
    const res = await t.request('/api/admin/sites/acme/consents', { headers: { Cookie: cookie } })
    expect(res.status).toBe(200)
    const records = consentLogPage.parse(await res.json()).records
    expect(records.find((r) => r.seq === 2)).toMatchObject({ categories: {}, services: {}, unreadable: ['categories', 'services'] })
    expect(records.find((r) => r.seq === 3)).toMatchObject({ categories: { essential: true, analytics: true }, services: {}, unreadable: ['services'] })
    expect(records.find((r) => r.seq === 1)).not.toHaveProperty('unreadable')
    // The data-subject search reads them the same way; the verification names the first.
    expect((await t.request('/api/admin/sites/acme/subjects/visitor-early', { headers: { Cookie: cookie } })).status).toBe(200)
    expect(chainVerification.parse(await (await t.request('/api/admin/sites/acme/verify', { headers: { Cookie: cookie } })).json())).toMatchObject({ ok: false, firstBad: { seq: 2 } })
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
      // Number() reads these as 16, 1000 and 1: only plain digits are a number here.
      ['limit=0x10', 'limit'],
      ['before=1e3', 'before'],
      ['revision=1.0', 'revision'],
      ['before=last', 'before'],
      ['before=0', 'before'],
    ]) {
      const res = await t.request(`/api/admin/sites/acme/consents?${query}`, { headers: { Cookie: cookie } })
      expect(res.status, query).toBe(400)
      const error = apiError.parse(await res.json()).error
      expect(error.message).toContain(field)
      // Field by field, as a body's 422 names them: a form can show each beside its field.
      expect(error.issues, query).toEqual([expect.objectContaining({ path: field })])
    }
  })
})

describe('the listing of one visitor', () => {
  const entries = () =>
    (t.db.$client.prepare("SELECT u.email, a.action, a.after FROM audit_log a LEFT JOIN users u ON u.id = a.user_id WHERE a.action LIKE 'consents.%' ORDER BY a.id").all() as { email: string; action: string; after: string }[]).map(
      ({ email, action, after }) => ({ email, action, after: JSON.parse(after) as unknown }),
    )
  const list = (query: string, headers: Record<string, string> = {}, method = 'GET') => t.request(`/api/admin/sites/acme/consents?${query}`, { method, headers: { Cookie: cookie, ...headers } })

  it('is audited as a look-up of their data (consents.subject-view, the consentId by its SHA-256), one entry per page', async () => {
    expect((await list('consentId=visitor-early&limit=2')).status).toBe(200)
    expect((await list('consentId=visitor-early&limit=2&before=2', { 'Sec-Fetch-Site': 'same-origin' })).status).toBe(200)
    expect((await list('consentId=visitor-nobody')).status).toBe(200)
    const viewed = (consentId: string, records: number) => ({ email: 'auditor@acme.test', action: 'consents.subject-view', after: { consentIdSha256: sha256(consentId), records, via: 'listing' } })
    expect(entries()).toEqual([viewed('visitor-early', 2), viewed('visitor-early', 1), viewed('visitor-nobody', 0)])
    expect(JSON.stringify(t.db.$client.prepare('SELECT * FROM audit_log').all())).not.toContain('visitor-early')
  })

  it('is not audited without a consentId, nor for a HEAD, which receives no records', async () => {
    for (const query of ['', 'method=accept-all', 'consentId=', 'from=2026-11-21']) expect((await list(query)).status, query).toBe(200)
    expect((await list('consentId=visitor-early', {}, 'HEAD')).status).toBe(200)
    expect(entries()).toEqual([])
  })

  it("is refused when another site's page asks for it, as the look-up is, and nothing is audited", async () => {
    for (const site of ['same-site', 'cross-site']) {
      const res = await list('consentId=visitor-early', { 'Sec-Fetch-Site': site })
      expect(res.status, site).toBe(403)
      expect(apiError.parse(await res.json()).error.code).toBe('cross_site_request')
      // The whole log's listing, which audits nothing, is answered as before.
      expect((await list('method=accept-all', { 'Sec-Fetch-Site': site })).status, site).toBe(200)
    }
    expect(entries()).toEqual([])
  })

  it("answers 403 and audits nothing when the account was removed from the site while the page was read; the log's listing too", async () => {
    await addUser(t.db, 'owner@acme.test', 'owner password!', { acme: 'owner' })
    const owner = await signIn(t, 'owner@acme.test', 'owner password!')
    const auditorId = (t.db.$client.prepare("SELECT id FROM users WHERE email = 'auditor@acme.test'").get() as { id: number }).id
    const held = holdAnswers(t.consentLog, 'listInThread')
    try {
      const pending = [list('consentId=visitor-early'), list('method=accept-all')]
      // Both pages are read (the role was checked before); their answers wait.
      await held.arrived(2)
      expect((await owner.request(`/api/admin/sites/acme/members/${auditorId}`, { method: 'DELETE' })).status).toBe(204)
      held.release()
      for (const res of await Promise.all(pending)) {
        expect(res.status).toBe(403)
        expect(apiError.parse(await res.json()).error.code).toBe('forbidden')
      }
    } finally {
      held.restore()
    }
    // No look-up in the name of someone who was no longer a member: the removal is the last entry.
    const actions = t.db.$client.prepare('SELECT action FROM audit_log ORDER BY id').all() as { action: string }[]
    expect(actions.map((a) => a.action).filter((a) => a !== 'site.seed')).toEqual(['member.remove'])
  })
})

describe('chain verification', () => {
  /** Records 7 to 6 + n, written as ingestion writes them: a long, intact chain. */
  function appendMany(n: number) {
    const writer = new ConsentWriter(t.db.$client)
    const at = Date.UTC(2026, 10, 26)
    for (let i = 0; i < n; i += 1000) {
      const batch: StampedRecord[] = Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({
        siteId: 'acme',
        recordId: `00000000-0000-4000-8000-${(i + j).toString(16).padStart(12, '0')}`,
        consentId: `visitor-${i + j}`,
        revision: 1,
        textsHash: null,
        categories: { essential: true, analytics: (i + j) % 2 === 0 },
        services: { plausible: (i + j) % 2 === 0 },
        method: (i + j) % 2 === 0 ? 'accept-all' : 'reject-all',
        region: 'DE',
        mode: 'opt-in',
        language: 'en',
        url: 'https://acme.test/',
        userAgent: 'Mozilla/5.0',
        ip: '203.0.113.0',
        gpc: false,
        clientTime: new Date(at + i + j).toISOString(),
        serverTime: new Date(at + i + j).toISOString(),
      }))
      writer.writeBatch(batch)
    }
  }
  const LONG = 20_000
  const verify = (init: RequestInit = {}) => t.request('/api/admin/sites/acme/verify', { ...init, headers: { Cookie: cookie } })
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

  it('answers other requests while a long chain is being verified, and then the verification', async () => {
    appendMany(LONG)
    const order: string[] = []
    const verifying = verify().then((res) => {
      order.push('verify')
      return res
    })
    // One turn of the event loop: a verification on this thread would have answered by now.
    await nextTurn()
    expect((await t.request('/healthz')).status).toBe(200)
    order.push('healthz')
    expect((await t.request('/api/v1/sites/acme/config')).status).toBe(200)
    order.push('config')
    const res = await verifying
    expect(order).toEqual(['healthz', 'config', 'verify'])
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const result = chainVerification.parse(await res.json())
    expect(result).toMatchObject({ ok: true, count: 6 + LONG })
    // The same answer as the verification on this thread (the CLI's).
    expect(result).toEqual(t.consentLog.verify('acme'))
  })

  it('reports an edited or a deleted record from its thread as before', async () => {
    appendMany(2_000)
    const sql = (text: string) => t.db.$client.prepare(text).run()
    sql(`UPDATE consent_records SET method = 'withdraw' WHERE site_id = 'acme' AND seq = 1001`)
    const edited = chainVerification.parse(await (await verify()).json())
    expect(edited).toMatchObject({ ok: false, count: 1001, firstBad: { seq: 1001, reason: expect.stringContaining('edited') } })
    expect(edited).toEqual(t.consentLog.verify('acme'))

    sql(`DELETE FROM consent_records WHERE site_id = 'acme' AND seq = 1001`)
    const deleted = chainVerification.parse(await (await verify()).json())
    expect(deleted).toMatchObject({ ok: false, firstBad: { seq: 1002, reason: expect.stringContaining('record 1001 was deleted') } })
    expect(deleted).toEqual(t.consentLog.verify('acme'))
  })

  it(`runs at most ${VERIFIES_AT_ONCE} at once: another gets 429 verifies_busy with Retry-After, and a place once one has finished`, async () => {
    appendMany(LONG)
    const running = Array.from({ length: VERIFIES_AT_ONCE }, () => verify())
    await nextTurn()
    const busy = await verify()
    expect(busy.status).toBe(429)
    expect(busy.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(apiError.parse(await busy.json()).error.code).toBe('verifies_busy')
    for (const res of await Promise.all(running)) expect(res.status).toBe(200)
    expect((await verify()).status).toBe(200)
  })

  it('ends a verification whose client went away, and frees its place', async () => {
    appendMany(LONG)
    const order: string[] = []
    const kept = verify().then((res) => {
      order.push('kept')
      return res
    })
    const controller = new AbortController()
    const dropped = verify({ signal: controller.signal }).then((res) => {
      order.push('dropped')
      return res
    })
    await nextTurn()
    controller.abort()
    expect((await dropped).status).toBeGreaterThanOrEqual(400)
    // Its place is free while the other is still running.
    const next = verify()
    expect((await kept).status).toBe(200)
    expect(order).toEqual(['dropped', 'kept'])
    expect((await next).status).toBe(200)
  })
})
