// SQLITE_BUSY, told apart from other failures: on its own so that the consent writer's thread can
// ask without loading the HTTP error handling (hono, zod) that errors.ts needs.

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
