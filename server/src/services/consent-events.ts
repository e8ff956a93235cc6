// Visitor events besides consent decisions: `identify(userId)` and `acceptDocument(type)`.
// Not part of the hash chain (they are not consent decisions) but idempotent on the client's
// recordId exactly like consent records, since the SDK retries them the same way: a retry is
// answered from what is stored, a different event under a used recordId is a conflict.
//
// A recordId is read in lower case (shared `recordId`), and stored so; an event stored or erased
// before that is under the text as it was sent. Each method takes that text too (`sentId`): when
// it is not in lower case (never the SDK's), the event is also looked for under it, so that sent
// again exactly as before it is the event stored, or erased, not a new one. An event stored so and
// sent again in yet another case is not found: a look-up ignoring case would need an index on
// lower(record_id), which every insert would pay for.
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
  private wasErased(row: { recordId: string; siteId: string }, sentId: string): boolean {
    const erased = this.erased.get({ recordId: row.recordId }) ?? asSent(row.recordId, sentId, (recordId) => this.erased.get({ recordId }))
    if (!erased) return false
    if (erased.siteId !== row.siteId) throw new RecordIdConflict('this recordId belongs to another site')
    return true
  }

  /**
   * True when stored now, false when this event was already stored under its recordId. Throws
   * RecordIdConflict when the recordId holds another site's event or another link.
   */
  identify(row: Omit<Identity, 'id'> & Record<string, unknown>, sentId = row.recordId): boolean {
    if (this.wasErased(row, sentId)) return false
    const before = asSent(row.recordId, sentId, (recordId) => this.storedIdentity(recordId))
    if (before) return alreadyStored(before, row)
    const inserted = this.db
      .insert(consentIdentities)
      .values({ recordId: row.recordId, siteId: row.siteId, consentId: row.consentId, userId: row.userId, serverTime: row.serverTime })
      .onConflictDoNothing({ target: consentIdentities.recordId })
      .run().changes
    if (inserted) return true
    return alreadyStored(this.storedIdentity(row.recordId), row)
  }

  /** What identify() compares of the link stored under a recordId. */
  private storedIdentity(recordId: string) {
    return this.db
      .select({ siteId: consentIdentities.siteId, consentId: consentIdentities.consentId, userId: consentIdentities.userId })
      .from(consentIdentities)
      .where(eq(consentIdentities.recordId, recordId))
      .get()
  }

  /**
   * As identify(), for an accepted document. Compared: what the client sent, as stored (the URL
   * stripped). Not the document's version, which the server adds from the site's settings: a
   * retry that arrives after the version changed is still the acceptance stored, of the version
   * in force when it first arrived.
   */
  acceptDocument(row: Omit<Acceptance, 'id'>, sentId = row.recordId): boolean {
    if (this.wasErased(row, sentId)) return false
    const before = asSent(row.recordId, sentId, (recordId) => this.storedAcceptance(recordId))
    if (before) return alreadyStored(before, { ...row, userId: row.userId ?? null })
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
  acceptedBefore(row: Pick<Acceptance, 'recordId' | 'siteId' | 'consentId' | 'userId' | 'documentType' | 'url' | 'clientTime'>, sentId = row.recordId): boolean {
    if (this.wasErased(row, sentId)) return true
    const stored = this.storedAcceptance(row.recordId) ?? asSent(row.recordId, sentId, (recordId) => this.storedAcceptance(recordId))
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
 * What `find` finds under the recordId as sent (`sentId`) when that is not the recordId as read, in
 * lower case: stored so before recordIds were read in lower case. Nothing is looked up otherwise.
 */
function asSent<T>(recordId: string, sentId: string, find: (recordId: string) => T | undefined): T | undefined {
  return sentId === recordId ? undefined : find(sentId)
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
