// Visitor events besides consent decisions: `identify(userId)` and `acceptDocument(type)`.
// Not part of the hash chain (they are not consent decisions) but idempotent on the client's
// recordId exactly like consent records, since the SDK retries them the same way: a retry is
// answered from what is stored, a different event under a used recordId is a conflict.
import { eq, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { consentIdentities, documentAcceptances, erasedEvents } from '../db/schema'
import { RecordIdConflict } from './consent-writer'

type Identity = typeof consentIdentities.$inferInsert
type Acceptance = typeof documentAcceptances.$inferInsert

export class ConsentEvents {
  private readonly erased

  constructor(private readonly db: Db) {
    this.erased = db.select({ siteId: erasedEvents.siteId }).from(erasedEvents).where(eq(erasedEvents.recordId, sql.placeholder('recordId'))).prepare()
  }

  /**
   * True when a data-subject request erased the event stored under this recordId: a retry of it is
   * answered as already stored, and nothing is written. Another site's recordId is a conflict.
   */
  private wasErased(row: { recordId: string; siteId: string }): boolean {
    const erased = this.erased.get({ recordId: row.recordId })
    if (!erased) return false
    if (erased.siteId !== row.siteId) throw new RecordIdConflict('this recordId belongs to another site')
    return true
  }

  /**
   * True when stored now, false when this event was already stored under its recordId. Throws
   * RecordIdConflict when the recordId holds another site's event or another link.
   */
  identify(row: Omit<Identity, 'id'> & Record<string, unknown>): boolean {
    if (this.wasErased(row)) return false
    const inserted = this.db
      .insert(consentIdentities)
      .values({ recordId: row.recordId, siteId: row.siteId, consentId: row.consentId, userId: row.userId, serverTime: row.serverTime })
      .onConflictDoNothing({ target: consentIdentities.recordId })
      .run().changes
    if (inserted) return true
    const stored = this.db
      .select({ siteId: consentIdentities.siteId, consentId: consentIdentities.consentId, userId: consentIdentities.userId })
      .from(consentIdentities)
      .where(eq(consentIdentities.recordId, row.recordId))
      .get()
    return alreadyStored(stored, row)
  }

  /**
   * As identify(), for an accepted document. Compared: what the client sent, as stored (the URL
   * stripped). Not the document's version, which the server adds from the site's settings: a
   * retry that arrives after the version changed is still the acceptance stored, of the version
   * in force when it first arrived.
   */
  acceptDocument(row: Omit<Acceptance, 'id'>): boolean {
    if (this.wasErased(row)) return false
    const inserted = this.db.insert(documentAcceptances).values(row).onConflictDoNothing({ target: documentAcceptances.recordId }).run().changes
    if (inserted) return true
    return alreadyStored(this.storedAcceptance(row.recordId), { ...row, userId: row.userId ?? null })
  }

  /**
   * For an acceptance of a type the site no longer declares (the SDK queued it before the settings
   * changed): true when it is stored under its recordId, or was erased, so that sending it again is
   * answered as stored; false when nothing is (a new acceptance, which the route refuses). Compared
   * and refused as by acceptDocument(), which it does not write.
   */
  acceptedBefore(row: Pick<Acceptance, 'recordId' | 'siteId' | 'consentId' | 'userId' | 'documentType' | 'url' | 'clientTime'>): boolean {
    if (this.wasErased(row)) return true
    const stored = this.storedAcceptance(row.recordId)
    if (stored === undefined) return false
    alreadyStored(stored, { ...row, userId: row.userId ?? null })
    return true
  }

  /** What acceptDocument() compares of the acceptance stored under a recordId. */
  private storedAcceptance(recordId: string) {
    return this.db
      .select({
        siteId: documentAcceptances.siteId,
        consentId: documentAcceptances.consentId,
        userId: documentAcceptances.userId,
        documentType: documentAcceptances.documentType,
        url: documentAcceptances.url,
        clientTime: documentAcceptances.clientTime,
      })
      .from(documentAcceptances)
      .where(eq(documentAcceptances.recordId, recordId))
      .get()
  }
}

/**
 * False (already stored) when every field of `stored` has the value the event sent; a conflict
 * otherwise. A row gone since the insert (retention, an erasure) is no conflict: nothing else is
 * stored under the recordId.
 */
function alreadyStored<T extends { siteId: string }>(stored: T | undefined, sent: { [K in keyof T]: unknown }): false {
  if (stored === undefined) return false
  if (stored.siteId !== sent.siteId) throw new RecordIdConflict('this recordId belongs to another site')
  for (const key of Object.keys(stored) as (keyof T)[]) {
    if (stored[key] !== sent[key]) throw new RecordIdConflict('this recordId was already used for a different event')
  }
  return false
}
