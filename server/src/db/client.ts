import { mkdirSync, statfsSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { isDatabaseBusy } from '../lib/database-busy'
import { migrationsDir } from '../paths'
import * as schema from './schema'

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database }

/**
 * Opens (creating if needed) the SQLite file and applies the committed migrations. Throws,
 * leaving it as it was, for a file that is another application's database (foreignTables).
 */
export function openDatabase(file: string, options: { migrate?: boolean } = {}): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  if (options.migrate !== false) {
    const foreign = foreignTables(file)
    if (foreign.length) throw new Error(`it is not a MiniConsent database (it holds other tables: ${foreign.join(', ')}); set DATABASE_URL to a MiniConsent database, or to a new file`)
  }
  const db = drizzle({ client: openConnection(file), schema })
  if (options.migrate !== false) migrateFile(db, file)
  return db
}

/**
 * The tables of a file that holds some but neither MiniConsent's migration journal nor its
 * `sites` (another application's database, given as DATABASE_URL by mistake); empty for a
 * MiniConsent database, an empty file or none. Read on a read-only connection of its own before
 * openConnection switches the file to WAL and the migrations write theirs into it: on an invoices
 * database, the server had created its tables and an owner account and seeded the demo sites
 * beside them; where a table's name clashed with one of ours (`users`), the migration failed
 * half-way, its journal left in the other application's file.
 */
function foreignTables(file: string): string[] {
  if (file === ':memory:' || !(statSync(file, { throwIfNoEntry: false })?.size ?? 0)) return []
  const conn = new Database(file, { readonly: true, fileMustExist: true })
  try {
    const tables = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").pluck().all() as string[]
    return tables.includes('__drizzle_migrations') || tables.includes('sites') ? [] : tables
  } finally {
    conn.close()
  }
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
      throw withDiskSpace(first, file)
    }
  }
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
    // Another connection holds the write lock past the wait (a backup, a migration): nothing is
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
    const st = statSync(file, { bigint: true, throwIfNoEntry: false })
    return st ? `${st.dev}:${st.ino}` : null
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
