// The per-site hash chain over the consent log (SPEC §7): editing, deleting or inserting a record
// breaks it. `hash = sha256(prev_hash + canonical JSON of the record's stored fields)`; the first
// record of a site links to 64 zeros. Shared by ingestion, the CLI and the admin verify route.
import { hash } from 'node:crypto'
import type { ChainVerification, ExportManifest } from '@miniconsent/shared'
import type Database from 'better-sqlite3'
import { canonicalJson } from '../lib/canonical-json'
import { ANCHOR_COLUMNS, ANCHOR_RETENTION_COLUMN, anchorCheck, manifestProblem, storedErasureCheck, storedVerifyKeys, type AnchorRow, type ErasureCheck, type StoredKey, type StoredManifest } from './stored-signatures'

export const GENESIS_HASH = '0'.repeat(64)

/** The stored fields covered by the hash: everything but the row id and the two hashes. */
export interface ChainedFields {
  siteId: string
  seq: number
  recordId: string
  consentId: string
  revision: number
  textsHash: string | null
  categories: Record<string, boolean>
  services: Record<string, boolean>
  method: string
  region: string | null
  mode: string
  language: string
  url: string
  userAgent: string | null
  ip: string | null
  gpc: boolean
  clientTime: string
  serverTime: string
}

/**
 * The personal fields (SPEC §7): what a data-subject erasure blanks. A record's hash covers them
 * through `personalHash` only, so that an erased record (a tombstone) can still be recomputed.
 */
export interface PersonalFields {
  consentId: string
  ip: string | null
  url: string
  userAgent: string | null
}

/** A string JSON.stringify() gives back quoted and unchanged: printable ASCII but `"` and `\`. */
const PLAIN_JSON_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/

/**
 * JSON.stringify(v), the same text, without the call for a string that needs no escape (the ids,
 * times, hashes and names that make up most of a record: ~0.5 µs a record less in the writer thread).
 */
const jsonValue = (v: unknown): string => (typeof v === 'string' && PLAIN_JSON_STRING.test(v) ? `"${v}"` : JSON.stringify(v))

/**
 * SHA-256 of the personal fields' canonical JSON, kept when they are erased. Like the erasure's
 * audit entry (which names the consentId by its hash), it confirms a guess of all four values and
 * reveals none of them; an SDK consentId carries 96 random bits.
 */
export function personalHash(f: PersonalFields): string {
  const s = jsonValue
  return hash('sha256', `{"consentId":${s(f.consentId)},"ip":${s(f.ip)},"url":${s(f.url)},"userAgent":${s(f.userAgent)}}`, 'hex')
}

/** A record's hash format: 1 before 0.6, 2 since. */
export type HashFormat = 1 | 2

/**
 * The hashed payload (format 2, every record written since 0.6): canonical JSON (sorted keys, no
 * whitespace) of the fields below with `personalHash` in place of the personal fields, the
 * previous record's format (`prevFormat`: 2 at the chain's start and after a purge anchor) and
 * `"v":2`. `prevFormat` makes the next record vouch for this one's format: a record passed off as
 * format 1 (its personal hash removed, so that its hash is no longer recomputed) breaks the next
 * record's hash. Written out key by key because a generic canonical serialiser dominated the cost
 * of ingestion and verify. Listed field by field so that a column added later does not silently
 * change old hashes. `prevFormat` null: the payload of 0.6.0, the first release of format 2, which
 * had no `prevFormat` (its records are read by that payload, contentProblem). `categories` and
 * `services`: their canonical JSON, when the caller has it already (the writer stores the same text).
 */
export function recordPayload(
  f: ChainedFields,
  personal: string,
  prevFormat: HashFormat | null,
  categories: string = canonicalJson(f.categories),
  services: string = canonicalJson(f.services),
): string {
  const s = jsonValue
  return (
    `{"categories":${categories},"clientTime":${s(f.clientTime)},"gpc":${f.gpc},"language":${s(f.language)}` +
    `,"method":${s(f.method)},"mode":${s(f.mode)},"personalHash":${s(personal)}${prevFormat === null ? '' : `,"prevFormat":${prevFormat}`}` +
    `,"recordId":${s(f.recordId)},"region":${s(f.region)}` +
    `,"revision":${s(f.revision)},"seq":${s(f.seq)},"serverTime":${s(f.serverTime)},"services":${services}` +
    `,"siteId":${s(f.siteId)},"textsHash":${s(f.textsHash)},"v":2}`
  )
}

/**
 * Format 1 (records written before 0.6, whose `personal_hash` is NULL): the canonical JSON of
 * every field, the personal ones included. Such a record's hash cannot be recomputed once erased,
 * which let an erased record's decision be edited unnoticed; format 2 closed that.
 */
export function recordPayloadV1(f: ChainedFields): string {
  const s = JSON.stringify
  return (
    `{"categories":${canonicalJson(f.categories)},"clientTime":${s(f.clientTime)},"consentId":${s(f.consentId)}` +
    `,"gpc":${f.gpc},"ip":${s(f.ip)},"language":${s(f.language)},"method":${s(f.method)},"mode":${s(f.mode)}` +
    `,"recordId":${s(f.recordId)},"region":${s(f.region)},"revision":${s(f.revision)},"seq":${s(f.seq)}` +
    `,"serverTime":${s(f.serverTime)},"services":${canonicalJson(f.services)},"siteId":${s(f.siteId)}` +
    `,"textsHash":${s(f.textsHash)},"url":${s(f.url)},"userAgent":${s(f.userAgent)}}`
  )
}

/**
 * A new record's hash (format 2), given its personal hash and the previous record's format (and,
 * optionally, its choices' canonical JSON: see recordPayload).
 * One-shot hash(): no Hash object per record (~1.2 µs of the ~2 µs createHash() took, measured).
 */
export function recordHash(
  prevHash: string,
  fields: ChainedFields,
  personal: string = personalHash(fields),
  prevFormat: HashFormat | null = 2,
  categories?: string,
  services?: string,
): string {
  return hash('sha256', prevHash + recordPayload(fields, personal, prevFormat, categories, services), 'hex')
}

export function recordHashV1(prevHash: string, fields: ChainedFields): string {
  return hash('sha256', prevHash + recordPayloadV1(fields), 'hex')
}

export interface StoredRow extends Omit<ChainedFields, 'categories' | 'services' | 'gpc'> {
  categories: string
  services: string
  /** As stored: 0 or 1, or whatever an edited row holds (contentProblem reports it); true or false read from a file. */
  gpc: unknown
  prevHash: string
  hash: string
  /** Set on a tombstone left by a data-subject erasure. */
  erasedAt?: string | null
  /** personalHash() of the record as written (format 2); null or absent on a format-1 record. */
  personalHash?: string | null
  /** The server's signature of the erasure (stored-signatures.ts); absent where not read (export files). */
  erasureSignature?: string | null
}

/** A StoredRow's columns of consent_records, for a SELECT. */
export const STORED_ROW_COLUMNS = `site_id AS siteId, seq, record_id AS recordId, consent_id AS consentId, revision, texts_hash AS textsHash,
  categories, services, method, region, mode, language, url, user_agent AS userAgent, ip, gpc,
  client_time AS clientTime, server_time AS serverTime, prev_hash AS prevHash, hash, personal_hash AS personalHash,
  erased_at AS erasedAt, erasure_signature AS erasureSignature`

/** What an erasure leaves in a record's personal fields. */
export const ERASED_CONSENT_ID = 'erased'

/**
 * `count` includes the first bad record when there is one; `head` is then the hash of the last
 * good record. On an intact chain, compare `head` with an exported manifest to detect a cut tail.
 */
export type VerifyResult = ChainVerification

/** Where verification starts: genesis, or the newest record a retention purge removed. */
export interface ChainStart {
  seq: number
  hash: string
  purgedCount?: number
  /** The format of the record at `seq`; unknown (absent) at a purge anchor. */
  format?: HashFormat
}

export const formatOf = (row: { personalHash?: string | null }): HashFormat => (typeof row.personalHash === 'string' ? 2 : 1)

function parseChoices(text: string): Record<string, boolean> | null {
  try {
    const v: unknown = JSON.parse(text)
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, boolean>) : null
  } catch {
    return null
  }
}

/** Why a row is not its chain's next link, or null when it is (content not checked). */
export function linkProblem(row: { seq: number; prevHash: string }, expectedSeq: number, prev: string): string | null {
  if (row.seq !== expectedSeq) {
    return row.seq > expectedSeq
      ? `expected seq ${expectedSeq} but found ${row.seq}: record ${expectedSeq} was deleted`
      : `seq ${row.seq} appears where ${expectedSeq} was expected: the sequence was rewritten`
  }
  if (row.prevHash !== prev) {
    return `prev_hash does not match the hash of record ${row.seq - 1}: a record before it was inserted, deleted or edited`
  }
  return null
}

/**
 * Why a chain without a purge anchor starts at `seq` rather than 1: its first records were deleted,
 * or, when retention purged them, the anchor that stands for them was.
 */
const missingStart = (seq: number) =>
  `expected seq 1 but found ${seq}: ${seq === 2 ? 'record 1 was' : `records 1 to ${seq - 1} were`} deleted, or the purge anchor that retention keeps in their place`

/** Whether the row's personal fields are blank, as an erasure leaves them. */
const blanked = (row: StoredRow) => row.consentId === ERASED_CONSENT_ID && row.ip === null && row.userAgent === null && row.url === ''

/**
 * Why a row's own hash does not match its content, or null. Format 2 recomputes every record,
 * tombstones too (their personal hash is kept), given the previous record's format (null when
 * unknown). A format-1 tombstone cannot be recomputed (its personal fields are gone): it must at
 * least hold no personal data.
 */
export function contentProblem(row: StoredRow, prevFormat: HashFormat | null): string | null {
  if (row.erasedAt && !blanked(row)) return 'marked erased but still holds personal fields: the record was edited'
  // Hashed as a boolean, read by the listing as `1` or not: any other value passes for both (the
  // exports write it as stored, so that a file's check reports it too).
  if (row.gpc !== 0 && row.gpc !== 1 && row.gpc !== true && row.gpc !== false) return 'gpc is neither 0 nor 1: the record was edited'
  const format2 = formatOf(row) === 2
  if (!format2 && row.erasedAt) return null
  const categories = parseChoices(row.categories)
  const services = parseChoices(row.services)
  if (!categories || !services) return 'categories or services are not valid JSON: the record was edited'
  // The text as stored must be the one hashed: JSON with a repeated key parses to one value here
  // and is read as another by SQLite's JSON functions (statistics, exports).
  if (canonicalJson(categories) !== row.categories || canonicalJson(services) !== row.services) {
    return 'categories or services are not stored as written: the record was edited'
  }
  const fields = { ...row, categories, services, gpc: Boolean(row.gpc) }
  if (format2) {
    if (!row.erasedAt && personalHash(row) !== row.personalHash) return "personal_hash does not match the record's personal fields: the record was edited"
    // The previous record's format is unknown after a purge anchor and in a filtered export: either may match.
    // Last, the payload of 0.6.0, which had no prevFormat: records it wrote stay verifiable. A
    // record it wrote vouches for nothing of the one before; what prevFormat guards against there,
    // a format-2 record passed off as a format-1 tombstone, is a tombstone without the server's
    // signature since 0.8.5 (stored-signatures.ts), and a file that is not its signed manifest's.
    const formats: (HashFormat | null)[] = prevFormat === null ? [2, 1, null] : [prevFormat, null]
    return formats.some((f) => recordHash(row.prevHash, fields, row.personalHash!, f) === row.hash)
      ? null
      : "hash does not match the record's content: the record or the one before it was edited"
  }
  return recordHashV1(row.prevHash, fields) === row.hash ? null : "hash does not match the record's content: the record was edited"
}

/**
 * Records are written in format 2 since 0.6, so a format-1 record may only come before the first
 * format-2 one: otherwise someone removed a tombstone's personal hash to make it unverifiable.
 */
export function formatProblem(row: StoredRow, afterFormat2: boolean): string | null {
  return afterFormat2 && formatOf(row) === 1
    ? 'has no personal_hash but follows a record that has one: the record was edited'
    : null
}

/**
 * A chain head an export manifest recorded (export_manifests.chain_head_seq and _hash): the log
 * reached `seq`, and the record there had `hash`. Kept in the same database as the log, it shows
 * newest records deleted, which the chain itself cannot: a cut tail leaves a sound chain.
 */
export interface SeenHead {
  seq: number
  hash: string
  /** The manifest, as a report names it: `export manifest <id> of <time>`. */
  seenBy: string
}

/** Why a row is not the record a manifest saw at its seq, or null (also when no manifest saw it). */
function seenProblem(row: StoredRow, seen: SeenHead | undefined): string | null {
  if (!seen || seen.hash === row.hash) return null
  return `hash is not the one ${seen.seenBy} recorded for seq ${row.seq}: this record or one before it was rewritten and the hashes recomputed`
}

/**
 * Why a head that no record's seq matches is a finding: its seq lies between two records' (or just
 * past the newest). manifestHeads keeps such a head from the stored manifests (headProblem), and a
 * saved manifest's is a whole number: this is for any other caller.
 */
const unheldProblem = (h: SeenHead) => `${h.seenBy} recorded a chain head at seq ${h.seq}, which no record has: the manifest was edited`

/** The heads to check, in seq order, without those at or before the chain's start (purged by retention, or genesis). */
function headsAfter(seen: readonly SeenHead[], startSeq: number): SeenHead[] {
  return seen.filter((h) => h.seq > startSeq).sort((a, b) => a.seq - b.seq)
}

/**
 * Walks a site's records in seq order and stops at the first one that breaks the chain. `seen`
 * are the heads the site's export manifests recorded: each record there must still exist with
 * the hash the manifest saw. An erased record (tombstone) keeps its hash, so it still matches;
 * `erasures` checks that its erasure is the server's (rows as stored; export files carry none).
 */
export function verifyChain(
  rows: Iterable<StoredRow>,
  start: ChainStart | null = null,
  seen: readonly SeenHead[] = [],
  erasures: ErasureCheck | null = null,
): VerifyResult {
  const startSeq = start?.seq ?? 0
  let expectedSeq = startSeq + 1
  let prev = start?.hash ?? GENESIS_HASH
  let count = 0
  let erased = 0
  /** The erased records' seqs by the time of their erasure (one data-subject request). */
  const erasedWhen = new Map<string, number[]>()
  const extra = () => ({
    ...(erased ? { erased, erasures: [...erasedWhen].map(([erasedAt, seqs]) => ({ erasedAt, seqs })).sort((a, b) => (a.erasedAt < b.erasedAt ? -1 : a.erasedAt > b.erasedAt ? 1 : 0)) } : {}),
    ...(start ? { anchor: { seq: start.seq, hash: start.hash, purgedCount: start.purgedCount ?? start.seq } } : {}),
  })
  // A head at the purge anchor's own seq is checked against the anchor, which holds that record's hash.
  const atStart = start ? seen.find((h) => h.seq === startSeq && h.hash !== start.hash) : undefined
  if (atStart) {
    // Closes a statement's iterator that will not be walked (its connection stays busy otherwise).
    rows[Symbol.iterator]().return?.()
    const reason = `the chain starts after the purge anchor at seq ${startSeq}, but its hash is not the one ${atStart.seenBy} recorded for that seq: the anchor or the records before it were rewritten`
    return { ok: false, count: 0, head: start!.hash, firstBad: { seq: startSeq, reason }, ...extra() }
  }
  const heads = headsAfter(seen, startSeq)
  let nextHead = 0
  let format2 = false
  // The chain's start counts as format 2; a purge anchor does not know its record's format.
  let prevFormat: HashFormat | null = start ? (start.format ?? null) : 2
  for (const row of rows) {
    let problem = (expectedSeq === 1 && row.seq > 1 ? missingStart(row.seq) : linkProblem(row, expectedSeq, prev)) ?? formatProblem(row, format2) ?? contentProblem(row, prevFormat) ?? erasures?.(row) ?? null
    // Seqs run on without a gap past linkProblem, so every head up to this row's seq is passed here,
    // each once: one at its seq is compared with it, one below it names a seq no record has. Never
    // wait for an exact match to move on, or one such head would keep every later one unchecked.
    while (!problem && nextHead < heads.length && heads[nextHead]!.seq <= row.seq) {
      const head = heads[nextHead++]!
      problem = head.seq === row.seq ? seenProblem(row, head) : unheldProblem(head)
    }
    if (problem) return { ok: false, count: count + 1, head: prev, firstBad: { seq: row.seq, reason: problem }, ...extra() }
    prevFormat = formatOf(row)
    format2 ||= prevFormat === 2
    if (row.erasedAt) {
      erased += 1
      const seqs = erasedWhen.get(row.erasedAt)
      if (seqs) seqs.push(row.seq)
      else erasedWhen.set(row.erasedAt, [row.seq])
    }
    prev = row.hash
    expectedSeq += 1
    count += 1
  }
  // A manifest saw records past the end: the newest ones were deleted. Named like a missing record.
  const furthest = heads.at(-1)
  if (furthest && furthest.seq >= expectedSeq) {
    const end = expectedSeq - 1
    const reason = `the log ends at seq ${end}, but ${furthest.seenBy} saw it reach seq ${furthest.seq}: the records after seq ${end} were deleted`
    return { ok: false, count: count + 1, head: prev, firstBad: { seq: expectedSeq, reason }, ...extra() }
  }
  // Left over below the next seq: a head between the newest record's seq and the next.
  const unheld = heads[nextHead]
  if (unheld) return { ok: false, count: count + 1, head: prev, firstBad: { seq: expectedSeq, reason: unheldProblem(unheld) }, ...extra() }
  return { ok: true, count, head: prev, ...extra() }
}

/**
 * `check`, and a record that an erasure's audit entry lists among its tombstones but that holds
 * no erasure mark: its personal fields and consentId were written back (from a backup, say), and
 * its hash, made of them, matches again. An entry not readable as the server writes it is passed over.
 */
function undoneErasureCheck(conn: Database.Database, siteId: string, check: ErasureCheck): ErasureCheck {
  const erasedAt = new Map<number, string>()
  const entries = conn.prepare("SELECT after FROM audit_log WHERE site_id = ? AND action = 'consents.erase'").pluck().iterate(siteId) as Iterable<unknown>
  for (const after of entries) {
    let entry: { seqs?: unknown; erasedAt?: unknown }
    try {
      entry = typeof after === 'string' ? (JSON.parse(after) as typeof entry) : {}
    } catch {
      continue
    }
    if (!Array.isArray(entry?.seqs) || typeof entry.erasedAt !== 'string') continue
    for (const seq of entry.seqs) if (Number.isSafeInteger(seq)) erasedAt.set(seq as number, entry.erasedAt)
  }
  if (erasedAt.size === 0) return check
  return (row) => {
    const when = row.erasedAt ? undefined : erasedAt.get(row.seq)
    return when ? `the erasure of ${when} made this record a tombstone (its audit entry lists it), but it is marked erased no more and holds personal fields again: the erasure was undone` : check(row)
  }
}

/**
 * The chain head of a manifest an auditor saved outside the database (its signature checked by
 * the caller): the one anchor that deleting the manifest's row, or the newest records with every
 * stored manifest, cannot remove.
 */
export interface SavedManifestHead {
  exportId: string
  createdAt: string
  seq: number
  hash: string
}

export const savedManifestHead = (m: ExportManifest): SavedManifestHead => ({ exportId: m.exportId, createdAt: m.createdAt, seq: m.chainHead.seq, hash: m.chainHead.hash })

/**
 * What verification holds each stored record to besides the chain itself: a tombstone bears the
 * server's signature (stored-signatures.ts), and no erasure its audit entry lists was undone.
 */
export function storedErasures(conn: Database.Database, siteId: string, keys: Map<string, StoredKey>): ErasureCheck {
  return undoneErasureCheck(conn, siteId, storedErasureCheck(keys))
}

/**
 * The chain heads the site's export manifests recorded, completed or not (each read a snapshot of
 * the log), and the manifests whose head cannot be trusted (stored-signatures.ts manifestProblem):
 * those are no heads to check against, and are reported themselves.
 */
export function manifestHeads(conn: Database.Database, siteId: string, keys: Map<string, StoredKey>): { heads: SeenHead[]; untrusted: string[] } {
  const rows = conn
    .prepare(
      `SELECT id, site_id AS siteId, format, filters, row_count AS rowCount, sha256, chain_head_seq AS chainHeadSeq,
              chain_head_hash AS chainHeadHash, created_at AS createdAt, completed_at AS completedAt, created_by_email AS createdByEmail, key_id AS keyId, signature
         FROM export_manifests WHERE site_id = ? ORDER BY created_at, id`,
    )
    .all(siteId) as StoredManifest[]
  const heads: SeenHead[] = []
  const untrusted: string[] = []
  for (const m of rows) {
    const seenBy = `export manifest ${m.id} of ${new Date(m.createdAt).toISOString()}`
    const problem = manifestProblem(m, keys)
    if (problem) untrusted.push(`${seenBy} ${problem}, so the chain head it recorded cannot be trusted`)
    else if (m.chainHeadSeq !== null && m.chainHeadHash !== null) heads.push({ seq: m.chainHeadSeq, hash: m.chainHeadHash, seenBy })
  }
  return { heads, untrusted }
}

/**
 * Verifies a site's chain as stored: from its purge anchor (or genesis) through every record in
 * seq order, against the heads its export manifests recorded. On a connection others purge
 * through, call it inside one read transaction, so that the anchor, the manifests and the records
 * are of the same moment (verify-worker.ts).
 */
export function verifyStoredChain(conn: Database.Database, siteId: string, saved?: SavedManifestHead): VerifyResult {
  // The anchor and the records from one snapshot: a purge committed between the two reads would
  // otherwise make a sound chain look cut (the CLI's connection, beside a running server).
  if (!conn.inTransaction) {
    conn.exec('BEGIN')
    try {
      return verifyStoredChain(conn, siteId, saved)
    } finally {
      if (conn.inTransaction) conn.exec('COMMIT')
    }
  }
  // Read before iterating: better-sqlite3 allows no other query while an iterator is open.
  // The anchor's signature: a database from before 0.8.6, read here without migrating it, has none.
  const signedAnchors = !!conn.prepare("SELECT 1 FROM pragma_table_info('chain_anchors') WHERE name = 'signature'").get()
  // The retention its purge acted on, which its signature covers: none before migration 0017.
  const retentionAnchors = !!conn.prepare("SELECT 1 FROM pragma_table_info('chain_anchors') WHERE name = 'retention_days'").get()
  const anchor = conn
    .prepare(
      `SELECT ${ANCHOR_COLUMNS}${signedAnchors ? ', signature' : ''}${retentionAnchors ? `, ${ANCHOR_RETENTION_COLUMN}` : ''} FROM chain_anchors WHERE site_id = ?`,
    )
    .get(siteId) as (ChainStart & AnchorRow & { signature?: string | null }) | undefined
  const keys = storedVerifyKeys(conn)
  // Records before a forged anchor were deleted by hand: nothing after it proves otherwise.
  const anchorSigned = anchor ? anchorCheck(anchor, keys) : null
  const forged = anchorSigned?.problem
  if (anchor && forged) {
    const start = { anchor: { seq: anchor.seq, hash: anchor.hash, purgedCount: anchor.purgedCount } }
    return { ok: false, count: 0, head: anchor.hash, firstBad: { seq: anchor.seq, reason: forged }, ...start }
  }
  const { heads: stored, untrusted } = manifestHeads(conn, siteId, keys)
  const seen = saved ? [...stored, { seq: saved.seq, hash: saved.hash, seenBy: `the saved manifest of export ${saved.exportId} (${saved.createdAt})` }] : stored
  const erasures = storedErasures(conn, siteId, keys)
  const rows = conn.prepare(`SELECT ${STORED_ROW_COLUMNS} FROM consent_records WHERE site_id = ? ORDER BY seq`).iterate(siteId) as Iterable<StoredRow>
  const chain = verifyChain(rows, anchor ?? null, seen, erasures)
  // The retention the last purge acted on, as signed with the anchor (checked above); none when
  // the anchor was last moved by a version that did not sign it (anchorCheck).
  const retentionDays = anchorSigned?.retentionDays
  const checked = chain.anchor && typeof retentionDays === 'number' ? { ...chain, anchor: { ...chain.anchor, retentionDays } } : chain
  // The saved manifest's head is checked unless retention purged it since (below the anchor's
  // seq); a manifest of the log while it was empty vouches for no record, whatever was purged since.
  const result = saved
    ? { ...checked, savedManifest: { exportId: saved.exportId, createdAt: saved.createdAt, seq: saved.seq, checked: saved.seq === 0 || saved.seq >= (anchor?.seq ?? 0) } }
    : checked
  if (!result.ok || untrusted.length === 0) return result
  // Every record fits; a manifest whose head cannot be trusted is named as what comes after them:
  // records the log no longer holds, which the manifest may have seen.
  const next = (anchor?.seq ?? 0) + result.count + 1
  const after = next > 1 ? `records after seq ${next - 1}, the newest the log holds, may have been deleted` : 'records may have been deleted'
  return { ...result, ok: false, count: result.count + 1, firstBad: { seq: next, reason: `${untrusted[0]!}: ${after}` } }
}
