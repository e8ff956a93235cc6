import { z } from 'zod'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApiPath } from '../lib/openapi'
import { OPERATIONS } from '../lib/openapi-routes'
import { SignInThrottle } from '../lib/rate-limit'
import { startTestServer, type TestServer } from '../test-support'
import { manifestParam } from './exports'
import { tokenParam } from './invitations'

let t: TestServer
beforeAll(() => {
  t = startTestServer()
})
afterAll(() => t.close())

// The dashboard SPA and the demo pages are files, not API.
const NOT_API = new Set(['/*', '/demo', '/demo/*'])

type Media = Record<string, { schema: Record<string, unknown>; example?: unknown }>
type Op = {
  summary: string
  description: string
  parameters: { name: string; in: string; description?: string; schema: Record<string, unknown> }[]
  requestBody?: { content: Media }
  responses: Record<string, { description: string; content?: Media; headers?: Record<string, unknown> }>
  security: unknown[]
  'x-roles'?: string[]
}
type Doc = {
  openapi: string
  paths: Record<string, Record<string, Op>>
  components: { schemas: Record<string, Record<string, unknown>> }
}

async function doc(): Promise<Doc> {
  const res = await t.request('/api/openapi.json')
  expect(res.status).toBe(200)
  return (await res.json()) as Doc
}

describe('GET /api/openapi.json', () => {
  it('documents every mounted route, public and admin, with its method', async () => {
    const d = await doc()
    expect(d.openapi).toBe('3.1.0')
    // CORS preflights (OPTIONS) are routes too.
    const mounted = t.app.routes.filter((r) => r.method !== 'ALL' && !NOT_API.has(r.path))
    expect(mounted.filter((r) => r.method === 'OPTIONS').length).toBeGreaterThan(0)
    expect(mounted.length).toBeGreaterThan(30)
    const missing = mounted.filter((r) => !d.paths[openApiPath(r.path)]?.[r.method.toLowerCase()]).map((r) => `${r.method} ${r.path}`)
    expect(missing, 'add these to server/src/lib/openapi-routes.ts').toEqual([])
    // …and documents nothing that is not mounted (a form of a broader route, by that route).
    const mountedKeys = new Set(mounted.map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path)}`))
    const extra = OPERATIONS.map((o) => `${o.method} ${openApiPath(o.route ?? o.path)}`).filter((k) => !mountedKeys.has(k))
    expect(extra).toEqual([])
  })

  it('uses the shared schemas: path parameters, roles, and request/response shapes with every $ref resolvable', async () => {
    const d = await doc()
    const publish = d.paths['/api/admin/sites/{siteId}/publish']!.post!
    expect(publish['x-roles']).toEqual(['owner', 'editor'])
    expect(publish.parameters).toEqual([expect.objectContaining({ name: 'siteId', in: 'path' })])
    expect(Object.keys(publish.responses)).toEqual(expect.arrayContaining(['201', '401', '403', '409', '422']))

    const state = d.components.schemas.CatalogueState!
    expect(state.required).toEqual(['settings', 'draft', 'draftUpdatedAt', 'draftUpdatedBy', 'live', 'dirty'])
    const expiry = JSON.stringify(d.components.schemas.StorageEntryInput)
    expect(expiry).toContain('session|persistent')

    const consents = d.paths['/api/admin/sites/{siteId}/consents']!.get!
    expect(consents.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['siteId', 'limit', 'before', 'consentId', 'from', 'to', 'method', 'region', 'revision']))
    // A number in the URL is a string of digits; its default and bound are still said.
    const limit = JSON.stringify(consents.parameters.find((p) => p.name === 'limit'))
    expect(limit).toContain('"default":"50"')
    expect(limit).toContain('from 1 to 500')
    const diff = d.paths['/api/admin/sites/{siteId}/diff']!.get!
    expect(JSON.stringify(diff.parameters.find((p) => p.name === 'to'))).toContain('"default":"draft"')

    const text = JSON.stringify(d)
    for (const [, name] of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) expect(d.components.schemas, name).toHaveProperty(name!)
  })

  it('has examples that the API itself accepts', () => {
    for (const op of OPERATIONS) {
      if (op.body?.schema && op.body.example !== undefined) {
        expect(op.body.schema.safeParse(op.body.example).success, `${op.method} ${op.path}`).toBe(true)
      }
    }
  })
})

/** The formats JSON Schema 2020-12 defines (Validation §7.3); zod also emits its own (`starts_with`…). */
const JSON_SCHEMA_FORMATS = new Set(
  'date-time date time duration email idn-email hostname idn-hostname ipv4 ipv6 uri uri-reference iri iri-reference uuid uri-template json-pointer relative-json-pointer regex'.split(' '),
)

/** Every `format` keyword of a schema and its subschemas, with where it is; values (examples, defaults…) are not schemas. */
function formatsIn(value: unknown, at: string, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v, i) => formatsIn(v, `${at}[${i}]`, out))
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'format' && typeof v === 'string') out.push(`${at}: ${v}`)
      else if (!['example', 'examples', 'default', 'const', 'enum'].includes(k)) formatsIn(v, `${at}.${k}`, out)
    }
  }
  return out
}

/** The `{type: 'string'}` a path parameter's zod schema is documented with, as the generator makes it. */
const paramJson = (schema: z.ZodType) => {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
  delete json.$schema
  return json
}

describe('the document says what the routes do', () => {
  it('documents 415 on every operation with a JSON body (jsonBody and formBody refuse another Content-Type), and any application/*+json as JSON', async () => {
    const d = await doc()
    // The catalogue import is a file read whatever its Content-Type: JSON or CSV, by `format`.
    const withJson = OPERATIONS.filter((o) => o.body?.schema).map((o) => ({ key: `${o.method} ${openApiPath(o.path)}`, op: d.paths[openApiPath(o.path)]![o.method]! }))
    expect(withJson.length).toBeGreaterThan(10)
    expect(withJson.filter(({ op }) => !op.responses['415']).map(({ key }) => key)).toEqual([])
    expect(d.paths['/api/admin/login']!.post!.responses['415']!.content).toHaveProperty(['application/json'])
    expect(d.paths['/api/admin/login']!.post!.responses['415']!.description).toContain('application/*+json')
    const accepted = await t.request('/api/admin/login', { method: 'POST', headers: { 'Content-Type': 'application/merge-patch+json' }, body: JSON.stringify({ email: 'nobody@acme.test', password: 'not a password' }) })
    expect(accepted.status).toBe(401)
    const importBody = d.paths['/api/admin/sites/{siteId}/catalogue/import']!.post!
    expect(Object.keys(importBody.requestBody!.content).sort()).toEqual(['application/json', 'text/csv'])
    expect(importBody.requestBody!.content['application/json']!.schema).toEqual({ $ref: '#/components/schemas/CatalogueInput' })
    // Every admin request's body, and the visitors' posts, are refused 415 compressed (limitBody):
    // the import too, whatever its Content-Type.
    const withBody = OPERATIONS.filter((o) => o.body).map((o) => ({ key: `${o.method} ${openApiPath(o.path)}`, op: d.paths[openApiPath(o.path)]![o.method]! }))
    expect(withBody.filter(({ op }) => !op.responses['415']?.description.includes('Content-Encoding')).map(({ key }) => key)).toEqual([])
    expect(importBody.responses['415']!.description).not.toContain('Content-Type')
    // An admin operation that takes no body refuses one sent compressed all the same (adminBodyLimit
    // runs on every admin request), and says so; a public one outside /api/admin has no such 415.
    for (const [path, method] of [['/api/admin/me', 'get'], ['/api/admin/logout', 'post'], ['/api/admin/sites/{siteId}/subjects/{consentId}', 'delete']] as const) {
      expect(d.paths[path]![method]!.responses['415']!.description, `${method} ${path}`).toContain('reads no body')
    }
    expect(d.paths['/api/v1/sites/{siteId}/config']!.get!.responses['415']).toBeUndefined()
    // The SDK's beacons post the same JSON as text/plain.
    for (const path of ['/api/v1/consents', '/api/v1/consents/identify', '/api/v1/documents']) {
      expect(Object.keys(d.paths[path]!.post!.requestBody!.content)).toEqual(['application/json', 'text/plain'])
    }
  })

  it('lists every media type an export answers in, one per value of its `format`', async () => {
    const d = await doc()
    const mediaOf: Record<string, string> = { json: 'application/json', csv: 'text/csv', ndjson: 'application/x-ndjson' }
    const catalogue = d.paths['/api/admin/sites/{siteId}/catalogue/export']!.get!.responses['200']!.content!
    expect(Object.keys(catalogue).sort()).toEqual(['application/json', 'text/csv'])
    expect(catalogue['application/json']!.schema).toEqual({ $ref: '#/components/schemas/StoredCatalogue' })
    expect(catalogue['text/csv']!.example).toMatch(/^category,/)
    const log = d.paths['/api/admin/sites/{siteId}/export']!.get!.responses['200']!.content!
    expect(Object.keys(log).sort()).toEqual(['application/x-ndjson', 'text/csv'])
    // Any route with a `format` parameter: each of its values has its media type in the 200.
    const withFormat = Object.entries(d.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ key: `${method} ${path}`, op })))
    let checked = 0
    for (const { key, op } of withFormat) {
      const format = op.parameters.find((p) => p.in === 'query' && p.name === 'format')
      if (!format || key.startsWith('post ')) continue
      checked++
      const types = Object.keys(op.responses['200']!.content ?? {})
      for (const value of format.schema.enum as string[]) expect(types, `${key} format=${value}`).toContain(mediaOf[value])
    }
    expect(checked).toBe(2)
  })

  it('documents the preview page’s refusals as the HTML page they are, and its chunks’ as JSON', async () => {
    const d = await doc()
    const page = d.paths['/api/admin/preview/{siteId}/']!.get!
    for (const status of ['400', '401', '403', '503']) expect(Object.keys(page.responses[status]!.content!), status).toEqual(['text/html'])
    const chunk = d.paths['/api/admin/preview/{siteId}/{file}']!.get!
    expect(Object.keys(chunk.responses['404']!.content!)).toEqual(['application/json'])
    expect(chunk.responses['304']).toBeDefined()
  })

  it('documents 403 csrf_invalid wherever loadSession refuses a change without the token, 413 and 415 on every admin operation, and 404 on a diff', async () => {
    const d = await doc()
    expect(d.paths['/api/admin/logout']!.post!.responses['403']!.description).toContain('csrf_invalid')
    for (const [path, item] of Object.entries(d.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!path.startsWith('/api/admin/')) continue
        // adminBodyLimit holds every admin request to 1 MB, whatever its method, whether or not the
        // route reads a body, and refuses one sent compressed.
        expect(op.responses['413'], `${method} ${path}`).toBeDefined()
        expect(op.responses['415'], `${method} ${path}`).toBeDefined()
        if (method === 'get') continue
        const exempt = path === '/api/admin/login' || path === '/api/admin/invitations/{token}/accept'
        if (exempt) expect(op.responses['403']?.description ?? '', `${method} ${path}`).not.toContain('csrf_invalid')
        else expect(op.responses['403']?.description, `${method} ${path}`).toContain('csrf_invalid')
      }
    }
    expect(d.paths['/api/admin/sites/{siteId}/diff']!.get!.responses['404']!.description).toContain('revision_not_found')
  })

  it('states the re-consent rule of GET …/diff as the verdict applies it', async () => {
    const rule = (await doc()).paths['/api/admin/sites/{siteId}/diff']!.get!.description
    // Each of these asks again (services/diff.test.ts); the description left them out.
    for (const asks of ['becoming required, or optional', "an optional category's name or description", 'an entry to another service', 'vendor signal added, removed or changed']) {
      expect(rule).toContain(asks)
    }
    // A vendor signal removed asks again: not every removal is spared.
    expect(rule).not.toMatch(/removals do not need it/i)
    // The verdict from the live revision reaches back to earlier revisions.
    expect(rule).toContain('every earlier revision')
  })

  it('names every sign-in limit SignInThrottle applies, at sign-in and where an invitation is accepted', async () => {
    const d = await doc()
    const login = d.paths['/api/admin/login']!.post!
    // Before, the per-network limit over any e-mails was left out: a sprayer's 429 read as unexplained.
    for (const limit of [
      `${SignInThrottle.PER_NETWORK} failures for an e-mail from one client network`,
      `${SignInThrottle.PER_ACCOUNT} for it from anywhere`,
      `${SignInThrottle.PER_CLIENT} from one client network over any e-mails`,
    ]) {
      expect(login.description).toContain(limit)
    }
    expect(login.description).toContain(`${SignInThrottle.WINDOW_MS / 60_000} minutes`)
    expect(login.responses['429']!.description).toContain('too_many_attempts')
    const accept = d.paths['/api/admin/invitations/{token}/accept']!.post!.responses['429']!.description
    expect(accept).toContain('too_many_attempts')
    expect(accept).toMatch(/this address, or .*this client network/)
  })

  it('says what /sdk/{file} answers: JSON refusals of bad names, the build’s manifest.json, and no ui.js', async () => {
    const d = await doc()
    const sdk = d.paths['/sdk/{file}']!.get!
    expect(sdk.summary + sdk.description).not.toContain('ui.js')
    expect(Object.keys(sdk.responses['404']!.content!).sort()).toEqual(['application/json', 'text/javascript'])
    expect(sdk.responses['404']!.content!['application/json']!.schema).toEqual({ $ref: '#/components/schemas/ApiError' })
    expect(Object.keys(sdk.responses['200']!.content!)).toEqual(expect.arrayContaining(['text/javascript', 'application/json']))
    // Its own 503 (no SDK build) is a script; a database_busy one the JSON error.
    expect(Object.keys(sdk.responses['503']!.content!)).toEqual(['text/javascript', 'application/json'])
  })

  it('documents the token and exportId parameters with the very schemas the routes check', async () => {
    const d = await doc()
    const byPath = (method: string, path: string) => OPERATIONS.find((o) => o.method === method && o.path === path)!
    expect(byPath('get', '/api/admin/invitations/:token').params).toBe(tokenParam)
    expect(byPath('post', '/api/admin/invitations/:token/accept').params).toBe(tokenParam)
    expect(byPath('get', '/api/admin/sites/:siteId/exports/:exportId/manifest').params).toBe(manifestParam)
    const param = (path: string, method: string, name: string) => d.paths[path]![method]!.parameters.find((p) => p.name === name)!.schema
    for (const [path, method] of [
      ['/api/admin/invitations/{token}', 'get'],
      ['/api/admin/invitations/{token}/accept', 'post'],
    ] as const) {
      expect(param(path, method, 'token')).toEqual(paramJson(tokenParam.shape.token))
      expect(param(path, method, 'token')).toHaveProperty('pattern')
    }
    expect(param('/api/admin/sites/{siteId}/exports/{exportId}/manifest', 'get', 'exportId')).toEqual(paramJson(manifestParam.shape.exportId))
    expect(param('/api/admin/sites/{siteId}/exports/{exportId}/manifest', 'get', 'exportId')).toMatchObject({ maxLength: 64 })
  })

  it('documents /api/openapi.json as the object it is, and uses only the formats JSON Schema defines', async () => {
    const d = await doc()
    const schema = d.paths['/api/openapi.json']!.get!.responses['200']!.content!['application/json']!.schema
    const target = schema.$ref ? d.components.schemas[String(schema.$ref).split('/').pop()!]! : schema
    expect(target.type).toBe('object')
    expect(target.required).toEqual(expect.arrayContaining(['openapi', 'paths', 'components']))
    const unknown = formatsIn(d, '$').filter((f) => !JSON_SCHEMA_FORMATS.has(f.split(': ').pop()!))
    expect(unknown).toEqual([])
    const path = (d.components.schemas.StorageEntryInput!.properties as Record<string, Record<string, unknown>>).path!
    expect(path).not.toHaveProperty('format')
    expect(path.pattern).toBe('^\\/.*')
  })

  it('documents the CORS preflights of the SDK’s POSTs, with the headers they send', async () => {
    const d = await doc()
    for (const path of ['/api/v1/consents', '/api/v1/consents/identify', '/api/v1/documents']) {
      const preflight = d.paths[path]!.options
      expect(preflight, path).toBeDefined()
      expect(preflight!.security).toEqual([])
      // (503 database_busy: the origins allowed are read from the sites.)
      expect(Object.keys(preflight!.responses)).toEqual(['204', '503'])
      expect(Object.keys(preflight!.responses['204']!.headers!)).toEqual(
        expect.arrayContaining(['Access-Control-Allow-Origin', 'Access-Control-Allow-Methods', 'Access-Control-Allow-Headers', 'Access-Control-Max-Age', 'Vary']),
      )
    }
  })
})

describe('what the document says beyond bodies: 503, unreachable 400s, headers, refinements', () => {
  /** Every operation of the document with its key (`get /api/…`). */
  const ops = (d: Doc) => Object.entries(d.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ key: `${method} ${path}`, op })))

  it('documents 503 database_busy with Retry-After on every operation that uses the database, and only there', async () => {
    const d = await doc()
    const without = new Set(OPERATIONS.filter((o) => o.database === false).map((o) => `${o.method} ${openApiPath(o.path)}`))
    expect([...without].sort()).toEqual(['get /.well-known/gpc.json', 'get /api/docs', 'get /api/openapi.json', 'get /healthz', 'get /sdk/v/{build}/{file}'])
    for (const { key, op } of ops(d)) {
      const busy = op.responses['503']
      if (without.has(key)) {
        expect(busy?.description ?? '', key).not.toContain('database_busy')
        continue
      }
      expect(busy?.description, key).toContain('database_busy')
      expect(busy!.headers, key).toHaveProperty('Retry-After')
    }
    // A route's own 503 is kept beside it, in its own media type.
    const sdk = d.paths['/sdk/{file}']!.get!.responses['503']!
    expect(sdk.description).toContain('not built')
    expect(Object.keys(sdk.content!).sort()).toEqual(['application/json', 'text/javascript'])
    expect(d.paths['/api/admin/sites/{siteId}/settings']!.put!.responses['503']!.headers!['Retry-After']).toMatchObject({ required: true })
    expect(d.paths['/healthz']!.get!.responses['503']!.description).toContain('database_unavailable')
  })

  it('documents a 400 on every admin route, for a query parameter it does not read, and where a parameter or body can be malformed', async () => {
    const d = await doc()
    // A malformed site id is refused by the role check first (403); a query parameter the route
    // does not read, by every admin route (400).
    for (const path of ['/api/admin/sites/{siteId}/catalogue', '/api/admin/sites/{siteId}/revisions', '/api/admin/sites/{siteId}/members', '/api/admin/sites/{siteId}/verify', '/api/admin/me']) {
      expect(d.paths[path]!.get!.responses['400']!.description, path).toMatch(/^Malformed parameters, or a query parameter the route does not read/)
    }
    // A change that reads no body refuses a malformed one 422 (refuseUnreadBody), never 400 `invalid_json`.
    for (const [path, method] of [['/api/admin/sites/{siteId}/subjects/{consentId}', 'delete'], ['/api/admin/logout', 'post']] as const) {
      const bad = d.paths[path]![method]!.responses['400']!.description
      expect(bad, path).not.toContain('invalid_json')
      expect(bad, path).toContain('invalid_text')
    }
    expect(d.paths['/api/admin/sites/{siteId}/settings']!.put!.responses['400']!.description).toMatch(/^Malformed parameters or body.*`invalid_json`/)
    expect(d.paths['/api/admin/sites/{siteId}']!.delete!.responses['400']).toBeDefined()
    // Another parameter, a query or a body can still be malformed.
    expect(d.paths['/api/admin/sites/{siteId}/subjects/{consentId}']!.get!.responses['400']).toBeDefined()
    expect(d.paths['/api/admin/sites/{siteId}/subject-users']!.get!.responses['400']).toBeDefined()
    expect(d.paths['/api/admin/sites/{siteId}/diff']!.get!.responses['400']).toBeDefined()
    expect(d.paths['/api/admin/sites/{siteId}/verify']!.post!.responses['400']).toBeDefined()
    expect(d.paths['/api/v1/sites/{siteId}/config']!.get!.responses['400']).toBeDefined()
  })

  it('documents the response headers the routes send', async () => {
    const d = await doc()
    const headers = (path: string, method: string, status: string) => Object.keys(d.paths[path]![method]!.responses[status]!.headers ?? {})
    expect(headers('/api/admin/login', 'post', '200')).toContain('Set-Cookie')
    expect(headers('/api/admin/invitations/{token}/accept', 'post', '200')).toContain('Set-Cookie')
    expect(headers('/api/admin/logout', 'post', '204')).toContain('Set-Cookie')
    expect(headers('/api/admin/sites', 'post', '201')).toContain('Location')
    expect(headers('/api/admin/sites/{siteId}/export', 'get', '200')).toEqual(expect.arrayContaining(['X-Export-Id', 'Content-Disposition']))
    expect(headers('/api/admin/sites/{siteId}/subjects/{consentId}/export', 'get', '200')).toContain('Content-Disposition')
    expect(headers('/api/admin/sites/{siteId}/catalogue/export', 'get', '200')).toContain('Content-Disposition')
    expect(headers('/api/v1/sites/{siteId}/config', 'get', '200')).toEqual(expect.arrayContaining(['ETag', 'Cache-Control']))
    expect(headers('/sdk/{file}', 'get', '200')).toEqual(expect.arrayContaining(['ETag', 'Cache-Control']))
    expect(headers('/api/admin/sites/{siteId}/export', 'get', '405')).toEqual(['Allow'])
    // Every 429 says when to come back.
    for (const { key, op } of ops(d)) if (op.responses['429']) expect(op.responses['429'].headers, key).toHaveProperty('Retry-After')
    // The build's immutable chunk directory, which the per-site script loads from, is a path of its own.
    const versioned = d.paths['/sdk/v/{build}/{file}']!.get!
    expect(JSON.stringify(versioned.responses['200']!.headers!['Cache-Control'])).toContain('public, max-age=31536000, immutable')
    expect(versioned.responses['400']).toBeUndefined()
  })

  it('says in clientTime’s description the ±14:00 bound its JSON Schema cannot', async () => {
    const d = await doc()
    for (const name of ['ConsentRecordInput', 'IdentifyInput', 'DocumentInput']) {
      const clientTime = (d.components.schemas[name]!.properties as Record<string, Record<string, unknown>>).clientTime!
      expect(clientTime.description, name).toContain('±14:00')
    }
  })

  it('says what the consent log’s filters, cursor and days mean, as the README does', async () => {
    const d = await doc()
    const param = (path: string, name: string) => d.paths[path]!.get!.parameters.find((p) => p.name === name)?.description ?? ''
    for (const path of ['/api/admin/sites/{siteId}/consents', '/api/admin/sites/{siteId}/stats', '/api/admin/sites/{siteId}/export']) {
      // Days are UTC dates of the server's arrival time; `to` includes all of its day; an instant
      // with an offset is that instant.
      for (const name of ['from', 'to']) {
        expect(param(path, name), `${path} ${name}`).toMatch(/UTC/)
        expect(param(path, name), `${path} ${name}`).toMatch(/arriv/)
        expect(param(path, name), `${path} ${name}`).toMatch(/offset[^.]*that instant/)
      }
      expect(param(path, 'to'), path).toMatch(/all of (that|the) day/)
      expect(param(path, 'from'), path).toMatch(/from (that|the) day's start|from its start/)
      // `US` includes `US-CA`; `unknown` is records with no region.
      expect(param(path, 'region'), path).toMatch(/`US`[^.]*`US-CA`/)
      expect(param(path, 'region'), path).toMatch(/`unknown`[^.]*no region/)
    }
    // method, revision and consentId: what each takes, and that a value it does not take is a 400.
    for (const path of ['/api/admin/sites/{siteId}/consents', '/api/admin/sites/{siteId}/stats', '/api/admin/sites/{siteId}/export']) {
      for (const method of ['accept-all', 'reject-all', 'custom', 'withdraw', 'gpc', 'api']) expect(param(path, 'method'), path).toContain(`\`${method}\``)
      expect(param(path, 'revision'), path).toMatch(/from 1/)
      expect(param(path, 'consentId'), path).toMatch(/8 to 64/)
      expect(param(path, 'consentId'), path).toMatch(/case/)
      for (const name of ['method', 'revision', 'consentId']) {
        expect(param(path, name), `${path} ${name}`).toMatch(/400 `invalid_request`/)
        expect(param(path, name), `${path} ${name}`).toMatch(/[Ee]mpty[^.]*no filter/)
      }
    }
    // `before` is a seq cursor: the page holds lower seqs; the previous answer's `nextBefore`.
    const before = param('/api/admin/sites/{siteId}/consents', 'before')
    expect(before).toMatch(/`seq`/)
    expect(before).toMatch(/lower `seq`/)
    expect(before).toMatch(/`nextBefore`/)

    const props = (schema: Record<string, unknown>) => schema.properties as Record<string, Record<string, unknown>>
    const nextBefore = String(props(d.components.schemas.ConsentLogPage!).nextBefore!.description ?? '')
    expect(nextBefore).toMatch(/`before`/)
    expect(nextBefore).toMatch(/null[^.]*last page/)
    const perDay = props(d.components.schemas.ConsentStats!).perDay!.items as Record<string, unknown>
    const day = String(props(perDay).day!.description ?? '')
    expect(day).toMatch(/UTC/)
    expect(day).toMatch(/arriv/)
  })

  it('describes every query parameter of the consent log’s listing and export', async () => {
    const d = await doc()
    for (const path of ['/api/admin/sites/{siteId}/consents', '/api/admin/sites/{siteId}/export']) {
      const query = d.paths[path]!.get!.parameters.filter((p) => p.in === 'query')
      expect(query.length, path).toBeGreaterThan(0)
      expect(query.filter((p) => !p.description?.trim()).map((p) => p.name), path).toEqual([])
    }
  })

  it('documents 405 with Allow for a method a path has no operation for', async () => {
    const d = (await doc()) as Doc & { components: { responses?: Record<string, { headers?: Record<string, unknown>; content?: Media }> } }
    const refusal = d.components.responses?.MethodNotAllowed
    expect(refusal?.headers).toHaveProperty('Allow')
    expect(refusal?.content!['application/json']!.schema).toEqual({ $ref: '#/components/schemas/ApiError' })
    expect(((await doc()) as unknown as { info: { description: string } }).info.description).toContain('405 `method_not_allowed`')
  })
})

describe('GET /api/docs', () => {
  it('is a self-contained page listing every operation and schema', async () => {
    const res = await t.request('/api/docs')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    const html = await res.text()
    const d = await doc()
    for (const [path, item] of Object.entries(d.paths)) {
      for (const method of Object.keys(item)) expect(html).toContain(`<span class="m m-${method}">${method.toUpperCase()}</span> <code>${path}</code>`)
    }
    for (const name of Object.keys(d.components.schemas)) expect(html).toContain(`id="schema-${name}"`)
    // Works offline: nothing is loaded from elsewhere.
    expect(html).not.toMatch(/<script|<link|src="http|url\(http/i)
  })
})
