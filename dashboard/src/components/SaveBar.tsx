import type { ComponentChildren } from 'preact'
import { ActionButton } from './actions'

export interface SaveState {
  saving?: boolean
  saved?: boolean
  /** Held by site-page's useActionState: an ended session's error goes once the user signs in again. */
  error?: string
}

/**
 * The bar under an editable page: the save button, what happened to the last save (announced),
 * and the server's error in words. `what` names the thing saved ("draft", "settings").
 */
export function SaveBar({ what, state, dirty, onSave, children }: { what: string; state: SaveState; dirty: boolean; onSave: () => void; children?: ComponentChildren }) {
  return (
    <div class="save-bar">
      {/* Inactive rather than disabled while saving: keyboard focus stays on it (ActionButton). */}
      <ActionButton class="primary" onClick={onSave} inactive={!!state.saving}>
        Save {what}
      </ActionButton>
      {children}
      <p role="status" class="save-status">
        {state.saving && `Saving the ${what}…`}
        {state.saved && !dirty && `${what[0]!.toUpperCase()}${what.slice(1)} saved.`}
        {!state.saving && dirty && <strong class="unsaved">Unsaved changes</strong>}
      </p>
      <div role="alert" class="save-error">
        {state.error && <p class="field-error">{state.error}</p>}
      </div>
    </div>
  )
}

