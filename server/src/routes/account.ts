// The signed-in user's own account.
import { auditQuery, passwordChangeInput } from '@miniconsent/shared'
import { Hono } from 'hono'
import type { AppEnv, Services } from '../context'
import { ApiError } from '../lib/errors'
import { FailureCounter, limitedAttempt } from '../lib/rate-limit'
import { formBody, queryOf } from '../lib/validate'
import { requireSession } from '../middleware/session'
import { answerSession } from './auth'

export function accountRoutes(s: Services) {
  // The current password guards against whoever got hold of a session: they may not guess it at
  // scrypt speed. Counted per session, not per account: a stolen session's wrong guesses must not
  // keep the account's owner, in a session of their own, from the change that ends it.
  const failures = new FailureCounter(5, 15 * 60 * 1000, s.now)

  return new Hono<AppEnv>()
    .get('/api/admin/me/audit', requireSession, queryOf(auditQuery), (c) => {
      // The entries of no site about this account (a password change while it had no site): no
      // site's owners read them, so the account's own user does.
      c.header('Cache-Control', 'no-store')
      return c.json(s.audit.listAccount(c.get('session')!.user.id, c.req.valid('query')))
    })
    .post('/api/admin/password', requireSession, formBody(passwordChangeInput, 'a change of password'), async (c) => {
    const session = c.get('session')!
    const { currentPassword, newPassword } = c.req.valid('json')
    const { token } = await limitedAttempt(
      failures,
      session.sessionId,
      {
        failures: 'Too many wrong passwords; try again later',
        // None of the checks running (this session's) may fail: not to be called wrong passwords.
        checks: 'Other changes of password in this session are being checked; try again in a second',
      },
      () => s.accounts.changePassword(session, currentPassword, newPassword),
      (err) => err instanceof ApiError && (err.issues?.some((i) => i.path === 'currentPassword') ?? false),
    )
    // The session this was sent in has ended with every other: whoever copied its cookie or CSRF
    // token is out too. This browser goes on in the new one, whose token the dashboard swaps in.
    return c.json(answerSession(c, s, token))
  })
}
