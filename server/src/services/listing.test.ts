// The consent log's listing: every filter's pages and total are exactly the records it selects,
// read in a worker thread as the server reads them, before any statistics' rollups exist, with
// those of some days and with those of every closed day (the totals count closed days from them);
// and each query walks the index chosen for it (the planner's own choice, without statistics,
// read large logs at random or sorted whole periods).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ConsentLogFilters, ConsentRecord } from '@miniconsent/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase, type Db } from '../db/client'
import { seedSites } from '../seed/seed'
import { ACME, NOTICE_ONLY } from '../test-support'
import { ConsentLog, type NewConsentRecord } from './consent-log'
import type { Query } from './listing-queries'
import { ConsentStatsService } from './stats'

let dir: string
let db: Db
let log: ConsentLog
let all: ConsentRecord[]

const DAY = 86_400_000
const START = Date.UTC(2026, 9, 1)
/** Server times: a day apart, except that the clock steps back two days at record 20 (a corrected clock). */
const stamp = (i: number) => START + i * DAY - (i >= 20 ? 2.5 * DAY : 0)

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'miniconsent-listing-'))
  db = openDatabase(join(dir, 'log.sqlite'))
  seedSites(db, [ACME, NOTICE_ONLY], { now: START })
  let i = 0
  log = new ConsentLog(db, { now: () => stamp(i) })
  const methods = ['accept-all', 'reject-all', 'custom', 'withdraw', 'gpc'] as const
  const regions = ['DE', 'US-CA', null, 'US', 'FR'] as const
  for (i = 0; i < 40; i++) {
    const record: NewConsentRecord = {
      siteId: i % 7 === 3 ? 'notice-only' : 'acme',
      recordId: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
      // Visitor 1 comes back far apart in the log.
      consentId: i % 10 === 1 ? 'visitor-1' : `visitor-${i}`,
      revision: 1,
      textsHash: null,
      categories: { essential: true, analytics: i % 2 === 0 },
      services: {},
      method: methods[i % 5]!,
      region: regions[i % 5]!,
      mode: 'opt-in',
      language: 'en',
      url: 'https://acme.test/',
      userAgent: 'test',
      ip: '203.0.113.0',
      gpc: i % 5 === 4,
      clientTime: new Date(stamp(i)).toISOString(),
    }
    await log.append(record).then(undefined, () => undefined)
    log.flush()
  }
  // The clock as the listing reads it: the day of the last record, 39, is not over.
  i = 39
  all = log.list('acme', { limit: 500 }).records
})
afterAll(async () => {
  await log.close()
  db.$client.close()
  rmSync(dir, { recursive: true, force: true })
})

const day = (i: number) => new Date(START + i * DAY).toISOString().slice(0, 10)

const iso = (t: string) => new Date(Date.parse(t)).toISOString()

/** What a filter selects, by reading every record: the reference the listing must match. A bound is a day or a UTC date-time. */
function selected(f: ConsentLogFilters): ConsentRecord[] {
  return all.filter(
    (r) =>
      (f.from === undefined || r.serverTime >= (f.from.includes('T') ? iso(f.from) : `${f.from}T00:00:00.000Z`)) &&
      (f.to === undefined || (f.to.includes('T') ? r.serverTime <= iso(f.to) : r.serverTime < new Date(Date.parse(f.to) + DAY).toISOString())) &&
      (f.consentId === undefined || r.consentId === f.consentId) &&
      (f.method === undefined || r.method === f.method) &&
      (f.region === undefined || (f.region === 'unknown' ? r.region === null : r.region === f.region || (r.region ?? '').startsWith(`${f.region}-`))) &&
      (f.revision === undefined || r.revision === f.revision),
  )
}

const FILTERS: ConsentLogFilters[] = [
  {},
  { method: 'withdraw' },
  { region: 'US' },
  { region: 'unknown' },
  { revision: 1 },
  { revision: 2 },
  { consentId: 'visitor-1' },
  { consentId: 'visitor-1', method: 'reject-all' },
  { from: day(10) },
  { to: day(12) },
  // Across the clock's step back: records 20–22 are stamped before record 19.
  { from: day(17), to: day(19) },
  { from: day(18), method: 'custom' },
  { from: day(5), to: day(30), region: 'DE' },
  { from: day(100) },
  { consentId: 'visitor-1', from: day(15) },
  // Partial first and last days, counted from the log around the whole days between.
  { from: `${day(8)}T13:00:00Z`, to: `${day(27)}T11:59:59.999Z` },
  { from: `${day(3)}T06:00:00Z`, method: 'accept-all' },
  { to: `${day(25)}T12:00:00Z`, region: 'DE' },
]

/** Page sizes, each read here or, as the server reads it, in the thread (each page starts one). */
type PageSizes = readonly (readonly [limit: number, threaded: boolean])[]
const EVERY_SIZE: PageSizes = [[1, false], [3, false], [50, false], [8, true]]
/** Once the paging is checked, the totals: one page in the thread, a few here. */
const TOTALS: PageSizes = [[3, false], [50, true]]

/** Each stage adds rollups: the listing must count the same with them as without. */
const STAGES = [
  ['before any statistics view', () => undefined, EVERY_SIZE],
  // A view of days 5 to 15 rolls up those days alone.
  ['with the rollups of some days', () => void new ConsentStatsService(db, { now: () => stamp(39) }).stats('acme', { from: day(5), to: day(15) }), TOTALS],
  ['with the rollups of every closed day', () => void new ConsentStatsService(db, { now: () => stamp(39) }).stats('acme', {}), TOTALS],
] as const

describe.each(STAGES)('the consent log listing, %s', (_stage, roll, sizes) => {
  beforeAll(roll)

  it.each(FILTERS.map((f) => [JSON.stringify(f), f] as const))('pages %s exactly, with its total, in the thread as here', async (_name, f) => {
    const expected = selected(f)
    for (const [limit, threaded] of sizes) {
      const seen: ConsentRecord[] = []
      let before: number | undefined
      for (;;) {
        const page = threaded ? await log.listInThread('acme', { ...f, limit, before }) : log.list('acme', { ...f, limit, before })
        expect(page.total).toBe(expected.length)
        seen.push(...page.records)
        if (page.nextBefore === null) break
        before = page.nextBefore
      }
      expect(seen).toEqual(expected)
    }
    // The reference is not empty everywhere: the comparison above could not pass by selecting nothing.
    if (f.revision !== 2 && f.from !== day(100)) expect(expected.length).toBeGreaterThan(0)
  })
})

describe('the consent log listing’s queries', () => {
  const plan = (q: Query | string, params: unknown[] = []) =>
    (db.$client.prepare(`EXPLAIN QUERY PLAN ${typeof q === 'string' ? q : q.sql}`).all(...(typeof q === 'string' ? params : q.params)) as { detail: string }[])
      .map((r) => r.detail)
      .join('; ')
  const namedPlan = (q: string, params: Record<string, unknown>) =>
    (db.$client.prepare(`EXPLAIN QUERY PLAN ${q}`).all(params) as { detail: string }[]).map((r) => r.detail).join('; ')

  it.each([
    ['no filter', {}, 'consent_records_site_seq', 'consent_records_site_time'],
    ['a method', { method: 'withdraw' }, 'consent_records_site_seq', 'consent_records_site_time'],
    ['a region', { region: 'US' }, 'consent_records_site_seq', 'consent_records_site_time'],
    ['a period', { from: day(10), to: day(20) }, 'consent_records_site_seq', 'consent_records_site_time'],
    ['a consentId', { consentId: 'visitor-1' }, 'consent_records_site_consent', 'consent_records_site_consent'],
  ] as const)('walks the index chosen for %s, in seq order but for a visitor’s few records', (_name, f, pageIndex, countIndex) => {
    const p = log.listingPlan('acme', { ...f, limit: 50 })
    const params = [...p.where.params, ...(p.bounds ? [1, 1_000_000] : [])]
    const page = plan(`${p.select} WHERE ${p.where.sql}${p.bounds ? ' AND seq BETWEEN ? AND ?' : ''} ORDER BY seq DESC LIMIT ?`, [...params, 51])
    expect(page).toContain(`INDEX ${pageIndex}`)
    // A page of the whole log or a period is read newest first, never sorted whole.
    if (pageIndex !== 'consent_records_site_consent') expect(page).not.toMatch(/TEMP B-TREE/)
    if (typeof p.count === 'string') expect(plan(`${p.count} WHERE ${p.where.sql}`, p.where.params)).toContain(`INDEX ${countIndex}`)
    else {
      // The closed days' rollups through their index, the rest of the period through the time index.
      const params = { ...p.count.params, lo: '', hi: '' }
      expect(namedPlan(p.count.sql.rolled, params)).toMatch(/USING (COVERING )?INDEX stats_rollups_site_day/)
      for (const counted of [p.count.sql.before, p.count.sql.through]) expect(namedPlan(counted, params)).toContain(`INDEX ${countIndex}`)
    }
    // A period's bounds come from its index alone.
    if (p.bounds) expect(plan(p.bounds)).toMatch(/USING COVERING INDEX consent_records_site_time/)
  })
})
