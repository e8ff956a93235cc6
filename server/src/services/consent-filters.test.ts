import { describe, expect, it } from 'vitest'
import { fromBound, toBound } from './consent-filters'

describe('time bounds', () => {
  it('takes a day whole, in UTC, and a date-time as the instant it names', () => {
    expect(fromBound('2026-11-22')).toBe('2026-11-22T00:00:00.000Z')
    expect(toBound('2026-11-22')).toEqual({ iso: '2026-11-23T00:00:00.000Z', exclusive: true })
    expect(fromBound('2026-11-22T10:00:00+01:00')).toBe('2026-11-22T09:00:00.000Z')
    expect(toBound('2026-12-31T23:30:00-01:00')).toEqual({ iso: '2027-01-01T00:30:00.000Z', exclusive: false })
  })

  it('stays within four-digit years, where every stored time sorts', () => {
    // The day after 9999-12-31 would be written +010000-01-01, before every stored time.
    expect(toBound('9999-12-31')).toEqual({ iso: '9999-12-31T23:59:59.999Z', exclusive: false })
    expect(toBound('9999-12-31T23:00:00-05:00')).toEqual({ iso: '9999-12-31T23:59:59.999Z', exclusive: false })
    expect(toBound('9999-12-30')).toEqual({ iso: '9999-12-31T00:00:00.000Z', exclusive: true })
    expect(fromBound('9999-12-31T23:00:00-05:00')).toBe('9999-12-31T23:59:59.999Z')
    expect(fromBound('0000-01-01T00:30:00+01:00')).toBe('0000-01-01T00:00:00.000Z')
    expect(toBound('0000-01-01T00:30:00+01:00')).toEqual({ iso: '0000-01-01T00:00:00.000Z', exclusive: false })
  })

  it('starts a bound between two milliseconds at the later one, and ends it at the earlier one', () => {
    expect(fromBound('2026-11-22T10:00:00.0001Z')).toBe('2026-11-22T10:00:00.001Z')
    expect(fromBound('2026-11-22T10:00:00.000999Z')).toBe('2026-11-22T10:00:00.001Z')
    expect(fromBound('2026-11-22T10:00:00.123456789+01:00')).toBe('2026-11-22T09:00:00.124Z')
    expect(fromBound('2026-11-22T10:00:00.9999Z')).toBe('2026-11-22T10:00:01.000Z')
    // Zeros past the millisecond name the millisecond itself.
    expect(fromBound('2026-11-22T10:00:00.1230000Z')).toBe('2026-11-22T10:00:00.123Z')
    expect(fromBound('2026-11-22T10:00:00.5Z')).toBe('2026-11-22T10:00:00.500Z')
    expect(toBound('2026-11-22T10:00:00.0009Z')).toEqual({ iso: '2026-11-22T10:00:00.000Z', exclusive: false })
  })
})
