// The signed-in user's own account.
import { passwordChangeInput } from '@miniconsent/shared'
import { Hono } from 'hono'
import type { AppEnv, Services } from '../context'
import { ApiError } from '../lib/errors'
import { FailureCounter } from '../lib/rate-limit'
import { formBody } from '../lib/validate'
import { requireSession } from '../middleware/session'

export function accountRoutes(s: Services) {
  // The current password guards against whoever got hold of a session: they may not guess it at scrypt speed.
  const failures = new FailureCounter(5, 15 * 60 * 1000, s.now)

  return new Hono<AppEnv>().post('/api/admin/password', requireSession, formBody(passwordChangeInput), async (c) => {
    const session = c.get('session')!
    const key = String(session.user.id)
    const blocked = failures.blockedFor(key)
    if (blocked > 0) throw new ApiError(429, 'too_many_attempts', 'Too many wrong passwords; try again later', { 'Retry-After': String(blocked) })
    const { currentPassword, newPassword } = c.req.valid('json')
    try {
      await s.accounts.changePassword(session, currentPassword, newPassword)
    } catch (err) {
      if (err instanceof ApiError && err.issues?.some((i) => i.path === 'currentPassword')) failures.fail(key)
      throw err
    }
    failures.clear(key)
    return c.body(null, 204)
  })
}
