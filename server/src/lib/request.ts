// Facts about the request that depend on how the server is deployed (proxy, CDN).
import type { Context } from 'hono'
import type { AppEnv, Services } from '../context'

/** The client's address: the socket peer, or the proxy's last X-Forwarded-For hop when TRUST_PROXY. */
export function clientIp(c: Context<AppEnv>, s: Services): string | null {
  if (s.env.TRUST_PROXY) {
    // The last hop is the one our own proxy appended; earlier ones are client-controlled.
    const hops = (c.req.header('x-forwarded-for') ?? '').split(',').map((h) => h.trim()).filter(Boolean)
    if (hops.length) return hops.at(-1)!
  }
  return c.env?.incoming?.socket?.remoteAddress ?? null
}

export function isHttps(c: Context<AppEnv>, s: Services): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true
  return s.env.TRUST_PROXY && (c.req.header('x-forwarded-proto') ?? '').split(',')[0]!.trim() === 'https'
}

/**
 * Region from the trusted CDN header (SPEC §6), or null. Anything that does not look like an
 * ISO 3166 code, and Cloudflare's "XX" (unknown) and "T1" (Tor), count as unknown.
 */
export function requestRegion(c: Context<AppEnv>, s: Services): string | null {
  const header = s.env.TRUSTED_REGION_HEADER
  if (!header) return null
  const value = (c.req.header(header) ?? '').trim().toUpperCase()
  if (!/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/.test(value) || value === 'XX' || value === 'T1') return null
  return value
}
