// Runs the statistics' queries (written by stats.ts) on a connection: in the statistics thread
// (stats-worker.ts), or on the server's own for an in-memory database. Loads nothing but types,
// so that the thread starts quickly.
import type Database from 'better-sqlite3'
import type { StatsQueries, StatsRows, StatsTable } from './stats'

/** The rows of each table's query, in one read transaction: the tables count the same records. */
export function runStatsQueries(conn: Database.Database, queries: StatsQueries): StatsRows {
  const tables = Object.keys(queries.sql) as StatsTable[]
  return conn.transaction(() => Object.fromEntries(tables.map((t) => [t, conn.prepare(queries.sql[t]).all(queries.params)])) as StatsRows)()
}
