import { scrypt } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { apiError, chainVerification, consentLogPage, me } from '@miniconsent/shared'
import { hashPassword } from '../lib/password'

// What a test runs once a sign-in's password check has finished with the hash it read, before the
// route goes on: the moment another request may change the stored hash.
const afterCheck = vi.hoisted(() => ({ run: null as null | (() => void) }))
vi.mock('../lib/password', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../lib/password')>()
  return {
    ...actual,
    checkSignIn: async (...args: Parameters<typeof actual.checkSignIn>) => {
      const ok = await actual.checkSignIn(...args)
      const run = afterCheck.run
      afterCheck.run = null
      run?.()
      return ok
    },
  }
})
import { addUser, consentBody, json, startTestServer, type TestServer } from '../test-support'

let t: TestServer
const OWNER = { email: 'owner@acme.test', password: 'correct horse battery' }

beforeEach(async () => {
  t = startTestServer()
  await addUser(t.db, OWNER.email, OWNER.password, { acme: 'owner' })
  await addUser(t.db, 'auditor@notice.test', 'auditor password', { 'notice-only': 'auditor' })
})
afterEach(() => t.close())

async function login(credentials = OWNER, ip?: string) {
  const res = await t.request('/api/admin/login', json(credentials), ip)
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!
  return { res, cookie }
}

describe('admin sign-in', () => {
  it('signs in with the right password: a strict HttpOnly session cookie and Me with a CSRF token', async () => {
    const { res, cookie } = await login()
    expect(res.status).toBe(200)
    const setCookie = res.headers.get('set-cookie')!
    expect(setCookie).toMatch(/^mc_session=[\w-]{40,};/)
    expect(setCookie).toMatch(/HttpOnly/)
    expect(setCookie).toMatch(/SameSite=Strict/)
    expect(setCookie).toMatch(/Path=\//)
    expect(setCookie).not.toMatch(/Secure/)
    const body = me.parse(await res.json())
    expect(body.user.email).toBe(OWNER.email)
    expect(body.sites).toEqual([{ id: 'acme', name: 'Acme', role: 'owner' }])

    const again = await t.request('/api/admin/me', { headers: { Cookie: cookie } })
    expect(again.status).toBe(200)
    expect(me.parse(await again.json()).csrfToken).toBe(body.csrfToken)
  })

  // Today's parameters (OWASP's minimum) are checked in password.test.ts; here the tests' lower N.
  it('hashes passwords at the parameters of the day, and hashes a password stored with weaker parameters again at its next sign-in', async () => {
    const stored = () => (t.db.$client.prepare('SELECT password_hash AS h FROM users WHERE email = ?').get(OWNER.email) as { h: string }).h
    const today = (await hashPassword('any')).split('$').slice(0, 4).join('$') + '$'
    expect(stored().startsWith(today)).toBe(true)
    // As 0.8.4 stored it: N=2^14, r=8, p=1 (a fifth of the work).
    const weak = await new Promise<string>((resolve, reject) =>
      scrypt(OWNER.password.normalize('NFKC'), Buffer.from('0123456789abcdef'), 64, { N: 16384, r: 8, p: 1 }, (err, key) =>
        err ? reject(err) : resolve(['scrypt', 16384, 8, 1, Buffer.from('0123456789abcdef').toString('base64url'), key.toString('base64url')].join('$')),
      ),
    )
    t.db.$client.prepare('UPDATE users SET password_hash = ? WHERE email = ?').run(weak, OWNER.email)
    expect((await login({ ...OWNER, password: 'not the password' })).res.status).toBe(401)
    expect(stored()).toBe(weak)
    expect((await login()).res.status).toBe(200)
    expect(stored().startsWith(today)).toBe(true)
    expect((await login()).res.status).toBe(200)
  })

  it('signs in a second sign-in whose checked hash another sign-in replaced by a rehash of the same password meanwhile', async () => {
    const weakHash = (params: { N: number; r: number; p: number }, password: string) =>
      new Promise<string>((resolve, reject) =>
        scrypt(password.normalize('NFKC'), Buffer.from('0123456789abcdef'), 64, { ...params, maxmem: 256 * params.N * params.r * params.p }, (err, key) =>
          err ? reject(err) : resolve(['scrypt', params.N, params.r, params.p, Buffer.from('0123456789abcdef').toString('base64url'), key.toString('base64url')].join('$')),
        ),
      )
    const weak = () => weakHash({ N: 16384, r: 8, p: 1 }, OWNER.password)
    const setHash = (hash: string) => t.db.$client.prepare('UPDATE users SET password_hash = ? WHERE email = ?').run(hash, OWNER.email)
    // The stored old hash is replaced by a rehash of the same password while this sign-in checks it.
    setHash(await weak())
    const rehashed = await hashPassword(OWNER.password)
    afterCheck.run = () => setHash(rehashed)
    expect((await login()).res.status).toBe(200)
    expect(afterCheck.run).toBeNull()
    // A password changed meanwhile is still refused.
    setHash(await weak())
    const changed = await hashPassword('another password 1')
    afterCheck.run = () => setHash(changed)
    expect((await login()).res.status).toBe(401)
    expect(afterCheck.run).toBeNull()
  })

  it('marks the cookie Secure behind https', async () => {
    const res = await t.app.request('https://consent.acme.test/api/admin/login', json(OWNER))
    expect(res.headers.get('set-cookie')).toMatch(/Secure/)
  })

  it('ends the session the browser held when someone signs in over it, another user or the same', async () => {
    await addUser(t.db, 'editor@acme.test', 'editor password 1', { acme: 'editor' })
    const a = await login()
    const res = await t.request('/api/admin/login', { ...json({ email: 'editor@acme.test', password: 'editor password 1' }), headers: { 'Content-Type': 'application/json', Cookie: a.cookie } })
    expect(res.status).toBe(200)
    const b = (res.headers.get('set-cookie') ?? '').split(';')[0]!
    // The owner's token, copied before, no longer opens a session; the editor's does.
    expect((await t.request('/api/admin/me', { headers: { Cookie: a.cookie } })).status).toBe(401)
    expect(me.parse(await (await t.request('/api/admin/me', { headers: { Cookie: b } })).json()).user.email).toBe('editor@acme.test')
    const again = await t.request('/api/admin/login', { ...json({ email: 'editor@acme.test', password: 'editor password 1' }), headers: { 'Content-Type': 'application/json', Cookie: b } })
    expect(again.status).toBe(200)
    expect((await t.request('/api/admin/me', { headers: { Cookie: b } })).status).toBe(401)
    // A failed sign-in leaves the session as it was.
    const c = (again.headers.get('set-cookie') ?? '').split(';')[0]!
    const failed = await t.request('/api/admin/login', { ...json({ email: 'editor@acme.test', password: 'wrong' }), headers: { 'Content-Type': 'application/json', Cookie: c } })
    expect(failed.status).toBe(401)
    expect((await t.request('/api/admin/me', { headers: { Cookie: c } })).status).toBe(200)
  })

  it('answers 401 for a wrong password or an unknown e-mail, and 400 for a malformed body', async () => {
    const wrong = await login({ ...OWNER, password: 'wrong' })
    expect(wrong.res.status).toBe(401)
    expect(wrong.res.headers.get('set-cookie')).toBeNull()
    expect(apiError.parse(await wrong.res.json()).error.code).toBe('invalid_credentials')
    expect((await login({ email: 'nobody@acme.test', password: 'x' })).res.status).toBe(401)
    expect((await t.request('/api/admin/login', json({ email: 'not an email' }))).status).toBe(400)
    // A key sign-in does not read is named, as on every admin route, and nobody is signed in.
    const extra = await t.request('/api/admin/login', json({ ...OWNER, remember: true }))
    expect(extra.status).toBe(422)
    expect(extra.headers.get('set-cookie')).toBeNull()
    expect(apiError.parse(await extra.json()).error.message).toBe('The request has a field a sign-in does not have, first remember: check the spelling, or remove it')
    // Named along with a field refused, in the same 422 (before, a 400 naming the e-mail alone).
    const both = await t.request('/api/admin/login', json({ email: 'not an email', password: 'x', remember: true }))
    expect(both.status).toBe(422)
    expect(both.headers.get('set-cookie')).toBeNull()
    expect(apiError.parse(await both.json()).error.issues?.map((i) => i.path)).toEqual(['email', 'remember'])
  })

  it('throttles after 5 failures for that e-mail and network, even for the right password', async () => {
    for (let i = 0; i < 5; i++) expect((await login({ ...OWNER, password: `guess-${i}` }, '192.0.2.9')).res.status).toBe(401)
    const blocked = await login(OWNER, '192.0.2.9')
    expect(blocked.res.status).toBe(429)
    expect(apiError.parse(await blocked.res.json()).error.code).toBe('too_many_attempts')
    expect(Number(blocked.res.headers.get('retry-after'))).toBeGreaterThan(60)
    // Another address is not locked out, nor another account; the lock lifts after 15 minutes.
    expect((await login(OWNER, '192.0.2.10')).res.status).toBe(200)
    expect((await login({ email: 'auditor@notice.test', password: 'auditor password' }, '192.0.2.9')).res.status).toBe(200)
    t.clock.now += 15 * 60 * 1000 + 1
    expect((await login(OWNER, '192.0.2.9')).res.status).toBe(200)
  })

  it('counts every address of an IPv6 /64 as one network: 12 guesses from fresh addresses are stopped after 5', async () => {
    const statuses: number[] = []
    for (let i = 1; i <= 12; i++) statuses.push((await login({ ...OWNER, password: `guess-${i}` }, `2001:db8:aa:bb:${i.toString(16)}::1`)).res.status)
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429, 429, 429, 429])
    expect((await login(OWNER, '2001:db8:aa:bb:ffff:ffff:ffff:ffff')).res.status).toBe(429)
    // The neighbouring /64 is someone else.
    expect((await login(OWNER, '2001:db8:aa:bc::1')).res.status).toBe(200)
  })

  it('stops a guesser spread over many networks after 30 failures for the account, until they are 15 minutes old', async () => {
    for (let i = 0; i < 30; i++) {
      expect((await login({ ...OWNER, password: `guess-${i}` }, `198.51.100.${i}`)).res.status).toBe(401)
      t.clock.now += 10_000
    }
    // Now even the owner, with the right password from a network never used, waits.
    const blocked = await login(OWNER, '192.0.2.200')
    expect(blocked.res.status).toBe(429)
    expect(blocked.res.headers.get('set-cookie')).toBeNull()
    // Other accounts are not affected.
    expect((await login({ email: 'auditor@notice.test', password: 'auditor password' }, '198.51.100.1')).res.status).toBe(200)
    // The oldest failures age out one by one: once the first is 15 minutes old, the right password works.
    t.clock.now += 15 * 60 * 1000 - 30 * 10_000 + 1
    expect((await login(OWNER, '192.0.2.200')).res.status).toBe(200)
  })

  it('counts guesses sent in parallel: a burst of 40 wrong and the right password gets 5 checks, then 429', async () => {
    const burst = Array.from({ length: 40 }, (_, i) => login({ ...OWNER, password: `guess-${i}` }, '192.0.2.9'))
    burst.push(login(OWNER, '192.0.2.9'))
    const results = await Promise.all(burst)
    const statuses = results.map((r) => r.res.status)
    expect(statuses.filter((s) => s === 401)).toHaveLength(5)
    expect(statuses.filter((s) => s === 429)).toHaveLength(36)
    // The right password came too late: no session for the guesser.
    expect(statuses.at(-1)).toBe(429)
    expect(results.every((r) => r.res.headers.get('set-cookie') === null)).toBe(true)
    // Refused while the 5 checks ran, it was told to try again in a second; now that they have
    // failed, the lock is theirs: until the first is 15 minutes old.
    expect(results.at(-1)!.res.headers.get('retry-after')).toBe('1')
    const after = await login(OWNER, '192.0.2.9')
    expect(after.res.status).toBe(429)
    expect(Number(after.res.headers.get('retry-after'))).toBeGreaterThan(60)

    // Within the limit, the right password in a burst still signs in.
    const typos = await Promise.all([login({ ...OWNER, password: 'typo 1' }, '192.0.2.10'), login({ ...OWNER, password: 'typo 2' }, '192.0.2.10'), login(OWNER, '192.0.2.10')])
    expect(typos.map((r) => r.res.status)).toEqual([401, 401, 200])
  })

  it('refuses a sixth sign-in made while 5 are checked with Retry-After 1, not 15 minutes: no failure was recorded, and the next one signs in', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => login()))
    expect(results.map((r) => r.res.status).sort()).toEqual([200, 200, 200, 200, 200, 429])
    const refused = results.find((r) => r.res.status === 429)!
    expect(apiError.parse(await refused.res.json()).error.code).toBe('too_many_attempts')
    expect(refused.res.headers.get('retry-after')).toBe('1')
    expect((await login()).res.status).toBe(200)
  })

  it('says what locked the sign-in: checks still running are not called failed sign-ins, a lock of failures is', async () => {
    // Six at once with the right password: the sixth is refused while the first 5 are checked.
    const parallel = await Promise.all(Array.from({ length: 6 }, () => login()))
    const refused = parallel.find((r) => r.res.status === 429)!
    expect(refused.res.headers.get('retry-after')).toBe('1')
    // Before, "Too many failed sign-ins; try again later": none had failed, and none was to.
    expect(apiError.parse(await refused.res.json()).error).toEqual({
      code: 'too_many_attempts',
      message: 'Too many sign-ins are being checked at once; try again in a second',
    })

    // Five wrong passwords: the lock is theirs, and says so.
    for (let i = 0; i < 5; i++) expect((await login({ ...OWNER, password: `guess-${i}` }, '192.0.2.9')).res.status).toBe(401)
    const locked = await login(OWNER, '192.0.2.9')
    expect(locked.res.status).toBe(429)
    expect(Number(locked.res.headers.get('retry-after'))).toBeGreaterThan(60)
    expect(apiError.parse(await locked.res.json()).error.message).toBe('Too many failed sign-ins; try again later')
  })

  it('counts parallel guesses from many networks against the account: 30 checks, then 429', async () => {
    const statuses = (await Promise.all(Array.from({ length: 40 }, (_, i) => login({ ...OWNER, password: `guess-${i}` }, `198.51.100.${i}`)))).map((r) => r.res.status)
    expect(statuses.filter((s) => s === 401)).toHaveLength(30)
    expect(statuses.filter((s) => s === 429)).toHaveLength(10)
    expect((await login(OWNER, '192.0.2.200')).res.status).toBe(429)
  })

  it('opens no session for a sign-in whose password was changed while it was being checked', async () => {
    const changed = await hashPassword('a brand new password')
    // Changed once the sign-in's check of the old password has finished, before the route goes on
    // (three event-loop turns after the request, as this was, let a loaded machine finish first).
    afterCheck.run = () => t.db.$client.prepare('UPDATE users SET password_hash = ? WHERE email = ?').run(changed, OWNER.email)
    const { res, cookie } = await login()
    expect(afterCheck.run).toBeNull()
    expect(res.status).toBe(401)
    expect(cookie).toBe('')
    expect(t.db.$client.prepare('SELECT count(*) AS n FROM sessions').get()).toEqual({ n: 0 })
    // The new password signs in.
    expect((await login({ ...OWNER, password: 'a brand new password' })).res.status).toBe(200)
  })

  it('answers 401 unauthenticated without a session, and after logout', async () => {
    const anonymous = await t.request('/api/admin/me')
    expect(anonymous.status).toBe(401)
    expect(apiError.parse(await anonymous.json()).error.code).toBe('unauthenticated')

    const { res, cookie } = await login()
    const { csrfToken } = me.parse(await res.json())
    const out = await t.request('/api/admin/logout', { method: 'POST', headers: { Cookie: cookie, 'X-CSRF-Token': csrfToken } })
    expect(out.status).toBe(204)
    expect(out.headers.get('set-cookie')).toMatch(/^mc_session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Strict$/)
    expect((await t.request('/api/admin/me', { headers: { Cookie: cookie } })).status).toBe(401)
    // A cookie whose session has ended is cleared too.
    const ended = await t.request('/api/admin/logout', { method: 'POST', headers: { Cookie: cookie } })
    expect([ended.status, ended.headers.get('set-cookie')]).toEqual([204, expect.stringMatching(/^mc_session=;/)])
  })

  it('clears no cookie for a sign-out that carried none: a page of another site cannot sign the dashboard out', async () => {
    const { res, cookie } = await login()
    const { csrfToken } = me.parse(await res.json())
    // A form on another site posts here: the SameSite=Strict cookie stays in the browser, unsent.
    // One without fields is a sign-out without a session (204); one with a field, a body this route
    // does not read (422).
    for (const [body, status] of [['', 204], ['a=b', 422]] as const) {
      const crossSite = await t.request('/api/admin/logout', { method: 'POST', headers: { 'Content-Type': 'text/plain', 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' }, body })
      expect([body, crossSite.status]).toEqual([body, status])
      // Before, its answer deleted the cookie (a browser applies it on the form's navigation).
      expect(crossSite.headers.get('set-cookie')).toBeNull()
    }
    expect((await t.request('/api/admin/me', { headers: { Cookie: cookie } })).status).toBe(200)
    expect((await t.request('/api/admin/logout', { method: 'POST', headers: { Cookie: cookie, 'X-CSRF-Token': csrfToken } })).status).toBe(204)
  })

  it('expires sessions after 12 hours', async () => {
    const { cookie } = await login()
    t.clock.now += 12 * 60 * 60 * 1000 + 1
    expect((await t.request('/api/admin/me', { headers: { Cookie: cookie } })).status).toBe(401)
  })

  it('refuses a state-changing request without the CSRF token (403), keeping the session', async () => {
    const { cookie } = await login()
    const missing = await t.request('/api/admin/logout', { method: 'POST', headers: { Cookie: cookie } })
    expect(missing.status).toBe(403)
    expect(apiError.parse(await missing.json()).error.code).toBe('csrf_invalid')
    const wrong = await t.request('/api/admin/logout', { method: 'POST', headers: { Cookie: cookie, 'X-CSRF-Token': 'forged' } })
    expect(wrong.status).toBe(403)
    expect((await t.request('/api/admin/me', { headers: { Cookie: cookie } })).status).toBe(200)
  })
})

describe('a second session cookie, set by another subdomain for the parent domain', () => {
  // Browsers send a cookie of a longer Path first: another subdomain of the same site can set
  // `mc_session=…; Domain=<parent>; Path=/api/admin` and have it sent before the dashboard's own.
  it('over plain HTTP: a request carrying two session cookies has none, and the answer clears the cookie', async () => {
    const signedIn = await login()
    const victim = signedIn.cookie
    const { csrfToken } = me.parse(await signedIn.res.json())
    const mallory = (await login({ email: 'auditor@notice.test', password: 'auditor password' })).cookie
    for (const [what, cookies] of [
      ['mallory’s own session first', `${mallory}; ${victim}`],
      ['mallory’s own session after', `${victim}; ${mallory}`],
      ['junk first', `mc_session=junk; ${victim}`],
    ] as const) {
      const res = await t.request('/api/admin/me', { headers: { Cookie: cookies } })
      expect(res.status, what).toBe(401)
      expect(res.headers.get('set-cookie'), what).toMatch(/^mc_session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Strict$/)
      // Nor is a change made, even with the victim's CSRF token.
      const change = await t.request('/api/admin/sites/acme/invitations', { ...json({ email: 'x@acme.test', role: 'owner' }), headers: { 'Content-Type': 'application/json', Cookie: cookies, 'X-CSRF-Token': csrfToken } })
      expect(change.status, what).toBe(401)
    }
    // The sessions themselves go on (the browser that carried both is the one signed out).
    expect((await t.request('/api/admin/me', { headers: { Cookie: victim } })).status).toBe(200)
    expect((await t.request('/api/admin/me', { headers: { Cookie: mallory } })).status).toBe(200)
  })

  it('over HTTPS: the cookie is `__Host-mc_session` (Secure, Path=/, no Domain), which another subdomain cannot set; an `mc_session` beside it is not read', async () => {
    const res = await t.request('https://localhost/api/admin/login', json(OWNER))
    expect(res.status).toBe(200)
    const setCookie = res.headers.get('set-cookie')!
    expect(setCookie).toMatch(/^__Host-mc_session=[\w-]{40,}; Max-Age=43200; Path=\/; HttpOnly; Secure; SameSite=Strict$/)
    const victim = setCookie.split(';')[0]!
    const { csrfToken } = me.parse(await res.json())
    const mallory = (await login({ email: 'auditor@notice.test', password: 'auditor password' })).cookie
    expect(mallory).toMatch(/^mc_session=/)
    for (const cookies of [`${mallory}; ${victim}`, `mc_session=junk; ${victim}`]) {
      const mine = await t.request('https://localhost/api/admin/me', { headers: { Cookie: cookies } })
      expect(mine.status, cookies).toBe(200)
      expect(me.parse(await mine.json()).user.email, cookies).toBe(OWNER.email)
    }
    // Over HTTPS a plain `mc_session` is no session, however valid its token.
    expect((await t.request('https://localhost/api/admin/me', { headers: { Cookie: mallory } })).status).toBe(401)
    // Signing out clears the cookie under its own name.
    const out = await t.request('https://localhost/api/admin/logout', { method: 'POST', headers: { Cookie: `${mallory}; ${victim}`, 'X-CSRF-Token': csrfToken } })
    expect(out.status).toBe(204)
    expect(out.headers.get('set-cookie')).toMatch(/^__Host-mc_session=; Max-Age=0; Path=\/; HttpOnly; Secure; SameSite=Strict$/)
    expect((await t.request('https://localhost/api/admin/me', { headers: { Cookie: victim } })).status).toBe(401)
  })

  it('over HTTPS, accepting an invitation and changing the password set `__Host-mc_session` too', async () => {
    const signedIn = await t.request('https://localhost/api/admin/login', json(OWNER))
    const owner = { Cookie: signedIn.headers.get('set-cookie')!.split(';')[0]!, 'X-CSRF-Token': me.parse(await signedIn.json()).csrfToken, 'Content-Type': 'application/json' }
    const invited = await t.request('https://localhost/api/admin/sites/acme/invitations', { method: 'POST', headers: owner, body: JSON.stringify({ email: 'new@acme.test', role: 'editor' }) })
    const link = ((await invited.json()) as { inviteUrl: string }).inviteUrl.split('/invite/')[1]!
    const accepted = await t.request(`https://localhost/api/admin/invitations/${link}/accept`, json({ password: 'a long new password' }))
    expect(accepted.headers.get('set-cookie')).toMatch(/^__Host-mc_session=[\w-]{40,}; Max-Age=43200; Path=\/; HttpOnly; Secure; SameSite=Strict$/)
    const newcomer = { Cookie: accepted.headers.get('set-cookie')!.split(';')[0]!, 'X-CSRF-Token': me.parse(await accepted.json()).csrfToken, 'Content-Type': 'application/json' }
    const changed = await t.request('https://localhost/api/admin/password', { method: 'POST', headers: newcomer, body: JSON.stringify({ currentPassword: 'a long new password', newPassword: 'another long password' }) })
    expect(changed.status).toBe(200)
    expect(changed.headers.get('set-cookie')).toMatch(/^__Host-mc_session=[\w-]{40,}; Max-Age=43200; Path=\/; HttpOnly; Secure; SameSite=Strict$/)
  })

  it('signing out with two session cookies ends the sessions both name: the real one is signed out on the server too', async () => {
    const victim = (await login()).cookie
    const mallory = (await login({ email: 'auditor@notice.test', password: 'auditor password' })).cookie
    const other = (await login()).cookie
    for (const [what, cookies, ended] of [
      ['junk first', `mc_session=junk; ${victim}`, [victim]],
      ['another account’s session first', `${mallory}; ${other}`, [mallory, other]],
    ] as const) {
      const out = await t.request('/api/admin/logout', { method: 'POST', headers: { Cookie: cookies } })
      expect(out.status, what).toBe(204)
      expect(out.headers.get('set-cookie'), what).toMatch(/^mc_session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Strict$/)
      for (const cookie of ended) expect((await t.request('/api/admin/me', { headers: { Cookie: cookie } })).status, what).toBe(401)
    }
  })

  it('signing in with two session cookies ends the sessions both name, over HTTP and HTTPS', async () => {
    const before = (await login()).cookie
    const signedIn = await t.request('/api/admin/login', json(OWNER, { Cookie: `mc_session=junk; ${before}` }))
    expect(signedIn.status).toBe(200)
    // The answer clears the cookie (loadSession, for the two), then sets the new one: the last counts.
    const after = signedIn.headers.getSetCookie().at(-1)!.split(';')[0]!
    expect(after).toMatch(/^mc_session=[\w-]{40,}$/)
    expect((await t.request('/api/admin/me', { headers: { Cookie: before } })).status).toBe(401)
    expect((await t.request('/api/admin/me', { headers: { Cookie: after } })).status).toBe(200)

    const first = (await t.request('https://localhost/api/admin/login', json(OWNER))).headers.get('set-cookie')!.split(';')[0]!
    const second = (await t.request('https://localhost/api/admin/login', json(OWNER))).headers.get('set-cookie')!.split(';')[0]!
    const again = await t.request('https://localhost/api/admin/login', json(OWNER, { Cookie: `${first}; ${second}` }))
    expect(again.status).toBe(200)
    for (const cookie of [first, second]) expect((await t.request('https://localhost/api/admin/me', { headers: { Cookie: cookie } })).status).toBe(401)
    // A plain `mc_session` carried over HTTPS is not this server's session cookie there: not ended.
    const third = await t.request('https://localhost/api/admin/login', json(OWNER, { Cookie: after }))
    expect(third.status).toBe(200)
    expect((await t.request('/api/admin/me', { headers: { Cookie: after } })).status).toBe(200)
  })

  it('over HTTPS, two `__Host-mc_session` cookies are no session either', async () => {
    const first = (await t.request('https://localhost/api/admin/login', json(OWNER))).headers.get('set-cookie')!.split(';')[0]!
    const second = (await t.request('https://localhost/api/admin/login', json(OWNER))).headers.get('set-cookie')!.split(';')[0]!
    const res = await t.request('https://localhost/api/admin/me', { headers: { Cookie: `${first}; ${second}` } })
    expect(res.status).toBe(401)
    expect(res.headers.get('set-cookie')).toMatch(/^__Host-mc_session=; Max-Age=0; Path=\/; HttpOnly; Secure; SameSite=Strict$/)
  })
})

describe('GET /api/admin/sites/:siteId/consents', () => {
  let cookie: string
  beforeEach(async () => {
    for (let i = 0; i < 7; i++) {
      t.clock.now += 1000
      const consentId = i % 3 === 0 ? 'visitor-three' : `visitor-other-${i}`
      expect((await t.request('/api/v1/consents', json(consentBody({ consentId })), `192.0.2.${i}`)).status).toBe(201)
    }
    cookie = (await login()).cookie
  })

  it('lists records newest first, page by page with nextBefore', async () => {
    const first = consentLogPage.parse(await (await t.request('/api/admin/sites/acme/consents?limit=3', { headers: { Cookie: cookie } })).json())
    expect(first.records.map((r) => r.seq)).toEqual([7, 6, 5])
    expect(first).toMatchObject({ total: 7, nextBefore: 5 })
    const second = consentLogPage.parse(
      await (await t.request(`/api/admin/sites/acme/consents?limit=3&before=${first.nextBefore}`, { headers: { Cookie: cookie } })).json(),
    )
    expect(second.records.map((r) => r.seq)).toEqual([4, 3, 2])
    const last = consentLogPage.parse(await (await t.request('/api/admin/sites/acme/consents?limit=3&before=2', { headers: { Cookie: cookie } })).json())
    expect(last.records.map((r) => r.seq)).toEqual([1])
    expect(last.nextBefore).toBeNull()
  })

  it('filters by consentId', async () => {
    const res = await t.request('/api/admin/sites/acme/consents?consentId=visitor-three', { headers: { Cookie: cookie } })
    const page = consentLogPage.parse(await res.json())
    expect(page.records.map((r) => r.seq)).toEqual([7, 4, 1])
    expect(page.records.every((r) => r.consentId === 'visitor-three')).toBe(true)
    expect(page.total).toBe(3)
  })

  it('answers 403 to a user who is not a member of the site, 401 without a session, 400 for a bad limit', async () => {
    const outsider = (await login({ email: 'auditor@notice.test', password: 'auditor password' })).cookie
    const res = await t.request('/api/admin/sites/acme/consents', { headers: { Cookie: outsider } })
    expect(res.status).toBe(403)
    expect(apiError.parse(await res.json()).error.code).toBe('forbidden')
    expect((await t.request('/api/admin/sites/notice-only/consents', { headers: { Cookie: outsider } })).status).toBe(200)
    expect((await t.request('/api/admin/sites/acme/consents')).status).toBe(401)
    expect((await t.request('/api/admin/sites/acme/consents?limit=0', { headers: { Cookie: cookie } })).status).toBe(400)
  })

  it('verifies the chain for any member', async () => {
    const res = await t.request('/api/admin/sites/acme/verify', { headers: { Cookie: cookie } })
    expect(res.status).toBe(200)
    const body = chainVerification.parse(await res.json())
    expect(body).toMatchObject({ ok: true, count: 7 })
    expect(body.head).toMatch(/^[a-f0-9]{64}$/)
    const outsider = (await login({ email: 'auditor@notice.test', password: 'auditor password' })).cookie
    expect((await t.request('/api/admin/sites/acme/verify', { headers: { Cookie: outsider } })).status).toBe(403)
  })
})
