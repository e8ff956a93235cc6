// Command line: `verify --site <id> [--db <path>]` walks a site's consent-log hash chain.
// Exit codes: 0 chain intact, 1 chain broken, 2 usage error or unknown site.
import { existsSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { eq } from 'drizzle-orm'
import { openDatabase } from './db/client'
import { parseEnv } from './env'
import { sites } from './db/schema'
import { ConsentLog } from './services/consent-log'

const USAGE = 'usage: miniconsent verify --site <siteId> [--db <path to the SQLite file>]'

export interface CliIo {
  out: (line: string) => void
  err: (line: string) => void
  env: Record<string, string | undefined>
}

export function runCli(argv: string[], io: CliIo): number {
  let parsed
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { site: { type: 'string' }, db: { type: 'string' } } })
  } catch (e) {
    io.err(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`)
    return 2
  }
  const [command] = parsed.positionals
  const siteId = parsed.values.site
  if (command !== 'verify' || !siteId || parsed.positionals.length > 1) {
    io.err(USAGE)
    return 2
  }
  let file: string
  try {
    file = parseEnv({ DATABASE_URL: parsed.values.db ?? io.env.DATABASE_URL }).DATABASE_URL
  } catch {
    io.err(`not a database path: ${parsed.values.db ?? io.env.DATABASE_URL}`)
    return 2
  }
  if (!existsSync(file)) {
    io.err(`no database at ${file} (start the server once, or pass --db)`)
    return 2
  }
  // Read-only use: no migration, so verifying never changes the file it checks.
  const db = openDatabase(file, { migrate: false })
  try {
    if (!db.select({ id: sites.id }).from(sites).where(eq(sites.id, siteId)).get()) {
      io.err(`unknown site "${siteId}"`)
      return 2
    }
    const result = new ConsentLog(db).verify(siteId)
    if (result.ok) {
      io.out(`OK ${siteId}: ${result.count} record${result.count === 1 ? '' : 's'}, head ${result.head}`)
      return 0
    }
    io.err(`BROKEN ${siteId} at seq ${result.firstBad!.seq}: ${result.firstBad!.reason}`)
    io.err(`${result.count - 1} record(s) before it verified; last good hash ${result.head}`)
    return 1
  } finally {
    db.$client.close()
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = runCli(process.argv.slice(2), {
    out: (l) => process.stdout.write(l + '\n'),
    err: (l) => process.stderr.write(l + '\n'),
    env: process.env,
  })
}
