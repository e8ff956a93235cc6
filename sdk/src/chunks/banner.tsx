// dist/banner.js: what a first visit needs to show the banner — Preact, the first layer, its CSS
// and English texts. Recording a choice (dist/record.js) is asked for as soon as the visitor
// touches or focuses the banner, before the click lands. The preferences dialog and declaration
// (dist/dialog.js), iframe placeholders (placeholder.js) and other languages (lang-xx.js) are
// loaded from here when needed; they import Preact from this file: one copy per page.
import { h, render } from 'preact'
import { localize, pickLanguage, shownLanguage } from '../core/language'
import { BANNER_NONE, type BannerChunk, type BannerKind, type Host, type UiApi } from '../core/types'
import { Banner } from '../ui/Banner'
import type { Ctx } from '../ui/ctx'
import { BANNER_CSS, appearanceCss } from '../ui/styles'
import { builtInLanguage, resolveTexts, type Texts } from '../ui/texts'
import { en } from '../ui/texts/en'
import type { DialogChunk, UiChunk } from './ui-chunks'

export { Component, h, render } from 'preact'
export { Buttons, safeUrl } from '../ui/Banner'

/** `banner`: the first layer the visitor is owed now (BannerChunk._mount). */
function mount(host: Host, banner: BannerKind): UiApi {
  const config = host._config
  const d = document
  const def = config.site.defaultLanguage
  const lang = pickLanguage([host._lang, d.documentElement.lang, navigator.language], def)
  let root: HTMLElement
  /** Counts the banner's showings: each is a new element, a modal one opened again (ui/Banner.tsx). */
  let shown = 0
  let dialog: DialogChunk | undefined

  const style = (css: string) => {
    const el = d.createElement('style')
    el.nonce = host._nonce
    el.textContent = css
    d.head.appendChild(el)
  }
  /**
   * Calls `then` with a UI chunk, ready once the UI is: its CSS on the page, its texts' defaults
   * filled in. A chunk that failed to load (a network error) shows nothing this time, throws
   * nothing into the page, and is asked for again the next time (see the core's chunk()).
   */
  const load = <T extends UiChunk = UiChunk>(name: 'dialog' | 'placeholder', then: (m: T) => void) =>
    void boot.then(() => host._chunk<T>(name)).then((m) => {
      if (!m._ready) {
        m._ready = 1
        style(m._css)
        Object.assign(ctx._t, { ...m._texts, ...ctx._t })
      }
      then(m)
    }, () => {})

  const show = (name: 'dialog' | 'placeholder', elements: Element[]) => load(name, (m) => m._show(ctx, elements))

  const draw = () =>
    render(
      <div class={'mc mc-' + config.catalogue.appearance.theme} lang={ctx._lang} dir={ctx._dir}>
        {banner ? (
          <Banner ctx={ctx} kind={banner} key={shown} />
        ) : (
          // Reopens the preferences: "Your Privacy Choices" in opt-out regions (SPEC §6), or the site's
          // floating button. It stays while the dialog it opened is open (the modal dialog makes it
          // inert), so that closing the dialog gives it back the focus.
          (config.mode == 'opt-out' || config.catalogue.appearance.floatingButton) && (
            <button class="mc-alt mc-fab" onClick={ctx._open}>
              {config.mode == 'opt-out' ? ctx._t.privacyChoices : ctx._t.changeSettings}
            </button>
          )
        )}
        {dialog && <dialog._Preferences ctx={ctx} onClose={() => ((dialog = undefined), draw())} />}
      </div>,
      root,
    )

  // _t, _lang and _dir are set once the texts are in (boot).
  const ctx = {
    _host: host,
    _config: config,
    _loc: (text) => localize(text, lang, def),
    _choose(method, cats, services = {}) {
      // What the visitor read, hashed into the consent record by the record chunk: the texts as
      // they are now (a UI chunk loading meanwhile adds its defaults). The UI closes on the change
      // event (below), once the choice is in force and stored.
      host._choose(method, cats, services, { ...ctx, _t: { ...ctx._t } }).catch(() => {})
    },
    // The record chunk grants every category for accept-all; required ones whatever the input (makeChoice).
    _all: (value) => ctx._choose(value ? 'accept-all' : 'reject-all', {}),
    _open: () => load<DialogChunk>('dialog', (m) => ((dialog = m), draw())),
  } as Ctx

  const builtIn = builtInLanguage(lang, def)
  // The core may load this chunk while <body> is still being parsed.
  const boot = Promise.all([
    new Promise((r) => (d.body ? r(0) : d.addEventListener('DOMContentLoaded', r))),
    // English is in this chunk; another language's chunk that fails to load leaves the site's texts.
    // (`builtIn &&`: no chunk when neither language is built in; `undefined` then, never '', as
    // LANGUAGES holds no empty name.)
    builtIn != 'en' ? (builtIn && host._chunk<Partial<Texts>>(`lang-${builtIn}`).catch(() => undefined)) as Promise<Partial<Texts> | undefined> | undefined : en,
  ]).then(([, texts]) => {
    ctx._t = resolveTexts(config, lang, texts)
    // The language of these texts: without its language chunk (failed to load), the site's.
    ctx._dir = /^(ar|he|fa|ur)\b/.test((ctx._lang = shownLanguage(config, lang, texts))) ? 'rtl' : 'ltr'
    style(BANNER_CSS + appearanceCss(config))
    root = d.createElement('div')
    root.id = 'miniconsent'
    const soon = () => host._chunk('record').catch(() => {})
    root.addEventListener('pointerdown', soon)
    root.addEventListener('focusin', soon)
    d.body.append(root)
    draw()
  })

  // The record chunk tells the page of every choice this way, acceptAll() and set() included:
  // the banner and the preferences close, whichever made it; the reopen button stays.
  addEventListener('miniconsent:change', () =>
    boot.then(() => {
      banner = BANNER_NONE
      dialog = undefined
      draw()
    }),
  )

  return {
    _banner: (kind) => void boot.then(() => ((banner = kind), shown++, draw())),
    _open: ctx._open,
    _tables: (containers) => show('dialog', containers),
    _placeholders: (iframes) => show('placeholder', iframes),
  }
}

export default { _mount: mount } satisfies BannerChunk
