import { describe, expect, it } from 'vitest'
import { MAX_FILLED_DAYS, statsDays } from './stats-days'

const decided = (day: string, total = 1) => ({ day, total, acceptAll: total, rejectAll: 0, custom: 0, other: 0 })
const NOW = Date.parse('2025-03-10T15:00:00Z')
const listed = (days: Array<{ day: string }>) => days.map((d) => d.day)

describe('days of the statistics', () => {
  it('fills the days between those with decisions with no decisions', () => {
    const { days, complete } = statsDays([decided('2025-02-27', 3), decided('2025-03-02', 2)], {}, NOW)
    expect(listed(days)).toEqual(['2025-02-27', '2025-02-28', '2025-03-01', '2025-03-02'])
    expect(days[1]).toEqual({ day: '2025-02-28', total: 0, acceptAll: 0, rejectAll: 0, custom: 0, other: 0 })
    expect(days[3]?.total).toBe(2)
    expect(complete).toBe(true)
  })

  it('runs from the period\'s first day to its last, as UTC days, a bound given as an instant too', () => {
    expect(listed(statsDays([decided('2025-03-02')], { from: '2025-03-01', to: '2025-03-03' }, NOW).days)).toEqual(['2025-03-01', '2025-03-02', '2025-03-03'])
    // 01:30 at UTC+2 is still the day before in UTC, where the server counts it.
    expect(listed(statsDays([], { from: '2025-03-02T01:30:00+02:00', to: '2025-03-02T23:30:00-02:00' }, NOW).days)).toEqual(['2025-03-01', '2025-03-02', '2025-03-03'])
  })

  it('stops at today, not at a period that ends in the future', () => {
    expect(listed(statsDays([decided('2025-03-09')], { from: '2025-03-08', to: '2025-12-31' }, NOW).days)).toEqual(['2025-03-08', '2025-03-09', '2025-03-10'])
    // Unless the server, by its own clock, already counts a later day.
    expect(listed(statsDays([decided('2025-03-11')], { from: '2025-03-10', to: '2025-12-31' }, NOW).days)).toEqual(['2025-03-10', '2025-03-11'])
  })

  it('keeps to the days with decisions when the period is longer than three years', () => {
    const { days, complete } = statsDays([decided('2025-03-01'), decided('2025-03-03')], { from: '2000-01-01', to: '9999-12-31' }, NOW)
    expect(listed(days)).toEqual(['2025-03-01', '2025-03-02', '2025-03-03'])
    expect(complete).toBe(true)
  })

  it('fills nothing when the days with decisions themselves are more than three years apart', () => {
    const perDay = [decided('2021-01-01'), decided('2025-03-01')]
    expect(statsDays(perDay, {}, NOW)).toEqual({ days: perDay, complete: false })
    // At the bound, every day is still listed.
    const last = new Date(Date.parse('2021-01-01') + (MAX_FILLED_DAYS - 1) * 86_400_000).toISOString().slice(0, 10)
    expect(statsDays([decided('2021-01-01'), decided(last)], {}, NOW).days).toHaveLength(MAX_FILLED_DAYS)
  })

  it('lists nothing when there is nothing and no period', () => {
    expect(statsDays([], {}, NOW)).toEqual({ days: [], complete: true })
  })
})
