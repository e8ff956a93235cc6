import { createHash, generateKeyPairSync } from 'node:crypto'
import { parse } from 'csv-parse/sync'
import { stringify } from 'csv-stringify/sync'
import { spawnSync } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from './cli'
import { parseEnv } from './env'
import { canonicalJson } from './lib/canonical-json'
import { recordHash, recordHashV1 } from './services/consent-chain'
import { purgeExpired, purgeSite } from './services/retention'
import { ManifestKeys, privateKeyFrom, signManifest } from './services/manifest-keys'
import { signAnchor, signErasure, storedGeneratedKey, type ErasedRow } from './services/stored-signatures'
import { addUser, builtCliAsNobody, consentBody, json, MIGRATION_COUNT, newerCopy, olderCopy, openMigratedUpTo, runMain, signIn, startTestServer, walCopyInReadOnlyFolder, type TestServer } from './test-support'

let t: TestServer
beforeEach(async () => {
  t = startTestServer()
  for (let i = 0; i < 3; i++) expect((await t.request('/api/v1/consents', json(consentBody()))).status).toBe(201)
})
afterEach(() => t.close())

/** No DATABASE_URL: the server's default database, whatever this machine holds there, is never read. */
const NO_DATABASE = (t: TestServer) => ({ DATABASE_URL: join(t.dir, 'no-database-here.sqlite') })

async function run(args: string[], env: Record<string, string> = NO_DATABASE(t), cwd?: string) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), env, ...(cwd ? { cwd } : {}) })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('miniconsent verify', () => {
  it('prints OK with the count and head hash, exit 0', async () => {
    const r = await run(['verify', '--site', 'acme', '--db', t.file])
    expect(r.code).toBe(0)
    const head = (t.db.$client.prepare("SELECT hash FROM consent_records WHERE seq=3").get() as { hash: string }).hash
    expect(r.out).toBe(`OK acme: 3 records, head ${head}`)
  })

  it('says what was erased and when: one line per erasure (data-subject request), with its records', async () => {
    expect((await t.request('/api/v1/consents', json(consentBody({ consentId: 'visitor-0002' })))).status).toBe(201)
    await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
    const owner = await signIn(t, 'owner@acme.test', 'owner password 1')
    expect((await owner.request('/api/admin/sites/acme/subjects/visitor-0002', { method: 'DELETE' })).status).toBe(200)
    t.clock.now += 60_000
    expect((await owner.request('/api/admin/sites/acme/subjects/visitor-0001', { method: 'DELETE' })).status).toBe(200)
    const r = await run(['verify', '--site', 'acme', '--db', t.file])
    expect(r.code).toBe(0)
    expect(r.out.split('\n')).toEqual([
      expect.stringMatching(/^OK acme: 4 records, head [0-9a-f]{64}; 4 erased$/),
      '  erased at 2026-11-22T10:00:00.000Z: seq 4',
      '  erased at 2026-11-22T10:01:00.000Z: seq 1, 2, 3',
    ])
  })

  it('names a database URL of another scheme by its scheme only: the rest may hold a password', async () => {
    const refused = await run(['verify', '--site', 'acme', '--db', 'postgres://user:s3cret@db.example/consents'])
    expect(refused.code).toBe(2)
    expect(refused.err).toContain('a postgres: URL')
    expect(refused.err).not.toContain('s3cret')
    const byEnv = await run(['verify', '--site', 'acme'], { DATABASE_URL: 'postgres://user:s3cret@db.example/consents' })
    expect(byEnv.code).toBe(2)
    expect(byEnv.err).toBe('not a database path: a postgres: URL (MiniConsent keeps its data in an SQLite file: give its path)')
  })

  it('verifies a WAL-mode database in a folder it may not write, by reading a copy, and says so', async () => {
    const { folder, file } = walCopyInReadOnlyFolder(t, 'miniconsent-readonly-', 'evidence.sqlite')
    try {
      // Root may write anywhere: the check runs the built CLI as nobody there, as an auditor's account would.
      const r = builtCliAsNobody(['verify', '--site', 'acme', '--db', file]) ?? (await run(['verify', '--site', 'acme', '--db', file]))
      expect(r.code, r.err).toBe(0)
      expect(r.out).toMatch(/^OK acme: 3 records/)
      expect(r.err).toMatch(/cannot be opened where it is \(its folder is read-only to this user\), so a copy of it is read/)
      // Nothing was written beside the evidence.
      expect(readdirSync(folder)).toEqual(['evidence.sqlite'])
    } finally {
      chmodSync(folder, 0o755)
      rmSync(folder, { recursive: true, force: true })
    }
  })

  it('refuses, as a user who may not read the database or its -wal, with that reason, not an error about a copy it could not make', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'miniconsent-verify-unreadable-'))
    const file = join(folder, 'live.sqlite')
    const refusal = (reason: string) => ({ code: 2, out: '', err: `cannot read ${file}: ${reason}: run this as the server's user` })
    const asNobody = async (args: string[]) => builtCliAsNobody(args) ?? run(args)
    try {
      // In a folder this user may write, and (last) as the server leaves its files: a folder others
      // may read but not write, a database only its user may read, its -wal and -shm beside it.
      for (const [unreadable, mode, reason] of [
        [file, 0o777, 'this user may not read it'],
        [`${file}-wal`, 0o777, 'this user may not read its live.sqlite-wal file'],
        [file, 0o755, 'this user may not read it'],
      ] as const) {
        chmodSync(folder, 0o755)
        for (const f of readdirSync(folder)) rmSync(join(folder, f))
        t.db.$client.exec(`VACUUM INTO '${file}'`)
        const wal = new Database(file)
        wal.pragma('journal_mode = WAL')
        wal.close()
        writeFileSync(`${file}-wal`, '')
        if (mode === 0o755) writeFileSync(`${file}-shm`, '')
        for (const f of readdirSync(folder)) chmodSync(join(folder, f), 0o644)
        chmodSync(unreadable, 0o600)
        chmodSync(folder, mode)
        expect(await asNobody(['verify', '--site', 'acme', '--db', file]), unreadable).toEqual(refusal(reason))
        expect(await asNobody(['sign-unsigned', '--site', 'acme', '--db', file]), unreadable).toEqual(refusal(reason))
      }
    } finally {
      chmodSync(folder, 0o755)
      rmSync(folder, { recursive: true, force: true })
    }
  })

  it('reads DATABASE_URL (a file: URL) when --db is absent', async () => {
    expect((await run(['verify', '--site', 'acme'], { DATABASE_URL: `file://${t.file}` })).code).toBe(0)
  })

  it('names the first bad record and exits 1 when the chain is broken', async () => {
    t.db.$client.prepare("UPDATE consent_records SET method='reject-all' WHERE seq=2").run()
    const r = await run(['verify', '--site', 'acme', '--db', t.file])
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/BROKEN acme at seq 2: .*edited/)
  })

  it('exits 2 for an unknown site, a missing database or bad usage', async () => {
    expect(await run(['verify', '--site', 'nobody', '--db', t.file])).toMatchObject({ code: 2, err: 'unknown site "nobody"' })
    expect((await run(['verify', '--site', 'acme', '--db', t.file + '.missing'])).code).toBe(2)
    expect((await run(['verify', '--db', t.file])).err).toMatch(/^verify needs --site, or --manifest and --file\nusage:/)
    expect((await run(['frobnicate', '--site', 'acme'])).code).toBe(2)
    expect((await run(['verify', '--site', 'acme', '--colour'])).code).toBe(2)
  })

  it("exits 2 for another application's database that has a table `sites` or a drizzle journal, rather than calling it one an older MiniConsent left", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-foreign-'))
    try {
      const cases: [string, string, string][] = [
        ['cms.sqlite', 'CREATE TABLE sites (id TEXT PRIMARY KEY); CREATE TABLE pages (id INTEGER PRIMARY KEY)', 'it holds other tables: pages, sites'],
        [
          'shop.sqlite',
          `CREATE TABLE __drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric); INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('${'9f'.repeat(32)}', 1700000000000); CREATE TABLE sites (id TEXT PRIMARY KEY)`,
          "its migration journal (__drizzle_migrations) is another application's: none of its 1 migration(s) is MiniConsent's; it holds other tables: sites",
        ],
        // A migrations table of another tool by drizzle's name: SQLite's "no such column: created_at" said nothing of the file.
        [
          'tool.sqlite',
          `CREATE TABLE __drizzle_migrations (id INTEGER PRIMARY KEY, version TEXT); INSERT INTO __drizzle_migrations (version) VALUES ('1.0'); CREATE TABLE sites (id TEXT PRIMARY KEY)`,
          "its migration journal (__drizzle_migrations) is another application's, not drizzle's table of migrations: it has no hash or created_at column; it holds other tables: sites",
        ],
        // In WAL mode, stopped cleanly (no -wal): refused without a -wal or -shm made beside it.
        ['wal.sqlite', 'PRAGMA journal_mode = WAL; CREATE TABLE sites (id TEXT PRIMARY KEY); CREATE TABLE pages (id INTEGER PRIMARY KEY)', 'it holds other tables: pages, sites'],
      ]
      for (const [name, tables, why] of cases) {
        const file = join(dir, name)
        const other = new Database(file)
        other.exec(tables)
        other.close()
        const before = readFileSync(file)
        const refused = { code: 2, out: '', err: `cannot read ${file} as a MiniConsent database: ${why}` }
        expect(await run(['verify', '--site', 'acme', '--db', file])).toEqual(refused)
        expect(await run(['reset-password', '--email', 'owner@acme.test', '--db', file])).toEqual(refused)
        expect(await run(['backup', '--to', join(dir, 'backup.sqlite'), '--db', file])).toEqual(refused)
        expect(readFileSync(file).equals(before)).toBe(true)
      }
      expect(readdirSync(dir).sort()).toEqual(cases.map(([name]) => name).sort())
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('exits 2 for a file that is not a MiniConsent database, and leaves it as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-bad-'))
    try {
      const cases: [string, string | null][] = [
        [join(dir, 'notes.txt'), 'these are not the pages of an SQLite file\n'],
        [join(dir, 'empty.sqlite'), ''],
        [dir, null],
      ]
      for (const [path, content] of cases) {
        if (content !== null) writeFileSync(path, content)
        const r = await run(['verify', '--site', 'acme', '--db', path])
        expect(r).toMatchObject({ code: 2 })
        expect(r.err).toMatch(content === null ? /^cannot read .*: it is a directory, not a database file$/ : /^cannot read .* as a MiniConsent database/)
        if (content !== null) expect(readFileSync(path, 'utf8')).toBe(content)
      }
      expect(readdirSync(dir).sort()).toEqual(['empty.sqlite', 'notes.txt'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('never writes to the database it verifies', async () => {
    // The database and its WAL; the -shm file is SQLite's shared-memory index, which readers use too.
    const files = () => readdirSync(t.dir).filter((f) => f.startsWith('test.sqlite') && !f.endsWith('-shm')).map((f) => [f, readFileSync(join(t.dir, f))] as const)
    const before = files()
    expect((await run(['verify', '--site', 'acme', '--db', t.file])).code).toBe(0)
    const after = files()
    expect(after.map(([f]) => f)).toEqual(before.map(([f]) => f))
    after.forEach(([, bytes], i) => expect(bytes.equals(before[i]![1])).toBe(true))
  })
})

describe('miniconsent: usage errors', () => {
  /** The first line of a usage error, the one that says what is wrong; the usage follows it. */
  const problem = async (args: string[]) => {
    const r = await run(args)
    expect(r, args.join(' ')).toMatchObject({ code: 2, out: '' })
    const [first, ...rest] = r.err.split('\n')
    expect(rest[0], args.join(' ')).toMatch(/^usage:/)
    return first
  }

  it('refuses an option given twice instead of acting on its last value, doing nothing', async () => {
    await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
    const hashes = () => t.db.$client.prepare('SELECT email, password_hash FROM users ORDER BY email').all()
    const kept = hashes()
    // A tombstone left unsigned, which sign-unsigned --confirm on acme would sign.
    t.db.$client.prepare("UPDATE consent_records SET consent_id='erased', ip=NULL, user_agent=NULL, url='', erased_at='2026-11-22T11:00:00.000Z' WHERE seq=2").run()
    expect(await problem(['verify', '--site', 'nobody', '--site', 'acme', '--db', t.file])).toBe('--site is given twice: give it once')
    expect(await problem(['reset-password', '--email', 'nobody@acme.test', '--email', 'owner@acme.test', '--db', t.file])).toBe('--email is given twice: give it once')
    expect(await problem(['sign-unsigned', '--site=nowhere', '--site', 'acme', '--db', t.file, '--confirm'])).toBe('--site is given twice: give it once')
    expect(await problem(['sign-unsigned', '--site', 'acme', '--db', t.file, '--db', t.file, '--confirm'])).toBe('--db is given twice: give it once')
    expect(hashes()).toEqual(kept)
    expect(t.db.$client.prepare("SELECT count(*) AS n FROM audit_log WHERE action IN ('user.password_reset', 'consents.sign_unsigned')").get()).toEqual({ n: 0 })
    expect((await run(['verify', '--site', 'acme', '--db', t.file])).err).toContain('no signature of this server')
  })

  it('--help and -h print the usage on stdout, exit 0; an unknown option is named, without Node\'s hint about --', async () => {
    for (const args of [['--help'], ['-h'], ['verify', '--help'], ['verify', '--site', 'acme', '-h'], ['reset-password', '--sit', 'x', '--help']]) {
      const r = await run(args)
      expect(r, args.join(' ')).toMatchObject({ code: 0, err: '' })
      expect(r.out, args.join(' ')).toMatch(/^usage: miniconsent verify --site/)
    }
    expect(await problem(['verify', '--sit', 'acme'])).toBe('unknown option --sit')
    expect(await problem(['verify', '--site', 'acme', '-x'])).toBe('unknown option -x')
    expect((await run(['verify', '--sit', 'acme'])).err).not.toContain("'--'")
  })

  it('says what is wrong before the usage', async () => {
    const cases: [string[], string][] = [
      [['verify', '--site', 'acme', '--email', 'x'], '--email is not an option of verify'],
      [['verify', '--site', 'acme', '--confirm'], '--confirm is not an option of verify'],
      [['reset-password', '--email', 'admin@example.test', '--site', 'minopa'], '--site is not an option of reset-password'],
      [['sign-unsigned', '--site', 'acme', '--email', 'x'], '--email is not an option of sign-unsigned'],
      [['verify', '--site', ''], '--site needs a value'],
      [['verify', '--site', 'acme', '--db='], '--db needs a value'],
      [['reset-password', '--email', ''], '--email needs a value'],
      [['reset-password'], 'reset-password needs --email, the address of the account'],
      [['sign-unsigned', '--confirm'], 'sign-unsigned needs --site, the site whose log to sign'],
      [['verify', '--manifest', 'm.json'], '--manifest needs --file, the export it describes (or --site, the site whose chain it was made of)'],
      [['verify', '--file', 'f.csv'], '--file needs --manifest, the manifest of that export'],
      [['verify', '--manifest', 'm', '--file', 'f', '--site', 'minopa'], "--site and --file do not go together: verify a site's chain (--site, with --manifest or not) or an export file (--manifest and --file)"],
      [['verify', '--site', 'acme', '--public-key', 'k'], "--public-key checks a manifest's signature: it goes with --manifest"],
      [['sign-unsigned', 'minopa'], 'sign-unsigned takes no positional argument; did you mean --site minopa?'],
      [['verify', 'acme'], 'verify takes no positional argument; did you mean --site acme?'],
      [['reset-password', 'a@b.test'], 'reset-password takes no positional argument; did you mean --email a@b.test?'],
      [['frobnicate', '--site', 'acme'], 'unknown command "frobnicate"'],
      // Names every object inherits are no command either.
      [['constructor', '--site', 'acme'], 'unknown command "constructor"'],
      [['__proto__'], 'unknown command "__proto__"'],
      [['toString'], 'unknown command "toString"'],
      [[], 'no command: give verify, reset-password, sign-unsigned, backup'],
    ]
    for (const [args, said] of cases) expect(await problem(args), args.join(' ')).toBe(said)
  })
})

describe('miniconsent verify --manifest --file', () => {
  let cookie: string
  beforeEach(async () => {
    await addUser(t.db, 'auditor@acme.test', 'auditor password', { acme: 'auditor' })
    const res = await t.request('/api/admin/login', json({ email: 'auditor@acme.test', password: 'auditor password' }))
    cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!
    for (let i = 0; i < 4; i++) {
      const url = i === 1 ? '@SUM(1+1)*cmd' : `https://acme.test/page-${i}`
      // A user agent escaped after its semicolon and its tab in a CSV (spreadsheets may split there): it must still verify.
      const agent: Record<string, string> = i === 2 ? { 'User-Agent': "Mozilla/5.0;=cmd|' /C calc'!A0 \t@x" } : {}
      expect((await t.request('/api/v1/consents', json(consentBody({ method: 'custom', url }), agent))).status).toBe(201)
    }
  })

  /** Downloads an export and its manifest into the test's directory; returns their paths. */
  async function exportFiles(query: string) {
    const res = await t.request(`/api/admin/sites/acme/export?${query}`, { headers: { Cookie: cookie } })
    const ext = query.includes('ndjson') ? 'ndjson' : 'csv'
    const file = join(t.dir, `export.${ext}`)
    writeFileSync(file, new Uint8Array(await res.arrayBuffer()))
    const manifest = await (await t.request(`/api/admin/sites/acme/exports/${res.headers.get('x-export-id')}/manifest`, { headers: { Cookie: cookie } })).json()
    const manifestFile = join(t.dir, 'manifest.json')
    writeFileSync(manifestFile, JSON.stringify(manifest))
    return { file, manifestFile }
  }

  it('reads relative paths from the directory the command was typed in, not the one npm runs it in', async () => {
    await exportFiles('format=csv')
    // As `npm run verify` from the directory holding the files: the command itself runs in server/.
    const typedIn = await run(['verify', '--manifest', 'manifest.json', '--file', 'export.csv', '--db', relative(t.dir, t.file)], NO_DATABASE(t), t.dir)
    expect(typedIn).toMatchObject({ code: 0, err: '' })
    expect(typedIn.out).toMatch(/^OK export .* of acme: 7 rows/)
    // A key list given by its file name too.
    writeFileSync(join(t.dir, 'keys.json'), await (await t.request('/api/v1/manifest-keys')).text())
    const byKeys = await run(['verify', '--manifest', 'manifest.json', '--file', 'export.csv', '--public-key', 'keys.json'], NO_DATABASE(t), t.dir)
    expect(byKeys).toMatchObject({ code: 0, err: '' })
    // A relative file: URL given as --db is a relative path like any other.
    const byFileUrl = await run(['verify', '--site', 'acme', '--db', `file:${relative(t.dir, t.file)}`], NO_DATABASE(t), t.dir)
    expect(byFileUrl).toMatchObject({ code: 0, err: '' })
    // DATABASE_URL is read as the server reads it, from the process's directory, not the typed-in one.
    const byEnv = await run(['verify', '--site', 'acme'], { DATABASE_URL: relative(t.dir, t.file) }, t.dir)
    expect(byEnv).toMatchObject({ code: 2, err: `no database at ${join(process.cwd(), relative(t.dir, t.file))} (start the server once, or pass --db)` })
    // Elsewhere, the same names are not found: said so, exit 2.
    const elsewhere = await run(['verify', '--manifest', 'manifest.json', '--file', 'export.csv', '--db', t.file], NO_DATABASE(t), tmpdir())
    expect(elsewhere.code).toBe(2)
    expect(elsewhere.err).toContain(`cannot read the manifest ${join(tmpdir(), 'manifest.json')}`)
  })

  it("reads them so through the repository's own script, typed in another directory (npm --prefix <repository>)", async () => {
    await exportFiles('format=csv')
    // A shell of its own: nothing of this test run's npm or pnpm (INIT_CWD among them) passed on.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|pnpm_|INIT_CWD$|MINICONSENT_CWD$|DATABASE_URL$)/i.test(k)))
    const root = join(import.meta.dirname, '../..')
    const args = ['--prefix', root, 'run', '--silent', 'verify', '--', '--manifest', 'manifest.json', '--file', 'export.csv', '--db', relative(t.dir, t.file)]
    const child = spawnSync('npm', args, { cwd: t.dir, encoding: 'utf8', env })
    expect(child.stderr).toBe('')
    expect(child.stdout).toMatch(/^OK export .* of acme: 7 rows/)
    expect(child.status).toBe(0)
  })

  it('accepts an untouched CSV or NDJSON export, counting erased records, exit 0', async () => {
    t.db.$client.prepare("UPDATE consent_records SET consent_id='erased', ip=NULL, user_agent=NULL, url='', erased_at='2026-11-22T11:00:00.000Z' WHERE seq=2").run()
    for (const format of ['csv', 'ndjson']) {
      const { file, manifestFile } = await exportFiles(`format=${format}`)
      if (format === 'csv') expect(readFileSync(file, 'utf8')).toContain("Mozilla/5.0;'=cmd|' /C calc'!A0 \t'@x")
      const r = await run(['verify', '--manifest', manifestFile, '--file', file, '--db', t.file])
      expect(r).toMatchObject({ code: 0, err: '' })
      expect(r.out).toMatch(/^OK export .* of acme: 7 rows, SHA-256 matches the manifest, chain links verified; 1 erased\nsignature valid: key [a-f0-9]{16} signed this manifest/)
    }
  })

  it('exits 1 naming the row for an edited cell, a removed row or a cut tail', async () => {
    const { file, manifestFile } = await exportFiles('format=csv')
    const original = readFileSync(file, 'utf8')
    const lines = original.split('\n')

    writeFileSync(file, original.replace('custom', 'accept-all'))
    let r = await run(['verify', '--manifest', manifestFile, '--file', file, '--db', t.file])
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/BROKEN .*: the first row that differs: row 4 \(seq 4\): hash does not match the record's content/)

    writeFileSync(file, [...lines.slice(0, 3), ...lines.slice(4)].join('\n'))
    r = await run(['verify', '--manifest', manifestFile, '--file', file, '--db', t.file])
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/row 3 \(seq 4\): expected seq 3 but found 4/)

    writeFileSync(file, [...lines.slice(0, 7), ''].join('\n'))
    r = await run(['verify', '--manifest', manifestFile, '--file', file, '--db', t.file])
    expect(r.code).toBe(1)
    expect(r.err).toContain('the file was changed')
    expect(r.err).toContain('it has 6 rows, the manifest says 7')
    expect(r.err).toContain('rows were cut')
  })

  it('says first that a file of another export is not the manifest\'s file, and what the manifest is of', async () => {
    const all = await exportFiles('format=csv')
    const allManifest = readFileSync(all.manifestFile, 'utf8')
    const { exportId } = JSON.parse(allManifest) as { exportId: string }
    const filtered = await exportFiles('format=csv&method=custom')
    writeFileSync(filtered.manifestFile, allManifest)
    const r = await run(['verify', '--manifest', filtered.manifestFile, '--file', filtered.file, '--db', t.file])
    expect(r.code).toBe(1)
    // Before, only "row 2 (seq …): expected seq … but found …: record … was deleted", of an intact export of another filter.
    const [sha, count, ...more] = r.err.split('\n')
    expect(sha).toMatch(new RegExp(`^BROKEN .*: its SHA-256 [a-f0-9]{64} is not the manifest's [a-f0-9]{64}: the file was changed, or it is another export's file \\(this manifest is of export ${exportId} of site "acme", every record, made .*\\)$`))
    expect(count).toMatch(/^BROKEN .*: it has \d rows, the manifest says 7$/)
    // Its rows are genuine records of the log (the newest, custom ones): nothing is said of them.
    expect(more).toEqual([])
  })

  it('reads an NDJSON file on past a line that is no row: its SHA-256 and row count first, then that line', async () => {
    const { file, manifestFile } = await exportFiles('format=ndjson')
    const lines = readFileSync(file, 'utf8').split('\n')
    lines[1] = lines[1]!.replace(/"seq":(\d+)/, '"seq":"$1"')
    writeFileSync(file, lines.join('\n'))
    const r = await run(['verify', '--manifest', manifestFile, '--file', file, '--db', t.file])
    expect(r.code).toBe(1)
    // Before, only "line 2 is not an export row": the file was not read to its end.
    const [sha, row, ...more] = r.err.trimEnd().split('\n')
    expect(sha).toMatch(/^BROKEN .*: its SHA-256 [a-f0-9]{64} is not the manifest's [a-f0-9]{64}: the file was changed, or it is another export's file/)
    expect(row).toMatch(/^BROKEN .*: the first row that differs: line 2 is not an export row$/)
    // The same number of lines as the manifest's rows: no count line.
    expect(more).toEqual([])
  })

  it('says rows were added, not cut, for a later export checked against an earlier manifest', async () => {
    const { manifestFile } = await exportFiles('format=csv')
    const earlier = readFileSync(manifestFile, 'utf8')
    expect((await t.request('/api/v1/consents', json(consentBody({ consentId: 'visitor-0009' })))).status).toBe(201)
    const { file, manifestFile: laterManifest } = await exportFiles('format=csv')
    writeFileSync(laterManifest, earlier)
    const r = await run(['verify', '--manifest', laterManifest, '--file', file, '--db', t.file])
    expect(r.code).toBe(1)
    expect(r.err).toContain('it has 8 rows, the manifest says 7')
    expect(r.err).toMatch(/its last row is seq 8, the chain head at export time was seq 7: rows were added after the export/)
    expect(r.err).not.toContain('rows were cut')
  })

  it("exits 1 for an erased record whose decision was edited in the file", async () => {
    t.db.$client.prepare("UPDATE consent_records SET consent_id='erased', ip=NULL, user_agent=NULL, url='', erased_at='2026-11-22T11:00:00.000Z' WHERE seq=4").run()
    const { file, manifestFile } = await exportFiles('format=csv&method=custom')
    const lines = readFileSync(file, 'utf8').split('\n')
    const erased = lines.findIndex((l) => l.includes(',erased,'))
    lines[erased] = lines[erased]!.replace(',custom,', ',accept-all,')
    writeFileSync(file, lines.join('\n'))
    const r = await run(['verify', '--manifest', manifestFile, '--file', file, '--db', t.file])
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/seq 4\): hash does not match the record's content/)
  })

  it('reads a CSV exported before 0.6, without the personalHash column', async () => {
    // Records as 0.5 wrote them (format 1: no personal hash), exported by 0.5 (one column fewer).
    const rows = t.db.$client.prepare("SELECT * FROM consent_records WHERE site_id='acme' ORDER BY seq").all() as any[]
    let prev = '0'.repeat(64)
    for (const r of rows) {
      const hash = recordHashV1(prev, {
        siteId: 'acme', seq: r.seq, recordId: r.record_id, consentId: r.consent_id, revision: r.revision, textsHash: r.texts_hash,
        categories: JSON.parse(r.categories), services: JSON.parse(r.services), method: r.method, region: r.region, mode: r.mode,
        language: r.language, url: r.url, userAgent: r.user_agent, ip: r.ip, gpc: Boolean(r.gpc), clientTime: r.client_time, serverTime: r.server_time,
      })
      t.db.$client.prepare("UPDATE consent_records SET prev_hash=?, hash=?, personal_hash=NULL WHERE site_id='acme' AND seq=?").run(prev, hash, r.seq)
      prev = hash
    }
    const { file, manifestFile } = await exportFiles('format=csv&method=custom')
    const before0_6 = parse(readFileSync(file, 'utf8')) as string[][]
    writeFileSync(file, stringify(before0_6.map((cells) => cells.slice(0, -1))))
    // …with its manifest as 0.5 wrote it: unsigned.
    const { keyId: _keyId, signature: _signature, ...manifest } = JSON.parse(readFileSync(manifestFile, 'utf8'))
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') }))
    const r = await run(['verify', '--manifest', manifestFile, '--file', file, '--allow-unsigned'])
    expect(r).toMatchObject({ code: 0, err: '' })
    expect(r.out).toContain('4 rows')
    expect(r.out).toContain('unsigned manifest, accepted with --allow-unsigned')
  })

  it('checks each row of a filtered export on its own; exit 2 for a missing or malformed manifest', async () => {
    const { file, manifestFile } = await exportFiles('format=ndjson&method=custom')
    const r = await run(['verify', '--manifest', manifestFile, '--file', file, '--db', t.file])
    expect(r.code).toBe(0)
    expect(r.out).toContain('4 rows')
    expect(r.out).toContain('filtered export')
    writeFileSync(file, readFileSync(file, 'utf8').replace('page-2', 'page-9'))
    expect((await run(['verify', '--manifest', manifestFile, '--file', file, '--db', t.file])).err).toMatch(/hash does not match/)

    expect((await run(['verify', '--manifest', join(t.dir, 'none.json'), '--file', file])).code).toBe(2)
    // A folder given as the file: a message and exit 2 (it was an unhandled stream error).
    const folder = join(t.dir, 'export-folder.ndjson')
    mkdirSync(folder)
    const notFile = await run(['verify', '--manifest', manifestFile, '--file', folder, '--db', t.file])
    expect(notFile).toMatchObject({ code: 2, err: expect.stringContaining('is not a file') })
    // A file whose reading fails part way (Linux's /proc/self/mem answers EIO): exit 2, not a crash.
    if (existsSync('/proc/self/mem')) {
      expect(await run(['verify', '--manifest', manifestFile, '--file', '/proc/self/mem', '--db', t.file])).toMatchObject({ code: 2, err: expect.stringContaining('cannot read') })
    }
    writeFileSync(manifestFile, '{"exportId": 1}')
    expect((await run(['verify', '--manifest', manifestFile, '--file', file, '--db', t.file])).code).toBe(2)
    expect((await run(['verify', '--manifest', manifestFile])).code).toBe(2)
  })

  /** Why `verify --site` says the log is broken, and that each format's export file verified against its manifest says the same of the row. */
  async function reportedAlike(seq: number, value = '', formats = ['csv', 'ndjson']) {
    const site = await run(['verify', '--site', 'acme', '--db', t.file])
    expect(site.code).toBe(1)
    const reason = new RegExp(`^BROKEN acme at seq ${seq}: (.*)$`, 'm').exec(site.err)![1]!
    for (const format of formats) {
      const { file, manifestFile } = await exportFiles(`format=${format}`)
      const r = await run(['verify', '--manifest', manifestFile, '--file', file, '--db', t.file])
      expect({ format, code: r.code, err: r.err }, value).toEqual({ format, code: 1, err: `BROKEN ${file}: row ${seq} (seq ${seq}): ${reason}` })
    }
    return reason
  }

  it('exits 1 for categories or services edited in the database into text that reads the same in JavaScript, in NDJSON as in CSV and --site', async () => {
    // seq 2 was stored as {"analytics":true,"essential":true}: each edit below leaves what JSON.parse reads (so the hash) as it was.
    const edits: [string, string, string][] = [
      // Whitespace between tokens, which json() drops: NDJSON wrote the object without it, and the edit verified.
      ['categories', `'{ "analytics": true, "essential": true }'`, 'categories or services are not stored as written: the record was edited'],
      ['services', `services || char(10)`, 'categories or services are not stored as written: the record was edited'],
      // SQLite's JSON functions (statistics) read the first of a repeated key, JavaScript the last.
      ['categories', `'{"analytics":false,"analytics":true,"essential":true}'`, 'categories or services are not stored as written: the record was edited'],
      ['categories', `'{analytics:true,essential:true,}'`, 'categories or services are not valid JSON: the record was edited'],
      ['categories', `'{"essential":true,"analytics":true}'`, 'categories or services are not stored as written: the record was edited'],
      ['categories', `jsonb('{"analytics":true,"essential":true}')`, 'categories or services are not valid JSON: the record was edited'],
      ['services', `'{"plausible":false,"plausible":true}'`, 'categories or services are not stored as written: the record was edited'],
      // The stored text as a BLOB of the same bytes (SQLite's json() reads it as that text), and
      // text after a NUL (json_valid() and json() stop at it).
      ['categories', 'CAST(categories AS BLOB)', 'categories or services are not stored as written: the record was edited'],
      ['services', 'CAST(services AS BLOB)', 'categories or services are not stored as written: the record was edited'],
      ['categories', `categories || char(0) || 'x'`, 'categories or services are not valid JSON: the record was edited'],
    ]
    for (const [column, value, reason] of edits) {
      const stored = t.db.$client.prepare(`SELECT ${column} FROM consent_records WHERE site_id = 'acme' AND seq = 2`).pluck().get()
      t.db.$client.prepare(`UPDATE consent_records SET ${column} = ${value} WHERE site_id = 'acme' AND seq = 2`).run()
      expect(await reportedAlike(2, value), value).toBe(reason)
      t.db.$client.prepare(`UPDATE consent_records SET ${column} = ? WHERE site_id = 'acme' AND seq = 2`).run(stored)
    }
    const { file, manifestFile } = await exportFiles('format=ndjson')
    expect((await run(['verify', '--manifest', manifestFile, '--file', file, '--db', t.file])).code).toBe(0)
    // Untouched, each is the object its stored text is.
    expect(readFileSync(file, 'utf8').split('\n')[1]).toContain('"categories":{"analytics":true,"essential":true}')
  })

  it('exits 1 for categories or services edited into a value an export could pass off as another, in NDJSON as in CSV and --site', async () => {
    const canonical = Buffer.from('{"analytics":true,"essential":true}').toString('hex').toUpperCase()
    const edits: [string, string][] = [
      // Text that reads as a CSV cell's BLOB literal: it is text, not JSON (a CSV read it as the BLOB).
      ['categories', `'X''${canonical}'''`],
      // Text in quotes, as a text literal reads, and text a formula escape would read as another.
      ['categories', `'''{"analytics":true,"essential":true}'''`],
      ['categories', `'''{"analytics":true,"essential":true}'`],
      ['services', `'-{"plausible":true}'`],
      // BLOBs that are not UTF-8: the bytes as stored, not their decoding.
      ['categories', `x'${canonical.replace('61', 'FF')}'`],
      ['categories', `x'${canonical}FF'`],
      ['services', `x'FF'`],
      ['services', `x'7B22C0'`],
    ]
    for (const [column, value] of edits) {
      const stored = t.db.$client.prepare(`SELECT ${column} FROM consent_records WHERE site_id = 'acme' AND seq = 2`).pluck().get()
      t.db.$client.prepare(`UPDATE consent_records SET ${column} = ${value} WHERE site_id = 'acme' AND seq = 2`).run()
      expect(await reportedAlike(2, value), value).toMatch(/^categories or services are not (valid JSON|stored as written): the record was edited$/)
      t.db.$client.prepare(`UPDATE consent_records SET ${column} = ? WHERE site_id = 'acme' AND seq = 2`).run(stored)
    }
    // A `'` put before a value no export escapes: a CSV read it as an escape, and the edit verified.
    for (const column of ['method', 'client_time']) {
      const stored = t.db.$client.prepare(`SELECT ${column} FROM consent_records WHERE site_id = 'acme' AND seq = 2`).pluck().get()
      t.db.$client.prepare(`UPDATE consent_records SET ${column} = '''' || ${column} WHERE site_id = 'acme' AND seq = 2`).run()
      expect(await reportedAlike(2, column), column).toBe("hash does not match the record's content: the record or the one before it was edited")
      t.db.$client.prepare(`UPDATE consent_records SET ${column} = ? WHERE site_id = 'acme' AND seq = 2`).run(stored)
    }
     // A revision edited into text or a fraction: NDJSON said "not an export row", not the record.
    for (const value of [`'abc'`, '1.5', `'2'`]) {
      t.db.$client.prepare(`UPDATE consent_records SET revision = ${value} WHERE site_id = 'acme' AND seq = 2`).run()
      expect(await reportedAlike(2, value), value).toBe("hash does not match the record's content: the record or the one before it was edited")
    }
  })

  it('exits 1 for a column edited into a BLOB, which NDJSON wrote as the JSON a JSONB BLOB holds, in NDJSON as in CSV and --site', async () => {
    const edits: [string, string][] = [
      // JSONB of `true`: the line said "url":true, not an export row.
      ['url', `x'01'`],
      ['method', `x'01'`],
      // JSONB of the same value: the line said what the column held before, and the file verified.
      ['url', 'jsonb(json_quote(url))'],
      ['method', 'jsonb(json_quote(method))'],
      ['client_time', 'jsonb(json_quote(client_time))'],
      ['revision', `jsonb('1')`],
      ['user_agent', `x'FF'`],
    ]
    for (const [column, value] of edits) {
      const stored = t.db.$client.prepare(`SELECT ${column} FROM consent_records WHERE site_id = 'acme' AND seq = 2`).pluck().get()
      t.db.$client.prepare(`UPDATE consent_records SET ${column} = ${value} WHERE site_id = 'acme' AND seq = 2`).run()
      expect(await reportedAlike(2, value), value).toMatch(/does not match the record's (content|personal fields)/)
      t.db.$client.prepare(`UPDATE consent_records SET ${column} = ? WHERE site_id = 'acme' AND seq = 2`).run(stored)
    }
    // A personal hash as a BLOB is none to --site (a format-1 record); NDJSON sent the text of its
    // bytes, a format-2 record's, and the file verified (or, not UTF-8, failed for another reason).
    // An empty BLOB too (NDJSON wrote the empty string). CSV still writes a BLOB there as the text of its bytes.
    const ndjsonOnly: [string, string, string][] = [
      ['personal_hash', 'CAST(personal_hash AS BLOB)', 'has no personal_hash but follows a record that has one: the record was edited'],
      ['personal_hash', `x'FF'`, 'has no personal_hash but follows a record that has one: the record was edited'],
      ['url', `x''`, "personal_hash does not match the record's personal fields: the record was edited"],
    ]
    for (const [column, value, reason] of ndjsonOnly) {
      const stored = t.db.$client.prepare(`SELECT ${column} FROM consent_records WHERE site_id = 'acme' AND seq = 2`).pluck().get()
      t.db.$client.prepare(`UPDATE consent_records SET ${column} = ${value} WHERE site_id = 'acme' AND seq = 2`).run()
      expect(await reportedAlike(2, value, ['ndjson']), value).toBe(reason)
      t.db.$client.prepare(`UPDATE consent_records SET ${column} = ? WHERE site_id = 'acme' AND seq = 2`).run(stored)
    }
    // Untouched, a line is as it was.
    const line = readFileSync((await exportFiles('format=ndjson')).file, 'utf8').split('\n')[1]!
    expect(line).toMatch(/^\{"seq":2,"recordId":"[^"]+","consentId":"visitor-0001","serverTime":"[^"]+","clientTime":"[^"]+","method":"accept-all","revision":1,"textsHash":"a{64}","region":null,"mode":"opt-in",/)
  })

  it('exits 1 for a gpc stored as anything but 0 or 1, which the export writes as it is stored, in NDJSON as in CSV and --site', async () => {
    for (let i = 0; i < 2; i++) expect((await t.request('/api/v1/consents', json(consentBody({ gpc: true })))).status).toBe(201)
    // seq 8 and 9 were stored with gpc 1; the hash reads any value but 0 as true.
    for (const [value, csvCell, ndjsonValue] of [['2', '2', 2], [`'true'`, `'true'`, 'true'], [`x'01'`, `X'01'`, { blob: '01' }]] as const) {
      t.db.$client.prepare(`UPDATE consent_records SET gpc = ${value} WHERE site_id = 'acme' AND seq = 8`).run()
      expect(await reportedAlike(8), value).toBe('gpc is neither 0 nor 1: the record was edited')
      const csv = parse(readFileSync((await exportFiles('format=csv')).file, 'utf8'), { columns: true }) as Record<string, string>[]
      expect(csv.map((r) => r.gpc), value).toEqual(['false', 'false', 'false', 'false', 'false', 'false', 'false', csvCell, 'true'])
      const ndjson = readFileSync((await exportFiles('format=ndjson')).file, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { gpc: unknown }).gpc)
      expect(ndjson, value).toEqual([false, false, false, false, false, false, false, ndjsonValue, true])
    }
    // The listing reads it as 1 or not: not GPC, where the export said true.
    const listed = (await (await t.request('/api/admin/sites/acme/consents', { headers: { Cookie: cookie } })).json()) as { records: { seq: number; gpc: boolean }[] }
    expect(listed.records.filter((r) => r.seq >= 8).map((r) => [r.seq, r.gpc])).toEqual([[9, true], [8, false]])
  })

  it('reads an NDJSON file of a release whose lines JavaScript wrote, keys that are whole numbers first, and a visitor value that looks like a field', async () => {
    const url = 'https://acme.test/?a=\\","categories":{"x":true},"services":{\\'
    expect((await t.request('/api/v1/consents', json(consentBody({ url })))).status).toBe(201)
    // Category ids that are whole numbers (slugs may be), the newest record's hash recomputed as the server would have written it.
    const r8 = t.db.$client.prepare("SELECT * FROM consent_records WHERE site_id = 'acme' AND seq = 8").get() as any
    const categories = { essential: true, '10': true, '9': false }
    const fields = {
      siteId: 'acme', seq: 8, recordId: r8.record_id, consentId: r8.consent_id, revision: r8.revision, textsHash: r8.texts_hash, categories,
      services: JSON.parse(r8.services), method: r8.method, region: r8.region, mode: r8.mode, language: r8.language, url: r8.url,
      userAgent: r8.user_agent, ip: r8.ip, gpc: Boolean(r8.gpc), clientTime: r8.client_time, serverTime: r8.server_time,
    }
    t.db.$client.prepare("UPDATE consent_records SET categories = ?, hash = ? WHERE site_id = 'acme' AND seq = 8").run(canonicalJson(categories), recordHash(r8.prev_hash, fields))
    expect((await run(['verify', '--site', 'acme', '--db', t.file])).code).toBe(0)
    const { file, manifestFile } = await exportFiles('format=ndjson')
    const lines = readFileSync(file, 'utf8').split('\n')
    expect(lines[7]).toContain('"categories":{"10":true,"9":false,"essential":true}')
    // As JSON.stringify wrote the line before SQLite did (November 2026): its own key order.
    lines[7] = JSON.stringify(JSON.parse(lines[7]!))
    expect(lines[7]).toContain('"categories":{"9":false,"10":true,"essential":true}')
    writeFileSync(file, lines.join('\n'))
    const { keyId: _keyId, signature: _signature, ...manifest } = JSON.parse(readFileSync(manifestFile, 'utf8'))
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') }))
    const r = await run(['verify', '--manifest', manifestFile, '--file', file, '--allow-unsigned'])
    expect(r).toMatchObject({ code: 0, err: '' })
  })

  it('says a CSV file it cannot read to the end cannot be read, exit 2, as for NDJSON: not a crash that reads as a broken file', async () => {
    // Linux's /proc/self/mem answers EIO part way. The error was thrown out of the CSV parser's
    // stream unhandled (the built CLI exited 1, BROKEN, with a stack trace; here the check never ended).
    if (!existsSync('/proc/self/mem')) return
    const { manifestFile } = await exportFiles('format=csv&method=custom')
    const r = await run(['verify', '--manifest', manifestFile, '--file', '/proc/self/mem', '--db', t.file])
    expect(r).toMatchObject({ code: 2, out: '' })
    expect(r.err).toMatch(/^cannot read \/proc\/self\/mem: EIO/)
  }, 10_000)
})

describe('miniconsent verify --manifest: a manifest that is not one', () => {
  it('names the bad fields on one line, exit 2', async () => {
    const file = join(t.dir, 'export.csv')
    writeFileSync(file, '')
    const manifestFile = join(t.dir, 'manifest.json')
    const refusal = async (text: string) => {
      writeFileSync(manifestFile, text)
      const r = await run(['verify', '--manifest', manifestFile, '--file', file, '--db', t.file])
      expect(r).toMatchObject({ code: 2, out: '' })
      expect(r.err).not.toContain('\n')
      return r.err.slice(`cannot read the manifest ${manifestFile}: `.length)
    }
    expect(await refusal('{}')).toBe(
      'not an export manifest: exportId: Invalid input: expected string, received undefined; siteId: Invalid input: expected string, received undefined; ' +
        'format: Invalid option: expected one of "csv"|"ndjson"; filters: Invalid input: expected object, received undefined; ' +
        'rowCount: Invalid input: expected number, received undefined (and 4 more)',
    )
    expect(await refusal('null')).toBe('not an export manifest: Invalid input: expected object, received null')
    expect(await refusal('{"exportId": 1}')).toMatch(/^not an export manifest: exportId: Invalid input: expected string, received number; siteId: /)
    const almost = { exportId: 'x', siteId: 'acme', format: 'csv', filters: {}, rowCount: 1.5, sha256: 'a'.repeat(64), chainHead: { seq: -1, hash: 'a'.repeat(64) }, createdAt: '2026-11-22T10:00:00.000Z', createdBy: null }
    expect(await refusal(JSON.stringify(almost))).toBe('not an export manifest: rowCount: Invalid input: expected int, received number; chainHead.seq: Too small: expected number to be >=0')
    // Not JSON: said so, without the parser's quote of the text (it stopped mid-quote at a line break).
    expect(await refusal('x')).toBe('it is not JSON')
    expect(await refusal('not json\nat all')).toBe('it is not JSON')
    // Nested deeper than the API takes (the signature's canonical JSON overflowed the stack: a stack trace, exit 1).
    const deep = JSON.stringify({ ...almost, rowCount: 1, chainHead: { seq: 0, hash: 'a'.repeat(64) } }).replace(/^\{/, `{"extra":${'['.repeat(20_000)}${']'.repeat(20_000)},`)
    expect(await refusal(deep)).toMatch(/^extra(\[0\])+: JSON nested more than 64 levels deep$/)
    expect(await refusal(JSON.stringify({ ...almost, createdBy: '\ud800' }))).toBe('createdBy: a string that is not well-formed Unicode')
  })
})

/** An auditor of acme, signed in, and a CSV export of acme read to its end (its manifest is then saved). */
async function auditorExport() {
  await addUser(t.db, 'auditor@acme.test', 'auditor password', { acme: 'auditor' })
  const auditor = await signIn(t, 'auditor@acme.test', 'auditor password')
  const res = await auditor.request('/api/admin/sites/acme/export?format=csv')
  await res.arrayBuffer()
  return { auditor, exportId: res.headers.get('x-export-id') }
}

describe('miniconsent verify: a file that is not text', () => {
  it('shows a binary export file’s bytes as dots in the parser’s message', async () => {
    const { auditor, exportId } = await auditorExport()
    const file = join(t.dir, 'export.csv')
    writeFileSync(file, Buffer.from([0xff, 0xfe, 0x07, 0x22, 0x01, 0x22, 0x61, 0x0a]))
    const manifestFile = join(t.dir, 'manifest.json')
    writeFileSync(manifestFile, await (await auditor.request(`/api/admin/sites/acme/exports/${exportId}/manifest`)).text())
    const binary = await run(['verify', '--manifest', manifestFile, '--file', file, '--db', t.file])
    expect(binary.code).toBe(1)
    // Its bytes are not the manifest's, said first; then where the reading stopped.
    const [sha, parser, ...more] = binary.err.trimEnd().split('\n')
    expect(sha).toMatch(/^BROKEN .*: its SHA-256 [a-f0-9]{64} is not the manifest's/)
    expect(parser).toMatch(/^BROKEN .*: the first row that differs: cannot be read as CSV: /)
    expect(more).toEqual([])
    for (const line of binary.err.trimEnd().split('\n')) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\ufffd]/)
  })

})

describe('miniconsent verify: what the database recorded of its exports', () => {
  it('--site exits 1 when the newest records were deleted after an export saw them', async () => {
    const { exportId: id } = await auditorExport()
    t.db.$client.prepare("DELETE FROM consent_records WHERE site_id='acme' AND seq=3").run()
    const r = await run(['verify', '--site', 'acme', '--db', t.file])
    expect(r).toMatchObject({ code: 1, out: '' })
    const head = (t.db.$client.prepare("SELECT hash FROM consent_records WHERE seq=2").get() as { hash: string }).hash
    expect(r.err).toBe(
      `BROKEN acme at seq 3: the log ends at seq 2, but export manifest ${id} of ${new Date(t.clock.now).toISOString()} saw it reach seq 3: the records after seq 2 were deleted\n` +
        `2 record(s) before it verified; last good hash ${head}`,
    )
  })
})

describe('miniconsent verify --site --manifest: an auditor\'s saved manifest', () => {
  let auditor: Awaited<ReturnType<typeof signIn>>
  let saved: string
  let keys: string
  let exportId: string
  beforeEach(async () => {
    await addUser(t.db, 'auditor@acme.test', 'auditor password', { acme: 'auditor' })
    auditor = await signIn(t, 'auditor@acme.test', 'auditor password')
    const res = await auditor.request('/api/admin/sites/acme/export?format=ndjson')
    await res.arrayBuffer()
    exportId = res.headers.get('x-export-id')!
    saved = join(t.dir, 'saved-manifest.json')
    writeFileSync(saved, await (await auditor.request(`/api/admin/sites/acme/exports/${exportId}/manifest`)).text())
    keys = join(t.dir, 'saved-keys.json')
    writeFileSync(keys, await (await t.request('/api/v1/manifest-keys')).text())
    // Records after the export: the saved head is not the log's newest.
    expect((await t.request('/api/v1/consents', json(consentBody()))).status).toBe(201)
  })

  /** With the manifest rows deleted too, `--site` alone passes; the saved manifest reports `firstLine` (exit 1). */
  async function expectOnlySavedToTell(firstLine: string) {
    t.db.$client.prepare("DELETE FROM export_manifests WHERE site_id = 'acme'").run()
    expect((await run(['verify', '--site', 'acme', '--db', t.file])).code).toBe(0)
    const r = await run(['verify', '--site', 'acme', '--db', t.file, '--manifest', saved, '--public-key', keys])
    expect(r.code).toBe(1)
    expect(r.err.split('\n')[0]).toBe(firstLine)
  }

  it('exits 0 when the log still holds the saved head with its hash, and says so', async () => {
    const r = await run(['verify', '--site', 'acme', '--db', t.file, '--manifest', saved, '--public-key', keys])
    expect(r.code).toBe(0)
    const lines = r.out.split('\n')
    expect(lines[0]).toMatch(/^OK acme: 4 records, head [0-9a-f]{64}$/)
    expect(lines[1]).toBe(`  the saved manifest of export ${exportId} (${new Date(t.clock.now).toISOString()}) saw the log reach seq 3: it still holds that record, with the hash the manifest recorded`)
    expect(lines[2]).toMatch(/^  signature valid: key \S+ signed this manifest \(public key from .*saved-keys\.json\)$/)
  })

  it('says a saved manifest of an empty log vouches for no record', async () => {
    await addUser(t.db, 'auditor@notice.test', 'auditor password', { 'notice-only': 'auditor' })
    const other = await signIn(t, 'auditor@notice.test', 'auditor password')
    const res = await other.request('/api/admin/sites/notice-only/export?format=ndjson')
    expect(await res.text()).toBe('')
    const emptyId = res.headers.get('x-export-id')!
    const file = join(t.dir, 'empty-manifest.json')
    writeFileSync(file, await (await other.request(`/api/admin/sites/notice-only/exports/${emptyId}/manifest`)).text())
    const line = `  the saved manifest of export ${emptyId} (${new Date(t.clock.now).toISOString()}) saw an empty log: it vouches for no record`
    const r = await run(['verify', '--site', 'notice-only', '--db', t.file, '--manifest', file, '--public-key', keys])
    expect(r.code).toBe(0)
    expect(r.out.split('\n')[1]).toBe(line)
    // Records came, and retention purged them: the manifest still vouched for none (it is no head retention purged since).
    for (let i = 0; i < 2; i++) {
      const body = consentBody({ siteId: 'notice-only', categories: { essential: true, functional: false }, services: {}, method: 'reject-all' })
      expect((await t.request('/api/v1/consents', json(body, { Origin: 'https://notice.test' }))).status).toBe(201)
    }
    expect(purgeSite(t.db, 'notice-only', 1, t.clock.now + 3 * 86_400_000)).toMatchObject({ purged: 2 })
    const purged = await run(['verify', '--site', 'notice-only', '--db', t.file, '--manifest', file, '--public-key', keys])
    expect(purged.code).toBe(0)
    expect(purged.out.split('\n')[1]).toBe(line)
  })

  it('exits 1 for the newest records deleted together with the manifest rows that saw them, which --site alone cannot tell', async () => {
    t.db.$client.prepare("DELETE FROM consent_records WHERE site_id = 'acme' AND seq >= 3").run()
    await expectOnlySavedToTell(
      `BROKEN acme at seq 3: the log ends at seq 2, but the saved manifest of export ${exportId} (${new Date(t.clock.now).toISOString()}) saw it reach seq 3: the records after seq 2 were deleted`,
    )
  })

  /**
   * What a forger with the database does: turns the newest record the export saw into a refusal,
   * hash recomputed, and removes what came after it: the chain itself is sound.
   */
  function rewriteSavedHead() {
    const row = t.db.$client.prepare("SELECT * FROM consent_records WHERE site_id = 'acme' AND seq = 3").get() as Record<string, string>
    const categories = { analytics: false, essential: true }
    const forged = recordHash(row.prev_hash!, {
      siteId: 'acme', seq: 3, recordId: row.record_id!, consentId: row.consent_id!, revision: 1, textsHash: row.texts_hash!,
      categories, services: JSON.parse(row.services!), method: 'reject-all', region: null,
      mode: 'opt-in', language: 'en', url: row.url!, userAgent: row.user_agent!, ip: row.ip!, gpc: false,
      clientTime: row.client_time!, serverTime: row.server_time!,
    })
    t.db.$client.prepare("UPDATE consent_records SET categories = ?, method = 'reject-all', hash = ? WHERE site_id = 'acme' AND seq = 3").run(canonicalJson(categories), forged)
    t.db.$client.prepare("DELETE FROM consent_records WHERE site_id = 'acme' AND seq = 4").run()
  }
  const rewrittenHead = () =>
    `BROKEN acme at seq 3: hash is not the one the saved manifest of export ${exportId} (${new Date(t.clock.now).toISOString()}) recorded for seq 3: this record or one before it was rewritten and the hashes recomputed`

  it('exits 1 when the record at the saved head was rewritten with a consistent hash, which --site alone cannot tell', async () => {
    rewriteSavedHead()
    // …and the manifest rows deleted.
    await expectOnlySavedToTell(rewrittenHead())
  })

  it('still exits 1 for that when a manifest row whose head is between two seqs is added: the saved head is compared all the same', async () => {
    rewriteSavedHead()
    t.db.$client.prepare("DELETE FROM export_manifests WHERE site_id = 'acme'").run()
    // As an export writes its row when it starts, before anything completion writes.
    t.db.$client
      .prepare("INSERT INTO export_manifests (id, site_id, format, filters, chain_head_seq, chain_head_hash, created_at) VALUES ('bogus', 'acme', 'csv', '{}', 1.5, 'x', ?)")
      .run(t.clock.now)
    const r = await run(['verify', '--site', 'acme', '--db', t.file, '--manifest', saved, '--public-key', keys])
    expect(r).toMatchObject({ code: 1, out: '' })
    expect(r.err.split('\n')[0]).toBe(rewrittenHead())
    // Without the saved manifest, the row is reported itself.
    const alone = await run(['verify', '--site', 'acme', '--db', t.file])
    expect(alone.code).toBe(1)
    expect(alone.err.split('\n')[0]).toBe(
      `BROKEN acme at seq 4: export manifest bogus of ${new Date(t.clock.now).toISOString()} records a chain head at seq 1.5, which no record has: it was edited in the database, so the chain head it recorded cannot be trusted: records after seq 3, the newest the log holds, may have been deleted`,
    )
  })

  it('refuses a forged saved manifest (exit 1), another site\'s (exit 2) and an unreadable one (exit 2), before reading the log', async () => {
    const manifest = JSON.parse(readFileSync(saved, 'utf8')) as { chainHead: { seq: number; hash: string }; siteId: string }
    writeFileSync(saved, JSON.stringify({ ...manifest, chainHead: { ...manifest.chainHead, seq: 2 } }))
    const forged = await run(['verify', '--site', 'acme', '--db', t.file, '--manifest', saved, '--public-key', keys])
    expect(forged).toMatchObject({ code: 1, out: '' })
    expect(forged.err).toMatch(/^BROKEN .*saved-manifest\.json: signature invalid for key /)
    writeFileSync(saved, JSON.stringify({ ...manifest, siteId: 'other' }))
    expect(await run(['verify', '--site', 'acme', '--db', t.file, '--manifest', saved, '--public-key', keys])).toMatchObject({
      code: 2,
      err: `the manifest ${saved} is of site "other", not "acme"`,
    })
    writeFileSync(saved, 'not json')
    const unreadable = await run(['verify', '--site', 'acme', '--db', t.file, '--manifest', saved])
    expect(unreadable.code).toBe(2)
    expect(unreadable.err).toMatch(/^cannot read the manifest /)
  })
})

describe('miniconsent verify --manifest: the signature', () => {
  let auditor: Awaited<ReturnType<typeof signIn>>
  beforeEach(async () => {
    await addUser(t.db, 'auditor@acme.test', 'auditor password', { acme: 'auditor' })
    auditor = await signIn(t, 'auditor@acme.test', 'auditor password')
    expect((await t.request('/api/v1/consents', json(consentBody({ method: 'withdraw', categories: { essential: true, analytics: false }, services: { plausible: false } })))).status).toBe(201)
  })

  async function exportPair(query = 'format=csv') {
    const res = await auditor.request(`/api/admin/sites/acme/export?${query}`)
    const file = join(t.dir, 'export.csv')
    writeFileSync(file, new Uint8Array(await res.arrayBuffer()))
    const manifest = (await (await auditor.request(`/api/admin/sites/acme/exports/${res.headers.get('x-export-id')}/manifest`)).json()) as Record<string, unknown>
    const manifestFile = join(t.dir, 'manifest.json')
    writeFileSync(manifestFile, JSON.stringify(manifest, null, 2))
    return { file, manifestFile, manifest }
  }

  /**
   * The pair's file as `bytes`, and its manifest as the server signed it for those bytes (with the
   * server's key): an export as an earlier release wrote it.
   */
  function rewrite(pair: Awaited<ReturnType<typeof exportPair>>, bytes: string) {
    writeFileSync(pair.file, bytes)
    const { private_key: key } = t.db.$client.prepare('SELECT private_key FROM manifest_keys WHERE retired_at IS NULL').get() as { private_key: string }
    const manifest = { ...pair.manifest, sha256: createHash('sha256').update(bytes).digest('hex') } as Record<string, unknown>
    manifest.signature = signManifest(manifest, privateKeyFrom(key))
    writeFileSync(pair.manifestFile, JSON.stringify(manifest))
  }

  /** The answer of the public key endpoint, saved as a verifier outside the server would. */
  async function savedKeys() {
    const keysFile = join(t.dir, 'manifest-keys.json')
    writeFileSync(keysFile, await (await t.request('/api/v1/manifest-keys')).text())
    return keysFile
  }

  /**
   * The last record (the withdrawal) cut from the file, and the manifest edited to match: row
   * count, SHA-256 and chain head all agree with the file, as a careful forger would leave them.
   */
  function forge(pair: Awaited<ReturnType<typeof exportPair>>) {
    const rows = parse(readFileSync(pair.file, 'utf8')) as string[][]
    const kept = rows.slice(0, -1)
    const text = stringify(kept)
    writeFileSync(pair.file, text)
    const last = kept.at(-1)!
    const forged = {
      ...pair.manifest,
      rowCount: kept.length - 1,
      sha256: createHash('sha256').update(text).digest('hex'),
      chainHead: { seq: Number(last[0]), hash: last[18] },
    }
    writeFileSync(pair.manifestFile, JSON.stringify(forged, null, 2))
  }

  it('reports a manifest edited together with its file as forged (exit 1), with the database key or the published one', async () => {
    const pair = await exportPair()
    const keysFile = await savedKeys()
    forge(pair)
    // The file agrees with the edited manifest: only the signature tells, so without a key to check it there is no verdict.
    const unchecked = await run(['verify', '--manifest', pair.manifestFile, '--file', pair.file])
    expect(unchecked).toMatchObject({ code: 2, out: '', err: expect.stringMatching(/^no public key to check the signature of key [a-f0-9]{16} with/) })
    for (const keyArgs of [['--db', t.file], ['--public-key', keysFile]]) {
      const r = await run(['verify', '--manifest', pair.manifestFile, '--file', pair.file, ...keyArgs])
      expect(r).toMatchObject({ code: 1, out: '' })
      expect(r.err).toMatch(/^BROKEN .*manifest\.json: signature invalid for key [a-f0-9]{16}: the manifest was changed after the server signed it, or forged$/)
    }
    // A field added to a signed manifest is an edit too.
    writeFileSync(pair.manifestFile, JSON.stringify({ ...pair.manifest, verifiedBy: 'the regulator' }))
    expect((await run(['verify', '--manifest', pair.manifestFile, '--file', pair.file, '--db', t.file])).err).toContain('signature invalid')
  })

  it('verifies a true pair with the saved key list, the key as base64 or as PEM; a wrong public key fails', async () => {
    const pair = await exportPair('format=ndjson')
    const keysFile = await savedKeys()
    const { keys } = JSON.parse(readFileSync(keysFile, 'utf8')) as { keys: { keyId: string; publicKey: string; publicKeyPem: string }[] }
    const pemFile = join(t.dir, 'key.pem')
    writeFileSync(pemFile, keys[0]!.publicKeyPem)
    for (const key of [keysFile, keys[0]!.publicKey, pemFile]) {
      const r = await run(['verify', '--manifest', pair.manifestFile, '--file', pair.file, '--public-key', key])
      expect(r).toMatchObject({ code: 0, err: '' })
      expect(r.out).toContain(`\nsignature valid: key ${pair.manifest.keyId} signed this manifest (public key from `)
    }

    const other = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('base64')
    const wrong = await run(['verify', '--manifest', pair.manifestFile, '--file', pair.file, '--public-key', other])
    expect(wrong.code).toBe(1)
    expect(wrong.err).toMatch(new RegExp(`^BROKEN .*: the manifest names key ${pair.manifest.keyId}, which is not in the public key given \\(it holds [a-f0-9]{16}\\): forged, or signed by another server$`))
    // A forger who also swaps in a key id of their own is caught the same way.
    writeFileSync(pair.manifestFile, JSON.stringify({ ...pair.manifest, keyId: '0123456789abcdef' }))
    expect(await run(['verify', '--manifest', pair.manifestFile, '--file', pair.file, '--db', t.file])).toMatchObject({ code: 1, err: expect.stringContaining('which is not in the database') })
  })

  it('refuses an unsigned manifest unless --allow-unsigned, and a stripped signature even then, wherever the keys or the database tell', async () => {
    const pair = await exportPair()
    const keysFile = await savedKeys()
    // The forger cuts the withdrawal, fixes the manifest to match, and removes keyId and signature.
    forge(pair)
    const { keyId: _keyId, signature: _signature, ...stripped } = JSON.parse(readFileSync(pair.manifestFile, 'utf8'))
    writeFileSync(pair.manifestFile, JSON.stringify(stripped))
    const verify = (...args: string[]) => run(['verify', '--manifest', pair.manifestFile, '--file', pair.file, ...args])
    for (const extra of [[], ['--allow-unsigned']]) {
      const beside = await verify('--db', t.file, ...extra)
      expect(beside).toMatchObject({ code: 1, out: '' })
      expect(beside.err).toMatch(/^BROKEN .*: the manifest is unsigned, but the database .* holds a signature for export .*: its signature was removed$/)
      const listed = await verify('--public-key', keysFile, ...extra)
      expect(listed).toMatchObject({ code: 1, out: '' })
      expect(listed.err).toMatch(/^BROKEN .*: the manifest is unsigned, but dated .*, after this server began signing its manifests \(.*\): its signature was removed$/)
    }
    // With nothing to tell it from a manifest of before 0.8, it is refused unless asked for.
    const alone = await verify()
    expect(alone).toMatchObject({ code: 1, out: '' })
    expect(alone.err).toMatch(/^BROKEN .*: the manifest is unsigned, so nothing proves it came from the server unaltered; .*--allow-unsigned$/)
    const allowed = await verify('--allow-unsigned')
    expect(allowed).toMatchObject({ code: 0, err: '' })
    expect(allowed.out).toContain('\nunsigned manifest, accepted with --allow-unsigned: nothing proves it came from the server unaltered')
    // Half a signature is an edit, not an old manifest.
    writeFileSync(pair.manifestFile, JSON.stringify({ ...stripped, keyId: pair.manifest.keyId }))
    expect(await verify('--db', t.file)).toMatchObject({ code: 1, err: expect.stringContaining('has no signature: it was altered') })
  })

  it("reads a CSV exported before 0.8.5, whose visitor values kept a ';' or tab before a \"'\" as they were", async () => {
    // A user agent with `;'=` and tab-`'`: 0.8.5 writes `;''=` and tab-`''`; before, the value as it was.
    expect((await t.request('/api/v1/consents', json(consentBody(), { 'User-Agent': "Agent;'=x\t'y" }))).status).toBe(201)
    const pair = await exportPair()
    const text = readFileSync(pair.file, 'utf8')
    expect(text).toContain("Agent;''=x\t''y")
    const old = text.replace("Agent;''=x\t''y", "Agent;'=x\t'y")
    rewrite(pair, old)
    const r = await run(['verify', '--manifest', pair.manifestFile, '--file', pair.file, '--db', t.file])
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    // Its bytes changed in any other way, it still fails.
    rewrite(pair, old.replace("Agent;'=x", "Agent;'=z"))
    expect((await run(['verify', '--manifest', pair.manifestFile, '--file', pair.file, '--db', t.file])).code).toBe(1)
  })

  it("reads a CSV exported by 0.8.5 to 0.9.11, whose visitor values kept a line break before a \"'\" as they were", async () => {
    // A page URL that is no URL is stored as sent: 0.9.12 writes a line break before `'=` as `\n''=`; before, as it was.
    expect((await t.request('/api/v1/consents', json(consentBody({ url: "no url\n'=x;'@y" })))).status).toBe(201)
    const pair = await exportPair()
    const text = readFileSync(pair.file, 'utf8')
    expect(text).toContain("no url\n''=x;''@y")
    expect((await run(['verify', '--manifest', pair.manifestFile, '--file', pair.file, '--db', t.file])).code).toBe(0)
    // As 0.8.5 to 0.9.11 wrote it: a `'` after the semicolon, none after the line break.
    rewrite(pair, text.replace("no url\n''=x;''@y", "no url\n'=x;''@y"))
    const r = await run(['verify', '--manifest', pair.manifestFile, '--file', pair.file, '--db', t.file])
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
  })

  it('refuses a manifest signed with a retired key after its retirement (a copy of the old private key)', async () => {
    const pair = await exportPair()
    // The generated key's private half, as a backup made while it signed holds it.
    const { private_key: oldPrivate } = t.db.$client.prepare('SELECT private_key FROM manifest_keys WHERE retired_at IS NULL').get() as { private_key: string }
    // The deployment moves to a key of its own; the generated one is retired.
    const operator = generateKeyPairSync('ed25519')
    const env = parseEnv({ MANIFEST_SIGNING_KEY: operator.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() })
    const later = t.clock.now + 24 * 3600_000
    new ManifestKeys(t.db, () => later, env.MANIFEST_SIGNING_KEY).active()
    const keysFile = await savedKeys()
    // A manifest the old key signed while it was in use still verifies.
    expect((await run(['verify', '--manifest', pair.manifestFile, '--file', pair.file, '--public-key', keysFile])).code).toBe(0)
    // One signed with the copied key, dated after the retirement (and its hour of grace), does not.
    const resigned = { ...pair.manifest, createdAt: new Date(later + 2 * 3600_000).toISOString() } as Record<string, unknown>
    resigned.signature = signManifest(resigned, privateKeyFrom(oldPrivate))
    writeFileSync(pair.manifestFile, JSON.stringify(resigned))
    for (const keyArgs of [['--db', t.file], ['--public-key', keysFile]]) {
      const r = await run(['verify', '--manifest', pair.manifestFile, '--file', pair.file, ...keyArgs])
      expect(r).toMatchObject({ code: 1, out: '' })
      expect(r.err).toMatch(/^BROKEN .*: key [a-f0-9]{16} was retired on .*, but the manifest is dated .*: signed after its key was replaced/)
    }
  })

  it('with no key to check the signature with, or an unreadable key, exits 2 with a message', async () => {
    const { file, manifestFile } = await exportPair()
    const none = await run(['verify', '--manifest', manifestFile, '--file', file])
    expect(none).toMatchObject({ code: 2, err: expect.stringMatching(/^no public key to check the signature of key [a-f0-9]{16} with: pass --public-key/) })
    expect((await run(['verify', '--manifest', manifestFile, '--file', file, '--public-key', 'not a key'])).err).toMatch(/^cannot read the --public-key value as a public key \(no file by that name either\): not an Ed25519 public key/)
    const rsa = join(t.dir, 'rsa.pem')
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'pem', type: 'spki' }))
    expect(await run(['verify', '--manifest', manifestFile, '--file', file, '--public-key', rsa])).toMatchObject({ code: 2, err: expect.stringContaining(`cannot read ${rsa} as a public key`) })
    writeFileSync(rsa, '{"keys": "none"}')
    expect(await run(['verify', '--manifest', manifestFile, '--file', file, '--public-key', rsa])).toMatchObject({ code: 2, err: expect.stringContaining('neither a key nor the list') })
    expect((await run(['verify', '--manifest', manifestFile, '--file', file, '--public-key', t.dir])).code).toBe(2)
    expect((await run(['verify', '--manifest', manifestFile, '--file', file, '--db', join(t.dir, 'missing.sqlite')])).err).toMatch(/^no database at/)
    // Flags that belong together only.
    expect((await run(['verify', '--site', 'acme', '--db', t.file, '--allow-unsigned'])).err).toMatch(/^--allow-unsigned checks a manifest's signature: it goes with --manifest\nusage:/)
    expect((await run(['verify', '--site', 'acme', '--public-key', rsa])).code).toBe(2)
    expect((await run(['verify', '--manifest', manifestFile, '--file', file, '--public-key', rsa, '--db', t.file])).code).toBe(2)
  })

  it('exits 2 for a database that is not a MiniConsent one, as --site does, and reads one from before signing as holding no keys', async () => {
    const { file, manifestFile, manifest } = await exportPair()
    const make = (name: string, sql: string) => {
      const path = join(t.dir, name)
      const conn = new Database(path)
      conn.exec(sql)
      conn.close()
      return path
    }
    const other = make('other.sqlite', 'CREATE TABLE t (x)')
    const withSites = make('other-with-sites.sqlite', "CREATE TABLE sites (id TEXT); INSERT INTO sites VALUES ('acme')")
    const viaKeys = await run(['verify', '--manifest', manifestFile, '--file', file, '--db', other])
    expect(viaKeys).toMatchObject({ code: 2, out: '', err: `cannot read ${other} as a MiniConsent database: it holds other tables: t` })
    expect(await run(['verify', '--site', 'acme', '--db', other])).toEqual(viaKeys)
    expect(await run(['verify', '--manifest', manifestFile, '--file', file, '--db', withSites])).toMatchObject({
      code: 2,
      err: `cannot read ${withSites} as a MiniConsent database: it holds other tables: sites`,
    })
    // A database from before signing (0.8): no keys, and manifests without signatures.
    const before08 = join(t.dir, 'before-0.8.sqlite')
    t.db.$client.exec(`VACUUM INTO '${before08}'`)
    make('before-0.8.sqlite', 'DROP TABLE manifest_keys; UPDATE export_manifests SET key_id = NULL, signature = NULL')
    const signed = await run(['verify', '--manifest', manifestFile, '--file', file, '--db', before08])
    expect(signed).toMatchObject({ code: 1, err: expect.stringMatching(/which is not in the database .* \(it holds none\): forged/) })
    const { keyId: _keyId, signature: _signature, ...unsigned } = manifest
    writeFileSync(manifestFile, JSON.stringify(unsigned))
    expect(await run(['verify', '--manifest', manifestFile, '--file', file, '--db', before08, '--allow-unsigned'])).toMatchObject({ code: 0 })
  })

  it("says of a database at its first migration alone (no export manifests yet) to start this version's server once, as every command reading its tables does, exit 2", async () => {
    const { file, manifestFile } = await exportPair()
    const folder = join(t.dir, 'at-0')
    mkdirSync(folder)
    const first = join(folder, 'first.sqlite')
    const db = openMigratedUpTo(folder, first, 0)
    db.$client.prepare(`INSERT INTO sites (id, settings, created_at) VALUES ('acme', '{}', 0)`).run()
    db.$client.close()
    const bytes = readFileSync(first)
    const notMigrated = `the database ${first} was last started by an older MiniConsent (${MIGRATION_COUNT - 1} migration(s) of this version to apply): start this version's server once (npm start), which migrates it and signs what older versions left unsigned, then run this again`
    for (const args of [
      ['verify', '--manifest', manifestFile, '--file', file],
      ['verify', '--manifest', manifestFile, '--file', file, '--allow-unsigned'],
      ['verify', '--site', 'acme', '--manifest', manifestFile],
      ['verify', '--site', 'acme'],
      ['sign-unsigned', '--site', 'acme'],
      ['sign-unsigned', '--site', 'acme', '--confirm'],
      ['reset-password', '--email', 'owner@acme.test'],
    ]) {
      expect(await run([...args, '--db', first]), args.join(' ')).toEqual({ code: 2, out: '', err: notMigrated })
    }
    // The backup to take before an upgrade: copied, checked by SQLite alone.
    const backup = await run(['backup', '--to', join(t.dir, 'first-backup.sqlite'), '--db', first])
    expect(backup).toMatchObject({ code: 0, out: expect.stringContaining("SQLite's check only") })
    expect(readFileSync(first).equals(bytes)).toBe(true)
    // Its manifests stored, and no keys yet (before 0.8): read as holding none, as before.
    const before08 = join(folder, 'before-0.8.sqlite')
    openMigratedUpTo(folder, before08, 3).$client.close()
    expect(await run(['verify', '--manifest', manifestFile, '--file', file, '--db', before08])).toMatchObject({ code: 1, err: expect.stringMatching(/\(it holds none\): forged/) })
  })

  it('checks a manifest signed with MANIFEST_SIGNING_KEY against its public half, given or recorded in the database', async () => {
    const operator = generateKeyPairSync('ed25519')
    const env = parseEnv({ MANIFEST_SIGNING_KEY: operator.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() })
    const e = startTestServer({ env: { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: undefined, TRUST_PROXY: false, MANIFEST_SIGNING_KEY: env.MANIFEST_SIGNING_KEY } })
    try {
      expect((await e.request('/api/v1/consents', json(consentBody()))).status).toBe(201)
      await addUser(e.db, 'auditor@acme.test', 'auditor password', { acme: 'auditor' })
      const session = await signIn(e, 'auditor@acme.test', 'auditor password')
      const res = await session.request('/api/admin/sites/acme/export?format=ndjson')
      const file = join(e.dir, 'export.ndjson')
      writeFileSync(file, new Uint8Array(await res.arrayBuffer()))
      const manifestFile = join(e.dir, 'manifest.json')
      writeFileSync(manifestFile, await (await session.request(`/api/admin/sites/acme/exports/${res.headers.get('x-export-id')}/manifest`)).text())
      const publicPem = join(e.dir, 'operator-public.pem')
      writeFileSync(publicPem, operator.publicKey.export({ format: 'pem', type: 'spki' }))
      for (const keyArgs of [['--public-key', publicPem], ['--db', e.file]]) {
        const r = await run(['verify', '--manifest', manifestFile, '--file', file, ...keyArgs])
        expect(r).toMatchObject({ code: 0, err: '' })
        expect(r.out).toContain('signature valid: key')
      }
      // The key published for this deployment is the operator's alone: none was generated beside it.
      const { keys } = (await (await e.request('/api/v1/manifest-keys')).json()) as { keys: { publicKey: string }[] }
      expect(keys.map((k) => k.publicKey)).toEqual([operator.publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('base64')])
      // Another server's keys do not check it.
      expect((await run(['verify', '--manifest', manifestFile, '--file', file, '--public-key', await savedKeys()])).code).toBe(1)
    } finally {
      e.close()
    }
  })

  it('reads the keys from DATABASE_URL beside the server, and never writes to that database', async () => {
    const { file, manifestFile } = await exportPair()
    const files = () => readdirSync(t.dir).filter((f) => f.startsWith('test.sqlite') && !f.endsWith('-shm')).map((f) => [f, readFileSync(join(t.dir, f))] as const)
    const before = files()
    const r = await run(['verify', '--manifest', manifestFile, '--file', file], { DATABASE_URL: t.file })
    expect(r).toMatchObject({ code: 0, err: '' })
    expect(r.out).toContain(`signature valid: key`)
    expect(r.out).toContain(`(public key from the database ${t.file})`)
    files().forEach(([name, bytes], i) => expect([name, bytes.equals(before[i]![1])]).toEqual([before[i]![0], true]))
  })
})

describe('miniconsent reset-password and sign-unsigned on a database another process holds locked', () => {
  it('say the database is busy and exit 2, changing nothing, instead of a stack trace', async () => {
    await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
    const before = t.db.$client.prepare('SELECT password_hash AS h FROM users').all()
    const holder = new Database(t.file)
    holder.prepare('BEGIN IMMEDIATE').run()
    try {
      for (const args of [['reset-password', '--email', 'owner@acme.test', '--db', t.file], ['sign-unsigned', '--site', 'acme', '--confirm', '--db', t.file]]) {
        const r = await run(args)
        expect(r.code, args[0]).toBe(2)
        expect(r.err, args[0]).toMatch(/^cannot (reset the password|sign): the database is busy \(another process has been writing to it for more than 5 s\); try again$/)
      }
    } finally {
      holder.prepare('ROLLBACK').run()
      holder.close()
    }
    expect(t.db.$client.prepare('SELECT password_hash AS h FROM users').all()).toEqual(before)
  }, 60_000)
})

describe('miniconsent verify on a database another process holds locked', () => {
  it('says the database is busy, not that it is no MiniConsent database, exit 2', async () => {
    // An exclusive lock, which keeps readers out too (a write transaction alone does not, in WAL mode),
    // on a copy: the test server's own connections would keep the holder from taking it.
    const locked = join(t.dir, 'locked.sqlite')
    t.db.$client.exec(`VACUUM INTO '${locked}'`)
    const holder = new Database(locked)
    holder.pragma('locking_mode = EXCLUSIVE')
    holder.exec("BEGIN EXCLUSIVE; UPDATE sites SET id = id WHERE id = 'acme'")
    try {
      // Waits out the CLI's busy_timeout (5 s), which it does not let a caller shorten.
      expect(await run(['verify', '--site', 'acme', '--db', locked])).toMatchObject({
        code: 2,
        out: '',
        err: `cannot read ${locked}: the database is busy (another process has been writing to it for more than 5 s); try again`,
      })
    } finally {
      holder.exec('ROLLBACK')
      holder.close()
    }
  }, 60_000)
})

describe('miniconsent reset-password', () => {
  it("refuses a database this version's server has not migrated yet, as verify does, instead of failing on a column it lacks; a newer MiniConsent's it resets", async () => {
    // Each older migration up to the last but one (the count read from the journal: the next migration is covered too).
    for (let last = 0; last <= MIGRATION_COUNT - 2; last++) {
      const folder = join(t.dir, `at-${last}`)
      mkdirSync(folder)
      const file = join(folder, 'old.sqlite')
      const older = openMigratedUpTo(folder, file, last)
      older.$client.prepare(`INSERT INTO users (email, password_hash) VALUES ('owner@example.com', 'x')`).run()
      older.$client.close()
      const r = await run(['reset-password', '--email', 'owner@example.com', '--db', file])
      expect(r, `migrations 0000 to ${last}`).toEqual({
        code: 2,
        out: '',
        err: `the database ${file} was last started by an older MiniConsent (${MIGRATION_COUNT - 1 - last} migration(s) of this version to apply): start this version's server once (npm start), which migrates it and signs what older versions left unsigned, then run this again`,
      })
      const after = new Database(file, { readonly: true })
      expect(after.prepare('SELECT email, password_hash FROM users').all()).toEqual([{ email: 'owner@example.com', password_hash: 'x' }])
      after.close()
    }
    // After a rollback, the older server runs on a newer one's database: its operator may still get back in.
    await addUser(t.db, 'owner@acme.test', 'forgotten password 1', { acme: 'owner' })
    const newer = newerCopy(t, join(t.dir, 'newer.sqlite'))
    expect(await run(['reset-password', '--email', 'owner@acme.test', '--db', newer])).toMatchObject({ code: 0, err: '' })
  })

  it('gives the account a new password, printed once, ends its sessions, and audits it on its sites', async () => {
    await addUser(t.db, 'editor@acme.test', 'forgotten password 1', { acme: 'editor', 'notice-only': 'auditor' })
    // Someone signed in with the old password (who claimed the address, say): signed out by the reset.
    const before = await signIn(t, 'editor@acme.test', 'forgotten password 1')
    expect((await before.request('/api/admin/me')).status).toBe(200)
    const r = await run(['reset-password', '--email', ' Editor@Acme.test ', '--db', t.file])
    expect(r).toMatchObject({ code: 0, err: '' })
    const [said, line] = r.out.split('\n')
    expect(said).toBe('The password of editor@acme.test is reset, and every session of it ended. New password (shown only this once; change it after signing in):')
    const password = line!.trim()
    expect(password).toMatch(/^[\w-]{16}$/)
    expect((await before.request('/api/admin/me')).status).toBe(401)
    expect((await t.request('/api/admin/login', json({ email: 'editor@acme.test', password: 'forgotten password 1' }))).status).toBe(401)
    expect((await t.request('/api/admin/login', json({ email: 'editor@acme.test', password }))).status).toBe(200)
    const entries = t.db.$client.prepare("SELECT site_id AS siteId, user_id AS userId, after FROM audit_log WHERE action = 'user.password_reset' ORDER BY site_id").all()
    expect(entries).toEqual(
      ['acme', 'notice-only'].map((siteId) => ({ siteId, userId: null, after: JSON.stringify({ email: 'editor@acme.test', sessionsEnded: 1, by: 'the server operator (command line)' }) })),
    )
  })

  it('says, as a user who may not write the database or its folder, that it cannot write it and why, exit 2, changing nothing', async () => {
    await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
    const { folder, file } = walCopyInReadOnlyFolder(t, 'miniconsent-unwritable-', 'db.sqlite')
    const hashes = (db: Database.Database) => db.prepare('SELECT email, password_hash FROM users ORDER BY email').all()
    // The copy is read only at the end: a reader (root) creates its -wal and -shm beside it.
    const kept = hashes(t.db.$client)
    // Root may write anywhere: the built CLI runs as nobody, as an operator's own account would.
    const asUser = async (args: string[]) => builtCliAsNobody(args) ?? (await run(args))
    const asServer = ": run this as the server's user"
    try {
      for (const args of [
        ['reset-password', '--email', 'owner@acme.test', '--db', file],
        ['sign-unsigned', '--site', 'acme', '--db', file, '--confirm'],
      ]) {
        expect(await asUser(args), args[0]).toMatchObject({ code: 2, out: '', err: `cannot write ${file}: this user may not write it${asServer}` })
      }
      // The file writable, its folder not: SQLite writes the -wal or the -journal there.
      chmodSync(file, 0o666)
      expect(await asUser(['reset-password', '--email', 'owner@acme.test', '--db', file])).toMatchObject({
        code: 2,
        out: '',
        err: `cannot write ${file}: its folder is read-only to this user, and SQLite writes the database's -wal or -journal file there${asServer}`,
      })
      expect(readdirSync(folder)).toEqual(['db.sqlite'])
      const copy = new Database(file, { readonly: true })
      expect(hashes(copy)).toEqual(kept)
      copy.close()
    } finally {
      chmodSync(folder, 0o755)
      rmSync(folder, { recursive: true, force: true })
    }
  })

  it("hashes the new password at today's parameters in the built command, whatever MINICONSENT_TEST_SCRYPT_N and VITEST say", async () => {
    await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
    // As the operator runs it: the built command (vitest.config.ts lowers N for the tests, never for a build).
    const cli = join(import.meta.dirname, '../dist/cli.js')
    expect(statSync(cli).mtimeMs, 'dist/cli.js is older than lib/password.ts: run `node build.mjs`').toBeGreaterThanOrEqual(statSync(join(import.meta.dirname, 'lib/password.ts')).mtimeMs)
    const env = { PATH: process.env.PATH!, VITEST: 'true', MINICONSENT_TEST_SCRYPT_N: '1024' }
    const child = spawnSync(process.execPath, [cli, 'reset-password', '--email', 'owner@acme.test', '--db', t.file], { encoding: 'utf8', env })
    expect(child).toMatchObject({ status: 0, stderr: '' })
    const stored = t.db.$client.prepare("SELECT password_hash AS h FROM users WHERE email = 'owner@acme.test'").get() as { h: string }
    expect(stored.h).toMatch(/^scrypt\$16384\$8\$5\$/)
  })

  it('exits 2 for an unknown address, a missing database or bad usage, changing nothing', async () => {
    const hashes = () => t.db.$client.prepare('SELECT email, password_hash FROM users ORDER BY email').all()
    const kept = hashes()
    expect(await run(['reset-password', '--email', 'nobody@acme.test', '--db', t.file])).toMatchObject({ code: 2, out: '', err: `no account with the e-mail "nobody@acme.test" in ${t.file}` })
    expect((await run(['reset-password', '--email', 'owner@acme.test', '--db', join(t.dir, 'none.sqlite')])).code).toBe(2)
    expect((await run(['reset-password', '--db', t.file])).code).toBe(2)
    expect((await run(['reset-password', '--email', 'owner@acme.test', '--site', 'acme', '--db', t.file])).code).toBe(2)
    expect((await run(['verify', '--site', 'acme', '--email', 'owner@acme.test', '--db', t.file])).code).toBe(2)
    expect(hashes()).toEqual(kept)
  })
})

describe('miniconsent verify, sign-unsigned and backup on a database a newer MiniConsent migrated (a rollback)', () => {
  const newer = `was last migrated by a newer MiniConsent (1 migration(s) this version does not know; or another application ran its own on this file)`

  it('refuses to verify or sign its log, which that version may have written as this one cannot read, rather than saying it is intact or broken', async () => {
    const file = newerCopy(t, join(t.dir, 'newer.sqlite'))
    const r = await run(['verify', '--site', 'acme', '--db', file])
    expect(r).toEqual({ code: 2, out: '', err: `the database ${file} ${newer}, whose log this version may read wrongly: run this with that version's command line` })
    expect(await run(['sign-unsigned', '--site', 'acme', '--db', file])).toEqual(r)
  })

  it('backs it up checked by SQLite alone, saying why its chains were not verified', async () => {
    const file = newerCopy(t, join(t.dir, 'newer.sqlite'))
    const copied = await run(['backup', '--to', join(t.dir, 'b.sqlite'), '--db', file])
    expect(copied).toMatchObject({ code: 0, err: '' })
    expect(copied.out).toContain(`: 2 sites, 3 consent records,`)
    expect(copied.out).toContain(`SQLite's check only: the chains were not verified, as the database ${newer}, whose log only that version reads whole;`)
  })
})

describe('miniconsent verify and sign-unsigned on a database an older MiniConsent wrote', () => {
  /** What an erasure by a version before 0.8.5 leaves: a tombstone without the server's signature. */
  const erasedByOlderVersion = (seq: number) =>
    t.db.$client.prepare(`UPDATE consent_records SET consent_id='erased', ip=NULL, user_agent=NULL, url='', erased_at='2026-11-22T11:00:00.000Z' WHERE site_id='acme' AND seq=?`).run(seq)

  it('refuses to verify a database not yet migrated by this version, instead of calling its log broken', async () => {
    const older = olderCopy(t, join(t.dir, 'older.sqlite'))
    const r = await run(['verify', '--site', 'acme', '--db', older])
    expect(r).toMatchObject({ code: 2, out: '' })
    expect(r.err).toBe(
      `the database ${older} was last started by an older MiniConsent (1 migration(s) of this version to apply): start this version's server once (npm start), which migrates it and signs what older versions left unsigned, then run this again`,
    )
    expect((await run(['sign-unsigned', '--site', 'acme', '--db', older])).code).toBe(2)
  })

  it("still refuses, and backup copies without verifying, after this version's first start failed between migrating and signing (a port in use)", async () => {
    // An erasure by a version before 0.8.5, in a database that version last started: no start-up task done, this version's last migration not applied.
    erasedByOlderVersion(2)
    const older = join(t.dir, 'upgraded.sqlite')
    // (olderCopy takes the last migration's row away: its change is undone here, for the start to apply it again.)
    t.db.$client.exec('DELETE FROM startup_tasks; ALTER TABLE deleted_sites DROP COLUMN retention_signed_at; ALTER TABLE deleted_sites DROP COLUMN retention_signature')
    olderCopy(t, older)
    expect((await run(['verify', '--site', 'acme', '--db', older])).err).toMatch(/was last started by an older MiniConsent \(1 migration\(s\) of this version to apply\)/)
    // This version's first start migrates the file, then fails on its port (the old server still runs), before it signs anything.
    const busy = createServer().listen(0, '127.0.0.1')
    await new Promise((resolve) => busy.once('listening', resolve))
    let failed
    try {
      failed = await runMain({ DATABASE_URL: older, SEED_DEMO: 'false', PORT: String((busy.address() as AddressInfo).port) })
    } finally {
      busy.close()
    }
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringMatching(/is already in use/) })

    const r = await run(['verify', '--site', 'acme', '--db', older])
    expect(r).toMatchObject({ code: 2, out: '' })
    expect(r.err).toBe(
      `the database ${older} was last started by an older MiniConsent (migrated, but this version's server has not yet started on it to sign what older versions left unsigned: 1 tombstone): start this version's server once (npm start), which migrates it and signs what older versions left unsigned, then run this again`,
    )
    expect((await run(['sign-unsigned', '--site', 'acme', '--db', older, '--confirm'])).code).toBe(2)
    const to = join(t.dir, 'before-first-start.sqlite')
    const copied = await run(['backup', '--to', to, '--db', older])
    expect(copied).toMatchObject({ code: 0, err: '' })
    expect(copied.out).toContain(
      "SQLite's check only: the chains were not verified, as the database was last started by an older MiniConsent (migrated, but this version's server has not yet started on it to sign what older versions left unsigned: 1 tombstone), whose log this version reads only once its server has started on it",
    )
    // Nothing was signed by the CLI: the tombstone is left for the server's start to sign.
    expect(new Database(older, { readonly: true }).prepare("SELECT erasure_signature FROM consent_records WHERE site_id = 'acme' AND seq = 2").pluck().get()).toBeNull()
    // A start that listens signs it, and verify reads the log.
    expect((await runMain({ DATABASE_URL: older, SEED_DEMO: 'false' }, /"listening"/)).code).toBe(0)
    expect(await run(['verify', '--site', 'acme', '--db', older])).toMatchObject({ code: 0, out: expect.stringMatching(/^OK acme: 3 records, head [0-9a-f]{64}; 1 erased\n/) })
  }, 60_000)

  it('lists, then with --confirm signs and audits, the tombstones an older version left unsigned, after which verify passes', async () => {
    erasedByOlderVersion(2)
    const broken = await run(['verify', '--site', 'acme', '--db', t.file])
    expect(broken).toMatchObject({ code: 1, err: expect.stringContaining('no signature of this server') })
    const listed = await run(['sign-unsigned', '--site', 'acme', '--db', t.file])
    expect(listed).toMatchObject({ code: 0, err: '' })
    expect(listed.out.split('\n').slice(0, 2)).toEqual(['unsigned in the consent log of "acme":', '  the tombstone at seq 2, erased at 2026-11-22T11:00:00.000Z'])
    // Listing changes nothing.
    expect((await run(['verify', '--site', 'acme', '--db', t.file])).code).toBe(1)
    const signed = await run(['sign-unsigned', '--site', 'acme', '--db', t.file, '--confirm'])
    expect(signed).toMatchObject({ code: 0, err: '' })
    expect(signed.out).toMatch(/^signed in the consent log of "acme" with key [0-9a-f]{16}:\n {2}the tombstone at seq 2/)
    expect(await run(['verify', '--site', 'acme', '--db', t.file])).toMatchObject({ code: 0, out: expect.stringContaining('1 erased') })
    const audit = t.db.$client.prepare("SELECT action, user_id AS userId, after FROM audit_log WHERE site_id = 'acme' AND action = 'consents.sign_unsigned'").all() as { after: string; userId: number | null }[]
    expect(audit).toHaveLength(1)
    expect(JSON.parse(audit[0]!.after)).toMatchObject({ erasedSeqs: [2], anchorSeq: null, by: 'the server operator (command line)' })
    expect(await run(['sign-unsigned', '--site', 'acme', '--db', t.file, '--confirm'])).toMatchObject({ code: 0, out: 'nothing unsigned in the consent log of "acme"' })
  })

  it('signs the purge anchor an older version moved unsigned', async () => {
    t.clock.now += 30 * 86_400_000
    purgeSite(t.db, 'acme', 10, t.clock.now)
    t.db.$client.exec('UPDATE chain_anchors SET signature = NULL')
    expect((await run(['verify', '--site', 'acme', '--db', t.file])).err).toContain('bears no signature of this server')
    const signed = await run(['sign-unsigned', '--site', 'acme', '--db', t.file, '--confirm'])
    expect(signed.out.split('\n').slice(1)).toEqual([`  the purge anchor at seq 3 (3 purged at ${new Date(t.clock.now).toISOString()})`])
    expect(await run(['verify', '--site', 'acme', '--db', t.file])).toMatchObject({ code: 0, out: expect.stringContaining('starting after seq 3 (3 purged by retention, the last purge under a retention of 10 days)') })
  })

  it('counts 0 records verified, not -1, when the chain fails at a purge anchor without signature', async () => {
    t.clock.now += 30 * 86_400_000
    purgeSite(t.db, 'acme', 10, t.clock.now)
    t.db.$client.exec('UPDATE chain_anchors SET signature = NULL')
    const { hash } = t.db.$client.prepare("SELECT hash FROM chain_anchors WHERE site_id = 'acme'").get() as { hash: string }
    const r = await run(['verify', '--site', 'acme', '--db', t.file])
    expect(r).toMatchObject({ code: 1, out: '' })
    expect(r.err.split('\n')).toEqual([expect.stringMatching(/^BROKEN acme at seq 3: .*bears no signature of this server/), `0 record(s) before it verified; last good hash ${hash}`])
  })

  it('signs only with the key the server signs with', async () => {
    erasedByOlderVersion(1)
    const other = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
    const r = await run(['sign-unsigned', '--site', 'acme', '--db', t.file, '--confirm'], { ...NO_DATABASE(t), MANIFEST_SIGNING_KEY: other })
    expect(r).toMatchObject({ code: 2, err: expect.stringMatching(/^MANIFEST_SIGNING_KEY is not the key the server signs with in this database/) })
    expect((await run(['verify', '--site', 'acme', '--db', t.file])).code).toBe(1)
    expect((await run(['sign-unsigned', '--site', 'nowhere', '--db', t.file])).code).toBe(2)
    expect((await run(['sign-unsigned', '--db', t.file])).code).toBe(2)
  })
})

describe("miniconsent sign-unsigned on a deleted site's retention", () => {
  /** notice-only, which has no records, deleted by its owner: its audit log is kept by the retention it had (the default 1826 days). */
  async function deleteNoticeOnly() {
    await addUser(t.db, 'owner@notice.test', 'notice owner password', { 'notice-only': 'owner' })
    const owner = await signIn(t, 'owner@notice.test', 'notice owner password')
    expect((await owner.request('/api/admin/sites/notice-only', { method: 'DELETE' })).status).toBe(204)
  }
  const kept = () => t.db.$client.prepare("SELECT retention_days AS days, retention_signed_at AS at, retention_signature AS signature FROM deleted_sites WHERE site_id = 'notice-only'").get()
  /** Why the purge leaves the deleted site's audit log alone, if it does. */
  const refused = async () => (await purgeExpired(t.db, t.clock.now)).find((r) => r.siteId === 'notice-only')?.unsignedRetention
  const signedNothing = (days: number) => `nothing unsigned for the deleted site "notice-only": the retention of ${days} days it had when it was deleted is signed`
  const ifTheSites =
    'If it is the retention the site had (after a rollback, an older MiniConsent deleted the site or retired the key that signed it; or the site was deleted before an owner confirmed its retention), run this again with --confirm to sign it: its audit log is then purged by it. Signing a retention written by hand would have the audit log purged by it.'

  it('lists, then with --confirm signs and audits, the retention an older version kept unsigned for a site it deleted, after which the purge acts on it', async () => {
    await deleteNoticeOnly()
    expect(await run(['sign-unsigned', '--site', 'notice-only', '--db', t.file])).toEqual({ code: 0, err: '', out: signedNothing(1826) })
    // As an older version deletes a site, after a rollback: its row has no signature, and no start signs it.
    t.db.$client.exec('UPDATE deleted_sites SET retention_signed_at = NULL, retention_signature = NULL')
    const problem = 'the retention of 1826 days it had when it was deleted bears no signature of this server'
    expect(await refused()).toBe(problem)
    const listed = await run(['sign-unsigned', '--site', 'notice-only', '--db', t.file])
    expect(listed).toEqual({ code: 0, err: '', out: ['unsigned for the deleted site "notice-only", whose audit log is kept until it is signed:', `  ${problem}`, ifTheSites].join('\n') })
    // Listing changes nothing.
    expect(kept()).toEqual({ days: 1826, at: null, signature: null })

    const signed = await run(['sign-unsigned', '--site', 'notice-only', '--db', t.file, '--confirm'])
    expect(signed).toMatchObject({ code: 0, err: '' })
    expect(signed.out).toMatch(/^signed for the deleted site "notice-only" with key [0-9a-f]{16}:\n {2}the retention of 1826 days it had when it was deleted, which the retention purge acts on from now on$/)
    expect(await refused()).toBeUndefined()
    const audit = t.db.$client.prepare("SELECT user_id AS userId, before, after FROM audit_log WHERE site_id = 'notice-only' AND action = 'site.sign_unsigned'").all() as { userId: number | null; before: string; after: string }[]
    expect(audit.map((e) => ({ userId: e.userId, before: JSON.parse(e.before), after: JSON.parse(e.after) }))).toEqual([
      { userId: null, before: { retentionDays: 1826, problem }, after: { retentionDays: 1826, keyId: expect.stringMatching(/^[0-9a-f]{16}$/), by: 'the server operator (command line)' } },
    ])
    expect(await run(['sign-unsigned', '--site', 'notice-only', '--db', t.file, '--confirm'])).toEqual({ code: 0, err: '', out: signedNothing(1826) })
  })

  it("names a retention rewritten in the database as such, signs it only with the server's key, and still refuses a site that never was", async () => {
    await deleteNoticeOnly()
    t.db.$client.exec('UPDATE deleted_sites SET retention_days = 1')
    const before = kept()
    const listed = await run(['sign-unsigned', '--site', 'notice-only', '--db', t.file])
    expect(listed).toMatchObject({ code: 0, err: '' })
    expect(listed.out.split('\n')[1]).toBe("  the retention of 1 day it had when it was deleted does not match the server's signature: it was edited in the database")
    const other = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
    const refusedKey = await run(['sign-unsigned', '--site', 'notice-only', '--db', t.file, '--confirm'], { ...NO_DATABASE(t), MANIFEST_SIGNING_KEY: other })
    expect(refusedKey).toMatchObject({ code: 2, err: expect.stringMatching(/^MANIFEST_SIGNING_KEY is not the key the server signs with in this database/) })
    expect(kept()).toEqual(before)
    expect(await run(['sign-unsigned', '--site', 'nowhere', '--db', t.file])).toEqual({ code: 2, out: '', err: 'unknown site "nowhere"' })
  })
})

describe('miniconsent verify and sign-unsigned once the generated key is retired', () => {
  const DAY = 86_400_000
  const iso = (ms: number) => new Date(ms).toISOString()
  /**
   * The generated key, whose private half a backup made while it signed holds; a day later the
   * operator sets MANIFEST_SIGNING_KEY and the generated key is retired. Returns both.
   */
  function retireGeneratedKey() {
    const oldKey = storedGeneratedKey(t.db.$client)!
    expect(oldKey).not.toBeNull()
    t.clock.now += DAY
    const operator = generateKeyPairSync('ed25519').privateKey
    new ManifestKeys(t.db, () => t.clock.now, operator).active()
    return { oldKey, retiredAt: t.clock.now, env: { ...NO_DATABASE(t), MANIFEST_SIGNING_KEY: operator.export({ format: 'pem', type: 'pkcs8' }).toString() } }
  }
  const replaced = 'signed after its key was replaced (with a copy of the old private key), or forged'

  it('exits 1 for an erasure or a purge anchor signed with the retired key after its retirement', async () => {
    const { oldKey, retiredAt } = retireGeneratedKey()
    t.clock.now += 30 * DAY
    const c = t.db.$client
    // A forger with that backup blanks record 3 as an erasure…
    const row = c
      .prepare(
        `SELECT site_id AS siteId, seq, record_id AS recordId, revision, texts_hash AS textsHash, categories, services, method, region, mode, language, gpc,
                client_time AS clientTime, server_time AS serverTime, hash, personal_hash AS personalHash FROM consent_records WHERE site_id='acme' AND seq=3`,
      )
      .get() as Omit<ErasedRow, 'erasedAt'>
    const erasedAt = iso(t.clock.now)
    c.prepare("UPDATE consent_records SET consent_id='erased', ip=NULL, user_agent=NULL, url='', erased_at=?, erasure_signature=? WHERE site_id='acme' AND seq=3").run(
      erasedAt,
      signErasure({ ...row, erasedAt }, oldKey),
    )
    const erasure = await run(['verify', '--site', 'acme', '--db', t.file])
    expect(erasure).toMatchObject({ code: 1, out: '' })
    expect(erasure.err.split('\n')[0]).toBe(`BROKEN acme at seq 3: key ${oldKey.keyId} was retired on ${iso(retiredAt)}, but the erasure is dated ${erasedAt}: ${replaced}`)
    // …and deletes records 1 and 2, with a purge anchor in their place.
    const { hash } = c.prepare("SELECT hash FROM consent_records WHERE site_id='acme' AND seq=2").get() as { hash: string }
    c.prepare("DELETE FROM consent_records WHERE site_id='acme' AND seq <= 2").run()
    const anchor = { siteId: 'acme', seq: 2, hash, purgedCount: 2, purgedAt: t.clock.now }
    c.prepare('INSERT INTO chain_anchors (site_id, seq, hash, purged_count, purged_at, signature) VALUES (?, 2, ?, 2, ?, ?)').run('acme', hash, t.clock.now, signAnchor(anchor, oldKey))
    const purge = await run(['verify', '--site', 'acme', '--db', t.file])
    expect(purge).toMatchObject({ code: 1, out: '' })
    expect(purge.err.split('\n')[0]).toBe(`BROKEN acme at seq 2: key ${oldKey.keyId} was retired on ${iso(retiredAt)}, but the purge anchor at seq 2 is dated ${iso(t.clock.now)}: ${replaced}`)
  })

  it('signs what an older version left unsigned with MANIFEST_SIGNING_KEY, after which verify exits 0', async () => {
    t.db.$client.prepare("UPDATE consent_records SET consent_id='erased', ip=NULL, user_agent=NULL, url='', erased_at=? WHERE site_id='acme' AND seq=2").run(iso(t.clock.now))
    const { env } = retireGeneratedKey()
    t.clock.now += 30 * DAY
    expect(await run(['sign-unsigned', '--site', 'acme', '--db', t.file, '--confirm'])).toMatchObject({ code: 2, err: expect.stringMatching(/^the server signs with MANIFEST_SIGNING_KEY/) })
    expect(await run(['sign-unsigned', '--site', 'acme', '--db', t.file, '--confirm'], env)).toMatchObject({ code: 0, err: '' })
    expect(await run(['verify', '--site', 'acme', '--db', t.file])).toMatchObject({ code: 0, out: expect.stringContaining('1 erased') })
  })
})
