// Compressed answers: negotiation, one ETag per representation, and bytes that decompress to the
// very body the identity answer carries — through the config, the per-site script and the files.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../test-support'
import { pickEncoding } from './encoding'

describe('pickEncoding', () => {
  it.each([
    [undefined, null],
    ['', null],
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip', 'gzip'],
    ['br;q=0, gzip;q=0.8', 'gzip'],
    ['br;q=0', null],
    ['identity', null],
    ['deflate', null],
    ['BR', 'br'],
    ['BR;Q=0, gzip', 'gzip'],
    ['br; Q=0', null],
  ])('%j → %s', (header, expected) => {
    expect(pickEncoding(header)).toBe(expected)
  })
})

const servers: TestServer[] = []
afterEach(() => servers.splice(0).forEach((t) => t.close()))

function start() {
  const t = startTestServer()
  mkdirSync(join(t.dir, 'sdk'))
  // Big enough to be worth compressing, as the real bundle is.
  writeFileSync(join(t.dir, 'sdk', 'miniconsent.js'), `window.__cfg = "__MINICONSENT_CONFIG__";\n${'/* padding */\n'.repeat(200)}`)
  writeFileSync(join(t.dir, 'sdk', 'banner.js'), `export default {};\n${'// banner\n'.repeat(300)}`)
  writeFileSync(join(t.dir, 'sdk', 'tiny.js'), 'export default 1\n')
  servers.push(t)
  return t
}

const decode = (encoding: string | null, body: Buffer) => (encoding === 'br' ? brotliDecompressSync(body) : encoding === 'gzip' ? gunzipSync(body) : body)

describe.each(['/api/v1/sites/acme/config', '/sdk/acme.js', '/sdk/banner.js'])('%s', (path) => {
  it('is compressed for a client that takes it, to the same bytes, with an ETag and a 304 per encoding', async () => {
    const t = start()
    const plain = await t.request(path)
    expect(plain.status).toBe(200)
    expect(plain.headers.get('content-encoding')).toBeNull()
    expect(plain.headers.get('vary')).toContain('Accept-Encoding')
    const identity = Buffer.from(await plain.arrayBuffer())

    for (const encoding of ['br', 'gzip']) {
      const res = await t.request(path, { headers: { 'Accept-Encoding': encoding === 'br' ? 'gzip, deflate, br' : 'gzip' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-encoding')).toBe(encoding)
      const body = Buffer.from(await res.arrayBuffer())
      expect(body.length).toBeLessThan(identity.length)
      expect(decode(encoding, body).equals(identity)).toBe(true)
      const etag = res.headers.get('etag')!
      expect(etag).not.toBe(plain.headers.get('etag'))

      const again = await t.request(path, { headers: { 'Accept-Encoding': encoding, 'If-None-Match': etag } })
      expect(again.status).toBe(304)
      expect(await again.text()).toBe('')
      // The identity ETag does not stand for the compressed bytes.
      const other = await t.request(path, { headers: { 'Accept-Encoding': encoding, 'If-None-Match': plain.headers.get('etag')! } })
      expect(other.status).toBe(200)
    }
    const unchanged = await t.request(path, { headers: { 'If-None-Match': plain.headers.get('etag')! } })
    expect(unchanged.status).toBe(304)
  })
})

it('leaves small files as they are', async () => {
  const t = start()
  const res = await t.request('/sdk/tiny.js', { headers: { 'Accept-Encoding': 'br' } })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-encoding')).toBeNull()
  expect(await res.text()).toBe('export default 1\n')
})
