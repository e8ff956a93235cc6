import { describe, expect, it } from 'vitest'
import { choiceAllows, encodeConsentCookie, parseConsentCookie, parseConsentCookieHeader, type StoredChoice } from './cookie-format'

const choice: StoredChoice = {
  consentId: 'k3J9x_2mQp-8aZ',
  revision: 7,
  updatedAt: Date.UTC(2026, 10, 22, 10, 30, 15),
  method: 'custom',
  granted: ['essential', 'analytics'],
  services: { 'microsoft-clarity': false, 'meta-pixel': true },
  gpc: true,
}

describe('consent cookie format', () => {
  it('round-trips a choice, including service exceptions and the GPC flag', () => {
    const value = encodeConsentCookie(choice)
    expect(value.startsWith('1.')).toBe(true)
    expect(value).not.toMatch(/[;,\s"]/)
    const parsed = parseConsentCookie(value)
    expect(parsed).toEqual({ ...choice, granted: ['analytics', 'essential'] })
  })

  it('keeps refusal: a choice granting only essential is stored, not dropped', () => {
    const value = encodeConsentCookie({ ...choice, method: 'reject-all', granted: ['essential'], services: {}, gpc: false })
    expect(parseConsentCookie(value)).toMatchObject({ method: 'reject-all', granted: ['essential'], services: {}, gpc: false })
  })

  it("answers for a service by its exception, else by its category; a name it does not know, an Object member's too, is refused", () => {
    const parsed = parseConsentCookie(encodeConsentCookie(choice))!
    expect(choiceAllows(parsed, 'analytics', 'google-analytics')).toBe(true)
    expect(choiceAllows(parsed, 'analytics', 'microsoft-clarity')).toBe(false)
    expect(choiceAllows(parsed, 'marketing', 'meta-pixel')).toBe(true)
    expect(choiceAllows(parsed, 'marketing', 'tiktok-pixel')).toBe(false)
    expect(choiceAllows(parsed, 'marketing')).toBe(false)
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(choiceAllows(parsed, 'marketing', name), name).toBe(false)
      expect(choiceAllows(parsed, name), name).toBe(false)
    }
    expect(choiceAllows(null, 'essential')).toBe(false)
  })

  it('reads a URL-encoded value and one out of a Cookie header', () => {
    const value = encodeConsentCookie(choice)
    expect(parseConsentCookie(encodeURIComponent(value))?.consentId).toBe(choice.consentId)
    expect(parseConsentCookieHeader(`a=1; mc=${value}; b=2`, 'mc')?.revision).toBe(7)
    expect(parseConsentCookieHeader('a=1', 'mc')).toBeNull()
  })

  it.each([
    ['empty', ''],
    ['other version', '2.abcdefgh.1.0.custom.essential.'],
    ['bad method', '1.abcdefgh.1.0.maybe.essential.'],
    ['bad revision', '1.abcdefgh.x.0.custom.essential.'],
    ['short id', '1.abc.1.0.custom.essential.'],
    ['too few fields', '1.abcdefgh.1.0.custom'],
    ['bad category id', '1.abcdefgh.1.0.custom.Essential!.'],
    ['broken escape', '1.abcdefgh.1.0.custom.%E0%A4%A.'],
  ])('rejects an unreadable value (%s)', (_, value) => {
    expect(parseConsentCookie(value)).toBeNull()
  })
})
