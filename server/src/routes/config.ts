// The published config, for SDK scripts served without an embedded one (e.g. from a CDN).
import type { ConsentModeDefault, PublishedConfig } from '@miniconsent/shared'
import { slug } from '@miniconsent/shared'
import { CONSENT_MODE_TYPES } from '@miniconsent/shared/consent-mode'
import { resolveMode, type ConsentModeRegions, type RegionMode } from '@miniconsent/shared/regions'
import type { Context } from 'hono'
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, Services } from '../context'
import { checkOrigin, corsHeaders } from '../lib/cors'
import { etagOf, negotiate } from '../lib/encoding'
import { ApiError } from '../lib/errors'
import { requestRegion } from '../lib/request'
import { slugParam } from '../lib/validate'
import { respond } from '../middleware/request-context'

type BaseConfig = NonNullable<ReturnType<Services['sites']['publishedConfig']>>

/** GPC is an opt-out of sale/sharing (SPEC §5): it refuses this category, as the SDK's core/consent.ts does. */
const GPC_CATEGORY = 'marketing'

/**
 * Consent Mode types with the categories `on` says are on: each grants the types its catalogue
 * entry lists, security_storage always (as the SDK's core/consent-mode.ts does for a choice).
 */
function consentModeState(base: BaseConfig, on: (category: BaseConfig['catalogue']['categories'][number]) => boolean, waitForUpdate: number, region?: string[]): ConsentModeDefault {
  const granted = new Set<string>(['security_storage'])
  for (const c of base.catalogue.categories) if (on(c)) for (const t of c.consentMode) granted.add(t)
  const out = {} as ConsentModeDefault
  for (const t of CONSENT_MODE_TYPES) out[t] = granted.has(t) ? 'granted' : 'denied'
  out.wait_for_update = waitForUpdate
  if (region?.length) out.region = region
  return out
}

/**
 * The Consent Mode `default` commands for a request (PublishedConfig.consentModeDefaults): the
 * opt-in regions denied, the opt-out and notice regions granted (GPC refusing marketing, as the SDK
 * decides there), then this request's own mode without `region`, which Google applies wherever no
 * listed region matches. A catalogue with nothing needing consent grants everything everywhere.
 */
export function consentModeDefaults(base: BaseConfig, mode: RegionMode, gpc: boolean, regions: ConsentModeRegions): ConsentModeDefault[] {
  const wait = base.site.consentModeWaitForUpdate
  const allowed = (c: { id: string }) => !(gpc && c.id === GPC_CATEGORY)
  if (!base.needsBanner) return [consentModeState(base, () => true, wait)]
  const denied = (c: { required: boolean }) => c.required
  return [
    ...(regions.denied.length ? [consentModeState(base, denied, wait, regions.denied)] : []),
    ...(regions.granted.length ? [consentModeState(base, allowed, wait, regions.granted)] : []),
    consentModeState(base, mode === 'opt-in' ? denied : allowed, wait),
  ]
}

/**
 * Per published config (rebuilt whenever the site's settings, and so its region table, change):
 * the defaults for each mode × GPC, so that a request only picks them.
 */
const defaultsCache = new WeakMap<BaseConfig, Map<string, ConsentModeDefault[]>>()

/**
 * Serialised forms of a request's config (the JSON answer, the per-site script), memoised per
 * published config and variant: re-serialising the whole catalogue on every request was most of
 * the config endpoint's cost. The cache goes with its published config when the site changes.
 */
const renderedCache = new WeakMap<BaseConfig, Map<string, unknown>>()
const RENDERED_VARIANTS_MAX = 512

export function memoRendered<T>(variant: Pick<ConfigVariant, 'base' | 'key'>, kind: string, render: () => T): T {
  let perBase = renderedCache.get(variant.base)
  if (!perBase) renderedCache.set(variant.base, (perBase = new Map()))
  const key = kind + '|' + variant.key
  let value = perBase.get(key) as T | undefined
  if (value === undefined) {
    // Regions are a bounded set, but a bundle rebuilt in development adds variants: start over past a bound.
    if (perBase.size >= RENDERED_VARIANTS_MAX) perBase.clear()
    perBase.set(key, (value = render()))
  }
  return value
}

export interface ConfigVariant {
  base: BaseConfig
  /** Identifies the variant among those of `base`, for memoising what is built from it. */
  key: string
  /** Built on each read: callers read it only to render a variant not memoised yet. */
  readonly config: PublishedConfig
}

/**
 * The config for this request — region, mode and Global Privacy Control resolved — and what
 * identifies its variant. Throws 404 for an unknown site.
 */
export function configVariant(c: Context<AppEnv>, s: Services, siteId: string): ConfigVariant {
  const base = s.sites.publishedConfig(siteId)
  if (!base) throw new ApiError(404, 'site_not_found', `No published site "${siteId}"`)
  const siteRegions = s.sites.get(siteId)?.settings.regions ?? {}
  const region = requestRegion(c, s)
  const mode = resolveMode(region, siteRegions)
  // https://privacycg.github.io/gpc-spec/#the-sec-gpc-header-field-for-http-requests: "1" is the only valid value.
  const gpc = c.req.header('sec-gpc') === '1'
  let perBase = defaultsCache.get(base)
  if (!perBase) defaultsCache.set(base, (perBase = new Map()))
  const key = mode + (gpc ? '+gpc' : '')
  let defaults = perBase.get(key)
  if (!defaults) perBase.set(key, (defaults = consentModeDefaults(base, mode, gpc, s.regions.consentModeRegions(siteRegions))))
  const consentModeDefaultsOfVariant = defaults
  return {
    base,
    key: `${region ?? ''}|${key}`,
    get config() {
      return { ...base, region, mode, consentModeDefaults: consentModeDefaultsOfVariant, gpc }
    },
  }
}

/**
 * Answers differ per region and GPC signal. `Vary` names the configured region headers and
 * Sec-GPC for the browser's cache, but answers are `private` all the same: a region looked up
 * from the client's IP cannot be named in `Vary`, and common CDNs key their cache on the URL and
 * ignore `Vary` unless told otherwise (Cloudflare without a Vary cache rule, CloudFront without a
 * cache policy), so a shared copy would hand one visitor's region or GPC signal to the next.
 * Revalidation stays cheap: each variant has its own ETag.
 */
export function regionCaching(s: Services, maxAge: number): { vary: string; cacheControl: string } {
  return { vary: [...s.regions.varyHeaders, 'Sec-GPC'].join(', '), cacheControl: `private, max-age=${maxAge}` }
}

const siteParams = z.object({ siteId: slug })
const JSON_TYPE = 'application/json'

export function configRoutes(s: Services) {
  const caching = regionCaching(s, 60)
  // The SDK's fetch when no config is embedded: the hottest public read, answered through `respond()`.
  return new Hono<AppEnv>().get('/api/v1/sites/:siteId/config', (c) => {
    const siteId = slugParam(c.req.param('siteId')) ?? siteParams.parse(c.req.param()).siteId
    const variant = configVariant(c, s, siteId)
    const cors = checkOrigin(c, s.sites.get(siteId)?.settings.domains ?? [])
    // Kept as bytes with their ETag (and, once asked for, compressed): encoding the same ~6 KB
    // string to UTF-8 on every write was a tenth of the request's cost.
    const json = memoRendered(variant, 'json', () => {
      const body = Buffer.from(JSON.stringify(variant.config))
      return { body, etag: etagOf(body) }
    })
    const headers = corsHeaders(cors, caching.vary)
    const answer = negotiate(c.req.header('accept-encoding'), c.req.header('if-none-match'), json.body, json.etag, JSON_TYPE, headers.Vary)
    return respond(c, answer.body, answer.status, {
      'Cache-Control': caching.cacheControl,
      'Cross-Origin-Resource-Policy': 'cross-origin',
      'Content-Type': JSON_TYPE,
      ...headers,
      ...answer.headers,
    })
  })
}
