// The published config, for SDK scripts served without an embedded one (e.g. from a CDN).
import type { ConsentModeDefault, PublishedConfig } from '@miniconsent/shared'
import { slug } from '@miniconsent/shared'
import { CONSENT_MODE_TYPES } from '@miniconsent/shared/consent-mode'
import { resolveMode, type ConsentModeRegions, type RegionMode } from '@miniconsent/shared/regions'
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, Services } from '../context'
import { checkOrigin, corsHeaders } from '../lib/cors'
import { etagOf, negotiate, pickEncoding, type Encoding } from '../lib/encoding'
import { etagMatches } from '../lib/static-files'
import { ApiError } from '../lib/errors'
import { isHttps, requestHeader, requestRegion, type RequestFacts } from '../lib/request'
import { slugParam } from '../lib/validate'
import { keptAnswer, respond, type KeptAnswer } from '../middleware/request-context'

type BaseConfig = NonNullable<ReturnType<Services['sites']['publishedConfig']>>

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
 * opt-in regions denied, then this request's own mode without `region`, which Google applies
 * wherever no listed region matches (GPC refusing the categories for sale/sharing,
 * `gpcCategories`, as the SDK decides there). No region is ever granted by name: Google matches
 * `region` by its own geolocation of the visitor, so a grant for the opt-out states reached
 * visitors this server had placed in opt-in (where their region is unknown, or where the two
 * disagree), against SPEC §6 (the region is never a third party's, and unknown is the
 * strictest); and for a visitor this server places in opt-out or notice, the grant was the same
 * as their own default. A listed denial only ever makes a default stricter. A catalogue with
 * nothing needing consent grants everything everywhere.
 */
export function consentModeDefaults(base: BaseConfig, mode: RegionMode, gpc: boolean, regions: ConsentModeRegions, region: string | null = null): ConsentModeDefault[] {
  const wait = base.site.consentModeWaitForUpdate
  const refused = gpc ? (base.gpcCategories ?? []) : []
  const allowed = (c: { id: string }) => !refused.includes(c.id)
  if (!base.needsBanner) return [consentModeState(base, () => true, wait)]
  const denied = (c: { required: boolean }) => c.required
  // Nor is the visitor's own region denied by name when this server places them in opt-out or
  // notice: a site with `DE` opt-in and `DE-BY` notice would have Google match `DE` for a
  // visitor in Bavaria, and deny what their own default grants.
  const deniedRegions = mode === 'opt-in' || !region ? regions.denied : regions.denied.filter((r) => r !== region && !region.startsWith(r + '-'))
  return [
    ...(deniedRegions.length ? [consentModeState(base, denied, wait, deniedRegions)] : []),
    consentModeState(base, mode === 'opt-in' ? denied : allowed, wait),
  ]
}

/**
 * The variants of each published config (rebuilt whenever the site's settings, and so its region
 * table, change), by region, mode and GPC, each built once with what is rendered from it. A
 * request only picks its variant: building one per request, an object with a getter, cost the
 * config fetch ~6 µs of its ~40 (measured under load; 0.8 µs in a loop).
 */
const variantsCache = new WeakMap<BaseConfig, VariantSet>()

/** A published config's variants, and how many things are kept for it in all: variants and renderings. */
interface VariantSet {
  byKey: Map<string, ConfigVariant>
  kept: number
}
/**
 * What is kept per published config, over all its variants (regions × modes × GPC) and their
 * renderings (the JSON, the answers per encoding and Origin, the scripts per bundle version).
 * Origins are whatever clients send and a bundle rebuilt in development adds script versions:
 * past the bound, the config's variants start over.
 */
const KEPT_MAX = 1024

export interface ConfigVariant {
  /** The config this variant answers; read to render what memoRendered keeps. */
  config: PublishedConfig
  /** What has been rendered from it, by kind (memoRendered). */
  rendered: Map<string, unknown>
  set: VariantSet
}

/** Counts one more thing kept for the variant's published config; past KEPT_MAX, its variants start over. */
function keepOneMore(variant: ConfigVariant): void {
  if (++variant.set.kept <= KEPT_MAX) return
  variant.set.byKey.clear()
  variant.set.kept = 0
}

/**
 * Serialised forms of a variant (the JSON answer, the per-site script), kept with it:
 * re-serialising the whole catalogue on every request was most of the config endpoint's cost.
 * They go with their published config when the site changes.
 */
export function memoRendered<T>(variant: ConfigVariant, kind: string, render: () => T): T {
  let value = variant.rendered.get(kind) as T | undefined
  if (value === undefined) {
    keepOneMore(variant)
    variant.rendered.set(kind, (value = render()))
  }
  return value
}

/**
 * The config variant for this request — region, mode and Global Privacy Control resolved.
 * Throws 404 for an unknown site.
 */
export function configVariant(c: RequestFacts, s: Services, siteId: string): ConfigVariant {
  // One read of the site for both its published config and its region settings.
  const info = s.sites.get(siteId)
  const base = info && s.sites.publishedConfig(siteId, info)
  if (!info || !base) throw new ApiError(404, 'site_not_found', `No published site "${siteId}"`)
  const siteRegions = info.settings.regions ?? {}
  const region = requestRegion(c, s)
  // A catalogue with nothing needing consent has nothing to opt out of either: its visitors get
  // no banner and no "Your Privacy Choices" button, in an opt-out region too (SPEC §4: only the
  // declaration and the settings link), so its config says `notice` wherever they are. (Its
  // records, made from that settings link or the JS API, are stamped with the region's own mode
  // at ingestion, routes/consents.ts.)
  const mode = base.needsBanner ? resolveMode(region, siteRegions) : 'notice'
  // https://privacycg.github.io/gpc-spec/#the-sec-gpc-header-field-for-http-requests: "1" is the only valid value.
  const gpc = requestHeader(c, 'sec-gpc') === '1'
  let set = variantsCache.get(base)
  if (!set) variantsCache.set(base, (set = { byKey: new Map(), kept: 0 }))
  const key = `${region ?? ''}|${mode}${gpc ? '+gpc' : ''}`
  let variant = set.byKey.get(key)
  if (!variant) {
    const defaults = consentModeDefaults(base, mode, gpc, s.regions.consentModeRegions(siteRegions), region)
    variant = { config: { ...base, region, mode, consentModeDefaults: defaults, gpc }, rendered: new Map(), set }
    keepOneMore(variant)
    set.byKey.set(key, variant)
  }
  return variant
}

/**
 * Answers differ per region and GPC signal. `Vary` names the configured region headers and
 * Sec-GPC. By default answers are `private` all the same: a region looked up from the client's IP
 * cannot be named in `Vary`, and common CDNs key their cache on the URL and ignore `Vary` unless
 * told otherwise (Cloudflare without a Vary cache rule, CloudFront without a cache policy), so a
 * shared copy would hand one visitor's region or GPC signal to the next. A deployment whose CDN
 * keys on those headers sets CDN_CACHE_SECONDS (refused beside GEOIP_DB, env.ts): the answers are
 * then `public` with that `s-maxage`. Revalidation stays cheap: each variant has its own ETag.
 */
export function regionCaching(s: Services, maxAge: number): { vary: string; cacheControl: string } {
  const shared = s.env.CDN_CACHE_SECONDS ?? 0
  return {
    vary: [...s.regions.varyHeaders, 'Sec-GPC'].join(', '),
    cacheControl: shared > 0 ? `public, max-age=${maxAge}, s-maxage=${shared}` : `private, max-age=${maxAge}`,
  }
}

const siteParams = z.object({ siteId: slug })

/** A variant's answer for one encoding and Origin, and its 304: everything but the request id. */
interface Answer {
  etag: string
  ok: ConfigAnswer
  notModified: ConfigAnswer
}
/** The memoRendered kind of a variant's answers per encoding (constants: no key is built per request). */
const ANSWERS_KIND: Record<Encoding | 'identity', string> = { br: 'answers:br', gzip: 'answers:gzip', identity: 'answers:identity' }
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
function originOf(url: string): string {
  const end = url.indexOf('/', url.indexOf('//') + 2)
  return end === -1 ? url : url.slice(0, end)
}

/** The key of the one answer kept for every refused Origin. */
const REFUSED_ORIGIN = '\nrefused'
/** Scheme, `://`, a hostname of at most 253 characters and a port. */
const MAX_KEPT_ORIGIN = 300

/**
 * A config answer: what respond() sends, less the request id and the headers it adds itself; and
 * the same, as the front door writes it on Node's response.
 */
export interface ConfigAnswer {
  status: 200 | 304
  body: Uint8Array | null
  headers: Record<string, string>
  kept: KeptAnswer
}

const configAnswer = (status: 200 | 304, body: Uint8Array | null, headers: Record<string, string>): ConfigAnswer => ({
  status,
  body,
  headers,
  kept: keptAnswer(status, headers, body),
})

/**
 * The config fetch's answers, for the route below and for the front door (front-door.ts), which
 * gives them to Node without going through Hono. Throws ApiError (404) for an unknown site.
 */
export function configAnswers(s: Services): (c: RequestFacts, siteId: string) => ConfigAnswer {
  const caching = regionCaching(s, 60)

  /** A variant's answer for a request's Origin and encoding, built and kept the first time. */
  const answerFor = (c: RequestFacts, siteId: string, variant: ConfigVariant, answers: Map<string, Answer>, corsKey: string, encoding: Encoding | null): Answer => {
    const verdict = checkOrigin(c, s.sites.get(siteId)?.settings.domains ?? [], s)
    // Every refused Origin gets the same answer (no Access-Control-Allow-Origin): one is kept for
    // all of them, not one per Origin a client makes up. An allowed Origin longer than a browser
    // sends (a hostname has at most 253 characters) is answered without being kept. (An allowed
    // one's own key was looked up by the caller.)
    const key = verdict.allowed ? corsKey : REFUSED_ORIGIN
    const kept = verdict.allowed ? undefined : answers.get(REFUSED_ORIGIN)
    if (kept) return kept
    const json = memoRendered(variant, 'json', () => {
      const body = Buffer.from(JSON.stringify(variant.config))
      return { body, etag: etagOf(body) }
    })
    const cors = corsHeaders(verdict, caching.vary)
    const negotiated = negotiate(encoding ?? undefined, undefined, json.body, json.etag, JSON_TYPE, cors.Vary)
    const { 'Content-Encoding': contentEncoding, ...validators } = negotiated.headers
    const notModified = { 'Cache-Control': caching.cacheControl, 'Cross-Origin-Resource-Policy': 'cross-origin', 'Content-Type': JSON_TYPE, ...cors, ...validators }
    const ok = contentEncoding ? { ...notModified, 'Content-Encoding': contentEncoding } : notModified
    const answer = {
      etag: validators.ETag!,
      ok: configAnswer(200, negotiated.body!, ok),
      notModified: configAnswer(304, null, notModified),
    } satisfies Answer
    if (!verdict.allowed || (verdict.origin?.length ?? 0) <= MAX_KEPT_ORIGIN) {
      keepOneMore(variant)
      answers.set(key, answer)
    }
    return answer
  }

  // The SDK's fetch when no config is embedded: the hottest public read. Each variant's answer —
  // its bytes (compressed once asked for), ETag and every header but the request id — is built
  // once per encoding and Origin and kept with the variant; a request only picks it, by keys it
  // does not have to build unless it sent an Origin. Negotiating and merging the headers on every
  // request held the fetch at 50 % of the hello-world ceiling against 57 % this way, and a variant
  // object built per request at 56 % against 68 % (interleaved runs, same machine).
  return (c, siteId) => {
    const variant = configVariant(c, s, siteId)
    const origin = requestHeader(c, 'origin')
    // An Origin is allowed for the site's domains or when it is this server's own (lib/cors.ts),
    // so the answer for an Origin also depends on the origin the request was sent to, and on the
    // scheme a trusted proxy says the browser used. (PUBLIC_URL, also this server's own, is the
    // same for every request: it needs no place in the key.)
    const corsKey = origin === undefined ? '' : `${origin}\n${originOf(c.req.url)}\n${isHttps(c, s)}`
    const encoding = encodingFor(requestHeader(c, 'accept-encoding'))
    const answers = memoRendered(variant, ANSWERS_KIND[encoding ?? 'identity'], () => new Map<string, Answer>())
    const answer = answers.get(corsKey) ?? answerFor(c, siteId, variant, answers, corsKey, encoding)
    return etagMatches(requestHeader(c, 'if-none-match'), answer.etag) ? answer.notModified : answer.ok
  }
}

export function configRoutes(s: Services) {
  const answer = configAnswers(s)
  return new Hono<AppEnv>().get('/api/v1/sites/:siteId/config', (c) => {
    try {
      const siteId = slugParam(c.req.param('siteId')) ?? siteParams.parse(c.req.param()).siteId
      const { status, body, headers } = answer(c, siteId)
      return respond(c, body, status, headers)
    } catch (e) {
      // A refusal (a malformed site id, a site unknown or not yet published) is kept by no cache,
      // as the per-site script's: a 404 is heuristically cacheable, and a CDN that kept the one an
      // owner got testing the embed before publishing would go on serving it after. `onError`
      // answers with the context's headers. (The front door leaves these to this route.)
      c.header('Cache-Control', 'no-store')
      throw e
    }
  })
}
