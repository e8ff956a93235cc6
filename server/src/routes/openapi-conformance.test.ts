// The OpenAPI document held to what the server answers: real requests through `app.request()`
// (good ones, bad ones, and every operation as each kind of caller), and each answer's status and
// media type must be documented for its operation, its JSON body valid against the schema the
// route table names. The table of bad inputs is the reviewer's, plus what each route can refuse.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { apiError } from '@miniconsent/shared'
import type { z } from 'zod'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApiPath, type Operation } from '../lib/openapi'
import { OPERATIONS } from '../lib/openapi-routes'
import { addUser, consentBody, json, send, signIn, startTestServer, type AdminSession, type TestServer } from '../test-support'

type Media = Record<string, { schema?: unknown }>
interface DocOp {
  parameters: { name: string; in: string; required: boolean }[]
  requestBody?: { content: Media }
  responses: Record<string, { content?: Media }>
}
interface Doc {
  paths: Record<string, Record<string, DocOp>>
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
  const server = row.bare ? bare : t
  const init = row.init ?? {}
  const who = row.who ?? 'anon'
  let res: Response
  if (who === 'anon') res = await server.request(row.url, init)
  else if (who === 'ownerNoCsrf') {
    const headers = new Headers(init.headers)
    headers.set('Cookie', sessions.owner.cookie)
    res = await server.request(row.url, { ...init, headers })
  } else res = await (row.bare ? bareOwner : sessions[who]).request(row.url, init)
  const text = await res.text()
  const name = `${row.what} (${init.method ?? 'GET'} ${row.url.slice(0, 80)} as ${who})`
  const [method, ...rest] = row.op.split(' ')
  const op = doc.paths[rest.join(' ')]?.[method!]
  if (!op) return `${name}: no operation ${row.op} in the document`
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
    // A JSON body is what the documented schema says (a HEAD has none to check).
    const schema = schemaOf(row.op, res.status, type)
    if (schema && init.method !== 'HEAD') {
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {
        body = undefined
      }
      const parsed = schema.safeParse(body)
      if (!parsed.success) problems.push(`${res.status} body does not match its schema: ${parsed.error.issues[0]?.message} at ${parsed.error.issues[0]?.path.join('.')}: ${text.slice(0, 160)}`)
    }
  }
  return problems.length ? `${name}: ${problems.join('; ')}` : null
}

async function checkAll(rows: Row[]) {
  const failures: string[] = []
  for (const row of rows) {
    const failure = await check(row)
    if (failure) failures.push(failure)
  }
  expect(failures).toEqual([])
}

const form = (method = 'POST', body = 'a=1'): RequestInit => ({ method, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body })
const typed = (type: string, body: unknown, method = 'POST'): RequestInit => ({ method, headers: { 'Content-Type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) })
const TOKEN = 'a'.repeat(32)

beforeAll(async () => {
  t = startTestServer({ ingestRateLimit: { capacity: 1_000_000, refillPerSecond: 1 } })
  // A stand-in SDK build, with the files a real one has.
  const sdk = join(t.dir, 'sdk')
  mkdirSync(sdk, { recursive: true })
  writeFileSync(join(sdk, 'miniconsent.js'), 'window.__cfg = "__MINICONSENT_CONFIG__";\n')
  writeFileSync(join(sdk, 'banner.js'), 'export const banner = 1\n')
  writeFileSync(join(sdk, 'manifest.json'), JSON.stringify({ returningVisit: ['miniconsent.js'], firstVisit: ['miniconsent.js', 'banner.js'], firstVisitAndClick: ['miniconsent.js', 'banner.js'], files: { 'banner.js': { when: 'a banner', imports: [] } } }))
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
      { what: 'a sign-out with a body over 1 MB', op: 'post /api/admin/logout', url: '/api/admin/logout', init: { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) }, status: 413 },
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
      // 6. Path parameters checked as documented.
      { what: 'a short token', op: 'get /api/admin/invitations/{token}', url: '/api/admin/invitations/short', status: 400 },
      { what: 'an unknown token', op: 'get /api/admin/invitations/{token}', url: `/api/admin/invitations/${TOKEN}`, status: 404 },
      { what: 'accepting a short token', op: 'post /api/admin/invitations/{token}/accept', url: '/api/admin/invitations/short/accept', init: send('POST', { password: 'a long new password' }), status: 400 },
      { what: 'a long export id', op: 'get /api/admin/sites/{siteId}/exports/{exportId}/manifest', url: `/api/admin/sites/acme/exports/${'e'.repeat(65)}/manifest`, who: 'auditor', status: 400 },
      { what: 'an unknown export id', op: 'get /api/admin/sites/{siteId}/exports/{exportId}/manifest', url: `/api/admin/sites/acme/exports/${'e'.repeat(64)}/manifest`, who: 'auditor', status: 404 },
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
      { what: 'a visitor’s record, bad consentId', op: 'get /api/v1/consents/{consentId}', url: '/api/v1/consents/%00?site=acme', status: 400 },
      { what: 'a visitor’s record, unknown site', op: 'get /api/v1/consents/{consentId}', url: '/api/v1/consents/visitor-0001?site=no-such-site', status: 404 },
      { what: 'a visitor’s record', op: 'get /api/v1/consents/{consentId}', url: '/api/v1/consents/visitor-0001?site=acme', status: 200 },
    ])
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
