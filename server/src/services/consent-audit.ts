// Audit-log entries for what the consent-log routes change or hand out (exports, erasures).
// Kept to one insert so that it can give way to the shared audit service without changing callers.
import type { Db } from '../db/client'
import { auditLog } from '../db/schema'

export function recordAudit(
  db: Pick<Db, 'insert'>,
  entry: { at: number; userId: number | null; siteId: string; action: string; before?: unknown; after?: unknown },
) {
  db.insert(auditLog)
    .values({
      at: new Date(entry.at),
      userId: entry.userId,
      siteId: entry.siteId,
      action: entry.action,
      before: entry.before === undefined ? null : JSON.stringify(entry.before),
      after: entry.after === undefined ? null : JSON.stringify(entry.after),
    })
    .run()
}
