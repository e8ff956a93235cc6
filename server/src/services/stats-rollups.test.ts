import { randomUUID } from 'node:crypto'
import Database from 'better-sqlite3'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { consentStats, type ConsentLogFilters, type ConsentStats } from '@miniconsent/shared'
import { addUser, afterUpgradeFrom, consentBody, json, send, signIn, startTestServer, type AdminSession, type TestServer } from '../test-support'
import { generateRecords } from '../../bench/generate'
import { ConsentLog } from './consent-log'
import { purgeSite } from './retention'
import { silentLogger } from '../logger'
import { CLOSED_DAY_MARGIN_MS, ConsentStatsService, startRollups } from './stats'
import { countStretch, writeStretch } from './stats-rollups'

let t: TestServer

const rolledDays = () => (t.db.$client.prepare("SELECT DISTINCT day FROM stats_rollups WHERE site_id = 'acme' ORDER BY day").all() as { day: string }[]).map((r) => r.day)
/** The statistics as before rollups: every request counted from the records. */
const fromRecords = (f: ConsentLogFilters = {}) => new ConsentStatsService(t.db, { rollups: false }).stats('acme', f)
/** The statistics as the server counts them, by the test's clock (rollups of its closed days, built on this thread). */
const rolled = () => new ConsentStatsService(t.db, { now: () => t.clock.now })

type Row = { server_time: string; method: string; region: string | null; mode: ConsentStats['perRegion'][number]['mode']; revision: number; categories: string }

/** The statistics of `rows`, computed in JavaScript from the stored rows, as the API orders them. */
function expected(rows: Row[]): ConsentStats {
  const counts = () => ({ total: 0, acceptAll: 0, rejectAll: 0, custom: 0, other: 0 })
  const add = (c: ReturnType<typeof counts>, m: string) => {
    c.total++
    if (m === 'accept-all') c.acceptAll++
    else if (m === 'reject-all') c.rejectAll++
    else if (m === 'custom') c.custom++
    else c.other++
  }
  const perDay = new Map<string, ReturnType<typeof counts>>()
  const perRevision = new Map<number, ReturnType<typeof counts>>()
  const perRegion = new Map<string, { region: string | null; mode: Row['mode'] } & ReturnType<typeof counts>>()
  const perCategory = new Map<string, { granted: number; denied: number }>()
  const of = <K, V>(m: Map<K, V>, k: K, make: () => V) => (m.has(k) ? m.get(k)! : (m.set(k, make()), m.get(k)!))
  for (const r of rows) {
    add(of(perDay, r.server_time.slice(0, 10), counts), r.method)
    add(of(perRevision, r.revision, counts), r.method)
    add(of(perRegion, JSON.stringify([r.region, r.mode]), () => ({ region: r.region, mode: r.mode, ...counts() })), r.method)
    for (const [k, v] of Object.entries(JSON.parse(r.categories) as Record<string, boolean>)) of(perCategory, k, () => ({ granted: 0, denied: 0 }))[v ? 'granted' : 'denied']++
  }
  const text = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1)
  return {
    perDay: [...perDay].sort(([a], [b]) => text(a, b)).map(([day, c]) => ({ day, ...c })),
    perCategory: [...perCategory].sort(([a], [b]) => text(a, b)).map(([category, c]) => ({ category, ...c })),
    perRegion: [...perRegion.values()].sort((a, b) => b.total - a.total || text(a.region, b.region) || text(a.mode, b.mode)),
    perRevision: [...perRevision].sort(([a], [b]) => a - b).map(([revision, c]) => ({ revision, ...c })),
    unreadableCategories: 0,
  }
}
const rowsWhere = (where: string, params: unknown[] = []) =>
  t.db.$client.prepare(`SELECT server_time, method, region, mode, revision, categories FROM consent_records WHERE site_id = 'acme' ${where} ORDER BY seq`).all(...params) as Row[]

describe('statistics against the stored rows, counted apart in JavaScript', () => {
  let owner: AdminSession
  const post = async (at: string, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    t.clock.now = Date.parse(at)
    const res = await t.request('/api/v1/consents', json(consentBody(body), headers))
    expect(res.status, await res.clone().text()).toBe(201)
  }
  const stats = async (q = '') => {
    const res = await owner.request(`/api/admin/sites/acme/stats${q}`)
    expect(res.status, await res.clone().text()).toBe(200)
    return consentStats.strict().parse(await res.json())
  }

  beforeAll(async () => {
    t = startTestServer({ env: { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: 'x-region', TRUST_PROXY: false }, ingestRateLimit: { capacity: 1e6, refillPerSecond: 1 } })
    await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
    // Revision 1: essential (required) and analytics. The first two records either side of midnight.
    await post('2026-11-21T23:59:59.999Z', { method: 'accept-all', consentId: 'visitor-aaaa' }, { 'x-region': 'DE' })
    await post('2026-11-22T00:00:00.000Z', { method: 'reject-all', consentId: 'visitor-aaaa', categories: { essential: true, analytics: false }, services: { plausible: false } }, { 'x-region': 'US-CA' })
    await post('2026-11-22T10:00:00.000Z', { method: 'custom', consentId: 'visitor-bbbb', categories: { essential: true, analytics: false } }, { 'x-region': 'US' })
    await post('2026-11-22T12:00:00.000Z', { method: 'withdraw', consentId: 'visitor-bbbb', categories: { essential: true, analytics: false } })
    await post('2026-11-22T13:00:00.000Z', { method: 'gpc', consentId: 'visitor-cccc', gpc: true, categories: { essential: true, analytics: false } }, { 'x-region': 'FR', 'sec-gpc': '1' })
    // api with a partial choice: the category left out is neither granted nor denied.
    await post('2026-11-22T14:00:00.000Z', { method: 'api', consentId: 'visitor-cccc', categories: { analytics: true }, services: {} }, { 'x-region': 'us-ny' })
    // accept-all while the browser sends GPC.
    await post('2026-11-22T23:59:59.999Z', { method: 'accept-all', consentId: 'visitor-dddd' }, { 'sec-gpc': '1' })
    // Revision 2: analytics removed, marketing added.
    t.clock.now = Date.parse('2026-11-23T08:00:00.000Z')
    owner = await signIn(t, 'owner@acme.test', 'owner password 1')
    const state = (await (await owner.request('/api/admin/sites/acme/catalogue')).json()) as { draft: { categories: { id: string }[]; services: unknown[]; entries: { category: string }[] } }
    const draft = {
      ...state.draft,
      categories: [...state.draft.categories.filter((c) => c.id !== 'analytics'), { id: 'marketing', label: { en: 'Marketing' } }],
      services: [],
      entries: state.draft.entries.filter((e) => e.category !== 'analytics'),
    }
    expect((await owner.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: draft }))).status).toBe(200)
    expect((await owner.request('/api/admin/sites/acme/publish', send('POST', {}))).status).toBe(201)
    await post('2026-11-23T09:00:00.000Z', { revision: 2, method: 'accept-all', consentId: 'visitor-eeee', categories: { essential: true, marketing: true }, services: {} }, { 'x-region': 'DE' })
    await post('2026-11-23T09:30:00.000Z', { revision: 2, method: 'reject-all', consentId: 'visitor-ffff', categories: { essential: true, marketing: false }, services: {} }, { 'x-region': 'DE' })
    // A record of revision 1 arriving after revision 2 (an old tab).
    await post('2026-11-23T10:00:00.000Z', { revision: 1, method: 'custom', consentId: 'visitor-gggg', categories: { essential: true, analytics: true } })
    // Erase visitor-aaaa: their records become tombstones, still counted. Within the margin after
    // 2026-11-23 ended: the 21st and 22nd are rolled up, the 23rd is counted from the log.
    t.clock.now = Date.parse('2026-11-24T00:01:00.000Z')
    owner = await signIn(t, 'owner@acme.test', 'owner password 1')
    expect((await owner.request('/api/admin/sites/acme/subjects/visitor-aaaa', { method: 'DELETE' })).status).toBe(200)
  })
  afterAll(() => t.close())

  const CASES: [query: string, where: string, params: string[]][] = [
    ['', '', []],
    ['?from=2026-11-22', 'AND server_time >= ?', ['2026-11-22T00:00:00.000Z']],
    ['?to=2026-11-21', 'AND server_time < ?', ['2026-11-22T00:00:00.000Z']],
    ['?from=2026-11-22&to=2026-11-22', 'AND server_time >= ? AND server_time < ?', ['2026-11-22T00:00:00.000Z', '2026-11-23T00:00:00.000Z']],
    [`?from=${encodeURIComponent('2026-11-22T01:00:00+01:00')}`, 'AND server_time >= ?', ['2026-11-22T00:00:00.000Z']],
    [`?to=${encodeURIComponent('2026-11-22T00:59:59.999+01:00')}`, 'AND server_time <= ?', ['2026-11-21T23:59:59.999Z']],
    // Mid-day on both sides, across rolled-up days and the open one.
    [`?from=${encodeURIComponent('2026-11-21T23:59:59.999Z')}&to=${encodeURIComponent('2026-11-23T09:15:00+00:00')}`, 'AND server_time >= ? AND server_time <= ?', ['2026-11-21T23:59:59.999Z', '2026-11-23T09:15:00.000Z']],
    [`?from=${encodeURIComponent('2026-11-22T11:00:00Z')}&to=2026-11-23`, 'AND server_time >= ? AND server_time < ?', ['2026-11-22T11:00:00.000Z', '2026-11-24T00:00:00.000Z']],
    ['?region=US', "AND (region = 'US' OR region LIKE 'US-%')", []],
    ['?region=US-CA', "AND region = 'US-CA'", []],
    ['?region=unknown', 'AND region IS NULL', []],
    ['?method=gpc', "AND method = 'gpc'", []],
    ['?method=accept-all&region=DE&revision=1', "AND method = 'accept-all' AND region = 'DE' AND revision = 1", []],
    ['?revision=1', 'AND revision = 1', []],
    ['?revision=2&from=2026-11-22', "AND revision = 2 AND server_time >= '2026-11-22'", []],
    ['?consentId=visitor-cccc', "AND consent_id = 'visitor-cccc'", []],
    // The erased visitor's records are found under no consentId, and still counted everywhere else.
    ['?consentId=visitor-aaaa', "AND consent_id = 'visitor-aaaa'", []],
  ]

  for (const [q, where, params] of CASES) {
    it(`filter ${q || '(none)'}: the same numbers as the rows, rolled up or not, and the listing's count`, async () => {
      t.clock.now = Date.parse('2026-11-24T00:01:00.000Z')
      const e = expected(rowsWhere(where, params))
      const f = Object.fromEntries(new URLSearchParams(q)) as ConsentLogFilters
      // Through the route (its thread rolls up the 21st and 22nd), then once every day has ended.
      expect(await stats(q), q).toEqual(e)
      if (!f.consentId) expect(rolledDays()).toEqual(['2026-11-21', '2026-11-22'])
      expect(fromRecords(f), q).toEqual(e)
      t.clock.now = Date.parse('2026-11-24T00:00:00.000Z') + CLOSED_DAY_MARGIN_MS
      expect(rolled().stats('acme', f), q).toEqual(e)
      t.db.$client.exec("DELETE FROM stats_rollups WHERE day = '2026-11-23'")
      const page = (await (await owner.request(`/api/admin/sites/acme/consents${q}`)).json()) as { total: number }
      expect(page.total, q).toBe(e.perDay.reduce((n, d) => n + d.total, 0))
    })
  }

  it('answers a site without records with empty tables', async () => {
    await addUser(t.db, 'n@notice.test', 'notice password 1', { 'notice-only': 'owner' })
    const n = await signIn(t, 'n@notice.test', 'notice password 1')
    const res = await n.request('/api/admin/sites/notice-only/stats')
    expect(await res.json()).toEqual({ perDay: [], perCategory: [], perRegion: [], perRevision: [], unreadableCategories: 0 })
  })
})

describe('rollups of closed days', () => {
  const DAY = 86_400_000
  const METHODS = ['accept-all', 'reject-all', 'custom', 'withdraw', 'gpc', 'api'] as const
  const REGIONS = ['DE', 'US', 'US-CA', 'US-NY', 'FR', null] as const

  /** Appends a record stamped `at`, its fields varied by `i`. */
  const append = (at: number, i: number, siteId = 'acme') => {
    t.clock.now = at
    return t.consentLog.append({
      siteId, recordId: randomUUID(), consentId: `visitor-${String(i % 7).padStart(4, '0')}`, revision: 1 + (i % 3 === 0 ? 1 : 0),
      textsHash: null, categories: i % 11 === 0 ? { analytics: true } : { essential: true, analytics: i % 2 === 0, marketing: i % 5 === 0 }, services: {},
      method: METHODS[i % METHODS.length]!, region: REGIONS[i % REGIONS.length]!, mode: i % 4 === 0 ? 'opt-out' : 'opt-in', language: 'en',
      url: 'https://acme.test/', userAgent: null, ip: null, gpc: false, clientTime: new Date(at).toISOString(),
    })
  }

  beforeEach(async () => {
    t = startTestServer()
    // From the last millisecond of 2026-11-17 to today, the 23rd, 15:00: a record every 97 minutes,
    // and at midnight and a millisecond before it.
    const start = Date.parse('2026-11-18T00:00:00.000Z')
    const times: number[] = []
    for (let at = start - 1; at < start + 5 * DAY + 15 * 3_600_000; at += 97 * 60_000) times.push(at)
    times.push(Date.parse('2026-11-20T00:00:00.000Z'), Date.parse('2026-11-20T23:59:59.999Z'), Date.parse('2026-11-21T00:00:00.000Z'))
    for (const [i, at] of times.sort((a, b) => a - b).entries()) await append(at, i)
    await t.consentLog.written()
    t.clock.now = Date.parse('2026-11-23T15:00:00.000Z')
  })
  afterEach(() => t.close())

  const PERIODS: ConsentLogFilters[] = [
    {},
    { from: '2026-11-19' },
    { to: '2026-11-21' },
    { from: '2026-11-19', to: '2026-11-21' },
    { from: '2026-11-19T05:00:00Z', to: '2026-11-21T19:00:00Z' },
    { from: '2026-11-20T00:00:00.0001Z', to: '2026-11-20T23:59:59.999Z' },
    { from: '2026-11-19T22:30:00-03:00', to: '2026-11-23T10:00:00+02:00' },
    { from: '2026-11-21T12:00:00Z' },
    { to: '2026-11-23T12:00:00Z' },
    { from: '2026-11-23' },
    { from: '2026-11-20T10:00:00Z', to: '2026-11-20T11:00:00Z' },
    { from: '2026-11-25' },
  ]
  const FILTERS: ConsentLogFilters[] = [
    {},
    { method: 'custom' },
    { region: 'US' },
    { region: 'US-CA' },
    { region: 'unknown' },
    { revision: 2 },
    { method: 'accept-all', region: 'DE', revision: 1 },
    { method: 'gpc', region: 'US' },
  ]

  it('counts every filter the same from the rollups as from the records, across the edges of the period and today', () => {
    // Unreadable categories, edited by hand before any day was rolled up.
    t.db.$client.exec(`UPDATE consent_records SET categories = '{"analytics": tru' WHERE seq IN (3, 40)`)
    const service = rolled()
    for (const period of PERIODS) {
      for (const filters of FILTERS) {
        const f = { ...period, ...filters }
        expect(service.stats('acme', f), JSON.stringify(f)).toEqual(fromRecords(f))
      }
    }
    expect(service.stats('acme', {}).unreadableCategories).toBe(2)
    // Every closed day rolled up, today not.
    expect(rolledDays()).toEqual(['2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22'])
  })

  it('rolls up a day once it has ended, with a margin for records still being committed, and counts today from the log', async () => {
    const service = rolled()
    t.clock.now = Date.parse('2026-11-23T00:00:00.000Z') + CLOSED_DAY_MARGIN_MS - 1
    const before = service.stats('acme', {})
    expect(rolledDays()).not.toContain('2026-11-22')
    expect(rolledDays()).toContain('2026-11-21')
    // A record of the 22nd still being committed at that time is counted.
    t.clock.now = Date.parse('2026-11-22T23:59:59.999Z')
    await append(t.clock.now, 1)
    await t.consentLog.written()
    t.clock.now = Date.parse('2026-11-23T00:00:00.000Z') + CLOSED_DAY_MARGIN_MS
    const after = service.stats('acme', {})
    expect(after.perDay.find((d) => d.day === '2026-11-22')!.total).toBe(before.perDay.find((d) => d.day === '2026-11-22')!.total + 1)
    expect(rolledDays()).toContain('2026-11-22')
    expect(after).toEqual(fromRecords())
    // Today's records are counted as they arrive.
    t.clock.now = Date.parse('2026-11-23T15:30:00.000Z')
    await append(t.clock.now, 2)
    await t.consentLog.written()
    expect(service.stats('acme', {}).perDay.at(-1)).toEqual(fromRecords().perDay.at(-1))
    expect(rolledDays()).not.toContain('2026-11-23')
  })

  /** The records the filters select, as the statistics count them from the records. */
  const counted = (f: ConsentLogFilters) => fromRecords(f).perRevision.reduce((n, r) => n + r.total, 0)

  it('rolls up every closed day in the background, in a statistics thread, and the listing counts them from there', async () => {
    const listed = (f: ConsentLogFilters) => t.consentLog.list('acme', { ...f, limit: 1 }).total
    const before = FILTERS.map((f) => listed(f))
    const rollups = startRollups(t.db, { logger: silentLogger, now: () => t.clock.now, firstAfterMs: 0, everyMs: 3_600_000 })
    try {
      await rollups.run()
      expect(rolledDays()).toEqual(['2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22'])
      // The listing's totals, now from the rollups and today's records, are the records' counts.
      expect(FILTERS.map((f) => listed(f))).toEqual(before)
      expect(FILTERS.map((f) => listed(f))).toEqual(FILTERS.map((f) => counted(f)))
      // A rollup changed by hand shows in the listing's total: it is read, not the log's closed days.
      const edited = t.db.$client
        .prepare("UPDATE stats_rollups SET records = records + 1000 WHERE site_id = 'acme' AND day = '2026-11-19' AND category IS NULL AND method = 'custom'")
        .run().changes
      expect(edited).toBeGreaterThan(0)
      expect(listed({ method: 'custom' })).toBe(counted({ method: 'custom' }) + 1000 * edited)
    } finally {
      await rollups.stop()
    }
  })

  it('rolls up the other sites when one fails, says which, and rolls that one up at a later run', async () => {
    for (const [i, at] of ['2026-11-20T08:00:00Z', '2026-11-21T09:00:00Z', '2026-11-23T10:00:00Z'].entries()) await append(Date.parse(at), i, 'notice-only')
    await t.consentLog.written()
    t.clock.now = Date.parse('2026-11-23T15:00:00.000Z')
    t.db.$client.exec(`CREATE TRIGGER refuse_acme BEFORE INSERT ON stats_rollups WHEN NEW.site_id = 'acme' BEGIN SELECT RAISE(ABORT, 'refused for the test'); END`)
    const warnings: unknown[] = []
    const logger = { ...silentLogger, warn: (msg: string, fields?: Record<string, unknown>) => void warnings.push({ msg, ...fields }) }
    const rollups = startRollups(t.db, { logger, now: () => t.clock.now, firstAfterMs: 60_000 })
    try {
      await rollups.run()
      const rolledOf = (site: string) => t.db.$client.prepare('SELECT DISTINCT day FROM stats_rollups WHERE site_id = ? ORDER BY day').pluck().all(site)
      expect(rolledOf('notice-only')).toEqual(['2026-11-20', '2026-11-21'])
      expect(rolledOf('acme')).toEqual([])
      expect(warnings).toEqual([{ msg: 'statistics rollups failed', siteId: 'acme', error: expect.stringContaining('refused for the test') }])
      t.db.$client.exec('DROP TRIGGER refuse_acme')
      await rollups.run()
      expect(rolledOf('acme')).toHaveLength(6)
    } finally {
      await rollups.stop()
    }
  })

  it('runs soon after a listing counted closed days from the log, and not again within the gap', async () => {
    const rollups = startRollups(t.db, { logger: silentLogger, now: () => t.clock.now, firstAfterMs: 3_600_000, soonGapMs: 3_600_000 })
    // Whether each ask started a run.
    const asked: boolean[] = []
    const log = new ConsentLog(t.db, { now: () => t.clock.now, unrolledDays: () => void asked.push(rollups.runSoon()) })
    try {
      // In the listing's thread, as the server reads it: no day is rolled up yet.
      expect((await log.listInThread('acme', { method: 'custom', limit: 1 })).total).toBe(counted({ method: 'custom' }))
      expect(asked).toEqual([true])
      // The run it started (or, were it over, another): every closed day is rolled up after it.
      await rollups.run()
      expect(rolledDays()).toHaveLength(6)
      // A listing that finds every closed day rolled up asks for nothing; today is counted from the log.
      expect((await log.listInThread('acme', { limit: 1 })).total).toBe(counted({}))
      expect(asked).toEqual([true])
      // Within the gap a listing's ask starts no run: a day that cannot be rolled up starts no thread per listing.
      t.db.$client.exec('DELETE FROM stats_rollups')
      expect(log.list('acme', { limit: 1 }).total).toBe(counted({}))
      expect(asked).toEqual([true, false])
      expect(rolledDays()).toEqual([])
    } finally {
      await rollups.stop()
      await log.close()
    }
  })

  it('rolls up nothing once stopped', async () => {
    const rollups = startRollups(t.db, { logger: silentLogger, now: () => t.clock.now, firstAfterMs: 60_000 })
    await rollups.stop()
    await rollups.run()
    expect(rolledDays()).toEqual([])
  })

  it('rolls a day up once when views ask at the same time, each in its thread', async () => {
    const service = rolled()
    const answers = await Promise.all([service.statsInThread('acme', {}), service.statsInThread('acme', { method: 'custom' }), service.statsInThread('acme', { from: '2026-11-19' })])
    expect(answers).toEqual([fromRecords(), fromRecords({ method: 'custom' }), fromRecords({ from: '2026-11-19' })])
    const perDay = t.db.$client.prepare("SELECT day, sum(records) AS n FROM stats_rollups WHERE category IS NULL GROUP BY day ORDER BY day").all()
    const recorded = t.db.$client.prepare("SELECT substr(server_time, 1, 10) AS day, count(*) AS n FROM consent_records WHERE site_id = 'acme' AND server_time < '2026-11-23' GROUP BY day ORDER BY day").all()
    expect(perDay).toEqual(recorded)
  })

  it('counts erased records as before: an erasure keeps their categories, method and region', async () => {
    await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
    const owner = await signIn(t, 'owner@acme.test', 'owner password 1')
    const before = rolled().stats('acme', {})
    expect(rolledDays()).toHaveLength(6)
    expect((await owner.request('/api/admin/sites/acme/subjects/visitor-0003', { method: 'DELETE' })).status).toBe(200)
    expect((t.db.$client.prepare('SELECT count(*) AS n FROM consent_records WHERE erased_at IS NOT NULL').get() as { n: number }).n).toBeGreaterThan(5)
    expect(rolled().stats('acme', {})).toEqual(before)
    expect(fromRecords()).toEqual(before)
  })

  it('counts from the log what it cannot roll up, the database being read-only', () => {
    const readOnly = new Database(t.file, { readonly: true })
    try {
      const service = new ConsentStatsService({ $client: readOnly }, { now: () => t.clock.now })
      expect(service.stats('acme', { region: 'US' })).toEqual(fromRecords({ region: 'US' }))
      expect(rolledDays()).toEqual([])
    } finally {
      readOnly.close()
    }
  })

  it("inserts nothing of days counted before a purge deleted records of them, and counts them from the log", () => {
    const c = t.db.$client
    const counted = countStretch(c, 'acme', { lo: '2026-11-18', hi: '2026-11-21' })
    expect(counted.days.map((d) => d.day)).toEqual(['2026-11-18', '2026-11-19', '2026-11-20'])
    // Retention purges the records before 2026-11-19T12:00 meanwhile (5 days' retention on the 24th).
    purgeSite(t.db, 'acme', 5, Date.parse('2026-11-24T12:00:00.000Z'))
    expect(writeStretch(c, 'acme', counted)).toBe(false)
    expect(rolledDays()).toEqual([])
    // Counted from the remaining records, the 19th rolled up again from them.
    const service = rolled()
    expect(service.stats('acme', {})).toEqual(fromRecords())
    expect(service.stats('acme', {}).perDay[0]).toMatchObject({ day: '2026-11-19' })
    expect(rolledDays()[0]).toBe('2026-11-19')
    // Unchanged since it was counted: inserted.
    c.exec("DELETE FROM stats_rollups WHERE day = '2026-11-20'")
    expect(writeStretch(c, 'acme', countStretch(c, 'acme', { lo: '2026-11-20', hi: '2026-11-21' }))).toBe(true)
    expect(service.stats('acme', {})).toEqual(fromRecords())
  })
})

describe('migration 0012', () => {
  it("gives a database with a log statistics rolled up from its records at the first view", () => {
    afterUpgradeFrom(
      11,
      (before) => generateRecords(before, 'acme', 2000, { now: Date.parse('2026-11-22T12:00:00Z'), spanDays: 20 }),
      (db) => {
        const now = () => Date.parse('2026-11-22T12:00:00Z')
        const stats = new ConsentStatsService(db, { now }).stats('acme', {})
        expect(stats).toEqual(new ConsentStatsService(db, { rollups: false }).stats('acme', {}))
        expect(stats.perDay.reduce((n, d) => n + d.total, 0)).toBe(2000)
        expect(db.$client.prepare('SELECT count(DISTINCT day) AS n FROM stats_rollups').get()).toEqual({ n: 20 })
      },
    )
  })
})
