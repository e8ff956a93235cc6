// First-run data: the demo sites (each with revision 1 published) and the owner account.
import { randomBytes } from 'node:crypto'
import { catalogue as catalogueSchema, siteSettings } from '@miniconsent/shared'
import { writeTransaction, type Db } from '../db/client'
import { auditLog, memberships } from '../db/schema'
import { sdkDistDir } from '../paths'
import { sqliteCodes } from '../lib/database-busy'
import { verifyPassword } from '../lib/password'
import { Accounts } from '../services/accounts'
import { signSiteRetention } from '../services/retention-signature'
import { insertSite } from '../services/sites'
import type { StoredSigningKey } from '../services/stored-signatures'
import type { DemoSite } from './catalogues'

export type { DemoSite }

/**
 * Inserts the demo sites that are missing; returns the ids it created. Existing sites are left alone.
 * A new site named after an SDK file in `sdkDir` (the server's, by default) is refused, and with it the whole call.
 * With `retentionKey`, each site created has its retention signed in the same transaction, by the
 * key it gives (asked once, when a first site is created: the server's ManifestKeys.active(), which
 * settles the key), so that no start leaves a demo site whose retention the purge will not act on.
 */
export function seedSites(
  db: Db,
  demoSites: readonly DemoSite[],
  options: { now: number; ownerId?: number; sdkDir?: string; retentionKey?: () => StoredSigningKey },
): string[] {
  const created: string[] = []
  const at = new Date(options.now)
  const sdkDir = options.sdkDir ?? sdkDistDir()
  let key: StoredSigningKey | undefined
  writeTransaction(db, () => {
    for (const demo of demoSites) {
      const settings = siteSettings.parse(demo.settings)
      const catalogue = catalogueSchema.parse(demo.catalogue)
      if (!insertSite(db, { settings, catalogue }, { at, sdkDir, userId: null, publish: true })) continue
      if (options.retentionKey) signSiteRetention(db.$client, settings.id, (key ??= options.retentionKey()), options.now)
      // The owner joins the sites created here, and only those: on a site that exists, who is a
      // member is its owners' decision (one removed stays removed, whatever the next start's
      // MINICONSENT_ADMIN_EMAIL), and a membership added behind their backs would be in no audit entry.
      if (options.ownerId !== undefined) db.insert(memberships).values({ userId: options.ownerId, siteId: settings.id, role: 'owner' }).run()
      const owner = options.ownerId === undefined ? {} : { owner: { userId: options.ownerId, role: 'owner' } }
      db.insert(auditLog)
        .values({ at, siteId: settings.id, action: 'site.seed', after: JSON.stringify({ settings, revision: 1, ...owner }) })
        .run()
      created.push(settings.id)
    }
  })
  return created
}

export interface OwnerResult {
  userId: number
  /** Set only when the account was created with a generated password: print it once. */
  generatedPassword?: string
  /** The account existed, and the password given is not its own: it was not applied (say so). */
  passwordNotApplied?: true
}

/**
 * Makes sure the owner account exists and is marked as the server's administrator
 * (users.administrator), whether this start creates it or it existed (an account invited before,
 * made administrator by this start's MINICONSENT_ADMIN_EMAIL). An existing account keeps its password.
 */
export async function ensureOwner(db: Db, email: string, password: string | undefined, now: number): Promise<OwnerResult> {
  const accounts = new Accounts(db, () => now)
  const existing = accounts.findUserByEmail(email)
  if (existing) {
    // Marked at every start that names it, not only when created: it stays administrator when a
    // later start names another e-mail, as the account a start created does.
    if (!existing.administrator) accounts.markAdministrator(existing.id)
    // A password set for an account that exists is checked, not applied: changing it at start-up
    // would let whoever sets the environment take the account over without a trace in its audit.
    const applied = password === undefined || (await verifyPassword(password, existing.passwordHash))
    return applied ? { userId: existing.id } : { userId: existing.id, passwordNotApplied: true }
  }
  const generated = password ? undefined : randomBytes(12).toString('base64url')
  let user
  try {
    // Marked as the server's administrator: it stays one when a later start names another e-mail.
    user = await accounts.createUser(email, password ?? generated!, { administrator: true })
  } catch (e) {
    // Another start on the same file created the account while this one hashed its password
    // (two servers started at once on a new file): that start shows its password, this one none.
    const created = sqliteCodes(e).includes('SQLITE_CONSTRAINT_UNIQUE') ? accounts.findUserByEmail(email) : undefined
    if (!created) throw e
    return ensureOwner(db, email, password, now)
  }
  return generated ? { userId: user.id, generatedPassword: generated } : { userId: user.id }
}
