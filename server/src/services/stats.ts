// Consent statistics for the dashboard: GROUP BY in SQLite over the (site_id, server_time)
// range and the log's other filters, so no record is loaded into JavaScript whatever the log's
// size. The server runs the queries in a worker thread (stats-worker.ts): on a large log they
// take hundreds of milliseconds, during which this thread goes on ingesting and answering.
import type { ConsentLogFilters, ConsentStats } from '@miniconsent/shared'
import type { Db } from '../db/client'
import { ApiError } from '../lib/errors'
import { oneShotThread, workerScript } from '../lib/worker-script'
import { fromBound, subdivisionsOf, toBound } from './consent-filters'
import { runStatsQueries } from './stats-queries'

const METHOD_COUNTS = `count(*) AS total,
  sum(method = 'accept-all') AS acceptAll,
  sum(method = 'reject-all') AS rejectAll,
  sum(method = 'custom') AS custom,
  sum(method NOT IN ('accept-all', 'reject-all', 'custom')) AS other`

/**
 * A record's categories when they are a JSON object of booleans, else NULL: the records the
 * listing reads too (consent-log.ts storedChoices), so that both call the same edited rows
 * unreadable. A row edited by hand into something else (`{"analytics": tru`) would make json_each
 * fail the whole query; CASE evaluates json_type only for valid JSON, and json_each only for an
 * object. `{"marketing": 1}` is no grant.
 */
const READABLE_CATEGORIES = `CASE WHEN NOT json_valid(categories) OR json_type(categories) <> 'object' THEN NULL
  WHEN EXISTS (SELECT 1 FROM json_each(categories) WHERE type NOT IN ('true', 'false')) THEN NULL ELSE categories END`

/** The four tables of the answer, one query each. */
export type StatsTable = 'perDay' | 'perCategory' | 'perRegion' | 'perRevision'

/** A statistics request as SQL: each table's query and the parameters they share. */
export interface StatsQueries {
  sql: Record<StatsTable, string>
  params: Record<string, string | number>
}

/** The rows of each table's query, as SQLite gives them (stats-worker.ts posts them). */
export type StatsRows = Record<StatsTable, unknown[]>

/** A row of the category query; `category` null: the records without readable categories. */
type CategoryRow = { category: string | null; granted: number; denied: number; unreadable: number }

/** The period as the queries take it; a side that is null is no condition at all. */
interface Period {
  from: string | null
  to: { iso: string; exclusive: boolean } | null
}

/**
 * A statistics thread's heap: it holds the answer's few rows; bounded like the verification's
 * (consent-log.ts), so that what it leaves for the collector cannot grow the server's memory.
 */
const STATS_THREAD_LIMITS = { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 32 }

const statsAborted = () => new ApiError(503, 'stats_aborted', 'The statistics were stopped: the request was cancelled')

/** The rows of the four queries as the answer: the category query's row of unreadable records becomes a count. */
function statsOf(rows: StatsRows): ConsentStats {
  const categories = rows.perCategory as CategoryRow[]
  return {
    perDay: rows.perDay as ConsentStats['perDay'],
    perCategory: categories.flatMap(({ category, granted, denied }) => (category === null ? [] : [{ category, granted, denied }])),
    perRegion: rows.perRegion as ConsentStats['perRegion'],
    perRevision: rows.perRevision as ConsentStats['perRevision'],
    unreadableCategories: categories.find((r) => r.category === null)?.unreadable ?? 0,
  }
}

/**
 * The statistics of the records the log's filters select (consent-filters.ts does the same for
 * the listing and the exports). The queries are written once per combination of the conditions
 * in use, so a filter that is not set costs no condition and each one set can use its index.
 *
 * Without a consentId, the (site_id, server_time) index reads the period in time order, which is
 * the table's own order: an open side is the extreme of ISO text (every stored time is within),
 * so that SQLite takes that index for the site's whole log too; with no time term at all it may
 * take (site_id, consent_id), and read the table all over. With a consentId, (site_id,
 * consent_id) finds the visitor's few records: the period is checked on them, written
 * `+server_time` so that SQLite cannot take a time range, which looks as selective, instead.
 */
export class ConsentStatsService {
  /** The queries of each combination of conditions, by a key naming the combination. */
  private readonly written = new Map<string, StatsQueries['sql']>()

  constructor(private readonly db: Pick<Db, '$client'>) {}

  private sql(f: ConsentLogFilters, period: Period): StatsQueries['sql'] {
    const region = f.region === 'unknown' ? 'unknown' : f.region ? (subdivisionsOf(f.region) ? 'country' : 'region') : ''
    const to = period.to ? (period.to.exclusive ? '<' : '<=') : ''
    const time = f.consentId ? '+server_time' : 'server_time'
    const key = [period.from !== null ? 'f' : '', to, f.method ? 'm' : '', region, f.revision !== undefined ? 'v' : '', f.consentId ? 'c' : ''].join('|')
    let found = this.written.get(key)
    if (found) return found
    const where = [
      'site_id = @siteId',
      period.from !== null ? `${time} >= @from` : '',
      to ? `${time} ${to} @to` : '',
      f.method ? 'method = @method' : '',
      region === 'unknown' ? 'region IS NULL' : region === 'country' ? '(region = @region OR region LIKE @subdivisions)' : region ? 'region = @region' : '',
      f.revision !== undefined ? 'revision = @revision' : '',
      f.consentId ? 'consent_id = @consentId' : '',
    ]
      .filter(Boolean)
      .join(' AND ')
    found = {
      perDay: `SELECT substr(server_time, 1, 10) AS day, ${METHOD_COUNTS}
        FROM consent_records WHERE ${where} GROUP BY day ORDER BY day`,
      // json_each turns the canonical `{ "category": true|false }` object into rows.
      // LEFT JOIN: a record without readable categories still gives a row (key NULL), counted
      // as unreadable; statsOf takes that row out of the table.
      perCategory: `SELECT j.key AS category, sum(j.type = 'true') AS granted, sum(j.type = 'false') AS denied, sum(r.categories IS NULL) AS unreadable
        FROM (SELECT ${READABLE_CATEGORIES} AS categories FROM consent_records WHERE ${where}) r
        LEFT JOIN json_each(r.categories) j
        GROUP BY j.key ORDER BY j.key`,
      perRegion: `SELECT region, mode, ${METHOD_COUNTS}
        FROM consent_records WHERE ${where} GROUP BY region, mode ORDER BY total DESC, region`,
      perRevision: `SELECT revision, ${METHOD_COUNTS}
        FROM consent_records WHERE ${where} GROUP BY revision ORDER BY revision`,
    }
    this.written.set(key, found)
    return found
  }

  /** The request as SQL: what this thread runs (stats) or hands to a worker (statsInThread). */
  queries(siteId: string, f: ConsentLogFilters): StatsQueries {
    const from = f.from ? fromBound(f.from) : null
    const to = f.to ? toBound(f.to) : null
    // Open sides: see the class's comment.
    const period: Period = f.consentId ? { from, to } : { from: from ?? '', to: to ?? { iso: '\uffff', exclusive: true } }
    const params: StatsQueries['params'] = { siteId }
    if (period.from !== null) params.from = period.from
    if (period.to) params.to = period.to.iso
    if (f.method) params.method = f.method
    if (f.region && f.region !== 'unknown') {
      params.region = f.region
      const subdivisions = subdivisionsOf(f.region)
      if (subdivisions) params.subdivisions = subdivisions
    }
    if (f.revision !== undefined) params.revision = f.revision
    if (f.consentId) params.consentId = f.consentId
    return { sql: this.sql(f, period), params }
  }

  /** Computes the statistics here, on this thread: `:memory:` databases. The server uses statsInThread. */
  stats(siteId: string, f: ConsentLogFilters): ConsentStats {
    return statsOf(runStatsQueries(this.db.$client, this.queries(siteId, f)))
  }

  /**
   * The same statistics, counted in a worker thread with a read-only connection of its own
   * (stats-worker.ts), which runs the queries written here. An in-memory database, which no
   * other connection can open, is counted here. `signal` aborts (the client went away): the
   * thread is ended.
   */
  statsInThread(siteId: string, f: ConsentLogFilters, signal?: AbortSignal): Promise<ConsentStats> {
    const client = this.db.$client
    if (client.memory) return Promise.resolve().then(() => this.stats(siteId, f))
    return oneShotThread(workerScript(import.meta.url, 'stats-worker'), {
      workerData: { file: client.name, queries: this.queries(siteId, f) },
      resourceLimits: STATS_THREAD_LIMITS,
      signal,
      aborted: statsAborted,
      what: 'statistics',
      read: statsOf,
    })
  }
}
