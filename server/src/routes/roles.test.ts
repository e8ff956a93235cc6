// SPEC §8: every admin route checks the role *and* the site. One table, every identity.
import type { Role } from '@miniconsent/shared'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
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
  { method: 'PUT', path: '/api/admin/sites/acme/settings', body: { name: 'Acme', domains: ['acme.test', 'localhost'], retentionDays: 1 }, roles: OWNER },
  { method: 'PUT', path: '/api/admin/sites/acme/settings', body: { name: 'Acme', domains: ['acme.test', 'localhost'], ipPolicy: 'none' }, roles: OWNER },
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
  // The role is checked before the manifest is looked up: an allowed reader gets 404 for an unknown one.
  { method: 'GET', path: '/api/admin/sites/acme/exports/no-such-export/manifest', roles: LOG, allowedStatus: 404 },
  // Last: the owner's request deletes acme (it has no consent records here), after which the rows above would find no site.
  { method: 'DELETE', path: '/api/admin/sites/acme', roles: OWNER, allowedStatus: 204 },
]

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

it('the password change needs a session, and the invitation pages none', async () => {
  expect((await t.request('/api/admin/password', send('POST', { currentPassword: 'x', newPassword: 'y'.repeat(12) }))).status).toBe(401)
  expect((await t.request('/api/admin/invitations/' + 'x'.repeat(43))).status).toBe(404)
  expect((await t.request(`/api/admin/invitations/${'x'.repeat(43)}/accept`, send('POST', { password: 'y'.repeat(12) }))).status).toBe(404)
})

it('a state change without the CSRF token is refused even for an owner', async () => {
  const { cookie } = await signIn(t, 'owner@acme.test', 'owner password 1')
  const res = await t.request('/api/admin/sites/acme/publish', { ...send('POST', {}), headers: { Cookie: cookie, 'Content-Type': 'application/json' } })
  expect(res.status).toBe(403)
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
  }
})
