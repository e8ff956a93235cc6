// Sign-in, sign-out and the current user.
import { loginInput, type Me } from '@miniconsent/shared'
import type { Context } from 'hono'
import { Hono } from 'hono'
import { deleteCookie, setCookie } from 'hono/cookie'
import type { AppEnv, Services } from '../context'
import { ApiError } from '../lib/errors'
import { dummyPasswordHash, verifyPassword } from '../lib/password'
import { FailureCounter } from '../lib/rate-limit'
import { clientIp, isHttps } from '../lib/request'
import { jsonBody } from '../lib/validate'
import { SESSION_COOKIE, requireSession } from '../middleware/session'
import { SESSION_TTL_MS } from '../services/accounts'

const MAX_FAILURES = 5
const FAILURE_WINDOW_MS = 15 * 60 * 1000

function secureCookie(c: Context<AppEnv>, s: Services): boolean {
  if (s.env.SECURE_COOKIES === 'auto') return isHttps(c, s)
  return s.env.SECURE_COOKIES === 'true'
}

/** Starts a session for this user: sets the cookie and answers what `/me` would. */
export function signInAs(c: Context<AppEnv>, s: Services, userId: number): Me {
  const { token } = s.accounts.createSession(userId)
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
    secure: secureCookie(c, s),
    maxAge: SESSION_TTL_MS / 1000,
  })
  c.header('Cache-Control', 'no-store')
  return s.accounts.me(s.accounts.sessionFor(token)!)
}

export function authRoutes(s: Services) {
  const failures = new FailureCounter(MAX_FAILURES, FAILURE_WINDOW_MS, s.now)

  return new Hono<AppEnv>()
    .post('/api/admin/login', jsonBody(loginInput), async (c) => {
      const { email, password } = c.req.valid('json')
      const key = `${email.toLowerCase()}\n${clientIp(c, s) ?? 'unknown'}`
      const blocked = failures.blockedFor(key)
      if (blocked > 0) {
        throw new ApiError(429, 'too_many_attempts', 'Too many failed sign-ins; try again later', { 'Retry-After': String(blocked) })
      }
      const user = s.accounts.findUserByEmail(email)
      // An unknown e-mail costs the same scrypt as a wrong password, so timing reveals nothing.
      const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()))
      if (!user || !ok) {
        failures.fail(key)
        s.logger.warn('login failed', { requestId: c.get('requestId') })
        throw new ApiError(401, 'invalid_credentials', 'Wrong e-mail or password')
      }
      failures.clear(key)
      return c.json(signInAs(c, s, user.id))
    })
    .post('/api/admin/logout', (c) => {
      const session = c.get('session')
      if (session) s.accounts.deleteSession(session.sessionId)
      deleteCookie(c, SESSION_COOKIE, { path: '/', secure: secureCookie(c, s) })
      return c.body(null, 204)
    })
    .get('/api/admin/me', requireSession, (c) => {
      c.header('Cache-Control', 'no-store')
      return c.json(s.accounts.me(c.get('session')!))
    })
}
