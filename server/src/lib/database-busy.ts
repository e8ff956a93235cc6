// SQLITE_BUSY, and a database file gone from its path, told apart from other failures: on their
// own so that the consent writer's thread can use them without loading the HTTP error handling
// (hono, zod) that errors.ts needs.

/**
 * Whether `err` (or what it was caused by) is SQLite's SQLITE_BUSY ("database is locked", in any of its
 * extended codes): another connection held the write lock past the busy_timeout.
 */
export function isDatabaseBusy(err: unknown): boolean {
  return sqliteCodes(err).some((code) => /^SQLITE_BUSY(_|$)/.test(code))
}

/** SQLite's result codes (`SQLITE_BUSY_SNAPSHOT`) of `err` and of what it was caused by, outermost first, five deep at most. */
export function sqliteCodes(err: unknown): string[] {
  const codes: string[] = []
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && code.startsWith('SQLITE_')) codes.push(code)
  }
  return codes
}

/** The code of fileGoneError()'s error: answered 503 `database_unavailable` (errors.ts). */
export const DATABASE_FILE_GONE = 'DATABASE_FILE_GONE'

/**
 * The error of a write refused because the database file the server opened is no longer at its
 * path (removed, or another file put there): its connection would go on writing to the file it
 * has open, which nothing reads again once the server stops, so an acknowledged record would be lost.
 */
export function fileGoneError(): Error {
  return Object.assign(new Error('the database file was removed or replaced while the server ran'), { code: DATABASE_FILE_GONE })
}
