// Consent statistics for the dashboard: GROUP BY in SQLite over the (site_id, server_time)
// range, so no record is loaded into JavaScript whatever the log's size.
import type { ConsentStats } from '@miniconsent/shared'
import type { Db } from '../db/client'
import { fromBound, toBound } from './consent-filters'

const METHOD_COUNTS = `count(*) AS total,
  sum(method = 'accept-all') AS acceptAll,
  sum(method = 'reject-all') AS rejectAll,
  sum(method = 'custom') AS custom,
  sum(method NOT IN ('accept-all', 'reject-all', 'custom')) AS other`

export class ConsentStatsService {
  private readonly perDay
  private readonly perCategory
  private readonly perRegion
  private readonly perRevision

  constructor(db: Db) {
    const c = db.$client
    // Open bounds are the extremes of ISO text, so one prepared statement serves every query.
    const range = (t: string) =>
      `${t}site_id = @siteId AND ${t}server_time >= @from AND ${t}server_time < @toExclusive AND ${t}server_time <= @toInclusive`
    const where = range('')
    this.perDay = c.prepare(`SELECT substr(server_time, 1, 10) AS day, ${METHOD_COUNTS}
      FROM consent_records WHERE ${where} GROUP BY day ORDER BY day`)
    // json_each turns the canonical `{ "category": true|false }` object into rows; true is 1.
    this.perCategory = c.prepare(`SELECT j.key AS category, sum(j.value = 1) AS granted, sum(j.value = 0) AS denied
      FROM consent_records r, json_each(r.categories) j
      WHERE ${range('r.')}
      GROUP BY j.key ORDER BY j.key`)
    this.perRegion = c.prepare(`SELECT region, mode, ${METHOD_COUNTS}
      FROM consent_records WHERE ${where} GROUP BY region, mode ORDER BY total DESC, region`)
    this.perRevision = c.prepare(`SELECT revision, ${METHOD_COUNTS}
      FROM consent_records WHERE ${where} GROUP BY revision ORDER BY revision`)
  }

  stats(siteId: string, range: { from?: string | undefined; to?: string | undefined }): ConsentStats {
    const to = range.to ? toBound(range.to) : null
    const params = {
      siteId,
      from: range.from ? fromBound(range.from) : '',
      toExclusive: to?.exclusive ? to.iso : '\uffff',
      toInclusive: to && !to.exclusive ? to.iso : '\uffff',
    }
    return {
      perDay: this.perDay.all(params) as ConsentStats['perDay'],
      perCategory: this.perCategory.all(params) as ConsentStats['perCategory'],
      perRegion: this.perRegion.all(params) as ConsentStats['perRegion'],
      perRevision: this.perRevision.all(params) as ConsentStats['perRevision'],
    }
  }
}
