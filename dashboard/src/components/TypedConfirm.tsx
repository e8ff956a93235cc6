// The panel that asks for a name to be typed before something that cannot be undone (erasing a
// visitor's records, deleting a site).
import type { ComponentChildren } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { ActionButton } from './actions'

/**
 * Its heading takes the focus when it opens, and again when the action has failed; the action
 * stays disabled until `expected` is typed exactly, and does nothing while `busy`.
 */
export function TypedConfirm(props: {
  /** The input's id; the heading's is `<id>-heading`. */
  id: string
  title: ComponentChildren
  children: ComponentChildren
  label: string
  expected: string
  busy: boolean
  action: string
  busyAction: string
  onConfirm: () => void
  onCancel: () => void
}) {
  const [typed, setTyped] = useState('')
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    if (!props.busy) heading.current?.focus()
  }, [props.busy])
  return (
    <div class="confirm-panel">
      <h3 id={`${props.id}-heading`} tabIndex={-1} ref={heading}>
        {props.title}
      </h3>
      {props.children}
      <div class="field">
        <label for={props.id}>{props.label}</label>
        <input id={props.id} value={typed} spellcheck={false} autoComplete="off" onInput={(e) => setTyped(e.currentTarget.value)} />
      </div>
      <div class="actions">
        {/* Disabled until the name is typed; inactive, not disabled, while busy, so keyboard focus stays on it. */}
        <ActionButton class="danger" disabled={typed !== props.expected} inactive={props.busy} onClick={props.onConfirm}>
          {props.busy ? props.busyAction : props.action}
        </ActionButton>
        <button type="button" onClick={props.onCancel} disabled={props.busy}>
          Cancel
        </button>
      </div>
    </div>
  )
}
