// The admin audit log: who changed what, with the state before and after. Rows are only added.
import type { AuditPage } from '@miniconsent/shared'
import { and, desc, eq, lt, or, sql, type SQL } from 'drizzle-orm'
import type { Db } from '../db/client'
import { auditLog, users } from '../db/schema'

export interface AuditEvent {
  /** The site concerned; null for account-wide events (a password change). */
  siteId: string | null
  /** The admin who acted; null for the system (retention purge, seeding). */
  userId: number | null
  /** `<resource>.<verb>`, e.g. `catalogue.publish`, `member.remove`, `consents.erase`. */
  action: string
  before?: unknown
  after?: unknown
}

export class AuditLog {
  private readonly insertStmt

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {
    const p = sql.placeholder
    this.insertStmt = db
      .insert(auditLog)
      .values({ at: p('at'), userId: p('userId'), siteId: p('siteId'), action: p('action'), before: p('before'), after: p('after') })
      .prepare()
  }

  /** Call inside the transaction of the change itself, so a change is never left unaudited. */
  record(event: AuditEvent): void {
    this.insertStmt.run({
      at: new Date(this.now()),
      userId: event.userId,
      siteId: event.siteId,
      action: event.action,
      before: event.before === undefined ? null : JSON.stringify(event.before),
      after: event.after === undefined ? null : JSON.stringify(event.after),
    })
  }

  /** Newest first. `action` is an exact action or its group (`catalogue` matches `catalogue.publish`). */
  list(siteId: string, query: { limit: number; before?: number | undefined; action?: string | undefined }): AuditPage {
    const conditions: SQL[] = [eq(auditLog.siteId, siteId)]
    if (query.before !== undefined) conditions.push(lt(auditLog.id, query.before))
    if (query.action) {
      const group = query.action.replace(/[%_\\]/g, (ch) => '\\' + ch) + '.%'
      conditions.push(or(eq(auditLog.action, query.action), sql`${auditLog.action} LIKE ${group} ESCAPE '\\'`)!)
    }
    const rows = this.db
      .select({ id: auditLog.id, at: auditLog.at, email: users.email, action: auditLog.action, before: auditLog.before, after: auditLog.after })
      .from(auditLog)
      .leftJoin(users, eq(users.id, auditLog.userId))
      .where(and(...conditions))
      .orderBy(desc(auditLog.id))
      .limit(query.limit + 1)
      .all()
    const page = rows.slice(0, query.limit)
    return {
      entries: page.map((r) => ({
        id: r.id,
        at: r.at.toISOString(),
        user: r.email ?? null,
        action: r.action,
        before: r.before === null ? null : JSON.parse(r.before),
        after: r.after === null ? null : JSON.parse(r.after),
      })),
      nextBefore: rows.length > query.limit ? page.at(-1)!.id : null,
    }
  }
}
