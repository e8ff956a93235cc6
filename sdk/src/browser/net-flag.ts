import type { Item } from './post'

/**
 * The write-ahead journal of undelivered records, in localStorage: written synchronously before a
 * record's first POST, so that a page closed or left at any moment after a choice (the API slow or
 * down, the POST still in flight) loses nothing; cleared once the server has the record. A failed
 * attempt also puts the record in the IndexedDB queue (dist/store.js). The core script checks only
 * that this key exists, without opening IndexedDB, to know when a page view must flush.
 */
export const PENDING_FLAG = 'miniconsent-pending'

/** The journal's records; an unreadable value (or a flag of an older SDK) reads as none. */
export function journaled(): Item[] {
  try {
    const items: unknown = JSON.parse(localStorage.getItem(PENDING_FLAG) || '[]')
    return Array.isArray(items) ? items : []
  } catch {
    return []
  }
}

/**
 * Adds (`keep`) or removes a record; the key goes when nothing is left. Storage that throws is
 * skipped: false then, true once written.
 */
export function journal(item: Item, keep: boolean): boolean {
  try {
    const rest = journaled().filter((i) => i[1].recordId !== item[1].recordId)
    if (keep) rest.push(item)
    rest.length ? localStorage.setItem(PENDING_FLAG, JSON.stringify(rest)) : localStorage.removeItem(PENDING_FLAG)
    return true
  } catch {
    return false
  }
}

/** Nothing is pending (e.g. the flag of an older SDK, its queue already empty). */
export function clearJournal(): void {
  try {
    localStorage.removeItem(PENDING_FLAG)
  } catch {}
}

/**
 * The consentId of a visitor who has not chosen yet, kept once identify() or acceptDocument()
 * linked it to a user or document on the server: the choice they make on a later page view is
 * recorded under it, and the link holds (cross-device consent, SPEC §2). The stored choice keeps
 * the consentId from then on, and this key goes.
 */
export const CONSENT_ID_KEY = 'miniconsent-id'

/** The kept consentId, if any. */
export function keptConsentId(): string | null {
  try {
    return localStorage.getItem(CONSENT_ID_KEY)
  } catch {
    return null
  }
}

/** Keeps `id`, or (null) drops the kept one. Storage that throws is skipped. */
export function keepConsentId(id: string | null): void {
  try {
    id ? localStorage.setItem(CONSENT_ID_KEY, id) : localStorage.removeItem(CONSENT_ID_KEY)
  } catch {}
}
