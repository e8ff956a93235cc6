// The thread behind one statistics request (ConsentStatsService.statsInThread, the stats route),
// or the sites' background rollups (ConsentStatsService.rollUpInThread, startRollups):
// the first view of a large log rolls up its closed days, seconds once, and any view counts the
// records of the days not rolled up (today), which on the main thread would stop ingestion and
// every other request meanwhile. It runs the queries stats.ts wrote on a connection of its own,
// which writes the rollups in short IMMEDIATE transactions (stats-rollups.ts) and reads in one
// read transaction (WAL: ingestion goes on appending, and the four tables count the same
// records). It posts one message, the rows or an error, and ends. It imports nothing of the
// server's but stats-queries.ts and stats-rollups.ts (Node's own modules and better-sqlite3;
// stats.ts would bring drizzle, zod and hono), so that the thread starts in a fraction of the time.
import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import type { OneShotReply } from '../lib/worker-script'
import type { RollupBuild, RollupFailure, StatsQueries, StatsRows } from './stats'
import { SECURE_DELETE } from '../db/client'
import { rollUpSites, runStatsQueries } from './stats-queries'

// A view's queries, or sites' days to roll up (startRollups, in the background).
const { file, queries, build } = workerData as { file: string; queries?: StatsQueries; build?: RollupBuild }
let reply: OneShotReply<StatsRows | RollupFailure[]>
let conn: Database.Database | null = null
try {
  conn = new Database(file, { fileMustExist: true })
  // The rollups' writes wait while the consent writer thread commits (db/client.ts openConnection).
  conn.pragma('busy_timeout = 5000')
  // Its rollups' writes reuse freed pages: overwritten as the server's own connections do.
  conn.pragma(SECURE_DELETE)
  // Each page is read once, in order or as one index range: the default 16 MB of cache would
  // only add to the server's memory.
  conn.pragma('cache_size = -2000')
  reply = { value: build ? rollUpSites(conn, build) : runStatsQueries(conn, queries!) }
} catch (e) {
  reply = { error: e instanceof Error ? e.message : String(e) }
} finally {
  if (conn?.open) conn.close()
}
parentPort!.postMessage(reply)
