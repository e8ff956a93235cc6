// The add and remove buttons of the editable lists and tables (catalogue, site settings).
import { fieldId } from './fields'

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
        requestAnimationFrame(() => document.getElementById(fieldId(focusPath))?.focus())
      }}
    >
      {label}
    </button>
  )
}

/** Removes a table row at once; `name` says which to screen readers ("Remove US-CA"). */
export function RemoveRowButton({ name, onRemove }: { name: string; onRemove: () => void }) {
  return (
    <button type="button" class="danger" onClick={onRemove}>
      Remove<span class="visually-hidden"> {name}</span>
    </button>
  )
}
