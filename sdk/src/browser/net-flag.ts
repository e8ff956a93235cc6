/**
 * Set in localStorage while the IndexedDB queue may hold undelivered records, so that the core
 * script knows, without opening IndexedDB, when a page view must load the lazy chunk to flush it.
 */
export const PENDING_FLAG = 'miniconsent-pending'
