import type { ComponentChildren } from 'preact'
import { useRef } from 'preact/hooks'
import { useSession } from '../session'
import { ActionButton } from './actions'

export interface SaveState {
  saving?: boolean
  saved?: boolean
  error?: string
  /** The save met an ended session (401, site-page's signedOut): signing in again answers the error, which then goes. */
  signedOut?: boolean
}

/**
 * The bar under an editable page: the save button, what happened to the last save (announced),
 * and the server's error in words. `what` names the thing saved ("draft", "settings").
 */
export function SaveBar({ what, state, dirty, onSave, children }: { what: string; state: SaveState; dirty: boolean; onSave: () => void; children?: ComponentChildren }) {
  const error = useUnlessSignedInSince(state)
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
        {error && <p class="field-error">{error}</p>}
      </div>
    </div>
  )
}

/**
 * The save's error, unless it was the session's end and the user has signed in again since (the
 * sign-in dialog keeps the page): "Not saved: Sign in first" is then stale, and the save can be
 * made again (review). Each save passes through a state without an error, so an error is told
 * apart from the previous one even when the words are the same.
 */
function useUnlessSignedInSince(state: SaveState): string | undefined {
  const { renewals } = useSession()
  /** The error on screen, and the session's renewals when it came. */
  const shown = useRef<{ error: string; renewals: number } | null>(null)
  if (!state.error) shown.current = null
  else if (shown.current?.error !== state.error) shown.current = { error: state.error, renewals }
  return state.signedOut && shown.current && renewals > shown.current.renewals ? undefined : state.error
}
