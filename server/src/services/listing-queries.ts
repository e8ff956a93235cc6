// Runs a page of the consent log's listing (written by ConsentLog.listingPlan) on a connection: in
// the listing thread (listing-worker.ts), or on the server's own for an in-memory database. Loads
// nothing but types and stats-queries.ts (which loads stats-rollups.ts), so that the thread starts quickly.
import type Database from 'better-sqlite3'
import type { RolledCount } from './stats'
import { countWithRollups } from './stats-queries'

/** A query and its positional parameters. */
export interface Query {
  sql: string
  params: unknown[]
}

/**
 * One page as SQL. Each query names the index it walks: SQLite's own choice, without statistics,
 * walked the consentId index over a whole site's log to count a method filter (seconds of random
 * reads on a large log), and a period's rows were all read and sorted for one page.
 */
export interface ListingPlan {
  /** `SELECT <columns> FROM consent_records INDEXED BY <index>`: the page's start. */
  select: string
  /** The filters, as a WHERE condition. */
  where: Query
  /** The lowest and highest seq of the period, read from its index alone; the page walks only that stretch. */
  bounds: Query | null
  /**
   * The total: `SELECT count(*) FROM consent_records INDEXED BY <index>`, the start of a count of
   * the records themselves (a consentId's few), or a count of the closed days from their rollups
   * and of the rest from the log (every other filter: on a log of millions, a method's count read
   * every record for seconds).
   */
  count: string | RolledCount
  before: number | undefined
  limit: number
}

export interface ListingRows {
  /** The page's rows, newest first, and one more when there is a next page. */
  rows: Record<string, unknown>[]
  total: number
  /** The total counted closed days from the log, which had no rollups yet. */
  unrolled: boolean
}

/**
 * The page and the total, in one read transaction: they count the same records. The total comes
 * first: when no record matches, the page's walk, which would read the whole stretch to find none,
 * is not made (a region or revision no record has: 4.6 s on a 4,000,000-record site, half of it
 * that walk).
 */
export function runListing(conn: Database.Database, plan: ListingPlan): ListingRows {
  return conn.transaction((): ListingRows => {
    const { total, unrolled } =
      typeof plan.count === 'string'
        ? { total: conn.prepare(`${plan.count} WHERE ${plan.where.sql}`).pluck().get(...plan.where.params) as number, unrolled: false }
        : countWithRollups(conn, plan.count)
    if (total === 0) return { rows: [], total, unrolled }
    let range = ''
    const params = [...plan.where.params]
    if (plan.bounds) {
      // Not null: the bounds select the period's records, and the filters, among them, counted some.
      const [low, high] = conn.prepare(plan.bounds.sql).raw(true).get(...plan.bounds.params) as [number, number]
      range += ' AND seq BETWEEN ? AND ?'
      params.push(low, high)
    }
    if (plan.before !== undefined) {
      range += ' AND seq < ?'
      params.push(plan.before)
    }
    const rows = conn.prepare(`${plan.select} WHERE ${plan.where.sql}${range} ORDER BY seq DESC LIMIT ?`).all(...params, plan.limit + 1) as Record<string, unknown>[]
    return { rows, total, unrolled }
  })()
}
