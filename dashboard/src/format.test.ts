import { describe, expect, it } from 'vitest'
import { formatTime } from './format'

describe('formatTime', () => {
  it('names the time zone of the time it shows, and leaves what is no time as it is', () => {
    const zone = new Intl.DateTimeFormat(undefined, { timeZoneName: 'short' }).formatToParts(new Date('2026-12-05T23:37:06Z')).find((p) => p.type === 'timeZoneName')!.value
    expect(formatTime('2026-12-05T23:37:06Z')).toContain(zone)
    expect(formatTime('not a time')).toBe('not a time')
  })
})
