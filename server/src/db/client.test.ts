import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { openConnection, openDatabase, writeTransaction } from './client'
import { sites } from './schema'
import { openMigratedUpTo } from '../test-support'
import { generateRecords } from '../../bench/generate'

describe('writeTransaction', () => {
  it("holds the write lock from its start, so another connection's commit cannot slip in between its read and its write", () => {
    const dir = mkdtempSync(join(tmpdir(), 'miniconsent-client-'))
    const file = join(dir, 'db.sqlite')
    const db = openDatabase(file)
    // Another writer of the same file, as the consent writer thread is, that does not wait.
    const other = openConnection(file)
    other.pragma('busy_timeout = 0')
    other.exec('CREATE TABLE scratch (v TEXT)')
    try {
      const commitOther = () => other.prepare(`INSERT INTO scratch VALUES ('other')`).run()
      const written = writeTransaction(db, (tx) => {
        tx.select().from(sites).where(eq(sites.id, 'none')).get()
        // A deferred transaction would let this commit, then fail its own write with "database is locked".
        expect(commitOther).toThrow(/locked|busy/i)
        return db.$client.prepare(`INSERT INTO scratch VALUES ('this')`).run().changes
      })
      expect(written).toBe(1)
      expect(commitOther().changes).toBe(1)
    } finally {
      other.close()
      db.$client.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('migration 0006', () => {
  it('leaves a database someone ran ANALYZE on planning the log as the server plans it: the chain head by seq, not by the rebuilt time index', () => {
    const dir = mkdtempSync(join(tmpdir(), 'miniconsent-0006-'))
    try {
      const file = join(dir, 'old.sqlite')
      const before = openMigratedUpTo(dir, file, 5)
      before.$client.prepare(`INSERT INTO sites (id, settings, created_at) VALUES ('acme', '{}', 0), ('other', '{}', 0)`).run()
      generateRecords(before, 'acme', 3000)
      generateRecords(before, 'other', 3000)
      before.$client.exec('ANALYZE')
      before.$client.close()

      const db = openDatabase(file)
      try {
        const plan = (q: string) => (db.$client.prepare(`EXPLAIN QUERY PLAN ${q}`).all('acme') as { detail: string }[]).map((r) => r.detail).join('; ')
        // The consent writer's and the export's chain head.
        expect(plan('SELECT seq, hash, iif(personal_hash IS NULL, 1, 2) AS format FROM consent_records WHERE site_id = ? ORDER BY seq DESC LIMIT 1')).toBe(
          'SEARCH consent_records USING INDEX consent_records_site_seq (site_id=?)',
        )
        expect(db.$client.prepare(`SELECT count(*) AS n FROM sqlite_stat1 WHERE tbl = 'consent_records'`).get()).toEqual({ n: 0 })
      } finally {
        db.$client.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('migration 0011', () => {
  const upgraded = (prepare: (db: ReturnType<typeof openMigratedUpTo>) => void): string[] => {
    const dir = mkdtempSync(join(tmpdir(), 'miniconsent-0011-'))
    try {
      const file = join(dir, 'old.sqlite')
      const before = openMigratedUpTo(dir, file, 10)
      before.$client.prepare(`INSERT INTO sites (id, settings, created_at) VALUES ('acme', '{}', 0)`).run()
      generateRecords(before, 'acme', 20)
      prepare(before)
      before.$client.close()
      const db = openDatabase(file)
      try {
        return (db.$client.prepare('SELECT name FROM startup_tasks ORDER BY name').all() as { name: string }[]).map((r) => r.name)
      } finally {
        db.$client.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  it('leaves the start-up signing to do only where something stored is still unsigned', () => {
    expect(upgraded(() => {})).toEqual(['sign-anchors', 'sign-erasures'])
    expect(upgraded((db) => db.$client.exec(`UPDATE consent_records SET erased_at = '2026-11-01T00:00:00.000Z' WHERE seq = 3`))).toEqual(['sign-anchors'])
    expect(
      upgraded((db) => db.$client.exec(`INSERT INTO chain_anchors (site_id, seq, hash, purged_count, purged_at) SELECT 'acme', 5, hash, 5, 0 FROM consent_records WHERE seq = 5`)),
    ).toEqual(['sign-erasures'])
  })
})
