// The demo sites under /demo/ and the dashboard SPA at / (with history fallback).
import { join } from 'node:path'
import type { Context, MiddlewareHandler } from 'hono'
import { Hono } from 'hono'
import type { AppEnv, Services } from '../context'
import { ApiError } from '../lib/errors'
import { negotiate, reply } from '../lib/encoding'
import { isDirectory, type StaticFile } from '../lib/static-files'
import { catchAllHandlers } from '../lib/validate'

// The dashboard never needs another origin, inline scripts or frames of itself.
const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"

// The demo pages share the dashboard's origin, where any script they run could read the admin's
// session (its CSRF token included) and act as the admin: only the server's own scripts and the
// pages' inline ones run, talking to this server alone. The trailer's frame is YouTube's.
const DEMO_CSP =
  "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; frame-src https://www.youtube-nocookie.com; base-uri 'self'; form-action 'self'; object-src 'none'"

/** A demo page (its HTML) with its policy; the files it loads as they are. */
const demoHeaders = (file: StaticFile) => (file.type.startsWith('text/html') ? { 'Content-Security-Policy': DEMO_CSP } : undefined)

function send(c: Context<AppEnv>, file: StaticFile, cacheControl: string, extra: Record<string, string> = {}) {
  const answer = negotiate(c.req.header('accept-encoding'), c.req.header('if-none-match'), file.body, file.etag, file.type)
  return reply(c, answer, { 'Content-Type': file.type, 'Cache-Control': cacheControl, ...extra })
}

// Paths the dashboard never owns: their misses are the API's 404 (or 405), not the SPA. Under
// /.well-known/ a 200 claims a resource: browsers probe a path there that must not exist before they
// trust /.well-known/change-password, and ACME or security.txt checkers read any 200 as an answer.
// The exact prefix only: `/.WELL-KNOWN/`, `/.well-known%2F…`, `//.well-known/` are other paths (RFC 3986), which no such client asks for.
const RESERVED = /^\/(api|sdk|demo|\.well-known)(\/|$)/

export function staticRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/demo', (c) => c.redirect('/demo/', 301))
    .get('/demo/*', async (c) => {
      const rel = c.req.path.slice('/demo/'.length)
      if (rel === '' || rel.endsWith('/')) {
        const file = await s.staticFiles.read(s.demoDir, rel + 'index.html')
        if (file) return send(c, file, 'no-cache', demoHeaders(file))
      } else {
        const file = await s.staticFiles.read(s.demoDir, rel)
        if (file) return send(c, file, 'no-cache', demoHeaders(file))
        // `/demo/minopa` → `/demo/minopa/`, so the page's relative links resolve inside it.
        if (!rel.includes('..') && (await isDirectory(join(s.demoDir, rel)))) return c.redirect(`/demo/${rel}/`, 301)
      }
      throw new ApiError(404, 'not_found', 'No such demo page')
    })
    .get('*', dashboardFiles(s))
}

/** The dashboard's files at any path (`GET *`), the API's paths passed on to their 404 or 405. */
function dashboardFiles(s: Services): MiddlewareHandler<AppEnv> {
  const handler: MiddlewareHandler<AppEnv> = async (c, next) => {
    const path = c.req.path
    if (RESERVED.test(path) || path === '/healthz') return next()
    if (path !== '/' && !path.endsWith('/')) {
      const file = await s.staticFiles.read(s.dashboardDir, path)
      // Vite puts content-hashed files under assets/: they never change under one name.
      // An HTML file asked for by name (/index.html) is the dashboard too, with its CSP.
      if (file) return send(c, file, path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache', file.type.startsWith('text/html') ? { 'Content-Security-Policy': DASHBOARD_CSP } : undefined)
      // A missing file (a name with an extension) is a 404, not the SPA.
      if (/\.[A-Za-z0-9]+$/.test(path.split('/').pop() ?? '')) return next()
    }
    const index = await s.staticFiles.read(s.dashboardDir, 'index.html')
    if (!index) {
      return c.text('The dashboard is not built: run `pnpm build` at the repository root.', 503, { 'Cache-Control': 'no-store' })
    }
    return send(c, index, 'no-cache', { 'Content-Security-Policy': DASHBOARD_CSP })
  }
  // A match of it is no route of the API's: refuseUnreadQuery leaves the query to the 404 or 405.
  catchAllHandlers.add(handler)
  return handler
}
