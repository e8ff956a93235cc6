// Admin sessions: the session cookie (`__Host-mc_session` over HTTPS, `mc_session` over plain
// HTTP) names a session; state-changing requests must also carry its CSRF token in `X-CSRF-Token`
// (SameSite=Strict already stops most cross-site posts; the token covers same-site subdomains and
// older browsers).
import type { Role } from '@miniconsent/shared'
import type { Context, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import { matchedRoutes } from 'hono/route'
import type { AppEnv, Services } from '../context'
import { ApiError } from '../lib/errors'
import { isHttps } from '../lib/request'
import { refuseNonUtf8 } from '../lib/validate'
import { safeEqual } from '../services/accounts'

/** The session cookie's name when it is not Secure (plain HTTP). */
export const SESSION_COOKIE = 'mc_session'
/**
 * Its name when it is Secure. A browser keeps a `__Host-` cookie only if it is Secure, of Path=/
 * and without Domain, so another subdomain of the site, which may set cookies for the parent
 * domain, cannot set one of this name to put the admin into its own account, or sign them out
 * (review). Plain HTTP has no such name: there, two cookies are refused (sessionTokenOf).
 */
export const HOST_SESSION_COOKIE = '__Host-mc_session'
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

function secureCookie(c: Context<AppEnv>, s: Services): boolean {
  if (s.env.SECURE_COOKIES === 'auto') return isHttps(c, s)
  return s.env.SECURE_COOKIES === 'true'
}

/** The session cookie's name and attributes on this request, as it is set at sign-in and cleared at sign-out. */
export function sessionCookie(c: Context<AppEnv>, s: Services) {
  const secure = secureCookie(c, s)
  return { name: secure ? HOST_SESSION_COOKIE : SESSION_COOKIE, options: { httpOnly: true, sameSite: 'Strict' as const, path: '/', secure } }
}

/**
 * The session token the request carries, and whether it carries several session cookies. A
 * browser sends a cookie of a longer Path first, so one that another subdomain set for the parent
 * domain with `Path=/api/admin` comes before the dashboard's own: read as the first, it would put
 * the admin into that account, or (junk) keep them signed out. A request with more than one has
 * no session at all, so it is never switched to another account.
 */
export function sessionTokenOf(c: Context<AppEnv>, s: Services): { token: string | undefined; several: boolean } {
  const several = carriedSessionTokens(c, s).length > 1
  return { token: several ? undefined : getCookie(c, sessionCookie(c, s).name), several }
}

/**
 * The token of every session cookie the request carries, where sessionTokenOf reads one only when
 * it carries one. For sign-out and sign-in, which end the sessions they name: a browser may sign
 * out a token it carries, and one carrying two (no session for anything else) must not leave its
 * real session alive on the server (review). Values are read as getCookie reads them.
 */
export function carriedSessionTokens(c: Context<AppEnv>, s: Services): string[] {
  const { name } = sessionCookie(c, s)
  const header = c.req.header('cookie') ?? ''
  return header.split(';').flatMap((pair) => {
    const at = pair.indexOf('=')
    if (at === -1 || pair.slice(0, at).trim() !== name) return []
    let value = pair.slice(at + 1).trim()
    if (value.length > 1 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
    try {
      return [decodeURIComponent(value)]
    } catch {
      return [value]
    }
  })
}

/**
 * Loads the session (or null) for every /api/admin request, enforces CSRF on state changes, and
 * runs the authorisation of the route a change is for (authorisation()), all from the headers:
 * whoever may not make the change is refused 401/403 whatever its body (malformed, of the wrong
 * shape, not UTF-8, compressed, over the limit), which is looked at only after (adminBodyLimit,
 * onceBodyArrived, the route's validator). A body refused first told a caller without the right
 * what was wrong with it (422, 413), where the same request with a good body was refused 403
 * (SPEC §8). The CSRF token is checked first, as it was: a change without it is refused
 * `csrf_invalid` whatever the account's role, and its answer says nothing of role or membership.
 */
export const loadSession = (s: Services, options: { csrfExempt: (string | RegExp)[] }) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const { token: cookie, several } = sessionTokenOf(c, s)
    // The browser is signed out of both; its own cookie (Path=/, host-only) is cleared, so that it
    // asks to sign in again. Another subdomain's cookie, of its own Path and Domain, is not ours to clear.
    if (several) {
      const { name, options } = sessionCookie(c, s)
      deleteCookie(c, name, options)
    }
    const changes = !SAFE_METHODS.has(c.req.method)
    const session = s.accounts.sessionFor(cookie)
    c.set('session', session)
    const exempt = options.csrfExempt.some((p) => (typeof p === 'string' ? p === c.req.path : p.test(c.req.path)))
    if (changes && !exempt && session) {
      const token = c.req.header('x-csrf-token')
      if (!token || !safeEqual(token, session.csrfToken)) {
        throw new ApiError(403, 'csrf_invalid', 'Missing or wrong X-CSRF-Token header')
      }
    }
    if (changes) authoriseRoute(c)
    await next()
  })

/**
 * A signed-in change is judged on its session and its role as they are once its body has arrived,
 * not when its headers did: a client may hold its body back for minutes, and an owner demoted,
 * removed or signed out meanwhile must not then act with the role that was taken away. Runs after
 * the body limit (adminBodyLimit), which counts what is read here: the body is read whole, the
 * session read anew and the route's authorisation run again, and the body, kept for the route's
 * validator, is then refused unless it is UTF-8 (refuseNonUtf8). A request without a session is
 * not waited for: it was refused already, or signs in or out as it is.
 */
export const onceBodyArrived = (s: Services) =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (c.get('session') && !SAFE_METHODS.has(c.req.method)) {
      await c.req.arrayBuffer()
      c.set('session', s.accounts.sessionFor(sessionTokenOf(c, s).token))
      authoriseRoute(c)
      // The body is text: checked once the session and the role are.
      if (c.get('session')) await refuseNonUtf8(c)
    }
    await next()
  })

/** The checks of who may use a route, by the handler that makes them (authorisation()). */
const authorisers = new WeakMap<object, (c: Context<AppEnv>) => void>()

/**
 * A route's middleware that runs `check`, which throws 401/403 unless the request's session may
 * use the route. loadSession runs it too, before anything reads a change's body, and
 * onceBodyArrived again once it has arrived; in the route it answers a read (GET), and a change
 * whose session was read anew meanwhile (assertSiteRole's `again`).
 */
export function authorisation(check: (c: Context<AppEnv>) => void): MiddlewareHandler<AppEnv> {
  const handler = createMiddleware<AppEnv>(async (c, next) => {
    check(c)
    await next()
  })
  authorisers.set(handler, check)
  return handler
}

/**
 * Runs the authorisation of each route the request matched, as the route would: with that route's
 * parameters (the site id), which Hono reads by the index of the route running (compose() sets it
 * the same way before each handler).
 */
function authoriseRoute(c: Context<AppEnv>): void {
  const running = c.req.routeIndex
  try {
    matchedRoutes(c).forEach((route, i) => {
      const check = authorisers.get(route.handler)
      if (!check) return
      c.req.routeIndex = i
      check(c)
    })
  } finally {
    c.req.routeIndex = running
  }
}

export const requireSession = authorisation((c) => {
  if (!c.get('session')) throw new ApiError(401, 'unauthenticated', 'Sign in first')
})

/** SPEC §8: every admin route checks role *and* site. */
export const requireSiteRole = (s: Services, roles: readonly Role[] = ['owner', 'editor', 'auditor']) => authorisation((c) => assertSiteRole(c, s, roles))

/**
 * Throws 401/403 unless the request's account holds one of `roles` on the route's site now. A
 * route that waits on something between requireSiteRole and its change (an erasure waits for the
 * consent records received before it) asks `again`: the session is then read anew too, so that
 * one ended meanwhile (signed out, a password changed) counts for nothing.
 */
export function assertSiteRole(c: Context<AppEnv>, s: Services, roles: readonly Role[], again = false): void {
  if (again) c.set('session', s.accounts.sessionFor(sessionTokenOf(c, s).token))
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
  assertOwnPage(c)
  await next()
})

/** ownPagesOnly's refusal, for a GET that does something only with some of its parameters. */
export function assertOwnPage(c: Context<AppEnv>): void {
  const site = c.req.header('sec-fetch-site')
  if (site !== undefined && !OWN_FETCH_SITES.has(site)) {
    throw new ApiError(403, 'cross_site_request', 'Only the dashboard’s own pages (or an address typed in) may ask for this')
  }
}
