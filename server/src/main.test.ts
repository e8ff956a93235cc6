// Start-up as an operator sees it: the real entry point in a child process.
import { generateKeyPairSync } from 'node:crypto'
import { spawn } from 'node:child_process'
import { connect, createServer, type AddressInfo } from 'node:net'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { SITE_RETENTION_COLUMNS, signedRetention, type SiteRetentionRow } from './services/retention-signature'
import { storedVerifyKeys } from './services/stored-signatures'
import { minopaPost, newerCopy, openMigratedUpTo, runMain as start, startMain, startTestServer, type MainRun } from './test-support'

const dir = mkdtempSync(join(tmpdir(), 'miniconsent-main-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('server start-up', () => {
  it('exits 1 with a clear message on bad configuration', async () => {
    const run = await start({ PORT: 'eighty', SECURE_COOKIES: 'sometimes' })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/invalid configuration/)
    expect(run.stderr).toMatch(/PORT/)
    expect(run.stderr).toMatch(/SECURE_COOKIES/)
  })

  it('refuses REGION_HEADERS=constructor, a name every object inherits, rather than start trusting no header', async () => {
    const run = await start({ REGION_HEADERS: 'constructor', DATABASE_URL: join(dir, 'region-constructor', 'db.sqlite') }, /"listening"/)
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^miniconsent: invalid configuration:\n  REGION_HEADERS: "constructor" is no header a proxy sets/)
  })

  it('names HOST when it is no address of this machine, and warns of a misspelt setting', async () => {
    const run = await start({ HOST: '192.0.2.123', TRUST_PROXIES: 'true', DATABASE_URL: join(dir, 'bad-host', 'db.sqlite') })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^miniconsent: HOST 192\.0\.2\.123 is not an address of this machine \(set HOST/m)
    expect(run.stderr).toMatch(/TRUST_PROXIES, which is no setting of ours: did you mean TRUST_PROXY\?/)
  })

  it('names a GEOIP_DB that is no MaxMind database and stops, without a stack trace, before it writes anything (review)', async () => {
    const file = join(dir, 'not-a.mmdb')
    writeFileSync(file, 'these bytes are not a MaxMind database')
    const database = join(dir, 'geoip', 'db.sqlite')
    const run = await start({ GEOIP_DB: file, DATABASE_URL: database })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^miniconsent: invalid configuration: GEOIP_DB: .*not-a\.mmdb is not a MaxMind database/)
    expect(run.stderr).not.toMatch(/\n\s+at /)
    // A configuration error writes nothing: no database made, migrated and seeded, no owner account
    // whose generated password is printed for a server that never ran.
    expect(existsSync(database)).toBe(false)
    expect(run.stdout).not.toMatch(/password:/)
  })

  it('stops with a clear message, not a stack trace, for a MANIFEST_SIGNING_KEY that is no Ed25519 private key', async () => {
    const run = await start({ MANIFEST_SIGNING_KEY: 'bm90IGEga2V5', DATABASE_URL: join(dir, 'bad-key', 'db.sqlite') })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^miniconsent: invalid configuration:\n  MANIFEST_SIGNING_KEY: not an Ed25519 private key: give the base64 of its PKCS#8 DER form/)
    expect(run.stderr).not.toMatch(/\n\s+at /)
  })

  it('prints the generated password even when the first start fails after creating the account (a port in use), and not again', async () => {
    const busy = createServer().listen(0, '127.0.0.1')
    await new Promise((resolve) => busy.once('listening', resolve))
    const env = { DATABASE_URL: join(dir, 'port-in-use', 'db.sqlite'), MINICONSENT_ADMIN_EMAIL: 'first@example.org', SEED_DEMO: 'false' }
    let failed
    try {
      failed = await start({ ...env, PORT: String((busy.address() as AddressInfo).port) })
    } finally {
      busy.close()
    }
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(/is already in use \(set PORT\)/)
    const password = /password:\s+(\S+)/.exec(failed.stdout)?.[1]
    expect(password).toBeTruthy()
    expect(failed.stdout).toContain('The server did not start; the account and its password are kept for the next start.')

    // The next start signs the owner in with it, and prints no other.
    const next = await start(env, /"listening"/, async (stdout) => {
      const url = /"url":"([^"]+)"/.exec(stdout)![1]!
      const login = await fetch(url + 'api/admin/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: 'first@example.org', password }) })
      expect(login.status).toBe(200)
    })
    expect(next.code).toBe(0)
    expect(next.stdout).not.toMatch(/password:/)
  })

  it('signs the retention of the demo sites it seeds even when the first start fails on its port (review)', async () => {
    const busy = createServer().listen(0, '127.0.0.1')
    await new Promise((resolve) => busy.once('listening', resolve))
    const env = { DATABASE_URL: join(dir, 'seed-port-in-use', 'db.sqlite'), MINICONSENT_ADMIN_PASSWORD: 'seed port password' }
    let failed
    try {
      failed = await start({ ...env, PORT: String((busy.address() as AddressInfo).port) })
    } finally {
      busy.close()
    }
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(/is already in use \(set PORT\)/)
    const next = await start(env, /"listening"/)
    expect(next.code).toBe(0)
    expect(next.stdout).toMatch(/seeded demo sites/)
    expect(next.stdout).not.toMatch(/retention purge skipped/)
    const db = new Database(env.DATABASE_URL, { readonly: true })
    try {
      const keys = storedVerifyKeys(db)
      const sites = db.prepare<[], SiteRetentionRow>(`SELECT ${SITE_RETENTION_COLUMNS} FROM sites ORDER BY id`).all()
      expect(sites.map((site) => [site.siteId, signedRetention(site, keys).problem])).toEqual([
        ['mini-moni-club', undefined],
        ['minimagic', undefined],
        ['minopa', undefined],
        ['my-mini-webinar', undefined],
      ])
    } finally {
      db.close()
    }
  })

  it('leaves the signing key of the server already running on the file alone when a second start fails on its port', async () => {
    const key = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64')
    const env = { DATABASE_URL: join(dir, 'second-start', 'db.sqlite'), SEED_DEMO: 'false' }
    const running = await start({ ...env, MANIFEST_SIGNING_KEY: key }, /"listening"/, async (stdout) => {
      const url = /"url":"([^"]+)"/.exec(stdout)![1]!
      const keys = async () => ((await (await fetch(url + 'api/v1/manifest-keys')).json()) as { keys: { keyId: string; retiredAt: string | null }[] }).keys
      const before = await keys()
      expect(before).toEqual([expect.objectContaining({ retiredAt: null })])
      // The operator starts it again from a shell without the key: the port is the running server's.
      const again = await start({ ...env, PORT: new URL(url).port })
      expect(again.code).toBe(1)
      expect(again.stderr).toMatch(/is already in use \(set PORT\)/)
      // The running server's key still signs, and no key was generated in its place.
      expect(await keys()).toEqual(before)
    })
    expect(running.code).toBe(0)
  })

  it('warns that a MINICONSENT_ADMIN_PASSWORD given for an account that exists is not applied', async () => {
    const env = { DATABASE_URL: join(dir, 'password-later', 'db.sqlite'), SEED_DEMO: 'false', MINICONSENT_ADMIN_EMAIL: 'admin@example.org' }
    const first = await start({ ...env, MINICONSENT_ADMIN_PASSWORD: 'first password 1' }, /"listening"/)
    expect([first.code, first.stderr]).toEqual([0, ''])
    // Before, a changed password was silently ignored: the operator could not sign in with it.
    const changed = await start({ ...env, MINICONSENT_ADMIN_PASSWORD: 'second password 2' }, /"listening"/, async (stdout) => {
      const url = /"url":"([^"]+)"/.exec(stdout)![1]!
      const login = (password: string) => fetch(url + 'api/admin/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: env.MINICONSENT_ADMIN_EMAIL, password }) })
      expect((await login('second password 2')).status).toBe(401)
      expect((await login('first password 1')).status).toBe(200)
    })
    expect(changed.code).toBe(0)
    expect(changed.stderr).toContain('MINICONSENT_ADMIN_PASSWORD is not the password of admin@example.org, and was not applied: it is used only when the account is created. To change the password, run: npm run reset-password -- --email admin@example.org')
    const same = await start({ ...env, MINICONSENT_ADMIN_PASSWORD: 'first password 1' }, /"listening"/)
    expect([same.code, same.stderr]).toEqual([0, ''])
  })

  it('stops with a message, not a crash, when the signing key cannot be written once it listens', async () => {
    const env = { DATABASE_URL: join(dir, 'unsettled', 'db.sqlite'), SEED_DEMO: 'false' }
    expect((await start(env, /"listening"/)).code).toBe(0)
    // The file refuses a new key (as a full disk or a damaged page would): its key is gone, and a
    // trigger stops the one the next start generates.
    const db = new Database(env.DATABASE_URL)
    db.exec(`DELETE FROM manifest_keys; CREATE TRIGGER refuse_keys BEFORE INSERT ON manifest_keys BEGIN SELECT RAISE(ABORT, 'no room for a key'); END;`)
    db.close()
    const run = await start(env)
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^miniconsent: cannot settle the signing key in the database at .*db\.sqlite: no room for a key/m)
    expect(run.stderr).not.toMatch(/\n\s+at /)
    expect(run.stdout).not.toMatch(/"listening"/)
  })

  it('says in one line, not with a stack trace, that the demo sites could not be added while another process holds the write lock', async () => {
    const env = { DATABASE_URL: join(dir, 'seed-locked', 'db.sqlite'), MINICONSENT_ADMIN_PASSWORD: 'seed locked password' }
    expect((await start({ ...env, SEED_DEMO: 'false' }, /"listening"/)).code).toBe(0)
    // A backup or another server writing for longer than the 5 s busy timeout.
    const lock = new Database(env.DATABASE_URL)
    lock.exec('BEGIN IMMEDIATE')
    let run
    try {
      run = await start(env)
    } finally {
      lock.exec('ROLLBACK')
    }
    try {
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(/^miniconsent: cannot add the demo sites \(SEED_DEMO\) to the database at .*db\.sqlite: database is locked\n$/)
      expect(run.stdout).not.toMatch(/"listening"/)
      expect(lock.prepare('SELECT count(*) AS n FROM sites').get()).toEqual({ n: 0 })
    } finally {
      lock.close()
    }
  }, 30_000)

  it("refuses another application's SQLite file in one line and leaves it as it was, byte for byte", async () => {
    // Another drizzle application's journal: its own migrations, none of MiniConsent's.
    const otherDrizzle =
      'CREATE TABLE __drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric); ' +
      `INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('${'9f'.repeat(32)}', 1700000000000); ` +
      'CREATE TABLE customers (id INTEGER PRIMARY KEY); CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)'
    const cases: [name: string, tables: string, why: string][] = [
      ['invoices', 'CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)', 'it holds other tables: invoices'],
      // A table of the same name as one of ours: the migration failed on it, printing its CREATE TABLE.
      ['users', 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)', 'it holds other tables: users'],
      // A CMS's own `sites`: taken for ours, it was switched to WAL and given an empty journal before the migration failed on it.
      ['sites', 'CREATE TABLE sites (id INTEGER PRIMARY KEY, title TEXT); CREATE TABLE pages (id INTEGER PRIMARY KEY)', 'it holds other tables: pages, sites'],
      // Taken for ours, it had our tables migrated and seeded beside its own, and our migrations added to its journal.
      ['invoices', otherDrizzle, "its migration journal (__drizzle_migrations) is another application's: none of its 1 migration(s) is MiniConsent's; it holds other tables: customers, invoices"],
      // Another tool's migrations table by drizzle's name: the start failed on SQLite's "no such column: created_at".
      [
        'posts',
        "CREATE TABLE __drizzle_migrations (id INTEGER PRIMARY KEY, version TEXT); INSERT INTO __drizzle_migrations (version) VALUES ('1.0'); CREATE TABLE posts (id INTEGER PRIMARY KEY)",
        "its migration journal (__drizzle_migrations) is another application's, not drizzle's table of migrations: it has no hash or created_at column; it holds other tables: posts",
      ],
    ]
    for (const [name, tables, why] of cases) {
      const file = join(dir, `other-app-${name}-${tables.length}.sqlite`)
      const other = new Database(file)
      other.exec(`${tables}; INSERT INTO ${name} (id) VALUES (1)`)
      other.close()
      const before = readFileSync(file)
      expect(before.readUInt8(18)).toBe(1) // a rollback journal, not WAL
      // (A start that listens is stopped, and fails the test.)
      const run = await start({ DATABASE_URL: file }, /"listening"/)
      expect(run.code).toBe(1)
      expect(run.stderr).toBe(`miniconsent: cannot open the database at ${file}: it is not a MiniConsent database (${why}); set DATABASE_URL to a MiniConsent database, or to a new file\n`)
      expect(run.stdout).not.toMatch(/seeded|listening/)
      expect(readFileSync(file).equals(before)).toBe(true)
      expect([existsSync(`${file}-wal`), existsSync(`${file}-shm`)]).toEqual([false, false])
    }
  })

  it('starts on a database a newer MiniConsent migrated (a rollback), warning once that it does, and applies none of its own migrations over it', async () => {
    const t = startTestServer()
    const file = newerCopy(t, join(dir, 'newer.sqlite'))
    t.close()
    const journal = () => {
      const conn = new Database(file, { readonly: true })
      try {
        return conn.prepare('SELECT * FROM __drizzle_migrations ORDER BY id').all()
      } finally {
        conn.close()
      }
    }
    const before = journal()
    const run = await start({ DATABASE_URL: file, SEED_DEMO: 'false' }, /"listening"/)
    expect(run.code).toBe(0)
    const warnings = run.stderr.split('\n').filter((l) => l.includes('newer MiniConsent')).map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(warnings).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: expect.stringMatching(/^the database was last migrated by a newer MiniConsent: it holds 1 migration\(s\) this version does not know \(or another application ran its own on this file\)/),
        database: file,
        unknownMigrations: 1,
      }),
    ])
    expect(run.stdout).toMatch(/"listening"/)
    // drizzle applies only the migrations later than the journal's latest row: none of this version's.
    expect(journal()).toEqual(before)
  })

  describe('a migration that fails', () => {
    /** A database as the server before this version left it (its last migration, 0016, still to apply), with one account, in a folder of its own anyone may write. */
    const older = (name: string, prepare: (db: Database.Database) => void = () => {}) => {
      const folder = join(dir, name)
      mkdirSync(folder)
      chmodSync(folder, 0o777)
      const file = join(folder, 'db.sqlite')
      const db = openMigratedUpTo(folder, file, 15)
      db.$client.prepare(`INSERT INTO users (email, password_hash) VALUES ('owner@example.com', 'x')`).run()
      prepare(db.$client)
      db.$client.close()
      return file
    }
    const oneLine = (run: MainRun, file: string, reason: string) => {
      expect(run.code).toBe(1)
      expect(run.stderr).toBe(`miniconsent: cannot open the database at ${file}: a migration of this version could not be applied (${reason}\n`)
      expect(run.stdout).not.toMatch(/listening/)
    }

    it("says SQLite's reason in one line: a trigger's message, not the migration's SQL", async () => {
      const file = older('migration-trigger', (db) => db.exec(`CREATE TRIGGER keep_users BEFORE UPDATE ON users BEGIN SELECT RAISE(ABORT, 'users are kept by the directory sync'); END`))
      oneLine(await start({ DATABASE_URL: file }, /"listening"/), file, 'SQLITE_CONSTRAINT_TRIGGER: users are kept by the directory sync)')
    })

    it('says that another process holds the write lock, and what to do', async () => {
      const file = older('migration-locked')
      const lock = new Database(file)
      lock.exec('BEGIN IMMEDIATE')
      try {
        const run = await start({ DATABASE_URL: file }, /"listening"/)
        oneLine(run, file, "SQLITE_BUSY: database is locked): another process holds the database's write lock (a server still running or starting on it, sign-unsigned or reset-password, a sqlite3 shell): stop it or let it finish, then start again")
      } finally {
        lock.exec('ROLLBACK')
        lock.close()
      }
    }, 30_000)

    it('says that this user may not write the file, and what to do', async () => {
      const file = older('migration-read-only')
      chmodSync(dir, 0o711)
      if (process.getuid?.() !== 0) chmodSync(file, 0o444)
      // Root's file, which nobody may read but not write.
      const run = await start({ DATABASE_URL: file }, /"listening"/, undefined, undefined, true)
      oneLine(run, file, "SQLITE_READONLY: attempt to write a readonly database): let this process's user write the file, its folder, and its -wal and -shm files")
    })
  })

  it('starts two servers started at once on a new file, one of which prints the password that signs in', async () => {
    const env = { DATABASE_URL: join(dir, 'twice', 'db.sqlite'), MINICONSENT_ADMIN_EMAIL: 'twice@example.org' }
    // Both found no migrations applied and no account: the second to write exited 1 (a failed
    // CREATE TABLE, or "UNIQUE constraint failed: users.email").
    const runs = await Promise.all([start(env, /"listening"/), start(env, /"listening"/)])
    expect(runs.map((r) => [r.code, r.stderr])).toEqual([
      [0, ''],
      [0, ''],
    ])
    const shown = runs.flatMap((r) => /password:\s+(\S+)/.exec(r.stdout)?.[1] ?? [])
    expect(shown).toHaveLength(1)
    const db = new Database(env.DATABASE_URL, { readonly: true })
    try {
      expect(db.prepare('SELECT count(*) AS n FROM users').get()).toEqual({ n: 1 })
      expect(db.prepare('SELECT count(*) AS n FROM sites').get()).toEqual({ n: 4 })
    } finally {
      db.close()
    }
    await start(env, /"listening"/, async (stdout) => {
      const url = /"url":"([^"]+)"/.exec(stdout)![1]!
      const login = await fetch(url + 'api/admin/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: 'twice@example.org', password: shown[0] }) })
      expect(login.status).toBe(200)
    })
  }, 60_000)

  it('migrates and seeds on the first start, prints the generated password once, keeps idle connections, and stops on SIGTERM', async () => {
    const env = { DATABASE_URL: join(dir, 'data', 'db.sqlite'), MINICONSENT_ADMIN_EMAIL: 'owner@example.org' }
    let password = ''
    const first = await start(env, /password:\s+\S+/, async (stdout) => {
      password = /password:\s+(\S+)/.exec(stdout)![1]!
      const url = /"url":"([^"]+)"/.exec(stdout)![1]!
      expect(await (await fetch(url + 'healthz')).json()).toEqual({ ok: true })
      const login = await fetch(url + 'api/admin/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: 'owner@example.org', password }),
      })
      expect(login.status).toBe(200)
      const me = (await login.json()) as { sites: { id: string; role: string }[] }
      expect(me.sites.map((s) => s.id).sort()).toEqual(['mini-moni-club', 'minimagic', 'minopa', 'my-mini-webinar'])
      expect(me.sites.every((s) => s.role === 'owner')).toBe(true)
    })
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/seeded demo sites/)
    expect(first.stdout).toContain('owner@example.org')

    // A keep-alive connection left idle for longer than Node's 5 s default is neither closed nor refused.
    const idle = await start(env, /"listening"/, async (stdout) => {
      const { port } = new URL(/"url":"([^"]+)"/.exec(stdout)![1]!)
      const socket = connect(Number(port), '127.0.0.1')
      let received = ''
      let closed = false
      socket.on('data', (d: Buffer) => (received += d.toString()))
      socket.on('close', () => (closed = true))
      const ask = () => socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n')
      ask()
      await expect.poll(() => received.match(/HTTP\/1\.1 200/g)?.length ?? 0).toBe(1)
      await new Promise((resolve) => setTimeout(resolve, 6_000))
      expect(closed).toBe(false)
      ask()
      await expect.poll(() => received.match(/HTTP\/1\.1 200/g)?.length ?? 0).toBe(2)
      socket.destroy()
    })
    expect(idle.code).toBe(0)

    const second = await start(env, /"listening"/)
    expect(second.code).toBe(0)
    expect(second.stdout).not.toMatch(/password:/)
    expect(second.stdout).not.toMatch(/seeded demo sites/)
    // Three starts and six idle seconds.
  }, 60_000)
})

describe('stopping', () => {
  /** A server on a file of its own, with the write lock on it held by another connection (another process's) until released. */
  async function serverBehindALock(name: string, env: Record<string, string> = {}) {
    const file = join(dir, `${name}.sqlite`)
    const server = await startMain({ DATABASE_URL: file, TRUST_PROXY: 'true', MINICONSENT_ADMIN_EMAIL: 'owner@example.org', MINICONSENT_ADMIN_PASSWORD: 'stopping test password', ...env })
    const lock = new Database(file)
    lock.exec('BEGIN IMMEDIATE')
    // A record whose commit waits for the lock (up to the writer's 5 s busy timeout).
    const post = minopaPost(1)
    const answer = fetch(server.url + '/api/v1/consents', post.init).then(
      (res) => res.status,
      () => 'no answer',
    )
    // Time for the request to reach the server on a busy machine; well within the writer's 5 s wait.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const stored = () => {
      lock.exec('ROLLBACK')
      try {
        return (lock.prepare('SELECT count(*) AS n FROM consent_records WHERE record_id = ?').get(post.id) as { n: number }).n
      } finally {
        lock.close()
      }
    }
    return { server, answer, stored }
  }

  it('stops at once on a second signal while a record waits for the database: the record unanswered and not stored', async () => {
    const { server, answer, stored } = await serverBehindALock('second-signal')
    server.child.kill('SIGTERM')
    await new Promise((resolve) => setTimeout(resolve, 300))
    server.child.kill('SIGINT')
    const ended = await server.ended
    // Ended as kill -9 would, without waiting for the writer thread inside SQLite (its 5 s busy timeout).
    expect([ended.code, server.child.signalCode]).toEqual([null, 'SIGKILL'])
    expect(ended.stderr).toMatch(/"shutdown: a second signal; stopping now".*"signal":"SIGINT".*"waitingFor":"the requests in flight"/)
    // Its sender was never told it is stored, and it is not: the SDK sends it again.
    expect(await answer).toBe('no answer')
    expect(stored()).toBe(0)
  }, 30_000)

  it('gives up a stop that takes longer than STOP_TIMEOUT_SECONDS, naming what it was waiting for', async () => {
    const { server, answer, stored } = await serverBehindALock('stop-timeout', { STOP_TIMEOUT_SECONDS: '1' })
    server.child.kill('SIGTERM')
    const ended = await server.ended
    expect([ended.code, server.child.signalCode]).toEqual([null, 'SIGKILL'])
    expect(ended.stderr).toMatch(/"shutdown: not done after 1 s \(STOP_TIMEOUT_SECONDS\); stopping now".*"waitingFor":"the requests in flight"/)
    expect(await answer).toBe('no answer')
    expect(stored()).toBe(0)
  }, 30_000)

  it('gives a request in flight at the stop longer than 5 s to arrive and be answered when STOP_TIMEOUT_SECONDS allows it', async () => {
    const password = 'slow client password'
    const server = await startMain({ DATABASE_URL: join(dir, 'slow-client.sqlite'), SEED_DEMO: 'false', MINICONSENT_ADMIN_EMAIL: 'owner@example.org', MINICONSENT_ADMIN_PASSWORD: password, STOP_TIMEOUT_SECONDS: '60' })
    const body = JSON.stringify({ email: 'owner@example.org', password })
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1')
    let received = ''
    socket.on('data', (d: Buffer) => (received += d.toString()))
    const closed = new Promise((resolve) => socket.once('close', resolve))
    socket.on('error', () => {})
    // A sign-in over a slow link: its head and half its body, the rest after the stop began.
    socket.write(`POST /api/admin/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`)
    await new Promise((resolve) => setTimeout(resolve, 500))
    server.child.kill('SIGTERM')
    await new Promise((resolve) => setTimeout(resolve, 7_500))
    socket.write(body.slice(10))
    await closed
    const ended = await server.ended
    // Before, the connection was closed 5 s into the stop whatever STOP_TIMEOUT_SECONDS said, and the sign-in never answered.
    expect(received).toMatch(/^HTTP\/1\.1 200 /)
    expect(received).toMatch(/\r\nConnection: close\r\n/i)
    expect(ended.code).toBe(0)
    expect(ended.stderr).not.toMatch(/still open/)
  }, 30_000)

  it.runIf(process.getuid?.() === 0)('warns when it runs as a container\'s process 1, whose forced stop cannot be a kill -9', async () => {
    const child = spawn('unshare', ['--pid', '--mount-proc', '--kill-child', process.execPath, '--import', 'tsx', 'src/main.ts'], {
      cwd: join(import.meta.dirname, '..'),
      env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', DATABASE_URL: join(dir, 'pid-one.sqlite'), MINICONSENT_ADMIN_PASSWORD: 'pid one test password' },
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const ended = new Promise((resolve) => child.once('exit', resolve))
    try {
      await expect.poll(() => out, { timeout: 20_000 }).toMatch(/"listening"/)
      expect(out).toMatch(/"running as process 1 \(a container without an init\)/)
    } finally {
      child.kill('SIGKILL')
      await ended
    }
  }, 30_000)
})

