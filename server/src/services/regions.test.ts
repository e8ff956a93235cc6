import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { writeTestCityDb } from '../../test-fixtures/geoip'
import { parseEnv } from '../env'
import { silentLogger } from '../logger'
import { RegionResolver, type RegionSettings } from './regions'

const opts = { now: () => 0, logger: silentLogger }
const resolver = (settings: RegionSettings) => new RegionResolver(settings, opts)
const headers = (h: Record<string, string>) => (name: string) => h[name.toLowerCase()]

const dir = mkdtempSync(join(tmpdir(), 'miniconsent-regions-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('REGION_HEADERS and GEOIP_DB settings', () => {
  it('knows the Cloudflare, CloudFront and Vercel presets', () => {
    expect(parseEnv({ REGION_HEADERS: 'cloudflare' }).REGION_HEADERS).toEqual({ country: 'cf-ipcountry', subdivision: 'cf-region-code' })
    expect(parseEnv({ REGION_HEADERS: 'CloudFront' }).REGION_HEADERS).toEqual({
      country: 'cloudfront-viewer-country',
      subdivision: 'cloudfront-viewer-country-region',
    })
    expect(parseEnv({ REGION_HEADERS: 'vercel' }).REGION_HEADERS).toEqual({ country: 'x-vercel-ip-country', subdivision: 'x-vercel-ip-country-region' })
  })

  it('takes a country header and an optional subdivision header', () => {
    expect(parseEnv({ REGION_HEADERS: 'X-Country' }).REGION_HEADERS).toEqual({ country: 'x-country' })
    expect(parseEnv({ REGION_HEADERS: 'X-Country, X-Region' }).REGION_HEADERS).toEqual({ country: 'x-country', subdivision: 'x-region' })
  })

  it('refuses anything else at start-up', () => {
    expect(() => parseEnv({ REGION_HEADERS: 'akamai-ish header' })).toThrow(/REGION_HEADERS|cloudflare/)
    expect(() => parseEnv({ REGION_HEADERS: 'a,b,c' })).toThrow()
    // Names every object inherits are no preset, and no header a proxy sets either.
    for (const value of ['constructor', '__proto__', 'Constructor', 'x-country,constructor', 'constructor,x-region']) {
      expect(() => parseEnv({ REGION_HEADERS: value }), value).toThrow(/is no header a proxy sets[\s\S]*REGION_HEADERS/)
    }
    expect(() => parseEnv({ TRUSTED_REGION_HEADER: 'constructor' })).toThrow(/is no header a proxy sets[\s\S]*TRUSTED_REGION_HEADER/)
    expect(() => parseEnv({ GEOIP_DB: join(dir, 'missing.mmdb') })).toThrow(/no such file/)
  })

  it('accepts an existing database file', () => {
    const file = writeTestCityDb(dir)
    expect(parseEnv({ GEOIP_DB: file }).GEOIP_DB).toBe(file)
  })
})

describe('RegionResolver', () => {
  it('trusts no header unless one is configured', () => {
    const r = resolver({})
    expect(r.regionOf(headers({ 'cf-ipcountry': 'US', 'cf-region-code': 'CA' }), '198.51.100.7')).toBeNull()
    expect(r.varyHeaders).toEqual([])
  })

  it('combines the country header with the subdivision header', () => {
    const r = resolver({ REGION_HEADERS: { country: 'cf-ipcountry', subdivision: 'cf-region-code' } })
    expect(r.regionOf(headers({ 'cf-ipcountry': 'US', 'cf-region-code': 'CA' }), null)).toBe('US-CA')
    expect(r.regionOf(headers({ 'cf-ipcountry': 'us', 'cf-region-code': 'US-TX' }), null)).toBe('US-TX')
    expect(r.regionOf(headers({ 'cf-ipcountry': 'DE' }), null)).toBe('DE')
    expect(r.varyHeaders).toEqual(['cf-ipcountry', 'cf-region-code'])
  })

  it('ignores a subdivision that does not belong to the country or is malformed', () => {
    const r = resolver({ REGION_HEADERS: { country: 'x-country', subdivision: 'x-region' } })
    expect(r.regionOf(headers({ 'x-country': 'DE', 'x-region': 'US-CA' }), null)).toBe('DE')
    expect(r.regionOf(headers({ 'x-country': 'DE', 'x-region': 'Bavaria' }), null)).toBe('DE')
  })

  it('counts the CDNs’ unknown, Tor and pseudo-country values as unknown', () => {
    const r = resolver({ REGION_HEADERS: { country: 'cf-ipcountry' } })
    for (const v of ['XX', 'T1', 'A1', 'EU', '', 'Germany', 'D']) expect(r.regionOf(headers({ 'cf-ipcountry': v }), null), v).toBeNull()
  })

  it('keeps the single TRUSTED_REGION_HEADER of earlier versions working', () => {
    const r = resolver({ TRUSTED_REGION_HEADER: 'x-geo' })
    expect(r.regionOf(headers({ 'x-geo': 'US-CA' }), null)).toBe('US-CA')
    expect(r.regionOf(headers({ 'x-geo': 'fr' }), null)).toBe('FR')
  })

  it('falls back to the GeoIP database when no trusted header says where', () => {
    const r = resolver({ REGION_HEADERS: { country: 'cf-ipcountry' }, GEOIP_DB: writeTestCityDb(dir) })
    expect(r.regionOf(headers({ 'cf-ipcountry': 'FR' }), '198.51.100.7')).toBe('FR')
    expect(r.regionOf(headers({ 'cf-ipcountry': 'XX' }), '198.51.100.7')).toBe('US-CA')
    expect(r.regionOf(headers({}), '192.0.2.1')).toBe('DE')
    expect(r.regionOf(headers({}), '8.8.8.8')).toBeNull()
  })

  it('caches Consent Mode regions per settings object', () => {
    const r = resolver({})
    const settings = { BR: 'opt-in' as const }
    const first = r.consentModeRegions(settings)
    expect(first.denied).toContain('BR')
    expect(r.consentModeRegions(settings)).toBe(first)
  })
})
