import { closeSync, openSync, writeSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../test-support'

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
