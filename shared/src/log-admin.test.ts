import { describe, expect, it } from 'vitest'
import { auditQuery } from './admin'
import { consentLogFilters, consentLogQuery, consentStats, documentInput, exportManifest, exportQuery, firstIncluded, identifyInput, lastIncluded, siteUserId, statsQuery } from './log-admin'

const messages = (result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  (result.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`)

describe('consent-log filters', () => {
  it("answers a malformed bound with the bound's own message, not the union's \"Invalid input\"", () => {
    for (const value of ['2026-02-30', 'last-week', '2026-11-22T10:00Z', '2026-11-22T24:00:00Z']) {
      expect(messages(consentLogFilters.safeParse({ from: value })), value).toEqual(['from: use a date (2026-11-22) or a date-time (2026-11-22T10:00:00Z)'])
      expect(messages(consentLogFilters.safeParse({ to: value })), value).toEqual(['to: use a date (2026-11-22) or a date-time (2026-11-22T10:00:00Z)'])
    }
    expect(messages(consentLogFilters.safeParse({ revision: '0' }))).toEqual(['revision: a whole number from 1, written in digits'])
    expect(messages(consentLogQuery.safeParse({ limit: '0' }))).toEqual(['limit: a whole number from 1, written in digits'])
    // Empty is still "no filter".
    expect(consentLogFilters.parse({ from: '', to: '', revision: '' })).toEqual({})
  })

  it('refuses a period that ends before it starts, in every query that takes the filters', () => {
    const refused = ['from: is after `to`: the period is empty (are the two dates swapped?)']
    for (const schema of [consentLogFilters, statsQuery, consentLogQuery, exportQuery, auditQuery]) {
      expect(messages(schema.safeParse({ from: '2026-11-23', to: '2026-11-21' }))).toEqual(refused)
      expect(messages(schema.safeParse({ from: '2026-11-22T10:00:00.001Z', to: '2026-11-22T10:00:00Z' }))).toEqual(refused)
      // A day includes all of it; the same instant is a period of one instant.
      expect(schema.safeParse({ from: '2026-11-22T23:59:59.999Z', to: '2026-11-22' }).success).toBe(true)
      expect(schema.safeParse({ from: '2026-11-22', to: '2026-11-22' }).success).toBe(true)
      expect(schema.safeParse({ from: '2026-11-22T10:00:00+01:00', to: '2026-11-22T09:00:00Z' }).success).toBe(true)
      expect(schema.safeParse({ from: '2026-11-23T00:00:00+01:00', to: '2026-11-22' }).success).toBe(true)
      expect(messages(schema.safeParse({ from: '2026-11-23T00:00:00Z', to: '2026-11-22' }))).toEqual(refused)
      // Reversed by less than a millisecond: the period starts past 12:00:00.001 and ends at it.
      expect(messages(schema.safeParse({ from: '2026-11-20T12:00:00.0011Z', to: '2026-11-20T12:00:00.001Z' }))).toEqual(refused)
      expect(messages(schema.safeParse({ from: '2026-11-20T12:00:00.0019Z', to: '2026-11-20T12:00:00.0011Z' }))).toEqual(refused)
      expect(messages(schema.safeParse({ from: '2026-11-20T12:00:00.00101Z', to: '2026-11-20T12:00:00.0010001Z' }))).toEqual(refused)
      expect(messages(schema.safeParse({ from: '2026-11-20T13:00:00.0019+01:00', to: '2026-11-20T12:00:00.0011Z' }))).toEqual(refused)
      // A fraction of zeros is the millisecond itself; within one millisecond, in order, is a period
      // (one holding no whole millisecond, so nothing stored: empty, not refused).
      expect(schema.safeParse({ from: '2026-11-20T12:00:00.0010Z', to: '2026-11-20T12:00:00.001Z' }).success).toBe(true)
      expect(schema.safeParse({ from: '2026-11-20T12:00:00.0010001Z', to: '2026-11-20T12:00:00.0019Z' }).success).toBe(true)
      expect(schema.safeParse({ from: '2026-11-20T12:00:00.0001Z', to: '2026-11-20T12:00:00.0009Z' }).success).toBe(true)
      expect(schema.safeParse({ from: '2026-11-20T12:00:00.0005Z', to: '2026-11-20T12:00:00.0005000Z' }).success).toBe(true)
      expect(schema.safeParse({ from: '2026-11-20T13:00:00.0011+01:00', to: '2026-11-20T12:00:00.0019Z' }).success).toBe(true)
      // Inside the last millisecond of the day `to` names: in the period.
      expect(schema.safeParse({ from: '2026-11-22T23:59:59.9995Z', to: '2026-11-22' }).success).toBe(true)
      expect(messages(schema.safeParse({ from: '2026-11-22T23:59:59.9995Z', to: '2026-11-22T23:59:59.999Z' }))).toEqual(refused)
    }
  })

  it('reads a bound between two milliseconds as the filters do: `from` from the later one, `to` up to the earlier one', () => {
    expect(firstIncluded('2026-11-20T12:00:00.0011Z')).toBe(Date.parse('2026-11-20T12:00:00.002Z'))
    expect(firstIncluded('2026-11-20T12:00:00.001000Z')).toBe(Date.parse('2026-11-20T12:00:00.001Z'))
    expect(firstIncluded('2026-11-20T13:00:00.0005+01:00')).toBe(Date.parse('2026-11-20T12:00:00.001Z'))
    expect(firstIncluded('2026-11-20')).toBe(Date.parse('2026-11-20T00:00:00Z'))
    expect(lastIncluded('2026-11-20T12:00:00.0019Z')).toBe(Date.parse('2026-11-20T12:00:00.001Z'))
  })

  it('still reads a manifest whose filters were stored before periods were checked', () => {
    const manifest = {
      exportId: 'e1',
      siteId: 'acme',
      format: 'csv',
      filters: { from: '2026-11-23', to: '2026-11-21' },
      rowCount: 0,
      sha256: 'a'.repeat(64),
      chainHead: { seq: 0, hash: 'b'.repeat(64) },
      createdAt: '2026-11-22T10:00:00Z',
      createdBy: null,
    }
    expect(exportManifest.parse(manifest).filters).toEqual({ from: '2026-11-23', to: '2026-11-21' })
  })
})

describe('consent statistics', () => {
  it('says how many records perCategory left out, and still reads an answer without the count (an older server)', () => {
    const empty = { perDay: [], perCategory: [], perRegion: [], perRevision: [] }
    expect(consentStats.parse({ ...empty, unreadableCategories: 2 }).unreadableCategories).toBe(2)
    expect(consentStats.parse(empty)).toEqual(empty)
  })
})

describe("the site's user IDs", () => {
  it('are looked up by the same rule identify() and acceptDocument() store them by: 1 to 256 characters of any text', () => {
    const event = { recordId: '0190c1d2-3b4a-7c5d-8e9f-0000000000a1', siteId: 'acme', consentId: 'visitor-0001', language: 'en', url: 'https://acme.test/', clientTime: '2026-11-22T09:59:58.000Z' }
    for (const userId of ['7', 'Zoë Müller/eu #7?x=1', 'u'.repeat(256), '', 'u'.repeat(257)]) {
      const taken = siteUserId.safeParse(userId).success
      expect(taken, userId).toBe(userId.length >= 1 && userId.length <= 256)
      expect(identifyInput.safeParse({ ...event, userId }).success, userId).toBe(taken)
      expect(documentInput.safeParse({ ...event, type: 'terms', userId }).success, userId).toBe(taken)
    }
  })
})
