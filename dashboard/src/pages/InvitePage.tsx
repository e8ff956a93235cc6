import { MIN_PASSWORD_LENGTH, type Me } from '@miniconsent/shared'
import { useState } from 'preact/hooks'
import type { ApiClient } from '../api'
import { invitationInfo } from '../api-shapes'
import { errorText, LoadGate, useLoad } from '../components/site-page'
import { useDocumentTitle } from '../use-document-title'
import { PasswordField } from './PasswordPage'

/**
 * `/invite/:token`: a public page (no session yet) where an invited person sets a password, or,
 * when the address has an account, enters that account's password to join.
 */
export function InvitePage({ api, token, onSignedIn }: { api: ApiClient; token: string; onSignedIn: (me: Me) => void }) {
  useDocumentTitle('Accept invitation')
  const path = `/invitations/${encodeURIComponent(token)}`
  const load = useLoad((signal) => api.request(path, invitationInfo, { signal }), [token])
  const [password, setPassword] = useState('')
  const [repeat, setRepeat] = useState('')
  const [errors, setErrors] = useState<{ password?: string; repeat?: string }>({})
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  async function submit(e: SubmitEvent, hasAccount: boolean) {
    e.preventDefault()
    const found: typeof errors = {}
    // An account's own password is checked by the server only: it may predate the length rule.
    if (hasAccount) {
      if (!password) found.password = 'Enter the password of your account.'
    } else {
      if (password.length < MIN_PASSWORD_LENGTH) found.password = `Use at least ${MIN_PASSWORD_LENGTH} characters.`
      if (repeat !== password) found.repeat = 'The two passwords differ.'
    }
    setErrors(found)
    if (found.password || found.repeat) return
    setBusy(true)
    setError(null)
    try {
      // Through the client's own call, as a sign-in: it keeps the new session's CSRF token, and a
      // wrong password (401) does not end the session this browser may already have.
      onSignedIn(await api.acceptInvitation(token, { password }))
    } catch (err) {
      setError(errorText(err))
      setBusy(false)
    }
  }

  return (
    <main id="main" tabIndex={-1} class="sign-in">
      <h1>Accept your invitation</h1>
      <LoadGate state={load.state} what="the invitation" onRetry={load.reload}>
        {(info) => (
          <form onSubmit={(e) => submit(e, info.hasAccount)} noValidate>
            <p>
              You are invited to <strong>{info.siteName}</strong> as <strong>{info.role}</strong>, with the e-mail address{' '}
              <strong>{info.email}</strong>.{' '}
              {info.hasAccount
                ? 'This address already has an account here: enter its password to join.'
                : 'Choose a password to sign in from now on.'}
            </p>
            {info.hasAccount && (
              <p>If you never set up an account with this address, do not go on: tell whoever sent you this link.</p>
            )}
            <input type="email" name="email" autoComplete="username" value={info.email} hidden readOnly />
            {info.hasAccount ? (
              <PasswordField id="invite-password" label="Password" value={password} onValue={setPassword} error={errors.password} autoComplete="current-password" />
            ) : (
              <>
                <PasswordField id="invite-password" label="New password" value={password} onValue={setPassword} error={errors.password} autoComplete="new-password" />
                <PasswordField id="invite-repeat" label="Repeat the password" value={repeat} onValue={setRepeat} error={errors.repeat} autoComplete="new-password" />
              </>
            )}
            <div role="alert">{error && <p class="form-error">Could not accept the invitation: {error}</p>}</div>
            <button type="submit" class="primary" disabled={busy}>
              Accept and sign in
            </button>
          </form>
        )}
      </LoadGate>
    </main>
  )
}
