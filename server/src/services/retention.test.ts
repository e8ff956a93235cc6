import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ACME, NOTICE_ONLY, consentBody, json, startTestServer, type TestServer } from '../test-support'
import { runCli } from '../cli'
import { purgeExpired, startRetention } from './retention'
import { createLogger, silentLogger } from '../logger'
import { AuditLog } from './audit'

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

function addManifest(id: string, daysAgo: number) {
  t.db.$client
    .prepare(
      `INSERT INTO export_manifests (id, site_id, format, filters, chain_head_seq, chain_head_hash, created_at)
       VALUES (?, 'acme', 'csv', '{"consentId":"visitor-1xyz"}', 1, 'h', ?)`,
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

async function cliVerify() {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(['verify', '--site', 'acme', '--db', t.file], { out: (l) => out.push(l), err: (l) => err.push(l), env: {} })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('retention purge', () => {
  it("deletes the site's records older than its retention, oldest first, and leaves other sites alone", () => {
    // Now is day 60: records of days 0, 10 and 20 are past 30 days; day 30 is exactly at the limit and stays.
    const results = purgeExpired(t.db, t.clock.now)
    expect(results.find((r) => r.siteId === 'acme')).toMatchObject({ purged: 3 })
    expect(seqs('acme')).toEqual([4, 5, 6])
    expect(seqs('notice-only')).toEqual([1, 2, 3, 4, 5, 6])
    expect(purgeExpired(t.db, t.clock.now).find((r) => r.siteId === 'acme')).toMatchObject({ purged: 0 })
  })

  it('keeps the chain verifiable from the anchor, in the admin route and the CLI, and still detects tampering', async () => {
    const head3 = (t.db.$client.prepare("SELECT hash FROM consent_records WHERE site_id = 'acme' AND seq = 3").get() as { hash: string }).hash
    purgeExpired(t.db, t.clock.now)
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 3, anchor: { seq: 3, hash: head3, purgedCount: 3 } })
    const ok = await cliVerify()
    expect(ok.code).toBe(0)
    expect(ok.out).toMatch(/^OK acme: 3 records, head [a-f0-9]{64}; starting after seq 3 \(3 purged by retention\)$/)

    // Deleting the oldest kept record is not a purge: verification names it.
    t.db.$client.prepare("DELETE FROM consent_records WHERE site_id = 'acme' AND seq = 4").run()
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: false, firstBad: { seq: 5, reason: expect.stringContaining('record 4 was deleted') } })
    expect((await cliVerify()).code).toBe(1)
  })

  it('detects a forged anchor', () => {
    purgeExpired(t.db, t.clock.now)
    t.db.$client.prepare(`UPDATE chain_anchors SET hash = ? WHERE site_id = 'acme'`).run('0'.repeat(64))
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: false, firstBad: { seq: 4, reason: expect.stringContaining('prev_hash') } })
  })

  it('continues the chain after every record was purged', async () => {
    t.clock.now += 100 * DAY
    purgeExpired(t.db, t.clock.now)
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
    expect(purgeExpired(t.db, t.clock.now).find((r) => r.siteId === 'acme')).toMatchObject({ identities: 1 })
    expect(t.db.$client.prepare('SELECT record_id FROM consent_identities').all()).toEqual([{ record_id: 'id-recent' }])
  })

  it('purges the other sites when one fails, and says which one failed', () => {
    // Acme, the first site, cannot be read; notice-only now keeps 30 days too.
    t.db.$client.prepare("UPDATE sites SET settings = 'not JSON' WHERE id = 'acme'").run()
    t.db.$client.prepare("UPDATE sites SET settings = json_set(settings, '$.retentionDays', 30) WHERE id = 'notice-only'").run()
    const errors: { msg: string; fields?: Record<string, unknown> }[] = []
    const logger = { ...silentLogger, error: (msg: string, fields?: Record<string, unknown>) => void errors.push({ msg, fields }) }
    startRetention(t.db, { logger, now: () => t.clock.now }).stop()
    expect(seqs('notice-only')).toEqual([4, 5, 6])
    expect(seqs('acme')).toEqual([1, 2, 3, 4, 5, 6])
    expect(errors).toEqual([{ msg: 'retention purge failed', fields: { siteId: 'acme', err: expect.any(SyntaxError) } }])
  })

  it('purges export manifests past retention with the records, which name who exported and with which filters', () => {
    addManifest('old', 31)
    addManifest('recent', 29)
    expect(purgeExpired(t.db, t.clock.now).find((r) => r.siteId === 'acme')).toMatchObject({ manifests: 1 })
    expect(t.db.$client.prepare('SELECT id FROM export_manifests').all()).toEqual([{ id: 'recent' }])
  })

  it('writes its audit entry in the transaction of the purge: a failed audit entry leaves nothing purged', () => {
    addManifest('old', 31)
    const before = snapshot()
    const errors: unknown[] = []
    const logger = { ...silentLogger, error: (_: string, fields?: Record<string, unknown>) => void errors.push(fields?.err) }
    const failing = {
      record: () => {
        throw new Error('disk I/O error')
      },
    } as unknown as AuditLog
    startRetention(t.db, { logger, audit: failing, now: () => t.clock.now }).stop()
    expect(errors).toEqual([expect.objectContaining({ message: 'disk I/O error' })])
    expect(snapshot()).toEqual(before)
    expect(seqs('acme')).toEqual([1, 2, 3, 4, 5, 6])

    // The same purge with a working audit log: what it removed, and its entry, together.
    startRetention(t.db, { logger: silentLogger, audit: new AuditLog(t.db, () => t.clock.now), now: () => t.clock.now }).stop()
    expect(seqs('acme')).toEqual([4, 5, 6])
    // auditEntries: the site's creation, 60 days ago.
    expect(purgeEntries()).toEqual([{ siteId: 'acme', purged: 3, identities: 0, documents: 0, auditEntries: 1, manifests: 1 }])
  })

  it('a purge that fails part-way leaves no audit entry and nothing purged', () => {
    addManifest('old', 31)
    const before = snapshot()
    // The last deletion of the site's purge fails, after its records were deleted in the same transaction.
    t.db.$client.exec(`CREATE TRIGGER keep_manifests BEFORE DELETE ON export_manifests BEGIN SELECT RAISE(ABORT, 'manifest locked'); END`)
    const failed: unknown[] = []
    const logger = { ...silentLogger, error: (_: string, fields?: Record<string, unknown>) => void failed.push(fields?.siteId) }
    startRetention(t.db, { logger, audit: new AuditLog(t.db, () => t.clock.now), now: () => t.clock.now }).stop()
    expect(failed).toEqual(['acme'])
    expect(snapshot()).toEqual(before)
  })

  it('audits each batch of a large purge in the batch’s own transaction, so a failure between batches leaves every deletion audited', () => {
    // Record 3 cannot be deleted: the first batch (records 1–2) commits with its entry, the second fails whole.
    t.db.$client.exec(`CREATE TRIGGER keep_3 BEFORE DELETE ON consent_records WHEN old.site_id = 'acme' AND old.seq = 3 BEGIN SELECT RAISE(ABORT, 'locked'); END`)
    const audit = new AuditLog(t.db, () => t.clock.now)
    purgeExpired(t.db, t.clock.now, { audit, batch: 2 })
    expect(seqs('acme')).toEqual([3, 4, 5, 6])
    expect(anchor()).toEqual({ seq: 2, purged_count: 2 })
    expect(purgeEntries()).toEqual([{ siteId: 'acme', purged: 2, identities: 0, documents: 0, auditEntries: 0, manifests: 0 }])

    t.db.$client.exec('DROP TRIGGER keep_3')
    const results = purgeExpired(t.db, t.clock.now, { audit, batch: 2 })
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
    startRetention(t.db, { logger, now: () => t.clock.now, everyMs: 60_000 }).stop()
    expect(seqs('acme')).toEqual([7, 8, 9])
    expect(lines.find((l) => l.level === 'warn')).toMatchObject({ msg: expect.stringContaining('retention held back'), siteId: 'acme', seq: 7 })
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 3 })
  })

  it('runs at start, writing what it purged to the audit log', () => {
    const retention = startRetention(t.db, { logger: silentLogger, audit: new AuditLog(t.db, () => t.clock.now), now: () => t.clock.now, everyMs: 60_000 })
    retention.stop()
    expect(seqs('acme')).toEqual([4, 5, 6])
    const audit = t.db.$client.prepare("SELECT site_id, user_id, after FROM audit_log WHERE action = 'consents.purge'").all() as { after: string }[]
    expect(audit).toEqual([{ site_id: 'acme', user_id: null, after: expect.any(String) }])
    expect(JSON.parse(audit[0]!.after)).toMatchObject({ purged: 3 })
  })
})
