// Command line:
//   verify --site <id> [--db <path>]            walks a site's consent-log hash chain in the database;
//   verify --manifest <m.json> --file <export>  checks an exported file against its manifest.
// Exit codes: 0 intact, 1 broken (or the file does not match its manifest), 2 usage error,
// unknown site, unreadable file. (`pnpm run` reports any failure as 1.)
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { Transform } from 'node:stream'
import { createInterface } from 'node:readline'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { EXPORT_COLUMNS, exportManifest, exportRow, type ExportManifest } from '@miniconsent/shared'
import { parse as parseCsv } from 'csv-parse'
import { eq } from 'drizzle-orm'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import type { Db } from './db/client'
import * as schema from './db/schema'
import { sites } from './db/schema'
import { parseEnv } from './env'
import { canonicalJson } from './lib/canonical-json'
import { contentProblem, formatOf, formatProblem, linkProblem, type StoredRow } from './services/consent-chain'
import { ConsentLog } from './services/consent-log'
import { unescapeCell } from './services/export'

const USAGE = [
  'usage: miniconsent verify --site <siteId> [--db <path to the SQLite file>]',
  '       miniconsent verify --manifest <manifest.json> --file <export.csv|export.ndjson>',
].join('\n')

export interface CliIo {
  out: (line: string) => void
  err: (line: string) => void
  env: Record<string, string | undefined>
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { site: { type: 'string' }, db: { type: 'string' }, manifest: { type: 'string' }, file: { type: 'string' } },
    })
  } catch (e) {
    io.err(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`)
    return 2
  }
  const [command] = parsed.positionals
  const { site, manifest, file } = parsed.values
  if (command !== 'verify' || parsed.positionals.length > 1) {
    io.err(USAGE)
    return 2
  }
  if (manifest !== undefined || file !== undefined) {
    if (!manifest || !file || site !== undefined) {
      io.err(USAGE)
      return 2
    }
    return verifyExportFile(manifest, file, io)
  }
  if (!site) {
    io.err(USAGE)
    return 2
  }
  return verifySite(site, parsed.values.db, io)
}

function verifySite(siteId: string, dbArg: string | undefined, io: CliIo): number {
  let file: string
  try {
    file = parseEnv({ DATABASE_URL: dbArg ?? io.env.DATABASE_URL }).DATABASE_URL
  } catch {
    io.err(`not a database path: ${dbArg ?? io.env.DATABASE_URL}`)
    return 2
  }
  if (!existsSync(file)) {
    io.err(`no database at ${file} (start the server once, or pass --db)`)
    return 2
  }
  // Read-only: no migration, no journal-mode switch, so verifying never changes the file it checks.
  let db: Db
  try {
    db = drizzle({ client: new Database(file, { readonly: true, fileMustExist: true }), schema })
    db.$client.pragma('busy_timeout = 5000')
    if (!db.select({ id: sites.id }).from(sites).where(eq(sites.id, siteId)).get()) {
      db.$client.close()
      io.err(`unknown site "${siteId}"`)
      return 2
    }
  } catch (e) {
    io.err(`cannot read ${file} as a MiniConsent database: ${e instanceof Error ? e.message : String(e)}`)
    return 2
  }
  try {
    const result = new ConsentLog(db).verify(siteId)
    const notes = [
      result.erased ? `${result.erased} erased` : '',
      result.anchor ? `starting after seq ${result.anchor.seq} (${result.anchor.purgedCount} purged by retention)` : '',
    ].filter(Boolean)
    if (result.ok) {
      io.out(`OK ${siteId}: ${result.count} record${result.count === 1 ? '' : 's'}, head ${result.head}${notes.length ? `; ${notes.join(', ')}` : ''}`)
      return 0
    }
    io.err(`BROKEN ${siteId} at seq ${result.firstBad!.seq}: ${result.firstBad!.reason}`)
    io.err(`${result.count - 1} record(s) before it verified; last good hash ${result.head}`)
    return 1
  } catch (e) {
    io.err(`cannot read the consent log of "${siteId}" in ${file}: ${e instanceof Error ? e.message : String(e)}`)
    return 2
  } finally {
    db.$client.close()
  }
}

const NULLABLE = new Set(['textsHash', 'region', 'ip', 'userAgent', 'erasedAt', 'personalHash'])

/** The CSV header of files exported before 0.6: every column but the last, personalHash. */
const HEADER_BEFORE_0_6 = EXPORT_COLUMNS.slice(0, -1).join(',')

/** A CSV record (cells in EXPORT_COLUMNS order) back to the stored row it was written from. */
function csvToRow(cells: string[], siteId: string): StoredRow {
  const v: Record<string, unknown> = { siteId }
  EXPORT_COLUMNS.forEach((name, i) => {
    const cell = cells[i] ?? ''
    v[name] = cell === '' && NULLABLE.has(name) ? null : unescapeCell(cell)
  })
  return { ...v, seq: Number(v.seq), revision: Number(v.revision), gpc: v.gpc === 'true' } as unknown as StoredRow
}

function ndjsonToRow(line: string, siteId: string): StoredRow {
  const r = exportRow.parse(JSON.parse(line))
  return { ...r, siteId, categories: canonicalJson(r.categories), services: canonicalJson(r.services) }
}

class Broken extends Error {}

async function verifyExportFile(manifestPath: string, filePath: string, io: CliIo): Promise<number> {
  let manifest: ExportManifest
  try {
    manifest = exportManifest.parse(JSON.parse(readFileSync(manifestPath, 'utf8')))
  } catch (e) {
    io.err(`cannot read the manifest ${manifestPath}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`)
    return 2
  }
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
  // pipe() does not pass a read error on: hand it to the parser, which ends the loop below with it.
  let unreadable: Error | null = null
  const source = createReadStream(filePath)
    .on('error', (e) => hashing.destroy((unreadable = e)))
    .pipe(hashing)

  let count = 0
  let erased = 0
  let prev: StoredRow | null = null
  let format2 = false
  const check = (row: StoredRow) => {
    // Each row's hash covers its own content and its prevHash; an unfiltered export is also one
    // contiguous stretch of the chain, so every row must link to the one before. Rows are in seq
    // order either way, so none written before format 2 may follow one written in it.
    // The format of the record before is known only when it is the row before (unfiltered).
    const prevFormat = unfiltered && prev ? formatOf(prev) : null
    const problem = (unfiltered && prev ? linkProblem(row, prev.seq + 1, prev.hash) : null) ?? formatProblem(row, format2) ?? contentProblem(row, prevFormat)
    if (problem) throw new Broken(`row ${count + 1} (seq ${row.seq}): ${problem}`)
    format2 ||= formatOf(row) === 2
    if (row.erasedAt) erased += 1
    prev = row
    count += 1
  }
  try {
    if (manifest.format === 'csv') {
      let header = true
      for await (const cells of source.pipe(parseCsv({ relax_column_count: false })) as AsyncIterable<string[]>) {
        if (header) {
          const names = cells.join(',')
          if (names !== EXPORT_COLUMNS.join(',') && names !== HEADER_BEFORE_0_6) {
            throw new Broken('the header is not the export header: not an export file, or edited')
          }
          header = false
          continue
        }
        check(csvToRow(cells, manifest.siteId))
      }
    } else {
      for await (const line of createInterface({ input: source, crlfDelay: Infinity })) {
        if (line === '') continue
        let row: StoredRow
        try {
          row = ndjsonToRow(line, manifest.siteId)
        } catch {
          throw new Broken(`line ${count + 1} is not an export row`)
        }
        check(row)
      }
    }
  } catch (e) {
    if (e instanceof Broken) {
      io.err(`BROKEN ${filePath}: ${e.message}`)
      return 1
    }
    if (unreadable) {
      io.err(`cannot read ${filePath}: ${(unreadable as Error).message}`)
      return 2
    }
    io.err(`BROKEN ${filePath}: cannot be read as ${manifest.format.toUpperCase()}: ${e instanceof Error ? e.message : String(e)}`)
    return 1
  }
  const digest = sha.digest('hex')
  const last = prev as StoredRow | null
  const problems = [
    digest !== manifest.sha256 ? `its SHA-256 ${digest} is not the manifest's ${manifest.sha256}: the file was changed` : '',
    count !== manifest.rowCount ? `it has ${count} rows, the manifest says ${manifest.rowCount}` : '',
    unfiltered && count > 0 && (last!.seq !== manifest.chainHead.seq || last!.hash !== manifest.chainHead.hash)
      ? `its last row is seq ${last!.seq}, the chain head at export time was seq ${manifest.chainHead.seq}: rows were cut`
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
  return 0
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void runCli(process.argv.slice(2), {
    out: (l) => process.stdout.write(l + '\n'),
    err: (l) => process.stderr.write(l + '\n'),
    env: process.env,
  }).then((code) => {
    process.exitCode = code
  })
}
