// What every request gets: a request id, the security headers and one access-log line.
//
// One middleware instead of Hono's requestId + secureHeaders + a logger: each middleware is an
// async frame per request, and `secureHeaders` reads and writes a WHATWG `Headers` after the
// handler, which under Node costs about a microsecond per header. The header set is built once,
// and the public hot routes answer through `respond()` with a plain header object, which
// @hono/node-server hands to `writeHead` as is, and with only the headers that act on what they
// send (measured on the config fetch: ~25 µs per request less than the three middlewares).
import { randomFillSync } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { Context, MiddlewareHandler } from 'hono'
import type { AppEnv } from '../context'
import type { Logger } from '../logger'
import { nodeHeader, requestHeader } from '../lib/request'

/**
 * Sent with every answer whose route did not set the header itself (routes serving public
 * scripts set `Cross-Origin-Resource-Policy: cross-origin`, the dashboard its CSP).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Origin-Agent-Cluster': '?1',
  // Video embeds on the demo pages (YouTube) refuse to play without a Referer.
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'X-Content-Type-Options': 'nosniff',
  'X-DNS-Prefetch-Control': 'off',
  'X-Download-Options': 'noopen',
  'X-Frame-Options': 'SAMEORIGIN',
  'X-Permitted-Cross-Domain-Policies': 'none',
  'X-XSS-Protection': '0',
})
const SECURITY_ENTRIES = Object.entries(SECURITY_HEADERS)

/**
 * The part of SECURITY_HEADERS that acts on an answer that is not a page (JSON, a script): the
 * others (framing, opener, agent cluster, DNS prefetch, referrer, the legacy XSS filter) apply
 * only to documents, and each header costs its validation and bytes on every request.
 */
const NON_DOCUMENT_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cross-Origin-Resource-Policy': SECURITY_HEADERS['Cross-Origin-Resource-Policy']!,
  'X-Content-Type-Options': SECURITY_HEADERS['X-Content-Type-Options']!,
})

export const REQUEST_ID_HEADER = 'X-Request-Id'
/** A client's own id is kept when it is short and plain, so that it can be quoted in our logs. */
const CLIENT_REQUEST_ID = /^[\w=-]{1,255}$/

/** The request's id: the client's X-Request-Id when it is short and plain, else a new one. */
const requestIdFor = (given: string | undefined): string => (given !== undefined && CLIENT_REQUEST_ID.test(given) ? given : newRequestId())

/**
 * How many ids are made at once. Drawing random bytes costs ~2 µs whatever their size up to a few
 * pages (2 KB: 2.8 µs, 16 KB: 4.0 µs, measured): drawn for 128 ids, as randomUUID() draws them (its
 * entropy cache), the draws were ~1 % of the config fetch's CPU under load.
 */
const ID_POOL = 1024
const ID_LENGTH = 36
const idRandom = Buffer.alloc(16 * ID_POOL)
const idsText = Buffer.alloc(ID_LENGTH * ID_POOL)
const HEX_DIGITS = Buffer.from('0123456789abcdef')
/** ID_POOL ids spelled out in one string; each id is a slice of it. */
let ids = ''
let idsTaken = ID_POOL

/**
 * A random UUID (version 4), as randomUUID() makes it: 16 bytes of the same CSPRNG, with its
 * version and variant bits, in lower-case hex. ID_POOL of them are spelled out in a buffer and read
 * as one string, and each id is a slice of that string: randomUUID() allocates ~570 bytes of
 * intermediate strings per id, and reading each id from the buffer on its own (a call into Node's
 * C++) took ~110 ns an id against ~75 (measured), on every request the server's busiest thread answers.
 */
export function newRequestId(): string {
  if (idsTaken === ID_POOL) {
    randomFillSync(idRandom)
    let at = 0
    for (let from = 0; from < idRandom.length; from += 16) {
      for (let i = 0; i < 16; i++) {
        let byte = idRandom[from + i]!
        if (i === 6) byte = (byte & 0x0f) | 0x40
        else if (i === 8) byte = (byte & 0x3f) | 0x80
        if (i === 4 || i === 6 || i === 8 || i === 10) idsText[at++] = 0x2d // '-'
        idsText[at++] = HEX_DIGITS[byte >> 4]!
        idsText[at++] = HEX_DIGITS[byte & 15]!
      }
    }
    ids = idsText.toString('latin1')
    idsTaken = 0
  }
  const from = idsTaken++ * ID_LENGTH
  return ids.slice(from, from + ID_LENGTH)
}

/**
 * Marks responses built by `respond()`: their headers are complete and need no second pass. Also
 * set on the marker of an answer written straight to Node's response (a download), which carries
 * its own. A property, not a WeakSet: a WeakSet entry per response cost the config fetch ~1 µs
 * under load (weak entries are extra work for each garbage collection).
 */
const COMPLETE = Symbol('complete headers')
type Marked = Response & { [COMPLETE]?: true }
;(RESPONSE_ALREADY_SENT as Marked)[COMPLETE] = true

/** The headers a route writing straight to Node's response sends with `extra`, as respond() would. */
export function directHeaders(c: Context<AppEnv>, extra: Record<string, string>): Record<string, string> {
  return { ...SECURITY_HEADERS, [REQUEST_ID_HEADER]: c.get('requestId'), ...extra }
}

/**
 * A non-document answer (JSON, a script) with its security headers and request id already in its
 * (plain) header object. `headers` must spell names as SECURITY_HEADERS does where it overrides one.
 */
export function respond(c: Context<AppEnv>, body: string | Uint8Array | null, status: number, headers: Record<string, string>): Response {
  const res = new Response(body, { status, headers: nonDocumentHeaders(c.get('requestId'), headers) })
  ;(res as Marked)[COMPLETE] = true
  return res
}

/** A non-document answer's headers: the security headers that act on it, the request id, then the route's. */
const nonDocumentHeaders = (requestId: string, headers: Record<string, string>): Record<string, string> => ({
  ...NON_DOCUMENT_HEADERS,
  [REQUEST_ID_HEADER]: requestId,
  ...headers,
})

/** The headers writeNonDocument() sends: respond()'s, and the body's length. */
const sentHeaders = (requestId: string, headers: Record<string, string>, body: string | Uint8Array | null): Record<string, string> => {
  const sent = nonDocumentHeaders(requestId, headers)
  // writeHead() fixes the framing at once: without a length, a body would go chunked.
  if (body !== null) sent['Content-Length'] = String(Buffer.byteLength(body))
  return sent
}

/**
 * Writes a non-document answer, with the headers respond() gives, straight on Node's response.
 * Throws, having written nothing, when Node refuses a header.
 */
function writeNonDocument(outgoing: ServerResponse, requestId: string, status: number, headers: Record<string, string>, body: string | Uint8Array | null): void {
  outgoing.writeHead(status, sentHeaders(requestId, headers, body))
  if (typeof body === 'string') endInOneWrite(outgoing, body, 'utf8')
  else outgoing.end(body ?? undefined)
}

/**
 * Ends a response whose head writeHead() has set with a string body, head and body in one write()
 * of the socket. Node's `end(body)` corks the socket, queues the head joined to the body, then an
 * empty chunk carrying the response's finish, and uncorks: two chunks, which go out through the
 * stream's writev (an array of chunks, and their copy into one buffer in C++). Here the body is
 * written first and the cork write() took is undone at once, so the one chunk goes out as a
 * plain write; end() then has nothing left to send and finishes the response on the next tick,
 * as Node does for a response whose bytes are all out. Measured on a bare node:http server
 * answering a 64-byte JSON body under wrk: ~11 % more requests/s (median of six alternated
 * one-second pairs). A response waiting its turn behind another on its connection (pipelining)
 * has no socket yet: its bytes wait in Node's queue, as with end(body).
 */
function endInOneWrite(outgoing: ServerResponse, body: string, encoding: 'utf8' | 'latin1'): void {
  outgoing.write(body, encoding)
  outgoing.socket?.uncork()
  outgoing.end()
}

/**
 * An answer kept ready to be written on Node's response many times (the config fetch's): its
 * headers as writeNonDocument() sends them, in writeHead()'s list form (name, value, name, ...),
 * with the request id's value at `idAt`, set for each request. Building the header object and its
 * length per request, where only the id changes, showed in the config fetch's profile; kept, with
 * the larger ID_POOL, the fetch takes ~0.7 µs less server CPU of its ~21 (median of sixteen
 * interleaved pairs' differences, eleven of them lower; the first six alone: 20.7 against 22.2).
 *
 * The body is kept as a Latin-1 string (one character per byte: the same bytes on the wire). Node
 * sends a string body joined to its header block in one write; a Buffer body goes out as a second
 * chunk, through the socket's cork and writev, whose stream bookkeeping showed in the fetch's
 * profile. Measured under wrk: ~47,000 requests/s against ~39,000 (medians of 24 interleaved
 * one-second slices, two fresh servers of each).
 */
export interface KeptAnswer {
  status: number
  head: string[]
  idAt: number
  /** The body's bytes as a Latin-1 string; null for none (a 304). */
  body: string | null
}

export function keptAnswer(status: number, headers: Record<string, string>, body: Uint8Array | null): KeptAnswer {
  const sent = sentHeaders('', headers, body)
  // Found among the names, not the flat list, where a value (a CORS header naming the id's header) could match first.
  return {
    status,
    head: Object.entries(sent).flat(),
    idAt: Object.keys(sent).indexOf(REQUEST_ID_HEADER) * 2 + 1,
    body: body === null ? null : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1'),
  }
}

/**
 * Writes a kept answer with the request's id, as writeNonDocument() writes its headers and body.
 * writeHead() reads the list at once and keeps nothing of it, so the id is written into the kept
 * list itself. Throws, having written nothing, when Node refuses a header.
 */
function writeKept(outgoing: ServerResponse, requestId: string, answer: KeptAnswer): void {
  answer.head[answer.idAt] = requestId
  outgoing.writeHead(answer.status, answer.head)
  if (answer.body === null) outgoing.end()
  else endInOneWrite(outgoing, answer.body, 'latin1')
}

/** Sends a non-document answer, as respond() builds it, on Node's response. */
export type SendLater = (body: string, status: number, headers: Record<string, string>) => void

/**
 * For a route whose answer waits on other work (the consent POST waits for its group commit): a
 * function that writes the answer straight on Node's response when it is ready, with the headers
 * respond() gives. The route returns RESPONSE_ALREADY_SENT at once, so that the request's Hono
 * context, its Request objects and every middleware's frame are garbage while it waits, instead
 * of living through the young generation's collections with it (measured on the consent POST:
 * ~15 % less server CPU per record). What the function keeps is Node's response and the request
 * id. Null without a Node response (`app.request()` in tests): the route returns its answer as a
 * promise instead. A client that has gone is not written to.
 */
export function answerLater(c: Context<AppEnv>): SendLater | null {
  const outgoing = c.env?.outgoing
  return outgoing ? sendLaterOn(outgoing, c.get('requestId')) : null
}

/** Writes a later answer on Node's response, as answerLater() gives it. */
function sendLaterOn(outgoing: ServerResponse, requestId: string): SendLater {
  return (body, status, headers) => {
    if (outgoing.destroyed) return
    try {
      writeNonDocument(outgoing, requestId, status, headers, body)
    } catch {
      // A header Node refuses: no half-written answer, and no rejection left unhandled to stop the process.
      outgoing.destroy()
    }
  }
}

/**
 * A visitor's consentId in a path (their own record, a data-subject request) is personal data that
 * an erasure cannot reach once it is in a log file, and so is an invitee's e-mail address (a
 * cancelled invitation's); an invitation's token is a credential: whoever reads it can accept the
 * invitation first, with the role it grants. The logs show the route's pattern there. (Queries,
 * such as a look-up's `?userId=`, are not logged.)
 */
// Slashes doubled anywhere (`/api/v1/consents//<id>`) change nothing: the id is still left out.
const CONSENT_ID_IN_PATH = /^(\/+api\/+v1\/+consents\/+|\/+api\/+admin\/+sites\/+[^/]+\/+subjects\/+)(?!identify\/*$)[^/]+/
const TOKEN_IN_PATH = /^(\/+invite\/+|\/+api\/+admin\/+invitations\/+)[^/]+/
const EMAIL_IN_PATH = /^(\/+api\/+admin\/+sites\/+[^/]+\/+invitations\/+)[^/]+/
export const loggedPath = (path: string) =>
  path.replace(CONSENT_ID_IN_PATH, '$1:consentId').replace(TOKEN_IN_PATH, '$1:token').replace(EMAIL_IN_PATH, '$1:email')

/**
 * The connections on which the server answered a request Node's parser could not read (its
 * status), before closing them (front-door.ts answerBrokenRequest): the access log gives the
 * status the client got, not 499 for the connection closed under the request.
 */
export const brokenAnswers = new WeakMap<object, number>()

export function requestContext(logger: Logger): MiddlewareHandler<AppEnv> {
  const accessLog = logger.enabled('info')
  return async function requestContext(c, next) {
    const start = accessLog ? performance.now() : 0
    const requestId = requestIdFor(requestHeader(c, 'x-request-id'))
    c.set('requestId', requestId)
    await next()
    const res = c.res
    if (!(res as Marked)[COMPLETE]) {
      const headers = res.headers
      for (const [name, value] of SECURITY_ENTRIES) if (!headers.has(name)) headers.set(name, value)
      headers.set(REQUEST_ID_HEADER, requestId)
    }
    // One access-log line per request; the request id ties it to error logs and the client's X-Request-Id.
    if (accessLog) {
      const method = c.req.method
      const path = loggedPath(c.req.path)
      // An answer written straight on Node's response (a download, an answer sent later) is logged once it is done.
      const outgoing = c.env?.outgoing
      // A client that left before its answer (a cancelled listing or look-up answers 503 for nobody)
      // is 499, as nginx logs it: its connection is gone (app.request, in tests: its signal aborted).
      // Unless the server answered it and closed the connection (a request whose framing is broken,
      // front-door.ts): the client got that answer. Not the signal behind Node: reading it makes an
      // AbortController for every request.
      if (res !== RESPONSE_ALREADY_SENT || !outgoing) {
        const socket = c.env?.incoming?.socket
        const answered = socket ? brokenAnswers.get(socket) : undefined
        const left = outgoing ? outgoing.destroyed : c.req.raw.signal.aborted
        logRequest(logger, { requestId, method, path, status: answered ?? (left ? 499 : res.status) }, start)
      }
      else logWhenSent(logger, outgoing, { requestId, method, path }, start)
    }
  }
}

/**
 * The access log's line for an answer written straight on Node's response, once it is done, with
 * the status sent: 499 (as nginx logs it) when the client left first.
 */
function logWhenSent(logger: Logger, outgoing: ServerResponse, line: { requestId: string; method: string; path: string }, start: number): void {
  const sent = () => logRequest(logger, { ...line, status: outgoing.headersSent ? outgoing.statusCode : 499 }, start)
  if (outgoing.writableFinished || outgoing.destroyed) sent()
  else outgoing.once('close', sent)
}

/** The access log's line for a request, `start` being when it was received (performance.now()). */
function logRequest(logger: Logger, line: { requestId: string; method: string; path: string; status: number }, start: number): void {
  logger.info('request', { ...line, ms: Math.round((performance.now() - start) * 10) / 10 })
}

/** An answer the front door (front-door.ts) gives for Node, before Hono: what respond() would send. */
/** `start`: performance.now() when the front door took the request, where the access log's `ms` starts. */
export type FrontDoorSend = (incoming: IncomingMessage, outgoing: ServerResponse, path: string, answer: KeptAnswer, start: number) => void

/**
 * Sends an answer of the front door with the request id and the headers respond() adds, and logs
 * it as requestContext() logs a request, so that a client and the access log cannot tell which
 * way it went.
 */
export function frontDoorSend(logger: Logger): FrontDoorSend {
  const accessLog = logger.enabled('info')
  return (incoming, outgoing, path, answer, start) => {
    const requestId = requestIdFor(nodeHeader(incoming, 'x-request-id'))
    writeKept(outgoing, requestId, answer)
    if (accessLog) logRequest(logger, { requestId, method: incoming.method ?? 'GET', path: loggedPath(path), status: answer.status }, start)
  }
}

/**
 * For a request the front door was reading when its client ended its side, before its body was
 * complete: logs it with the status answerBrokenRequest wrote (400), or as requestContext() logs a
 * client that left (499), with the same fields as its other lines.
 */
export function frontDoorLeft(logger: Logger) {
  const accessLog = logger.enabled('info')
  return (incoming: IncomingMessage, path: string, start: number, answered: number | undefined): void => {
    if (accessLog) logRequest(logger, { requestId: requestIdFor(nodeHeader(incoming, 'x-request-id')), method: incoming.method ?? 'POST', path: loggedPath(path), status: answered ?? 499 }, start)
  }
}

/**
 * For a request the front door answers once other work is done (a consent POST waits for its
 * commit): its request id, and the function that answers it with the headers respond() gives and
 * logs it as requestContext() logs an answer sent later (499 when the client left first).
 */
export function frontDoorLater(logger: Logger) {
  const accessLog = logger.enabled('info')
  return (incoming: IncomingMessage, outgoing: ServerResponse, path: string, start: number): { requestId: string; send: SendLater } => {
    const requestId = requestIdFor(nodeHeader(incoming, 'x-request-id'))
    if (accessLog) logWhenSent(logger, outgoing, { requestId, method: incoming.method ?? 'POST', path: loggedPath(path) }, start)
    return { requestId, send: sendLaterOn(outgoing, requestId) }
  }
}
