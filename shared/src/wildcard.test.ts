import { describe, expect, it } from 'vitest'
import { matchesName } from './wildcard'

describe('matchesName', () => {
  it('takes `*` as any characters, none included, and everything else literally', () => {
    expect(matchesName('*', '')).toBe(true)
    expect(matchesName('*', 'anything at all')).toBe(true)
    expect(matchesName('', '')).toBe(true)
    expect(matchesName('', 'x')).toBe(false)
    expect(matchesName('_ga*', '_ga')).toBe(true)
    expect(matchesName('*_ga', 'x_ga')).toBe(true)
    expect(matchesName('*ab', 'aab')).toBe(true)
    expect(matchesName('a*b*c', 'abbbc')).toBe(true)
    expect(matchesName('a*b*c', 'abcb')).toBe(false)
    expect(matchesName('a**b', 'ab')).toBe(true)
    expect(matchesName('_hj*Session*', '_hjSessionUser_123')).toBe(true)
    expect(matchesName('_hj*Session*', '_hjUser_123')).toBe(false)
    expect(matchesName('sb-*-auth-token', 'sb-abc-auth-token')).toBe(true)
    expect(matchesName('_ga_*', '_ga')).toBe(false)
    // What a regular expression would read otherwise: literal here.
    expect(matchesName('a.b', 'axb')).toBe(false)
    expect(matchesName('next-auth.session-token', 'next-authXsession-token')).toBe(false)
    expect(matchesName('a.b', 'a.b')).toBe(true)
    expect(matchesName('(x)+?', '(x)+?')).toBe(true)
    expect(matchesName('[ab]', 'a')).toBe(false)
    expect(matchesName('x$', 'x$')).toBe(true)
  })

  it('answers a pattern of many `*` against a long name that it does not cover, which backtracking took minutes over', () => {
    const pattern = `${'*_'.repeat(60)}x`
    expect(matchesName(pattern, '_'.repeat(2000))).toBe(false)
    expect(matchesName(pattern, `${'_'.repeat(2000)}x`)).toBe(true)
    expect(matchesName(`${'*a'.repeat(100)}*b`, `${'a'.repeat(5000)}c`)).toBe(false)
  })
})
