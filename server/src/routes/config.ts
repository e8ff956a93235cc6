// The published config, for SDK scripts served without an embedded one (e.g. from a CDN).
import type { PublishedConfig } from '@miniconsent/shared'
import { slug } from '@miniconsent/shared'
import type { Context } from 'hono'
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, Services } from '../context'
import { applyCors } from '../lib/cors'
import { ApiError } from '../lib/errors'
import { requestRegion } from '../lib/request'
import { paramsOf } from '../lib/validate'

/** The config for this request, with its region resolved; throws 404 for an unknown site. */
export function configFor(c: Context<AppEnv>, s: Services, siteId: string): PublishedConfig {
  const base = s.sites.publishedConfig(siteId)
  if (!base) throw new ApiError(404, 'site_not_found', `No published site "${siteId}"`)
  // Region modes arrive with issue 7: until then every region gets the strictest mode.
  return { ...base, region: requestRegion(c, s), mode: 'opt-in' }
}

export function configRoutes(s: Services) {
  return new Hono<AppEnv>().get('/api/v1/sites/:siteId/config', paramsOf(z.object({ siteId: slug })), (c) => {
    const { siteId } = c.req.valid('param')
    const config = configFor(c, s, siteId)
    applyCors(c, s.sites.get(siteId)?.settings.domains ?? [])
    c.header('Cache-Control', 'public, max-age=60')
    c.header('Cross-Origin-Resource-Policy', 'cross-origin')
    if (s.env.TRUSTED_REGION_HEADER) c.header('Vary', s.env.TRUSTED_REGION_HEADER, { append: true })
    return c.json(config)
  })
}
