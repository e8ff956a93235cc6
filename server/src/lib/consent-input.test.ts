import { consentRecordInput } from '@miniconsent/shared'
import { describe, expect, it } from 'vitest'
import { readConsentRecordInput } from './consent-input'

const valid = {
  recordId: '0f8c3c1e-6a55-4a4b-9c64-2b1f0c9d7e10',
  consentId: 'visitor-0001',
  siteId: 'acme',
  revision: 1,
  textsHash: 'a'.repeat(64),
  categories: { essential: true, analytics: false },
  services: { 'google-analytics': false },
  method: 'custom',
  language: 'pt-BR',
  url: 'https://www.acme.test/page?x=1',
  clientTime: '2026-11-22T10:00:00.000+01:00',
  gpc: true,
}

/** Values of every kind a client could send in place of a field's value. */
const ODD_VALUES: unknown[] = [
  undefined, null, true, false, 0, -1, 1.5, 2 ** 53, NaN, Infinity, '', ' ', 'a', 'x'.repeat(65), 'x'.repeat(2049),
  [], [true], {}, { a: true }, { A: true }, { a: 1 }, { '': true }, { __proto__: null, a: true }, { ['x'.repeat(65)]: true }, JSON.parse('{"__proto__": true}'),
  '0f8c3c1e-6a55-4a4b-9c64-2b1f0c9d7e1', '0F8C3C1E-6A55-4A4B-9C64-2B1F0C9D7E10', '0f8c3c1e-6a55-0a4b-9c64-2b1f0c9d7e10',
  '00000000-0000-0000-0000-000000000000', 'A'.repeat(64), 'f'.repeat(63), 'Acme', 'acme site', '-acme', 'a_b-c',
  'short', 'visitor 01', 'visitor-0001-' + 'x'.repeat(52), 'accept-all', 'ACCEPT-ALL', 'gpc', 'en', 'EN', 'e', 'zh-Hant-TW',
  '2026-11-22T10:00:00Z', '2026-11-22T10:00:00', '2026-02-29T10:00:00Z', '2028-02-29T10:00:00Z', '2026-11-22 10:00:00Z',
  '2026-11-22T24:00:00Z', '2026-11-22T10:00:00.123456+14:00',
  // UTC offsets: ±14:00 is the furthest SQLite's julianday() reads; the ISO pattern goes to ±23:59.
  '2026-11-22T10:00:00-14:00', '2026-11-22T10:00:00+13:59', '2026-11-22T10:00:00+14:01', '2026-11-22T10:00:00-14:01',
  '2026-11-22T10:00:00+15:00', '2026-11-22T10:00:00+20:00', '2026-11-22T10:00:00-23:59', '2026-11-22T10:00:00.5+23:59',
  // Page URLs: any that fits the body is taken (the route cuts what it stores).
  'x'.repeat(8192), 'x'.repeat(8193),
]

function agree(input: unknown) {
  const fast = readConsentRecordInput(input)
  const zod = consentRecordInput.safeParse(input)
  // Never accept what zod refuses; when accepting, return exactly what zod returns.
  if (fast !== null) {
    expect(zod.success, JSON.stringify(input)).toBe(true)
    expect(fast).toStrictEqual(zod.data)
  }
  return { fast, zod }
}

describe('readConsentRecordInput', () => {
  it('reads a valid body as zod does, dropping unknown keys and filling defaults', () => {
    expect(agree(valid).fast).not.toBeNull()
    const { services: _s, gpc: _g, ...minimal } = valid
    const read = agree({ ...minimal, extra: 'dropped', textsHash: null }).fast
    expect(read).toMatchObject({ services: {}, gpc: false, textsHash: null })
    expect(read).not.toHaveProperty('extra')
  })

  it('never accepts a body that the schema refuses, whatever field is wrong', () => {
    let refused = 0
    for (const key of Object.keys(valid)) {
      for (const value of ODD_VALUES) {
        const { fast, zod } = agree({ ...valid, [key]: value })
        if (!zod.success) refused += 1
        if (!zod.success) expect(fast).toBeNull()
      }
    }
    for (const body of [null, [], 'text', 42, [valid], { ...valid, categories: { ...valid.categories, 'Bad Key': true } }]) {
      expect(agree(body).fast).toBeNull()
    }
    // The mutations above really exercise refusals, not only the happy path.
    expect(refused).toBeGreaterThan(300)
  })

  it('takes a clientTime offset up to ±14:00 and a page URL up to the body size, and refuses beyond, as zod does', () => {
    for (const [clientTime, ok] of [
      ['2026-11-22T10:00:00+14:00', true],
      ['2026-11-22T10:00:00-14:00', true],
      ['2026-11-22T10:00:00+09:30', true],
      ['2026-11-22T10:00:00+14:01', false],
      ['2026-11-22T10:00:00-14:30', false],
      ['2026-11-22T10:00:00+23:59', false],
    ] as const) {
      const { fast, zod } = agree({ ...valid, clientTime })
      expect([fast !== null, zod.success], clientTime).toEqual([ok, ok])
    }
    for (const [length, ok] of [[2049, true], [8192, true], [8193, false]] as const) {
      const { fast, zod } = agree({ ...valid, url: 'https://acme.test/' + 'a'.repeat(length - 18) })
      expect([fast !== null, zod.success], String(length)).toEqual([ok, ok])
    }
  })

  it('reads a recordId in upper or mixed case in lower case, as zod does: a UUID is case-insensitive, and one record is one recordId', () => {
    for (const recordId of ['0F8C3C1E-6A55-4A4B-9C64-2B1F0C9D7E10', '0f8C3c1E-6a55-4A4b-9C64-2b1F0c9D7e10']) {
      const { fast, zod } = agree({ ...valid, recordId })
      expect(zod.data?.recordId, recordId).toBe(valid.recordId)
      expect(fast?.recordId, recordId).toBe(valid.recordId)
    }
  })

  it('is used for the bodies the SDK sends', () => {
    for (const method of ['accept-all', 'reject-all', 'custom', 'withdraw', 'gpc', 'api']) {
      expect(agree({ ...valid, method }).fast?.method).toBe(method)
    }
    expect(agree({ ...valid, revision: 12, language: 'de', clientTime: new Date().toISOString() }).fast).not.toBeNull()
  })
})
