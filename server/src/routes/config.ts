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
import { etagOf, negotiate, pickEncoding, type Encoding } from '../lib/encoding'
import { etagMatches } from '../lib/static-files'
import { ApiError } from '../lib/errors'
import { requestHeader, requestRegion } from '../lib/request'
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
  const gpc = requestHeader(c, 'sec-gpc') === '1'
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

/** Accept-Encoding values seen, with the encoding each picks: browsers send a handful of distinct ones. */
const encodingOf = new Map<string, Encoding | null>()
const ENCODING_VALUES_MAX = 64

function encodingFor(accept: string | undefined): Encoding | null {
  if (accept === undefined) return null
  let encoding = encodingOf.get(accept)
  if (encoding === undefined) {
    if (encodingOf.size >= ENCODING_VALUES_MAX) encodingOf.clear()
    encodingOf.set(accept, (encoding = pickEncoding(accept)))
  }
  return encoding
}

/** `scheme://host[:port]` of an absolute URL, without parsing it. */
function ownOrigin(url: string): string {
  const end = url.indexOf('/', url.indexOf('//') + 2)
  return end === -1 ? url : url.slice(0, end)
}

export function configRoutes(s: Services) {
  const caching = regionCaching(s, 60)
  // The SDK's fetch when no config is embedded: the hottest public read. Each variant's answer —
  // its bytes (compressed once asked for), ETag and every header but the request id — is built
  // once per encoding and Origin and kept with the published config; a request only picks it.
  // Negotiating and merging the headers on every request held the fetch at 50 % of the
  // hello-world ceiling against 57 % this way (interleaved runs, same machine).
  return new Hono<AppEnv>().get('/api/v1/sites/:siteId/config', (c) => {
    const siteId = slugParam(c.req.param('siteId')) ?? siteParams.parse(c.req.param()).siteId
    const variant = configVariant(c, s, siteId)
    const origin = requestHeader(c, 'origin')
    // An Origin is allowed for the site's domains or when it is this server's own (lib/cors.ts),
    // so the answer for an Origin also depends on the origin the request was sent to.
    const corsKey = origin === undefined ? '' : `${origin}\n${ownOrigin(c.req.url)}`
    const encoding = encodingFor(requestHeader(c, 'accept-encoding'))
    const answer = memoRendered(variant, `answer|${encoding}|${corsKey}`, () => {
      const json = memoRendered(variant, 'json', () => {
        const body = Buffer.from(JSON.stringify(variant.config))
        return { body, etag: etagOf(body) }
      })
      const cors = corsHeaders(checkOrigin(c, s.sites.get(siteId)?.settings.domains ?? []), caching.vary)
      const negotiated = negotiate(encoding ?? undefined, undefined, json.body, json.etag, JSON_TYPE, cors.Vary)
      const { 'Content-Encoding': contentEncoding, ...validators } = negotiated.headers
      const notModified = { 'Cache-Control': caching.cacheControl, 'Cross-Origin-Resource-Policy': 'cross-origin', 'Content-Type': JSON_TYPE, ...cors, ...validators }
      const ok = contentEncoding ? { ...notModified, 'Content-Encoding': contentEncoding } : notModified
      return { body: negotiated.body!, etag: validators.ETag!, ok, notModified }
    })
    if (etagMatches(requestHeader(c, 'if-none-match'), answer.etag)) return respond(c, null, 304, answer.notModified)
    return respond(c, answer.body, 200, answer.ok)
  })
}
