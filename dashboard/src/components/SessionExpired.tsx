import type { Me } from '@miniconsent/shared'
import { useEffect, useRef } from 'preact/hooks'
import type { ApiClient } from '../api'
import { SignInForm } from '../pages/SignInPage'

/** The element focused last outside this dialog. */
let lastFocused: HTMLElement | null = null
if (typeof document !== 'undefined') {
  document.addEventListener('focusin', (e) => {
    if (e.target instanceof HTMLElement && !e.target.closest('dialog.session-expired')) lastFocused = e.target
  })
}

/**
 * Over the page whose request answered 401: a modal sign-in, so that the page, and whatever was
 * typed into it, stays mounted behind it. Sending the visitor to the sign-in page instead unmounted
 * the editor and lost an unsaved draft (review). That holds when the same account signs in again;
 * another account's sign-in starts the pages anew as it (App's useAccountSwitch), as the dialog
 * says. Escape does not close it: behind it, every request would only answer 401 again.
 */
export function SessionExpired({ api, me, onSignedIn, onSignInAsOther }: { api: ApiClient; me: Me; onSignedIn: (me: Me) => void; onSignInAsOther: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const d = dialog.current
    // What had focus last (the Save button that met the 401, disabled while it saved, so no longer
    // focused now) gets it back once signed in, rather than <body> (review).
    const before = lastFocused
    if (d && !d.open) {
      if (typeof d.showModal === 'function') d.showModal()
      else d.setAttribute('open', '')
    }
    return () => {
      if (d?.open && typeof d.close === 'function') d.close()
      if (before?.isConnected) before.focus()
    }
  }, [])
  return (
    <dialog ref={dialog} class="session-expired" aria-labelledby="session-expired-title" aria-describedby="session-expired-why" onCancel={(e) => e.preventDefault()}>
      <h2 id="session-expired-title">Your session has ended</h2>
      {/* The e-mail can be changed in the form, but another account's pages start anew (App's useAccountSwitch): what was typed is kept for this one only (review). */}
      <p id="session-expired-why">
        Sign in again to continue. What you entered on this page is kept if you sign in again as {me.user.email}: once signed in, save it again. Signing in
        as another account starts its pages anew, without it.
      </p>
      <SignInForm api={api} email={me.user.email} onSignedIn={onSignedIn} />
      <p>
        <button type="button" class="link-button" onClick={onSignInAsOther}>
          Sign in as someone else (leaves this page)
        </button>
      </p>
    </dialog>
  )
}
