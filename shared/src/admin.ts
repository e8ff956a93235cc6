// Shapes of the admin API for catalogues, revisions, accounts and the audit log (the dashboard
// validates answers with them, the server validates requests with them, OpenAPI is generated from them).
import { z } from 'zod'
import { role, siteSummary } from './api'
import { catalogue, siteSettings, storedCatalogue, storedSiteSettings, urlNumber } from './catalogue'
import { emptyAsAbsent, logTimeBound, pageBefore, pageLimit, periodInOrder } from './log-admin'
import { EVERYWHERE, ISO_COUNTRIES } from './regions'

const isoTime = z.iso.datetime({ offset: true })

// ---- Catalogue and revisions ---------------------------------------------------------------

export const liveRevision = z.object({
  revision: z.number().int().min(1),
  publishedAt: isoTime,
  contentHash: z.string(),
})

/** `GET /sites/:siteId/catalogue`: the draft being edited next to what is live. */
// Answers carry what is stored (stored*: readable when saved before a rule was added); inputs are
// checked by the current rules.
export const catalogueState = z.object({
  settings: storedSiteSettings,
  draft: storedCatalogue,
  draftUpdatedAt: isoTime,
  draftUpdatedBy: z.string().nullable(),
  live: liveRevision.nullable(),
  /** True when the draft differs from the live revision (there is something to publish). */
  dirty: z.boolean(),
  /**
   * When the settings were last saved (or the site created): the settings form sends it back as
   * `baseUpdatedAt`. Always sent by the server; optional only so that older answers still parse.
   */
  settingsUpdatedAt: isoTime.optional(),
  /**
   * Whether the stored `retentionDays` bears the server's valid signature. False: it was written
   * outside MiniConsent (or saved by an older version), and the retention purge of the site is
   * paused until an owner's save sends `retentionDays` (the settings form's "Confirm this
   * retention"). Optional only so that older answers still parse.
   */
  retentionSigned: z.boolean().optional(),
})
export type CatalogueState = z.infer<typeof catalogueState>

export const saveDraftInput = z.object({
  catalogue,
  /**
   * The `draftUpdatedAt` the editor started from. When given and the draft was saved since (by
   * someone else, or in another tab), the save is refused with 409 `draft_conflict` instead of
   * silently overwriting their work.
   */
  baseUpdatedAt: isoTime.optional(),
})
export type SaveDraftInput = z.input<typeof saveDraftInput>

/**
 * Settings only an owner may change (SPEC §8): how long consent records and the audit log are
 * kept, and whether visitors' IP addresses are stored. A save by an editor that changes one is
 * refused (403 `owner_only_setting`); sending the current values, as a form does, is fine.
 */
export const OWNER_ONLY_SETTINGS = ['retentionDays', 'ipPolicy'] as const

/** A schema without its default: where a value left out must not become one. */
type WithoutDefault<T> = T extends z.ZodDefault<infer Inner> ? Inner : T
const { id: _id, ...settingFields } = siteSettings.shape
/**
 * Each setting optional and without its default: a save changes what it sends, and a setting left
 * out keeps its stored value (Catalogues.saveSettings merges). With the defaults, an API client
 * sending `{ "name": … }` reset the domains, regions, documents and cookie name, losing every
 * visitor's stored choice.
 */
const settingChanges = Object.fromEntries(
  Object.entries(settingFields).map(([key, schema]) => [key, (schema instanceof z.ZodDefault ? schema.unwrap() : schema).optional()]),
) as { [K in keyof typeof settingFields]: z.ZodOptional<WithoutDefault<(typeof settingFields)[K]>> }

/**
 * The region settings as a save or a new site sends them: each code's country must be one of ISO
 * 3166-1 (`UK`, `EL`, `EU` pass the pattern but no visitor is ever located there, so the setting
 * would silently do nothing). Stored settings are read without this check: a code saved before it
 * still loads, and the next save names it.
 */
const regionsInput = siteSettings.shape.regions.unwrap().superRefine((regions, ctx) => {
  for (const code of Object.keys(regions)) {
    if (code === EVERYWHERE || ISO_COUNTRIES.has(code.slice(0, 2))) continue
    const hint = COUNTRY_HINTS[code.slice(0, 2)]
    ctx.addIssue({ code: 'custom', path: [code], message: `"${code.slice(0, 2)}" is no ISO 3166-1 country code${hint ? ` (${hint})` : ''}` })
  }
})

/** Codes people reach for that ISO 3166-1 spells otherwise. */
const COUNTRY_HINTS: Record<string, string> = {
  UK: 'the United Kingdom is "GB"',
  EL: 'Greece is "GR"',
  EU: 'list the member states, e.g. "DE", "FR"; the built-in table already makes the EEA opt-in',
}

/**
 * `PUT /settings`: the settings to change; the id is the URL's. The settings form sends them all.
 * `privacyPolicyUrl: null` removes the link (left out, it is kept like any other setting).
 */
export const siteSettingsInput = z.object(settingChanges).extend({
  /** The settings as GET gives them carry the site's id: taken when it is the URL's, refused otherwise (an id cannot change). */
  id: siteSettings.shape.id.optional(),
  privacyPolicyUrl: settingChanges.privacyPolicyUrl.unwrap().nullable().optional(),
  // As at site creation (newSiteInput): without a domain no visitor could record a choice.
  domains: settingChanges.domains.unwrap().min(1, 'keep at least one domain: the public API answers only the site’s own origins, so without one no visitor can record a choice').optional(),
  regions: regionsInput.optional(),
  /**
   * The `settingsUpdatedAt` the form was loaded with. When given and the settings were saved since
   * (by someone else, or in another tab), the save is refused with 409 `settings_conflict` instead
   * of silently reverting their change.
   */
  baseUpdatedAt: isoTime.optional(),
})
export type SiteSettingsFormInput = z.input<typeof siteSettingsInput>
/** The settings a save changes, as validated. */
export type SiteSettingsChanges = Omit<z.output<typeof siteSettingsInput>, 'baseUpdatedAt'>
export const siteSettingsResponse = z.object({
  settings: storedSiteSettings,
  /** When the settings were last saved: the `baseUpdatedAt` of the next save. */
  settingsUpdatedAt: isoTime,
  /** Whether the stored `retentionDays` now bears the server's valid signature (catalogueState.retentionSigned). */
  retentionSigned: z.boolean().optional(),
})

export const revisionSummary = z.object({
  number: z.number().int().min(1),
  /** SHA-256 of the catalogue's canonical JSON (keys sorted, no whitespace). */
  contentHash: z.string(),
  /** True when choices made under earlier revisions are invalid from this one on. */
  needsConsent: z.boolean(),
  publishedAt: isoTime,
  publishedBy: z.string().nullable(),
  note: z.string().nullable(),
})
export type RevisionSummary = z.infer<typeof revisionSummary>

export const revisionList = z.object({ revisions: z.array(revisionSummary) })
export const revisionDetail = z.object({ revision: revisionSummary.extend({ catalogue: storedCatalogue }) })
export type RevisionDetail = z.infer<typeof revisionDetail>['revision']
/**
 * What an admin should look at in a revision just published, which publishing does not refuse:
 * `consent_cookie_undeclared`, the catalogue not declaring the site's consent cookie as its
 * settings say (own-storage.ts `consentCookieMismatch`; `fix` says what the dashboard's
 * *Update the declaration* changes in the draft).
 */
export const publishWarning = z.object({
  code: z.literal('consent_cookie_undeclared'),
  problem: z.enum(['missing', 'switchable', 'expiry']),
  message: z.string(),
  fix: z.string(),
})
export type PublishWarning = z.infer<typeof publishWarning>

export const revisionCreated = z.object({ revision: revisionSummary, warnings: z.array(publishWarning) })

export const diffQuery = z.object({
  /** A revision number; defaults to the live revision. */
  from: urlNumber().optional(),
  /** A revision number or `draft` (the default). */
  to: z.union([z.literal('draft'), urlNumber()]).prefault('draft'),
})

export const CHANGE_KINDS = ['added', 'removed', 'changed'] as const
export const catalogueChange = z.object({
  /** Items are named by id: `services[hotjar].purpose.en`, `entries[cookie:_ga].expiry`, `texts.de.bannerTitle`. */
  path: z.string(),
  kind: z.enum(CHANGE_KINDS),
  before: z.unknown(),
  after: z.unknown(),
  /** True when this change alone means visitors must be asked again. */
  consentRelevant: z.boolean(),
})
export type CatalogueChange = z.infer<typeof catalogueChange>

export const catalogueDiff = z.object({
  /** Revision number, or null when nothing was published yet. */
  from: z.number().int().nullable(),
  to: z.union([z.number().int(), z.literal('draft')]),
  changes: z.array(catalogueChange),
  /** The re-consent rule's verdict; the publisher may override it. */
  needsConsent: z.boolean(),
  /** Why consent is needed again, in words an admin can check. */
  reasons: z.array(z.string()),
  /** The content hash of the `to` side (the draft): what a publish of this diff names as reviewed. */
  toHash: z.string().optional(),
})
export type CatalogueDiff = z.infer<typeof catalogueDiff>

export const publishInput = z
  .object({
    /** Overrides the re-consent rule's verdict. */
    needsConsent: z.boolean().optional(),
    note: z.string().trim().max(500).optional(),
    /**
     * The draft's content hash as reviewed (`toHash` of its diff): publishing is refused (409
     * `draft_changed`) when the draft has changed since. Needed with `needsConsent`, which is an
     * admin's decision about content they saw.
     */
    draftHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'the draft’s content hash: 64 hex digits')
      .optional(),
    /**
     * The live revision the draft was reviewed against (`from` of its diff; null when nothing was
     * published): publishing is refused (409 `live_changed`) when another is live now. Needed with
     * `needsConsent`: the same draft can add other things to another live revision.
     */
    liveRevision: z.number().int().min(1).nullable().optional(),
  })
  .refine((v) => v.needsConsent === undefined || v.draftHash !== undefined, {
    path: ['draftHash'],
    message: 'overriding the re-consent rule needs the hash of the draft it was decided on (toHash of GET …/diff)',
  })
  .refine((v) => v.needsConsent === undefined || v.liveRevision !== undefined, {
    path: ['liveRevision'],
    message: 'overriding the re-consent rule needs the number of the live revision it was decided on (from of GET …/diff)',
  })
export const rollbackInput = z
  .object({
    revision: z.number().int().min(1),
    /** Overrides the re-consent rule's verdict, which compares the live revision with the one rolled back to. */
    needsConsent: z.boolean().optional(),
    /**
     * The number of the live revision the admin saw (and compared with, GET …/diff?from=<live>&to=<revision>):
     * the rollback is refused (409 `live_changed`) when another revision was published since. Needed
     * with `needsConsent`, which is an admin's decision about that comparison.
     */
    liveRevision: z.number().int().min(1).optional(),
    /**
     * The draft's content hash as the admin saw it (`toHash` of GET …/diff): a rollback replaces the
     * draft, so it is refused (409) when the draft has changed since, and when the draft holds
     * unpublished changes and this is not sent (the admin has not seen what they discard).
     */
    draftHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'the draft’s content hash: 64 hex digits')
      .optional(),
  })
  .refine((v) => v.needsConsent === undefined || v.liveRevision !== undefined, {
    path: ['liveRevision'],
    message: 'overriding the re-consent rule needs the number of the live revision it was decided on (the revision a rollback preview compared with)',
  })

export const CATALOGUE_FORMATS = ['json', 'csv'] as const
export const catalogueFormatQuery = z.object({ format: z.enum(CATALOGUE_FORMATS).default('json') })
export const catalogueImportQuery = catalogueFormatQuery.extend({
  /** As in saveDraftInput: the import is refused (409 `draft_conflict`) when the draft was saved since. */
  baseUpdatedAt: isoTime.optional(),
})

/**
 * Columns of the catalogue CSV, one row per storage entry. Localized texts get one column per
 * language, named `<column>_<language>` (`purpose_en`, `purpose_de`). A row with no `name`
 * declares only its service (or only its category), so services without cookies survive a round trip.
 */
export const CATALOGUE_CSV_COLUMNS = [
  'category',
  'service',
  'service_name',
  'service_provider',
  'service_privacy_policy_url',
  'name',
  'kind',
  'provider',
  'expiry',
  'domain',
  'path',
] as const
export const CATALOGUE_CSV_TEXT_COLUMNS = ['category_label', 'service_purpose', 'purpose'] as const

// ---- Sites --------------------------------------------------------------------------------

/**
 * `POST /sites`: a new site's settings (id, name and at least one domain, under the rules the
 * settings form has; the rest take their defaults) and, optionally, the catalogue its draft starts
 * from, as the JSON import takes it. Nothing is published until someone publishes the draft.
 */
export const newSiteInput = siteSettings.extend({
  // Without a domain no visitor could record a choice: the public API answers only the site's origins.
  domains: siteSettings.shape.domains.unwrap().min(1, 'add the hostname of your website, e.g. www.example.com'),
  regions: regionsInput.default({}),
  catalogue: catalogue.optional(),
})
export type NewSiteInput = z.input<typeof newSiteInput>
export type NewSite = z.infer<typeof newSiteInput>
/** The new site as `/me` lists it, with the creator's role (owner). */
export const siteCreated = z.object({ site: siteSummary })
export type SiteCreated = z.infer<typeof siteCreated>

// ---- Accounts ------------------------------------------------------------------------------

export const member = z.object({ userId: z.number().int(), email: z.string(), role })
export type Member = z.infer<typeof member>

export const pendingInvitation = z.object({
  email: z.string(),
  role,
  createdAt: isoTime,
  expiresAt: isoTime,
})
export type PendingInvitation = z.infer<typeof pendingInvitation>

export const memberList = z.object({ members: z.array(member), invitations: z.array(pendingInvitation) })
export type MemberList = z.infer<typeof memberList>

export const invitationInput = z.object({ email: z.email().max(254), role })
export type InvitationInput = z.infer<typeof invitationInput>

/**
 * The invitation link to hand over (no e-mail is sent). Also for an address that has an account:
 * it joins when its holder enters that account's password, never at once.
 */
export const invitationCreated = z.object({ inviteUrl: z.string() })
export type InvitationCreated = z.infer<typeof invitationCreated>

export const memberRoleInput = z.object({ role })

export const invitationInfo = z.object({
  email: z.string(),
  siteName: z.string(),
  role,
  /** True when the address has an account: accepting asks for its password instead of a new one. */
  hasAccount: z.boolean(),
})
export type InvitationInfo = z.infer<typeof invitationInfo>

export const MIN_PASSWORD_LENGTH = 12
export const newPassword = z.string().min(MIN_PASSWORD_LENGTH, `use at least ${MIN_PASSWORD_LENGTH} characters`).max(1024)

/**
 * A new password (at least MIN_PASSWORD_LENGTH, checked by the server) or, for an address that
 * has an account, that account's password, which may be older than the length rule.
 */
export const acceptInvitationInput = z.object({ password: z.string().min(1).max(1024) })
export const passwordChangeInput = z.object({ currentPassword: z.string().min(1).max(1024), newPassword })

// ---- Audit log -----------------------------------------------------------------------------

export const auditQuery = periodInOrder(
  z.object({
    limit: pageLimit(200),
    before: pageBefore(),
    /** An action (`catalogue.publish`) or its group (`catalogue`). */
    action: z
      .string()
      .regex(/^[a-z][a-z._-]{0,63}$/)
      .optional(),
    /** Entries from this day (UTC) or instant on; `to`: up to the end of this day, or this instant. */
    from: emptyAsAbsent(logTimeBound),
    to: emptyAsAbsent(logTimeBound),
    /** Entries made by the account with this e-mail address (in any case). */
    user: emptyAsAbsent(z.email({ message: 'use an e-mail address' }).max(254)),
  }),
)
export type AuditQuery = z.output<typeof auditQuery>

export const auditEntry = z.object({
  id: z.number().int(),
  at: isoTime,
  user: z.string().nullable(),
  action: z.string(),
  before: z.unknown(),
  after: z.unknown(),
})
export type AuditEntry = z.infer<typeof auditEntry>

export const auditPage = z.object({
  entries: z.array(auditEntry),
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: z.number().int().nullable(),
})
export type AuditPage = z.infer<typeof auditPage>
