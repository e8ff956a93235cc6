// The per-site SDK script and the SDK's other build files (the lazily loaded UI chunk).
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { SLUG_PATTERN } from '@miniconsent/shared'
import { Hono } from 'hono'
import type { AppEnv, Services } from '../context'
import { ApiError } from '../lib/errors'
import { etagOf, negotiate, reply } from '../lib/encoding'
import { readStatic } from '../lib/static-files'
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

export function sdkRoutes(s: Services) {
  // The bundle changes only on deploy; re-read it when its mtime changes (rebuilds in dev).
  let bundle: { version: string; text: string } | null = null
  async function loadBundle(): Promise<{ version: string; text: string } | null> {
    const file = join(s.sdkDir, 'miniconsent.js')
    try {
      const info = await stat(file)
      const version = `${info.mtimeMs}:${info.size}`
      if (bundle?.version !== version) bundle = { version, text: await readFile(file, 'utf8') }
      return bundle
    } catch {
      return null
    }
  }

  return new Hono<AppEnv>().get('/sdk/:file{.+}', async (c) => {
    const name = c.req.param('file')
    // Scripts on other origins load these, some as modules (CORS mode): allow them everywhere.
    c.header('Cross-Origin-Resource-Policy', 'cross-origin')
    c.header('Access-Control-Allow-Origin', '*')

    const file = await readStatic(s.sdkDir, name)
    if (file) {
      const answer = negotiate(c.req.header('accept-encoding'), c.req.header('if-none-match'), file.body, file.etag, file.type)
      return reply(c, answer, { 'Content-Type': file.type, 'Cache-Control': 'public, max-age=300' })
    }

    const siteId = name.endsWith('.js') ? name.slice(0, -3) : ''
    if (!SLUG_PATTERN.test(siteId) || siteId.length > 64) throw new ApiError(404, 'not_found', 'No such SDK file')
    if (!s.sites.publishedConfig(siteId)) {
      const msg = `MiniConsent: unknown site "${siteId}"`
      return c.body(`/* ${msg} */\nconsole.error(${JSON.stringify(msg)});\n`, 404, { 'Content-Type': JS, 'Cache-Control': 'no-store' })
    }
    const loaded = await loadBundle()
    if (loaded === null) {
      s.logger.error('sdk bundle missing', { dir: s.sdkDir })
      const msg = 'MiniConsent: the SDK is not built on this server'
      return c.body(`/* ${msg} */\nconsole.error(${JSON.stringify(msg)});\n`, 503, { 'Content-Type': JS, 'Cache-Control': 'no-store' })
    }
    // The config differs per region, mode and GPC, so each variant has its own ETag; the script
    // and its ETag are built once per variant and bundle version, not per request.
    const variant = configVariant(c, s, siteId)
    const { version, text } = loaded
    const script = memoRendered(variant, 'script:' + version, () => {
      // split/join, not replace(): `$&` and friends in the config must not be interpreted.
      const body = Buffer.from(text.split(PLACEHOLDER).join(jsonForScript(variant.config)))
      return { body, etag: etagOf(body) }
    })
    const caching = regionCaching(s, 300)
    const answer = negotiate(c.req.header('accept-encoding'), c.req.header('if-none-match'), script.body, script.etag, JS, caching.vary)
    return reply(c, answer, { 'Content-Type': JS, 'Cache-Control': caching.cacheControl })
  })
}
