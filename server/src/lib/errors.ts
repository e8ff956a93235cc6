import { HTTPException } from 'hono/http-exception'
import { TrieRouter } from 'hono/router/trie-router'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { ZodError } from 'zod'
import type { Logger } from '../logger'
import { DATABASE_FILE_GONE, isDatabaseBusy, sqliteCodes } from './database-busy'

/** An expected failure; `onError` answers it as `{ error: { code, message } }`. */
export class ApiError extends HTTPException {
  readonly code: string
  /** Extra response headers, e.g. `Retry-After` on 429. */
  headers: Record<string, string> | undefined
  /** Field-level problems (`entries.3.expiry`), so a form can show each next to its field. */
  issues: { path: string; message: string }[] | undefined
  constructor(status: ContentfulStatusCode, code: string, message: string, headers?: Record<string, string>) {
    super(status, { message })
    this.code = code
    this.headers = headers
  }
}

/** What an issue of zod's says, or what the issue(s) inside it do. */
interface Issue {
  path: readonly PropertyKey[]
  message: string
  code?: string
  /** A record's key that failed its schema (`invalid_key`): why. */
  issues?: readonly Issue[]
  /** A union none of whose members took the value (`invalid_union`): why not, per member. */
  errors?: readonly (readonly Issue[])[]
  /** The values a literal or enum takes (`invalid_value`). */
  values?: readonly unknown[]
}

/**
 * An issue's message. zod says only "Invalid key in record" for a text's language `EN`, and
 * "Invalid input" for `to=DRAFT` where it takes "draft" or a number: what the key or the union's
 * members say is the message instead.
 */
function issueMessage(i: Issue): string {
  if (i.code === 'invalid_key' && i.issues?.length) return `not a key this takes: ${i.issues.map(issueMessage).join('; ')}`
  if (i.code === 'invalid_union' && i.message === 'Invalid input' && i.errors?.length) {
    const members = i.errors.flatMap((e) => (e[0] ? [e[0].values ? e[0].values.map((v) => JSON.stringify(v)).join(' or ') : issueMessage(e[0])] : []))
    if (members.length) return `expected ${members.join(', or ')}`
  }
  return i.message
}

/** Every zod issue with its dotted path (`entries.3.expiry`). */
const issuesOf = (error: { issues: readonly Issue[] }) => error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: issueMessage(i) }))

/** 422 `invalid` listing every zod issue with its dotted path. */
export function invalidError(error: { issues: readonly Issue[] }, message?: string): ApiError {
  const issues = issuesOf(error)
  const first = issues[0]
  const err = new ApiError(422, 'invalid', message ?? (first ? (first.path ? `${first.path}: ${first.message}` : first.message) : 'Invalid input'))
  err.issues = issues
  return err
}

/** The code used when a bare HTTPException (thrown by a Hono middleware) carries none. */
export function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'bad_request'
    case 401:
      return 'unauthenticated'
    case 403:
      return 'forbidden'
    case 404:
      return 'not_found'
    case 405:
      return 'method_not_allowed'
    case 413:
      return 'payload_too_large'
    case 415:
      return 'unsupported_media_type'
    case 422:
      return 'unprocessable'
    case 429:
      return 'rate_limited'
    default:
      return status >= 500 ? 'internal' : 'error'
  }
}

/** The order methods are listed in an `Allow` header. */
const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

/** An `Allow` header's value: the methods, each once, in METHOD_ORDER (`GET, POST`). */
export function allowHeader(methods: Iterable<string>): string {
  const set = new Set([...methods].map((m) => m.toUpperCase()))
  const rank = (m: string) => (METHOD_ORDER.includes(m) ? METHOD_ORDER.indexOf(m) : METHOD_ORDER.length)
  return [...set].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).join(', ')
}

/** The handlers that refuse HEAD on their GET route (getOnly in lib/validate.ts): its path's `Allow` lists no HEAD. */
export const headRefusers = new WeakSet<object>()

/**
 * The methods the routes answer at a path, as an `Allow` header's value, or null when no route
 * has the path (a 404, not a 405). `routes` are Hono's (`app.routes`, patterns such as
 * `/sdk/:file{.+}`), matched by Hono's own router so that a path is the API's exactly when a
 * request for it reaches a route; middleware (`ALL`) is no method of a path. A GET route answers
 * HEAD too (Hono runs it and drops the body), unless one of its handlers is a headRefuser.
 */
export function allowedMethods(routes: readonly { method: string; path: string; handler?: object }[]): (path: string) => string | null {
  const router = new TrieRouter<string>()
  const getOnlyPaths = new Set(routes.filter((r) => r.method === 'GET' && r.handler && headRefusers.has(r.handler)).map((r) => r.path))
  for (const r of routes) {
    if (r.method === 'ALL') continue
    router.add('ALL', r.path, r.method)
    if (r.method === 'GET' && !getOnlyPaths.has(r.path)) router.add('ALL', r.path, 'HEAD')
  }
  return (path) => {
    const methods = router.match('GET', path)[0].map(([method]) => method)
    return methods.length ? allowHeader(methods) : null
  }
}

/** 405 `method_not_allowed`, with `Allow`: the path exists, but not with this method. */
export function methodNotAllowed(method: string, path: string, allow: string): ApiError {
  return new ApiError(405, 'method_not_allowed', `${path} does not take ${method}; it takes ${allow}`, { Allow: allow })
}

/** A setting that parsed but cannot be used (a GeoIP file that is no database): start-up names it and stops, without a stack trace. */
export class ConfigurationError extends Error {}

function zodMessage(error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${issueMessage(i)}` : issueMessage(i)))
    .join('; ')
}

/** An error's answer: `{ "error": { "code", "message" } }` with its status and extra headers. */
export interface ErrorAnswer {
  status: ContentfulStatusCode
  body: { error: { code: string; message: string; issues?: { path: string; message: string }[] } }
  headers: Record<string, string>
}

/** Seconds a client waits before retrying after `database_busy`: a lock held past the 5 s busy_timeout (db/client.ts) is no blip. */
export const DATABASE_BUSY_RETRY_SECONDS = 5

export { isDatabaseBusy } from './database-busy'

/**
 * How every route answers a thrown error: a known refusal as itself, a database locked by another
 * process as 503 `database_busy` with Retry-After, anything else as 500 `internal`, logged with
 * the request's id. `app.onError` and the answers written after the request's context has gone
 * (the consent POST, see request-context.ts) both use it.
 */
export function errorAnswer(err: unknown, request: { requestId: string; method: string; path: string }, logger: Logger): ErrorAnswer {
  if (err instanceof ApiError) {
    const error = { code: err.code, message: err.message, ...(err.issues ? { issues: err.issues } : {}) }
    return { status: err.status, body: { error }, headers: err.headers ?? {} }
  }
  // A query or path parameter out of its schema: the same `issues` as a body's 422, field by field.
  if (err instanceof ZodError) return { status: 400, body: { error: { code: 'invalid_request', message: zodMessage(err), issues: issuesOf(err) } }, headers: {} }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode
    const code = status === 400 && /json/i.test(err.message) ? 'invalid_json' : codeForStatus(status)
    return { status, body: { error: { code, message: err.message || code } }, headers: {} }
  }
  // The connection closed while the body was read: the client left, or its framing broke and the
  // server answered that itself (front-door.ts). Nothing went wrong here, and there is nobody to tell.
  if (err instanceof Error && err.message === 'aborted' && (err as NodeJS.ErrnoException).code === 'ECONNRESET') {
    return { status: 400, body: { error: { code: 'bad_request', message: 'The request did not arrive whole: its connection closed' } }, headers: {} }
  }
  // Another process (a backup, a migration, a second server on the file) holds the write lock:
  // nothing is wrong with the request, so the client is told to retry rather than given a 500.
  if (isDatabaseBusy(err)) {
    logger.warn('database busy', { ...request, err })
    return {
      status: 503,
      body: { error: { code: 'database_busy', message: 'The database is busy with another write; try again in a few seconds' } },
      headers: { 'Retry-After': String(DATABASE_BUSY_RETRY_SECONDS) },
    }
  }
  // The disk holding the database is full: every write fails alike until the operator makes room.
  // The client retries later (the SDK keeps the record); the operator is told once every 10 s in
  // one plain line, not with a stack trace per refused request.
  if (/^SQLITE_FULL(_|$)/.test(sqliteCodes(err)[0] ?? '')) {
    diskFull.log(logger, request)
    return {
      status: 503,
      body: { error: { code: 'storage_full', message: 'The server cannot store anything now (its disk is full); try again later' } },
      headers: { 'Retry-After': String(DISK_FULL_RETRY_SECONDS) },
    }
  }
  // The database file was removed or replaced under the running server (ConsentWriter, and app.ts
  // for every change and the dashboard's API): nothing can be stored for good until it is
  // restarted on the right file; the client retries later.
  if ((err as { code?: unknown } | null)?.code === DATABASE_FILE_GONE) {
    fileGone.log(logger, request)
    return {
      status: 503,
      body: { error: { code: 'database_unavailable', message: 'The server cannot store anything now; try again later' } },
      headers: { 'Retry-After': String(DISK_FULL_RETRY_SECONDS) },
    }
  }
  logger.error('unhandled error', { ...request, err })
  return { status: 500, body: { error: { code: 'internal', message: `Internal error (request ${request.requestId})` } }, headers: {} }
}

/** Seconds a client waits before retrying after `storage_full` or a database file gone: both are mended by hand. */
export const DISK_FULL_RETRY_SECONDS = 60

/**
 * A refusal that every request meets alike until the operator acts: logged as an error at most once
 * every 10 s, in one plain line with how many were refused since the last, not a stack trace each.
 */
class RefusalLine {
  private loggedAt = -Infinity
  private refused = 0
  constructor(private readonly message: string) {}

  log(logger: Logger, request: Record<string, unknown>): void {
    const at = Date.now()
    if (at - this.loggedAt < 10_000) {
      this.refused++
      return
    }
    logger.error(this.message, { ...request, refusedSinceLastLine: this.refused })
    this.loggedAt = at
    this.refused = 0
  }
}

const diskFull = new RefusalLine('the database disk is full: writes are refused (503 storage_full) until there is room')
const fileGone = new RefusalLine(
  'the database file was removed or replaced while the server ran: consent records, every other change and the dashboard API are refused (503 database_unavailable); restart the server on the right file',
)

