// Public consent ingestion (the SDK posts one record per decision), the visitor's own record,
// and the visitor events the SDK posts under the same rules: identify and accepted documents.
import { CONSENT_RECORD_MAX_BYTES, PAGE_URL_MAX, consentId as consentIdSchema, consentRecordInput, visitorConsentRecord, type ConsentRecord, type ConsentRecordInput, type VisitorConsentRecord, documentInput, identifyInput, slug } from '@miniconsent/shared'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import type { AppEnv, Services } from '../context'
import { applyCors, checkOrigin, corsHeaders, someSiteAllows } from '../lib/cors'
import { ApiError, errorAnswer } from '../lib/errors'
import { clientNetwork, clientNetworkKey, truncateIp } from '../lib/ip'
import { TokenBuckets } from '../lib/rate-limit'
import { clientIp, requestHeader, requestRegion, type RequestFacts } from '../lib/request'
import { keepRecordIdAsSent, readConsentRecordInput, recordIdAsSent } from '../lib/consent-input'
import { jsonBody, limitBody, utf8Body } from '../lib/validate'
import { answerLater, respond, SECURITY_HEADERS, type SendLater } from '../middleware/request-context'
import { ConsentLogClosed, RecordIdConflict, type AddedFields, type AppendResult, type Committed } from '../services/consent-log'
import { resolveMode } from '@miniconsent/shared/regions'
import { ConsentEvents } from '../services/consent-events'
import type { RevisionChoices } from '../services/revisions'
import type { SiteInfo } from '../services/sites'

export const MAX_CONSENT_BODY = CONSENT_RECORD_MAX_BYTES

/** Where the SDK posts a consent record. */
export const CONSENTS_PATH = '/api/v1/consents'

/**
 * The page URL as stored: without query string and fragment, which may carry personal data
 * (SPEC §7), and at most PAGE_URL_MAX characters. A longer one is cut rather than refused (see
 * PAGE_URL_MAX): once the query is gone and the URL normalised (which may lengthen it), and at a
 * code point, never between the halves of a surrogate pair (SQLite would store the lone half as
 * U+FFFD, which the record's hash, computed over this, would not match).
 */
export function stripUrl(url: string): string {
  const cut = url.search(/[?#]/)
  const bare = cut === -1 ? url : url.slice(0, cut)
  const stripped = PLAIN_URL.test(bare) && !DOT_SEGMENT.test(bare) ? bare : normalUrl(bare)
  if (stripped.length <= PAGE_URL_MAX) return stripped
  const end = isHighSurrogate(stripped.charCodeAt(PAGE_URL_MAX - 1)) ? PAGE_URL_MAX - 1 : PAGE_URL_MAX
  return stripped.slice(0, end)
}

/**
 * A URL the WHATWG parser would give back as it is: http(s), a lower-case host name whose last
 * label starts with a letter (a number there makes it an IPv4 address, which is rewritten), no
 * port, credentials or percent sign, and a path of characters that are never encoded. With a
 * dot segment (`/./`, `/../`) left to DOT_SEGMENT, which it would resolve. A host the parser
 * refuses (a bad `xn--` label) is stored as sent too, so either way the URL is the one sent, and
 * the parse (~1.5 µs a record under load) is left out for the URLs the SDK sends from most pages.
 */
const PLAIN_URL = /^https?:\/\/(?:[a-z0-9-]+\.)*[a-z][a-z0-9-]*(?:\/[\w.~-]*)+$/
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/

/** The URL as the WHATWG parser writes it, without credentials; as sent when it is not one. */
function normalUrl(bare: string): string {
  try {
    const u = new URL(bare)
    // Credentials in the authority are personal data too. Only an `@` can bring them.
    if (bare.includes('@')) {
      u.username = ''
      u.password = ''
    }
    return u.href
  } catch {
    // Not a URL: stored as sent, less query and fragment.
    return bare
  }
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff

/** 413 past MAX_CONSENT_BODY, as limitBody refuses it. */
const consentBodyLimit = () => limitBody(MAX_CONSENT_BODY, `A consent record is at most ${MAX_CONSENT_BODY} bytes`)

/**
 * What makes a record's choices impossible for the revision it names: a category or service the
 * revision does not declare, or a required category denied. The SDK lists exactly the revision's;
 * anything else would count in the statistics as a choice no visitor was offered. A category or
 * service left out is no lie (an older SDK, a partial `api` call) and is not refused.
 */
function choiceProblem(input: { categories: Record<string, boolean>; services: Record<string, boolean> }, choices: RevisionChoices): { code: string; message: string } | null {
  for (const id of Object.keys(input.categories)) {
    const required = choices.categories.get(id)
    if (required === undefined) return { code: 'unknown_category', message: `No category "${id}"` }
    if (required && !input.categories[id]) return { code: 'required_category_denied', message: `Category "${id}" is required: it cannot be denied` }
  }
  for (const id of Object.keys(input.services)) {
    if (!choices.services.has(id)) return { code: 'unknown_service', message: `No service "${id}"` }
  }
  return null
}

/** The fields the public look-up answers (`visitorConsentRecord`): copied, not checked again. */
const VISITOR_FIELDS = Object.keys(visitorConsentRecord.shape) as (keyof VisitorConsentRecord)[]

/**
 * A stored record as the visitor's own look-up shows it: every other field (the personal ones,
 * the chain's) left out. Copied rather than parsed: a record edited outside the server is still
 * the visitor's, not a bad request of theirs.
 */
const visitorRecord = (record: ConsentRecord): VisitorConsentRecord => Object.fromEntries(VISITOR_FIELDS.map((k) => [k, record[k]])) as VisitorConsentRecord

/** The visitor's User-Agent as stored with a record or event: its first 512 characters, or null. */
function visitorAgent(c: RequestFacts): string | null {
  const userAgent = requestHeader(c, 'user-agent')
  return userAgent ? userAgent.slice(0, 512) : null
}

/** What a look-up of the visitor's own record names: `/api/v1/consents/<consentId>?site=<siteId>`. */
const lookupInput = z.object({ consentId: consentIdSchema, site: slug })

/** The public POSTs the SDK sends (sendBeacon or fetch, from the site's pages). */
const PUBLIC_POSTS: ReadonlySet<string> = new Set([CONSENTS_PATH, '/api/v1/consents/identify', '/api/v1/documents'])

/**
 * CORS for a refusal of a public POST that carries none: one given before the site was known (a
 * body too large, not JSON, not a record, an unknown or unpublished site). Without it the browser
 * hides the status from the SDK, which then takes a final 4xx for a network failure and sends the
 * same record again on every page, for ever. `app.onError` adds these to the error's own headers.
 */
export function refusalCors(c: Context<AppEnv>, s: Services, headers: Record<string, string>): Record<string, string> {
  // A refusal whose route already decided CORS (it always names Vary: the site's own verdict on
  // the Origin, as `gate` gives it) keeps that verdict: an origin another site lists must not read it.
  if (c.req.method !== 'POST' || !PUBLIC_POSTS.has(c.req.path) || 'Vary' in headers) return {}
  return beforeSiteCors(c, s)
}

/** CORS for an answer given before its site is known: readable by the pages of any site's domains. */
function beforeSiteCors(c: Context<AppEnv>, s: Services): Record<string, string> {
  const origin = requestHeader(c, 'origin')
  return someSiteAllows(c, origin, s) ? { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' } : { Vary: 'Origin' }
}

/** What a consent POST does once its body is read, whichever way it came: `consentIntake`. */
export type ConsentIntake = ReturnType<typeof consentIntake>

/**
 * Site, CORS, rate limit and storing of the public POSTs, shared by their routes and the front
 * door (front-door.ts), which takes a plain consent POST past Hono: both take from the same
 * rate-limit buckets and store a record alike. Everything here reads the request as RequestFacts.
 */
export function consentIntake(s: Services) {
  const buckets = new TokenBuckets<number | string>({ ...s.ingestRateLimit, now: s.now })
  /** A number per site, in the order the buckets first met them: see bucketKey. */
  const siteNumbers = new Map<string, number>()

  /**
   * The bucket of a client network at a site: for an IPv4 network, the site's number and the
   * address's (clientNetworkKey) as one number (exact below 2^21 sites); for any other, the site id
   * and the network as text. Only sites that exist get here (every caller takes after `gate`).
   */
  const bucketKey = (siteId: string, ip: string | null): number | string => {
    const network = clientNetworkKey(ip)
    if (typeof network === 'string') return `${siteId}\n${network}`
    let site = siteNumbers.get(siteId)
    if (site === undefined) siteNumbers.set(siteId, (site = siteNumbers.size))
    return site * 2 ** 32 + network
  }

  /**
   * The record's or event's site and CORS; the refusal, carrying the CORS, when its site or the
   * page's origin is not one it takes. A site with nothing published is unknown to visitors, as
   * its config, script and look-up answer it: the same refusal as for no site (the in-memory
   * SiteInfo knows its live revision: no query more), not a 422 or a stored event that would tell
   * that it exists.
   */
  const gate = (c: RequestFacts, siteId: string): { site: SiteInfo; cors: Record<string, string> } | { refusal: ApiError } => {
    const site = s.sites.get(siteId)
    if (!site || site.liveRevision === null) return { refusal: new ApiError(404, 'site_not_found', `No site "${siteId}"`) }
    const origin = checkOrigin(c, site.settings.domains, s)
    const cors = corsHeaders(origin)
    if (!origin.allowed) {
      return { refusal: new ApiError(403, 'origin_not_allowed', `This page's origin is not one of the domains of site "${siteId}"`, cors) }
    }
    return { site, cors }
  }

  /** The client's address, and a token of its network at the site taken: `wait` 0, or the seconds until one is free (none taken). */
  const take = (c: RequestFacts, siteId: string): { ip: string | null; wait: number } => {
    const ip = clientIp(c, s)
    return { ip, wait: buckets.take(bucketKey(siteId, ip)) }
  }

  /** The site and CORS, as `gate` gives them; its refusal thrown. */
  const admitSite = (c: RequestFacts, siteId: string): { site: SiteInfo; cors: Record<string, string> } => {
    const gated = gate(c, siteId)
    if ('refusal' in gated) throw gated.refusal
    return gated
  }

  /**
   * The client's address, with a token of its network at the site taken; the 429 thrown when none
   * is free. Last, after every check that can refuse the request, as in the front door: a refused
   * request (a 422 included) spends no token, so a visitor whose page sends stale records is not
   * kept from storing the next valid one.
   */
  const limit = (c: RequestFacts, siteId: string, cors: Record<string, string>): string | null => {
    const { ip, wait } = take(c, siteId)
    if (wait > 0) {
      throw new ApiError(429, 'rate_limited', 'Too many consent records from this address; retry later', { ...cors, 'Retry-After': String(wait) })
    }
    return ip
  }

  /** Site, CORS and rate limit, for a request with no check of its own between them (identify). */
  const admit = (c: RequestFacts, siteId: string): { site: SiteInfo; ip: string | null; cors: Record<string, string> } => {
    const { site, cors } = admitSite(c, siteId)
    return { site, ip: limit(c, siteId, cors), cors }
  }

  /** Why a record's choices are impossible for the revision it names (422), or null. */
  const revisionProblem = (site: SiteInfo, input: ConsentRecordInput): { code: string; message: string } | null => {
    const choices = site.liveRevision !== null && input.revision <= site.liveRevision ? s.revisions.choices(input.siteId, input.revision) : null
    if (!choices) return { code: 'unknown_revision', message: `Site "${input.siteId}" has no revision ${input.revision}` }
    const wrongChoice = choiceProblem(input, choices)
    return wrongChoice && { code: wrongChoice.code, message: `${wrongChoice.message} in revision ${input.revision} of site "${input.siteId}"` }
  }

  /**
   * Appends an admitted record with what the server adds (SPEC §7): its promise settles once it is
   * committed. `sent` is the record's JSON text when the caller has it as read (the front door's
   * body, which `input` was read from); otherwise `input` is written out (sentText).
   */
  const append = (c: RequestFacts, input: ConsentRecordInput, site: SiteInfo, ip: string | null, sent?: string): Promise<AppendResult> =>
    s.consentLog.appendSent(sent ?? sentText(input), added(c, input, site, ip), input.recordId)

  /**
   * A checked record written out for the writer with its recordId as the body sent it, as the front
   * door's text has it: the writer reads it in lower case, and looks for a record stored under it
   * as sent before recordIds were (ConsentWriter.write).
   */
  const sentText = (input: ConsentRecordInput): string => {
    const asSent = recordIdAsSent(input)
    return JSON.stringify(asSent === input.recordId ? input : { ...input, recordId: asSent })
  }

  /** The same as `append`, for the front door, which has the text as read: the outcome goes to `done` (ConsentLog.appendSentThen). */
  const appendThen = (c: RequestFacts, input: ConsentRecordInput, site: SiteInfo, ip: string | null, sent: string, done: Committed): void =>
    s.consentLog.appendSentThen(sent, added(c, input, site, ip), input.recordId, done)

  /** What the server adds to a record (SPEC §7). */
  const added = (c: RequestFacts, input: ConsentRecordInput, site: SiteInfo, ip: string | null): AddedFields => {
    const region = requestRegion(c, s)
    return {
      region,
      mode: resolveMode(region, site.settings.regions),
      url: stripUrl(input.url),
      userAgent: visitorAgent(c),
      ip: site.settings.ipPolicy === 'none' ? null : truncateIp(ip),
      // The browser's Sec-GPC header counts too: sendBeacon carries it even when the page's script did not look.
      gpc: input.gpc || requestHeader(c, 'sec-gpc') === '1',
    }
  }

  /** On Node's response: the refusal of a record, as `onError` gives it. */
  const sendRefusal = (send: SendLater, e: unknown, cors: Record<string, string>, requestId: string) => {
    const { status, body, headers } = errorAnswer(refusal(e, cors), { requestId, method: 'POST', path: CONSENTS_PATH }, s.logger)
    // An error answer carries every security header, as one through `onError` does, and the
    // site's verdict on the Origin: the SDK reads a 503 `database_busy` to retry, not a network failure.
    send(JSON.stringify(body), status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json', ...cors, ...headers })
  }

  /** On Node's response: the answer to a stored (201) or already stored (200) record. */
  const sendStored = (send: SendLater, r: AppendResult, cors: Record<string, string>) =>
    send(JSON.stringify({ recordId: r.recordId, seq: r.seq }), r.created ? 201 : 200, storedHeaders(cors))

  /** On Node's response once the record is committed: the answer, or the refusal as `onError` gives it. */
  const sendCommitted = (send: SendLater, committed: Promise<AppendResult>, cors: Record<string, string>, requestId: string) =>
    committed.then(
      (r) => sendStored(send, r, cors),
      (e: unknown) => sendRefusal(send, e, cors, requestId),
    )

  /** The same answer as sendCommitted's, as the callback appendThen calls once the record is committed. */
  const committedAnswer =
    (send: SendLater, cors: Record<string, string>, requestId: string): Committed =>
    (r) =>
      r instanceof Error ? sendRefusal(send, r, cors, requestId) : sendStored(send, r, cors)

  return { admit, admitSite, limit, gate, take, revisionProblem, append, appendThen, sendCommitted, sendRefusal, committedAnswer }
}

/** Seconds a record refused at a stop (503 `server_stopping`) waits before it is sent again: a restart's time. */
export const STOPPING_RETRY_SECONDS = 5

const storedHeaders = (cors: Record<string, string>) => ({ 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...cors })
/**
 * A conflicting recordId as the 409 it is answered with; the SDK reads why, so it carries the CORS
 * headers. A record whose site was deleted after it was admitted and before its batch (the
 * consent log's foreign key) is answered as for an unknown site, not as a server error.
 */
const refusal = (e: unknown, cors: Record<string, string>) => {
  if (e instanceof RecordIdConflict) return new ApiError(409, 'record_id_conflict', e.message, cors)
  if (e instanceof ConsentLogClosed) return new ApiError(503, 'server_stopping', 'The server is stopping: send the record again in a moment', { ...cors, 'Retry-After': String(STOPPING_RETRY_SECONDS) })
  if ((e as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return new ApiError(404, 'site_not_found', 'This site no longer exists', cors)
  return e
}

export function consentRoutes(s: Services, intake: ConsentIntake) {
  const { admit } = intake
  /**
   * Look-ups of a record by consentId, per client network whatever the site: a visitor reads their
   * own now and then; more is someone trying consentIds.
   */
  const lookups = new TokenBuckets({ capacity: 60, refillPerSecond: 1, now: s.now })
  const events = new ConsentEvents(s.db)

  const preflight = (c: Context<AppEnv>) => {
    // A preflight carries no body, hence no site id: allow origins that some site lists.
    const origin = requestHeader(c, 'origin')
    if (someSiteAllows(c, origin, s)) {
      c.header('Access-Control-Allow-Origin', origin)
      c.header('Access-Control-Allow-Methods', 'POST')
      c.header('Access-Control-Allow-Headers', 'Content-Type')
      c.header('Access-Control-Max-Age', '86400')
    }
    c.header('Vary', 'Origin')
    return c.body(null, 204)
  }

  /**
   * The look-up's consentId and site. A refusal before the site is known (a malformed id, an
   * unknown or unpublished site) is readable by the pages of any site's domains, as a public POST's refusal is:
   * the SDK, or the site's own page, learns why instead of a network failure.
   */
  const lookedUp = (c: Context<AppEnv>): { consentId: string; site: SiteInfo } => {
    try {
      // `site` twice names two sites: neither is taken (the first was, whatever the second said).
      const sites = c.req.queries('site') ?? []
      if (sites.length > 1) throw new ApiError(400, 'invalid_request', 'site: name one site, once')
      const { consentId, site: siteId } = lookupInput.parse({ consentId: c.req.param('consentId'), site: sites[0] })
      const site = s.sites.get(siteId)
      // A site with nothing published is unknown to visitors, as its config and script answer it
      // (configVariant): the same refusal, so that the look-up does not tell that it exists.
      if (!site || site.liveRevision === null) throw new ApiError(404, 'site_not_found', `No published site "${siteId}"`)
      return { consentId, site }
    } catch (e) {
      for (const [name, value] of Object.entries(beforeSiteCors(c, s))) c.header(name, value)
      throw e
    }
  }

  /** A visitor event's write (true: written, false: found stored) or look-up; a conflicting recordId as the 409 `refusal` gives. */
  const storedEvent = (write: () => boolean, cors: Record<string, string>): boolean => {
    try {
      return write()
    } catch (e) {
      throw refusal(e, cors)
    }
  }

  /** Under `app.request()` (no Node response): the answer as a promise, refusals through `onError`. */
  const answerCommitted = (c: Context<AppEnv>, committed: Promise<AppendResult>, cors: Record<string, string>) =>
    committed.then(
      (r) => stored(c, { recordId: r.recordId, seq: r.seq }, r.created, cors),
      (e: unknown) => {
        throw refusal(e, cors)
      },
    )

  /** The answer to a stored (201) or already stored (200) record or event. */
  const stored = (c: Context<AppEnv>, body: object, created: boolean, cors: Record<string, string>) =>
    respond(c, JSON.stringify(body), created ? 201 : 200, storedHeaders(cors))

  return new Hono<AppEnv>()
    .options(CONSENTS_PATH, preflight)
    .options('/api/v1/consents/identify', preflight)
    .options('/api/v1/documents', preflight)
    .post(
      '/api/v1/consents/identify',
      consentBodyLimit(),
      utf8Body,
      jsonBody(identifyInput, { textPlain: true, kept: keepRecordIdAsSent }),
      (c) => {
        const input = c.req.valid('json')
        const { cors } = admit(c, input.siteId)
        const created = storedEvent(() => events.identify({ ...input, serverTime: new Date(s.now()).toISOString() }, recordIdAsSent(input)), cors)
        return stored(c, { recordId: input.recordId }, created, cors)
      },
    )
    .post(
      '/api/v1/documents',
      consentBodyLimit(),
      utf8Body,
      jsonBody(documentInput, { textPlain: true, kept: keepRecordIdAsSent }),
      (c) => {
        const input = c.req.valid('json')
        const { site, cors } = intake.admitSite(c, input.siteId)
        const sent = {
          recordId: input.recordId,
          siteId: input.siteId,
          consentId: input.consentId,
          userId: input.userId,
          documentType: input.type,
          url: stripUrl(input.url),
          clientTime: input.clientTime,
        }
        // Own keys only: a type such as `constructor` is a valid slug and found on every object's prototype.
        const document = Object.hasOwn(site.settings.documents, input.type) ? site.settings.documents[input.type] : undefined
        if (!document) {
          // The SDK sends an acceptance again until it sees an answer: one stored (or erased) before
          // the site stopped declaring its type is answered as stored, or the SDK takes it as refused.
          // The look-up spends a token whatever it answers: it reads the database, and without one a
          // client could repeat it at will and learn from its answers (422, 409) which recordIds are
          // stored (review). A declared type's refusals spend none.
          intake.limit(c, input.siteId, cors)
          if (!storedEvent(() => events.acceptedBefore(sent, recordIdAsSent(input)), cors)) throw new ApiError(422, 'unknown_document', `Site "${input.siteId}" declares no document "${input.type}"`, cors)
          return stored(c, { recordId: input.recordId }, false, cors)
        }
        const ip = intake.limit(c, input.siteId, cors)
        const acceptance = {
          ...sent,
          ip: site.settings.ipPolicy === 'none' ? null : truncateIp(ip),
          userAgent: visitorAgent(c),
          serverTime: new Date(s.now()).toISOString(),
          documentVersion: document.version,
        }
        const created = storedEvent(() => events.acceptDocument(acceptance, recordIdAsSent(input)), cors)
        return stored(c, { recordId: input.recordId }, created, cors)
      },
    )
    .post(
      CONSENTS_PATH,
      consentBodyLimit(),
      utf8Body,
      jsonBody(consentRecordInput, { textPlain: true, read: readConsentRecordInput, kept: keepRecordIdAsSent }),
      (c) => {
        const input = c.req.valid('json')
        const { site, cors } = intake.admitSite(c, input.siteId)
        // Refusals carry the CORS headers too: the SDK reads why a record was refused.
        const problem = intake.revisionProblem(site, input)
        if (problem) throw new ApiError(422, problem.code, problem.message, cors)
        const ip = intake.limit(c, input.siteId, cors)
        const committed = intake.append(c, input, site, ip)
        const send = answerLater(c)
        // No closure in this handler may use `c`: they would all share one scope, and keep the
        // context alive with the record until its commit (what answering later avoids).
        if (!send) return answerCommitted(c, committed, cors)
        intake.sendCommitted(send, committed, cors, c.get('requestId'))
        return RESPONSE_ALREADY_SENT
      },
    )
    .get('/api/v1/consents/:consentId', (c) => {
      // Every answer is one visitor's, a refusal included: kept by no cache.
      c.header('Cache-Control', 'no-store')
      const { consentId, site } = lookedUp(c)
      applyCors(c, site.settings.domains, s)
      const wait = lookups.take(clientNetwork(clientIp(c, s)))
      if (wait > 0) throw new ApiError(429, 'rate_limited', 'Too many look-ups from this address; retry later', { 'Retry-After': String(wait) })
      const record = s.consentLog.latest(site.settings.id, consentId)
      if (!record) throw new ApiError(404, 'record_not_found', 'No consent record for this consentId')
      return c.json(visitorRecord(record))
    })
}
