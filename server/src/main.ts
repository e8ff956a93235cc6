// Starts the server: environment (the GeoIP file read) → database (migrated) → HTTP listener → signing key settled, demo sites seeded.
import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { ZodError } from 'zod'
import { createApp } from './app'
import { checkWritable, journalState, openDatabase, WRITE_ADVICE, type Db } from './db/client'
import { describeEnvError, misspeltSettings, parseEnv, type Env } from './env'
import { serveApp } from './front-door'
import { ConfigurationError } from './lib/errors'
import { createLogger } from './logger'
import { DEMO_SITES } from './seed/catalogues'
import { ensureOwner, seedSites } from './seed/seed'
import { ConsentLog } from './services/consent-log'
import { ManifestKeys } from './services/manifest-keys'
import { RegionResolver } from './services/regions'
import { AuditLog } from './services/audit'
import { startRetention, type Retention } from './services/retention'
import { startRollups } from './services/stats'
import { shadowedSiteIds } from './services/sites'
import { sdkDistDir } from './paths'

/** How long an idle keep-alive connection stays open: longer than common proxies and clients keep theirs. */
const KEEP_ALIVE_MS = 65_000

/** The least time a stop gives the requests in flight before it closes their connections. */
const MIN_CONNECTION_GRACE_MS = 5_000
/**
 * What a stop keeps of STOP_TIMEOUT_SECONDS after the requests in flight, to write the records
 * they carried and close the database: the consent writer may wait up to its 5 s busy timeout for
 * another process's lock before its last batch commits.
 */
const STOP_MARGIN_MS = 5_000

/**
 * How long a stop waits for the requests in flight before it closes their connections: what
 * STOP_TIMEOUT_SECONDS leaves once the margin is kept (25 s by default), never less than 5 s.
 * With a limit of 5 s or less, the limit ends a stop still waiting for them.
 */
const connectionGraceMs = (stopTimeoutSeconds: number) => Math.max(MIN_CONNECTION_GRACE_MS, stopTimeoutSeconds * 1000 - STOP_MARGIN_MS)

function fail(message: string): never {
  process.stderr.write(`miniconsent: ${message}\n`)
  process.exit(1)
}

/** The server's address as a browser opens it: a wildcard host as localhost, an IPv6 one in brackets. */
function browserUrl(host: string, port: number): string {
  return `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host}:${port}/`
}

async function main() {
  let env: Env
  try {
    env = parseEnv(process.env)
  } catch (e) {
    if (e instanceof ZodError) fail(`invalid configuration:\n${describeEnvError(e)}`)
    throw e
  }
  const logger = createLogger(env.LOG_LEVEL)
  for (const { name, meant } of misspeltSettings(process.env)) {
    logger.warn(`the environment sets ${name}, which is no setting of ours: did you mean ${meant}? ${meant} keeps its default`, { name, meant })
  }
  // A container's process 1 cannot be killed by its own signals: a stop cut short ends with abort()
  // (stopNow), a native stack trace and exit 139, and a core file where the host keeps them.
  if (process.pid === 1) {
    logger.warn('running as process 1 (a container without an init): a stop cut short (STOP_TIMEOUT_SECONDS, a second signal) cannot end as kill -9 would, and aborts; run the server under an init (docker run --init, tini)')
  }

  // GEOIP_DB is read, and refused unless it is a MaxMind database (a ConfigurationError, said as
  // invalid configuration), before the database is opened: a configuration error writes nothing,
  // where it was found once the database had been made, migrated, seeded and given an owner whose
  // generated password was printed (review). The app answers from this reading.
  const regions = new RegionResolver(env, { now: Date.now, logger })

  let db: Db
  try {
    db = openDatabase(env.DATABASE_URL)
  } catch (e) {
    fail(`cannot open the database at ${env.DATABASE_URL}: ${e instanceof Error ? e.message : String(e)}`)
  }
  try {
    checkWritable(db.$client)
  } catch (e) {
    fail(`cannot write the database at ${env.DATABASE_URL} (${e instanceof Error ? e.message : String(e)}): ${WRITE_ADVICE}`)
  }
  // A rollback's database: drizzle applies only the migrations later than
  // the journal's latest row, so none of this version's runs over a newer one's, and the server
  // runs on it; what that version added is neither read nor kept up to date by this one.
  const ahead = journalState(db.$client).newer
  if (ahead) {
    logger.warn(
      `the database was last migrated by a newer MiniConsent: it holds ${ahead} migration(s) this version does not know (or another application ran its own on this file). This version applies none of its own over them and runs on it, but neither reads nor keeps up to date what that version added; start that version again when you can`,
      { database: env.DATABASE_URL, unknownMigrations: ahead },
    )
  }

  let owner: Awaited<ReturnType<typeof ensureOwner>>
  try {
    owner = await ensureOwner(db, env.MINICONSENT_ADMIN_EMAIL, env.MINICONSENT_ADMIN_PASSWORD, Date.now())
  } catch (e) {
    // The first read of the database: a file with a damaged page fails here, not when it is opened.
    fail(`cannot read the database at ${env.DATABASE_URL}: ${e instanceof Error ? e.message : String(e)}`)
  }
  // A generated password is stored only as a hash from here on: it is printed once the server
  // listens, or, should the start fail after this (a port in use), as it exits.
  let credentialsShown = false
  const showCredentials = (url: string, started: boolean) => {
    if (!owner.generatedPassword || credentialsShown) return
    credentialsShown = true
    process.stdout.write(
      `\n  MiniConsent owner account created\n  dashboard: ${url}\n  e-mail:    ${env.MINICONSENT_ADMIN_EMAIL}\n` +
        `  password:  ${owner.generatedPassword}\n  (shown only this once; set MINICONSENT_ADMIN_PASSWORD to choose it)\n` +
        (started ? '\n' : '  The server did not start; the account and its password are kept for the next start.\n\n'),
    )
  }
  process.on('exit', () => showCredentials(browserUrl(env.HOST, env.PORT), false))
  if (owner.passwordNotApplied) {
    logger.warn(
      `MINICONSENT_ADMIN_PASSWORD is not the password of ${env.MINICONSENT_ADMIN_EMAIL}, and was not applied: it is used only when the account is created. To change the password, run: npm run reset-password -- --email ${env.MINICONSENT_ADMIN_EMAIL}`,
    )
  }
  const shadowed = shadowedSiteIds(db, sdkDistDir())
  if (shadowed.length) {
    logger.warn('sites named like an SDK file: /sdk/<id>.js serves that file, not their script; move their pages to a new site', { sites: shadowed })
  }

  // Each site's closed days are rolled up in the background, 10 minutes after the start and then
  // every hour, and soon after a listing found some without: the listing's totals and the
  // statistics read them instead of the log.
  const rollups = startRollups(db, { logger })
  const consentLog = new ConsentLog(db, { logger, writer: 'thread', unrolledDays: () => rollups.runSoon() })
  // SPEC §7: records past each site's retention are purged at start-up and every hour, a batch at
  // a time while the server answers; between two batches, what ingestion queued is committed first.
  const manifestKeys = new ManifestKeys(db, Date.now, env.MANIFEST_SIGNING_KEY)
  // The signing key is settled once the server listens, before its first request: settling it
  // (a generated key, or a changed MANIFEST_SIGNING_KEY recorded and the key before it retired)
  // on a start that then fails, with the port held by the server already running on this file,
  // retired the key that server goes on signing with, and its next manifests failed verification.
  const app = createApp({ db, env, logger, consentLog, manifestKeys, regions, settleSigningNow: false })
  let retention: Retention | null = null
  const server = serveApp(app, { port: env.PORT, hostname: env.HOST }, (info) => {
    // The demo sites are seeded once the server listens too, before its first request, and each
    // has its retention signed in the transaction that creates it, by the key settled there: seeded
    // on a start that then failed (a port in use), they were never signed, and every later start
    // warned that their purge was skipped (review).
    // A failure after the key was asked for exits (fail), so the key ManifestKeys keeps for this
    // process is never one whose recording was rolled back with the seed.
    if (env.SEED_DEMO) {
      let created: string[] = []
      try {
        created = seedSites(db, DEMO_SITES, { now: Date.now(), ownerId: owner.userId, retentionKey: () => manifestKeys.active() })
      } catch (e) {
        // Its write lock is taken even when every demo site exists: one held past the wait (a backup,
        // another server writing) fails here, said as start-up says it, not as a crash.
        fail(`cannot add the demo sites (SEED_DEMO) to the database at ${env.DATABASE_URL}: ${e instanceof Error ? e.message : String(e)}`)
      }
      if (created.length) logger.info('seeded demo sites', { sites: created })
    }
    try {
      app.settleSigning()
    } catch (e) {
      // A lock held past the wait (a backup, a migration), a damaged page: said as start-up says it, not as a crash.
      fail(`cannot settle the signing key in the database at ${env.DATABASE_URL}: ${e instanceof Error ? e.message : String(e)}`)
    }
    // Each purge signs the anchor it moves with the manifest key, as settled just now
    // (MANIFEST_SIGNING_KEY's private half is not in the database for the purge to find).
    retention = startRetention(db, { logger, audit: new AuditLog(db, Date.now), between: () => consentLog.written(), sign: manifestKeys.active() })
    const url = browserUrl(info.address, info.port)
    logger.info('listening', { url, database: env.DATABASE_URL })
    // Printed once, on the start that created the account.
    showCredentials(url, true)
  })
  // Node closes an idle keep-alive connection after 5 s, while clients and proxies keep theirs
  // longer (load balancers ~60 s): one that reuses it at the moment it is closed gets a reset
  // (seen as ECONNRESET by a test client). The server outlasts them instead; headersTimeout must
  // exceed keepAliveTimeout.
  const http = server as { keepAliveTimeout?: number; headersTimeout?: number }
  http.keepAliveTimeout = KEEP_ALIVE_MS
  http.headersTimeout = KEEP_ALIVE_MS + 1_000
  server.on('error', (e: NodeJS.ErrnoException) => {
    const reason: Record<string, string> = {
      EADDRINUSE: `port ${env.PORT} on ${env.HOST} is already in use (set PORT)`,
      EACCES: `port ${env.PORT} on ${env.HOST} needs privileges this process does not have (set PORT above 1023)`,
      ENOTFOUND: `HOST ${env.HOST} names no address of this machine (set HOST, e.g. 127.0.0.1 or 0.0.0.0)`,
      EADDRNOTAVAIL: `HOST ${env.HOST} is not an address of this machine (set HOST, e.g. 127.0.0.1 or 0.0.0.0)`,
      EAI_AGAIN: `HOST ${env.HOST} could not be resolved (set HOST to an address, e.g. 127.0.0.1)`,
    }
    fail((e.code && reason[e.code]) ?? `cannot listen on ${env.HOST}:${env.PORT}: ${e.message}`)
  })

  let closing = false
  // Once stopping, every answer closes its connection (`Connection: close`): a keep-alive
  // connection busy at the stop would otherwise go on taking requests, and one that went idle
  // after it stay open, holding server.close() open until the forced stop below.
  server.prependListener('request', (_incoming, outgoing) => {
    if (closing) outgoing.shouldKeepAlive = false
  })
  /**
   * The open connections, so that the answer each is sending at the stop is made its last. Kept
   * per connection, not per request: a set of the answers in flight, added to and emptied on each
   * request, measured ingestion at 29 % of the ceiling (141–181 µs a record) against 36–44 % before
   * and after it.
   */
  const connections = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    connections.add(socket)
    socket.once('close', () => connections.delete(socket))
  })
  /** The connection ends once this answer is sent whole: before its head, by `Connection: close`; after, once its bytes are with the kernel. */
  const lastOfItsConnection = (outgoing: ServerResponse) => {
    if (!outgoing.headersSent) outgoing.shouldKeepAlive = false
    else if (outgoing.writableFinished) outgoing.socket?.end()
    else outgoing.once('finish', () => outgoing.socket?.end())
  }
  /** What the stop waits for now, named in the message of a stop cut short. */
  let waitingFor = 'the requests in flight'
  /**
   * A stop cut short ends the process as `kill -9` would. Every record acknowledged is committed
   * already (the crash tests kill it so under load); those still waiting were not answered, and
   * their senders send them again; a transaction cut short is rolled back when the file is next
   * opened. Not process.exit(): it waits for the writer thread, which may be inside SQLite waiting
   * for another process's lock (up to its 5 s busy timeout), and then aborts in better-sqlite3.
   * As a container's process 1 (no init), the kernel drops a SIGKILL the process sends itself:
   * abort() then ends it (its SIGABRT ignored too, it falls to a fault no process survives).
   */
  const stopNow = (message: string, fields: Record<string, unknown>) => {
    logger.error(message, { ...fields, waitingFor })
    process.kill(process.pid, 'SIGKILL')
    process.abort()
  }
  const shutdown = (signal: string) => {
    // A second signal (Ctrl-C twice, a supervisor losing patience): stop now.
    if (closing) return stopNow('shutdown: a second signal; stopping now', { signal })
    closing = true
    logger.info('shutting down', { signal })
    setTimeout(() => stopNow(`shutdown: not done after ${env.STOP_TIMEOUT_SECONDS} s (STOP_TIMEOUT_SECONDS); stopping now`, { signal }), env.STOP_TIMEOUT_SECONDS * 1000).unref()
    // A running purge stops between two of its transactions (each whole and audited).
    const retentionStopped = retention?.stop()
    const rollupsStopped = rollups.stop()
    // Stop accepting, answer in-flight requests, write queued consent records, then close SQLite.
    let stopping: Promise<void> | undefined
    const stop = () =>
      (stopping ??= (async () => {
        waitingFor = 'the retention purge to finish its transaction'
        await retentionStopped
        waitingFor = 'the statistics rollups to finish'
        await rollupsStopped
        waitingFor = 'the consent records received to be written'
        await consentLog.close()
        db.$client.close()
        process.exit(0)
      })())
    // close() ends the connections idle at this moment; those being answered end with their answer.
    server.close(() => void stop())
    for (const socket of connections) {
      // The answer the connection is sending (Node's own field for it); an idle one close() has ended.
      const outgoing = (socket as { _httpMessage?: ServerResponse | null })._httpMessage
      if (outgoing) lastOfItsConnection(outgoing)
    }
    const graceMs = connectionGraceMs(env.STOP_TIMEOUT_SECONDS)
    setTimeout(() => {
      if (stopping) return
      logger.warn(`shutdown: connections still open after ${graceMs / 1000} s are closed`, { signal })
      server.closeAllConnections()
      void stop()
    }, graceMs).unref()
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))
}

main().catch((e: unknown) => {
  if (e instanceof ConfigurationError) fail(`invalid configuration: ${e.message}`)
  process.stderr.write(`miniconsent: failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
  process.exit(1)
})
