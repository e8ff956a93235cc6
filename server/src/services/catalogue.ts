// The catalogue admins edit (the draft), the site's settings, and the state the editor shows.
import {
  siteSettings as siteSettingsSchema,
  storedCatalogue,
  storedSiteSettings,
  type Catalogue,
  type CatalogueState,
  type SiteSettings,
} from '@miniconsent/shared'
import { desc, eq } from 'drizzle-orm'
import { writeTransaction, type Db } from '../db/client'
import { revisions, siteDrafts, sites, users } from '../db/schema'
import { canonicalJson } from '../lib/canonical-json'
import { ApiError } from '../lib/errors'
import { sha256 } from './accounts'
import type { AuditLog } from './audit'
import type { SiteDirectory } from './sites'

/** SHA-256 of the canonical JSON of the catalogue as validated (defaults filled in). */
export const contentHash = (c: Catalogue) => sha256(canonicalJson(c))

/** A draft's or revision's catalogue as stored (drafts are checked again when saved or published). */
export const parseStoredCatalogue = (json: string): Catalogue => storedCatalogue.parse(JSON.parse(json))

export interface CatalogueDeps {
  db: Db
  now: () => number
  audit: AuditLog
  sites: SiteDirectory
}

export class Catalogues {
  constructor(private readonly d: CatalogueDeps) {}

  settings(siteId: string): SiteSettings {
    const row = this.d.db.select({ settings: sites.settings }).from(sites).where(eq(sites.id, siteId)).get()
    if (!row) throw new ApiError(404, 'site_not_found', `No site "${siteId}"`)
    return storedSiteSettings.parse(JSON.parse(row.settings))
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
    const settings = this.settings(siteId)
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
    }
  }

  /** Replaces the draft; `action` tells the audit log how (`catalogue.draft`, `catalogue.import`). */
  saveDraft(siteId: string, userId: number, next: Catalogue, options: { action?: string; baseUpdatedAt?: string | undefined } = {}): void {
    const action = options.action ?? 'catalogue.draft'
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

  /** Inside a caller's transaction: no audit entry of its own. */
  writeDraft(siteId: string, userId: number | null, next: Catalogue): void {
    this.d.db
      .update(siteDrafts)
      .set({ catalogue: canonicalJson(next), updatedAt: new Date(this.d.now()), updatedBy: userId })
      .where(eq(siteDrafts.siteId, siteId))
      .run()
  }

  saveSettings(siteId: string, userId: number, input: Omit<SiteSettings, 'id'>): SiteSettings {
    const next = siteSettingsSchema.parse({ ...input, id: siteId })
    writeTransaction(this.d.db, () => {
      const before = this.settings(siteId)
      if (canonicalJson(before) === canonicalJson(next)) return
      this.d.db.update(sites).set({ settings: JSON.stringify(next) }).where(eq(sites.id, siteId)).run()
      this.d.audit.record({ siteId, userId, action: 'site.settings', before, after: next })
    })
    // Settings are part of the published config (cookie name, lifetime) and of CORS (domains).
    this.d.sites.invalidate(siteId)
    return next
  }
}
