// Sign-in, sign-out and the current user.
import { loginInput, type Me } from '@miniconsent/shared'
import type { Context } from 'hono'
import { Hono } from 'hono'
import { deleteCookie, setCookie } from 'hono/cookie'
import type { AppEnv, Services } from '../context'
import { ApiError } from '../lib/errors'
import { clientNetwork } from '../lib/ip'
import { checkSignIn, verifyPassword } from '../lib/password'
import { limitedAttempt } from '../lib/rate-limit'
import { clientIp } from '../lib/request'
import { jsonBody, utf8Body } from '../lib/validate'
import { carriedSessionTokens, requireSession, sessionCookie } from '../middleware/session'
import { loggedPath } from '../middleware/request-context'
import { SESSION_TTL_MS } from '../services/accounts'

/**
 * Starts a session for this user: sets the cookie and answers what `/me` would. `checked`: the
 * password hash just checked, which must still be the account's (Accounts.createSession).
 */
export function signInAs(c: Context<AppEnv>, s: Services, userId: number, checked?: { passwordHash: string }): Me {
  const { token } = s.accounts.createSession(userId, checked)
  // The session this browser held (another user's, or its own from before) ends: its cookie is
  // replaced, and whoever copied it must not keep it for the rest of its 12 hours (review). Each
  // session a carried cookie names, when it carried two (its own and another subdomain's, which
  // are no session, so c.get('session') is null): its own is among them.
  s.accounts.endSessionsOf(carriedSessionTokens(c, s))
  return answerSession(c, s, token)
}

/**
 * Sets the cookie of the session `token` opens (a sign-in, or the session a password change
 * replaces the old one with) and returns what `/me` would answer for it, with its CSRF token.
 */
export function answerSession(c: Context<AppEnv>, s: Services, token: string): Me {
  const { name, options } = sessionCookie(c, s)
  // Max-Age: the browser drops the cookie when its session expires.
  setCookie(c, name, token, { ...options, maxAge: SESSION_TTL_MS / 1000 })
  c.header('Cache-Control', 'no-store')
  return s.accounts.me(s.accounts.sessionFor(token)!)
}

/**
 * What a blocked sign-in is told. A block made by checks still running, short of the failures
 * (Retry-After: 1), is no failed sign-in: a user whose own parallel sign-ins, all right, filled the
 * limit was told of failures that never happened (review).
 */
const SIGN_IN_BLOCKED = {
  failures: 'Too many failed sign-ins; try again later',
  checks: 'Too many sign-ins are being checked at once; try again in a second',
}

/**
 * Runs `check`, a check of the password of the account at `email`, under the sign-in throttle
 * (`SignInThrottle`): 429 `too_many_attempts` while it is blocked for this e-mail from this client's
 * network, saying whether failures or checks still running block it (SIGN_IN_BLOCKED); a 401
 * `invalid_credentials` thrown by `check` counts as a failure, and a check still running counts as
 * one until it ends. Sign-in and invitation acceptance both go through here, so guesses on either
 * count together.
 */
export function throttledPasswordCheck<T>(c: Context<AppEnv>, s: Services, email: string, check: () => Promise<T>): Promise<T> {
  const key = { email, network: clientNetwork(clientIp(c, s)) }
  return limitedAttempt(s.signInThrottle, key, SIGN_IN_BLOCKED, check, (err) => {
    if (!(err instanceof ApiError && err.code === 'invalid_credentials')) return false
    s.logger.warn('password check failed', { requestId: c.get('requestId'), path: loggedPath(c.req.path) })
    return true
  })
}

export function authRoutes(s: Services) {
  return new Hono<AppEnv>()
    .post('/api/admin/login', utf8Body, jsonBody(loginInput, { fieldsOf: 'a sign-in' }), async (c) => {
      const { email, password } = c.req.valid('json')
      const user = await throttledPasswordCheck(c, s, email, async () => {
        const found = s.accounts.findUserByEmail(email)
        const ok = await checkSignIn(password, found?.passwordHash)
        if (!found || !ok) throw new ApiError(401, 'invalid_credentials', 'Wrong e-mail or password')
        return found
      })
      let me: Me
      try {
        me = signInAs(c, s, user.id, user)
      } catch (e) {
        // The hash checked is no longer the account's: the password was changed meanwhile (refused),
        // or another sign-in hashed the same password again (rehashIfWeak), which this password opens.
        const now = s.accounts.findUserByEmail(email)
        const rehashed = e instanceof ApiError && e.code === 'invalid_credentials' && now && now.passwordHash !== user.passwordHash
        if (!rehashed || !(await verifyPassword(password, now.passwordHash))) throw e
        me = signInAs(c, s, now.id, now)
      }
      await s.accounts.rehashIfWeak(user.id, password, user.passwordHash)
      return c.json(me)
    })
    .post('/api/admin/logout', (c) => {
      // Every session a carried cookie names ends: the request's own session, whose CSRF token
      // loadSession checked, or, when it carried two cookies (no session, so no token to check),
      // each of them, among which is the browser's real session, which would otherwise go on (review).
      const carried = carriedSessionTokens(c, s)
      s.accounts.endSessionsOf(carried)
      // Only a request that carried the session cookie clears it. The cookie is SameSite=Strict, so
      // a page of another site posting here sends none (and so skips the CSRF check, which is a
      // session's), but a browser still applied this answer's deletion: any site could sign the
      // dashboard out, leaving the session itself alive on the server (review).
      // One that carried several was answered their deletion already (loadSession).
      const { name, options } = sessionCookie(c, s)
      if (carried.length === 1) deleteCookie(c, name, options)
      return c.body(null, 204)
    })
    .get('/api/admin/me', requireSession, (c) => {
      c.header('Cache-Control', 'no-store')
      return c.json(s.accounts.me(c.get('session')!))
    })
}
