// An editor page, or an owner's part of one, that the user's role no longer lets them change while
// they had changes under way: an owner lowered their role meanwhile, and a refused request (403)
// reloaded the roles. What they can no longer save is put back to what is saved, not kept as edits
// the server never stored, and the page says so; the controls that held the error may be gone.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'

/**
 * Calls `revert` when `allowed` turns false while `pending`; returns the text `revert` returned,
 * for RoleLoweredNotice to say, from then on, until `allowed` is true again or `dismiss` is called.
 */
export function useRoleLowered(allowed: boolean, pending: boolean, revert: () => string): [notice: string | null, dismiss: () => void] {
  const wasAllowed = useRef(allowed)
  const [notice, setNotice] = useState<string | null>(null)
  // A layout effect: the refused change is replaced before the browser paints it as read-only.
  useLayoutEffect(() => {
    if (wasAllowed.current && !allowed && pending) setNotice(revert())
    if (allowed) setNotice(null)
    wasAllowed.current = allowed
  }, [allowed])
  return [notice, () => setNotice(null)]
}

/**
 * The notice, in an alert region rendered all along so that it is announced when it fills. It
 * takes the focus when nothing has it: the button pressed may have gone with the role, and focus
 * would fall to <body>, where a keyboard or screen reader user starts over at the top.
 */
export function RoleLoweredNotice({ text }: { text: string | null }) {
  const notice = useRef<HTMLParagraphElement>(null)
  useEffect(() => {
    const active = document.activeElement
    if (text && (active === null || active === document.body)) notice.current?.focus()
  }, [text])
  return (
    <div role="alert">
      {text && (
        <p ref={notice} class="form-error" tabIndex={-1}>
          {text}
        </p>
      )}
    </div>
  )
}

/**
 * Reverts the page (`revert`: back to the saved version) when `editable` turns false while
 * `dirty`, and says so from then on. `what` names the thing saved ("draft", "settings").
 */
export function EditsNotKept({ editable, dirty, what, revert }: { editable: boolean; dirty: boolean; what: string; revert: () => void }) {
  const [notice] = useRoleLowered(editable, dirty, () => {
    revert()
    return `Not saved: your role on this site no longer lets you edit it, so your changes were not kept. What you see is the ${what} as saved.`
  })
  return <RoleLoweredNotice text={notice} />
}
