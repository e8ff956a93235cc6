// Every route of the API swept with bad input. The house rule: bad input is answered with a 4xx
// and `{ "error": { "code", "message" } }`, never a 5xx, and nothing stored is lost or changed.
//
// The routes, their parameters and their body schemas come from `GET /api/openapi.json`, so a
// route added later is swept too. Each operation is called as an owner of the test site (public
// routes without the session), so that requests pass the auth checks and reach validation.
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { apiError } from '@miniconsent/shared'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addUser, consentBody, json, signIn, startTestServer, type AdminSession, type TestServer } from '../test-support'

type Schema = { [key: string]: unknown }
interface Parameter {
  name: string
  in: 'path' | 'query'
  required: boolean
  schema: Schema
}
interface Operation {
  parameters?: Parameter[]
  requestBody?: { content: Record<string, { schema?: Schema; example?: unknown }> }
  responses: Record<string, unknown>
  security?: unknown[]
}
interface Doc {
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, Schema> }
}

const doc = await (async () => {
  const t = startTestServer()
  try {
    return (await (await t.request('/api/openapi.json')).json()) as Doc
  } finally {
    t.close()
  }
})()

interface Op extends Operation {
  method: string
  /** OpenAPI path: `/api/admin/sites/{siteId}/catalogue`. */
  path: string
  key: string
  /** Needs the session (admin routes); public routes are called without it. */
  session: boolean
}
const OPS: Op[] = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({ ...op, method, path, key: `${method} ${path}`, session: (op.security?.length ?? 0) > 0 })),
)

// ---- A small JSON Schema check over the document's schemas --------------------------------------
// Used to leave out "hostile" values that the documented schema accepts (a consentId of nine
// letters is a valid one: erasing it is not bad input). It knows the keywords zod emits and
// ignores the rest, so when in doubt it says "accepted" and the value is not sent as bad input.

const deref = (s: Schema): Schema => {
  let out = s
  while (typeof out.$ref === 'string') out = doc.components.schemas[out.$ref.split('/').pop()!] ?? {}
  return out
}
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const ofType = (type: unknown, v: unknown) =>
  type === 'null'
    ? v === null
    : type === 'integer'
      ? Number.isInteger(v)
      : type === 'array'
        ? Array.isArray(v)
        : type === 'object'
          ? isObject(v)
          : typeof v === type

function accepts(schema: Schema | undefined, v: unknown): boolean {
  if (!schema) return true
  const s = deref(schema)
  const list = (k: string) => (Array.isArray(s[k]) ? (s[k] as Schema[]) : null)
  if (list('anyOf') && !list('anyOf')!.some((x) => accepts(x, v))) return false
  if (list('oneOf') && !list('oneOf')!.some((x) => accepts(x, v))) return false
  if (list('allOf') && !list('allOf')!.every((x) => accepts(x, v))) return false
  if ('const' in s && v !== s.const) return false
  if (Array.isArray(s.enum) && !s.enum.includes(v)) return false
  if (s.type !== undefined && ![s.type].flat().some((t) => ofType(t, v))) return false
  if (typeof v === 'string') {
    if (typeof s.minLength === 'number' && v.length < s.minLength) return false
    if (typeof s.maxLength === 'number' && v.length > s.maxLength) return false
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern).test(v)) return false
  }
  if (typeof v === 'number') {
    if (typeof s.minimum === 'number' && v < s.minimum) return false
    if (typeof s.maximum === 'number' && v > s.maximum) return false
    if (typeof s.exclusiveMinimum === 'number' && v <= s.exclusiveMinimum) return false
    if (typeof s.exclusiveMaximum === 'number' && v >= s.exclusiveMaximum) return false
  }
  if (Array.isArray(v)) {
    if (typeof s.minItems === 'number' && v.length < s.minItems) return false
    if (typeof s.maxItems === 'number' && v.length > s.maxItems) return false
    if (isObject(s.items) && !v.every((item) => accepts(s.items as Schema, item))) return false
  } else if (isObject(v)) {
    const props = isObject(s.properties) ? (s.properties as Record<string, Schema>) : {}
    if (Array.isArray(s.required) && !s.required.every((k) => Object.hasOwn(v, k as string))) return false
    for (const [k, item] of Object.entries(v)) {
      if (isObject(s.propertyNames) && !accepts(s.propertyNames as Schema, k)) return false
      if (Object.hasOwn(props, k)) {
        if (!accepts(props[k], item)) return false
      } else if (s.additionalProperties === false) return false
      else if (isObject(s.additionalProperties) && !accepts(s.additionalProperties as Schema, item)) return false
    }
  }
  return true
}

/** Whether the schema says anything about a value beyond "a string": else any value is a name to look up. */
const constrained = (schema: Schema): boolean => {
  const s = deref(schema)
  return Object.keys(s).some((k) => k !== 'type' && k !== 'description' && k !== 'default') || s.type !== 'string'
}

/** A query or path value as the route's schema reads it: a string, or the number `z.coerce` makes of it. */
function paramAccepts(schema: Schema, value: string | string[]): boolean {
  if (Array.isArray(value)) return accepts(schema, value)
  return accepts(schema, value) || accepts(schema, Number(value))
}

const tryDecode = (raw: string) => {
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}
/** A raw value whose %-escapes are no UTF-8 text (`%FF`, a lone surrogate's bytes, `%zz`). */
const undecodable = (raw: string) => {
  try {
    decodeURIComponent(raw)
    return false
  } catch {
    return true
  }
}

// ---- The hostile inputs --------------------------------------------------------------------------

/**
 * Path segments, as sent (percent-encoded where they must be to stay one segment). A bare `..`
 * segment is not here: the URL parser resolves it (`/sdk/..` is `/`) before any route sees it,
 * here as under @hono/node-server, so it is a request for another path, not this route's input.
 */
const PATH_VALUES = [
  '%00',
  'a%00b',
  '%2E%2E%2F%2E%2E%2Fpackage.json',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '..%5C..%5Cwin.ini',
  '...',
  '%C3%A9t%C3%A9',
  '%F0%9F%8D%AA',
  '%E2%80%AE',
  // U+D800 as UTF-8 bytes: not valid UTF-8, so not decodable.
  '%ED%A0%80',
  '%FF',
  '%',
  '%zz',
  '%20',
  'x%0D%0ASet-Cookie:%20a=b',
  '1e308',
  '-1',
  '1.5',
  'NaN',
  'Infinity',
  '0',
  '9007199254740993',
  '__proto__',
  'constructor',
  'a'.repeat(10_000),
]

const QUERY_VALUES = [
  '',
  ...PATH_VALUES,
  '2026-13-45',
  '2026-02-30',
  '2026-11-22T25:00:00Z',
  '2026-11-22T10:00:00',
  '22/11/2026',
  '%2B002026-11-22',
  'today',
]

/** Bodies that are not JSON, sent as `application/json`. */
const MALFORMED_JSON = [
  '',
  ' ',
  '{',
  '{"a":',
  "{'a':1}",
  '{"a":1}x',
  '{"a":1,}',
  'undefined',
  'NaN',
  '\u0000',
  '\uFEFF',
  // (`\uFEFF{}` is not here: reading a body as UTF-8 drops a leading byte-order mark, as the Fetch
  // standard says, so it is the valid body `{}`.)
]

/** JSON that is well-formed but deeply nested: a reader that recurses must not overflow the stack. */
const DEEP = 100_000
const DEEP_BODIES = [
  '['.repeat(DEEP) + ']'.repeat(DEEP),
  '{"a":'.repeat(DEEP) + '1' + '}'.repeat(DEEP),
  // Within the public routes' 8 KB.
  '['.repeat(4000) + ']'.repeat(4000),
]

/** JSON values that are not an object. */
const NOT_OBJECTS: unknown[] = [[], [{}], 'str', null, 0, 42, -1, 1.5, 1e308, true, false]

/** What replaces each field of a valid body; only values its schema refuses are sent. */
const WRONG_VALUES: unknown[] = [null, true, 0, 7, -1, 1.5, 1e308, 'NaN', '', 'str', '1', '2026-13-45', [], [null], {}, { x: 1 }, 'x'.repeat(100_000)]
/** Text with an unpaired surrogate: refused anywhere in a body (it would be stored as U+FFFD). */
const LONE_SURROGATE = '\ud800'

const OTHER_TYPES = ['text/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'json']

/** Bodies over every limit the API has (1 MB). */
const HUGE = 2 * 1024 * 1024

// ---- The test server and its stored data --------------------------------------------------------

let t: TestServer
let owner: AdminSession
let ownerId: number
let inviteToken: string

/**
 * Valid bodies per operation; each case breaks one field of it. Without one, the documented
 * example (else `{}`) is used.
 */
function validBody(op: Op): unknown {
  const visitor = { recordId: '0190c1d2-3b4a-7c5d-8e9f-000000000001', siteId: 'acme', consentId: 'visitor-0001', language: 'en', url: 'https://acme.test/', clientTime: '2026-11-22T09:59:58.000+01:00' }
  const bodies: Record<string, unknown> = {
    'post /api/v1/consents': consentBody(),
    'post /api/v1/consents/identify': { ...visitor, userId: 'user-1' },
    'post /api/v1/documents': { ...visitor, type: 'terms' },
    // The owner's own credentials: a broken body that signed in would add a session.
    'post /api/admin/login': { email: 'owner@acme.test', password: 'owner password 1' },
    'post /api/admin/password': { currentPassword: 'owner password 1', newPassword: 'another long password' },
    'put /api/admin/sites/{siteId}/settings': { name: 'Acme', domains: ['acme.test', 'localhost'] },
    'post /api/admin/sites/{siteId}/invitations': { email: 'new@acme.test', role: 'editor' },
    'patch /api/admin/sites/{siteId}/members/{userId}': { role: 'auditor' },
    'post /api/admin/invitations/{token}/accept': { password: 'a long new password' },
  }
  if (op.key in bodies) return bodies[op.key]
  const example = op.requestBody?.content['application/json']?.example
  return example !== undefined ? structuredClone(example) : {}
}

/** Valid path and query values by name, so that each case breaks one thing only. */
function validParam(p: Parameter): string {
  const values: Record<string, string> = {
    siteId: 'acme',
    site: 'acme',
    consentId: 'visitor-0001',
    number: '1',
    userId: String(ownerId),
    email: 'pending@acme.test',
    token: inviteToken,
    exportId: 'no-such-export',
    file: 'ui.js',
  }
  if (p.name in values) return values[p.name]!
  const s = deref(p.schema)
  if (Array.isArray(s.enum)) return String(s.enum[0])
  if (s.default !== undefined) return String(s.default)
  return s.type === 'integer' || s.type === 'number' ? '1' : 'x'
}

/** Every table's rows, hashed: what "nothing stored changed" is checked against. */
function dbState(): Map<string, string> {
  const client = t.db.$client
  const tables = client.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]
  const state = new Map<string, string>()
  for (const { name } of tables) {
    const rows = client.prepare(`SELECT * FROM "${name}"`).all()
    state.set(name, `${rows.length}:${createHash('sha256').update(JSON.stringify(rows)).digest('hex')}`)
  }
  return state
}

beforeAll(async () => {
  // Ingestion's rate limit would answer 429 before a body is read through: out of the way.
  t = startTestServer({ ingestRateLimit: { capacity: 1_000_000, refillPerSecond: 1 } })
  // A stand-in SDK build and dashboard, so that valid requests for them are not 503s.
  mkdirSync(join(t.dir, 'sdk'), { recursive: true })
  writeFileSync(join(t.dir, 'sdk', 'miniconsent.js'), 'window.miniconsentConfig = "__MINICONSENT_CONFIG__"\n')
  writeFileSync(join(t.dir, 'sdk', 'ui.js'), 'export {}\n')
  mkdirSync(join(t.dir, 'dashboard'), { recursive: true })
  writeFileSync(join(t.dir, 'dashboard', 'index.html'), '<!doctype html><title>Dashboard</title>\n')

  ownerId = (await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })).id
  owner = await signIn(t, 'owner@acme.test', 'owner password 1')
  // Something in each of the site's tables that the sweep could damage.
  expect((await t.request('/api/v1/consents', json(consentBody({ consentId: 'visitor-0001' })))).status).toBe(201)
  const invited = await owner.request('/api/admin/sites/acme/invitations', json({ email: 'pending@acme.test', role: 'auditor' }))
  expect(invited.status).toBe(201)
  inviteToken = ((await invited.json()) as { inviteUrl: string }).inviteUrl.split('/invite/')[1]!
})
afterAll(() => t?.close())

// ---- The sweep -----------------------------------------------------------------------------------

interface Case {
  what: string
  url: string
  init: RequestInit
  /** `refused`: bad input, a 4xx; `ignored`: input the route does not read, anything but a 5xx. */
  expect: 'refused' | 'ignored'
  /** The exact status, where the document promises one (413 for a body over the limit). */
  status?: number
  /** Text the refusal names (the key refused), where a refusal for another reason would pass too. */
  names?: string
}

/**
 * Where a route legitimately answers an error with something else than the JSON error body.
 * - The preview page is read in a frame, not by code: its refusals are a sentence in an HTML page.
 * - `/sdk/<siteId>.js` of an unknown site is a script that logs why (it is what a `<script>` gets).
 */
const OTHER_ERROR_BODIES: Record<string, RegExp> = {
  'get /api/admin/preview/{siteId}/': /^text\/html/,
  'get /sdk/{file}': /^text\/javascript/,
}

/**
 * Routes with a site id in their path that do not read the site: the SDK's chunks are the same
 * public files for every site, under the preview page only so that its relative imports find them.
 */
const SITE_NOT_READ = new Set(['get /api/admin/preview/{siteId}/{file}'])

const show = (s: string) => (s.length > 40 ? `${JSON.stringify(s.slice(0, 30))}…(${s.length})` : JSON.stringify(s))

/** Sets `value` at `path` in a copy of `body`. */
function setAt(body: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value
  const copy = (Array.isArray(body) ? [...body] : { ...(body as object) }) as Record<string | number, unknown>
  const [head, ...rest] = path
  copy[head!] = setAt(copy[head!], rest, value)
  return copy
}

/** Paths of the fields of a body: the schema's own fields and, down to a depth, those of the value. */
function fieldPaths(schema: Schema | undefined, body: unknown): (string | number)[][] {
  const out: (string | number)[][] = []
  const walk = (v: unknown, at: (string | number)[]) => {
    if (at.length >= 4) return
    const keys = Array.isArray(v) ? (v.length ? [0] : []) : isObject(v) ? Object.keys(v) : []
    for (const k of keys) {
      out.push([...at, k])
      walk((v as Record<string | number, unknown>)[k], [...at, k])
    }
  }
  walk(body, [])
  const props = schema ? deref(schema).properties : undefined
  for (const k of isObject(props) ? Object.keys(props) : []) if (!out.some((p) => p.length === 1 && p[0] === k)) out.push([k])
  return out
}

/**
 * A body read whatever its Content-Type (the catalogue import, JSON or CSV by `format`) is a file:
 * it comes in a media type that is no JSON (text/plain is JSON sent by beacon). Its 415 is for a
 * compressed body only.
 */
const fileBody = (op: Op) => Object.keys(op.requestBody?.content ?? {}).some((type) => type !== 'application/json' && type !== 'text/plain')

function casesFor(op: Op): Case[] {
  const out: Case[] = []
  const method = op.method.toUpperCase()
  const params = op.parameters ?? []
  const pathParams = params.filter((p) => p.in === 'path')
  const queryParams = params.filter((p) => p.in === 'query')
  const file = fileBody(op)
  const jsonBody = file ? undefined : op.requestBody?.content['application/json']
  const otherBody = file ? Object.keys(op.requestBody!.content).find((type) => type !== 'application/json') : undefined
  const base = jsonBody ? validBody(op) : undefined
  const baseText = base === undefined ? undefined : JSON.stringify(base)

  const url = (path: Record<string, string> = {}, query = '') => {
    const p = op.path.replace(/\{(\w+)\}/g, (_, name: string) => path[name] ?? encodeURIComponent(validParam(pathParams.find((x) => x.name === name)!)))
    const required = queryParams.filter((q) => q.required && !query.startsWith(`${q.name}=`)).map((q) => `${q.name}=${encodeURIComponent(validParam(q))}`)
    const qs = [...required, ...(query ? [query] : [])].join('&')
    return qs ? `${p}?${qs}` : p
  }
  const withBody = (body: string | Uint8Array | undefined, type: string | null = 'application/json'): RequestInit =>
    body === undefined ? { method } : { method, body, headers: type === null ? {} : { 'Content-Type': type } }
  const valid = (): RequestInit => withBody(baseText)

  // Path parameters, one at a time; an unknown site id is bad input although it is a valid slug.
  for (const p of pathParams) {
    const values = [...PATH_VALUES, ...(p.name === 'siteId' && !SITE_NOT_READ.has(op.key) ? ['no-such-site'] : []), ...(p.name === 'file' ? ['no-such-site.js'] : [])]
    for (const raw of values) {
      if (!raw.startsWith('no-such-') && constrained(p.schema) && paramAccepts(p.schema, tryDecode(raw))) continue
      out.push({ what: `path ${p.name}=${show(raw)}`, url: url({ [p.name]: raw }), init: valid(), expect: 'refused' })
    }
  }

  // Query parameters: empty, repeated and hostile values.
  for (const q of queryParams) {
    const cases: [string, string | string[], boolean][] = QUERY_VALUES.map((raw) => [`${q.name}=${raw}`, tryDecode(raw), undecodable(raw)])
    cases.push([`${q.name}=1&${q.name}=2`, ['1', '2'], false], [`${q.name}=&${q.name}=`, ['', ''], false])
    if (q.name === 'site') cases.push([`${q.name}=no-such-site`, 'unknown site', false])
    for (const [query, value, broken] of cases) {
      // An escape that is no UTF-8 text is refused by every admin route that reads a query: read
      // as the text it spells, `userId=%FF` looked up a user ID nobody sent. (The public look-up
      // reads its one parameter as a site id, which such a value never is.)
      if (value !== 'unknown site' && !(broken && op.session) && paramAccepts(q.schema, value)) continue
      out.push({ what: `query ${show(query)}`, url: url({}, query), init: valid(), expect: 'refused' })
    }
  }

  // A parameter the route does not read (a misspelt filter) is refused, not ignored: an export's
  // `frm=` made a full export. So is one on a route that reads none: a `DELETE` of a site with
  // `?dryRun=true` deleted it. Public routes take what a CDN or a cache-buster may add.
  if (op.session) out.push({ what: 'a query parameter the route does not read', url: url({}, 'misspelt=1'), init: valid(), expect: 'refused', names: 'misspelt' })

  if (jsonBody) {
    const schema = jsonBody.schema
    for (const text of [...MALFORMED_JSON, ...DEEP_BODIES]) out.push({ what: `body ${show(text)}`, url: url(), init: withBody(text), expect: 'refused' })
    // A body that is not JSON, sent as text/plain (which the SDK's sendBeacon uses).
    out.push({ what: 'text/plain body "{"', url: url(), init: withBody('{', 'text/plain'), expect: 'refused' })
    for (const value of NOT_OBJECTS) out.push({ what: `body ${show(JSON.stringify(value))}`, url: url(), init: withBody(JSON.stringify(value)), expect: 'refused' })
    if (!accepts(schema, {})) out.push({ what: 'body {}', url: url(), init: withBody('{}'), expect: 'refused' })
    // The valid body, but not as JSON (no Content-Type at all, or another one).
    out.push({ what: 'valid body without Content-Type', url: url(), init: withBody(new TextEncoder().encode(baseText), null), expect: 'refused' })
    for (const type of OTHER_TYPES) out.push({ what: `valid body as ${type}`, url: url(), init: withBody(baseText, type), expect: 'refused' })
    // A key the route does not read (a misspelt field) is refused, not dropped with a 2xx: an admin
    // form's misspelt `needConsent` published against the override meant. Public routes take what
    // a newer SDK may add.
    if (op.session && isObject(base)) out.push({ what: 'a key the route does not read', url: url(), init: withBody(JSON.stringify({ ...base, misspelt: 1 })), expect: 'refused', names: 'misspelt' })
    // Named along with a field the route refuses, in the same answer, not once that field is fixed.
    const refusedField = fieldPaths(schema, base).map((path) => setAt(base, path, null)).find((body) => !accepts(schema, body))
    if (op.session && isObject(refusedField)) {
      out.push({ what: 'a key the route does not read, with a field refused', url: url(), init: withBody(JSON.stringify({ ...refusedField, misspelt: 1 })), expect: 'refused', names: 'misspelt' })
    }
    // Text that is not well-formed Unicode, as a key and as a value.
    if (isObject(base)) out.push({ what: 'unpaired surrogate as a key', url: url(), init: withBody(JSON.stringify({ ...base, [LONE_SURROGATE]: 1 })), expect: 'refused' })
    // Over the body limit, where the document says there is one: 413, although the body is valid
    // but for an unknown key. (Other routes read a body of any size: the long strings below.)
    if ('413' in op.responses) {
      const huge = JSON.stringify({ ...(isObject(base) ? base : {}), pad: 'x'.repeat(HUGE) })
      out.push({ what: `body of ${huge.length} bytes`, url: url(), init: withBody(huge), expect: 'refused', status: 413 })
    }
    // Each field with values of the wrong type, out of range, too long, or not well-formed.
    for (const path of fieldPaths(schema, base)) {
      for (const value of [...WRONG_VALUES, LONE_SURROGATE]) {
        const body = setAt(base, path, value)
        if (value !== LONE_SURROGATE && accepts(schema, body)) continue
        const shown = typeof value === 'string' ? show(value) : JSON.stringify(value)
        out.push({ what: `${path.join('.')}: ${shown}`, url: url(), init: withBody(JSON.stringify(body)), expect: 'refused' })
      }
    }
  } else if (otherBody) {
    // A file upload (the catalogue import): JSON or CSV by `format`.
    const files: [string, string][] = [
      ...[...MALFORMED_JSON, ...DEEP_BODIES, ...NOT_OBJECTS.map((v) => JSON.stringify(v)), '{}', '{"categories":"\\ud800"}', '{"\\udc00":1}', `{"categories":[{"id":"${'x'.repeat(100_000)}"}]}`].map(
        (text): [string, string] => ['format=json', text],
      ),
      ...[
        '',
        '\u0000',
        '\uFEFF',
        '"unterminated',
        'category\n"a',
        'category\n"a"b"',
        'not,the,header\n1,2,3',
        'category,name\nNOT A SLUG,x',
        'category,name,expiry\nessential,_ga,forever',
        'category,category\nessential,analytics',
        `category\n${'x'.repeat(100_000)}`,
        `category${',x'.repeat(20_000)}\nessential`,
        'category,name\n=HYPERLINK("http://evil"),x',
        'category\r\nessential\r\n\u0000',
        `category,name\n${'essential,a\n'.repeat(2)}`,
      ].map((text): [string, string] => ['format=csv', text]),
    ]
    for (const [query, text] of files) out.push({ what: `${query} file ${show(text)}`, url: url({}, query), init: withBody(text, otherBody), expect: 'refused' })
    out.push({ what: `file of ${HUGE} bytes`, url: url(), init: withBody('x'.repeat(HUGE), otherBody), expect: 'refused', ...('413' in op.responses ? { status: 413 } : {}) })
  }

  // A body on an admin change that reads none is refused (422), signed in, not ignored: a `DELETE`
  // of a subject with `{"dryRun":true}` erased it, as a member's removal or a site's deletion went
  // ahead (review). The keys of a JSON object are named; any other body is refused all the same.
  if (op.session && !op.requestBody && method !== 'GET') {
    out.push({ what: 'a body on a route that reads none', url: url(), init: withBody(JSON.stringify({ misspelt: 1 })), expect: 'refused', status: 422, names: 'misspelt' })
    for (const [text, type] of [['misspelt=1', 'application/x-www-form-urlencoded'], ['{"misspelt":1}', null], ['{"a":', 'application/json'], ['[{}]', 'application/json'], ['null', 'application/json'], ['x', 'text/plain']] as const) {
      out.push({ what: `body ${show(text)} as ${type ?? 'no type'} on a route that reads none`, url: url(), init: withBody(text, type), expect: 'refused', status: 422 })
    }
  }

  // A route that takes no input at all ignores whatever is sent: it must not break on it either.
  if (!params.length && !op.requestBody) {
    out.push({ what: 'junk query', url: `${op.path}?x=%00&x=%FF&__proto__=1&=&%`, init: { method }, expect: 'ignored' })
    if (method !== 'GET') out.push({ what: 'junk body', url: op.path, init: withBody('{"a":'), expect: 'ignored' })
  }
  return out
}

async function check(op: Op, c: Case): Promise<string | null> {
  const before = dbState()
  let res: Response
  try {
    res = await (op.session ? owner.request(c.url, c.init) : t.request(c.url, c.init))
  } catch (err) {
    return `${c.what}: threw ${String(err)}`
  }
  const text = await res.text()
  const after = dbState()
  const problems: string[] = []
  if (res.status >= 500) problems.push(`answered ${res.status}: ${text.slice(0, 200)}`)
  else if (c.expect === 'refused' && res.status < 400) problems.push(`accepted it with ${res.status}: ${text.slice(0, 200)}`)
  else if (c.status !== undefined && res.status !== c.status) problems.push(`answered ${res.status} instead of ${c.status}: ${text.slice(0, 200)}`)
  else if (c.names !== undefined && res.status >= 400 && !text.includes(c.names)) problems.push(`refused it without naming "${c.names}": ${text.slice(0, 200)}`)
  if (res.status >= 400) {
    const type = res.headers.get('content-type') ?? ''
    if (!OTHER_ERROR_BODIES[op.key]?.test(type)) {
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {
        body = undefined
      }
      if (!apiError.safeParse(body).success) problems.push(`error body is not { error: { code, message } } (${type}): ${text.slice(0, 200)}`)
    }
  }
  const changed = [...after].filter(([table, state]) => before.get(table) !== state).map(([table]) => table)
  if (changed.length) problems.push(`changed stored data in ${changed.join(', ')}`)
  return problems.length ? `${c.what}: ${problems.join('; ')}` : null
}

let requests = 0

describe('bad input on every route', () => {
  it('finds the routes in the OpenAPI document', () => {
    expect(OPS.length).toBeGreaterThan(40)
    // Public routes under /api/v1 and admin routes are all there.
    expect(OPS.filter((o) => o.path.startsWith('/api/v1/')).length).toBeGreaterThanOrEqual(6)
    expect(OPS.filter((o) => o.session).length).toBeGreaterThan(25)
  })

  for (const op of OPS) {
    it(`${op.method.toUpperCase()} ${op.path}`, async () => {
      if (op.requestBody?.content['application/json'] && !fileBody(op)) {
        // Each case breaks one field of a valid body: the body itself must be valid.
        expect(accepts(op.requestBody.content['application/json'].schema, validBody(op)), 'validBody() of this route').toBe(true)
      }
      const cases = casesFor(op)
      // Every route takes some bad input, or is sent junk it must ignore.
      expect(cases.length).toBeGreaterThan(0)
      const failures: string[] = []
      for (const c of cases) {
        const failure = await check(op, c)
        if (failure) failures.push(failure)
      }
      requests += cases.length
      expect(failures).toEqual([])
      // The owner is still signed in: nothing above ended the session the sweep runs in.
      expect((await owner.request('/api/admin/me')).status).toBe(200)
    })
  }

  it('swept them with hundreds of requests', () => {
    expect(requests).toBeGreaterThan(1000)
  })
})

describe('a body that is not UTF-8', () => {
  // Read as UTF-8, each byte of another encoding became U+FFFD, stored with a 2xx.
  const latin1 = (text: string) => Buffer.from(text, 'latin1')
  const refusals: [string, string, RequestInit][] = [
    ['a settings save in Latin-1', '/api/admin/sites/acme/settings', { method: 'PUT', headers: { 'Content-Type': 'application/json; charset=iso-8859-1' }, body: latin1('{"name":"Café"}') }],
    ['a catalogue CSV saved as Windows-1252', '/api/admin/sites/acme/catalogue/import?format=csv', { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body: latin1('category,name,provider,expiry,purpose_fr\nessential,session,Acme,1d,Sécurité\n') }],
    ['a consent record with a Latin-1 page URL', '/api/v1/consents', { method: 'POST', headers: { 'Content-Type': 'text/plain;charset=UTF-8' }, body: latin1(JSON.stringify(consentBody({ url: 'https://acme.test/café' }))) }],
  ]
  for (const [what, path, init] of refusals) {
    it(`is refused 400 invalid_text, nothing stored: ${what}`, async () => {
      const before = dbState()
      const res = await (path.startsWith('/api/admin/') ? owner.request(path, init) : t.request(path, init))
      expect(res.status).toBe(400)
      expect(apiError.parse(await res.json()).error).toEqual({ code: 'invalid_text', message: expect.stringMatching(/^The body is not UTF-8 text/) })
      expect(dbState()).toEqual(before)
    })
  }

  it('is refused 415 when compressed, naming Content-Encoding, not as malformed JSON', async () => {
    const { gzipSync } = await import('node:zlib')
    for (const [path, headers] of [
      ['/api/admin/sites/acme/settings', { 'Content-Type': 'application/json' }],
      ['/api/v1/consents', { 'Content-Type': 'text/plain;charset=UTF-8' }],
    ] as const) {
      const init = { method: path.includes('admin') ? 'PUT' : 'POST', headers: { ...headers, 'Content-Encoding': 'gzip' }, body: gzipSync(JSON.stringify(path.includes('admin') ? { name: 'Acme' } : consentBody())) }
      const res = await (path.includes('admin') ? owner.request(path, init) : t.request(path, init))
      expect(res.status, path).toBe(415)
      expect(apiError.parse(await res.json()).error, path).toEqual({ code: 'unsupported_media_type', message: 'Send the body uncompressed: Content-Encoding "gzip" is not supported' })
    }
  })

  it('is refused 415 when compressed on the catalogue import too, as its operation documents; a request without a body is answered as without Content-Encoding', async () => {
    const { gzipSync } = await import('node:zlib')
    const before = dbState()
    const csv = gzipSync('category,name,provider,expiry\nessential,session,Acme,1d\n')
    const res = await owner.request('/api/admin/sites/acme/catalogue/import?format=csv', { method: 'POST', headers: { 'Content-Type': 'text/csv', 'Content-Encoding': 'gzip' }, body: csv })
    expect(res.status).toBe(415)
    expect(apiError.parse(await res.json()).error.code).toBe('unsupported_media_type')
    expect(Object.keys(doc.paths['/api/admin/sites/{siteId}/catalogue/import']!.post!.responses)).toContain('415')
    expect(dbState()).toEqual(before)
    for (const [path, method] of [['/api/admin/me', 'GET'], [`/api/admin/invitations/${inviteToken}`, 'GET'], ['/api/admin/sites/acme/members/99', 'DELETE']] as const) {
      const plain = await owner.request(path, { method })
      const encoded = await owner.request(path, { method, headers: { 'Content-Encoding': 'br' } })
      expect([path, encoded.status, await encoded.text()]).toEqual([path, plain.status, await plain.text()])
    }
    expect((await t.request('/api/admin/me', { headers: { 'Content-Encoding': 'gzip' } })).status).toBe(401)
  })

  it('is not what UTF-8 with a BOM or characters outside Latin-1 is', async () => {
    const res = await owner.request('/api/admin/sites/acme/settings', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '\uFEFF{"name":"Café ☕"}' })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { settings: { name: string } }).settings.name).toBe('Café ☕')
  })
})
