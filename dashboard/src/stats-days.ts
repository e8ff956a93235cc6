// The statistics list only the days that have decisions, and a chart places its days by position:
// a day without any would vanish, the lines running straight over it. The days in between are
// put back here, with no decisions, for the chart and the table alike.
import { firstIncluded, lastIncluded, type ConsentStats } from '@miniconsent/shared'

type DayCounts = ConsentStats['perDay'][number]

const DAY_MS = 86_400_000

/**
 * About three years of days. A longer span is listed as the server sent it, only its days with
 * decisions: one row a day for longer would be a table of thousands of mostly empty rows, and a
 * chart whose points no longer fit the width of a screen.
 */
export const MAX_FILLED_DAYS = 3 * 366

/** The server's day of a record: the UTC date of its server time. */
export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10)

const dayMs = (day: string): number => Date.parse(`${day}T00:00:00Z`)

const noDecisions = (day: string): DayCounts => ({ day, total: 0, acceptAll: 0, rejectAll: 0, custom: 0, other: 0 })

export interface StatsDays {
  days: DayCounts[]
  /** False when the span was too long to fill: only days with decisions are listed. */
  complete: boolean
}

/**
 * Every day from the period's `from` (else the first day listed) to its `to` (else the last day
 * listed), each in UTC as the server counts them. A `to` after today stops at today (as the
 * browser's clock has it, or the last day listed if that is later): the days to come are not days
 * without decisions. A span longer than MAX_FILLED_DAYS shrinks to the days listed, and if those
 * are still too far apart, they are given as they are.
 */
export function statsDays(perDay: DayCounts[], period: { from?: string | undefined; to?: string | undefined }, now = Date.now()): StatsDays {
  const listed = perDay.map((d) => d.day).sort()
  const first = listed[0]
  const last = listed.at(-1)
  const from = period.from ? firstIncluded(period.from) : NaN
  const to = period.to ? lastIncluded(period.to) : NaN
  let start = Number.isNaN(from) ? first : utcDay(from)
  let end = Number.isNaN(to) ? last : utcDay(Math.min(to, Math.max(now, last ? dayMs(last) : now)))
  // The server counts nothing outside the period; should it have, those days are shown too.
  if (start && first && first < start) start = first
  if (end && last && last > end) end = last
  if (!start || !end || start > end) return { days: perDay, complete: true }
  if (span(start, end) > MAX_FILLED_DAYS) {
    if (!first || !last) return { days: perDay, complete: true }
    ;[start, end] = [first, last]
    if (span(start, end) > MAX_FILLED_DAYS) return { days: perDay, complete: span(start, end) === perDay.length }
  }
  const byDay = new Map(perDay.map((d) => [d.day, d]))
  const days: DayCounts[] = []
  for (let ms = dayMs(start); ms <= dayMs(end); ms += DAY_MS) {
    const day = utcDay(ms)
    days.push(byDay.get(day) ?? noDecisions(day))
  }
  return { days, complete: true }
}

/** Days from `start` to `end`, both included. */
const span = (start: string, end: string): number => (dayMs(end) - dayMs(start)) / DAY_MS + 1
