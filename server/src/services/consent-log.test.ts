// The consent log with its writer in a worker thread, as the server runs it: a real SQLite file,
// the thread's own connection, the main connection reading what it committed.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase, type Db } from '../db/client'
import Database from 'better-sqlite3'
import { ACME, NOTICE_ONLY, consentBody, json, nthRecord, startTestServer } from '../test-support'
import { seedSites } from '../seed/seed'
import { createLogger } from '../logger'
import { AuditLog } from './audit'
import { verifyStoredChain } from './consent-chain'
import { purgeSite } from './retention'
import { ConsentLog, ConsentLogClosed, RecordIdConflict, type AppendResult, type NewConsentRecord } from './consent-log'
import { ConsentSubjects } from './consent-subjects'
import { ManifestKeys } from './manifest-keys'

let dir: string
let db: Db
let log: ConsentLog
let clock: number

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'miniconsent-log-'))
  db = openDatabase(join(dir, 'log.sqlite'))
  clock = Date.UTC(2026, 10, 22, 10, 0, 0)
  seedSites(db, [ACME, NOTICE_ONLY], { now: clock })
  log = new ConsentLog(db, { writer: 'thread', now: () => (clock += 7) })
})
afterEach(async () => {
  await log.close()
  db.$client.close()
  rmSync(dir, { recursive: true, force: true })
})

let n = 0
function record(overrides: Partial<NewConsentRecord> = {}): NewConsentRecord {
  n += 1
  return { ...nthRecord(n, new Date(clock).toISOString()), ...overrides }
}

const rows = (siteId: string) =>
  db.$client.prepare('SELECT seq, record_id AS recordId, server_time AS serverTime FROM consent_records WHERE site_id = ? ORDER BY seq').all(siteId) as {
    seq: number
    recordId: string
    serverTime: string
  }[]

describe('consent log written by its worker thread', () => {
  it('stores every acknowledged record of concurrent requests once, in an unbroken chain per site', async () => {
    const sent = Array.from({ length: 600 }, (_, i) => record({ siteId: i % 3 === 0 ? 'notice-only' : 'acme' }))
    // In waves, as requests arrive while earlier batches are being committed.
    const results: AppendResult[] = []
    for (let i = 0; i < sent.length; i += 150) results.push(...(await Promise.all(sent.slice(i, i + 150).map((r) => log.append(r)))))
    expect(results.every((r) => r.created)).toBe(true)
    for (const siteId of ['acme', 'notice-only']) {
      const stored = rows(siteId)
      expect(stored.map((r) => r.seq)).toEqual(stored.map((_, i) => i + 1))
      expect(stored.map((r) => r.recordId).sort()).toEqual(sent.filter((r) => r.siteId === siteId).map((r) => r.recordId).sort())
      // Server time is stamped on arrival, so it follows the chain.
      expect(stored.map((r) => r.serverTime)).toEqual(stored.map((r) => r.serverTime).sort())
      expect(log.verify(siteId)).toMatchObject({ ok: true, count: stored.length })
    }
    // Each caller got its own record's seq.
    const seqOf = new Map(rows('acme').map((r) => [r.recordId, r.seq]))
    sent.forEach((r, i) => r.siteId === 'acme' && expect(results[i]!.seq).toBe(seqOf.get(r.recordId)))
  })

  it('answers a retried recordId from what is stored, and refuses it for another record or another site', async () => {
    const first = record()
    const stored = await log.append(first)
    // What the server adds may differ on a retry (another address, browser, time): the same record.
    expect(await log.append({ ...first, ip: '198.51.100.0', userAgent: 'Other/2.0', region: 'US-CA' })).toEqual({ ...stored, created: false })
    await expect(log.append({ ...first, method: 'withdraw' })).rejects.toThrow(/different record/)
    await expect(log.append({ ...first, siteId: 'notice-only' })).rejects.toBeInstanceOf(RecordIdConflict)
    // The conflict failed only itself: its batch neighbours are stored.
    const [a, , b] = await Promise.allSettled([log.append(record()), log.append({ ...first, siteId: 'notice-only' }), log.append(record())])
    expect([a.status, b.status]).toEqual(['fulfilled', 'fulfilled'])
    expect(rows('acme')).toHaveLength(3)
    expect(log.latest('acme', first.consentId)).toMatchObject({ method: first.method, seq: stored.seq })
  })

  it('stores, chains and answers a recordId sent in upper case in lower case, in the thread as inline: sent again in either case, it is the record stored', async () => {
    const added = { region: null, mode: 'opt-in', url: 'https://acme.test/', userAgent: null, ip: null, gpc: false }
    for (const [siteId, writer] of [['acme', 'thread'], ['notice-only', 'inline']] as const) {
      const own = writer === 'thread' ? log : new ConsentLog(db, { writer, now: () => (clock += 7) })
      const body = consentBody(siteId === 'acme' ? {} : { siteId, categories: { essential: true }, services: {} })
      const upperId = body.recordId.toUpperCase()
      const upper = JSON.stringify({ ...body, recordId: upperId })
      // Given the recordId as sent: answered with the one stored (before, in thread mode, the caller's as it came).
      const first = await own.appendSent(upper, added, upperId)
      expect(first, writer).toEqual({ recordId: body.recordId, seq: 1, created: true })
      expect(await own.appendSent(JSON.stringify(body), added, body.recordId), writer).toEqual({ ...first, created: false })
      expect(await own.appendSent(upper, added, upperId), writer).toEqual({ ...first, created: false })
      const answered = await new Promise((resolve) => own.appendSentThen(upper, added, upperId, resolve))
      expect(answered, writer).toEqual({ ...first, created: false })
      expect(rows(siteId).map((r) => r.recordId), writer).toEqual([body.recordId])
      expect(own.verify(siteId), writer).toMatchObject({ ok: true, count: 1 })
      if (own !== log) await own.close()
    }
  })

  it('takes a record stored under an upper-case recordId before ids were read in lower case as the record sent again under that id, in the thread as inline: 200 with its seq, 409 for another decision', async () => {
    const added = { region: null, mode: 'opt-in', url: 'https://acme.test/', userAgent: null, ip: null, gpc: false }
    for (const [siteId, writer] of [['acme', 'thread'], ['notice-only', 'inline']] as const) {
      const own = writer === 'thread' ? log : new ConsentLog(db, { writer, now: () => (clock += 7) })
      const body = consentBody(siteId === 'acme' ? {} : { siteId, categories: { essential: true }, services: {} })
      const upper = { ...body, recordId: body.recordId.toUpperCase() }
      // As the writer stored it before: append() keeps the recordId it is given.
      const { gpc: _gpc, ...sent } = upper
      const legacy = await own.append({ ...sent, ...added } as NewConsentRecord)
      expect(legacy, writer).toMatchObject({ seq: 1, created: true })
      // Before: { created: true, seq: 2 }, a second row under the lower-case id.
      expect(await own.appendSent(JSON.stringify(upper), added, upper.recordId), writer).toEqual({ recordId: body.recordId, seq: 1, created: false })
      await expect(own.appendSent(JSON.stringify({ ...upper, method: 'reject-all' }), added, upper.recordId), writer).rejects.toThrow(/different record/)
      expect(rows(siteId).map((r) => r.recordId), writer).toEqual([upper.recordId])
      expect(own.verify(siteId), writer).toMatchObject({ ok: true, count: 1 })
      if (own !== log) await own.close()
    }
  })

  it("gives appendSentThen's callback each record's outcome, as the writer thread sends it back: stored, already stored, a conflict, SQLite's error with its code", async () => {
    const added = { region: null, mode: 'opt-in', url: 'https://acme.test/', userAgent: null, ip: null, gpc: false }
    const sent = ({ region: _r, mode: _m, userAgent: _u, ip: _i, ...body }: NewConsentRecord) => body
    const outcomes: (AppendResult | Error)[] = []
    const appended = (r: NewConsentRecord) => log.appendSentThen(JSON.stringify(sent(r)), added, r.recordId, (o) => outcomes.push(o))
    const first = record()
    appended(first)
    // Waits for every record appended before it, answered by callback as by promise.
    await log.written()
    expect(outcomes).toEqual([{ recordId: first.recordId, seq: 1, created: true }])
    // Handed over together, so that they share batches: each outcome is its own record's.
    const later = [record(), first, { ...first, method: 'withdraw' }, record({ siteId: 'no-such-site' }), record()]
    later.forEach(appended)
    await log.written()
    expect(outcomes.slice(1, 3)).toEqual([
      { recordId: later[0]!.recordId, seq: 2, created: true },
      { recordId: first.recordId, seq: 1, created: false },
    ])
    expect(outcomes[3]).toBeInstanceOf(RecordIdConflict)
    expect(outcomes[3]).toMatchObject({ message: 'this recordId was already used for a different record' })
    expect(outcomes[4]).toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' })
    expect(outcomes[5]).toEqual({ recordId: later[4]!.recordId, seq: 3, created: true })
    expect(rows('acme').map((r) => r.recordId)).toEqual([first.recordId, later[0]!.recordId, later[4]!.recordId])
  })

  it("answers every record of a batch and resolves written() when a callback throws, in the thread as inline, calling each callback once and logging the throw", async () => {
    const added = { region: null, mode: 'opt-in', url: 'https://acme.test/', userAgent: null, ip: null, gpc: false }
    // Inline with a batch of 3: the third append writes the batch itself, inside appendSentThen.
    for (const [writer, maxBatch] of [['thread', undefined], ['inline', undefined], ['inline', 3]] as const) {
      const lines: Record<string, unknown>[] = []
      const logger = createLogger('info', (line) => lines.push(JSON.parse(line) as Record<string, unknown>))
      const own = new ConsentLog(db, { writer, now: () => (clock += 7), logger, ...(maxBatch ? { maxBatch } : {}) })
      const calls: number[] = []
      const bodies = Array.from({ length: 6 }, () => consentBody())
      // Before: 3 of 6 answered in the thread (an uncaught exception), the throw out of written()
      // inline, and past maxBatch the throwing record answered twice, inside appendSentThen.
      const appended = () =>
        bodies.forEach((body, i) =>
          own.appendSentThen(JSON.stringify(body), added, body.recordId, () => {
            calls.push(i)
            if (i === 2) throw new Error('a bug in the caller')
          }),
        )
      expect(appended, `${writer} ${maxBatch}`).not.toThrow()
      const timeout = new Promise((resolve) => setTimeout(() => resolve('timed out'), 2000))
      expect(await Promise.race([own.written().then(() => 'written'), timeout]), `${writer} ${maxBatch}`).toBe('written')
      expect(calls.sort(), `${writer} ${maxBatch}`).toEqual([0, 1, 2, 3, 4, 5])
      expect(lines.filter((l) => l.level === 'error').map((l) => (l.err as { message?: string } | undefined)?.message), `${writer} ${maxBatch}`).toEqual(['a bug in the caller'])
      expect(rows('acme').slice(-6).map((r) => r.recordId), `${writer} ${maxBatch}`).toEqual(bodies.map((b) => b.recordId))
      await own.close()
    }
  })

  it("finds a visitor's latest record through the (site_id, consent_id) index, sorting only their records", async () => {
    // The order is an expression over client and server time: no index serves it, none is needed.
    const { sql } = (log as unknown as { latestByConsentId: { getQuery(): { sql: string } } }).latestByConsentId.getQuery()
    const plan = (db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('acme', 'visitor-1', 1) as { detail: string }[]).map((r) => r.detail)
    expect(plan).toEqual(['SEARCH consent_records USING INDEX consent_records_site_consent (site_id=? AND consent_id=?)', 'USE TEMP B-TREE FOR ORDER BY'])
  })

  it('close() writes everything still queued before it resolves', async () => {
    const pending = Array.from({ length: 200 }, () => log.append(record()))
    await log.close()
    expect((await Promise.all(pending)).every((r) => r.created)).toBe(true)
    expect(rows('acme')).toHaveLength(200)
  })

  it('refuses a record appended after close(), storing nothing and starting no writer thread', async () => {
    const before = record()
    expect((await log.append(before)).created).toBe(true)
    await log.close()
    const late = record()
    await expect(log.append(late)).rejects.toThrow(ConsentLogClosed)
    await expect(log.appendSent(JSON.stringify(record()), { region: null, mode: 'opt-in', url: 'https://acme.test/', userAgent: null, ip: null, gpc: false }, '00000000-0000-4000-8000-000000000000')).rejects.toThrow(ConsentLogClosed)
    expect((log as unknown as { thread: unknown }).thread).toBeNull()
    expect(rows('acme').map((r) => r.recordId)).toEqual([before.recordId])
  })

  it('writes or refuses every record appended while close() waits, and starts no thread after it: records chained on others, a small ring, close() called twice', async () => {
    await log.close()
    // A ring of 4 KB holds about five records: most of these find it full at first.
    log = new ConsentLog(db, { writer: 'thread', now: () => (clock += 7), ringBytes: 4096 })
    // Each outcome taken at once: a refusal is an answer here, not an unhandled rejection.
    const outcome = (p: Promise<AppendResult>) => p.then(() => 'stored', (e: unknown) => (e instanceof ConsentLogClosed ? 'refused' : String(e)))
    const first = Array.from({ length: 20 }, () => log.append(record()))
    // Appended once the last of the first ones is answered: while close() is waiting, or after it.
    const chained = first.at(-1)!.then(() => Array.from({ length: 30 }, () => outcome(log.append(record()))))
    const closings = [log.close(), log.close()]
    await Promise.all(closings)
    const thread = () => (log as unknown as { thread: unknown }).thread
    expect(thread()).toBeNull()
    const outcomes = await Promise.all([...first.map(outcome), ...(await chained)])
    await new Promise((r) => setTimeout(r, 100))
    expect(thread()).toBeNull()
    expect(outcomes.slice(0, 20)).toEqual(Array(20).fill('stored'))
    expect(outcomes.filter((o) => o !== 'stored' && o !== 'refused')).toEqual([])
    expect(rows('acme')).toHaveLength(outcomes.filter((o) => o === 'stored').length)
  })

  it('records that find the thread\'s ring full wait and are written after the others, in the order they came', async () => {
    await log.close()
    // A ring of 4 KB holds about five records: most of these find it full at first.
    log = new ConsentLog(db, { writer: 'thread', now: () => (clock += 7), ringBytes: 4096 })
    const sent = Array.from({ length: 300 }, () => record())
    const results = await Promise.all(sent.map((r) => log.append(r)))
    expect(results.map((r) => r.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1))
    expect(rows('acme').map((r) => r.recordId)).toEqual(sent.map((r) => r.recordId))
    expect(log.verify('acme')).toMatchObject({ ok: true, count: 300 })
  })

  it('a writer thread that dies fails only the records handed to it and not yet answered; the next records start a new one', async () => {
    await log.append(record())
    const thread = (log as unknown as { thread: { worker: { terminate(): Promise<number> } } }).thread
    const lost = log.append(record())
    void thread.worker.terminate()
    // Killed before or after its commit: the caller hears either way, and a retry settles it.
    await lost.then(
      () => undefined,
      (e: unknown) => expect(e).toBeInstanceOf(Error),
    )
    expect((await log.append(record())).created).toBe(true)
    expect(log.verify('acme')).toMatchObject({ ok: true })
  })

  it('an erasure on the main connection while records are written leaves a verifiable chain', async () => {
    const visitor = record()
    await log.append(visitor)
    await Promise.all(Array.from({ length: 50 }, () => log.append(record())))
    // The data-subject request takes the write lock between the thread's batches.
    const writing = Promise.all(Array.from({ length: 200 }, () => log.append(record())))
    const erased = new ConsentSubjects(db, () => clock, new AuditLog(db, () => clock), new ManifestKeys(db, () => clock)).erase('acme', visitor.consentId, null)
    await writing
    expect(erased.erased).toBe(1)
    expect(rows('acme').map((r) => r.seq)).toEqual(Array.from({ length: 251 }, (_, i) => i + 1))
    expect(log.verify('acme')).toMatchObject({ ok: true, count: 251 })
    expect(log.latest('acme', visitor.consentId)).toBeNull()
  })
})

describe('chain verification in a thread', () => {
  it('gives the answer of the verification on this thread, for a file and, inline, for an in-memory database', async () => {
    await Promise.all(Array.from({ length: 300 }, () => log.append(record())))
    db.$client.prepare("UPDATE consent_records SET url = 'https://acme.test/edited' WHERE site_id = 'acme' AND seq = 200").run()
    const inThread = await log.verifyInThread('acme')
    expect(inThread).toMatchObject({ ok: false, count: 200, firstBad: { seq: 200 } })
    expect(inThread).toEqual(log.verify('acme'))

    // No other connection can open an in-memory database: it is verified on this thread.
    const memory = openDatabase(':memory:')
    seedSites(memory, [ACME], { now: clock })
    const memoryLog = new ConsentLog(memory, { now: () => (clock += 7) })
    try {
      await Promise.all(Array.from({ length: 20 }, () => memoryLog.append(record())))
      expect(await memoryLog.verifyInThread('acme')).toEqual({ ok: true, count: 20, head: expect.stringMatching(/^[a-f0-9]{64}$/) })
    } finally {
      await memoryLog.close()
      memory.$client.close()
    }
  })
})

describe('verifying beside a running server', () => {
  it('reads the anchor and the records from one snapshot: a purge committed in between does not cut a sound chain', async () => {
    const t = startTestServer({}, [{ ...ACME, settings: { ...ACME.settings, retentionDays: 30 } }])
    try {
      for (let i = 0; i < 4; i++) {
        expect((await t.request('/api/v1/consents', json(consentBody()))).status).toBe(201)
        t.clock.now += 20 * 86_400_000
      }
      // A read-only connection, as the CLI opens one; the server purges right after the anchor is read.
      const conn = new Database(t.file, { readonly: true, fileMustExist: true })
      const prepare = conn.prepare.bind(conn)
      conn.prepare = ((source: string) => {
        const statement = prepare(source)
        if (!source.includes('chain_anchors')) return statement
        return {
          get: (...args: unknown[]) => {
            const anchor = statement.get(...args)
            purgeSite(t.db, 'acme', 30, t.clock.now)
            return anchor
          },
        }
      }) as typeof conn.prepare
      try {
        expect(verifyStoredChain(conn, 'acme')).toMatchObject({ ok: true, count: 4 })
      } finally {
        conn.close()
      }
      // The purge did happen: the next verification starts after its anchor.
      expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 1, anchor: { seq: 3 } })
    } finally {
      t.close()
    }
  })
})
