// The retention the purge acts on is one the server saved and signed: a retention edited in the
// database deletes nothing (review: one day set in the settings row had the server sign the purge of
// every record older than a day).
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../app'
import { openDatabase, type Db } from '../db/client'
import { runCli } from '../cli'
import { silentLogger } from '../logger'
import { ACME, addUser, afterUpgradeFrom, consentBody, json, openMigratedUpTo, retentionWarnings, send, signIn, startTestServer, type AdminSession, type TestServer } from '../test-support'
import { AuditLog } from './audit'
import { ManifestKeys } from './manifest-keys'
import { purgeExpired } from './retention'
import { SITE_RETENTION_COLUMNS, signedRetention, type SiteRetentionRow } from './retention-signature'
import { signRetention, storedGeneratedKey, storedVerifyKeys } from './stored-signatures'

const DAY = 86_400_000
let t: TestServer

beforeEach(async () => {
  t = startTestServer()
  for (let i = 0; i < 5; i++) {
    t.clock.now += 1000
    expect((await t.request('/api/v1/consents', json(consentBody({ consentId: `visitor-${i}xyz` })))).status).toBe(201)
  }
  // Two days later: every record is older than a day.
  t.clock.now += 2 * DAY
})
afterEach(() => t.close())

const sql = (text: string, ...params: unknown[]) => t.db.$client.prepare(text).run(...params)
const count = (table: string) => (t.db.$client.prepare(`SELECT count(*) AS n FROM ${table} WHERE site_id = 'acme'`).get() as { n: number }).n
const purge = async () =>
  (await purgeExpired(t.db, t.clock.now, { audit: new AuditLog(t.db, () => t.clock.now), sign: storedGeneratedKey(t.db.$client) })).find((r) => r.siteId === 'acme')!

async function verifyCli() {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(['verify', '--site', 'acme', '--db', t.file], { out: (l) => out.push(l), err: (l) => err.push(l), env: { DATABASE_URL: join(t.dir, 'none.sqlite') } })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

async function owner(): Promise<AdminSession> {
  await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
  return signIn(t, 'owner@acme.test', 'owner password 1')
}

describe('the retention the purge acts on', () => {
  it('is not one edited in the database: nothing of the site is purged, verify says what it said, and the purge warns once', async () => {
    const auditBefore = count('audit_log')
    const verifiedBefore = await verifyCli()
    expect(verifiedBefore.out).toMatch(/^OK acme: 5 records, head [a-f0-9]{64}$/)
    sql("UPDATE sites SET settings = json_set(settings, '$.retentionDays', 1) WHERE id = 'acme'")

    const result = await purge()
    expect(result).toMatchObject({ purged: 0, auditEntries: 0, unsignedRetention: "the retention of 1 day in its settings does not match the server's signature: it was edited in the database" })
    expect(count('consent_records')).toBe(5)
    expect(count('audit_log')).toBe(auditBefore)
    expect(t.db.$client.prepare("SELECT 1 FROM chain_anchors WHERE site_id = 'acme'").get()).toBeUndefined()
    expect(await verifyCli()).toEqual(verifiedBefore)

    // The automatic purge says so once, naming what to do, not at every hourly run.
    expect(await retentionWarnings(t.db, () => t.clock.now)).toEqual([
      {
        msg: "retention purge skipped: the retention of 1 day in its settings does not match the server's signature: it was edited in the database, so nothing of the site is purged until an owner saves its retention again (Site settings, or PUT /api/admin/sites/acme/settings with retentionDays)",
        fields: { siteId: 'acme' },
      },
    ])
    expect(count('consent_records')).toBe(5)
  })

  it('is not one whose signature was removed, or moved to another time', async () => {
    const signedAt = (t.db.$client.prepare("SELECT retention_signed_at AS at FROM sites WHERE id = 'acme'").get() as { at: number }).at
    sql("UPDATE sites SET retention_signed_at = ? WHERE id = 'acme'", signedAt + 1)
    expect(await purge()).toMatchObject({ purged: 0, unsignedRetention: expect.stringContaining('does not match') })
    sql("UPDATE sites SET retention_signed_at = NULL, retention_signature = NULL WHERE id = 'acme'")
    expect(await purge()).toMatchObject({ purged: 0, unsignedRetention: 'the retention of 1826 days in its settings bears no signature of this server' })
    expect(count('consent_records')).toBe(5)
  })

  it("is an owner's save through the API: it purges as before, and the anchor and verify say under which retention", async () => {
    const session = await owner()
    expect((await session.request('/api/admin/sites/acme/settings', send('PUT', { retentionDays: 1 }))).status).toBe(200)
    expect(await purge()).toMatchObject({ purged: 5 })
    expect(t.db.$client.prepare("SELECT seq, retention_days AS days FROM chain_anchors WHERE site_id = 'acme'").get()).toEqual({ seq: 5, days: 1 })
    const verified = await verifyCli()
    expect(verified.code).toBe(0)
    expect(verified.out).toMatch(/^OK acme: 0 records, head [a-f0-9]{64}; starting after seq 5 \(5 purged by retention, the last purge under a retention of 1 day\)$/)
    // The retention in the anchor is signed: edited, the anchor is reported.
    sql("UPDATE chain_anchors SET retention_days = 1826 WHERE site_id = 'acme'")
    expect((await verifyCli()).code).toBe(1)
  })

  it("is signed again by an owner's save that sends it, not by an editor's nor by one that leaves it out", async () => {
    const session = await owner()
    await addUser(t.db, 'editor@acme.test', 'editor password 1', { acme: 'editor' })
    const editor = await signIn(t, 'editor@acme.test', 'editor password 1')
    sql("UPDATE sites SET settings = json_set(settings, '$.retentionDays', 1) WHERE id = 'acme'")
    const settingsEntries = () => (t.db.$client.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'site.settings'").get() as { n: number }).n

    expect((await editor.request('/api/admin/sites/acme/settings', send('PUT', { retentionDays: 1, name: 'Acme by the editor' }))).status).toBe(200)
    expect((await session.request('/api/admin/sites/acme/settings', send('PUT', { name: 'Acme by the owner' }))).status).toBe(200)
    expect(await purge()).toMatchObject({ purged: 0, unsignedRetention: expect.any(String) })

    // The owner sends the retention the form shows, unchanged: signed, and audited as a save.
    const entries = settingsEntries()
    const saved = await session.request('/api/admin/sites/acme/settings', send('PUT', { retentionDays: 1 }))
    expect(saved.status).toBe(200)
    expect(settingsEntries()).toBe(entries + 1)
    expect(await purge()).toMatchObject({ purged: 5 })
  })

  it('is said unsigned by the settings read the dashboard uses, and signed again by the save that confirms it', async () => {
    const session = await owner()
    const state = async () => ((await (await session.request('/api/admin/sites/acme/catalogue')).json()) as { retentionSigned?: boolean }).retentionSigned
    expect(await state()).toBe(true)
    sql("UPDATE sites SET settings = json_set(settings, '$.retentionDays', 1) WHERE id = 'acme'")
    expect(await state()).toBe(false)
    const renamed = await session.request('/api/admin/sites/acme/settings', send('PUT', { name: 'Acme renamed' }))
    expect(((await renamed.json()) as { retentionSigned?: boolean }).retentionSigned).toBe(false)
    const confirmed = await session.request('/api/admin/sites/acme/settings', send('PUT', { retentionDays: 1 }))
    expect(((await confirmed.json()) as { retentionSigned?: boolean }).retentionSigned).toBe(true)
    expect(await state()).toBe(true)
  })

  it('is signed for a site created through the API', async () => {
    await owner()
    const session = await signIn(t, 'owner@acme.test', 'owner password 1')
    const created = await session.request('/api/admin/sites', json({ id: 'shop', name: 'Shop', domains: ['shop.test'], retentionDays: 1 }))
    expect(created.status).toBe(201)
    const shop = (await purgeExpired(t.db, t.clock.now)).find((r) => r.siteId === 'shop')!
    expect(shop.unsignedRetention).toBeUndefined()
  })
})

describe('a database from before retention was signed', () => {
  it("has each site's retention signed at the first start after the upgrade, and only then", () => {
    afterUpgradeFrom(
      16,
      (old) => old.$client.prepare("UPDATE sites SET settings = ? WHERE id = 'acme'").run(JSON.stringify({ ...ACME.settings, retentionDays: 30 })),
      (db) => {
        const row = () => db.$client.prepare("SELECT retention_signed_at AS at, retention_signature AS signature FROM sites WHERE id = 'acme'").get()
        expect(row()).toEqual({ at: null, signature: null })
        const start = (now: number) => createApp({ db, env: { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: undefined, TRUST_PROXY: false }, logger: silentLogger, now: () => now })
        start(Date.UTC(2026, 11, 1))
        expect(row()).toEqual({ at: Date.UTC(2026, 11, 1), signature: expect.stringMatching(/^[^.]+\.[A-Za-z0-9+/]+=*$/) })
        const site = () => db.$client.prepare<[], SiteRetentionRow>(`SELECT ${SITE_RETENTION_COLUMNS} FROM sites WHERE id = 'acme'`).get()!
        expect(signedRetention(site(), storedVerifyKeys(db.$client))).toEqual({ retentionDays: 30 })

        // An edit made while the server was stopped is not signed by the next start.
        db.$client.prepare("UPDATE sites SET settings = json_set(settings, '$.retentionDays', 1), retention_signature = NULL WHERE id = 'acme'").run()
        start(Date.UTC(2026, 11, 2))
        expect(row()).toEqual({ at: Date.UTC(2026, 11, 1), signature: null })
        expect(signedRetention(site(), storedVerifyKeys(db.$client))).toEqual({ problem: 'the retention of 1 day in its settings bears no signature of this server' })
      },
    )
  })

  it('needs no signing at start-up when it has no site', () => {
    afterUpgradeFrom(
      16,
      (old) => old.$client.prepare("DELETE FROM sites WHERE id = 'acme'").run(),
      (db) => expect(db.$client.prepare("SELECT 1 AS done FROM startup_tasks WHERE name = 'sign-retention'").get()).toEqual({ done: 1 }),
    )
  })
})

describe('a database with sites deleted before their retention was kept signed', () => {
  const deleted = (db: Db) =>
    db.$client.prepare("SELECT retention_days AS days, retention_signed_at AS at, retention_signature AS signature FROM deleted_sites WHERE site_id = 'gone'").get()
  const start = (db: Db, now: number) => createApp({ db, env: { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: undefined, TRUST_PROXY: false }, logger: silentLogger, now: () => now })
  const gone = async (db: Db, now: number) => (await purgeExpired(db, now)).find((r) => r.siteId === 'gone')

  it("has each deleted site's retention signed at the first start after the upgrade, and only then: its audit log is purged by it", async () => {
    // As afterUpgradeFrom, awaiting the purges.
    const dir = mkdtempSync(join(tmpdir(), 'miniconsent-upgrade-17-'))
    const old = openMigratedUpTo(dir, join(dir, 'old.sqlite'), 17)
    old.$client.prepare("INSERT INTO deleted_sites (site_id, deleted_at, retention_days) VALUES ('gone', ?, 30)").run(Date.UTC(2026, 10, 1))
    old.$client.prepare("INSERT INTO audit_log (site_id, user_id, action, at) VALUES ('gone', NULL, 'site.delete', ?)").run(Date.UTC(2026, 10, 1))
    old.$client.close()
    const db = openDatabase(join(dir, 'old.sqlite'))
    try {
      expect(deleted(db)).toEqual({ days: 30, at: null, signature: null })
      start(db, Date.UTC(2026, 11, 1))
      expect(deleted(db)).toEqual({ days: 30, at: Date.UTC(2026, 11, 1), signature: expect.stringMatching(/^[^.]+\.[A-Za-z0-9+/]+=*$/) })
      const purged = await gone(db, Date.UTC(2026, 11, 2))
      expect(purged).toMatchObject({ deleted: true, auditEntries: 1 })
      expect(purged?.unsignedRetention).toBeUndefined()

      // Rewritten while the server was stopped: the next start signs nothing, and nothing is purged.
      db.$client.prepare("INSERT INTO audit_log (site_id, user_id, action, at) VALUES ('gone', NULL, 'member.add', ?)").run(Date.UTC(2026, 11, 2))
      db.$client.prepare("UPDATE deleted_sites SET retention_days = 1, retention_signature = NULL WHERE site_id = 'gone'").run()
      start(db, Date.UTC(2026, 11, 3))
      expect(deleted(db)).toEqual({ days: 1, at: Date.UTC(2026, 11, 1), signature: null })
      expect(await gone(db, Date.UTC(2026, 11, 4))).toMatchObject({
        auditEntries: 0,
        unsignedRetention: 'the retention of 1 day it had when it was deleted bears no signature of this server',
      })
    } finally {
      db.$client.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('needs no signing at start-up when it has no deleted site', () => {
    afterUpgradeFrom(
      17,
      () => {},
      (db) => expect(db.$client.prepare("SELECT 1 AS done FROM startup_tasks WHERE name = 'sign-deleted-retention'").get()).toEqual({ done: 1 }),
    )
  })
})

describe('a retention signed by a key since retired', () => {
  // Review: the retired generated key outlives its retirement in every backup from before; a
  // retention signed with it and dated before the retirement purged the records written after it,
  // and the purge signed the anchor with the new key, so verify said OK.
  const ownerSaves = async (days: number) => {
    const session = await owner()
    expect((await session.request('/api/admin/sites/acme/settings', send('PUT', { retentionDays: days }))).status).toBe(200)
  }
  const later = async (n: number) => {
    for (let i = 0; i < n; i++) {
      t.clock.now += 1000
      expect((await t.request('/api/v1/consents', json(consentBody({ consentId: `later-${i}xyzab` })))).status).toBe(201)
    }
  }

  it('is refused, even dated before the retirement: nothing is purged, and verify says what it said', async () => {
    const generated = storedGeneratedKey(t.db.$client)!
    const before = t.clock.now
    t.clock.now += DAY
    const keys = new ManifestKeys(t.db, () => t.clock.now, generateKeyPairSync('ed25519').privateKey)
    keys.active()
    t.clock.now += 10 * DAY
    await later(3)
    t.clock.now += 2 * DAY
    const verifiedBefore = await verifyCli()
    expect(verifiedBefore.code).toBe(0)
    // A copy of the generated key (a backup from before): one day, dated before the retirement.
    const signature = signRetention({ siteId: 'acme', retentionDays: 1, signedAt: before }, generated)
    sql("UPDATE sites SET settings = json_set(settings, '$.retentionDays', 1), retention_signed_at = ?, retention_signature = ? WHERE id = 'acme'", before, signature)

    const result = (await purgeExpired(t.db, t.clock.now, { audit: new AuditLog(t.db, () => t.clock.now), sign: keys.active() })).find((r) => r.siteId === 'acme')!
    expect(result).toMatchObject({ purged: 0, unsignedRetention: expect.stringContaining(`signed by key ${generated.keyId}, which was retired on`) })
    expect(count('consent_records')).toBe(8)
    expect(t.db.$client.prepare("SELECT 1 FROM chain_anchors WHERE site_id = 'acme'").get()).toBeUndefined()
    expect(await verifyCli()).toEqual(verifiedBefore)
  })

  it('that the server signed is signed again with the new key when MANIFEST_SIGNING_KEY replaces the generated one, and purges', async () => {
    await ownerSaves(1)
    t.clock.now += DAY
    const keys = new ManifestKeys(t.db, () => t.clock.now, generateKeyPairSync('ed25519').privateKey)
    const key = keys.active()
    expect(t.db.$client.prepare("SELECT retention_signed_at AS at, substr(retention_signature, 1, 16) AS keyId FROM sites WHERE id = 'acme'").get()).toEqual({ at: t.clock.now, keyId: key.keyId })
    t.clock.now += 30 * DAY
    const result = (await purgeExpired(t.db, t.clock.now, { audit: new AuditLog(t.db, () => t.clock.now), sign: key })).find((r) => r.siteId === 'acme')!
    expect(result).toMatchObject({ purged: 5 })
    expect(result.unsignedRetention).toBeUndefined()
  })

  it('is signed again at every change of key (MANIFEST_SIGNING_KEY set, unset: a key generated), but a retention edited before is not', async () => {
    // The site's retention, signed at its creation with the generated key.
    const env = new ManifestKeys(t.db, () => t.clock.now, generateKeyPairSync('ed25519').privateKey).active()
    expect(site().signature?.startsWith(`${env.keyId}.`)).toBe(true)
    t.clock.now += DAY
    const generated = new ManifestKeys(t.db, () => t.clock.now).active()
    expect(site().signature?.startsWith(`${generated.keyId}.`)).toBe(true)
    expect(signedRetention(site(), storedVerifyKeys(t.db.$client))).toEqual({ retentionDays: 1826 })
    // Edited in the database, then replaced by another MANIFEST_SIGNING_KEY: not vouched for.
    sql("UPDATE sites SET settings = json_set(settings, '$.retentionDays', 1) WHERE id = 'acme'")
    t.clock.now += DAY
    const other = new ManifestKeys(t.db, () => t.clock.now, generateKeyPairSync('ed25519').privateKey).active()
    expect(site().signature?.startsWith(`${other.keyId}.`)).toBe(false)
    expect(signedRetention(site(), storedVerifyKeys(t.db.$client))).toMatchObject({ problem: expect.stringContaining('does not match') })
  })
})

const site = () => t.db.$client.prepare<[], SiteRetentionRow>(`SELECT ${SITE_RETENTION_COLUMNS} FROM sites WHERE id = 'acme'`).get()!
