// A record stamped into a day whose statistics are already rolled up: the server's clock stepped
// back past midnight (an NTP correction, a restored VM) after a view rolled the day up.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { consentStats } from '@miniconsent/shared'
import { addUser, consentBody, json, signIn, startTestServer, type TestServer } from '../test-support'
import { ConsentStatsService } from './stats'
import { countStretch, writeStretch } from './stats-rollups'

let t: TestServer
let visitor = 0

beforeEach(async () => {
  t = startTestServer()
  await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
})
afterEach(() => t.close())

/** A record posted with the clock at `at`, each from its own address (the rate limit's buckets go by the same clock). */
async function postAt(at: string) {
  t.clock.now = Date.parse(at)
  expect((await t.request('/api/v1/consents', json(consentBody()), `192.0.2.${++visitor}`)).status).toBe(201)
}

async function perDay() {
  const owner = await signIn(t, 'owner@acme.test', 'owner password 1')
  const res = await owner.request('/api/admin/sites/acme/stats')
  expect(res.status).toBe(200)
  const stats = consentStats.strict().parse(await res.json())
  // Whatever the rollups hold, the statistics are those of the log itself.
  expect(stats).toEqual(new ConsentStatsService(t.db, { rollups: false }).stats('acme', {}))
  return stats.perDay.map((d) => [d.day, d.total])
}

const rolledDays = () => t.db.$client.prepare("SELECT DISTINCT day FROM stats_rollups WHERE site_id = 'acme' ORDER BY day").pluck().all()

describe('a record stamped into a rolled-up day', () => {
  it('is counted: its day is rolled up again from the log', async () => {
    await postAt('2026-11-22T23:50:00.000Z')
    await postAt('2026-11-23T00:10:00.000Z')
    // Past the closing margin: the view rolls the 22nd up.
    expect(await perDay()).toEqual([
      ['2026-11-22', 1],
      ['2026-11-23', 1],
    ])
    expect(rolledDays()).toEqual(['2026-11-22'])
    // The clock steps back an hour: the record is stamped into the 22nd, whose rollups go.
    await postAt('2026-11-22T23:10:00.000Z')
    expect(rolledDays()).toEqual([])
    t.clock.now = Date.parse('2026-11-23T01:00:00.000Z')
    expect(await perDay()).toEqual([
      ['2026-11-22', 2],
      ['2026-11-23', 1],
    ])
    // Rolled up again, with the record.
    expect(rolledDays()).toEqual(['2026-11-22'])
    expect(t.db.$client.prepare("SELECT records FROM stats_rollups WHERE site_id = 'acme' AND day = '2026-11-22' AND category IS NULL").pluck().all()).toEqual([2])
  })

  it('keeps the closed days rolled up when records arrive on the day that is open', async () => {
    await postAt('2026-11-21T12:00:00.000Z')
    await postAt('2026-11-22T12:00:00.000Z')
    await postAt('2026-11-23T00:10:00.000Z')
    await perDay()
    expect(rolledDays()).toEqual(['2026-11-21', '2026-11-22'])
    await postAt('2026-11-23T00:20:00.000Z')
    expect(rolledDays()).toEqual(['2026-11-21', '2026-11-22'])
    expect(await perDay()).toEqual([
      ['2026-11-21', 1],
      ['2026-11-22', 1],
      ['2026-11-23', 2],
    ])
  })

  it('is counted when it arrives while its day is being rolled up: that rollup is not written', async () => {
    await postAt('2026-11-22T23:50:00.000Z')
    await postAt('2026-11-23T00:10:00.000Z')
    // A statistics thread has counted the 22nd; before it writes the rollups, a record is stamped there.
    const counted = countStretch(t.db.$client, 'acme', { lo: '2026-11-22', hi: '2026-11-23' })
    expect(counted.days.map((d) => d.day)).toEqual(['2026-11-22'])
    await postAt('2026-11-22T23:10:00.000Z')
    expect(writeStretch(t.db.$client, 'acme', counted)).toBe(false)
    expect(rolledDays()).toEqual([])
    t.clock.now = Date.parse('2026-11-23T01:00:00.000Z')
    expect(await perDay()).toEqual([
      ['2026-11-22', 2],
      ['2026-11-23', 1],
    ])
  })

  it('leaves a counted stretch to be written when only the open day got records since', async () => {
    await postAt('2026-11-22T23:50:00.000Z')
    await postAt('2026-11-23T00:10:00.000Z')
    const counted = countStretch(t.db.$client, 'acme', { lo: '2026-11-22', hi: '2026-11-23' })
    await postAt('2026-11-23T00:20:00.000Z')
    expect(writeStretch(t.db.$client, 'acme', counted)).toBe(true)
    expect(rolledDays()).toEqual(['2026-11-22'])
  })
})
