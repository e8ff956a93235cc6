// Facts about the request that depend on how the server is deployed (proxy, CDN).
import type { Context } from 'hono'
import type { AppEnv, Services } from '../context'

/**
 * A request header by its name, which must be lower-case. Served by Node, it is a property of the headers Node
 * has already parsed (values trimmed, repeats joined with ", ", as the Fetch API's Headers give
 * them); through Hono's Headers every read validates and normalises the name and the value again,
 * ~0.3 µs a header on the hot public reads. Under app.request() (tests), through Hono.
 */
export function requestHeader(c: Context<AppEnv>, name: string): string | undefined {
  const headers = c.env?.incoming?.headers
  if (!headers) return c.req.header(name)
  const value = headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

/** The client's address: the socket peer, or the proxy's last X-Forwarded-For hop when TRUST_PROXY. */
export function clientIp(c: Context<AppEnv>, s: Services): string | null {
  if (s.env.TRUST_PROXY) {
    // The last hop is the one our own proxy appended; earlier ones are client-controlled.
    const hops = (requestHeader(c, 'x-forwarded-for') ?? '').split(',').map((h) => h.trim()).filter(Boolean)
    if (hops.length) return hops.at(-1)!
  }
  return c.env?.incoming?.socket?.remoteAddress ?? null
}

export function isHttps(c: Context<AppEnv>, s: Pick<Services, 'env'>): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true
  return s.env.TRUST_PROXY && (c.req.header('x-forwarded-proto') ?? '').split(',')[0]!.trim() === 'https'
}

/** Region of this request (SPEC §6): trusted CDN headers, else the local GeoIP database, else null. */
export function requestRegion(c: Context<AppEnv>, s: Services): string | null {
  // The client's address matters only to a GeoIP lookup.
  return s.regions.regionOf((name) => requestHeader(c, name), s.regions.geoip ? clientIp(c, s) : null)
}
