import { DEFAULT_ACCENT, THEME_BACKGROUNDS } from '@miniconsent/shared'
import { describe, expect, it } from 'vitest'
import { BANNER_CSS, DIALOG_CSS } from './styles'

/** `#abc` → `#aabbcc`, so that the CSS's short forms compare with the shared module's long ones. */
const long = (hex: string) => (hex.length === 4 ? '#' + [...hex.slice(1)].map((c) => c + c).join('') : hex).toLowerCase()

/** The value a rule (by its exact selector) gives a custom property in BANNER_CSS. */
function property(selector: string, name: string): string | undefined {
  const rule = BANNER_CSS.split('}').find((r) => r.split('{')[0] === selector)
  return rule && new RegExp(`${name}:(#[0-9a-f]{3,6})`, 'i').exec(rule)?.[1]
}

// The dashboard checks a site's accent against the banner's colours with shared/src/contrast.ts,
// which keeps its own copy of them (the SDK has no bytes to import it): if the two drift, the
// dashboard approves accents against colours visitors never see.
describe('the banner colours the dashboard checks accents against', () => {
  it('default accent', () => {
    expect(long(property('.mc', '--a')!)).toBe(DEFAULT_ACCENT)
  })
  it('light and dark backgrounds', () => {
    expect(long(property('.mc', '--b')!)).toBe(THEME_BACKGROUNDS.light)
    expect(long(property('.mc-dark', '--b')!)).toBe(THEME_BACKGROUNDS.dark)
  })
})

// Layout itself is checked in a real browser; this guards the rule that broke short words
// ("Provide/r", "Sess/ion", "_clc/k") in the declaration's tables: `anywhere` lowers every
// cell's min-content width to one letter, so the table squeezed its short columns.
describe('the declaration tables', () => {
  const rules = DIALOG_CSS.replace(/\n/g, '').split('}').map((r) => r.split('{') as [string, string])
  it('break no word in their cells but as a last resort', () => {
    const wrap = (selector: string) => rules.filter(([sel, body]) => sel.split(',').includes(selector) && /overflow-wrap:/.test(body)).map(([, body]) => /overflow-wrap:([\w-]+)/.exec(body)![1])
    expect(wrap('.mc td')).toEqual(['break-word'])
    expect(wrap('.mc th')).toEqual(['break-word'])
  })
})
