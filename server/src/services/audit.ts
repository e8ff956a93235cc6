// The admin audit log: who changed what, with the state before and after. Rows are only added.
import { lastIncluded, type AuditPage, type AuditQuery } from '@miniconsent/shared'
import { and, desc, eq, gte, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm'
import type { Db } from '../db/client'
import { auditLog, users } from '../db/schema'
import { fromBound } from './consent-filters'

/**
 * The most bytes of before/after states (JSON, as stored) one page of the audit log carries, past its first
 * entry (which is always given, however large: a catalogue is at most 1 MB).
 */
export const AUDIT_PAGE_MAX_BYTES = 4_000_000

export interface AuditEvent {
  /** The site concerned; null for account-wide events (a password change), which the account's user reads (listAccount). */
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

  /**
   * Newest first. `action` is an exact action or its group (`catalogue` matches `catalogue.publish`).
   * A page holds at most `limit` entries and, past its first entry, at most AUDIT_PAGE_MAX_BYTES of
   * before/after states: each catalogue save keeps the whole draft twice, so forty saves of a large
   * catalogue made a page of tens of megabytes, built in memory on the event loop. The entries'
   * sizes are read first and only the page's states are loaded; `nextBefore` goes on from there.
   */
  list(siteId: string, query: AuditQuery): AuditPage {
    return this.page(eq(auditLog.siteId, siteId), query)
  }

  /**
   * The entries of no site about one account, as `list` pages and filters a site's: its password
   * changes made with no site to audit them on, and the operator's resets of its password then
   * (by nobody, so known by the address they name; an account's address never changes). Never
   * another account's, nor a site's: those are read on the site, by its owners and auditors.
   */
  listAccount(userId: number, query: AuditQuery): AuditPage {
    const email = sql`(SELECT ${users.email} FROM ${users} WHERE ${users.id} = ${userId})`
    const byOperator = and(isNull(auditLog.userId), eq(auditLog.action, 'user.password_reset'), sql`json_extract(${auditLog.after}, '$.email') = ${email}`)
    return this.page(and(isNull(auditLog.siteId), or(eq(auditLog.userId, userId), byOperator))!, query)
  }

  private page(scope: SQL, query: AuditQuery): AuditPage {
    const conditions: SQL[] = [scope]
    if (query.before !== undefined) conditions.push(lt(auditLog.id, query.before))
    // Bounds read as the consent log's filters read them: a `from` between two milliseconds starts at the later one.
    if (query.from) conditions.push(gte(auditLog.at, new Date(fromBound(query.from))))
    if (query.to) conditions.push(lte(auditLog.at, new Date(lastIncluded(query.to))))
    // An address no account has finds nothing; so does one whose account was deleted (its entries' user is then NULL).
    if (query.user) conditions.push(eq(auditLog.userId, sql`(SELECT ${users.id} FROM ${users} WHERE ${users.email} = ${query.user.trim().toLowerCase()})`))
    if (query.action) {
      const group = query.action.replace(/[%_\\]/g, (ch) => '\\' + ch) + '.%'
      conditions.push(or(eq(auditLog.action, query.action), sql`${auditLog.action} LIKE ${group} ESCAPE '\\'`)!)
    }
    const sizes = this.db
      .select({ id: auditLog.id, bytes: sql<number>`coalesce(octet_length(${auditLog.before}), 0) + coalesce(octet_length(${auditLog.after}), 0)` })
      .from(auditLog)
      .where(and(...conditions))
      .orderBy(desc(auditLog.id))
      .limit(query.limit + 1)
      .all()
    let taken = 0
    let bytes = 0
    while (taken < Math.min(query.limit, sizes.length) && (taken === 0 || bytes + sizes[taken]!.bytes <= AUDIT_PAGE_MAX_BYTES)) bytes += sizes[taken++]!.bytes
    if (taken === 0) return { entries: [], nextBefore: null }
    const rows = this.db
      .select({ id: auditLog.id, at: auditLog.at, email: users.email, action: auditLog.action, before: auditLog.before, after: auditLog.after })
      .from(auditLog)
      .leftJoin(users, eq(users.id, auditLog.userId))
      .where(and(...conditions, gte(auditLog.id, sizes[taken - 1]!.id)))
      .orderBy(desc(auditLog.id))
      .all()
    return {
      entries: rows.map((r) => ({
        id: r.id,
        at: r.at.toISOString(),
        user: r.email ?? null,
        action: r.action,
        before: r.before === null ? null : JSON.parse(r.before),
        after: r.after === null ? null : JSON.parse(r.after),
      })),
      nextBefore: sizes.length > taken ? sizes[taken - 1]!.id : null,
    }
  }
}
