// The per-site SDK script and the SDK's other build files (the lazily loaded UI chunk).
import { createHash } from 'node:crypto'
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

/** An SDK build's chunk directory: `v/<build>/<file>`, the build as sdk/dist/manifest.json names it. */
const VERSIONED = /^v\/([0-9a-f]{16})\/([^/]+)$/

/** What the per-site script needs of sdk/dist/manifest.json: the build's id and where the core names a chunk's URL. */
interface SdkBuild {
  build: string
  chunkNameAt: number
  /** Each file's SHA-256 (hex), as built. */
  hashes: Map<string, string>
}

/** The build the SDK files on disk are of, or null (a build without a manifest's `build`, or none). */
async function currentBuild(s: Services): Promise<SdkBuild | null> {
  const file = await s.staticFiles.read(s.sdkDir, 'manifest.json')
  if (!file) return null
  const kept = builds.get(file.body)
  if (kept !== undefined) return kept
  let build: SdkBuild | null = null
  try {
    const m = JSON.parse(file.body.toString('utf8')) as { build?: unknown; chunkNameAt?: unknown; files?: Record<string, { sha256?: unknown }> }
    if (typeof m.build === 'string' && /^[0-9a-f]{16}$/.test(m.build) && Number.isInteger(m.chunkNameAt)) {
      const hashes = new Map(Object.entries(m.files ?? {}).flatMap(([name, f]) => (typeof f?.sha256 === 'string' ? [[name, f.sha256] as const] : [])))
      build = { build: m.build, chunkNameAt: m.chunkNameAt as number, hashes }
    }
  } catch {
    build = null
  }
  builds.set(file.body, build)
  return build
}
/** Parsed manifests by the bytes StaticFiles keeps (a new build is new bytes). */
const builds = new WeakMap<Buffer, SdkBuild | null>()

/** SHA-256 (hex) of the bytes StaticFiles keeps, once per version of a file. */
const fileHashes = new WeakMap<Buffer, string>()
function sha256Of(body: Buffer): string {
  let hex = fileHashes.get(body)
  if (hex === undefined) fileHashes.set(body, (hex = createHash('sha256').update(body).digest('hex')))
  return hex
}

/**
 * The core as a per-site script serves it: its chunks loaded from its own build's directory
 * (`new URL("v/<build>/"+name+".js", base)`), so that a core a cache (the CDN's `s-maxage`, a
 * browser's `max-age`) keeps past a deploy never runs the next build's chunks, whose internal
 * field names differ. The build's chunks there are immutable. Without a manifest that says where
 * (an SDK built before 0.8.6), or when the text there is not a chunk's name, the core is served as it is.
 */
function versionedCore(core: string, build: SdkBuild | null): string {
  if (!build || !/^[\w$]+\+"\.js",/.test(core.slice(build.chunkNameAt, build.chunkNameAt + 64))) return core
  return `${core.slice(0, build.chunkNameAt)}"v/${build.build}/"+${core.slice(build.chunkNameAt)}`
}

export function sdkRoutes(s: Services) {
  return new Hono<AppEnv>().get('/sdk/:file{.+}', async (c) => {
    const name = c.req.param('file')
    const versioned = VERSIONED.exec(name)
    const file = await s.staticFiles.read(s.sdkDir, versioned ? versioned[2]! : name)
    if (file) {
      const answer = negotiate(requestHeader(c, 'accept-encoding'), requestHeader(c, 'if-none-match'), file.body, file.etag, file.type)
      if (!versioned) return sdkAnswer(c, answer, { 'Content-Type': file.type, 'Cache-Control': 'public, max-age=300' })
      // This build's files never change under its directory: immutable, once the bytes sent are
      // the ones its manifest names (just after a deploy, a file kept in memory may still be the
      // last build's for a second). Another build's directory (a core cached past a deploy, its
      // chunks no longer on disk) gets what there is, briefly, for a cache to let go.
      const build = await currentBuild(s)
      const own = !!build && build.build === versioned[1] && build.hashes.get(versioned[2]!) === sha256Of(file.body)
      return sdkAnswer(c, answer, { 'Content-Type': file.type, 'Cache-Control': own ? 'public, max-age=31536000, immutable' : 'public, max-age=60' })
    }
    if (versioned) throw new ApiError(404, 'not_found', 'No such SDK file')
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
    const current = await currentBuild(s)
    // The core and the manifest are each read again a second after they change, on clocks of
    // their own: just after a deploy, one may still be the last build's. A core the manifest
    // does not name (by its hash) is never pointed at that manifest's chunks, which the old core
    // could not run (review): it is served as it is, and kept by no cache, until both agree.
    const coreHash = current?.hashes.get('miniconsent.js')
    const build = coreHash === undefined || coreHash === sha256Of(loaded.body) ? current : null
    const script = memoRendered(variant, `script:${loaded.etag}:${build?.build}`, () => {
      // The chunks' directory first, at its offset in the core as built; then the config.
      // split/join, not replace(): `$&` and friends in the config must not be interpreted.
      const body = Buffer.from(versionedCore(loaded.body.toString('utf8'), build).split(PLACEHOLDER).join(jsonForScript(variant.config)))
      return { body, etag: etagOf(body) }
    })
    const caching = regionCaching(s, 300)
    const answer = negotiate(requestHeader(c, 'accept-encoding'), requestHeader(c, 'if-none-match'), script.body, script.etag, JS, caching.vary)
    return sdkAnswer(c, answer, { 'Content-Type': JS, 'Cache-Control': build === current ? caching.cacheControl : 'no-store' })
  })
}
