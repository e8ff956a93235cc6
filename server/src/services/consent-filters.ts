// The consent-log filters (listing, export, statistics) as SQL conditions. Every record's
// server_time is `Date.toISOString()` text of one width, so ISO strings compare in time order and
// the (site_id, server_time) index serves the time range; consentId uses (site_id, consent_id).
import type { ConsentLogFilters } from '@miniconsent/shared'
import { and, eq, gte, isNull, lt, lte, type SQL } from 'drizzle-orm'
import { consentRecords } from '../db/schema'

const DAY = /^\d{4}-\d{2}-\d{2}$/

/** Lower bound: a day starts at its UTC midnight; a date-time is normalised to UTC. */
export function fromBound(value: string): string {
  return DAY.test(value) ? `${value}T00:00:00.000Z` : new Date(value).toISOString()
}

/** Upper bound, inclusive: a day includes all of it, so the bound is the next day's midnight, exclusive. */
export function toBound(value: string): { iso: string; exclusive: boolean } {
  if (!DAY.test(value)) return { iso: new Date(value).toISOString(), exclusive: false }
  const next = new Date(`${value}T00:00:00.000Z`)
  next.setUTCDate(next.getUTCDate() + 1)
  return { iso: next.toISOString(), exclusive: true }
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

export function filterConditions(siteId: string, f: ConsentLogFilters): SQL {
  return and(
    eq(consentRecords.siteId, siteId),
    ...timeConditions(f),
    f.consentId ? eq(consentRecords.consentId, f.consentId) : undefined,
    f.method ? eq(consentRecords.method, f.method) : undefined,
    f.region === 'unknown' ? isNull(consentRecords.region) : f.region ? eq(consentRecords.region, f.region) : undefined,
    f.revision !== undefined ? eq(consentRecords.revision, f.revision) : undefined,
  )!
}

/** The filters that were set, without the empty ones (stored in manifests, shown to auditors). */
export function activeFilters(f: ConsentLogFilters): ConsentLogFilters {
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as ConsentLogFilters
}
