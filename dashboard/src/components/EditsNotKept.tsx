// An editor page that turns read-only under unsaved edits: an owner lowered this user's role
// meanwhile, and a refused request (403) reloaded the roles. The page then shows what is saved,
// not the edits the server never stored, and says so; the save bar that held the error is gone.
import { useLayoutEffect, useRef, useState } from 'preact/hooks'

/**
 * Calls `revert` (back to the saved version) when `editable` turns false while `dirty`, and
 * renders the notice from then on. `what` names the thing saved ("draft", "settings").
 */
export function EditsNotKept({ editable, dirty, what, revert }: { editable: boolean; dirty: boolean; what: string; revert: () => void }) {
  const wasEditable = useRef(editable)
  const [dropped, setDropped] = useState(false)
  // A layout effect: the refused edit is replaced before the browser paints it as read-only.
  useLayoutEffect(() => {
    if (wasEditable.current && !editable && dirty) {
      revert()
      setDropped(true)
    }
    if (editable) setDropped(false)
    wasEditable.current = editable
  }, [editable])
  return (
    <div role="alert">
      {dropped && (
        <p class="form-error">
          Not saved: your role on this site no longer lets you edit it, so your changes were not kept. What you see is the {what} as saved.
        </p>
      )}
    </div>
  )
}
