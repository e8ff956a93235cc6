import { Component } from 'preact'
import { EntryTable, ServiceList, loc, type Ctx } from './Declaration'

interface Props {
  ctx: Ctx
  consentId: string
  gpc: boolean
  initial: Record<string, boolean>
  onSave(categories: Record<string, boolean>, all?: boolean): void
  onClose(): void
}
interface State {
  _on: Record<string, boolean>
  _open: Record<string, boolean>
}

const FOCUSABLE = 'button:not([disabled]),input:not([disabled]),a[href]'

/**
 * The second layer, a modal <dialog>: the browser keeps it on top, makes the page inert and
 * moves focus in; Tab wrapping, Escape and returning focus are done here so that they behave
 * the same in every browser.
 */
export class Preferences extends Component<Props, State> {
  _dialog?: HTMLDialogElement | null
  _return?: Element | null

  constructor(props: Props) {
    super(props)
    this.state = { _on: { ...props.initial }, _open: {} }
  }

  override componentDidMount() {
    const dlg = this._dialog!
    this._return = document.activeElement
    try {
      dlg.showModal()
    } catch {
      dlg.setAttribute('open', '')
    }
    ;(dlg.querySelector(FOCUSABLE) as HTMLElement | null)?.focus()
  }

  override componentWillUnmount() {
    try {
      this._dialog!.close()
    } catch {}
    const back = this._return as HTMLElement | null
    if (back && back.isConnected && back.focus) back.focus()
  }

  _key = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault()
      this.props.onClose()
    } else if (e.key === 'Tab') {
      const list = Array.from(this._dialog!.querySelectorAll<HTMLElement>(FOCUSABLE))
      const first = list[0]
      const last = list[list.length - 1]
      const active = document.activeElement
      if (e.shiftKey ? active === first || active === this._dialog : active === last) {
        e.preventDefault()
        ;(e.shiftKey ? last : first)?.focus()
      }
    }
  }

  render({ ctx, consentId, gpc, onSave, onClose }: Props, { _on, _open }: State) {
    const t = ctx._t
    const { categories, entries } = ctx._config.catalogue
    const all = (value: boolean) => {
      const out: Record<string, boolean> = {}
      for (const c of categories) out[c.id] = value
      onSave(out, value)
    }
    return (
      <dialog
        class="mc-prefs"
        role="dialog"
        aria-modal="true"
        aria-labelledby="mc-pt"
        ref={(el) => {
          this._dialog = el
        }}
        onKeyDown={this._key}
        onCancel={(e) => {
          e.preventDefault()
          onClose()
        }}
      >
        <h2 id="mc-pt">{t.preferencesTitle}</h2>
        <p>{t.preferencesText}</p>
        {gpc && <p class="mc-note">{t.gpcHonoured}</p>}
        {categories.map((c) => {
          const label = loc(ctx, c.label)
          const expanded = !!_open[c.id]
          return (
            <section class="mc-cat" key={c.id}>
              <div class="mc-row">
                <button
                  type="button"
                  class="mc-exp"
                  aria-expanded={expanded}
                  aria-controls={'mc-c-' + c.id}
                  onClick={() => this.setState({ _open: { ..._open, [c.id]: !expanded } })}
                >
                  {label}
                </button>
                <label class="mc-sw">
                  {c.required && <span>{t.alwaysOn}</span>}
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
              <p>{loc(ctx, c.description)}</p>
              <div id={'mc-c-' + c.id} hidden={!expanded}>
                {expanded && <ServiceList ctx={ctx} category={c.id} />}
                {expanded && <EntryTable ctx={ctx} entries={entries.filter((e) => e.category === c.id)} />}
              </div>
            </section>
          )
        })}
        <p class="mc-id">
          {t.consentId}: <code>{consentId}</code>
        </p>
        <div class="mc-btns">
          <button type="button" class="mc-btn" onClick={() => all(true)}>
            {t.acceptAll}
          </button>
          <button type="button" class="mc-btn" onClick={() => all(false)}>
            {t.rejectAll}
          </button>
          <button type="button" class="mc-btn mc-alt" onClick={() => onSave(_on)}>
            {t.save}
          </button>
        </div>
        <button type="button" class="mc-x" aria-label={t.close} onClick={onClose}>
          ×
        </button>
      </dialog>
    )
  }
}
