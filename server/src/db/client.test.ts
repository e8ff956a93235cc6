import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { openConnection, openDatabase, writeTransaction } from './client'
import { sites } from './schema'

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
