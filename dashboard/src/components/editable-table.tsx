// The tables of the catalogue, the site settings and the publish history, each in its own
// scrolling region, and the add and remove buttons of editable rows (also the catalogue's cards).
import type { ComponentChildren } from 'preact'
import { fieldId } from './fields'

/**
 * A table that scrolls sideways in its own focusable region, so that the page does not on a narrow
 * screen; by default one of form fields, one row per item. The last column holds the row actions
 * when `actions`.
 */
export function ScrollTable({
  id,
  caption,
  describedBy,
  columns,
  actions,
  class: cls = 'log-table edit-table',
  children,
}: {
  /** Prefix of the caption's id. */
  id: string
  caption: string
  describedBy?: string
  columns: string[]
  actions: boolean
  class?: string
  /** The rows (`<tr>`). */
  children: ComponentChildren
}) {
  return (
    <div class="table-scroll" role="region" aria-labelledby={`${id}-caption`} tabIndex={0}>
      <table class={cls} aria-describedby={describedBy}>
        <caption id={`${id}-caption`}>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
            {actions && (
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  )
}

/**
 * Adds a row and moves focus to its first field (`focusPath`, the field's dotted path), so that a
 * keyboard user types on where the new row appeared.
 */
export function AddRowButton({ label, focusPath, onAdd }: { label: string; focusPath: string; onAdd: () => void }) {
  return (
    <button
      type="button"
      class="add-row"
      onClick={() => {
        onAdd()
        focusWhenDrawn(fieldId(focusPath))
      }}
    >
      {label}
    </button>
  )
}

/** Removes a table row at once; `name` says which to screen readers ("Remove US-CA"). */
export function RemoveRowButton({ name, onRemove }: { name: string; onRemove: () => void }) {
  return (
    <button type="button" class="danger" onClick={(e) => removed(e.currentTarget, name, onRemove)}>
      Remove<span class="visually-hidden"> {name}</span>
    </button>
  )
}

/**
 * Runs `onRemove` for the row or card of `button`, then says so and moves focus to the list's add
 * button. A list drawn by position leaves focus on the same button, now the next item's: a second
 * Enter removed that one too.
 */
export function removed(button: HTMLElement, name: string, onRemove: () => void): void {
  let add: HTMLElement | null = null
  for (let el = button.parentElement; el && !add; el = el.parentElement) add = el.querySelector<HTMLElement>('button.add-row')
  onRemove()
  announce(`Removed ${name}`)
  requestAnimationFrame(() => add?.focus())
}

/** Focuses the first of `ids` whose element is drawn and enabled, once the change is drawn. */
export function focusWhenDrawn(...ids: string[]): void {
  requestAnimationFrame(() => {
    for (const id of ids) {
      const el = document.getElementById(id) as HTMLButtonElement | null
      if (el && !el.disabled) return el.focus()
    }
  })
}

let liveRegion: HTMLElement | null = null

/** The page's one polite live region, added to the page when missing. */
function politeRegion(): HTMLElement {
  if (!liveRegion?.isConnected) {
    liveRegion = document.createElement('div')
    liveRegion.className = 'visually-hidden'
    liveRegion.setAttribute('aria-live', 'polite')
    document.body.append(liveRegion)
  }
  return liveRegion
}
// In the page from the start: screen readers speak the changes of a live region they already
// know, and may miss the first words put into one that has just been added.
if (typeof document !== 'undefined' && document.body) politeRegion()

/** Says `text` to screen readers, politely, through one live region of the page. */
export function announce(text: string): void {
  const region = politeRegion()
  // Emptied first: the same words twice (two rows removed) are said twice.
  region.textContent = ''
  setTimeout(() => (region.textContent = text), 50)
}
