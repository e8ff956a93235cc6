// The live preview: the server's preview page (the real SDK running the saved draft) in an
// iframe, at desktop or mobile width, per language, view and region mode.
import { REGION_MODES, type RegionMode } from '@miniconsent/shared'
import { useEffect, useRef, useState } from 'preact/hooks'
import type { CatalogueState } from '../api-shapes'
import { languageName, previewLanguages } from '../languages'

export const PREVIEW_VIEWS = [
  { value: 'banner', label: 'Banner' },
  { value: 'preferences', label: 'Preferences dialog' },
  { value: 'declaration', label: 'Cookie declaration' },
] as const
export type PreviewView = (typeof PREVIEW_VIEWS)[number]['value']

const MODE_LABELS: Record<RegionMode, string> = {
  'opt-in': 'Opt-in (EEA, UK): ask first',
  'opt-out': 'Opt-out (US states): “Your Privacy Choices”',
  notice: 'Notice only (elsewhere)',
}

const WIDTHS = { desktop: 'Desktop', mobile: 'Mobile (375 px)' } as const
type Width = keyof typeof WIDTHS

export interface PreviewOptions {
  lang: string
  view: PreviewView
  mode: RegionMode
}

/**
 * The page's address. `v` (the draft's save time) changes after every save, so the iframe loads
 * the draft again; `n` is bumped by "Reload preview".
 */
export function previewUrl(siteId: string, o: PreviewOptions, version: string, n = 0): string {
  const q = new URLSearchParams({ lang: o.lang, view: o.view, mode: o.mode, v: version })
  if (n) q.set('n', String(n))
  return `/api/admin/preview/${encodeURIComponent(siteId)}/?${q}`
}

const languageLabel = (tag: string) => {
  const name = languageName(tag)
  return name && name !== tag ? `${tag} — ${name}` : tag
}

export function LivePreview({
  siteId,
  state,
  dirty,
}: {
  siteId: string
  /** The editor's last saved state: the draft the preview runs, its languages and save time. */
  state: CatalogueState
  /** True while the page has unsaved edits, which the preview cannot show yet. */
  dirty: boolean
}) {
  const initialLanguage = state.settings.defaultLanguage
  // Those with texts in the catalogue and the SDK's built-in ones.
  const languages = previewLanguages(state.draft, initialLanguage)
  const version = state.draftUpdatedAt
  const [options, setOptions] = useState<PreviewOptions>({ lang: initialLanguage, view: 'banner', mode: 'opt-in' })
  const [width, setWidth] = useState<Width>('desktop')
  const [reloads, setReloads] = useState(0)
  const frame = useRef<HTMLIFrameElement>(null)
  const returnTo = useRef<{ el: HTMLElement; until: number } | null>(null)
  /**
   * The preview's dialog takes focus when it opens (the SDK's showModal), which would leave a
   * keyboard user who just picked a view inside the frame: focus goes back to the control once.
   * (Chromium's `focus-without-user-activation` policy would do it, but is not enabled.)
   */
  // What takes focus as the frame loads: the preferences dialog, and the banner when it is a modal
  // dialog (the SDK opens both with showModal). Armed for any other view, this took back the focus
  // of the user's own click into the frame (on the banner's Reject all, say) within those 5 s,
  // mid-click, and the click was now and then lost with it.
  const modalBanner = state.draft.appearance.layout === 'modal'
  const keepFocus = (view: PreviewView) => {
    if (view !== 'preferences' && !(view === 'banner' && modalBanner)) return void (returnTo.current = null)
    const el = document.activeElement
    returnTo.current = el instanceof HTMLElement ? { el, until: Date.now() + 5000 } : null
  }
  useEffect(() => {
    // The window blurs as focus enters the frame; activeElement says where it went once the event is over.
    const onBlur = () =>
      setTimeout(() => {
        const r = returnTo.current
        if (r && Date.now() < r.until && document.activeElement === frame.current) r.el.focus()
        returnTo.current = null
      })
    window.addEventListener('blur', onBlur)
    return () => window.removeEventListener('blur', onBlur)
  }, [])
  // A save reloads the preview too; the focus stays with the save button.
  const saved = useRef(version)
  useEffect(() => {
    if (saved.current !== version) keepFocus(options.view)
    saved.current = version
  }, [version])
  const set = <K extends keyof PreviewOptions>(key: K, value: PreviewOptions[K]) => {
    keepFocus(key === 'view' ? (value as PreviewView) : options.view)
    setOptions((o) => ({ ...o, [key]: value }))
  }
  const offered = languages.includes(options.lang) ? languages : [options.lang, ...languages]

  return (
    <section aria-labelledby="preview-heading" class="editor-section live-preview">
      <h2 id="preview-heading">Live preview</h2>
      <p class="muted" id="preview-hint">
        The real banner script with the saved draft. Nothing chosen in the preview is stored or recorded.
      </p>
      {dirty && (
        <p class="notice" role="status">
          The preview shows the saved draft: save to see your latest changes in it.
        </p>
      )}
      <div class="preview-controls">
        <div class="field">
          <label for="preview-view">Show</label>
          <select id="preview-view" value={options.view} onChange={(e) => set('view', e.currentTarget.value as PreviewView)}>
            {PREVIEW_VIEWS.map((v) => (
              <option key={v.value} value={v.value}>
                {v.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="preview-language">Preview language</label>
          <select id="preview-language" value={options.lang} onChange={(e) => set('lang', e.currentTarget.value)}>
            {offered.map((l) => (
              <option key={l} value={l}>
                {languageLabel(l)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="preview-mode">Visitor’s region</label>
          <select id="preview-mode" value={options.mode} onChange={(e) => set('mode', e.currentTarget.value as RegionMode)}>
            {REGION_MODES.map((m) => (
              <option key={m} value={m}>
                {MODE_LABELS[m]}
              </option>
            ))}
          </select>
        </div>
        <fieldset class="plain preview-width">
          <legend>Width</legend>
          {(Object.keys(WIDTHS) as Width[]).map((w) => (
            <label key={w} class="radio">
              <input type="radio" name="preview-width" value={w} checked={width === w} onChange={() => setWidth(w)} />
              {WIDTHS[w]}
            </label>
          ))}
        </fieldset>
        <button type="button" onClick={() => (keepFocus(options.view), setReloads((n) => n + 1))}>
          Reload preview
        </button>
      </div>
      <div class="preview-stage">
        {/* No allow-same-origin: the preview runs in an opaque origin, away from the dashboard's session and cookies. */}
        <iframe
          ref={frame}
          class={`preview-frame is-${width}`}
          title={`Preview: ${PREVIEW_VIEWS.find((v) => v.value === options.view)!.label.toLowerCase()}, ${options.lang}, ${width}`}
          aria-describedby="preview-hint"
          sandbox="allow-scripts"
          src={previewUrl(siteId, options, version, reloads)}
        />
      </div>
    </section>
  )
}
