// Where a request comes from (SPEC §6): headers set by the CDN or proxy in front of the server,
// trusted only when the deployment names them, else a local MaxMind database, else unknown.
// Never a call to a third-party service, and never a header the deployment did not configure:
// a visitor could set it to pick the laxest mode.
import { existsSync, statSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { consentModeRegions, normalizeRegion, type ConsentModeRegions, type RegionMode } from '@miniconsent/shared/regions'
import { z } from 'zod'
import { GeoIpDatabase } from '../lib/geoip'
import type { Logger } from '../logger'

export interface RegionHeaders {
  /** Header with the ISO 3166-1 alpha-2 country. */
  country: string
  /** Header with the ISO 3166-2 subdivision, with or without the country prefix (`CA` or `US-CA`). */
  subdivision?: string
}

/**
 * Headers the big CDNs add. Cloudflare sends `CF-Region-Code` only with its "Add visitor location
 * headers" managed transform; CloudFront sends its viewer headers only when an origin request
 * policy forwards them; Vercel always sends both.
 */
export const REGION_HEADER_PRESETS = {
  cloudflare: { country: 'cf-ipcountry', subdivision: 'cf-region-code' },
  cloudfront: { country: 'cloudfront-viewer-country', subdivision: 'cloudfront-viewer-country-region' },
  vercel: { country: 'x-vercel-ip-country', subdivision: 'x-vercel-ip-country-region' },
} as const satisfies Record<string, RegionHeaders>

const HEADER_NAME = /^[a-z0-9-]+$/

/**
 * A lower-case header name every object inherits (`constructor`). Node keeps a request's headers in
 * a plain object, whose look-up of such a name gives Object's member, not a header: a region read
 * from it would be a function, not text. No proxy sets such a header, so the settings refuse it.
 */
export const inheritedHeaderName = (name: string): boolean => Object.hasOwn(Object.prototype, name)

/** The refusal of an inherited header name in a setting. */
export const inheritedHeaderMessage = (name: string) => `"${name}" is no header a proxy sets: name the one yours sets, such as cf-ipcountry`

/**
 * `REGION_HEADERS`: a preset (`cloudflare`, `cloudfront`, `vercel`) or `<country-header>[,<subdivision-header>]`,
 * e.g. `x-country,x-region`.
 */
export const regionHeadersSetting = z.string().transform((value, ctx): RegionHeaders => {
  const v = value.trim().toLowerCase()
  // Own keys only: `constructor` or `__proto__` would otherwise be a "preset" of no headers at all.
  if (Object.hasOwn(REGION_HEADER_PRESETS, v)) return REGION_HEADER_PRESETS[v as keyof typeof REGION_HEADER_PRESETS]
  const parts = v.split(',').map((p) => p.trim())
  const inherited = parts.find(inheritedHeaderName)
  if (inherited !== undefined) {
    ctx.addIssue({ code: 'custom', message: inheritedHeaderMessage(inherited) })
    return z.NEVER
  }
  if (parts.length > 2 || !parts.every((p) => HEADER_NAME.test(p))) {
    ctx.addIssue({ code: 'custom', message: `use ${Object.keys(REGION_HEADER_PRESETS).join(', ')}, or "<country-header>[,<subdivision-header>]"` })
    return z.NEVER
  }
  const [country = '', subdivision] = parts
  return subdivision ? { country, subdivision } : { country }
})

/** `GEOIP_DB`: path of a GeoIP2/GeoLite2 Country or City `.mmdb` file, relative to the working directory. */
export const geoipDbSetting = z
  .string()
  .min(1)
  .transform((v) => (isAbsolute(v) ? v : resolve(v)))
  .refine((file) => existsSync(file) && statSync(file).isFile(), 'no such file (a GeoIP2 or GeoLite2 Country/City .mmdb)')

/**
 * Values that name no real place: Cloudflare's `XX` (unknown) and `T1` (Tor), the old MaxMind
 * pseudo-countries (`A1` anonymous proxy, `A2` satellite, `O1` other, `EU`/`AP` continents).
 */
const NOT_A_PLACE = new Set(['XX', 'T1', 'A1', 'A2', 'O1', 'EU', 'AP', 'ZZ'])

export interface RegionSettings {
  REGION_HEADERS?: RegionHeaders | undefined
  /** The single country header of earlier versions; same as `REGION_HEADERS=<header>`. */
  TRUSTED_REGION_HEADER?: string | undefined
  GEOIP_DB?: string | undefined
}

export class RegionResolver {
  readonly headers: RegionHeaders | null
  readonly geoip: GeoIpDatabase | null
  private readonly cmRegions = new WeakMap<object, ConsentModeRegions>()

  constructor(settings: RegionSettings, opts: { now: () => number; logger: Logger }) {
    this.headers = settings.REGION_HEADERS ?? (settings.TRUSTED_REGION_HEADER ? { country: settings.TRUSTED_REGION_HEADER } : null)
    this.geoip = settings.GEOIP_DB ? new GeoIpDatabase(settings.GEOIP_DB, opts) : null
    // Operators should see at start-up where regions come from; with neither, every visitor is opt-in.
    opts.logger.info('region source', {
      headers: this.varyHeaders.length ? this.varyHeaders : null,
      geoip: this.geoip ? `${this.geoip.file} (${this.geoip.description})` : null,
    })
  }

  /** Request headers that change the answer; responses name them in `Vary`. */
  get varyHeaders(): string[] {
    return this.headers ? [this.headers.country, ...(this.headers.subdivision ? [this.headers.subdivision] : [])] : []
  }

  /** `US-CA`, `DE`, or null when unknown. */
  regionOf(header: (name: string) => string | undefined, ip: string | null): string | null {
    return this.fromHeaders(header) ?? this.geoip?.lookup(ip) ?? null
  }

  private fromHeaders(header: (name: string) => string | undefined): string | null {
    if (!this.headers) return null
    const value = normalizeRegion(header(this.headers.country))
    if (!value || NOT_A_PLACE.has(value.slice(0, 2))) return null
    // Some proxies send the whole ISO 3166-2 code in one header.
    if (value.length > 2) return value
    const country = value
    const raw = this.headers.subdivision ? (header(this.headers.subdivision) ?? '').trim().toUpperCase() : ''
    if (!raw) return country
    // CDNs send the part after the dash (`CA`); accept the full code too, if it is this country's.
    const subdivision = normalizeRegion(raw.includes('-') ? raw : `${country}-${raw}`)
    return subdivision && subdivision.startsWith(country + '-') ? subdivision : country
  }

  /** Consent Mode region lists for a site's region settings; cached per settings object. */
  consentModeRegions(siteRegions: Readonly<Record<string, RegionMode>>): ConsentModeRegions {
    let hit = this.cmRegions.get(siteRegions)
    if (!hit) {
      hit = consentModeRegions(siteRegions)
      this.cmRegions.set(siteRegions, hit)
    }
    return hit
  }
}
