// The thread behind one statistics request (ConsentStatsService.statsInThread, the stats route):
// the dashboard's default view groups the site's whole log, hundreds of milliseconds on a large
// one, which on the main thread would stop ingestion and every other request meanwhile. It runs
// the queries stats.ts wrote, on a read-only connection of its own, in one read transaction (WAL:
// ingestion goes on appending, and the four tables count the same records). It posts one
// message, the rows or an error, and ends. It imports nothing of the server's (stats.ts would
// bring drizzle, zod and hono), so that the thread starts in a fraction of the time.
import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import type { StatsQueries, StatsRows, StatsTable } from './stats'

export type StatsReply = { rows: StatsRows } | { error: string }

const { file, queries } = workerData as { file: string; queries: StatsQueries }
const port = parentPort!
let reply: StatsReply
let conn: Database.Database | null = null
try {
  const c = (conn = new Database(file, { readonly: true, fileMustExist: true }))
  c.pragma('busy_timeout = 5000')
  // The queries read the period's index range once; the default 16 MB would only add to the server's memory.
  c.pragma('cache_size = -2000')
  const tables = Object.keys(queries.sql) as StatsTable[]
  const rows = c.transaction(() => Object.fromEntries(tables.map((t) => [t, c.prepare(queries.sql[t]).all(queries.params)])) as StatsRows)()
  reply = { rows }
} catch (e) {
  reply = { error: e instanceof Error ? e.message : String(e) }
} finally {
  if (conn?.open) conn.close()
}
port.postMessage(reply)
