// Signed erasures. A data-subject erasure is the one change the consent log allows to a stored
// record: it blanks the personal fields and sets `erased_at`, and the record's hash still
// verifies (format 2 covers the personal fields through their hash; a format-1 record, written
// before 0.6, cannot be recomputed at all once erased). So whoever could write the database could
// otherwise blank any record's personal fields, move an erasure's time, or (format 1) rewrite an
// erased record's decision, and verification would call it an erasure. The server signs each
// tombstone it makes with the key that signs export manifests (manifest-keys.ts); verification
// takes a tombstone only with that signature over everything the record still holds.
//
// Plain node:crypto and SQL: the verification thread loads this without the server's modules.
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import type Database from 'better-sqlite3'
import type { StoredRow } from './consent-chain'

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

/** The signature stored in `erasure_signature`: `<keyId>.<base64 of the Ed25519 signature>`. */
export function signErasure(row: ErasedRow, key: { keyId: string; privateKey: KeyObject }): string {
  return `${key.keyId}.${sign(null, erasureStatement(row), key.privateKey).toString('base64')}`
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

/**
 * The check of tombstones against the keys stored beside the log (every key that signs or signed
 * here: a tombstone keeps the signature of the key that signed it). Without the keys table (a
 * database older than signing) there is no key, and a tombstone fails as unsigned.
 */
export function storedErasureCheck(conn: Database.Database): ErasureCheck {
  const keys = new Map<string, KeyObject>()
  const table = conn.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'manifest_keys'").get()
  if (table) {
    for (const row of conn.prepare('SELECT id, public_key AS publicKey FROM manifest_keys').all() as { id: string; publicKey: string }[]) {
      const key = rawEd25519(row.publicKey)
      if (key) keys.set(row.id, key)
    }
  }
  return (row) => {
    if (!row.erasedAt) return null
    const stored = row.erasureSignature ?? null
    const dot = stored?.indexOf('.') ?? -1
    const key = dot > 0 ? keys.get(stored!.slice(0, dot)) : undefined
    if (!stored || !key) return 'marked erased, but the erasure bears no signature of this server: the record was edited'
    const signature = Buffer.from(stored.slice(dot + 1), 'base64')
    let valid = false
    try {
      valid = signature.length === 64 && verify(null, erasureStatement(row as ErasedRow), key, signature)
    } catch {
      valid = false
    }
    return valid ? null : "the erasure's signature does not match the record as stored: the record or its erasure time was edited"
  }
}

/**
 * Signs the tombstones that have no signature: those erased before signed erasures (0.8.5), once,
 * when the server starts on the upgraded database. What they hold then is what later
 * verifications hold them to. Returns how many were signed.
 */
export function signUnsignedErasures(conn: Database.Database, key: { keyId: string; privateKey: KeyObject }): number {
  const rows = conn
    .prepare(
      `SELECT site_id AS siteId, seq, record_id AS recordId, revision, texts_hash AS textsHash, categories, services, method, region,
              mode, language, gpc, client_time AS clientTime, server_time AS serverTime, hash, personal_hash AS personalHash,
              erased_at AS erasedAt
         FROM consent_records INDEXED BY consent_records_unsigned_erasures
        WHERE erased_at IS NOT NULL AND erasure_signature IS NULL`,
    )
    .all() as ErasedRow[]
  if (rows.length === 0) return 0
  const store = conn.prepare('UPDATE consent_records SET erasure_signature = ? WHERE site_id = ? AND seq = ?')
  conn.transaction(() => {
    for (const row of rows) store.run(signErasure(row, key), row.siteId, row.seq)
  })()
  return rows.length
}
