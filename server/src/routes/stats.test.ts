import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { apiError, consentLogPage, consentStats, type ConsentLogFilters } from '@miniconsent/shared'
import { openDatabase } from '../db/client'
import { sha256 } from '../services/accounts'
import { ConsentStatsService } from '../services/stats'
import { emptyTempTable, ROLLUP_SQL } from '../services/stats-rollups'
import { addUser, consentBody, holdAnswers, json, signIn, startTestServer, type TestServer } from '../test-support'

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

  it('answers 400 for a malformed period, saying what a bound looks like, and 403 to outsiders', async () => {
    for (const query of ['from=last-week', 'from=2026-02-30', 'to=2026-11-22T10:00Z']) {
      const res = await t.request(`/api/admin/sites/acme/stats?${query}`, { headers: { Cookie: cookie } })
      expect(res.status, query).toBe(400)
      const field = query.split('=')[0]
      expect(apiError.parse(await res.json()).error.message, query).toBe(`${field}: use a date (2026-11-22) or a date-time (2026-11-22T10:00:00Z)`)
    }
    expect((await t.request('/api/admin/sites/notice-only/stats', { headers: { Cookie: cookie } })).status).toBe(403)
  })

  it('refuses a period that ends before it starts with 400, as the listing and the export do', async () => {
    for (const route of ['stats', 'consents', 'export']) {
      // The last: reversed by less than a millisecond (the period starts past 12:00:00.001 and ends at it).
      for (const query of ['from=2026-11-22&to=2026-11-21', 'from=2026-11-22T10:00:00Z&to=2026-11-22T09:59:59.999Z', 'from=2026-11-23T00:00:00Z&to=2026-11-22', 'from=2026-11-20T12:00:00.0011Z&to=2026-11-20T12:00:00.001Z']) {
        const res = await t.request(`/api/admin/sites/acme/${route}?${query}`, { headers: { Cookie: cookie } })
        expect(res.status, `${route}?${query}`).toBe(400)
        expect(apiError.parse(await res.json()).error).toEqual({
          code: 'invalid_request',
          message: 'from: is after `to`: the period is empty (are the two dates swapped?)',
          issues: [{ path: 'from', message: 'is after `to`: the period is empty (are the two dates swapped?)' }],
        })
      }
    }
    // One day, or one instant, is a period.
    expect((await stats('?from=2026-11-21&to=2026-11-21')).perDay).toHaveLength(1)
    expect((await stats('?from=2026-11-20T12:00:00Z&to=2026-11-20T12:00:00Z')).perDay).toEqual([expect.objectContaining({ total: 1 })])
  })

  it('starts a period between two milliseconds at the later one: a record of the millisecond before is left out', async () => {
    // The first record is stamped 2026-11-20T12:00:00.000Z, the second one millisecond later.
    const listed = async (query: string) => {
      const res = await t.request(`/api/admin/sites/acme/consents?${query}`, { headers: { Cookie: cookie } })
      return ((await res.json()) as { total: number }).total
    }
    for (const from of ['2026-11-20T12:00:00.0001Z', '2026-11-20T12:00:00.000999Z', '2026-11-20T13:00:00.0005+01:00']) {
      const s = await stats(`?from=${encodeURIComponent(from)}`)
      expect(s.perDay.reduce((n, d) => n + d.total, 0), from).toBe(DECISIONS.length - 1)
      expect(await listed(`from=${encodeURIComponent(from)}`), from).toBe(DECISIONS.length - 1)
    }
    expect((await stats(`?from=${encodeURIComponent('2026-11-20T12:00:00.0000Z')}`)).perDay[0]).toMatchObject({ total: 3 })
  })

  it('answers a period in order but inside one millisecond (no whole millisecond in it) with nothing, not 400', async () => {
    // Records are stamped 2026-11-20T12:00:00.000Z, .001Z and .002Z: none lies after .0001 and up to .0009.
    const query = `from=${encodeURIComponent('2026-11-20T12:00:00.0001Z')}&to=${encodeURIComponent('2026-11-20T12:00:00.0009Z')}`
    const s = await stats(`?${query}`)
    expect([s.perDay, s.perRegion, s.perRevision].map((rows) => rows.reduce((n, r) => n + r.total, 0))).toEqual([0, 0, 0])
    const res = await t.request(`/api/admin/sites/acme/consents?${query}`, { headers: { Cookie: cookie } })
    expect(res.status).toBe(200)
    expect(consentLogPage.parse(await res.json())).toMatchObject({ records: [], total: 0 })
    const exported = await t.request(`/api/admin/sites/acme/export?${query}&format=csv`, { headers: { Cookie: cookie } })
    expect(exported.status).toBe(200)
    expect((await exported.text()).trim().split('\n')).toHaveLength(1)
    // Up to .0010 it holds the millisecond .001 and the record of it.
    const one = await t.request(`/api/admin/sites/acme/consents?from=${encodeURIComponent('2026-11-20T12:00:00.0001Z')}&to=${encodeURIComponent('2026-11-20T12:00:00.0010Z')}`, { headers: { Cookie: cookie } })
    expect(consentLogPage.parse(await one.json()).total).toBe(1)
  })

  it('leaves a record whose categories are not a JSON object of booleans out of perCategory, as the listing does, counts it in the rest, and says how many', async () => {
    // Counted from the records: no day is rolled up before the edits (a closed day's rollups are
    // counted once, and a record is never changed after: an edit by hand is not seen in them).
    const all = new ConsentStatsService(t.db, { rollups: false }).stats('acme', {})
    expect(all.unreadableCategories).toBe(0)
    // Edited by hand, as the export and the verification are tested with: broken JSON, JSON that
    // is no object, and an object with a value that is no boolean (1 is no grant).
    t.db.$client.prepare(`UPDATE consent_records SET categories = '{"analytics": tru' WHERE seq = 1`).run()
    t.db.$client.prepare(`UPDATE consent_records SET categories = '[true]' WHERE seq = 2`).run()
    t.db.$client.prepare(`UPDATE consent_records SET categories = '{"analytics":1,"essential":true}' WHERE seq = 3`).run()
    const s = await stats()
    expect(s.unreadableCategories).toBe(3)
    const page = consentLogPage.parse(await (await t.request('/api/admin/sites/acme/consents', { headers: { Cookie: cookie } })).json())
    expect(page.records.filter((r) => r.unreadable?.includes('categories')).map((r) => r.seq).sort()).toEqual([1, 2, 3])
    expect(s.perCategory).toEqual([
      // Records 1 (analytics granted), 2 (denied) and 3 (granted) are no longer read.
      { category: 'analytics', granted: 1, denied: 2 },
      { category: 'essential', granted: 3, denied: 0 },
    ])
    expect(s.perDay).toEqual(all.perDay)
    expect(s.perRegion).toEqual(all.perRegion)
    expect(s.perRevision).toEqual(all.perRevision)
    expect((await stats('?from=2026-11-21')).unreadableCategories).toBe(0)
    expect((await stats('?consentId=visitor-0001')).unreadableCategories).toBe(3)
  })
})

describe("the statistics of one visitor", () => {
  const entries = () =>
    (t.db.$client.prepare("SELECT u.email, a.action, a.after FROM audit_log a LEFT JOIN users u ON u.id = a.user_id WHERE a.action LIKE 'consents.%' ORDER BY a.id").all() as { email: string; action: string; after: string }[]).map(
      ({ email, action, after }) => ({ email, action, after: JSON.parse(after) as unknown }),
    )
  const ask = (query: string, headers: Record<string, string> = {}) => t.request(`/api/admin/sites/acme/stats?${query}`, { headers: { Cookie: cookie, ...headers } })

  beforeEach(async () => {
    t.clock.now = Date.parse('2026-11-22T13:00:00Z')
    const solo = consentBody({ consentId: 'visitor-solo', method: 'custom', categories: { essential: true, analytics: false } })
    expect((await t.request('/api/v1/consents', json(solo, { 'cf-ipcountry': 'FR' }), '192.0.2.99')).status).toBe(201)
  })

  it('is audited as a look-up of their data (consents.subject-view, the consentId by its SHA-256, via "stats"): their choices are shown', async () => {
    expect((await ask('consentId=visitor-solo')).status).toBe(200)
    expect((await ask('consentId=visitor-0001&from=2026-11-21', { 'Sec-Fetch-Site': 'same-origin' })).status).toBe(200)
    expect((await ask('consentId=visitor-nobody')).status).toBe(200)
    const viewed = (consentId: string, records: number) => ({ email: 'auditor@acme.test', action: 'consents.subject-view', after: { consentIdSha256: sha256(consentId), records, via: 'stats' } })
    expect(entries()).toEqual([viewed('visitor-solo', 1), viewed('visitor-0001', 3), viewed('visitor-nobody', 0)])
    expect(JSON.stringify(t.db.$client.prepare('SELECT * FROM audit_log').all())).not.toContain('visitor-solo')
  })

  it('is not audited without a consentId: the counts of the whole log are no one visitor’s', async () => {
    for (const query of ['', 'method=custom', 'consentId=', 'region=FR']) expect((await ask(query)).status, query).toBe(200)
    expect(entries()).toEqual([])
  })

  it("is refused when another site's page asks for it, as the listing of one visitor is, and nothing is audited", async () => {
    for (const site of ['same-site', 'cross-site']) {
      const res = await ask('consentId=visitor-solo', { 'Sec-Fetch-Site': site })
      expect(res.status, site).toBe(403)
      expect(apiError.parse(await res.json()).error.code).toBe('cross_site_request')
      // The whole log's statistics, which audit nothing, are answered as before.
      expect((await ask('region=FR', { 'Sec-Fetch-Site': site })).status, site).toBe(200)
    }
    expect(entries()).toEqual([])
  })

  it('answers 403 and audits nothing when the account was removed from the site while they were counted; the whole log’s statistics too', async () => {
    await addUser(t.db, 'owner@acme.test', 'owner password!', { acme: 'owner' })
    const owner = await signIn(t, 'owner@acme.test', 'owner password!')
    const auditorId = (t.db.$client.prepare("SELECT id FROM users WHERE email = 'auditor@acme.test'").get() as { id: number }).id
    const held = holdAnswers(ConsentStatsService.prototype, 'statsInThread')
    try {
      const pending = [ask('consentId=visitor-solo'), ask('region=FR')]
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
    const actions = t.db.$client.prepare('SELECT action FROM audit_log ORDER BY id').all() as { action: string }[]
    expect(actions.map((a) => a.action).filter((a) => a !== 'site.seed')).toEqual(['member.remove'])
  })
})

describe('ConsentStatsService', () => {
  const FILTERS: ConsentLogFilters[] = [
    {},
    { from: '2026-11-21' },
    { to: '2026-11-21T12:00:00.003Z' },
    { from: '2026-11-20', to: '2026-11-21', method: 'accept-all' },
    { region: 'US' },
    { region: 'unknown' },
    { revision: 1 },
    { consentId: 'visitor-0001' },
    { consentId: 'visitor-0001', from: '2026-11-21', to: '2026-11-21' },
    { consentId: 'visitor-none' },
  ]

  it('answers the same through its worker thread as on this one, and as the route does, as when every record was counted', async () => {
    t.db.$client.prepare(`UPDATE consent_records SET categories = '{"analytics": tru' WHERE seq = 3`).run()
    const service = new ConsentStatsService(t.db)
    const fromRecords = new ConsentStatsService(t.db, { rollups: false })
    expect(await service.statsInThread('acme', {})).toEqual(service.stats('acme', {}))
    expect(service.stats('acme', {}).unreadableCategories).toBe(1)
    // The route counts in a thread (the test database is a file), by the server's clock: the
    // 20th and 21st are rolled up, the 22nd is today.
    for (const f of FILTERS) {
      const query = new URLSearchParams(f as Record<string, string>).toString()
      expect(await stats(query ? `?${query}` : ''), JSON.stringify(f)).toEqual(service.stats('acme', f))
      expect(service.stats('acme', f), JSON.stringify(f)).toEqual(fromRecords.stats('acme', f))
    }
    expect(t.db.$client.prepare('SELECT DISTINCT day FROM stats_rollups ORDER BY day').all()).toEqual([{ day: '2026-11-20' }, { day: '2026-11-21' }, { day: '2026-11-22' }])
  })

  it('counts an in-memory database, which no thread can open, on this thread', async () => {
    const db = openDatabase(':memory:')
    try {
      expect(await new ConsentStatsService(db).statsInThread('acme', {})).toEqual({ perDay: [], perCategory: [], perRegion: [], perRevision: [], unreadableCategories: 0 })
    } finally {
      db.$client.close()
    }
  })

  it('refuses with 503 once the client has gone away', async () => {
    await expect(new ConsentStatsService(t.db).statsInThread('acme', {}, AbortSignal.abort())).rejects.toMatchObject({ status: 503, code: 'stats_aborted' })
  })

  it("reads one visitor's records through (site_id, consent_id), a period's rollups through their index, and the rest of it through (site_id, server_time), with or without planner statistics", () => {
    const c = t.db.$client
    const service = new ConsentStatsService(t.db, { now: () => t.clock.now })
    const plan = (q: string, params: Record<string, unknown>) => (c.prepare(`EXPLAIN QUERY PLAN ${q}`).all(params) as { detail: string }[]).map((p) => p.detail).join(' | ')
    emptyTempTable(c, 'stats_live')
    emptyTempTable(c, 'stats_build')
    const expectIndexes = () => {
      for (const f of FILTERS) {
        const { sql, params, rollups } = service.queries('acme', f)
        if (f.consentId) {
          for (const q of Object.values(sql)) expect(plan(q, params), JSON.stringify(f)).toContain('USING INDEX consent_records_site_consent ')
          continue
        }
        const range = { ...params, lo: '2026-11-22', hi: '2026-11-22T12:00:00.005Z' }
        for (const q of Object.values(sql)) expect(plan(q, params), JSON.stringify(f)).toContain('SEARCH stats_rollups USING COVERING INDEX stats_rollups_site_day (site_id=? AND day>? AND day<?)')
        for (const q of [rollups!.sql.before, rollups!.sql.through]) expect(plan(q, range), JSON.stringify(f)).toContain('SEARCH consent_records USING INDEX consent_records_site_time (site_id=? AND server_time>? AND server_time<?)')
      }
      // The closed days that have records, one look-up each, and whether they are rolled up.
      const days = plan(ROLLUP_SQL.recordedDays, { siteId: 'acme', firstDay: '0000-01-01', endDay: '2026-11-22' })
      expect(days).toContain('SEARCH consent_records USING COVERING INDEX consent_records_site_time (site_id=? AND server_time>? AND server_time<?)')
      expect(days).toContain('SEARCH r USING COVERING INDEX stats_rollups_site_day (site_id=? AND day=?)')
      expect(days).not.toContain('TEMP B-TREE')
      expect(plan(ROLLUP_SQL.count, { siteId: 'acme', lo: '2026-11-20', hi: '2026-11-21' })).toContain('SEARCH consent_records USING INDEX consent_records_site_time (site_id=? AND server_time>? AND server_time<?)')
      // A rollup's write, under the write lock, looks only at the records written since its count
      // (seq > its last): through (site_id, server_time) it read every record before the stretch's end.
      expect(plan(ROLLUP_SQL.lateRecord, { siteId: 'acme', seq: 3, end: '2026-11-22U' })).toBe('SEARCH consent_records USING INDEX consent_records_site_seq (site_id=? AND seq>?)')
    }
    expectIndexes()
    // Planner statistics taken while the rollups were few: their index is still read, as the
    // table grows. (The log's own are deleted, as migration 0006 did: on a log this small they
    // rightly read it whole.)
    service.stats('acme', {})
    c.exec('ANALYZE')
    c.exec(`DELETE FROM sqlite_stat1 WHERE tbl = 'consent_records'`)
    c.exec('ANALYZE sqlite_schema')
    expect(c.prepare(`SELECT count(*) AS n FROM sqlite_stat1 WHERE tbl = 'stats_rollups'`).get()).toEqual({ n: 1 })
    expectIndexes()
  })
})
