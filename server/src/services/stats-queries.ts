// Runs the statistics' queries (written by stats.ts) on a connection: in the statistics thread
// (stats-worker.ts), or on the server's own for an in-memory database. Loads nothing but types
// and stats-rollups.ts, so that the thread starts quickly.
import type Database from 'better-sqlite3'
import type { LiveRange, RolledCount, RollupBuild, RollupFailure, StatsQueries, StatsRows, StatsTable } from './stats'
import { buildRollups, emptyTempTable, recordedDays, unrolledStretches, type DayRange } from './stats-rollups'

/** What keeps the rollups from being written, but not the statistics from being counted. */
const UNWRITABLE = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_TIMEOUT', 'SQLITE_LOCKED', 'SQLITE_FULL', 'SQLITE_READONLY', 'SQLITE_READONLY_DBMOVED'])

/** Rolls up each site's days of the build (buildRollups), one after the other; a site that fails does not stop the others. */
export function rollUpSites(conn: Database.Database, build: RollupBuild): RollupFailure[] {
  const failures: RollupFailure[] = []
  for (const siteId of build.siteIds) {
    try {
      buildRollups(conn, siteId, build)
    } catch (e) {
      failures.push({ siteId, error: e instanceof Error ? e.message : String(e) })
    }
  }
  return failures
}

/**
 * Runs a RolledCount (stats.ts): the rollups' sum, and the log's count of the stretches they do not
 * answer for; `unrolled` says whether closed days without rollups were among those. Call it within
 * a read transaction, so that a purge is seen in both alike.
 */
export function countWithRollups(conn: Database.Database, count: RolledCount): { total: number; unrolled: boolean } {
  const { stretches, unrolled } = logStretches(conn, count.params.siteId as string, count)
  const before = conn.prepare(count.sql.before).pluck()
  const through = conn.prepare(count.sql.through).pluck()
  let total = conn.prepare(count.sql.rolled).pluck().get(count.params) as number
  for (const { lo, hi, inclusive } of stretches) total += (inclusive ? through : before).get({ ...count.params, lo, hi }) as number
  return { total, unrolled }
}

/**
 * The stretches of the log a count with rollups reads: the period's own (`live`: its partial edges,
 * the days not closed), and each run of closed days that have records but no rollups yet, which
 * `unrolled` says there are.
 */
function logStretches(conn: Database.Database, siteId: string, range: DayRange & { live: LiveRange[] }): { stretches: LiveRange[]; unrolled: boolean } {
  const unrolled = unrolledStretches(recordedDays(conn, siteId, range))
  return { stretches: [...range.live, ...unrolled.map(({ lo, hi }): LiveRange => ({ lo, hi, inclusive: false }))], unrolled: unrolled.length > 0 }
}

/**
 * The rows of each table's query, in one read transaction: the tables count the same records, and
 * a purge is seen in the rollups and the log alike. With rollups, the period's stretches that they
 * do not answer for (its edges, and any closed day still without rollups) are first counted from
 * the log into stats_live, and the four queries read that and the rollups. A closed day without
 * rollups is rolled up first (buildRollups: the connection writes), then the transaction is begun
 * again; one that is still without (a purge cut into it meanwhile) is counted from the log.
 */
export function runStatsQueries(conn: Database.Database, queries: StatsQueries): StatsRows {
  const tables = Object.keys(queries.sql) as StatsTable[]
  const read = () => Object.fromEntries(tables.map((t) => [t, conn.prepare(queries.sql[t]).all(queries.params)])) as StatsRows
  const { rollups } = queries
  if (!rollups) return conn.transaction(read)()
  const siteId = queries.params.siteId as string
  emptyTempTable(conn, 'stats_live')
  const before = conn.prepare(rollups.sql.before)
  const through = conn.prepare(rollups.sql.through)
  const attempt = conn.transaction((built: boolean): StatsRows | null => {
    const { stretches, unrolled } = logStretches(conn, siteId, rollups)
    if (unrolled && !built) return null
    for (const { lo, hi, inclusive } of stretches) (inclusive ? through : before).run({ ...queries.params, lo, hi })
    return read()
  })
  try {
    const rows = attempt(false)
    if (rows) return rows
    try {
      buildRollups(conn, siteId, rollups)
    } catch (e) {
      // The database busy past the timeout, full or read-only: the answer does without the
      // rollups (the days are counted from the log), and a later view builds them.
      if (!UNWRITABLE.has((e as { code?: string }).code ?? '')) throw e
    }
    return attempt(true)!
  } finally {
    conn.exec('DELETE FROM temp.stats_live')
  }
}
