// Builds the Hono application from its dependencies; main.ts listens, tests call app.request().
import { Hono, type Context } from 'hono'
import type { AppDeps, AppEnv, Services } from './context'
import { openedFileGone } from './db/client'
import { frontDoor } from './front-door'
import { fileGoneError } from './lib/database-busy'
import { allowedMethods, ApiError, errorAnswer, methodNotAllowed } from './lib/errors'
import { StaticFiles } from './lib/static-files'
import { adminBodyLimit, refuseOtherMethods, refuseUnreadBody, refuseUnreadQuery } from './lib/validate'
import { SignInThrottle } from './lib/rate-limit'
import { demoDir as defaultDemoDir, dashboardDistDir, sdkDistDir } from './paths'
import { loggedPath, requestContext } from './middleware/request-context'
import { loadSession, onceBodyArrived } from './middleware/session'
import { accountRoutes } from './routes/account'
import { adminConsentRoutes } from './routes/admin-consents'
import { auditRoutes } from './routes/audit'
import { authRoutes } from './routes/auth'
import { catalogueRoutes } from './routes/catalogue'
import { configRoutes } from './routes/config'
import { consentIntake, consentRoutes, refusalCors } from './routes/consents'
import { EXPORT_PACE, exportRoutes } from './routes/exports'
import { healthRoutes } from './routes/health'
import { INVITATION_ACCEPT_PATH, invitationRoutes } from './routes/invitations'
import { memberRoutes } from './routes/members'
import { openApiRoutes } from './routes/openapi'
import { isPreviewPage, previewRoutes, refusalPage } from './routes/preview'
import { revisionRoutes } from './routes/revisions'
import { sdkRoutes } from './routes/sdk'
import { siteRoutes } from './routes/sites'
import { staticRoutes } from './routes/static'
import { statsRoutes } from './routes/stats'
import { wellKnownRoutes } from './routes/well-known'
import { subjectRoutes } from './routes/subjects'
import { Accounts } from './services/accounts'
import { AuditLog } from './services/audit'
import { Catalogues } from './services/catalogue'
import { ConsentLog } from './services/consent-log'
import { ManifestKeys } from './services/manifest-keys'
import { signDeletedRetentionsBeforeSigning, signRetentionsBeforeSigning, signSiteRetention } from './services/retention-signature'
import { signStoredBeforeSigning } from './services/stored-signatures'
import { Revisions } from './services/revisions'
import { RegionResolver } from './services/regions'
import { SiteDirectory } from './services/sites'

export type { AppDeps } from './context'

export function createApp(deps: AppDeps) {
  const now = deps.now ?? Date.now
  const audit = new AuditLog(deps.db, now)
  const sites = new SiteDirectory(deps.db, now)
  const manifestKeys = deps.manifestKeys ?? new ManifestKeys(deps.db, now, deps.env.MANIFEST_SIGNING_KEY)
  const catalogues = new Catalogues({ db: deps.db, now, audit, sites, manifestKeys })
  const s: Services = {
    db: deps.db,
    env: deps.env,
    logger: deps.logger,
    now,
    consentLog: deps.consentLog ?? new ConsentLog(deps.db, { now, logger: deps.logger }),
    sites,
    regions: deps.regions ?? new RegionResolver(deps.env, { now, logger: deps.logger }),
    accounts: new Accounts(deps.db, now, audit, deps.env.MINICONSENT_ADMIN_EMAIL),
    signInThrottle: new SignInThrottle(now),
    audit,
    manifestKeys,
    catalogues,
    revisions: new Revisions({ db: deps.db, now, audit, sites, catalogues }),
    sdkDir: deps.sdkDir ?? sdkDistDir(),
    dashboardDir: deps.dashboardDir ?? dashboardDistDir(),
    demoDir: deps.demoDir ?? defaultDemoDir,
    staticFiles: new StaticFiles(now),
    ingestRateLimit: deps.ingestRateLimit ?? { capacity: 20, refillPerSecond: 1 },
    exportPace: deps.exportPace ?? EXPORT_PACE,
  }

  // The signing key is settled as the server starts (generated, or a changed MANIFEST_SIGNING_KEY
  // recorded and the previous one retired), and signs the tombstones and purge anchors stored
  // before they were signed, at the first start after the upgrade only; so is the retention of the
  // sites of a database from before retention was signed, and that kept for its deleted sites.
  // Sites seeded before the app was made (the tests' servers: AppDeps.seededSites) have their
  // retention signed now, as a site created later has at creation; the server seeds its demo sites
  // once it listens, signing them as it does (main.ts).
  const settleSigning = () => {
    const key = s.manifestKeys.active()
    const signed = signStoredBeforeSigning(deps.db.$client, key, now())
    if (signed.erasures) s.logger.info('signed the erasures made before erasures were signed', { records: signed.erasures })
    if (signed.anchors) s.logger.info('signed the purge anchors written before purge anchors were signed', { sites: signed.anchors })
    const retentions = signRetentionsBeforeSigning(deps.db.$client, key, now())
    if (retentions) s.logger.info('signed the retention of the sites saved before retention was signed', { sites: retentions })
    const deletedRetentions = signDeletedRetentionsBeforeSigning(deps.db.$client, key, now())
    if (deletedRetentions) s.logger.info('signed the retention kept for the sites deleted before it was signed', { sites: deletedRetentions })
    if (deps.seededSites?.length) {
      deps.db.$client.transaction(() => {
        for (const siteId of deps.seededSites!) signSiteRetention(deps.db.$client, siteId, key, now())
      })()
    }
  }
  if (deps.settleSigningNow !== false) settleSigning()

  const app = new Hono<AppEnv>()

  app.use(requestContext(s.logger))
  // A database file removed or replaced under the running server: a change is never acknowledged
  // into it (an erasure answered as done, a visitor's identify or document stored), which nothing
  // reads again once it stops: 503 `database_unavailable`, as the consent writer answers (review).
  // Nor is the dashboard's API answered at all: its reads write too (an export's audit entry and
  // manifest, the statistics' rollups), and its worker threads open the path, now another file or
  // none. The public reads (the config, the SDK's script, a visitor's look-up) go on from what the
  // server holds.
  app.use(async (c, next) => {
    if ((!READS.has(c.req.method) || c.req.path.startsWith('/api/admin/')) && openedFileGone(s.db.$client)) throw fileGoneError()
    await next()
  })
  // A method no route of the path takes is its 405 whatever its body or session. Then who asks: the
  // session, a change's CSRF token and the route's role and site, from the headers, so that whoever
  // may not make a change is refused so (401, 403) whatever its body; only then is the body held to
  // its limit (413, 415) and read, and a signed-in change judged again once it has arrived.
  app.use('/api/admin/*', refuseOtherMethods((path) => allowed(path)))
  app.use('/api/admin/*', loadSession(s, { csrfExempt: ['/api/admin/login', INVITATION_ACCEPT_PATH] }))
  app.use('/api/admin/*', adminBodyLimit())
  app.use('/api/admin/*', onceBodyArrived(s))
  app.use('/api/admin/*', refuseUnreadQuery())
  app.use('/api/admin/*', refuseUnreadBody())

  app.route('/', healthRoutes(s))
  app.route('/', sdkRoutes(s))
  app.route('/', configRoutes(s))
  const intake = consentIntake(s)
  app.route('/', consentRoutes(s, intake))
  app.route('/', authRoutes(s))
  app.route('/', accountRoutes(s))
  app.route('/', invitationRoutes(s))
  app.route('/', memberRoutes(s))
  app.route('/', adminConsentRoutes(s))
  app.route('/', exportRoutes(s))
  app.route('/', subjectRoutes(s))
  app.route('/', statsRoutes(s))
  app.route('/', siteRoutes(s))
  app.route('/', catalogueRoutes(s))
  app.route('/', previewRoutes(s))
  app.route('/', revisionRoutes(s))
  app.route('/', auditRoutes(s))
  app.route('/', wellKnownRoutes(s))
  app.route('/', openApiRoutes(s))
  // The API's paths are those of the routes above (the files below answer GET only, and any path).
  const allowed = allowedMethods(app.routes)
  app.route('/', staticRoutes(s))

  const refuse = (thrown: unknown, c: Context<AppEnv>) => {
    const err = unreadableHost(thrown, c.req.url) ?? thrown
    const answer = errorAnswer(err, { requestId: c.get('requestId'), method: c.req.method, path: loggedPath(c.req.path) }, s.logger)
    const { status, body } = answer
    // A 405 a route throws without its Allow (getOnly's refusal of HEAD) lists the methods of the
    // path, as notFound's 405 does: `GET, POST` on the verification, not `GET` alone.
    const allow = status === 405 && answer.headers.Allow === undefined ? allowed(c.req.path) : null
    const headers = allow ? { ...answer.headers, Allow: allow } : answer.headers
    for (const [k, v] of Object.entries({ ...headers, ...refusalCors(c, s, headers) })) c.header(k, v)
    // The preview page is read in a frame: its refusals, raised by its route or before it, are a page.
    if (isPreviewPage(c.req.method, c.req.path)) return refusalPage(c, status, body.error.message)
    return c.json(body, status)
  }

  // A path of the API asked with a method it does not take: 405 with the methods it does take.
  app.notFound((c) => {
    const allow = allowed(c.req.path)
    if (allow) return refuse(methodNotAllowed(c.req.method, c.req.path, allow), c)
    return c.json({ error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` } }, 404)
  })

  app.onError(refuse)

  // Node's server hands each request to the front door first (serveApp); app.request() does not.
  return Object.assign(app, { frontDoor: frontDoor(s, intake), settleSigning })
}

export type App = ReturnType<typeof createApp>

/**
 * A Host @hono/node-server takes as it is but no URL holds (a name ending in a number that is no
 * IPv4 address: `web.1`, `1.2.3.4.5`): a route that reads the whole Request (a session, the
 * preview's origin) throws on it, answered 500 (review). Such a Host is the client's error, and
 * its 400 is the one given for the Hosts @hono/node-server refuses itself. Routes that do not read
 * it (the health check, the config fetch, the consent POST) answer as they did.
 */
function unreadableHost(err: unknown, url: string): ApiError | null {
  if (!(err instanceof TypeError) || URL.canParse(url)) return null
  return new ApiError(400, 'bad_request', 'This request cannot be read: its Host is no host a URL holds')
}

/** The methods that change nothing. */
const READS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS'])
