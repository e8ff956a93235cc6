// The front door: the requests answered before Hono, as Node hands them over.
//
// The config fetch (`GET /api/v1/sites/<site>/config`) is the hottest public read, and its answer
// is kept ready (routes/config.ts): what remains per request is the way through @hono/node-server
// (a Request, a Response and their conversion), the middleware's promise and the router, which
// together cost as much as the answer itself. Here a plain GET of that path is answered from the
// same kept answers, with the same headers and access-log line. Anything else, or anything this
// path is unsure of (an unusual Host, an encoded site id, an unknown site), goes to Hono, which
// answers it as before: the front door never answers with an error of its own.
//
// The consent POST (`POST /api/v1/consents`) is the hottest write. The same way through Hono cost
// the server as much CPU per record as the writer thread's insert, hashes and commit together. A
// record sent as the SDK sends it is read here and stored through the route's own intake
// (routes/consents.ts: the same checks, rate-limit buckets and answer). Anything the route would
// refuse, or that this reading is unsure of, goes to Hono with the body already read, and Hono
// answers it as before.
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { isUtf8 } from 'node:buffer'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import type { App } from './app'
import type { Services } from './context'
import { readConsentRecordInput } from './lib/consent-input'
import { nodeHeader, type RequestFacts } from './lib/request'
import { bodyFlawAt, jsonBodyKind, slugParam } from './lib/validate'
import { brokenAnswers, frontDoorLater, frontDoorLeft, frontDoorSend, SECURITY_HEADERS } from './middleware/request-context'
import { configAnswers } from './routes/config'
import { CONSENTS_PATH, MAX_CONSENT_BODY, type ConsentIntake } from './routes/consents'

/** Hono's way for a request: @hono/node-server's listener. */
type ToHono = (incoming: IncomingMessage, outgoing: ServerResponse) => void

/**
 * Takes the request and returns true (it answers it, or hands it to `hono` later), or returns
 * false having read and written nothing.
 */
export type FrontDoor = (incoming: IncomingMessage, outgoing: ServerResponse, hono: ToHono) => boolean

const CONFIG_PREFIX = '/api/v1/sites/'
const CONFIG_SUFFIX = '/config'
/** A Host @hono/node-server takes as it is (its own test), so that the URL below is the one it would build. */
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/

export function frontDoor(s: Services, intake: ConsentIntake): FrontDoor {
  const config = configDoor(s)
  const consent = consentDoor(s, intake)
  return (incoming, outgoing, hono) => config(incoming, outgoing) || consent(incoming, outgoing, hono)
}

/** The request's facts as the helpers of lib/request.ts read them, with the URL @hono/node-server would build. */
function requestFacts(incoming: IncomingMessage, host: string, target: string): RequestFacts {
  const scheme = (incoming.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http'
  return { env: { incoming }, req: { url: `${scheme}://${host}${target}`, header: (name) => nodeHeader(incoming, name.toLowerCase()) } }
}

/** The config fetch, answered from the kept answers of routes/config.ts. */
function configDoor(s: Services): (incoming: IncomingMessage, outgoing: ServerResponse) => boolean {
  const config = configAnswers(s)
  const send = frontDoorSend(s.logger)
  return (incoming, outgoing) => {
    const target = incoming.url
    if (incoming.method !== 'GET' || target === undefined || !target.startsWith(CONFIG_PREFIX)) return false
    const query = target.indexOf('?')
    const path = query === -1 ? target : target.slice(0, query)
    if (!path.endsWith(CONFIG_SUFFIX)) return false
    const siteId = slugParam(path.slice(CONFIG_PREFIX.length, -CONFIG_SUFFIX.length))
    const host = incoming.headers.host
    if (siteId === null || host === undefined || !PLAIN_HOST.test(host)) return false
    // The access log's `ms` counts from here, as Hono's counts from its first middleware.
    const start = performance.now()
    const facts = requestFacts(incoming, host, target)
    let answer
    try {
      answer = config(facts, siteId)
    } catch {
      // An unknown site: Hono answers it, with the error's shape and log line.
      return false
    }
    try {
      send(incoming, outgoing, path, answer.kept, start)
    } catch {
      // A header Node refuses to send (writeHead() throws before writing): Hono answers it its way.
      if (!outgoing.headersSent) return false
      outgoing.destroy()
    }
    return true
  }
}

/**
 * A consent POST as the SDK sends it: a JSON body (as text/plain from sendBeacon) of a declared
 * length the route takes, on a plain Host. Read here, then stored, or handed to Hono.
 */
function consentDoor(s: Services, intake: ConsentIntake): FrontDoor {
  const later = frontDoorLater(s.logger)
  // A Host no URL holds (`web.1`): Hono's route refuses it 400 once it reads the request whole
  // (app.ts unreadableHost), so the front door leaves it to Hono, as it does any request it is unsure
  // of (review). Every request of a deployment brings the same Host: the last usable one is kept.
  let usable = ''
  const usableHost = (host: string): boolean => host === usable || (URL.canParse(`http://${host}/`) && ((usable = host), true))
  const left = frontDoorLeft(s.logger)

  /** Stores the record and answers once it is committed; false, having done neither, when the route must answer. */
  const stored = (incoming: IncomingMessage, outgoing: ServerResponse, facts: RequestFacts, body: Buffer, start: number): boolean => {
    let input, site, cors, ip, text
    try {
      // Bytes that are not UTF-8 would be read with U+FFFD in their place: the route refuses them.
      if (!isUtf8(body)) return false
      // A BOM, which Hono's reading drops, fails this parse: Hono reads that body itself.
      text = body.toString()
      const value: unknown = JSON.parse(text)
      input = bodyFlawAt(value) === null ? readConsentRecordInput(value) : null
      if (!input) return false
      const gated = intake.gate(facts, input.siteId)
      if ('refusal' in gated || intake.revisionProblem(gated.site, input)) return false
      ;({ site, cors } = gated)
      // Last, as the only step that changes anything: a token taken is one the record uses. Without
      // one, none is taken, and the route answers the 429.
      const taken = intake.take(facts, input.siteId)
      if (taken.wait > 0) return false
      ip = taken.ip
    } catch {
      // Whatever this reading cannot take (JSON nested too deep, a failing read of the database):
      // the route reads it again and answers as it would have.
      return false
    }
    const { requestId, send } = later(incoming, outgoing, CONSENTS_PATH, start)
    try {
      // Answered by a callback once committed, not a promise: a promise and its reactions per record
      // cost this thread more than the callback (measured).
      intake.appendThen(facts, input, site, ip, text, intake.committedAnswer(send, cors, requestId))
    } catch (e) {
      intake.sendRefusal(send, e, cors, requestId)
    }
    return true
  }

  return (incoming, outgoing, hono) => {
    if (incoming.method !== 'POST' || incoming.url !== CONSENTS_PATH) return false
    const { host, 'content-length': length } = incoming.headers
    if (
      host === undefined ||
      !PLAIN_HOST.test(host) ||
      !usableHost(host) ||
      length === undefined ||
      !(Number(length) <= MAX_CONSENT_BODY) ||
      incoming.headers['transfer-encoding'] !== undefined ||
      // Compressed, or said to be: the route refuses a body in any but `identity` (limitBody), and answers that too.
      incoming.headers['content-encoding'] !== undefined ||
      jsonBodyKind(nodeHeader(incoming, 'content-type'), true) === null
    ) {
      return false
    }
    const start = performance.now()
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
      if (stored(incoming, outgoing, requestFacts(incoming, host, CONSENTS_PATH), body, start)) return
      // @hono/node-server reads a body it finds here instead of the stream this has read.
      ;(incoming as IncomingMessage & { rawBody?: Buffer }).rawBody = body
      hono(incoming, outgoing)
    })
    // The client ended its side before its body arrived: still the access log's line, with the 400
    // answerBrokenRequest wrote when the client only closed its end, or 499 when it reset the
    // connection. Once the body has ended, the request is the route's or the commit's, which log it.
    incoming.on('error', () => {
      if (!incoming.readableEnded) setImmediate(() => left(incoming, CONSENTS_PATH, start, brokenAnswers.get(incoming.socket)))
      outgoing.destroy()
    })
    return true
  }
}

/**
 * A request @hono/node-server cannot make a Request of, before Hono sees it: a Host no URL holds as
 * it is (`a@b`, `x/y`), a backslash in the path. No browser sends one, but a client that does gets
 * the API's error shape and its security headers, not an empty 400. (Anything else reaching here
 * threw out of Hono, which answers its own errors itself: a 500 of the same shape.)
 */
function unreadableRequest(e: unknown): Response {
  const unreadable = e instanceof Error && e.name === 'RequestError'
  const error = unreadable ? { code: 'bad_request', message: `This request cannot be read: ${e.message}` } : { code: 'internal', message: 'Internal error' }
  return Response.json({ error }, { status: unreadable ? 400 : 500, headers: SECURITY_HEADERS })
}

/**
 * What a request Node's HTTP parser could not read is answered (its `clientError`): its headers past
 * Node's limit, its time past the request timeout, or anything else broken in its framing (a chunk
 * size or Content-Length that is no number, both of them, a control character in a header).
 */
function brokenRequest(e: NodeJS.ErrnoException & { reason?: string }): { status: number; code: string; message: string } {
  if (e.code === 'HPE_HEADER_OVERFLOW') return { status: 431, code: 'headers_too_large', message: 'This request cannot be read: its headers are larger than the server takes' }
  if (e.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, code: 'request_timeout', message: 'This request cannot be read: it did not arrive in time' }
  return { status: 400, code: 'bad_request', message: `This request cannot be read: ${e.reason ?? e.message}` }
}

/**
 * Answers a request Node's parser refused with the API's error shape and security headers, where
 * Node's own answer is an empty 400; then closes the connection, which cannot be read on. As Node's
 * own handler, nothing is written on a connection that is gone or whose answer has begun (it
 * would corrupt that answer). A client that ended its side before its request was complete
 * (`HPE_INVALID_EOF_STATE`) is answered 400 too: it may only have half-closed, still reading, and
 * the server cannot tell it from one gone (review); one that reset the connection is gone.
 */
function answerBrokenRequest(e: NodeJS.ErrnoException & { reason?: string }, socket: Duplex): void {
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage
  // A client that ended its side once its request was answered (nothing in flight on a connection
  // that has written, as Node's own handler checks): that answer was its last, and a 400 after it
  // would answer a request nobody sent (review).
  const endedAfterAnswer = e.code === 'HPE_INVALID_EOF_STATE' && !inFlight && (socket as { bytesWritten?: number }).bytesWritten! > 0
  if (e.code === 'ECONNRESET' || endedAfterAnswer || !socket.writable || inFlight?.headersSent) {
    socket.destroy()
    return
  }
  const { status, code, message } = brokenRequest(e)
  brokenAnswers.set(socket, status)
  const body = JSON.stringify({ error: { code, message } })
  const headers = { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), ...SECURITY_HEADERS, Connection: 'close' }
  // Closed once the answer is out, as Node's own handler closes it: a client that keeps its end
  // open would otherwise hold the connection, and a request handed on with it, for ever.
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`, () => socket.destroy())
  // A client that reads nothing never lets the answer out: closed anyway.
  setTimeout(() => socket.destroy(), BROKEN_REQUEST_LINGER_MS).unref()
}

/** How long an answer to a broken request may take to leave before its connection is closed regardless. */
const BROKEN_REQUEST_LINGER_MS = 5_000

/**
 * Serves the app on Node's HTTP server as @hono/node-server's serve() does, with the front door
 * before it. `onListening` gets the address once the server listens.
 */
export function serveApp(app: Pick<App, 'fetch' | 'frontDoor'>, options: { port: number; hostname: string }, onListening?: (address: AddressInfo) => void): Server {
  const listener = getRequestListener(app.fetch, { hostname: options.hostname, errorHandler: unreadableRequest })
  const hono: ToHono = (incoming, outgoing) => void listener(incoming, outgoing)
  const server = createServer((incoming, outgoing) => {
    if (!app.frontDoor(incoming, outgoing, hono)) hono(incoming, outgoing)
  })
  server.on('clientError', answerBrokenRequest)
  server.listen(options.port, options.hostname, () => onListening?.(server.address() as AddressInfo))
  return server
}
