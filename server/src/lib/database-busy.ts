// SQLITE_BUSY, told apart from other failures: on its own so that the consent writer's thread can
// ask without loading the HTTP error handling (hono, zod) that errors.ts needs.

/**
 * Whether `err` (or what it was caused by) is SQLite's SQLITE_BUSY ("database is locked", in any of its
 * extended codes): another connection held the write lock past the busy_timeout.
 */
export function isDatabaseBusy(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && /^SQLITE_BUSY(_|$)/.test(code)) return true
  }
  return false
}
