import { describe, expect, it } from 'vitest'
import { accentProblems, contrastRatio, DEFAULT_ACCENT, formatRatio, isHexColour, relativeLuminance, suggestAccent, type Theme } from './contrast'

describe('contrast maths', () => {
  it('matches the WCAG reference values', () => {
    expect(relativeLuminance('#ffffff')).toBe(1)
    expect(relativeLuminance('#000000')).toBe(0)
    expect(contrastRatio('#000000', '#ffffff')).toBe(21)
    expect(contrastRatio('#ffffff', '#ffffff')).toBe(1)
    // The grey pair every checker quotes: #767676 is the lightest grey with 4.5:1 on white.
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2)
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2)
    expect(contrastRatio('#ffffff', '#777777')).toBe(contrastRatio('#777777', '#ffffff'))
  })

  it('refuses what is not a #rrggbb colour', () => {
    expect(() => relativeLuminance('teal')).toThrow(/#rrggbb/)
    expect(accentProblems('teal', 'light')).toEqual([])
    expect(suggestAccent('#abc', 'light')).toBeNull()
    expect([undefined, '', '#abc', '#12345g', 'teal', '#1A73E8'].map(isHexColour)).toEqual([false, false, false, false, false, true])
  })
})

describe('accentProblems', () => {
  it('passes the SDK’s default accent in every theme', () => {
    for (const theme of ['light', 'dark', 'system'] as const) expect(accentProblems(DEFAULT_ACCENT, theme)).toEqual([])
  })

  it('reports white text below 4.5:1 on a light orange', () => {
    const [text, ...rest] = accentProblems('#e4572e', 'light')
    expect(rest).toEqual([])
    expect(text).toMatchObject({ kind: 'text', against: '#ffffff', minimum: 4.5 })
    expect(formatRatio(text!.ratio, text!.minimum)).toBe('3.7:1')
  })

  it('checks the border against the dark background only where the dark theme can show', () => {
    // Dark teal: fine white text, but its border nearly vanishes on #222.
    expect(accentProblems('#0f766e', 'light')).toEqual([])
    expect(accentProblems('#0f766e', 'dark')).toEqual([
      expect.objectContaining({ kind: 'boundary', scheme: 'dark', against: '#222222', minimum: 3 }),
    ])
    expect(accentProblems('#0f766e', 'system').map((p) => p.scheme)).toEqual(['dark'])
  })

  it('reports the text and the light border for a pale accent', () => {
    expect(accentProblems('#ffd600', 'system').map((p) => [p.kind, p.scheme])).toEqual([
      ['text', undefined],
      ['boundary', 'light'],
    ])
  })
})

describe('suggestAccent', () => {
  const cases: Array<[string, Theme]> = [
    ['#e4572e', 'light'],
    ['#e4572e', 'system'],
    ['#ffd600', 'system'],
    ['#0f766e', 'dark'],
    ['#000000', 'dark'],
    ['#ffffff', 'light'],
    ['#7fdbff', 'system'],
  ]

  it.each(cases)('finds a shade of %s that passes in the %s theme', (accent, theme) => {
    const suggestion = suggestAccent(accent, theme)
    expect(suggestion).toMatch(/^#[0-9a-f]{6}$/)
    expect(suggestion).not.toBe(accent)
    expect(accentProblems(suggestion!, theme)).toEqual([])
  })

  it('keeps the hue: an orange stays an orange, only darker', () => {
    const suggestion = suggestAccent('#e4572e', 'light')!
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(suggestion.slice(i, i + 2), 16)) as [number, number, number]
    expect(r).toBeGreaterThan(g)
    expect(g).toBeGreaterThan(b)
    expect(relativeLuminance(suggestion)).toBeLessThan(relativeLuminance('#e4572e'))
  })

  it('moves as little as needed: the lightest grey that passes on white is #767676', () => {
    expect(suggestAccent('#777777', 'light')).toBe('#767676')
  })

  it('gives back an accent that already passes, in lower case', () => {
    expect(suggestAccent('#2B6CDE', 'system')).toBe('#2b6cde')
  })
})

describe('formatRatio', () => {
  it('never shows a failing ratio as the minimum it misses', () => {
    expect(formatRatio(4.478, 4.5)).toBe('4.47:1')
    expect(formatRatio(2.96, 3)).toBe('2.96:1')
    expect(formatRatio(3.68, 4.5)).toBe('3.7:1')
    expect(formatRatio(4.88, 4.5)).toBe('4.9:1')
  })
})
