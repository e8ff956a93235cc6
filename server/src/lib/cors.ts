// CORS for the public API: an Origin is reflected only when its hostname is one of the site's
// domains, or when it is this server itself (the demo pages it serves).
import type { Context } from 'hono'
import type { AppEnv } from '../context'
import { hostnameAllowed } from '../services/sites'

export function originHostname(origin: string | undefined): string | null {
  if (!origin || origin === 'null') return null
  try {
    return new URL(origin).hostname
  } catch {
    return null
  }
}

export function isSameOrigin(c: Context<AppEnv>, origin: string): boolean {
  return origin === new URL(c.req.url).origin
}

/** Sets the CORS headers when allowed; returns whether the Origin (if any) is allowed. */
export function applyCors(c: Context<AppEnv>, domains: readonly string[]): boolean {
  const origin = c.req.header('origin')
  if (!origin) return true
  const host = originHostname(origin)
  const allowed = isSameOrigin(c, origin) || (host !== null && hostnameAllowed(host, domains))
  c.header('Vary', 'Origin', { append: true })
  if (allowed) c.header('Access-Control-Allow-Origin', origin)
  return allowed
}
