// Visitor events besides consent decisions: `identify(userId)` and `acceptDocument(type)`.
// Not part of the hash chain (they are not consent decisions) but idempotent on the client's
// recordId exactly like consent records, since the SDK retries them the same way.
import { eq } from 'drizzle-orm'
import type { Db } from '../db/client'
import { consentIdentities, documentAcceptances } from '../db/schema'
import { ApiError } from '../lib/errors'

type Identity = typeof consentIdentities.$inferInsert
type Acceptance = typeof documentAcceptances.$inferInsert

export class ConsentEvents {
  constructor(private readonly db: Db) {}

  /** True when stored now, false when that recordId was already stored for this site. */
  identify(row: Omit<Identity, 'id'> & Record<string, unknown>): boolean {
    const inserted = this.db
      .insert(consentIdentities)
      .values({ recordId: row.recordId, siteId: row.siteId, consentId: row.consentId, userId: row.userId, serverTime: row.serverTime })
      .onConflictDoNothing({ target: consentIdentities.recordId })
      .run().changes
    if (inserted) return true
    const existing = this.db.select({ siteId: consentIdentities.siteId }).from(consentIdentities).where(eq(consentIdentities.recordId, row.recordId)).get()
    return this.sameSite(existing?.siteId, row.siteId)
  }

  acceptDocument(row: Omit<Acceptance, 'id'>): boolean {
    const inserted = this.db.insert(documentAcceptances).values(row).onConflictDoNothing({ target: documentAcceptances.recordId }).run().changes
    if (inserted) return true
    const existing = this.db
      .select({ siteId: documentAcceptances.siteId })
      .from(documentAcceptances)
      .where(eq(documentAcceptances.recordId, row.recordId))
      .get()
    return this.sameSite(existing?.siteId, row.siteId)
  }

  private sameSite(existing: string | undefined, siteId: string): false {
    if (existing !== undefined && existing !== siteId) throw new ApiError(409, 'record_id_conflict', 'this recordId belongs to another site')
    return false
  }
}
