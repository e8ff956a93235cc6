// A crash under load, as an operator may meet one: the real server (main.ts, its writer thread,
// WAL with synchronous=FULL) killed with SIGKILL while consent records arrive, then started again
// on the same file. Every record it acknowledged must be there, the chain must verify, and the
// SDK's retry of a record whose answer never came must settle it exactly once. Then the same
// load ended by SIGTERM: every record in flight is answered and stored before the process exits,
// without waiting for the forced stop. (A killed process leaves its writes to the kernel, which
// still puts them on disk: this shows that no record is answered before its commit, not that the
// commit reaches the disk, which is synchronous=FULL's part.)
import { randomInt } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from './cli'
import { minopaPost, startMain, type RunningMain } from './test-support'

const dir = mkdtempSync(join(tmpdir(), 'miniconsent-crash-'))
/** Every server started: one still running after a failed assertion is killed, not left behind. */
const started: RunningMain[] = []
afterAll(() => {
  for (const server of started) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})
/** The server on the test's file, as an operator starts it. */
const start = async (): Promise<RunningMain> => {
  const server = await startMain(ENV)
  started.push(server)
  return server
}

const DATABASE_URL = join(dir, 'crash.sqlite')
const ENV = { DATABASE_URL, TRUST_PROXY: 'true', MINICONSENT_ADMIN_EMAIL: 'owner@example.org', MINICONSENT_ADMIN_PASSWORD: 'crash test password' }
/** Senders at once, each waiting for its answer before the next record, as browsers do. */
const SENDERS = 24

let visitor = 0
const record = () => minopaPost(++visitor)

interface Load {
  /** recordIds answered 201 or 200: the server said they are stored. */
  acknowledged: Set<string>
  /** Records sent whose answer never came (the connection broke): stored or not, the SDK sends them again. */
  unanswered: { id: string; init: RequestInit }[]
  /** Any other answer, by status: none is expected. */
  refused: Map<number, number>
  stop: () => Promise<void>
}

/** SENDERS loops posting new records to the server until stopped or until the server is gone. */
function load(server: RunningMain): Load {
  const l: Load = { acknowledged: new Set(), unanswered: [], refused: new Map(), stop: async () => {} }
  let stopped = false
  const sender = async () => {
    while (!stopped) {
      const r = record()
      let status: number
      try {
        const res = await fetch(server.url + '/api/v1/consents', r.init)
        status = res.status
        await res.arrayBuffer()
      } catch {
        l.unanswered.push(r)
        // The server is gone (killed) or going (stopped): this sender is done.
        return
      }
      if (status === 201 || status === 200) l.acknowledged.add(r.id)
      else l.refused.set(status, (l.refused.get(status) ?? 0) + 1)
    }
  }
  const senders = Array.from({ length: SENDERS }, sender)
  l.stop = async () => {
    stopped = true
    await Promise.all(senders)
  }
  return l
}

const storedIds = (): Set<string> => {
  const db = new Database(DATABASE_URL, { readonly: true })
  try {
    return new Set((db.prepare("SELECT record_id AS id FROM consent_records WHERE site_id = 'minopa'").all() as { id: string }[]).map((r) => r.id))
  } finally {
    db.close()
  }
}

async function verifyMinopa() {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(['verify', '--site', 'minopa', '--db', DATABASE_URL], { out: (l) => out.push(l), err: (l) => err.push(l), env: {} })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

/** Resolves once `n` more records are acknowledged (or after 20 s: the caller's checks then fail on the counts). */
async function acknowledgedAtLeast(l: Load, n: number) {
  const until = Date.now() + 20_000
  while (l.acknowledged.size < n && Date.now() < until) await new Promise((r) => setTimeout(r, 5))
}

/** The SDK sends a record whose answer never came again: stored already (200) or now (201), and stored once. */
async function resend(server: RunningMain, records: Load['unanswered'], stored: Set<string>, acknowledged: Set<string>) {
  for (const r of records) {
    const res = await fetch(server.url + '/api/v1/consents', r.init)
    expect([200, 201]).toContain(res.status)
    expect(res.status === 200).toBe(stored.has(r.id))
    acknowledged.add(r.id)
  }
}

describe('a crash under load', () => {
  it('loses no acknowledged record when killed (SIGKILL) mid-load, twice; retries settle each record once; SIGTERM under load answers and stores what is in flight; the chain verifies', async () => {
    const acknowledged = new Set<string>()
    let unanswered: Load['unanswered'] = []
    let inFlightAtKills = 0
    for (let crash = 0; crash < 2; crash++) {
      const server = await start()
      await resend(server, unanswered, storedIds(), acknowledged)
      const l = load(server)
      // A different point in the group commit's cycle each time: after some hundreds of records.
      await acknowledgedAtLeast(l, 200 + randomInt(400))
      server.child.kill('SIGKILL')
      expect((await server.ended).code).toBe(null)
      await l.stop()
      expect(l.refused).toEqual(new Map())
      expect(l.acknowledged.size).toBeGreaterThanOrEqual(200)
      for (const id of l.acknowledged) acknowledged.add(id)
      // Every record it acknowledged is in the file.
      const stored = storedIds()
      expect([...acknowledged].filter((id) => !stored.has(id))).toEqual([])
      unanswered = l.unanswered
      inFlightAtKills += unanswered.length
    }
    // Some records were in flight at each kill (24 senders, each always waiting for an answer).
    expect(inFlightAtKills).toBeGreaterThan(0)

    // Stopped with SIGTERM under load: it stops taking requests, answers those it has read once
    // their records are committed, and exits 0.
    const before = storedIds()
    const server = await start()
    await resend(server, unanswered, before, acknowledged)
    const l = load(server)
    await acknowledgedAtLeast(l, 300)
    server.child.kill('SIGTERM')
    const ended = await server.ended
    await l.stop()
    expect(ended.code).toBe(0)
    // Stopped once the requests it had read were answered, not by the connections closed by force 25 s later (whose warning would be here).
    expect(ended.stdout).toContain('"shutting down"')
    expect(ended.stderr).toBe('')
    expect(l.refused).toEqual(new Map())
    for (const id of l.acknowledged) acknowledged.add(id)
    const stored = storedIds()
    expect([...acknowledged].filter((id) => !stored.has(id))).toEqual([])
    // And every record stored was answered: the requests that failed are those sent as the stop
    // closed their connection, which the server never read (the SDK sends them again).
    expect(stored.size).toBe(acknowledged.size)

    const verified = await verifyMinopa()
    expect(verified.err).toBe('')
    expect(verified.code).toBe(0)
    expect(verified.out).toMatch(new RegExp(`^OK minopa: ${stored.size} records, head [0-9a-f]{64}`))
  }, 120_000)
})
