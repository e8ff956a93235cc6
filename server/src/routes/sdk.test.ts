import { createHash } from 'node:crypto'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { apiError, publishedConfig } from '@miniconsent/shared'
import { startTestServer, type TestServer } from '../test-support'

let t: TestServer
beforeEach(() => {
  t = startTestServer()
  mkdirSync(join(t.dir, 'sdk'))
  writeFileSync(join(t.dir, 'sdk', 'miniconsent.js'), 'window.__cfg = "__MINICONSENT_CONFIG__";\n')
  writeFileSync(join(t.dir, 'sdk', 'ui.js'), 'export const ui = 1\n')
})
afterEach(() => t.close())

describe('GET /api/v1/sites/:siteId/config', () => {
  it('answers the published config of revision 1', async () => {
    const res = await t.request('/api/v1/sites/acme/config')
    expect(res.status).toBe(200)
    const config = publishedConfig.parse(await res.json())
    expect(config).toMatchObject({ siteId: 'acme', revision: 1, consentRevision: 1, region: null, mode: 'opt-in', needsBanner: true })
    expect(config.site.cookieName).toBe('miniconsent')
    expect(config.catalogue.services.map((s) => s.id)).toEqual(['plausible'])
  })

  it('needs no banner when only required categories declare anything', async () => {
    const res = await t.request('/api/v1/sites/notice-only/config')
    expect(publishedConfig.parse(await res.json()).needsBanner).toBe(false)
  })

  it('takes the region from the trusted header only when one is configured', async () => {
    const trusting = startTestServer({ env: { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: 'cf-ipcountry', TRUST_PROXY: false } })
    try {
      const res = await trusting.request('/api/v1/sites/acme/config', { headers: { 'CF-IPCountry': 'de' } })
      expect(await res.json()).toMatchObject({ region: 'DE', mode: 'opt-in' })
    } finally {
      trusting.close()
    }
    const res = await t.request('/api/v1/sites/acme/config', { headers: { 'CF-IPCountry': 'DE' } })
    expect(publishedConfig.parse(await res.json()).region).toBeNull()
  })

  it('answers each Origin, encoding and If-None-Match with its own headers, whatever was asked before', async () => {
    const get = async (headers: Record<string, string>, url = '/api/v1/sites/acme/config') => {
      const res = await t.request(url, { headers })
      const h = (name: string) => res.headers.get(name)
      return { status: res.status, acao: h('access-control-allow-origin'), vary: h('vary'), encoding: h('content-encoding'), etag: h('etag'), type: h('content-type'), bytes: (await res.arrayBuffer()).byteLength }
    }
    // Answers are kept per variant: the same question in another order must get the same answer.
    const site = { Origin: 'https://www.acme.test', 'Accept-Encoding': 'br' }
    for (let round = 0; round < 2; round++) {
      const allowed = await get(site)
      expect(allowed).toMatchObject({ status: 200, acao: 'https://www.acme.test', vary: 'Origin, Sec-GPC, Accept-Encoding', encoding: 'br', type: 'application/json' })
      expect(await get({ Origin: 'https://evil.test', 'Accept-Encoding': 'br' })).toMatchObject({ status: 200, acao: null, vary: 'Origin, Sec-GPC, Accept-Encoding' })
      // Vary names Origin without one too: a cache must not give this answer to the SDK's cross-origin fetch.
      expect(await get({ 'Accept-Encoding': 'br' })).toMatchObject({ status: 200, acao: null, vary: 'Origin, Sec-GPC, Accept-Encoding', encoding: 'br', etag: allowed.etag })
      // This server's own origin (the demo pages) is allowed only on requests sent to it.
      expect((await get({ Origin: 'http://127.0.0.1:8787' }, 'http://127.0.0.1:8787/api/v1/sites/acme/config')).acao).toBe('http://127.0.0.1:8787')
      expect((await get({ Origin: 'http://127.0.0.1:8787' }, 'http://elsewhere.test/api/v1/sites/acme/config')).acao).toBeNull()
      const gzip = await get({ 'Accept-Encoding': 'gzip, deflate' })
      const plain = await get({})
      expect(gzip).toMatchObject({ encoding: 'gzip' })
      expect(plain).toMatchObject({ encoding: null })
      expect(new Set([allowed.etag, gzip.etag, plain.etag]).size).toBe(3)
      expect(plain.bytes).toBeGreaterThan(allowed.bytes)
      // A 304 names the representation the client holds, and only that one.
      expect(await get({ ...site, 'If-None-Match': allowed.etag! })).toMatchObject({ status: 304, acao: 'https://www.acme.test', encoding: null, etag: allowed.etag, bytes: 0 })
      expect(await get({ 'Accept-Encoding': 'gzip', 'If-None-Match': allowed.etag! })).toMatchObject({ status: 200, encoding: 'gzip' })
    }
  })

  it('keeps no answer per refused or overlong Origin a client makes up', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const config = (origin: string) => t.request('/api/v1/sites/acme/config', { headers: { Origin: origin, 'Accept-Encoding': 'br' } })
    expect((await config('https://www.acme.test')).headers.get('access-control-allow-origin')).toBe('https://www.acme.test')
    gc()
    const before = process.memoryUsage().heapUsed
    // 600 made-up Origins of ~8 KB each: ~5 MB of keys, were each kept with its answer.
    for (let i = 0; i < 300; i++) {
      const refused = await config(`https://${'x'.repeat(8000)}${i}.evil.test`)
      expect(refused.headers.get('access-control-allow-origin')).toBeNull()
      expect(refused.headers.get('vary')).toBe('Origin, Sec-GPC, Accept-Encoding')
      // Allowed (a subdomain of acme.test), but longer than any hostname.
      const overlong = `https://${'y'.repeat(8000)}${i}.acme.test`
      expect((await config(overlong)).headers.get('access-control-allow-origin')).toBe(overlong)
    }
    gc()
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(2_000_000)
    expect((await config('https://www.acme.test')).headers.get('access-control-allow-origin')).toBe('https://www.acme.test')
  })

  it('keeps answering each Origin rightly after more Origins than it keeps answers for', async () => {
    const acao = async (origin: string, gpc = false) => {
      const res = await t.request('/api/v1/sites/acme/config', { headers: { Origin: origin, ...(gpc ? { 'Sec-GPC': '1' } : {}) } })
      expect(res.status).toBe(200)
      return { acao: res.headers.get('access-control-allow-origin'), gpc: publishedConfig.parse(await res.json()).gpc }
    }
    expect(await acao('https://www.acme.test')).toEqual({ acao: 'https://www.acme.test', gpc: false })
    // Any client may send any Origin: 1,100 refused ones, more than a published config keeps answers for (1,024).
    for (let i = 0; i < 1100; i++) expect((await acao(`https://x${i}.evil.test`)).acao).toBeNull()
    expect(await acao('https://www.acme.test')).toEqual({ acao: 'https://www.acme.test', gpc: false })
    expect(await acao('https://www.acme.test', true)).toEqual({ acao: 'https://www.acme.test', gpc: true })
    expect((await acao('https://x0.evil.test', true)).acao).toBeNull()
  })

  it('answers 404 with the error shape for an unknown site, 400 for a malformed id', async () => {
    const res = await t.request('/api/v1/sites/nope/config')
    expect(res.status).toBe(404)
    expect(apiError.parse(await res.json()).error.code).toBe('site_not_found')
    const bad = await t.request('/api/v1/sites/Not_A%20Slug/config')
    expect(bad.status).toBe(400)
    expect(apiError.parse(await bad.json()).error).toMatchObject({ code: 'invalid_request' })
  })
})

describe('GET /sdk/:siteId.js', () => {
  it('embeds the config in place of the placeholder, safe for a script context', async () => {
    const res = await t.request('/sdk/acme.js')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('private, max-age=300')
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin')
    const body = await res.text()
    expect(body).not.toContain('__MINICONSENT_CONFIG__')
    // The purpose text contains "</script>": it must not end an inline copy of the script.
    expect(body).not.toContain('</script>')
    const win: { __cfg?: unknown } = {}
    new Function('window', body)(win)
    expect(publishedConfig.parse(win.__cfg).catalogue.entries[0]?.purpose.en).toBe('Keeps you signed in </script>')
  })

  it('answers 304 to a matching If-None-Match and a fresh ETag when the bundle changes', async () => {
    const first = await t.request('/sdk/acme.js')
    const etag = first.headers.get('etag')!
    expect(etag).toMatch(/^".+"$/)
    const again = await t.request('/sdk/acme.js', { headers: { 'If-None-Match': etag } })
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
    writeFileSync(join(t.dir, 'sdk', 'miniconsent.js'), 'window.__cfg = "__MINICONSENT_CONFIG__"; // v2 with more bytes\n')
    // The bundle is kept in memory and looked at again once a second: a deploy is served within it.
    expect((await t.request('/sdk/acme.js', { headers: { 'If-None-Match': etag } })).status).toBe(304)
    t.clock.now += 1_000
    const changed = await t.request('/sdk/acme.js', { headers: { 'If-None-Match': etag } })
    expect(changed.status).toBe(200)
    expect(changed.headers.get('etag')).not.toBe(etag)
    expect(await changed.text()).toContain('// v2 with more bytes')
  })

  it('serves the SDK files from memory, reading a file again only once it changed, and a removed one no more', async () => {
    const ui = join(t.dir, 'sdk', 'ui.js')
    const first = await t.request('/sdk/ui.js')
    expect(await first.text()).toBe('export const ui = 1\n')
    rmSync(ui)
    // Within the second: still served, from memory, with its ETag.
    const kept = await t.request('/sdk/ui.js')
    expect([kept.status, kept.headers.get('etag')]).toEqual([200, first.headers.get('etag')])
    t.clock.now += 1_000
    expect((await t.request('/sdk/ui.js')).status).toBe(404)
    writeFileSync(ui, 'export const ui = 2\n')
    // The miss is kept for a second too, then the new file is served.
    expect((await t.request('/sdk/ui.js')).status).toBe(404)
    t.clock.now += 1_000
    expect(await (await t.request('/sdk/ui.js')).text()).toBe('export const ui = 2\n')
  })

  it('answers a JavaScript 404 for an unknown site', async () => {
    const res = await t.request('/sdk/unknown-site.js')
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toContain('javascript')
    expect(await res.text()).toContain('unknown site "unknown-site"')
  })

  describe("a build's own chunks", () => {
    const CORE = 'window.__cfg = "__MINICONSENT_CONFIG__";window.__load = (t, m) => new URL(t+".js",m).href;\n'
    /** An SDK build on disk: the core, a chunk, and the manifest naming the build and its chunk URL's place. */
    function build(id: string, chunk: string, files: { chunk: boolean } = { chunk: true }, core = CORE) {
      writeFileSync(join(t.dir, 'sdk', 'miniconsent.js'), core)
      if (files.chunk) writeFileSync(join(t.dir, 'sdk', 'ui.js'), chunk)
      const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
      const manifest = { build: id, chunkNameAt: core.indexOf('t+".js"'), files: { 'ui.js': { sha256: sha256(chunk) }, 'miniconsent.js': { sha256: sha256(core) } } }
      writeFileSync(join(t.dir, 'sdk', 'manifest.json'), JSON.stringify(manifest))
    }
    const loads = async (path = '/sdk/acme.js') => {
      const win: { __cfg?: unknown; __load?: (t: string, m: string) => string } = {}
      new Function('window', await (await t.request(path)).text())(win)
      return win.__load!('ui', 'https://cdn.test/sdk/acme.js')
    }

    it('loads them from the directory of the build it was served with, where they are immutable', async () => {
      build('0123456789abcdef', 'export const ui = 1\n')
      expect(await loads()).toBe('https://cdn.test/sdk/v/0123456789abcdef/ui.js')
      const chunk = await t.request('/sdk/v/0123456789abcdef/ui.js')
      expect(chunk.status).toBe(200)
      expect(await chunk.text()).toBe('export const ui = 1\n')
      expect(chunk.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
      expect(chunk.headers.get('access-control-allow-origin')).toBe('*')
      // The unversioned path stays, for a page that loads a copy of dist/ as it is.
      expect((await t.request('/sdk/ui.js')).headers.get('cache-control')).toBe('public, max-age=300')
    })

    it('after a deploy, serves the new build from its own directory, and what there is under the old one only briefly', async () => {
      build('0123456789abcdef', 'export const ui = 1\n')
      expect(await loads()).toContain('/v/0123456789abcdef/')
      build('fedcba9876543210', 'export const ui = 2\n')
      t.clock.now += 1_000
      expect(await loads()).toBe('https://cdn.test/sdk/v/fedcba9876543210/ui.js')
      const old = await t.request('/sdk/v/0123456789abcdef/ui.js')
      expect(old.headers.get('cache-control')).toBe('public, max-age=60')
      expect((await t.request('/sdk/v/fedcba9876543210/nothing.js')).status).toBe(404)
      // Bytes that are not the ones the manifest names (a file not yet replaced, or still kept
      // from the last build) are never called immutable, not even under the current build.
      build('0aaaaaaaaaaaaaaa', 'export const ui = 3\n', { chunk: false })
      t.clock.now += 1_000
      const stale = await t.request('/sdk/v/0aaaaaaaaaaaaaaa/ui.js')
      expect([await stale.text(), stale.headers.get('cache-control')]).toEqual(['export const ui = 2\n', 'public, max-age=60'])
      expect((await t.request('/sdk/v/fedcba9876543210/../package.json')).status).toBe(404)
    })

    it('never points a core at the chunks of a build whose manifest does not name it, and lets no cache keep it', async () => {
      // The core and the manifest are each read again a second after they change, each on its own
      // clock: a deploy between the two left the last build's core pointed at the new build's chunks.
      build('0123456789abcdef', 'export const ui = 1\n', { chunk: true }, `/* A */${CORE}`)
      expect((await t.request('/sdk/v/0123456789abcdef/ui.js')).status).toBe(200) // the manifest read now
      t.clock.now += 500
      expect((await t.request('/sdk/miniconsent.js')).status).toBe(200) // the core, half a second later
      build('fedcba9876543210', 'export const ui = 2\n', { chunk: true }, `/* B */${CORE}`)
      t.clock.now += 600
      // The manifest is the new build's, the core still the old one's.
      const mixed = await t.request('/sdk/acme.js')
      expect(await mixed.clone().text()).toContain('/* A */')
      expect(mixed.headers.get('cache-control')).toBe('no-store')
      expect(await loads()).toBe('https://cdn.test/sdk/ui.js')
      // Once both are the new build's: its own directory, cached as usual.
      t.clock.now += 1_000
      const agreed = await t.request('/sdk/acme.js')
      expect(await agreed.clone().text()).toContain('/* B */')
      expect(agreed.headers.get('cache-control')).toBe('private, max-age=300')
      expect(await loads()).toBe('https://cdn.test/sdk/v/fedcba9876543210/ui.js')
    })

    it('serves the core as it is when the manifest does not say where its chunk URL is', async () => {
      build('0123456789abcdef', 'export const ui = 1\n')
      writeFileSync(join(t.dir, 'sdk', 'manifest.json'), JSON.stringify({ build: '0123456789abcdef', chunkNameAt: 3 }))
      expect(await loads()).toBe('https://cdn.test/sdk/ui.js')
      writeFileSync(join(t.dir, 'sdk', 'manifest.json'), '{"returningVisit": ["miniconsent.js"]}')
      t.clock.now += 1_000
      expect(await loads()).toBe('https://cdn.test/sdk/ui.js')
    })
  })

  it('serves the other SDK files as they are, usable from other origins', async () => {
    const res = await t.request('/sdk/ui.js')
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('export const ui = 1\n')
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect((await t.request('/sdk/../package.json')).status).toBe(404)
  })
})
