// The published config, for SDK scripts served without an embedded one (e.g. from a CDN).
import type { PublishedConfig } from '@miniconsent/shared'
import { slug } from '@miniconsent/shared'
import { resolveMode } from '@miniconsent/shared/regions'
import type { Context } from 'hono'
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, Services } from '../context'
import { applyCors } from '../lib/cors'
import { ApiError } from '../lib/errors'
import { requestRegion } from '../lib/request'
import { paramsOf } from '../lib/validate'

/**
 * The config for this request: region, mode and Global Privacy Control resolved. Throws 404 for
 * an unknown site.
 */
export function configFor(c: Context<AppEnv>, s: Services, siteId: string): PublishedConfig {
  const base = s.sites.publishedConfig(siteId)
  if (!base) throw new ApiError(404, 'site_not_found', `No published site "${siteId}"`)
  const siteRegions = s.sites.get(siteId)?.settings.regions ?? {}
  const region = requestRegion(c, s)
  return {
    ...base,
    region,
    mode: resolveMode(region, siteRegions),
    consentModeRegions: s.regions.consentModeRegions(siteRegions),
    // https://privacycg.github.io/gpc-spec/#the-sec-gpc-header-field-for-http-requests: "1" is the only valid value.
    gpc: c.req.header('sec-gpc') === '1',
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

export function configRoutes(s: Services) {
  return new Hono<AppEnv>().get('/api/v1/sites/:siteId/config', paramsOf(z.object({ siteId: slug })), (c) => {
    const { siteId } = c.req.valid('param')
    const config = configFor(c, s, siteId)
    applyCors(c, s.sites.get(siteId)?.settings.domains ?? [])
    const caching = regionCaching(s, 60)
    c.header('Cache-Control', caching.cacheControl)
    c.header('Cross-Origin-Resource-Policy', 'cross-origin')
    c.header('Vary', caching.vary, { append: true })
    return c.json(config)
  })
}
