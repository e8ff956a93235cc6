import { closeSync, copyFileSync, existsSync, openSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs'
import { apiError } from '@miniconsent/shared'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConsentLog } from '../services/consent-log'
import { addUser, consentBody, json, send, signIn, startTestServer, type TestServer } from '../test-support'

let t: TestServer
beforeEach(() => {
  t = startTestServer()
})
afterEach(() => t.close())

const health = async () => {
  const res = await t.request('/healthz')
  return { status: res.status, body: (await res.json()) as unknown, cacheControl: res.headers.get('cache-control') }
}

describe('/healthz', () => {
  it('answers 200 { ok: true } while the database can be read', async () => {
    expect(await health()).toEqual({ status: 200, body: { ok: true }, cacheControl: 'no-store' })
  })

  it('answers 503 when the database file is corrupted, as every route that reads it fails', async () => {
    // The server keeps running on the file while something overwrites its header (a bad copy, a disk fault).
    t.db.$client.pragma('wal_checkpoint(TRUNCATE)')
    const fd = openSync(t.file, 'r+')
    writeSync(fd, Buffer.alloc(4096, 0x41), 0, 4096, 0)
    closeSync(fd)
    // Drops the pages SQLite still holds in memory, as time and other work would.
    t.db.$client.pragma('shrink_memory')
    expect((await t.request('/api/v1/sites/acme/config', { headers: { Origin: 'https://acme.test' } })).status).toBe(500)

    const { status, body, cacheControl } = await health()
    expect(status).toBe(503)
    expect(cacheControl).toBe('no-store')
    expect(body).toEqual({ ok: false, error: { code: 'database_unavailable', message: 'The database cannot be read' } })
    // The cause is for the log, not for whoever asks.
    expect(JSON.stringify(body)).not.toMatch(/sqlite|not a database|malformed/i)
  })

  it('answers 503 when the database connection is gone', async () => {
    t.db.$client.close()
    expect((await health()).status).toBe(503)
  })
})

describe('a database file removed or replaced under the running server', () => {
  const remove = () => {
    for (const f of [t.file, `${t.file}-wal`, `${t.file}-shm`]) if (existsSync(f)) unlinkSync(f)
  }
  // Another file at the path: a copy of the database put over it (a restore done while it ran).
  const replace = () => {
    t.db.$client.pragma('wal_checkpoint(TRUNCATE)')
    copyFileSync(t.file, `${t.file}.copy`)
    renameSync(`${t.file}.copy`, t.file)
  }
  const post = (consentId: string, ip: string) => t.request('/api/v1/consents', json(consentBody({ consentId })), ip)

  it.each([
    ['removed', remove],
    ['replaced', replace],
  ])('is %s: health answers 503, and consent records are refused 503, not acknowledged into a file nobody reads again', async (_, change) => {
    expect((await post('visitor-0001', '192.0.2.1')).status).toBe(201)
    change()
    const { status, body } = await health()
    expect(status).toBe(503)
    expect(body).toMatchObject({ ok: false, error: { code: 'database_unavailable' } })
    const refused = await post('visitor-0002', '192.0.2.2')
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('60')
    expect(apiError.parse(await refused.json()).error.code).toBe('database_unavailable')
  })

  it('acknowledges no other change either (a visitor event, an erasure, an admin change), and answers none of the dashboard’s reads', async () => {
    await addUser(t.db, 'owner@acme.test', 'owner password!', { acme: 'owner' })
    const owner = await signIn(t, 'owner@acme.test', 'owner password!')
    expect((await post('visitor-0001', '192.0.2.1')).status).toBe(201)
    remove()
    const identify = {
      recordId: '0b7a9c1e-2d3f-4a5b-8c6d-000000000001',
      siteId: 'acme',
      consentId: 'visitor-0001',
      userId: 'customer-42',
      language: 'en',
      url: 'https://acme.test/',
      clientTime: '2026-11-22T10:59:58.000Z',
    }
    const answers = [
      await t.request('/api/v1/consents/identify', json(identify), '192.0.2.3'),
      await owner.request('/api/admin/sites/acme/subjects/visitor-0001', send('DELETE')),
      await owner.request('/api/admin/sites/acme/invitations', send('POST', { email: 'new@acme.test', role: 'auditor' })),
    ]
    for (const a of answers) {
      expect(a.status).toBe(503)
      expect(apiError.parse(await a.json()).error.code).toBe('database_unavailable')
    }
    // Nor is the dashboard's API answered, reads included: an export writes its audit entry and
    // manifest, and the listing's and the export's threads would open the path, now no file.
    for (const path of ['/api/admin/me', '/api/admin/sites/acme/consents', '/api/admin/sites/acme/export?format=csv']) {
      const read = await owner.request(path)
      expect(read.status, path).toBe(503)
      expect(apiError.parse(await read.json()).error.code).toBe('database_unavailable')
    }
    // The public reads go on from what the server holds.
    expect((await t.request('/api/v1/sites/acme/config')).status).toBe(200)
  })

  it('counts a file that cannot even be looked at (its folder replaced by a file) as gone, refusing the records instead of crashing the writer', async () => {
    expect((await post('visitor-0001', '192.0.2.1')).status).toBe(201)
    remove()
    rmSync(t.dir, { recursive: true, force: true })
    writeFileSync(t.dir, 'not a folder')
    try {
      expect((await health()).status).toBe(503)
      const refused = await post('visitor-0002', '192.0.2.2')
      expect(refused.status).toBe(503)
      expect(apiError.parse(await refused.json()).error.code).toBe('database_unavailable')
    } finally {
      rmSync(t.dir, { force: true })
    }
  })

  it.each([
    ['removed', remove],
    ['replaced', replace],
  ])('is %s: the writer thread, running or started after, refuses the records and creates no file', async (_, change) => {
    t.close()
    t = startTestServer({}, undefined, { writer: 'thread' })
    expect((await post('visitor-0001', '192.0.2.1')).status).toBe(201)
    change()
    // The running thread checks the file before each batch.
    const refused = await post('visitor-0002', '192.0.2.2')
    expect(refused.status).toBe(503)
    expect(apiError.parse(await refused.json()).error.code).toBe('database_unavailable')
    // A thread started afresh (the last one stopped: idle, or lost) opens nothing.
    const fresh = new ConsentLog(t.db, { writer: 'thread' })
    const sent = consentBody({ consentId: 'visitor-0003' })
    const appended = fresh.appendSent(JSON.stringify(sent), { region: null, mode: 'opt-in', url: 'https://acme.test/', userAgent: null, ip: null, gpc: false }, sent.recordId)
    await expect(appended).rejects.toMatchObject({ code: 'DATABASE_FILE_GONE' })
    await fresh.close()
    if (change === remove) expect(existsSync(t.file)).toBe(false)
  })
})
