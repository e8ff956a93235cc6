import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, watch, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { checkWritable, fileIdentity, immutableUri, openConnection, openDatabase, writeTransaction, type Db } from './client'
import { sites } from './schema'
import { afterUpgradeFrom, openMigratedUpTo } from '../test-support'
import { generateRecords } from '../../bench/generate'

describe('checkWritable', () => {
  it('throws for a file the connection cannot write, leaves one it can unchanged, and no transaction open either way', () => {
    const dir = mkdtempSync(join(tmpdir(), 'miniconsent-client-'))
    const file = join(dir, 'db.sqlite')
    try {
      const db = openDatabase(file)
      const tables = () => db.$client.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all()
      const before = tables()
      checkWritable(db.$client)
      expect(tables()).toEqual(before)
      expect(db.$client.inTransaction).toBe(false)
      db.$client.close()
      // As SQLite opens a file this process may not write (root may write any, so opened read-only here).
      // A write lock held past the wait by another connection says nothing of this one's permission.
      const holder = openConnection(file)
      holder.exec('BEGIN IMMEDIATE')
      const waiting = openConnection(file)
      waiting.pragma('busy_timeout = 50')
      expect(() => checkWritable(waiting)).not.toThrow()
      expect(waiting.inTransaction).toBe(false)
      holder.exec('ROLLBACK')
      holder.close()
      waiting.close()
      const readOnly = new Database(file, { readonly: true })
      expect(() => checkWritable(readOnly)).toThrow(/readonly database/)
      expect(readOnly.inTransaction).toBe(false)
      readOnly.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('openDatabase', () => {
  it("migrates a new path and an empty file, and refuses another application's database without changing it", () => {
    const dir = mkdtempSync(join(tmpdir(), 'miniconsent-client-'))
    try {
      const empty = join(dir, 'empty.sqlite')
      writeFileSync(empty, '')
      for (const file of [join(dir, 'new', 'db.sqlite'), empty]) {
        const db = openDatabase(file)
        expect(db.$client.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name IN ('sites', '__drizzle_migrations')").get()).toEqual({ n: 2 })
        db.$client.close()
      }
      const foreign = join(dir, 'shop.sqlite')
      const shop = new Database(foreign)
      shop.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE orders (id INTEGER PRIMARY KEY)')
      shop.close()
      const before = readFileSync(foreign)
      expect(() => openDatabase(foreign)).toThrow(`it is not a MiniConsent database (it holds other tables: orders, users)`)
      expect(readFileSync(foreign).equals(before)).toBe(true)
      // Once MiniConsent's first migration ran on a file, it is one of ours, whatever else it holds.
      const ours = join(dir, 'ours.sqlite')
      const db = openDatabase(ours)
      db.$client.exec('CREATE TABLE notes (text TEXT)')
      db.$client.close()
      expect(() => openDatabase(ours).$client.close()).not.toThrow()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("knows its own journal by each migration's time, as drizzle applies them, and refuses one it holds another application's migrations in", () => {
    const dir = mkdtempSync(join(tmpdir(), 'miniconsent-client-'))
    try {
      const journalRows = (file: string) => {
        const conn = new Database(file, { readonly: true })
        try {
          return conn.prepare('SELECT hash, created_at FROM __drizzle_migrations ORDER BY created_at').all()
        } finally {
          conn.close()
        }
      }
      // A database that ran the first version of 0006, changed after it shipped (0014): its hash is not the file's now.
      const first0006 = join(dir, 'first-0006.sqlite')
      openDatabase(first0006).$client.close()
      const edited = new Database(first0006)
      edited.exec(`UPDATE __drizzle_migrations SET hash = '537b6e80ef50eef0' WHERE created_at = 1796330887698`)
      edited.close()
      const rows = journalRows(first0006)
      expect(() => openDatabase(first0006).$client.close()).not.toThrow()
      expect(journalRows(first0006)).toEqual(rows)
      // An empty journal alone: a first start whose migration failed, rolled back (drizzle creates its journal first).
      const failedFirst = join(dir, 'failed-first.sqlite')
      const failed = new Database(failedFirst)
      failed.exec('CREATE TABLE __drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)')
      failed.close()
      expect(journalRows(openDatabase(failedFirst).$client.name)).toHaveLength(19)
      // An empty journal beside other tables: the file a CMS with its own `sites` was left as, once refused too late.
      const cms = join(dir, 'cms.sqlite')
      const left = new Database(cms)
      left.exec('CREATE TABLE __drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric); CREATE TABLE sites (id INTEGER PRIMARY KEY)')
      left.close()
      const cmsBytes = readFileSync(cms)
      expect(() => openDatabase(cms)).toThrow('it is not a MiniConsent database (it holds other tables: sites)')
      expect(readFileSync(cms).equals(cmsBytes)).toBe(true)
      // Another application's file that an earlier version migrated into, run as MiniConsent's since:
      // its journal holds the other application's migration, then ours. Ours to serve (review).
      const mixed = join(dir, 'mixed.sqlite')
      const other = new Database(mixed)
      other.exec(`CREATE TABLE __drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric); CREATE TABLE invoices (id INTEGER PRIMARY KEY);
        INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('${'9f'.repeat(32)}', 1700000000000)`)
      other.close()
      openDatabase(mixed, { migrate: false }).$client.close()
      const migrated = openDatabase(join(dir, 'plain.sqlite'))
      migrated.$client.close()
      const into = new Database(mixed)
      for (const row of journalRows(migrated.$client.name) as { hash: string; created_at: number }[]) into.prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)').run(row.hash, row.created_at)
      into.close()
      expect(() => openDatabase(mixed).$client.close()).not.toThrow()
      // Another application's migration dated between two of ours (0014 and 0015) in a file at 0010:
      // drizzle would apply 0015 and 0016 and never 0011–0014. Refused before anything is written.
      const between = join(dir, 'between.sqlite')
      openMigratedUpTo(dir, between, 10).$client.close()
      const late = new Database(between)
      late.exec(`CREATE TABLE invoices (id INTEGER PRIMARY KEY); INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('${'9f'.repeat(32)}', 1796400000000)`)
      late.close()
      const betweenBytes = readFileSync(between)
      expect(() => openDatabase(between)).toThrow("this MiniConsent database's migration journal (__drizzle_migrations) holds a migration dated after 4 of this version's it lacks, which would never be applied: back it up (npm run backup)")
      expect(readFileSync(between).equals(betweenBytes)).toBe(true)
      // A refused file in WAL mode is left with no -wal or -shm beside it.
      const walCms = join(dir, 'wal-cms.sqlite')
      const wal = new Database(walCms)
      wal.pragma('journal_mode = WAL')
      wal.exec('CREATE TABLE pages (id INTEGER PRIMARY KEY)')
      wal.close()
      expect(existsSync(`${walCms}-wal`) || existsSync(`${walCms}-shm`)).toBe(false)
      const walBytes = readFileSync(walCms)
      expect(() => openDatabase(walCms)).toThrow('it is not a MiniConsent database (it holds other tables: pages)')
      expect(readFileSync(walCms).equals(walBytes)).toBe(true)
      expect([existsSync(`${walCms}-wal`), existsSync(`${walCms}-shm`)]).toEqual([false, false])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('openDatabase: a table __drizzle_migrations of another shape than drizzle\'s journal', () => {
  it("refuses the file as another application's, saying so, and leaves it as it was", () => {
    const dir = mkdtempSync(join(tmpdir(), 'miniconsent-client-'))
    try {
      const journal = "its migration journal (__drizzle_migrations) is another application's, not drizzle's table of migrations"
      const cases: [tables: string, why: string][] = [
        // Another tool's migrations table by that name: its own columns, no created_at.
        ['CREATE TABLE __drizzle_migrations (id INTEGER PRIMARY KEY, version TEXT); INSERT INTO __drizzle_migrations (version) VALUES (\'1.0\'); CREATE TABLE posts (id INTEGER PRIMARY KEY)', `${journal}: it has no hash or created_at column; it holds other tables: posts`],
        // Alone in the file: not a new file to migrate either.
        ['CREATE TABLE __drizzle_migrations (id INTEGER PRIMARY KEY, hash TEXT)', `${journal}: it has no created_at column`],
        ['CREATE TABLE posts (id INTEGER PRIMARY KEY); CREATE VIEW __drizzle_migrations AS SELECT id, id AS hash, id AS created_at FROM posts', `${journal}: it is a view; it holds other tables: posts`],
        // An index or a trigger of that name is no journal at all: the file is refused for its tables, with no word of a journal.
        ['CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT); CREATE INDEX __drizzle_migrations ON posts (title)', 'it holds other tables: posts'],
        ['CREATE TABLE posts (id INTEGER PRIMARY KEY); CREATE TRIGGER __drizzle_migrations AFTER INSERT ON posts BEGIN SELECT 1; END', 'it holds other tables: posts'],
      ]
      cases.forEach(([tables, why], i) => {
        const file = join(dir, `other-${i}.sqlite`)
        const other = new Database(file)
        other.exec(tables)
        other.close()
        const before = readFileSync(file)
        expect(() => openDatabase(file)).toThrow(`it is not a MiniConsent database (${why}); set DATABASE_URL to a MiniConsent database, or to a new file`)
        expect(readFileSync(file).equals(before)).toBe(true)
        expect(readdirSync(dir).filter((f) => f.startsWith(`other-${i}.`))).toEqual([`other-${i}.sqlite`])
      })
      // A trigger's name may stand beside a table's: one named __drizzle_migrations, listed before
      // the journal (the journal made again after it), leaves a MiniConsent database ours.
      const ours = join(dir, 'ours.sqlite')
      openDatabase(ours).$client.close()
      const edit = new Database(ours)
      edit.exec(`ALTER TABLE __drizzle_migrations RENAME TO journal_kept;
        CREATE TRIGGER __drizzle_migrations AFTER INSERT ON sites BEGIN SELECT 1; END;
        CREATE TABLE __drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric);
        INSERT INTO __drizzle_migrations SELECT * FROM journal_kept; DROP TABLE journal_kept`)
      edit.close()
      expect(() => openDatabase(ours).$client.close()).not.toThrow()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("openDatabase's check of a file before migrating it", () => {
  /**
   * The names of the files created or removed in `dir` while `run` ran, as another process watching
   * it sees them (inotify's "rename"; what is written is compared byte for byte apart).
   */
  async function touchedIn(dir: string, run: () => void): Promise<string[]> {
    const seen = new Set<string>()
    const watcher = watch(dir, (event, name) => event === 'rename' && name && seen.add(String(name)))
    try {
      run()
      await new Promise((resolve) => setTimeout(resolve, 100))
    } finally {
      watcher.close()
    }
    return [...seen].sort()
  }
  const refusal = (tables: string) => `it is not a MiniConsent database (it holds other tables: ${tables})`
  const bytes = (path: string) => (existsSync(path) ? readFileSync(path) : null)

  it("refuses another application's WAL-mode file without creating a -wal or -shm beside it even for a moment, so none of that application's can be removed", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'miniconsent-client-'))
    try {
      // Stopped cleanly: no -wal, no -shm. (Its name read as a path, whatever it holds.)
      const file = join(dir, 'cms 100%?#.sqlite')
      const cms = new Database(file)
      cms.pragma('journal_mode = WAL')
      cms.exec('CREATE TABLE pages (id INTEGER PRIMARY KEY)')
      cms.close()
      const before = readFileSync(file)
      expect(await touchedIn(dir, () => expect(() => openDatabase(file)).toThrow(refusal('pages')))).toEqual([])
      expect(readFileSync(file).equals(before)).toBe(true)
      expect(readdirSync(dir)).toEqual(['cms 100%?#.sqlite'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("reads another application's WAL-mode file with its -wal (running, or copied by hand with it) as it stands, and leaves the file and its -wal as they were, a -shm beside them (a copied pair's made by SQLite)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'miniconsent-client-'))
    try {
      // Running: its last table is in its -wal only, its -wal and -shm beside it.
      const file = join(dir, 'cms.sqlite')
      const cms = new Database(file)
      cms.pragma('journal_mode = WAL')
      cms.pragma('wal_autocheckpoint = 0')
      cms.exec('CREATE TABLE pages (id INTEGER PRIMARY KEY)')
      cms.pragma('wal_checkpoint(TRUNCATE)')
      cms.exec('CREATE TABLE posts (id INTEGER PRIMARY KEY)')
      const sidecars = () => [file, `${file}-wal`, `${file}-shm`].map(bytes)
      const [main, wal] = sidecars()
      expect(await touchedIn(dir, () => expect(() => openDatabase(file)).toThrow(refusal('pages, posts')))).toEqual([])
      expect(sidecars().slice(0, 2)).toEqual([main, wal])
      expect(existsSync(`${file}-shm`)).toBe(true)
      // That application goes on as before.
      cms.exec('INSERT INTO posts (id) VALUES (1)')
      expect(cms.prepare('SELECT count(*) FROM posts').pluck().get()).toBe(1)
      // Copied by hand with its -wal (a crash leaves the -shm too): a -wal holding its last table, and no -shm.
      const left = join(dir, 'left.sqlite')
      cms.exec(`VACUUM INTO '${left}'`)
      cms.close()
      const copy = new Database(left)
      copy.pragma('journal_mode = WAL')
      copy.pragma('wal_autocheckpoint = 0')
      copy.exec('CREATE TABLE comments (id INTEGER PRIMARY KEY)')
      copyFileSync(`${left}-wal`, `${left}-wal.kept`)
      copy.close()
      renameSync(`${left}-wal.kept`, `${left}-wal`)
      rmSync(`${left}-shm`, { force: true })
      const leftBefore = [left, `${left}-wal`].map(bytes)
      // Read where it is: SQLite makes its -shm (the WAL's index, as any process opening it would), and it stays.
      expect(await touchedIn(dir, () => expect(() => openDatabase(left)).toThrow(refusal('comments, pages, posts')))).toEqual(['left.sqlite-shm'])
      expect([left, `${left}-wal`].map(bytes)).toEqual(leftBefore)
      expect(existsSync(`${left}-shm`)).toBe(true)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('opens a MiniConsent database in WAL mode, stopped or with a server running on it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'miniconsent-client-'))
    const file = join(dir, 'db.sqlite')
    try {
      openDatabase(file).$client.close()
      const running = openDatabase(file)
      running.$client.exec(`INSERT INTO sites (id, settings, created_at) VALUES ('acme', '{}', 0)`)
      const second = openDatabase(file)
      expect(second.select().from(sites).all().map((s) => s.id)).toEqual(['acme'])
      second.$client.close()
      running.$client.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('immutableUri', () => {
  it('names the file by its path alone, with no authority, which SQLite refuses ("invalid uri authority"): a Windows share too', () => {
    expect(immutableUri('C:\\data\\miniconsent.sqlite', { windows: true })).toBe('file:///C:/data/miniconsent.sqlite?immutable=1')
    // A UNC path: its server is part of the path SQLite opens, not the URI's authority.
    expect(immutableUri('\\\\srv\\share\\consent 100%?#.sqlite', { windows: true })).toBe('file:////srv/share/consent%20100%25%3F%23.sqlite?immutable=1')
    expect(immutableUri('/var/lib/miniconsent/cms 100%?#.sqlite', { windows: false })).toBe('file:///var/lib/miniconsent/cms%20100%25%3F%23.sqlite?immutable=1')
  })

  it('is opened by SQLite as the file it names, for a path beginning with two slashes (as a share\'s reaches SQLite) too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'miniconsent-client-'))
    const file = join(dir, 'a b%?#.sqlite')
    try {
      const db = new Database(file)
      db.exec(`CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('here')`)
      db.close()
      for (const path of [file, `/${file}`]) {
        const conn = new Database(immutableUri(path, { windows: false }), { readonly: true, fileMustExist: true })
        expect(conn.prepare('SELECT v FROM t').pluck().get()).toBe('here')
        conn.close()
      }
      expect(readdirSync(dir)).toEqual(['a b%?#.sqlite'])
      // What a share's path was given as (pathToFileURL): its server the authority.
      expect(() => new Database(`file:/${encodeURI(file)}?immutable=1`, { readonly: true })).toThrow(/invalid uri authority/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

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
    afterUpgradeFrom(
      5,
      (before) => {
        before.$client.prepare(`INSERT INTO sites (id, settings, created_at) VALUES ('other', '{}', 0)`).run()
        generateRecords(before, 'acme', 3000)
        generateRecords(before, 'other', 3000)
        before.$client.exec('ANALYZE')
      },
      (db) => {
        const plan = (q: string) => (db.$client.prepare(`EXPLAIN QUERY PLAN ${q}`).all('acme') as { detail: string }[]).map((r) => r.detail).join('; ')
        // The consent writer's and the export's chain head.
        expect(plan('SELECT seq, hash, iif(personal_hash IS NULL, 1, 2) AS format FROM consent_records WHERE site_id = ? ORDER BY seq DESC LIMIT 1')).toBe(
          'SEARCH consent_records USING INDEX consent_records_site_seq (site_id=?)',
        )
        expect(db.$client.prepare(`SELECT count(*) AS n FROM sqlite_stat1 WHERE tbl = 'consent_records'`).get()).toEqual({ n: 0 })
      },
    )
  })
})

describe('migration 0014', () => {
  const rollup = `INSERT INTO stats_rollups (site_id, day, revision, region, mode, method, category, records, unreadable, granted, denied) VALUES ('acme', '2020-01-01', 1, NULL, 'opt-in', 'accept-all', NULL, 7, 0, 0, 0)`
  it('gives a database that ran the first versions of 0006 and 0012 what was added to them: the purge triggers, no stale rollups, no planner statistics of the log', () => {
    afterUpgradeFrom(
      13,
      (before) => {
        // As the first 0012 left it: no triggers; then a purge (by that version) left a day's rollup.
        before.$client.exec('DROP TRIGGER stats_rollups_purged_insert; DROP TRIGGER stats_rollups_purged_update')
        generateRecords(before, 'acme', 3000)
        before.$client.prepare(rollup).run()
        // As the first 0006 left it, then someone's ANALYZE.
        before.$client.exec('ANALYZE')
      },
      (db) => {
        const triggers = db.$client.prepare(`SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'chain_anchors' ORDER BY name`).all()
        expect(triggers).toEqual([{ name: 'stats_rollups_purged_insert' }, { name: 'stats_rollups_purged_update' }])
        expect(db.$client.prepare('SELECT count(*) AS n FROM stats_rollups').get()).toEqual({ n: 0 })
        expect(db.$client.prepare(`SELECT count(*) AS n FROM sqlite_stat1 WHERE tbl = 'consent_records'`).get()).toEqual({ n: 0 })
        // The triggers work: a purge anchor moved drops the rollups of the days it cut into.
        db.$client.prepare(rollup).run()
        db.$client.prepare(`INSERT INTO chain_anchors (site_id, seq, hash, purged_count, purged_at) VALUES ('acme', 5000, 'x', 5000, 0)`).run()
        expect(db.$client.prepare('SELECT count(*) AS n FROM stats_rollups').get()).toEqual({ n: 0 })
      },
    )
  })
})

describe('migration 0011', () => {
  const upgraded = (prepare: (db: Db) => void): string[] =>
    afterUpgradeFrom(
      10,
      (before) => {
        generateRecords(before, 'acme', 20)
        prepare(before)
      },
      (db) => (db.$client.prepare('SELECT name FROM startup_tasks ORDER BY name').all() as { name: string }[]).map((r) => r.name),
    )

  it('leaves the start-up signing to do only where something stored is still unsigned', () => {
    // sign-deleted-retention: 0018's, done where no site was deleted.
    expect(upgraded(() => {})).toEqual(['sign-anchors', 'sign-deleted-retention', 'sign-erasures'])
    expect(upgraded((db) => db.$client.exec(`UPDATE consent_records SET erased_at = '2026-11-01T00:00:00.000Z' WHERE seq = 3`))).toEqual(['sign-anchors', 'sign-deleted-retention'])
    expect(
      upgraded((db) => db.$client.exec(`INSERT INTO chain_anchors (site_id, seq, hash, purged_count, purged_at) SELECT 'acme', 5, hash, 5, 0 FROM consent_records WHERE seq = 5`)),
    ).toEqual(['sign-deleted-retention', 'sign-erasures'])
  })
})

describe('migration 0015', () => {
  it('reserves the ids of the sites deleted before it, each with the retention its deletion entry kept', () => {
    const rows = afterUpgradeFrom(
      14,
      (before) => {
        const deletion = before.$client.prepare(`INSERT INTO audit_log (at, user_id, site_id, action, before) VALUES (?, NULL, ?, ?, ?)`)
        deletion.run(1_000, 'gone', 'member.add', null)
        deletion.run(2_000, 'gone', 'site.delete', JSON.stringify({ settings: { id: 'gone', retentionDays: 30 }, catalogue: null }))
        // Settings without a retention (or unreadable) keep the default.
        deletion.run(3_000, 'older', 'site.delete', JSON.stringify({ settings: { id: 'older' }, catalogue: null }))
        deletion.run(4_000, 'odd', 'site.delete', 'not JSON')
        // A retention outside the settings' 1 to 3660 (edited by hand): 0 would purge the whole log at once.
        deletion.run(6_000, 'zero', 'site.delete', JSON.stringify({ settings: { id: 'zero', retentionDays: 0 } }))
        deletion.run(7_000, 'huge', 'site.delete', JSON.stringify({ settings: { id: 'huge', retentionDays: 99_999 } }))
        // A site of that id lives (written by hand): not a deleted one.
        deletion.run(5_000, 'acme', 'site.delete', JSON.stringify({ settings: { id: 'acme', retentionDays: 30 } }))
      },
      (db) => db.$client.prepare('SELECT site_id, deleted_at, retention_days, audit_purged_count, audit_purged_at FROM deleted_sites ORDER BY site_id').all(),
    )
    expect(rows).toEqual([
      { site_id: 'gone', deleted_at: 2_000, retention_days: 30, audit_purged_count: 0, audit_purged_at: null },
      { site_id: 'huge', deleted_at: 7_000, retention_days: 1826, audit_purged_count: 0, audit_purged_at: null },
      { site_id: 'odd', deleted_at: 4_000, retention_days: 1826, audit_purged_count: 0, audit_purged_at: null },
      { site_id: 'older', deleted_at: 3_000, retention_days: 1826, audit_purged_count: 0, audit_purged_at: null },
      { site_id: 'zero', deleted_at: 6_000, retention_days: 1826, audit_purged_count: 0, audit_purged_at: null },
    ])
  })
})

describe('migration 0016', () => {
  it("makes a database's first account, the one its first start created, administrator, and no other", () => {
    const rows = afterUpgradeFrom(
      15,
      (before) => {
        const add = before.$client.prepare(`INSERT INTO users (email, password_hash) VALUES (?, 'x')`)
        for (const email of ['first@example.com', 'invited@example.com', 'second@example.com']) add.run(email)
      },
      (db) => db.$client.prepare('SELECT email, administrator FROM users ORDER BY id').all(),
    )
    expect(rows).toEqual([
      { email: 'first@example.com', administrator: 1 },
      { email: 'invited@example.com', administrator: 0 },
      { email: 'second@example.com', administrator: 0 },
    ])
  })
})

describe('what a connection deletes', () => {
  it('overwrites the pages it frees: no copy of a row a purge moved is left on one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'miniconsent-client-'))
    const file = join(dir, 'db.sqlite')
    const conn = openConnection(file)
    try {
      conn.exec('CREATE TABLE r (seq INTEGER PRIMARY KEY, consent_id TEXT NOT NULL, pad TEXT)')
      const insert = conn.prepare('INSERT INTO r (consent_id, pad) VALUES (?, ?)')
      conn.transaction(() => {
        for (let i = 0; i < 20_000; i++) insert.run(`visitor-${String(i).padStart(6, '0')}`, 'x'.repeat(50))
      })()
      // A retention purge: the oldest 70 %, in batches. Pages it empties, rows still standing on
      // them moved to their neighbours, are freed whole.
      const purge = conn.prepare('DELETE FROM r WHERE seq IN (SELECT seq FROM r ORDER BY seq LIMIT 500)')
      for (let i = 0; i < 28; i++) purge.run()
      conn.pragma('wal_checkpoint(TRUNCATE)')
      const kept = conn.prepare('SELECT consent_id FROM r').pluck().all() as string[]
      expect(kept).toHaveLength(6_000)
      const used = new Set(conn.prepare('SELECT pageno FROM dbstat').pluck().all() as number[])
      const pages = conn.pragma('page_count', { simple: true }) as number
      expect(pages - used.size).toBeGreaterThan(100)
      // What an erasure of the visitors kept would leave, past its reach: their rows on a freed page.
      const bytes = readFileSync(file)
      const freed = Buffer.concat(Array.from({ length: pages }, (_, i) => i + 1).filter((p) => p > 1 && !used.has(p)).map((p) => bytes.subarray((p - 1) * 4096, p * 4096)))
      expect(kept.filter((id) => freed.includes(id))).toEqual([])
    } finally {
      conn.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('fileIdentity', () => {
  it('is the bigint stat\'s device and inode, and null for no file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mc-identity-'))
    try {
      const file = join(dir, 'a.sqlite')
      writeFileSync(file, '')
      const st = statSync(file, { bigint: true })
      expect(fileIdentity(file)).toBe(`${st.dev}:${st.ino}`)
      expect(fileIdentity(join(dir, 'none.sqlite'))).toBeNull()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
