// What an older MiniConsent writes after a rollback, or someone writes by hand, in the tables this
// version keeps beside the log: the statistics' rollups and the purge anchor's signature.
import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../test-support'
import { purgeSite } from './retention'
import { ConsentStatsService } from './stats'
import { ANCHOR_COLUMNS, signAnchor, storedGeneratedKey, type AnchorRow } from './stored-signatures'

let t: TestServer
const fromRecords = () => new ConsentStatsService(t.db, { rollups: false }).stats('acme', {})
const rolled = () => new ConsentStatsService(t.db, { now: () => t.clock.now }).stats('acme', {})
const total = (s: { perDay: { total: number }[] }) => s.perDay.reduce((n, d) => n + d.total, 0)
const sql = (text: string, ...params: unknown[]) => t.db.$client.prepare(text).run(...params)

beforeEach(async () => {
  t = startTestServer()
  // One record an hour for 10 days, from 2026-11-10.
  const start = Date.parse('2026-11-10T00:00:00.000Z')
  for (let i = 0; i < 240; i++) {
    t.clock.now = start + i * 3_600_000
    void t.consentLog.append({
      siteId: 'acme', recordId: randomUUID(), consentId: `visitor-${i}`, revision: 1, textsHash: null,
      categories: { essential: true, analytics: i % 2 === 0 }, services: {}, method: 'accept-all', region: 'DE', mode: 'opt-in',
      language: 'en', url: 'https://acme.test/', userAgent: null, ip: null, gpc: false, clientTime: new Date(t.clock.now).toISOString(),
    })
  }
  await t.consentLog.written()
  t.clock.now = Date.parse('2026-11-23T15:00:00.000Z')
})
afterEach(() => t.close())

/** A purge as a version before the rollups (or a hand) makes it: the records, then the anchor, nothing else. */
function purgedByOlderVersion(throughSeq: number, upsert: boolean) {
  const { hash } = t.db.$client.prepare("SELECT hash FROM consent_records WHERE site_id = 'acme' AND seq = ?").get(throughSeq) as { hash: string }
  const n = sql("DELETE FROM consent_records WHERE site_id = 'acme' AND seq <= ?", throughSeq).changes
  sql(
    `INSERT INTO chain_anchors (site_id, seq, hash, purged_count, purged_at) VALUES ('acme', ?, ?, ?, ?)
     ${upsert ? 'ON CONFLICT (site_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, purged_count = chain_anchors.purged_count + excluded.purged_count' : ''}`,
    throughSeq, hash, n, t.clock.now,
  )
}

it('counts no record that a version before the rollups purged after a rollback, whether it wrote or moved the anchor', () => {
  expect(total(rolled())).toBe(240)
  // 2026-11-10 and 11 whole, and half of the 12th: the day it cut into is counted from the log again.
  purgedByOlderVersion(60, false)
  expect(rolled()).toEqual(fromRecords())
  expect(total(rolled())).toBe(180)
  purgedByOlderVersion(100, true)
  expect(rolled()).toEqual(fromRecords())
  expect(total(rolled())).toBe(140)
})

it('does not sign, by moving it on, a purge anchor this server did not sign', () => {
  // The oldest 30 records deleted by hand, and an anchor written for them: verify reports it.
  purgedByOlderVersion(30, false)
  const unsigned = t.consentLog.verify('acme')
  expect(unsigned.firstBad?.reason).toContain('bears no signature of this server')
  // Retention's next purge (10 days on 2026-11-21 at noon: records 31 to 36 expire) moves it on…
  expect(purgeSite(t.db, 'acme', 10, Date.parse('2026-11-21T12:00:00.000Z')).purged).toBe(6)
  // …and leaves it unsigned: verify goes on reporting it, instead of taking it for the server's.
  expect(t.consentLog.verify('acme').firstBad?.reason).toContain('bears no signature of this server')
})

it('takes an anchor a version before 0.9.23 moved and signed after a rollback, its retention then unknown, until a purge of this version moves it', () => {
  // This version purges under a retention of 10 days (2026-11-21 at noon: records 1 to 36), and signs the anchor with it.
  expect(purgeSite(t.db, 'acme', 10, Date.parse('2026-11-21T12:00:00.000Z')).purged).toBe(36)
  expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, anchor: { seq: 36, retentionDays: 10 } })
  // Rolled back to 0.9.22, whose purge (records 37 to 50) moves the anchor as its code did: it
  // leaves retention_days as it was, and signs the anchor without it.
  t.clock.now = Date.parse('2026-11-22T03:00:00.000Z')
  purgedByOlderVersion(50, true)
  sql("UPDATE chain_anchors SET purged_at = ?, signature = NULL WHERE site_id = 'acme'", t.clock.now)
  const moved = t.db.$client.prepare(`SELECT ${ANCHOR_COLUMNS} FROM chain_anchors WHERE site_id = 'acme'`).get() as AnchorRow
  sql("UPDATE chain_anchors SET signature = ? WHERE site_id = 'acme'", signAnchor(moved, storedGeneratedKey(t.db.$client)!))
  // Back on this version: a purge of this server's, by a retention verify no longer names.
  const verified = t.consentLog.verify('acme')
  expect(verified).toMatchObject({ ok: true, anchor: { seq: 50, purgedCount: 50 } })
  expect(verified.anchor).not.toHaveProperty('retentionDays')
  // The next purge takes the anchor over, and signs it with the retention it acted on.
  expect(purgeSite(t.db, 'acme', 9, Date.parse('2026-11-23T12:00:00.000Z')).purged).toBe(58)
  expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, anchor: { seq: 108, purgedCount: 108, retentionDays: 9 } })
})

it('names the retention among what was edited when an anchor signed with it no longer matches', () => {
  purgeSite(t.db, 'acme', 10, Date.parse('2026-11-21T12:00:00.000Z'))
  sql("UPDATE chain_anchors SET retention_days = 3 WHERE site_id = 'acme'")
  expect(t.consentLog.verify('acme').firstBad).toEqual({
    seq: 36,
    reason: 'the purge anchor at seq 36 does not match its signature: it was edited (its seq, hash, count, time or retention)',
  })
})
