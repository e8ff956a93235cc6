// CORS for the public API: an Origin is reflected only when its hostname is one of the site's
// domains, or when it is this server itself (the demo pages it serves), at PUBLIC_URL or its Host.
import type { Context } from 'hono'
import type { AppEnv, Services } from '../context'
import { hostnameAllowed } from '../services/sites'
import { requestHeader, requestOrigin, type RequestFacts } from './request'

/**
 * The hostname of a web page's Origin (`https://shop.acme.test`, `http://localhost:5173`), or null:
 * a site's domains stand for web pages, so an origin of another scheme (`chrome-extension:`,
 * `file:`, `ftp:`) or one that is not just scheme, host and port is none of theirs.
 */
export function originHostname(origin: string | undefined): string | null {
  if (!origin || origin === 'null') return null
  const known = hostnames.get(origin)
  if (known !== undefined) return known
  const hostname = parsedHostname(origin)
  // Bounded in count and size: the Origin is the client's to choose. A site's pages send one or a
  // few, on every record, each no longer than a scheme, a hostname (≤ 253) and a port.
  if (origin.length > KEPT_ORIGIN_MAX) return hostname
  if (hostnames.size >= HOSTNAMES_KEPT) hostnames.clear()
  hostnames.set(origin, hostname)
  return hostname
}

/** originHostname()'s answers for the origins seen lately: parsing one cost ~1.5 µs, on every public POST. */
const hostnames = new Map<string, string | null>()
const HOSTNAMES_KEPT = 1024
const KEPT_ORIGIN_MAX = 300

function parsedHostname(origin: string): string | null {
  try {
    const url = new URL(origin)
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== origin.toLowerCase()) return null
    return url.hostname
  } catch {
    return null
  }
}

/**
 * Whether the Origin is this server's own: PUBLIC_URL when it is set (behind a proxy that rewrites
 * Host, the request names `127.0.0.1:8787`, not the address the browser is at), or the request's
 * Host; behind a proxy that ends TLS (TRUST_PROXY), as the browser saw it: https. Both, with
 * PUBLIC_URL: the server reached directly (`http://localhost:8787`) is still its own.
 */
export function isSameOrigin(c: RequestFacts, origin: string, s: Pick<Services, 'env'>): boolean {
  if (origin === s.env.PUBLIC_URL) return true
  // A Host no URL can hold (`1.2.3.4.5`) names no origin, and is no reason for a 500. The origin is
  // requestOrigin's, so that a Host with https's port spelt out (`:443`, from a proxy that ends TLS)
  // is the browser's `https://host`, as the preview's own origin is.
  return URL.canParse(c.req.url) && origin === requestOrigin(c, s)
}

/**
 * Whether an Origin may read a public answer given before any site is known: a preflight (it has
 * no body, hence no site id) or a refusal of a body that names no site it could be checked
 * against (too large, not JSON, not a record, an unknown site). This server's own origin may, and
 * so may any origin some site lists.
 */
export function someSiteAllows(c: RequestFacts, origin: string | undefined, s: Pick<Services, 'env' | 'sites'>): origin is string {
  const host = originHostname(origin)
  return origin !== undefined && host !== null && (isSameOrigin(c, origin, s) || s.sites.anySiteAllows(host))
}

/** The request's Origin (null when it sent none) and whether it may read the answer. */
export function checkOrigin(c: RequestFacts, domains: readonly string[], s: Pick<Services, 'env'>): { origin: string | null; allowed: boolean } {
  const origin = requestHeader(c, 'origin')
  if (!origin) return { origin: null, allowed: true }
  const host = originHostname(origin)
  return { origin, allowed: (host !== null && hostnameAllowed(host, domains)) || isSameOrigin(c, origin, s) }
}

/**
 * The CORS headers of an answer, as a plain object for `respond()`; `vary` names what else the
 * answer depends on, after `Origin`.
 */
export function corsHeaders(o: { origin: string | null; allowed: boolean }, vary?: string): Record<string, string> {
  // `Vary: Origin` with or without one: a cache that kept an answer to a request without an Origin
  // (a probe, curl) would otherwise give it to the SDK's cross-origin fetch, which the browser
  // then refuses for its missing Access-Control-Allow-Origin.
  const headers: Record<string, string> = { Vary: vary ? `Origin, ${vary}` : 'Origin' }
  if (o.allowed && o.origin !== null) headers['Access-Control-Allow-Origin'] = o.origin
  return headers
}

/** Sets the CORS headers when allowed; returns whether the Origin (if any) is allowed. */
export function applyCors(c: Context<AppEnv>, domains: readonly string[], s: Pick<Services, 'env'>): boolean {
  const verdict = checkOrigin(c, domains, s)
  c.header('Vary', 'Origin', { append: true })
  if (verdict.origin === null) return true
  if (verdict.allowed) c.header('Access-Control-Allow-Origin', verdict.origin)
  return verdict.allowed
}
