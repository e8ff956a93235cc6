import { Component, h } from 'preact'
import { GPC_FALLBACK } from '../core/consent'
import { Buttons } from './Banner'
import type { Ctx } from './ctx'
import { CategoryDetails, loc } from './Declaration'

interface Props {
  ctx: Ctx
  onClose(): void
}
interface State {
  /** Per category and per service: what the visitor has switched on so far. */
  _on: Record<string, boolean>
  _svc: Record<string, boolean>
  _open: Record<string, boolean>
}

const FOCUSABLE = 'button,input:not([disabled]),a[href]'

/**
 * The second layer, a modal <dialog>: the browser keeps it on top, makes the page inert and
 * moves focus in; Tab wrapping, Escape and returning focus are done here so that they behave
 * the same in every browser.
 */
export class Preferences extends Component<Props, State> {
  // Assigned in the constructor, not as class fields: fields compile to defineProperty calls with
  // the names as strings, which the build's property mangling leaves unrenamed while it renames
  // every `this._key` that reads them.
  declare _dialog: HTMLDialogElement
  declare _return: HTMLElement | null
  declare _key: (e: KeyboardEvent) => void

  constructor(props: Props) {
    super(props)
    const { categories, services } = props.ctx._host._state()
    this.state = { _on: { ...categories }, _svc: { ...services }, _open: {} }
    this._return = document.activeElement as HTMLElement | null
    this._key = (e) => {
      if (e.key === 'Escape') {
        e.preventDefault()
        this.props.onClose()
      }
      if (e.key === 'Tab') {
        const list = this._dialog.querySelectorAll<HTMLElement>(FOCUSABLE)
        const first = list[0]!
        const last = list[list.length - 1]!
        const active = document.activeElement
        if (e.shiftKey ? active === first || active === this._dialog : active === last) {
          e.preventDefault()
          ;(e.shiftKey ? last : first).focus()
        }
      }
    }
  }

  override componentDidMount() {
    const dlg = this._dialog
    dlg.showModal ? dlg.showModal() : dlg.setAttribute('open', '')
    ;(dlg.querySelector(FOCUSABLE) as HTMLElement).focus()
  }

  override componentWillUnmount() {
    // Closed before focus moves back: removing a still-open modal dialog sends focus to <body>.
    this._dialog.close()
    // Back to what opened it. A choice closes the banner too, whose button opened it: then to the
    // reopen button if shown, else to the page's main content (focusable for this, without
    // scrolling: the visitor keeps their place), never to <body>, where a screen reader starts over.
    // Once the redraw that unmounts this is done: the reopen button comes with it.
    const d = document
    let back = this._return
    setTimeout(() => {
      if (!back || !back.isConnected) {
        back = d.querySelector('.mc-fab')
        if (!back && (back = d.querySelector('main,[role=main]')) && !back.hasAttribute('tabindex')) back.tabIndex = -1
      }
      back && back.focus({ preventScroll: true })
    })
  }

  render({ ctx, onClose }: Props, { _on, _svc, _open }: State) {
    const t = ctx._t
    const state = ctx._host._state()
    const { categories, services } = ctx._config.catalogue
    const required = (category: string) => categories.some((c) => c.id === category && c.required)
    // A category's switch sets its services too; a service may then differ from its category.
    const setCategory = (id: string, on: boolean) => {
      const svc = { ..._svc }
      for (const s of services) if (s.category === id) svc[s.id] = on
      this.setState({ _on: { ..._on, [id]: on }, _svc: svc })
    }
    return (
      <dialog
        role="dialog"
        aria-modal="true"
        aria-labelledby="mc-pt"
        ref={(el: HTMLDialogElement | null) => {
          if (el) this._dialog = el
        }}
        onKeyDown={this._key}
        onCancel={(e: Event) => {
          e.preventDefault()
          onClose()
        }}
      >
        <h2 id="mc-pt">{t.preferencesTitle}</h2>
        <p>{t.preferencesText}</p>
        {/* Only while it holds: a visitor may grant the ad categories with the signal on (explicit consent). */}
        {state.gpc && (ctx._config.gpcCategories || GPC_FALLBACK).some((id) => !state.categories[id]) && <p>{t.gpcHonoured}</p>}
        {categories.map((c) => {
          const text = loc(ctx, c.label)
          const label = text.children
          const open = !!_open[c.id]
          return (
            <section>
              <div class="mc-row">
                <button class="mc-exp" aria-expanded={open} onClick={() => this.setState({ _open: { ..._open, [c.id]: !open } })} {...text} />
                <label>
                  {c.required && t.alwaysOn + ' '}
                  <input
                    type="checkbox"
                    role="switch"
                    aria-label={label}
                    checked={c.required || !!_on[c.id]}
                    disabled={c.required}
                    onChange={(e) => setCategory(c.id, (e.target as HTMLInputElement).checked)}
                  />
                </label>
              </div>
              <p {...loc(ctx, c.description)} />
              {open && (
                <CategoryDetails
                  ctx={ctx}
                  category={c.id}
                  toggle={(s) => (
                    <input
                      type="checkbox"
                      role="switch"
                      aria-label={s.name}
                      checked={required(s.category) || !!_svc[s.id]}
                      disabled={required(s.category)}
                      onChange={(e) => this.setState({ _svc: { ..._svc, [s.id]: (e.target as HTMLInputElement).checked } })}
                    />
                  )}
                />
              )}
            </section>
          )
        })}
        <p>
          {t.consentId}: <code dir="ltr">{state.consentId}</code>
        </p>
        <Buttons ctx={ctx} third={t.save} onThird={() => ctx._choose('custom', _on, _svc)} />
        <button class="mc-x" aria-label={t.close} onClick={onClose}>
          ×
        </button>
      </dialog>
    )
  }
}
