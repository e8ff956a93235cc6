import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../logger'
import { addUser, consentBody, json, send, signIn, startTestServer } from '../test-support'
import { loggedPath, newRequestId } from './request-context'

describe('access log', () => {
  it("shows the route's pattern where a path carries a visitor's consentId", () => {
    expect(loggedPath('/api/v1/consents/mx6wpnef123456789')).toBe('/api/v1/consents/:consentId')
    expect(loggedPath('/api/admin/sites/acme/subjects/visitor-0001/export')).toBe('/api/admin/sites/acme/subjects/:consentId/export')
    expect(loggedPath('/api/v1/consents/identify')).toBe('/api/v1/consents/identify')
    // Doubled slashes, which reach the routes all the same, leave no id in the log either.
    expect(loggedPath('/api/v1/consents//visitor000004o45x1c')).toBe('/api/v1/consents//:consentId')
    expect(loggedPath('//api/v1/consents/visitor000004o45x1c')).toBe('//api/v1/consents/:consentId')
    expect(loggedPath('/api/admin/sites/acme/subjects//visitor-0001/export')).toBe('/api/admin/sites/acme/subjects//:consentId/export')
    expect(loggedPath('/api/admin/invitations//' + 'x'.repeat(43))).toBe('/api/admin/invitations//:token')
    expect(loggedPath('/api/v1/consents/identify/')).toBe('/api/v1/consents/identify/')
    expect(loggedPath('/api/v1/consents')).toBe('/api/v1/consents')
    expect(loggedPath('/api/admin/sites/acme/consents')).toBe('/api/admin/sites/acme/consents')
  })

  it("shows the route's pattern where a path carries an invitation's token", () => {
    expect(loggedPath('/invite/Zk3_secret-token')).toBe('/invite/:token')
    expect(loggedPath('/api/admin/invitations/Zk3_secret-token')).toBe('/api/admin/invitations/:token')
    expect(loggedPath('/api/admin/invitations/Zk3_secret-token/accept')).toBe('/api/admin/invitations/:token/accept')
    expect(loggedPath('/api/admin/sites/acme/invitations')).toBe('/api/admin/sites/acme/invitations')
  })

  it("shows the route's pattern where a path carries an invitee's e-mail address, however it is written", () => {
    expect(loggedPath('/api/admin/sites/minopa/invitations/new@example.com')).toBe('/api/admin/sites/minopa/invitations/:email')
    expect(loggedPath('/api/admin/sites/minopa/invitations/new%40example.com')).toBe('/api/admin/sites/minopa/invitations/:email')
    expect(loggedPath('//api//admin/sites//minopa/invitations//new@example.com/')).toBe('//api//admin/sites//minopa/invitations//:email/')
    // The list of invitations, and a member by their (numeric) id, carry no address.
    expect(loggedPath('/api/admin/sites/minopa/invitations')).toBe('/api/admin/sites/minopa/invitations')
    expect(loggedPath('/api/admin/sites/minopa/invitations/')).toBe('/api/admin/sites/minopa/invitations/')
    expect(loggedPath('/api/admin/sites/minopa/members/12')).toBe('/api/admin/sites/minopa/members/12')
  })

  it('writes one line per request, without the consentId a visitor looked up', async () => {
    const lines: string[] = []
    const t = startTestServer({ logger: createLogger('info', (line) => lines.push(line)) })
    try {
      expect((await t.request('/api/v1/consents', json(consentBody({ consentId: 'visitor-secret-42' })))).status).toBe(201)
      expect((await t.request('/api/v1/consents/visitor-secret-42?site=acme')).status).toBe(200)
      const requests = lines.map((l) => JSON.parse(l) as { msg?: string; path?: string; status?: number }).filter((l) => l.path !== undefined)
      expect(requests.map((l) => [l.path, l.status])).toEqual([
        ['/api/v1/consents', 201],
        ['/api/v1/consents/:consentId', 200],
      ])
      expect(lines.join('\n')).not.toContain('visitor-secret-42')
    } finally {
      t.close()
    }
  })

  it('logs 499 for a request whose client left before its answer, not the 503 it answered nobody', async () => {
    const lines: string[] = []
    const t = startTestServer({ logger: createLogger('info', (line) => lines.push(line)) })
    try {
      await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
      const owner = await signIn(t, 'owner@acme.test', 'owner password 1')
      const cancel = new AbortController()
      const pending = owner.request('/api/admin/sites/acme/consents?limit=10', { signal: cancel.signal, headers: { 'X-Request-Id': 'left-1' } })
      cancel.abort()
      expect((await pending).status).toBe(503)
      expect((await owner.request('/api/admin/sites/acme/consents?limit=10', { headers: { 'X-Request-Id': 'stayed-1' } })).status).toBe(200)
      const logged = lines.map((l) => JSON.parse(l) as { requestId?: string; status?: number }).filter((l) => l.requestId === 'left-1' || l.requestId === 'stayed-1')
      expect(logged.map((l) => [l.requestId, l.status])).toEqual([
        ['left-1', 499],
        ['stayed-1', 200],
      ])
    } finally {
      t.close()
    }
  })

  it('logs 499 for a client that closed its connection before its answer, over HTTP, and the status for one that waited', async () => {
    const lines: string[] = []
    const t = startTestServer({ logger: createLogger('info', (line) => lines.push(line)) })
    // The client leaves once the server has the request: a fixed wait could end, on a busy
    // machine, before the server read it, and then there is no request to log.
    let arrived = () => {}
    const server = serve({
      fetch: (request, env) => {
        if (request.headers.get('x-request-id') === 'left-2') arrived()
        return t.app.fetch(request, env)
      },
      port: 0,
      hostname: '127.0.0.1',
    })
    try {
      await new Promise((resolve) => server.once('listening', resolve))
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/admin/sites/acme/consents?limit=10`
      await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
      const { cookie } = await signIn(t, 'owner@acme.test', 'owner password 1')
      const ask = (requestId: string) => httpRequest(url, { headers: { Cookie: cookie, 'X-Request-Id': requestId } })
      // The listing's thread takes longer to start than this client waits.
      const left = ask('left-2')
      left.on('error', () => {})
      arrived = () => setImmediate(() => left.destroy())
      left.end()
      const waited = await new Promise<number>((resolve, reject) => ask('waited-2').on('response', (res) => (res.resume(), resolve(res.statusCode!))).on('error', reject).end())
      expect(waited).toBe(200)
      const status = (id: string) => (lines.map((l) => JSON.parse(l) as { requestId?: string; status?: number }).find((l) => l.requestId === id) ?? {}).status
      // Logged once its thread has ended: seconds, from source, on a busy machine.
      await expect.poll(() => status('left-2'), { timeout: 20_000 }).toBe(499)
      expect(status('waited-2')).toBe(200)
    } finally {
      server.close()
      t.close()
    }
  })

  it("keeps an invitation's token out of every log line: the link, its look-up, a wrong password, an accepted one", async () => {
    const lines: string[] = []
    const t = startTestServer({ logger: createLogger('info', (line) => lines.push(line)) })
    try {
      await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
      await addUser(t.db, 'known@acme.test', 'known password 1', {})
      const owner = await signIn(t, 'owner@acme.test', 'owner password 1')
      const created = await owner.request('/api/admin/sites/acme/invitations', send('POST', { email: 'known@acme.test', role: 'owner' }))
      const token = ((await created.json()) as { inviteUrl: string }).inviteUrl.split('/invite/')[1]!
      // The dashboard's page for the link (its files are not built for these tests: any answer will do).
      await t.request(`/invite/${token}`)
      expect((await t.request(`/api/admin/invitations/${token}`)).status).toBe(200)
      expect((await t.request(`/api/admin/invitations/${token}/accept`, json({ password: 'not the password' }))).status).toBe(401)
      expect((await t.request(`/api/admin/invitations/${token}/accept`, json({ password: 'known password 1' }))).status).toBe(200)
      const logged = lines.map((l) => JSON.parse(l) as { msg?: string; path?: string })
      expect(logged.filter((l) => l.msg === 'password check failed').map((l) => l.path)).toEqual(['/api/admin/invitations/:token/accept'])
      expect(logged.filter((l) => l.path?.includes(':token')).length).toBeGreaterThanOrEqual(4)
      expect(lines.join('\n')).not.toContain(token)
    } finally {
      t.close()
    }
  })

  it("keeps an invitee's e-mail address out of the log line of a cancelled invitation, as typed or as the dashboard encodes it", async () => {
    const lines: string[] = []
    const t = startTestServer({ logger: createLogger('info', (line) => lines.push(line)) })
    try {
      await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
      const owner = await signIn(t, 'owner@acme.test', 'owner password 1')
      for (const email of ['new@example.com', 'other@example.com']) {
        expect((await owner.request('/api/admin/sites/acme/invitations', send('POST', { email, role: 'editor' }))).status).toBe(201)
      }
      expect((await owner.request('/api/admin/sites/acme/invitations/new@example.com', send('DELETE'))).status).toBe(204)
      expect((await owner.request(`/api/admin/sites/acme/invitations/${encodeURIComponent('other@example.com')}`, send('DELETE'))).status).toBe(204)
      // A refusal's line too: no such invitation (any more).
      expect((await owner.request('/api/admin/sites/acme/invitations/new@example.com', send('DELETE'))).status).toBe(404)
      const logged = lines.map((l) => JSON.parse(l) as { method?: string; path?: string; status?: number }).filter((l) => l.method === 'DELETE')
      expect(logged.map((l) => [l.path, l.status])).toEqual([
        ['/api/admin/sites/acme/invitations/:email', 204],
        ['/api/admin/sites/acme/invitations/:email', 204],
        ['/api/admin/sites/acme/invitations/:email', 404],
      ])
      expect(lines.join('\n')).not.toMatch(/new@example|new%40example|other@example|other%40example/)
    } finally {
      t.close()
    }
  })
})

describe('request ids', () => {
  it('are random version 4 UUIDs in lower case, as randomUUID() makes them, each new, across draws of random bytes', () => {
    // More than two of the batches the ids are made in (1,024 each).
    const ids = Array.from({ length: 2500 }, newRequestId)
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(new Set(ids).size).toBe(ids.length)
    // Every hex digit turns up in each random position: no byte read twice, none left out.
    for (let at = 0; at < 36; at++) {
      if ([8, 13, 14, 18, 19, 23].includes(at)) continue
      expect(new Set(ids.map((id) => id[at])).size, `position ${at}`).toBe(16)
    }
    // The variant's position takes only its four digits.
    expect(new Set(ids.map((id) => id[19])).size).toBe(4)
  })
})
