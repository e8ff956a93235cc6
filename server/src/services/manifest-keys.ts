// Ed25519 keys that sign export manifests (SPEC §7, "a verifiable manifest"). The SHA-256 in a
// manifest shows that a file is the one it describes; the signature shows that the manifest
// itself came from this server unaltered, so a file and manifest edited together are told apart
// from a true pair once both have left the server.
//
// One key signs at a time: MANIFEST_SIGNING_KEY when set, else one generated on first use and
// kept in `manifest_keys`. A key replaced by another stays listed (retired, its private half
// dropped), so the manifests it signed still verify. The sites' retentions it signed are signed
// again with the key replacing it, in the transaction that retires it: a retention signed by a
// retired key is refused whatever its date (retention-signature.ts).
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import type { ExportManifest, ManifestKey, ManifestKeyList } from '@miniconsent/shared'
import { and, desc, eq, isNotNull, isNull, ne } from 'drizzle-orm'
import { z } from 'zod'
import { writeTransaction, type Db, type Tx } from '../db/client'
import { hasTable } from '../db/has-table'
import { manifestKeys } from '../db/schema'
import { signRetentionsAgain } from './retention-signature'
import { base64Bytes, manifestSignatureValid, RETIRED_GRACE_MS, retiredKeyProblem, storedVerifyKeys, type StoredSigningKey } from './stored-signatures'

/** DER headers of an Ed25519 SubjectPublicKeyInfo and PKCS#8 key, before the 32 raw bytes (RFC 8410). */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')


/** The 32 bytes of an Ed25519 public key. */
export function rawPublicKey(key: KeyObject): Buffer {
  return (key.export({ format: 'der', type: 'spki' }) as Buffer).subarray(SPKI_PREFIX.length)
}

/** A key's id: the first 16 hex digits of the SHA-256 of its raw public key. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(rawPublicKey(publicKey)).digest('hex').slice(0, 16)
}

const isEd25519 = (key: KeyObject) => key.asymmetricKeyType === 'ed25519'

interface KeyHalf {
  pem: (text: string) => KeyObject
  der: (bytes: Buffer) => KeyObject
  /** The DER header before the 32 raw bytes (RFC 8410). */
  prefix: Buffer
  problem: string
}

/** How each half of an Ed25519 key is read. */
const HALVES: Record<'private' | 'public', KeyHalf> = {
  private: {
    pem: (key) => createPrivateKey({ key, format: 'pem' }),
    der: (key) => createPrivateKey({ key, format: 'der', type: 'pkcs8' }),
    prefix: PKCS8_PREFIX,
    problem: 'not an Ed25519 private key: give the base64 of its PKCS#8 DER form (openssl genpkey -algorithm ed25519 -outform DER | base64), the base64 of its 32-byte seed, or its PEM',
  },
  public: {
    pem: (key) => createPublicKey({ key, format: 'pem' }),
    der: (key) => createPublicKey({ key, format: 'der', type: 'spki' }),
    prefix: SPKI_PREFIX,
    problem: 'not an Ed25519 public key (base64 of its 32 bytes, or PEM)',
  },
}

/**
 * One half of an Ed25519 key given as PEM (`\n` may be written as the two characters, as in many
 * env files), or as base64 of its DER form or of its 32 raw bytes (the private key's seed).
 */
function ed25519Key(text: string, half: KeyHalf): KeyObject {
  const trimmed = text.trim()
  let key: KeyObject | null = null
  try {
    if (trimmed.startsWith('-----BEGIN')) {
      key = half.pem(trimmed.replace(/\\n/g, '\n'))
    } else {
      const bytes = base64Bytes(trimmed)
      if (bytes?.length === 32) key = half.der(Buffer.concat([half.prefix, bytes]))
      else if (bytes) key = half.der(bytes)
    }
  } catch {
    key = null
  }
  if (!key || !isEd25519(key)) throw new Error(half.problem)
  return key
}

/** An Ed25519 private key: PEM (PKCS#8), or base64 of its PKCS#8 DER or of its 32-byte seed. */
export const privateKeyFrom = (text: string): KeyObject => ed25519Key(text, HALVES.private)

/** An Ed25519 public key: PEM (SPKI), or base64 of its 32 raw bytes or of its SPKI DER. */
export const publicKeyFrom = (text: string): KeyObject => ed25519Key(text, HALVES.public)

/** `MANIFEST_SIGNING_KEY`, parsed at start-up: a bad key stops the server with this message. */
export const manifestSigningKeySetting = z.string().transform((v, ctx) => {
  try {
    return privateKeyFrom(v)
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message })
    return z.NEVER
  }
})

// Checked here and by verification, in the threads that load none of this module's database code.
export { manifestSignatureValid, signedBytes, signManifest } from './stored-signatures'

/** The key that signs manifests, and what the server signs in the database (stored-signatures.ts). */
export type SigningKey = StoredSigningKey

type KeyRow = typeof manifestKeys.$inferSelect

function listed(row: KeyRow): ManifestKey {
  const publicKey = publicKeyFrom(row.publicKey)
  return {
    keyId: row.id,
    algorithm: 'Ed25519',
    publicKey: row.publicKey,
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    createdAt: row.createdAt.toISOString(),
    retiredAt: row.retiredAt?.toISOString() ?? null,
  }
}

export class ManifestKeys {
  /** The key signing in this process: the environment cannot change while it runs. */
  private current: SigningKey | null = null

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    /** MANIFEST_SIGNING_KEY, parsed; unset: a key generated and kept in the database. */
    private readonly envKey?: KeyObject,
  ) {}

  /** The key that signs new manifests; the first call records it (and retires the one it replaces). */
  active(): SigningKey {
    this.current ??= this.envKey ? this.useEnvKey(this.envKey) : this.useStoredKey()
    return this.current
  }

  /** Every key that signs or signed manifests here, newest first. */
  list(): ManifestKeyList {
    this.active()
    const rows = this.db.select().from(manifestKeys).orderBy(desc(manifestKeys.createdAt), desc(manifestKeys.id)).all()
    // The signing key first, whatever its age (an older key given again by MANIFEST_SIGNING_KEY).
    rows.sort((a, b) => Number(a.retiredAt !== null) - Number(b.retiredAt !== null))
    return { keys: rows.map(listed) }
  }

  private useEnvKey(privateKey: KeyObject): SigningKey {
    const publicKey = createPublicKey(privateKey)
    const keyId = keyIdOf(publicKey)
    writeTransaction(this.db, (tx) => {
      const at = new Date(this.now())
      const before = storedVerifyKeys(this.db.$client)
      tx.insert(manifestKeys)
        .values({ id: keyId, publicKey: rawPublicKey(publicKey).toString('base64'), privateKey: null, source: 'env', createdAt: at })
        .onConflictDoNothing()
        .run()
      // Given again after another key signed: it signs again. Its private half is never kept here.
      tx.update(manifestKeys).set({ retiredAt: null, privateKey: null }).where(eq(manifestKeys.id, keyId)).run()
      const retired = tx
        .update(manifestKeys)
        .set({ retiredAt: at, privateKey: null })
        .where(and(ne(manifestKeys.id, keyId), isNull(manifestKeys.retiredAt)))
        .run()
      if (retired.changes) signRetentionsAgain(this.db.$client, before, { keyId, privateKey }, at.getTime())
    })
    return { keyId, privateKey }
  }

  private useStoredKey(): SigningKey {
    return writeTransaction(this.db, (tx) => {
      const at = new Date(this.now())
      const before = storedVerifyKeys(this.db.$client)
      // A key from MANIFEST_SIGNING_KEY, now unset, can no longer sign: retired, still listed.
      const retired = tx
        .update(manifestKeys)
        .set({ retiredAt: at })
        .where(and(isNull(manifestKeys.retiredAt), isNull(manifestKeys.privateKey)))
        .run()
      const row = this.storedOrGenerated(tx, at)
      const key = { keyId: row.id, privateKey: privateKeyFrom(row.privateKey!) }
      if (retired.changes) signRetentionsAgain(this.db.$client, before, key, at.getTime())
      return key
    })
  }

  /** The generated key that signs, made (and recorded) when there is none. */
  private storedOrGenerated(tx: Tx, at: Date): KeyRow {
    const stored = tx
      .select()
      .from(manifestKeys)
      .where(and(isNull(manifestKeys.retiredAt), isNotNull(manifestKeys.privateKey)))
      .orderBy(desc(manifestKeys.createdAt))
      .get()
    if (stored) return stored
    const pair = generateKeyPairSync('ed25519')
    const created = {
      id: keyIdOf(pair.publicKey),
      publicKey: rawPublicKey(pair.publicKey).toString('base64'),
      privateKey: (pair.privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer).toString('base64'),
      source: 'generated' as const,
      createdAt: at,
      retiredAt: null,
    }
    tx.insert(manifestKeys).values(created).run()
    return created
  }
}

/** A public key with the time it began signing and, once replaced, the time it was retired. */
export interface KnownKey {
  key: KeyObject
  createdAt: number | null
  retiredAt: number | null
}

/**
 * The stored public keys by id, for `verify` beside the database; empty for a database from before
 * signing (0.8). Such a database still holds its export manifests (since migration 0001): one with
 * neither table is no MiniConsent database, and throws (SQLite's "no such table") rather than read
 * as one without keys, which would call every signed manifest forged.
 */
export function storedPublicKeys(db: Db): Map<string, KnownKey> {
  if (!hasTable(db.$client, 'manifest_keys')) db.$client.prepare('SELECT 1 FROM export_manifests LIMIT 1').get()
  return storedVerifyKeys(db.$client)
}

/** Whether the database holds a signature for this export: a manifest of it without one was stripped. */
export function storedManifestSigned(db: Db, exportId: string): boolean {
  const exists = db.$client.prepare("SELECT 1 FROM pragma_table_info('export_manifests') WHERE name = 'signature'").get()
  if (!exists) return false
  return !!db.$client.prepare('SELECT 1 FROM export_manifests WHERE id = ? AND signature IS NOT NULL').get(exportId)
}

// How long after its retirement a key's signature is still taken (kept beside what the server
// signs in the database, which verification threads load without this module).
export { RETIRED_GRACE_MS } from './stored-signatures'

/**
 * Why a manifest that names a key and a signature is not one the holder of `keys` signed, or null:
 * the key unknown, the signature not over the manifest as read, or made after the key was retired
 * (a copy of the old private key). `from` names where the keys came from, for the report.
 */
export function signedManifestProblem(raw: Record<string, unknown>, manifest: ExportManifest, keys: Map<string, KnownKey>, from: string): string | null {
  const { keyId, signature } = manifest
  if (keyId === undefined) return 'the manifest has a signature but no keyId: it was altered'
  if (signature === undefined) return `the manifest names key ${keyId} but has no signature: it was altered`
  const known = keys.get(keyId)
  if (!known) {
    const held = keys.size ? ` (it holds ${[...keys.keys()].join(', ')})` : ' (it holds none)'
    return `the manifest names key ${keyId}, which is not in ${from}${held}: forged, or signed by another server`
  }
  if (!manifestSignatureValid(raw, known.key)) return `signature invalid for key ${keyId}: the manifest was changed after the server signed it, or forged`
  if (known.retiredAt !== null && Date.parse(manifest.createdAt) > known.retiredAt + RETIRED_GRACE_MS) {
    return retiredKeyProblem(keyId, known.retiredAt, `the manifest is dated ${manifest.createdAt}`)
  }
  return null
}
