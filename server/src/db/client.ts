import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statfsSync, statSync } from 'node:fs'
import { dirname, join, posix, win32 } from 'node:path'
import Database from 'better-sqlite3'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { isDatabaseBusy } from '../lib/database-busy'
import { migrationsDir } from '../paths'
import * as schema from './schema'

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database }

/**
 * Opens (creating if needed) the SQLite file and applies the committed migrations. Throws,
 * leaving it as it was, for a file that is another application's database or whose journal would
 * keep some migrations from being applied (cannotMigrate).
 */
export function openDatabase(file: string, options: { migrate?: boolean } = {}): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  if (options.migrate !== false) {
    const why = cannotMigrate(file)
    if (why) throw new Error(why)
  }
  const db = drizzle({ client: openConnection(file), schema })
  if (options.migrate !== false) migrateFile(db, file)
  return db
}

let committedTimes: number[] | undefined
/** Each committed migration's time (meta/_journal.json's `when`), which drizzle records as its row's created_at; read once. */
function migrationTimes(): number[] {
  committedTimes ??= (JSON.parse(readFileSync(join(migrationsDir, 'meta', '_journal.json'), 'utf8')) as { entries: { when: number }[] }).entries.map((e) => e.when)
  return committedTimes
}

/** A database's migration journal (drizzle's __drizzle_migrations) against this version's migrations. */
export interface JournalState {
  /** Its rows. */
  rows: number
  /** Rows of this version's migrations. */
  known: number
  /** This version's migrations drizzle would apply: those later than the journal's latest row. */
  behind: number
  /**
   * Rows later than this version's last migration: a newer MiniConsent's (that version knows them),
   * or another application's run on this file after ours (drizzle applies only what is later than
   * the latest row, so another application's can only be later): told apart by neither.
   */
  newer: number
  /**
   * This version's migrations missing from the journal yet older than its latest row: drizzle
   * never applies them (it applies only what is later than the latest row).
   */
  skipped: number
  /**
   * Why its __drizzle_migrations is not drizzle's journal, or null: another tool's table of that
   * name, or a view (journalShape). Its rows are then not read, and counted as none.
   */
  notDrizzles: string | null
}

/**
 * The journal of the database `client` reads. Its rows are told by their time (created_at), as
 * drizzle applies migrations, not by their hash: 0006 and 0012 were changed after they shipped,
 * so a database that ran their first versions holds other hashes than the files' (and drizzle
 * hashes a file as read, Windows line ends and all), while no migration's time ever changed.
 */
export function journalState(client: Database.Database): JournalState {
  const times = migrationTimes()
  const last = Math.max(...times)
  const shape = journalShape(client)
  const notDrizzles = shape === 'none' || shape === 'drizzle' ? null : shape
  const rows = shape === 'drizzle' ? (client.prepare('SELECT created_at FROM __drizzle_migrations').pluck().all() as unknown[]).map(Number) : []
  const latest = Math.max(0, ...rows)
  const known = rows.filter((at) => times.includes(at)).length
  const newer = rows.filter((at) => at > last).length
  const skipped = times.filter((at) => at < latest && !rows.includes(at)).length
  return { rows: rows.length, known, behind: times.filter((at) => at > latest).length, newer, skipped, notDrizzles }
}

/** The columns of drizzle's journal, which its migrator reads (SELECT id, hash, created_at). */
const JOURNAL_COLUMNS = ['id', 'hash', 'created_at']

/**
 * What the database's __drizzle_migrations is: none, drizzle's journal, or else what keeps it from
 * being one (another tool's table of that name, a view). Read as drizzle's, another's failed with
 * SQLite's "no such column: created_at" at start-up and in the command line (review). Only a table
 * or a view is looked at: an index or a trigger of that name is no journal (a trigger's name may
 * even stand beside the journal's), and was called one ("it is a index"). The file is judged by its
 * tables then, as any other: one with an index holds the table it is on, which notOursIn refuses.
 */
function journalShape(client: Database.Database): 'none' | 'drizzle' | string {
  const type = client.prepare("SELECT type FROM sqlite_master WHERE name = '__drizzle_migrations' AND type IN ('table', 'view')").pluck().get() as string | undefined
  if (type === undefined) return 'none'
  if (type !== 'table') return `it is a ${type}`
  const columns = (client.pragma("table_info('__drizzle_migrations')") as { name: string }[]).map((c) => c.name)
  const missing = JOURNAL_COLUMNS.filter((name) => !columns.includes(name))
  if (missing.length === 0) return 'drizzle'
  return `it has no ${missing.length > 1 ? `${missing.slice(0, -1).join(', ')} or ${missing.at(-1)}` : missing[0]} column`
}

/**
 * Why a file is not a MiniConsent database (another application's, given as DATABASE_URL by
 * mistake), or null for one of ours, an empty file or none (notOursIn). Read on a read-only
 * connection of its own (checkingConnection) before openConnection switches the file to WAL and the
 * migrations write theirs into it: any journal or a table named `sites` counted as ours, and another
 * drizzle application's file had our tables migrated and seeded beside its own and our migrations
 * added to its journal, while a CMS's with its own `sites` failed half-way, left in WAL mode with
 * an empty journal in it.
 */
function cannotMigrate(file: string): string | null {
  if (file === ':memory:' || !(statSync(file, { throwIfNoEntry: false })?.size ?? 0)) return null
  return withCheckingConnection(file, (conn) => {
    const journal = journalState(conn)
    const foreign = notOursIn(conn, journal)
    if (foreign) return `it is not a MiniConsent database (${foreign}); set DATABASE_URL to a MiniConsent database, or to a new file`
    // Another application's row dated between ours: the migrations of ours before it would never be
    // applied, and the server wrote into a half-migrated file and failed on a missing table at every
    // start (review). A MiniConsent database still: `backup` copies it, to be repaired by hand.
    if (journal.skipped) {
      return `this MiniConsent database's migration journal (__drizzle_migrations) holds a migration dated after ${journal.skipped} of this version's it lacks, which would never be applied: back it up (npm run backup), then remove the rows that are not MiniConsent's from its journal, or start on a new file`
    }
    return null
  })
}

// SQLite reads a `file:` name as a URI, whose `immutable=1` withCheckingConnection opens with,
// only when told so before its first connection in the process: better-sqlite3 tells it from this
// variable when it loads, at its first connection, which no module makes before this one is loaded.
// Every path this server opens is absolute (env.ts resolves DATABASE_URL), so none begins with `file:`.
process.env.SQLITE_USE_URI = '1'

/**
 * `read` run on a read-only connection to `file` that removes nothing beside it, and creates nothing
 * there but the -shm of a pair copied by hand (below). A read-only connection to a file in WAL mode
 * creates its -wal and -shm when they are not there; removed after a refusal, they could be those of
 * another process that had opened the file in between, its WAL lost (review). So, by the file's state:
 * - not in WAL mode, or its -wal and -shm both there (a process runs on it, or one was killed):
 *   a read-only connection, which creates nothing then, and reads it as SQLite's locks and the
 *   WAL's index keep it whole while another process writes;
 * - in WAL mode with no -wal, or an empty one (stopped cleanly): the file holds every commit, and
 *   it is read as it stands, `immutable` (no lock, no -shm). A process opening it meanwhile writes
 *   its -wal, not the file, until a checkpoint (SQLite's default: 1000 pages on): the check, a few
 *   reads, is done long before (a read torn all the same would most likely find the file
 *   malformed and fail the start, to be tried again). Not `immutable` while a -wal holds commits:
 *   they would go unread, and a checkpoint moving them into the file under the read would tear it.
 * - in WAL mode with a -wal of commits and no -shm (a pair copied by hand; a process that runs on
 *   it has a -shm): a read-only connection too, which creates the -shm, the WAL's index, rebuilt
 *   from the -wal, that the server's own connection would create right after; the file and its
 *   -wal are left as they are, and the -shm stays (removing it is the race above). A copy of the
 *   pair read elsewhere (copyConsistent, as the command line does) took the database's size in the
 *   temp folder and its time at every start, failed the start where it could not be made, and was
 *   left there when it failed or the start was stopped (review).
 */
function withCheckingConnection<T>(file: string, read: (conn: Database.Database) => T): T {
  const walBytes = statSync(`${file}-wal`, { throwIfNoEntry: false })?.size
  const stoppedCleanly = !walBytes && !(walBytes !== undefined && existsSync(`${file}-shm`))
  const name = stoppedCleanly && inWalMode(file) ? immutableUri(file) : file
  const conn = new Database(name, { readonly: true, fileMustExist: true })
  try {
    return read(conn)
  } finally {
    conn.close()
  }
}

/**
 * The `file:` URI of `file`, opened `immutable`: `file://` (an empty authority), then its absolute
 * path with forward slashes, a drive's after a slash (`file:///C:/…`), and a share's as it stands
 * (`file:////server/share/…`). pathToFileURL gave a share's server as the URI's authority
 * (`file://server/share/…`), which SQLite, built without SQLITE_ALLOW_URI_AUTHORITY, refuses:
 * "invalid uri authority" (review). SQLite decodes `%XX`, and ends the path at `?` or `#`.
 */
export function immutableUri(file: string, { windows = process.platform === 'win32' } = {}): string {
  const paths = windows ? win32 : posix
  const absolute = paths.isAbsolute(file) ? file : paths.resolve(file)
  const slashed = windows ? absolute.replaceAll('\\', '/') : absolute
  const rooted = slashed.startsWith('/') ? slashed : `/${slashed}`
  return `file://${encodeURI(rooted).replace(/[?#]/g, encodeURIComponent)}?immutable=1`
}

/** Whether `file` is an SQLite database in WAL mode, as its header says (file format versions 2). */
function inWalMode(file: string): boolean {
  const header = Buffer.alloc(20)
  const fd = openSync(file, 'r')
  try {
    if (readSync(fd, header, 0, 20, 0) < 20) return false
  } finally {
    closeSync(fd)
  }
  return header.subarray(0, 16).toString('latin1') === 'SQLite format 3\0' && (header[18] === 2 || header[19] === 2)
}

/**
 * Why the database `client` reads is not a MiniConsent database, or null. Ours: its journal
 * (drizzle's, not another tool's table of that name) holds MiniConsent's migrations (whatever else
 * it holds: a newer MiniConsent's, or another application's an earlier version let in), or,
 * holding none, it holds nothing else either (a new file, or a first start whose migration was
 * rolled back: drizzle creates its journal before its transaction).
 */
export function notOursIn(client: Database.Database, journal = journalState(client)): string | null {
  const tables = client.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name != '__drizzle_migrations' ORDER BY name").pluck().all() as string[]
  const others = tables.length ? `it holds other tables: ${tables.join(', ')}` : null
  const foreignJournal = "its migration journal (__drizzle_migrations) is another application's"
  if (journal.notDrizzles) return `${foreignJournal}, not drizzle's table of migrations: ${journal.notDrizzles}${others ? `; ${others}` : ''}`
  if (journal.rows === 0) return others
  if (journal.known === 0) return `${foreignJournal}: none of its ${journal.rows} migration(s) is MiniConsent's${others ? `; ${others}` : ''}`
  // MiniConsent's, with another application's rows beside them: the file an earlier version
  // migrated into and has run on since (review). Its consent log is ours to serve, back up and verify.
  return null
}

/**
 * Why `file` is not a MiniConsent database (notOursIn), read as start-up reads it
 * (withCheckingConnection): nothing is made beside it, so that a refused file in WAL mode is left
 * without a -wal and -shm of ours. Null for an empty file.
 */
export function notOurFile(file: string): string | null {
  if (!(statSync(file, { throwIfNoEntry: false })?.size ?? 0)) return null
  return withCheckingConnection(file, (conn) => notOursIn(conn))
}

/**
 * Applies the committed migrations. Two processes started at once on a new file both find none
 * applied; the one that writes second fails on its stale read. By then the first has applied them
 * all, and a second try finds nothing left to do. A failure that stays (a full disk: SQLite rolls
 * back on SQLITE_FULL, and drizzle's own ROLLBACK then fails and hides why) says what it can.
 */
function migrateFile(db: Db, file: string): void {
  try {
    migrate(db, { migrationsFolder: migrationsDir })
  } catch (first) {
    try {
      migrate(db, { migrationsFolder: migrationsDir })
    } catch {
      throw withDiskSpace(migrationFailed(first), file)
    }
  }
}

/** What to do about a database file this process may not write (start-up's check and a migration's failure). */
export const WRITE_ADVICE = "let this process's user write the file, its folder, and its -wal and -shm files"

/**
 * A migration's failure in one line: SQLite's reason, its code and message, with what to do for a
 * lock held by another process or a file this user may not write (as the start-up says after
 * checkWritable). drizzle's own error said only "Failed to run the query '…'" with the statement's
 * SQL over many lines, never "database is locked" nor a trigger's message.
 */
function migrationFailed(e: unknown): unknown {
  const cause = sqliteCause(e)
  if (!cause) return e
  const { code } = cause
  // SQLite ended the transaction itself (SQLITE_FULL, an I/O error), and drizzle's ROLLBACK failed on it: its reason is lost.
  const reason = /cannot rollback - no transaction is active/.test(cause.message)
    ? "SQLite ended its transaction itself: a full disk, an I/O error, or a trigger's RAISE(ROLLBACK)"
    : `${code}: ${cause.message}`
  // A backup does not hold it: VACUUM INTO reads, and in WAL mode a reader never blocks a writer.
  const todo = code.startsWith('SQLITE_BUSY')
    ? ": another process holds the database's write lock (a server still running or starting on it, sign-unsigned or reset-password, a sqlite3 shell): stop it or let it finish, then start again"
    : code.startsWith('SQLITE_READONLY')
      ? `: ${WRITE_ADVICE}`
      : ''
  return new Error(`a migration of this version could not be applied (${reason})${todo}`, { cause: e })
}

/** The innermost of `e` and its causes that is SQLite's (a better-sqlite3 SqliteError, code SQLITE_…), or null. */
function sqliteCause(e: unknown): (Error & { code: string }) | null {
  let found: (Error & { code: string }) | null = null
  for (let at = e, depth = 0; at instanceof Error && depth < 5; at = at.cause, depth++) {
    const code = (at as { code?: unknown }).code
    if (typeof code === 'string' && code.startsWith('SQLITE_')) found = at as Error & { code: string }
  }
  return found
}

/** Below this, a failed write is put down to the disk's space. */
const LOW_SPACE_BYTES = 1024 * 1024

/** The error, its message naming a full disk when the database's disk has almost no space left. */
function withDiskSpace(e: unknown, file: string): unknown {
  if (!(e instanceof Error) || file === ':memory:') return e
  let free: number
  try {
    const stats = statfsSync(dirname(file))
    free = stats.bavail * stats.bsize
  } catch {
    return e
  }
  return free < LOW_SPACE_BYTES ? new Error(`${e.message} (the disk holding it is full: ${free} bytes free)`, { cause: e }) : e
}

/**
 * Throws SQLite's SQLITE_READONLY when the connection cannot write its file. SQLite opens a file
 * it may not write read-only without a word, and a server on it failed only at its first write,
 * once it listened (settling the signing key, with a message about that). A table created and
 * rolled back writes nothing to the file.
 */
export function checkWritable(client: Database.Database): void {
  try {
    client.exec('BEGIN IMMEDIATE; CREATE TABLE temp_write_check (x); ROLLBACK')
  } catch (e) {
    if (client.inTransaction) client.exec('ROLLBACK')
    // Another connection holds the write lock past the wait (a migration, sign-unsigned): nothing is
    // known of this one's permission, and the start goes on as it did (its writes wait or say busy).
    if (isDatabaseBusy(e)) return
    throw e
  }
}

/** A transaction of the server's connection, as writeTransaction hands it. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]

/**
 * A transaction that reads and then writes, on the server's connection. IMMEDIATE: it takes the
 * write lock at BEGIN, waiting (busy_timeout) while the consent writer thread, which writes the
 * same file on a connection of its own, commits a batch. A deferred transaction reads first, and
 * if that thread commits before its first write, SQLite cannot upgrade the stale read and fails
 * at once with "database is locked" instead of waiting (seen in CI on an invitation).
 */
export function writeTransaction<T>(db: Db, run: (tx: Tx) => T): T {
  return db.transaction(run, { behavior: 'immediate' })
}

/**
 * The identity (device and inode) of the file at `file`, or null when there is none. A connection
 * keeps the file it opened: removed from its path, or replaced there, that file is still written,
 * and lost once the server stops.
 */
export function fileIdentity(file: string): string | null {
  try {
    // Asked per batch by the consent writer: a plain stat first, whose numbers are exact while they
    // are safe integers (a larger one may have been rounded), and the bigint stat only otherwise.
    // Both write the same decimal digits, so the identity is the same text either way.
    const st = statSync(file, { throwIfNoEntry: false })
    if (!st) return null
    if (Number.isSafeInteger(st.dev) && Number.isSafeInteger(st.ino)) return `${st.dev}:${st.ino}`
    const exact = statSync(file, { bigint: true, throwIfNoEntry: false })
    return exact ? `${exact.dev}:${exact.ino}` : null
  } catch {
    // Any other failure to look (its folder replaced by a file, no permission left, a stale NFS
    // handle): the file cannot be told to be the one opened, so it counts as gone, not as a crash
    // of the writer that asked (review).
    return null
  }
}

/** Each connection of openConnection's, and the identity of the file it opened. */
const openedFiles = new WeakMap<Database.Database, string | null>()

/** The identity of the file `client` opened (openConnection), or undefined: in memory, or opened elsewhere. */
export const openedFile = (client: Database.Database): string | null | undefined => openedFiles.get(client)

/**
 * Whether the file whose identity was `opened` is no longer at `file` (removed, or another file put
 * there); false when that identity is not known (undefined: in memory, or opened elsewhere).
 */
export const fileGoneFrom = (file: string, opened: string | null | undefined): boolean => opened !== undefined && fileIdentity(file) !== opened

/** Whether the file `client` opened (openConnection) is no longer at its path: fileGoneFrom. */
export const openedFileGone = (client: Database.Database): boolean => fileGoneFrom(client.name, openedFiles.get(client))

/**
 * A raw connection with the server's settings (the consent writer's thread opens its own).
 * `mustExist`: a connection to a file the server already has, which is never created again.
 */
export function openConnection(file: string, options: { mustExist?: boolean } = {}): Database.Database {
  const sqlite = new Database(file, { fileMustExist: options.mustExist ?? false })
  if (!sqlite.memory) openedFiles.set(sqlite, fileIdentity(file))
  // WAL lets readers (dashboard, exports) run while ingestion writes. FULL syncs the WAL to disk
  // at every commit, so a record acknowledged to a visitor survives a power cut or kernel crash
  // too (NORMAL would only survive the process crashing). Ingestion group-commits, so the sync
  // (about 1 ms on the reference machine) is paid once per batch, not per record.
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma(SECURE_DELETE)
  return sqlite
}

/**
 * For every connection that writes: what a deletion or a move frees (a row deleted, a value
 * rewritten, the rows a page split or merge copies elsewhere, a page freed whole) is overwritten
 * with zeros, not only freed. Without it a visitor's consentId, user id or page URL could be read
 * from the file long after an erasure removed them (consent-subjects.ts), from a freed cell or from
 * a page a retention purge emptied while rows that were kept still stood on it. FAST leaves pages
 * freed whole as they were, which a purge's merges do.
 */
export const SECURE_DELETE = 'secure_delete = ON'
