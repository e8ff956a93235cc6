// The per-site hash chain over the consent log (SPEC §7): editing, deleting or inserting a record
// breaks it. `hash = sha256(prev_hash + canonical JSON of the record's stored fields)`; the first
// record of a site links to 64 zeros. Shared by ingestion, the CLI and the admin verify route.
import { createHash } from 'node:crypto'
import type { ChainVerification } from '@miniconsent/shared'
import { canonicalJson } from '../lib/canonical-json'

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

export function recordHash(prevHash: string, fields: ChainedFields): string {
  const f = fields
  // Listed field by field so that a column added later does not silently change old hashes.
  const payload = canonicalJson({
    siteId: f.siteId,
    seq: f.seq,
    recordId: f.recordId,
    consentId: f.consentId,
    revision: f.revision,
    textsHash: f.textsHash,
    categories: f.categories,
    services: f.services,
    method: f.method,
    region: f.region,
    mode: f.mode,
    language: f.language,
    url: f.url,
    userAgent: f.userAgent,
    ip: f.ip,
    gpc: f.gpc,
    clientTime: f.clientTime,
    serverTime: f.serverTime,
  })
  return createHash('sha256').update(prevHash + payload).digest('hex')
}

export interface StoredRow extends Omit<ChainedFields, 'categories' | 'services' | 'gpc'> {
  categories: string
  services: string
  gpc: boolean | number
  prevHash: string
  hash: string
}

/**
 * `count` includes the first bad record when there is one; `head` is then the hash of the last
 * good record. On an intact chain, compare `head` with an exported manifest to detect a cut tail.
 */
export type VerifyResult = ChainVerification

function parseChoices(text: string): Record<string, boolean> | null {
  try {
    const v: unknown = JSON.parse(text)
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, boolean>) : null
  } catch {
    return null
  }
}

/** Walks a site's records in seq order and stops at the first one that breaks the chain. */
export function verifyChain(rows: Iterable<StoredRow>): VerifyResult {
  let expectedSeq = 1
  let prev = GENESIS_HASH
  let count = 0
  for (const row of rows) {
    const bad = (reason: string): VerifyResult => ({ ok: false, count: count + 1, head: prev, firstBad: { seq: row.seq, reason } })
    if (row.seq !== expectedSeq) {
      return bad(
        row.seq > expectedSeq
          ? `expected seq ${expectedSeq} but found ${row.seq}: record ${expectedSeq} was deleted`
          : `seq ${row.seq} appears where ${expectedSeq} was expected: the sequence was rewritten`,
      )
    }
    if (row.prevHash !== prev) {
      return bad(`prev_hash does not match the hash of record ${row.seq - 1}: a record before it was inserted, deleted or edited`)
    }
    const categories = parseChoices(row.categories)
    const services = parseChoices(row.services)
    if (!categories || !services) return bad('categories or services are not valid JSON: the record was edited')
    const hash = recordHash(row.prevHash, { ...row, categories, services, gpc: Boolean(row.gpc) })
    if (hash !== row.hash) return bad("hash does not match the record's content: the record was edited")
    prev = row.hash
    expectedSeq += 1
    count += 1
  }
  return { ok: true, count, head: prev }
}
