import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ConsentLogFilters } from '@miniconsent/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase, type Db } from '../db/client'
import { fromBound, seqBounds, toBound } from './consent-filters'

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

describe('the seq bounds of a period or a visitor (the export reads only that stretch of the log)', () => {
  let dir: string
  let db: Db
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'miniconsent-filters-'))
    db = openDatabase(join(dir, 'log.sqlite'))
  })
  afterAll(() => {
    db.$client.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const plan = (f: ConsentLogFilters) => {
    const q = seqBounds(db, 'acme', f)!
    return (db.$client.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.params) as { detail: string }[]).map((r) => r.detail).join(' | ')
  }

  it.each<[string, ConsentLogFilters]>([
    ['a consentId', { consentId: 'visitor-1' }],
    ['a consentId and a start', { consentId: 'visitor-1', from: '2026-11-22' }],
    ['a consentId and an end', { consentId: 'visitor-1', to: '2026-11-22T10:00:00Z' }],
    ['a consentId, a period and a method', { consentId: 'visitor-1', from: '2026-11-01', to: '2026-11-22', method: 'accept-all' }],
  ])("finds %s through (site_id, consent_id): the visitor's few records, not every record of the period", (_name, f) => {
    expect(plan(f)).toBe('SEARCH consent_records USING INDEX consent_records_site_consent (site_id=? AND consent_id=?)')
  })

  it.each<[string, ConsentLogFilters]>([
    ['a start', { from: '2026-11-22' }],
    ['a period and a method', { from: '2026-11-01', to: '2026-11-22', method: 'accept-all' }],
  ])('finds %s through (site_id, server_time)', (_name, f) => {
    expect(plan(f)).toMatch(/^SEARCH consent_records USING (COVERING )?INDEX consent_records_site_time \(site_id=\? AND server_time>\?/)
  })
})
