// Admin sessions: the `mc_session` cookie names a session; state-changing requests must also
// carry its CSRF token in `X-CSRF-Token` (SameSite=Strict already stops most cross-site posts;
// the token covers same-site subdomains and older browsers).
import type { Role } from '@miniconsent/shared'
import { getCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import type { AppEnv, Services } from '../context'
import { ApiError } from '../lib/errors'
import { safeEqual } from '../services/accounts'

export const SESSION_COOKIE = 'mc_session'
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** Loads the session (or null) for every /api/admin request and enforces CSRF on state changes. */
export const loadSession = (s: Services, options: { csrfExempt: (string | RegExp)[] }) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const session = s.accounts.sessionFor(getCookie(c, SESSION_COOKIE))
    c.set('session', session)
    const exempt = options.csrfExempt.some((p) => (typeof p === 'string' ? p === c.req.path : p.test(c.req.path)))
    if (!SAFE_METHODS.has(c.req.method) && !exempt && session) {
      const token = c.req.header('x-csrf-token')
      if (!token || !safeEqual(token, session.csrfToken)) {
        throw new ApiError(403, 'csrf_invalid', 'Missing or wrong X-CSRF-Token header')
      }
    }
    await next()
  })

export const requireSession = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.get('session')) throw new ApiError(401, 'unauthenticated', 'Sign in first')
  await next()
})

/** SPEC §8: every admin route checks role *and* site. */
export const requireSiteRole = (s: Services, roles: readonly Role[] = ['owner', 'editor', 'auditor']) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const session = c.get('session')
    if (!session) throw new ApiError(401, 'unauthenticated', 'Sign in first')
    const siteId = c.req.param('siteId') ?? ''
    const role = s.accounts.roleOn(session.user.id, siteId)
    if (!role || !roles.includes(role)) throw new ApiError(403, 'forbidden', `You have no access to site "${siteId}"`)
    await next()
  })
