// A small MaxMind DB (MMDB v2) writer, enough to make GeoIP2-shaped test databases.
// No maintained npm package writes this format, and the real GeoLite2 files may not be
// redistributed in a repository; the format is simple: a binary trie over the address bits,
// 16 zero bytes, a data section, then a metadata map after a marker.
// Spec: https://maxmind.github.io/MaxMind-DB/ (version 2.0).
import { isIPv4, isIPv6 } from 'node:net'

/** An unsigned integer of a specific MMDB type (5 uint16, 6 uint32, 9 uint64); plain numbers become uint32. */
export class Typed {
  constructor(
    readonly type: 5 | 6 | 9,
    readonly value: number | bigint,
  ) {}
}

export type MmdbValue = string | number | boolean | Typed | MmdbValue[] | { [key: string]: MmdbValue }

interface Node {
  children: [Node | number | null, Node | number | null]
}

const METADATA_MARKER = Buffer.from([0xab, 0xcd, 0xef, ...Buffer.from('MaxMind.com')])

function control(type: number, size: number): Buffer {
  const head: number[] = []
  const tail: number[] = []
  let sizeBits: number
  if (size < 29) sizeBits = size
  else if (size < 285) {
    sizeBits = 29
    tail.push(size - 29)
  } else if (size < 65_821) {
    sizeBits = 30
    const n = size - 285
    tail.push(n >> 8, n & 0xff)
  } else {
    sizeBits = 31
    const n = size - 65_821
    tail.push(n >> 16, (n >> 8) & 0xff, n & 0xff)
  }
  if (type <= 7) head.push((type << 5) | sizeBits)
  else head.push(sizeBits, type - 7) // extended type: 0 in the first byte, type − 7 in the next
  return Buffer.from([...head, ...tail])
}

function uintBytes(n: number | bigint): Buffer {
  let v = BigInt(n)
  const bytes: number[] = []
  while (v > 0n) {
    bytes.unshift(Number(v & 0xffn))
    v >>= 8n
  }
  return Buffer.from(bytes)
}

/** Encodes a value in the data-section format. */
export function encode(value: MmdbValue): Buffer {
  if (value instanceof Typed) {
    const payload = uintBytes(value.value)
    return Buffer.concat([control(value.type, payload.length), payload])
  }
  if (typeof value === 'string') {
    const payload = Buffer.from(value, 'utf8')
    return Buffer.concat([control(2, payload.length), payload])
  }
  if (typeof value === 'boolean') return control(14, value ? 1 : 0)
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value <= 0xffffffff) return encode(new Typed(6, value))
    const payload = Buffer.alloc(8)
    payload.writeDoubleBE(value)
    return Buffer.concat([control(3, 8), payload])
  }
  if (Array.isArray(value)) return Buffer.concat([control(11, value.length), ...value.map(encode)])
  const entries = Object.entries(value)
  return Buffer.concat([control(7, entries.length), ...entries.flatMap(([k, v]) => [encode(k), encode(v)])])
}

function addressBits(network: string): { bits: number[]; prefix: number } {
  const [address = '', prefixText] = network.split('/')
  let bytes: number[]
  if (isIPv4(address)) {
    // IPv4 lives in the first 2^32 addresses of an IPv6 tree (::a.b.c.d), per the spec.
    bytes = [...Array<number>(12).fill(0), ...address.split('.').map(Number)]
  } else if (isIPv6(address)) {
    const [head = '', tail = ''] = address.split('::')
    const left = head ? head.split(':') : []
    const right = tail ? tail.split(':') : []
    const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    bytes = groups.flatMap((g) => {
      const n = parseInt(g, 16)
      return [n >> 8, n & 0xff]
    })
  } else throw new Error(`not an IP network: ${network}`)
  const prefix = Number(prefixText ?? (isIPv4(address) ? 32 : 128)) + (isIPv4(address) ? 96 : 0)
  const bits = bytes.flatMap((b) => [7, 6, 5, 4, 3, 2, 1, 0].map((i) => (b >> i) & 1))
  return { bits, prefix }
}

export interface MmdbOptions {
  databaseType: string
  languages?: string[]
  description?: string
  buildEpoch?: number
}

/**
 * Builds an IPv6 database (IPv4 networks sit under ::/96) with 24-bit records.
 * Networks are inserted in order; a later, more specific one carves into an earlier one.
 */
export function writeMmdb(records: Array<[network: string, data: MmdbValue]>, options: MmdbOptions): Buffer {
  const root: Node = { children: [null, null] }
  const dataParts: Buffer[] = []
  let dataSize = 0

  for (const [network, data] of records) {
    const { bits, prefix } = addressBits(network)
    const encoded = encode(data)
    const offset = dataSize
    dataParts.push(encoded)
    dataSize += encoded.length
    let node = root
    for (let depth = 0; depth < prefix - 1; depth++) {
      const bit = bits[depth]!
      const child = node.children[bit]
      if (child && typeof child === 'object') node = child
      else {
        // Splitting a leaf: both halves keep the wider network's data until overwritten.
        const next: Node = { children: [child ?? null, child ?? null] }
        node.children[bit] = next
        node = next
      }
    }
    node.children[bits[prefix - 1]!] = offset
  }

  const nodes: Node[] = []
  const number = new Map<Node, number>()
  const queue: Node[] = [root]
  while (queue.length) {
    const n = queue.shift()!
    number.set(n, nodes.length)
    nodes.push(n)
    for (const c of n.children) if (c && typeof c === 'object') queue.push(c)
  }
  const nodeCount = nodes.length
  if (nodeCount + 16 + dataSize >= 2 ** 24) throw new Error('too large for 24-bit records')

  const tree = Buffer.alloc(nodeCount * 6)
  nodes.forEach((n, i) => {
    n.children.forEach((c, side) => {
      const value = c === null ? nodeCount : typeof c === 'number' ? nodeCount + 16 + c : number.get(c)!
      tree.writeUIntBE(value, i * 6 + side * 3, 3)
    })
  })

  const metadata = encode({
    node_count: new Typed(6, nodeCount),
    record_size: new Typed(5, 24),
    ip_version: new Typed(5, 6),
    database_type: options.databaseType,
    languages: options.languages ?? ['en'],
    binary_format_major_version: new Typed(5, 2),
    binary_format_minor_version: new Typed(5, 0),
    build_epoch: new Typed(9, options.buildEpoch ?? 1_700_000_000),
    description: { en: options.description ?? 'MiniConsent test database' },
  })

  return Buffer.concat([tree, Buffer.alloc(16), ...dataParts, METADATA_MARKER, metadata])
}

/** A GeoIP2/GeoLite2 City-shaped record: country, optionally one subdivision. */
export function cityRecord(country: string, subdivision?: string): MmdbValue {
  return {
    continent: { code: country === 'US' ? 'NA' : 'EU' },
    country: { iso_code: country, names: { en: country } },
    ...(subdivision ? { subdivisions: [{ iso_code: subdivision, names: { en: subdivision } }] } : {}),
  }
}
