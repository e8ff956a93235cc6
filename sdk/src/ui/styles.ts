// Injected as <style> elements carrying the SDK tag's nonce (CSP), never as style= attributes;
// each chunk brings the rules of what it shows. The UI stays in the page's DOM (no shadow root:
// site scripts and tests find it with document.querySelector), so both directions are guarded:
// every rule is scoped under .mc, so none reaches the page's own elements; and `all: revert`
// on everything inside .mc undoes the page's element and universal selectors (`div {…}`,
// `* { all: unset }`, `button { display: none }`) before the rules below apply. A page rule with
// !important, or one more specific than a class, aimed at these elements still wins.
// One rule does reach the page, on purpose: while the bar, the box or the floating button is
// shown, the page gets room below its end and a scroll-padding-bottom, so that what the keyboard
// focuses, the page's last links too, is scrolled clear of them (WCAG 2.4.11, technique C43).
import type { PublishedConfig } from '../core/types'

/**
 * The banner's, and the custom properties every part of the UI reads. Every button looks alike
 * (SPEC §6: Reject as prominent as Accept) and Accept and Reject share a row at the same width.
 * The default accent passes in every theme: white text on it 4.9:1, against the dark theme's
 * background 3.3:1 (WCAG 1.4.3 and 1.4.11). A site's own accent is checked by the
 * dashboard (shared/src/contrast.ts, which holds copies of these colours; styles.test.ts checks they agree).
 */
export const BANNER_CSS =
  '.mc *{all:revert}.mc{font:15px/1.5 system-ui,sans-serif;--b:#fff;--f:#111;--a:#2b6cde;color:var(--f)}.mc-dark{--b:#222;--f:#eee}@media(prefers-color-scheme:dark){.mc-system{--b:#222;--f:#eee}}.mc .mc-banner,.mc dialog{background:var(--b);color:var(--f);border:0;padding:16px;border-radius:var(--r);box-shadow:0 2px 20px #0006;box-sizing:border-box;max-height:90vh;overflow:auto}' +
  '.mc .mc-banner{position:fixed;z-index:2147483000;bottom:8px;left:8px;right:8px;margin:auto}.mc .mc-box{max-width:420px;margin:0}.mc .mc-modal{max-width:560px;top:8px}.mc h2{font-size:1.2em;margin:0}.mc a{color:inherit}' +
  'html:has(.mc-bar,.mc-box,.mc-fab){scroll-padding-bottom:50vh;padding-bottom:50vh}.mc .mc-btns{display:flex;flex-wrap:wrap;gap:9px}.mc .mc-btns>*{flex:1 1 9em}.mc button{font:inherit;font-weight:600;background:var(--a);color:#fff;border:2px solid var(--a);padding:8px 16px;border-radius:var(--r)}' +
  '.mc .mc-alt{color:inherit;background:0}.mc .mc-fab{position:fixed;z-index:2147483000;bottom:8px;left:8px;background:var(--b);font-size:.85em;padding:4px 16px}'

export const DIALOG_CSS = `.mc dialog{width:min(680px,94vw)}.mc ::backdrop{background:#0009}
.mc section{border-top:1px solid #8886}.mc .mc-row{display:flex;justify-content:space-between;align-items:center}
.mc .mc-exp{background:0;border:0;padding:8px 0;color:inherit}.mc .mc-exp:after{content:" +"}.mc [aria-expanded=true]:after{content:" −"}
.mc input{accent-color:var(--a);width:24px;height:24px;vertical-align:middle}
.mc table{width:100%;border-collapse:collapse;font-size:.9em;margin-bottom:12px}.mc td,.mc th{text-align:start;padding:4px 3px;border-bottom:1px solid #8884;overflow-wrap:break-word}.mc td:nth-child(3),.mc code{overflow-wrap:anywhere}.mc td bdi[dir]{display:inline-block;max-width:20vw}.mc td small{display:block}@media(max-width:400px){.mc td,.mc th{overflow-wrap:anywhere}}
.mc .mc-x{position:absolute;top:8px;inset-inline-end:8px;background:0;border:0;padding:0 8px;color:inherit;font-size:24px}`

export const PLACEHOLDER_CSS = `.mc.mc-ph{display:flex;flex-direction:column;align-items:center;justify-content:center;min-height:150px;padding:16px;text-align:center;background:#8882;border-radius:var(--r)}`

/** The site's accent colour over the default, and the corner radius (--r, 8 px unless set). */
export const appearanceCss = ({ catalogue: { appearance } }: PublishedConfig) =>
  `.mc{${appearance.accentColor ? '--a:' + appearance.accentColor : ''};--r:${appearance.radius ?? 8}px}`
