import { MIN_PASSWORD_LENGTH } from '@miniconsent/shared'
import { useState } from 'preact/hooks'
import { ApiRequestError } from '../api'
import { errorText, useActionState } from '../components/site-page'
import { useSession } from '../session'
import { useDocumentTitle } from '../use-document-title'
import { AuditListing } from './AuditPage'

export function PasswordField({
  id,
  label,
  value,
  onValue,
  error,
  autoComplete,
  hint,
}: {
  id: string
  label: string
  value: string
  onValue: (v: string) => void
  error: string | undefined
  autoComplete: string
  hint?: string
}) {
  const describedBy = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(' ') || undefined
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        type="password"
        autoComplete={autoComplete}
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
      />
      {hint && (
        <p id={`${id}-hint`} class="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
    </div>
  )
}

/** The server's issues at the form's fields (422: a wrong current password is one at `currentPassword`), shown at the fields. */
function fieldErrors(err: unknown): { current?: string; next?: string } {
  const found: { current?: string; next?: string } = {}
  if (!(err instanceof ApiRequestError)) return found
  for (const issue of err.issues) {
    if (issue.path === 'currentPassword') found.current ??= issue.message
    if (issue.path === 'newPassword') found.next ??= issue.message
  }
  return found
}

/**
 * `/account/password`: any signed-in user; the user's other sessions end, and this one goes on in a
 * new session (new CSRF token). Under the form, the account's own audit entries, of no site.
 */
export function PasswordPage() {
  const { api, me } = useSession()
  useDocumentTitle('Change password')
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  const [repeat, setRepeat] = useState('')
  const [errors, setErrors] = useState<{ current?: string; next?: string; repeat?: string }>({})
  const [result, setResult] = useActionState<{ ok: boolean; text: string } | null>(null)
  const [busy, setBusy] = useState(false)
  // Raised after a change, so that the listing below is loaded again: the server writes the change
  // (`user.password`) there only for an account of no site (server/src/services/accounts.ts, changePassword); a member's
  // goes to each of its sites' audit logs instead, as the success message says.
  const [changes, setChanges] = useState(0)

  async function submit(e: SubmitEvent) {
    e.preventDefault()
    const found: typeof errors = {}
    if (!current) found.current = 'Enter your current password.'
    if (next.length < MIN_PASSWORD_LENGTH) found.next = `Use at least ${MIN_PASSWORD_LENGTH} characters.`
    if (repeat !== next) found.repeat = 'The two new passwords differ.'
    setErrors(found)
    setResult(null)
    if (Object.keys(found).length) return
    setBusy(true)
    try {
      const account = await api.changePassword({ currentPassword: current, newPassword: next })
      setCurrent('')
      setNext('')
      setRepeat('')
      // Where the change is recorded, by the sites the account belongs to now (the answer's).
      const where = account.sites.length ? ' The change is in the audit log of each of your sites.' : ''
      setResult({ ok: true, text: `Password changed. Your other sessions have been signed out.${where}` })
      setChanges((n) => n + 1)
    } catch (err) {
      setErrors(fieldErrors(err))
      setResult({ ok: false, text: `Password not changed: ${errorText(err)}` }, err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <div class="narrow">
      <h1>Change password</h1>
      <form onSubmit={submit} noValidate>
        <input type="email" name="email" autoComplete="username" value={me.user.email} hidden readOnly />
        <PasswordField id="password-current" label="Current password" value={current} onValue={setCurrent} error={errors.current} autoComplete="current-password" />
        <PasswordField
          id="password-new"
          label="New password"
          value={next}
          onValue={setNext}
          error={errors.next}
          autoComplete="new-password"
          hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
        />
        <PasswordField id="password-repeat" label="Repeat the new password" value={repeat} onValue={setRepeat} error={errors.repeat} autoComplete="new-password" />
        {/* A refusal is an alert, said at once; the success a status. Both regions are there all along, so that they are announced when they fill. */}
        <div role="status">{result?.ok && <p class="notice">{result.text}</p>}</div>
        <div role="alert">{result && !result.ok && <p class="form-error">{result.text}</p>}</div>
        <button type="submit" class="primary" disabled={busy}>
          Change password
        </button>
      </form>
      <section aria-labelledby="account-audit-heading">
        <h2 id="account-audit-heading">Your account’s audit log</h2>
        {/* No site's audit log holds these, so no one else can read them. */}
        <p class="muted">
          Changes to your account made while it belonged to no site: your password changes, and resets by the server operator. Those made while you are a member of
          sites are in each site’s audit log.
        </p>
        <AuditListing path="/me/audit" filters="" reload={changes} />
      </section>
    </div>
  )
}
