import { me as meSchema, MIN_PASSWORD_LENGTH, type Me } from '@miniconsent/shared'
import { useState } from 'preact/hooks'
import type { ApiClient } from '../api'
import { invitationInfo } from '../api-shapes'
import { errorText, LoadGate, useLoad } from '../components/site-page'
import { useDocumentTitle } from '../use-document-title'
import { PasswordField } from './PasswordPage'

/** `/invite/:token`: a public page (no session yet) where an invited person sets a password. */
export function InvitePage({ api, token, onSignedIn }: { api: ApiClient; token: string; onSignedIn: (me: Me) => void }) {
  useDocumentTitle('Accept invitation')
  const path = `/invitations/${encodeURIComponent(token)}`
  const load = useLoad((signal) => api.request(path, invitationInfo, { signal }), [token])
  const [password, setPassword] = useState('')
  const [repeat, setRepeat] = useState('')
  const [errors, setErrors] = useState<{ password?: string; repeat?: string }>({})
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  async function submit(e: SubmitEvent) {
    e.preventDefault()
    const found: typeof errors = {}
    if (password.length < MIN_PASSWORD_LENGTH) found.password = `Use at least ${MIN_PASSWORD_LENGTH} characters.`
    if (repeat !== password) found.repeat = 'The two passwords differ.'
    setErrors(found)
    if (found.password || found.repeat) return
    setBusy(true)
    setError(null)
    try {
      onSignedIn(await api.request(`${path}/accept`, meSchema, { method: 'POST', body: { password } }))
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
          <form onSubmit={submit} noValidate>
            <p>
              You are invited to <strong>{info.siteName}</strong> as <strong>{info.role}</strong>, with the e-mail address{' '}
              <strong>{info.email}</strong>. Choose a password to sign in from now on.
            </p>
            <input type="email" name="email" autoComplete="username" value={info.email} hidden readOnly />
            <PasswordField id="invite-password" label="New password" value={password} onValue={setPassword} error={errors.password} autoComplete="new-password" />
            <PasswordField id="invite-repeat" label="Repeat the password" value={repeat} onValue={setRepeat} error={errors.repeat} autoComplete="new-password" />
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
