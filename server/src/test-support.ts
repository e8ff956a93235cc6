// Shared by the server's tests: a real SQLite file per test, migrated with the committed migrations.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomFillSync, randomInt } from 'node:crypto'
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { consentIdAt, uuid7 } from '@miniconsent/shared/ids'
import { createApp, type AppDeps } from './app'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { openDatabase, type Db } from './db/client'
import { migrationsDir } from './paths'
import { silentLogger } from './logger'
import { seedSites, type DemoSite } from './seed/seed'
import { Accounts } from './services/accounts'
import { ConsentLog, type ConsentLogOptions, type NewConsentRecord } from './services/consent-log'
import { startRetention } from './services/retention'

export const ACME: DemoSite = {
  settings: { id: 'acme', name: 'Acme', domains: ['acme.test', 'localhost'] },
  catalogue: {
    categories: [
      { id: 'essential', required: true, label: { en: 'Essential' } },
      { id: 'analytics', label: { en: 'Analytics' }, consentMode: ['analytics_storage'] },
    ],
    services: [{ id: 'plausible', category: 'analytics', name: 'Plausible', provider: 'Plausible Insights' }],
    entries: [{ name: 'session', category: 'essential', provider: 'Acme', purpose: { en: 'Keeps you signed in </script>' }, expiry: 'session' }],
  },
}

/** Like MiniMagic: only a required category declares anything, so no banner is needed. */
export const NOTICE_ONLY: DemoSite = {
  settings: { id: 'notice-only', name: 'Notice only', domains: ['notice.test'], ipPolicy: 'none' },
  catalogue: {
    categories: [
      { id: 'essential', required: true, label: { en: 'Essential' } },
      { id: 'functional', label: { en: 'Functional' } },
    ],
    entries: [{ name: 'theme', kind: 'localStorage', category: 'essential', provider: 'Notice', expiry: 'persistent' }],
  },
}

export interface TestServer {
  db: Db
  dir: string
  file: string
  app: ReturnType<typeof createApp>
  consentLog: ConsentLog
  clock: { now: number }
  /** `app.request` as if from this client IP. */
  request: (path: string, init?: RequestInit, ip?: string) => Promise<Response>
  close: () => void
}

/** `log`: options of the test's consent log (inline by default: `writer: 'thread'` as the server runs it). */
export function startTestServer(overrides: Partial<AppDeps> = {}, sites: DemoSite[] = [ACME, NOTICE_ONLY], log: ConsentLogOptions = {}): TestServer {
  const dir = mkdtempSync(join(tmpdir(), 'miniconsent-test-'))
  const file = join(dir, 'test.sqlite')
  const db = openDatabase(file)
  const clock = { now: Date.UTC(2026, 10, 22, 10, 0, 0) }
  // Their retention is signed once the app settles its key (AppDeps.seededSites); the server seeds once it listens, signing as it seeds.
  const seededSites = seedSites(db, sites, { now: clock.now })
  const consentLog = new ConsentLog(db, { now: () => clock.now, ...log })
  const app = createApp({
    seededSites,
    db,
    env: { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: undefined, TRUST_PROXY: false },
    logger: silentLogger,
    now: () => clock.now,
    consentLog,
    sdkDir: join(dir, 'sdk'),
    dashboardDir: join(dir, 'dashboard'),
    demoDir: join(dir, 'demo'),
    ...overrides,
  })
  return {
    db,
    dir,
    file,
    app,
    consentLog,
    clock,
    request: (path, init, ip = '203.0.113.77') =>
      Promise.resolve(app.request(path, init, { incoming: { socket: { remoteAddress: ip } } } as never)),
    close: () => {
      consentLog.close()
      db.$client.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export async function addUser(db: Db, email: string, password: string, memberships: Record<string, 'owner' | 'editor' | 'auditor'>) {
  const accounts = new Accounts(db, Date.now)
  const user = await accounts.createUser(email, password)
  for (const [siteId, role] of Object.entries(memberships)) accounts.setMembership(user.id, siteId, role)
  return user
}

/**
 * Holds the answers of `object[method]` (an async method; a prototype's holds every instance's):
 * each call runs as before, and what it resolves to is handed back only once `release()` is
 * called, for a test to change something (a member removed) between the work and what a route
 * does with it. `arrived(n)` resolves once n calls have their answer; `restore()` puts it back.
 */
export function holdAnswers<T extends object, K extends keyof T>(object: T, method: K) {
  const original = object[method] as (...args: unknown[]) => Promise<unknown>
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  let answered = 0
  const waiters: { n: number; resolve: () => void }[] = []
  object[method] = async function (this: unknown, ...args: unknown[]) {
    const answer = await original.apply(this, args)
    answered += 1
    for (const w of waiters) if (answered >= w.n) w.resolve()
    await released
    return answer
  } as T[K]
  return {
    arrived: (n = 1) => new Promise<void>((resolve) => (answered >= n ? resolve() : waiters.push({ n, resolve }))),
    release,
    restore: () => {
      object[method] = original as T[K]
    },
  }
}

let counter = 0
/** A valid consent record body; each call gets a fresh recordId. */
export function consentBody(overrides: Record<string, unknown> = {}) {
  counter += 1
  const hex = counter.toString(16).padStart(12, '0')
  return {
    recordId: `6f1c1d2e-3b4a-4c5d-8e9f-${hex}`,
    consentId: 'visitor-0001',
    siteId: 'acme',
    revision: 1,
    textsHash: 'a'.repeat(64),
    categories: { essential: true, analytics: true },
    services: { plausible: true },
    method: 'accept-all',
    language: 'en',
    url: 'https://acme.test/pricing?utm_source=mail&email=x@y.z#plans',
    clientTime: '2026-11-22T09:59:58.000+01:00',
    gpc: false,
    ...overrides,
  }
}

export const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json', ...headers },
  body: JSON.stringify(body),
})

export interface AdminSession {
  cookie: string
  csrfToken: string
  /** `t.request` with this session's cookie and, on state changes, its CSRF token. */
  request: (path: string, init?: RequestInit) => Promise<Response>
}

/** Signs in through the API and returns a client for that session. */
export async function signIn(t: TestServer, email: string, password: string): Promise<AdminSession> {
  const res = await t.request('/api/admin/login', json({ email, password }))
  if (res.status !== 200) throw new Error(`sign-in of ${email} failed: ${res.status}`)
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!
  const { csrfToken } = (await res.json()) as { csrfToken: string }
  return sessionOf(t, cookie, csrfToken)
}

/** A client for the session of a cookie the API set (a sign-in, an invitation accepted). */
export function sessionOf(t: TestServer, cookie: string, csrfToken: string): AdminSession {
  return {
    cookie,
    csrfToken,
    request: (path, init = {}) => {
      const headers = new Headers(init.headers)
      headers.set('Cookie', cookie)
      if (init.method && init.method !== 'GET' && !headers.has('X-CSRF-Token')) headers.set('X-CSRF-Token', csrfToken)
      return t.request(path, { ...init, headers })
    },
  }
}

/** A JSON request with any method. */
export const send = (method: string, body?: unknown): RequestInit =>
  body === undefined ? { method } : { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }

/**
 * How many migrations this version has (meta/_journal.json's entries, 0000 on): a database left at
 * migration `idx` has `MIGRATION_COUNT - 1 - idx` of them to apply. Tests that count what an older
 * database lacks read it here, so that the next migration does not break them or go untested.
 */
export const MIGRATION_COUNT = (JSON.parse(readFileSync(join(migrationsDir, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length

/**
 * A database `file` as a server of an older version left it: the committed migrations up to
 * `lastIdx` only (copied into `dir`), none after. Open it with openDatabase to apply the rest.
 */
export function openMigratedUpTo(dir: string, file: string, lastIdx: number): Db {
  const old = join(dir, `drizzle-${lastIdx}`)
  cpSync(migrationsDir, old, { recursive: true })
  const journalFile = join(old, 'meta', '_journal.json')
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { idx: number; tag: string }[] }
  for (const e of journal.entries.filter((e) => e.idx > lastIdx)) unlinkSync(join(old, `${e.tag}.sql`))
  writeFileSync(journalFile, JSON.stringify({ ...journal, entries: journal.entries.filter((e) => e.idx <= lastIdx) }))
  const db = openDatabase(file, { migrate: false })
  migrate(db, { migrationsFolder: old })
  return db
}

/**
 * An upgrade as an operator's database goes through: a database at migration `lastIdx` with a
 * site `acme`, which `prepare` fills as that version would have, is then opened as the server
 * opens it (every migration since applied) and handed to `check`. In a temporary folder, removed
 * after.
 */
export function afterUpgradeFrom<T>(lastIdx: number, prepare: (old: Db) => void, check: (db: Db) => T): T {
  const dir = mkdtempSync(join(tmpdir(), `miniconsent-upgrade-${lastIdx}-`))
  try {
    const file = join(dir, 'old.sqlite')
    const before = openMigratedUpTo(dir, file, lastIdx)
    before.$client.prepare(`INSERT INTO sites (id, settings, created_at) VALUES ('acme', '{}', 0)`).run()
    prepare(before)
    before.$client.close()
    const db = openDatabase(file)
    try {
      return check(db)
    } finally {
      db.$client.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * A test server with a stand-in SDK build (its core only: the config's placeholder), and the
 * owner and the editor of acme signed in.
 */
export async function startWithEditors(): Promise<{ t: TestServer; owner: AdminSession; editor: AdminSession }> {
  const t = startTestServer()
  mkdirSync(join(t.dir, 'sdk'))
  writeFileSync(join(t.dir, 'sdk', 'miniconsent.js'), 'window.__cfg = "__MINICONSENT_CONFIG__";\n')
  await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
  await addUser(t.db, 'editor@acme.test', 'editor password 1', { acme: 'editor' })
  return { t, owner: await signIn(t, 'owner@acme.test', 'owner password 1'), editor: await signIn(t, 'editor@acme.test', 'editor password 1') }
}

/** How a run of main.ts ended. */
export interface MainRun {
  code: number | null
  stdout: string
  stderr: string
}

/** A main.ts child process that is listening: its address, and its end once it is stopped or killed. */
export interface RunningMain {
  url: string
  child: ChildProcess
  ended: Promise<MainRun>
}

/** Starts main.ts in a child process and resolves once it listens; the caller stops it (SIGTERM or SIGKILL). */
export function startMain(env: Record<string, string>): Promise<RunningMain> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess
    const ended = runMain(env, /"listening"[^\n]*"url":"[^"]+"/, (stdout) =>
      new Promise<void>(() => resolve({ url: /"url":"([^"]+)"/.exec(stdout)![1]!.replace(/\/$/, ''), child, ended })),
      (c) => (child = c),
    )
    // A start that ends before listening (bad configuration) is the caller's failure.
    ended.then((run) => reject(new Error(`main.ts ended before listening (exit ${run.code}): ${run.stderr}`)), reject)
  })
}

/**
 * Starts main.ts in a child process; once `until` matches stdout, runs `whileUp` and then sends
 * SIGTERM. `asNobody`: as the unprivileged user nobody when the tests run as root (who may write
 * any file), as builtCliAsNobody runs the CLI.
 */
export function runMain(
  env: Record<string, string>,
  until?: RegExp,
  whileUp?: (stdout: string) => Promise<void>,
  spawned?: (child: ChildProcess) => void,
  asNobody = false,
): Promise<MainRun> {
  return new Promise((resolve, reject) => {
    const main = [process.execPath, '--import', 'tsx', 'src/main.ts']
    const [command, ...args] = asNobody && process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...main] : main
    const child = spawn(command!, args, {
      cwd: join(import.meta.dirname, '..'),
      env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    })
    spawned?.(child)
    let stdout = ''
    let stderr = ''
    let triggered = false
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      if (until && !triggered && until.test(stdout)) {
        triggered = true
        void (whileUp?.(stdout) ?? Promise.resolve()).then(
          () => child.kill('SIGTERM'),
          (e: unknown) => {
            child.kill('SIGKILL')
            reject(e instanceof Error ? e : new Error(String(e)))
          },
        )
      }
    })
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

/**
 * A record of the demo site Minopa as the SDK posts it (sendBeacon: text/plain, the page's
 * Origin), the `n`th visitor's, from an address of its own (X-Forwarded-For, for a server that
 * trusts it: the per-IP limit would otherwise refuse one test's load). New ids each time.
 */
export function minopaPost(n: number): { id: string; init: RequestInit } {
  const id = uuid7(() => randomInt(256), Date.now())
  const body = JSON.stringify({
    recordId: id,
    consentId: consentIdAt(Date.now(), randomFillSync(new Uint32Array(3))),
    siteId: 'minopa',
    revision: 1,
    textsHash: 'b'.repeat(64),
    categories: { essential: true, analytics: n % 2 === 0, marketing: n % 3 === 0 },
    services: {},
    method: 'custom',
    language: 'en',
    url: 'https://www.minopa.com/checkout',
    clientTime: new Date().toISOString(),
    gpc: false,
  })
  const headers = { 'Content-Type': 'text/plain;charset=UTF-8', Origin: 'https://www.minopa.com', 'X-Forwarded-For': `198.18.${(n >> 8) & 255}.${n & 255}` }
  return { id, init: { method: 'POST', headers, body } }
}

/** A copy of the test server's database (at `file`) as an older MiniConsent left it: its last migration not yet applied. */
export function olderCopy(t: TestServer, file: string): string {
  t.db.$client.exec(`VACUUM INTO '${file}'`)
  const db = new Database(file)
  db.exec('DELETE FROM __drizzle_migrations WHERE created_at = (SELECT max(created_at) FROM __drizzle_migrations)')
  db.close()
  return file
}

/**
 * A copy of the test server's database (at `file`) as a newer MiniConsent left it: a column and a
 * migration this version does not know, recorded after its own (a rollback's database).
 */
export function newerCopy(t: TestServer, file: string): string {
  t.db.$client.exec(`VACUUM INTO '${file}'`)
  const db = new Database(file)
  db.exec(`ALTER TABLE users ADD totp_secret text; INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('future0017', 1899999999999)`)
  db.close()
  return file
}

/**
 * The built CLI (dist/cli.js) run with `args` as the unprivileged user nobody, when the tests run as
 * root (root may read and write anywhere, an auditor's or another account may not); null when they
 * do not, for the caller to run the CLI as this user.
 */
export function builtCliAsNobody(args: string[]): { code: number | null; out: string; err: string } | null {
  if (process.getuid?.() !== 0) return null
  const child = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(import.meta.dirname, '../dist/cli.js'), ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  })
  return { code: child.status, out: child.stdout.trim(), err: child.stderr.trim() }
}

/**
 * A copy of the test server's database as the server leaves its file after a clean stop (WAL
 * mode, no -shm beside it), at `name` in a new folder that only root may write, as an auditor or
 * operator of another account meets it. Give the folder back its mode (0o755) before removing it.
 */
export function walCopyInReadOnlyFolder(t: TestServer, prefix: string, name: string): { folder: string; file: string } {
  const folder = mkdtempSync(join(tmpdir(), prefix))
  const file = join(folder, name)
  t.db.$client.exec(`VACUUM INTO '${file}'`)
  const wal = new Database(file)
  wal.pragma('journal_mode = WAL')
  wal.close()
  chmodSync(file, 0o444)
  chmodSync(folder, 0o555)
  return { folder, file }
}

/** What the automatic retention purge warns of over two runs at `now` (it warns of each site once). */
export async function retentionWarnings(db: Db, now: () => number): Promise<{ msg: string; fields?: Record<string, unknown> }[]> {
  const warned: { msg: string; fields?: Record<string, unknown> }[] = []
  const logger = { ...silentLogger, warn: (msg: string, fields?: Record<string, unknown>) => void warned.push({ msg, fields }) }
  const retention = startRetention(db, { logger, now, everyMs: 60_000 })
  await retention.run()
  await retention.run()
  await retention.stop()
  return warned
}

/**
 * The `n`-th record of a test's series for acme (its ids, visitor and choices follow `n`), as
 * ingestion hands it to the log: no seq, no server time.
 */
export function nthRecord(n: number, clientTime: string): NewConsentRecord {
  return {
    siteId: 'acme',
    recordId: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
    consentId: `visitor-${n}`,
    revision: 1,
    textsHash: null,
    categories: { essential: true, analytics: n % 2 === 0 },
    services: {},
    method: n % 2 === 0 ? 'accept-all' : 'reject-all',
    region: 'DE',
    mode: 'opt-in',
    language: 'en',
    url: 'https://acme.test/',
    userAgent: 'test',
    ip: '203.0.113.0',
    gpc: false,
    clientTime,
  }
}
