// Compressed answers: browsers ask with Accept-Encoding, and the SDK's byte budgets are brotli
// sizes, so the scripts, the config and the dashboard go out brotli- or gzip-compressed when the
// client takes it. Each body is compressed once and kept, keyed by its ETag: a request only picks
// bytes. A strong ETag names one byte sequence, so each encoding gets its own (`"…-br"`).
import type { Context } from 'hono'
import { createHash } from 'node:crypto'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { etagMatches } from './static-files'

export type Encoding = 'br' | 'gzip'

/** Below this, compression saves less than its headers and a round of CPU cost. */
const MIN_BYTES = 1024
const COMPRESSIBLE = /^(text\/|application\/(json|javascript|manifest\+json)|image\/svg\+xml)/
/**
 * Compressed bodies are kept up to this many bytes, the least recently used dropped first: a
 * config or script variant per region, GPC signal and encoding, and the static files.
 */
const CACHE_BYTES = 32 * 1024 * 1024
/**
 * Brotli's best quality (11) for bodies up to this size, quality 5 above. Compressing blocks the
 * event loop, once per body: measured on the reference machine, quality 11 takes ~13 ms for a
 * 13 KB per-site script and ~90 ms for 64 KB of JSON (a large catalogue's config), quality 5
 * 1–5 ms, for 10 % more bytes on the script and 35 % more on the JSON.
 */
const BEST_QUALITY_MAX_BYTES = 32 * 1024

/** The encoding to send for an Accept-Encoding header: brotli first, then gzip; `q=0` refuses one. */
export function pickEncoding(accept: string | undefined): Encoding | null {
  if (!accept) return null
  let gzip = false
  for (const part of accept.split(',')) {
    const [name = '', ...params] = part.split(';')
    // Parameter names are case-insensitive (RFC 9110): `Q=0` refuses too.
    const q = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='))
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue
    const coding = name.trim().toLowerCase()
    if (coding === 'br') return 'br'
    if (coding === 'gzip' || coding === 'x-gzip') gzip = true
  }
  return gzip ? 'gzip' : null
}

/** In the order of their last use: a Map iterates in insertion order, and a hit is inserted again. */
const compressed = new Map<string, Buffer>()
let compressedBytes = 0

function compress(body: Uint8Array, key: string, encoding: Encoding): Buffer {
  let out = compressed.get(key)
  if (out) {
    compressed.delete(key)
    compressed.set(key, out)
    return out
  }
  const quality = body.length <= BEST_QUALITY_MAX_BYTES ? 11 : 5
  out =
    encoding === 'br'
      ? brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } })
      : gzipSync(body, { level: 9 })
  compressed.set(key, out)
  compressedBytes += out.length
  for (const [oldest, bytes] of compressed) {
    if (compressedBytes <= CACHE_BYTES || oldest === key) break
    compressed.delete(oldest)
    compressedBytes -= bytes.length
  }
  return out
}

/** A strong ETag for bytes built at run time (a config variant, a script with its config). */
export const etagOf = (body: Uint8Array): string => `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`

export interface Negotiated {
  status: 200 | 304
  body: Uint8Array | null
  /** ETag, Content-Encoding when compressed, Vary: Accept-Encoding when the type is compressible. */
  headers: Record<string, string>
}

/**
 * What to send for `body` (whose identity ETag is `etag`) to a request with these
 * Accept-Encoding and If-None-Match headers: 304 when the client has this very representation,
 * else the bytes, compressed when accepted and worth it. `vary` is the caller's own Vary list.
 */
export function negotiate(
  acceptEncoding: string | undefined,
  ifNoneMatch: string | undefined,
  body: Uint8Array,
  etag: string,
  type: string,
  vary?: string,
): Negotiated {
  const compressible = COMPRESSIBLE.test(type) && body.length >= MIN_BYTES
  const encoding = compressible ? pickEncoding(acceptEncoding) : null
  const tag = encoding ? etag.replace(/"$/, `-${encoding}"`) : etag
  const headers: Record<string, string> = { ETag: tag }
  const varies = [vary, compressible ? 'Accept-Encoding' : undefined].filter(Boolean).join(', ')
  if (varies) headers.Vary = varies
  if (etagMatches(ifNoneMatch, tag)) return { status: 304, body: null, headers }
  if (!encoding) return { status: 200, body, headers }
  headers['Content-Encoding'] = encoding
  return { status: 200, body: compress(body, encoding + tag, encoding), headers }
}

/** Sends a negotiated answer through Hono with the caller's headers (the answer's win). */
export function reply(c: Context, answer: Negotiated, headers: Record<string, string>): Response {
  const all = { ...headers, ...answer.headers }
  // A view of the kept bytes, not a copy of them per request (they are never written to).
  const body = answer.body && new Uint8Array(answer.body.buffer as ArrayBuffer, answer.body.byteOffset, answer.body.byteLength)
  return body ? c.body(body, 200, all) : c.body(null, 304, all)
}
