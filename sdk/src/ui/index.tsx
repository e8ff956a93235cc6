// The UI chunk: loaded by the core script only when something must be shown.
import { Component, render } from 'preact'
import { BANNER_CONSENT, BANNER_NONE, type BannerKind, type UiApi, type UiHost } from '../core/types'
import { Banner } from './Banner'
import { Declaration, loc, type Ctx } from './Declaration'
import { Placeholder } from './Placeholder'
import { Preferences } from './Preferences'
import { injectStyles } from './styles'
import { resolveTexts } from './texts'
import type { GatedElement } from '../browser/gate'

interface AppState {
  _banner: BannerKind
  _prefs: boolean
}

export default function mount(host: UiHost): UiApi {
  const config = host._config
  const ctx: Ctx = { _config: config, _lang: host._lang, _t: resolveTexts(config, host._lang) }
  const d = document
  // What the visitor read, hashed into the consent record (SPEC §7).
  const shown = JSON.stringify([ctx._t, config.catalogue.categories.map((c) => [loc(ctx, c.label), loc(ctx, c.description)])])
  let app: App | undefined

  const choose = (categories: Record<string, boolean>, method: 'accept-all' | 'reject-all' | 'custom', services: Record<string, boolean> = {}) => {
    host._choose(method, categories, services, shown)
    app!.setState({ _banner: BANNER_NONE, _prefs: false })
  }
  const all = (value: boolean) => {
    const out: Record<string, boolean> = {}
    for (const c of config.catalogue.categories) out[c.id] = value
    choose(out, value ? 'accept-all' : 'reject-all')
  }

  class App extends Component<object, AppState> {
    override state: AppState = { _banner: BANNER_NONE, _prefs: false }
    override render(_: object, { _banner, _prefs }: AppState) {
      const s = host._state()
      return (
        <div class={'mc mc-' + config.catalogue.appearance.theme}>
          {_banner !== BANNER_NONE && (
            <Banner ctx={ctx} kind={_banner} on={{ _accept: () => all(true), _reject: () => all(false), _prefs: () => this.setState({ _prefs: true }) }} />
          )}
          {_prefs && (
            <Preferences
              ctx={ctx}
              consentId={s.consentId}
              gpc={s.gpc}
              initial={s.categories}
              onSave={(cats, every) => (every === undefined ? choose(cats, 'custom', s.services) : all(every))}
              onClose={() => this.setState({ _prefs: false })}
            />
          )}
        </div>
      )
    }
  }

  // The core may load this chunk while <body> is still being parsed.
  const parsed = new Promise<void>((r) => (d.body ? r() : d.addEventListener('DOMContentLoaded', () => r())))
  const boot = parsed.then(() => {
    injectStyles(config, host._nonce)
    const root = d.createElement('div')
    root.id = 'miniconsent'
    d.body.appendChild(root)
    render(
      <App
        ref={(a: App | null) => {
          app = a || app
        }}
      />,
      root,
    )
  })
  const then = (fn: () => void) => void boot.then(fn)

  return {
    _banner: (kind) => then(() => app!.setState({ _banner: kind || BANNER_CONSENT })),
    _open: () => then(() => app!.setState({ _prefs: true })),
    _tables: (containers) =>
      then(() => containers.forEach((el) => render(<Declaration ctx={ctx} onOpen={() => app!.setState({ _prefs: true })} />, el))),
    _placeholders: (iframes) =>
      then(() =>
        iframes.forEach((f) => {
          const frame = f as HTMLIFrameElement & GatedElement
          if (frame._ph) return
          const ph = d.createElement('div')
          frame._ph = ph
          frame.before(ph)
          frame.hidden = true
          const service = frame.getAttribute('data-service')
          const category = frame.getAttribute('data-category') || ''
          const s = host._state()
          const onLoad = () =>
            service && service in s.services
              ? host._choose('custom', host._state().categories, { ...host._state().services, [service]: true }, shown)
              : host._choose('custom', { ...host._state().categories, [category]: true }, host._state().services, shown)
          render(<Placeholder ctx={ctx} service={service} category={category} src={frame.getAttribute('data-src') || ''} onLoad={onLoad} />, ph)
        }),
      ),
  }
}
