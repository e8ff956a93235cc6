// Command line:
//   verify --site <id> [--db <path>]            walks a site's consent-log hash chain in the database;
//     with --manifest <m.json> (a manifest the auditor saved), also checks that the log still
//     reaches the chain head it recorded, with the same hash (its signature checked as below);
//   verify --manifest <m.json> --file <export>  checks an exported file against its manifest, and the
//     manifest's signature with --public-key, or with the keys in the database (--db, DATABASE_URL).
//   reset-password --email <address>             gives an account a new random password, printed once,
//     and ends its sessions: the operator's way back into a forgotten or squatted account.
//   backup --to <new file> [--db <path>]         a consistent copy of the database, taken while the
//     server runs and writes, checked before it is given its name, which must be a new file's.
// Exit codes: 0 intact, 1 broken (the file does not match its manifest, the signature is invalid
// or was removed, the manifest is unsigned without --allow-unsigned, or a backup's copy did not
// check out), 2 usage error, unknown site, unreadable file or key, no key to check the signature
// with, a backup refused or not written. (`pnpm run` reports any failure as 1.)
// `--help` (-h) prints the usage, exit 0; a usage error names what is wrong before it.
import {
  accessSync,
  closeSync,
  constants as fsConstants,
  copyFileSync,
  createReadStream,
  existsSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  type Stats,
} from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { createHash, createPublicKey, randomBytes, type KeyObject } from 'node:crypto'
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path'
import { pipeline, Transform } from 'node:stream'
import { createInterface } from 'node:readline'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { EXPORT_COLUMNS, exportManifest, exportRow, manifestKey, manifestKeyList, type ExportManifest } from '@miniconsent/shared'
import { parse as parseCsv } from 'csv-parse'
import { eq } from 'drizzle-orm'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { z, ZodError } from 'zod'
import { journalState, notOurFile, SECURE_DELETE, type Db } from './db/client'
import { hasTable } from './db/has-table'
import * as schema from './db/schema'
import { sites } from './db/schema'
import { parseEnv, urlScheme } from './env'
import { signStored, storedGeneratedKey, storedVerifyKeys, unsignedStored, type StoredSigningKey } from './services/stored-signatures'
import { deletedSiteRetention, signDeletedSiteRetention, signedDeletedRetention } from './services/retention-signature'
import { canonicalJson } from './lib/canonical-json'
import { contentProblem, formatOf, formatProblem, linkProblem, savedManifestHead, type SavedManifestHead, type StoredRow } from './services/consent-chain'
import { VISITOR_CELLS } from './services/export-pages'
import { Accounts } from './services/accounts'
import { AuditLog } from './services/audit'
import { ConsentLog } from './services/consent-log'
import { holdsSplitEscape, unescapeCell, unescapeExportCell, unescapeExportCellBefore0912 } from './lib/csv-formula'
import { isDatabaseBusy } from './lib/errors'
import { bodyFlawAt } from './lib/validate'
import { keyIdOf, privateKeyFrom, publicKeyFrom, signedManifestProblem, storedManifestSigned, storedPublicKeys, type KnownKey } from './services/manifest-keys'

const USAGE = [
  'usage: miniconsent verify --site <siteId> [--db <path to the SQLite file>]',
  '                          [--manifest <saved manifest.json> [--public-key <file or base64>] [--allow-unsigned]]',
  '       miniconsent verify --manifest <manifest.json> --file <export.csv|export.ndjson>',
  '                          [--public-key <file or base64> | --db <path>] [--allow-unsigned]',
  '       miniconsent reset-password --email <address> [--db <path to the SQLite file>]',
  '       miniconsent sign-unsigned --site <siteId> [--db <path>] [--confirm]',
  '       miniconsent backup --to <new file> [--db <path to the SQLite file>]',
  '  sign-unsigned: signs the tombstones and the purge anchor of a site that an older MiniConsent wrote',
  '    unsigned (after a rollback), or, for a deleted site, the retention its audit log is kept by when',
  '    the purge refuses it (unsigned, signed by a retired key, or edited: the listing says which), with',
  '    the server\'s key (MANIFEST_SIGNING_KEY as the server has it, or the key generated in the',
  '    database); without --confirm it only lists them',
  '  backup: copies the database while the server runs and writes (one snapshot), checks the copy',
  '    (SQLite\'s quick_check, every site\'s chain) and only then puts it at --to, never over a file',
  '  --public-key: an Ed25519 public key (base64 or PEM), or the answer of GET /api/v1/manifest-keys saved to a file',
  '  --allow-unsigned: accept a manifest made before MiniConsent signed its manifests (0.8)',
  '  --help, -h: this usage',
].join('\n')

export interface CliIo {
  out: (line: string) => void
  err: (line: string) => void
  env: Record<string, string | undefined>
  /**
   * Where the relative paths of the options (--db, --manifest, --file, --public-key, --to) are read from:
   * the directory the command was typed in. `npm run verify` runs this file in server/, where the
   * README's `--manifest manifest.json` was not found (review). The process's own directory when
   * absent. DATABASE_URL is read as the server reads it, from the process's directory (server/
   * under `npm start` and `npm run …` alike), so that both name the same file.
   */
  cwd?: string
}

/** A path relative to `from`; a URL (urlScheme: `file:///…`, `s3://…`, `sqlite:…`) or an absolute path as it is. */
function pathFrom(from: string, value: string | undefined): string | undefined {
  if (value === undefined || isAbsolute(value)) return value
  // A relative file: URL (`file:../x.sqlite`) is a relative path too; `file:///…` and other schemes are left as they are.
  const relativeFileUrl = /^file:(?!\/\/)/i.exec(value)
  if (relativeFileUrl) return resolve(from, value.slice(relativeFileUrl[0].length))
  return urlScheme(value) ? value : resolve(from, value)
}

/** Whether a path ends in a separator, naming a folder (`backups/`). */
const endsInSeparator = (value: string | undefined) => value !== undefined && (value.endsWith('/') || value.endsWith(sep))

/**
 * A database setting as a message may repeat it: a URL of another scheme by its scheme only, since
 * the rest of such a URL may hold a password (as the server's own start-up message does). What is
 * a URL is what DATABASE_URL takes for one (urlScheme).
 */
function shownDatabase(value: string | undefined): string {
  const scheme = urlScheme(value ?? '')
  return scheme && scheme.toLowerCase() !== 'file' ? `a ${scheme}: URL (MiniConsent keeps its data in an SQLite file: give its path)` : String(value)
}

/** The options, each of the commands that take it (USAGE). */
const OPTIONS = {
  site: { type: 'string' },
  db: { type: 'string' },
  manifest: { type: 'string' },
  file: { type: 'string' },
  'public-key': { type: 'string' },
  'allow-unsigned': { type: 'boolean' },
  email: { type: 'string' },
  confirm: { type: 'boolean' },
  to: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

type OptionName = keyof typeof OPTIONS

/** Each command's options, and the one its argument goes to (named when it is given without it). */
const COMMANDS: Record<string, { options: readonly OptionName[]; main: OptionName }> = {
  verify: { options: ['site', 'db', 'manifest', 'file', 'public-key', 'allow-unsigned'], main: 'site' },
  'reset-password': { options: ['email', 'db'], main: 'email' },
  'sign-unsigned': { options: ['site', 'db', 'confirm'], main: 'site' },
  backup: { options: ['to', 'db'], main: 'to' },
}

/** A usage error: what is wrong, then the usage; exit 2. */
function usageError(io: CliIo, problem: string): number {
  io.err(`${problem}\n${USAGE}`)
  return 2
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const from = io.cwd ?? process.cwd()
  // Read leniently first, which never throws: --help wins over whatever else is on the line, and an
  // unknown option is named without Node's hint about '--' (for positionals, which no command takes).
  const lenient = parseArgs({ args: argv, options: OPTIONS, strict: false, tokens: true }).tokens
  if (lenient.some((t) => t.kind === 'option' && t.name === 'help')) {
    io.out(USAGE)
    return 0
  }
  const unknown = lenient.find((t) => t.kind === 'option' && !Object.hasOwn(OPTIONS, t.name))
  if (unknown?.kind === 'option') return usageError(io, `unknown option ${unknown.rawName}`)
  let parsed
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, tokens: true, options: OPTIONS })
  } catch (e) {
    return usageError(io, e instanceof Error ? e.message : String(e))
  }
  const given = parsed.tokens.flatMap((t) => (t.kind === 'option' ? [t.name as OptionName] : []))
  // parseArgs keeps an option's last value: `--email nobody@… --email admin@…` reset admin's password.
  const repeated = given.find((name, i) => given.indexOf(name) !== i)
  if (repeated) return usageError(io, `--${repeated} is given ${given.filter((n) => n === repeated).length === 2 ? 'twice' : 'more than twice'}: give it once`)
  const [command, extra] = parsed.positionals
  if (command === undefined) return usageError(io, `no command: give ${Object.keys(COMMANDS).join(', ')}`)
  // Own keys only: `constructor` or `__proto__` would otherwise be a "command" of no options.
  const spec = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined
  if (!spec) return usageError(io, `unknown command "${command}"`)
  if (extra !== undefined) return usageError(io, `${command} takes no positional argument; did you mean --${spec.main} ${extra}?`)
  const foreign = given.find((name) => !spec.options.includes(name))
  if (foreign) return usageError(io, `--${foreign} is not an option of ${command}`)
  // An empty value would otherwise be a path to the current directory, or no site or address at all.
  const empty = given.find((name) => parsed.values[name] === '')
  if (empty) return usageError(io, `--${empty} needs a value`)
  // Resolving drops a trailing separator, which says that --to names a folder (backup).
  const toNamesFolder = endsInSeparator(parsed.values.to)
  for (const name of ['db', 'manifest', 'file', 'to'] as const) parsed.values[name] = pathFrom(from, parsed.values[name])
  // A key is a file's path or the key itself (base64): a path only if there is such a file.
  const keyPath = pathFrom(from, parsed.values['public-key'])
  if (keyPath !== undefined && existsSync(keyPath)) parsed.values['public-key'] = keyPath
  const { site, manifest, file, email, db, confirm, to } = parsed.values
  if (command === 'backup') {
    if (to === undefined) return usageError(io, 'backup needs --to, the new file to write the copy to')
    // pathFrom leaves a URL (`s3://…`) as it is: the copy is written to a file of this machine only.
    const scheme = isAbsolute(to) ? undefined : urlScheme(to)
    if (scheme) return usageError(io, `--to takes a file's path, not a ${scheme}: URL`)
    // `newdir/` would otherwise have been written as a file `newdir`, or failed on its temporary copy inside it.
    if (toNamesFolder) {
      io.err(folderTargetProblem(resolve(to)))
      return 2
    }
    return backup(to, db, io)
  }
  if (command === 'reset-password') {
    if (email === undefined) return usageError(io, 'reset-password needs --email, the address of the account')
    return resetPassword(email, db, io)
  }
  if (command === 'sign-unsigned') {
    if (site === undefined) return usageError(io, 'sign-unsigned needs --site, the site whose log to sign')
    return signUnsigned(site, db, confirm ?? false, io)
  }
  const publicKey = parsed.values['public-key']
  const allowUnsigned = parsed.values['allow-unsigned'] ?? false
  if (site !== undefined && manifest !== undefined && file === undefined) {
    return verifySite(site, db, io, { manifestPath: manifest, publicKey, dbArg: db, allowUnsigned })
  }
  if (manifest !== undefined || file !== undefined) {
    if (site !== undefined) return usageError(io, '--site and --file do not go together: verify a site\'s chain (--site, with --manifest or not) or an export file (--manifest and --file)')
    if (manifest === undefined) return usageError(io, '--file needs --manifest, the manifest of that export')
    if (file === undefined) return usageError(io, '--manifest needs --file, the export it describes (or --site, the site whose chain it was made of)')
    if (publicKey !== undefined && db !== undefined) return usageError(io, 'give the keys by --public-key or by --db, not both')
    return verifyExportFile({ manifestPath: manifest, filePath: file, publicKey, dbArg: db, allowUnsigned }, io)
  }
  if (site === undefined) return usageError(io, 'verify needs --site, or --manifest and --file')
  if (publicKey !== undefined || allowUnsigned) {
    return usageError(io, `--${publicKey !== undefined ? 'public-key' : 'allow-unsigned'} checks a manifest's signature: it goes with --manifest`)
  }
  return verifySite(site, db, io)
}

/** The database's path from --db or DATABASE_URL (default: the server's); null when it is not a path. */
function databaseFile(dbArg: string | undefined, io: CliIo): string | null {
  try {
    return parseEnv({ DATABASE_URL: dbArg ?? io.env.DATABASE_URL }).DATABASE_URL
  } catch {
    return null
  }
}

/** The database file --db or DATABASE_URL names, or null after saying why there is none to open. */
function existingDatabaseFile(dbArg: string | undefined, io: CliIo): string | null {
  const file = databaseFile(dbArg, io)
  if (file === null) io.err(`not a database path: ${shownDatabase(dbArg ?? io.env.DATABASE_URL)}`)
  else if (!existsSync(file)) io.err(unreachable(file) ?? `no database at ${file} (start the server once, or pass --db)`)
  else return file
  return null
}

/** Why `file` cannot be looked at (a folder on its way this user may not enter), or null when it simply is not there. */
function unreachable(file: string): string | null {
  const code = denied(file, fsConstants.F_OK)
  if (code === null || code === 'ENOENT' || code === 'ENOTDIR') return null
  return `cannot reach ${file}: ${code === 'EACCES' ? "this user may not enter a folder on its way: run this as the server's user" : code}`
}

/** Why a database cannot be opened where it is by this user (openMiniConsent's `inPlace`), nor copied (a file it may not read), said as it is. */
class NotOpenableInPlace extends Error {}

/** Why this user cannot write a database (openMiniConsent's `write`), said as it is. */
class NotWritable extends Error {}

/** The code accessSync fails with for `path` and `mode` (EACCES, EROFS, ENOENT), or null when this user may. */
function denied(path: string, mode: number): string | null {
  try {
    accessSync(path, mode)
    return null
  } catch (e) {
    return String((e as { code?: unknown }).code ?? 'EACCES')
  }
}

/**
 * What keeps this user from opening a database where it is, as far as the file system tells, and
 * what to do. A reader of a database in WAL mode reads the file and its -wal, and writes its -shm,
 * creating it in the folder when it is not there.
 */
function whyNotInPlace(file: string, code: unknown): string {
  const asServer = ": run this as the server's user"
  const readOnlyFs = 'the file system holding it is read-only, and SQLite writes a -shm file beside a database in WAL mode even to read it: copy the database with its -wal file to a writable place and back up the copy'
  const unreadable = whyUnreadable(file)
  if (unreadable) return unreadable
  const shm = `${file}-shm`
  const hasShm = existsSync(shm)
  const noShm = hasShm ? denied(shm, fsConstants.W_OK) : denied(dirname(file), fsConstants.W_OK)
  if (noShm === 'EROFS') return readOnlyFs
  if (noShm && hasShm) return `this user may not write its ${basename(file)}-shm file (which readers write too)${asServer}`
  if (noShm) return `its folder is read-only to this user, who cannot open it where it is (SQLite writes a -shm file beside a database in WAL mode even to read it)${asServer}`
  return `it cannot be opened where it is (${String(code)})${asServer}`
}

/**
 * Why this user may not read a database (the file or its -wal), or null: no copy of it can be made
 * either, so read-only work is refused with this reason rather than with the copy's EACCES.
 */
function whyUnreadable(file: string): string | null {
  for (const [path, what] of [[file, 'read it'], [`${file}-wal`, `read its ${basename(file)}-wal file`]] as const) {
    if (existsSync(path) && denied(path, fsConstants.R_OK)) return `this user may not ${what}: run this as the server's user`
  }
  return null
}

/**
 * What keeps this user from writing a database, as far as the file system tells, and what to do;
 * null when nothing does. SQLite writes the file, its -wal and -shm (WAL mode), and creates the
 * -wal (after a clean stop) or a -journal in the folder. Asked before opening it: SQLite opens a
 * file it may not write read-only without a word, and the write then failed as "attempt to write
 * a readonly database", said as if the file were no MiniConsent database.
 */
function whyNotWritable(file: string): string | null {
  const asServer = ": run this as the server's user"
  const readOnlyFs = 'the file system holding it is read-only'
  const [wal, shm] = [`${file}-wal`, `${file}-shm`]
  for (const [path, what] of [[file, 'write it'], [wal, `write its ${basename(wal)} file`], [shm, `write its ${basename(shm)} file`]] as const) {
    const code = existsSync(path) ? denied(path, fsConstants.W_OK) : null
    if (code === 'EROFS') return readOnlyFs
    if (code) return `this user may not ${what}${asServer}`
  }
  const folder = existsSync(wal) && existsSync(shm) ? null : denied(dirname(file), fsConstants.W_OK)
  if (folder === 'EROFS') return readOnlyFs
  return folder ? `its folder is read-only to this user, and SQLite writes the database's -wal or -journal file there${asServer}` : null
}

/**
 * The database, once its `sites` table is read: throws for a file that is not a MiniConsent
 * database, so that every command says so alike instead of finding nothing in it. Read-only (no
 * migration, no journal-mode switch, so verifying never changes the file it checks) unless
 * `write` (reset-password, sign-unsigned --confirm), once this user may write it (whyNotWritable).
 */
function openMiniConsent(file: string, { write = false, note, inPlace = false }: { write?: boolean; note?: (line: string) => void; inPlace?: boolean } = {}): Db {
  const notWritable = write ? whyNotWritable(file) : null
  if (notWritable) throw new NotWritable(notWritable)
  try {
    return openChecked(file, write)
  } catch (e) {
    // A database in WAL mode (the server's) needs its `-shm` file beside it even to be read, which
    // SQLite cannot create in a folder this user may not write (read-only evidence media, another
    // user's files). Read-only work reads a copy made in the temp folder instead, removed at exit.
    const code = (e as { code?: unknown }).code
    if (write || (code !== 'SQLITE_READONLY_DIRECTORY' && code !== 'SQLITE_CANTOPEN' && code !== 'SQLITE_READONLY')) throw e
    // `inPlace` (a backup): a copy of a file the server writes is taken again and again, whole, and a backup is one.
    if (inPlace) throw new NotOpenableInPlace(whyNotInPlace(file, code))
    // Nor can a copy be made of a file (or -wal) this user may not read: said so, as for a backup.
    const unreadable = whyUnreadable(file)
    if (unreadable) throw new NotOpenableInPlace(unreadable)
    const dir = mkdtempSync(join(tmpdir(), 'miniconsent-read-'))
    const remove = () => rmSync(dir, { recursive: true, force: true })
    process.once('exit', remove)
    // Interrupted (Ctrl-C), the copy of the log goes too: Node emits no `exit` for a signal.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => (remove(), process.exit(signal === 'SIGINT' ? 130 : 143)))
    const copy = join(dir, basename(file))
    copyConsistent(file, copy)
    const db = openChecked(copy, false)
    note?.(`note: ${file} cannot be opened where it is (its folder is read-only to this user), so a copy of it is read (${copy}, removed at exit)`)
    return db
  }
}

/**
 * Copies the database file and its WAL as one state: a server writing to them (a checkpoint moves
 * pages from the WAL into the file) between the two copies would leave a torn pair, which verify
 * would take for tampering. The copy is taken again while either file changes under it.
 */
export function copyConsistent(file: string, copy: string): void {
  const state = () =>
    [file, `${file}-wal`]
      .map((f) => statSync(f, { throwIfNoEntry: false }))
      .map((s) => (s ? `${s.size}:${s.mtimeMs}` : '-'))
      .join('|')
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = state()
    copyFileSync(file, copy)
    rmSync(`${copy}-wal`, { force: true })
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`)
    if (state() === before) return
  }
  throw new Error('the database kept changing while it was copied (a server is writing to it): run this as the server’s user, or on a copy made while it is stopped')
}

function openChecked(file: string, write: boolean): Db {
  // Another application's file (a table \`sites\` of its own was read as a database an older
  // MiniConsent left, "to migrate" by starting the server on it) is refused before the connection
  // below, which makes a -wal and -shm beside a file in WAL mode, and leaves them there. A file
  // this user may not read is left to that connection, whose refusal openMiniConsent then says
  // the reason of (whyUnreadable).
  const foreign = denied(file, fsConstants.R_OK) ? null : notOurFile(file)
  if (foreign) throw new Error(foreign)
  const db = drizzle({ client: new Database(file, { readonly: !write, fileMustExist: true }), schema })
  try {
    db.$client.pragma('busy_timeout = 5000')
    // sign-unsigned writes signatures into tombstones, which can split their pages: overwritten as the server's writes are.
    if (write) db.$client.pragma(SECURE_DELETE)
    db.select({ id: sites.id }).from(sites).limit(1).all()
  } catch (e) {
    db.$client.close()
    throw e
  }
  return db
}

/**
 * The database --db or DATABASE_URL names, opened (openMiniConsent); with `siteId`, only once this
 * version's server has started on it (notStartedOn), when no newer MiniConsent has migrated it
 * (newerOn) and when it holds that site (or, `orDeleted`, keeps a deleted site's audit log under
 * that id); `migrated`, only once this version's server has migrated it (notMigratedOn).
 * Otherwise the exit code (2), after saying why.
 */
function openForCommand(
  dbArg: string | undefined,
  io: CliIo,
  o: { write?: boolean; siteId?: string; orDeleted?: boolean; migrated?: boolean; inPlace?: boolean } = {},
): { db: Db; file: string } | number {
  const file = existingDatabaseFile(dbArg, io)
  if (file === null) return 2
  let db: Db
  try {
    db = openMiniConsent(file, { write: o.write, note: io.err, inPlace: o.inPlace })
  } catch (e) {
    io.err(notMiniConsent(file, e))
    return 2
  }
  const { siteId } = o
  if (siteId === undefined && !o.migrated) return { db, file }
  try {
    const problem =
      siteId === undefined
        ? notMigratedOn(db, file)
        : (newerOn(db, file) ??
          notStartedOn(db, file) ??
          (db.select({ id: sites.id }).from(sites).where(eq(sites.id, siteId)).get() || (o.orDeleted && deletedSiteRetention(db.$client, siteId)) ? null : `unknown site "${siteId}"`))
    if (problem === null) return { db, file }
    io.err(problem)
  } catch (e) {
    io.err(notMiniConsent(file, e))
  }
  db.$client.close()
  return 2
}

/**
 * Why the database cannot be read as this version reads it, or null: a newer MiniConsent migrated
 * it (a rollback's database), and may have written its log, signatures or tables in ways this
 * version does not know, which it would call intact or broken alike wrongly.
 */
function newerOn(db: Db, file: string): string | null {
  const ahead = migrationsAhead(db)
  return ahead === 0 ? null : `the database ${file} ${newerMigrated(ahead)}, whose log this version may read wrongly: run this with that version's command line`
}

/** How many migrations the database holds that this version does not know: later than its last (journalState). */
const migrationsAhead = (db: Db): number => journalState(db.$client).newer

const newerMigrated = (ahead: number) => `was last migrated by a newer MiniConsent (${ahead} migration(s) this version does not know; or another application ran its own on this file)`

/**
 * Why the database cannot be read as this version reads it, or null: this version's server has
 * not yet started on it (notStarted). The CLI never migrates nor signs: only the server does, at
 * its start. Read before that, the log looked broken where it was not.
 */
function notStartedOn(db: Db, file: string): string | null {
  const why = notStarted(db)
  return why === null ? null : startedByOlder(file, why)
}

/**
 * Why the database's tables are not yet this version's, or null: its server has not migrated it
 * (migrationsBehind). What reads or writes no signed log (reset-password) needs no more, and
 * failed on a column a later migration adds ("no such column: administrator", migration 0016).
 * With `tables`, an older database holding those is read too: the manifest keys (keysFromDatabase)
 * of one from before signing (0.8) are none, but one at its first migration alone has no table of
 * export manifests, and verify failed with "no such table: export_manifests".
 */
function notMigratedOn(db: Db, file: string, tables?: string[]): string | null {
  const behind = migrationsBehind(db)
  if (behind === 0 || tables?.every((name) => hasTable(db.$client, name))) return null
  return startedByOlder(file, behindText(behind))
}

const behindText = (behind: number) => `${behind} migration(s) of this version to apply`

const startedByOlder = (file: string, why: string) =>
  `the database ${file} was last started by an older MiniConsent (${why}): start this version's server once (npm start), which migrates it and signs what older versions left unsigned, then run this again`

/**
 * Why this version's server has not started on the database yet, or null when it has. It migrates
 * the database before it listens, but signs what older versions left unsigned (the start-up tasks
 * of signStoredBeforeSigning) only once it listens: a start that failed in between (a port still
 * held by the old server) left it migrated, its older tombstones and anchors still unsigned, which
 * verification would take for edits.
 */
function notStarted(db: Db): string | null {
  const behind = migrationsBehind(db)
  if (behind > 0) return behindText(behind)
  const done = (task: string) => !!db.$client.prepare('SELECT 1 FROM startup_tasks WHERE name = ?').get(task)
  const todo = { erasures: !done('sign-erasures'), anchors: !done('sign-anchors') }
  if (!todo.erasures && !todo.anchors) return null
  const found = unsignedStored(db.$client, null)
  const counts = [
    todo.erasures ? counted(found.erasures.length, 'tombstone') : '',
    todo.anchors ? counted(found.anchors.length, 'purge anchor') : '',
  ].filter(Boolean)
  return counts.length ? `migrated, but this version's server has not yet started on it to sign what older versions left unsigned: ${counts.join(', ')}` : null
}

/** `n thing(s)`, or '' for none. */
const counted = (n: number, thing: string) => (n === 0 ? '' : `${n} ${thing}${n === 1 ? '' : 's'}`)

/** How many migrations of this version the database has yet to go through (0: this version's server has migrated it; journalState). */
const migrationsBehind = (db: Db): number => journalState(db.$client).behind

/** The key the server signs with: MANIFEST_SIGNING_KEY when set (it must be the database's active key), else the key generated in the database. */
function serverSigningKey(db: Db, io: CliIo): StoredSigningKey | string {
  const envKey = io.env.MANIFEST_SIGNING_KEY
  if (envKey) {
    let privateKey: KeyObject
    try {
      privateKey = privateKeyFrom(envKey)
    } catch (e) {
      return `MANIFEST_SIGNING_KEY: ${e instanceof Error ? e.message : String(e)}`
    }
    const keyId = keyIdOf(createPublicKey(privateKey))
    const active = db.$client.prepare('SELECT 1 FROM manifest_keys WHERE id = ? AND retired_at IS NULL').get(keyId)
    return active ? { keyId, privateKey } : `MANIFEST_SIGNING_KEY is not the key the server signs with in this database (key ${keyId} is not its active key)`
  }
  return storedGeneratedKey(db.$client) ?? 'the server signs with MANIFEST_SIGNING_KEY, whose private half the database does not hold: set it for this command as the server has it'
}

/**
 * `sign-unsigned`: after a rollback to a version that did not sign them (before 0.8.5 for
 * tombstones, 0.8.6 for purge anchors), the erasures and purges it made are unsigned, and verify
 * reports them as made by hand; the server signs such things only once, at the first start after
 * its upgrade. The operator, who knows which binary ran, vouches for them: listed, then (with
 * --confirm) signed and audited. For a deleted site, the retention its audit log is kept by
 * (signUnsignedDeletedRetention). 0 done or nothing to sign, 2 refused.
 */
async function signUnsigned(siteId: string, dbArg: string | undefined, confirm: boolean, io: CliIo): Promise<number> {
  const opened = openForCommand(dbArg, io, { write: confirm, siteId, orDeleted: true })
  if (typeof opened === 'number') return opened
  const { db } = opened
  try {
    const key = confirm ? serverSigningKey(db, io) : null
    if (typeof key === 'string') {
      io.err(key)
      return 2
    }
    const audit = new AuditLog(db, Date.now)
    // A deleted site has no consent log left (deleteSite refuses a site that holds any): only its retention.
    if (deletedSiteRetention(db.$client, siteId)) return signUnsignedDeletedRetention(db, siteId, key, audit, io)
    // Read and signed in one IMMEDIATE transaction: a purge of the running server between the two
    // would have its anchor's signature overwritten by the one of the anchor listed before it.
    const read = db.$client.transaction(() => {
      const found = unsignedStored(db.$client, siteId)
      if (key && (found.erasures.length || found.anchors.length)) {
        signStored(db.$client, key, found, () =>
          audit.record({
            siteId,
            userId: null,
            action: 'consents.sign_unsigned',
            after: { erasedSeqs: found.erasures.map((r) => r.seq), anchorSeq: found.anchors[0]?.seq ?? null, keyId: key.keyId, by: 'the server operator (command line)' },
          }),
        )
      }
      return found
    })
    const unsigned = key ? read.immediate() : read.deferred()
    if (unsigned.erasures.length === 0 && unsigned.anchors.length === 0) {
      io.out(`nothing unsigned in the consent log of "${siteId}"`)
      return 0
    }
    const lines = [
      ...unsigned.erasures.map((r) => `  the tombstone at seq ${r.seq}, erased at ${r.erasedAt}`),
      ...unsigned.anchors.map((a) => `  the purge anchor at seq ${a.seq} (${a.purgedCount} purged at ${new Date(a.purgedAt).toISOString()})`),
    ]
    if (!key) {
      io.out(`unsigned in the consent log of "${siteId}":`)
      for (const l of lines) io.out(l)
      io.out('If an older MiniConsent made them (after a rollback), run this again with --confirm to sign them. Signing something written by hand would hide it from verify.')
      return 0
    }
    io.out(`signed in the consent log of "${siteId}" with key ${key.keyId}:`)
    for (const l of lines) io.out(l)
    return 0
  } catch (e) {
    io.err(writeFailed(confirm ? 'sign' : 'list what is unsigned', e))
    return 2
  } finally {
    db.$client.close()
  }
}

/**
 * `sign-unsigned` for a deleted site: the retention its audit log is kept by (`deleted_sites`),
 * when the purge refuses it (retention-signature.ts signedDeletedRetention), is nobody's to save
 * again. A previous version run after a rollback deletes a site without a signature, or retires a
 * key without signing the deleted sites' retentions again; a site deleted before an owner confirmed
 * its retention keeps the signature that did not match. The operator vouches for it: listed with
 * why it is refused (a retention edited in the database says so), then (with --confirm) signed
 * with the server's key and audited on the site's log, in one IMMEDIATE transaction with the
 * reading. 0 done or nothing to sign.
 */
function signUnsignedDeletedRetention(db: Db, siteId: string, key: StoredSigningKey | null, audit: AuditLog, io: CliIo): number {
  const read = db.$client.transaction(() => {
    const row = deletedSiteRetention(db.$client, siteId)!
    const { problem } = signedDeletedRetention(row, storedVerifyKeys(db.$client))
    if (key && problem !== undefined) {
      signDeletedSiteRetention(db.$client, row, key, Date.now())
      audit.record({
        siteId,
        userId: null,
        action: 'site.sign_unsigned',
        before: { retentionDays: row.retentionDays, problem },
        after: { retentionDays: row.retentionDays, keyId: key.keyId, by: 'the server operator (command line)' },
      })
    }
    return { days: row.retentionDays, problem }
  })
  const { days, problem } = key ? read.immediate() : read.deferred()
  const retention = `the retention of ${days} day${days === 1 ? '' : 's'} it had when it was deleted`
  if (problem === undefined) {
    io.out(`nothing unsigned for the deleted site "${siteId}": ${retention} is signed`)
    return 0
  }
  if (!key) {
    io.out(`unsigned for the deleted site "${siteId}", whose audit log is kept until it is signed:`)
    io.out(`  ${problem}`)
    io.out(
      'If it is the retention the site had (after a rollback, an older MiniConsent deleted the site or retired the key that signed it; or the site was deleted before an owner confirmed its retention), run this again with --confirm to sign it: its audit log is then purged by it. Signing a retention written by hand would have the audit log purged by it.',
    )
    return 0
  }
  io.out(`signed for the deleted site "${siteId}" with key ${key.keyId}:`)
  io.out(`  ${retention}, which the retention purge acts on from now on`)
  return 0
}

/**
 * `reset-password`: the operator gives an account a new random password, printed once, and ends
 * its sessions (Accounts.resetPassword). Beside a running server too: a write transaction of its
 * own, waiting for the server's. 0 done, 2 no such account or no database.
 */
async function resetPassword(email: string, dbArg: string | undefined, io: CliIo): Promise<number> {
  // Accounts reads this version's columns of users. A newer MiniConsent's database (a rollback's)
  // has them too: its operator may need to get back in while the older server runs on it.
  const opened = openForCommand(dbArg, io, { write: true, migrated: true })
  if (typeof opened === 'number') return opened
  const { db, file } = opened
  try {
    const password = await new Accounts(db, Date.now, new AuditLog(db, Date.now)).resetPassword(email)
    if (password === null) {
      io.err(`no account with the e-mail "${email}" in ${file}`)
      return 2
    }
    io.out(`The password of ${email.trim().toLowerCase()} is reset, and every session of it ended. New password (shown only this once; change it after signing in):`)
    io.out(`  ${password}`)
    return 0
  } catch (e) {
    io.err(writeFailed('reset the password', e))
    return 2
  } finally {
    db.$client.close()
  }
}

/**
 * `backup`: a copy of the database as it was at one moment, taken while the server runs and
 * writes. VACUUM INTO writes it from one read transaction, a snapshot: in WAL mode the server's
 * writer goes on meanwhile, and SQLite copies page by page, in little memory, whatever the size.
 * (better-sqlite3's `.backup()`, SQLite's online-backup API, starts over whenever another
 * connection writes: under constant ingestion a large file would never finish.) The database is
 * opened read-only, as verify opens it, so the backup never migrates it or changes its journal
 * mode. The copy is written under a temporary name beside --to, synced, checked, and only then
 * given its name; it never replaces a file (an older backup given by mistake is kept: the operator
 * removes it or names the new one otherwise). 0 done, 1 the copy did not check out, 2 refused or
 * not written; in neither case is anything left at --to or beside it.
 */
async function backup(to: string, dbArg: string | undefined, io: CliIo): Promise<number> {
  const opened = openForCommand(dbArg, io, { inPlace: true })
  if (typeof opened === 'number') return opened
  const { db, file } = opened
  try {
    const refused = backupTargetProblem(to, file)
    if (refused) {
      io.err(refused)
      return 2
    }
    // This version verifies a log only once its server has started on it (notStarted). A database
    // an older server still runs (a backup before an upgrade) is copied and checked by SQLite only,
    // as is one a newer MiniConsent migrated (a rollback's), whose log this version may misread.
    const ahead = migrationsAhead(db)
    const notYet = ahead ? null : notStarted(db)
    // Named with this machine and process: a copy left by one cut short (the machine or the process
    // stopped mid-way) is told from one still being written (leftoverPartials).
    const partial = `${to}.partial-${THIS_HOST}-${process.pid}-${randomBytes(4).toString('hex')}`
    return await removedAtEnd(partial, async () => {
      try {
        writeCopy(db, partial)
      } catch (e) {
        io.err(writeFailed(`write the backup ${to}`, e))
        return 2
      }
      await signalsHeard()
      const checked = await checkCopy(partial, notYet === null && ahead === 0)
      if (typeof checked === 'string') {
        io.err(`BROKEN backup of ${file}: ${checked}; nothing was written to ${to}`)
        return 1
      }
      const notPlaced = place(partial, to)
      if (notPlaced) {
        io.err(notPlaced)
        return 2
      }
      const chains = ahead
        ? `SQLite's check only: the chains were not verified, as the database ${newerMigrated(ahead)}, whose log only that version reads whole`
        : notYet === null
          ? "every site's chain verified"
          : `SQLite's check only: the chains were not verified, as the database was last started by an older MiniConsent (${notYet}), whose log this version reads only once its server has started on it`
      const [sitesCount, records] = [checked.sites, checked.records].map((n) => n.toLocaleString('en-US'))
      const newest = checked.newestAudit
      const audit = newest ? `; its newest audit entry is #${newest.id}${newest.at ? ` (${newest.at})` : ''}: after a restore, make again the erasures entered after it` : ''
      io.out(
        `OK backup of ${file} to ${to}: ${sitesCount} site${checked.sites === 1 ? '' : 's'}, ${records} consent record${checked.records === 1 ? '' : 's'}, ${sizeText(statSync(to).size)}, ${chains}${audit}`,
      )
      for (const left of leftoverPartials(dirname(to))) {
        io.err(`note: ${left.path} (${sizeText(left.size)}) is left from a backup cut short on this machine (its process ${left.pid} has ended): remove it`)
      }
      return 0
    })
  } finally {
    db.$client.close()
  }
}

/** The names SQLite gives a database's own files beside it: the file itself, its WAL, its WAL index and its rollback journal. */
const DATABASE_FILES = ['', '-wal', '-shm', '-journal']

/**
 * Why the backup cannot go to `to`, or null: not over a file (an older backup, the database or
 * one of its own files by another name), nor into a folder that is not there.
 */
function backupTargetProblem(to: string, database: string): string | null {
  const folder = dirname(to)
  const folderStats = statOrNull(folder)
  if (!folderStats) return `no folder ${folder} for the backup: create it first`
  if (!folderStats.isDirectory()) return `${folder} is not a folder`
  // Compared by their real paths: a symbolic link or a path through another folder names the same file.
  const target = join(realpathSync(folder), basename(to))
  const targetReal = statOrNull(to) ? realpathSync(to) : target
  const owns = [realpathSync(database), join(realpathSync(dirname(database)), basename(database))]
  const own = DATABASE_FILES.find((suffix) => owns.some((d) => [target, targetReal].includes(d + suffix)))
  if (own !== undefined) {
    return `${to} is ${own ? `the database's own ${own} file` : 'the database itself'} (${database}): give the backup a file of its own, best on another disk`
  }
  const nameBytes = Buffer.byteLength(basename(to))
  if (nameBytes > MAX_BACKUP_NAME_BYTES) return `the backup's file name is ${nameBytes} bytes long: give one of at most ${MAX_BACKUP_NAME_BYTES} (its temporary copy's name is longer, and must fit the file system's 255)`
  const existing = lstatSync(to, { throwIfNoEntry: false })
  if (existing?.isDirectory()) return `${to} is a folder: ${nameInFolder(to)}`
  if (existing) return `${to} exists already: a backup never replaces a file (give a new name, or remove that file first)`
  return null
}

/** What to give --to instead of a folder. */
const nameInFolder = (folder: string) => `give the backup's file name in it, as ${join(folder, 'miniconsent-backup.sqlite')}`

/** Why a --to that ends in a separator (`backups/`) cannot be the backup: it names a folder, there or not. */
function folderTargetProblem(folder: string): string {
  const stats = statOrNull(folder)
  if (!stats) return `no folder ${folder} for the backup: create it first, and ${nameInFolder(folder)}`
  return stats.isDirectory() ? `${folder} is a folder: ${nameInFolder(folder)}` : `${folder} is not a folder: give the backup a new file's name, without a / at its end`
}

/** A path's stats, or null when nothing is there (or a part of the path is no folder). */
function statOrNull(path: string): Stats | null {
  try {
    return statSync(path)
  } catch (e) {
    const code = (e as { code?: unknown }).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return null
    throw e
  }
}

/**
 * The database, as it is at one moment, into `partial`, a new file, synced. Created empty first,
 * readable by this user only: the copy holds the accounts' password hashes and sessions, and the
 * signing key when the server generated it (VACUUM INTO keeps the mode of the empty file it fills).
 */
function writeCopy(db: Db, partial: string): void {
  closeSync(openSync(partial, 'wx', 0o600))
  db.$client.prepare('VACUUM INTO ?').run(partial)
  const fd = openSync(partial, 'r+')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/**
 * The copy checked as a restore would need it: SQLite's quick_check, and (`chains`) every site's
 * consent log verified as `verify --site` does. Its counts, or what is wrong with it.
 */
async function checkCopy(partial: string, chains: boolean): Promise<{ sites: number; records: number; newestAudit: { id: number; at: string | null } | null } | string> {
  const copy = openChecked(partial, false)
  try {
    const quick = (copy.$client.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check)
    if (quick.join() !== 'ok') return `SQLite's quick_check of the copy found ${quick.length} problem(s), the first: ${quick[0]}`
    const siteIds = copy.select({ id: sites.id }).from(sites).all().map((s) => s.id)
    // Built only when the chains are verified: ConsentLog prepares its statements over this
    // version's columns, which a database an older server still runs lacks (erasure_signature
    // before 0.8.5, personal_hash before migration 0003), and the backup failed on them. Nothing
    // else here reads a column newer than the first migration's.
    const log = chains ? new ConsentLog(copy) : null
    for (const siteId of log ? siteIds : []) {
      await signalsHeard()
      const result = log!.verify(siteId)
      if (!result.ok) {
        return `the copy's consent log of "${siteId}" does not verify at seq ${result.firstBad!.seq} (${result.firstBad!.reason}); verify --site ${siteId} on the database tells whether it is broken there too`
      }
    }
    const records = copy.$client.prepare('SELECT count(*) FROM consent_records').pluck().get() as number
    // The snapshot's place in the audit log: the erasures to make again after restoring this copy are those after it.
    // By the table's AUTOINCREMENT counter: the last id given, even when retention has purged that entry since.
    const lastId = copy.$client.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").pluck().get() as number | undefined
    const newest = lastId === undefined ? undefined : (copy.$client.prepare('SELECT at FROM audit_log WHERE id = ?').pluck().get(lastId) as number | undefined)
    return { sites: siteIds.length, records, newestAudit: lastId === undefined ? null : { id: lastId, at: newest === undefined ? null : new Date(newest).toISOString() } }
  } finally {
    copy.$client.close()
  }
}

/**
 * Gives the checked copy its name, never over a file: a hard link fails if a file appeared there
 * meanwhile, where a rename would replace it. The folder is then synced, so the name outlasts a
 * power cut. A problem, or null.
 */
function place(partial: string, to: string): string | null {
  const appeared = `${to} appeared while the backup was written: a backup never replaces a file; nothing was written to it`
  try {
    linkSync(partial, to)
    rmSync(partial)
  } catch (e) {
    if ((e as { code?: unknown }).code === 'EEXIST') return appeared
    // A file system without hard links (some network and FUSE mounts): renamed, once nothing is there.
    if (lstatSync(to, { throwIfNoEntry: false })) return appeared
    renameSync(partial, to)
  }
  const fd = openSync(dirname(to), 'r')
  try {
    fsyncSync(fd)
  } catch {
    // Some file systems cannot sync a folder; the file itself is synced.
  } finally {
    closeSync(fd)
  }
  return null
}

/**
 * Runs `work`, then removes `partial` (and the journal VACUUM INTO writes beside it), whatever
 * happened. Interrupted (Ctrl-C, SIGTERM), the process ends with it removed: at its `exit`, which
 * also follows the handler of the copy a read-only folder makes (openMiniConsent) when that one
 * runs first. SQLite's work runs on this thread, so a signal is heard once the step under way
 * ends (signalsHeard): the copy itself, a site's chain.
 */
async function removedAtEnd(partial: string, work: () => Promise<number>): Promise<number> {
  const remove = () => {
    for (const suffix of DATABASE_FILES) {
      try {
        rmSync(partial + suffix, { force: true })
      } catch {
        // One that cannot be removed (a name too long for the file system) cannot have been written.
      }
    }
  }
  const interrupted = (signal: NodeJS.Signals) => process.exit(signal === 'SIGINT' ? 130 : 143)
  process.on('exit', remove)
  process.on('SIGINT', interrupted)
  process.on('SIGTERM', interrupted)
  try {
    return await work()
  } finally {
    remove()
    process.off('exit', remove)
    process.off('SIGINT', interrupted)
    process.off('SIGTERM', interrupted)
  }
}

/**
 * This machine in a backup's temporary name: 8 hex digits of its host name's SHA-256 (a host name
 * may be 64 bytes long, and the name must leave room in 255 for SQLite's `-journal` beside it).
 */
const THIS_HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 8)

/** A backup's temporary copy, `<to>.partial-<host>-<pid>-<8 hex>`, or a file SQLite writes beside it. */
const PARTIAL_NAME = /^.+\.partial-([0-9a-f]{8})-(\d{1,10})-[0-9a-f]{8}(-journal|-wal|-shm)?$/

/** The longest file name a backup takes (bytes): its temporary copy's name and SQLite's `-journal` beside it must fit in 255. */
export const MAX_BACKUP_NAME_BYTES = 200

/**
 * The files in `folder` that backups cut short left behind (a crash, a power cut, `kill -9`
 * between writing and naming a copy): named by a backup on this machine (another container's or
 * machine's processes cannot be asked) whose process no longer runs; a copy empty, all zeros where
 * SQLite writes its header last, or an SQLite file, or the journal SQLite wrote beside it.
 */
function leftoverPartials(folder: string): { path: string; size: number; pid: number }[] {
  const left: { path: string; size: number; pid: number }[] = []
  let names: string[]
  try {
    names = readdirSync(folder)
  } catch {
    // A folder this user may write but not list: nothing to tell.
    return []
  }
  for (const name of names) {
    const [, madeOn, pidText, sqliteFile] = PARTIAL_NAME.exec(name) ?? []
    const pid = Number(pidText)
    if (madeOn !== THIS_HOST || !(pid > 1) || running(pid)) continue
    const path = join(folder, name)
    const stats = lstatSync(path, { throwIfNoEntry: false })
    if (stats?.isFile() && (sqliteFile !== undefined || stats.size === 0 || copyHeader(path))) left.push({ path, size: stats.size, pid })
  }
  return left
}

/** Whether a process with this id may run on this machine: only "no such process" says it does not. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as { code?: unknown }).code !== 'ESRCH'
  }
}

/**
 * Whether a file begins as a backup's copy does: SQLite's header ("SQLite format 3" and a NUL), or
 * zeros where VACUUM INTO, cut short, had not yet written it (it writes the first page last).
 */
function copyHeader(path: string): boolean {
  const header = Buffer.alloc(16)
  let fd: number | undefined
  try {
    fd = openSync(path, 'r')
    if (readSync(fd, header, 0, 16, 0) !== 16) return false
    return header.toString('latin1') === 'SQLite format 3\0' || header.every((b) => b === 0)
  } catch {
    return false
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** A turn of the event loop, in which a signal received during the step before is handled. */
const signalsHeard = () => new Promise((resolve) => setImmediate(resolve))

/** A file's size as an operator reads it (decimal units, as `ls -h --si` and disk makers count). */
function sizeText(bytes: number): string {
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`
  return `${(bytes / 1e9).toFixed(2)} GB`
}

/** SQLITE_BUSY: another process held the database's lock past busy_timeout (5 s). */
const BUSY = 'the database is busy (another process has been writing to it for more than 5 s); try again'

/** Why a command that writes did not: the lock held by another process (BUSY), or the error's first line. */
const writeFailed = (what: string, e: unknown) => (isDatabaseBusy(e) ? `cannot ${what}: ${BUSY}` : `cannot ${what}: ${errorText(e)}`)

/** The erasures `verify --site` lists, the newest: a site with thousands of data-subject requests gets a count of the rest. */
const ERASURES_LISTED = 50

/** Why a database could not be opened: busy (a locked database is no less a MiniConsent one), not to be read or written by this user, or not one. */
const notMiniConsent = (file: string, e: unknown) =>
  isDatabaseBusy(e)
    ? `cannot read ${file}: ${BUSY}`
    : isDirectory(file)
      ? `cannot read ${file}: it is a directory, not a database file`
      : e instanceof NotOpenableInPlace
        ? `cannot read ${file}: ${e.message}`
        : e instanceof NotWritable
          ? `cannot write ${file}: ${e.message}`
        : `cannot read ${file} as a MiniConsent database: ${e instanceof Error ? e.message : String(e)}`

const isDirectory = (path: string) => {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** A saved manifest `verify --site` also checks the chain against, and how to check its signature. */
interface SavedManifestArg {
  manifestPath: string
  publicKey: string | undefined
  dbArg: string | undefined
  allowUnsigned: boolean
}

/** A manifest file read and parsed, or the exit code (2) after saying why it cannot be. */
function readManifest(path: string, io: CliIo): { raw: Record<string, unknown>; manifest: ExportManifest } | number {
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
    // As the API refuses such a body: nested too deep (the signature's canonical JSON would overflow the stack), or a lone surrogate.
    const illFormed = bodyFlawAt(raw, false)
    if (illFormed) throw new Error(`${illFormed.at}: a string that is not well-formed Unicode`)
    return { raw, manifest: exportManifest.parse(raw) }
  } catch (e) {
    // JSON.parse's message quotes the text, which may hold line breaks or anything else: not shown.
    const why = e instanceof ZodError ? `not an export manifest: ${zodIssues(e)}` : e instanceof SyntaxError ? 'it is not JSON' : errorText(e)
    io.err(`cannot read the manifest ${path}: ${why}`)
    return 2
  }
}

/** The signature check as an exit code: 1 broken, 2 unusable (said why), or the check. */
function signatureOrExit(raw: Record<string, unknown>, manifest: ExportManifest, o: SavedManifestArg, io: CliIo): SignatureCheck | number {
  try {
    return checkSignature(raw, manifest, o, io)
  } catch (e) {
    if (e instanceof Broken) {
      io.err(`BROKEN ${o.manifestPath}: ${e.message}`)
      return 1
    }
    if (e instanceof Unusable) {
      io.err(e.message)
      return 2
    }
    throw e
  }
}

/**
 * Walks the site's chain; with a saved manifest, also against its chain head: the database's own
 * manifests show a cut tail only while their rows are there, an auditor's saved copy always.
 */
function verifySite(siteId: string, dbArg: string | undefined, io: CliIo, savedArg?: SavedManifestArg): number {
  let saved: { head: SavedManifestHead; signed: SignatureCheck } | undefined
  if (savedArg) {
    const read = readManifest(savedArg.manifestPath, io)
    if (typeof read === 'number') return read
    const { raw, manifest } = read
    if (manifest.siteId !== siteId) {
      io.err(`the manifest ${savedArg.manifestPath} is of site "${manifest.siteId}", not "${siteId}"`)
      return 2
    }
    const signed = signatureOrExit(raw, manifest, savedArg, io)
    if (typeof signed === 'number') return signed
    saved = { head: savedManifestHead(manifest), signed }
  }
  const opened = openForCommand(dbArg, io, { siteId })
  if (typeof opened === 'number') return opened
  const { db, file } = opened
  try {
    const result = new ConsentLog(db).verify(siteId, saved?.head)
    const notes = [
      result.erased ? `${result.erased} erased` : '',
      // The retention the last purge acted on, as the server signed it with the anchor (none before it signed retention).
      result.anchor
        ? `starting after seq ${result.anchor.seq} (${result.anchor.purgedCount} purged by retention${result.anchor.retentionDays === undefined ? '' : `, the last purge under a retention of ${result.anchor.retentionDays} day${result.anchor.retentionDays === 1 ? '' : 's'}`})`
        : '',
    ].filter(Boolean)
    if (result.ok) {
      io.out(`OK ${siteId}: ${result.count} record${result.count === 1 ? '' : 's'}, head ${result.head}${notes.length ? `; ${notes.join(', ')}` : ''}`)
      // What was erased and when, one line per erasure (data-subject request), the newest last.
      const erasures = result.erasures ?? []
      const shown = erasures.slice(-ERASURES_LISTED)
      if (erasures.length > shown.length) io.out(`  … ${erasures.length - shown.length} earlier erasure(s)`)
      for (const e of shown) io.out(`  erased at ${e.erasedAt}: seq ${e.seqs.join(', ')}`)
      if (saved) {
        const { head } = saved
        const which = `  the saved manifest of export ${head.exportId} (${head.createdAt})`
        const saw = `${which} saw the log reach seq ${head.seq}`
        io.out(
          // A manifest of an empty log vouches for no record, whatever retention purged since.
          head.seq === 0
            ? `${which} saw an empty log: it vouches for no record`
            : !result.savedManifest?.checked
              ? `${saw}, which retention has purged since: not checked against it, only the records after seq ${result.anchor?.seq} were checked`
              : result.anchor?.seq === head.seq
                ? // Purged before the export (a log retention emptied) or after it: the anchor holds the head's hash either way.
                  `${saw}, which retention purged: the purge anchor, where the chain now starts, holds the hash the manifest recorded`
                : `${saw}: it still holds that record, with the hash the manifest recorded`,
        )
        io.out(`  ${signatureNote(saved.signed)}`)
      }
      return 0
    }
    io.err(`BROKEN ${siteId} at seq ${result.firstBad!.seq}: ${result.firstBad!.reason}`)
    // count includes the bad record, but is 0 when the chain fails at its purge anchor (unsigned,
    // forged, or not the head a manifest saw), which is no record: none before it, not -1.
    io.err(`${Math.max(result.count - 1, 0)} record(s) before it verified; last good hash ${result.head}`)
    return 1
  } catch (e) {
    io.err(`cannot read the consent log of "${siteId}" in ${file}: ${isDatabaseBusy(e) ? BUSY : e instanceof Error ? e.message : String(e)}`)
    return 2
  } finally {
    db.$client.close()
  }
}

const NULLABLE = new Set(['textsHash', 'region', 'ip', 'userAgent', 'erasedAt', 'personalHash'])

/** The CSV header of files exported before 0.6: every column but the last, personalHash. */
const HEADER_BEFORE_0_6 = EXPORT_COLUMNS.slice(0, -1).join(',')

/**
 * The cells an export escapes against formulas: a visitor's (export-pages.ts VISITOR_CELLS). The
 * first releases escaped every cell, but no other value the server writes starts with what the
 * escape marks; read through the unescape, another cell would lose a `'` an edit put there, and
 * `'accept-all` in method, say, would verify as accept-all.
 */
const ESCAPED_CELLS = new Set<number>(VISITOR_CELLS)

/** A CSV record (cells in EXPORT_COLUMNS order) back to the stored row it was written from. */
function csvToRow(cells: string[], siteId: string, unescape: (cell: string) => string = unescapeExportCell): StoredRow {
  const v: Record<string, unknown> = { siteId }
  EXPORT_COLUMNS.forEach((name, i) => {
    const cell = cells[i] ?? ''
    v[name] = cell === '' && NULLABLE.has(name) ? null : ESCAPED_CELLS.has(i) ? unescape(cell) : cell
  })
  const choices = { categories: csvChoices(v.categories as string), services: csvChoices(v.services as string) }
  return { ...v, ...choices, seq: Number(v.seq), revision: Number(v.revision), gpc: csvGpc(v.gpc as string) } as unknown as StoredRow
}

/** A BLOB as a CSV cell writes it: its SQL literal (quote()). */
const SQL_BLOB = /^X'((?:[0-9A-F]{2})*)'$/

/**
 * Categories or services as a CSV cell writes them (export-sql.ts storedJsonCsv): the stored text
 * when it starts with `{`, else (an edited record) the stored value's SQL literal, read back as
 * the text or as the bytes `verify --site` reads (a Buffer), so that contentProblem says of it
 * what it says there. A cell that is neither (a file of an earlier release) is the text itself.
 */
function csvChoices(cell: string): string {
  return fromSqlLiteral(cell) ?? cell
}

/**
 * A BLOB held where StoredRow says text (categories, services): better-sqlite3 reads one as a
 * Buffer for `verify --site` all the same, and contentProblem reports it.
 */
const storedBlob = (bytes: Buffer) => bytes as unknown as string

/** gpc as a CSV cell writes it: `true` or `false`, or an edited record's stored value as its SQL literal, kept as that text (contentProblem reports it). */
const csvGpc = (cell: string): boolean | string => (cell === 'true' ? true : cell === 'false' ? false : cell)

/**
 * A CSV row as the export wrote it. Before 0.8.5 no `'` went after a semicolon or a tab, and
 * before 0.9.12 none after a line break: a value that held such a split and a `'` after it was
 * written as it was, and reading it the current way drops that `'`. Such a row is read the way of
 * its release when only that reading matches its hash (each comes from the same bytes, which the
 * manifest's SHA-256 covers).
 */
function csvRow(cells: string[], siteId: string): StoredRow {
  const row = csvToRow(cells, siteId)
  if (!cells.some(holdsSplitEscape) || !contentProblem(row, null)) return row
  for (const unescape of [unescapeExportCellBefore0912, unescapeCell]) {
    const older = csvToRow(cells, siteId, unescape)
    if (!contentProblem(older, null)) return older
  }
  return row
}

/**
 * A BLOB as an NDJSON line writes one (export-sql.ts blobJson), read back as the bytes `verify
 * --site` reads (a Buffer), so that the row's checks say of it what they say there.
 */
const ndjsonBlob = z.strictObject({ blob: z.string().regex(/^(?:[0-9A-F]{2})*$/) }).transform((b) => Buffer.from(b.blob, 'hex'))

/** A field of an NDJSON row: as exportRow has it, or a BLOB an edited record holds instead. */
const orBlob = <T extends z.ZodType>(field: T) => z.union([field, ndjsonBlob])

/**
 * An NDJSON row as the file holds it: categories and services as any value, read from the line's
 * text (ndjsonToRow), not from the object JSON.parse makes of them; gpc as any JSON value but an
 * array or object, or a BLOB, an edited record's stored value (contentProblem reports one but true
 * or false); revision as any number or text; any other field as exportRow has it or as a BLOB.
 */
const ndjsonRow = z.object({
  ...Object.fromEntries(Object.entries(exportRow.shape).map(([name, field]) => [name, orBlob(field)])),
  personalHash: orBlob(z.string().nullable()).optional(),
  categories: z.unknown(),
  services: z.unknown(),
  gpc: orBlob(z.union([z.boolean(), z.number(), z.string(), z.null()])),
  // An INTEGER column SQLite stores text or a fraction in as given: an edited record's, which the
  // hash then reports, as `verify --site` does (it said "not an export row").
  revision: orBlob(z.union([z.number(), z.string()])),
})

/**
 * An NDJSON line back to the stored row it was written from. Categories and services are the
 * text the database held, as `verify --site` reads it: the export writes that text itself as
 * the object, or as a string when json() would have rewritten it (export-sql.ts). Not the object
 * JSON.parse makes, written canonically again: it keeps the last of a repeated key, where SQLite's
 * JSON functions read the first, and the edit verified, as the hash reads it; so did keys put out
 * of order.
 */
function ndjsonToRow(line: string, siteId: string): StoredRow {
  // The fields' types are exportRow's, or a BLOB: StoredRow's, as `verify --site` reads an edited record.
  const r = ndjsonRow.parse(JSON.parse(line)) as unknown as Omit<StoredRow, 'siteId' | 'categories' | 'services'> & { categories: unknown; services: unknown }
  const texts = topLevelTexts(line, CHOICE_KEYS)
  return { ...r, siteId, categories: storedChoices(r.categories, texts.get(CHOICE_KEYS[0])), services: storedChoices(r.services, texts.get(CHOICE_KEYS[1])) }
}

/** The keys of categories and services in an NDJSON line, as its text writes them. */
const CHOICE_KEYS = ['"categories"', '"services"'] as const

/**
 * The stored text of categories or services: `value` as JSON.parse read it from the line, `text`
 * as the line writes it. A string is the stored value's SQL literal (export-sql.ts storedJson):
 * `X'…'` a BLOB, `'…'` text that is not a strict JSON object as json() writes it. In a file of an
 * earlier release, a string was the text itself, or a BLOB's bytes (jsonObjectText). An
 * object's text is the stored text, but in a file of a release before the export's lines were
 * SQLite's own (json_object(), November 2026): JavaScript wrote them then, putting keys that are
 * whole numbers first. Such a text is read as the canonical JSON it was written from.
 */
function storedChoices(value: unknown, text: string | undefined): string {
  if (text === undefined) throw new Error('no such field')
  if (typeof value === 'string') return fromSqlLiteral(value) ?? (jsonObjectText(value) ? storedBlob(Buffer.from(value, 'utf8')) : value)
  const canonical = canonicalJson(value)
  if (text === canonical) return text
  return JSON.stringify(JSON.parse(canonical)) === text ? canonical : text
}

/** Text as its SQL literal, as an export writes it (export-sql.ts sqlLiteral): in quotes, its own quotes doubled. */
const SQL_TEXT = /^'((?:[^']|'')*)'$/s

/**
 * The value an SQL literal an export wrote stands for (export-sql.ts sqlLiteral): a BLOB (read as
 * `verify --site` reads one, a Buffer) or text; null for a string that is neither.
 */
function fromSqlLiteral(literal: string): string | null {
  const blob = SQL_BLOB.exec(literal)
  if (blob) return storedBlob(Buffer.from(blob[1]!, 'hex'))
  const text = SQL_TEXT.exec(literal)
  return text ? text[1]!.replaceAll("''", "'") : null
}

/**
 * Whether a string an earlier release sent for categories or services (no SQL literal) is a JSON
 * object's text: stored as text, the export would have sent the object, so it was stored as a BLOB of that
 * text, and is read as the BLOB (`verify --site` reads it as a Buffer).
 */
function jsonObjectText(value: string): boolean {
  if (!value.startsWith('{')) return false
  try {
    JSON.parse(value)
    return true
  } catch {
    return false
  }
}

const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * The text of the values of a JSON object's `keys` (as written, quotes included) at its top level,
 * by key: `line` is JSON already parsed. Strings are skipped whole (a quote after an odd number of
 * backslashes is inside one), so a key or a brace inside a value is never taken for one; the scan
 * stops once every key is found.
 */
function topLevelTexts(line: string, keys: readonly string[]): Map<string, string> {
  const texts = new Map<string, string>()
  let depth = 0
  let key = ''
  let valueStart = -1
  for (let i = 0; i < line.length && texts.size < keys.length; i++) {
    const c = line.charCodeAt(i)
    if (c === QUOTE) {
      let end = line.indexOf('"', i + 1)
      while (backslashesBefore(line, end) % 2 === 1) end = line.indexOf('"', end + 1)
      if (depth === 1 && valueStart === -1) key = line.slice(i, end + 1)
      i = end
    } else if (c === 0x7b || c === 0x5b) depth++
    else if (c === 0x7d || c === 0x5d) {
      if (depth === 1 && valueStart !== -1) valueEnds(i)
      depth--
    } else if (depth === 1 && c === 0x3a) valueStart = i + 1
    else if (depth === 1 && c === 0x2c) valueEnds(i)
  }
  return texts

  function valueEnds(at: number) {
    if (keys.includes(key)) texts.set(key, line.slice(valueStart, at).trim())
    valueStart = -1
  }
}

function backslashesBefore(text: string, at: number): number {
  let n = 0
  while (text.charCodeAt(at - 1 - n) === BACKSLASH) n++
  return n
}

class Broken extends Error {}

/** An error's message as one line (a file system or JSON error is one already). */
const errorText = (e: unknown) => (e instanceof Error ? e.message.split('\n')[0]! : String(e))

/** How many issues the line names; a manifest of another kind would otherwise list every field. */
const ISSUES_SHOWN = 5

/**
 * A schema's refusal as one line: each bad field's path and what is wrong with it. (A ZodError's
 * message is the issues' JSON, whose first line is `[`.)
 */
function zodIssues(e: ZodError): string {
  const named = e.issues.slice(0, ISSUES_SHOWN).map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
  const more = e.issues.length - named.length
  return named.join('; ') + (more > 0 ? ` (and ${more} more)` : '')
}

/** Usage or read errors: exit 2. */
class Unusable extends Error {}

/** Public keys by key id, and where they came from (for the report). */
interface KeySource {
  keys: Map<string, KnownKey>
  from: string
  /** The database holds a signature for the manifest's export (only when read from the database). */
  signedInDb?: boolean
}

const isoTime = (ms: number) => new Date(ms).toISOString()

/**
 * `--public-key`: a file or the text itself, holding a key (base64 or PEM), one entry of
 * `GET /api/v1/manifest-keys` or its whole answer. Each key's id is computed from the key, not
 * taken from the listing: a listing cannot claim a key under another key's id.
 */
function keysFromArgument(arg: string): KeySource {
  let text = arg
  let from = 'the public key given'
  if (existsSync(arg)) {
    try {
      text = readFileSync(arg, 'utf8')
    } catch (e) {
      throw new Unusable(`cannot read the public key ${arg}: ${e instanceof Error ? e.message : String(e)}`)
    }
    from = arg
  }
  const keys = new Map<string, KnownKey>()
  try {
    // A listed key comes with the times it signed from and until; a bare key with none.
    const encoded: { publicKey: string; createdAt?: string; retiredAt?: string | null }[] = []
    if (text.trim().startsWith('{')) {
      const json: unknown = JSON.parse(text)
      const list = manifestKeyList.safeParse(json)
      const one = manifestKey.safeParse(json)
      if (list.success) encoded.push(...list.data.keys)
      else if (one.success) encoded.push(one.data)
      else throw new Error('JSON, but neither a key nor the list of GET /api/v1/manifest-keys')
    } else {
      encoded.push({ publicKey: text })
    }
    for (const k of encoded) {
      const key = publicKeyFrom(k.publicKey)
      keys.set(keyIdOf(key), { key, createdAt: k.createdAt ? Date.parse(k.createdAt) : null, retiredAt: k.retiredAt ? Date.parse(k.retiredAt) : null })
    }
  } catch (e) {
    const what = from === arg ? arg : 'the --public-key value'
    const hint = from === arg ? '' : ' (no file by that name either)'
    throw new Unusable(`cannot read ${what} as a public key${hint}: ${errorText(e)}`)
  }
  return { keys, from }
}

/** The manifest keys of the database beside the server; null when there is none to read. */
function keysFromDatabase(dbArg: string | undefined, io: CliIo, exportId: string): KeySource | null {
  const file = databaseFile(dbArg, io)
  if (file === null) {
    if (dbArg !== undefined) throw new Unusable(`not a database path: ${shownDatabase(dbArg)}`)
    return null
  }
  if (!existsSync(file)) {
    if (dbArg !== undefined) throw new Unusable(`no database at ${file}`)
    return null
  }
  let db: Db | null = null
  try {
    db = openMiniConsent(file, { note: io.err })
    const tooOld = notMigratedOn(db, file, ['export_manifests'])
    if (tooOld) throw new Unusable(tooOld)
    return { keys: storedPublicKeys(db), from: `the database ${file}`, signedInDb: storedManifestSigned(db, exportId) }
  } catch (e) {
    throw e instanceof Unusable ? e : new Unusable(notMiniConsent(file, e))
  } finally {
    db?.$client.close()
  }
}

type SignatureCheck = { status: 'valid'; keyId: string; from: string } | { status: 'unsigned' }

/**
 * Whether the manifest is the one the server signed. Throws Broken for a forged or altered
 * manifest (a removed signature included, wherever the keys or the database can tell), Unusable
 * when the signature cannot be checked for want of a key.
 */
function checkSignature(
  raw: Record<string, unknown>,
  manifest: ExportManifest,
  o: { publicKey: string | undefined; dbArg: string | undefined; allowUnsigned: boolean },
  io: CliIo,
): SignatureCheck {
  // A key given on the command line is read even for an unsigned manifest: a bad one is a usage error either way.
  const source = o.publicKey === undefined ? keysFromDatabase(o.dbArg, io, manifest.exportId) : keysFromArgument(o.publicKey)
  const { keyId, signature } = manifest
  const made = Date.parse(manifest.createdAt)
  if (keyId === undefined && signature === undefined) {
    if (source?.signedInDb) throw new Broken(`the manifest is unsigned, but ${source.from} holds a signature for export ${manifest.exportId}: its signature was removed`)
    const since = Math.min(...[...(source?.keys.values() ?? [])].map((k) => k.createdAt ?? Infinity))
    if (made >= since) {
      throw new Broken(`the manifest is unsigned, but dated ${manifest.createdAt}, after this server began signing its manifests (${isoTime(since)}): its signature was removed`)
    }
    if (!o.allowUnsigned) throw new Broken('the manifest is unsigned, so nothing proves it came from the server unaltered; one made before MiniConsent signed its manifests (0.8) verifies with --allow-unsigned')
    return { status: 'unsigned' }
  }
  if (keyId !== undefined && signature !== undefined && !source) {
    throw new Unusable(`no public key to check the signature of key ${keyId} with: pass --public-key <file or base64> (from GET /api/v1/manifest-keys) or --db`)
  }
  const problem = signedManifestProblem(raw, manifest, source?.keys ?? new Map(), source?.from ?? '')
  if (problem) throw new Broken(problem)
  return { status: 'valid', keyId: keyId!, from: source!.from }
}

function signatureNote(check: SignatureCheck): string {
  return check.status === 'valid'
    ? `signature valid: key ${check.keyId} signed this manifest (public key from ${check.from})`
    : 'unsigned manifest, accepted with --allow-unsigned: nothing proves it came from the server unaltered'
}

async function verifyExportFile(
  o: { manifestPath: string; filePath: string; publicKey: string | undefined; dbArg: string | undefined; allowUnsigned: boolean },
  io: CliIo,
): Promise<number> {
  const { manifestPath, filePath } = o
  const read = readManifest(manifestPath, io)
  if (typeof read === 'number') return read
  const { raw, manifest } = read
  // First the manifest, then the file: checking a file against a forged manifest proves nothing.
  const signed = signatureOrExit(raw, manifest, o, io)
  if (typeof signed === 'number') return signed
  if (!existsSync(filePath)) {
    io.err(`no file at ${filePath}`)
    return 2
  }
  if (!statSync(filePath).isFile()) {
    io.err(`${filePath} is not a file`)
    return 2
  }
  const unfiltered = Object.keys(manifest.filters).length === 0
  const sha = createHash('sha256')
  // Hash the bytes exactly as read, before any decoding.
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      sha.update(chunk)
      done(null, chunk)
    },
  })
  // pipeline(), not pipe(): a read error is handed on to each stream after it, so the stream the
  // loop below reads (readline's input, the CSV parser) ends the loop with it. pipe() passes none:
  // the error was thrown out of the CSV parser's input unhandled, and the loop never ended.
  let unreadable: Error | null = null
  const reading = createReadStream(filePath).on('error', (e) => (unreadable = e))
  /** pipeline()'s callback: its error is the loop's below to report. */
  const ignore = () => {}
  const source = pipeline(reading, hashing, ignore)

  let count = 0
  let erased = 0
  let prev: StoredRow | null = null
  let format2 = false
  /**
   * The first row that does not verify. The rows after it are counted, not checked, and the whole
   * file is hashed: whether it is the manifest's file at all decides what that row means (below).
   */
  let badRow: string | null = null
  /** What stopped the reading before the file's end, if anything: counts are then unknown. */
  let stopped: string | null = null
  const check = (row: StoredRow) => {
    count += 1
    if (badRow !== null) return
    // Each row's hash covers its own content and its prevHash; an unfiltered export is also one
    // contiguous stretch of the chain, so every row must link to the one before. Rows are in seq
    // order either way, so none written before format 2 may follow one written in it.
    // The format of the record before is known only when it is the row before (unfiltered).
    const prevFormat = unfiltered && prev ? formatOf(prev) : null
    const problem = (unfiltered && prev ? linkProblem(row, prev.seq + 1, prev.hash) : null) ?? formatProblem(row, format2) ?? contentProblem(row, prevFormat)
    if (problem) {
      badRow = `row ${count} (seq ${row.seq}): ${problem}`
      return
    }
    format2 ||= formatOf(row) === 2
    if (row.erasedAt) erased += 1
    prev = row
  }
  try {
    if (manifest.format === 'csv') {
      let header = true
      for await (const cells of pipeline(source, parseCsv({ relax_column_count: false }), ignore) as AsyncIterable<string[]>) {
        if (header) {
          const names = cells.join(',')
          if (names !== EXPORT_COLUMNS.join(',') && names !== HEADER_BEFORE_0_6) {
            throw new Broken('the header is not the export header: not an export file, or edited')
          }
          header = false
          continue
        }
        check(csvRow(cells, manifest.siteId))
      }
    } else {
      for await (const line of createInterface({ input: source, crlfDelay: Infinity })) {
        if (line === '') continue
        let row: StoredRow
        try {
          row = ndjsonToRow(line, manifest.siteId)
        } catch {
          // A line that is no row is the file's first bad row: counted, and the file read on.
          count += 1
          badRow ??= `line ${count} is not an export row`
          continue
        }
        check(row)
      }
    }
  } catch (e) {
    if (unreadable) {
      io.err(`cannot read ${filePath}: ${(unreadable as Error).message}`)
      return 2
    }
    // The reading stopped (a header that is not the export's, a CSV row the parser refuses): what
    // stopped it is the file's first bad row, and the file is hashed whole below, apart.
    stopped = e instanceof Broken ? e.message : `cannot be read as ${manifest.format.toUpperCase()}: ${printable(e instanceof Error ? e.message : String(e))}`
  }
  let digest: string
  try {
    digest = stopped === null ? sha.digest('hex') : await fileSha256(filePath)
  } catch (e) {
    io.err(`cannot read ${filePath}: ${e instanceof Error ? e.message : String(e)}`)
    return 2
  }
  const last = prev as StoredRow | null
  const sameBytes = digest === manifest.sha256
  const sameCount = count === manifest.rowCount
  // A file of other bytes is the manifest's file changed, or another export's file (another filter,
  // site, day or server): its rows were read against this manifest's site and filters, so its first
  // row that does not verify is where it departs from them, not necessarily a change to the log
  // ("record 3 was deleted" of an intact export of another filter, review). Said first, with what
  // the manifest is of. With the manifest's bytes, a bad row was in the log when the server exported it.
  const bad = stopped ?? badRow
  const problems = [
    sameBytes
      ? ''
      : `its SHA-256 ${digest} is not the manifest's ${manifest.sha256}: the file was changed, or it is another export's file (this manifest is of export ${manifest.exportId} of site "${manifest.siteId}", ${unfiltered ? 'every record' : `filters ${JSON.stringify(manifest.filters)}`}, made ${manifest.createdAt})`,
    sameCount || stopped !== null ? '' : `it has ${count} rows, the manifest says ${manifest.rowCount}`,
    bad === null ? '' : sameBytes ? bad : `the first row that differs: ${bad}`,
    bad === null && unfiltered && count > 0 && (last!.seq !== manifest.chainHead.seq || last!.hash !== manifest.chainHead.hash)
      ? `its last row is seq ${last!.seq}, the chain head at export time was seq ${manifest.chainHead.seq}: ${tailChange(last!.seq, manifest.chainHead.seq)}`
      : '',
  ].filter(Boolean)
  if (problems.length) {
    for (const p of problems) io.err(`BROKEN ${filePath}: ${p}`)
    return 1
  }
  io.out(
    `OK export ${manifest.exportId} of ${manifest.siteId}: ${count} row${count === 1 ? '' : 's'}, SHA-256 matches the manifest, ` +
      (unfiltered ? 'chain links verified' : 'each row’s hash verified (filtered export: links not checked)') +
      (erased ? `; ${erased} erased` : ''),
  )
  io.out(signatureNote(signed))
  return 0
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void runCli(process.argv.slice(2), {
    out: (l) => process.stdout.write(l + '\n'),
    err: (l) => process.stderr.write(l + '\n'),
    env: process.env,
    // npm and pnpm name the directory a script was typed in INIT_CWD, and every process under any
    // script inherits it: taken only when this process is the script of its command
    // (`npm run verify` runs `verify`), not when another script runs this file elsewhere. The
    // root's scripts pass it on as MINICONSENT_CWD: the pnpm they run sets INIT_CWD to its own
    // directory (`npm --prefix <repo> run verify` typed elsewhere read paths from the repository).
    cwd: (process.env.npm_lifecycle_event === process.argv[2] && (process.env.MINICONSENT_CWD || process.env.INIT_CWD)) || process.cwd(),
  }).then(
    (code) => {
      process.exitCode = code
    },
    // Whatever a command did not foresee: one line and 2, never a stack trace.
    (e: unknown) => {
      process.stderr.write(`miniconsent: ${errorText(e)}\n`)
      process.exitCode = 2
    },
  )
}

/** The SHA-256 of a whole file, read apart (when the row-by-row reading stopped before its end). */
async function fileSha256(path: string): Promise<string> {
  const sha = createHash('sha256')
  for await (const chunk of createReadStream(path)) sha.update(chunk as Buffer)
  return sha.digest('hex')
}

/** What a file whose last row is not the export's chain head had done to its end. */
function tailChange(lastSeq: number, headSeq: number): string {
  if (lastSeq < headSeq) return 'rows were cut'
  if (lastSeq > headSeq) return 'rows were added after the export'
  return 'its last row was changed'
}

/**
 * A parser's message about a file as one line a terminal shows as it is: the file's bytes it quotes
 * may be binary (control characters, undecodable bytes), and are shown as `.`; cut at 300 characters.
 */
function printable(message: string): string {
  const line = message.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, '.')
  return line.length > 300 ? `${line.slice(0, 300)}…` : line
}
