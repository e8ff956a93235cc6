// The admin API client and the session's CSRF token: a password changed in another tab gives the
// browser a new session (the cookie is shared) whose token this tab has not seen yet.
import { describe, expect, it, vi } from 'vitest'
import { ApiRequestError, createApiClient } from './api'
import { ME, errorBody, json, on, stubApi } from './test-support'

const STALE = ME.csrfToken
const FRESH = 'csrf-token-after-password-change'
const MEMBER_PATH = '/api/admin/sites/minimagic/members/7'

/** A client, and its callbacks. */
function newClient() {
  const onUnauthorized = vi.fn()
  const onForbidden = vi.fn()
  const client = createApiClient({ onUnauthorized, onForbidden })
  return { client, onUnauthorized, onForbidden }
}

const refused = () => errorBody(403, 'csrf_invalid', 'Missing or wrong X-CSRF-Token header')
const changesOf = (requests: { method: string; url: URL; headers: Headers }[]) =>
  requests.filter((r) => r.method === 'PUT').map((r) => r.headers.get('X-CSRF-Token'))

describe('a change refused for its CSRF token (403 csrf_invalid)', () => {
  it('reloads the session and sends the change again, once, with its new token: the change succeeds', async () => {
    let token = STALE
    const { requests } = stubApi(
      on('GET', '/api/admin/me', () => json({ ...ME, csrfToken: token })),
      on('PUT', MEMBER_PATH, (req) => (req.headers.get('X-CSRF-Token') === FRESH ? json({ ok: true }) : refused())),
    )
    const { client, onForbidden, onUnauthorized } = newClient()
    await client.me()
    // Another tab changes the password: the browser now carries the new session.
    token = FRESH
    const answer = await client.request(MEMBER_PATH.replace('/api/admin', ''), null, { method: 'PUT', body: { role: 'editor' } })
    expect(answer).toBeUndefined()
    expect(changesOf(requests)).toEqual([STALE, FRESH])
    // The same body both times.
    expect(requests.filter((r) => r.method === 'PUT').map((r) => (r as { body: unknown }).body)).toEqual([{ role: 'editor' }, { role: 'editor' }])
    expect(onForbidden).not.toHaveBeenCalled()
    expect(onUnauthorized).not.toHaveBeenCalled()
    // Later changes send the new token from the start.
    await client.request(MEMBER_PATH.replace('/api/admin', ''), null, { method: 'PUT', body: { role: 'auditor' } })
    expect(changesOf(requests)).toEqual([STALE, FRESH, FRESH])
  })

  it('shows the refusal when the change sent again is refused again, without asking a third time', async () => {
    const { requests } = stubApi(
      on('GET', '/api/admin/me', () => json({ ...ME, csrfToken: FRESH })),
      on('PUT', MEMBER_PATH, refused),
    )
    const { client, onForbidden } = newClient()
    await client.me()
    const error = await client.request(MEMBER_PATH.replace('/api/admin', ''), null, { method: 'PUT', body: { role: 'editor' } }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiRequestError)
    expect(error).toMatchObject({ status: 403, code: 'csrf_invalid' })
    expect(changesOf(requests)).toEqual([FRESH, FRESH])
    expect(requests.filter((r) => r.url.pathname === '/api/admin/me')).toHaveLength(2)
    expect(onForbidden).toHaveBeenCalledTimes(1)
  })

  it('is not sent again as another account: signed in as someone else in another tab, the refusal is shown and the session reloaded', async () => {
    let who = ME
    const { requests } = stubApi(
      on('GET', '/api/admin/me', () => json(who)),
      on('PUT', MEMBER_PATH, (req) => (req.headers.get('X-CSRF-Token') === FRESH ? json({ ok: true }) : refused())),
    )
    const { client, onForbidden } = newClient()
    await client.me()
    who = { ...ME, user: { id: ME.user.id + 1, email: 'someone-else@acme.test' }, csrfToken: FRESH }
    const error = await client.request(MEMBER_PATH.replace('/api/admin', ''), null, { method: 'PUT', body: { role: 'editor' } }).catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 403, code: 'csrf_invalid' })
    // Sent once, with this tab's token: never again with the other account's.
    expect(changesOf(requests)).toEqual([STALE])
    expect(onForbidden).toHaveBeenCalledTimes(1)
  })

  it('is not sent again as another account found while it was on its way: the account is the one it was sent as', async () => {
    let who = ME
    const B = { ...ME, user: { id: ME.user.id + 1, email: 'someone-else@acme.test' }, csrfToken: FRESH }
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const { requests } = stubApi(
      on('GET', '/api/admin/me', () => json(who)),
      on('GET', '/api/admin/sites/minopa/consents', () => errorBody(403, 'forbidden', 'Not a member of this site')),
      on('PUT', MEMBER_PATH, async (req) => {
        if (req.headers.get('X-CSRF-Token') === FRESH) return json({ ok: true })
        await held
        return refused()
      }),
    )
    // As the App wires it: a 403 reloads the session (reloadRoles).
    let reloaded: Promise<unknown> = Promise.resolve()
    const client = createApiClient({ onUnauthorized: () => {}, onForbidden: () => (reloaded = client.me()) })
    await client.me()
    // This tab's change goes with this tab's token; the server is slow to answer it.
    const change = client.request(MEMBER_PATH.replace('/api/admin', ''), null, { method: 'PUT', body: { role: 'owner' } }).catch((e: unknown) => e)
    // Meanwhile someone else signs in in another tab, and this tab learns it (another read refused, the session reloaded).
    who = B
    await client.request('/sites/minopa/consents', null).catch(() => undefined)
    await reloaded
    release()
    expect(await change).toMatchObject({ status: 403, code: 'csrf_invalid' })
    // Before, the client compared with the account it knew when the refusal came (B's, by then) and sent it again with B's token.
    expect(changesOf(requests)).toEqual([STALE])
  })

  it('is not sent again when the session has ended meanwhile: the sign-in is asked for', async () => {
    let signedIn = true
    const { requests } = stubApi(
      on('GET', '/api/admin/me', () => (signedIn ? json(ME) : errorBody(401, 'unauthenticated', 'Sign in first'))),
      on('PUT', MEMBER_PATH, refused),
    )
    const { client, onUnauthorized } = newClient()
    await client.me()
    signedIn = false
    const error = await client.request(MEMBER_PATH.replace('/api/admin', ''), null, { method: 'PUT', body: { role: 'editor' } }).catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 401, code: 'unauthenticated' })
    expect(changesOf(requests)).toHaveLength(1)
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
  })
})

describe('accepting an invitation (acceptInvitation)', () => {
  it('keeps the session it answers, as a sign-in does: its CSRF token goes with the next change', async () => {
    const { requests } = stubApi(
      on('POST', '/api/admin/invitations/tok-1/accept', () => json({ ...ME, csrfToken: FRESH })),
      on('PUT', MEMBER_PATH, () => json({ ok: true })),
    )
    const { client } = newClient()
    await client.acceptInvitation('tok-1', { password: 'a-long-enough-password' })
    await client.request(MEMBER_PATH.replace('/api/admin', ''), null, { method: 'PUT', body: { role: 'editor' } })
    expect(changesOf(requests)).toEqual([FRESH])
  })

  it('takes a wrong password (401) for a refused sign-in, not for an ended session', async () => {
    const { requests } = stubApi(
      on('GET', '/api/admin/me', () => json(ME)),
      on('POST', '/api/admin/invitations/tok-1/accept', () => errorBody(401, 'invalid_credentials', 'Wrong password')),
      on('PUT', MEMBER_PATH, () => json({ ok: true })),
    )
    const { client, onUnauthorized } = newClient()
    await client.me()
    const error = await client.acceptInvitation('tok-1', { password: 'typo' }).catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 401, code: 'invalid_credentials' })
    expect(onUnauthorized).not.toHaveBeenCalled()
    // The session this browser had still sends its token.
    await client.request(MEMBER_PATH.replace('/api/admin', ''), null, { method: 'PUT', body: { role: 'editor' } })
    expect(changesOf(requests)).toEqual([STALE])
  })
})
