// SPEC §8: every admin route checks the role *and* the site. One table, every identity.
import type { Role } from '@miniconsent/shared'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MAX_ADMIN_BODY } from '../lib/validate'
import { ACME, addUser, send, signIn, startTestServer, type TestServer } from '../test-support'

const ANY: Role[] = ['owner', 'editor', 'auditor']
const EDIT: Role[] = ['owner', 'editor']
const OWNER: Role[] = ['owner']
/** Who reads the consent log: owners and auditors; editors see no visitor's data. */
const LOG: Role[] = ['owner', 'auditor']

interface Row {
  method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE'
  path: string
  body?: unknown
  raw?: string
  roles: Role[]
  /** Who the route admits before it reads the body, where the body decides the rest (`roles`). */
  routeRoles?: Role[]
  /** What an allowed request answers, when not 2xx or 409. */
  allowedStatus?: number
}

/** A manifest as an export of acme's empty log would have had it before manifests were signed. */
const UNSIGNED_MANIFEST = {
  exportId: 'exp-unsigned', siteId: 'acme', format: 'csv', filters: {}, rowCount: 0, sha256: 'e'.repeat(64),
  chainHead: { seq: 0, hash: '0'.repeat(64) }, createdAt: '2026-11-22T10:00:00.000Z', createdBy: 'owner@acme.test',
}

// `:spare` is a member each role may change or remove without locking anyone out.
const ROUTES: Row[] = [
  { method: 'GET', path: '/api/admin/sites/acme/catalogue', roles: ANY },
  { method: 'PUT', path: '/api/admin/sites/acme/catalogue/draft', body: { catalogue: ACME.catalogue }, roles: EDIT },
  { method: 'PUT', path: '/api/admin/sites/acme/settings', body: { name: 'Acme', domains: ['acme.test', 'localhost'] }, roles: EDIT },
  // Retention and the IP policy decide what becomes of the audit evidence and of visitors' data:
  // the owner's alone (an editor may save the other settings with them unchanged, as the row above).
  { method: 'PUT', path: '/api/admin/sites/acme/settings', body: { name: 'Acme', domains: ['acme.test', 'localhost'], retentionDays: 1 }, roles: OWNER, routeRoles: EDIT },
  { method: 'PUT', path: '/api/admin/sites/acme/settings', body: { name: 'Acme', domains: ['acme.test', 'localhost'], ipPolicy: 'none' }, roles: OWNER, routeRoles: EDIT },
  { method: 'GET', path: '/api/admin/sites/acme/catalogue/export?format=csv', roles: ANY },
  { method: 'POST', path: '/api/admin/sites/acme/catalogue/import?format=json', raw: JSON.stringify(ACME.catalogue), roles: EDIT },
  { method: 'GET', path: '/api/admin/sites/acme/revisions', roles: ANY },
  { method: 'GET', path: '/api/admin/sites/acme/revisions/1', roles: ANY },
  { method: 'GET', path: '/api/admin/sites/acme/diff', roles: ANY },
  { method: 'POST', path: '/api/admin/sites/acme/publish', body: { note: 'checked' }, roles: EDIT },
  { method: 'POST', path: '/api/admin/sites/acme/rollback', body: { revision: 1 }, roles: EDIT },
  { method: 'GET', path: '/api/admin/sites/acme/audit', roles: LOG },
  { method: 'GET', path: '/api/admin/sites/acme/members', roles: OWNER },
  { method: 'POST', path: '/api/admin/sites/acme/invitations', body: { email: 'invitee@acme.test', role: 'auditor' }, roles: OWNER },
  // Cancels the invitation the row above made (a 404 when there is none would count as a bug).
  { method: 'DELETE', path: '/api/admin/sites/acme/invitations/invitee%40acme.test', roles: OWNER },
  { method: 'PATCH', path: '/api/admin/sites/acme/members/:spare', body: { role: 'editor' }, roles: OWNER },
  { method: 'DELETE', path: '/api/admin/sites/acme/members/:spare', roles: OWNER },
  { method: 'GET', path: '/api/admin/sites/acme/consents', roles: LOG },
  { method: 'GET', path: '/api/admin/sites/acme/verify', roles: LOG },
  // The role is checked before the manifest: an allowed reader gets 422 for this unsigned one.
  { method: 'POST', path: '/api/admin/sites/acme/verify', body: { manifest: UNSIGNED_MANIFEST }, roles: LOG, allowedStatus: 422 },
  { method: 'GET', path: '/api/admin/sites/acme/stats?method=custom', roles: LOG },
  { method: 'GET', path: '/api/admin/sites/acme/export?format=ndjson', roles: LOG },
  { method: 'GET', path: '/api/admin/sites/acme/subjects/visitor-0001', roles: LOG },
  { method: 'GET', path: '/api/admin/sites/acme/subject-users?userId=customer-42', roles: LOG },
  { method: 'GET', path: '/api/admin/sites/acme/subjects/visitor-0001/export', roles: LOG },
  // An erasure of a visitor with no records: the owner's erases nothing, and says so (200).
  { method: 'DELETE', path: '/api/admin/sites/acme/subjects/visitor-0001', roles: OWNER },
  // The role is checked before the manifest is looked up: an allowed reader gets 404 for an unknown one.
  { method: 'GET', path: '/api/admin/sites/acme/exports/no-such-export/manifest', roles: LOG, allowedStatus: 404 },
  // Last: the owner's request deletes acme (it has no consent records here), after which the rows above would find no site.
  { method: 'DELETE', path: '/api/admin/sites/acme', roles: OWNER, allowedStatus: 204 },
]

const OVER_LIMIT = `{"pad":"${'x'.repeat(MAX_ADMIN_BODY)}"}`

/**
 * Bodies no admin change takes, as a client may send them. Whoever may not make the change is told
 * so (401, 403), as with a good body, not what is wrong with this one: a body was refused 422, 400,
 * 413 or 415 before the role and site were looked at (SPEC §8).
 */
const BAD_BODIES: [string, () => RequestInit][] = [
  ['malformed JSON', () => ({ headers: { 'Content-Type': 'application/json' }, body: '{"catalogue":' })],
  ['a key no route reads', () => ({ headers: { 'Content-Type': 'application/json' }, body: '{"misspelt":1}' })],
  ['an array', () => ({ headers: { 'Content-Type': 'application/json' }, body: '[{}]' })],
  ['text/plain', () => ({ headers: { 'Content-Type': 'text/plain' }, body: 'dry run' })],
  ['Latin-1, not UTF-8', () => ({ headers: { 'Content-Type': 'application/json' }, body: new Uint8Array([0x7b, 0x22, 0x6e, 0x6f, 0x74, 0x65, 0x22, 0x3a, 0x22, 0x43, 0x61, 0x66, 0xe9, 0x22, 0x7d]) })],
  ['over 1 MB, of a declared length', () => ({ headers: { 'Content-Type': 'application/json', 'Content-Length': String(OVER_LIMIT.length) }, body: OVER_LIMIT })],
  ['over 1 MB, of no declared length', () => ({ headers: { 'Content-Type': 'application/json' }, body: OVER_LIMIT })],
  ['gzip-compressed', () => ({ headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, body: '{}' })],
]

/** A refusal's status and error code. */
async function answerOf(res: Response): Promise<[number, string | undefined]> {
  const text = await res.text()
  return [res.status, (JSON.parse(text) as { error?: { code?: string } }).error?.code]
}

type Identity = 'none' | Role | 'other-site owner'
const IDENTITIES: Identity[] = ['none', 'auditor', 'editor', 'owner', 'other-site owner']

let t: TestServer
let spareId: number
beforeEach(async () => {
  t = startTestServer()
  await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
  await addUser(t.db, 'editor@acme.test', 'editor password 1', { acme: 'editor' })
  await addUser(t.db, 'auditor@acme.test', 'auditor password 1', { acme: 'auditor' })
  await addUser(t.db, 'stranger@notice.test', 'stranger password', { 'notice-only': 'owner' })
  spareId = (await addUser(t.db, 'spare@acme.test', 'spare password 1', { acme: 'auditor' })).id
})
afterEach(() => t.close())

async function clientFor(identity: Identity) {
  if (identity === 'none') return (path: string, init?: RequestInit) => t.request(path, init)
  const [email, password] =
    identity === 'other-site owner' ? ['stranger@notice.test', 'stranger password'] : [`${identity}@acme.test`, `${identity} password 1`]
  return (await signIn(t, email!, password!)).request
}

describe.each(IDENTITIES)('as %s', (identity) => {
  it('every admin route answers by role and site', async () => {
    const request = await clientFor(identity)
    const seen: string[] = []
    for (const row of ROUTES) {
      const init: RequestInit =
        row.raw !== undefined
          ? { method: row.method, headers: { 'Content-Type': 'application/json' }, body: row.raw }
          : send(row.method, row.body)
      const res = await request(row.path.replace(':spare', String(spareId)), init)
      const expected = identity === 'none' ? 401 : identity === 'other-site owner' || !row.roles.includes(identity) ? 403 : 'allowed'
      const got = res.status === 401 || res.status === 403 ? res.status : 'allowed'
      seen.push(`${row.method} ${row.path} → ${got === 'allowed' ? res.status : got}`)
      expect(got, `${row.method} ${row.path} as ${identity} answered ${res.status}: ${await res.clone().text()}`).toBe(expected)
      // A refusal says why: a member's role does not take this, or the account is no member at all.
      if (got === 403 && res.headers.get('content-type')?.includes('json')) {
        const { message } = ((await res.clone().json()) as { error: { message: string } }).error
        if (identity === 'other-site owner') expect(message, `${row.method} ${row.path}`).toContain('no access to site')
        else expect(message, `${row.method} ${row.path}`).not.toContain('no access')
      }
      // Allowed requests carry valid bodies: anything but 2xx or a 409 conflict would be a bug.
      if (got === 'allowed') expect(row.allowedStatus ? [row.allowedStatus] : [200, 201, 204, 409], `${row.method} ${row.path}`).toContain(res.status)
    }
    expect(seen).toHaveLength(ROUTES.length)
  })
})

// The owner is refused nothing by role or site: only the others have rows here.
describe.each(IDENTITIES.filter((identity) => identity !== 'owner'))('as %s', (identity) => {
  it('every admin change the role or site refuses is refused so whatever its body', async () => {
    const request = await clientFor(identity)
    const refused = ROUTES.filter((row) => row.method !== 'GET' && (identity === 'none' || identity === 'other-site owner' || !(row.routeRoles ?? row.roles).includes(identity)))
    expect(refused.length).toBeGreaterThan(0)
    const answeredOtherwise: string[] = []
    for (const row of refused) {
      const path = row.path.replace(':spare', String(spareId))
      const good = await answerOf(await request(path, row.raw !== undefined ? { method: row.method, headers: { 'Content-Type': 'application/json' }, body: row.raw } : send(row.method, row.body)))
      expect(good, `${row.method} ${row.path} with its good body`).toEqual(identity === 'none' ? [401, 'unauthenticated'] : [403, 'forbidden'])
      for (const [what, init] of BAD_BODIES) {
        const [status, code] = await answerOf(await request(path, { method: row.method, ...init() }))
        if (status !== good[0] || code !== good[1]) answeredOtherwise.push(`${row.method} ${row.path}, ${what}: ${status} ${code}`)
      }
    }
    expect(answeredOtherwise).toEqual([])
  })
})

it('the changes outside a site refuse whoever may not make them so whatever the body', async () => {
  const editor = await signIn(t, 'editor@acme.test', 'editor password 1')
  const newSite = send('POST', { id: 'shop', name: 'Shop', domains: ['shop.test'] })
  const password = send('POST', { currentPassword: 'owner password 1', newPassword: 'y'.repeat(12) })
  // A site is created by the server's administrator and the owners of a site: not by an editor.
  for (const [who, request, path, good, answer] of [
    ['no session', t.request, '/api/admin/sites', newSite, [401, 'unauthenticated']],
    ['an editor', editor.request, '/api/admin/sites', newSite, [403, 'forbidden']],
    ['no session', t.request, '/api/admin/password', password, [401, 'unauthenticated']],
  ] as const) {
    expect([who, path, ...(await answerOf(await request(path, good)))]).toEqual([who, path, ...answer])
    for (const [what, init] of BAD_BODIES) {
      expect([who, path, what, ...(await answerOf(await request(path, { method: 'POST', ...init() })))]).toEqual([who, path, what, ...answer])
    }
  }
})

it('the password change needs a session, and the invitation pages none', async () => {
  expect((await t.request('/api/admin/password', send('POST', { currentPassword: 'x', newPassword: 'y'.repeat(12) }))).status).toBe(401)
  expect((await t.request('/api/admin/invitations/' + 'x'.repeat(43))).status).toBe(404)
  expect((await t.request(`/api/admin/invitations/${'x'.repeat(43)}/accept`, send('POST', { password: 'y'.repeat(12) }))).status).toBe(404)
})

it('a state change without the CSRF token is refused even for an owner', async () => {
  const { cookie } = await signIn(t, 'owner@acme.test', 'owner password 1')
  const res = await t.request('/api/admin/sites/acme/publish', { ...send('POST', {}), headers: { Cookie: cookie, 'Content-Type': 'application/json' } })
  expect(res.status).toBe(403)
  // The token is checked before the role and site, whatever the body: its refusal says nothing of either.
  for (const [email, password] of [['auditor@acme.test', 'auditor password 1'], ['stranger@notice.test', 'stranger password']]) {
    const other = await signIn(t, email!, password!)
    for (const [what, init] of [['a good body', () => send('POST', {})], ...BAD_BODIES] as const) {
      const refused = await t.request('/api/admin/sites/acme/publish', { ...init(), method: 'POST', headers: { ...init().headers, Cookie: other.cookie } })
      expect([email, what, ...(await answerOf(refused))]).toEqual([email, what, 403, 'csrf_invalid'])
    }
  }
})

it('every /api/admin/sites/:siteId route in the app is in the table or refuses strangers', async () => {
  // Routes added later (by anyone) are at least checked for 401 without a session and 403 for another site's owner.
  const stranger = await signIn(t, 'stranger@notice.test', 'stranger password')
  const routes = t.app.routes.filter((r) => r.path.startsWith('/api/admin/sites/:siteId') && r.method !== 'ALL')
  expect(routes.length).toBeGreaterThanOrEqual(ROUTES.length)
  for (const r of routes) {
    const path = r.path.replace(':siteId', 'acme').replace(/:(\w+)(\{[^}]*\})?/g, '1')
    const anonymous = await t.request(path, send(r.method))
    expect(anonymous.status, `${r.method} ${r.path} without a session`).toBe(401)
    const foreign = await stranger.request(path, send(r.method))
    expect(foreign.status, `${r.method} ${r.path} as another site's owner`).toBe(403)
    // A change is refused so whatever its body.
    if (r.method === 'GET') continue
    for (const [what, init] of BAD_BODIES) {
      expect([what, (await t.request(path, { method: r.method, ...init() })).status], `${r.method} ${r.path} without a session`).toEqual([what, 401])
      expect([what, (await stranger.request(path, { method: r.method, ...init() })).status], `${r.method} ${r.path} as another site's owner`).toEqual([what, 403])
    }
  }
})
