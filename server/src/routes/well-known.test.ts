import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../test-support'

let t: TestServer
beforeEach(() => {
  t = startTestServer()
})
afterEach(() => t.close())

describe('GET /.well-known/gpc.json', () => {
  it('states that Global Privacy Control is honoured, with the date of the last change', async () => {
    const res = await t.request('/.well-known/gpc.json')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    const body = (await res.json()) as { gpc: unknown; lastUpdate: unknown }
    expect(body.gpc).toBe(true)
    expect(body.lastUpdate).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    expect(Number.isNaN(Date.parse(String(body.lastUpdate)))).toBe(false)
  })

  it('is readable from other origins (privacy tools fetch it cross-origin)', async () => {
    const res = await t.request('/.well-known/gpc.json', { headers: { Origin: 'https://checker.example' } })
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
  })
})
