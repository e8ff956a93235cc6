import { generateKeyPairSync, randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { newSiteInput } from '@miniconsent/shared'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ACME, NOTICE_ONLY, addUser, consentBody, json, retentionWarnings, startTestServer, type TestServer } from '../test-support'
import { runCli } from '../cli'
import { PURGE_BATCH, PURGE_SQL, purgeExpired, purgeSite, startRetention } from './retention'
import { ConsentStatsService } from './stats'
import { createLogger, silentLogger } from '../logger'
import { AuditLog } from './audit'
import { ManifestKeys } from './manifest-keys'
import { signSiteRetention } from './retention-signature'
import { storedGeneratedKey } from './stored-signatures'
import { SiteDirectory, createSite, deleteSite } from './sites'

const DAY = 86_400_000
let t: TestServer

beforeEach(async () => {
  // Acme keeps records 30 days; notice-only keeps the 5-year default.
  t = startTestServer({}, [{ ...ACME, settings: { ...ACME.settings, retentionDays: 30 } }, NOTICE_ONLY])
  for (let i = 0; i < 6; i++) {
    // Records 1–6, ten days apart.
    expect((await t.request('/api/v1/consents', json(consentBody({ consentId: `visitor-${i}xyz` })), `192.0.2.${i}`)).status).toBe(201)
    expect((await t.request('/api/v1/consents', json(consentBody({ siteId: 'notice-only', categories: { essential: true }, services: {} })), `192.0.2.${i}`)).status).toBe(201)
    t.clock.now += 10 * DAY
  }
})
afterEach(() => t.close())

const seqs = (site: string) => (t.db.$client.prepare('SELECT seq FROM consent_records WHERE site_id = ? ORDER BY seq').all(site) as { seq: number }[]).map((r) => r.seq)

/** A manifest of an export that saw acme's log at seq 1 (the purge checks the head it recorded). */
function addManifest(id: string, daysAgo: number) {
  t.db.$client
    .prepare(
      `INSERT INTO export_manifests (id, site_id, format, filters, chain_head_seq, chain_head_hash, created_at)
       VALUES (?, 'acme', 'csv', '{"consentId":"visitor-1xyz"}', 1, (SELECT hash FROM consent_records WHERE site_id = 'acme' AND seq = 1), ?)`,
    )
    .run(id, t.clock.now - daysAgo * DAY)
}

const anchor = () => t.db.$client.prepare("SELECT seq, purged_count FROM chain_anchors WHERE site_id = 'acme'").get()

/** The `after` of every consents.purge audit entry, oldest first. */
const purgeEntries = () =>
  (t.db.$client.prepare("SELECT after FROM audit_log WHERE action = 'consents.purge' ORDER BY id").all() as { after: string }[]).map(
    (r) => JSON.parse(r.after) as Record<string, unknown>,
  )

/** Everything a purge of acme could change. */
const snapshot = () => ({
  records: seqs('acme'),
  anchor: anchor() ?? null,
  audit: t.db.$client.prepare('SELECT id, action FROM audit_log ORDER BY id').all(),
  manifests: t.db.$client.prepare('SELECT id FROM export_manifests ORDER BY id').all(),
})

/** Starts the automatic purge, waits for its first run and stops it. */
async function runRetention(o: Parameters<typeof startRetention>[1]) {
  const retention = startRetention(t.db, o)
  await retention.run()
  await retention.stop()
}

async function cliVerify() {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(['verify', '--site', 'acme', '--db', t.file], { out: (l) => out.push(l), err: (l) => err.push(l), env: {} })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('retention purge', () => {
  it("deletes the site's records older than its retention, oldest first, and leaves other sites alone", async () => {
    // Now is day 60: records of days 0, 10 and 20 are past 30 days; day 30 is exactly at the limit and stays.
    const results = await purgeExpired(t.db, t.clock.now)
    expect(results.find((r) => r.siteId === 'acme')).toMatchObject({ purged: 3 })
    expect(seqs('acme')).toEqual([4, 5, 6])
    expect(seqs('notice-only')).toEqual([1, 2, 3, 4, 5, 6])
    expect((await purgeExpired(t.db, t.clock.now)).find((r) => r.siteId === 'acme')).toMatchObject({ purged: 0 })
  })

  it('keeps the chain verifiable from the anchor, in the admin route and the CLI, and still detects tampering', async () => {
    const head3 = (t.db.$client.prepare("SELECT hash FROM consent_records WHERE site_id = 'acme' AND seq = 3").get() as { hash: string }).hash
    await purgeExpired(t.db, t.clock.now)
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 3, anchor: { seq: 3, hash: head3, purgedCount: 3 } })
    const ok = await cliVerify()
    expect(ok.code).toBe(0)
    expect(ok.out).toMatch(/^OK acme: 3 records, head [a-f0-9]{64}; starting after seq 3 \(3 purged by retention, the last purge under a retention of 30 days\)$/)

    // Deleting the oldest kept record is not a purge: verification names it.
    t.db.$client.prepare("DELETE FROM consent_records WHERE site_id = 'acme' AND seq = 4").run()
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: false, firstBad: { seq: 5, reason: expect.stringContaining('record 4 was deleted') } })
    expect((await cliVerify()).code).toBe(1)
  })

  it('detects a forged anchor', async () => {
    await purgeExpired(t.db, t.clock.now)
    t.db.$client.prepare(`UPDATE chain_anchors SET hash = ? WHERE site_id = 'acme'`).run('0'.repeat(64))
    // Its signature no longer matches (and the first kept record would not link to it either).
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: false, firstBad: { seq: 3, reason: expect.stringContaining('does not match its signature') } })
  })

  it('names the purge anchor when it was deleted, not only the first purged record', async () => {
    await purgeExpired(t.db, t.clock.now)
    t.db.$client.prepare(`DELETE FROM chain_anchors WHERE site_id = 'acme'`).run()
    const reason = 'expected seq 1 but found 4: records 1 to 3 were deleted, or the purge anchor that retention keeps in their place'
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: false, firstBad: { seq: 4, reason } })
    const cli = await cliVerify()
    expect(cli.code).toBe(1)
    expect(cli.err).toContain(reason)
  })

  it('continues the chain after every record was purged', async () => {
    t.clock.now += 100 * DAY
    await purgeExpired(t.db, t.clock.now)
    expect(seqs('acme')).toEqual([])
    expect((await t.request('/api/v1/consents', json(consentBody()), '192.0.2.99')).status).toBe(201)
    expect(seqs('acme')).toEqual([7])
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 1, anchor: { seq: 6, purgedCount: 6 } })
  })

  it('also purges identities and accepted documents past retention', async () => {
    const old = new Date(t.clock.now - 40 * DAY).toISOString()
    const recent = new Date(t.clock.now - DAY).toISOString()
    const insert = t.db.$client.prepare(
      "INSERT INTO consent_identities (record_id, site_id, consent_id, user_id, server_time) VALUES (?, 'acme', 'visitor-0xyz', 'u1', ?)",
    )
    insert.run('id-old', old)
    insert.run('id-recent', recent)
    expect((await purgeExpired(t.db, t.clock.now)).find((r) => r.siteId === 'acme')).toMatchObject({ identities: 1 })
    expect(t.db.$client.prepare('SELECT record_id FROM consent_identities').all()).toEqual([{ record_id: 'id-recent' }])
  })

  it('purges the other sites when one fails, and says which one failed', async () => {
    // Acme, the first site, cannot be read; notice-only now keeps 30 days too.
    t.db.$client.prepare("UPDATE sites SET settings = 'not JSON' WHERE id = 'acme'").run()
    t.db.$client.prepare("UPDATE sites SET settings = json_set(settings, '$.retentionDays', 30) WHERE id = 'notice-only'").run()
    // As the server signs a retention an owner saves: it acts on no other (retention-signature.ts).
    signSiteRetention(t.db.$client, 'notice-only', storedGeneratedKey(t.db.$client)!, t.clock.now)
    const errors: { msg: string; fields?: Record<string, unknown> }[] = []
    const logger = { ...silentLogger, error: (msg: string, fields?: Record<string, unknown>) => void errors.push({ msg, fields }) }
    await runRetention({ logger, now: () => t.clock.now })
    expect(seqs('notice-only')).toEqual([4, 5, 6])
    expect(seqs('acme')).toEqual([1, 2, 3, 4, 5, 6])
    expect(errors).toEqual([{ msg: 'retention purge failed', fields: { siteId: 'acme', err: expect.any(SyntaxError) } }])
  })

  it('purges export manifests past retention with the records, which name who exported and with which filters', async () => {
    addManifest('old', 31)
    addManifest('recent', 29)
    expect((await purgeExpired(t.db, t.clock.now)).find((r) => r.siteId === 'acme')).toMatchObject({ manifests: 1 })
    expect(t.db.$client.prepare('SELECT id FROM export_manifests').all()).toEqual([{ id: 'recent' }])
  })

  it('writes its audit entry in the transaction of the purge: a failed audit entry leaves nothing purged', async () => {
    addManifest('old', 31)
    const before = snapshot()
    const errors: unknown[] = []
    const logger = { ...silentLogger, error: (_: string, fields?: Record<string, unknown>) => void errors.push(fields?.err) }
    const failing = {
      record: () => {
        throw new Error('disk I/O error')
      },
    } as unknown as AuditLog
    await runRetention({ logger, audit: failing, now: () => t.clock.now })
    expect(errors).toEqual([expect.objectContaining({ message: 'disk I/O error' })])
    expect(snapshot()).toEqual(before)
    expect(seqs('acme')).toEqual([1, 2, 3, 4, 5, 6])

    // The same purge with a working audit log: what it removed, and its entry, together.
    await runRetention({ logger: silentLogger, audit: new AuditLog(t.db, () => t.clock.now), now: () => t.clock.now })
    expect(seqs('acme')).toEqual([4, 5, 6])
    // auditEntries: the site's creation, 60 days ago.
    expect(purgeEntries()).toEqual([{ siteId: 'acme', purged: 3, identities: 0, documents: 0, auditEntries: 1, manifests: 1 }])
  })

  it('a purge that fails part-way leaves no audit entry and nothing purged', async () => {
    addManifest('old', 31)
    const before = snapshot()
    // The last deletion of the site's purge fails, after its records were deleted in the same transaction.
    t.db.$client.exec(`CREATE TRIGGER keep_manifests BEFORE DELETE ON export_manifests BEGIN SELECT RAISE(ABORT, 'manifest locked'); END`)
    const failed: unknown[] = []
    const logger = { ...silentLogger, error: (_: string, fields?: Record<string, unknown>) => void failed.push(fields?.siteId) }
    await runRetention({ logger, audit: new AuditLog(t.db, () => t.clock.now), now: () => t.clock.now })
    expect(failed).toEqual(['acme'])
    expect(snapshot()).toEqual(before)
  })

  it('audits each batch of a large purge in the batch’s own transaction, so a failure between batches leaves every deletion audited', async () => {
    // Record 3 cannot be deleted: the first batch (records 1–2) commits with its entry, the second fails whole.
    t.db.$client.exec(`CREATE TRIGGER keep_3 BEFORE DELETE ON consent_records WHEN old.site_id = 'acme' AND old.seq = 3 BEGIN SELECT RAISE(ABORT, 'locked'); END`)
    const audit = new AuditLog(t.db, () => t.clock.now)
    await purgeExpired(t.db, t.clock.now, { audit, batch: 2 })
    expect(seqs('acme')).toEqual([3, 4, 5, 6])
    expect(anchor()).toEqual({ seq: 2, purged_count: 2 })
    expect(purgeEntries()).toEqual([{ siteId: 'acme', purged: 2, identities: 0, documents: 0, auditEntries: 0, manifests: 0 }])

    t.db.$client.exec('DROP TRIGGER keep_3')
    const results = await purgeExpired(t.db, t.clock.now, { audit, batch: 2 })
    expect(results.find((r) => r.siteId === 'acme')).toMatchObject({ purged: 1 })
    expect(seqs('acme')).toEqual([4, 5, 6])
    expect(anchor()).toEqual({ seq: 3, purged_count: 3 })
    expect(purgeEntries().map((e) => e.purged)).toEqual([2, 1])
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 3 })
  })

  it('says so when a record stamped ahead of those after it (a clock stepped back) holds them past retention', async () => {
    t.clock.now += 365 * DAY
    expect((await t.request('/api/v1/consents', json(consentBody({ consentId: 'visitor-aheadxyz' })), '192.0.2.50')).status).toBe(201)
    t.clock.now -= 365 * DAY
    for (let i = 0; i < 2; i++) expect((await t.request('/api/v1/consents', json(consentBody({ consentId: `visitor-back${i}xyz` })), `192.0.2.6${i}`)).status).toBe(201)
    // Day 100: days 0–50 and the two records of day 60 are past 30 days; seq 7 (day 425) is not.
    t.clock.now += 40 * DAY
    const lines: Record<string, unknown>[] = []
    const logger = createLogger('info', (line) => lines.push(JSON.parse(line) as Record<string, unknown>))
    await runRetention({ logger, now: () => t.clock.now, everyMs: 60_000 })
    expect(seqs('acme')).toEqual([7, 8, 9])
    expect(lines.find((l) => l.level === 'warn')).toMatchObject({ msg: expect.stringContaining('retention held back'), siteId: 'acme', seq: 7 })
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 3 })
  })

  it("deletes the statistics' rollups of the days it purged in its transaction: the statistics count what is left", async () => {
    // Today 2027-01-21 (records 1–6 from 2026-11-22, ten days apart): two more today, one on 2027-02-01.
    for (const [at, i] of [[t.clock.now, 7], [t.clock.now + 4 * 3_600_000, 8], [Date.parse('2027-02-01T10:00:00Z'), 9]] as const) {
      t.clock.now = at
      expect((await t.request('/api/v1/consents', json(consentBody({ consentId: `visitor-${i}xyz` })), `192.0.2.${i}`)).status).toBe(201)
    }
    // On 2027-02-20, 12:00, every day is rolled up, then 30 days' retention cuts 2027-01-21 at 12:00.
    t.clock.now = Date.parse('2027-02-20T12:00:00Z')
    const stats = new ConsentStatsService(t.db, { now: () => t.clock.now })
    const fromRecords = () => new ConsentStatsService(t.db, { rollups: false }).stats('acme', {})
    const rolledDays = () => (t.db.$client.prepare("SELECT DISTINCT day FROM stats_rollups WHERE site_id = 'acme' ORDER BY day").all() as { day: string }[]).map((r) => r.day)
    expect(stats.stats('acme', {}).perDay.map((d) => d.total)).toEqual([1, 1, 1, 1, 1, 1, 2, 1])
    expect(rolledDays()).toHaveLength(8)
    // A purge that fails leaves the rollups with the records.
    const failing = { record: () => { throw new Error('disk I/O error') } } as unknown as AuditLog
    expect(() => purgeSite(t.db, 'acme', 30, t.clock.now, { audit: failing })).toThrow('disk I/O error')
    expect(rolledDays()).toHaveLength(8)
    expect(seqs('acme')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])

    expect(purgeSite(t.db, 'acme', 30, t.clock.now)).toMatchObject({ purged: 7 })
    expect(seqs('acme')).toEqual([8, 9])
    // The days it emptied and the one it cut into are no longer rolled up; the day after is.
    expect(rolledDays()).toEqual(['2027-02-01'])
    const after = await stats.statsInThread('acme', {})
    expect(after.perDay).toEqual([
      { day: '2027-01-21', total: 1, acceptAll: 1, rejectAll: 0, custom: 0, other: 0 },
      { day: '2027-02-01', total: 1, acceptAll: 1, rejectAll: 0, custom: 0, other: 0 },
    ])
    expect(after).toEqual(fromRecords())
    // The day cut into is rolled up again from its remaining record.
    expect(rolledDays()).toEqual(['2027-01-21', '2027-02-01'])
    expect(stats.stats('acme', {})).toEqual(after)
  })

  it('runs at start, writing what it purged to the audit log', async () => {
    const retention = startRetention(t.db, { logger: silentLogger, audit: new AuditLog(t.db, () => t.clock.now), now: () => t.clock.now, everyMs: 60_000 })
    await retention.run()
    await retention.stop()
    expect(seqs('acme')).toEqual([4, 5, 6])
    const audit = t.db.$client.prepare("SELECT site_id, user_id, after FROM audit_log WHERE action = 'consents.purge'").all() as { after: string }[]
    expect(audit).toEqual([{ site_id: 'acme', user_id: null, after: expect.any(String) }])
    expect(JSON.parse(audit[0]!.after)).toMatchObject({ purged: 3 })
  })
})

describe('retention purge of a log edited in the database', () => {
  const erroneous = () => {
    const errors: { msg: string; fields?: Record<string, unknown> }[] = []
    return { errors, logger: { ...silentLogger, error: (msg: string, fields?: Record<string, unknown>) => void errors.push({ msg, fields }) } }
  }

  it('deletes no record that fails verification, nor signs an anchor over it: records restamped as expired stay, and so does the report', async () => {
    // Records 4–6 are within retention; restamped in the database as if written long ago, they look expired.
    t.db.$client.prepare("UPDATE consent_records SET server_time = '2026-09-01T00:00:00.000Z' WHERE site_id = 'acme' AND seq >= 4").run()
    const broken = { ok: false, firstBad: { seq: 4, reason: expect.stringContaining('hash does not match') } }
    expect(t.consentLog.verify('acme')).toMatchObject(broken)
    const { errors, logger } = erroneous()
    await runRetention({ logger, audit: new AuditLog(t.db, () => t.clock.now), now: () => t.clock.now })
    // Records 1–3, verified as the chain's links up to the first bad one, are purged; it and those after it stay.
    expect(seqs('acme')).toEqual([4, 5, 6])
    expect(anchor()).toEqual({ seq: 3, purged_count: 3 })
    expect(t.consentLog.verify('acme')).toMatchObject(broken)
    expect((await cliVerify()).code).toBe(1)
    const stopped = { seq: 4, reason: expect.stringContaining('hash does not match') }
    expect(purgeEntries()).toEqual([{ siteId: 'acme', purged: 3, identities: 0, documents: 0, auditEntries: 1, manifests: 0, chainBroken: stopped }])
    expect(errors).toEqual([{ msg: expect.stringContaining('fails verification'), fields: { siteId: 'acme', ...stopped } }])
    // The next run purges nothing more, and says so again.
    expect(purgeSite(t.db, 'acme', 30, t.clock.now)).toMatchObject({ purged: 0, chainBroken: stopped })
    expect(seqs('acme')).toEqual([4, 5, 6])
  })

  it('keeps every record of a log edited from its first record, as before a purge, even against a saved head', () => {
    // Written minutes ago (the reviewer's case): every record restamped as expired.
    t.db.$client.prepare("UPDATE consent_records SET server_time = '2026-09-01T00:00:00.000Z' WHERE site_id = 'acme'").run()
    const head = t.db.$client.prepare("SELECT seq, hash FROM consent_records WHERE site_id = 'acme' AND seq = 6").get() as { seq: number; hash: string }
    expect(purgeSite(t.db, 'acme', 30, t.clock.now)).toMatchObject({ purged: 0, chainBroken: { seq: 1 } })
    expect(seqs('acme')).toEqual([1, 2, 3, 4, 5, 6])
    expect(anchor()).toBeUndefined()
    const saved = { exportId: 'saved', createdAt: new Date(t.clock.now).toISOString(), ...head }
    expect(t.consentLog.verify('acme', saved)).toMatchObject({ ok: false, firstBad: { seq: 1 } })
  })

  it('keeps a tombstone forged by hand and what follows it, past retention or not', () => {
    t.db.$client.prepare("UPDATE consent_records SET consent_id = 'erased', ip = NULL, user_agent = NULL, url = '', erased_at = ? WHERE site_id = 'acme' AND seq = 3").run(new Date(t.clock.now).toISOString())
    expect(purgeSite(t.db, 'acme', 30, t.clock.now)).toMatchObject({ purged: 2, chainBroken: { seq: 3, reason: expect.stringContaining('no signature of this server') } })
    expect(seqs('acme')).toEqual([3, 4, 5, 6])
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: false, firstBad: { seq: 3 } })
  })

  it('stops at a record a later batch finds edited, the batches before it purged and signed', () => {
    t.db.$client.prepare("UPDATE consent_records SET method = 'reject-all' WHERE site_id = 'acme' AND seq = 3").run()
    expect(purgeSite(t.db, 'acme', 30, t.clock.now, { batch: 1 })).toMatchObject({ purged: 2, chainBroken: { seq: 3 } })
    expect(seqs('acme')).toEqual([3, 4, 5, 6])
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: false, firstBad: { seq: 3, reason: expect.stringContaining('edited') } })
  })
})

describe('retention purge of a deleted site', () => {
  const siteLog = (siteId: string) => t.db.$client.prepare('SELECT action, at FROM audit_log WHERE site_id = ? ORDER BY id').all(siteId) as { action: string; at: number }[]
  /** What createSite and deleteSite need, on the test's clock. */
  const deps = () => ({
    db: t.db,
    now: () => t.clock.now,
    audit: new AuditLog(t.db, () => t.clock.now),
    sites: new SiteDirectory(t.db, () => t.clock.now),
    sdkDir: join(t.dir, 'sdk'),
    manifestKeys: new ManifestKeys(t.db, () => t.clock.now),
  })
  const reservation = () => t.db.$client.prepare("SELECT retention_days AS days, audit_purged_count AS count, audit_purged_at AS at FROM deleted_sites WHERE site_id = 'gone'").get()

  /**
   * The site `gone`, created on day 60 (now) keeping the default five years, and three entries
   * naming a member's e-mail address; on day 70 two more, its retention lowered to 30 days (signed,
   * as an owner's save signs it; `signed: false`: edited in the database), and it is deleted (7
   * entries in all, the deletion last).
   */
  async function goneSite({ signed = true } = {}) {
    const { audit } = deps()
    const owner = await addUser(t.db, 'owner@gone.test', 'gone owner password', {})
    createSite(deps(), owner.id, newSiteInput.parse({ id: 'gone', name: 'Gone', domains: ['gone.test'] }))
    const entries = (n: number) => {
      for (let i = 0; i < n; i++) audit.record({ siteId: 'gone', userId: owner.id, action: 'member.add', after: { email: `member-${i}@gone.test` } })
    }
    entries(3)
    t.clock.now += 10 * DAY
    entries(2)
    t.db.$client.prepare("UPDATE sites SET settings = json_set(settings, '$.retentionDays', 30) WHERE id = 'gone'").run()
    if (signed) signSiteRetention(t.db.$client, 'gone', storedGeneratedKey(t.db.$client)!, t.clock.now)
    deleteSite(deps(), owner.id, 'gone')
    expect(siteLog('gone')).toHaveLength(7)
    expect(reservation()).toEqual({ days: 30, count: 0, at: null })
  }

  it('deletes its audit entries older than the retention it had when deleted, the deletion last, and audits its purge without an entry of its own', async () => {
    await goneSite()
    // Day 95: day 60's four entries are past 30 days, day 70's three are not.
    t.clock.now += 25 * DAY
    const results = await purgeExpired(t.db, t.clock.now, { audit: new AuditLog(t.db, () => t.clock.now), batch: 2 })
    expect(results.find((r) => r.siteId === 'gone')).toEqual({ siteId: 'gone', deleted: true, purged: 0, identities: 0, documents: 0, auditEntries: 4, manifests: 0 })
    expect(siteLog('gone')).toEqual([
      { action: 'member.add', at: t.clock.now - 25 * DAY },
      { action: 'member.add', at: t.clock.now - 25 * DAY },
      { action: 'site.delete', at: t.clock.now - 25 * DAY },
    ])
    // What it deleted is counted with the reservation (nothing personal), not in an audit entry:
    // one would be purged in its turn by a purge writing another, and the log never be empty.
    expect(reservation()).toEqual({ days: 30, count: 4, at: t.clock.now })
    // The live sites' purges are as they were, each audited in its own log.
    expect(results.filter((r) => r.siteId !== 'gone')).toEqual([
      { siteId: 'acme', purged: 6, identities: 0, documents: 0, auditEntries: 1, manifests: 0 },
      { siteId: 'notice-only', purged: 0, identities: 0, documents: 0, auditEntries: 0, manifests: 0 },
    ])
    expect(t.db.$client.prepare("SELECT DISTINCT site_id FROM audit_log WHERE action = 'consents.purge'").all()).toEqual([{ site_id: 'acme' }])
    expect(seqs('notice-only')).toEqual([1, 2, 3, 4, 5, 6])

    // Day 101, past the deletion's 30 days: nothing of the site is left, the automatic purge logs what it deleted.
    t.clock.now += 6 * DAY
    const lines: Record<string, unknown>[] = []
    await runRetention({ logger: createLogger('info', (line) => lines.push(JSON.parse(line) as Record<string, unknown>)), audit: new AuditLog(t.db, () => t.clock.now), now: () => t.clock.now })
    expect(siteLog('gone')).toEqual([])
    expect(reservation()).toEqual({ days: 30, count: 7, at: t.clock.now })
    expect(lines.filter((l) => l.siteId === 'gone')).toEqual([expect.objectContaining({ msg: 'retention purge', siteId: 'gone', deleted: true, auditEntries: 3 })])
    // Its id is still refused.
    expect(() => createSite(deps(), 1, newSiteInput.parse({ id: 'gone', name: 'Gone again', domains: ['gone.test'] }))).toThrow(/^The id "gone" belonged to a site deleted on 2027-01-31,/)
  })

  it('keeps its audit log past a retention rewritten in the database (the signature left), warns once, and purges by the signed one once restored', async () => {
    await goneSite()
    // Review: one day written over the retention kept for the deleted site had every entry purged.
    t.db.$client.prepare("UPDATE deleted_sites SET retention_days = 1 WHERE site_id = 'gone'").run()
    t.clock.now += 25 * DAY
    const results = await purgeExpired(t.db, t.clock.now, { audit: new AuditLog(t.db, () => t.clock.now) })
    expect(results.find((r) => r.siteId === 'gone')).toEqual({
      siteId: 'gone',
      deleted: true,
      purged: 0,
      identities: 0,
      documents: 0,
      auditEntries: 0,
      manifests: 0,
      unsignedRetention: "the retention of 1 day it had when it was deleted does not match the server's signature: it was edited in the database",
    })
    expect(siteLog('gone')).toHaveLength(7)
    expect(reservation()).toEqual({ days: 1, count: 0, at: null })

    // The automatic purge says so once, as it does of a live site's, not at every hourly run.
    expect(await warnings()).toEqual([
      {
        msg: `retention purge skipped: the retention of 1 day it had when it was deleted does not match the server's signature: it was edited in the database, ${vouch}`,
        fields: { siteId: 'gone' },
      },
    ])
    expect(siteLog('gone')).toHaveLength(7)

    // The retention signed back: day 60's four entries are past its 30 days, as before.
    t.db.$client.prepare("UPDATE deleted_sites SET retention_days = 30 WHERE site_id = 'gone'").run()
    const again = await purgeExpired(t.db, t.clock.now, { audit: new AuditLog(t.db, () => t.clock.now) })
    expect(again.find((r) => r.siteId === 'gone')).toEqual({ siteId: 'gone', deleted: true, purged: 0, identities: 0, documents: 0, auditEntries: 4, manifests: 0 })
    expect(siteLog('gone')).toHaveLength(3)
  })

  it('keeps the audit log of a site deleted while its retention was one edited in the database', async () => {
    await goneSite({ signed: false })
    t.clock.now += 40 * DAY
    const results = await purgeExpired(t.db, t.clock.now, { audit: new AuditLog(t.db, () => t.clock.now) })
    expect(results.find((r) => r.siteId === 'gone')).toMatchObject({ auditEntries: 0, unsignedRetention: expect.stringContaining('the retention of 30 days it had when it was deleted does not match') })
    expect(siteLog('gone')).toHaveLength(7)
  })

  it('purges by the retention it had once the key that signed it is retired: the new key signs it again', async () => {
    await goneSite()
    t.clock.now += DAY
    new ManifestKeys(t.db, () => t.clock.now, generateKeyPairSync('ed25519').privateKey).active()
    t.clock.now += 24 * DAY
    const results = await purgeExpired(t.db, t.clock.now, { audit: new AuditLog(t.db, () => t.clock.now) })
    expect(results.find((r) => r.siteId === 'gone')).toEqual({ siteId: 'gone', deleted: true, purged: 0, identities: 0, documents: 0, auditEntries: 4, manifests: 0 })
  })

  /** What the automatic purge warns of over two runs (once each). */
  const warnings = () => retentionWarnings(t.db, () => t.clock.now)
  /** The command line on the test's database, at the test's clock (it signs and audits at Date.now). */
  async function cli(args: string[], env: Record<string, string> = {}) {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(t.clock.now)
    try {
      const out: string[] = []
      const err: string[] = []
      const code = await runCli([...args, '--db', t.file], { out: (l) => out.push(l), err: (l) => err.push(l), env })
      return { code, out: out.join('\n'), err: err.join('\n') }
    } finally {
      vi.useRealTimers()
    }
  }
  const gonePurge = async () => (await purgeExpired(t.db, t.clock.now, { audit: new AuditLog(t.db, () => t.clock.now) })).find((r) => r.siteId === 'gone')
  /** The remedy the warning names: a deleted site's retention is nobody's to save again. */
  const vouch = "so nothing of the deleted site's audit log is purged until the server's operator signs that retention, if it is the one the site had: npm run sign-unsigned -- --site gone --confirm (without --confirm it only lists it)"

  it('keeps the audit log of a site an older version deleted after a rollback (its row unsigned), says how to vouch for it, and purges by it once the operator signs it', async () => {
    await goneSite()
    // Review: a previous version's deletion writes no signature (its insert names none); rolled
    // forward again, the start-up signing is done already, and the log was kept for good.
    t.db.$client.prepare("UPDATE deleted_sites SET retention_signed_at = NULL, retention_signature = NULL WHERE site_id = 'gone'").run()
    t.clock.now += 25 * DAY
    const problem = 'the retention of 30 days it had when it was deleted bears no signature of this server'
    expect(await warnings()).toEqual([{ msg: `retention purge skipped: ${problem}, ${vouch}`, fields: { siteId: 'gone' } }])
    expect(siteLog('gone')).toHaveLength(7)

    // The operator vouches for it: listed (nothing changed), then signed and audited.
    expect(await cli(['sign-unsigned', '--site', 'gone'])).toMatchObject({ code: 0, err: '', out: expect.stringContaining(`\n  ${problem}\n`) })
    expect((await gonePurge())?.unsignedRetention).toBe(problem)
    expect(await cli(['sign-unsigned', '--site', 'gone', '--confirm'])).toMatchObject({ code: 0, err: '' })
    // Day 95: day 60's four entries are past its 30 days, day 70's three and the operator's signing are not.
    expect(await gonePurge()).toEqual({ siteId: 'gone', deleted: true, purged: 0, identities: 0, documents: 0, auditEntries: 4, manifests: 0 })
    expect(siteLog('gone').map((e) => e.action)).toEqual(['member.add', 'member.add', 'site.delete', 'site.sign_unsigned'])
  })

  it('keeps the audit log of a deleted site whose key an older version retired (its row signed by the retired key), not calling it forged, and purges by it once the operator signs it again', async () => {
    await goneSite()
    const before = t.db.$client.prepare("SELECT retention_signed_at AS at, retention_signature AS signature FROM deleted_sites WHERE site_id = 'gone'").get() as { at: number; signature: string }
    const oldKey = storedGeneratedKey(t.db.$client)!.keyId
    t.clock.now += DAY
    const operator = generateKeyPairSync('ed25519').privateKey
    new ManifestKeys(t.db, () => t.clock.now, operator).active()
    const retiredAt = t.clock.now
    // A previous version retired it (after a rollback): it signed the live sites' retentions again, not the deleted sites'.
    t.db.$client.prepare("UPDATE deleted_sites SET retention_signed_at = ?, retention_signature = ? WHERE site_id = 'gone'").run(before.at, before.signature)
    t.clock.now += 24 * DAY
    const problem = `the retention of 30 days it had when it was deleted is signed by key ${oldKey}, which was retired on ${new Date(retiredAt).toISOString()} without the server signing it again: a previous version retired the key (after a rollback) without signing a deleted site's retention again, or it was signed with a copy of the old private key`
    expect(await warnings()).toEqual([{ msg: `retention purge skipped: ${problem}, ${vouch}`, fields: { siteId: 'gone' } }])
    expect(siteLog('gone')).toHaveLength(7)

    // Signed with the key the server signs with (MANIFEST_SIGNING_KEY), never the retired one.
    expect(await cli(['sign-unsigned', '--site', 'gone', '--confirm'])).toMatchObject({ code: 2, err: expect.stringMatching(/^the server signs with MANIFEST_SIGNING_KEY/) })
    const env = { MANIFEST_SIGNING_KEY: operator.export({ format: 'pem', type: 'pkcs8' }).toString() }
    expect(await cli(['sign-unsigned', '--site', 'gone', '--confirm'], env)).toMatchObject({ code: 0, err: '' })
    expect(await gonePurge()).toEqual({ siteId: 'gone', deleted: true, purged: 0, identities: 0, documents: 0, auditEntries: 4, manifests: 0 })
  })

  it('passes a deleted site whose purge fails to `failed`, its entries and count as they were, and purges the others', async () => {
    await goneSite()
    t.clock.now += 40 * DAY
    t.db.$client.exec(`CREATE TRIGGER keep_gone BEFORE DELETE ON audit_log WHEN old.site_id = 'gone' BEGIN SELECT RAISE(ABORT, 'locked'); END`)
    const failed: string[] = []
    const results = await purgeExpired(t.db, t.clock.now, { failed: (siteId) => void failed.push(siteId) })
    expect(failed).toEqual(['gone'])
    expect(results.map((r) => r.siteId)).toEqual(['acme', 'notice-only'])
    expect(seqs('acme')).toEqual([])
    expect(siteLog('gone')).toHaveLength(7)
    expect(reservation()).toEqual({ days: 30, count: 0, at: null })
  })
})

/** Appends `n` records of acme, stamped now. */
async function appendRecords(n: number) {
  const clientTime = new Date(t.clock.now).toISOString()
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      t.consentLog.append({
        siteId: 'acme', recordId: randomUUID(), consentId: `visitor-bulk-${i}`, revision: 1, textsHash: null, categories: { essential: true },
        services: {}, method: 'accept-all', region: null, mode: 'opt-in', language: 'en', url: 'https://acme.test/', userAgent: null, ip: null,
        gpc: false, clientTime,
      }),
    ),
  )
}

const count = (site: string) => (t.db.$client.prepare('SELECT count(*) AS n FROM consent_records WHERE site_id = ?').get(site) as { n: number }).n
/** Rows one consents.purge entry says its transaction deleted. */
const deletedBy = (e: Record<string, unknown>) => ['purged', 'identities', 'documents', 'auditEntries', 'manifests'].reduce((n, k) => n + (e[k] as number), 0)

describe('retention purge of a large log', () => {
  // SQLite is synchronous: a transaction holds the event loop, and the write lock ingestion's
  // writer thread waits for. A purge of 82,192 records of a 2,000,000-record log held both for
  // 8.6 s, its batches run back to back.
  it('lets the event loop turn between two transactions, each deleting one batch at most', async () => {
    await appendRecords(3_000)
    t.clock.now += 40 * DAY
    const total = count('acme')
    expect(total).toBe(3_006)
    // A callback scheduled before the purge, then again at every turn of the event loop.
    const seen: number[] = []
    let ticking = true
    const tick = () => {
      seen.push(count('acme'))
      if (ticking) setImmediate(tick)
    }
    setImmediate(tick)
    const results = await purgeExpired(t.db, t.clock.now, { audit: new AuditLog(t.db, () => t.clock.now), batch: 100 })
    ticking = false
    expect(results.find((r) => r.siteId === 'acme')).toMatchObject({ purged: total })
    // It ran while the purge was under way, between its batches.
    const during = new Set(seen.filter((n) => n > 0 && n < total))
    expect(during.size).toBeGreaterThan(20)
    // Each transaction deleted one batch at most, and audited what it deleted.
    const entries = purgeEntries()
    expect(entries.length).toBeGreaterThanOrEqual(total / 100)
    for (const e of entries) expect(deletedBy(e)).toBeLessThanOrEqual(100)
    expect(entries.reduce((n, e) => n + (e.purged as number), 0)).toBe(total)
    expect(anchor()).toEqual({ seq: total, purged_count: total })
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 0, anchor: { seq: total, purgedCount: total } })
  })

  it('purges identities, accepted documents, audit entries and manifests in batches too, after the records', async () => {
    const old = new Date(t.clock.now - 40 * DAY).toISOString()
    const identity = t.db.$client.prepare("INSERT INTO consent_identities (record_id, site_id, consent_id, user_id, server_time) VALUES (?, 'acme', 'visitor-0xyz', 'u1', ?)")
    const document = t.db.$client.prepare(
      `INSERT INTO document_acceptances (record_id, site_id, consent_id, user_id, document_type, document_version, url, ip, user_agent, client_time, server_time)
       VALUES (?, 'acme', 'visitor-0xyz', 'u1', 'terms', '1', 'https://acme.test/terms', NULL, NULL, ?, ?)`,
    )
    for (let i = 0; i < 5; i++) {
      identity.run(`identity-${i}`, old)
      document.run(`document-${i}`, old, old)
      addManifest(`manifest-${i}`, 31)
    }
    const [result] = (await purgeExpired(t.db, t.clock.now, { audit: new AuditLog(t.db, () => t.clock.now), batch: 2 })).filter((r) => r.siteId === 'acme')
    // auditEntries: the site's creation.
    expect(result).toEqual({ siteId: 'acme', purged: 3, identities: 5, documents: 5, auditEntries: 1, manifests: 5 })
    const entries = purgeEntries()
    for (const e of entries) expect(deletedBy(e)).toBeLessThanOrEqual(2)
    expect(entries.reduce((n, e) => n + deletedBy(e), 0)).toBe(19)
    expect(t.db.$client.prepare('SELECT (SELECT count(*) FROM consent_identities) + (SELECT count(*) FROM document_acceptances) + (SELECT count(*) FROM export_manifests) AS n').get()).toEqual({ n: 0 })
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 3 })
  })

  it('runs one purge at a time: the hourly timer firing meanwhile starts none', async () => {
    await appendRecords(1_000)
    t.clock.now += 40 * DAY
    let runs = 0
    const skipped: string[] = []
    const logger = { ...silentLogger, debug: (msg: string) => void skipped.push(msg) }
    const retention = startRetention(t.db, {
      logger,
      audit: new AuditLog(t.db, () => t.clock.now),
      now: () => (runs++, t.clock.now),
      everyMs: 1,
      // Timers fire between two transactions (as the server's hourly one would).
      between: () => new Promise((resolve) => setTimeout(resolve, 2)),
    })
    await retention.run()
    expect(runs).toBe(1)
    expect(skipped.length).toBeGreaterThan(0)
    expect(skipped[0]).toMatch(/still running/)
    expect(count('acme')).toBe(0)
    // The default batch: several transactions, none larger.
    const entries = purgeEntries()
    expect(entries.length).toBeGreaterThan(1_006 / PURGE_BATCH)
    for (const e of entries) expect(deletedBy(e)).toBeLessThanOrEqual(PURGE_BATCH)
    await retention.stop()
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 0 })
  })

  it('stops between two transactions when the server stops, leaving every deletion audited and the chain sound', async () => {
    await appendRecords(2_000)
    t.clock.now += 40 * DAY
    const total = count('acme')
    const info: string[] = []
    const logger = { ...silentLogger, info: (msg: string) => void info.push(msg) }
    let pauses = 0
    let stopped: Promise<void> | undefined
    const retention = startRetention(t.db, {
      logger,
      audit: new AuditLog(t.db, () => t.clock.now),
      now: () => t.clock.now,
      between: async () => {
        if (++pauses === 4) stopped = retention.stop()
      },
    })
    await retention.run()
    expect(stopped).toBeDefined()
    await stopped
    const left = count('acme')
    expect(left).toBeGreaterThan(0)
    expect(left).toBeLessThan(total)
    const entries = purgeEntries()
    expect(entries.reduce((n, e) => n + (e.purged as number), 0)).toBe(total - left)
    expect(anchor()).toEqual({ seq: total - left, purged_count: total - left })
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: left })
    expect(info).toContain('retention purge stopped with the server: what is left is purged at the next start')
    // Nothing runs after it stopped, nor when asked to.
    await new Promise((resolve) => setTimeout(resolve, 20))
    await retention.run()
    expect(count('acme')).toBe(left)
    expect(purgeEntries()).toHaveLength(entries.length)
  })

  it('finds what it deletes through indexes, with or without planner statistics', () => {
    const c = t.db.$client
    const cutoff = new Date(t.clock.now - 30 * DAY).toISOString()
    const plan = (sql: string, ...params: unknown[]) => (c.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join(' | ')
    const expectIndexes = () => {
      // The oldest records in chain order, read from the start of the site's chain, not sorted.
      expect(plan(PURGE_SQL.oldest, 'acme', PURGE_BATCH)).toBe('SEARCH consent_records USING INDEX consent_records_site_seq (site_id=?)')
      expect(plan(PURGE_SQL.records, 'acme', 3)).toBe('SEARCH consent_records USING COVERING INDEX consent_records_site_seq (site_id=? AND seq<?)')
      expect(plan(PURGE_SQL.expired, 'acme', cutoff)).toBe('SEARCH consent_records USING COVERING INDEX consent_records_site_time (site_id=? AND server_time<?)')
      // The hourly run's look-ups, when nothing is to purge: 84–208 ms each through the (site_id, consent_id) indexes.
      expect(plan(PURGE_SQL.identities, 'acme', cutoff, PURGE_BATCH)).toMatch(/SEARCH consent_identities USING COVERING INDEX consent_identities_site_time \(site_id=\? AND server_time<\?\)$/)
      expect(plan(PURGE_SQL.documents, 'acme', cutoff, PURGE_BATCH)).toMatch(/SEARCH document_acceptances USING COVERING INDEX document_acceptances_site_time \(site_id=\? AND server_time<\?\)$/)
      expect(plan(PURGE_SQL.auditEntries, 'acme', 0, PURGE_BATCH)).toMatch(/SEARCH audit_log USING COVERING INDEX audit_log_site_at \(site_id=\? AND at<\?\)$/)
      expect(plan(PURGE_SQL.manifests, 'acme', 0, PURGE_BATCH)).toMatch(/SEARCH export_manifests USING COVERING INDEX export_manifests_site \(site_id=\? AND created_at<\?\)$/)
      expect(plan(PURGE_SQL.accountAudit, 0, PURGE_BATCH)).toMatch(/SEARCH audit_log USING COVERING INDEX audit_log_site_at \(site_id=\? AND at<\?\)$/)
      // The DELETE of the trigger that moving the anchor fires (migration 0012).
      expect(plan('DELETE FROM stats_rollups WHERE site_id = ? AND day <= ?', 'acme', '2026-12-01')).toBe('SEARCH stats_rollups USING COVERING INDEX stats_rollups_site_day (site_id=? AND day<?)')
    }
    expectIndexes()
    // The statistics of a 2,000,000-record database analysed before migration 0006, which
    // recreated consent_records_site_time and added the other time indexes: none of them has any.
    c.exec('ANALYZE')
    c.exec(`DELETE FROM sqlite_stat1 WHERE tbl IN ('consent_records', 'consent_identities', 'document_acceptances', 'audit_log', 'export_manifests')`)
    if (c.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat4'").get()) c.exec('DELETE FROM sqlite_stat4')
    const stat = c.prepare('INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)')
    for (const [tbl, idx, s] of [
      ['consent_records', 'consent_records_site_seq', '2200000 1100000 1'],
      ['consent_records', 'consent_records_site_consent', '2200000 1100000 2'],
      ['consent_records', 'consent_records_record_id_unique', '2200000 1'],
      ['consent_identities', 'consent_identities_site_consent', '300000 300000 1'],
      ['consent_identities', 'consent_identities_site_user', '300000 300000 1'],
      ['document_acceptances', 'document_acceptances_site_consent', '300000 300000 1'],
      ['document_acceptances', 'document_acceptances_site_user', '300000 300000 1'],
      ['audit_log', 'audit_log_site_at', '320004 80001 1'],
      ['export_manifests', 'export_manifests_site', '20000 20000 1'],
    ]) stat.run(tbl, idx, s)
    c.exec('ANALYZE sqlite_schema')
    expectIndexes()
  })
})
