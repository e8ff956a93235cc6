import { Component, h } from 'preact'
import { serviceExceptions } from '../core/consent'
import { Buttons } from './Banner'
import type { Ctx } from './ctx'
import { CategoryDetails } from './Declaration'

interface Props {
  ctx: Ctx
  onClose(): void
}
interface State {
  _on: Record<string, boolean>
  _open: Record<string, boolean>
}

const FOCUSABLE = 'button,input:not([disabled]),a[href]'

/**
 * The second layer, a modal <dialog>: the browser keeps it on top, makes the page inert and
 * moves focus in; Tab wrapping, Escape and returning focus are done here so that they behave
 * the same in every browser.
 */
export class Preferences extends Component<Props, State> {
  _dialog?: HTMLDialogElement
  _return = document.activeElement as HTMLElement | null

  constructor(props: Props) {
    super(props)
    this.state = { _on: { ...props.ctx._host._state().categories }, _open: {} }
  }

  override componentDidMount() {
    const dlg = this._dialog!
    dlg.showModal ? dlg.showModal() : dlg.setAttribute('open', '')
    ;(dlg.querySelector(FOCUSABLE) as HTMLElement).focus()
  }

  override componentWillUnmount() {
    // Closed before focus moves back: removing a still-open modal dialog sends focus to <body>.
    this._dialog!.close()
    const back = this._return
    if (back && back.isConnected) back.focus()
  }

  _key = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault()
      this.props.onClose()
    }
    if (e.key === 'Tab') {
      const list = this._dialog!.querySelectorAll<HTMLElement>(FOCUSABLE)
      const first = list[0]!
      const last = list[list.length - 1]!
      const active = document.activeElement
      if (e.shiftKey ? active === first || active === this._dialog : active === last) {
        e.preventDefault()
        ;(e.shiftKey ? last : first).focus()
      }
    }
  }

  render({ ctx, onClose }: Props, { _on, _open }: State) {
    const t = ctx._t
    const state = ctx._host._state()
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
        {state.gpc && <p>{t.gpcHonoured}</p>}
        {ctx._config.catalogue.categories.map((c) => {
          const label = ctx._loc(c.label)
          const open = !!_open[c.id]
          return (
            <section>
              <div class="mc-row">
                <button class="mc-exp" aria-expanded={open} onClick={() => this.setState({ _open: { ..._open, [c.id]: !open } })}>
                  {label}
                </button>
                <label>
                  {c.required && t.alwaysOn + ' '}
                  <input
                    type="checkbox"
                    role="switch"
                    aria-label={label}
                    checked={c.required || !!_on[c.id]}
                    disabled={c.required}
                    onChange={(e) => this.setState({ _on: { ..._on, [c.id]: (e.target as HTMLInputElement).checked } })}
                  />
                </label>
              </div>
              <p>{ctx._loc(c.description)}</p>
              {open && <CategoryDetails ctx={ctx} category={c.id} />}
            </section>
          )
        })}
        <p>
          {t.consentId}: <code>{state.consentId}</code>
        </p>
        <Buttons ctx={ctx} third={t.save} onThird={() => ctx._choose('custom', _on, serviceExceptions(ctx._config, state))} />
        <button class="mc-x" aria-label={t.close} onClick={onClose}>
          ×
        </button>
      </dialog>
    )
  }
}
