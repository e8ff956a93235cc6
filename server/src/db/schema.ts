// Tables of the server. TypeScript names are camelCase, SQL columns snake_case.
// Times the hash chain covers are ISO-8601 text (stable when re-serialised); others are epoch ms.
import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core'

const createdAt = () =>
  integer('created_at', { mode: 'timestamp_ms' })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`)

export const sites = sqliteTable('sites', {
  id: text('id').primaryKey(),
  /** JSON of shared `siteSettings`. */
  settings: text('settings').notNull(),
  createdAt: createdAt(),
  /**
   * When and by whom the settings were last saved: a save based on an older version is refused
   * (409 `settings_conflict`). Null until the first save since 0005 (the settings are then as the
   * site was created, at `created_at`).
   */
  settingsUpdatedAt: integer('settings_updated_at', { mode: 'timestamp_ms' }),
  settingsUpdatedBy: integer('settings_updated_by').references((): AnySQLiteColumn => users.id, { onDelete: 'set null' }),
  /**
   * The server's signature of the retention it saved (stored-signatures.ts signRetention: the site,
   * `settings.retentionDays` and this time), `<keyId>.<base64>`: the retention purge acts only on a
   * retention that carries it, so that one edited in the database deletes nothing.
   */
  retentionSignedAt: integer('retention_signed_at'),
  retentionSignature: text('retention_signature'),
})

export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  email: text('email').notNull().unique(),
  /** `scrypt$N$r$p$salt$hash`: parameters travel with the hash so they can be raised later. */
  passwordHash: text('password_hash').notNull(),
  createdAt: createdAt(),
  /**
   * Named by a start's MINICONSENT_ADMIN_EMAIL, whether that start created the account or it
   * existed (ensureOwner): the server's administrator, who may create sites without owning one, and
   * stays so when a later start names another e-mail. 0016 sets it on the first account of a
   * database from before it. Nothing clears it.
   */
  administrator: integer('administrator', { mode: 'boolean' }).notNull().default(false),
})

/** The catalogue being edited; publishing snapshots it into `revisions`. */
export const siteDrafts = sqliteTable('site_drafts', {
  siteId: text('site_id')
    .primaryKey()
    .references(() => sites.id, { onDelete: 'cascade' }),
  catalogue: text('catalogue').notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  updatedBy: integer('updated_by').references(() => users.id, { onDelete: 'set null' }),
})

/** Published catalogues. Immutable: a new publication is a new row. */
export const revisions = sqliteTable(
  'revisions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    number: integer('number').notNull(),
    catalogue: text('catalogue').notNull(),
    contentHash: text('content_hash').notNull(),
    /** True when earlier choices are invalid from this revision on (the banner shows again). */
    needsConsent: integer('needs_consent', { mode: 'boolean' }).notNull(),
    /**
     * The publisher overrode a verdict that asked to ask again (needsConsent false): the changes
     * up to this revision are judged, so later verdicts compare from here (Revisions.verdict).
     */
    verdictOverridden: integer('verdict_overridden', { mode: 'boolean' }).notNull().default(false),
    publishedAt: integer('published_at', { mode: 'timestamp_ms' }).notNull(),
    publishedBy: integer('published_by').references(() => users.id, { onDelete: 'set null' }),
    /** The publisher's note ("adds Hotjar"), or how a rollback came about. */
    note: text('note'),
  },
  (t) => [uniqueIndex('revisions_site_number').on(t.siteId, t.number)],
)

export const memberships = sqliteTable(
  'memberships',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['owner', 'editor', 'auditor'] }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.siteId] }), index('memberships_site').on(t.siteId)],
)

export const sessions = sqliteTable(
  'sessions',
  {
    /** SHA-256 of the cookie's token: a leaked database does not yield usable sessions. */
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    csrfToken: text('csrf_token').notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('sessions_user').on(t.userId), index('sessions_expires').on(t.expiresAt)],
)

/**
 * The consent log (SPEC §7): append-only, one hash chain per site.
 * `hash = sha256(prev_hash + canonical JSON of the stored fields)`, see services/consent-chain.ts.
 */
export const consentRecords = sqliteTable(
  'consent_records',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id),
    seq: integer('seq').notNull(),
    recordId: text('record_id').notNull().unique(),
    consentId: text('consent_id').notNull(),
    revision: integer('revision').notNull(),
    textsHash: text('texts_hash'),
    /** Canonical JSON (sorted keys) of `{ category: granted }`. */
    categories: text('categories').notNull(),
    services: text('services').notNull(),
    method: text('method').notNull(),
    region: text('region'),
    mode: text('mode').notNull(),
    language: text('language').notNull(),
    url: text('url').notNull(),
    userAgent: text('user_agent'),
    ip: text('ip'),
    gpc: integer('gpc', { mode: 'boolean' }).notNull(),
    clientTime: text('client_time').notNull(),
    serverTime: text('server_time').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
    /**
     * SHA-256 of the personal fields as written, covered by `hash` in their place and kept when
     * they are erased, so a tombstone's hash can still be recomputed. NULL on records written
     * before 0.6 (format 1, whose hash covers the personal fields themselves).
     */
    personalHash: text('personal_hash'),
    /**
     * Set when a data-subject request erased the record: its personal fields are blanked and
     * the stored hashes kept, so the chain's links still verify (a tombstone).
     */
    erasedAt: text('erased_at'),
    /**
     * The server's Ed25519 signature of a tombstone (`<keyId>.<base64>`, erasureStatement in
     * consent-chain.ts): an erasure changes a record where nothing else may, and only the server's
     * own, so signed, passes verification.
     */
    erasureSignature: text('erasure_signature'),
  },
  (t) => [
    uniqueIndex('consent_records_site_seq').on(t.siteId, t.seq),
    // With seq: a period's lowest and highest seq, and its count, are read from the index alone.
    index('consent_records_site_time').on(t.siteId, t.serverTime, t.seq),
    index('consent_records_site_consent').on(t.siteId, t.consentId),
    // The tombstones still to sign at start-up (signStoredBeforeSigning): none once signed, so it stays empty.
    index('consent_records_unsigned_erasures').on(t.siteId, t.seq).where(sql`erased_at IS NOT NULL AND erasure_signature IS NULL`),
  ],
)

/**
 * The statistics of closed UTC days (services/stats.ts): per site and day, the count of records of
 * each combination of the dimensions a statistics filter can select or a table groups by
 * (revision, region as stored, mode, method), and per category of them the records that granted
 * and that denied it. A row whose `category` is NULL counts the records themselves (`records`, and
 * `unreadable`: those whose categories are no JSON object of booleans); one with a category counts
 * `granted` and `denied` (the other two are 0 there, as these two are on the records' row).
 *
 * A day is rolled up once it has ended (with a margin for records still being committed), by the
 * statistics thread, when a view first needs it: records are append-only and stamped on arrival, so
 * it never changes after. Retention deletes the rollups of the days it purges, in the purge's
 * transaction. Rows of a day are only ever inserted together and deleted together.
 */
export const statsRollups = sqliteTable(
  'stats_rollups',
  {
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    /** `YYYY-MM-DD`, UTC: the records' `substr(server_time, 1, 10)`. */
    day: text('day').notNull(),
    revision: integer('revision').notNull(),
    /** As stored: null for records without a known region. */
    region: text('region'),
    mode: text('mode').notNull(),
    method: text('method').notNull(),
    category: text('category'),
    records: integer('records').notNull(),
    unreadable: integer('unreadable').notNull(),
    granted: integer('granted').notNull(),
    denied: integer('denied').notNull(),
  },
  // Covering, day by day and in each day the records' row before the categories': the statistics
  // read the period's rows from the index alone, and group a day's categories as they come.
  (t) => [
    index('stats_rollups_site_day').on(t.siteId, t.day, t.category, t.revision, t.region, t.mode, t.method, t.records, t.unreadable, t.granted, t.denied),
  ],
)

/** Who changed what in the admin: catalogue edits, publications, memberships. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    userId: integer('user_id').references(() => users.id, { onDelete: 'set null' }),
    siteId: text('site_id'),
    action: text('action').notNull(),
    before: text('before'),
    after: text('after'),
  },
  (t) => [
    index('audit_log_site_at').on(t.siteId, t.at),
    // By id: a page of the newest entries is read in order, not sorted from all of the site's.
    index('audit_log_site_id').on(t.siteId, t.id),
    // Exports by the consentId they were filtered by: an erasure renames it in their entries
    // (consent-subjects.ts) without reading the site's whole audit log.
    index('audit_log_export_consent')
      .on(t.siteId, sql`json_extract(${t.after}, '$.filters.consentId')`)
      .where(sql`${t.action} = 'consents.export'`),
  ],
)

/**
 * The ids of deleted sites (services/sites.ts deleteSite), so that none is given to a new site: a
 * new site of that id would show the deleted one's audit log as its own. Nothing personal, and
 * kept as long as the database, after retention has purged the site's audit log (by the
 * `retention_days` the site had when it was deleted, if the server signed it:
 * services/retention.ts), whose `site.delete` entry it outlives. What those purges removed is counted here, as chain_anchors counts a log's
 * purged records: the site's audit log, where a live site's purge is audited, is what they empty.
 */
export const deletedSites = sqliteTable('deleted_sites', {
  siteId: text('site_id').primaryKey(),
  deletedAt: integer('deleted_at', { mode: 'timestamp_ms' }).notNull(),
  retentionDays: integer('retention_days').notNull(),
  /**
   * The server's signature of `retention_days`, as the site's (sites.retention_signed_at and
   * retention_signature, copied at its deletion: they sign the site's id, which stays). The purge
   * acts on no other (retention-signature.ts); null for a site deleted before 0018 until the first
   * start after it signs it, for one whose retention bore none, or for one a previous version
   * deleted after a rollback. The server's operator signs what the purge refuses here
   * (`sign-unsigned --site <id> --confirm`, cli.ts).
   */
  retentionSignedAt: integer('retention_signed_at'),
  retentionSignature: text('retention_signature'),
  /** Audit entries of the site retention purged since its deletion, and when it last purged any. */
  auditPurgedCount: integer('audit_purged_count').notNull().default(0),
  auditPurgedAt: integer('audit_purged_at', { mode: 'timestamp_ms' }),
})

/**
 * The start-up tasks that run once per database, and when: the signing of the tombstones and purge
 * anchors stored before they were signed. Once a task is done, an unsigned one that appears later
 * is not signed at start-up, so verification reports it (`sign-unsigned` signs, on the operator's
 * word, what an older version wrote after a rollback).
 */
export const startupTasks = sqliteTable('startup_tasks', {
  name: text('name').primaryKey(),
  doneAt: integer('done_at').notNull(),
})

/**
 * Where a site's chain starts after retention purged its oldest records: verification
 * begins from this hash instead of the genesis value.
 */
export const chainAnchors = sqliteTable('chain_anchors', {
  siteId: text('site_id')
    .primaryKey()
    .references(() => sites.id, { onDelete: 'cascade' }),
  /** Seq of the newest purged record; the first kept record's prev_hash equals `hash`. */
  seq: integer('seq').notNull(),
  hash: text('hash').notNull(),
  purgedCount: integer('purged_count').notNull(),
  purgedAt: integer('purged_at', { mode: 'timestamp_ms' }).notNull(),
  /** The server's signature of the anchor (stored-signatures.ts signAnchor): `<keyId>.<base64>`. */
  signature: text('signature'),
  /** The signed retention (days) the purge that last moved it acted on; null for an anchor moved before 0017. */
  retentionDays: integer('retention_days'),
})

/** Manifests of the exports auditors downloaded, so a file can be checked against its manifest later. */
export const exportManifests = sqliteTable(
  'export_manifests',
  {
    id: text('id').primaryKey(),
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    format: text('format', { enum: ['csv', 'ndjson'] }).notNull(),
    /** JSON of the filters the export used. */
    filters: text('filters').notNull(),
    rowCount: integer('row_count'),
    sha256: text('sha256'),
    chainHeadSeq: integer('chain_head_seq'),
    chainHeadHash: text('chain_head_hash'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    completedAt: integer('completed_at', { mode: 'timestamp_ms' }),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    /** The exporter's e-mail as signed: the signature must still verify if the account goes. */
    createdByEmail: text('created_by_email'),
    /** `manifestKeys.id` of the key that signed the manifest; null for manifests made before signing. */
    keyId: text('key_id'),
    /** Base64 Ed25519 signature of the manifest's canonical JSON (services/manifest-keys.ts). */
    signature: text('signature'),
  },
  (t) => [index('export_manifests_site').on(t.siteId, t.createdAt)],
)

/**
 * Keys that sign export manifests. One signs at a time; a replaced key is kept (retired, without
 * its private half) so the manifests it signed still verify against the published list.
 */
export const manifestKeys = sqliteTable('manifest_keys', {
  /** First 16 hex digits of the SHA-256 of the raw public key. */
  id: text('id').primaryKey(),
  /** Base64 of the 32-byte Ed25519 public key. */
  publicKey: text('public_key').notNull(),
  /** Base64 PKCS#8 DER of a key generated here, while it signs; null for a key given by MANIFEST_SIGNING_KEY. */
  privateKey: text('private_key'),
  source: text('source', { enum: ['generated', 'env'] }).notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  retiredAt: integer('retired_at', { mode: 'timestamp_ms' }),
})

/** Invitations to a site with a role; the token is sent to the invitee, only its hash is kept. */
export const invitations = sqliteTable(
  'invitations',
  {
    tokenHash: text('token_hash').primaryKey(),
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: text('role', { enum: ['owner', 'editor', 'auditor'] }).notNull(),
    invitedBy: integer('invited_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    acceptedAt: integer('accepted_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('invitations_site').on(t.siteId)],
)

/** `identify(userId)`: links a browser's consentId to the site's signed-in user (cross-device consent). */
export const consentIdentities = sqliteTable(
  'consent_identities',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    recordId: text('record_id').notNull().unique(),
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    consentId: text('consent_id').notNull(),
    userId: text('user_id').notNull(),
    serverTime: text('server_time').notNull(),
  },
  // By time: what retention purges, found without reading the site's every link.
  (t) => [
    index('consent_identities_site_user').on(t.siteId, t.userId),
    index('consent_identities_site_consent').on(t.siteId, t.consentId),
    index('consent_identities_site_time').on(t.siteId, t.serverTime),
  ],
)

/** `acceptDocument(type)`: proof that a visitor accepted a version of a legal document (Minopa §2.4). */
export const documentAcceptances = sqliteTable(
  'document_acceptances',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    recordId: text('record_id').notNull().unique(),
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    consentId: text('consent_id').notNull(),
    userId: text('user_id'),
    documentType: text('document_type').notNull(),
    documentVersion: text('document_version').notNull(),
    url: text('url').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    clientTime: text('client_time').notNull(),
    serverTime: text('server_time').notNull(),
  },
  (t) => [
    index('document_acceptances_site_user').on(t.siteId, t.userId),
    index('document_acceptances_site_consent').on(t.siteId, t.consentId),
    // By time: what retention purges (as consent_identities_site_time).
    index('document_acceptances_site_time').on(t.siteId, t.serverTime),
  ],
)

/**
 * The recordIds of the visitor events (identify, accepted documents) an erasure deleted, and
 * nothing personal: the SDK sends an event again until it sees an answer, possibly days later, and
 * such a retry is answered as stored instead of being written again, which brought back the erased
 * link to the site's user id, or the document row with its IP (review). A consent record needs no
 * such row: its tombstone keeps its recordId. Kept as long as the site, a few bytes an event: the
 * SDK keeps an undelivered event until it is delivered, however late (not purged by retention).
 */
export const erasedEvents = sqliteTable('erased_events', {
  recordId: text('record_id').primaryKey(),
  siteId: text('site_id')
    .notNull()
    .references(() => sites.id, { onDelete: 'cascade' }),
  erasedAt: text('erased_at').notNull(),
})
