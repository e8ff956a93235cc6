import { apiError, siteSettingsResponse } from '@miniconsent/shared'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { consentBody, json, send, startWithEditors, type AdminSession, type TestServer } from '../test-support'
import { allowedMethods, isDatabaseBusy } from './errors'
import { getOnly } from './validate'

let t: TestServer
let editor: AdminSession
beforeEach(async () => {
  ;({ t, editor } = await startWithEditors())
})
afterEach(() => t.close())

describe('a database locked by another process', () => {
  it('answers 503 database_busy with Retry-After, not 500 internal, and the save goes through once the lock is released', async () => {
    // The server's own wait (busy_timeout, 5 s) is shortened so that the test does not sit through it.
    t.db.$client.pragma('busy_timeout = 0')
    // A backup tool, a stuck migration or a second server on the same file holds the write lock.
    const other = new Database(t.file)
    try {
      other.exec('BEGIN IMMEDIATE')
      const locked = await editor.request('/api/admin/sites/acme/settings', send('PUT', { name: 'Acme Inc.' }))
      expect(locked.status).toBe(503)
      expect(locked.headers.get('retry-after')).toBe('5')
      expect(apiError.parse(await locked.json()).error).toEqual({
        code: 'database_busy',
        message: 'The database is busy with another write; try again in a few seconds',
      })
      // Reads still work (WAL): the instance is healthy, only this write has to wait.
      expect((await t.request('/healthz')).status).toBe(200)
      other.exec('ROLLBACK')
    } finally {
      other.close()
    }
    const retried = await editor.request('/api/admin/sites/acme/settings', send('PUT', { name: 'Acme Inc.' }))
    expect(retried.status).toBe(200)
    expect(siteSettingsResponse.parse(await retried.json()).settings.name).toBe('Acme Inc.')
  })

  it('is told by SQLite’s code, also when wrapped, and by no other error', () => {
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })
    expect(isDatabaseBusy(busy)).toBe(true)
    expect(isDatabaseBusy(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY_SNAPSHOT' }))).toBe(true)
    expect(isDatabaseBusy(new Error('Failed query: update …', { cause: busy }))).toBe(true)
    expect(isDatabaseBusy(Object.assign(new Error('file is not a database'), { code: 'SQLITE_NOTADB' }))).toBe(false)
    expect(isDatabaseBusy(Object.assign(new Error('x'), { code: 'SQLITE_BUSYNESS' }))).toBe(false)
    expect(isDatabaseBusy('SQLITE_BUSY')).toBe(false)
  })
})

describe('a full disk', () => {
  it('answers 503 storage_full with Retry-After to a record it cannot store, and stores again once there is room', async () => {
    // The file may not grow past its size now: as a full disk, SQLite fails each write with SQLITE_FULL.
    const pages = Number(t.db.$client.pragma('page_count', { simple: true }))
    t.db.$client.pragma(`max_page_count = ${pages}`)
    let full: Response | null = null
    for (let i = 0; i < 200 && !full; i++) {
      const res = await t.request('/api/v1/consents', json(consentBody({ url: `https://acme.test/${'p'.repeat(500)}/${i}` })))
      if (res.status !== 201) full = res
    }
    expect(full?.status).toBe(503)
    expect(full!.headers.get('retry-after')).toBe('60')
    expect(apiError.parse(await full!.json()).error).toEqual({ code: 'storage_full', message: 'The server cannot store anything now (its disk is full); try again later' })
    // Room made: the next record is stored.
    t.db.$client.pragma(`max_page_count = ${pages * 100}`)
    expect((await t.request('/api/v1/consents', json(consentBody()))).status).toBe(201)
  })
})

describe('the methods of a path, for a 405’s Allow', () => {
  it('are those of the routes matching it, by Hono’s own patterns; middleware is none, and an unrouted path has none', () => {
    const allowed = allowedMethods([
      { method: 'ALL', path: '/api/admin/*' },
      { method: 'GET', path: '/api/admin/sites/:siteId/verify' },
      { method: 'POST', path: '/api/admin/sites/:siteId/verify' },
      { method: 'GET', path: '/api/admin/sites/:siteId/verify' },
      { method: 'OPTIONS', path: '/api/v1/consents' },
      { method: 'POST', path: '/api/v1/consents' },
      { method: 'GET', path: '/sdk/:file{.+}' },
    ])
    expect(allowed('/api/admin/sites/acme/verify')).toBe('GET, HEAD, POST')
    expect(allowed('/api/v1/consents')).toBe('POST, OPTIONS')
    expect(allowed('/sdk/v/0123456789abcdef/banner.js')).toBe('GET, HEAD')
    expect(allowed('/api/admin/sites/acme/verify/')).toBeNull()
    expect(allowed('/api/admin/nothing')).toBeNull()
  })

  it('list HEAD beside a GET, unless a handler of that GET refuses it (getOnly)', () => {
    const refuse = getOnly('no HEAD here')
    const handler = () => new Response('')
    const allowed = allowedMethods([
      { method: 'GET', path: '/api/admin/sites/:siteId/export', handler: refuse },
      { method: 'GET', path: '/api/admin/sites/:siteId/export', handler },
      { method: 'GET', path: '/api/v1/sites/:siteId/config', handler },
    ])
    expect(allowed('/api/admin/sites/acme/export')).toBe('GET')
    expect(allowed('/api/v1/sites/acme/config')).toBe('GET, HEAD')
  })
})

describe('the message of a refused value', () => {
  it("says why a record's key or a union's value is refused, where zod says only that it is", async () => {
    // A text's language in capitals: zod's own message was "Invalid key in record".
    const draft = (await (await editor.request('/api/admin/sites/acme/catalogue')).json()) as { draft: { categories: { label: Record<string, string> }[] } }
    const categories = draft.draft.categories.map((c, i) => (i === 0 ? { ...c, label: { ...c.label, EN: 'Needed' } } : c))
    const res = await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: { ...draft.draft, categories } }))
    expect(res.status).toBe(422)
    expect(apiError.parse(await res.json()).error.issues).toEqual([{ path: 'catalogue.categories.0.label.EN', message: 'not a key this takes: use a BCP 47 language tag such as "en" or "pt-BR"' }])
    // A value of neither member of a union: zod's own message was "Invalid input".
    const diff = await editor.request('/api/admin/sites/acme/diff?to=DRAFT')
    expect(diff.status).toBe(400)
    expect(apiError.parse(await diff.json()).error.message).toBe('to: expected "draft", or a whole number from 1, written in digits')
  })
})
