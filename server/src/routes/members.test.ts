import { apiError, auditPage, invitationCreated, invitationInfo, me, memberList } from '@miniconsent/shared'
import { eq } from 'drizzle-orm'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { invitations } from '../db/schema'
import { sha256 } from '../services/accounts'
import { addUser, json, send, sessionOf, signIn, startTestServer, type AdminSession, type TestServer } from '../test-support'

// What a test awaits once a password change's new password is hashed, before the change is
// written: the moment another request may end the session or change the password.
const afterHash = vi.hoisted(() => ({ hold: null as null | (() => Promise<void>) }))
vi.mock('../lib/password', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../lib/password')>()
  return {
    ...actual,
    hashPassword: async (password: string) => {
      const hash = await actual.hashPassword(password)
      const hold = afterHash.hold
      afterHash.hold = null
      await hold?.()
      return hash
    },
  }
})

let t: TestServer
let owner: AdminSession
let ownerId: number

beforeEach(async () => {
  t = startTestServer()
  ownerId = (await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })).id
  owner = await signIn(t, 'owner@acme.test', 'owner password 1')
})
afterEach(() => t.close())

async function invite(email: string, role: string) {
  const res = await owner.request('/api/admin/sites/acme/invitations', send('POST', { email, role }))
  return { status: res.status, body: invitationCreated.parse(await res.json()) }
}
const tokenOf = (url: string) => url.split('/invite/')[1]!

describe('invitations', () => {
  it('invites a new person with a link: they see the site, choose a password and are signed in as editor', async () => {
    const { status, body } = await invite('New.Editor@Acme.test', 'editor')
    expect(status).toBe(201)
    expect(body.inviteUrl).toMatch(/^http:\/\/localhost\/invite\/[\w-]{43}$/)
    const token = tokenOf(body.inviteUrl)
    // Only a hash of the token is stored.
    const rows = t.db.select().from(invitations).all()
    expect(rows.map((r) => r.tokenHash)).toEqual([sha256(token)])

    const list = memberList.parse(await (await owner.request('/api/admin/sites/acme/members')).json())
    expect(list.invitations).toEqual([{ email: 'new.editor@acme.test', role: 'editor', createdAt: '2026-11-22T10:00:00.000Z', expiresAt: '2026-11-29T10:00:00.000Z' }])

    const info = await t.request(`/api/admin/invitations/${token}`)
    expect(invitationInfo.parse(await info.json())).toEqual({ email: 'new.editor@acme.test', siteName: 'Acme', role: 'editor', hasAccount: false })

    const short = await t.request(`/api/admin/invitations/${token}/accept`, json({ password: 'too short' }))
    expect(short.status).toBe(422)
    expect(apiError.parse(await short.json()).error.issues?.[0]?.path).toBe('password')

    const accepted = await t.request(`/api/admin/invitations/${token}/accept`, json({ password: 'a long new password' }))
    expect(accepted.status).toBe(200)
    expect(me.parse(await accepted.json()).sites).toEqual([{ id: 'acme', name: 'Acme', role: 'editor' }])
    const cookie = accepted.headers.get('set-cookie')!.split(';')[0]!
    expect((await t.request('/api/admin/me', { headers: { Cookie: cookie } })).status).toBe(200)
    await signIn(t, 'new.editor@acme.test', 'a long new password')

    // A link works once.
    expect((await t.request(`/api/admin/invitations/${token}`)).status).toBe(404)
    expect((await t.request(`/api/admin/invitations/${token}/accept`, json({ password: 'a long new password' }))).status).toBe(404)
    const after = memberList.parse(await (await owner.request('/api/admin/sites/acme/members')).json())
    expect(after.invitations).toEqual([])
    expect(after.members.map((m) => [m.email, m.role])).toEqual([
      ['new.editor@acme.test', 'editor'],
      ['owner@acme.test', 'owner'],
    ])
  })

  it('makes the link from PUBLIC_URL when it is set, not from the Host a proxy passed on', async () => {
    t.close()
    t = startTestServer({ env: { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: undefined, TRUST_PROXY: false, PUBLIC_URL: 'https://consent.acme.test' } })
    await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
    owner = await signIn(t, 'owner@acme.test', 'owner password 1')
    // As a proxy that rewrites Host to its upstream's would hand the request on.
    const res = await owner.request('http://127.0.0.1:8787/api/admin/sites/acme/invitations', send('POST', { email: 'new@acme.test', role: 'editor' }))
    expect(res.status).toBe(201)
    const { inviteUrl } = invitationCreated.parse(await res.json())
    expect(inviteUrl).toMatch(/^https:\/\/consent\.acme\.test\/invite\/[\w-]{43}$/)
    expect((await t.request(`/api/admin/invitations/${tokenOf(inviteUrl)}`)).status).toBe(200)
  })

  it('expires links after 7 days, and a new invitation replaces the pending one, which the audit log shows', async () => {
    const first = await invite('late@acme.test', 'auditor')
    t.clock.now += 60 * 60 * 1000
    const second = await invite('late@acme.test', 'editor')
    expect((await t.request(`/api/admin/invitations/${tokenOf(first.body.inviteUrl)}`)).status).toBe(404)
    const audit = auditPage.parse(await (await owner.request('/api/admin/sites/acme/audit?action=invitation')).json())
    expect(audit.entries.map((e) => [e.action, e.before, e.after])).toEqual([
      [
        'invitation.create',
        { email: 'late@acme.test', role: 'auditor', expiresAt: '2026-11-29T10:00:00.000Z' },
        { email: 'late@acme.test', role: 'editor', expiresAt: '2026-11-29T11:00:00.000Z' },
      ],
      ['invitation.create', null, { email: 'late@acme.test', role: 'auditor', expiresAt: '2026-11-29T10:00:00.000Z' }],
    ])
    t.clock.now += 7 * 24 * 60 * 60 * 1000 + 1
    const expired = await t.request(`/api/admin/invitations/${tokenOf(second.body.inviteUrl)}/accept`, json({ password: 'a long new password' }))
    expect(expired.status).toBe(404)
    expect(apiError.parse(await expired.json()).error.code).toBe('invitation_not_found')
  })

  it('names no replaced invitation in the audit log when the one before had expired, and its link stays dead', async () => {
    const first = await invite('new@acme.test', 'editor')
    t.clock.now += 8 * 24 * 60 * 60 * 1000
    owner = await signIn(t, 'owner@acme.test', 'owner password 1')
    expect((await t.request(`/api/admin/invitations/${tokenOf(first.body.inviteUrl)}`)).status).toBe(404)
    expect(memberList.parse(await (await owner.request('/api/admin/sites/acme/members')).json()).invitations).toEqual([])
    const second = await invite('new@acme.test', 'auditor')
    expect(second.status).toBe(201)
    const audit = auditPage.parse(await (await owner.request('/api/admin/sites/acme/audit?action=invitation')).json())
    // The expired link was replaced by nothing: nobody could have used it when this was sent.
    expect(audit.entries[0]).toMatchObject({ action: 'invitation.create', before: null, after: { email: 'new@acme.test', role: 'auditor', expiresAt: '2026-12-07T10:00:00.000Z' } })
    // The expired row is gone all the same: only the new invitation is stored for the address.
    expect(t.db.select().from(invitations).where(eq(invitations.email, 'new@acme.test')).all().map((r) => r.role)).toEqual(['auditor'])
    expect((await t.request(`/api/admin/invitations/${tokenOf(first.body.inviteUrl)}`)).status).toBe(404)
  })

  it('never adds an existing account at once: someone who registered the address first does not join', async () => {
    // Mallory owns another site. She invites ceo@acme.test there, opens the link herself and sets
    // the password: the account for that address is hers.
    await addUser(t.db, 'mallory@evil.test', 'mallory password', { 'notice-only': 'owner' })
    const mallory = await signIn(t, 'mallory@evil.test', 'mallory password')
    const squat = invitationCreated.parse(
      await (await mallory.request('/api/admin/sites/notice-only/invitations', send('POST', { email: 'ceo@acme.test', role: 'owner' }))).json(),
    )
    expect((await t.request(`/api/admin/invitations/${tokenOf(squat.inviteUrl)}/accept`, json({ password: 'mallory knows this' }))).status).toBe(200)

    // Acme's owner invites the CEO: a link, not a membership.
    const { status, body } = await invite('ceo@acme.test', 'owner')
    expect(status).toBe(201)
    expect(body).toEqual({ inviteUrl: expect.stringMatching(/\/invite\/[\w-]{43}$/) })
    const list = memberList.parse(await (await owner.request('/api/admin/sites/acme/members')).json())
    expect(list.members.map((m) => m.email)).toEqual(['owner@acme.test'])
    expect(list.invitations.map((i) => [i.email, i.role])).toEqual([['ceo@acme.test', 'owner']])
    const squatter = await signIn(t, 'ceo@acme.test', 'mallory knows this')
    expect(me.parse(await (await squatter.request('/api/admin/me')).json()).sites.map((s) => s.id)).toEqual(['notice-only'])
    expect((await squatter.request('/api/admin/sites/acme/members')).status).toBe(403)

    // The link says the address has an account and takes only its password. The real CEO, who
    // does not know it, cannot join that account to Acme, and knows something is wrong.
    const token = tokenOf(body.inviteUrl)
    expect(invitationInfo.parse(await (await t.request(`/api/admin/invitations/${token}`)).json())).toMatchObject({ hasAccount: true })
    const wrong = await t.request(`/api/admin/invitations/${token}/accept`, json({ password: 'the ceo’s own password' }))
    expect(wrong.status).toBe(401)
    expect(apiError.parse(await wrong.json()).error.message).toMatch(/already has an account/)
    expect(memberList.parse(await (await owner.request('/api/admin/sites/acme/members')).json()).members).toHaveLength(1)

    const again = await owner.request('/api/admin/sites/acme/invitations', send('POST', { email: 'owner@acme.test', role: 'editor' }))
    expect(again.status).toBe(409)
    expect(apiError.parse(await again.json()).error.code).toBe('already_member')
  })

  it('joins an existing account with its own password, even one older than the length rule', async () => {
    const other = await addUser(t.db, 'someone@other.test', '8 chars!', { 'notice-only': 'editor' })
    const { body } = await invite('someone@other.test', 'auditor')
    const token = tokenOf(body.inviteUrl)
    expect((await t.request(`/api/admin/invitations/${token}/accept`, json({ password: 'not the right one' }))).status).toBe(401)
    const right = await t.request(`/api/admin/invitations/${token}/accept`, json({ password: '8 chars!' }))
    expect(right.status).toBe(200)
    const joined = me.parse(await right.json())
    expect(joined.user.id).toBe(other.id)
    expect(joined.sites.map((s) => [s.id, s.role])).toEqual([
      ['acme', 'auditor'],
      ['notice-only', 'editor'],
    ])
  })

  it('asks a person who signed up meanwhile for their existing password', async () => {
    const { body } = await invite('both@acme.test', 'editor')
    await addUser(t.db, 'both@acme.test', 'existing password', {})
    const wrong = await t.request(`/api/admin/invitations/${tokenOf(body.inviteUrl)}/accept`, json({ password: 'not the right one' }))
    expect(wrong.status).toBe(401)
    const right = await t.request(`/api/admin/invitations/${tokenOf(body.inviteUrl)}/accept`, json({ password: 'existing password' }))
    expect(right.status).toBe(200)
    expect(me.parse(await right.json()).sites.map((s) => s.role)).toEqual(['editor'])
  })

  it('two links for one new address accepted at once: the second does not sign in to the account the first created', async () => {
    await addUser(t.db, 'mallory@evil.test', 'mallory password', { 'notice-only': 'owner' })
    const mallory = await signIn(t, 'mallory@evil.test', 'mallory password')
    const ours = tokenOf((await invite('ceo@acme.test', 'owner')).body.inviteUrl)
    const hers = tokenOf(
      invitationCreated.parse(await (await mallory.request('/api/admin/sites/notice-only/invitations', send('POST', { email: 'ceo@acme.test', role: 'auditor' }))).json()).inviteUrl,
    )
    const passwords = { [ours]: 'the ceo secret password', [hers]: 'mallory chose this one' }
    const [a, b] = await Promise.all([ours, hers].map((token) => t.request(`/api/admin/invitations/${token}/accept`, json({ password: passwords[token] }))))
    expect([a!.status, b!.status].sort()).toEqual([200, 401])
    const [won, lost] = a!.status === 200 ? [ours, hers] : [hers, ours]
    const refused = a!.status === 200 ? b! : a!
    expect(apiError.parse(await refused.json()).error.code).toBe('invalid_credentials')
    expect(refused.headers.get('set-cookie')).toBeNull()
    // The account has the winner's password only, and the loser's link is still unused: it takes that password.
    expect((await t.request('/api/admin/login', json({ email: 'ceo@acme.test', password: passwords[lost] }))).status).toBe(401)
    await signIn(t, 'ceo@acme.test', passwords[won]!)
    expect(invitationInfo.parse(await (await t.request(`/api/admin/invitations/${lost}`)).json())).toMatchObject({ hasAccount: true })
    const joined = await t.request(`/api/admin/invitations/${lost}/accept`, json({ password: passwords[won] }))
    expect(me.parse(await joined.json()).sites.map((s) => s.id)).toEqual(['acme', 'notice-only'])
  })

  it('throttles password guesses on the link like sign-ins, and counts both together', async () => {
    await addUser(t.db, 'target@other.test', 'target password 1', {})
    const token = tokenOf((await invite('target@other.test', 'editor')).body.inviteUrl)
    const accept = (password: string, ip: string) => t.request(`/api/admin/invitations/${token}/accept`, json({ password }), ip)
    // Rotating addresses inside one IPv6 /64 is the same network.
    for (let i = 0; i < 5; i++) expect((await accept(`guess ${i}`, `2001:db8:1:2::${i + 1}`)).status).toBe(401)
    const blocked = await accept('target password 1', '2001:db8:1:2::99')
    expect(blocked.status).toBe(429)
    expect(apiError.parse(await blocked.json()).error.code).toBe('too_many_attempts')
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(60)
    // The sign-in form is locked for that account from that network too…
    expect((await t.request('/api/admin/login', json({ email: 'target@other.test', password: 'target password 1' }), '2001:db8:1:2::7')).status).toBe(429)
    // …and failed sign-ins count against the link: 4 there and 1 here make 5.
    for (let i = 0; i < 4; i++) expect((await t.request('/api/admin/login', json({ email: 'target@other.test', password: `guess ${i}` }), '192.0.2.5')).status).toBe(401)
    expect((await accept('guess 5', '192.0.2.5')).status).toBe(401)
    expect((await accept('target password 1', '192.0.2.5')).status).toBe(429)
    // Once the window has passed, the right password joins.
    t.clock.now += 15 * 60 * 1000 + 1
    expect((await accept('target password 1', '2001:db8:1:2::1')).status).toBe(200)
  })

  it('cancels a pending invitation: its link stops working, and the audit log keeps what it was', async () => {
    const { body } = await invite('Cancel.Me@acme.test', 'editor')
    const token = tokenOf(body.inviteUrl)
    const path = `/api/admin/sites/acme/invitations/${encodeURIComponent('cancel.me@acme.test')}`
    // Like every state change, it needs the CSRF token.
    expect((await t.request(path, { method: 'DELETE', headers: { Cookie: owner.cookie } })).status).toBe(403)
    expect((await owner.request(path, send('DELETE'))).status).toBe(204)

    expect((await t.request(`/api/admin/invitations/${token}`)).status).toBe(404)
    expect((await t.request(`/api/admin/invitations/${token}/accept`, json({ password: 'a long new password' }))).status).toBe(404)
    expect(memberList.parse(await (await owner.request('/api/admin/sites/acme/members')).json()).invitations).toEqual([])
    const audit = auditPage.parse(await (await owner.request('/api/admin/sites/acme/audit?action=invitation')).json())
    expect(audit.entries[0]).toMatchObject({
      action: 'invitation.cancel',
      user: 'owner@acme.test',
      before: { email: 'cancel.me@acme.test', role: 'editor', expiresAt: '2026-11-29T10:00:00.000Z' },
      after: null,
    })

    const again = await owner.request(path, send('DELETE'))
    expect(again.status).toBe(404)
    expect(apiError.parse(await again.json()).error.code).toBe('invitation_not_found')
    // An accepted invitation is no longer pending, nor is an expired one.
    const accepted = tokenOf((await invite('joined@acme.test', 'auditor')).body.inviteUrl)
    expect((await t.request(`/api/admin/invitations/${accepted}/accept`, json({ password: 'a long new password' }))).status).toBe(200)
    expect((await owner.request('/api/admin/sites/acme/invitations/joined%40acme.test', send('DELETE'))).status).toBe(404)
    await invite('late@acme.test', 'auditor')
    t.clock.now += 7 * 24 * 60 * 60 * 1000 + 1
    const later = await signIn(t, 'owner@acme.test', 'owner password 1')
    expect((await later.request('/api/admin/sites/acme/invitations/late%40acme.test', send('DELETE'))).status).toBe(404)
  })

  it('validates the invitation form field by field', async () => {
    const res = await owner.request('/api/admin/sites/acme/invitations', send('POST', { email: 'nope', role: 'admin' }))
    expect(res.status).toBe(422)
    expect(apiError.parse(await res.json()).error.issues?.map((i) => i.path).sort()).toEqual(['email', 'role'])
  })
})

describe('members', () => {
  it('changes roles and removes members, never the last owner', async () => {
    const editor = await addUser(t.db, 'editor@acme.test', 'editor password 1', { acme: 'editor' })
    const demote = await owner.request(`/api/admin/sites/acme/members/${ownerId}`, send('PATCH', { role: 'editor' }))
    expect(demote.status).toBe(409)
    expect(apiError.parse(await demote.json()).error.code).toBe('last_owner')
    expect((await owner.request(`/api/admin/sites/acme/members/${ownerId}`, send('DELETE'))).status).toBe(409)

    const promote = await owner.request(`/api/admin/sites/acme/members/${editor.id}`, send('PATCH', { role: 'owner' }))
    expect(promote.status).toBe(200)
    // With a second owner, the first may step down.
    expect((await owner.request(`/api/admin/sites/acme/members/${ownerId}`, send('PATCH', { role: 'auditor' }))).status).toBe(200)
    expect((await owner.request('/api/admin/sites/acme/members')).status).toBe(403)

    const newOwner = await signIn(t, 'editor@acme.test', 'editor password 1')
    expect((await newOwner.request(`/api/admin/sites/acme/members/${ownerId}`, send('DELETE'))).status).toBe(204)
    const list = memberList.parse(await (await newOwner.request('/api/admin/sites/acme/members')).json())
    expect(list.members).toEqual([{ userId: editor.id, email: 'editor@acme.test', role: 'owner' }])
    expect((await newOwner.request('/api/admin/sites/acme/members/999', send('DELETE'))).status).toBe(404)

    const audit = auditPage.parse(await (await newOwner.request('/api/admin/sites/acme/audit?action=member')).json())
    expect(audit.entries.map((e) => [e.action, e.user])).toEqual([
      ['member.remove', 'editor@acme.test'],
      ['member.role', 'owner@acme.test'],
      ['member.role', 'owner@acme.test'],
    ])
    expect(audit.entries[1]).toMatchObject({ before: { role: 'owner' }, after: { role: 'auditor' } })
  })
})

/**
 * A request body sent in two parts, the second only once `release()` is called: a client holding
 * it back. Its Content-Length is sent, as a client does, so that the body limit lets it through
 * unread.
 */
function heldBody(first: string, rest: string | Uint8Array): { init: RequestInit; release: () => void } {
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  const encoder = new TextEncoder()
  const [head, tail] = [encoder.encode(first), typeof rest === 'string' ? encoder.encode(rest) : rest]
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(head)
      await released
      controller.enqueue(tail)
      controller.close()
    },
  })
  const length = String(head.length + tail.length)
  return { init: { body, duplex: 'half', headers: { 'Content-Type': 'application/json', 'Content-Length': length } } as RequestInit, release }
}

describe('a change whose body arrives late', () => {
  it('is judged on the role its author holds once the body has arrived: a demoted owner cannot promote themselves back', async () => {
    const second = await addUser(t.db, 'second@acme.test', 'second password 1', { acme: 'owner' })
    const secondSession = await signIn(t, 'second@acme.test', 'second password 1')
    const held = heldBody('{"role":', '"owner"}')
    const answer = secondSession.request(`/api/admin/sites/acme/members/${second.id}`, { ...held.init, method: 'PATCH' })
    expect((await owner.request(`/api/admin/sites/acme/members/${second.id}`, send('PATCH', { role: 'editor' }))).status).toBe(200)
    held.release()
    const res = await answer
    expect(res.status).toBe(403)
    const list = memberList.parse(await (await owner.request('/api/admin/sites/acme/members')).json())
    expect(list.members.find((m) => m.userId === second.id)?.role).toBe('editor')
  })

  it('is refused 403 or 401 whatever its body when its author was demoted or signed out meanwhile, not for a body the route does not read', async () => {
    const second = await addUser(t.db, 'second@acme.test', 'second password 1', { acme: 'owner' })
    const spare = await addUser(t.db, 'spare@acme.test', 'spare password 1', { acme: 'auditor' })
    const member = `/api/admin/sites/acme/members/${spare.id}`
    // A body the removal does not read, a query it does not read, and a role change not in UTF-8 ("editör" in Latin-1).
    const cases: [string, string, string, () => ReturnType<typeof heldBody>][] = [
      ['a body', 'DELETE', member, () => heldBody('{"dryRun":', 'true}')],
      ['a query', 'DELETE', `${member}?dryRun=true`, () => heldBody('{', '}')],
      ['Latin-1', 'PATCH', member, () => heldBody('{"role":"edit', new Uint8Array([0xf6, 0x72, 0x22, 0x7d]))],
    ]
    const answers: unknown[][] = []
    const expected: unknown[][] = []
    for (const [what, method, path, hold] of cases) {
      for (const [how, takeAway, answer] of [
        ['demoted', () => owner.request(`/api/admin/sites/acme/members/${second.id}`, send('PATCH', { role: 'editor' })), [403, 'forbidden']],
        ['signed out', (session: AdminSession) => session.request('/api/admin/logout', { method: 'POST' }), [401, 'unauthenticated']],
      ] as const) {
        // An owner when the headers arrive.
        expect((await owner.request(`/api/admin/sites/acme/members/${second.id}`, send('PATCH', { role: 'owner' }))).status).toBe(200)
        const secondSession = await signIn(t, 'second@acme.test', 'second password 1')
        const held = hold()
        const res = secondSession.request(path, { ...held.init, method })
        expect((await takeAway(secondSession)).status).toBeLessThan(300)
        held.release()
        const refused = await res
        answers.push([what, how, refused.status, apiError.parse(await refused.json()).error.code])
        expected.push([what, how, ...answer])
      }
    }
    expect(answers).toEqual(expected)
    const list = memberList.parse(await (await owner.request('/api/admin/sites/acme/members')).json())
    expect(list.members.find((m) => m.userId === spare.id)?.role).toBe('auditor')
  })

  it('is refused when its session ended meanwhile (signed out)', async () => {
    const held = heldBody('{"email":"late@acme.test",', '"role":"owner"}')
    const answer = owner.request('/api/admin/sites/acme/invitations', { ...held.init, method: 'POST' })
    expect((await owner.request('/api/admin/logout', { method: 'POST' })).status).toBe(204)
    held.release()
    expect((await answer).status).toBe(401)
    expect(t.db.select().from(invitations).all()).toEqual([])
  })
})

describe('invitations of an owner who leaves', () => {
  /** A second owner of Acme, with a link they sent. */
  async function rogueOwner(email = 'rogue@acme.test') {
    const rogue = await addUser(t.db, email, 'rogue password 123', { acme: 'owner' })
    const session = await signIn(t, email, 'rogue password 123')
    const res = await session.request('/api/admin/sites/acme/invitations', send('POST', { email: 'rogue-alt@evil.test', role: 'owner' }))
    return { id: rogue.id, token: tokenOf(invitationCreated.parse(await res.json()).inviteUrl) }
  }

  it('cancels the links an owner sent when they are removed or demoted, in the audit log as cancellations; others’ links hold', async () => {
    const ours = tokenOf((await invite('colleague@acme.test', 'editor')).body.inviteUrl)
    const removed = await rogueOwner()
    expect((await owner.request(`/api/admin/sites/acme/members/${removed.id}`, send('DELETE'))).status).toBe(204)
    const accepted = await t.request(`/api/admin/invitations/${removed.token}/accept`, json({ password: 'a brand new password' }))
    expect(accepted.status).toBe(404)
    expect(accepted.headers.get('set-cookie')).toBeNull()
    expect(memberList.parse(await (await owner.request('/api/admin/sites/acme/members')).json()).invitations.map((i) => i.email)).toEqual(['colleague@acme.test'])
    const audit = auditPage.parse(await (await owner.request('/api/admin/sites/acme/audit')).json())
    expect(audit.entries.slice(0, 2).map((e) => [e.action, e.user, e.before])).toEqual([
      ['invitation.cancel', 'owner@acme.test', { email: 'rogue-alt@evil.test', role: 'owner', expiresAt: '2026-11-29T10:00:00.000Z' }],
      ['member.remove', 'owner@acme.test', { userId: removed.id, email: 'rogue@acme.test', role: 'owner' }],
    ])

    // Demoted to editor: the same. Promoting an editor cancels nothing.
    const demoted = await rogueOwner('rogue2@acme.test')
    expect((await owner.request(`/api/admin/sites/acme/members/${demoted.id}`, send('PATCH', { role: 'editor' }))).status).toBe(200)
    expect((await t.request(`/api/admin/invitations/${demoted.token}`)).status).toBe(404)
    const latest = auditPage.parse(await (await owner.request('/api/admin/sites/acme/audit')).json()).entries[0]
    expect(latest).toMatchObject({ action: 'invitation.cancel', user: 'owner@acme.test', before: { email: 'rogue-alt@evil.test' } })
    expect((await owner.request(`/api/admin/sites/acme/members/${demoted.id}`, send('PATCH', { role: 'owner' }))).status).toBe(200)
    expect((await t.request(`/api/admin/invitations/${ours}/accept`, json({ password: 'a brand new password' }))).status).toBe(200)
  })

  it('refuses a link whose inviter is no longer an owner of the site (410 invitation_revoked), joining nobody', async () => {
    const rogue = await rogueOwner()
    // Demoted without going through the members API (as before links were cancelled on demotion).
    t.db.$client.prepare("UPDATE memberships SET role = 'auditor' WHERE user_id = ?").run(rogue.id)
    const info = await t.request(`/api/admin/invitations/${rogue.token}`)
    expect(info.status).toBe(410)
    expect(apiError.parse(await info.json()).error.code).toBe('invitation_revoked')
    const accepted = await t.request(`/api/admin/invitations/${rogue.token}/accept`, json({ password: 'a brand new password' }))
    expect(accepted.status).toBe(410)
    expect(apiError.parse(await accepted.json()).error.code).toBe('invitation_revoked')
    expect((await t.request('/api/admin/login', json({ email: 'rogue-alt@evil.test', password: 'a brand new password' }))).status).toBe(401)
  })
})

describe('password change', () => {
  it('needs the current password and ends the other sessions', async () => {
    const laptop = await signIn(t, 'owner@acme.test', 'owner password 1')
    const wrong = await owner.request('/api/admin/password', send('POST', { currentPassword: 'guess', newPassword: 'a brand new password' }))
    expect(wrong.status).toBe(422)
    expect(apiError.parse(await wrong.json()).error.issues).toEqual([{ path: 'currentPassword', message: expect.any(String) }])
    const weak = await owner.request('/api/admin/password', send('POST', { currentPassword: 'owner password 1', newPassword: 'short' }))
    expect(apiError.parse(await weak.json()).error.issues?.[0]?.path).toBe('newPassword')

    const ok = await owner.request('/api/admin/password', send('POST', { currentPassword: 'owner password 1', newPassword: 'a brand new password' }))
    expect(ok.status).toBe(200)
    expect((await laptop.request('/api/admin/me')).status).toBe(401)
    await signIn(t, 'owner@acme.test', 'a brand new password')
    expect((await t.request('/api/admin/login', json({ email: 'owner@acme.test', password: 'owner password 1' }))).status).toBe(401)
    expect((await t.request('/api/admin/password', send('POST', { currentPassword: 'x', newPassword: 'a brand new password' }))).status).toBe(401)
  })

  it('ends the changing session too and answers a new one, cookie and CSRF token: a copy of the old cookie is worth nothing', async () => {
    const res = await owner.request('/api/admin/password', send('POST', { currentPassword: 'owner password 1', newPassword: 'a brand new password' }))
    expect(res.status).toBe(200)
    const setCookie = res.headers.get('set-cookie') ?? ''
    expect(setCookie).toMatch(/^mc_session=[\w-]{40,}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/)
    const body = me.parse(await res.json())
    expect(body.user.email).toBe('owner@acme.test')
    expect(body.csrfToken).not.toBe(owner.csrfToken)
    // Whoever copied the old cookie (and its CSRF token, which /me gives) is out.
    expect((await t.request('/api/admin/sites/acme/members', { headers: { Cookie: owner.cookie } })).status).toBe(401)
    expect((await owner.request('/api/admin/sites/acme/invitations', send('POST', { email: 'x@acme.test', role: 'editor' }))).status).toBe(401)
    // The browser that made the change goes on with the new cookie, and only with the new token.
    const renewed = sessionOf(t, setCookie.split(';')[0]!, body.csrfToken)
    expect((await renewed.request('/api/admin/sites/acme/members')).status).toBe(200)
    const oldToken = await renewed.request('/api/admin/sites/acme/invitations', { ...send('POST', { email: 'x@acme.test', role: 'editor' }), headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': owner.csrfToken } })
    expect(oldToken.status).toBe(403)
    expect((await renewed.request('/api/admin/sites/acme/invitations', send('POST', { email: 'x@acme.test', role: 'editor' }))).status).toBe(201)
    // The change is still in the audit log.
    const entries = auditPage.parse(await (await renewed.request('/api/admin/sites/acme/audit')).json()).entries
    expect(entries.map((e) => e.action)).toContain('user.password')
  })

  it('of two changes made at once from two sessions, the first wins and the second is refused', async () => {
    const other = await signIn(t, 'owner@acme.test', 'owner password 1')
    const [mine, theirs] = await Promise.all([
      owner.request('/api/admin/password', send('POST', { currentPassword: 'owner password 1', newPassword: 'the owner new password' })),
      other.request('/api/admin/password', send('POST', { currentPassword: 'owner password 1', newPassword: 'somebody else password' })),
    ])
    expect([mine.status, theirs.status].sort()).toEqual([200, 409])
    const [won, lost] = mine.status === 200 ? ['the owner new password', 'somebody else password'] : ['somebody else password', 'the owner new password']
    expect(apiError.parse(await (mine.status === 409 ? mine : theirs).json()).error.code).toBe('password_changed')
    // The password in force is the one answered as set; the refused one never is.
    expect((await t.request('/api/admin/login', json({ email: 'owner@acme.test', password: won }))).status).toBe(200)
    expect((await t.request('/api/admin/login', json({ email: 'owner@acme.test', password: lost }))).status).toBe(401)
  })

  it('answers 401 unauthenticated, not 409 password_changed, to a change whose session was signed out while it was checked: the password is unchanged', async () => {
    let hashed!: () => void
    const arrived = new Promise<void>((resolve) => (hashed = resolve))
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    afterHash.hold = () => {
      hashed()
      return released
    }
    const change = owner.request('/api/admin/password', send('POST', { currentPassword: 'owner password 1', newPassword: 'a brand new password' }))
    await arrived
    expect((await owner.request('/api/admin/logout', { method: 'POST' })).status).toBe(204)
    release()
    const res = await change
    expect(res.status).toBe(401)
    expect(apiError.parse(await res.json()).error.code).toBe('unauthenticated')
    expect(res.headers.get('set-cookie')).toBeNull()
    // Nobody changed the password: the old one signs in, the new one was never set.
    expect((await t.request('/api/admin/login', json({ email: 'owner@acme.test', password: 'a brand new password' }))).status).toBe(401)
    await signIn(t, 'owner@acme.test', 'owner password 1')
  })

  it('stops guessing the current password after 5 tries', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await owner.request('/api/admin/password', send('POST', { currentPassword: `guess ${i}`, newPassword: 'a brand new password' }))).status).toBe(422)
    }
    const blocked = await owner.request('/api/admin/password', send('POST', { currentPassword: 'owner password 1', newPassword: 'a brand new password' }))
    expect(blocked.status).toBe(429)
    expect(apiError.parse(await blocked.json()).error.message).toBe('Too many wrong passwords; try again later')
    t.clock.now += 15 * 60 * 1000 + 1
    expect((await owner.request('/api/admin/password', send('POST', { currentPassword: 'owner password 1', newPassword: 'a brand new password' }))).status).toBe(200)
  })

  it("counts a session's own guesses: the account's owner, in another session, still changes the password, which ends the guessing one", async () => {
    // A session someone else got hold of.
    const stolen = await signIn(t, 'owner@acme.test', 'owner password 1')
    for (let i = 0; i < 5; i++) {
      expect((await stolen.request('/api/admin/password', send('POST', { currentPassword: `guess ${i}`, newPassword: 'a thief password 1' }))).status).toBe(422)
    }
    expect((await stolen.request('/api/admin/password', send('POST', { currentPassword: 'owner password 1', newPassword: 'a thief password 1' }))).status).toBe(429)
    expect((await owner.request('/api/admin/password', send('POST', { currentPassword: 'owner password 1', newPassword: 'a brand new password' }))).status).toBe(200)
    expect((await stolen.request('/api/admin/me')).status).toBe(401)
  })

  it('counts guesses sent in parallel: 20 at once get 5 checks, the rest 429', async () => {
    const guesses = Array.from({ length: 20 }, (_, i) => owner.request('/api/admin/password', send('POST', { currentPassword: `guess ${i}`, newPassword: 'a brand new password' })))
    guesses.push(owner.request('/api/admin/password', send('POST', { currentPassword: 'owner password 1', newPassword: 'a guessers password' })))
    const answers = await Promise.all(guesses)
    const statuses = answers.map((r) => r.status)
    expect(statuses.filter((s) => s === 422)).toHaveLength(5)
    expect(statuses.filter((s) => s === 429)).toHaveLength(16)
    // Refused while the 5 were checked, none of them known to have failed: the answer says so, not "wrong passwords".
    const refused = await Promise.all(answers.filter((r) => r.status === 429).map(async (r) => [r.headers.get('retry-after'), apiError.parse(await r.json()).error.message]))
    expect(new Set(refused.map((r) => JSON.stringify(r)))).toEqual(
      new Set([JSON.stringify(['1', 'Other changes of password in this session are being checked; try again in a second'])]),
    )
    // The password is unchanged.
    await signIn(t, 'owner@acme.test', 'owner password 1')
  })
})
