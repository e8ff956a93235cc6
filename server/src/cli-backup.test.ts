// `miniconsent backup` as an operator runs it: against real SQLite files, one of them the file of a
// real server (main.ts in a child process) taking consent records while the backup is made.
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { basename, join, relative, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from './cli'
import { builtCliAsNobody, consentBody, json, MIGRATION_COUNT, minopaPost, olderCopy, openMigratedUpTo, runMain, startTestServer, walCopyInReadOnlyFolder, type TestServer } from './test-support'

const serverDir = join(import.meta.dirname, '..')

async function run(args: string[], cwd?: string) {
  const out: string[] = []
  const err: string[] = []
  // No DATABASE_URL: every test names its database, and the server's default one is never read.
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), env: {}, ...(cwd ? { cwd } : {}) })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

/** Every row of a table, in its order: what a copy must hold as the database does. */
const rows = (file: string, table: string) => {
  const db = new Database(file, { readonly: true })
  try {
    return db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all()
  } finally {
    db.close()
  }
}

/** The journal mode a database file's header records: 2 for WAL (bytes 18 and 19), 1 for a rollback journal. */
const headerJournal = (file: string) => [...readFileSync(file).subarray(18, 20)]

describe('miniconsent backup beside a running server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'miniconsent-backup-live-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  let visitor = 0
  const record = () => minopaPost(++visitor)

  /** Senders posting records, each waiting for its answer before the next, until stopped: the recordIds acknowledged, and any other status. */
  function load(url: string, senders = 8) {
    const acknowledged = new Set<string>()
    const refused: number[] = []
    let stopped = false
    const sender = async () => {
      while (!stopped) {
        const r = record()
        const res = await fetch(url + '/api/v1/consents', r.init)
        await res.arrayBuffer()
        if (res.status === 201) acknowledged.add(r.id)
        else refused.push(res.status)
      }
    }
    const running = Array.from({ length: senders }, sender)
    return {
      acknowledged,
      refused,
      stop: async () => {
        stopped = true
        await Promise.all(running)
      },
    }
  }

  /** The CLI in a process of its own, as an operator runs it beside the server: this process goes on sending records meanwhile. */
  function backupProcess(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'backup', ...args], { cwd: serverDir, env: { PATH: process.env.PATH } })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      child.on('error', reject)
      child.on('exit', (code) => resolve({ code, stdout, stderr }))
    })
  }

  it("copies every record committed before it started while the server goes on taking records; the copy verifies, and the server's file keeps its records and WAL mode", async () => {
    const file = join(dir, 'live.sqlite')
    mkdirSync(join(dir, 'backups'))
    const to = join(dir, 'backups', 'live-copy.sqlite')
    const env = { DATABASE_URL: file, TRUST_PROXY: 'true', MINICONSENT_ADMIN_EMAIL: 'owner@example.org', MINICONSENT_ADMIN_PASSWORD: 'backup test password' }
    let before = new Set<string>()
    let during = 0
    let all = new Set<string>()
    let refused: number[] = []
    let backupRun = { code: null as number | null, stdout: '', stderr: '' }
    const server = await runMain(env, /"listening"[^\n]*"url":"[^"]+"/, async (stdout) => {
      const l = load(/"url":"([^"]+)"/.exec(stdout)![1]!.replace(/\/$/, ''))
      const until = Date.now() + 20_000
      while (l.acknowledged.size < 300 && Date.now() < until) await new Promise((r) => setTimeout(r, 5))
      before = new Set(l.acknowledged)
      backupRun = await backupProcess(['--to', to, '--db', file])
      during = l.acknowledged.size - before.size
      await l.stop()
      all = l.acknowledged
      refused = l.refused
    })
    expect(server.code, server.stderr).toBe(0)
    expect(server.stderr).toBe('')
    expect(refused).toEqual([])
    expect(before.size).toBeGreaterThanOrEqual(300)
    // The server took records all the while the backup ran: it was not held up.
    expect(during).toBeGreaterThan(0)

    expect(backupRun.stderr).toBe('')
    expect(backupRun.code).toBe(0)
    const copied = rows(to, 'consent_records') as { site_id: string; seq: number; hash: string; record_id: string }[]
    expect(backupRun.stdout).toMatch(new RegExp(`^OK backup of ${file} to ${to}: 4 sites, ${copied.length.toLocaleString('en-US')} consent records, [0-9.]+ [kM]B, every site's chain verified; its newest audit entry is #\\d+ \\([^)]+\\): after a restore, make again the erasures entered after it\\n$`))
    // Every record acknowledged before the backup started is in the copy...
    const copiedIds = new Set(copied.map((r) => r.record_id))
    expect([...before].filter((id) => !copiedIds.has(id))).toEqual([])
    // ...which is the log as it was at one moment: the server's first records, hash for hash, and not the ones after.
    const live = rows(file, 'consent_records') as typeof copied
    const liveHash = new Map(live.map((r) => [`${r.site_id}/${r.seq}`, r.hash]))
    expect(copied.filter((r) => liveHash.get(`${r.site_id}/${r.seq}`) !== r.hash)).toEqual([])
    expect(copied.length).toBeLessThan(live.length)
    const verified = await run(['verify', '--site', 'minopa', '--db', to])
    expect(verified).toMatchObject({ code: 0, err: '' })
    expect(verified.out).toMatch(new RegExp(`^OK minopa: ${copied.filter((r) => r.site_id === 'minopa').length} records, head [0-9a-f]{64}`))

    // The server's file: every record it acknowledged, the chain whole, still in WAL mode. The copy is a plain file of its own.
    const liveIds = new Set(live.map((r) => r.record_id))
    expect([...all].filter((id) => !liveIds.has(id))).toEqual([])
    expect((await run(['verify', '--site', 'minopa', '--db', file])).code).toBe(0)
    expect(headerJournal(file)).toEqual([2, 2])
    expect(headerJournal(to)).toEqual([1, 1])
    expect(readdirSync(join(dir, 'backups'))).toEqual(['live-copy.sqlite'])
  }, 90_000)
})

describe('miniconsent backup', () => {
  let t: TestServer
  let backups: string
  beforeEach(async () => {
    t = startTestServer()
    for (let i = 0; i < 3; i++) expect((await t.request('/api/v1/consents', json(consentBody()))).status).toBe(201)
    backups = join(t.dir, 'backups')
    mkdirSync(backups)
  })
  afterEach(() => t.close())

  /** The test server's database and its WAL, byte for byte (the -shm index is SQLite's shared memory, which readers write too). */
  const databaseBytes = () =>
    readdirSync(t.dir)
      .filter((f) => f.startsWith('test.sqlite') && !f.endsWith('-shm'))
      .map((f) => [f, readFileSync(join(t.dir, f)).toString('base64')])

  it("prints one line with the sites, records and size; the copy holds what the database holds, only its owner may read it, and verify passes on it", async () => {
    const to = join(backups, 'b.sqlite')
    const r = await run(['backup', '--to', to, '--db', t.file])
    expect(r).toMatchObject({ code: 0, err: '' })
    const kB = (statSync(to).size / 1000).toFixed(1)
    const newest = t.db.$client.prepare('SELECT id, at FROM audit_log ORDER BY id DESC LIMIT 1').get() as { id: number; at: number }
    expect(r.out).toBe(
      `OK backup of ${t.file} to ${to}: 2 sites, 3 consent records, ${kB} kB, every site's chain verified; its newest audit entry is #${newest.id} (${new Date(newest.at).toISOString()}): after a restore, make again the erasures entered after it`,
    )
    expect(readdirSync(backups)).toEqual(['b.sqlite'])
    // It holds the accounts' password hashes and sessions.
    expect(statSync(to).mode & 0o777).toBe(0o600)
    for (const table of ['sites', 'consent_records', 'audit_log', 'manifest_keys', 'revisions']) expect(rows(to, table), table).toEqual(rows(t.file, table))
    const verified = await run(['verify', '--site', 'acme', '--db', to])
    expect(verified).toMatchObject({ code: 0, out: (await run(['verify', '--site', 'acme', '--db', t.file])).out })
  })

  it('notes the files that backups cut short on this machine left beside it (their process gone), leaving them, and not those of a running backup, another machine or another program', async () => {
    const host = createHash('sha256').update(hostname()).digest('hex').slice(0, 8)
    const sqlite = readFileSync(t.file).subarray(0, 4096)
    // Backups killed yesterday: their process is gone.
    const gone = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout)
    const partial = (day: string) => join(backups, `${day}.sqlite.partial-${host}-${gone}-0badc0de`)
    const left = [
      // Between writing its copy and naming it.
      [partial('monday'), sqlite],
      // During its copy: SQLite writes the first page, its header, last; and its journal beside it.
      [partial('saturday'), Buffer.alloc(8192)],
      [`${partial('saturday')}-journal`, Buffer.from('journal')],
      // As it began, before SQLite wrote anything.
      [partial('sunday'), ''],
    ] as const
    for (const [path, content] of left) writeFileSync(path, content)
    const kept = [
      // One being written now, by a process that runs (this one).
      `tuesday.sqlite.partial-${host}-${process.pid}-1234abcd`,
      // Another machine's or container's, whose processes cannot be asked from here.
      `wednesday.sqlite.partial-0123abcd-${gone}-1234abcd`,
      // Another program's file that happens to be named so: neither SQLite's nor zeros.
      `notes.txt.partial-${host}-${gone}-1234abcd`,
    ]
    for (const name of kept) writeFileSync(join(backups, name), name.startsWith('notes') ? 'my notes, which are long enough' : sqlite)
    const to = join(backups, 'b.sqlite')
    const r = await run(['backup', '--to', to, '--db', t.file])
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^OK backup of /)
    const kB = (n: number) => `${(n / 1000).toFixed(1)} kB`
    expect(r.err.split('\n').sort()).toEqual(
      left.map(([path, content]) => `note: ${path} (${kB(content.length)}) is left from a backup cut short on this machine (its process ${gone} has ended): remove it`).sort(),
    )
    expect(readdirSync(backups).sort()).toEqual(['b.sqlite', ...left.map(([path]) => basename(path)), ...kept].sort())
  })

  it("refuses a file name too long for the backup's temporary copy beside it, exit 2, writing nothing", async () => {
    const to = join(backups, `${'b'.repeat(201)}.sqlite`)
    expect(await run(['backup', '--to', to, '--db', t.file])).toEqual({
      code: 2,
      out: '',
      err: "the backup's file name is 208 bytes long: give one of at most 200 (its temporary copy's name is longer, and must fit the file system's 255)",
    })
    expect(readdirSync(backups)).toEqual([])
    expect((await run(['backup', '--to', join(backups, `${'b'.repeat(193)}.sqlite`), '--db', t.file])).code).toBe(0)
  })

  it('refuses a --to that exists (an older backup, a folder), exit 2, leaving it as it was and writing nothing beside it', async () => {
    const older = join(backups, 'older.sqlite')
    writeFileSync(older, 'the backup of last week')
    expect(await run(['backup', '--to', older, '--db', t.file])).toEqual({
      code: 2,
      out: '',
      err: `${older} exists already: a backup never replaces a file (give a new name, or remove that file first)`,
    })
    expect(readFileSync(older, 'utf8')).toBe('the backup of last week')
    expect(await run(['backup', '--to', backups, '--db', t.file])).toMatchObject({
      code: 2,
      err: `${backups} is a folder: give the backup's file name in it, as ${join(backups, 'miniconsent-backup.sqlite')}`,
    })
    expect(readdirSync(backups)).toEqual(['older.sqlite'])
  })

  it('takes relative paths with a time in their names (a colon) as files, from the directory typed in; a URL is still refused', async () => {
    const name = 'miniconsent-2026-12-06T23:15.sqlite'
    const r = await run(['backup', '--to', name, '--db', relative(backups, t.file)], backups)
    expect(r).toMatchObject({ code: 0, err: '', out: expect.stringMatching(new RegExp(`^OK backup of ${t.file} to ${join(backups, name)}: 2 sites, 3 consent records`)) })
    expect(readdirSync(backups)).toEqual([name])
    // verify takes it as --db alike.
    expect(await run(['verify', '--site', 'acme', '--db', name], backups)).toMatchObject({ code: 0, err: '', out: expect.stringMatching(/^OK acme: 3 records/) })
    // A URL is one by its `//`, or by a database scheme without them, as the server reads DATABASE_URL.
    for (const [to, scheme] of [['s3://bucket/b.sqlite', 's3'], ['sqlite:b.sqlite', 'sqlite'], ['postgres:b', 'postgres']] as const) {
      expect((await run(['backup', '--to', to, '--db', t.file], backups)).err, to).toMatch(new RegExp(`^--to takes a file's path, not a ${scheme}: URL\n`))
    }
    expect((await run(['verify', '--site', 'acme', '--db', 'sqlite:b.sqlite'], backups)).err).toMatch(/^not a database path: a sqlite: URL/)
    expect(readdirSync(backups)).toEqual([name])
  })

  it('refuses a --to in a folder that does not exist, exit 2, creating nothing', async () => {
    const to = join(backups, 'monday', 'b.sqlite')
    expect(await run(['backup', '--to', to, '--db', t.file])).toEqual({ code: 2, out: '', err: `no folder ${join(backups, 'monday')} for the backup: create it first` })
    expect(readdirSync(backups)).toEqual([])
  })

  it('refuses a --to that ends in a slash (a folder), there or not, relative or absolute, exit 2, creating nothing', async () => {
    const missing = (folder: string) =>
      `no folder ${folder} for the backup: create it first, and give the backup's file name in it, as ${join(folder, 'miniconsent-backup.sqlite')}`
    expect(await run(['backup', '--to', 'monday/', '--db', t.file], backups)).toEqual({ code: 2, out: '', err: missing(join(backups, 'monday')) })
    expect(await run(['backup', '--to', `${join(backups, 'tuesday')}/`, '--db', t.file])).toEqual({ code: 2, out: '', err: missing(join(backups, 'tuesday')) })
    expect(await run(['backup', '--to', `${backups}/`, '--db', t.file])).toEqual({
      code: 2,
      out: '',
      err: `${backups} is a folder: give the backup's file name in it, as ${join(backups, 'miniconsent-backup.sqlite')}`,
    })
    expect(readdirSync(backups)).toEqual([])
  })

  it('refuses the database itself, its -wal, -shm and journal as --to, however they are named, exit 2, leaving them as they were', async () => {
    const bytes = databaseBytes()
    symlinkSync(t.dir, join(backups, 'link-to-data'))
    symlinkSync(t.file, join(backups, 'latest.sqlite'))
    const cases: [string[], string, string][] = [
      [['--to', t.file], t.file, 'the database itself'],
      [['--to', 'test.sqlite'], 'test.sqlite', 'the database itself'],
      [['--to', join(backups, 'latest.sqlite')], join(backups, 'latest.sqlite'), 'the database itself'],
      [['--to', `${t.file}-wal`], `${t.file}-wal`, "the database's own -wal file"],
      [['--to', join(backups, 'link-to-data', 'test.sqlite-shm')], join(backups, 'link-to-data', 'test.sqlite-shm'), "the database's own -shm file"],
      // No rollback journal is there now: it would be while SQLite writes in that mode.
      [['--to', `${t.file}-journal`], `${t.file}-journal`, "the database's own -journal file"],
    ]
    for (const [args, shown, what] of cases) {
      const r = await run(['backup', ...args, '--db', t.file], t.dir)
      expect(r, args[1]).toEqual({ code: 2, out: '', err: `${resolve(t.dir, shown)} is ${what} (${t.file}): give the backup a file of its own, best on another disk` })
    }
    expect(databaseBytes()).toEqual(bytes)
    expect(readdirSync(t.dir).filter((f) => f.includes('partial'))).toEqual([])
    expect((await run(['verify', '--site', 'acme', '--db', t.file])).out).toMatch(/^OK acme: 3 records/)
  })

  it("refuses a file that is not a database, or not MiniConsent's, exit 2, writing nothing", async () => {
    const other = join(t.dir, 'other-app.sqlite')
    const db = new Database(other)
    db.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('not consent')")
    db.close()
    const notes = join(t.dir, 'notes.txt')
    writeFileSync(notes, 'these are not the pages of an SQLite file\n')
    const to = join(backups, 'b.sqlite')
    for (const [source, why] of [
      [other, 'it holds other tables: notes'],
      [notes, 'file is not a database'],
    ]) {
      expect(await run(['backup', '--to', to, '--db', source!]), source).toEqual({ code: 2, out: '', err: `cannot read ${source} as a MiniConsent database: ${why}` })
    }
    expect(await run(['backup', '--to', to, '--db', join(t.dir, 'missing.sqlite')])).toMatchObject({ code: 2, err: `no database at ${join(t.dir, 'missing.sqlite')} (start the server once, or pass --db)` })
    expect(readdirSync(backups)).toEqual([])
    expect(readFileSync(notes, 'utf8')).toBe('these are not the pages of an SQLite file\n')
  })

  it('exits 1 when the copy does not check out (a consent log broken in the database), leaving nothing at --to', async () => {
    t.db.$client.prepare("UPDATE consent_records SET method = 'reject-all' WHERE site_id = 'acme' AND seq = 2").run()
    const to = join(backups, 'b.sqlite')
    const r = await run(['backup', '--to', to, '--db', t.file])
    expect(r).toMatchObject({ code: 1, out: '' })
    expect(r.err).toMatch(
      new RegExp(
        `^BROKEN backup of ${t.file}: the copy's consent log of "acme" does not verify at seq 2 \\(.*edited.*\\); verify --site acme on the database tells whether it is broken there too; nothing was written to ${to}$`,
      ),
    )
    expect(readdirSync(backups)).toEqual([])
  })

  it('copies a database an older MiniConsent left (a backup before an upgrade), checked by SQLite alone, and says its chains were not verified', async () => {
    const older = olderCopy(t, join(t.dir, 'older.sqlite'))
    const to = join(backups, 'before-upgrade.sqlite')
    const r = await run(['backup', '--to', to, '--db', older])
    expect(r).toMatchObject({ code: 0, err: '' })
    expect(r.out).toMatch(
      /^OK backup of .*older\.sqlite to .*before-upgrade\.sqlite: 2 sites, 3 consent records, [0-9.]+ kB, SQLite's check only: the chains were not verified, as the database was last started by an older MiniConsent \(1 migration\(s\) of this version to apply\), whose log this version reads only once its server has started on it; its newest audit entry is #\d+ \([^)]+\): after a restore, make again the erasures entered after it$/,
    )
    expect(rows(to, '__drizzle_migrations')).toEqual(rows(older, '__drizzle_migrations'))
  })

  it('copies a database at any older migration (a server before 0.8.5 still running on it: older columns), checked by SQLite alone', async () => {
    // olderCopy above only takes a journal row away: its tables are today's. These are as each older version left them,
    // up to the last migration but one (the count read from the journal: the next migration is covered too).
    for (let last = 0; last <= MIGRATION_COUNT - 2; last++) {
      const dir = join(t.dir, `at-${last}`)
      mkdirSync(dir)
      const older = join(dir, 'older.sqlite')
      const before = openMigratedUpTo(dir, older, last)
      before.$client.prepare(`INSERT INTO sites (id, settings, created_at) VALUES ('acme', '{}', 0)`).run()
      before.$client.close()
      const to = join(backups, `before-upgrade-from-${last}.sqlite`)
      const r = await run(['backup', '--to', to, '--db', older])
      expect(r, `migrations 0000 to ${last}`).toMatchObject({ code: 0, err: '' })
      expect(r.out).toMatch(
        new RegExp(`: 1 site, 0 consent records, [0-9.]+ kB, SQLite's check only: the chains were not verified, as the database was last started by an older MiniConsent \\(${MIGRATION_COUNT - 1 - last} migration\\(s\\) of this version to apply\\)`),
      )
      expect(rows(to, '__drizzle_migrations')).toEqual(rows(older, '__drizzle_migrations'))
    }
  })

  it("copies a MiniConsent database whose journal holds another application's migration dated between two of ours, which the server refuses to start on", async () => {
    const dir = join(t.dir, 'between')
    mkdirSync(dir)
    const between = join(dir, 'between.sqlite')
    const before = openMigratedUpTo(dir, between, 10)
    before.$client.prepare(`INSERT INTO sites (id, settings, created_at) VALUES ('acme', '{}', 0)`).run()
    before.$client.exec(`INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('${'9f'.repeat(32)}', 1796400000000)`)
    before.$client.close()
    const r = await run(['backup', '--to', join(backups, 'between.sqlite'), '--db', between])
    expect(r).toMatchObject({ code: 0, err: '' })
    expect(r.out).toMatch(/: 1 site, 0 consent records, .*SQLite's check only/)
  })

  it('reads a relative --to from the directory the command was typed in (MINICONSENT_CWD through the scripts), not the one npm runs it in', async () => {
    const typedIn = await run(['backup', '--to', 'backups/typed.sqlite', '--db', 'test.sqlite'], t.dir)
    expect(typedIn).toMatchObject({ code: 0, err: '' })
    expect(typedIn.out).toMatch(new RegExp(`^OK backup of ${t.file} to ${join(backups, 'typed.sqlite')}: `))
    // Through the repository's script, in a shell of its own: nothing of this test run's npm or pnpm passed on.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|pnpm_|INIT_CWD$|MINICONSENT_CWD$|DATABASE_URL$)/i.test(k)))
    const root = join(serverDir, '..')
    const script = (to: string) => ['--prefix', root, 'run', '--silent', 'backup', '--', '--to', to, '--db', relative(t.dir, t.file)]
    const typed = spawnSync('npm', script('backups/by-npm.sqlite'), { cwd: t.dir, encoding: 'utf8', env })
    expect(typed.stderr).toBe('')
    expect(typed.stdout).toMatch(new RegExp(`^OK backup of ${t.file} to ${join(backups, 'by-npm.sqlite')}: 2 sites, 3 consent records`))
    // MINICONSENT_CWD set by whoever runs the script (a service manager, a cron job) wins over where npm was started.
    const byVariable = spawnSync('npm', script('backups/by-variable.sqlite'), { cwd: tmpdir(), encoding: 'utf8', env: { ...env, MINICONSENT_CWD: t.dir } })
    expect(byVariable.stderr).toBe('')
    expect(byVariable.status).toBe(0)
    expect(readdirSync(backups).sort()).toEqual(['by-npm.sqlite', 'by-variable.sqlite', 'typed.sqlite'])
  })

  /** A backup as a user without root's rights: root may read and write anywhere, so as root the built CLI runs as nobody. */
  const backupAsNobody = async (to: string, file: string) => builtCliAsNobody(['backup', '--to', to, '--db', file]) ?? run(['backup', '--to', to, '--db', file])

  it("refuses, as a user who cannot write the database's folder, with what to do, rather than copying the whole file to read it", async () => {
    const { folder, file } = walCopyInReadOnlyFolder(t, 'miniconsent-backup-readonly-', 'live.sqlite')
    const out = mkdtempSync(join(tmpdir(), 'miniconsent-backup-out-'))
    chmodSync(out, 0o777)
    try {
      const to = join(out, 'b.sqlite')
      const r = await backupAsNobody(to, file)
      expect(r).toMatchObject({ code: 2, out: '' })
      expect(r.err).toBe(
        `cannot read ${file}: its folder is read-only to this user, who cannot open it where it is (SQLite writes a -shm file beside a database in WAL mode even to read it): run this as the server's user`,
      )
      expect(readdirSync(out)).toEqual([])
      expect(readdirSync(folder)).toEqual(['live.sqlite'])
    } finally {
      chmodSync(folder, 0o755)
      rmSync(folder, { recursive: true, force: true })
      rmSync(out, { recursive: true, force: true })
    }
  })

  it('refuses, as a user who may not read the database or its -wal in a folder it may write, with that reason', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'miniconsent-backup-unreadable-'))
    const file = join(folder, 'live.sqlite')
    chmodSync(folder, 0o777)
    try {
      for (const [unreadable, reason] of [
        [file, 'this user may not read it'],
        [`${file}-wal`, 'this user may not read its live.sqlite-wal file'],
      ] as const) {
        rmSync(file, { force: true })
        t.db.$client.exec(`VACUUM INTO '${file}'`)
        // A database in WAL mode with its -wal beside it, as the server leaves it while it runs.
        const wal = new Database(file)
        wal.pragma('journal_mode = WAL')
        wal.close()
        writeFileSync(`${file}-wal`, '')
        chmodSync(file, 0o644)
        chmodSync(`${file}-wal`, 0o644)
        chmodSync(unreadable, 0o600)
        const to = join(folder, 'b.sqlite')
        const r = await backupAsNobody(to, file)
        expect(r, unreadable).toMatchObject({ code: 2, out: '', err: `cannot read ${file}: ${reason}: run this as the server's user` })
        expect(existsSync(to)).toBe(false)
      }
      // As the server leaves its files: a folder others may read but not write, a database only its
      // user may read, its -wal and -shm beside it. The file is the reason, not the folder.
      writeFileSync(`${file}-shm`, '')
      chmodSync(`${file}-wal`, 0o644)
      chmodSync(file, 0o600)
      chmodSync(folder, 0o755)
      const r = await backupAsNobody(join(tmpdir(), `miniconsent-backup-none-${process.pid}.sqlite`), file)
      expect(r).toMatchObject({ code: 2, out: '', err: `cannot read ${file}: this user may not read it: run this as the server's user` })
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }
  })

  it('says that this user may not enter the folder of a database, rather than that there is none', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'miniconsent-backup-closed-'))
    const file = join(folder, 'live.sqlite')
    t.db.$client.exec(`VACUUM INTO '${file}'`)
    // The server's user's own folder (0700), which nobody else may enter; a user other than root enters its own unless 0000.
    chmodSync(folder, process.getuid?.() === 0 ? 0o700 : 0o000)
    try {
      const r = await backupAsNobody(join(tmpdir(), `miniconsent-backup-none-${process.pid}.sqlite`), file)
      expect(r).toMatchObject({ code: 2, out: '', err: `cannot reach ${file}: this user may not enter a folder on its way: run this as the server's user` })
    } finally {
      chmodSync(folder, 0o755)
      rmSync(folder, { recursive: true, force: true })
    }
  })

  it('says what is wrong before the usage, exit 2, writing nothing', async () => {
    const problem = async (args: string[]) => {
      const r = await run(args, t.dir)
      expect(r, args.join(' ')).toMatchObject({ code: 2, out: '' })
      expect(r.err.split('\n')[1], args.join(' ')).toMatch(/^usage:/)
      return r.err.split('\n')[0]
    }
    expect(await problem(['backup', '--db', t.file])).toBe('backup needs --to, the new file to write the copy to')
    expect(await problem(['backup', 'b.sqlite'])).toBe('backup takes no positional argument; did you mean --to b.sqlite?')
    expect(await problem(['backup', '--to', 's3://bucket/b.sqlite', '--db', t.file])).toBe("--to takes a file's path, not a s3: URL")
    expect(await problem(['backup', '--to', 'b.sqlite', '--site', 'acme'])).toBe('--site is not an option of backup')
    expect(await problem(['backup', '--to', 'a.sqlite', '--to', 'b.sqlite'])).toBe('--to is given twice: give it once')
    expect(await problem(['backup', '--to='])).toBe('--to needs a value')
    expect((await run(['--help'])).out).toContain('miniconsent backup --to <new file> [--db <path to the SQLite file>]')
    expect(readdirSync(t.dir).filter((f) => !f.startsWith('test.sqlite'))).toEqual(['backups'])
    expect(readdirSync(backups)).toEqual([])
  })
})
