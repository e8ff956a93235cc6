// Contrast of a site's accent colour in the SDK's banner. The banner paints its buttons with the
// accent and white text, and outlines the other button in the accent on the theme's background.
// WCAG 2.2 1.4.3 asks 4.5:1 for that text, 1.4.11 asks 3:1 for a control's boundary against what
// is next to it. The SDK has no bytes left to pick a text colour per accent, so the dashboard
// checks the accent against the themes it is shown on and suggests a shade that passes.
// https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio

export type Theme = 'light' | 'dark' | 'system'
export type Scheme = 'light' | 'dark'

/** The banner's background per colour scheme (sdk/src/ui/styles.ts `--b`). */
export const THEME_BACKGROUNDS: Record<Scheme, string> = { light: '#ffffff', dark: '#222222' }
/** The SDK's accent when a site sets none (sdk/src/ui/styles.ts `--a`). */
export const DEFAULT_ACCENT = '#2b6cde'
/** The banner's button text, on the accent. */
export const BUTTON_TEXT = '#ffffff'
export const TEXT_MINIMUM = 4.5
export const BOUNDARY_MINIMUM = 3

/** The colour schemes a theme is shown in: "system" follows the visitor's, so both. */
export const themeSchemes = (theme: Theme): Scheme[] => (theme === 'system' ? ['light', 'dark'] : [theme])

type Rgb = [number, number, number]

function parseHex(hex: string): Rgb | null {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex)
  return m ? [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)] : null
}

/** True for `#rrggbb`, the one form the catalogue accepts for the accent. */
export const isHexColour = (value: string | undefined): value is string => !!value && !!parseHex(value)

const toHex = (rgb: Rgb) => '#' + rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')

/** WCAG relative luminance of an sRGB colour (0 black … 1 white). */
function luminanceOf(rgb: Rgb): number {
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
  }) as Rgb
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

/** Relative luminance of `#rrggbb`; throws on anything else. */
export function relativeLuminance(hex: string): number {
  const rgb = parseHex(hex)
  if (!rgb) throw new Error(`not a #rrggbb colour: ${hex}`)
  return luminanceOf(rgb)
}

/** Contrast ratio of two `#rrggbb` colours, 1 … 21, the same in either order. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number]
  return (hi + 0.05) / (lo + 0.05)
}

export interface AccentProblem {
  /** `text`: the white button text on the accent; `boundary`: the accent border on the background. */
  kind: 'text' | 'boundary'
  /** The colour the accent is measured against. */
  against: string
  /** For a boundary, the colour scheme whose background it is. */
  scheme?: Scheme
  ratio: number
  minimum: number
}

/**
 * What fails WCAG AA for `accent` in the banner of `theme`, text first. An accent that is not a
 * `#rrggbb` colour has no problems here: the catalogue's schema refuses it.
 */
export function accentProblems(accent: string, theme: Theme): AccentProblem[] {
  if (!parseHex(accent)) return []
  const out: AccentProblem[] = []
  const text = contrastRatio(accent, BUTTON_TEXT)
  if (text < TEXT_MINIMUM) out.push({ kind: 'text', against: BUTTON_TEXT, ratio: text, minimum: TEXT_MINIMUM })
  for (const scheme of themeSchemes(theme)) {
    const against = THEME_BACKGROUNDS[scheme]
    const ratio = contrastRatio(accent, against)
    if (ratio < BOUNDARY_MINIMUM) out.push({ kind: 'boundary', against, scheme, ratio, minimum: BOUNDARY_MINIMUM })
  }
  return out
}

function rgbToHsl([r, g, b]: Rgb): [number, number, number] {
  const [rr, gg, bb] = [r / 255, g / 255, b / 255]
  const max = Math.max(rr, gg, bb)
  const min = Math.min(rr, gg, bb)
  const l = (max + min) / 2
  if (max === min) return [0, 0, l]
  const d = max - min
  const s = l > 0.5 ? d / (2 - max - min) : d / (max + min)
  const h = max === rr ? (gg - bb) / d + (gg < bb ? 6 : 0) : max === gg ? (bb - rr) / d + 2 : (rr - gg) / d + 4
  return [h / 6, s, l]
}

function hslToRgb(h: number, s: number, l: number): Rgb {
  const q = l < 0.5 ? l * (1 + s) : l + s - l * s
  const p = 2 * l - q
  const channel = (t: number) => {
    t = t < 0 ? t + 1 : t > 1 ? t - 1 : t
    const v = t < 1 / 6 ? p + (q - p) * 6 * t : t < 1 / 2 ? q : t < 2 / 3 ? p + (q - p) * (2 / 3 - t) * 6 : p
    return v * 255
  }
  return [channel(h + 1 / 3), channel(h), channel(h - 1 / 3)]
}

/**
 * The shade of `accent` nearest to it that passes everything for `theme`: same hue and
 * saturation, the HSL lightness moved as little as possible (in steps of 0.1 %). `accent` itself
 * when it passes; null when it is not a colour or no shade passes.
 */
export function suggestAccent(accent: string, theme: Theme): string | null {
  const rgb = parseHex(accent)
  if (!rgb) return null
  const start = toHex(rgb)
  if (!accentProblems(start, theme).length) return start
  const [h, s, l] = rgbToHsl(rgb)
  // Luminance only grows with HSL lightness, so the passing shades are one band: walk out from
  // the accent's own lightness both ways and take the first shade that passes once rounded.
  for (let step = 1; step <= 1000; step++) {
    for (const candidate of [l - step / 1000, l + step / 1000]) {
      if (candidate < 0 || candidate > 1) continue
      const hex = toHex(hslToRgb(h, s, candidate))
      if (!accentProblems(hex, theme).length) return hex
    }
  }
  return null
}

/**
 * A ratio as people read it ("3.7:1"), never rounded up to the minimum it fails: 4.47 reads
 * "4.47", not "4.5", next to "needs 4.5:1".
 */
export function formatRatio(ratio: number, minimum: number): string {
  const rounded = Math.round(ratio * 10) / 10
  const shown = ratio < minimum && rounded >= minimum ? Math.floor(ratio * 100) / 100 : rounded
  return `${shown}:1`
}
