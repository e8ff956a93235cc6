import { existsSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { catalogue, publishedConfig } from '@miniconsent/shared'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ACME, addUser, consentBody, json, send, signIn, startTestServer, type AdminSession, type TestServer } from '../test-support'

let t: TestServer
let editor: AdminSession
let auditor: AdminSession
let stranger: AdminSession

beforeEach(async () => {
  t = startTestServer()
  mkdirSync(join(t.dir, 'sdk'))
  writeFileSync(join(t.dir, 'sdk', 'miniconsent.js'), 'window.__cfg = "__MINICONSENT_CONFIG__";\n')
  writeFileSync(join(t.dir, 'sdk', 'banner.js'), 'export default {}\n')
  await addUser(t.db, 'editor@acme.test', 'editor password 1', { acme: 'editor' })
  await addUser(t.db, 'auditor@acme.test', 'auditor password 1', { acme: 'auditor' })
  await addUser(t.db, 'other@notice.test', 'other password 1', { 'notice-only': 'owner' })
  editor = await signIn(t, 'editor@acme.test', 'editor password 1')
  auditor = await signIn(t, 'auditor@acme.test', 'auditor password 1')
  stranger = await signIn(t, 'other@notice.test', 'other password 1')
})
afterEach(() => t.close())

const PAGE = '/api/admin/preview/acme/'

/** A published config in every field but its revision, which no visitor's config has. */
const previewConfig = publishedConfig.extend({ revision: z.literal(0), consentRevision: z.literal(0) })

/** The config the page's inline SDK copy carries. */
function embeddedConfig(html: string) {
  const start = html.indexOf('window.__cfg = ') + 'window.__cfg = '.length
  return previewConfig.parse(JSON.parse(html.slice(start, html.indexOf(';\n', start))))
}

describe('GET /api/admin/preview/:siteId/', () => {
  it('runs the SDK against the saved draft, not the live revision, in the language asked for', async () => {
    const draft = catalogue.parse(ACME.catalogue)
    draft.texts = { de: { bannerTitle: 'Wir fragen erst </script><b>' } }
    expect((await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: draft }))).status).toBe(200)

    const res = await auditor.request(`${PAGE}?lang=de`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    const html = await res.text()
    expect(html).toContain('<html lang="de">')
    // The admin's text cannot close the script element it is embedded in.
    expect(html.match(/<\/script>/g)).toHaveLength(1)
    const config = embeddedConfig(html)
    expect(config.catalogue.texts.de?.bannerTitle).toBe('Wir fragen erst </script><b>')
    expect(config.mode).toBe('opt-in')
    expect(config.needsBanner).toBe(true)
  })

  it('lists what Global Privacy Control refuses in the draft, as a live config does: an ad category of any name', async () => {
    const draft = catalogue.parse(ACME.catalogue)
    draft.categories.push({ id: 'advertising', required: false, label: { en: 'Advertising' }, description: {}, consentMode: ['ad_storage', 'ad_user_data'] })
    expect((await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: draft }))).status).toBe(200)
    const config = embeddedConfig(await (await auditor.request(`${PAGE}?mode=opt-out`)).text())
    expect(config.gpcCategories).toEqual(['advertising'])
  })

  it('can never be stored or recorded: revision 0, its own cookie name, expired on every load', async () => {
    const res = await editor.request(PAGE)
    const config = embeddedConfig(await res.text())
    expect(config.revision).toBe(0)
    expect(config.site.cookieName).not.toBe('miniconsent')
    expect(res.headers.get('set-cookie')).toMatch(new RegExp(`^${config.site.cookieName}=; Max-Age=0; Path=/`))
    expect(res.headers.get('cache-control')).toBe('no-store')

    // Should a record from the preview ever be sent, the consent API refuses it.
    const posted = await t.request('/api/v1/consents', json(consentBody({ revision: config.revision }), { Origin: 'https://acme.test' }))
    expect(posted.status).toBe(400)
    const log = await auditor.request('/api/admin/sites/acme/consents')
    expect(((await log.json()) as { records: unknown[] }).records).toEqual([])
  })

  it('allows by CSP only its own nonced script and styles and the SDK chunks under it', async () => {
    const res = await editor.request(`${PAGE}?view=preferences`)
    const html = await res.text()
    const csp = res.headers.get('content-security-policy') ?? ''
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1]
    expect(nonce).toBeTruthy()
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain(`script-src 'nonce-${nonce}' http://localhost/api/admin/preview/acme/`)
    expect(csp).toContain("frame-ancestors 'self'")
    // Sandboxed like its frame even when opened on its own: an opaque origin, no session.
    expect(csp.split('; ')).toContain('sandbox allow-scripts')
    // Every script and style element carries the nonce; the preferences view opens the dialog.
    const tags = [...html.matchAll(/<(script|style)\b[^>]*>/g)].map((m) => m[0])
    expect(tags).toHaveLength(3)
    for (const tag of tags) expect(tag).toContain(`nonce="${nonce}"`)
    expect(html).toContain('miniconsent.open()')
    // A fresh nonce per page.
    const again = await editor.request(`${PAGE}?view=preferences`)
    expect(again.headers.get('content-security-policy')).not.toBe(csp)
  })

  it('lets its chunks load from PUBLIC_URL when it is set, not only from the Host a proxy passed on', async () => {
    // Behind a proxy that rewrites Host (nginx's plain proxy_pass), the request names 127.0.0.1:8787
    // while the browser is at the public address: chunks allowed only from the former never load.
    const proxied = startTestServer({ env: { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: undefined, TRUST_PROXY: false, PUBLIC_URL: 'https://consent.example.com' } })
    try {
      mkdirSync(join(proxied.dir, 'sdk'))
      writeFileSync(join(proxied.dir, 'sdk', 'miniconsent.js'), 'window.__cfg = "__MINICONSENT_CONFIG__";\n')
      await addUser(proxied.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
      const owner = await signIn(proxied, 'owner@acme.test', 'owner password 1')
      const res = await owner.request(`http://127.0.0.1:8787${PAGE}`)
      expect(res.status).toBe(200)
      const scripts = /script-src ([^;]+)/.exec(res.headers.get('content-security-policy') ?? '')?.[1]?.split(' ')
      // The request's own origin too, for the server reached directly.
      expect(scripts?.slice(1)).toEqual(['https://consent.example.com/api/admin/preview/acme/', 'http://127.0.0.1:8787/api/admin/preview/acme/'])
    } finally {
      proxied.close()
    }
    // Without PUBLIC_URL, the request's own origin, in the scheme a trusted proxy says the browser used.
    const tls = startTestServer({ env: { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: undefined, TRUST_PROXY: 1 } })
    try {
      mkdirSync(join(tls.dir, 'sdk'))
      writeFileSync(join(tls.dir, 'sdk', 'miniconsent.js'), 'window.__cfg = "__MINICONSENT_CONFIG__";\n')
      await addUser(tls.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
      const https = { 'X-Forwarded-Proto': 'https' }
      const login = await tls.request('http://consent.acme.test/api/admin/login', json({ email: 'owner@acme.test', password: 'owner password 1' }, https))
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!
      const res = await tls.request(`http://consent.acme.test${PAGE}`, { headers: { ...https, Cookie: cookie } })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-security-policy')).toMatch(/script-src 'nonce-[^']+' https:\/\/consent\.acme\.test\/api\/admin\/preview\/acme\/;/)
    } finally {
      tls.close()
    }
  })

  it('says on the sample page why no banner shows, where none would', async () => {
    expect(await (await editor.request(`${PAGE}?mode=opt-out`)).text()).toContain('In opt-out regions visitors get no banner')
    expect(await (await editor.request(PAGE)).text()).toContain('as a visitor sees it before choosing')
    // The owner of a site whose catalogue declares only essential storage.
    const html = await (await stranger.request('/api/admin/preview/notice-only/')).text()
    expect(html).toContain('Nothing in this catalogue needs consent')
    expect(embeddedConfig(html).needsBanner).toBe(false)
  })

  it('shows the declaration without a banner over it, and the opt-out mode when asked', async () => {
    const declaration = await editor.request(`${PAGE}?view=declaration&mode=opt-out`)
    const html = await declaration.text()
    expect(html).toContain('<div data-consent-table></div>')
    expect(html).not.toContain('miniconsent.open()')
    const config = embeddedConfig(html)
    expect(config.needsBanner).toBe(false)
    expect(config.mode).toBe('opt-out')
  })

  it('is for signed-in members of the site only, and refuses a bad view or language with 400, in words for the frame', async () => {
    const signedOut = await t.request(PAGE)
    expect(signedOut.status).toBe(401)
    expect(signedOut.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await signedOut.text()).toContain('<p>Preview not available: Sign in first</p>')
    const foreign = await stranger.request(PAGE)
    expect(foreign.status).toBe(403)
    expect(await foreign.text()).toContain('You have no access to site &#34;acme&#34;')
    for (const query of ['view=popup', 'mode=opt-maybe', 'lang=<b>']) {
      const res = await editor.request(`${PAGE}?${query}`)
      expect(res.status, query).toBe(400)
      const html = await res.text()
      expect(html, query).toMatch(/<p>Preview not available: (view|mode|lang): /)
      expect(html).not.toContain('<b>')
    }
  })

  it('answers as its page the refusals raised before its route runs: the database file gone (503), a body over the limit (413)', async () => {
    // The frame showed the API's raw JSON where the documented answer, and every other refusal, is a sentence.
    const expectPage = async (res: Response, status: number, sentence: string) => {
      expect(res.status).toBe(status)
      expect(res.headers.get('content-type')).toMatch(/^text\/html/)
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'self'")
      expect(await res.text()).toContain(`<p>Preview not available: ${sentence}</p>`)
    }
    await expectPage(await editor.request(PAGE, { headers: { 'Content-Length': String(2 * 1024 * 1024) } }), 413, 'A request body may be at most 1 MB (a whole catalogue fits, as compact JSON: the server keeps none larger)')
    // A method the page does not take is the API's 405, as documented for every path.
    const post = await t.request(PAGE, { method: 'POST' })
    expect([post.status, post.headers.get('content-type')]).toEqual([405, 'application/json'])
    for (const f of [t.file, `${t.file}-wal`, `${t.file}-shm`]) if (existsSync(f)) unlinkSync(f)
    const gone = await editor.request(PAGE)
    expect(gone.headers.get('retry-after')).toBe('60')
    await expectPage(gone, 503, 'The server cannot store anything now; try again later')
    // The API's other answers stay JSON: the page is the preview's alone.
    const me = await editor.request('/api/admin/me')
    expect([me.status, me.headers.get('content-type')]).toEqual([503, 'application/json'])
  })
})

describe('GET /api/admin/preview/:siteId/:file', () => {
  it('serves the SDK chunks to the opaque-origin page, but not the bare core script', async () => {
    const res = await t.request('/api/admin/preview/acme/banner.js')
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(await res.text()).toBe('export default {}\n')
    expect((await t.request('/api/admin/preview/acme/miniconsent.js')).status).toBe(404)
    expect((await t.request('/api/admin/preview/acme/dialog.js')).status).toBe(404)
  })

  it('serves a chunk compressed as /sdk/ does, and its 304 with the same caching headers', async () => {
    const chunk = 'export const words = "a banner chunk";\n'.repeat(100)
    writeFileSync(join(t.dir, 'sdk', 'banner.js'), chunk)
    for (const encoding of ['br', 'gzip']) {
      const res = await t.request('/api/admin/preview/acme/banner.js', { headers: { 'Accept-Encoding': encoding } })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-encoding')).toBe(encoding)
      expect(res.headers.get('vary')).toBe('Accept-Encoding')
      expect(res.headers.get('cache-control')).toBe('public, max-age=300')
      const body = Buffer.from(await res.arrayBuffer())
      expect((encoding === 'br' ? brotliDecompressSync(body) : gunzipSync(body)).toString()).toBe(chunk)
      // The same representation, under the same name, as the SDK's own route gives.
      const sdk = await t.request('/sdk/banner.js', { headers: { 'Accept-Encoding': encoding } })
      expect(res.headers.get('etag')).toBe(sdk.headers.get('etag'))
      // A revalidation keeps the answer cached as long as the 200 did (RFC 9110 §15.4.5).
      const again = await t.request('/api/admin/preview/acme/banner.js', { headers: { 'Accept-Encoding': encoding, 'If-None-Match': res.headers.get('etag')! } })
      expect(again.status).toBe(304)
      expect(again.headers.get('cache-control')).toBe('public, max-age=300')
      expect(again.headers.get('vary')).toBe('Accept-Encoding')
      expect(again.headers.get('etag')).toBe(res.headers.get('etag'))
      expect(again.headers.get('access-control-allow-origin')).toBe('*')
    }
    const plain = await t.request('/api/admin/preview/acme/banner.js')
    expect(plain.headers.get('content-encoding')).toBeNull()
    expect(await plain.text()).toBe(chunk)
    const again = await t.request('/api/admin/preview/acme/banner.js', { headers: { 'If-None-Match': plain.headers.get('etag')! } })
    expect(again.status).toBe(304)
    expect(again.headers.get('cache-control')).toBe('public, max-age=300')
  })
})
