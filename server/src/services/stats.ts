// Consent statistics for the dashboard: GROUP BY in SQLite, so that no record is loaded into
// JavaScript whatever the log's size. The whole UTC days of the period that have ended are read
// from their rollups (stats_rollups: a few rows per day, built once per day by the first view that
// needs it, stats-rollups.ts); only the period's partial days at its edges and the days not over
// yet (today) are counted from the records. A consentId selects a visitor's few records through
// their index: those are counted from the records alone. The server runs all this in a worker
// thread (stats-worker.ts): a first view of a large log builds its rollups, seconds once, during
// which this thread goes on ingesting and answering.
import type { ConsentLogFilters, ConsentStats } from '@miniconsent/shared'
import type { Db } from '../db/client'
import { ApiError } from '../lib/errors'
import { oneShotThread, workerScript } from '../lib/worker-script'
import type { Logger } from '../logger'
import { fromBound, subdivisionsOf, toBound } from './consent-filters'
import { rollUpSites, runStatsQueries } from './stats-queries'
import { READABLE_CATEGORIES, ROLLUP_COLUMNS, rollupRowsSql, type DayRange } from './stats-rollups'

const DAY_MS = 86_400_000

/**
 * How long after a UTC day has ended it may still gain records, and is counted from the log
 * rather than rolled up: a record is stamped when it arrives (consent-log.ts) and committed with
 * the next batch of the consent writer thread, normally milliseconds later, seconds if that waits
 * for the write lock (busy_timeout 5 s). Past this, the day's records are all committed for good:
 * the log is append-only.
 */
export const CLOSED_DAY_MARGIN_MS = 5 * 60_000

const METHOD_COUNTS = `count(*) AS total,
  sum(method = 'accept-all') AS acceptAll,
  sum(method = 'reject-all') AS rejectAll,
  sum(method = 'custom') AS custom,
  sum(method NOT IN ('accept-all', 'reject-all', 'custom')) AS other`

/** METHOD_COUNTS over rollup rows, which count `records` each. */
const METHOD_SUMS = `sum(records) AS total,
  sum(CASE WHEN method = 'accept-all' THEN records ELSE 0 END) AS acceptAll,
  sum(CASE WHEN method = 'reject-all' THEN records ELSE 0 END) AS rejectAll,
  sum(CASE WHEN method = 'custom' THEN records ELSE 0 END) AS custom,
  sum(CASE WHEN method NOT IN ('accept-all', 'reject-all', 'custom') THEN records ELSE 0 END) AS other`

/** METHOD_SUMS merged: of rows that have them. */
const MERGED_SUMS = 'sum(total) AS total, sum(acceptAll) AS acceptAll, sum(rejectAll) AS rejectAll, sum(custom) AS custom, sum(other) AS other'

/** The four tables of the answer, one query each. */
export type StatsTable = 'perDay' | 'perCategory' | 'perRegion' | 'perRevision'

/** A stretch of the period counted from the records: from `lo` (an ISO time, or a day: its midnight) to `hi`. */
export interface LiveRange {
  lo: string
  hi: string
  /** Whether `hi` is included (an upper bound of the request's own); else it is the next stretch's start. */
  inclusive: boolean
}

/**
 * A statistics request as SQL: each table's query and the parameters they share, and without a
 * consentId, which days the rollups answer for and what is counted from the records.
 */
export interface StatsQueries {
  sql: Record<StatsTable, string>
  params: Record<string, string | number>
  /**
   * Absent: the four queries count the records themselves (a consentId, or rollups off). Present:
   * they read the rollups of the closed days [firstDay, endDay) (the `firstDay` and `endDay`
   * parameters), which those without rollups get first, and the temporary table stats_live, which
   * `live`'s stretches of the log, and any closed day still without rollups, are counted into:
   * each with `sql.before`, or `sql.through` for an included upper bound (parameters `lo`, `hi`).
   */
  rollups?: DayRange & {
    live: LiveRange[]
    sql: { before: string; through: string }
  }
}

/**
 * The count of the records the filters select, but a consentId (the consent log listing's total,
 * ConsentLog.listingPlan), as SQL: the closed days [firstDay, endDay) that have rollups from them
 * (`sql.rolled`), and `live`'s stretches of the log and any closed day still without rollups from
 * the records (`sql.before`, or `sql.through` for an included upper bound: parameters `lo`, `hi`).
 * countWithRollups (stats-queries.ts) runs it; it builds no rollups (the listing reads only).
 */
export interface RolledCount extends DayRange {
  params: Record<string, string | number>
  live: LiveRange[]
  sql: { rolled: string; before: string; through: string }
}

/** Sites' days to roll up, in the statistics thread (stats-worker.ts): the same range for each. */
export interface RollupBuild extends DayRange {
  siteIds: string[]
}

/** A site whose rollups could not be built (the database busy past the timeout, full, read-only). */
export interface RollupFailure {
  siteId: string
  error: string
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

/** `YYYY-MM-DD` of a UTC midnight. */
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)

export interface ConsentStatsOptions {
  /** The server's clock (milliseconds since epoch), which stamps the records: which days have ended. */
  now?: () => number
  /** False: every request counts the records themselves, as before rollups (tests compare with it). */
  rollups?: boolean
}

/**
 * The statistics of the records the log's filters select (consent-filters.ts does the same for
 * the listing and the exports). The queries are written once per combination of the conditions
 * in use, so a filter that is not set costs no condition and each one set can use its index.
 *
 * The records are read through the (site_id, server_time) index, in the table's own order: the
 * period's edges, or with rollups off the whole period (an open side is the extreme of ISO text:
 * every stored time is within, so that SQLite takes that index for the site's whole log too; with
 * no time term at all it may take (site_id, consent_id), and read the table all over). With a
 * consentId, (site_id, consent_id) finds the visitor's few records: the period is checked on them,
 * written `+server_time` so that SQLite cannot take a time range, which looks as selective, instead.
 *
 * The rollups count, per day, each combination of what a filter selects (revision, region as
 * stored, method) and what a table groups by (those and mode), so that a filter is the same
 * condition on them as on the records, and the answer the same number for number.
 */
export class ConsentStatsService {
  /** The queries of each combination of conditions, by a key naming the combination. */
  private readonly written = new Map<string, StatsQueries['sql']>()
  private readonly writtenWithRollups = new Map<string, { sql: StatsQueries['sql']; live: NonNullable<StatsQueries['rollups']>['sql'] }>()
  private readonly now: () => number
  private readonly useRollups: boolean

  constructor(
    private readonly db: Pick<Db, '$client'>,
    o: ConsentStatsOptions = {},
  ) {
    this.now = o.now ?? Date.now
    this.useRollups = o.rollups ?? true
  }

  /**
   * The conditions of the filters but the period and the consentId: the same on the records and on
   * their rollups; `and`, the same appended to a WHERE clause.
   */
  private static filters(f: ConsentLogFilters): { key: string; where: string[]; and: string } {
    const region = f.region === 'unknown' ? 'unknown' : f.region ? (subdivisionsOf(f.region) ? 'country' : 'region') : ''
    const where = [
      f.method ? 'method = @method' : '',
      region === 'unknown' ? 'region IS NULL' : region === 'country' ? '(region = @region OR region LIKE @subdivisions)' : region ? 'region = @region' : '',
      f.revision !== undefined ? 'revision = @revision' : '',
    ].filter(Boolean)
    return { key: [f.method ? 'm' : '', region, f.revision !== undefined ? 'v' : ''].join('|'), where, and: where.map((c) => ` AND ${c}`).join('') }
  }

  /**
   * The rollups of the closed days [@firstDay, @endDay) that `and` selects, through their index:
   * planner statistics taken while the table was small would have it read whole (every site's).
   */
  private static rolledDays(and: string): string {
    return `FROM stats_rollups INDEXED BY stats_rollups_site_day WHERE site_id = @siteId AND day >= @firstDay AND day < @endDay${and}`
  }

  /** The records of a stretch of the log, from @lo to @hi (included with `<=`), that `and` selects. */
  private static logStretch(op: '<' | '<=', and: string): string {
    return `site_id = @siteId AND server_time >= @lo AND server_time ${op} @hi${and}`
  }

  /** The four queries over the records themselves (a consentId, or rollups off). */
  private sql(f: ConsentLogFilters, period: Period): StatsQueries['sql'] {
    const filters = ConsentStatsService.filters(f)
    const to = period.to ? (period.to.exclusive ? '<' : '<=') : ''
    const time = f.consentId ? '+server_time' : 'server_time'
    const key = [period.from !== null ? 'f' : '', to, filters.key, f.consentId ? 'c' : ''].join('|')
    let found = this.written.get(key)
    if (found) return found
    const where = [
      'site_id = @siteId',
      period.from !== null ? `${time} >= @from` : '',
      to ? `${time} ${to} @to` : '',
      ...filters.where,
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
        FROM consent_records WHERE ${where} GROUP BY region, mode ORDER BY total DESC, region, mode`,
      perRevision: `SELECT revision, ${METHOD_COUNTS}
        FROM consent_records WHERE ${where} GROUP BY revision ORDER BY revision`,
    }
    this.written.set(key, found)
    return found
  }

  /**
   * The four queries over the rollups of [@firstDay, @endDay) and the rows counted from the
   * records into temp.stats_live (already filtered), and the two queries that count them.
   */
  private rollupSql(f: ConsentLogFilters): { sql: StatsQueries['sql']; live: NonNullable<StatsQueries['rollups']>['sql'] } {
    const filters = ConsentStatsService.filters(f)
    const found = this.writtenWithRollups.get(filters.key)
    if (found) return found
    const { and } = filters
    // Each table is grouped in the rollups and in stats_live apart, then the two merged: the
    // rollups come in the index's order (day, then the records' row, then the categories'), and
    // are grouped by day as they come, without sorting the period's every row.
    const rolled = ConsentStatsService.rolledDays(and)
    const merged = (keys: string, order: string) =>
      `SELECT ${keys}, ${MERGED_SUMS} FROM (
        SELECT ${keys}, ${METHOD_SUMS} ${rolled} AND category IS NULL GROUP BY ${keys}
        UNION ALL SELECT ${keys}, ${METHOD_SUMS} FROM temp.stats_live WHERE category IS NULL GROUP BY ${keys}
      ) GROUP BY ${keys} ORDER BY ${order}`
    const sql = {
      perDay: merged('day', 'day'),
      // The row of category NULL sums the unreadable records (statsOf takes it out of the table).
      perCategory: `SELECT category, sum(granted) AS granted, sum(denied) AS denied, sum(unreadable) AS unreadable FROM (
          SELECT day, category, sum(granted) AS granted, sum(denied) AS denied, sum(unreadable) AS unreadable ${rolled} GROUP BY day, category
          UNION ALL SELECT day, category, granted, denied, unreadable FROM temp.stats_live
        ) GROUP BY category ORDER BY category`,
      perRegion: merged('region, mode', 'total DESC, region, mode'),
      perRevision: merged('revision', 'revision'),
    }
    const counted = (op: '<' | '<=') => `INSERT INTO temp.stats_live ${rollupRowsSql(ConsentStatsService.logStretch(op, and))}`
    const written = { sql, live: { before: counted('<'), through: counted('<=') } }
    this.writtenWithRollups.set(filters.key, written)
    return written
  }

  /**
   * The period's whole days that have ended (CLOSED_DAY_MARGIN_MS ago): the rollups answer for
   * them. The rest of the period, its partial first and last days and the days not over, is
   * counted from the records. A side left open is the site's whole log on that side.
   */
  private split(from: string | null, to: Period['to']): DayRange & { live: LiveRange[] } {
    const fromMs = from === null ? -Infinity : Date.parse(from)
    const toMs = to === null ? Infinity : Date.parse(to.iso) + (to.exclusive ? 0 : 1)
    const firstMs = Math.ceil(fromMs / DAY_MS) * DAY_MS
    const endMs = Math.min(this.closedUntil(), Math.floor(toMs / DAY_MS) * DAY_MS)
    const whole: LiveRange = { lo: from ?? '', hi: to?.iso ?? '\uffff', inclusive: to ? !to.exclusive : false }
    if (!(firstMs < endMs)) return { firstDay: '', endDay: '', live: [whole] }
    // Stored times are in the four-digit years (consent-filters.ts), none before the first day.
    const firstDay = from === null ? '0000-01-01' : dayOf(firstMs)
    const endDay = dayOf(endMs)
    const live: LiveRange[] = []
    if (fromMs < firstMs) live.push({ lo: whole.lo, hi: firstDay, inclusive: false })
    if (endMs < toMs) live.push({ lo: endDay, hi: whole.hi, inclusive: whole.inclusive })
    return { firstDay, endDay, live }
  }

  /** The parameters of ConsentStatsService.filters' conditions, and the site's. */
  private static params(siteId: string, f: ConsentLogFilters): StatsQueries['params'] {
    const params: StatsQueries['params'] = { siteId }
    if (f.method) params.method = f.method
    if (f.region && f.region !== 'unknown') {
      params.region = f.region
      const subdivisions = subdivisionsOf(f.region)
      if (subdivisions) params.subdivisions = subdivisions
    }
    if (f.revision !== undefined) params.revision = f.revision
    return params
  }

  /**
   * The count of the records the filters select (a consentId is not one of them: its index finds
   * the visitor's few records), from the rollups of the period's closed days and the log for the
   * rest, as the statistics count them: see RolledCount.
   */
  countQuery(siteId: string, f: Omit<ConsentLogFilters, 'consentId'>): RolledCount {
    const { firstDay, endDay, live } = this.split(f.from ? fromBound(f.from) : null, f.to ? toBound(f.to) : null)
    const { and } = ConsentStatsService.filters(f)
    const counted = (op: '<' | '<=') => `SELECT count(*) FROM consent_records INDEXED BY consent_records_site_time WHERE ${ConsentStatsService.logStretch(op, and)}`
    return {
      params: { ...ConsentStatsService.params(siteId, f), firstDay, endDay },
      firstDay,
      endDay,
      live,
      sql: {
        rolled: `SELECT coalesce(sum(records), 0) ${ConsentStatsService.rolledDays(and)} AND category IS NULL`,
        before: counted('<'),
        through: counted('<='),
      },
    }
  }

  /** The midnight that starts the first day not closed yet (CLOSED_DAY_MARGIN_MS): the rollups answer for the days before it. */
  private closedUntil(): number {
    return Math.floor((this.now() - CLOSED_DAY_MARGIN_MS) / DAY_MS) * DAY_MS
  }

  /**
   * Rolls up the sites' closed days still without rollups (rollUpSites), one site after the other
   * in one statistics thread, or here for an in-memory database; resolves with the sites that
   * failed. `signal` ends the thread; the days it rolled up are kept.
   */
  rollUpInThread(siteIds: string[], signal?: AbortSignal): Promise<RollupFailure[]> {
    // Stored times are in the four-digit years (consent-filters.ts).
    const build: RollupBuild = { siteIds, firstDay: '0000-01-01', endDay: dayOf(this.closedUntil()) }
    const client = this.db.$client
    if (client.memory) return Promise.resolve().then(() => rollUpSites(client, build))
    return oneShotThread(workerScript(import.meta.url, 'stats-worker'), {
      workerData: { file: client.name, build },
      resourceLimits: STATS_THREAD_LIMITS,
      signal,
      aborted: () => new Error('the rollups were stopped'),
      what: 'statistics rollups',
      read: (failures: RollupFailure[]) => failures,
    })
  }

  /** The request as SQL: what this thread runs (stats) or hands to a worker (statsInThread). */
  queries(siteId: string, f: ConsentLogFilters): StatsQueries {
    const from = f.from ? fromBound(f.from) : null
    const to = f.to ? toBound(f.to) : null
    const params = ConsentStatsService.params(siteId, f)
    if (!f.consentId && this.useRollups) {
      const { firstDay, endDay, live } = this.split(from, to)
      const written = this.rollupSql(f)
      return { sql: written.sql, params: { ...params, firstDay, endDay }, rollups: { firstDay, endDay, live, sql: written.live } }
    }
    if (f.consentId) params.consentId = f.consentId
    // Open sides: see the class's comment.
    const period: Period = f.consentId ? { from, to } : { from: from ?? '', to: to ?? { iso: '\uffff', exclusive: true } }
    if (period.from !== null) params.from = period.from
    if (period.to) params.to = period.to.iso
    return { sql: this.sql(f, period), params }
  }

  /** Computes the statistics here, on this thread: `:memory:` databases. The server uses statsInThread. */
  stats(siteId: string, f: ConsentLogFilters): ConsentStats {
    return statsOf(runStatsQueries(this.db.$client, this.queries(siteId, f)))
  }

  /**
   * The same statistics, counted in a worker thread with a connection of its own (stats-worker.ts),
   * which rolls up the closed days still without rollups and runs the queries written here. An
   * in-memory database, which no other connection can open, is counted here. `signal` aborts (the
   * client went away): the thread is ended; the days it rolled up are kept.
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

/** The background rollups (startRollups). */
export interface Rollups {
  /** Rolls up every site now, or returns the run still going: two never overlap. Never rejects. */
  run(): Promise<void>
  /**
   * Asks for a run now (a listing counted closed days from the log), unless one is going or one
   * started less than `soonGapMs` ago: a day that cannot be rolled up (the database read-only) does
   * not start a thread per listing. True when it started one.
   */
  runSoon(): boolean
  /** Stops the hourly runs and ends the running thread: resolves once it has ended, before the database may close. */
  stop(): Promise<void>
}

/**
 * Rolls up every site's closed days in the background, one site after the other in a statistics
 * thread: `firstAfterMs` after the start, then every `everyMs`. A day is then rolled up within the
 * hour after it closes, and the listing's totals (which build none) and the statistics read the
 * rollups for every day but the open ones, however large the log. The first run waits: a server
 * that starts on a large log has its start-up work first (the purge, signing), and a log of
 * millions of records takes seconds of a core to roll up, once. The timers keep no process alive.
 */
export function startRollups(
  db: Pick<Db, '$client'>,
  o: { logger: Logger; now?: () => number; everyMs?: number; firstAfterMs?: number; soonGapMs?: number },
): Rollups {
  const stats = new ConsentStatsService(db, o.now ? { now: o.now } : {})
  const stopping = new AbortController()
  // A site that fails (the database busy past the timeout, full, read-only) is tried again at the
  // next run; views count its days from the log meanwhile.
  const rollUp = async () => {
    try {
      const sites = db.$client.prepare<[], string>('SELECT id FROM sites ORDER BY rowid').pluck().all()
      for (const { siteId, error } of await stats.rollUpInThread(sites, stopping.signal)) o.logger.warn('statistics rollups failed', { siteId, error })
    } catch (err) {
      if (!stopping.signal.aborted) o.logger.warn('statistics rollups failed', { err })
    }
  }
  let running: Promise<void> | null = null
  let startedAt = -Infinity
  const run = (): Promise<void> => {
    if (running) return running
    if (stopping.signal.aborted) return Promise.resolve()
    startedAt = performance.now()
    running = rollUp().finally(() => (running = null))
    return running
  }
  const soonGap = o.soonGapMs ?? 60_000
  const every = o.everyMs ?? 60 * 60_000
  let timer = setTimeout(function next() {
    void run()
    timer = setTimeout(next, every).unref()
  }, o.firstAfterMs ?? 10 * 60_000).unref()
  return {
    run,
    runSoon() {
      if (running || performance.now() - startedAt < soonGap || stopping.signal.aborted) return false
      void run()
      return true
    },
    async stop() {
      clearTimeout(timer)
      stopping.abort()
      await running
    },
  }
}
