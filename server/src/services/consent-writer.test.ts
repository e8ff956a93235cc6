// The writer's batch on a real SQLite file: records handed over while it is open join its
// transaction, and what another connection sees is all of it or none.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openConnection, openDatabase, type Db } from '../db/client'
import { seedSites } from '../seed/seed'
import { ACME, NOTICE_ONLY, nthRecord } from '../test-support'
import { verifyStoredChain } from './consent-chain'
import { ConsentWriter, RecordIdConflict, type AppendResult, type StampedRecord } from './consent-writer'

let dir: string
let db: Db
let writer: ConsentWriter
const at = Date.UTC(2026, 11, 7, 12)

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'miniconsent-writer-'))
  db = openDatabase(join(dir, 'log.sqlite'))
  seedSites(db, [ACME, NOTICE_ONLY], { now: at })
  writer = new ConsentWriter(openConnection(join(dir, 'log.sqlite'), { mustExist: true }))
})
afterEach(() => {
  db.$client.close()
  rmSync(dir, { recursive: true, force: true })
})

let n = 0
function stamped(overrides: Partial<StampedRecord> = {}): StampedRecord {
  n += 1
  const time = new Date(at + n).toISOString()
  return { ...nthRecord(n, time), serverTime: time, ...overrides }
}

const storedCount = (reader: Database.Database) => (reader.prepare('SELECT count(*) AS n FROM consent_records').get() as { n: number }).n
const seqs = (results: (AppendResult | Error)[]) => results.map((r) => (r instanceof Error ? r : r.seq))

describe('consent writer', () => {
  it('writes the records handed over while its batch is open in the same transaction, chained after the first ones, and answers each in order', () => {
    const reader = new Database(join(dir, 'log.sqlite'), { readonly: true })
    const first = [stamped(), stamped({ siteId: 'notice-only' })]
    const later = [[stamped(), stamped({ siteId: 'notice-only' })], [stamped()]]
    const seenWhileOpen: number[] = []
    let asked = 0
    const results = writer.writeBatch(first, () => {
      asked += 1
      // Another connection sees nothing of the batch until it commits.
      seenWhileOpen.push(storedCount(reader))
      return later.shift() ?? []
    })
    expect(seenWhileOpen).toEqual([0, 0, 0])
    // Asked until it had nothing more to give.
    expect(asked).toBe(3)
    expect(seqs(results)).toEqual([1, 1, 2, 2, 3])
    expect(results.every((r) => !(r instanceof Error) && r.created)).toBe(true)
    expect(storedCount(reader)).toBe(5)
    for (const siteId of ['acme', 'notice-only']) expect(verifyStoredChain(reader, siteId)).toMatchObject({ ok: true })
    reader.close()
  })

  it('fails only the record that conflicts among those handed over, and stores its neighbours', () => {
    const taken = stamped()
    expect(seqs(writer.writeBatch([taken]))).toEqual([1])
    const handed = [[{ ...stamped(), recordId: taken.recordId }, stamped()]]
    const results = writer.writeBatch([stamped()], () => handed.shift() ?? [])
    expect(results[0]).toMatchObject({ seq: 2, created: true })
    expect(results[1]).toBeInstanceOf(RecordIdConflict)
    expect(results[2]).toMatchObject({ seq: 3, created: true })
  })

  it('answers every record handed over when the batch fails whole: each retried on its own', () => {
    const handed = [stamped(), stamped({ siteId: 'no-such-site' }), stamped()]
    let once = false
    const results = writer.writeBatch([stamped()], () => (once ? [] : ((once = true), handed)))
    expect(results).toHaveLength(4)
    expect(seqs([results[0]!, results[1]!, results[3]!])).toEqual([1, 2, 3])
    // The record of a site that does not exist breaks the foreign key: it fails, alone.
    expect(results[2]).toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' })
  })
})
