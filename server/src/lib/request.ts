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
 * The last value of a comma-separated forwarding header: the one our own proxy added. Proxies that
 * append (X-Forwarded-For always, X-Forwarded-Proto with some) leave the earlier values as the
 * client sent them.
 */
function lastForwarded(value: string | undefined): string | undefined {
  const last = value?.slice(value.lastIndexOf(',') + 1).trim()
  return last || undefined
}

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

/** The client's address: the socket peer, or the proxy's last X-Forwarded-For hop when TRUST_PROXY. */
export function clientIp(c: RequestFacts, s: Services): string | null {
  if (s.env.TRUST_PROXY) {
    // The last hop is the one our own proxy appended; earlier ones are client-controlled.
    const hop = lastForwarded(requestHeader(c, 'x-forwarded-for'))
    if (hop) return hopAddress(hop)
  }
  return c.env?.incoming?.socket?.remoteAddress ?? null
}

/** Whether the browser's request was https: the URL's scheme, or behind a trusted proxy the X-Forwarded-Proto it added. */
export function isHttps(c: RequestFacts, s: Pick<Services, 'env'>): boolean {
  // The URL @hono/node-server builds starts with the scheme: no need to parse it.
  if (c.req.url.startsWith('https:')) return true
  return s.env.TRUST_PROXY && lastForwarded(c.req.header('x-forwarded-proto')) === 'https'
}

/** Region of this request (SPEC §6): trusted CDN headers, else the local GeoIP database, else null. */
export function requestRegion(c: RequestFacts, s: Services): string | null {
  // The client's address matters only to a GeoIP lookup.
  return s.regions.regionOf((name) => requestHeader(c, name), s.regions.geoip ? clientIp(c, s) : null)
}
