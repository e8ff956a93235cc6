// Admin sessions: the `mc_session` cookie names a session; state-changing requests must also
// carry its CSRF token in `X-CSRF-Token` (SameSite=Strict already stops most cross-site posts;
// the token covers same-site subdomains and older browsers).
import type { Role } from '@miniconsent/shared'
import type { Context } from 'hono'
import { getCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import type { AppEnv, Services } from '../context'
import { ApiError } from '../lib/errors'
import { refuseNonUtf8 } from '../lib/validate'
import { safeEqual } from '../services/accounts'

export const SESSION_COOKIE = 'mc_session'
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Loads the session (or null) for every /api/admin request and enforces CSRF on state changes.
 *
 * A signed-in change is judged on its session (and, by requireSiteRole after it, its role) as
 * they are once its body has arrived, not when its headers did: a client may hold its body back
 * for minutes, and an owner demoted, removed or signed out meanwhile must not then act with the
 * role that was taken away. The body (at most MAX_ADMIN_BODY, adminBodyLimit runs first) is kept
 * for the route's validator, and refused unless it is UTF-8 (refuseNonUtf8). A request without a
 * session is not waited for: it is refused, or signs in, as it is.
 */
export const loadSession = (s: Services, options: { csrfExempt: (string | RegExp)[] }) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const cookie = getCookie(c, SESSION_COOKIE)
    const changes = !SAFE_METHODS.has(c.req.method)
    let session = s.accounts.sessionFor(cookie)
    if (session && changes) {
      await c.req.arrayBuffer()
      session = s.accounts.sessionFor(cookie)
    }
    c.set('session', session)
    const exempt = options.csrfExempt.some((p) => (typeof p === 'string' ? p === c.req.path : p.test(c.req.path)))
    if (changes && !exempt && session) {
      const token = c.req.header('x-csrf-token')
      if (!token || !safeEqual(token, session.csrfToken)) {
        throw new ApiError(403, 'csrf_invalid', 'Missing or wrong X-CSRF-Token header')
      }
    }
    // The body, read above, is text: checked once the session and its token are.
    if (session && changes) await refuseNonUtf8(c)
    await next()
  })

export const requireSession = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.get('session')) throw new ApiError(401, 'unauthenticated', 'Sign in first')
  await next()
})

/** SPEC §8: every admin route checks role *and* site. */
export const requireSiteRole = (s: Services, roles: readonly Role[] = ['owner', 'editor', 'auditor']) =>
  createMiddleware<AppEnv>(async (c, next) => {
    assertSiteRole(c, s, roles)
    await next()
  })

/**
 * Throws 401/403 unless the request's account holds one of `roles` on the route's site now. A
 * route that waits on something between requireSiteRole and its change (an erasure waits for the
 * consent records received before it) asks `again`: the session is then read anew too, so that
 * one ended meanwhile (signed out, a password changed) counts for nothing.
 */
export function assertSiteRole(c: Context<AppEnv>, s: Services, roles: readonly Role[], again = false): void {
  if (again) c.set('session', s.accounts.sessionFor(getCookie(c, SESSION_COOKIE)))
  const session = c.get('session')
  if (!session) throw new ApiError(401, 'unauthenticated', 'Sign in first')
  const siteId = c.req.param('siteId') ?? ''
  const role = s.accounts.roleOn(session.user.id, siteId)
  if (!role) throw new ApiError(403, 'forbidden', `You have no access to site "${siteId}"`)
  // A member whose role does not take this: said so, not that they have no access at all.
  if (!roles.includes(role)) throw new ApiError(403, 'forbidden', `Your role on site "${siteId}" (${role}) cannot do this; it takes ${roles.join(' or ')}`)
}

/** What a page of this server sends as Sec-Fetch-Site, or a typed address or bookmark. */
const OWN_FETCH_SITES: ReadonlySet<string> = new Set(['same-origin', 'none'])

/**
 * For a GET that does something (an export: its audit entry, its signed manifest; a verification
 * of the whole chain): refused (403 `cross_site_request`) when the browser says another site's
 * page asked for it. A GET carries no CSRF token, and SameSite=Strict still sends the session
 * cookie from a same-site page (another subdomain), so an `<img src>` there would otherwise make
 * an export in an auditor's name. Clients that send no Sec-Fetch-Site (curl, scripts) hold their
 * own cookie and are let through.
 */
export const ownPagesOnly = createMiddleware<AppEnv>(async (c, next) => {
  const site = c.req.header('sec-fetch-site')
  if (site !== undefined && !OWN_FETCH_SITES.has(site)) {
    throw new ApiError(403, 'cross_site_request', 'Only the dashboard’s own pages (or an address typed in) may ask for this')
  }
  await next()
})
