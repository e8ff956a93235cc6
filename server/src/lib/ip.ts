// SPEC §7: IPs are stored truncated — IPv4 to its /24, IPv6 to its /48 — or not at all.
import { isIPv4, isIPv6 } from 'node:net'

function expandIPv6(ip: string): number[] | null {
  let text = ip.split('%')[0] ?? ''
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (v4?.[1]) {
    const [a, b, c, d] = v4[1].split('.').map(Number) as [number, number, number, number]
    text = text.slice(0, -v4[1].length) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16)
  }
  const [head = '', tail] = text.split('::') as [string, string?]
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const missing = 8 - left.length - right.length
  if (tail === undefined ? missing !== 0 : missing < 0) return null
  const parts = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right].map((h) => parseInt(h, 16))
  return parts.length === 8 && parts.every((n) => Number.isInteger(n) && n >= 0 && n <= 0xffff) ? parts : null
}

/** Truncated address, or null when the input is not an IP address. */
export function truncateIp(ip: string | null | undefined): string | null {
  if (!ip) return null
  const address = ip.trim()
  if (ipv4Number(address) !== -1) return address.slice(0, address.lastIndexOf('.')) + '.0'
  if (!isIPv6(address)) return null
  const parts = expandIPv6(address)
  if (!parts) return null
  // IPv4-mapped (::ffff:a.b.c.d) is an IPv4 client seen through a dual-stack socket.
  if (parts.slice(0, 5).every((p) => p === 0) && parts[5] === 0xffff) {
    const [hi = 0, lo = 0] = parts.slice(6)
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.0`
  }
  // 6to4 (2002::/16) carries the client's IPv4 address in hextets 1 and 2, all of it within the
  // /48: cut it to its /24, as the address itself would be.
  if (parts[0] === 0x2002) return compressIPv6([0x2002, parts[1]!, parts[2]! & 0xff00, 0, 0, 0, 0, 0])
  return compressIPv6([...parts.slice(0, 3), 0, 0, 0, 0, 0])
}

/**
 * The client's network for rate limits and sign-in throttles: an IPv4 address as it is, an IPv6
 * address as its /64 (one subscriber's allocation: a client can pick any address inside it, so
 * keying on the whole address let one client rotate past every limit), or 'unknown'.
 */
export function clientNetwork(ip: string | null | undefined): string {
  if (!ip) return 'unknown'
  if (isIPv4(ip)) return ip
  const parts = isIPv6(ip) ? expandIPv6(ip) : null
  if (!parts) return 'unknown'
  if (parts.slice(0, 5).every((p) => p === 0) && parts[5] === 0xffff) {
    const [hi = 0, lo = 0] = parts.slice(6)
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`
  }
  return `${compressIPv6([...parts.slice(0, 4), 0, 0, 0, 0])}/64`
}

/**
 * An IPv4 address in dotted-decimal form as its 32-bit number, or -1 when `ip` is not one: exactly
 * the addresses node:net's isIPv4 takes (four parts of 0 to 255, none with a leading zero), read
 * without its regular expression, which cost ingestion a test per record for the rate limit and
 * another for the stored truncation.
 */
export function ipv4Number(ip: string): number {
  const length = ip.length
  if (length < 7 || length > 15) return -1
  let value = 0
  let part = 0
  let digits = 0
  let dots = 0
  for (let i = 0; i < length; i++) {
    const c = ip.charCodeAt(i)
    if (c === 46) {
      // '.': ends a part, which must have a digit; a fourth dot is one too many.
      if (digits === 0 || dots === 3) return -1
      value = value * 256 + part
      part = 0
      digits = 0
      dots++
    } else if (c >= 48 && c <= 57) {
      // A digit after a leading 0 ("01", "00") is refused, as isIPv4 refuses it.
      if (digits > 0 && part === 0) return -1
      part = part * 10 + (c - 48)
      digits++
      if (part > 255) return -1
    } else {
      return -1
    }
  }
  return dots === 3 && digits > 0 ? value * 256 + part : -1
}

/**
 * The client's network (`clientNetwork`) as a rate limit's key: an IPv4 network (an IPv4 address,
 * or one mapped into IPv6) as its number, any other as clientNetwork's text. Two addresses get the
 * same key exactly when clientNetwork gives them the same network; a number, unlike the text, is
 * no new string to hash per request.
 */
export function clientNetworkKey(ip: string | null | undefined): number | string {
  if (ip) {
    const v4 = ipv4Number(ip)
    if (v4 !== -1) return v4
  }
  const network = clientNetwork(ip)
  const mapped = ipv4Number(network)
  return mapped === -1 ? network : mapped
}

/** RFC 5952 text form: the longest run of zero hextets becomes `::`. */
function compressIPv6(parts: number[]): string {
  let best = { start: -1, len: 0 }
  for (let i = 0; i < parts.length; ) {
    if (parts[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < parts.length && parts[j] === 0) j++
    if (j - i > best.len) best = { start: i, len: j - i }
    i = j
  }
  const hex = parts.map((p) => p.toString(16))
  if (best.len < 2) return hex.join(':')
  return hex.slice(0, best.start).join(':') + '::' + hex.slice(best.start + best.len).join(':')
}
