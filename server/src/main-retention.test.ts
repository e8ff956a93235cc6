// Stopping the server while the retention purge runs (main.ts): the purge stops between two of its
// transactions, and only then is the database closed.
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openDatabase } from './db/client'
import { seedSites } from './seed/seed'
import { ConsentLog } from './services/consent-log'
import { ManifestKeys } from './services/manifest-keys'
import { signSiteRetention } from './services/retention-signature'
import { ACME, runMain as start } from './test-support'

const DAY = 86_400_000
const dir = mkdtempSync(join(tmpdir(), 'miniconsent-main-retention-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('retention at shutdown', () => {
  it('stops a running purge between two of its transactions on SIGTERM, every deletion audited, then closes the database', async () => {
    const file = join(dir, 'db.sqlite')
    const now = Date.now()
    const db = openDatabase(file)
    seedSites(db, [{ ...ACME, settings: { ...ACME.settings, retentionDays: 30 } }], { now: now - 60 * DAY })
    // Signed as a server's start signs what it seeded (the purge acts on no other retention), with
    // the key generated here, which the server then signs with.
    signSiteRetention(db.$client, 'acme', new ManifestKeys(db, () => now).active(), now - 60 * DAY)
    // Records of 40 days ago: a purge of many batches.
    const log = new ConsentLog(db, { now: () => now - 40 * DAY })
    const total = 5_000
    await Promise.all(
      Array.from({ length: total }, (_, i) =>
        log.append({
          siteId: 'acme', recordId: randomUUID(), consentId: `visitor-${i}xyz`, revision: 1, textsHash: null, categories: { essential: true },
          services: {}, method: 'accept-all', region: null, mode: 'opt-in', language: 'en', url: 'https://acme.test/', userAgent: null, ip: null,
          gpc: false, clientTime: new Date(now - 40 * DAY).toISOString(),
        }),
      ),
    )
    await log.close()
    db.$client.close()

    const run = await start({ DATABASE_URL: file, SEED_DEMO: 'false', MINICONSENT_ADMIN_EMAIL: 'owner@example.org' }, /"listening"/)
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    expect(run.stdout).toMatch(/retention purge stopped with the server/)

    const after = openDatabase(file)
    try {
      const c = after.$client
      const left = (c.prepare("SELECT count(*) AS n FROM consent_records WHERE site_id = 'acme'").get() as { n: number }).n
      expect(left).toBeGreaterThan(0)
      expect(left).toBeLessThan(total)
      const audited = (c.prepare("SELECT after FROM audit_log WHERE action = 'consents.purge'").all() as { after: string }[])
        .map((r) => (JSON.parse(r.after) as { purged: number }).purged)
        .reduce((a, b) => a + b, 0)
      expect(audited).toBe(total - left)
      expect(c.prepare("SELECT purged_count AS n FROM chain_anchors WHERE site_id = 'acme'").get()).toEqual({ n: total - left })
      expect(new ConsentLog(after).verify('acme')).toMatchObject({ ok: true, count: left })
    } finally {
      after.$client.close()
    }
  }, 60_000)
})
