// The consent-log filters (listing, export, statistics) as SQL conditions. Every record's
// server_time is `Date.toISOString()` text of one width, so ISO strings compare in time order and
// the (site_id, server_time) index serves the time range; consentId uses (site_id, consent_id).
import { firstIncluded, lastIncluded, LOG_DAY_PATTERN, type ConsentLogFilters } from '@miniconsent/shared'
import { and, eq, gte, isNull, like, lt, lte, or, sql, type SQL } from 'drizzle-orm'
import type { Db } from '../db/client'
import { consentRecords } from '../db/schema'

// Past year 9999 (or before year 0) toISOString writes a signed six-digit year, `+010000-…`,
// which sorts before every stored time: `to=9999-12-31` (next day 10000-01-01) would match
// nothing. Bounds are kept within the four-digit years; the server clock stamps no record outside
// them, so the clamped bound selects the same records.
const FIRST = Date.parse('0000-01-01T00:00:00.000Z')
const LAST = Date.parse('9999-12-31T23:59:59.999Z')
const iso = (ms: number) => new Date(Math.min(Math.max(ms, FIRST), LAST)).toISOString()

/**
 * Lower bound: a day starts at its UTC midnight; a date-time is normalised to UTC. A bound between
 * two stored milliseconds starts at the later one (firstIncluded): truncated, as Date.parse does,
 * `10:00:00.0001Z` would let in a record of `10:00:00.000Z`, before it. (The upper bound is
 * inclusive: truncating it is already right.) The audit log's `from` is read so too.
 */
export function fromBound(value: string): string {
  return iso(firstIncluded(value))
}

/** Upper bound, inclusive: a day includes all of it, so the bound is the next day's midnight, exclusive. */
export function toBound(value: string): { iso: string; exclusive: boolean } {
  if (!LOG_DAY_PATTERN.test(value)) return { iso: iso(lastIncluded(value)), exclusive: false }
  const next = lastIncluded(value) + 1
  // The last day has no next one: its last millisecond, inclusive.
  return next > LAST ? { iso: iso(LAST), exclusive: false } : { iso: iso(next), exclusive: true }
}

export function timeConditions(f: Pick<ConsentLogFilters, 'from' | 'to'>): SQL[] {
  const out: SQL[] = []
  if (f.from) out.push(gte(consentRecords.serverTime, fromBound(f.from)))
  if (f.to) {
    const b = toBound(f.to)
    out.push(b.exclusive ? lt(consentRecords.serverTime, b.iso) : lte(consentRecords.serverTime, b.iso))
  }
  return out
}

/** SQL LIKE's pattern for the subdivisions of a country (`US` → `US-%`); null for a subdivision. */
export function subdivisionsOf(region: string): string | null {
  return region.includes('-') ? null : `${region}-%`
}

/** A region filter: the region itself, and a country's subdivisions with it (`US` finds `US-CA`). */
function regionCondition(region: string): SQL {
  const subdivisions = subdivisionsOf(region)
  return subdivisions ? or(eq(consentRecords.region, region), like(consentRecords.region, subdivisions))! : eq(consentRecords.region, region)
}

export function filterConditions(siteId: string, f: ConsentLogFilters): SQL {
  return and(
    eq(consentRecords.siteId, siteId),
    ...timeConditions(f),
    f.consentId ? eq(consentRecords.consentId, f.consentId) : undefined,
    f.method ? eq(consentRecords.method, f.method) : undefined,
    f.region === 'unknown' ? isNull(consentRecords.region) : f.region ? regionCondition(f.region) : undefined,
    f.revision !== undefined ? eq(consentRecords.revision, f.revision) : undefined,
  )!
}

/** The filters that were set, without the empty ones (stored in manifests, shown to auditors). */
export function activeFilters(f: ConsentLogFilters): ConsentLogFilters {
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as ConsentLogFilters
}

/**
 * With a period or a consentId, the query for the lowest and highest seq the filters select, else
 * null: the export (ExportPlan.boundsSql) and the listing then read only that stretch of the
 * site's log in seq order, not all of it. It goes through the period's or the consentId's index,
 * named: min() and max() together leave SQLite no shortcut through the seq index, which would walk
 * the log from one end; and with a consentId and a period, SQLite takes the time range (as
 * selective to it) and reads every record of the period instead of the visitor's few (409 ms
 * instead of 1 ms over 2,000,000 records).
 */
export function seqBounds(db: Pick<Db, 'select'>, siteId: string, filters: ConsentLogFilters): { sql: string; params: unknown[] } | null {
  if (filters.from === undefined && filters.to === undefined && filters.consentId === undefined) return null
  const index = filters.consentId !== undefined ? 'consent_records_site_consent' : 'consent_records_site_time'
  return db
    .select({ low: sql<number>`min(${consentRecords.seq})`, high: sql<number>`max(${consentRecords.seq})` })
    .from(sql.raw(`consent_records INDEXED BY ${index}`))
    .where(filterConditions(siteId, filters))
    .toSQL()
}
