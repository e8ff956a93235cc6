// Mounts the banner, the preferences dialog, declarations and iframe placeholders.
import { Component, h, render } from 'preact'
import { serviceExceptions } from '../core/consent'
import { localize, pickLanguage } from '../core/language'
import { BANNER_CONSENT, BANNER_NONE, type BannerKind, type Host, type UiApi } from '../core/types'
import type { GatedElement } from '../browser/gate'
import { Banner } from './Banner'
import { Declaration, type Ctx } from './Declaration'
import { Placeholder } from './Placeholder'
import { Preferences } from './Preferences'
import { injectStyles } from './styles'
import { resolveTexts } from './texts'

interface AppState {
  _banner: BannerKind
  _prefs?: boolean
}

export function mountUi(host: Host): UiApi {
  const config = host._config
  const d = document
  const lang = pickLanguage([host._lang, d.documentElement.lang, navigator.language], config.site.defaultLanguage)
  const loc = (text: Record<string, string> | undefined) => localize(text, lang, config.site.defaultLanguage)
  const ctx: Ctx = { _host: host, _config: config, _lang: lang, _t: resolveTexts(config, lang), _loc: loc }
  const categories = config.catalogue.categories
  // What the visitor read, hashed into the consent record (SPEC §7).
  const shown = JSON.stringify([ctx._t, categories.map((c) => [loc(c.label), loc(c.description)])])
  let app: App

  const choose = (method: 'accept-all' | 'reject-all' | 'custom', cats: Record<string, boolean>, services: Record<string, boolean> = {}) => {
    host._choose(method, cats, services, shown)
    app.setState({ _banner: BANNER_NONE, _prefs: false })
  }
  const all = (value: boolean) => {
    const out: Record<string, boolean> = {}
    for (const c of categories) out[c.id] = value
    choose(value ? 'accept-all' : 'reject-all', out)
  }
  const prefs = () => app.setState({ _prefs: true })

  class App extends Component<object, AppState> {
    constructor() {
      super()
      app = this
      this.state = { _banner: BANNER_NONE }
    }
    override render(_: object, { _banner, _prefs }: AppState) {
      return (
        <div class={'mc mc-' + config.catalogue.appearance.theme}>
          {!!_banner && <Banner ctx={ctx} kind={_banner} onAll={all} onPrefs={prefs} />}
          {_prefs && (
            <Preferences
              ctx={ctx}
              onAll={all}
              onSave={(cats) => choose('custom', cats, serviceExceptions(config, host._state()))}
              onClose={() => this.setState({ _prefs: false })}
            />
          )}
        </div>
      )
    }
  }

  // The core may load this chunk while <body> is still being parsed.
  const boot = new Promise<void>((r) => (d.body ? r() : d.addEventListener('DOMContentLoaded', () => r()))).then(() => {
    injectStyles(config, host._nonce)
    const root = d.createElement('div')
    root.id = 'miniconsent'
    d.body.appendChild(root)
    render(<App />, root)
  })
  const then = (fn: () => void) => void boot.then(fn)

  return {
    _banner: (kind) => then(() => app.setState({ _banner: kind || BANNER_CONSENT })),
    _open: () => then(prefs),
    _tables: (containers) => then(() => containers.forEach((el) => render(<Declaration ctx={ctx} onOpen={prefs} />, el))),
    _placeholders: (iframes) =>
      then(() =>
        iframes.forEach((frame: HTMLIFrameElement & GatedElement) => {
          if (frame._ph) return
          const ph = (frame._ph = d.createElement('div'))
          frame.before(ph)
          frame.hidden = true
          const onLoad = () => {
            const s = host._state()
            const service = frame.getAttribute('data-service')!
            service in s.services
              ? choose('custom', s.categories, { ...serviceExceptions(config, s), [service]: true })
              : choose('custom', { ...s.categories, [frame.getAttribute('data-category')!]: true }, serviceExceptions(config, s))
          }
          render(<Placeholder ctx={ctx} frame={frame} onLoad={onLoad} />, ph)
        }),
      ),
  }
}
