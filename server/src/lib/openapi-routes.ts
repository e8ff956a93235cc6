// Every route of the HTTP API, with the shared schemas it validates and answers with. A test
// checks that each mounted route is listed here: a new route without its entry fails the build.
import * as S from '@miniconsent/shared'
import { z } from 'zod'
import { PATH_ALLOW, type HeaderSpec, type NamedSchemas, type Operation } from './openapi'
import { STOPPING_RETRY_SECONDS } from '../routes/consents'
import { DISK_FULL_RETRY_SECONDS } from './errors'
import { manifestParam } from '../routes/exports'
import { tokenParam } from '../routes/invitations'
import { previewFileParam, previewQuery } from '../routes/preview'

const siteParam = z.object({ siteId: S.slug })
const ANY = ['owner', 'editor', 'auditor'] as const
const EDIT = ['owner', 'editor'] as const
const OWNER = ['owner'] as const
/** Who reads the consent log (SPEC §8). */
const LOG = S.LOG_ROLES
/** The refusal of ownPagesOnly (session.ts), on the GETs that make something. */
const CROSS_SITE_403 = 'another site’s page asked for it (`cross_site_request`: the browser’s Sec-Fetch-Site is neither `same-origin` nor `none`)'

const exampleCatalogue: S.CatalogueInput = {
  categories: [
    { id: 'essential', required: true, label: { en: 'Essential' } },
    { id: 'analytics', label: { en: 'Analytics' }, consentMode: ['analytics_storage'] },
  ],
  services: [{ id: 'google-analytics', category: 'analytics', name: 'Google Analytics', provider: 'Google', vendor: 'google' }],
  entries: [
    { name: '_ga', category: 'analytics', service: 'google-analytics', provider: 'Google', purpose: { en: 'Distinguishes unique users' }, expiry: '2y' },
    { name: '_ga_*', category: 'analytics', service: 'google-analytics', provider: 'Google', purpose: { en: 'Keeps session state' }, expiry: '2y' },
  ],
}

/** What `GET /api/admin/sites/{siteId}/catalogue/export` answers by default: the draft, defaults filled in. */
const exampleCatalogueOut: S.Catalogue = S.catalogue.parse(exampleCatalogue)

/** The first two lines of a consent-log export in each format (one record). */
const exampleExportCsv =
  'seq,recordId,consentId,serverTime,clientTime,method,revision,textsHash,region,mode,language,url,ip,userAgent,gpc,categories,services,prevHash,hash,erasedAt,personalHash\n' +
  `1,6f1c1d2e-3b4a-4c5d-8e9f-000000000001,visitor-0001,2026-11-22T10:00:00.000Z,2026-11-22T09:59:58.000+01:00,accept-all,1,${'a'.repeat(64)},DE,opt-in,en,https://acme.test/pricing,203.0.113.0,,false,"{""analytics"":true,""essential"":true}","{""plausible"":true}",${'0'.repeat(64)},83c896ada53fbd2360e0946e84c81bebe0111cd30928821f0ec5897d66c885f1,,c1efba37a960cd3285587272b7a3dc6f1d22a57e4b00676a68bd47849e959453\n`
const exampleExportNdjson =
  `{"seq":1,"recordId":"6f1c1d2e-3b4a-4c5d-8e9f-000000000001","consentId":"visitor-0001","serverTime":"2026-11-22T10:00:00.000Z","clientTime":"2026-11-22T09:59:58.000+01:00","method":"accept-all","revision":1,"textsHash":"${'a'.repeat(64)}","region":"DE","mode":"opt-in","language":"en","url":"https://acme.test/pricing","ip":"203.0.113.0","userAgent":null,"gpc":false,"categories":{"analytics":true,"essential":true},"services":{"plausible":true},"prevHash":"${'0'.repeat(64)}","hash":"83c896ada53fbd2360e0946e84c81bebe0111cd30928821f0ec5897d66c885f1","erasedAt":null,"personalHash":"c1efba37a960cd3285587272b7a3dc6f1d22a57e4b00676a68bd47849e959453"}\n`

/** The top of an OpenAPI 3.1 document, as `GET /api/openapi.json` answers it. */
const openApiDocument = z
  .looseObject({
    openapi: z.string(),
    info: z.looseObject({ title: z.string(), version: z.string(), description: z.string() }),
    jsonSchemaDialect: z.string(),
    tags: z.array(z.looseObject({ name: z.string() })),
    paths: z.record(z.string(), z.record(z.string(), z.looseObject({}))),
    components: z.looseObject({ schemas: z.record(z.string(), z.looseObject({})), securitySchemes: z.record(z.string(), z.looseObject({})) }),
  })
  .meta({ description: 'An OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.0): this one.' })

/** `sdk/dist/manifest.json`: which files each kind of visit loads (written by sdk/scripts/build.mjs). */
const sdkManifest = z.looseObject({
  returningVisit: z.array(z.string()),
  firstVisit: z.array(z.string()),
  firstVisitAndClick: z.array(z.string()),
  files: z.record(z.string(), z.looseObject({ when: z.string(), imports: z.array(z.string()) })),
})

const recordStored = z.object({ recordId: z.string(), seq: z.number().int() })
const memberChanged = z.object({ member: S.member })

/** What a schema's JSON Schema cannot say (a zod refinement), in its description wherever it appears. */
export const SCHEMA_DESCRIPTIONS: ReadonlyMap<z.ZodType, string> = new Map<z.ZodType, string>([
  [
    S.clientTime,
    'The time on the visitor’s device, with its UTC offset (`Z` from the SDK). The offset is at most ±14:00 (UTC+14 is the furthest in use): a larger one (`+15:00`), which the pattern lets through, is refused (400 `invalid_request`).',
  ],
])

/** Schemas shown under their own name and referenced wherever they appear. */
export const NAMED_SCHEMAS: NamedSchemas = {
  Catalogue: S.catalogue,
  StoredCatalogue: S.storedCatalogue,
  Category: S.category,
  Service: S.service,
  StorageEntry: S.storageEntry,
  Appearance: S.appearance,
  SiteSettings: S.siteSettings,
  PublishedConfig: S.publishedConfig,
  ConsentRecordInput: S.consentRecordInput,
  ConsentRecord: S.consentRecord,
  ConsentLogPage: S.consentLogPage,
  ChainVerification: S.chainVerification,
  ExportManifest: S.exportManifest,
  ManifestKeyList: S.manifestKeyList,
  ManifestKey: S.manifestKey,
  ConsentStats: S.consentStats,
  SubjectData: S.subjectData,
  SubjectUser: S.subjectUser,
  SubjectErasure: S.subjectErasure,
  Me: S.me,
  CatalogueState: S.catalogueState,
  RevisionSummary: S.revisionSummary,
  CatalogueDiff: S.catalogueDiff,
  CatalogueChange: S.catalogueChange,
  Member: S.member,
  MemberChanged: memberChanged,
  ConsentRecordStored: recordStored,
  MemberList: S.memberList,
  InvitationInfo: S.invitationInfo,
  AuditPage: S.auditPage,
  RevisionList: S.revisionList,
  RevisionDetail: S.revisionDetail,
  RevisionCreated: S.revisionCreated,
  PublishWarning: S.publishWarning,
  SiteSettingsResponse: S.siteSettingsResponse,
  InvitationCreated: S.invitationCreated,
  LoginInput: S.loginInput,
  SaveDraftInput: S.saveDraftInput,
  SiteSettingsFormInput: S.siteSettingsInput,
  NewSiteInput: S.newSiteInput,
  SiteCreated: S.siteCreated,
  PublishInput: S.publishInput,
  RollbackInput: S.rollbackInput,
  VerifyWithManifestInput: S.verifyWithManifestInput,
  InvitationInput: S.invitationInput,
  MemberRoleInput: S.memberRoleInput,
  AcceptInvitationInput: S.acceptInvitationInput,
  PasswordChangeInput: S.passwordChangeInput,
  IdentifyInput: S.identifyInput,
  DocumentInput: S.documentInput,
  VisitorEventStored: S.visitorEventStored,
  OpenApiDocument: openApiDocument,
  SdkManifest: sdkManifest,
}


/** What each POST of the SDK (a record, identify, a document) may be refused with, besides its own refusals. */
const VISITOR_POST_REFUSALS = {
  403: { description: 'The page’s origin is not one of the site’s domains' },
  404: { description: '`site_not_found`: no such site, or nothing published (answered alike, with the same message: a visitor cannot tell a site being set up from none)' },
  413: { description: 'Body over 8 KB' },
  429: { description: 'Too many records from this address (Retry-After). A request answered as stored (200, 201) spends one of the limit, as does a recordId conflict (409); one refused before the write (400, 403, 404, 413, 422) spends none' },
}

/** The headers of a CORS preflight's answer (`preflight` in routes/consents.ts). */
const PREFLIGHT_HEADERS: Record<string, HeaderSpec> = {
  'Access-Control-Allow-Origin': { description: 'The request’s `Origin`, when some site lists it among its domains or it is this server’s own (its `PUBLIC_URL`, or the request’s host: the demo pages); absent otherwise, and the browser then sends no POST' },
  'Access-Control-Allow-Methods': { description: '`POST` (with an allowed Origin)', schema: { type: 'string', const: 'POST' } },
  'Access-Control-Allow-Headers': { description: '`Content-Type` (with an allowed Origin)', schema: { type: 'string', const: 'Content-Type' } },
  'Access-Control-Max-Age': { description: '`86400`: browsers may keep the answer for a day (with an allowed Origin)', schema: { type: 'string', const: '86400' } },
  Vary: { description: '`Origin`, always', schema: { type: 'string', const: 'Origin' } },
}

// ---- Response headers, as the routes send them ----

/**
 * The session cookie as answerSession (routes/auth.ts) sets it at a sign-in or a password change:
 * 12 hours, HttpOnly, SameSite=Strict; over HTTPS Secure and named `__Host-mc_session` (middleware/session.ts).
 */
const SESSION_COOKIE_SET: HeaderSpec = {
  description:
    'Starts the session: `mc_session=<token>; Max-Age=43200; Path=/; HttpOnly; SameSite=Strict` over plain HTTP; over HTTPS (`SECURE_COOKIES`) `__Host-mc_session=<token>; Max-Age=43200; Path=/; HttpOnly; Secure; SameSite=Strict`, a name no other subdomain can set. Any session this browser had is replaced.',
  schema: { type: 'string', pattern: '^(?=.*; Max-Age=43200(;|$))(?=.*; Path=/(;|$))(?=.*; HttpOnly(;|$))(?=.*; SameSite=Strict(;|$))(__Host-)?mc_session=[^;]+;' },
  required: true,
}
/** A download's file name (`attachment; filename="…"`). */
const attachment = (example: string): HeaderSpec => ({
  description: `\`attachment; filename="${example}"\`: browsers save the answer as that file`,
  schema: { type: 'string', pattern: '^attachment; filename="[^"]+"$' },
  required: true,
})
/** A strong ETag of the bytes sent (one per encoding), for If-None-Match. */
const ETAG: HeaderSpec = { description: 'A strong validator of these bytes (one per encoding): send it as `If-None-Match` to be answered 304', schema: { type: 'string', pattern: '^"[^"]+"$' }, required: true }
/** The Cache-Control of the preview page's SDK chunks, on their 200 and 304 alike. */
const PREVIEW_CHUNK_CACHE_CONTROL: HeaderSpec = { description: '`public, max-age=300`', schema: { type: 'string', const: 'public, max-age=300' }, required: true }
/** The Cache-Control of a config variant or a per-site script (regionCaching in routes/config.ts). */
const regionCacheControl = (maxAge: number): HeaderSpec => ({
  description: `\`private, max-age=${maxAge}\`: the answer depends on the visitor’s region and GPC signal, which a shared cache keyed on the URL would mix up. With \`CDN_CACHE_SECONDS\` set (a CDN that keys on the region headers), \`public, max-age=${maxAge}, s-maxage=<CDN_CACHE_SECONDS>\``,
  schema: { type: 'string', pattern: `^(private, max-age=${maxAge}|public, max-age=${maxAge}, s-maxage=[0-9]+)$` },
  required: true,
})
/** `Allow` on a getOnly refusal of HEAD (lib/validate.ts): every method of the path, filled in by the generator. */
const HEAD_REFUSED_ALLOW: Record<string, HeaderSpec> = { Allow: PATH_ALLOW }

/** The CORS preflight of one of the SDK's POSTs. */
const preflight = (path: string): Operation => ({
  method: 'options',
  path,
  tag: 'Public',
  summary: `CORS preflight of \`POST ${path}\``,
  description:
    'What a browser asks before a cross-origin `fetch` that posts `application/json` (`sendBeacon` posts `text/plain`, which needs none). A preflight carries no body, so no site id: it allows any origin that some site lists, and this server’s own (its `PUBLIC_URL`, or the request’s host); the POST then checks the named site’s own domains.',
  auth: 'public',
  responses: { 204: { description: 'Always; the Access-Control headers only when the `Origin` is allowed', headers: PREFLIGHT_HEADERS } },
})

export const OPERATIONS: Operation[] = [
  // ---- Public: what sites embed and visitors' browsers call ----
  {
    method: 'get',
    path: '/healthz',
    tag: 'Public',
    summary: 'Liveness and database check',
    description: 'Reads a row of the sites table, so a database file that cannot be read (corrupted, removed, closed) answers 503: a load balancer then stops sending traffic here. A write lock held elsewhere does not make it unhealthy: writes wait for it, and answer 503 `database_busy` when it outlasts their wait.',
    auth: 'public',
    // Any failure of its read is its own 503 (`database_unavailable`), never `database_busy`.
    database: false,
    responses: {
      200: { description: 'The server and its database answer', schema: z.object({ ok: z.literal(true) }) },
      503: {
        description: 'The database cannot be read (`database_unavailable`); the cause is in the server’s log',
        schema: z.object({ ok: z.literal(false), error: S.apiError.shape.error }),
      },
    },
  },
  {
    method: 'get',
    path: '/sdk/:file{.+}',
    tag: 'Public',
    summary: 'The per-site SDK script (`/sdk/<siteId>.js`) and the files of the SDK build (the chunks it loads, `manifest.json`)',
    description:
      'A file of the SDK build is served as it is, whatever its name: `miniconsent.js` (the core without a config), the chunks the core loads relative to itself (`banner.js`, `record.js`, `dialog.js`, `placeholder.js`, `cleanup.js`, `store.js`, `lang-<xx>.js`), `manifest.json` (which files each kind of visit loads) and `miniconsent.d.ts` (the API’s TypeScript declarations, as `application/octet-stream`). Any other `<siteId>.js`: the SDK with the site’s PublishedConfig embedded, so one synchronous script tag is the whole install; publishing a revision changes it at once. Its core loads its chunks from its own build’s directory, `/sdk/v/{build}/{file}` (below). Readable from any origin.',
    auth: 'public',
    responses: {
      200: {
        description: 'The script, or the build file',
        content: { 'text/javascript': {}, 'application/json': { schema: sdkManifest }, 'application/octet-stream': {} },
        headers: {
          ETag: ETAG,
          'Cache-Control': {
            description:
              'A build file: `public, max-age=300`. `<siteId>.js`: `private, max-age=300`, as the config’s (it embeds the visitor’s region and GPC variant), or `public, max-age=300, s-maxage=<CDN_CACHE_SECONDS>` when that is set',
            schema: { type: 'string', pattern: '^(public, max-age=300|private, max-age=300|public, max-age=300, s-maxage=[0-9]+)$' },
            required: true,
          },
        },
      },
      304: { description: 'Not modified (If-None-Match)', headers: { ETag: ETAG } },
      404: {
        description:
          '`<siteId>.js` of a site with no published revision (or none at all): a script that logs the error, as a `<script>` gets it. Any other name that is neither a file of the build nor `<siteId>.js` of a well-formed site id (`/sdk/x`, `/sdk/UPPER.js`): the JSON error `not_found`',
        content: { 'text/javascript': {}, 'application/json': { schema: S.apiError } },
      },
      503: { description: '`<siteId>.js` of a published site, but the SDK is not built on this server: a script that logs the error', contentType: 'text/javascript' },
    },
  },
  {
    method: 'get',
    path: '/sdk/v/:build/:file',
    route: '/sdk/:file{.+}',
    tag: 'Public',
    summary: 'A chunk of one SDK build, as the per-site script loads it (immutable)',
    description:
      'The core served in `/sdk/<siteId>.js` loads its chunks from `v/<build>/` relative to itself, `build` being the `build` of the SDK’s `manifest.json`: a core a cache kept past a deploy never runs the next build’s chunks. The current build’s files are immutable under their directory. Another build’s directory (a core cached past a deploy) gets the file on disk now, briefly cached, for a cache to let go.',
    auth: 'public',
    params: z.object({
      build: z.string().regex(/^[0-9a-f]{16}$/).meta({ description: 'The build’s id: `build` in the SDK’s `manifest.json`' }),
      file: z.string().meta({ description: 'A file of the SDK build (`banner.js`, `lang-de.js`…)' }),
    }),
    // Files on disk and the build's manifest: no database.
    database: false,
    responses: {
      200: {
        description: 'The file',
        content: { 'text/javascript': {}, 'application/json': { schema: sdkManifest }, 'application/octet-stream': {} },
        headers: {
          ETag: ETAG,
          'Cache-Control': {
            description: '`public, max-age=31536000, immutable` when `build` is the current build and the file is the one its manifest names; else `public, max-age=60`',
            schema: { type: 'string', enum: ['public, max-age=31536000, immutable', 'public, max-age=60'] },
            required: true,
          },
        },
      },
      304: { description: 'Not modified (If-None-Match)', headers: { ETag: ETAG } },
      404: { description: '`not_found`: no such file in the SDK build (or a `build` that is not 16 hexadecimal digits: no such file either)' },
    },
  },
  {
    method: 'get',
    path: '/.well-known/gpc.json',
    tag: 'Public',
    summary: 'Global Privacy Control support resource',
    auth: 'public',
    database: false,
    responses: { 200: { description: 'GPC is honoured', schema: z.object({ gpc: z.boolean(), lastUpdate: z.string() }) } },
  },
  {
    method: 'get',
    path: '/api/v1/sites/:siteId/config',
    tag: 'Public',
    summary: 'The published config of a site, for SDKs served without one embedded',
    auth: 'public',
    params: siteParam,
    description:
      'Each region, mode and GPC variant has its own `ETag` (one per encoding: brotli or gzip when `Accept-Encoding` allows); `If-None-Match` with it answers 304.',
    responses: {
      200: { description: 'The live revision, with the region of this request', schema: S.publishedConfig, headers: { ETag: ETAG, 'Cache-Control': regionCacheControl(60) } },
      304: { description: 'Not modified (If-None-Match)', headers: { ETag: ETAG, 'Cache-Control': regionCacheControl(60) } },
      404: { description: '`site_not_found`: no such site, or nothing published (`Cache-Control: no-store`)' },
    },
  },
  {
    method: 'post',
    path: '/api/v1/consents',
    tag: 'Public',
    summary: 'Store a consent record',
    description:
      'CORS: allowed from the site’s domains and from this server’s own origin (its `PUBLIC_URL`, or the request’s host: the demo pages); a refusal given before the site is known (too large, not JSON, an unknown site or one with nothing published) is readable by any origin a site lists, and by this server’s own, so that the SDK can drop the record. Also accepts `text/plain` bodies holding the same JSON (what `navigator.sendBeacon` sends). At most 8 KB. Idempotent by `recordId`, in any case (a UUID is case-insensitive): it is stored and answered in lower case. A record stored before recordIds were stored in lower case, under one with upper-case letters, is found when sent again in the case it was stored in, not in another.',
    auth: 'public',
    body: { schema: S.consentRecordInput, textPlain: true },
    responses: {
      201: { description: 'Stored, under its recordId in lower case', schema: recordStored },
      200: { description: 'This record was stored before under its recordId, sent then in this case or another (a retry); one stored in upper case before recordIds were stored in lower case, sent again in that case', schema: recordStored },
      ...VISITOR_POST_REFUSALS,
      409: { description: '`record_id_conflict`: this recordId holds another record, or belongs to another site' },
      422: {
        description:
          '`unknown_revision`: the site has no such revision; `unknown_category` / `unknown_service`: the record names a category or service its revision does not declare; `required_category_denied`: it denies a required category',
      },
      503: {
        description:
          '`server_stopping`: the server is stopping and has written its last batch; nothing was stored, and the record can be sent again after `Retry-After`; `database_unavailable`: the database file was removed or replaced while the server ran, nothing was stored, and the record can be sent again once the server is restarted on the right file',
        headers: { 'Retry-After': { description: `With \`server_stopping\`: \`${STOPPING_RETRY_SECONDS}\`; with \`database_unavailable\`: \`${DISK_FULL_RETRY_SECONDS}\``, required: true } },
      },
    },
  },
  preflight('/api/v1/consents'),
  {
    method: 'get',
    path: '/api/v1/consents/:consentId',
    tag: 'Public',
    summary: 'A visitor’s latest consent record on a site',
    auth: 'public',
    params: z.object({ consentId: S.consentId }),
    query: z.object({ site: S.slug }),
    responses: {
      200: { description: 'The latest record: the decision, without IP, user agent, page URL, chain position or hashes', schema: S.visitorConsentRecord },
      404: { description: '`site_not_found`: no such site, or nothing published; `record_not_found`: no record for this consentId' },
      429: { description: 'Too many look-ups from this address' },
    },
  },
  {
    method: 'post',
    path: '/api/v1/consents/identify',
    tag: 'Public',
    summary: 'Link this browser’s consentId to the site’s signed-in user (`identify(userId)`)',
    auth: 'public',
    body: { schema: S.identifyInput, textPlain: true },
    responses: {
      201: { description: 'Stored, under its recordId in lower case', schema: S.visitorEventStored },
      200: { description: 'Stored before under this recordId, in any case (a retry); one stored in upper case before recordIds were stored in lower case, sent again in that case', schema: S.visitorEventStored },
      ...VISITOR_POST_REFUSALS,
      409: { description: '`record_id_conflict`: this recordId holds another link (another consentId or userId), or belongs to another site' },
    },
  },
  preflight('/api/v1/consents/identify'),
  {
    method: 'post',
    path: '/api/v1/documents',
    tag: 'Public',
    summary: 'Record acceptance of a legal document (`acceptDocument(type)`)',
    auth: 'public',
    body: { schema: S.documentInput, textPlain: true },
    responses: {
      201: { description: 'Stored, under its recordId in lower case', schema: S.visitorEventStored },
      200: {
        description: 'Stored before under this recordId, in any case (a retry), or erased since (a data-subject erasure): also once the site no longer declares the document type. One stored in upper case before recordIds were stored in lower case: sent again in that case',
        schema: S.visitorEventStored,
      },
      ...VISITOR_POST_REFUSALS,
      429: {
        description:
          'Too many records from this address (Retry-After). A request answered as stored (200, 201) spends one of the limit, as does a recordId conflict (409) and the look-up of a document type the site does not declare, whatever it answers (422 `unknown_document`, 409); any other request refused before the write (400, 403, 404, 413, 422) spends none',
      },
      409: {
        description:
          '`record_id_conflict`: this recordId holds another acceptance (another document type, consentId, userId, page or time), or belongs to another site. A retry after the document’s version changed is the acceptance stored: 200',
      },
      422: { description: '`unknown_document`: the site declares no document of this type, and this recordId holds no acceptance stored or erased before' },
    },
  },
  preflight('/api/v1/documents'),

  // ---- Session ----
  {
    method: 'post',
    path: '/api/admin/login',
    tag: 'Session',
    summary: 'Sign in',
    description:
      'Sets the session cookie (`__Host-mc_session` over HTTPS, `mc_session` over plain HTTP; HttpOnly, SameSite=Strict), and ends the session each session cookie the request carried names. Within 15 minutes, 5 failures for an e-mail from one client network (an IPv4 address or an IPv6 /64) lock that e-mail from that network, 30 for it from anywhere lock it from everywhere, and 50 from one client network over any e-mails lock that network; a lock lasts until enough of its failures are 15 minutes old. Wrong passwords given to accept an invitation count too, and a check still running counts as a failure until it ends: a lock made by checks still running, short of the failures, says `Retry-After: 1` (they end within a moment, and may not fail).',
    auth: 'public',
    csrfExempt: true,
    body: { schema: S.loginInput, example: { email: 'admin@example.com', password: 'correct horse battery staple' } },
    responses: {
      200: { description: 'Signed in', schema: S.me, headers: { 'Set-Cookie': SESSION_COOKIE_SET } },
      401: { description: 'Wrong e-mail or password' },
      429: { description: '`too_many_attempts`: too many failed sign-ins for this e-mail, or from this client network (Retry-After: until enough failures are 15 minutes old), or too many still being checked (Retry-After: 1); the message says which: "Too many failed sign-ins; try again later", or "Too many sign-ins are being checked at once; try again in a second"' },
    },
  },
  {
    method: 'post',
    path: '/api/admin/logout',
    tag: 'Session',
    summary: 'Sign out',
    description: 'With a session it is a change like any other: send the session’s `X-CSRF-Token`, without which it is refused (403) and the session goes on. Without one it clears the cookie the request carried (one from another site carries none, and clears nothing); a request carrying two session cookies (which is no session) ends the sessions both name. With a session or without, a body is refused (422), and nothing is done.',
    auth: 'public',
    responses: {
      204: {
        description: 'Signed out (the cookie the request carried is cleared)',
        headers: {
          'Set-Cookie': {
            description:
              'Clears the session cookie the request carried: `mc_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict` over plain HTTP, `__Host-mc_session=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict` over HTTPS; absent when it carried none',
            schema: { type: 'string', pattern: '^(?=.*; Max-Age=0(;|$))(__Host-)?mc_session=;' },
          },
        },
      },
    },
  },
  { method: 'get', path: '/api/admin/me', tag: 'Session', summary: 'The signed-in user, their sites and the CSRF token', auth: 'session', responses: { 200: { description: 'Me', schema: S.me } } },
  {
    method: 'post',
    path: '/api/admin/password',
    tag: 'Session',
    summary: 'Change your password',
    description:
      'Every session of the user ends, the one this was sent in too: whoever copied its cookie or CSRF token is out. The answer signs this browser in to a new session (Set-Cookie) and gives its CSRF token, which later changes must send. A wrong current password is a 422 with an issue at `currentPassword`; five in 15 minutes lock the form, and so do five checks of it running at once from this session, until they end.',
    auth: 'session',
    body: { schema: S.passwordChangeInput },
    responses: {
      200: { description: 'Changed; signed in to a new session, as `me` answers it', schema: S.me, headers: { 'Set-Cookie': SESSION_COOKIE_SET } },
      401: { description: 'No session (`unauthenticated`), also when this session ended (signed out) while the change was checked: the password is unchanged' },
      409: { description: '`password_changed`: another session changed the password while this change was checked; this session has ended' },
      429: { description: '`too_many_attempts`: too many wrong current passwords (Retry-After: until enough are 15 minutes old), or too many checks of it running at once (Retry-After: 1); the message says which' },
    },
  },
  {
    method: 'get',
    path: '/api/admin/me/audit',
    tag: 'Session',
    summary: 'Your account’s audit entries of no site, newest first',
    description:
      'The entries that concern your account and no site, which no site’s audit log shows: a change of your password while you were a member of no site (`user.password`), and the server operator’s reset of it then (`user.password_reset`, by nobody). Made while you are a member of sites, they are in each of those sites’ audit logs instead (`GET /api/admin/sites/{siteId}/audit`), for their owners and auditors. Never another account’s entries. Filtered and paged as a site’s audit log: a page holds at most `limit` entries and, past its first, at most 4 MB of before/after states; `nextBefore` goes on from there.',
    auth: 'session',
    query: S.auditQuery,
    responses: { 200: { description: 'A page of entries', schema: S.auditPage } },
  },

  // ---- Sites ----
  {
    method: 'post',
    path: '/api/admin/sites',
    tag: 'Sites',
    summary: 'Create a site; you become its owner',
    description:
      'For the server’s administrators (the account of `MINICONSENT_ADMIN_EMAIL`, and every account an earlier start named by it) and the owners of a site (`/me` says `canCreateSites`); an account that is only an editor or auditor is refused, before its body is read. The body is the site’s settings (`id`, `name` and at least one domain required; the rest take their defaults) and, optionally, the `catalogue` its draft starts from, as the JSON import takes it. Without one the draft holds the `essential` category, with its texts in `defaultLanguage`. Nothing is published: `/sdk/<id>.js` and the config answer 404 until the draft is. At most 1 MB.',
    auth: 'session',
    body: { schema: S.newSiteInput, example: { id: 'example-shop', name: 'Example Shop', domains: ['shop.example.com'], defaultLanguage: 'en' } },
    responses: {
      201: {
        description: 'Created; `/me` lists it at once',
        schema: S.siteCreated,
        headers: { Location: { description: 'The new site’s catalogue: `/api/admin/sites/<id>/catalogue`', schema: { type: 'string', pattern: '^/api/admin/sites/[a-z0-9][a-z0-9_-]*/catalogue$' }, required: true } },
      },
      400: { description: '`site_id_reserved`: the id is the name of an SDK file under /sdk/; or a malformed body (`invalid_json`, `invalid_text`)' },
      403: { description: 'the account owns no site and is not one of the server’s administrators (`forbidden`)' },
      409: { description: '`site_exists`: the id is taken; `site_id_used`: the id was a deleted site’s, never given again (its audit log is kept under it for its retention period)' },
      413: { description: 'Body over 1 MB' },
      422: { description: 'Invalid body (`issues` names each field); or a catalogue that, filled out with its defaults as a draft save sends it, would be over the 1 MB a request may carry (`invalid`, without `issues`)' },
    },
  },
  {
    method: 'delete',
    path: '/api/admin/sites/:siteId',
    tag: 'Sites',
    summary: 'Delete a site that never had visitors’ records',
    description:
      'For a site created by mistake or never embedded: refused while it holds consent records (tombstones included), identified visitors, accepted legal documents or a purged log’s anchor, which are kept for its retention period. Its draft, revisions, members, invitations, statistics and export manifests go with it, as does what its erasures kept of the identifications and documents they deleted (their recordIds, nothing personal); its config and `/sdk/<id>.js` answer 404 at once. Its audit log stays under its id, ending with `site.delete` (the settings and draft as they were), until retention purges it by the retention period the site had, if the server signed it as it is (a retention edited in the database, before the deletion or after, purges none of it). A site whose stored retention the server did not sign (`retentionSigned: false` in GET …/catalogue) is deleted all the same, without its retention being signed: its audit log is then kept until the server’s operator signs that retention (`sign-unsigned --site <id> --confirm`); an owner who confirms the retention in the settings before deleting the site has its log purged by it. The id cannot be given to a new site, even after.',
    auth: OWNER,
    params: siteParam,
    responses: {
      204: { description: 'Deleted' },
      409: { description: '`site_has_records`: the site holds records of its visitors; the message names which' },
    },
  },

  // ---- Catalogue and revisions ----
  {
    method: 'get',
    path: '/api/admin/sites/:siteId/catalogue',
    tag: 'Catalogue',
    summary: 'The draft, the settings and what is live',
    auth: ANY,
    params: siteParam,
    responses: { 200: { description: 'Catalogue state', schema: S.catalogueState } },
  },
  {
    method: 'put',
    path: '/api/admin/sites/:siteId/catalogue/draft',
    tag: 'Catalogue',
    summary: 'Save the draft',
    description: 'Visitors see nothing of it until it is published. Send `baseUpdatedAt` to be told (409) rather than overwrite a draft someone saved meanwhile. A field the body or its catalogue does not have (a misspelt one, which would be dropped and its meaning lost) is refused with 422 naming its path.',
    auth: EDIT,
    params: siteParam,
    body: { schema: S.saveDraftInput, example: { catalogue: exampleCatalogue } },
    responses: {
      200: { description: 'Catalogue state', schema: S.catalogueState },
      409: { description: '`draft_conflict`: saved by someone else since `baseUpdatedAt`' },
      422: { description: 'The draft has problems, a field the catalogue does not have among them (`issues` names each); or the catalogue, as a draft save sends it, would be over the 1 MB a request may carry (`invalid`, without `issues`): it could not be saved again' },
    },
  },
  {
    method: 'put',
    path: '/api/admin/sites/:siteId/settings',
    tag: 'Catalogue',
    summary: 'Save the site’s settings (served at once)',
    description:
      'Changes the settings the body sends; a setting left out keeps its stored value (it does not fall back to its default). `privacyPolicyUrl: null` removes the link, which is how the settings form clears it. `domains`, when sent, must list at least one hostname. Send `baseUpdatedAt` (the `settingsUpdatedAt` of GET …/catalogue or of the last save): a save over settings saved since is refused. `retentionDays` and `ipPolicy` are the owner’s: an editor’s save may leave them out or send them unchanged. The retention purge acts only on a `retentionDays` the server signed when it was saved: an owner’s save that sends it signs it, and, when the stored one bears no valid signature (edited in the database, or saved by an older version; `retentionSigned: false` in GET …/catalogue and in this answer), is written and audited even if nothing else changed, with a new `settingsUpdatedAt`. Sending it unchanged is that confirmation: a client should send `retentionDays` only when the owner changed or confirmed it (the dashboard’s form leaves it out otherwise), so that a routine save does not vouch for a retention written outside MiniConsent.',
    auth: EDIT,
    params: siteParam,
    body: { schema: S.siteSettingsInput },
    responses: {
      200: { description: 'The settings and their new version (`settingsUpdatedAt`)', schema: S.siteSettingsResponse },
      403: { description: 'a non-owner changed `retentionDays` or `ipPolicy` (`owner_only_setting`; `issues` names each)' },
      409: { description: '`settings_conflict`: saved by someone else since `baseUpdatedAt`' },
      422: { description: '`invalid`: a setting is not valid (`issues` names each), such as an empty `domains` list: without a domain no visitor can record a choice' },
    },
  },
  {
    method: 'get',
    path: '/api/admin/preview/:siteId/',
    tag: 'Catalogue',
    summary: 'Live preview of the saved draft: an HTML page for a sandboxed iframe',
    description:
      'Runs the real SDK with the draft catalogue and the settings, as revision 0 with its own cookie name, so that nothing is stored or recorded. `view` opens the preferences dialog or shows the declaration; `mode` picks the banner of a region mode. Sent with a Content-Security-Policy that allows only its own nonced script and styles and the SDK chunks below.',
    auth: ANY,
    params: siteParam,
    query: previewQuery,
    // refusalPage (app.ts's onError): the page is read in a frame, so every refusal of it, raised by its route or before it (a database file gone), is a sentence in an HTML page.
    errorContentType: 'text/html',
    responses: {
      200: {
        description: 'HTML',
        contentType: 'text/html',
        headers: {
          'Set-Cookie': {
            description: 'Clears the preview’s own consent cookie, so that each preview opens as a first visit: `miniconsent-preview=; Max-Age=0; Path=/; SameSite=Lax`',
            schema: { type: 'string', const: 'miniconsent-preview=; Max-Age=0; Path=/; SameSite=Lax' },
            required: true,
          },
        },
      },
      503: { description: 'The SDK is not built on this server (`sdk_missing`)' },
    },
  },
  {
    method: 'get',
    path: '/api/admin/preview/:siteId/:file',
    tag: 'Catalogue',
    summary: 'The SDK’s chunks for the preview page, which loads them relative to itself',
    description: 'Answered as `/sdk/<file>` answers a build file: brotli or gzip when `Accept-Encoding` allows, with its own `ETag` per encoding.',
    auth: 'public',
    params: previewFileParam,
    responses: {
      200: { description: 'JavaScript', contentType: 'text/javascript', headers: { ETag: ETAG, 'Cache-Control': PREVIEW_CHUNK_CACHE_CONTROL } },
      304: { description: 'Not modified (If-None-Match)', headers: { ETag: ETAG, 'Cache-Control': PREVIEW_CHUNK_CACHE_CONTROL } },
      404: { description: '`not_found`: no such SDK file (`miniconsent.js`, the core, is not served here)' },
    },
  },
  {
    method: 'get',
    path: '/api/admin/sites/:siteId/catalogue/export',
    tag: 'Catalogue',
    summary: 'Download the draft as JSON or as a CSV cookie table',
    description:
      'JSON (`format=json`, the default): the draft, a Catalogue, as compact JSON, which the import takes back whenever the draft passes the current rules (a draft saved under older ones may not: one with a category named in no language, or a text longer than its bound once composed (NFC), is refused until that is fixed; no draft is stored whose JSON is over the 1 MB a request may carry). CSV (`format=csv`): one row per storage entry with category and service columns; localized texts get one column per language (`purpose_en`). Services or categories without entries get a row with an empty `name`.',
    auth: ANY,
    params: siteParam,
    query: S.catalogueFormatQuery,
    responses: {
      200: {
        description: 'The file, in the media type of `format`',
        headers: { 'Content-Disposition': attachment('<siteId>-catalogue.<format>') },
        content: {
          'application/json': { schema: S.storedCatalogue, example: exampleCatalogueOut },
          'text/csv': {
            example: 'category,service,service_name,service_provider,service_privacy_policy_url,name,kind,provider,expiry,domain,path,category_label_en,service_purpose_en,purpose_en\nanalytics,google-analytics,Google Analytics,Google,,_ga,cookie,Google,2y,,,Analytics,,Distinguishes unique users\n',
          },
        },
      },
    },
  },
  {
    method: 'post',
    path: '/api/admin/sites/:siteId/catalogue/import',
    tag: 'Catalogue',
    summary: 'Replace the draft from a JSON or CSV file',
    description:
      'JSON: a Catalogue, with no field it does not have (a misspelt one, which would be dropped and its meaning lost, is refused with 422 naming its path). CSV: the export’s columns whatever their case (only `category` is required; a column the import does not read is refused, 400 `invalid_csv`), separated by commas, semicolons (a spreadsheet in a European locale) or tabs, whichever makes a `category` column of the header; categories and services in the file are added to or updated in the draft, entries are replaced; a service’s cells or a category’s label are given once or the same on each of its rows (a row may leave them empty), and a row giving another value than an earlier one is refused (422, naming both lines), as is a row declaring a service alone (no `name`) in another category than an earlier such row. Only such a row sets a service’s category, and lets its entries sit in other categories. Without one, every entry row of the service gives one category: for a service the file adds, the category it takes (otherwise 422, naming both lines and the column `category`); for one the draft has, its category in the draft (otherwise 422, naming the line, the service and both categories: a file exported from another site, where the service was in another category, needs a row declaring it alone, in the file’s category to move it or in the draft’s to keep it). In a 422 on a CSV file, a message about an entry, a category or a service names the file’s line (`line N: …`; for a field of a category or service, its column too: `line N, column "service_name": …`), and the error’s own message repeats the first.',
    auth: EDIT,
    params: siteParam,
    query: S.catalogueImportQuery,
    body: {
      description: 'The file’s text, at most 1 MB, read as `format` says whatever its Content-Type: a Catalogue in JSON (`format=json`, the default), or the CSV cookie table (`format=csv`)',
      content: { 'application/json': { schema: S.catalogue }, 'text/csv': {} },
    },
    responses: {
      200: { description: 'Catalogue state', schema: S.catalogueState },
      400: {
        description:
          '`invalid_csv`: the CSV file cannot be read, its header has no `category` column, or names a column the import does not read; `invalid_json`: the JSON file is not JSON; `invalid_text`: text that is not valid Unicode; `invalid_request`: a bad `format` or `baseUpdatedAt`',
      },
      409: { description: '`draft_conflict`: saved by someone else since `baseUpdatedAt`' },
      413: { description: 'File over 1 MB' },
      422: {
        description:
          'The file has problems, a field a catalogue does not have among them (`issues` names each, for a CSV by its line and column; a text the CSV leaves as the draft has it, such as a blank category description stored before blank texts were refused, is named as the draft’s, to fix on the Catalogue page); or the catalogue it makes would be over 1 MB as JSON, saved as a draft (the message names its size), which could not be saved again nor its export imported: a CSV row takes about a fifth of its entry’s JSON',
      },
    },
  },
  {
    method: 'get',
    path: '/api/admin/sites/:siteId/revisions',
    tag: 'Revisions',
    summary: 'Published revisions, newest first',
    auth: ANY,
    params: siteParam,
    responses: { 200: { description: 'Revisions', schema: S.revisionList } },
  },
  {
    method: 'get',
    path: '/api/admin/sites/:siteId/revisions/:number',
    tag: 'Revisions',
    summary: 'One revision with its catalogue (immutable)',
    description: 'A revision never changes: the 200 is `Cache-Control: private, max-age=3600`; a 404 is not cached.',
    auth: ANY,
    params: z.object({ siteId: S.slug, number: S.urlNumber() }),
    responses: {
      200: {
        description: 'The revision',
        schema: S.revisionDetail,
        headers: { 'Cache-Control': { description: '`private, max-age=3600`', schema: { type: 'string', const: 'private, max-age=3600' }, required: true } },
      },
      404: { description: '`revision_not_found`: no such revision' },
    },
  },
  {
    method: 'get',
    path: '/api/admin/sites/:siteId/diff',
    tag: 'Revisions',
    summary: 'Changes between two revisions or a revision and the draft, with the re-consent verdict',
    description:
      "Re-consent is needed for the first publication; a new category, service or storage entry; a service or entry moved to another category, or an entry to another service; a changed purpose or provider; a service's vendor signal added, removed or changed (it decides which vendor is told of a choice, and for `google` whether refusing the service denies its category's Consent Mode types), unless the service is in a required category before and after (always on: nobody refuses it); a category becoming required, or optional (choices made while it was always on hold it as granted); an optional category's name or description changed; a category granting another Consent Mode type; an entry kept longer. Purposes and an optional category's name and description are judged per language: a translation added or removed, or a typo fix, does not need it; a text added beside another of its language (`en-US` beside `en` or `en-GB`), or removed from beside one, is judged as a change of the text its visitors read (the text added, or the one the SDK falls back to: their primary language's, the site's default language's, English, the first; a text in another language is a translation and does not need it). Nor do service and entry names, a required category's wording, links, texts, appearance, order, a shorter expiry, a Consent Mode type dropped, or a category, service, entry or text removed. From the live revision (the default `from`) the verdict is the one publishing or rolling back would give: the `to` side is also judged against every earlier revision visitors' choices may date from (back to the newest that asked), and a reason found that way names its revision; a revision whose publisher overrode the verdict forgives, from then on, only the changes that publisher was shown asking (and, for a regional text added since, such as `en-GB`, a change shown of the text of their language its visitors read then, `en`, or `en-US` where there was no `en`). Between two other revisions, the pair alone.",

    auth: ANY,
    params: siteParam,
    query: S.diffQuery,
    responses: { 200: { description: 'The diff', schema: S.catalogueDiff }, 404: { description: '`revision_not_found`: `from` or `to` names no revision of this site' } },
  },
  {
    method: 'post',
    path: '/api/admin/sites/:siteId/publish',
    tag: 'Revisions',
    summary: 'Publish the draft as a new revision',
    description:
      '`needsConsent` overrides the re-consent rule; it needs `draftHash` and `liveRevision` (the `toHash` and `from` of the GET …/diff it was decided on: the same draft can add other things to another live revision), and each, when sent, is checked. The SDK script and config change at once. `warnings` lists what the admin should look at in the revision and publishing does not refuse: `consent_cookie_undeclared` when its catalogue does not declare the site’s consent cookie as the settings say (name, an always-on category, the lifetime as expiry), with the `fix` the dashboard’s *Update the declaration* makes in the draft.',
    auth: EDIT,
    params: siteParam,
    body: { schema: S.publishInput, example: { note: 'Adds Hotjar' } },
    responses: {
      201: { description: 'Published', schema: S.revisionCreated },
      409: {
        description:
          '`nothing_to_publish`: the draft is live already; `draft_changed`: the draft is no longer the one named by `draftHash`; `live_changed`: the live revision is no longer `liveRevision`',
      },
      422: {
        description:
          'Invalid body (`issues` names each field; `needsConsent` without `draftHash` or `liveRevision`), or a draft that does not pass the current rules (`invalid`: fix the draft first)',
      },
    },
  },
  {
    method: 'post',
    path: '/api/admin/sites/:siteId/rollback',
    tag: 'Revisions',
    summary: 'Publish an earlier revision’s catalogue again; the draft is reset to it',
    description:
      'As publishing, with its `warnings`. The draft is replaced: when it holds unpublished changes, send `draftHash` (the `toHash` of GET …/diff) to say they may be discarded. The audit entry names the discarded draft by its hash. Overriding the re-consent rule (`needsConsent`) needs `liveRevision`, the live revision the rollback was compared with; when sent, the rollback is refused if another revision was published since.',
    auth: EDIT,
    params: siteParam,
    body: { schema: S.rollbackInput, example: { revision: 1, liveRevision: 2, needsConsent: false } },
    responses: {
      201: { description: 'Published', schema: S.revisionCreated },
      404: { description: '`revision_not_found`: no such revision' },
      409: {
        description:
          '`nothing_to_publish`: that catalogue is live already; `unpublished_changes`: the draft holds changes and no `draftHash` was sent; `draft_changed`: the draft is no longer the one named by `draftHash`; `live_changed`: the live revision is no longer `liveRevision`',
      },
      422: { description: 'Invalid body (`issues` names each field; `needsConsent` without `liveRevision`), or a revision whose catalogue does not pass the current rules (`invalid`)' },
    },
  },

  // ---- Accounts ----
  {
    method: 'get',
    path: '/api/admin/sites/:siteId/members',
    tag: 'Accounts',
    summary: 'Members and pending invitations',
    auth: OWNER,
    params: siteParam,
    responses: { 200: { description: 'Members', schema: S.memberList } },
  },
  {
    method: 'post',
    path: '/api/admin/sites/:siteId/invitations',
    tag: 'Accounts',
    summary: 'Invite someone with a role',
    description:
      'Answers a link valid for 7 days (`inviteUrl`, on the server\'s `PUBLIC_URL` when it is set, otherwise on the request\'s own host); no e-mail is sent. Also for an address that has an account: it joins when the link holder enters that account’s password. Inviting the address again replaces its pending invitation (the old link stops working).',
    auth: OWNER,
    params: siteParam,
    body: { schema: S.invitationInput, example: { email: 'auditor@example.com', role: 'auditor' } },
    responses: { 201: { description: 'Invited', schema: S.invitationCreated }, 409: { description: '`already_member`' } },
  },
  {
    method: 'delete',
    path: '/api/admin/sites/:siteId/invitations/:email',
    tag: 'Accounts',
    summary: 'Cancel a pending invitation; its link stops working',
    auth: OWNER,
    params: z.object({ siteId: S.slug, email: S.invitationInput.shape.email }),
    responses: { 204: { description: 'Cancelled' }, 404: { description: '`invitation_not_found`: none pending for this address' } },
  },
  {
    method: 'patch',
    path: '/api/admin/sites/:siteId/members/:userId',
    tag: 'Accounts',
    summary: 'Change a member’s role',
    description: 'An owner who stops being one: the invitations they sent for this site and that are still pending are cancelled.',
    auth: OWNER,
    params: z.object({ siteId: S.slug, userId: S.urlNumber() }),
    body: { schema: S.memberRoleInput },
    responses: { 200: { description: 'The member', schema: memberChanged }, 404: { description: '`member_not_found`: not a member' }, 409: { description: '`last_owner`' } },
  },
  {
    method: 'delete',
    path: '/api/admin/sites/:siteId/members/:userId',
    tag: 'Accounts',
    summary: 'Remove a member',
    description: 'The invitations they sent for this site and that are still pending are cancelled.',
    auth: OWNER,
    params: z.object({ siteId: S.slug, userId: S.urlNumber() }),
    responses: { 204: { description: 'Removed' }, 404: { description: '`member_not_found`: not a member' }, 409: { description: '`last_owner`' } },
  },
  {
    method: 'get',
    path: '/api/admin/invitations/:token',
    tag: 'Accounts',
    summary: 'What an invitation link is for',
    auth: 'public',
    params: tokenParam,
    responses: {
      200: { description: 'The invitation', schema: S.invitationInfo },
      404: { description: '`invitation_not_found`: unknown, used or expired' },
      410: { description: '`invitation_revoked`: whoever sent it is no longer an owner of the site' },
    },
  },
  {
    method: 'post',
    path: '/api/admin/invitations/:token/accept',
    tag: 'Accounts',
    summary: 'Accept an invitation and sign in',
    description:
      'Creates the account with this password (at least 12 characters), or, when the address has an account already (`hasAccount` in the invitation), checks that it is the account’s password: wrong ones count towards the sign-in lock. No CSRF token needed: the link is the credential.',
    auth: 'public',
    csrfExempt: true,
    params: tokenParam,
    body: { schema: S.acceptInvitationInput },
    responses: {
      200: { description: 'Signed in', schema: S.me, headers: { 'Set-Cookie': SESSION_COOKIE_SET } },
      401: { description: 'The address has an account and this is not its password (or an account for it was made meanwhile)' },
      404: { description: '`invitation_not_found`: unknown, used or expired' },
      410: { description: '`invitation_revoked`: whoever sent it is no longer an owner of the site' },
      422: { description: '`invalid`: `issues` names each field: a new account’s password too short (under 12 characters), no password, or a field the form does not take' },
      429: { description: '`too_many_attempts`: the sign-in lock (see `POST /api/admin/login`) holds for this address, or for this client network over any e-mails, also when the address has no account yet (Retry-After)' },
    },
  },
  {
    method: 'get',
    path: '/api/admin/sites/:siteId/audit',
    tag: 'Accounts',
    summary: 'The admin audit log, newest first',
    description: 'A page holds at most `limit` entries and, past its first, at most 4 MB of before/after states (a catalogue save keeps the whole draft twice); `nextBefore` goes on from there.',
    auth: LOG,
    params: siteParam,
    query: S.auditQuery,
    responses: { 200: { description: 'A page of entries', schema: S.auditPage } },
  },

  // ---- Consent log ----
  {
    method: 'get',
    path: '/api/admin/sites/:siteId/consents',
    tag: 'Consent log',
    summary: 'Consent records, newest first',
    description:
      'Read in a worker thread, off the event loop: a filter matching few records of a large log reads much of it. Filtered by a `consentId`, each page (GET) is audited as the look-up of that visitor is (`consents.subject-view`: who, when, the consentId’s SHA-256, how many records the page holds and `via: "listing"`): one entry per page.',
    auth: LOG,
    params: siteParam,
    query: S.consentLogQuery,
    responses: {
      200: { description: 'A page of records', schema: S.consentLogPage },
      403: { description: `With a \`consentId\`: ${CROSS_SITE_403}` },
      429: { description: '`listings_busy`: 4 listings are being read on this server (Retry-After)' },
    },
  },
  {
    method: 'get',
    path: '/api/admin/sites/:siteId/verify',
    tag: 'Consent log',
    summary: 'Verify the site’s hash chain',
    auth: LOG,
    params: siteParam,
    responses: {
      200: { description: 'Verification', schema: S.chainVerification },
      403: { description: CROSS_SITE_403 },
      405: { description: '`method_not_allowed`: HEAD (it would walk the whole chain for no answer)', headers: HEAD_REFUSED_ALLOW },
      429: { description: '`verifies_busy`: 2 verifications are running on this server (Retry-After)' },
    },
  },
  {
    method: 'post',
    path: '/api/admin/sites/:siteId/verify',
    tag: 'Consent log',
    summary: 'Verify the site’s hash chain, also against a manifest saved outside the server',
    description:
      'The manifest is one of this site’s, exactly as `GET …/exports/{exportId}/manifest` answered it; its signature is checked first. The log must still hold the record at its `chainHead.seq` with the hash it recorded: records deleted since, or rewritten with their hashes recomputed, are found even when the manifest rows stored in the database were deleted too. `savedManifest.checked` is false when retention has purged that record since (a manifest of the log while it was empty, `seq` 0, vouches for no record: true). The CLI does the same: `miniconsent verify --site … --manifest saved.json --public-key keys.json`.',
    auth: LOG,
    params: siteParam,
    body: {
      schema: S.verifyWithManifestInput,
      example: {
        manifest: {
          exportId: '0190c1d2-3b4a-7c5d-8e9f-00000000e001',
          siteId: 'acme',
          format: 'csv',
          filters: {},
          rowCount: 1,
          sha256: 'b'.repeat(64),
          chainHead: { seq: 1, hash: '83c896ada53fbd2360e0946e84c81bebe0111cd30928821f0ec5897d66c885f1' },
          createdAt: '2026-11-22T10:05:00.000Z',
          createdBy: 'auditor@acme.test',
          keyId: '0123456789abcdef',
          signature: 'the base64 Ed25519 signature the server gave',
        },
      },
    },
    responses: {
      200: { description: 'Verification', schema: S.chainVerification },
      400: { description: '`invalid_request`: a body without `manifest` (`issues` names it); `invalid_manifest`: not an export manifest; `manifest_other_site`: another site’s' },
      422: { description: '`manifest_unsigned`: made before 0.8 or stripped of its signature; `manifest_not_signed_here`: not signed by this server’s keys as it is (altered, forged, or the keys were)' },
      429: { description: '`verifies_busy`: 2 verifications are running on this server (Retry-After)' },
    },
  },
  {
    method: 'get',
    path: '/api/admin/sites/:siteId/export',
    tag: 'Consent log',
    summary: 'Download consent records as CSV or NDJSON (streamed)',
    description: '`X-Export-Id` names the export; its manifest (`GET …/exports/{exportId}/manifest`) exists once the download completes.',
    auth: LOG,
    params: siteParam,
    query: S.exportQuery,
    responses: {
      200: {
        description: 'The file, in the media type of `format`: CSV (the default) or NDJSON, one record a line',
        headers: {
          'X-Export-Id': { description: 'The export’s id, for its manifest once the download completes', schema: { type: 'string', minLength: 1, maxLength: 64 }, required: true },
          'Content-Disposition': attachment('consents-<siteId>-<day>-<exportId prefix>.<format>'),
        },
        content: { 'text/csv': { example: exampleExportCsv }, 'application/x-ndjson': { example: exampleExportNdjson } },
      },
      403: { description: CROSS_SITE_403 },
      405: { description: '`method_not_allowed`: HEAD (it would make an export nobody receives)', headers: HEAD_REFUSED_ALLOW },
      429: { description: '`exports_busy`: 4 exports are running on this server, 2 of them this account’s, or 3 of them this site’s (Retry-After)' },
    },
  },
  {
    method: 'get',
    path: '/api/admin/sites/:siteId/exports/:exportId/manifest',
    tag: 'Consent log',
    summary: 'The manifest of a completed export',
    description:
      'Signed by the server with Ed25519: `signature` (base64) covers the UTF-8 canonical JSON (object keys sorted, no whitespace) of the manifest without `signature`, `keyId` included; the key is `keyId` in `GET /api/v1/manifest-keys`. Manifests made before signing have neither field. `miniconsent verify --manifest … --file … --public-key …` checks both the file and the signature.',
    auth: LOG,
    params: manifestParam,
    responses: { 200: { description: 'Manifest', schema: S.exportManifest }, 404: { description: '`manifest_not_found`: unknown, or not complete yet' } },
  },
  {
    method: 'get',
    path: '/api/v1/manifest-keys',
    tag: 'Consent log',
    summary: 'The public keys that sign export manifests',
    description:
      'Public, so that a verifier outside the server can fetch them once and check manifests offline. The key signing now comes first (`retiredAt` null); keys it replaced stay listed, so the manifests they signed still verify. Save the answer and pass it to `verify --public-key`.',
    auth: 'public',
    responses: { 200: { description: 'Every key that signs or signed manifests here', schema: S.manifestKeyList } },
  },
  {
    method: 'get',
    path: '/api/admin/sites/:siteId/stats',
    tag: 'Consent log',
    summary: 'Consent statistics per day, category, region and revision',
    auth: LOG,
    params: siteParam,
    query: S.statsQuery,
    description:
      'Counted in a thread of its own, so the server goes on answering meanwhile. Closed UTC days are counted once and their counts kept (`stats_rollups`, written by that thread when a day is first needed); the rest of the period is counted from the log. ' +
      'Filtered by a `consentId`, they are that visitor’s decisions, and each answer is audited as the look-up of that visitor is (`consents.subject-view`: who, when, the consentId’s SHA-256, how many records were counted and `via: "stats"`).',
    responses: {
      200: { description: 'Statistics', schema: S.consentStats },
      403: { description: `With a \`consentId\`: ${CROSS_SITE_403}` },
      405: { description: '`method_not_allowed`: HEAD (it would count them for no answer)', headers: HEAD_REFUSED_ALLOW },
      429: { description: '`stats_busy`: 4 statistics requests are running on this server (Retry-After)' },
    },
  },
  {
    method: 'get',
    path: '/api/admin/sites/:siteId/subjects/:consentId',
    tag: 'Consent log',
    summary: 'Everything stored about one consentId (data-subject request)',
    description: 'Audited (`consents.subject-view`: who, when, the consentId’s SHA-256 and how much was found), as downloads and erasures are.',
    auth: LOG,
    params: z.object({ siteId: S.slug, consentId: S.consentId }),
    responses: {
      200: { description: 'The data', schema: S.subjectData },
      403: { description: CROSS_SITE_403 },
      405: { description: '`method_not_allowed`: HEAD (it would audit a look-up nobody receives)', headers: HEAD_REFUSED_ALLOW },
    },
  },
  {
    method: 'get',
    path: '/api/admin/sites/:siteId/subject-users',
    tag: 'Consent log',
    summary: 'The consentIds linked to one of the site’s user IDs (data-subject request)',
    description:
      'For a request from a signed-in customer, who knows their user ID on the site rather than the consentIds of their browsers: every consentId the site linked to it, by `identify(userId)` (`identities`) or by a document accepted with it (`documents`), with the first and last link’s server time and how many consent records are stored under it, the last linked first. ' +
      'Each is then looked up, downloaded or erased by its consentId (`…/subjects/{consentId}`); an erasure deletes its links, so it is no longer listed. A user ID the site never linked answers an empty list, as one whose links were all erased. ' +
      `At most ${S.MAX_LINKED_CONSENT_IDS.toLocaleString('en-US')} are listed, the last linked; \`total\` counts them all. The user ID is the query’s \`userId\`, URL-encoded, 1 to 256 characters as \`identify()\` takes it, exactly as sent (in the query, not the path: a path segment \`.\`, \`..\` or an encoded \`/\` is resolved or refused by browsers and proxies). ` +
      'Read in a worker thread, off the event loop (a user ID very many visitors share takes seconds), and audited (`consents.subject-user-view`: who, when and how many consentIds were found; not the user ID, which a hash would not hide when user IDs are numbers or e-mail addresses).',
    auth: LOG,
    params: z.object({ siteId: S.slug }),
    query: z.object({ userId: S.siteUserId }),
    responses: {
      200: { description: 'The linked consentIds', schema: S.subjectUser },
      403: { description: CROSS_SITE_403 },
      405: { description: '`method_not_allowed`: HEAD (it would audit a look-up nobody receives)', headers: HEAD_REFUSED_ALLOW },
      429: { description: '`lookups_busy`: 4 look-ups by user ID are running on this server, 3 of this site’s or 2 of this account’s (Retry-After)' },
    },
  },
  {
    method: 'get',
    path: '/api/admin/sites/:siteId/subjects/:consentId/export',
    tag: 'Consent log',
    summary: 'Download everything stored about one consentId as NDJSON',
    auth: LOG,
    params: z.object({ siteId: S.slug, consentId: S.consentId }),
    responses: {
      200: { description: 'NDJSON file', contentType: 'application/x-ndjson', headers: { 'Content-Disposition': attachment('subject-<siteId>-<consentId>.ndjson') } },
      403: { description: CROSS_SITE_403 },
      405: { description: '`method_not_allowed`: HEAD (it would audit an export nobody receives)', headers: HEAD_REFUSED_ALLOW },
    },
  },
  {
    method: 'delete',
    path: '/api/admin/sites/:siteId/subjects/:consentId',
    tag: 'Consent log',
    summary: 'Erase one consentId’s personal data (tombstones keep the chain verifiable)',
    description:
      'Each of the consentId’s records is blanked and its erasure signed, unless it already fails verification (edited in the database): that one is left as it is, so that verification goes on reporting it, and is listed in `refused` with the reason; the others are erased all the same. Its identities and accepted documents are deleted.',
    auth: OWNER,
    params: z.object({ siteId: S.slug, consentId: S.consentId }),
    responses: { 200: { description: 'Counts of erased rows, and the records refused (`refused`, absent when none)', schema: S.subjectErasure } },
  },

  // ---- This document ----
  {
    method: 'get',
    path: '/api/openapi.json',
    tag: 'Reference',
    summary: 'This OpenAPI 3.1 document',
    auth: 'public',
    database: false,
    responses: { 200: { description: 'OpenAPI document', schema: openApiDocument } },
  },
  {
    method: 'get',
    path: '/api/docs',
    tag: 'Reference',
    summary: 'This reference as a web page',
    auth: 'public',
    database: false,
    responses: { 200: { description: 'HTML', contentType: 'text/html' } },
  },
]
