import { loginInput, type Me } from '@miniconsent/shared'
import { useState } from 'preact/hooks'
import { ApiRequestError, type ApiClient } from '../api'
import { useDocumentTitle } from '../use-document-title'

interface Props {
  api: ApiClient
  onSignedIn: (me: Me) => void
  /** Why the visitor landed here, e.g. an expired session. */
  notice?: string | null
}

type FieldErrors = Partial<Record<'email' | 'password', string>>

export function SignInPage({ api, onSignedIn, notice }: Props) {
  useDocumentTitle('Sign in')
  return (
    <main id="main" tabIndex={-1} class="sign-in">
      <h1>Sign in to MiniConsent</h1>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <SignInForm api={api} onSignedIn={onSignedIn} />
    </main>
  )
}

/** The e-mail and password form, on the sign-in page and over a page whose session ended (SessionExpired). */
export function SignInForm({ api, onSignedIn, email: initialEmail = '' }: { api: ApiClient; onSignedIn: (me: Me) => void; email?: string }) {
  const [email, setEmail] = useState(initialEmail)
  const [password, setPassword] = useState('')
  const [submitting, setSubmitting] = useState(false)
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({})
  const [error, setError] = useState<string | null>(null)

  async function submit(event: SubmitEvent) {
    event.preventDefault()
    if (submitting) return
    const input = { email: email.trim(), password }
    const errors = checkFields(input)
    setFieldErrors(errors)
    setError(null)
    if (errors.email || errors.password) return

    setSubmitting(true)
    try {
      const me = await api.login(input)
      onSignedIn(me)
    } catch (err) {
      setError(err instanceof ApiRequestError ? err.message : 'Signing in failed. Try again.')
      setSubmitting(false)
    }
  }

  return (
    <form onSubmit={submit} noValidate aria-describedby={error ? 'sign-in-error' : undefined}>
      <div class="field">
        <label for="sign-in-email">Email</label>
        <input
          id="sign-in-email"
          name="email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onInput={(e) => setEmail(e.currentTarget.value)}
          aria-invalid={fieldErrors.email ? true : undefined}
          aria-describedby={fieldErrors.email ? 'sign-in-email-error' : undefined}
        />
        {fieldErrors.email && (
          <p id="sign-in-email-error" class="field-error">
            {fieldErrors.email}
          </p>
        )}
      </div>
      <div class="field">
        <label for="sign-in-password">Password</label>
        <input
          id="sign-in-password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          aria-invalid={fieldErrors.password ? true : undefined}
          aria-describedby={fieldErrors.password ? 'sign-in-password-error' : undefined}
        />
        {fieldErrors.password && (
          <p id="sign-in-password-error" class="field-error">
            {fieldErrors.password}
          </p>
        )}
      </div>
      <div role="alert" class="form-error-slot">
        {error && (
          <p id="sign-in-error" class="form-error">
            {error}
          </p>
        )}
      </div>
      <button type="submit" class="primary" disabled={submitting}>
        Sign in
      </button>
      {submitting && (
        <p class="muted" role="status">
          Signing in…
        </p>
      )}
    </form>
  )
}

function checkFields(input: { email: string; password: string }): FieldErrors {
  const result = loginInput.safeParse(input)
  if (result.success) return {}
  const errors: FieldErrors = {}
  for (const issue of result.error.issues) {
    if (issue.path[0] === 'email' && !errors.email) {
      errors.email = input.email ? 'Enter an email address like name@example.com.' : 'Enter your email address.'
    }
    if (issue.path[0] === 'password' && !errors.password) {
      errors.password = input.password ? 'This password is too long.' : 'Enter your password.'
    }
  }
  return errors
}
