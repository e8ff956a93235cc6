// Region, mode, Consent Mode regions and GPC as the config endpoint, the per-site script and
// ingestion see them (SPEC §5–6).
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { apiError, visitorConsentRecord, EEA_COUNTRIES, publishedConfig, type PublishedConfig } from '@miniconsent/shared'
import { writeTestCityDb } from '../../test-fixtures/geoip'
import type { AppDeps } from '../context'
import { ACME, consentBody, json, NOTICE_ONLY, startTestServer, type TestServer } from '../test-support'

const servers: TestServer[] = []
afterEach(() => servers.splice(0).forEach((t) => t.close()))

const baseEnv: AppDeps['env'] = { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: undefined, TRUST_PROXY: false }

function start(env: Partial<AppDeps['env']> = {}, regions: Record<string, 'opt-in' | 'opt-out' | 'notice'> = {}) {
  const t = startTestServer({ env: { ...baseEnv, ...env } }, [{ ...ACME, settings: { ...ACME.settings, regions } }])
  mkdirSync(join(t.dir, 'sdk'))
  writeFileSync(join(t.dir, 'sdk', 'miniconsent.js'), 'window.__cfg = "__MINICONSENT_CONFIG__";\n')
  servers.push(t)
  return t
}

async function config(t: TestServer, headers: Record<string, string> = {}, ip?: string): Promise<PublishedConfig> {
  const res = await t.request('/api/v1/sites/acme/config', { headers }, ip)
  expect(res.status).toBe(200)
  return publishedConfig.parse(await res.json())
}

const cloudflare = { REGION_HEADERS: { country: 'cf-ipcountry', subdivision: 'cf-region-code' } }

describe('mode per region from trusted headers', () => {
  it.each([
    ['DE', undefined, 'DE', 'opt-in'],
    ['GB', 'ENG', 'GB-ENG', 'opt-in'],
    ['CH', undefined, 'CH', 'opt-in'],
    ['US', 'CA', 'US-CA', 'opt-out'],
    ['US', 'VA', 'US-VA', 'opt-out'],
    ['US', 'NY', 'US-NY', 'notice'],
    ['BR', undefined, 'BR', 'notice'],
  ])('%s %s → %s, %s', async (country, sub, region, mode) => {
    const t = start(cloudflare)
    const h: Record<string, string> = { 'CF-IPCountry': country }
    if (sub) h['CF-Region-Code'] = sub
    expect(await config(t, h)).toMatchObject({ region, mode })
  })

  it('asks every visitor first when the site sets `*` to opt-in, except in a region it names itself', async () => {
    const t = start(cloudflare, { '*': 'opt-in', 'US-CA': 'opt-out' })
    for (const [h, region, mode] of [
      [{ 'CF-IPCountry': 'BR' }, 'BR', 'opt-in'],
      [{ 'CF-IPCountry': 'US', 'CF-Region-Code': 'VA' }, 'US-VA', 'opt-in'],
      [{ 'CF-IPCountry': 'US', 'CF-Region-Code': 'CA' }, 'US-CA', 'opt-out'],
    ] as [Record<string, string>, string, string][]) {
      const c = await config(t, h)
      expect(c, region).toMatchObject({ region, mode })
      // Google's default for a region the server names nowhere follows the request's own mode.
      expect(c.consentModeDefaults!.at(-1)!.analytics_storage).toBe(mode === 'opt-in' ? 'denied' : 'granted')
    }
  })

  it('ignores the same headers when the deployment does not trust them: unknown, so opt-in', async () => {
    const t = start()
    for (const h of [{ 'CF-IPCountry': 'US', 'CF-Region-Code': 'CA' }, { 'CF-IPCountry': 'BR' }] as Record<string, string>[]) {
      expect(await config(t, h)).toMatchObject({ region: null, mode: 'opt-in' })
    }
  })

  it('ignores headers of another CDN than the configured one', async () => {
    const t = start({ REGION_HEADERS: { country: 'x-vercel-ip-country', subdivision: 'x-vercel-ip-country-region' } })
    expect(await config(t, { 'CF-IPCountry': 'BR' })).toMatchObject({ region: null, mode: 'opt-in' })
    expect(await config(t, { 'X-Vercel-IP-Country': 'US', 'X-Vercel-IP-Country-Region': 'TX' })).toMatchObject({ region: 'US-TX', mode: 'opt-out' })
  })

  it('lets the subdivision beat the country', async () => {
    // The site's own US-NY beats its own US; other states follow US.
    const t = start(cloudflare, { US: 'notice', 'US-NY': 'opt-in' })
    expect(await config(t, { 'CF-IPCountry': 'US', 'CF-Region-Code': 'NY' })).toMatchObject({ region: 'US-NY', mode: 'opt-in' })
    expect(await config(t, { 'CF-IPCountry': 'US', 'CF-Region-Code': 'WA' })).toMatchObject({ region: 'US-WA', mode: 'notice' })
  })

  it('answers the strictest mode for Cloudflare’s unknown and Tor values', async () => {
    const t = start(cloudflare)
    expect(await config(t, { 'CF-IPCountry': 'XX' })).toMatchObject({ region: null, mode: 'opt-in' })
    expect(await config(t, { 'CF-IPCountry': 'T1' })).toMatchObject({ region: null, mode: 'opt-in' })
  })
})

describe('mode per region from the GeoIP database', () => {
  it('looks the client address up when no trusted header says where', async () => {
    const probe = start()
    const t = start({ GEOIP_DB: writeTestCityDb(probe.dir) })
    expect(await config(t, {}, '198.51.100.7')).toMatchObject({ region: 'US-CA', mode: 'opt-out' })
    expect(await config(t, {}, '192.0.2.10')).toMatchObject({ region: 'DE', mode: 'opt-in' })
    expect(await config(t, {}, '203.0.113.5')).toMatchObject({ region: 'BR-SP', mode: 'notice' })
    expect(await config(t, {}, '2001:db8:1::5')).toMatchObject({ region: 'FR-IDF', mode: 'opt-in' })
    expect(await config(t, {}, '100.64.0.1')).toMatchObject({ region: null, mode: 'opt-in' })
    // A visitor's own CF-IPCountry is not a configured header: still the database's answer.
    expect(await config(t, { 'CF-IPCountry': 'BR' }, '192.0.2.10')).toMatchObject({ region: 'DE', mode: 'opt-in' })
  })

  it('marks answers private, so no CDN hands one visitor’s region to the next', async () => {
    const probe = start()
    const t = start({ GEOIP_DB: writeTestCityDb(probe.dir) })
    const res = await t.request('/api/v1/sites/acme/config', {}, '198.51.100.7')
    expect(res.headers.get('cache-control')).toBe('private, max-age=60')
    const script = await t.request('/sdk/acme.js', {}, '198.51.100.7')
    expect(script.headers.get('cache-control')).toBe('private, max-age=300')
  })
})

describe('site overrides', () => {
  it('apply over the built-in table, for countries and subdivisions', async () => {
    const t = start(cloudflare, { BR: 'opt-in', DE: 'notice', 'US-CA': 'notice' })
    expect(await config(t, { 'CF-IPCountry': 'BR' })).toMatchObject({ mode: 'opt-in' })
    expect(await config(t, { 'CF-IPCountry': 'DE' })).toMatchObject({ mode: 'notice' })
    expect(await config(t, { 'CF-IPCountry': 'US', 'CF-Region-Code': 'CA' })).toMatchObject({ mode: 'notice' })
    expect(await config(t, { 'CF-IPCountry': 'US', 'CF-Region-Code': 'CO' })).toMatchObject({ mode: 'opt-out' })
  })
})

describe('consentModeDefaults', () => {
  const denied = 'denied'
  const granted = 'granted'
  /** ACME plus a marketing category, which GPC refuses. */
  function startWithMarketing(regions: Record<string, 'opt-in' | 'opt-out' | 'notice'> = {}) {
    const t = startTestServer({ env: { ...baseEnv, ...cloudflare } }, [
      {
        settings: { ...ACME.settings, regions, consentModeWaitForUpdate: 800 },
        catalogue: {
          ...ACME.catalogue,
          categories: [
            ...ACME.catalogue.categories!,
            { id: 'marketing', label: { en: 'Marketing' }, consentMode: ['ad_storage', 'ad_user_data', 'ad_personalization'] },
          ],
        },
      },
    ])
    servers.push(t)
    return t
  }
  const deniedState = { ad_storage: denied, ad_user_data: denied, ad_personalization: denied, analytics_storage: denied, functionality_storage: denied, personalization_storage: denied, security_storage: granted }
  const grantedState = { ...deniedState, ad_storage: granted, ad_user_data: granted, ad_personalization: granted, analytics_storage: granted }

  it('denies the opt-in regions, then the visitor’s own mode, and grants no region by name', async () => {
    const t = startWithMarketing()
    const [eea, own, ...rest] = (await config(t, { 'CF-IPCountry': 'US', 'CF-Region-Code': 'CA' })).consentModeDefaults!
    expect(rest).toEqual([])
    expect(eea).toEqual({ ...deniedState, wait_for_update: 800, region: expect.arrayContaining([...EEA_COUNTRIES, 'GB', 'CH', 'RE']) })
    expect(eea!.region).not.toContain('EU')
    expect(eea!.region).not.toContain('US-CA')
    // The visitor's own default has no region: opt-out here, so granted; opt-in in Germany and where unknown.
    expect(own).toEqual({ ...grantedState, wait_for_update: 800 })
    expect((await config(t, { 'CF-IPCountry': 'DE' })).consentModeDefaults![1]).toEqual({ ...deniedState, wait_for_update: 800 })
    expect((await config(t)).consentModeDefaults![1]).toEqual({ ...deniedState, wait_for_update: 800 })
    expect((await config(t, { 'CF-IPCountry': 'BR' })).consentModeDefaults![1]).toEqual({ ...grantedState, wait_for_update: 800 })
  })

  it('grants nothing before a choice to a visitor placed in opt-in, wherever Google locates them', async () => {
    // Google applies the most specific `region` that matches its own geolocation: a grant for
    // US-CA reached a visitor this server placed in opt-in (unknown region, or Germany) whom Google
    // locates in California.
    const t = startWithMarketing()
    for (const headers of [{}, { 'CF-IPCountry': 'DE' }, { 'CF-IPCountry': 'XX' }] as Record<string, string>[]) {
      const defaults = (await config(t, headers)).consentModeDefaults!
      for (const d of defaults) for (const type of ['ad_storage', 'ad_user_data', 'ad_personalization', 'analytics_storage'] as const) expect(d[type], JSON.stringify(headers)).toBe(denied)
    }
  })

  it('refuses the ad types in the visitor’s own default under GPC', async () => {
    const t = startWithMarketing()
    const adsDenied = { ...grantedState, ad_storage: denied, ad_user_data: denied, ad_personalization: denied, wait_for_update: 800 }
    const [eea, own, ...rest] = (await config(t, { 'CF-IPCountry': 'US', 'CF-Region-Code': 'CA', 'Sec-GPC': '1' })).consentModeDefaults!
    expect(rest).toEqual([])
    expect(eea).toMatchObject(deniedState)
    expect(own).toEqual(adsDenied)
  })

  it('does not deny by name the region of a visitor it places in opt-out or notice: a subdivision the site made more permissive', async () => {
    const t = start(cloudflare, { DE: 'opt-in', 'DE-BY': 'notice', US: 'opt-in', 'US-CA': 'opt-out' })
    for (const [country, subdivision] of [['DE', 'BY'], ['US', 'CA']] as const) {
      const c = await config(t, { 'CF-IPCountry': country, 'CF-Region-Code': subdivision })
      expect(c.mode).not.toBe('opt-in')
      const [deniedCmd, own] = c.consentModeDefaults!
      // Google would match the country for this visitor and deny what their own default grants.
      expect(deniedCmd!.region).not.toContain(country)
      expect(deniedCmd!.region).toContain('FR')
      expect(own!.analytics_storage).toBe(granted)
    }
    // A visitor placed in opt-in keeps every opt-in region denied by name.
    expect((await config(t, { 'CF-IPCountry': 'DE', 'CF-Region-Code': 'NW' })).consentModeDefaults![0]!.region).toEqual(expect.arrayContaining(['DE', 'US']))
  })

  it('grants only the mapped types: a catalogue without marketing never grants the ad types', async () => {
    const own = (await config(start(cloudflare), { 'CF-IPCountry': 'US', 'CF-Region-Code': 'CA' })).consentModeDefaults!.at(-1)
    expect(own).toMatchObject({ analytics_storage: granted, ad_storage: denied, functionality_storage: denied, security_storage: granted })
  })

  it('follows the site’s overrides', async () => {
    const t = start(cloudflare, { US: 'opt-in', 'US-CA': 'opt-out', DE: 'notice' })
    const [deniedCmd, own] = (await config(t)).consentModeDefaults!
    expect(deniedCmd!.analytics_storage).toBe(denied)
    expect(deniedCmd!.region).toEqual(expect.arrayContaining(['US', 'US-TX']))
    expect(deniedCmd!.region).not.toContain('DE')
    expect(deniedCmd!.region).not.toContain('US-CA')
    expect(own!.analytics_storage).toBe(denied)
    expect((await config(t, { 'CF-IPCountry': 'DE' })).consentModeDefaults!.at(-1)!.analytics_storage).toBe(granted)
  })

  it('grants everything, with no region lists, when nothing needs consent', async () => {
    const t = startTestServer({ env: baseEnv }, [NOTICE_ONLY])
    servers.push(t)
    const res = await t.request('/api/v1/sites/notice-only/config', { headers: { 'Sec-GPC': '1' } })
    const { consentModeDefaults } = publishedConfig.parse(await res.json())
    expect(consentModeDefaults).toEqual([expect.objectContaining({ security_storage: granted, wait_for_update: 500 })])
    expect(consentModeDefaults![0]!.region).toBeUndefined()
  })
})

describe('a catalogue with nothing needing consent', () => {
  it('answers notice in every region, so that the SDK shows no Your Privacy Choices button in an opt-out one, and its records keep the region’s mode', async () => {
    const t = startTestServer({ env: { ...baseEnv, ...cloudflare } }, [NOTICE_ONLY])
    servers.push(t)
    mkdirSync(join(t.dir, 'sdk'))
    writeFileSync(join(t.dir, 'sdk', 'miniconsent.js'), 'window.__cfg = "__MINICONSENT_CONFIG__";\n')
    const californian = { 'CF-IPCountry': 'US', 'CF-Region-Code': 'CA' }
    for (const h of [californian, { 'CF-IPCountry': 'DE' }, {}] as Record<string, string>[]) {
      const res = await t.request('/api/v1/sites/notice-only/config', { headers: h })
      expect(publishedConfig.parse(await res.json())).toMatchObject({ mode: 'notice', needsBanner: false })
    }
    const win: { __cfg?: unknown } = {}
    new Function('window', await (await t.request('/sdk/notice-only.js', { headers: californian })).text())(win)
    expect(publishedConfig.parse(win.__cfg)).toMatchObject({ region: 'US-CA', mode: 'notice' })
    // A choice made from the settings link is recorded under the region's mode, as the law sees it.
    const body = consentBody({ siteId: 'notice-only', categories: { essential: true, functional: false }, services: {}, method: 'custom', url: 'https://notice.test/' })
    const res = await t.request('/api/v1/consents', { method: 'POST', headers: { ...californian, 'Content-Type': 'application/json', Origin: 'https://notice.test' }, body: JSON.stringify(body) })
    expect(res.status).toBe(201)
    expect(t.db.$client.prepare('SELECT mode FROM consent_records WHERE record_id = ?').get(body.recordId)).toEqual({ mode: 'opt-out' })
  })

  it('is not a catalogue whose switchable category maps a Consent Mode type that needs consent, services declared or not', async () => {
    // Marketing mapped to Google's ad types before the Google Ads service is declared: the tags of
    // the page read those types all the same, so they are asked for, never granted to everyone.
    const ads = {
      settings: { id: 'ads', name: 'Ads', domains: ['ads.test'] },
      catalogue: {
        categories: [
          { id: 'essential', required: true, label: { en: 'Essential' } },
          { id: 'marketing', label: { en: 'Marketing' }, consentMode: ['ad_storage' as const, 'ad_user_data' as const, 'ad_personalization' as const] },
        ],
      },
    }
    const t = startTestServer({ env: { ...baseEnv, ...cloudflare } }, [ads])
    servers.push(t)
    const adTypes = (d: Record<string, unknown>) => [d.ad_storage, d.ad_user_data, d.ad_personalization]
    const configOf = async (headers: Record<string, string>) => publishedConfig.parse(await (await t.request('/api/v1/sites/ads/config', { headers })).json())
    // Nowhere known, and in the EEA: opt-in, the ad types denied until the visitor agrees.
    for (const h of [{}, { 'CF-IPCountry': 'DE' }] as Record<string, string>[]) {
      const c = await configOf(h)
      expect(c).toMatchObject({ needsBanner: true, mode: 'opt-in' })
      expect(adTypes(c.consentModeDefaults!.at(-1)!)).toEqual(['denied', 'denied', 'denied'])
    }
    // California with GPC: opt-out, and the signal refuses the ad types.
    const gpc = await configOf({ 'CF-IPCountry': 'US', 'CF-Region-Code': 'CA', 'Sec-GPC': '1' })
    expect(gpc).toMatchObject({ needsBanner: true, mode: 'opt-out', gpc: true, gpcCategories: ['marketing'] })
    expect(adTypes(gpc.consentModeDefaults!.at(-1)!)).toEqual(['denied', 'denied', 'denied'])
  })
})

describe('Global Privacy Control', () => {
  it('passes Sec-GPC: 1 to the SDK in the config and the script', async () => {
    const t = start()
    expect((await config(t)).gpc).toBe(false)
    expect((await config(t, { 'Sec-GPC': '1' })).gpc).toBe(true)
    expect((await config(t, { 'Sec-GPC': '0' })).gpc).toBe(false)
    const win: { __cfg?: unknown } = {}
    new Function('window', await (await t.request('/sdk/acme.js', { headers: { 'Sec-GPC': '1' } })).text())(win)
    expect(publishedConfig.parse(win.__cfg).gpc).toBe(true)
  })

  it('records GPC and the region’s mode with each consent record', async () => {
    const t = start(cloudflare)
    const h = { 'CF-IPCountry': 'US', 'CF-Region-Code': 'CA', 'Sec-GPC': '1' }
    expect((await t.request('/api/v1/consents', json(consentBody({ method: 'gpc', gpc: false }), h))).status).toBe(201)
    const stored = visitorConsentRecord.parse(await (await t.request('/api/v1/consents/visitor-0001?site=acme')).json())
    expect(stored).toMatchObject({ region: 'US-CA', mode: 'opt-out', gpc: true, method: 'gpc' })
  })

  it('records the strictest mode when the region is unknown, and the site’s override otherwise', async () => {
    const t = start(cloudflare, { BR: 'opt-out' })
    await t.request('/api/v1/consents', json(consentBody({ consentId: 'visitor-unknown' })))
    await t.request('/api/v1/consents', json(consentBody({ consentId: 'visitor-brazil' }), { 'CF-IPCountry': 'BR' }))
    const get = async (id: string) => visitorConsentRecord.parse(await (await t.request(`/api/v1/consents/${id}?site=acme`)).json())
    expect(await get('visitor-unknown')).toMatchObject({ region: null, mode: 'opt-in', gpc: false })
    expect(await get('visitor-brazil')).toMatchObject({ region: 'BR', mode: 'opt-out' })
  })
})

describe('caching per variant', () => {
  it('names the trusted headers and Sec-GPC in Vary on the config and the script', async () => {
    const t = start(cloudflare)
    const res = await t.request('/api/v1/sites/acme/config')
    const vary = (res.headers.get('vary') ?? '').toLowerCase()
    for (const h of ['cf-ipcountry', 'cf-region-code', 'sec-gpc']) expect(vary).toContain(h)
    expect(res.headers.get('cache-control')).toBe('private, max-age=60')
    const script = await t.request('/sdk/acme.js')
    expect(script.headers.get('vary')).toBe('cf-ipcountry, cf-region-code, Sec-GPC, Accept-Encoding')
    expect(script.headers.get('cache-control')).toBe('private, max-age=300')
  })

  it('lets a CDN keep the config and the script (public, s-maxage) when CDN_CACHE_SECONDS is set, with the same Vary', async () => {
    const t = start({ ...cloudflare, CDN_CACHE_SECONDS: 600 })
    const res = await t.request('/api/v1/sites/acme/config', { headers: { 'CF-IPCountry': 'DE' } })
    expect(res.headers.get('cache-control')).toBe('public, max-age=60, s-maxage=600')
    expect((res.headers.get('vary') ?? '').toLowerCase()).toContain('cf-ipcountry')
    const script = await t.request('/sdk/acme.js')
    expect(script.headers.get('cache-control')).toBe('public, max-age=300, s-maxage=600')
    expect(script.headers.get('vary')).toBe('cf-ipcountry, cf-region-code, Sec-GPC, Accept-Encoding')
  })

  it('lets no cache keep the refusal of a malformed or unknown site id, as the per-site script does not', async () => {
    // With CDN_CACHE_SECONDS the operator has a CDN cache the config path: a 404 without
    // Cache-Control is heuristically cacheable there, and would outlive the site's first publication.
    const t = start({ ...cloudflare, CDN_CACHE_SECONDS: 600 })
    for (const [path, status, code] of [
      ['/api/v1/sites/nosite/config', 404, 'site_not_found'],
      ['/api/v1/sites/Not_A_Site/config', 400, 'invalid_request'],
      [`/api/v1/sites/${'x'.repeat(65)}/config`, 400, 'invalid_request'],
    ] as const) {
      const res = await t.request(path)
      expect([res.status, apiError.parse(await res.json()).error.code], path).toEqual([status, code])
      expect(res.headers.get('cache-control'), path).toBe('no-store')
    }
    expect((await t.request('/sdk/nosite.js')).headers.get('cache-control')).toBe('no-store')
  })

  it('varies on Sec-GPC alone when no region header is trusted', async () => {
    const t = start()
    expect((await t.request('/sdk/acme.js')).headers.get('vary')).toBe('Sec-GPC, Accept-Encoding')
  })

  it('gives each region and GPC variant of the script its own ETag, and 304s only the same variant', async () => {
    const t = start(cloudflare)
    const get = (h: Record<string, string>) => t.request('/sdk/acme.js', { headers: h })
    const de = (await get({ 'CF-IPCountry': 'DE' })).headers.get('etag')!
    const deAgain = (await get({ 'CF-IPCountry': 'DE' })).headers.get('etag')
    const ca = (await get({ 'CF-IPCountry': 'US', 'CF-Region-Code': 'CA' })).headers.get('etag')
    const deGpc = (await get({ 'CF-IPCountry': 'DE', 'Sec-GPC': '1' })).headers.get('etag')
    expect(deAgain).toBe(de)
    expect(new Set([de, ca, deGpc]).size).toBe(3)
    const notModified = await get({ 'CF-IPCountry': 'DE', 'If-None-Match': de })
    expect(notModified.status).toBe(304)
    expect(notModified.headers.get('vary')).toContain('cf-ipcountry')
    expect((await get({ 'CF-IPCountry': 'US', 'CF-Region-Code': 'CA', 'If-None-Match': de })).status).toBe(200)
  })
})

describe('Consent Mode options', () => {
  it('sends gtagSet only with what the site turned on', async () => {
    const withBoth = startTestServer({}, [{ ...ACME, settings: { ...ACME.settings, adsDataRedaction: true, urlPassthrough: true } }])
    const withOne = startTestServer({}, [{ ...ACME, settings: { ...ACME.settings, urlPassthrough: true } }])
    servers.push(withBoth, withOne)
    expect((await config(withBoth)).gtagSet).toEqual({ ads_data_redaction: true, url_passthrough: true })
    expect((await config(withOne)).gtagSet).toEqual({ url_passthrough: true })
    expect(await config(start())).not.toHaveProperty('gtagSet')
  })
})

describe("this server's own pages (the demo pages) behind a proxy that ends TLS", () => {
  it('reads the config and records consent from https://<its host> when TRUST_PROXY is set, and only then', async () => {
    // consent.example is in no site's domains: only being this server's own origin lets it in.
    const host = 'http://consent.example'
    const page = { Origin: 'https://consent.example', 'X-Forwarded-Proto': 'https' }
    const proxied = start({ TRUST_PROXY: true })
    const res = await proxied.request(`${host}/api/v1/sites/acme/config`, { headers: page })
    expect(res.headers.get('access-control-allow-origin')).toBe('https://consent.example')
    expect((await proxied.request(`${host}/api/v1/consents`, json(consentBody(), page))).status).toBe(201)

    // Without TRUST_PROXY the forwarded scheme is the client's word: an https Origin is another origin.
    const direct = start()
    expect((await direct.request(`${host}/api/v1/sites/acme/config`, { headers: page })).headers.get('access-control-allow-origin')).toBeNull()
    expect((await direct.request(`${host}/api/v1/consents`, json(consentBody(), page))).status).toBe(403)
    const plain = await direct.request(`${host}/api/v1/sites/acme/config`, { headers: { Origin: 'http://consent.example' } })
    expect(plain.headers.get('access-control-allow-origin')).toBe('http://consent.example')

    // A proxy that appends to X-Forwarded-Proto: its own value is the last one, whatever the client put before it.
    const appended = (proto: string) => proxied.request(`${host}/api/v1/sites/acme/config`, { headers: { ...page, 'X-Forwarded-Proto': proto } })
    expect((await appended('http, https')).headers.get('access-control-allow-origin')).toBe('https://consent.example')
    expect((await appended('https, http')).headers.get('access-control-allow-origin')).toBeNull()

    // A proxy that forwards the Host with https's port spelt out: the browser's Origin leaves the default port out.
    const withPort = { ...page, Origin: 'https://consent.example' }
    const spelt = await proxied.request('http://consent.example:443/api/v1/sites/acme/config', { headers: withPort })
    expect(spelt.headers.get('access-control-allow-origin')).toBe('https://consent.example')
    expect((await proxied.request('http://consent.example:443/api/v1/consents', json(consentBody(), withPort))).status).toBe(201)
  })

  it('reads the config and records consent from PUBLIC_URL behind a proxy that rewrites Host', async () => {
    // nginx's plain proxy_pass: the browser is at https://consent.example.com, the request names 127.0.0.1:8787.
    const host = 'http://127.0.0.1:8787'
    const page = { Origin: 'https://consent.example.com' }
    const t = start({ PUBLIC_URL: 'https://consent.example.com' })
    const res = await t.request(`${host}/api/v1/sites/acme/config`, { headers: page })
    expect(res.headers.get('access-control-allow-origin')).toBe('https://consent.example.com')
    expect((await t.request(`${host}/api/v1/consents`, json(consentBody(), page))).status).toBe(201)
    const preflight = await t.request(`${host}/api/v1/consents`, { method: 'OPTIONS', headers: { ...page, 'Access-Control-Request-Method': 'POST' } })
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://consent.example.com')
    // A refusal given before the site is known is readable by it too, so the demo pages drop the record.
    const unknown = await t.request(`${host}/api/v1/consents`, json(consentBody({ siteId: 'nowhere' }), page))
    expect([unknown.status, unknown.headers.get('access-control-allow-origin')]).toEqual([404, 'https://consent.example.com'])

    // Only that origin: another scheme or host of it is still another origin.
    for (const other of ['http://consent.example.com', 'https://consent.example.com:8443', 'https://evil.example.com']) {
      const refused = await t.request(`${host}/api/v1/sites/acme/config`, { headers: { Origin: other } })
      expect(refused.headers.get('access-control-allow-origin'), other).toBeNull()
      expect((await t.request(`${host}/api/v1/consents`, json(consentBody(), { Origin: other }))).status, other).toBe(403)
    }
  })
})
