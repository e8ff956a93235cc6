// Fills a consent log fast for the benchmarks: one transaction, one prepared INSERT, the hash
// chain computed exactly as ingestion does (so `verify` passes on the result).
import { randomUUID } from 'node:crypto'
import { canonicalJson } from '../src/lib/canonical-json'
import type { Db } from '../src/db/client'
import { GENESIS_HASH, personalHash, recordHash, type ChainedFields } from '../src/services/consent-chain'

const METHODS = ['accept-all', 'accept-all', 'accept-all', 'reject-all', 'custom', 'withdraw'] as const
const REGIONS = ['DE', 'FR', 'US-CA', 'GB', null] as const

/** Appends `count` chained records to `siteId`'s log, spread over the last `spanDays` days. */
export function generateRecords(db: Db, siteId: string, count: number, o: { now?: number; spanDays?: number } = {}): void {
  const now = o.now ?? Date.now()
  const span = (o.spanDays ?? 30) * 86_400_000
  const c = db.$client
  const head = c.prepare('SELECT seq, hash FROM consent_records WHERE site_id = ? ORDER BY seq DESC LIMIT 1').get(siteId) as
    | { seq: number; hash: string }
    | undefined
  const insert = c.prepare(
    `INSERT INTO consent_records (site_id, seq, record_id, consent_id, revision, texts_hash, categories, services, method, region,
       mode, language, url, user_agent, ip, gpc, client_time, server_time, prev_hash, hash, personal_hash)
     VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, 'opt-in', 'en', ?, ?, ?, 0, ?, ?, ?, ?, ?)`,
  )
  const textsHash = 'a'.repeat(64)
  // Random recordIds spread index writes over the whole file: a large page cache keeps them in memory.
  c.pragma('cache_size = -2000000')
  c.transaction(() => {
    let seq = head?.seq ?? 0
    let prev = head?.hash ?? GENESIS_HASH
    for (let i = 0; i < count; i++) {
      seq += 1
      const method = METHODS[i % METHODS.length]!
      const granted = method === 'accept-all' || (method === 'custom' && i % 2 === 0)
      const time = new Date(now - span + Math.floor((i / count) * span)).toISOString()
      const fields: ChainedFields = {
        siteId,
        seq,
        recordId: randomUUID(),
        consentId: `v${(i * 7919) % (count / 2 + 1)}-bench`.padEnd(12, 'x'),
        revision: 1,
        textsHash,
        categories: { essential: true, analytics: granted, marketing: granted && i % 3 === 0 },
        services: { 'google-analytics': granted },
        method,
        region: REGIONS[i % REGIONS.length]!,
        mode: 'opt-in',
        language: 'en',
        url: `https://www.example.test/page/${i % 500}`,
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
        ip: `198.51.${(i >> 8) & 255}.0`,
        gpc: false,
        clientTime: time,
        serverTime: time,
      }
      const personal = personalHash(fields)
      const hash = recordHash(prev, fields, personal)
      insert.run(
        siteId, seq, fields.recordId, fields.consentId, textsHash, canonicalJson(fields.categories), canonicalJson(fields.services),
        method, fields.region, fields.url, fields.userAgent, fields.ip, fields.clientTime, fields.serverTime, prev, hash, personal,
      )
      prev = hash
    }
  })()
}
