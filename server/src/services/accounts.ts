// Users, memberships and sessions.
import { hash, randomBytes, timingSafeEqual } from 'node:crypto'
import { newPassword, storedSiteSettings, type InvitationInfo, type Me, type Member, type MemberList, type Role } from '@miniconsent/shared'
import { and, asc, eq, gt, inArray, isNull, lt, ne, sql, type SQL } from 'drizzle-orm'
import { writeTransaction, type Db } from '../db/client'
import { invitations, memberships, sessions, sites, users } from '../db/schema'
import { ApiError, invalidError } from '../lib/errors'
import { hashPassword, needsRehash, verifyPassword } from '../lib/password'
import type { AuditLog } from './audit'

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000

export const sha256 = (text: string) => hash('sha256', text, 'hex')

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** An invitation as the audit log shows it (never its token). */
const invitationAudit = (i: { email: string; role: string; expiresAt: Date }) => ({ email: i.email, role: i.role, expiresAt: i.expiresAt.toISOString() })

export interface SessionUser {
  sessionId: string
  csrfToken: string
  user: { id: number; email: string }
}

export class Accounts {
  private readonly sessionStmt
  private readonly roleStmt
  private readonly ownsStmt
  private readonly madeAdministratorStmt
  private readonly administrator: string | null

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    /** Where admin changes are recorded; seeding and the CLI work without one. */
    private readonly audit?: AuditLog,
    /**
     * The e-mail of the server's administrator (MINICONSENT_ADMIN_EMAIL): the account that may
     * create sites without owning one, as on a new server, beside those an earlier start made
     * administrator under another e-mail (`users.administrator`). None: only owners and those may.
     */
    administrator?: string,
  ) {
    this.administrator = administrator?.trim().toLowerCase() ?? null
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
    this.ownsStmt = db
      .select({ siteId: memberships.siteId })
      .from(memberships)
      .where(and(eq(memberships.userId, p('userId')), eq(memberships.role, 'owner')))
      .limit(1)
      .prepare()
    this.madeAdministratorStmt = db
      .select({ administrator: users.administrator })
      .from(users)
      .where(eq(users.id, p('userId')))
      .prepare()
  }

  /**
   * Whether this account may create a site, and so become the owner of one (SPEC §8): the
   * server's administrators (MINICONSENT_ADMIN_EMAIL's account, and those an earlier start named
   * by that setting) and the owners of a site may. An account that is only an editor or
   * an auditor may not: an auditor changes nothing, and an account invited to one site, or removed
   * from every site, must not make itself an owner.
   */
  mayCreateSites(user: { id: number; email: string }, ownsASite = this.ownsStmt.get({ userId: user.id }) !== undefined): boolean {
    return ownsASite || user.email === this.administrator || this.madeAdministratorStmt.get({ userId: user.id })?.administrator === true
  }

  findUserByEmail(email: string) {
    return this.db.select().from(users).where(eq(users.email, email.trim().toLowerCase())).get() ?? null
  }

  /** `administrator`: the account of MINICONSENT_ADMIN_EMAIL a start creates (ensureOwner), which stays administrator. */
  async createUser(email: string, password: string, options: { administrator?: boolean } = {}) {
    const passwordHash = await hashPassword(password)
    return this.db
      .insert(users)
      .values({ email: email.trim().toLowerCase(), passwordHash, createdAt: new Date(this.now()), administrator: options.administrator ?? false })
      .returning()
      .get()
  }

  /**
   * Marks the account MINICONSENT_ADMIN_EMAIL names as the server's administrator (ensureOwner, at
   * every start), so it stays one when a later start names another e-mail. Written only when not
   * yet marked: a start with the same setting takes no write lock for it.
   */
  markAdministrator(userId: number) {
    this.db.update(users).set({ administrator: true }).where(and(eq(users.id, userId), eq(users.administrator, false))).run()
  }

  setMembership(userId: number, siteId: string, role: Role) {
    this.db
      .insert(memberships)
      .values({ userId, siteId, role })
      .onConflictDoUpdate({ target: [memberships.userId, memberships.siteId], set: { role } })
      .run()
  }

  /**
   * Returns the cookie token; only its hash is stored. `checked`: the password hash a sign-in has
   * just checked. A password changed while that check ran (changePassword ends every session)
   * must not leave a session opened with the old password: the sign-in is refused then.
   */
  createSession(userId: number, checked?: { passwordHash: string }): { token: string; csrfToken: string } {
    return writeTransaction(this.db, () => {
      if (checked) {
        const current = this.db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId)).get()
        if (current?.passwordHash !== checked.passwordHash) throw new ApiError(401, 'invalid_credentials', 'Wrong e-mail or password')
      }
      return this.insertSession(userId)
    })
  }

  /** Stores a new session of the user and returns its tokens. Call inside a transaction. */
  private insertSession(userId: number): { token: string; csrfToken: string } {
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

  /**
   * After a sign-in with `password`, whose hash `checked` was just verified: when that hash was made
   * with weaker parameters than passwords are hashed with now, it is replaced by a new one of the
   * same password. Only if it is still the account's (a password changed meanwhile wins).
   */
  async rehashIfWeak(userId: number, password: string, checked: string): Promise<void> {
    if (!needsRehash(checked)) return
    const passwordHash = await hashPassword(password)
    this.db
      .update(users)
      .set({ passwordHash })
      .where(and(eq(users.id, userId), eq(users.passwordHash, checked)))
      .run()
  }

  sessionFor(token: string | undefined): SessionUser | null {
    if (!token || token.length > 200) return null
    const row = this.sessionStmt.get({ id: sha256(token), now: this.now() })
    return row ? { sessionId: row.sessionId, csrfToken: row.csrfToken, user: { id: row.userId, email: row.email } } : null
  }

  deleteSession(sessionId: string) {
    this.db.delete(sessions).where(eq(sessions.id, sessionId)).run()
  }

  /** Ends the sessions these cookie tokens name (sign-out, sign-in); a token that names none is passed over. */
  endSessionsOf(tokens: readonly string[]) {
    const ids = tokens.filter((token) => token && token.length <= 200).map(sha256)
    if (ids.length) this.db.delete(sessions).where(inArray(sessions.id, ids)).run()
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
        const parsed = storedSiteSettings.safeParse(JSON.parse(r.settings))
        return { id: r.id, name: parsed.success ? parsed.data.name : r.id, role: r.role }
      }),
      canCreateSites: this.mayCreateSites(
        session.user,
        rows.some((r) => r.role === 'owner'),
      ),
      csrfToken: session.csrfToken,
    }
  }

  // ---- Members and invitations of a site (owners only; routes check the role) ----

  members(siteId: string): MemberList {
    const members = this.db
      .select({ userId: users.id, email: users.email, role: memberships.role })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(eq(memberships.siteId, siteId))
      .orderBy(asc(users.email))
      .all()
    const pending = this.db
      .select()
      .from(invitations)
      .where(and(eq(invitations.siteId, siteId), isNull(invitations.acceptedAt), gt(invitations.expiresAt, new Date(this.now()))))
      .orderBy(asc(invitations.createdAt))
      .all()
    return {
      members,
      invitations: pending.map((i) => ({ email: i.email, role: i.role, createdAt: i.createdAt.toISOString(), expiresAt: i.expiresAt.toISOString() })),
    }
  }

  /**
   * Issues an invitation token (only its hash is kept), also for an address that has an account:
   * adding that account at once would trust whoever registered the address. Nobody checks that
   * an address is its owner's (no e-mail is sent; owners hand links over), so the owner of another
   * site could invite ceo@acme.test, open the link and set its password herself, and then join any
   * site that invites ceo@acme.test. With a link, the account's password is asked on accepting.
   * Inviting the same address again replaces the pending invitation, so an old link stops working.
   */
  invite(siteId: string, actorId: number, input: { email: string; role: Role }): { token: string } {
    const email = input.email.trim().toLowerCase()
    return writeTransaction(this.db, () => {
      const user = this.findUserByEmail(email)
      if (user && this.roleOn(user.id, siteId)) throw new ApiError(409, 'already_member', `${email} is already a member of this site`)
      const t = this.now()
      const token = randomBytes(32).toString('base64url')
      // Every earlier invitation of the address that was not accepted goes, an expired one too; the
      // audit entry names only one still pending as replaced: an expired link was dead already, and
      // the members list no longer showed it (as cancelPending, whose entries name pending ones only).
      const earlier = this.db
        .delete(invitations)
        .where(and(eq(invitations.siteId, siteId), eq(invitations.email, email), isNull(invitations.acceptedAt)))
        .returning()
        .all()
      const replaced = earlier.find((i) => i.expiresAt.getTime() > t) ?? null
      const expiresAt = new Date(t + INVITATION_TTL_MS)
      this.db
        .insert(invitations)
        .values({ tokenHash: sha256(token), siteId, email, role: input.role, invitedBy: actorId, createdAt: new Date(t), expiresAt })
        .run()
      // The replaced link stops working: the log says so, and which role and expiry it had.
      this.audit?.record({
        siteId,
        userId: actorId,
        action: 'invitation.create',
        before: replaced && invitationAudit(replaced),
        after: invitationAudit({ email, role: input.role, expiresAt }),
      })
      return { token }
    })
  }

  /** Withdraws the pending invitation of this address: its link stops working. */
  cancelInvitation(siteId: string, actorId: number, email: string): void {
    writeTransaction(this.db, () => {
      const cancelled = this.cancelPending(siteId, actorId, eq(invitations.email, email.trim().toLowerCase()))
      if (!cancelled.length) throw new ApiError(404, 'invitation_not_found', `No pending invitation for ${email} on this site`)
    })
  }

  /** Deletes the site's pending invitations that `which` selects, each with an `invitation.cancel` entry. Call inside a transaction. */
  private cancelPending(siteId: string, actorId: number, which: SQL) {
    const cancelled = this.db
      .delete(invitations)
      .where(and(eq(invitations.siteId, siteId), which, isNull(invitations.acceptedAt), gt(invitations.expiresAt, new Date(this.now()))))
      .returning()
      .all()
    for (const i of cancelled) this.audit?.record({ siteId, userId: actorId, action: 'invitation.cancel', before: invitationAudit(i) })
    return cancelled
  }

  /**
   * An invitation holds only while its inviter is an owner of the site: the links an owner sent
   * must not let them (or whoever they gave them to) back in once removed or demoted. Those are
   * cancelled then (`dropInvitationsOf`); this also refuses links older than that rule.
   */
  private assertInviterIsOwner(invitation: { siteId: string; invitedBy: number | null }) {
    if (invitation.invitedBy === null || this.roleOn(invitation.invitedBy, invitation.siteId) !== 'owner') {
      throw new ApiError(410, 'invitation_revoked', 'Whoever sent this invitation no longer owns this site: ask one of its owners for a new link')
    }
  }

  /** Cancels the pending invitations a member sent on the site, as they stop being its owner. */
  private dropInvitationsOf(siteId: string, actorId: number, userId: number) {
    this.cancelPending(siteId, actorId, eq(invitations.invitedBy, userId))
  }

  private pendingInvitation(token: string) {
    if (!token || token.length > 200) return null
    const row = this.db
      .select({ invitation: invitations, settings: sites.settings })
      .from(invitations)
      .innerJoin(sites, eq(sites.id, invitations.siteId))
      .where(and(eq(invitations.tokenHash, sha256(token)), isNull(invitations.acceptedAt), gt(invitations.expiresAt, new Date(this.now()))))
      .get()
    return row ?? null
  }

  /**
   * What the invitee sees before choosing a password (or entering the one of their account);
   * 404 for unknown, used or expired links.
   */
  invitation(token: string): InvitationInfo {
    const row = this.pendingInvitation(token)
    if (!row) throw new ApiError(404, 'invitation_not_found', 'This invitation link is unknown, used or expired')
    this.assertInviterIsOwner(row.invitation)
    const parsed = storedSiteSettings.safeParse(JSON.parse(row.settings))
    const { email, siteId, role } = row.invitation
    return { email, siteName: parsed.success ? parsed.data.name : siteId, role, hasAccount: this.findUserByEmail(email) !== null }
  }

  /**
   * Creates the invitee's account with this password, or, when the address signed up meanwhile,
   * checks that it is their password. Returns the user to sign in.
   */
  async acceptInvitation(token: string, password: string): Promise<{ id: number; email: string }> {
    const found = this.pendingInvitation(token)
    if (!found) throw new ApiError(404, 'invitation_not_found', 'This invitation link is unknown, used or expired')
    const { invitation } = found
    this.assertInviterIsOwner(invitation)
    const existing = this.findUserByEmail(invitation.email)
    const hasAccount = () => new ApiError(401, 'invalid_credentials', `${invitation.email} already has an account: enter its password to join`)
    if (existing && !(await verifyPassword(password, existing.passwordHash))) throw hasAccount()
    // Only a new password must be long enough: an account's own may predate the rule (or come
    // from MINICONSENT_ADMIN_PASSWORD, which asks for 8 characters).
    const chosen = existing ? null : newPassword.safeParse(password)
    if (chosen && !chosen.success) throw invalidError({ issues: chosen.error.issues.map((i) => ({ path: ['password'], message: i.message })) })
    const passwordHash = existing ? null : await hashPassword(password)
    return writeTransaction(this.db, () => {
      // Checked again inside the transaction: two tabs may accept the same link at once.
      const claimed = this.db
        .update(invitations)
        .set({ acceptedAt: new Date(this.now()) })
        .where(and(eq(invitations.tokenHash, invitation.tokenHash), isNull(invitations.acceptedAt)))
        .run()
      if (claimed.changes !== 1) throw new ApiError(404, 'invitation_not_found', 'This invitation link is unknown, used or expired')
      // Again here: the inviter may have been removed while the password was hashed.
      this.assertInviterIsOwner(invitation)
      // The password was checked (or hashed) against the account as it was before the await: one
      // created meanwhile, say by another link for this address accepted at the same time, or whose
      // password changed, was not, and nobody signs in to it here (the rollback leaves the link unused).
      const current = this.findUserByEmail(invitation.email)
      if (current?.passwordHash !== existing?.passwordHash) throw hasAccount()
      const user =
        current ??
        this.db.insert(users).values({ email: invitation.email, passwordHash: passwordHash!, createdAt: new Date(this.now()) }).returning().get()
      // Someone who became a member meanwhile keeps the role they have.
      if (!this.roleOn(user.id, invitation.siteId)) this.setMembership(user.id, invitation.siteId, invitation.role)
      this.audit?.record({ siteId: invitation.siteId, userId: user.id, action: 'invitation.accept', after: { email: user.email, role: this.roleOn(user.id, invitation.siteId) } })
      return { id: user.id, email: user.email }
    })
  }

  /** SPEC §8: a site always keeps an owner, or nobody could manage its users again. */
  private assertNotLastOwner(siteId: string, userId: number) {
    if (this.roleOn(userId, siteId) !== 'owner') return
    const others = this.db
      .select({ n: sql<number>`count(*)` })
      .from(memberships)
      .where(and(eq(memberships.siteId, siteId), eq(memberships.role, 'owner'), ne(memberships.userId, userId)))
      .get()
    if (!others || others.n === 0) throw new ApiError(409, 'last_owner', 'A site needs at least one owner: make someone else owner first')
  }

  private member(siteId: string, userId: number): Member {
    const row = this.db
      .select({ userId: users.id, email: users.email, role: memberships.role })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.siteId, siteId), eq(memberships.userId, userId)))
      .get()
    if (!row) throw new ApiError(404, 'member_not_found', 'No such member of this site')
    return row
  }

  changeRole(siteId: string, actorId: number, userId: number, role: Role): Member {
    return writeTransaction(this.db, () => {
      const before = this.member(siteId, userId)
      if (before.role === role) return before
      if (role !== 'owner') this.assertNotLastOwner(siteId, userId)
      this.setMembership(userId, siteId, role)
      const after = { ...before, role }
      this.audit?.record({ siteId, userId: actorId, action: 'member.role', before, after })
      if (before.role === 'owner') this.dropInvitationsOf(siteId, actorId, userId)
      return after
    })
  }

  removeMember(siteId: string, actorId: number, userId: number): void {
    writeTransaction(this.db, () => {
      const before = this.member(siteId, userId)
      this.assertNotLastOwner(siteId, userId)
      this.db.delete(memberships).where(and(eq(memberships.siteId, siteId), eq(memberships.userId, userId))).run()
      this.audit?.record({ siteId, userId: actorId, action: 'member.remove', before })
      this.dropInvitationsOf(siteId, actorId, userId)
    })
  }

  /**
   * The server operator's way back into an account (`miniconsent reset-password`): a forgotten
   * password, or an address someone else claimed by accepting an invitation to it themselves. Sets
   * a new random password and ends every session of the account (whoever was signed in is out);
   * audited on each of the account's sites as
   * `user.password_reset`, by nobody (the command line), naming the account. Returns the password,
   * to be shown once; null when there is no account with that address.
   */
  async resetPassword(email: string): Promise<string | null> {
    const user = this.findUserByEmail(email)
    if (!user) return null
    const password = randomBytes(12).toString('base64url')
    const passwordHash = await hashPassword(password)
    writeTransaction(this.db, () => {
      this.db.update(users).set({ passwordHash }).where(eq(users.id, user.id)).run()
      const ended = this.db.delete(sessions).where(eq(sessions.userId, user.id)).run().changes
      const siteIds = this.db.select({ siteId: memberships.siteId }).from(memberships).where(eq(memberships.userId, user.id)).all()
      for (const siteId of siteIds.length ? siteIds.map((m) => m.siteId) : [null]) {
        this.audit?.record({ siteId, userId: null, action: 'user.password_reset', after: { email: user.email, sessionsEnded: ended, by: 'the server operator (command line)' } })
      }
    })
    return password
  }

  /**
   * Ends every session of the user, this one too: a changed password must lock out whoever knew
   * the old one, or copied this session's cookie (and its CSRF token, which `/me` gives), the usual
   * reason to change it. Returns the tokens of the new session that replaces this one (the caller
   * sets its cookie), opened in the same transaction, so the change never leaves this browser signed out.
   */
  async changePassword(session: SessionUser, currentPassword: string, newPassword: string): Promise<{ token: string; csrfToken: string }> {
    const user = this.db.select().from(users).where(eq(users.id, session.user.id)).get()
    if (!user || !(await verifyPassword(currentPassword, user.passwordHash))) {
      const err = new ApiError(422, 'invalid', 'The current password is not right')
      err.issues = [{ path: 'currentPassword', message: 'This is not your current password' }]
      throw err
    }
    const passwordHash = await hashPassword(newPassword)
    return writeTransaction(this.db, () => {
      // Checked and hashed outside the transaction (scrypt takes a while): another change may have
      // committed meanwhile, ending this session. The later of two changes made at once would
      // otherwise set its password over the first, which was answered as done.
      const current = this.db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, user.id)).get()
      if (current && current.passwordHash !== user.passwordHash) {
        throw new ApiError(409, 'password_changed', 'The password was changed meanwhile, from another session: sign in again')
      }
      // The password is as checked, but this session ended meanwhile (signed out, its account's
      // sessions ended): no change of an ended session, answered as any request of one is.
      const alive = this.db.select({ id: sessions.id }).from(sessions).where(eq(sessions.id, session.sessionId)).get()
      if (!current || !alive) {
        throw new ApiError(401, 'unauthenticated', 'This session ended while the change was checked; the password is unchanged: sign in again')
      }
      this.db.update(users).set({ passwordHash }).where(eq(users.id, user.id)).run()
      this.db.delete(sessions).where(eq(sessions.userId, user.id)).run()
      // Audited on each of the user's sites, so that their owners see it in the site's audit log
      // (it is a change to who can act on the site); with no site, as an account-wide entry.
      const siteIds = this.db.select({ siteId: memberships.siteId }).from(memberships).where(eq(memberships.userId, user.id)).all()
      for (const siteId of siteIds.length ? siteIds.map((m) => m.siteId) : [null]) {
        this.audit?.record({ siteId, userId: user.id, action: 'user.password' })
      }
      return this.insertSession(user.id)
    })
  }
}
