// Validators that run before handlers; a ZodError they throw is answered 400 by `onError`.
import { SLUG_PATTERN } from '@miniconsent/shared'
import type { z } from 'zod'
import { isUtf8 } from 'node:buffer'
import type { Context, MiddlewareHandler } from 'hono'
import { METHOD_NAME_ALL } from 'hono/router'
import { matchedRoutes } from 'hono/route'
import { validator } from 'hono/validator'
import { ApiError, headRefusers, methodNotAllowed } from './errors'
import { requestHeader } from './request'
import { refusedDocument, refuseUnreadKeys, type KeyOwner } from './unread-keys'

/**
 * The largest body of an admin request: a whole catalogue with its texts (an import, a new site's
 * catalogue, the draft) fits, since no catalogue whose save would not is stored
 * (refuseOversizedCatalogue, services/catalogue.ts). Sign-in and every other admin route are held
 * to it too, before the body is read; on a change, after the session and the route's role and site:
 * a change the caller may not make is refused so (401, 403) whatever its body (loadSession). A GET
 * is held to it before its route's own check. The public routes have their own, smaller limits.
 */
export const MAX_ADMIN_BODY = 1024 * 1024

/**
 * 413 past `maxSize` bytes, before the body is read whole. A declared Content-Length is checked
 * without touching the body: looking at `c.req.raw.body` makes @hono/node-server build a whole
 * WHATWG Request and stream for every request. A chunked body, which declares no length, is
 * counted as it is read, by whoever reads it first (Hono's `bodyLimit` read it whole up front, so
 * an admin request without a session, refused before its body is needed, waited for all of it).
 * The refusal closes the connection (`Connection: close`): the rest of the body was never read,
 * and a keep-alive client would otherwise send its next request down a connection that cannot
 * answer it. The first reading (refuseNonUtf8) answers it 413; a validator reading first would
 * take it for malformed JSON (400), still a refusal.
 */
export function limitBody(maxSize: number, message: string): MiddlewareHandler {
  const tooLarge = () => new ApiError(413, 'payload_too_large', message, { Connection: 'close' })
  return (c, next) => {
    // A compressed body would be read as its compressed bytes: "Malformed JSON", or not UTF-8. A
    // request without a body has nothing compressed: it goes on, to its session check (a 401) or
    // its route, as without the header.
    const encoding = requestHeader(c, 'content-encoding')
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity' && bodySent(c)) {
      throw new ApiError(415, 'unsupported_media_type', `Send the body uncompressed: Content-Encoding "${encoding.slice(0, 40)}" is not supported`)
    }
    const length = requestHeader(c, 'content-length')
    if (length !== undefined && requestHeader(c, 'transfer-encoding') === undefined) {
      if (parseInt(length, 10) > maxSize) throw tooLarge()
      return next()
    }
    const raw = c.req.raw
    if (raw.body) {
      let size = 0
      const counted = raw.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            size += chunk.byteLength
            if (size > maxSize) controller.error(tooLarge())
            else controller.enqueue(chunk)
          },
        }),
      )
      c.req.raw = new Request(raw, { body: counted, duplex: 'half' } as RequestInit)
    }
    return next()
  }
}

/**
 * Whether the request carries a body: chunked, or a Content-Length above 0. Node reads a request
 * with neither as having none (RFC 9112 §6.3), though @hono/node-server gives a POST or DELETE a
 * body stream all the same. A Request made in code (`app.request()`, the tests) declares neither:
 * its own body says.
 */
function bodySent(c: Context): boolean {
  if (requestHeader(c, 'transfer-encoding') !== undefined) return true
  const length = requestHeader(c, 'content-length')
  if (length !== undefined) return parseInt(length, 10) > 0
  return (c.env as { incoming?: { headers?: unknown } } | undefined)?.incoming?.headers ? false : c.req.raw.body !== null
}

/**
 * Refuses (400 `invalid_text`) a body that is not UTF-8. Every body this API reads is text (JSON,
 * or a catalogue's CSV), and reading bytes of another encoding as UTF-8 stores U+FFFD in their
 * place with a 2xx: `Café` from a Latin-1 form, a spreadsheet's CSV saved as Windows-1252. Read
 * whole here, within the body limit (which runs first); the route's own reading takes the same
 * bytes from Hono's cache. Called where the route would read the body anyway: for an admin route,
 * once its session and role are known (onceBodyArrived), so that a request without them is not waited for.
 */
export async function refuseNonUtf8(c: Context): Promise<void> {
  if (!c.req.raw.body) return
  if (!isUtf8(new Uint8Array(await c.req.arrayBuffer()))) {
    throw new ApiError(400, 'invalid_text', 'The body is not UTF-8 text: send it encoded as UTF-8 (a spreadsheet saves a CSV so as "CSV UTF-8")')
  }
}

/** refuseNonUtf8 as a route's middleware, before the validator that reads the body. */
export const utf8Body: MiddlewareHandler = async (c, next) => {
  await refuseNonUtf8(c)
  await next()
}

export const adminBodyLimit = (): MiddlewareHandler => limitBody(MAX_ADMIN_BODY, 'A request body may be at most 1 MB (a whole catalogue fits, as compact JSON: the server keeps none larger)')

const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i
const mediaType = (header: string | undefined) => (header ?? '').split(';')[0]!.trim().toLowerCase()

/**
 * How jsonBody() reads a body of this Content-Type: `json` for a JSON type, `text` for JSON sent as
 * text/plain (with `textPlain`), null for neither (415).
 */
export function jsonBodyKind(contentType: string | undefined, textPlain: boolean): 'json' | 'text' | null {
  // The two the SDK sends (fetch's, and sendBeacon's as browsers spell it), known without splitting the header.
  if (contentType === 'application/json') return 'json'
  if (contentType === 'text/plain;charset=UTF-8') return textPlain ? 'text' : null
  const type = mediaType(contentType)
  if (JSON_TYPE.test(type)) return 'json'
  return textPlain && type === 'text/plain' ? 'text' : null
}

/**
 * How deep a JSON body may nest. The API's own bodies nest a few levels (a catalogue's
 * `categories[0].label.en`); JSON nested a hundred thousand levels deep parses, but would overflow
 * the stack of bodyFlawAt's recursion, a 500.
 */
export const MAX_JSON_DEPTH = 64

/** What a parsed JSON body may not hold (bodyFlawAt), and where, as a path such as `url` or `purpose.en`. */
export interface BodyFlaw {
  at: string
  /**
   * `text`: a string (or a key) that is not well-formed Unicode. JSON's `\ud800` escape can carry
   * a lone surrogate, which SQLite stores as U+FFFD: what was hashed or compared before storing
   * would no longer match what is read back (a consent record's hash, a revision's content hash).
   * `key`: the key `__proto__`. JSON.parse makes it an own key, but zod's records (a record's
   * categories, a text's languages, a site's regions) skip it without a word, so what the body says
   * under it would be lost while the rest is stored. No field or id of the API can be named so.
   */
  kind: 'text' | 'key'
}

/**
 * The first flaw of a parsed JSON body, or null when there is none; `keys` false looks for text
 * only (a file the CLI reads, not a request's body). Throws 400 `invalid_json` for a body nested
 * deeper than MAX_JSON_DEPTH.
 */
export function bodyFlawAt(value: unknown, keys = true): BodyFlaw | null {
  const found = flawIn(value, keys, 0)
  if (found === null) return null
  const at = pathOf(found.path) || '(body)'
  if (found.kind === 'depth') throw new ApiError(400, 'invalid_json', `${at}: JSON nested more than ${MAX_JSON_DEPTH} levels deep`)
  return { at, kind: found.kind }
}

/** A flaw flawIn() found, or the depth past MAX_JSON_DEPTH it reached, with the keys and indexes down to it, innermost first. */
interface Found {
  kind: BodyFlaw['kind'] | 'depth'
  path: (string | number)[]
}

/**
 * The first flaw of a value, in the order of its keys and items. Its path is built only on the
 * way back up from what is found: this walks every consent record's body, and a text for each
 * nested key (`categories.analytics`) was most of what the walk allocated.
 */
function flawIn(value: unknown, keys: boolean, depth: number): Found | null {
  if (typeof value === 'string') return value.isWellFormed() ? null : { kind: 'text', path: [] }
  if (typeof value !== 'object' || value === null) return null
  if (depth >= MAX_JSON_DEPTH) return { kind: 'depth', path: [] }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const inner = flawIn(value[i], keys, depth + 1)
      if (inner !== null) {
        inner.path.push(i)
        return inner
      }
    }
    return null
  }
  for (const key of Object.keys(value)) {
    if (!key.isWellFormed()) return { kind: 'text', path: [key] }
    if (keys && key === '__proto__') return { kind: 'key', path: [key] }
    const inner = flawIn((value as Record<string, unknown>)[key], keys, depth + 1)
    if (inner !== null) {
      inner.path.push(key)
      return inner
    }
  }
  return null
}

/** A path such as `purpose.en` or `[2].url` from its keys and indexes, innermost first (flawIn). */
function pathOf(steps: (string | number)[]): string {
  let path = ''
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i]!
    path = typeof step === 'number' ? `${path}[${step}]` : path ? `${path}.${step}` : step
  }
  return path
}

/** Refuses a body with a flaw (bodyFlawAt), naming where. */
export function wellFormed<T>(value: T): T {
  const flaw = bodyFlawAt(value)
  if (flaw?.kind === 'text') throw new ApiError(400, 'invalid_text', `${flaw.at}: text with an unpaired surrogate, which is not valid Unicode`)
  if (flaw?.kind === 'key') throw new ApiError(400, 'invalid_request', `${flaw.at}: "__proto__" is not accepted as a key`)
  return value
}

/**
 * A JSON body. With `textPlain`, a `text/plain` body holding JSON is accepted too: `sendBeacon`
 * can only send that type without a CORS preflight, which would be lost on page unload. `read`
 * is a faster reading of the same schema for hot routes: it returns the schema's output, or null
 * to let the schema decide. `kept` is called with the body as parsed and what was read from it,
 * for what the schema's output no longer says (keepRecordIdAsSent).
 */
export const jsonBody = <S extends z.ZodType>(
  schema: S,
  options: { textPlain?: boolean; read?: (value: unknown) => z.output<S> | null; fieldsOf?: KeyOwner; kept?: (value: unknown, output: z.output<S>) => void } = {},
) => {
  const fieldsOf = options.fieldsOf
  const kept = options.kept
  const parse = (value: unknown): z.output<S> => {
    const output = readBody(value)
    kept?.(value, output)
    return output
  }
  const readBody = (value: unknown): z.output<S> => {
    wellFormed(value)
    const read = options.read?.(value)
    if (fieldsOf === undefined) return read ?? schema.parse(value)
    // `fieldsOf` (an admin route's): a key the schema does not read is refused, as formBody refuses it.
    if (read != null) {
      refuseUnreadKeys(value, read, 'The request', fieldsOf)
      return read
    }
    const parsed = schema.safeParse(value)
    if (parsed.success) {
      refuseUnreadKeys(value, parsed.data, 'The request', fieldsOf)
      return parsed.data
    }
    // A key the schema does not read is named along with its issues, in the 422 that refuses such
    // a key, not once they are fixed. Without one, the schema's issues alone: its 400
    // `invalid_request`, as before.
    const refused = refusedDocument(schema, value, parsed.error, fieldsOf)
    throw refused.issues!.length > parsed.error.issues.length ? refused : parsed.error
  }
  return readsBody(validator('json', async (value, c): Promise<z.output<S>> => {
    const kind = jsonBodyKind(requestHeader(c, 'content-type'), options.textPlain ?? false)
    if (kind === null) throw new ApiError(415, 'unsupported_media_type', 'Send the body as JSON (Content-Type: application/json)')
    // Hono's validator reads the body only when the Content-Type it sees (every one sent, joined)
    // is JSON's, and hands `{}` otherwise: a request with a second Content-Type, whose first (the
    // one Node and the front door read) is JSON's, was refused as missing every field (review).
    // Such a body, and text/plain, is read here; one Hono parsed is not parsed again.
    if (kind === 'json' && honoReadsJson(c.req.header('content-type'))) return parse(value)
    let parsed: unknown
    try {
      parsed = JSON.parse(await c.req.text())
    } catch (e) {
      if (e instanceof ApiError) throw e
      throw new ApiError(400, 'invalid_json', 'Malformed JSON in request body')
    }
    return parse(parsed)
  }))
}

/** Whether Hono's json validator has read the body: when the Content-Type it sees is JSON's (its own test, hono/validator). */
const honoReadsJson = (contentType: string | undefined): boolean => JSON_TYPE.test(mediaType(contentType))

/**
 * A path segment that is a slug (site id), checked without zod on the hot public routes; null
 * when it is not one, and the caller then lets the zod schema, the source of truth, answer why.
 */
export function slugParam(value: string | undefined): string | null {
  return value !== undefined && value.length <= 64 && SLUG_PATTERN.test(value) ? value : null
}

/**
 * A query of the route's schema. A parameter the schema does not read is refused (400
 * `invalid_request`), not ignored: an export's misspelt `frm=2027-01-01` made a full export of the
 * log, audited and signed, of records the auditor never asked for.
 */
export const queryOf = <S extends z.ZodType>(schema: S) => {
  const read = validator('query', (value, c): z.output<S> => {
    const undecodable = undecodableParam(c.req.url)
    if (undecodable !== undefined) {
      throw new ApiError(400, 'invalid_request', `The query's "${undecodable.slice(0, 40)}" holds a %-escape that is not UTF-8 text: escape each byte of its UTF-8 form`)
    }
    const parsed = schema.parse(value) as z.output<S>
    const unread = Object.keys(value).filter((key) => !Object.hasOwn(parsed as object, key))
    if (unread.length) throw unreadQuery(unread)
    return parsed
  })
  queryReaders.add(read)
  return read
}

/**
 * The first parameter of the URL's query whose name or value holds a %-escape that decodes to no
 * UTF-8 text (`%FF`, `%ED%A0%80`), as it was sent, or undefined. Hono leaves such an escape as it
 * is: a look-up of `userId=%FF` searched for the text `%FF` and answered that nothing was linked
 * to a user ID nobody sent (review).
 */
function undecodableParam(url: string): string | undefined {
  const q = url.indexOf('?')
  if (q === -1 || !url.includes('%', q)) return undefined
  for (const pair of url.slice(q + 1).split('&')) {
    try {
      decodeURIComponent(pair)
    } catch {
      return pair.split('=', 1)[0]
    }
  }
  return undefined
}

/** The handlers that read a route's query (queryOf): refuseUnreadQuery lets their routes' parameters through. */
const queryReaders = new WeakSet<object>()

/**
 * The handlers that answer any path, no route of the API's: the dashboard's files (routes/static.ts),
 * whose `GET *` matches every admin path too, and passes it on to the 404 or 405.
 */
export const catchAllHandlers = new WeakSet<object>()

/** 400 `invalid_request` naming the parameters a route does not read. */
function unreadQuery(unread: string[]): ApiError {
  const n = unread.length
  const refusal = new ApiError(
    400,
    'invalid_request',
    `The query has ${n === 1 ? 'a parameter' : `${n} parameters`} this route does not read, first "${unread[0]}": check the spelling, or remove ${n === 1 ? 'it' : 'them'}`,
  )
  refusal.issues = unread.map((path) => ({ path, message: `"${path}" is no parameter of this route` }))
  return refusal
}

/**
 * Refuses any query parameter on a route that reads none (no queryOf among its handlers), as
 * queryOf refuses one its schema does not read: `DELETE /api/admin/sites/acme?dryRun=true` deleted
 * the site for good, and a verification or a subject's export with a misspelt `frm` ran on
 * everything (review). A path no route takes, or not with this method, goes on to its 404 or 405:
 * the dashboard's catch-all, which matches it, is no route of the API's (`GET /api/admin/login?x=1`
 * was refused 400, where without the query it is a 405 with its Allow).
 */
export const refuseUnreadQuery = (): MiddlewareHandler => (c, next) => {
  const url = c.req.url
  const q = url.indexOf('?')
  if (q === -1) return next()
  const routes = matchedRoutes(c).filter((r) => !catchAllHandlers.has(r.handler))
  if (!routes.some((r) => r.method !== METHOD_NAME_ALL) || routes.some((r) => queryReaders.has(r.handler))) return next()
  // A HEAD of a GET that refuses HEAD (getOnly) goes on to that 405 and its Allow, query or not.
  if (c.req.method === 'HEAD' && routes.some((r) => headRefusers.has(r.handler))) return next()
  const unread = [...new Set(new URLSearchParams(url.slice(q + 1)).keys())]
  if (unread.length) throw unreadQuery(unread)
  return next()
}

/** The handlers that read a route's body (jsonBody, formBody, readsBody): refuseUnreadBody lets their routes' bodies through. */
const bodyReaders = new WeakSet<object>()

/**
 * Marks `handler` as one that reads the request's body: a route's validator (jsonBody, formBody), or
 * a handler that reads its body itself (the catalogue import's file). Returns it.
 */
export function readsBody<H extends object>(handler: H): H {
  bodyReaders.add(handler)
  return handler
}

/** A route's mark that its handler reads the body itself (the catalogue import's file), for refuseUnreadBody. */
export const ownBody = readsBody<MiddlewareHandler>((_c, next) => next())

/** The methods that carry no body this server reads (@hono/node-server drops a GET's or HEAD's), and change nothing. */
const BODILESS_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Refuses (422 `invalid`) a body sent to an admin route that reads none (no jsonBody, formBody or
 * readsBody among its handlers), as refuseUnreadQuery refuses a query: `DELETE …/subjects/<id>`
 * with `{"dryRun":true}` erased the visitor's data, and a member's removal and a site's deletion
 * went ahead the same, where `?dryRun=true` was refused (review). The keys of a JSON object are
 * named, one issue each, as refuseUnreadKeys names a form's; any other body (`dryRun=true` as
 * curl's `-d` sends it, an array, text) is refused without. An empty or blank body, or `{}`, asks
 * for nothing, and goes on: some clients send one with every DELETE.
 *
 * It runs after the route's role and site were checked (loadSession, onceBodyArrived), as
 * refuseUnreadQuery does: whoever may not make the change was refused 401/403 whatever its body,
 * and it is not waited for. What gets here is a change its caller may make: the sign-out too,
 * which needs no session. Without one (none, or two session cookies: see loadSession), its body is
 * refused as a signed-in one's is, UTF-8 first, and no session named by its cookies ends: it
 * answered 204 whatever its body, so that `{"everywhere":true}` was refused only when signed in.
 */
export const refuseUnreadBody = (): MiddlewareHandler => async (c, next) => {
  if (BODILESS_METHODS.has(c.req.method)) return next()
  const routes = matchedRoutes(c).filter((r) => r.method !== METHOD_NAME_ALL)
  if (!routes.length || routes.some((r) => bodyReaders.has(r.handler))) return next()
  // A signed-in change's body was checked when it arrived (onceBodyArrived): from the cache, at once.
  await refuseNonUtf8(c)
  const text = (await c.req.text()).trim()
  if (text === '') return next()
  const keys = objectKeysOf(text)
  if (keys?.length === 0) return next()
  throw unreadBody(keys)
}

/** The keys of a body that is a JSON object, or null for any other body. */
function objectKeysOf(text: string): string[] | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : null
}

/** 422 `invalid` for a body on a route that reads none, naming a JSON object's keys (`keys`), one issue each. */
function unreadBody(keys: string[] | null): ApiError {
  if (keys === null) return new ApiError(422, 'invalid', 'This route reads no body, and did nothing: send the request without one')
  const n = keys.length
  const refusal = new ApiError(
    422,
    'invalid',
    `This route reads no body, and did nothing: the request has ${n === 1 ? 'a field' : `${n} fields`}, first "${keys[0]}". Send it without ${n === 1 ? 'it' : 'them'}`,
  )
  refusal.issues = keys.map((path) => ({ path, message: `"${path}" is no field of this route: it reads no body` }))
  return refusal
}

/**
 * Refuses (405, with the path's `Allow`) a method no route of the API takes at a path that is the
 * API's, before the body limit and the session: a PUT of a statistics page with a body over 1 MB
 * or a compressed one was refused 413 or 415, and one signed in without a CSRF token 403, where
 * the same PUT without them is the 405 the document lists for any method no operation of the
 * path has (review). The body of such a request is never read. `allowed` is the path's methods
 * (allowedMethods, errors.ts); a path of none goes on to its 404.
 */
export const refuseOtherMethods =
  (allowed: (path: string) => string | null): MiddlewareHandler =>
  (c, next) => {
    // Hono matches a HEAD as its GET: a HEAD of a GET route goes on to it (or to getOnly's 405).
    if (matchedRoutes(c).some((r) => r.method !== METHOD_NAME_ALL && !catchAllHandlers.has(r.handler))) return next()
    const allow = allowed(c.req.path)
    if (allow === null) return next()
    throw methodNotAllowed(c.req.method, c.req.path, allow)
  }

export const paramsOf = <S extends z.ZodType>(schema: S) => validator('param', (value): z.output<S> => schema.parse(value))

/**
 * A JSON body from an admin form: problems are answered 422 `invalid` with every issue and its
 * path, so the dashboard can show each message next to its field. A key the schema does not read
 * is refused the same way (refuseUnreadKeys), not dropped: a misspelt `needConsent` would publish
 * against the override meant, a misspelt setting save nothing and answer 200. `fieldsOf` names
 * whose fields they are not ("a publication"), per key when the body holds a document of its own.
 */
export const formBody = <S extends z.ZodType>(schema: S, fieldsOf: KeyOwner) =>
  readsBody(validator('json', (value, c): z.output<S> => {
    if (jsonBodyKind(c.req.header('content-type'), false) !== 'json') {
      throw new ApiError(415, 'unsupported_media_type', 'Send the body as JSON (Content-Type: application/json)')
    }
    const parsed = schema.safeParse(wellFormed(value))
    // A key the schema does not read is named along with its issues, not once they are fixed.
    if (!parsed.success) throw refusedDocument(schema, value, parsed.error, fieldsOf)
    refuseUnreadKeys(value, parsed.data, 'The request', fieldsOf)
    return parsed.data
  }))

/**
 * Refuses HEAD (405) on a GET route that does or costs something: Hono answers HEAD with the GET
 * route and drops the body, so a HEAD would run it all, an export with its audit entry and signed
 * manifest for a file nobody received, or a verification of the whole log. A bodiless 200 could
 * not carry what a GET's headers say (an export id, a file name) of something that was never made.
 * `message` says why, in the route's words. Its `Allow` is the path's, every method but HEAD
 * (`GET, POST` on the verification), as another method's 405 lists them: app.ts adds it to a 405
 * thrown without one.
 */
export const getOnly = (message: string): MiddlewareHandler => {
  const refuseHead: MiddlewareHandler = (c: Context, next) => {
    if (c.req.method === 'HEAD') throw new ApiError(405, 'method_not_allowed', message)
    return next()
  }
  headRefusers.add(refuseHead)
  return refuseHead
}
