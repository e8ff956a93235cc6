// The OpenAPI document held to what the server answers: real requests through `app.request()`
// (good ones, bad ones, and every operation as each kind of caller), and each answer's status and
// media type must be documented for its operation, its JSON body valid against the document's own
// JSON Schema (strictly: `additionalProperties: false` holds, as it does for a generated client)
// and against the zod schema the route table names (for what JSON Schema cannot say), and the
// headers the document says are sent must be, while the notable ones sent must be documented.
// The table of bad inputs is the reviewer's, plus what each route can refuse.
import { createHash } from 'node:crypto'
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { apiError } from '@miniconsent/shared'
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020'
import addFormats from 'ajv-formats'
import Database from 'better-sqlite3'
import type { z } from 'zod'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveApp } from '../front-door'
import { openApiPath, type Operation } from '../lib/openapi'
import { allowHeader } from '../lib/errors'
import { OPERATIONS } from '../lib/openapi-routes'
import { addUser, consentBody, json, send, sessionOf, signIn, startTestServer, type AdminSession, type TestServer } from '../test-support'

type JsonSchema = Record<string, unknown>
type Media = Record<string, { schema?: JsonSchema; example?: unknown }>
type DocHeaders = Record<string, { required?: boolean; schema: JsonSchema }>
interface DocResponse {
  content?: Media
  headers?: DocHeaders
}
interface DocOp {
  parameters: { name: string; in: string; required: boolean }[]
  requestBody?: { content: Media }
  responses: Record<string, DocResponse>
}
interface Doc {
  paths: Record<string, Record<string, DocOp>>
  components: { schemas: Record<string, JsonSchema>; responses: Record<string, DocResponse> }
}

// ---- A strict check of a value against the document's JSON Schema (draft 2020-12), by Ajv -------
// Strict mode: a keyword or a format Ajv does not know fails the check (it is reported: the schema
// cannot be checked) rather than let a value through unchecked. `allowUnionTypes`: zod writes a
// nullable field as `type: ['string', 'null']`, valid JSON Schema that Ajv's strictTypes warns of.
// The generated code is left unoptimized: it runs a few hundred times, and compiles a third faster.
const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true, code: { optimize: false } })
addFormats(ajv)
// `components` carries the document's schemas beside the one checked, for its `$ref`s
// (`#/components/schemas/X`); `example` is the OpenAPI Schema Object's own (deprecated) annotation.
ajv.addKeyword('components')
ajv.addKeyword('example')

/**
 * Validators by schema (as JSON: most answers share one, `{ $ref: ApiError }`), compiled once per
 * document, or why the schema cannot be compiled.
 */
const validators = new WeakMap<Doc, Map<string, ValidateFunction | string>>()
function validator(d: Doc, schema: JsonSchema): ValidateFunction | string {
  let cache = validators.get(d)
  if (!cache) validators.set(d, (cache = new Map()))
  const key = JSON.stringify(schema)
  let validate = cache.get(key)
  if (validate === undefined) {
    try {
      validate = ajv.compile({ ...schema, components: { schemas: d.components.schemas } })
    } catch (e) {
      validate = `the schema cannot be checked: ${(e as Error).message}`
    }
    cache.set(key, validate)
  }
  return validate
}

/** Where `value` breaks `schema` (`$ref`s resolved in the document), each as `at` + Ajv's instancePath: message; [] when it fits. */
function violations(d: Doc, schema: JsonSchema, value: unknown, at = '$'): string[] {
  const validate = validator(d, schema)
  if (typeof validate === 'string') return [`${at}: ${validate}`]
  if (validate(value)) return []
  return (validate.errors ?? []).map((e) => {
    const property = e.keyword === 'additionalProperties' ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : ''
    return `${at}${e.instancePath}: ${e.message}${property}`
  })
}

/**
 * Headers whose presence means something to a client: each one sent must be documented for its
 * answer. (Cache-Control, the security headers and CORS are sent nearly everywhere; the document
 * names them where they matter, and then they are checked as documented.)
 */
const NOTABLE_HEADERS = ['Set-Cookie', 'Location', 'Content-Disposition', 'X-Export-Id', 'ETag', 'Retry-After', 'Allow']

/** What a documented response's headers say that `res` does not do, and the notable headers it sends undocumented. */
function headerProblems(d: Doc, documented: DocResponse, res: Response): string[] {
  const out: string[] = []
  const named = Object.entries(documented.headers ?? {})
  for (const [name, h] of named) {
    const value = res.headers.get(name)
    if (value === null) {
      if (h.required) out.push(`no ${name} header, which is documented as always sent`)
    } else out.push(...violations(d, h.schema, value, name))
  }
  const names = new Set(named.map(([name]) => name.toLowerCase()))
  for (const name of NOTABLE_HEADERS) if (res.headers.has(name) && !names.has(name.toLowerCase())) out.push(`sends ${name}: ${res.headers.get(name)?.slice(0, 60)}, which is not documented`)
  return out
}

type Who = 'anon' | 'owner' | 'auditor' | 'stranger' | 'ownerNoCsrf'

interface Row {
  what: string
  /** The operation, as the document names it: `get /api/admin/sites/{siteId}/diff`. */
  op: string
  url: string
  init?: RequestInit
  who?: Who
  /** The server without an SDK build. */
  bare?: boolean
  /** The status this row is about (so that the table tests what it says it does). */
  status?: number
  /** …and the media type. */
  type?: string
  /** Sent with this session (an account made in the test) instead of `who`'s. */
  session?: AdminSession
  /** The client's IP (rate limits are per network). */
  ip?: string
}

let t: TestServer
let bare: TestServer
let doc: Doc
const sessions = {} as Record<Exclude<Who, 'anon' | 'ownerNoCsrf'>, AdminSession>
let bareOwner: AdminSession
let ownerId: number

const mediaType = (res: Response) => (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()

/** The route table's own operation, for the zod schema of a documented answer. */
const operation = (key: string): Operation | undefined => OPERATIONS.find((o) => `${o.method} ${openApiPath(o.path)}` === key)

function schemaOf(key: string, status: number, type: string): z.ZodType | undefined {
  const r = operation(key)?.responses[status]
  if (!r) return status >= 400 && type === 'application/json' ? apiError : undefined
  if (r.content) return r.content[type]?.schema ?? (status >= 400 && type === 'application/json' ? apiError : undefined)
  if (r.schema && type === 'application/json') return r.schema
  return status >= 400 && type === 'application/json' && !r.contentType ? apiError : undefined
}

/** Sends the row's request and returns what the document does not say about the answer, or null. */
async function check(row: Row): Promise<string | null> {
  return (await call(row)).failure
}

/** Sends the row's request: the answer, its body parsed when JSON, and what the document does not say about it (or null). */
async function call(row: Row): Promise<{ failure: string | null; res: Response; body: unknown }> {
  const server = row.bare ? bare : t
  const init = row.init ?? {}
  const who = row.who ?? 'anon'
  let res: Response
  if (row.session) res = await row.session.request(row.url, init)
  else if (who === 'anon') res = await server.request(row.url, init, row.ip)
  else if (who === 'ownerNoCsrf') {
    const headers = new Headers(init.headers)
    headers.set('Cookie', sessions.owner.cookie)
    res = await server.request(row.url, { ...init, headers })
  } else res = await (row.bare ? bareOwner : sessions[who]).request(row.url, init)
  const text = await res.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  const name = `${row.what} (${init.method ?? 'GET'} ${row.url.slice(0, 80)} as ${row.session ? 'a session of its own' : who})`
  const [method, ...rest] = row.op.split(' ')
  const op = doc.paths[rest.join(' ')]?.[method!]
  if (!op) return { failure: `${name}: no operation ${row.op} in the document`, res, body }
  const problems: string[] = []
  if (row.status !== undefined && res.status !== row.status) problems.push(`answered ${res.status}, not the ${row.status} this row is about: ${text.slice(0, 160)}`)
  const documented = op.responses[String(res.status)]
  const type = mediaType(res)
  if (!documented) problems.push(`${res.status} ${type || '(no body)'} is not documented (documented: ${Object.keys(op.responses).join(', ')}): ${text.slice(0, 160)}`)
  else {
    const types = Object.keys(documented.content ?? {})
    // A 304 may name the type of what the client holds (RFC 9110 §15.4.5): it still has no body.
    if ((res.status === 204 || res.status === 304) && text === '') {
      if (types.length) problems.push(`${res.status} documented with a body (${types.join(', ')})`)
    } else if (!type) {
      if (text !== '' || types.length) problems.push(`${res.status} without a Content-Type, documented as ${types.join(', ')}`)
    } else if (!types.includes(type)) problems.push(`${res.status} ${type} is not documented (documented: ${types.join(', ') || 'no body'})`)
    if (row.type !== undefined && type !== row.type) problems.push(`answered ${type}, not the ${row.type} this row is about`)
    // A JSON body is what the document's JSON Schema says, extra fields included (a HEAD has none to check)…
    const documentedSchema = documented.content?.[type]?.schema
    if (type === 'application/json' && documentedSchema && init.method !== 'HEAD') {
      const wrong = violations(doc, documentedSchema, body)
      if (wrong.length) problems.push(`${res.status} body does not match the document’s schema: ${wrong.slice(0, 3).join('; ')}: ${text.slice(0, 160)}`)
    }
    // …and what the route table's zod schema says (refinements JSON Schema cannot express).
    const schema = schemaOf(row.op, res.status, type)
    if (schema && init.method !== 'HEAD') {
      const parsed = schema.safeParse(body)
      if (!parsed.success) problems.push(`${res.status} body does not match its schema: ${parsed.error.issues[0]?.message} at ${parsed.error.issues[0]?.path.join('.')}: ${text.slice(0, 160)}`)
    }
    problems.push(...headerProblems(doc, documented, res))
  }
  return { failure: problems.length ? `${name}: ${problems.join('; ')}` : null, res, body }
}

async function checkAll(rows: Row[]) {
  const failures: string[] = []
  for (const row of rows) {
    const failure = await check(row)
    if (failure) failures.push(failure)
  }
  expect(failures).toEqual([])
}

/** What every visitor event carries (identify, a document). */
const VISITOR_EVENT = { siteId: 'acme', consentId: 'visitor-0001', language: 'en', url: 'https://acme.test/', clientTime: '2026-11-22T09:59:58.000Z' }

const form = (method = 'POST', body = 'a=1'): RequestInit => ({ method, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body })
const typed = (type: string, body: unknown, method = 'POST'): RequestInit => ({ method, headers: { 'Content-Type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) })
const TOKEN = 'a'.repeat(32)
/** The stand-in SDK build's id (`build` of its manifest.json), and its one chunk. */
const BUILD = '0123456789abcdef'
const BANNER = 'export const banner = 1\n'

beforeAll(async () => {
  t = startTestServer({ ingestRateLimit: { capacity: 1_000_000, refillPerSecond: 1 } })
  // A stand-in SDK build, with the files a real one has.
  const sdk = join(t.dir, 'sdk')
  mkdirSync(sdk, { recursive: true })
  writeFileSync(join(sdk, 'miniconsent.js'), 'window.__cfg = "__MINICONSENT_CONFIG__";\n')
  writeFileSync(join(sdk, 'banner.js'), BANNER)
  const sha256 = createHash('sha256').update(BANNER).digest('hex')
  writeFileSync(
    join(sdk, 'manifest.json'),
    JSON.stringify({ build: BUILD, chunkNameAt: 0, returningVisit: ['miniconsent.js'], firstVisit: ['miniconsent.js', 'banner.js'], firstVisitAndClick: ['miniconsent.js', 'banner.js'], files: { 'banner.js': { when: 'a banner', imports: [], sha256 } } }),
  )
  writeFileSync(join(sdk, 'miniconsent.d.ts'), 'export {}\n')
  ownerId = (await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })).id
  await addUser(t.db, 'auditor@acme.test', 'auditor password 1', { acme: 'auditor' })
  await addUser(t.db, 'stranger@notice.test', 'stranger password 1', { 'notice-only': 'owner' })
  sessions.owner = await signIn(t, 'owner@acme.test', 'owner password 1')
  sessions.auditor = await signIn(t, 'auditor@acme.test', 'auditor password 1')
  sessions.stranger = await signIn(t, 'stranger@notice.test', 'stranger password 1')
  expect((await t.request('/api/v1/consents', json(consentBody()))).status).toBe(201)
  doc = (await (await t.request('/api/openapi.json')).json()) as Doc

  bare = startTestServer()
  await addUser(bare.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
  bareOwner = await signIn(bare, 'owner@acme.test', 'owner password 1')
})
afterAll(() => {
  t?.close()
  bare?.close()
})

describe('every answer is documented for its operation', () => {
  it('the reviewer’s findings: 415, export formats, the preview page, logout and diff, /sdk, parameters, the document, preflights', async () => {
    const preview = await t.request('/api/admin/preview/acme/banner.js')
    const chunkTag = preview.headers.get('etag')!
    const script = await t.request('/sdk/acme.js')
    const scriptTag = script.headers.get('etag')!
    await checkAll([
      // 1. A body that is not JSON.
      { what: 'sign-in as a form', op: 'post /api/admin/login', url: '/api/admin/login', init: form(), status: 415 },
      { what: 'sign-in as text', op: 'post /api/admin/login', url: '/api/admin/login', init: typed('text/plain', { email: 'a@b.c', password: 'x' }), status: 415 },
      { what: 'password change as a form', op: 'post /api/admin/password', url: '/api/admin/password', init: form(), who: 'owner', status: 415 },
      { what: 'a new site as XML', op: 'post /api/admin/sites', url: '/api/admin/sites', init: typed('text/xml', '<site/>'), who: 'owner', status: 415 },
      { what: 'the draft as a form', op: 'put /api/admin/sites/{siteId}/catalogue/draft', url: '/api/admin/sites/acme/catalogue/draft', init: form('PUT'), who: 'owner', status: 415 },
      { what: 'accepting as a form', op: 'post /api/admin/invitations/{token}/accept', url: `/api/admin/invitations/${TOKEN}/accept`, init: form(), status: 415 },
      { what: 'a record as a form', op: 'post /api/v1/consents', url: '/api/v1/consents', init: form(), status: 415 },
      { what: 'identify as XML', op: 'post /api/v1/consents/identify', url: '/api/v1/consents/identify', init: typed('text/xml', '<x/>'), status: 415 },
      { what: 'a document as a form', op: 'post /api/v1/documents', url: '/api/v1/documents', init: form(), status: 415 },
      { what: 'a record as text/plain (sendBeacon)', op: 'post /api/v1/consents', url: '/api/v1/consents', init: typed('text/plain', consentBody()), status: 201 },
      // A body sent compressed, on the file import too (which refuses no Content-Type).
      { what: 'a catalogue CSV gzipped', op: 'post /api/admin/sites/{siteId}/catalogue/import', url: '/api/admin/sites/acme/catalogue/import?format=csv', init: { method: 'POST', headers: { 'Content-Type': 'text/csv', 'Content-Encoding': 'gzip' }, body: gzipSync('category,name,provider,expiry\nessential,session,Acme,1d\n') }, who: 'owner', status: 415 },
      { what: 'a record said to be gzipped', op: 'post /api/v1/consents', url: '/api/v1/consents', init: { ...typed('text/plain', consentBody()), headers: { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip' } }, status: 415 },
      // Without a body, Content-Encoding compresses nothing: signed out, told to sign in.
      { what: 'who am I, with Content-Encoding and no body', op: 'get /api/admin/me', url: '/api/admin/me', init: { headers: { 'Content-Encoding': 'gzip' } }, status: 401 },
      // 2. Exports in each format.
      { what: 'catalogue export', op: 'get /api/admin/sites/{siteId}/catalogue/export', url: '/api/admin/sites/acme/catalogue/export', who: 'auditor', status: 200, type: 'application/json' },
      { what: 'catalogue export as JSON', op: 'get /api/admin/sites/{siteId}/catalogue/export', url: '/api/admin/sites/acme/catalogue/export?format=json', who: 'auditor', status: 200, type: 'application/json' },
      { what: 'catalogue export as CSV', op: 'get /api/admin/sites/{siteId}/catalogue/export', url: '/api/admin/sites/acme/catalogue/export?format=csv', who: 'auditor', status: 200, type: 'text/csv' },
      { what: 'catalogue export as XML', op: 'get /api/admin/sites/{siteId}/catalogue/export', url: '/api/admin/sites/acme/catalogue/export?format=xml', who: 'auditor', status: 400 },
      { what: 'log export', op: 'get /api/admin/sites/{siteId}/export', url: '/api/admin/sites/acme/export', who: 'auditor', status: 200, type: 'text/csv' },
      { what: 'log export as NDJSON', op: 'get /api/admin/sites/{siteId}/export', url: '/api/admin/sites/acme/export?format=ndjson', who: 'auditor', status: 200, type: 'application/x-ndjson' },
      { what: 'log export by HEAD', op: 'get /api/admin/sites/{siteId}/export', url: '/api/admin/sites/acme/export', init: { method: 'HEAD' }, who: 'auditor', status: 405 },
      { what: 'subject export', op: 'get /api/admin/sites/{siteId}/subjects/{consentId}/export', url: '/api/admin/sites/acme/subjects/visitor-0001/export', who: 'auditor', status: 200, type: 'application/x-ndjson' },
      // 3. The preview page's refusals are HTML; its chunks' are JSON.
      { what: 'preview, signed out', op: 'get /api/admin/preview/{siteId}/', url: '/api/admin/preview/acme/', status: 401, type: 'text/html' },
      { what: 'preview, not a member', op: 'get /api/admin/preview/{siteId}/', url: '/api/admin/preview/acme/', who: 'stranger', status: 403, type: 'text/html' },
      { what: 'preview, a bad view', op: 'get /api/admin/preview/{siteId}/', url: '/api/admin/preview/acme/?view=nope', who: 'owner', status: 400, type: 'text/html' },
      { what: 'preview, a bad site id', op: 'get /api/admin/preview/{siteId}/', url: '/api/admin/preview/NOT_A_SLUG/', who: 'owner', type: 'text/html' },
      { what: 'preview', op: 'get /api/admin/preview/{siteId}/', url: '/api/admin/preview/acme/?view=preferences&mode=opt-out', who: 'owner', status: 200, type: 'text/html' },
      { what: 'preview without an SDK build', op: 'get /api/admin/preview/{siteId}/', url: '/api/admin/preview/acme/', who: 'owner', bare: true, status: 503, type: 'text/html' },
      { what: 'a preview chunk', op: 'get /api/admin/preview/{siteId}/{file}', url: '/api/admin/preview/acme/banner.js', status: 200, type: 'text/javascript' },
      { what: 'a preview chunk again', op: 'get /api/admin/preview/{siteId}/{file}', url: '/api/admin/preview/acme/banner.js', init: { headers: { 'If-None-Match': chunkTag } }, status: 304 },
      { what: 'no such chunk', op: 'get /api/admin/preview/{siteId}/{file}', url: '/api/admin/preview/acme/nope.js', status: 404, type: 'application/json' },
      { what: 'the core is no chunk', op: 'get /api/admin/preview/{siteId}/{file}', url: '/api/admin/preview/acme/miniconsent.js', status: 404, type: 'application/json' },
      { what: 'not a chunk name', op: 'get /api/admin/preview/{siteId}/{file}', url: '/api/admin/preview/acme/x.txt', status: 400, type: 'application/json' },
      // 4. Statuses a route's code throws.
      { what: 'sign-out without the CSRF token', op: 'post /api/admin/logout', url: '/api/admin/logout', init: { method: 'POST' }, who: 'ownerNoCsrf', status: 403 },
      { what: 'sign-out, signed out', op: 'post /api/admin/logout', url: '/api/admin/logout', init: { method: 'POST' }, status: 204 },
      // A field a public admin form does not take: 422, as any admin form's.
      { what: 'sign-in with a field it does not take', op: 'post /api/admin/login', url: '/api/admin/login', init: json({ email: 'owner@acme.test', password: 'owner password 1', remember: true }), status: 422 },
      { what: 'accepting with a field it does not take', op: 'post /api/admin/invitations/{token}/accept', url: `/api/admin/invitations/${TOKEN}/accept`, init: json({ password: 'a long new password', remember: true }), status: 422 },
      { what: 'accepting without a password', op: 'post /api/admin/invitations/{token}/accept', url: `/api/admin/invitations/${TOKEN}/accept`, init: json({}), status: 422 },
      { what: 'diff from no revision', op: 'get /api/admin/sites/{siteId}/diff', url: '/api/admin/sites/acme/diff?from=999', who: 'auditor', status: 404 },
      { what: 'diff to no revision', op: 'get /api/admin/sites/{siteId}/diff', url: '/api/admin/sites/acme/diff?to=999', who: 'auditor', status: 404 },
      { what: 'diff from words', op: 'get /api/admin/sites/{siteId}/diff', url: '/api/admin/sites/acme/diff?from=x', who: 'auditor', status: 400 },
      { what: 'diff', op: 'get /api/admin/sites/{siteId}/diff', url: '/api/admin/sites/acme/diff?from=1', who: 'auditor', status: 200 },
      { what: 'no such revision', op: 'get /api/admin/sites/{siteId}/revisions/{number}', url: '/api/admin/sites/acme/revisions/999', who: 'auditor', status: 404 },
      { what: 'rollback to no revision', op: 'post /api/admin/sites/{siteId}/rollback', url: '/api/admin/sites/acme/rollback', init: send('POST', { revision: 999 }), who: 'owner', status: 404 },
      { what: 'import of a CSV file without a header', op: 'post /api/admin/sites/{siteId}/catalogue/import', url: '/api/admin/sites/acme/catalogue/import?format=csv', init: typed('text/csv', 'x\n'), who: 'owner', status: 400 },
      { what: 'import of a file that is not JSON', op: 'post /api/admin/sites/{siteId}/catalogue/import', url: '/api/admin/sites/acme/catalogue/import', init: typed('application/json', '{'), who: 'owner', status: 400 },
      { what: 'no such member', op: 'delete /api/admin/sites/{siteId}/members/{userId}', url: '/api/admin/sites/acme/members/999', init: { method: 'DELETE' }, who: 'owner', status: 404 },
      { what: 'the last owner', op: 'delete /api/admin/sites/{siteId}/members/{userId}', url: `/api/admin/sites/acme/members/${ownerId}`, init: { method: 'DELETE' }, who: 'owner', status: 409 },
      { what: 'no such invitation', op: 'delete /api/admin/sites/{siteId}/invitations/{email}', url: '/api/admin/sites/acme/invitations/nobody%40acme.test', init: { method: 'DELETE' }, who: 'owner', status: 404 },
      { what: 'an erasure with a body over 1 MB', op: 'delete /api/admin/sites/{siteId}/subjects/{consentId}', url: '/api/admin/sites/acme/subjects/visitor-0001', init: { method: 'DELETE', body: 'x'.repeat(1024 * 1024 + 1) }, who: 'owner', status: 413 },
      // With its length declared, as a client sends a body it has whole: refused before a byte is read. (Sent
      // chunked without a session, it is never read, nor refused: a sign-out reads no body.)
      { what: 'a sign-out with a body over 1 MB', op: 'post /api/admin/logout', url: '/api/admin/logout', init: { method: 'POST', headers: { 'Content-Length': String(1024 * 1024 + 1) }, body: 'x'.repeat(1024 * 1024 + 1) }, status: 413 },
      { what: 'verification by HEAD', op: 'get /api/admin/sites/{siteId}/verify', url: '/api/admin/sites/acme/verify', init: { method: 'HEAD' }, who: 'auditor', status: 405 },
      // 5. /sdk/{file}.
      { what: 'a site id in capitals', op: 'get /sdk/{file}', url: '/sdk/UPPER.js', status: 404, type: 'application/json' },
      { what: 'not a script name', op: 'get /sdk/{file}', url: '/sdk/x', status: 404, type: 'application/json' },
      { what: 'a name that is no UTF-8', op: 'get /sdk/{file}', url: '/sdk/%ff.js', status: 404, type: 'application/json' },
      { what: 'an unknown site', op: 'get /sdk/{file}', url: '/sdk/no-such-site.js', status: 404, type: 'text/javascript' },
      { what: 'a site’s script', op: 'get /sdk/{file}', url: '/sdk/acme.js', status: 200, type: 'text/javascript' },
      { what: 'a site’s script again', op: 'get /sdk/{file}', url: '/sdk/acme.js', init: { headers: { 'If-None-Match': scriptTag } }, status: 304 },
      { what: 'a chunk', op: 'get /sdk/{file}', url: '/sdk/banner.js', status: 200, type: 'text/javascript' },
      { what: 'the build’s manifest', op: 'get /sdk/{file}', url: '/sdk/manifest.json', status: 200, type: 'application/json' },
      { what: 'the TypeScript declarations', op: 'get /sdk/{file}', url: '/sdk/miniconsent.d.ts', status: 200, type: 'application/octet-stream' },
      { what: 'a site’s script without an SDK build', op: 'get /sdk/{file}', url: '/sdk/acme.js', bare: true, status: 503, type: 'text/javascript' },
      // …and its build's chunk directory.
      { what: 'a chunk of this build', op: 'get /sdk/v/{build}/{file}', url: `/sdk/v/${BUILD}/banner.js`, status: 200, type: 'text/javascript' },
      { what: 'a chunk of this build again', op: 'get /sdk/v/{build}/{file}', url: `/sdk/v/${BUILD}/banner.js`, init: { headers: { 'If-None-Match': chunkTag } }, status: 304 },
      { what: 'a chunk of another build', op: 'get /sdk/v/{build}/{file}', url: '/sdk/v/fedcba9876543210/banner.js', status: 200, type: 'text/javascript' },
      { what: 'no such chunk of this build', op: 'get /sdk/v/{build}/{file}', url: `/sdk/v/${BUILD}/nope.js`, status: 404, type: 'application/json' },
      { what: 'a build that is no build id', op: 'get /sdk/v/{build}/{file}', url: '/sdk/v/NOT-HEX/banner.js', status: 404, type: 'application/json' },
      // 6. Path parameters checked as documented.
      { what: 'a short token', op: 'get /api/admin/invitations/{token}', url: '/api/admin/invitations/short', status: 400 },
      { what: 'an unknown token', op: 'get /api/admin/invitations/{token}', url: `/api/admin/invitations/${TOKEN}`, status: 404 },
      { what: 'accepting a short token', op: 'post /api/admin/invitations/{token}/accept', url: '/api/admin/invitations/short/accept', init: send('POST', { password: 'a long new password' }), status: 400 },
      { what: 'a long export id', op: 'get /api/admin/sites/{siteId}/exports/{exportId}/manifest', url: `/api/admin/sites/acme/exports/${'e'.repeat(65)}/manifest`, who: 'auditor', status: 400 },
      { what: 'an unknown export id', op: 'get /api/admin/sites/{siteId}/exports/{exportId}/manifest', url: `/api/admin/sites/acme/exports/${'e'.repeat(64)}/manifest`, who: 'auditor', status: 404 },
      { what: 'a user ID longer than identify() takes', op: 'get /api/admin/sites/{siteId}/subject-users', url: `/api/admin/sites/acme/subject-users?userId=${'u'.repeat(257)}`, who: 'auditor', status: 400 },
      // 7. The document itself (its body is checked against the documented schema).
      { what: 'the document', op: 'get /api/openapi.json', url: '/api/openapi.json', status: 200, type: 'application/json' },
      { what: 'the reference', op: 'get /api/docs', url: '/api/docs', status: 200, type: 'text/html' },
      // 8. Preflights.
      ...['/api/v1/consents', '/api/v1/consents/identify', '/api/v1/documents'].flatMap((path): Row[] => [
        { what: 'a preflight from a site', op: `options ${path}`, url: path, init: { method: 'OPTIONS', headers: { Origin: 'https://acme.test', 'Access-Control-Request-Method': 'POST' } }, status: 204 },
        { what: 'a preflight from elsewhere', op: `options ${path}`, url: path, init: { method: 'OPTIONS', headers: { Origin: 'https://evil.test' } }, status: 204 },
      ]),
      // And the public reads.
      { what: 'config of an unknown site', op: 'get /api/v1/sites/{siteId}/config', url: '/api/v1/sites/no-such-site/config', status: 404 },
      { what: 'config of a bad site id', op: 'get /api/v1/sites/{siteId}/config', url: '/api/v1/sites/NOT_A_SLUG/config', status: 400 },
      // A site id that is not one, where it is the only input: the role check refuses it (no 400 documented).
      ...['catalogue', 'revisions', 'members', 'verify'].map((what): Row => ({ what: `${what} of a bad site id`, op: `get /api/admin/sites/{siteId}/${what}`, url: `/api/admin/sites/NOT_A_SLUG/${what}`, who: 'owner', status: 403 })),
      // clientTime's offset bound, which its description states.
      { what: 'a record 15 hours ahead of UTC', op: 'post /api/v1/consents', url: '/api/v1/consents', init: json(consentBody({ clientTime: '2026-11-22T23:59:58.000+15:00' })), status: 400 },
      { what: 'a document the site does not declare', op: 'post /api/v1/documents', url: '/api/v1/documents', init: json({ ...VISITOR_EVENT, recordId: '0190c1d2-3b4a-7c5d-8e9f-0000000000d1', type: 'terms' }), status: 422 },
      { what: 'a visitor’s record, bad consentId', op: 'get /api/v1/consents/{consentId}', url: '/api/v1/consents/%00?site=acme', status: 400 },
      { what: 'a visitor’s record, unknown site', op: 'get /api/v1/consents/{consentId}', url: '/api/v1/consents/visitor-0001?site=no-such-site', status: 404 },
      { what: 'a visitor’s record', op: 'get /api/v1/consents/{consentId}', url: '/api/v1/consents/visitor-0001?site=acme', status: 200 },
    ])
  })

  it('lists the admin forms’ 422 on the public sign-in and acceptance, not on the visitor posts, which drop unknown keys', () => {
    const answers = (path: string) => doc.paths[path]!.post!.responses as Record<string, { description: string }>
    expect(answers('/api/admin/login')['422']?.description).toMatch(/issues/)
    expect(answers('/api/admin/invitations/{token}/accept')['422']?.description).toMatch(/too short/)
    expect(answers('/api/admin/invitations/{token}/accept')['422']?.description).toMatch(/issues/)
    expect(answers('/api/v1/consents')['422']?.description).not.toMatch(/issues/)
    expect(answers('/api/v1/consents/identify')['422']).toBeUndefined()
  })

  it('the preflights send the Access-Control headers they document', async () => {
    const res = await t.request('/api/v1/consents', { method: 'OPTIONS', headers: { Origin: 'https://acme.test' } })
    expect(res.status).toBe(204)
    const documented = Object.keys((doc.paths['/api/v1/consents']!.options!.responses['204'] as { headers: Record<string, unknown> }).headers)
    for (const name of documented) expect(res.headers.has(name), name).toBe(true)
    const elsewhere = await t.request('/api/v1/consents', { method: 'OPTIONS', headers: { Origin: 'https://evil.test' } })
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull()
    expect(elsewhere.headers.get('vary')).toBe('Origin')
  })

  /** Every operation of the document, its path filled in with values that pass its checks. */
  const allOps = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => {
        const values: Record<string, string> = { siteId: 'acme', number: '1', userId: String(ownerId), email: 'pending%40acme.test', consentId: 'visitor-0001', exportId: 'no-such-export', token: TOKEN }
        let url = path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? 'x')
        if (path === '/sdk/{file}') url = '/sdk/acme.js'
        if (path === '/sdk/v/{build}/{file}') url = `/sdk/v/${BUILD}/banner.js`
        if (path === '/api/admin/preview/{siteId}/{file}') url = '/api/admin/preview/acme/banner.js'
        const required = op.parameters.filter((p) => p.in === 'query' && p.required).map((p) => `${p.name}=acme`)
        if (required.length) url += `?${required.join('&')}`
        return { key: `${method} ${path}`, method: method.toUpperCase(), url, admin: path.startsWith('/api/admin/'), op }
      }),
    )

  it('every operation, signed out and without a body', async () => {
    await checkAll(allOps().map((o) => ({ what: 'signed out', op: o.key, url: o.url, init: { method: o.method } })))
  })

  it('every read, as an owner, an auditor and someone else’s owner', async () => {
    const reads = allOps().filter((o) => o.method === 'GET')
    await checkAll((['owner', 'auditor', 'stranger'] as const).flatMap((who) => reads.map((o) => ({ what: 'a read', op: o.key, url: o.url, who }))))
  })

  it('every admin change, signed in without the CSRF token, or not a member (refused before it changes anything)', async () => {
    const changes = allOps().filter((o) => o.admin && o.method !== 'GET')
    const rows = changes.flatMap((o): Row[] => {
      const exempt = o.key === 'post /api/admin/login' || o.key === 'post /api/admin/invitations/{token}/accept'
      return [
        // loadSession: 403 csrf_invalid, except where the body or the link is the credential.
        { what: 'without the CSRF token', op: o.key, url: o.url, init: send(o.method, {}), who: 'ownerNoCsrf', ...(exempt ? {} : { status: 403 }) },
        // A body that is not JSON, from a signed-in non-member: 403 forbidden, or 415 for a route of any user.
        ...(o.key === 'post /api/admin/logout' ? [] : [{ what: 'as a form, not a member', op: o.key, url: o.url, init: form(o.method), who: 'stranger' as const }]),
      ]
    })
    await checkAll(rows)
    // …and the session used above goes on.
    expect((await sessions.owner.request('/api/admin/me')).status).toBe(200)
  })
})

describe('answers beyond the refusals: writes, 429, 405, 503, and the headers', () => {
  it('holds bodies to the document strictly: a field it does not list fails, which a zod parse would drop', async () => {
    const res = await sessions.owner.request('/api/admin/me')
    const body = (await res.json()) as Record<string, unknown> & { user: Record<string, unknown> }
    const schema = doc.paths['/api/admin/me']!.get!.responses['200']!.content!['application/json']!.schema!
    expect(violations(doc, schema, body)).toEqual([])
    expect(violations(doc, schema, { ...body, extra: 1 })).toEqual(['$: must NOT have additional properties "extra"'])
    expect(violations(doc, schema, { ...body, user: { ...body.user, admin: true } })).toEqual(['$/user: must NOT have additional properties "admin"'])
    // What the check was before: zod strips the unknown key and passes.
    expect(operation('get /api/admin/me')!.responses[200]!.schema!.safeParse({ ...body, extra: 1 }).success).toBe(true)
    // A format or a keyword the check does not know is a failure, not a pass…
    expect(violations(doc, { type: 'string', format: 'starts_with' }, 'x')).toEqual(['$: the schema cannot be checked: unknown format "starts_with" ignored in schema at path "#"'])
    expect(violations(doc, { type: 'string', startsWith: 'x' }, 'x')).toEqual(['$: the schema cannot be checked: strict mode: unknown keyword: "startsWith"'])
    // …as is a $ref the document does not resolve; one it does is followed, and says where.
    expect(violations(doc, { $ref: '#/components/schemas/NoSuchSchema' }, {})).toEqual(['$: the schema cannot be checked: can\'t resolve reference #/components/schemas/NoSuchSchema from id #'])
    expect(violations(doc, { $ref: '#/components/schemas/ApiError' }, { error: { code: 'x', message: 'y', extra: 1 } })).toEqual(['$/error: must NOT have additional properties "extra"'])
  })

  it('documents the admin bodies as closed, as the server reads them: a key one does not take, at any depth, fails the document where the server refuses it 422; the visitors’ posts stay open (review)', async () => {
    const example = (path: string, method: string) => doc.paths[path]![method]!.requestBody!.content['application/json']!.example as Record<string, unknown>
    const draft = example('/api/admin/sites/{siteId}/catalogue/draft', 'put')
    // The document's example where it gives one; otherwise a body the route takes. Between them,
    // every kind of object an admin body holds: a catalogue with its appearance and texts, a site's
    // documents, a manifest (taken whole, unchanged).
    const catalogue = { ...(draft.catalogue as object), appearance: { layout: 'box' }, texts: { en: { bannerTitle: 'Cookies' } } }
    const bodies: { op: string; url: string; body: Record<string, unknown>; who?: Who; method: string }[] = [
      { op: 'post /api/admin/login', url: '/api/admin/login', method: 'POST', body: example('/api/admin/login', 'post') },
      { op: 'post /api/admin/password', url: '/api/admin/password', method: 'POST', body: { currentPassword: 'owner password 1', newPassword: 'another long password' }, who: 'owner' },
      { op: 'post /api/admin/sites', url: '/api/admin/sites', method: 'POST', body: { ...example('/api/admin/sites', 'post'), documents: { privacy: { version: '1', url: 'https://shop.example.com/privacy' } }, catalogue }, who: 'owner' },
      { op: 'put /api/admin/sites/{siteId}/catalogue/draft', url: '/api/admin/sites/acme/catalogue/draft', method: 'PUT', body: { ...draft, catalogue }, who: 'owner' },
      { op: 'put /api/admin/sites/{siteId}/settings', url: '/api/admin/sites/acme/settings', method: 'PUT', body: { name: 'Acme', regions: { DE: 'opt-in' }, documents: { privacy: { version: '1', url: 'https://acme.test/privacy' } } }, who: 'owner' },
      { op: 'post /api/admin/sites/{siteId}/catalogue/import', url: '/api/admin/sites/acme/catalogue/import', method: 'POST', body: catalogue, who: 'owner' },
      { op: 'post /api/admin/sites/{siteId}/publish', url: '/api/admin/sites/acme/publish', method: 'POST', body: example('/api/admin/sites/{siteId}/publish', 'post'), who: 'owner' },
      { op: 'post /api/admin/sites/{siteId}/rollback', url: '/api/admin/sites/acme/rollback', method: 'POST', body: example('/api/admin/sites/{siteId}/rollback', 'post'), who: 'owner' },
      { op: 'post /api/admin/sites/{siteId}/invitations', url: '/api/admin/sites/acme/invitations', method: 'POST', body: example('/api/admin/sites/{siteId}/invitations', 'post'), who: 'owner' },
      { op: 'patch /api/admin/sites/{siteId}/members/{userId}', url: `/api/admin/sites/acme/members/${ownerId}`, method: 'PATCH', body: { role: 'owner' }, who: 'owner' },
      { op: 'post /api/admin/invitations/{token}/accept', url: `/api/admin/invitations/${TOKEN}/accept`, method: 'POST', body: { password: 'a long new password' } },
      { op: 'post /api/admin/sites/{siteId}/verify', url: '/api/admin/sites/acme/verify', method: 'POST', body: example('/api/admin/sites/{siteId}/verify', 'post'), who: 'owner' },
    ]
    // Every admin operation with a JSON body is here.
    const withJson = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).filter(([, op]) => path.startsWith('/api/admin/') && op.requestBody?.content['application/json']).map(([method]) => `${method} ${path}`))
    expect(bodies.map((b) => b.op).sort()).toEqual(withJson.sort())
    /** The path of every plain object in `value`, the body itself first. */
    const objectsIn = (value: unknown, at: (string | number)[] = []): (string | number)[][] => {
      if (Array.isArray(value)) return value.flatMap((item, i) => objectsIn(item, [...at, i]))
      if (typeof value !== 'object' || value === null) return []
      return [at, ...Object.entries(value).flatMap(([key, inner]) => objectsIn(inner, [...at, key]))]
    }
    const failures: string[] = []
    for (const { op, url, body, who, method } of bodies) {
      const schema = doc.paths[openApiPath(op.split(' ')[1]!)]![op.split(' ')[0]!]!.requestBody!.content['application/json']!.schema!
      // The example, or the body the route takes, fits the document.
      for (const wrong of violations(doc, schema, body)) failures.push(`${op}: the body it takes fails the document: ${wrong}`)
      for (const at of objectsIn(body)) {
        const extended = structuredClone(body)
        const holder = at.reduce<Record<string | number, unknown>>((o, key) => o[key] as Record<string | number, unknown>, extended)
        holder.unexpectedKey = 1
        const where = [...at, 'unexpectedKey'].join('.')
        const documentRefuses = violations(doc, schema, extended).length > 0
        const { res, body: answer, failure } = await call({ what: `a key it does not take at ${where}`, op, url, init: send(method, extended), who })
        if (failure) failures.push(failure)
        const issues = (answer as { error?: { issues?: { path: string }[] } }).error?.issues ?? []
        const serverRefuses = res.status === 422 && issues.some((i) => i.path === where)
        if (documentRefuses !== serverRefuses) failures.push(`${op} with ${where}: the document ${documentRefuses ? 'refuses' : 'takes'} it, the server answers ${res.status} ${JSON.stringify(answer).slice(0, 160)}`)
        // At the body's own level, both refuse it.
        if (at.length === 0 && !serverRefuses) failures.push(`${op}: a key of its own it does not take is not refused`)
      }
    }
    expect(failures).toEqual([])
    // The reviewer's case, and the visitors' posts, which drop a key they do not read (by design).
    expect(violations(doc, { $ref: '#/components/schemas/LoginInput' }, { email: 'owner@acme.test', password: 'owner password 1', remember: true })).toEqual(['$: must NOT have additional properties "remember"'])
    expect(violations(doc, { $ref: '#/components/schemas/ConsentRecordInput' }, { ...consentBody(), unexpectedKey: 1 })).toEqual([])
    expect(violations(doc, { $ref: '#/components/schemas/IdentifyInput' }, { ...VISITOR_EVENT, recordId: '0190c1d2-3b4a-7c5d-8e9f-0000000000a9', userId: 'user-1', unexpectedKey: 1 })).toEqual([])
  })

  it('successful writes answer as documented, with the headers they are documented to send', async () => {
    const failures: string[] = []
    const step = async (row: Row) => {
      const result = await call(row)
      if (result.failure) failures.push(result.failure)
      return result
    }
    const acme = '/api/admin/sites/acme'

    // Sign-in sets the session cookie.
    const login = await step({ what: 'sign-in', op: 'post /api/admin/login', url: '/api/admin/login', init: json({ email: 'auditor@acme.test', password: 'auditor password 1' }), status: 200 })
    expect(login.res.headers.get('set-cookie')).toMatch(/^mc_session=[^;]+;.*HttpOnly.*SameSite=Strict/)

    // The catalogue: draft, settings, publish, roll back, import in each format (any Content-Type is read).
    const draft = doc.paths['/api/admin/sites/{siteId}/catalogue/draft']!.put!.requestBody!.content['application/json']!.example
    await step({ what: 'save the draft', op: 'put /api/admin/sites/{siteId}/catalogue/draft', url: `${acme}/catalogue/draft`, init: send('PUT', draft), who: 'owner', status: 200 })
    await step({ what: 'save the settings', op: 'put /api/admin/sites/{siteId}/settings', url: `${acme}/settings`, init: send('PUT', { name: 'Acme Inc.' }), who: 'owner', status: 200 })
    await step({ what: 'publish', op: 'post /api/admin/sites/{siteId}/publish', url: `${acme}/publish`, init: send('POST', { note: 'Adds Google Analytics' }), who: 'owner', status: 201 })
    await step({ what: 'roll back', op: 'post /api/admin/sites/{siteId}/rollback', url: `${acme}/rollback`, init: send('POST', { revision: 1 }), who: 'owner', status: 201 })
    const exportedJson = await (await sessions.owner.request(`${acme}/catalogue/export`)).text()
    const exportedCsv = await (await sessions.owner.request(`${acme}/catalogue/export?format=csv`)).text()
    const importOp = 'post /api/admin/sites/{siteId}/catalogue/import'
    await step({ what: 'import the JSON export', op: importOp, url: `${acme}/catalogue/import`, init: typed('application/json', exportedJson), who: 'owner', status: 200 })
    await step({ what: 'import the JSON export sent as text', op: importOp, url: `${acme}/catalogue/import?format=json`, init: typed('text/plain', exportedJson), who: 'owner', status: 200 })
    await step({ what: 'import the CSV export', op: importOp, url: `${acme}/catalogue/import?format=csv`, init: typed('text/csv', exportedCsv), who: 'owner', status: 200 })

    // A new site: Location names its catalogue.
    const created = await step({ what: 'create a site', op: 'post /api/admin/sites', url: '/api/admin/sites', init: send('POST', { id: 'example-shop', name: 'Example Shop', domains: ['shop.example.com'] }), who: 'owner', status: 201 })
    expect(created.res.headers.get('location')).toBe('/api/admin/sites/example-shop/catalogue')

    // An invitation accepted signs the invitee in (Set-Cookie), who changes their password; their
    // role is changed, then they are removed; another invitation is cancelled.
    const invited = await step({ what: 'invite', op: 'post /api/admin/sites/{siteId}/invitations', url: `${acme}/invitations`, init: send('POST', { email: 'newcomer@acme.test', role: 'editor' }), who: 'owner', status: 201 })
    const token = (invited.body as { inviteUrl: string }).inviteUrl.split('/invite/')[1]!
    await step({ what: 'the invitation', op: 'get /api/admin/invitations/{token}', url: `/api/admin/invitations/${token}`, status: 200 })
    const accepted = await step({ what: 'accept', op: 'post /api/admin/invitations/{token}/accept', url: `/api/admin/invitations/${token}/accept`, init: send('POST', { password: 'a long new password' }), status: 200 })
    const cookie = accepted.res.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/^mc_session=[^;]+;.*HttpOnly.*SameSite=Strict/)
    const me = accepted.body as { user: { id: number }; csrfToken: string }
    let newcomer = sessionOf(t, cookie.split(';')[0]!, me.csrfToken)
    await step({ what: 'the newcomer', op: 'get /api/admin/me', url: '/api/admin/me', session: newcomer, status: 200 })
    // The change ends the session it was made in and answers a new one (Set-Cookie, the new CSRF token).
    const changed = await step({ what: 'a new password', op: 'post /api/admin/password', url: '/api/admin/password', init: send('POST', { currentPassword: 'a long new password', newPassword: 'another long password' }), session: newcomer, status: 200 })
    expect((await newcomer.request('/api/admin/me')).status).toBe(401)
    newcomer = sessionOf(t, (changed.res.headers.get('set-cookie') ?? '').split(';')[0]!, (changed.body as { csrfToken: string }).csrfToken)
    const member = 'patch /api/admin/sites/{siteId}/members/{userId}'
    await step({ what: 'another role', op: member, url: `${acme}/members/${me.user.id}`, init: send('PATCH', { role: 'auditor' }), who: 'owner', status: 200 })
    await step({ what: 'remove the member', op: 'delete /api/admin/sites/{siteId}/members/{userId}', url: `${acme}/members/${me.user.id}`, init: { method: 'DELETE' }, who: 'owner', status: 204 })
    await step({ what: 'invite to cancel', op: 'post /api/admin/sites/{siteId}/invitations', url: `${acme}/invitations`, init: send('POST', { email: 'cancel@acme.test', role: 'auditor' }), who: 'owner', status: 201 })
    await step({ what: 'cancel the invitation', op: 'delete /api/admin/sites/{siteId}/invitations/{email}', url: `${acme}/invitations/cancel%40acme.test`, init: { method: 'DELETE' }, who: 'owner', status: 204 })

    // Visitors: a record and its retry, a link to the site's user.
    const record = consentBody({ consentId: 'visitor-erase' })
    await step({ what: 'a record', op: 'post /api/v1/consents', url: '/api/v1/consents', init: json(record), status: 201 })
    await step({ what: 'the same record again', op: 'post /api/v1/consents', url: '/api/v1/consents', init: json(record), status: 200 })
    await step({ what: 'identify', op: 'post /api/v1/consents/identify', url: '/api/v1/consents/identify', init: json({ ...VISITOR_EVENT, recordId: '0190c1d2-3b4a-7c5d-8e9f-0000000000a1', userId: 'user-1' }), status: 201 })

    // The log: an export names itself (X-Export-Id) and its file; its manifest verifies the chain.
    const exported = await step({ what: 'export', op: 'get /api/admin/sites/{siteId}/export', url: `${acme}/export?format=ndjson`, who: 'auditor', status: 200 })
    const exportId = exported.res.headers.get('x-export-id')
    expect(exportId).toBeTruthy()
    const manifest = await step({ what: 'the export’s manifest', op: 'get /api/admin/sites/{siteId}/exports/{exportId}/manifest', url: `${acme}/exports/${exportId}/manifest`, who: 'auditor', status: 200 })
    await step({ what: 'verify against the manifest', op: 'post /api/admin/sites/{siteId}/verify', url: `${acme}/verify`, init: send('POST', { manifest: manifest.body }), who: 'auditor', status: 200 })
    // The look-up by user ID finds the consentId identify linked, with every field it documents.
    const linked = await step({ what: 'the consentIds of a user ID', op: 'get /api/admin/sites/{siteId}/subject-users', url: `${acme}/subject-users?userId=user-1`, who: 'auditor', status: 200 })
    expect((linked.body as { consentIds: unknown[] }).consentIds).toHaveLength(1)
    const subject = await step({ what: 'a subject export', op: 'get /api/admin/sites/{siteId}/subjects/{consentId}/export', url: `${acme}/subjects/visitor-erase/export`, who: 'auditor', status: 200 })
    expect(subject.res.headers.get('content-disposition')).toBe('attachment; filename="subject-acme-visitor-erase.ndjson"')
    await step({ what: 'erase a visitor', op: 'delete /api/admin/sites/{siteId}/subjects/{consentId}', url: `${acme}/subjects/visitor-erase`, init: { method: 'DELETE' }, who: 'owner', status: 200 })
    await step({ what: 'a revision', op: 'get /api/admin/sites/{siteId}/revisions/{number}', url: `${acme}/revisions/1`, who: 'auditor', status: 200 })

    // Signing out clears the cookie.
    const out = await step({ what: 'sign out', op: 'post /api/admin/logout', url: '/api/admin/logout', init: { method: 'POST' }, session: newcomer, status: 204 })
    expect(out.res.headers.get('set-cookie')).toMatch(/^mc_session=;.*Max-Age=0/)
    expect((await newcomer.request('/api/admin/me')).status).toBe(401)

    expect(failures).toEqual([])
  })

  it('sends the cache headers it documents: the config, a site’s script, and the immutable chunks of its build', async () => {
    const failures: string[] = []
    const step = async (row: Row) => {
      const result = await call(row)
      if (result.failure) failures.push(result.failure)
      return result.res
    }
    const config = await step({ what: 'config', op: 'get /api/v1/sites/{siteId}/config', url: '/api/v1/sites/acme/config', status: 200 })
    expect(config.headers.get('cache-control')).toBe('private, max-age=60')
    const again = await step({ what: 'config again', op: 'get /api/v1/sites/{siteId}/config', url: '/api/v1/sites/acme/config', init: { headers: { 'If-None-Match': config.headers.get('etag')! } }, status: 304 })
    expect(again.headers.get('etag')).toBe(config.headers.get('etag'))
    expect((await step({ what: 'a site’s script', op: 'get /sdk/{file}', url: '/sdk/acme.js', status: 200 })).headers.get('cache-control')).toBe('private, max-age=300')
    expect((await step({ what: 'a build file', op: 'get /sdk/{file}', url: '/sdk/banner.js', status: 200 })).headers.get('cache-control')).toBe('public, max-age=300')
    const own = await step({ what: 'a chunk of this build', op: 'get /sdk/v/{build}/{file}', url: `/sdk/v/${BUILD}/banner.js`, status: 200 })
    expect(own.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    const other = await step({ what: 'a chunk of another build', op: 'get /sdk/v/{build}/{file}', url: '/sdk/v/fedcba9876543210/banner.js', status: 200 })
    expect(other.headers.get('cache-control')).toBe('public, max-age=60')
    expect(failures).toEqual([])
  })

  it('answers 429 with the Retry-After it documents', async () => {
    // Look-ups by consentId: 60 per client network, then refused until a token comes back.
    const ip = '198.51.100.9'
    for (let i = 0; i < 60; i++) expect((await t.request('/api/v1/consents/visitor-0001?site=acme', {}, ip)).status).toBe(200)
    const refused = await call({ what: 'one look-up too many', op: 'get /api/v1/consents/{consentId}', url: '/api/v1/consents/visitor-0001?site=acme', ip, status: 429 })
    expect(refused.failure).toBeNull()
    expect(refused.res.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/)
    expect((refused.body as { error: { code: string } }).error.code).toBe('rate_limited')
  })

  /** One URL per path of the document, its parameters filled in with values that pass their checks. */
  const pathUrls = () => {
    const byPath = new Map<string, string>()
    for (const [path, item] of Object.entries(doc.paths)) {
      const values: Record<string, string> = { siteId: 'acme', number: '1', userId: String(ownerId), email: 'pending%40acme.test', consentId: 'visitor-0001', exportId: 'no-such-export', token: TOKEN, build: BUILD, file: 'banner.js' }
      let url = path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? 'x')
      if (path === '/sdk/{file}') url = '/sdk/acme.js'
      const required = Object.values(item).flatMap((op) => op.parameters.filter((p) => p.in === 'query' && p.required).map((p) => `${p.name}=acme`))
      if (required.length) url += `?${[...new Set(required)].join('&')}`
      byPath.set(path, url)
    }
    return byPath
  }

  /** `Allow` as the document tells it: the methods of every operation whose path matches the URL's. */
  const documentedAllow = (url: string) => {
    const path = url.split('?')[0]!
    const matching = Object.entries(doc.paths).filter(([template]) => new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`).test(path))
    // HEAD is answered by a GET, except one documenting its own 405 for HEAD (getOnly).
    const answersHead = (item: (typeof matching)[number][1]) => !!item.get && !item.get.responses['405']
    return allowHeader(matching.flatMap(([, item]) => [...Object.keys(item), ...(answersHead(item) ? ['HEAD'] : [])]))
  }

  it('answers a method a path has no operation for with 405 and Allow, the methods the document lists for the URL', async () => {
    const refusal = doc.components.responses.MethodNotAllowed!
    expect(refusal.headers?.Allow?.required).toBe(true)
    const failures: string[] = []
    for (const [path, url] of pathUrls()) {
      const allow = documentedAllow(url)
      const methods = allow.split(', ')
      expect(methods, path).toEqual(expect.arrayContaining(Object.keys(doc.paths[path]!).map((m) => m.toUpperCase())))
      for (const method of ['PUT', 'PATCH', 'DELETE', 'POST', 'GET'].filter((m) => !methods.includes(m)).slice(0, 2)) {
        // Signed out, and signed in with the CSRF token: either way past the session check.
        for (const res of [await t.request(url, { method }), await sessions.owner.request(url, { method })]) {
          const text = await res.text()
          const problems = [
            ...(res.status === 405 ? [] : [`answered ${res.status}`]),
            ...(res.headers.get('allow') === allow ? [] : [`Allow: ${res.headers.get('allow')}, not ${allow}`]),
            ...headerProblems(doc, refusal, res),
            ...violations(doc, refusal.content!['application/json']!.schema!, JSON.parse(text)),
            ...(text.includes('"code":"method_not_allowed"') ? [] : [text.slice(0, 120)]),
          ]
          if (problems.length) failures.push(`${method} ${url}: ${problems.join('; ')}`)
        }
      }
    }
    expect(failures).toEqual([])
    // HEAD where a path has no GET: the same refusal, without a body. HEAD of a GET route is answered by it.
    const head = await t.request('/api/admin/login', { method: 'HEAD' })
    expect([head.status, head.headers.get('allow'), await head.text()]).toEqual([405, 'POST', ''])
    // A concrete path that a templated one also matches: the methods of both.
    const identify = await t.request('/api/v1/consents/identify', { method: 'PUT' })
    expect([identify.status, identify.headers.get('allow')]).toEqual([405, 'GET, HEAD, POST, OPTIONS'])
    // HEAD where Allow lists it is answered; where a GET refuses it, Allow says GET alone.
    const config = await t.request('/api/v1/sites/acme/config', { method: 'DELETE' })
    expect([config.status, config.headers.get('allow')]).toEqual([405, 'GET, HEAD'])
    const stats = await t.request('/api/admin/sites/acme/stats', { method: 'DELETE' })
    expect([stats.status, stats.headers.get('allow')]).toEqual([405, 'GET'])
    expect((await t.request('/api/v1/sites/acme/config', { method: 'HEAD' })).status).toBe(200)
    // Where nothing is routed, it is still 404.
    for (const [method, url] of [['PUT', '/api/nope'], ['GET', '/api/nope'], ['DELETE', '/api/admin/sites/acme/nope'], ['PUT', '/api/admin/sites/acme/verify/']]) {
      const res = await t.request(url!, { method })
      expect([method, url, res.status, res.headers.get('allow')]).toEqual([method, url, 404, null])
    }
  })

  it('answers a body on an admin operation that reads none as documented, and a method no operation of the path has with 405 whatever its body (review)', async () => {
    const over = 'x'.repeat(1024 * 1024 + 1)
    const gzipped = (method: string): RequestInit => ({ method, headers: { 'Content-Encoding': 'gzip' }, body: 'xx' })
    // A GET carries no body through fetch: a declared one is judged on its headers, before it is read.
    const getWith = (headers: Record<string, string>): RequestInit => ({ headers })
    await checkAll([
      // Every admin operation refuses a compressed body or one over 1 MB before anything but who may make it, and documents so.
      { what: 'an erasure with a compressed body', op: 'delete /api/admin/sites/{siteId}/subjects/{consentId}', url: '/api/admin/sites/acme/subjects/visitor-9999', init: gzipped('DELETE'), who: 'owner', status: 415 },
      { what: 'a member removed with a compressed body', op: 'delete /api/admin/sites/{siteId}/members/{userId}', url: '/api/admin/sites/acme/members/999', init: gzipped('DELETE'), who: 'owner', status: 415 },
      { what: 'a sign-out with a compressed body', op: 'post /api/admin/logout', url: '/api/admin/logout', init: gzipped('POST'), status: 415 },
      { what: 'a read with a body over 1 MB', op: 'get /api/admin/sites/{siteId}/stats', url: '/api/admin/sites/acme/stats', init: getWith({ 'Content-Length': String(over.length) }), who: 'owner', status: 413 },
      { what: 'a read with a compressed body', op: 'get /api/admin/me', url: '/api/admin/me', init: getWith({ 'Content-Encoding': 'gzip', 'Content-Length': '2' }), who: 'owner', status: 415 },
    ])
    // A method no operation of the path has: 405 with the path's Allow, whatever its body and
    // session (not the 413, 415 or CSRF refusal of a request that could be answered).
    const refusal = doc.components.responses.MethodNotAllowed!
    for (const [what, init, who] of [
      ['a body over 1 MB', { method: 'PUT', body: over }, 'owner'],
      ['a declared body over 1 MB', { method: 'PUT', headers: { 'Content-Length': String(over.length) }, body: over }, 'anon'],
      ['a compressed body', gzipped('PUT'), 'owner'],
      ['no CSRF token', { method: 'PUT' }, 'ownerNoCsrf'],
    ] as const) {
      for (const site of ['acme', 'minopa']) {
        const { res, body } = await call({ what, op: 'get /api/admin/sites/{siteId}/stats', url: `/api/admin/sites/${site}/stats`, init, who })
        expect([what, site, res.status, res.headers.get('allow')]).toEqual([what, site, 405, 'GET'])
        expect(headerProblems(doc, refusal, res)).toEqual([])
        expect(violations(doc, refusal.content!['application/json']!.schema!, body)).toEqual([])
        expect((body as { error: { code: string } }).error.code).toBe('method_not_allowed')
      }
    }
  })

  it('refuses HEAD where the GET does something (getOnly) with an Allow of every method of the path, as another method’s 405 says, and as documented', async () => {
    const getOnly = [...pathUrls()].filter(([path]) => doc.paths[path]!.get?.responses['405'])
    expect(getOnly.length).toBeGreaterThanOrEqual(6)
    for (const [path, url] of getOnly) {
      const allow = documentedAllow(url)
      const other = ['PUT', 'PATCH', 'DELETE', 'POST'].find((m) => !allow.split(', ').includes(m))!
      const otherRefused = await t.request(url, { method: other })
      expect([path, otherRefused.status, otherRefused.headers.get('allow')]).toEqual([path, 405, allow])
      for (const head of [await t.request(url, { method: 'HEAD' }), await sessions.auditor.request(url, { method: 'HEAD' })]) {
        expect([path, head.status, head.headers.get('allow')]).toEqual([path, 405, allow])
        expect(headerProblems(doc, doc.paths[path]!.get!.responses['405']!, head), path).toEqual([])
      }
    }
    // A path that takes POST or DELETE beside its GET says so (RFC 9110 §10.2.1: Allow lists what the resource takes).
    expect(documentedAllow('/api/admin/sites/acme/verify')).toBe('GET, POST')
    expect(documentedAllow('/api/admin/sites/acme/subjects/visitor-0001')).toBe('GET, DELETE')
  })

  it('answers 405 with Allow, or 404, with a query too: the query of a method the path does not take is no parameter of a route', async () => {
    // The dashboard's files answer GET at any path, and were taken for a route of the API that
    // reads no query: 400 invalid_request, where the same request without the query is a 405 (review).
    for (const [method, url] of [['GET', '/api/admin/login?x=1'], ['GET', '/api/admin/sites/acme/publish?x=1'], ['HEAD', '/api/admin/sites/acme/settings?x=1'], ['DELETE', '/api/admin/me?x=1'],
      // A GET that refuses HEAD and reads no query: its HEAD is the 405, query or not.
      ['HEAD', '/api/admin/sites/acme/verify?x=1'], ['HEAD', '/api/admin/sites/acme/subjects/visitor-0001?x=1'], ['HEAD', '/api/admin/sites/acme/subjects/visitor-0001/export?x=1']] as const) {
      const allow = documentedAllow(url)
      expect(allow.split(', '), url).not.toContain(method)
      for (const res of [await t.request(url, { method }), await sessions.owner.request(url, { method })]) {
        expect([method, url, res.status, res.headers.get('allow')]).toEqual([method, url, 405, allow])
        if (method !== 'HEAD') expect(apiError.parse(await res.json()).error.code).toBe('method_not_allowed')
      }
    }
    for (const [method, url] of [['GET', '/api/admin/nope?x=1'], ['HEAD', '/api/admin/sites/acme/nope?x=1'], ['GET', '/api/nope?x=1']] as const) {
      for (const res of [await t.request(url, { method }), await sessions.owner.request(url, { method })]) {
        expect([method, url, res.status, res.headers.get('allow')]).toEqual([method, url, 404, null])
      }
    }
    // A route that reads no query still refuses one.
    const me = await sessions.owner.request('/api/admin/me?x=1')
    expect([me.status, apiError.parse(await me.json()).error.code]).toEqual([400, 'invalid_request'])
  })

  it('answers 405 through Node’s server too: the front door answers the config GET, Hono any other method of its path', async () => {
    let honoCalls = 0
    const counted = { frontDoor: t.app.frontDoor, fetch: (req: Request, env?: unknown) => (honoCalls++, t.app.fetch(req, env as never)) }
    const server: Server = serveApp(counted, { port: 0, hostname: '127.0.0.1' })
    if (!server.listening) await new Promise((resolve) => server.once('listening', resolve))
    const port = (server.address() as AddressInfo).port
    try {
      const get = await overNode(port, 'GET', '/api/v1/sites/acme/config')
      expect([get.status, honoCalls]).toEqual([200, 0])
      expect(headerProblems(doc, doc.paths['/api/v1/sites/{siteId}/config']!.get!.responses['200']!, get)).toEqual([])
      for (const method of ['PUT', 'DELETE', 'POST']) {
        const refused = await overNode(port, method, '/api/v1/sites/acme/config')
        expect([method, refused.status, refused.headers.get('allow')]).toEqual([method, 405, 'GET, HEAD'])
        expect(violations(doc, doc.components.responses.MethodNotAllowed!.content!['application/json']!.schema!, await refused.json())).toEqual([])
      }
      expect(honoCalls).toBe(3)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('answers 503 database_busy with the Retry-After each operation that uses the database documents', async () => {
    // The server's own wait (busy_timeout, 5 s) is shortened so that the test does not sit through it.
    t.db.$client.pragma('busy_timeout = 0')
    // A backup tool, a stuck migration or a second server on the same file holds the write lock.
    const other = new Database(t.file)
    try {
      other.exec('BEGIN IMMEDIATE')
      for (const row of [
        { what: 'settings, while another process writes', op: 'put /api/admin/sites/{siteId}/settings', url: '/api/admin/sites/acme/settings', init: send('PUT', { name: 'Acme' }), who: 'owner' },
        { what: 'a sign-in (it stores a session)', op: 'post /api/admin/login', url: '/api/admin/login', init: json({ email: 'owner@acme.test', password: 'owner password 1' }) },
        { what: 'a member’s new role', op: 'patch /api/admin/sites/{siteId}/members/{userId}', url: `/api/admin/sites/acme/members/${ownerId}`, init: send('PATCH', { role: 'owner' }), who: 'owner' },
      ] satisfies Row[]) {
        const busy = await call({ ...row, status: 503 })
        expect(busy.failure).toBeNull()
        expect([row.what, busy.res.headers.get('retry-after'), (busy.body as { error: { code: string } }).error.code]).toEqual([row.what, '5', 'database_busy'])
      }
      other.exec('ROLLBACK')
    } finally {
      other.close()
      t.db.$client.pragma('busy_timeout = 5000')
    }
    expect((await sessions.owner.request('/api/admin/sites/acme/settings', send('PUT', { name: 'Acme' }))).status).toBe(200)
  })
})

/** A request over Node's HTTP server (as main.ts serves the app), its answer as a fetch Response. */
function overNode(port: number, method: string, path: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers: { Host: 'consent.example.test' } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (d: Buffer) => chunks.push(d))
      res.on('end', () => {
        const headers = new Headers()
        for (const [name, value] of Object.entries(res.headers as IncomingHttpHeaders)) for (const v of [value ?? []].flat()) headers.append(name, v)
        resolve(new Response(res.statusCode === 304 || method === 'HEAD' ? null : Buffer.concat(chunks), { status: res.statusCode!, headers }))
      })
    })
    req.on('error', reject)
    req.end()
  })
}
