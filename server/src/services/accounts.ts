// Users, memberships and sessions.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { siteSettings, type Me, type Role } from '@miniconsent/shared'
import { and, eq, gt, lt, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { memberships, sessions, sites, users } from '../db/schema'
import { hashPassword } from '../lib/password'

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export interface SessionUser {
  sessionId: string
  csrfToken: string
  user: { id: number; email: string }
}

export class Accounts {
  private readonly sessionStmt
  private readonly roleStmt

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {
    const p = sql.placeholder
    this.sessionStmt = db
      .select({ sessionId: sessions.id, csrfToken: sessions.csrfToken, userId: users.id, email: users.email })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.id, p('id')), gt(sessions.expiresAt, p('now'))))
      .prepare()
    this.roleStmt = db
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.userId, p('userId')), eq(memberships.siteId, p('siteId'))))
      .prepare()
  }

  findUserByEmail(email: string) {
    return this.db.select().from(users).where(eq(users.email, email.trim().toLowerCase())).get() ?? null
  }

  async createUser(email: string, password: string) {
    const passwordHash = await hashPassword(password)
    return this.db
      .insert(users)
      .values({ email: email.trim().toLowerCase(), passwordHash, createdAt: new Date(this.now()) })
      .returning()
      .get()
  }

  setMembership(userId: number, siteId: string, role: Role) {
    this.db
      .insert(memberships)
      .values({ userId, siteId, role })
      .onConflictDoUpdate({ target: [memberships.userId, memberships.siteId], set: { role } })
      .run()
  }

  /** Returns the cookie token; only its hash is stored. */
  createSession(userId: number): { token: string; csrfToken: string } {
    const token = randomBytes(32).toString('base64url')
    const csrfToken = randomBytes(24).toString('base64url')
    const t = this.now()
    // Expired sessions are dropped here rather than by a timer: logins are rare and cheap.
    this.db.delete(sessions).where(lt(sessions.expiresAt, new Date(t))).run()
    this.db
      .insert(sessions)
      .values({ id: sha256(token), userId, csrfToken, expiresAt: new Date(t + SESSION_TTL_MS), createdAt: new Date(t) })
      .run()
    return { token, csrfToken }
  }

  sessionFor(token: string | undefined): SessionUser | null {
    if (!token || token.length > 200) return null
    const row = this.sessionStmt.get({ id: sha256(token), now: this.now() })
    return row ? { sessionId: row.sessionId, csrfToken: row.csrfToken, user: { id: row.userId, email: row.email } } : null
  }

  deleteSession(sessionId: string) {
    this.db.delete(sessions).where(eq(sessions.id, sessionId)).run()
  }

  roleOn(userId: number, siteId: string): Role | null {
    return (this.roleStmt.get({ userId, siteId })?.role as Role | undefined) ?? null
  }

  me(session: SessionUser): Me {
    const rows = this.db
      .select({ id: sites.id, settings: sites.settings, role: memberships.role })
      .from(memberships)
      .innerJoin(sites, eq(sites.id, memberships.siteId))
      .where(eq(memberships.userId, session.user.id))
      .orderBy(sites.id)
      .all()
    return {
      user: session.user,
      sites: rows.map((r) => {
        const parsed = siteSettings.safeParse(JSON.parse(r.settings))
        return { id: r.id, name: parsed.success ? parsed.data.name : r.id, role: r.role }
      }),
      csrfToken: session.csrfToken,
    }
  }
}
