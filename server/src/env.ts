// The process environment, parsed once at start-up. Every variable has a default.
import { existsSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { defaultDatabasePath } from './paths'
import { manifestSigningKeySetting } from './services/manifest-keys'
import { geoipDbSetting, inheritedHeaderMessage, inheritedHeaderName, regionHeadersSetting } from './services/regions'

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'use true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes')

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** A scheme at the start of a value (two letters at least: `C:\…` is a Windows path). */
const SCHEME_PREFIX = /^([a-z][a-z0-9+.-]+):/i

/** The schemes a database setting is a URL of without `//` (`sqlite:data/app.db`, `jdbc:sqlite:…`), as the server refuses them for DATABASE_URL. */
const DATABASE_SCHEMES = new Set(['file', 'sqlite', 'sqlite3', 'postgres', 'postgresql', 'mysql', 'mariadb', 'libsql', 'jdbc'])

/**
 * The scheme of a value that is surely a URL, or undefined: `://` in it (`s3://…`,
 * `jdbc:postgresql://…`), or one of DATABASE_SCHEMES. Any other `word:` may begin a relative file's
 * name: a backup named with its time (`miniconsent-2026-12-06T23:15.sqlite`) was refused as a
 * `miniconsent-2026-12-06T23:` URL. The CLI takes such a name as a file's; DATABASE_URL only when
 * that file exists (databasePath).
 */
export function urlScheme(value: string): string | undefined {
  const scheme = SCHEME_PREFIX.exec(value)?.[1]
  return scheme !== undefined && (value.includes('://') || DATABASE_SCHEMES.has(scheme.toLowerCase())) ? scheme : undefined
}

/**
 * A plain path (relative to the working directory) or a `file:` URL. Any other URL is refused: it
 * was taken as a relative path, so `sqlite://…` or `postgres://…` silently started the server on a
 * new, empty database under `./sqlite:/…` while the operator's data sat elsewhere.
 */
const databasePath = z
  .string()
  .min(1)
  .transform((v, ctx) => {
    // A `word:` that is surely no URL's scheme names a file only when that file exists: a URL of a
    // scheme not listed (`duckdb:x.db`) must not start the server on a new, empty file (review).
    const sure = urlScheme(v)
    const prefix = sure === undefined ? SCHEME_PREFIX.exec(v)?.[1] : undefined
    const maybe = prefix !== undefined && !existsSync(v) ? prefix : undefined
    const scheme = sure ?? maybe
    if (scheme === undefined) return isAbsolute(v) ? v : resolve(v)
    if (scheme.toLowerCase() !== 'file') {
      // Only the scheme is repeated: the rest of such a URL may hold a password.
      ctx.addIssue({
        code: 'custom',
        message: `must be a path or a file: URL (MiniConsent keeps its data in an SQLite file), not a ${scheme}: URL; write e.g. /var/lib/miniconsent/miniconsent.sqlite or file:///var/lib/miniconsent/miniconsent.sqlite${maybe ? ` (a new file whose name holds a colon: begin it with ./)` : ''}`,
      })
      return z.NEVER
    }
    // SQLite's URI parameters (`?mode=ro`) are not applied here: the file would be named `x.sqlite?mode=ro`,
    // or the parameter silently dropped.
    if (/[?#]/.test(v)) {
      ctx.addIssue({ code: 'custom', message: 'a file: URL here takes no query (?…) or fragment (#…): name the file only' })
      return z.NEVER
    }
    const rest = v.slice(scheme.length + 1)
    try {
      return rest.startsWith('//') ? fileURLToPath(`file:${rest}`) : resolve(rest)
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not a valid file: URL' })
      return z.NEVER
    }
  })

/**
 * The address people reach the dashboard at, as an origin (`https://consent.example.com`): links
 * the server hands out (an invitation's) and the preview's chunk source are made from it rather
 * than from the request's Host, which a proxy may rewrite (to `127.0.0.1:8787`) or pass on as any
 * client sent it; an Origin equal to it is this server's own for CORS (lib/cors.ts).
 */
const publicUrl = z
  .string()
  .trim()
  .transform((v, ctx) => {
    let url: URL
    try {
      url = new URL(v)
    } catch {
      ctx.addIssue({ code: 'custom', message: 'use the address of the dashboard, e.g. https://consent.example.com' })
      return z.NEVER
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({ code: 'custom', message: `use an http: or https: address, not ${url.protocol}` })
      return z.NEVER
    }
    if (url.username || url.password || url.search || url.hash || url.pathname !== '/') {
      ctx.addIssue({ code: 'custom', message: `use the origin only (scheme, host and port), e.g. ${url.origin}: the dashboard is served at its root` })
      return z.NEVER
    }
    return url.origin
  })

export const envSchema = z.object({
  // Digits only: a coerced number took ' ' as 0 (a random port) and '0x50' as 80.
  PORT: z
    .string()
    .trim()
    .regex(/^\d{1,5}$/, 'use a port number from 0 to 65535')
    .default('8787')
    .transform(Number)
    .pipe(z.number().max(65535, 'use a port number from 0 to 65535')),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: databasePath.default(defaultDatabasePath),
  MINICONSENT_ADMIN_EMAIL: z.email().default('admin@example.com'),
  /** Unset: a random password is generated and printed once, when the owner is created. */
  MINICONSENT_ADMIN_PASSWORD: z.string().min(8, 'use at least 8 characters').max(1024).optional(),
  SECURE_COOKIES: z.enum(['auto', 'true', 'false']).default('auto'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  SEED_DEMO: bool(true),
  /** A header set by the CDN/proxy in front of the server (e.g. `cf-ipcountry`); unset trusts none. */
  TRUSTED_REGION_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, 'a header name such as cf-ipcountry')
    .transform((v) => v.toLowerCase())
    .superRefine((v, ctx) => {
      if (inheritedHeaderName(v)) ctx.addIssue({ code: 'custom', message: inheritedHeaderMessage(v) })
    })
    .optional(),
  /**
   * Trusted region headers (SPEC §6): `cloudflare`, `cloudfront`, `vercel`, or
   * `<country-header>[,<subdivision-header>]`. Only set it when that proxy overwrites those headers
   * on every request; otherwise visitors could choose their own region. Unset trusts none.
   */
  REGION_HEADERS: regionHeadersSetting.optional(),
  /** A local GeoIP2/GeoLite2 Country or City .mmdb, used when no trusted header gives the region. */
  GEOIP_DB: geoipDbSetting.optional(),
  /**
   * Behind reverse proxies: how many (`true` is one), whose X-Forwarded-For gives the client IP and
   * X-Forwarded-Proto the scheme. With a CDN in front of a proxy in front of the server, 2.
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .toLowerCase()
    .default('false')
    .transform((v, ctx) => {
      if (v === 'true' || v === 'yes') return 1
      if (v === 'false' || v === 'no') return 0
      if (/^\d{1,2}$/.test(v)) return Number(v)
      ctx.addIssue({ code: 'custom', message: 'use true, false, or the number of proxies in front of the server (e.g. 2 for a CDN and a proxy)' })
      return z.NEVER
    }),
  /**
   * Seconds a CDN may keep the config and the per-site script (`s-maxage`); 0, the default, keeps
   * them `private`. Only for a CDN whose cache key holds what `Vary` names: Origin, Accept-Encoding,
   * Sec-GPC and the region headers.
   */
  CDN_CACHE_SECONDS: z
    .string()
    .trim()
    .regex(/^\d{1,7}$/, 'use a number of seconds')
    .default('0')
    .transform(Number),
  /**
   * Seconds a stop (SIGTERM, SIGINT) may take: answering the requests in flight, writing the
   * records they carry, closing the database. Past it, the process logs what it was still waiting
   * for and ends as `kill -9` would (main.ts stopNow). A second signal ends it so at once.
   */
  STOP_TIMEOUT_SECONDS: z
    .string()
    .trim()
    .regex(/^\d{1,4}$/, 'use a number of seconds')
    .default('30')
    .transform(Number)
    .pipe(z.number().min(1, 'use at least 1 second').max(3600, 'use at most 3600 seconds (an hour)')),
  /**
   * The Ed25519 private key that signs export manifests, for a deployment that keeps it outside
   * the database: base64 of its PKCS#8 DER (`openssl genpkey -algorithm ed25519 -outform DER | base64`)
   * or PEM. Unset: a key is generated on first use and kept in the database. A key replaced by
   * another stays published, so the manifests it signed still verify.
   */
  MANIFEST_SIGNING_KEY: manifestSigningKeySetting.optional(),
  /** Where the dashboard is reached (publicUrl); unset: the request's own scheme and Host. */
  PUBLIC_URL: publicUrl.optional(),
}).superRefine((env, ctx) => {
  // Two ways of naming the region headers: one would silently win over the other.
  if (env.REGION_HEADERS !== undefined && env.TRUSTED_REGION_HEADER !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['TRUSTED_REGION_HEADER'], message: 'set REGION_HEADERS or TRUSTED_REGION_HEADER (its older one-header form), not both' })
  }
  // A region looked up from the visitor's IP address is nothing a CDN can put in its cache key:
  // one visitor's region would be served to the next.
  if (env.CDN_CACHE_SECONDS > 0 && env.GEOIP_DB !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['CDN_CACHE_SECONDS'],
      message: 'a CDN cannot keep answers whose region comes from GEOIP_DB (the visitor\'s IP); let the CDN send the region (REGION_HEADERS) and unset GEOIP_DB, or leave CDN_CACHE_SECONDS at 0',
    })
  }
})
export type Env = z.infer<typeof envSchema>

export function parseEnv(source: Record<string, string | undefined>): Env {
  // An empty variable (`FOO=`) means "not set", as in most shells' config files.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''))
  return envSchema.parse(cleaned)
}

/** Edit distance between two names: insertions, deletions and substitutions. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    row = next
  }
  return row[b.length]!
}

/**
 * Variables set in `source` that look like a misspelt setting (`TRUST_PROXIES`, `LOGLEVEL`), each
 * with the setting it probably means: a typo would otherwise leave that setting at its default
 * without a word. Only names near one of ours count; the environment holds many others.
 */
export function misspeltSettings(source: Record<string, string | undefined>): { name: string; meant: string }[] {
  const known = Object.keys(envSchema.shape)
  const found: { name: string; meant: string }[] = []
  const near = (upper: string, k: string) =>
    upper === k ||
    (k.length >= 6 && distance(upper, k) <= 2) ||
    // A plural or an inflection of the name: TRUST_PROXIES for TRUST_PROXY.
    (k.length >= 6 && upper.startsWith(k.slice(0, -1)) && upper.length - k.length <= 2)
  for (const name of Object.keys(source)) {
    if (known.includes(name) || source[name] === undefined) continue
    const upper = name.toUpperCase()
    // A setting that is set is no typo's victim: DATABASE_USER beside DATABASE_URL is someone else's.
    const meant = known.find((k) => near(upper, k) && source[k] === undefined)
    if (meant) found.push({ name, meant })
  }
  return found
}

export function describeEnvError(error: z.ZodError): string {
  return error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`).join('\n')
}
