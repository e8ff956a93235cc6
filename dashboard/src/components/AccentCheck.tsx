// The accent colour's contrast in the banner, in words, next to the field. The SDK writes white
// text on the accent whatever it is (it has no bytes left to choose), so a pale brand colour makes
// unreadable buttons: say so, and offer the nearest shade that passes. Saving is never blocked —
// the colour is the site's brand and the site's call.
import { accentProblems, BUTTON_TEXT, contrastRatio, formatRatio, isHexColour, suggestAccent, TEXT_MINIMUM, type AccentProblem, type Theme } from '@miniconsent/shared'

export const ACCENT_CHECK_ID = 'accent-contrast'

/** One failure as a sentence: "White text on #e4572e is 3.7:1; WCAG AA needs 4.5:1." */
export function problemText(accent: string, p: AccentProblem): string {
  const measured = `${formatRatio(p.ratio, p.minimum)}; WCAG AA needs ${p.minimum}:1.`
  return p.kind === 'text'
    ? `White text on ${accent} is ${measured}`
    : `The outlined button’s ${accent} border on the ${p.scheme} background (${p.against}) is ${measured}`
}

/** `accent`: the field's value, checked only once it is a #rrggbb colour (the schema names other mistakes). */
export function AccentCheck({ accent, theme, editable, onUse }: { accent: string | undefined; theme: Theme; editable: boolean; onUse: (hex: string) => void }) {
  const valid = isHexColour(accent)
  const problems = valid ? accentProblems(accent, theme) : []
  const suggestion = problems.length ? suggestAccent(accent!, theme) : null
  const where = theme === 'system' ? 'in light and dark themes' : `in the ${theme} theme`
  // Always in the page, so that a screen reader hears the warning come and go while the colour is typed or picked.
  return (
    <div id={ACCENT_CHECK_ID} role="status" class="accent-check">
      {problems.length > 0 && (
        <div class="finding is-warning">
          <strong>Visitors may struggle to see the banner’s buttons {where}.</strong>
          {problems.map((p) => (
            <p key={p.kind + (p.scheme ?? '')}>{problemText(accent!, p)}</p>
          ))}
          {suggestion && editable && (
            <p class="inline-controls">
              <button type="button" onClick={() => onUse(suggestion)}>
                <span class="swatch" style={{ background: suggestion }} aria-hidden="true" />
                Use {suggestion}
              </button>
              <span class="hint">the nearest shade of this colour that passes; you can still save yours.</span>
            </p>
          )}
        </div>
      )}
      {valid && !problems.length && (
        <p class="hint">
          Passes WCAG AA {where}: white text on {accent} is {formatRatio(contrastRatio(accent!, BUTTON_TEXT), TEXT_MINIMUM)}.
        </p>
      )}
    </div>
  )
}
