// The per-site SDK script and the SDK's other build files (the lazily loaded UI chunk).
import { SLUG_PATTERN } from '@miniconsent/shared'
import { Hono, type Context } from 'hono'
import type { AppEnv, Services } from '../context'
import { ApiError } from '../lib/errors'
import { etagOf, negotiate, type Negotiated } from '../lib/encoding'
import { requestHeader } from '../lib/request'
import { respond } from '../middleware/request-context'
import { configVariant, memoRendered, regionCaching } from './config'

const PLACEHOLDER = '"__MINICONSENT_CONFIG__"'
const JS = 'text/javascript; charset=utf-8'

/**
 * JSON that is also safe inside a classic script: `<` is escaped so that `</script>` or `<!--` in
 * an admin's text cannot end or confuse an inline copy, and U+2028/2029 were line terminators in
 * JavaScript string literals before ES2019.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')
}

/**
 * An SDK file or per-site script, through respond(): a plain header object with the headers that
 * act on a script, handed to Node as it is, instead of Hono's Headers and the document headers
 * (framing, referrer, opener) that mean nothing on a script. Scripts on other origins load these,
 * some as modules (CORS mode): they are allowed everywhere.
 */
function sdkAnswer(c: Context<AppEnv>, answer: Negotiated, headers: Record<string, string>): Response {
  return respond(c, answer.body, answer.status, { 'Cross-Origin-Resource-Policy': 'cross-origin', 'Access-Control-Allow-Origin': '*', ...headers, ...answer.headers })
}

export function sdkRoutes(s: Services) {
  return new Hono<AppEnv>().get('/sdk/:file{.+}', async (c) => {
    const name = c.req.param('file')
    const file = await s.staticFiles.read(s.sdkDir, name)
    if (file) {
      const answer = negotiate(requestHeader(c, 'accept-encoding'), requestHeader(c, 'if-none-match'), file.body, file.etag, file.type)
      return sdkAnswer(c, answer, { 'Content-Type': file.type, 'Cache-Control': 'public, max-age=300' })
    }
    // The refusals below are readable from other origins too.
    c.header('Cross-Origin-Resource-Policy', 'cross-origin')
    c.header('Access-Control-Allow-Origin', '*')

    const siteId = name.endsWith('.js') ? name.slice(0, -3) : ''
    if (!SLUG_PATTERN.test(siteId) || siteId.length > 64) throw new ApiError(404, 'not_found', 'No such SDK file')
    if (!s.sites.publishedConfig(siteId)) {
      const msg = `MiniConsent: unknown site "${siteId}"`
      return c.body(`/* ${msg} */\nconsole.error(${JSON.stringify(msg)});\n`, 404, { 'Content-Type': JS, 'Cache-Control': 'no-store' })
    }
    // The bundle changes only on deploy (or a rebuild in development), which StaticFiles notices.
    const loaded = await s.staticFiles.read(s.sdkDir, 'miniconsent.js')
    if (loaded === null) {
      s.logger.error('sdk bundle missing', { dir: s.sdkDir })
      const msg = 'MiniConsent: the SDK is not built on this server'
      return c.body(`/* ${msg} */\nconsole.error(${JSON.stringify(msg)});\n`, 503, { 'Content-Type': JS, 'Cache-Control': 'no-store' })
    }
    // The config differs per region, mode and GPC, so each variant has its own ETag; the script
    // and its ETag are built once per variant and bundle version, not per request.
    const variant = configVariant(c, s, siteId)
    const script = memoRendered(variant, 'script:' + loaded.etag, () => {
      // split/join, not replace(): `$&` and friends in the config must not be interpreted.
      const body = Buffer.from(loaded.body.toString('utf8').split(PLACEHOLDER).join(jsonForScript(variant.config)))
      return { body, etag: etagOf(body) }
    })
    const caching = regionCaching(s, 300)
    const answer = negotiate(requestHeader(c, 'accept-encoding'), requestHeader(c, 'if-none-match'), script.body, script.etag, JS, caching.vary)
    return sdkAnswer(c, answer, { 'Content-Type': JS, 'Cache-Control': caching.cacheControl })
  })
}
