// A migration that shipped never changes. drizzle applies each one once, by its time, and never
// compares its contents: a line added to one later reaches only the databases made after it (0006
// and 0012 were changed so, which 0014 had to make up for). A change goes into a new migration;
// a new migration adds its file's SHA-256 here in the same commit.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { migrationsDir } from '../paths'

const SHIPPED: Record<string, string> = {
  '0000_init.sql': '8fed88b541da83c67b9353f5c1838b4e2abba1ac8336c87abf244e885a8103a9',
  '0001_wooden_rogue.sql': '3e1fc19fbab81e4fa2a914c70d4c09cd9d27c0838f29765d14d8141e4ad6b19e',
  '0002_remarkable_marvel_zombies.sql': '33d26374533431b2c42585dc4917bffd497b67ad70c53e6f478a484911fb4097',
  '0003_personal_hash.sql': 'b47a7388dacfbe4e5864eb1489f70ee455380edaa6adf3d7ca880906a4155716',
  '0004_manifest_signing_keys.sql': '2ede5f8e3363da954c244dc83fc85c60adb32ad03a68f88ecb52f3bed9192345',
  '0005_settings_updated_at.sql': 'c2fedc3326b58583ee701ea869f1a8e17ab42c880b9457951489bcc7c0f84d54',
  '0006_log_indexes.sql': 'e6eb6fb5f203077b2e1cdeccdc6323b1c7b601bc48739cbd0b150e68a615509e',
  '0007_audit_export_index.sql': '24902c7fe97f6e6d57e3890a2e93407d482622c6a1cae874d00a5f072ee39940',
  '0008_erasure_signature.sql': '0ea1454f8fcc7150df798d737de67b10b6ecb19fb948e7bc433485b2c9fef8da',
  '0009_verdict_overridden.sql': '6cdd4d98487e7d0d03ef8f794339aefe910cc49d58e362bbe063dd40612e560e',
  '0010_anchor_signature.sql': '481fc2f9b686664a3405b6d707c29370e172dc361b4736360c905cc2c35cd8d9',
  '0011_startup_tasks.sql': 'd83485bf8dc3cc0f7a904a7c3d8d8a5a03c64f28bd316367b4633400cbe867ef',
  '0012_stats_rollups.sql': '227ab0a6b86df366029991e1ab35a9e05fbc5c4cb73fd8e97ca58c70affb5388',
  '0013_erased_events.sql': '0a80bad0da1747e18638299c5a8d8eb309fb71a4304729426f80e19df2956428',
  '0014_reapply_edited_migrations.sql': 'ab8f6d5bdaf8760e6c692c3d546226132ce7516b7d2d940bb353de50118f5df8',
  '0015_deleted_sites.sql': 'e968474558202643f36526c1bf87ab7d9c8bc3550fd76d2a5e61e43c5470e773',
  '0016_administrators.sql': 'a7922da561bf424e1a612757abd7c47e25fe56d1b7ad2354d5518e94992b9c9d',
  '0017_retention_signature.sql': '282787e511c9ee429c94de8397c8b5a036daf81784a1faf1fbf8a7876e485e21',
  '0018_deleted_site_retention_signature.sql': 'f4d45f7016254cf1cb492c8f4f987aaefe9f7e348a04a2847e59638985fc26cf',
}

// Line ends as committed (a checkout with Windows line ends changes no migration).
const sha256 = (file: string) => createHash('sha256').update(readFileSync(join(migrationsDir, file), 'utf8').replace(/\r\n/g, '\n')).digest('hex')

describe('migrations', () => {
  it('are each as they shipped, and each is in the journal drizzle applies them by', () => {
    const files = readdirSync(migrationsDir).filter((f) => f.endsWith('.sql')).sort()
    expect(files).toEqual(Object.keys(SHIPPED).sort())
    for (const file of files) expect([file, sha256(file)]).toEqual([file, SHIPPED[file]])
    const journal = JSON.parse(readFileSync(join(migrationsDir, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string; when: number }[] }
    expect(journal.entries.map((e) => `${e.tag}.sql`)).toEqual(files)
    // Applied by time: each later than the one before, or a database that ran the earlier would skip it.
    for (let i = 1; i < journal.entries.length; i++) expect(journal.entries[i]!.when).toBeGreaterThan(journal.entries[i - 1]!.when)
  })
})
