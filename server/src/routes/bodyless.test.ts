// A body sent to an admin route that reads none (the deletions, a member's removal, an erasure, a
// sign-out) is refused, not ignored: `DELETE …/subjects/<id>` with `{"dryRun":true}` erased the
// subject, a member's removal and a site's deletion went ahead the same (review), where the same
// `dryRun` in the query was refused. An empty body, or `{}`, says nothing: the route goes ahead.
import { createHash } from 'node:crypto'
import { apiError } from '@miniconsent/shared'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { addUser, consentBody, json, send, signIn, startTestServer, type AdminSession, type TestServer } from '../test-support'

let t: TestServer
let owner: AdminSession
let editorId: number

beforeEach(async () => {
  t = startTestServer()
  await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
  editorId = (await addUser(t.db, 'editor@acme.test', 'editor password 1', { acme: 'editor' })).id
  owner = await signIn(t, 'owner@acme.test', 'owner password 1')
  expect((await t.request('/api/v1/consents', json(consentBody({ consentId: 'visitor-0001' })))).status).toBe(201)
  expect((await owner.request('/api/admin/sites/acme/invitations', send('POST', { email: 'pending@acme.test', role: 'auditor' }))).status).toBe(201)
  expect((await owner.request('/api/admin/sites', send('POST', { id: 'shop', name: 'Shop', domains: ['shop.test'] }))).status).toBe(201)
})
afterEach(() => t.close())

/** Every table's rows, hashed: what "nothing changed" is checked against. */
function dbState(): Record<string, string> {
  const client = t.db.$client
  const tables = client.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]
  return Object.fromEntries(tables.map(({ name }) => [name, createHash('sha256').update(JSON.stringify(client.prepare(`SELECT * FROM "${name}"`).all())).digest('hex')]))
}

/** The irreversible routes that read no body, each as the owner would call it. */
const ROUTES: [string, string, string][] = [
  ['an erasure', 'DELETE', '/api/admin/sites/acme/subjects/visitor-0001'],
  ['a member’s removal', 'DELETE', '/api/admin/sites/acme/members/EDITOR'],
  ['an invitation’s cancelling', 'DELETE', '/api/admin/sites/acme/invitations/pending%40acme.test'],
  ['a site’s deletion', 'DELETE', '/api/admin/sites/shop'],
]
const urlOf = (path: string) => path.replace('EDITOR', String(editorId))
const withBody = (method: string, body: string, type: string | null = 'application/json'): RequestInit => ({ method, body, headers: type ? { 'Content-Type': type } : {} })

describe('a body on an admin route that reads none', () => {
  it.each(ROUTES)('is refused 422 naming each key, and %s does nothing', async (_what, method, path) => {
    const before = dbState()
    const res = await owner.request(urlOf(path), withBody(method, JSON.stringify({ dryRun: true, reason: 'test' })))
    expect(res.status).toBe(422)
    const { error } = apiError.parse(await res.json())
    expect(error.code).toBe('invalid')
    expect(error.message).toContain('"dryRun"')
    expect(error.issues?.map((i) => i.path)).toEqual(['dryRun', 'reason'])
    expect(dbState()).toEqual(before)
  })

  it.each(ROUTES)('is refused 422 when it is not a JSON object with keys, and %s does nothing', async (_what, method, path) => {
    const before = dbState()
    for (const [body, type] of [
      // What `curl -X DELETE -d dryRun=true` sends.
      ['dryRun=true', 'application/x-www-form-urlencoded'],
      ['{"dryRun":true}', 'application/x-www-form-urlencoded'],
      ['{"dryRun":true}', null],
      ['{"dryRun":', 'application/json'],
      ['[{"dryRun":true}]', 'application/json'],
      ['true', 'application/json'],
      ['"dryRun"', 'application/json'],
      ['null', 'application/json'],
      ['dry run', 'text/plain'],
    ] as const) {
      const res = await owner.request(urlOf(path), withBody(method, body, type))
      expect([body, type, res.status]).toEqual([body, type, 422])
      const { error } = apiError.parse(await res.json())
      expect([body, error.code]).toEqual([body, 'invalid'])
      expect(error.message).toMatch(/reads no body/)
    }
    expect(dbState()).toEqual(before)
  })

  it.each(ROUTES.flatMap(([what, method, path]) => ['{}', ' { } ', '', ' \r\n'].map((body) => [what, JSON.stringify(body), method, path, body])))(
    '%s goes ahead with a body that says nothing: %s',
    async (_what, _shown, method, path, body) => {
      const before = dbState()
      const res = await owner.request(urlOf(path), withBody(method, body))
      expect(res.status).toBeLessThan(300)
      expect(dbState()).not.toEqual(before)
    },
  )

  it('on a sign-out is refused, and the session goes on; {} signs out', async () => {
    const refused = await owner.request('/api/admin/logout', withBody('POST', '{"everywhere":true}'))
    expect(refused.status).toBe(422)
    expect(apiError.parse(await refused.json()).error.issues?.map((i) => i.path)).toEqual(['everywhere'])
    expect((await owner.request('/api/admin/me')).status).toBe(200)
    expect((await owner.request('/api/admin/logout', withBody('POST', '{}'))).status).toBe(204)
    expect((await owner.request('/api/admin/me')).status).toBe(401)
  })

  it('on a sign-out without a session is refused as signed in, and does nothing: no session ends, no cookie is cleared', async () => {
    // A body of each kind, as a signed-in sign-out refuses it; the session it was sent in goes on.
    const bodies: [string, () => RequestInit][] = [
      ['a JSON object', () => withBody('POST', '{"everywhere":true}')],
      ['malformed JSON', () => withBody('POST', '{"everywhere":')],
      ['a form', () => withBody('POST', 'everywhere=true', 'application/x-www-form-urlencoded')],
      ['text', () => withBody('POST', 'everywhere', 'text/plain')],
      ['Latin-1, not UTF-8', () => ({ method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: new Uint8Array([0x43, 0x61, 0x66, 0xe9]) })],
      ['over 1 MB, of no declared length', () => withBody('POST', `{"pad":"${'x'.repeat(1024 * 1024)}"}`)],
    ]
    const answerOf = async (res: Response) => [res.status, res.status < 400 ? null : apiError.parse(await res.json()).error.code, res.headers.get('set-cookie')]
    const signedIn: (string | number | null)[][] = []
    for (const [what, init] of bodies) signedIn.push([what, ...(await answerOf(await owner.request('/api/admin/logout', init())))])
    expect(signedIn.map(([what, status]) => [what, status])).toEqual(bodies.map(([what]) => [what, what.startsWith('over') ? 413 : what.startsWith('Latin') ? 400 : 422]))
    expect((await owner.request('/api/admin/me')).status).toBe(200)
    // Without a session: no cookie, one of a session that has ended, and two (the owner's and a
    // planted one), which is no session, where a sign-out ends the sessions both name.
    const ended = await signIn(t, 'editor@acme.test', 'editor password 1')
    expect((await ended.request('/api/admin/logout', { method: 'POST' })).status).toBe(204)
    for (const [who, cookie] of [
      ['no session cookie', null],
      ['the cookie of an ended session', ended.cookie],
      ['two session cookies', `mc_session=planted; ${owner.cookie}`],
    ] as const) {
      for (const [what, init] of bodies) {
        const request = init()
        const res = await t.request('/api/admin/logout', cookie ? { ...request, headers: { ...(request.headers as Record<string, string>), Cookie: cookie } } : request)
        const [status, code, setCookie] = await answerOf(res)
        const [, signedInStatus, signedInCode] = signedIn.find(([w]) => w === what)!
        // Two cookies are cleared whatever the route answers (loadSession): the browser carries no session.
        expect([who, what, status, code, setCookie]).toEqual([who, what, signedInStatus, signedInCode, cookie?.includes('planted') ? expect.stringMatching(/^mc_session=;/) : null])
      }
    }
    expect((await owner.request('/api/admin/me')).status).toBe(200)
    // Without a body, or with `{}`, it signs out as before.
    expect((await t.request('/api/admin/logout', withBody('POST', '{}'))).status).toBe(204)
    expect((await t.request('/api/admin/logout', { method: 'POST', headers: { Cookie: `mc_session=planted; ${owner.cookie}` } })).status).toBe(204)
    expect((await owner.request('/api/admin/me')).status).toBe(401)
  })

  it('is read as before on the routes that read one: a misspelt field is still named by their own schema', async () => {
    const res = await owner.request(`/api/admin/sites/acme/members/${editorId}`, send('PATCH', { role: 'auditor', dryRun: true }))
    expect(res.status).toBe(422)
    expect(apiError.parse(await res.json()).error.issues?.map((i) => i.path)).toEqual(['dryRun'])
    // The catalogue import reads its file itself: a CSV body is no body it refuses.
    const imported = await owner.request('/api/admin/sites/acme/catalogue/import?format=csv', withBody('POST', 'category,name,provider,expiry\nessential,session,Acme,1d\n', 'text/csv'))
    expect(imported.status).toBe(200)
  })

  it('is documented: every admin operation that changes something and reads no body lists its 422', async () => {
    const doc = (await (await t.request('/api/openapi.json')).json()) as { paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, { description: string }> }>> }
    const bodyless = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method, op]) => path.startsWith('/api/admin/') && method !== 'get' && !op.requestBody)
        .map(([method, op]) => [`${method} ${path}`, op.responses['422']?.description ?? null] as const),
    )
    expect(bodyless.map(([key]) => key).sort()).toEqual([
      'delete /api/admin/sites/{siteId}',
      'delete /api/admin/sites/{siteId}/invitations/{email}',
      'delete /api/admin/sites/{siteId}/members/{userId}',
      'delete /api/admin/sites/{siteId}/subjects/{consentId}',
      'post /api/admin/logout',
    ])
    for (const [key, description] of bodyless) expect([key, description]).toEqual([key, expect.stringContaining('reads no body')])
  })
})
