// What the server signs inside the database, checked by verification on a connection of its own
// (the CLI's, or the verification thread's, which loads this without the server's modules: plain
// node:crypto and SQL).
//
// Signed erasures. A data-subject erasure is the one change the consent log allows to a stored
// record: it blanks the personal fields and sets `erased_at`, and the record's hash still
// verifies (format 2 covers the personal fields through their hash; a format-1 record, written
// before 0.6, cannot be recomputed at all once erased). So whoever could write the database could
// otherwise blank any record's personal fields, move an erasure's time, or (format 1) rewrite an
// erased record's decision, and verification would call it an erasure. The server signs each
// tombstone it makes with the key that signs export manifests (manifest-keys.ts); verification
// takes a tombstone only with that signature over everything the record still holds.
//
// A key replaced by another (manifest-keys.ts) stays listed, retired, so that what it signed still
// verifies; but a copy of its private half outlives it (every backup from before the operator
// set MANIFEST_SIGNING_KEY holds the generated key's). So, as for manifests, a signature dated
// more than RETIRED_GRACE_MS after its key was retired is refused: the time an erasure or a purge
// anchor is dated by is covered by its signature.
//
// Signed manifests. The chain heads the site's export manifests recorded show newest records
// deleted (consent-chain.ts); a head edited, nulled or stripped of its signature in the database
// would hide that, so verification checks each stored manifest's signature first.
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import type { ConsentLogFilters, ExportManifest } from '@miniconsent/shared'
import type Database from 'better-sqlite3'
import { canonicalJson } from '../lib/canonical-json'
import { hasTable } from '../db/has-table'
import type { exportManifests } from '../db/schema'
import { GENESIS_HASH, type StoredRow } from './consent-chain'

/** A tombstone's fields the signature covers: every stored field but the blanked personal ones. */
export type ErasedRow = Pick<
  StoredRow,
  'siteId' | 'seq' | 'recordId' | 'revision' | 'textsHash' | 'categories' | 'services' | 'method' | 'region' | 'mode' | 'language' | 'gpc' | 'clientTime' | 'serverTime' | 'hash' | 'personalHash'
> & { erasedAt: string }

/**
 * The bytes an erasure's signature covers: the tombstone's non-personal fields as stored (the
 * choices as their stored text), its hash and personal hash, and the erasure's time, as canonical
 * JSON. `gpc` only as 0 or 1: any other stored value is an edit (contentProblem).
 */
export function erasureStatement(row: ErasedRow): Buffer {
  const s = JSON.stringify
  return Buffer.from(
    `{"categories":${s(row.categories)},"clientTime":${s(row.clientTime)},"erasedAt":${s(row.erasedAt)},"gpc":${row.gpc ? 1 : 0}` +
      `,"hash":${s(row.hash)},"language":${s(row.language)},"method":${s(row.method)},"mode":${s(row.mode)}` +
      `,"personalHash":${s(row.personalHash ?? null)},"recordId":${s(row.recordId)},"region":${s(row.region)},"revision":${s(row.revision)}` +
      `,"seq":${s(row.seq)},"serverTime":${s(row.serverTime)},"services":${s(row.services)},"siteId":${s(row.siteId)}` +
      `,"textsHash":${s(row.textsHash)},"v":"erasure-1"}`,
    'utf8',
  )
}

/** A key that signs what the server stores. */
export interface StoredSigningKey {
  keyId: string
  privateKey: KeyObject
}

/** A stored signature of `bytes`: `<keyId>.<base64 of the Ed25519 signature>`. */
const storedSignature = (bytes: Buffer, key: StoredSigningKey) => `${key.keyId}.${sign(null, bytes, key.privateKey).toString('base64')}`

/**
 * How long after its retirement a key's signature is still taken: while a deployment rolls over
 * to a new key, a process that started before it may still sign with the old one.
 */
export const RETIRED_GRACE_MS = 60 * 60 * 1000

/** A time (ms) as ISO 8601, or as it is when it is none. */
const shownTime = (ms: number) => {
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString()
}

/**
 * Why a signature of `keyId`, a key retired at `retiredAt`, dated as `dated` says, was made after
 * the key was replaced: the words manifests (manifest-keys.ts signedManifestProblem) and what
 * the server stores are refused with.
 */
export const retiredKeyProblem = (keyId: string, retiredAt: number, dated: string) =>
  `key ${keyId} was retired on ${shownTime(retiredAt)}, but ${dated}: signed after its key was replaced (with a copy of the old private key), or forged`

/**
 * A time a signature covers, which it cannot have been made before (ms, NaN when unreadable), and
 * how a report says it: "the erasure is dated …".
 */
interface SignedTime {
  at: number
  dated: string
}

/**
 * Why `stored` (as storedSignature writes it) is no signature of `bytes` by one of `keys`:
 * `unsigned`, `mismatch`, or, for a retired key, the first of `signed` later than its retirement
 * and RETIRED_GRACE_MS (or unreadable), said by retiredKeyProblem; null when it is.
 */
function storedSignatureProblem(
  bytes: Buffer,
  stored: string | null | undefined,
  keys: Map<string, StoredKey>,
  signed: SignedTime[],
): 'unsigned' | 'mismatch' | { retired: string } | null {
  const dot = stored?.indexOf('.') ?? -1
  const keyId = dot > 0 ? stored!.slice(0, dot) : ''
  const key = keys.get(keyId)
  if (!stored || !key) return 'unsigned'
  if (!validSignature(bytes, stored.slice(dot + 1), key.key)) return 'mismatch'
  if (key.retiredAt === null) return null
  const late = signed.find((t) => !(t.at <= key.retiredAt! + RETIRED_GRACE_MS))
  return late ? { retired: retiredKeyProblem(keyId, key.retiredAt, late.dated) } : null
}

/** The signature stored in `erasure_signature`: `<keyId>.<base64 of the Ed25519 signature>`. */
export function signErasure(row: ErasedRow, key: StoredSigningKey): string {
  return storedSignature(erasureStatement(row), key)
}

/**
 * Signed purge anchors. Where a retention purge stopped, the chain starts: the anchor's hash is
 * the first kept record's prev_hash. Whoever could write the database could otherwise delete the
 * newest records up to some point and write an anchor there, and verification would call it a
 * purge, even beside a saved manifest whose head was among them. The purge signs each anchor it
 * writes, with the key that signs export manifests.
 */
export interface AnchorRow {
  siteId: string
  seq: number
  hash: string
  purgedCount: number
  /** When the purge that moved it ran (ms). */
  purgedAt: number
  /**
   * The signed retention (days) that purge acted on (signedRetention); null (or absent: a
   * database read before migration 0017) for an anchor last moved before retention was signed.
   */
  retentionDays?: number | null
}

/** An AnchorRow's columns of chain_anchors, for a SELECT (retention_days since migration 0017: ANCHOR_RETENTION_COLUMN). */
export const ANCHOR_COLUMNS = 'site_id AS siteId, seq, hash, purged_count AS purgedCount, purged_at AS purgedAt'
export const ANCHOR_RETENTION_COLUMN = 'retention_days AS retentionDays'

/**
 * The bytes an anchor's signature covers: every field, as canonical JSON. An anchor a purge moved
 * under a signed retention (since 0017) says that retention (`anchor-2`); one moved before, none
 * (`anchor-1`, as it was signed then). Nulling the retention of an `anchor-2` breaks its signature.
 * `withRetention: false` gives the `anchor-1` bytes whatever the row holds (anchorCheck).
 */
export function anchorStatement(a: AnchorRow, withRetention = true): Buffer {
  const s = JSON.stringify
  const known = withRetention && a.retentionDays !== null && a.retentionDays !== undefined
  const retention = known ? `,"retentionDays":${s(a.retentionDays)}` : ''
  const v = known ? 'anchor-2' : 'anchor-1'
  return Buffer.from(`{"hash":${s(a.hash)},"purgedAt":${s(a.purgedAt)},"purgedCount":${s(a.purgedCount)}${retention},"seq":${s(a.seq)},"siteId":${s(a.siteId)},"v":"${v}"}`, 'utf8')
}

export function signAnchor(a: AnchorRow, key: StoredSigningKey): string {
  return storedSignature(anchorStatement(a), key)
}

/**
 * Why a purge anchor is not one this server wrote as it is (null when it is), and the retention
 * its signature vouches for (null when none). Its signing key, if retired since, must have been
 * retired no earlier than the purge that moved it last (RETIRED_GRACE_MS).
 *
 * A version before 0.9.23 (after a rollback) moves the anchor without touching retention_days,
 * and signs it as `anchor-1`: the retention a later version's purge left there is then stale. So an
 * anchor whose `anchor-2` statement does not match is checked as `anchor-1` too; one that matches
 * so is this server's, moved by a purge whose retention is unknown (the next purge of this
 * version signs it with its own). Nothing is gained by editing the retention of such an anchor:
 * it is not reported.
 */
export function anchorCheck(a: AnchorRow & { signature?: string | null }, keys: Map<string, StoredKey>): { problem: string | null; retentionDays: number | null } {
  const signed = [{ at: Number(a.purgedAt), dated: `the purge anchor at seq ${a.seq} is dated ${shownTime(a.purgedAt)}` }]
  const withRetention = a.retentionDays !== null && a.retentionDays !== undefined
  let problem = storedSignatureProblem(anchorStatement(a), a.signature, keys, signed)
  let retentionDays = withRetention ? a.retentionDays! : null
  if (problem === 'mismatch' && withRetention) {
    const older = storedSignatureProblem(anchorStatement(a, false), a.signature, keys, signed)
    if (older !== 'mismatch') [problem, retentionDays] = [older, null]
  }
  // The retention is among what may have been edited wherever the database holds one (since 0017).
  const fields = a.retentionDays === undefined ? 'its seq, hash, count or time' : 'its seq, hash, count, time or retention'
  if (problem === 'unsigned') {
    return { problem: `the chain starts after a purge anchor at seq ${a.seq} that bears no signature of this server: records before it were deleted by hand, not by retention`, retentionDays: null }
  }
  if (problem === 'mismatch') return { problem: `the purge anchor at seq ${a.seq} does not match its signature: it was edited (${fields})`, retentionDays: null }
  return problem ? { problem: problem.retired, retentionDays: null } : { problem: null, retentionDays }
}

/** Why a purge anchor is not one this server wrote as it is, or null (anchorCheck). */
export function anchorProblem(a: AnchorRow & { signature?: string | null }, keys: Map<string, StoredKey>): string | null {
  return anchorCheck(a, keys).problem
}

/**
 * Signed retention. The purge deletes what is older than a site's `retentionDays` and signs the
 * anchor it moves: whoever could write the settings row could otherwise set one day and have the
 * server sign the purge of everything older, a deletion passed off as retention. The server signs
 * the retention an owner saves (with the site and the time), and the purge acts only on a
 * retention whose signature checks with a key of this server that still signs (no grace for a
 * retired key: retentionProblem; services/retention-signature.ts).
 */
export interface SignedRetention {
  siteId: string
  retentionDays: number
  /** When the server signed it (ms). */
  signedAt: number
}

/** The bytes a retention's signature covers, as canonical JSON. */
export function retentionStatement(r: SignedRetention): Buffer {
  const s = JSON.stringify
  return Buffer.from(`{"retentionDays":${s(r.retentionDays)},"signedAt":${s(r.signedAt)},"siteId":${s(r.siteId)},"v":"retention-1"}`, 'utf8')
}

export function signRetention(r: SignedRetention, key: StoredSigningKey): string {
  return storedSignature(retentionStatement(r), key)
}

/**
 * Why a site's retention is not one this server saved as it is, or null. A retired key's signature
 * is refused whatever its time: the time is the signer's word, and a copy of the old private key
 * (a backup's) dates what it signs before the retirement. The server signs every retention again
 * with the key that replaces it, as it retires it (retention-signature.ts signRetentionsAgain), so
 * no retention it vouches for is left signed by a retired key. `where`: where the retention is
 * kept, as the problem names it (a live site's settings; a deleted site's `deleted_sites` row).
 * `retired`: what a retired key's signature means there, said after its retirement's time (a
 * deleted site's may also be one a previous version, run after a rollback, did not sign again).
 */
export function retentionProblem(
  r: SignedRetention & { signature: string | null },
  keys: Map<string, StoredKey>,
  where = 'in its settings',
  retired = ', when the server signed every retention it held again with the key replacing it: signed with a copy of the old private key, or forged',
): string | null {
  const retention = `the retention of ${r.retentionDays} day${r.retentionDays === 1 ? '' : 's'} ${where}`
  const problem = storedSignatureProblem(retentionStatement(r), r.signature, keys, [])
  if (problem === 'unsigned') return `${retention} bears no signature of this server`
  if (problem === 'mismatch') return `${retention} does not match the server's signature: it was edited in the database`
  const keyId = r.signature!.slice(0, r.signature!.indexOf('.'))
  const retiredAt = keys.get(keyId)!.retiredAt
  if (retiredAt === null) return null
  return `${retention} is signed by key ${keyId}, which was retired on ${shownTime(retiredAt)}${retired}`
}

/**
 * The signing key generated and kept in the database, when that is the one signing (no
 * MANIFEST_SIGNING_KEY, whose private half the database never holds); null otherwise. Read only:
 * it never makes a key (ManifestKeys.active does, as the server starts).
 */
export function storedGeneratedKey(conn: Database.Database): StoredSigningKey | null {
  if (!hasTable(conn, 'manifest_keys')) return null
  const row = conn.prepare('SELECT id, private_key AS privateKey FROM manifest_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1').get() as
    | { id: string; privateKey: string | null }
    | undefined
  if (!row?.privateKey) return null
  return { keyId: row.id, privateKey: createPrivateKey({ key: Buffer.from(row.privateKey, 'base64'), format: 'der', type: 'pkcs8' }) }
}

/** Why a row marked erased is no erasure of this server's, or null (also for a row not erased). */
export type ErasureCheck = (row: StoredRow) => string | null

/** A public key as manifest_keys stores it: base64 of its 32 raw bytes. */
const rawEd25519 = (base64: string): KeyObject | null => {
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(base64, 'base64').toString('base64url') }, format: 'jwk' })
  } catch {
    return null
  }
}

/** A stored public key, when it began signing and, once replaced, when it was retired (ms). */
export interface StoredKey {
  key: KeyObject
  createdAt: number
  retiredAt: number | null
}

/**
 * The keys stored beside the log: every key that signs or signed here (a tombstone or a manifest
 * keeps the signature of the key that signed it). Without the keys table (a database older than
 * signing) there is none; a stored key that is no Ed25519 public key is left out, so what it
 * signed reads as signed by an unknown key.
 */
export function storedVerifyKeys(conn: Database.Database): Map<string, StoredKey> {
  const keys = new Map<string, StoredKey>()
  if (!hasTable(conn, 'manifest_keys')) return keys
  const rows = conn.prepare('SELECT id, public_key AS publicKey, created_at AS createdAt, retired_at AS retiredAt FROM manifest_keys').all() as {
    id: string
    publicKey: string
    createdAt: number
    retiredAt: number | null
  }[]
  for (const row of rows) {
    const key = rawEd25519(row.publicKey)
    if (key) keys.set(row.id, { key, createdAt: row.createdAt, retiredAt: row.retiredAt })
  }
  return keys
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

/** The bytes of standard base64 (white space ignored), or null when it is not. */
export function base64Bytes(text: string): Buffer | null {
  const compact = text.replace(/\s+/g, '')
  return BASE64.test(compact) && compact.length % 4 === 0 ? Buffer.from(compact, 'base64') : null
}

/** Whether `signature` (base64) is `key`'s Ed25519 signature of `bytes`; false for anything malformed. */
function validSignature(bytes: Buffer, signatureBase64: string, key: KeyObject): boolean {
  const signature = base64Bytes(signatureBase64)
  if (!signature || signature.length !== 64) return false
  try {
    return verify(null, bytes, key, signature)
  } catch {
    return false
  }
}

/**
 * What a manifest's signature covers: the UTF-8 canonical JSON of every field but `signature`
 * (`keyId` included). Taken from the manifest as read, unknown fields and all, so that nothing
 * added to a signed manifest passes unnoticed.
 */
export function signedBytes(manifest: Record<string, unknown>): Buffer {
  const { signature: _signature, ...rest } = manifest
  return Buffer.from(canonicalJson(rest), 'utf8')
}

export function signManifest(manifest: Record<string, unknown>, privateKey: KeyObject): string {
  return sign(null, signedBytes(manifest), privateKey).toString('base64')
}

/** Whether `manifest.signature` is the signature of the rest of it by `publicKey`. */
export function manifestSignatureValid(manifest: Record<string, unknown>, publicKey: KeyObject): boolean {
  return typeof manifest.signature === 'string' && validSignature(signedBytes(manifest), manifest.signature, publicKey)
}

type ManifestRow = typeof exportManifests.$inferSelect

/** A manifest as served, as signed, and as verification rebuilds it from its row: one function for all, so they cannot differ. */
export function manifestFrom(
  m: Omit<ManifestRow, 'rowCount' | 'sha256' | 'completedAt' | 'createdBy' | 'createdByEmail'>,
  createdBy: string | null,
  rowCount: number,
  sha256: string,
): ExportManifest {
  return {
    exportId: m.id,
    siteId: m.siteId,
    format: m.format,
    filters: JSON.parse(m.filters) as ConsentLogFilters,
    rowCount,
    sha256,
    chainHead: { seq: m.chainHeadSeq ?? 0, hash: m.chainHeadHash ?? GENESIS_HASH },
    createdAt: m.createdAt.toISOString(),
    createdBy,
    ...(m.keyId !== null ? { keyId: m.keyId } : {}),
    ...(m.signature !== null ? { signature: m.signature } : {}),
  }
}

/**
 * The check of tombstones against the stored keys: without a key, a tombstone fails as unsigned.
 * A key retired since must have been retired no earlier than the erasure, nor than the record
 * it erased was written (RETIRED_GRACE_MS): an erasure cannot come before its record, so an
 * erasure time set back does not pass off a record written since as erased by that key.
 */
export function storedErasureCheck(keys: Map<string, StoredKey>): ErasureCheck {
  return (row) => {
    if (!row.erasedAt) return null
    const signed = [
      { at: Date.parse(row.erasedAt), dated: `the erasure is dated ${row.erasedAt}` },
      { at: Date.parse(row.serverTime), dated: `the record it erased was written on ${row.serverTime}` },
    ]
    const problem = storedSignatureProblem(erasureStatement(row as ErasedRow), row.erasureSignature, keys, signed)
    if (problem === 'unsigned') return 'marked erased, but the erasure bears no signature of this server: the record was edited'
    if (problem === 'mismatch') return "the erasure's signature does not match the record as stored: the record or its erasure time was edited"
    return problem ? problem.retired : null
  }
}

/** An export manifest as stored (export_manifests), completed or not, with its times in ms. */
export type StoredManifest = Omit<ManifestRow, 'createdAt' | 'completedAt' | 'createdBy'> & { createdAt: number; completedAt: number | null }

const SHA256_HEX = /^[0-9a-f]{64}$/

/**
 * Why a stored manifest's chain head is none an export writes (export-pages.ts chainHead: a
 * record's seq and hash, or 0 and the genesis hash), or null; a row without one (both null) has
 * none to check. Verification walks the heads in seq order beside the records: a head between two
 * seqs, taken unchecked from a row that looks unfinished, would otherwise be compared with no
 * record, and would be passed over silently below the chain's start.
 */
function headProblem(m: StoredManifest): string | null {
  const seq: unknown = m.chainHeadSeq
  const hash: unknown = m.chainHeadHash
  if (seq === null && hash === null) return null
  // Half a head: an export writes both as it starts. Taken for a row without one, it went unreported.
  if (seq === null) return 'records a chain head hash but no seq: it was edited in the database'
  if (!Number.isSafeInteger(seq) || (seq as number) < 0) {
    return `records a chain head at ${typeof seq === 'number' ? `seq ${seq}, which no record has` : 'a seq that is not a number'}: it was edited in the database`
  }
  if (hash === null) return `records a chain head at seq ${seq as number} but no hash: it was edited in the database`
  return typeof hash === 'string' && SHA256_HEX.test(hash) ? null : 'records a chain head hash that is no SHA-256 digest: it was edited in the database'
}

/**
 * Why a stored manifest's recorded chain head cannot be trusted, or null: first, a head no export
 * writes (headProblem), whether the row is complete or not. A completed manifest is
 * signed (since 0.8) over what export.ts serves, chain head included, rebuilt here from its row:
 * a signature that no longer matches means the row was edited (its head moved or nulled), and a
 * completed manifest without one, dated after a key began signing, had it removed. A manifest
 * still streaming, or one made before signing, has no signature to check. Still streaming means
 * none of what completion writes in one UPDATE (export.ts): a row that has any of it (its time,
 * signature, row count or digest) but not all of its row count and digest was edited to look
 * unfinished, so that its head would be taken unchecked.
 */
export function manifestProblem(m: StoredManifest, keys: Map<string, StoredKey>): string | null {
  const head = headProblem(m)
  if (head) return head
  const completed = m.completedAt !== null || m.signature !== null || m.keyId !== null || m.rowCount !== null || m.sha256 !== null
  if (!completed) return null
  if (m.rowCount === null || m.sha256 === null) return 'is complete but lacks its row count or digest: it was edited in the database'
  if (m.signature === null || m.keyId === null) {
    const signingSince = Math.min(...[...keys.values()].map((k) => k.createdAt))
    return m.createdAt >= signingSince ? 'is complete but unsigned, though made after its server began signing: its signature was removed' : null
  }
  const key = keys.get(m.keyId)?.key
  if (!key) return `names a key (${m.keyId}) this database does not hold`
  let served: ExportManifest
  try {
    served = manifestFrom({ ...m, createdAt: new Date(m.createdAt) }, m.createdByEmail, m.rowCount, m.sha256)
  } catch {
    return 'holds filters that are not JSON: it was edited'
  }
  return manifestSignatureValid(served, key) ? null : 'no longer matches its signature: it was edited in the database'
}

/** The tombstones and purge anchors that bear no signature, of one site or (null) of every site. */
export interface UnsignedStored {
  erasures: ErasedRow[]
  anchors: AnchorRow[]
}

export function unsignedStored(conn: Database.Database, siteId: string | null): UnsignedStored {
  const site = siteId === null ? '' : 'AND site_id = ?'
  const params = siteId === null ? [] : [siteId]
  const erasures = conn
    .prepare(
      `SELECT site_id AS siteId, seq, record_id AS recordId, revision, texts_hash AS textsHash, categories, services, method, region,
              mode, language, gpc, client_time AS clientTime, server_time AS serverTime, hash, personal_hash AS personalHash,
              erased_at AS erasedAt
         FROM consent_records INDEXED BY consent_records_unsigned_erasures
        WHERE erased_at IS NOT NULL AND erasure_signature IS NULL ${site}
        ORDER BY site_id, seq`,
    )
    .all(...params) as ErasedRow[]
  // With the retention the purge acted on, which the signature covers (read on a database this version migrated).
  const anchors = conn.prepare(`SELECT ${ANCHOR_COLUMNS}, ${ANCHOR_RETENTION_COLUMN} FROM chain_anchors WHERE signature IS NULL ${site} ORDER BY site_id`).all(...params) as AnchorRow[]
  return { erasures, anchors }
}

/**
 * Signs them as they are: what they hold then is what later verifications hold them to. In one
 * transaction with whatever the caller does in `andThen` (marking a start-up task done).
 */
export function signStored(conn: Database.Database, key: StoredSigningKey, unsigned: UnsignedStored, andThen: () => void = () => {}): void {
  const erasure = conn.prepare('UPDATE consent_records SET erasure_signature = ? WHERE site_id = ? AND seq = ?')
  const anchor = conn.prepare('UPDATE chain_anchors SET signature = ? WHERE site_id = ?')
  conn.transaction(() => {
    for (const row of unsigned.erasures) erasure.run(signErasure(row, key), row.siteId, row.seq)
    for (const row of unsigned.anchors) anchor.run(signAnchor(row, key), row.siteId)
    andThen()
  })()
}

/**
 * Signs what was stored before it was signed — the tombstones of erasures made before 0.8.5 and
 * the purge anchors written before 0.8.6 — once per database: at the first start after the
 * upgrade (a new database, or one with nothing unsigned, has each task marked done by its
 * migration). Anything unsigned that appears later is not signed at start-up, and verification
 * reports it, unless the operator vouches for it (`sign-unsigned`, after a rollback to an older
 * version). Returns how many of each were signed.
 */
export function signStoredBeforeSigning(conn: Database.Database, key: StoredSigningKey, now: number): { erasures: number; anchors: number } {
  const done = (name: string) => !!conn.prepare('SELECT 1 FROM startup_tasks WHERE name = ?').get(name)
  const todo = { erasures: !done('sign-erasures'), anchors: !done('sign-anchors') }
  if (!todo.erasures && !todo.anchors) return { erasures: 0, anchors: 0 }
  const found = unsignedStored(conn, null)
  const unsigned = { erasures: todo.erasures ? found.erasures : [], anchors: todo.anchors ? found.anchors : [] }
  const mark = conn.prepare('INSERT INTO startup_tasks (name, done_at) VALUES (?, ?)')
  signStored(conn, key, unsigned, () => {
    if (todo.erasures) mark.run('sign-erasures', now)
    if (todo.anchors) mark.run('sign-anchors', now)
  })
  return { erasures: unsigned.erasures.length, anchors: unsigned.anchors.length }
}
