// The statistics' per-day rollups (stats_rollups, db/schema.ts): how the rows of a stretch of the
// log are counted, which closed days of a period have records but no rollups yet, and how those
// are built. Run in the statistics thread (stats-worker.ts), or on the server's own connection for
// an in-memory database. Loads nothing but types, so that the thread starts quickly.
import type Database from 'better-sqlite3'

/**
 * A record's categories when they are a JSON object of booleans, else NULL: the records the
 * listing reads too (consent-log.ts storedChoices), so that both call the same edited rows
 * unreadable. A row edited by hand into something else (`{"analytics": tru`) would make json_each
 * fail the whole query; CASE evaluates json_type only for valid JSON, and json_each only for an
 * object. `{"marketing": 1}` is no grant.
 */
export const READABLE_CATEGORIES = `CASE WHEN NOT json_valid(categories) OR json_type(categories) <> 'object' THEN NULL
  WHEN EXISTS (SELECT 1 FROM json_each(categories) WHERE type NOT IN ('true', 'false')) THEN NULL ELSE categories END`

/** The columns of stats_rollups but site_id, in the order of rollupRowsSql's rows and of the temporary tables. */
export const ROLLUP_COLUMNS = 'day, revision, region, mode, method, category, records, unreadable, granted, denied'

/**
 * The rows, in stats_rollups' shape (ROLLUP_COLUMNS), of the records `where` selects: per day and
 * combination of revision, region, mode and method, one row of the records (`category` NULL:
 * `records`, `unreadable`) and one per category with its grants and denials. The records are
 * first grouped by those and by their categories' text as stored (canonical JSON: a site's records
 * have a handful of distinct values), so that the JSON is read once per distinct value and day,
 * not once per record: that reading was most of the statistics' time.
 */
export function rollupRowsSql(where: string): string {
  return `WITH grouped AS MATERIALIZED (
      SELECT substr(server_time, 1, 10) AS day, revision, region, mode, method, categories, count(*) AS n
      FROM consent_records WHERE ${where}
      GROUP BY day, revision, region, mode, method, categories
    ), readable AS MATERIALIZED (
      SELECT day, revision, region, mode, method, n, ${READABLE_CATEGORIES} AS categories FROM grouped
    )
    SELECT day, revision, region, mode, method, NULL AS category, sum(n) AS records,
      sum(CASE WHEN categories IS NULL THEN n ELSE 0 END) AS unreadable, 0 AS granted, 0 AS denied
    FROM readable GROUP BY day, revision, region, mode, method
    UNION ALL
    SELECT day, revision, region, mode, method, j.key, 0, 0,
      sum(CASE WHEN j.type = 'true' THEN n ELSE 0 END), sum(CASE WHEN j.type = 'false' THEN n ELSE 0 END)
    FROM readable JOIN json_each(readable.categories) j GROUP BY day, revision, region, mode, method, j.key`
}

/** A temporary table of rollup rows (the connection's own: no lock on the database), emptied. */
export function emptyTempTable(conn: Database.Database, name: 'stats_build' | 'stats_live'): void {
  conn.exec(`CREATE TEMP TABLE IF NOT EXISTS ${name} (day TEXT, revision INTEGER, region TEXT, mode TEXT, method TEXT,
    category TEXT, records INTEGER, unreadable INTEGER, granted INTEGER, denied INTEGER)`)
  conn.exec(`DELETE FROM temp.${name}`)
}

/** Closed days, `YYYY-MM-DD` (UTC), from firstDay to before endDay. */
export interface DayRange {
  firstDay: string
  endDay: string
}

/**
 * Rollup rows inserted per write transaction, at most (a day with more goes alone). The
 * transaction holds the write lock, which the consent writer thread waits for: a few thousand
 * rows are inserted in milliseconds.
 */
export const ROLLUP_ROWS_PER_WRITE = 5000
/** Days counted from the log in one read of a build: a month's rows are held in the temporary table at once. */
export const ROLLUP_DAYS_PER_BUILD = 31

export const ROLLUP_SQL = {
  /**
   * The days of [firstDay, endDay) that have records, and whether their rollups are stored: one
   * seek of (site_id, server_time) per day that has records, found from the day after the last,
   * so that the log itself is not read. A day bound compares with an ISO time as its midnight:
   * `2026-11-22` sorts before `2026-11-22T00:00:00.000Z` and after the day before's every time.
   */
  recordedDays: `WITH RECURSIVE recorded(day) AS (
      SELECT (SELECT substr(server_time, 1, 10) FROM consent_records
        WHERE site_id = @siteId AND server_time >= @firstDay AND server_time < @endDay ORDER BY server_time LIMIT 1)
      UNION ALL
      SELECT (SELECT substr(server_time, 1, 10) FROM consent_records
        WHERE site_id = @siteId AND server_time >= date(recorded.day, '+1 day') AND server_time < @endDay ORDER BY server_time LIMIT 1)
      FROM recorded WHERE recorded.day IS NOT NULL
    )
    SELECT day, EXISTS (SELECT 1 FROM stats_rollups r INDEXED BY stats_rollups_site_day WHERE r.site_id = @siteId AND r.day = recorded.day) AS rolled
    FROM recorded WHERE day IS NOT NULL`,
  /** The rows of whole days, counted as the rollups store them. */
  count: `INSERT INTO temp.stats_build ${rollupRowsSql('site_id = @siteId AND server_time >= @lo AND server_time < @hi')}`,
  rowsPerDay: 'SELECT day, count(*) AS n FROM temp.stats_build GROUP BY day ORDER BY day',
  /** Retention moves it with every purge of records (retention.ts): unchanged, no record was deleted. */
  anchor: 'SELECT seq FROM chain_anchors WHERE site_id = ?',
  /** The site's newest record (its seq) when counted, through (site_id, seq). */
  lastSeq: 'SELECT max(seq) AS seq FROM consent_records WHERE site_id = ?',
  /**
   * Whether a record written since the count was stamped into the days to be written (the clock
   * stepped back): read through (site_id, seq), which holds only the records written since. Named,
   * since the planner otherwise takes (site_id, server_time), which holds every record of the site
   * before `end` (160 ms at 2,000,000), and this runs under the write lock ingestion waits for.
   */
  lateRecord: `SELECT 1 FROM consent_records INDEXED BY consent_records_site_seq
    WHERE site_id = @siteId AND seq > @seq AND server_time < @end LIMIT 1`,
  /** Days another statistics thread has rolled up meanwhile are left as it wrote them. */
  alreadyRolled: `DELETE FROM temp.stats_build WHERE day >= @lo AND day <= @last
    AND day IN (SELECT day FROM stats_rollups INDEXED BY stats_rollups_site_day WHERE site_id = @siteId AND day >= @lo AND day <= @last)`,
  insert: `INSERT INTO stats_rollups (site_id, ${ROLLUP_COLUMNS})
    SELECT @siteId, ${ROLLUP_COLUMNS} FROM temp.stats_build WHERE day >= @lo AND day <= @last`,
} as const

export interface RecordedDay {
  day: string
  rolled: 0 | 1
}

/** The days of the range that have records, in order, each saying whether its rollups are stored. */
export function recordedDays(conn: Database.Database, siteId: string, range: DayRange): RecordedDay[] {
  if (!(range.firstDay < range.endDay)) return []
  return conn.prepare<[{ siteId: string; firstDay: string; endDay: string }], RecordedDay>(ROLLUP_SQL.recordedDays).all({ siteId, firstDay: range.firstDay, endDay: range.endDay })
}

const DAY_MS = 86_400_000

/** The day after `day` (`YYYY-MM-DD`, UTC). */
export const nextDay = (day: string): string => new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10)

/**
 * The recorded days without rollups, as stretches [lo, hi) of the log to count from its records:
 * each a run of such days with no rolled-up day among them (days without records may be, they
 * count nothing), at most `maxDays` of them.
 */
export function unrolledStretches(days: RecordedDay[], maxDays = Infinity): { lo: string; hi: string }[] {
  const out: { lo: string; hi: string; days: number }[] = []
  let current: (typeof out)[number] | null = null
  for (const { day, rolled } of days) {
    if (rolled) {
      current = null
    } else if (current && current.days < maxDays) {
      current.hi = nextDay(day)
      current.days += 1
    } else {
      current = { lo: day, hi: nextDay(day), days: 1 }
      out.push(current)
    }
  }
  return out.map(({ lo, hi }) => ({ lo, hi }))
}

/** A stretch of the log counted into temp.stats_build, waiting to be inserted (writeStretch). */
export interface CountedStretch {
  /** The site's chain anchor (its seq) when counted: retention moves it with every purge of records. */
  anchored: number | null
  /** The site's newest record when counted (its seq; 0 with none). */
  lastSeq: number
  /** The rows counted of each day, in order. */
  days: { day: string; n: number }[]
}

/**
 * Counts the stretch [lo, hi) of the log into temp.stats_build, in a read transaction: no lock
 * that ingestion waits for, however many records.
 */
export function countStretch(conn: Database.Database, siteId: string, stretch: { lo: string; hi: string }): CountedStretch {
  emptyTempTable(conn, 'stats_build')
  const anchor = conn.prepare<[string], { seq: number }>(ROLLUP_SQL.anchor)
  const count = conn.prepare(ROLLUP_SQL.count)
  const rowsPerDay = conn.prepare<[], { day: string; n: number }>(ROLLUP_SQL.rowsPerDay)
  const lastSeq = conn.prepare<[string], { seq: number | null }>(ROLLUP_SQL.lastSeq)
  return conn.transaction(() => {
    count.run({ siteId, lo: stretch.lo, hi: stretch.hi })
    return { anchored: anchor.get(siteId)?.seq ?? null, lastSeq: lastSeq.get(siteId)?.seq ?? 0, days: rowsPerDay.all() }
  })()
}

/**
 * Inserts a counted stretch's rows into stats_rollups, consecutive days together up to
 * ROLLUP_ROWS_PER_WRITE rows, each batch in a short IMMEDIATE transaction: it waits
 * (busy_timeout) while the consent writer thread commits, and makes it wait for no more than the
 * insert. A day's rows go in one transaction, so that a day has all of them or none; a day another
 * statistics thread rolled up meanwhile is left as it is. A transaction that finds the site's
 * anchor moved (a purge deleted records since the count), or a record written since into one of
 * its days (stamped there by a clock that stepped back: the consent writer drops the rollups of a
 * day such a record lands in, but these were not written yet), inserts nothing, and neither
 * do the next: false. Those days are counted from the log meanwhile, and rolled up at a later view.
 */
export function writeStretch(conn: Database.Database, siteId: string, counted: CountedStretch): boolean {
  const anchor = conn.prepare<[string], { seq: number }>(ROLLUP_SQL.anchor)
  const alreadyRolled = conn.prepare(ROLLUP_SQL.alreadyRolled)
  const insert = conn.prepare(ROLLUP_SQL.insert)
  const lateRecord = conn.prepare(ROLLUP_SQL.lateRecord)
  const write = conn.transaction((lo: string, last: string): boolean => {
    if ((anchor.get(siteId)?.seq ?? null) !== counted.anchored) return false
    // `last` as a bound sorts after every time of that day (an ISO time's date, then a 'T').
    if (lateRecord.get({ siteId, seq: counted.lastSeq, end: `${last}U` })) return false
    alreadyRolled.run({ siteId, lo, last })
    insert.run({ siteId, lo, last })
    return true
  })
  const batches: { lo: string; last: string; rows: number }[] = []
  for (const { day, n } of counted.days) {
    const batch = batches.at(-1)
    if (batch && batch.rows + n <= ROLLUP_ROWS_PER_WRITE) {
      batch.last = day
      batch.rows += n
    } else batches.push({ lo: day, last: day, rows: n })
  }
  return batches.every((b) => write.immediate(b.lo, b.last))
}

/**
 * Rolls up the closed days of the range that have records and no rollups yet: each stretch of
 * them, up to ROLLUP_DAYS_PER_BUILD days, counted (countStretch) then inserted (writeStretch).
 * Stops at a purge: what is left is counted from the log this time.
 */
export function buildRollups(conn: Database.Database, siteId: string, range: DayRange): void {
  try {
    for (const stretch of unrolledStretches(recordedDays(conn, siteId, range), ROLLUP_DAYS_PER_BUILD)) {
      if (!writeStretch(conn, siteId, countStretch(conn, siteId, stretch))) return
    }
  } finally {
    emptyTempTable(conn, 'stats_build')
  }
}
