// Consent statistics for the dashboard: GROUP BY in SQLite over the (site_id, server_time)
// range and the log's other filters, so no record is loaded into JavaScript whatever the log's size.
import type { ConsentLogFilters, ConsentStats } from '@miniconsent/shared'
import type { Statement } from 'better-sqlite3'
import type { Db } from '../db/client'
import { fromBound, subdivisionsOf, toBound } from './consent-filters'

const METHOD_COUNTS = `count(*) AS total,
  sum(method = 'accept-all') AS acceptAll,
  sum(method = 'reject-all') AS rejectAll,
  sum(method = 'custom') AS custom,
  sum(method NOT IN ('accept-all', 'reject-all', 'custom')) AS other`

type Statements = Record<'perDay' | 'perCategory' | 'perRegion' | 'perRevision', Statement>

/**
 * The statistics of the records the log's filters select (consent-filters.ts does the same for
 * the listing and the exports). Statements are prepared once per combination of the filters in
 * use, so a filter that is not set costs no condition and each one set can use its index:
 * (site_id, server_time) for the period, (site_id, consent_id) for a consentId.
 */
export class ConsentStatsService {
  private readonly prepared = new Map<string, Statements>()

  constructor(private readonly db: Db) {}

  private statements(f: ConsentLogFilters): Statements {
    const region = f.region === 'unknown' ? 'unknown' : f.region ? (subdivisionsOf(f.region) ? 'country' : 'region') : ''
    const key = [f.method ? 'm' : '', region, f.revision !== undefined ? 'v' : '', f.consentId ? 'c' : ''].join('|')
    let found = this.prepared.get(key)
    if (found) return found
    // Open bounds are the extremes of ISO text, so the period needs no variants.
    const where = (t: string) =>
      [
        `${t}site_id = @siteId AND ${t}server_time >= @from AND ${t}server_time < @toExclusive AND ${t}server_time <= @toInclusive`,
        f.method ? `${t}method = @method` : '',
        region === 'unknown' ? `${t}region IS NULL` : region === 'country' ? `(${t}region = @region OR ${t}region LIKE @subdivisions)` : region ? `${t}region = @region` : '',
        f.revision !== undefined ? `${t}revision = @revision` : '',
        f.consentId ? `${t}consent_id = @consentId` : '',
      ]
        .filter(Boolean)
        .join(' AND ')
    const c = this.db.$client
    found = {
      perDay: c.prepare(`SELECT substr(server_time, 1, 10) AS day, ${METHOD_COUNTS}
        FROM consent_records WHERE ${where('')} GROUP BY day ORDER BY day`),
      // json_each turns the canonical `{ "category": true|false }` object into rows; true is 1.
      perCategory: c.prepare(`SELECT j.key AS category, sum(j.value = 1) AS granted, sum(j.value = 0) AS denied
        FROM consent_records r, json_each(r.categories) j
        WHERE ${where('r.')}
        GROUP BY j.key ORDER BY j.key`),
      perRegion: c.prepare(`SELECT region, mode, ${METHOD_COUNTS}
        FROM consent_records WHERE ${where('')} GROUP BY region, mode ORDER BY total DESC, region`),
      perRevision: c.prepare(`SELECT revision, ${METHOD_COUNTS}
        FROM consent_records WHERE ${where('')} GROUP BY revision ORDER BY revision`),
    }
    this.prepared.set(key, found)
    return found
  }

  stats(siteId: string, f: ConsentLogFilters): ConsentStats {
    const to = f.to ? toBound(f.to) : null
    const params: Record<string, string | number> = {
      siteId,
      from: f.from ? fromBound(f.from) : '',
      toExclusive: to?.exclusive ? to.iso : '\uffff',
      toInclusive: to && !to.exclusive ? to.iso : '\uffff',
    }
    if (f.method) params.method = f.method
    if (f.region && f.region !== 'unknown') {
      params.region = f.region
      const subdivisions = subdivisionsOf(f.region)
      if (subdivisions) params.subdivisions = subdivisions
    }
    if (f.revision !== undefined) params.revision = f.revision
    if (f.consentId) params.consentId = f.consentId
    const q = this.statements(f)
    return {
      perDay: q.perDay.all(params) as ConsentStats['perDay'],
      perCategory: q.perCategory.all(params) as ConsentStats['perCategory'],
      perRegion: q.perRegion.all(params) as ConsentStats['perRegion'],
      perRevision: q.perRevision.all(params) as ConsentStats['perRevision'],
    }
  }
}
