// Facts about the request that depend on how the server is deployed (proxy, CDN).
import type { IncomingMessage } from 'node:http'
import type { Services } from '../context'

/**
 * What these helpers read of a request: Hono's context, or the front door's view of a request
 * Node has parsed (front-door.ts), which answers the config fetch without going through Hono.
 */
export interface RequestFacts {
  env?: { incoming?: IncomingMessage } | undefined
  /** `url`: absolute, as @hono/node-server builds it (scheme, Host, path and query). */
  req: { url: string; header(name: string): string | undefined }
}

/**
 * A request header by its name, which must be lower-case. Served by Node, it is a property of the headers Node
 * has already parsed (values trimmed, repeats joined with ", ", as the Fetch API's Headers give
 * them); through Hono's Headers every read validates and normalises the name and the value again,
 * ~0.3 µs a header on the hot public reads. Under app.request() (tests), through Hono.
 */
export function requestHeader(c: RequestFacts, name: string): string | undefined {
  const incoming = c.env?.incoming
  // Tests hand app.request() an incoming message with only a socket: no headers of Node's.
  return incoming?.headers ? nodeHeader(incoming, name) : c.req.header(name)
}

/** A header Node has parsed, by its lower-case name, with repeats joined as the Fetch API's Headers join them. */
export function nodeHeader(incoming: IncomingMessage, name: string): string | undefined {
  const value = incoming.headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

/**
 * The value of a comma-separated forwarding header that the outermost of `hops` trusted proxies
 * added: the `hops`-th from the end, or the first when fewer were added. Proxies append (X-Forwarded-For
 * always, X-Forwarded-Proto with some), so whatever comes before it is what the client sent.
 */
function forwardedBy(value: string | undefined, hops: number): string | undefined {
  if (value === undefined) return undefined
  let end = value.length
  for (let hop = 1; ; hop++) {
    const comma = value.lastIndexOf(',', end - 1)
    if (hop >= hops || comma === -1) return value.slice(comma + 1, end).trim() || undefined
    end = comma
  }
}

/** How many proxies the deployment puts in front of the server (TRUST_PROXY; `true` is one). */
const proxyHops = (s: Pick<Services, 'env'>): number => Number(s.env.TRUST_PROXY)

/**
 * An X-Forwarded-For hop as an address: some proxies add the client's port, `203.0.113.9:51234`
 * or `[2001:db8::1]:51234` (RFC 7239 style). A bare IPv6 address has more than one colon.
 */
export function hopAddress(hop: string): string {
  if (hop.startsWith('[')) {
    const end = hop.indexOf(']')
    return end === -1 ? hop : hop.slice(1, end)
  }
  const colon = hop.indexOf(':')
  return colon !== -1 && colon === hop.lastIndexOf(':') ? hop.slice(0, colon) : hop
}

/**
 * The client's address: the socket peer, or behind TRUST_PROXY proxies the X-Forwarded-For hop
 * the outermost of them appended (the address it was reached from); earlier hops are the client's.
 */
export function clientIp(c: RequestFacts, s: Services): string | null {
  const hops = proxyHops(s)
  if (hops > 0) {
    const hop = forwardedBy(requestHeader(c, 'x-forwarded-for'), hops)
    if (hop) return hopAddress(hop)
  }
  return c.env?.incoming?.socket?.remoteAddress ?? null
}

/** Whether the browser's request was https: the URL's scheme, or behind a trusted proxy the X-Forwarded-Proto it added. */
export function isHttps(c: RequestFacts, s: Pick<Services, 'env'>): boolean {
  // The URL @hono/node-server builds starts with the scheme: no need to parse it.
  if (c.req.url.startsWith('https:')) return true
  const hops = proxyHops(s)
  // Schemes are case-insensitive (RFC 3986 §3.1): some proxies send `HTTPS`.
  return hops > 0 && forwardedBy(c.req.header('x-forwarded-proto'), hops)?.toLowerCase() === 'https'
}

/**
 * The origin the browser sent the request to, as the request names it: its Host, in https when it
 * came over TLS or a trusted proxy says so. Behind a proxy that rewrites Host, not the browser's:
 * see ownOrigin.
 */
export function requestOrigin(c: RequestFacts, s: Pick<Services, 'env'>): string {
  const url = new URL(c.req.url)
  if (isHttps(c, s)) url.protocol = 'https:'
  return url.origin
}

/**
 * This server's own origin, the one its pages (the dashboard, the preview, the demo pages) are
 * at in the browser: PUBLIC_URL when it is set, otherwise the request's (requestOrigin). Behind a
 * proxy that rewrites Host (nginx's plain proxy_pass), the request names `127.0.0.1:8787` while
 * the browser is at the public address.
 */
export function ownOrigin(c: RequestFacts, s: Pick<Services, 'env'>): string {
  return s.env.PUBLIC_URL ?? requestOrigin(c, s)
}

/** Region of this request (SPEC §6): trusted CDN headers, else the local GeoIP database, else null. */
export function requestRegion(c: RequestFacts, s: Services): string | null {
  // The client's address matters only to a GeoIP lookup.
  return s.regions.regionOf((name) => requestHeader(c, name), s.regions.geoip ? clientIp(c, s) : null)
}
