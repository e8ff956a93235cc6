// The retention the purge acts on is one the server saved (stored-signatures.ts, "Signed
// retention"): each site's `settings.retentionDays` carries the server's signature of the site, that
// retention and when it was signed (sites.retention_signed_at, sites.retention_signature). The
// server signs it when an owner saves it (Catalogues.saveSettings), when a site is created
// (createSite) or seeded (the demo sites, in the seed's transaction: seed.ts), and, in
// a database from before, once at the first start after the upgrade (signRetentionsBeforeSigning).
// A retention edited in the database has no such signature, and the purge deletes nothing of its
// site (retention.ts purgeExpired) until an owner saves the retention again.
//
// A deleted site's audit log is purged by the retention it had (`deleted_sites`), under the same
// rule: its row keeps the site's signature (deleteSite copies it: it signs the site's id, which
// stays), and a retention rewritten there, or one that bore no valid signature when the site was
// deleted, purges nothing of it. Nobody can save a deleted site's retention again, so the row is
// signed again wherever a live site's is (a key retired: signRetentionsAgain; a database from
// before 0018, once: signDeletedRetentionsBeforeSigning). What neither covers (a previous version,
// run after a rollback, deleted the site without a signature or retired the key without signing
// the deleted sites' again; a site deleted before an owner confirmed its retention) the server's
// operator vouches for: `sign-unsigned --site <id> --confirm` (cli.ts signUnsignedDeletedRetention; signDeletedSiteRetention).
//
// A key's private half outlives its retirement (the generated key is in every backup from before
// MANIFEST_SIGNING_KEY was set), and what it signs can be dated at will: so a retention signed by a
// retired key is refused outright (stored-signatures.ts retentionProblem), and when a key is retired
// (manifest-keys.ts), every retention it vouched for is signed again with the key replacing it, in
// the same transaction (signRetentionsAgain).
import { storedSiteSettings } from '@miniconsent/shared'
import type Database from 'better-sqlite3'
import { retentionProblem, signRetention, type StoredKey, type StoredSigningKey } from './stored-signatures'

/** A site's settings and the signature of its retention, as `sites` stores them. */
export interface SiteRetentionRow {
  siteId: string
  settings: string
  signedAt: number | null
  signature: string | null
}

/** The SiteRetentionRow columns of `sites`, for a SELECT. */
export const SITE_RETENTION_COLUMNS = 'id AS siteId, settings, retention_signed_at AS signedAt, retention_signature AS signature'

/** The retention stored settings hold (the default where they have none); throws when they are unreadable. */
const retentionOf = (settings: string): number => storedSiteSettings.parse(JSON.parse(settings)).retentionDays

/**
 * Signs the site's retention as its settings now hold it, at `now`. Inside the caller's
 * transaction, with the change it vouches for (a save, a creation); does nothing for no such site.
 */
export function signSiteRetention(conn: Database.Database, siteId: string, key: StoredSigningKey, now: number): void {
  const row = conn.prepare<[string], SiteRetentionRow>(`SELECT ${SITE_RETENTION_COLUMNS} FROM sites WHERE id = ?`).get(siteId)
  if (row) writeSignature(conn, siteId, retentionOf(row.settings), key, now)
}

/** Where a retention's signature is kept: a live site's row, or a deleted site's in `deleted_sites`. */
const SIGNATURE_UPDATE = {
  live: 'UPDATE sites SET retention_signed_at = ?, retention_signature = ? WHERE id = ?',
  deleted: 'UPDATE deleted_sites SET retention_signed_at = ?, retention_signature = ? WHERE site_id = ?',
} as const

/** Stores the signature of `retentionDays` as the site's (`live`, or `deleted`: its deleted_sites row), made with `key` at `now`. */
function writeSignature(conn: Database.Database, siteId: string, retentionDays: number, key: StoredSigningKey, now: number, site: keyof typeof SIGNATURE_UPDATE = 'live'): void {
  conn.prepare(SIGNATURE_UPDATE[site]).run(now, signRetention({ siteId, retentionDays, signedAt: now }, key), siteId)
}

/**
 * The retention a purge of the site may act on: its settings' `retentionDays`, when this server
 * signed it as it is; otherwise why not (`problem`). Throws when the settings are unreadable.
 */
export function signedRetention(row: SiteRetentionRow, keys: Map<string, StoredKey>): { retentionDays: number; problem?: undefined } | { problem: string } {
  const retentionDays = retentionOf(row.settings)
  const problem = retentionProblem({ siteId: row.siteId, retentionDays, signedAt: row.signedAt ?? 0, signature: row.signature }, keys)
  return problem ? { problem } : { retentionDays }
}

/** A deleted site's retention and its signature, as `deleted_sites` keeps them. */
export interface DeletedSiteRetentionRow {
  siteId: string
  retentionDays: number
  signedAt: number | null
  signature: string | null
}

/** The DeletedSiteRetentionRow columns of `deleted_sites`, for a SELECT. */
export const DELETED_SITE_RETENTION_COLUMNS = 'site_id AS siteId, retention_days AS retentionDays, retention_signed_at AS signedAt, retention_signature AS signature'

/**
 * A retired key's signature on a deleted site's retention: this version signs them again as it
 * retires a key, a previous one (after a rollback) signed again only the live sites', or none.
 */
const RETIRED_FOR_DELETED =
  " without the server signing it again: a previous version retired the key (after a rollback) without signing a deleted site's retention again, or it was signed with a copy of the old private key"

/**
 * The retention a purge of the deleted site's audit log may act on: the one it had when it was
 * deleted, when this server signed it as it is; otherwise why not (`problem`).
 */
export function signedDeletedRetention(row: DeletedSiteRetentionRow, keys: Map<string, StoredKey>): { retentionDays: number; problem?: undefined } | { problem: string } {
  const signed = { siteId: row.siteId, retentionDays: row.retentionDays, signedAt: row.signedAt ?? 0, signature: row.signature }
  const problem = retentionProblem(signed, keys, 'it had when it was deleted', RETIRED_FOR_DELETED)
  return problem ? { problem } : { retentionDays: row.retentionDays }
}

/**
 * The retention kept for the audit log of `siteId` if it is a deleted site's (in `deleted_sites`,
 * and no live site's: the purge reads it only then), or undefined.
 */
export function deletedSiteRetention(conn: Database.Database, siteId: string): DeletedSiteRetentionRow | undefined {
  return conn
    .prepare<[string], DeletedSiteRetentionRow>(`SELECT ${DELETED_SITE_RETENTION_COLUMNS} FROM deleted_sites WHERE site_id = ? AND site_id NOT IN (SELECT id FROM sites)`)
    .get(siteId)
}

/**
 * Signs the retention kept for a deleted site's audit log as `deleted_sites` holds it, with `key`
 * at `now`: the operator's word for it (`sign-unsigned --confirm`), inside the caller's
 * transaction with its audit entry.
 */
export function signDeletedSiteRetention(conn: Database.Database, row: DeletedSiteRetentionRow, key: StoredSigningKey, now: number): void {
  writeSignature(conn, row.siteId, row.retentionDays, key, now, 'deleted')
}

/**
 * Signs again with `key` (the one that now signs), at `now`, every site's retention valid under
 * `before` (storedVerifyKeys read before a key was retired) and not yet signed by `key`: what the
 * retired key vouched for, its successor vouches for; a retention it did not (edited in the
 * database, or refused already) stays refused. Inside the transaction that retires the key
 * (manifest-keys.ts), after the retirement. Sites whose settings are unreadable are left as they
 * are. The deleted sites' retentions likewise (signDeletedRetentionsAgain). Returns how many live
 * sites' were signed.
 */
export function signRetentionsAgain(conn: Database.Database, before: Map<string, StoredKey>, key: StoredSigningKey, now: number): number {
  signDeletedRetentionsAgain(conn, before, key, now)
  const rows = conn.prepare<[], SiteRetentionRow>(`SELECT ${SITE_RETENTION_COLUMNS} FROM sites WHERE retention_signature IS NOT NULL ORDER BY rowid`).all()
  let signed = 0
  for (const row of rows) {
    if (row.signature!.startsWith(`${key.keyId}.`)) continue
    let vouched
    try {
      vouched = signedRetention(row, before)
    } catch {
      continue
    }
    if (vouched.problem !== undefined) continue
    writeSignature(conn, row.siteId, vouched.retentionDays, key, now)
    signed += 1
  }
  return signed
}

/**
 * signRetentionsAgain for the deleted sites: each retention `before` vouches for, not yet signed by
 * `key`, is signed again with it; one it did not stays refused (its audit log kept). Returns how many.
 */
function signDeletedRetentionsAgain(conn: Database.Database, before: Map<string, StoredKey>, key: StoredSigningKey, now: number): number {
  const rows = conn
    .prepare<[], DeletedSiteRetentionRow>(`SELECT ${DELETED_SITE_RETENTION_COLUMNS} FROM deleted_sites WHERE retention_signature IS NOT NULL ORDER BY rowid`)
    .all()
  let signed = 0
  for (const row of rows) {
    if (row.signature!.startsWith(`${key.keyId}.`) || signedDeletedRetention(row, before).problem !== undefined) continue
    writeSignature(conn, row.siteId, row.retentionDays, key, now, 'deleted')
    signed += 1
  }
  return signed
}

/**
 * Signs the retention of every deleted site, as `deleted_sites` holds it, once per database: at the
 * first start after migration 0018 (which marks the task done on a database without deleted sites),
 * as signRetentionsBeforeSigning does for live sites, vouching for what the database holds at that
 * start only. Returns how many were signed.
 */
export function signDeletedRetentionsBeforeSigning(conn: Database.Database, key: StoredSigningKey, now: number): number {
  if (conn.prepare("SELECT 1 FROM startup_tasks WHERE name = 'sign-deleted-retention'").get()) return 0
  let signed = 0
  conn.transaction(() => {
    const rows = conn
      .prepare<[], DeletedSiteRetentionRow>(`SELECT ${DELETED_SITE_RETENTION_COLUMNS} FROM deleted_sites WHERE retention_signature IS NULL ORDER BY rowid`)
      .all()
    for (const row of rows) {
      writeSignature(conn, row.siteId, row.retentionDays, key, now, 'deleted')
      signed += 1
    }
    conn.prepare("INSERT INTO startup_tasks (name, done_at) VALUES ('sign-deleted-retention', ?)").run(now)
  })()
  return signed
}

/**
 * Signs the retention of every site, as its settings hold it, once per database: at the first
 * start after the upgrade that began signing retention (migration 0017 marks the task done on a
 * database without sites). As with the tombstones and anchors of older versions
 * (signStoredBeforeSigning), this vouches for what the database holds at that start only: a
 * retention edited later, the server stopped or not, is never signed at start-up; an owner saves
 * it again. Sites whose settings are unreadable are left unsigned (their purge fails anyway).
 * Returns how many were signed.
 */
export function signRetentionsBeforeSigning(conn: Database.Database, key: StoredSigningKey, now: number): number {
  if (conn.prepare("SELECT 1 FROM startup_tasks WHERE name = 'sign-retention'").get()) return 0
  let signed = 0
  conn.transaction(() => {
    const rows = conn.prepare<[], SiteRetentionRow>(`SELECT ${SITE_RETENTION_COLUMNS} FROM sites WHERE retention_signature IS NULL ORDER BY rowid`).all()
    for (const row of rows) {
      let retentionDays
      try {
        retentionDays = retentionOf(row.settings)
      } catch {
        continue
      }
      writeSignature(conn, row.siteId, retentionDays, key, now)
      signed += 1
    }
    conn.prepare("INSERT INTO startup_tasks (name, done_at) VALUES ('sign-retention', ?)").run(now)
  })()
  return signed
}
