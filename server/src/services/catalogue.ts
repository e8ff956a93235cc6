// The catalogue admins edit (the draft), the site's settings, and the state the editor shows.
import {
  OWNER_ONLY_SETTINGS,
  siteSettings as siteSettingsSchema,
  storedCatalogue,
  storedSiteSettings,
  type Catalogue,
  type CatalogueState,
  type Role,
  type SiteSettings,
  type SiteSettingsChanges,
} from '@miniconsent/shared'
import { desc, eq } from 'drizzle-orm'
import { writeTransaction, type Db } from '../db/client'
import { revisions, siteDrafts, sites, users } from '../db/schema'
import { canonicalJson } from '../lib/canonical-json'
import { ApiError, invalidError } from '../lib/errors'
import { MAX_ADMIN_BODY } from '../lib/validate'
import { sha256 } from './accounts'
import type { AuditLog } from './audit'
import { SITE_RETENTION_COLUMNS, signSiteRetention, signedRetention, type SiteRetentionRow } from './retention-signature'
import type { SiteDirectory } from './sites'
import { storedVerifyKeys, type StoredSigningKey } from './stored-signatures'

/** SHA-256 of the canonical JSON of the catalogue as validated (defaults filled in). */
export const contentHash = (c: Catalogue) => sha256(canonicalJson(c))

/** A draft's or revision's catalogue as stored (drafts are checked again when saved or published). */
export const parseStoredCatalogue = (json: string): Catalogue => storedCatalogue.parse(JSON.parse(json))

/** A `baseUpdatedAt` as the dashboard sends it with a save, for the size of one (its length is fixed). */
const SOME_VERSION = new Date(0).toISOString()

/**
 * Refuses (422) a catalogue whose save from the dashboard (`{ catalogue, baseUpdatedAt }`, as JSON)
 * would not fit in an admin request (MAX_ADMIN_BODY): stored, it could be neither saved again after
 * an edit nor imported from its own JSON export, which is smaller. A CSV row of ~20 bytes is ~100
 * as JSON, so a file well under the limit could make one; a JSON body without the fields a catalogue
 * fills in by default could too.
 */
export function refuseOversizedCatalogue(c: Catalogue): void {
  const size = Buffer.byteLength(JSON.stringify({ catalogue: c, baseUpdatedAt: SOME_VERSION }))
  if (size <= MAX_ADMIN_BODY) return
  throw new ApiError(
    422,
    'invalid',
    `The catalogue takes ${size} bytes as JSON (a draft's save), more than the ${MAX_ADMIN_BODY} bytes (1 MB) a request may carry: it could not be saved again, nor its export imported. Remove entries or shorten texts`,
  )
}

const OWNER_ONLY_WHAT: Record<(typeof OWNER_ONLY_SETTINGS)[number], string> = {
  retentionDays: 'how long consent records and the audit log are kept (retentionDays)',
  ipPolicy: "whether visitors' IP addresses are stored (ipPolicy)",
}

export interface CatalogueDeps {
  db: Db
  now: () => number
  audit: AuditLog
  sites: SiteDirectory
  /** The key that signs the retention an owner saves (the manifest key: ManifestKeys). */
  manifestKeys: { active(): StoredSigningKey }
}

export class Catalogues {
  constructor(private readonly d: CatalogueDeps) {}

  settings(siteId: string): SiteSettings {
    return this.versionedSettings(siteId).settings
  }

  /**
   * The settings with when they were last saved and by whom (before their first save, when the
   * site was created), read in one query.
   */
  versionedSettings(siteId: string): { settings: SiteSettings; at: Date; by: string | null } {
    const row = this.d.db
      .select({ settings: sites.settings, updatedAt: sites.settingsUpdatedAt, createdAt: sites.createdAt, email: users.email })
      .from(sites)
      .leftJoin(users, eq(users.id, sites.settingsUpdatedBy))
      .where(eq(sites.id, siteId))
      .get()
    if (!row) throw new ApiError(404, 'site_not_found', `No site "${siteId}"`)
    return { settings: storedSiteSettings.parse(JSON.parse(row.settings)), at: row.updatedAt ?? row.createdAt, by: row.email ?? null }
  }

  draft(siteId: string): Catalogue {
    const row = this.d.db.select({ catalogue: siteDrafts.catalogue }).from(siteDrafts).where(eq(siteDrafts.siteId, siteId)).get()
    if (!row) throw new ApiError(404, 'site_not_found', `No draft for site "${siteId}"`)
    return parseStoredCatalogue(row.catalogue)
  }

  /** The latest revision's row, or null before the first publication. */
  liveRow(siteId: string) {
    return this.d.db.select().from(revisions).where(eq(revisions.siteId, siteId)).orderBy(desc(revisions.number)).limit(1).get() ?? null
  }

  state(siteId: string): CatalogueState {
    const { settings, at: settingsUpdatedAt } = this.versionedSettings(siteId)
    const draftRow = this.d.db
      .select({ catalogue: siteDrafts.catalogue, updatedAt: siteDrafts.updatedAt, email: users.email })
      .from(siteDrafts)
      .leftJoin(users, eq(users.id, siteDrafts.updatedBy))
      .where(eq(siteDrafts.siteId, siteId))
      .get()
    if (!draftRow) throw new ApiError(404, 'site_not_found', `No draft for site "${siteId}"`)
    const draft = parseStoredCatalogue(draftRow.catalogue)
    const live = this.liveRow(siteId)
    // Hashes are recomputed rather than read back, so a default added to the schema later does
    // not make an unchanged draft look dirty.
    const dirty = !live || contentHash(parseStoredCatalogue(live.catalogue)) !== contentHash(draft)
    return {
      settings,
      draft,
      draftUpdatedAt: draftRow.updatedAt.toISOString(),
      draftUpdatedBy: draftRow.email ?? null,
      live: live ? { revision: live.number, publishedAt: live.publishedAt.toISOString(), contentHash: live.contentHash } : null,
      dirty,
      settingsUpdatedAt: settingsUpdatedAt.toISOString(),
      // The Settings page says when the purge is paused for a retention edited outside MiniConsent.
      retentionSigned: this.retentionSigned(siteId),
    }
  }

  /**
   * Replaces the draft; `action` tells the audit log how (`catalogue.draft`, `catalogue.import`).
   * A catalogue too large to be sent back is refused (refuseOversizedCatalogue).
   */
  saveDraft(siteId: string, userId: number, next: Catalogue, options: { action?: string; baseUpdatedAt?: string | undefined } = {}): void {
    const action = options.action ?? 'catalogue.draft'
    refuseOversizedCatalogue(next)
    writeTransaction(this.d.db, () => {
      if (options.baseUpdatedAt !== undefined) {
        const current = this.d.db
          .select({ updatedAt: siteDrafts.updatedAt, email: users.email })
          .from(siteDrafts)
          .leftJoin(users, eq(users.id, siteDrafts.updatedBy))
          .where(eq(siteDrafts.siteId, siteId))
          .get()
        if (current && current.updatedAt.getTime() !== Date.parse(options.baseUpdatedAt)) {
          throw new ApiError(
            409,
            'draft_conflict',
            `${current.email ?? 'Someone'} saved the draft at ${current.updatedAt.toISOString()}, after you opened it: reload to see their changes`,
          )
        }
      }
      const before = this.draft(siteId)
      if (canonicalJson(before) === canonicalJson(next)) return
      this.writeDraft(siteId, userId, next)
      this.d.audit.record({ siteId, userId, action, before, after: next })
    })
  }

  /**
   * Inside a caller's transaction: no audit entry of its own. Every draft write goes through here
   * (a save, an import, the reset of a rollback).
   */
  writeDraft(siteId: string, userId: number | null, next: Catalogue): void {
    const current = this.d.db.select({ updatedAt: siteDrafts.updatedAt }).from(siteDrafts).where(eq(siteDrafts.siteId, siteId)).get()
    // Strictly later than the version replaced, as the settings' (saveSettings): `draft_conflict`
    // compares versions, and two saves within one millisecond (or after the clock stepped back)
    // would otherwise share one, letting an editor's stale save overwrite the newer one unseen.
    const at = new Date(Math.max(this.d.now(), (current?.updatedAt.getTime() ?? -Infinity) + 1))
    this.d.db.update(siteDrafts).set({ catalogue: canonicalJson(next), updatedAt: at, updatedBy: userId }).where(eq(siteDrafts.siteId, siteId)).run()
  }

  /**
   * Changes the settings `changes` sends; one left out keeps its stored value (a
   * privacyPolicyUrl sent as null is removed). `role`: the saver's on the site; only an owner
   * changes the settings OWNER_ONLY_SETTINGS names (403 `owner_only_setting`). `baseUpdatedAt`:
   * the version the form was loaded with; a save over a newer one is refused (409 `settings_conflict`).
   * An owner's save that sends `retentionDays` has the server sign the retention (the purge acts on
   * no other: retention-signature.ts) when it changes it, or when the stored one bears no valid
   * signature (edited in the database, saved by an older version): such a save is then written and
   * audited even if no setting changed.
   */
  saveSettings(
    siteId: string,
    userId: number,
    changes: SiteSettingsChanges,
    options: { role: Role; baseUpdatedAt?: string | undefined },
  ): { settings: SiteSettings; settingsUpdatedAt: string; retentionSigned: boolean } {
    // Settled before the transaction: the first call may write the key (ManifestKeys.active).
    const key = options.role === 'owner' && changes.retentionDays !== undefined ? this.d.manifestKeys.active() : null
    const saved = writeTransaction(this.d.db, () => {
      const version = this.versionedSettings(siteId)
      if (options.baseUpdatedAt !== undefined && version.at.getTime() !== Date.parse(options.baseUpdatedAt)) {
        throw new ApiError(
          409,
          'settings_conflict',
          `${version.by ?? 'Someone'} saved the settings at ${version.at.toISOString()}, after you opened them: reload to see their changes`,
        )
      }
      const before = version.settings
      // A setting left out keeps its stored value (siteSettingsInput), read in this transaction; a
      // privacy policy link sent as null is removed.
      const sent = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined))
      const merged = siteSettingsSchema.safeParse(withoutNulls({ ...before, ...sent, id: siteId }))
      // Only a stored value can fail here: a domain saved before 0.6 that is no hostname, which a save asks to fix.
      if (!merged.success) throw invalidError(merged.error)
      const next = merged.data
      // Retention decides when the consent log and the audit log are erased, the IP policy what is
      // kept of visitors' addresses: an editor's save may resend them, not change them.
      if (options.role !== 'owner') {
        const changed = OWNER_ONLY_SETTINGS.filter((key) => before[key] !== next[key])
        if (changed.length) {
          const err = new ApiError(
            403,
            'owner_only_setting',
            `Only an owner of the site can change ${changed.map((key) => OWNER_ONLY_WHAT[key]).join(' or ')}; the other settings can be saved with the current value`,
          )
          err.issues = changed.map((path) => ({ path, message: `only an owner can change this (it is ${String(before[path])})` }))
          throw err
        }
      }
      const signs = key !== null && (before.retentionDays !== next.retentionDays || !this.retentionSigned(siteId))
      if (canonicalJson(before) === canonicalJson(next) && !signs) return { at: version.at, next }
      // Strictly later than the version replaced, so a form loaded before this save always sees it
      // as newer, even within one millisecond or after the clock stepped back.
      const at = new Date(Math.max(this.d.now(), version.at.getTime() + 1))
      this.d.db.update(sites).set({ settings: JSON.stringify(next), settingsUpdatedAt: at, settingsUpdatedBy: userId }).where(eq(sites.id, siteId)).run()
      if (signs) signSiteRetention(this.d.db.$client, siteId, key, at.getTime())
      this.d.audit.record({ siteId, userId, action: 'site.settings', before, after: next })
      return { at, next }
    })
    // Settings are part of the published config (cookie name, lifetime) and of CORS (domains).
    this.d.sites.invalidate(siteId)
    return { settings: saved.next, settingsUpdatedAt: saved.at.toISOString(), retentionSigned: this.retentionSigned(siteId) }
  }

  /** Whether the site's stored retention bears this server's valid signature (retention-signature.ts). */
  private retentionSigned(siteId: string): boolean {
    const c = this.d.db.$client
    const row = c.prepare<[string], SiteRetentionRow>(`SELECT ${SITE_RETENTION_COLUMNS} FROM sites WHERE id = ?`).get(siteId)
    try {
      return !!row && signedRetention(row, storedVerifyKeys(c)).problem === undefined
    } catch {
      // Settings that are unreadable: no retention of theirs is signed (the purge fails on them).
      return false
    }
  }
}

/** The settings without the keys a save set to null (a removed privacy policy link). */
const withoutNulls = (settings: Record<string, unknown>) => Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== null))
