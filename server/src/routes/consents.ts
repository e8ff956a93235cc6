// Public consent ingestion (the SDK posts one record per decision) and the visitor's own record.
import { consentId as consentIdSchema, consentRecordInput, slug } from '@miniconsent/shared'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { z } from 'zod'
import type { AppEnv, Services } from '../context'
import { applyCors, originHostname } from '../lib/cors'
import { ApiError } from '../lib/errors'
import { truncateIp } from '../lib/ip'
import { TokenBuckets } from '../lib/rate-limit'
import { clientIp, requestRegion } from '../lib/request'
import { jsonBody, paramsOf, queryOf } from '../lib/validate'
import { RecordIdConflict } from '../services/consent-log'

export const MAX_CONSENT_BODY = 8 * 1024

/** SPEC §7: the page URL is stored without query string and fragment, which may carry personal data. */
export function stripUrl(url: string): string {
  const cut = url.search(/[?#]/)
  const bare = cut === -1 ? url : url.slice(0, cut)
  try {
    const u = new URL(bare)
    // Credentials in the authority are personal data too.
    u.username = ''
    u.password = ''
    return u.href
  } catch {
    return bare
  }
}

export function consentRoutes(s: Services) {
  const buckets = new TokenBuckets({ ...s.ingestRateLimit, now: s.now })

  return new Hono<AppEnv>()
    .options('/api/v1/consents', (c) => {
      // A preflight carries no body, hence no site id: allow origins that some site lists.
      const origin = c.req.header('origin')
      const host = originHostname(origin)
      if (origin && host && (origin === new URL(c.req.url).origin || s.sites.anySiteAllows(host))) {
        c.header('Access-Control-Allow-Origin', origin)
        c.header('Access-Control-Allow-Methods', 'POST')
        c.header('Access-Control-Allow-Headers', 'Content-Type')
        c.header('Access-Control-Max-Age', '86400')
      }
      c.header('Vary', 'Origin')
      return c.body(null, 204)
    })
    .post(
      '/api/v1/consents',
      bodyLimit({
        maxSize: MAX_CONSENT_BODY,
        onError: () => {
          throw new ApiError(413, 'payload_too_large', `A consent record is at most ${MAX_CONSENT_BODY} bytes`)
        },
      }),
      jsonBody(consentRecordInput, { textPlain: true }),
      async (c) => {
        const input = c.req.valid('json')
        const site = s.sites.get(input.siteId)
        if (!site) throw new ApiError(404, 'site_not_found', `No site "${input.siteId}"`)
        if (!applyCors(c, site.settings.domains)) {
          throw new ApiError(403, 'origin_not_allowed', `This page's origin is not one of the domains of site "${input.siteId}"`)
        }
        const ip = clientIp(c, s)
        const wait = buckets.take(`${input.siteId}\n${ip ?? 'unknown'}`)
        if (wait > 0) {
          throw new ApiError(429, 'rate_limited', 'Too many consent records from this address; retry later', {
            'Retry-After': String(wait),
          })
        }
        if (site.liveRevision === null || input.revision > site.liveRevision) {
          throw new ApiError(422, 'unknown_revision', `Site "${input.siteId}" has no revision ${input.revision}`)
        }
        const userAgent = c.req.header('user-agent')
        let result
        try {
          result = await s.consentLog.append({
            siteId: input.siteId,
            recordId: input.recordId,
            consentId: input.consentId,
            revision: input.revision,
            textsHash: input.textsHash,
            categories: input.categories,
            services: input.services,
            method: input.method,
            region: requestRegion(c, s),
            mode: 'opt-in',
            language: input.language,
            url: stripUrl(input.url),
            userAgent: userAgent ? userAgent.slice(0, 512) : null,
            ip: site.settings.ipPolicy === 'none' ? null : truncateIp(ip),
            gpc: input.gpc,
            clientTime: input.clientTime,
          })
        } catch (e) {
          if (e instanceof RecordIdConflict) throw new ApiError(409, 'record_id_conflict', e.message)
          throw e
        }
        c.header('Cache-Control', 'no-store')
        return c.json({ recordId: result.recordId, seq: result.seq }, result.created ? 201 : 200)
      },
    )
    .get(
      '/api/v1/consents/:consentId',
      paramsOf(z.object({ consentId: consentIdSchema })),
      queryOf(z.object({ site: slug })),
      (c) => {
        const { consentId } = c.req.valid('param')
        const { site: siteId } = c.req.valid('query')
        const site = s.sites.get(siteId)
        if (!site) throw new ApiError(404, 'site_not_found', `No site "${siteId}"`)
        applyCors(c, site.settings.domains)
        c.header('Cache-Control', 'no-store')
        const record = s.consentLog.latest(siteId, consentId)
        if (!record) throw new ApiError(404, 'record_not_found', 'No consent record for this consentId')
        return c.json(record)
      },
    )
}
