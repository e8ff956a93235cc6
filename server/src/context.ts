// What every route can reach: the dependencies given to `createApp` and per-request variables.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Db } from './db/client'
import type { Env } from './env'
import type { SignInThrottle } from './lib/rate-limit'
import type { StaticFiles } from './lib/static-files'
import type { Logger } from './logger'
import type { Accounts, SessionUser } from './services/accounts'
import type { AuditLog } from './services/audit'
import type { ExportPace } from './routes/exports'
import type { Catalogues } from './services/catalogue'
import type { ConsentLog } from './services/consent-log'
import type { Revisions } from './services/revisions'
import type { RegionResolver } from './services/regions'
import type { SiteDirectory } from './services/sites'
import type { ManifestKeys } from './services/manifest-keys'

export interface AppDeps {
  db: Db
  env: Pick<Env, 'SECURE_COOKIES' | 'TRUSTED_REGION_HEADER'> &
    Partial<Pick<Env, 'REGION_HEADERS' | 'GEOIP_DB' | 'CDN_CACHE_SECONDS' | 'MANIFEST_SIGNING_KEY' | 'MINICONSENT_ADMIN_EMAIL' | 'PUBLIC_URL'>> & {
      /** The proxies in front of the server (env.ts); `true` is one, as a test may say it. */
      TRUST_PROXY: number | boolean
    }
  logger: Logger
  /** Milliseconds since epoch; tests move time forward with it. */
  now?: () => number
  /** The consent log to append to; created over `db` when absent. */
  consentLog?: ConsentLog
  /**
   * Where visitors' regions come from; made from `env` when absent. main.ts makes it before it
   * opens the database, so that a GEOIP_DB that is no MaxMind database stops it with nothing written.
   */
  regions?: RegionResolver
  /** The keys that sign manifests, erasures and purge anchors; created over `db` and MANIFEST_SIGNING_KEY when absent. */
  manifestKeys?: ManifestKeys
  /**
   * False: the signing key is not settled by createApp but by the app's `settleSigning()`, which
   * the server calls once it listens (main.ts): a start that fails (a port in use by the server
   * already running on the file) must not retire the key that server signs with. Default true.
   */
  settleSigningNow?: boolean
  /**
   * Sites seeded (seedSites without `retentionKey`) before the app was made, as the tests' servers
   * are: their retention is signed when the signing key is settled (the purge acts only on a signed
   * retention: retention-signature.ts). The server seeds once the key is settled, signing as it
   * seeds (main.ts), and passes none.
   */
  seededSites?: readonly string[]
  /** Directory of the built SDK (`miniconsent.js` and its lazily loaded chunks). */
  sdkDir?: string
  /** Directory of the built dashboard (`index.html`, `assets/`). */
  dashboardDir?: string
  /** Directory of the demo pages. */
  demoDir?: string
  /** Public ingestion limit per IP and site. */
  ingestRateLimit?: { capacity: number; refillPerSecond: number }
  /** How fast an export's client must read, or its download is closed (default 1 MiB a minute). */
  exportPace?: ExportPace
}

/** Fully wired dependencies, as routes see them. */
export interface Services {
  db: Db
  env: AppDeps['env']
  logger: Logger
  now: () => number
  consentLog: ConsentLog
  sites: SiteDirectory
  /** Region of a request: trusted CDN headers, a local GeoIP database, or unknown. */
  regions: RegionResolver
  accounts: Accounts
  /** Failed password checks, shared by sign-in and invitation acceptance (they check the same passwords). */
  signInThrottle: SignInThrottle
  /** Admin audit log; other services record their changes through it. */
  audit: AuditLog
  /** The keys that sign export manifests (MANIFEST_SIGNING_KEY, or one kept in the database). */
  manifestKeys: ManifestKeys
  catalogues: Catalogues
  revisions: Revisions
  sdkDir: string
  dashboardDir: string
  demoDir: string
  /** The files of those three directories, kept in memory (checked again once a second). */
  staticFiles: StaticFiles
  ingestRateLimit: { capacity: number; refillPerSecond: number }
  exportPace: ExportPace
}

export interface AppEnv {
  /** @hono/node-server's; absent under app.request() (tests). */
  Bindings: { incoming?: IncomingMessage; outgoing?: ServerResponse }
  Variables: {
    requestId: string
    session: SessionUser | null
  }
}
