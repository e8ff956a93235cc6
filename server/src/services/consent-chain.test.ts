import { createHash, generateKeyPairSync } from 'node:crypto'
import { chainVerification } from '@miniconsent/shared'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { canonicalJson } from '../lib/canonical-json'
import { addUser, consentBody, json, send, signIn, startTestServer, type TestServer } from '../test-support'
import { STORED_ROW_COLUMNS, personalHash, recordHash, recordHashV1, recordPayload, recordPayloadV1, verifyChain, type StoredRow } from './consent-chain'
import { purgeSite } from './retention'
import { createApp } from '../app'
import { createLogger } from '../logger'
import { AuditLog } from './audit'
import { ConsentSubjects } from './consent-subjects'
import { ManifestKeys } from './manifest-keys'
import { signAnchor, signErasure, signStoredBeforeSigning, storedGeneratedKey, type ErasedRow, type StoredSigningKey } from './stored-signatures'

let t: TestServer
beforeEach(async () => {
  t = startTestServer()
  for (let i = 0; i < 5; i++) {
    t.clock.now += 1000
    expect((await t.request('/api/v1/consents', json(consentBody({ consentId: `visitor-${i}xyz` })))).status).toBe(201)
  }
  // Another site's chain is independent of acme's.
  expect((await t.request('/api/v1/consents', json(consentBody({ siteId: 'notice-only', categories: { essential: true }, services: {} })))).status).toBe(201)
})
afterEach(() => t.close())

const sql = (text: string, ...params: unknown[]) => t.db.$client.prepare(text).run(...params)

/**
 * A data-subject erasure of the record at `seq`, as the server makes it (ConsentSubjects: a signed
 * tombstone), with the server's keys (by default: the key generated in the database).
 */
function erase(seq: number, keys = new ManifestKeys(t.db, () => t.clock.now)) {
  const { consentId } = t.db.$client.prepare("SELECT consent_id AS consentId FROM consent_records WHERE site_id='acme' AND seq=?").get(seq) as { consentId: string }
  const now = () => t.clock.now
  return new ConsentSubjects(t.db, now, new AuditLog(t.db, now), keys).erase('acme', consentId, null)
}
/** Rewrites acme's chain as the releases wrote it: each record in format 1 (0.5), as 0.6.0 wrote format 2 (no prevFormat), or as since. */
function rewriteChain(writer: (seq: number) => '0.5' | '0.6.0' | 'current') {
  const rows = t.db.$client.prepare("SELECT * FROM consent_records WHERE site_id='acme' ORDER BY seq").all() as any[]
  let prev = '0'.repeat(64)
  let prevFormat: 1 | 2 = 2
  for (const r of rows) {
    const fields = {
      siteId: 'acme', seq: r.seq, recordId: r.record_id, consentId: r.consent_id, revision: r.revision, textsHash: r.texts_hash,
      categories: JSON.parse(r.categories), services: JSON.parse(r.services), method: r.method, region: r.region, mode: r.mode,
      language: r.language, url: r.url, userAgent: r.user_agent, ip: r.ip, gpc: Boolean(r.gpc), clientTime: r.client_time, serverTime: r.server_time,
    }
    const by = writer(r.seq)
    const hash = by === '0.5' ? recordHashV1(prev, fields) : recordHash(prev, fields, personalHash(fields), by === '0.6.0' ? null : prevFormat)
    sql(`UPDATE consent_records SET prev_hash=?, hash=?, personal_hash=? WHERE site_id='acme' AND seq=?`, prev, hash, by === '0.5' ? null : personalHash(fields), r.seq)
    prev = hash
    prevFormat = by === '0.5' ? 1 : 2
  }
}
/** Rewrites records 1 to `lastOld` as 0.5 wrote them (format 1: the hash over every field, no personal hash), and the rest after them. */
const writtenBefore06 = (lastOld: number) => rewriteChain((seq) => (seq <= lastOld ? '0.5' : 'current'))

/**
 * What a forger who knows the hashing does: record `from` of acme turned into a refusal, and every
 * hash from it on recomputed, so that the chain itself is sound.
 */
function rewriteFrom(from: number) {
  const rows = t.db.$client.prepare("SELECT * FROM consent_records WHERE site_id='acme' ORDER BY seq").all() as any[]
  let prev = '0'.repeat(64)
  for (const r of rows) {
    if (r.seq >= from) {
      const fields = {
        siteId: 'acme', seq: r.seq, recordId: r.record_id, consentId: r.consent_id, revision: r.revision, textsHash: r.texts_hash,
        categories: JSON.parse(r.categories), services: JSON.parse(r.services), method: r.seq === from ? 'reject-all' : r.method, region: r.region,
        mode: r.mode, language: r.language, url: r.url, userAgent: r.user_agent, ip: r.ip, gpc: Boolean(r.gpc), clientTime: r.client_time, serverTime: r.server_time,
      }
      r.hash = recordHash(prev, fields)
      sql(`UPDATE consent_records SET method=?, prev_hash=?, hash=? WHERE site_id='acme' AND seq=?`, fields.method, prev, r.hash, r.seq)
    }
    prev = r.hash
  }
}

/** A manifest row as an export writes it when it starts (none of what completion writes), written by hand. */
const unfinishedManifest = (id: string, seq: unknown, hash: unknown) =>
  sql(`INSERT INTO export_manifests (id, site_id, format, filters, chain_head_seq, chain_head_hash, created_at) VALUES (?, 'acme', 'csv', '{}', ?, ?, ?)`, id, seq, hash, t.clock.now)

/** What an erasure does to a record, done by hand: no signature (as before 0.8.5, or forged). */
const eraseByHand = (seq: number, erasedAt = '2026-11-23T00:00:00.000Z') =>
  sql(`UPDATE consent_records SET consent_id='erased', ip=NULL, user_agent=NULL, url='', erased_at=? WHERE site_id='acme' AND seq=?`, erasedAt, seq)

describe('consent log hash chain', () => {
  it('verifies an untouched log, per site', () => {
    const acme = t.consentLog.verify('acme')
    expect(acme).toMatchObject({ ok: true, count: 5 })
    expect(acme.head).toBe((t.db.$client.prepare("SELECT hash FROM consent_records WHERE site_id='acme' AND seq=5").get() as { hash: string }).hash)
    expect(t.consentLog.verify('notice-only')).toMatchObject({ ok: true, count: 1 })
    expect(t.consentLog.verify('nobody')).toMatchObject({ ok: true, count: 0 })
  })

  it('verifies records 0.6.0 wrote (format 2 without prevFormat), after 0.5 ones and before newer ones, and still finds an edit among them', () => {
    rewriteChain((seq) => (seq <= 1 ? '0.5' : seq <= 3 ? '0.6.0' : 'current'))
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 5 })
    rewriteChain(() => '0.6.0')
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 5 })
    sql(`UPDATE consent_records SET categories = '{"analytics":false,"essential":true}' WHERE site_id='acme' AND seq=2`)
    expect(t.consentLog.verify('acme').firstBad).toEqual({ seq: 2, reason: expect.stringContaining('edited') })
  })

  it('detects an edited record', () => {
    sql(`UPDATE consent_records SET categories = '{"analytics":false,"essential":true}' WHERE site_id='acme' AND seq=3`)
    const result = t.consentLog.verify('acme')
    expect(result.ok).toBe(false)
    expect(result.firstBad).toEqual({ seq: 3, reason: expect.stringContaining('edited') })
  })

  it('detects an edit that also recomputed that record’s own hash', () => {
    const row = t.db.$client.prepare("SELECT * FROM consent_records WHERE site_id='acme' AND seq=2").get() as Record<string, string>
    const forged = recordHash(row.prev_hash!, {
      siteId: 'acme', seq: 2, recordId: row.record_id!, consentId: row.consent_id!, revision: 1, textsHash: row.texts_hash!,
      categories: { analytics: false, essential: true }, services: JSON.parse(row.services!), method: 'reject-all', region: null,
      mode: 'opt-in', language: 'en', url: row.url!, userAgent: row.user_agent!, ip: row.ip!, gpc: false,
      clientTime: row.client_time!, serverTime: row.server_time!,
    })
    sql(
      `UPDATE consent_records SET categories=?, method='reject-all', hash=? WHERE site_id='acme' AND seq=2`,
      canonicalJson({ analytics: false, essential: true }),
      forged,
    )
    expect(t.consentLog.verify('acme').firstBad).toEqual({ seq: 3, reason: expect.stringContaining('prev_hash') })
  })

  it('detects a deleted record', () => {
    sql(`DELETE FROM consent_records WHERE site_id='acme' AND seq=2`)
    const result = t.consentLog.verify('acme')
    expect(result).toMatchObject({ ok: false, firstBad: { seq: 3 } })
    expect(result.firstBad?.reason).toMatch(/record 2 was deleted/)
  })

  it('detects an inserted record, even one whose own hash is consistent', () => {
    // Make room after seq 2 and forge a record there that links correctly to record 2.
    sql(`UPDATE consent_records SET seq = seq + 1000 WHERE site_id='acme' AND seq >= 3`)
    sql(`UPDATE consent_records SET seq = seq - 999 WHERE site_id='acme' AND seq >= 1003`)
    const prev = t.db.$client.prepare("SELECT hash FROM consent_records WHERE site_id='acme' AND seq=2").get() as { hash: string }
    const fields = {
      siteId: 'acme', seq: 3, recordId: '00000000-0000-4000-8000-000000000000', consentId: 'forged-visitor', revision: 1,
      textsHash: null, categories: { essential: true, analytics: true }, services: {}, method: 'accept-all', region: null,
      mode: 'opt-in', language: 'en', url: 'https://acme.test/', userAgent: null, ip: null, gpc: false,
      clientTime: '2026-11-22T10:00:02Z', serverTime: '2026-11-22T10:00:02.500Z',
    }
    sql(
      `INSERT INTO consent_records (site_id, seq, record_id, consent_id, revision, texts_hash, categories, services, method, region,
         mode, language, url, user_agent, ip, gpc, client_time, server_time, prev_hash, hash, personal_hash)
       VALUES ('acme', 3, ?, 'forged-visitor', 1, NULL, ?, '{}', 'accept-all', NULL, 'opt-in', 'en', 'https://acme.test/', NULL, NULL, 0, ?, ?, ?, ?, ?)`,
      fields.recordId, canonicalJson(fields.categories), fields.clientTime, fields.serverTime, prev.hash, recordHash(prev.hash, fields), personalHash(fields),
    )
    const result = t.consentLog.verify('acme')
    expect(result.ok).toBe(false)
    expect(result.firstBad?.seq).toBe(4)
    expect(t.consentLog.verify('notice-only').ok).toBe(true)
  })
})

describe('erased records (tombstones) and stored JSON', () => {
  it('still verifies an erased record, and detects an edit of its decision, revision or time', () => {
    erase(3)
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 5, erased: 1 })
    for (const edit of [
      `categories='{"analytics":false,"essential":true}'`,
      `method='reject-all'`,
      `revision=2`,
      `server_time='2026-11-22T09:00:00.000Z'`,
    ]) {
      const before = t.db.$client.prepare("SELECT * FROM consent_records WHERE site_id='acme' AND seq=3").get() as Record<string, unknown>
      sql(`UPDATE consent_records SET ${edit} WHERE site_id='acme' AND seq=3`)
      expect(t.consentLog.verify('acme').firstBad, edit).toEqual({ seq: 3, reason: expect.stringContaining('edited') })
      sql(`UPDATE consent_records SET categories=?, method=?, revision=?, server_time=? WHERE site_id='acme' AND seq=3`, before.categories, before.method, before.revision, before.server_time)
    }
    expect(t.consentLog.verify('acme').ok).toBe(true)
  })

  it('detects a record turned into a tombstone with another decision', () => {
    erase(2)
    sql(`UPDATE consent_records SET categories='{"analytics":false,"essential":true}', method='reject-all' WHERE site_id='acme' AND seq=2`)
    expect(t.consentLog.verify('acme').firstBad).toEqual({ seq: 2, reason: expect.stringContaining('edited') })
  })

  it("detects a tombstone whose personal hash was removed to make it unverifiable, or a forged one appended", () => {
    erase(4)
    sql(`UPDATE consent_records SET personal_hash=NULL, method='reject-all' WHERE site_id='acme' AND seq=4`)
    expect(t.consentLog.verify('acme').firstBad).toEqual({ seq: 4, reason: expect.stringContaining('personal_hash') })
    sql(`UPDATE consent_records SET personal_hash=NULL WHERE site_id='acme'`)
    const head = t.consentLog.verify('acme')
    expect(head.ok).toBe(false)
  })

  it('detects an appended tombstone that links to the head but was never written', () => {
    const head = t.db.$client.prepare("SELECT hash FROM consent_records WHERE site_id='acme' AND seq=5").get() as { hash: string }
    for (const personal of [null, 'a'.repeat(64)]) {
      sql(
        `INSERT INTO consent_records (site_id, seq, record_id, consent_id, revision, texts_hash, categories, services, method, region,
           mode, language, url, user_agent, ip, gpc, client_time, server_time, prev_hash, hash, personal_hash, erased_at)
         VALUES ('acme', 6, 'forged-record', 'erased', 1, NULL, '{"essential":true}', '{}', 'reject-all', NULL, 'opt-in', 'en', '', NULL, NULL, 0,
           '2026-11-22T10:00:09Z', '2026-11-22T10:00:09.000Z', ?, 'anything', ?, '2026-11-23T00:00:00.000Z')`,
        head.hash, personal,
      )
      expect(t.consentLog.verify('acme').firstBad?.seq).toBe(6)
      sql(`DELETE FROM consent_records WHERE site_id='acme' AND seq=6`)
    }
  })

  it('detects stored JSON rewritten with a repeated key, which SQLite reads as the other value', () => {
    const { categories } = t.db.$client.prepare("SELECT categories FROM consent_records WHERE site_id='acme' AND seq=1").get() as { categories: string }
    const analytics = (JSON.parse(categories) as Record<string, boolean>).analytics!
    // JavaScript keeps the last of a repeated key (the hash still matches), SQLite's JSON functions the first.
    sql(`UPDATE consent_records SET categories=? WHERE site_id='acme' AND seq=1`, `{"analytics":${!analytics},${categories.slice(1)}`)
    const read = t.db.$client.prepare("SELECT json_extract(categories, '$.analytics') AS a FROM consent_records WHERE site_id='acme' AND seq=1").get() as { a: number }
    expect(read.a).toBe(analytics ? 0 : 1)
    expect(t.consentLog.verify('acme').firstBad).toEqual({ seq: 1, reason: expect.stringContaining('not stored as written') })
  })

  it('verifies records written before 0.6 (format 1, no personal hash), erased ones included, ahead of newer ones; an erased one is held to the decision it had when erased', () => {
    writtenBefore06(3)
    erase(2)
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 5, erased: 1 })
    for (const seq of [3, 2]) {
      sql(`UPDATE consent_records SET method='reject-all' WHERE site_id='acme' AND seq=?`, seq)
      expect(t.consentLog.verify('acme').firstBad).toEqual({ seq, reason: expect.stringMatching(seq === 2 ? /signature does not match/ : /edited/) })
    }
  })

  it('detects the first record of format 2 passed off as format 1 once erased: its erasure signed its personal hash, and the record after it vouches for its format', () => {
    writtenBefore06(2)
    erase(3)
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 5, erased: 1 })
    sql(`UPDATE consent_records SET personal_hash=NULL, method='reject-all' WHERE site_id='acme' AND seq=3`)
    expect(t.consentLog.verify('acme').firstBad).toEqual({ seq: 3, reason: expect.stringContaining('signature does not match') })
    // With a signature that would match, the next record still tells.
    const problem = verifyChain(
      t.db.$client.prepare("SELECT site_id AS siteId, seq, record_id AS recordId, consent_id AS consentId, revision, texts_hash AS textsHash, categories, services, method, region, mode, language, url, user_agent AS userAgent, ip, gpc, client_time AS clientTime, server_time AS serverTime, prev_hash AS prevHash, hash, personal_hash AS personalHash, erased_at AS erasedAt FROM consent_records WHERE site_id='acme' ORDER BY seq").all() as StoredRow[],
    )
    expect(problem.firstBad).toEqual({ seq: 4, reason: expect.stringContaining('the one before it was edited') })
  })
})

describe('erasures only the server made', () => {
  it('detects personal fields blanked and marked erased by hand, which would cut a decision from its visitor', () => {
    eraseByHand(3)
    expect(t.consentLog.verify('acme').firstBad).toEqual({ seq: 3, reason: expect.stringContaining('no signature of this server') })
  })

  it("detects a tombstone's erasure time moved, or its signature taken from another tombstone", () => {
    erase(2)
    erase(4)
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, erased: 2 })
    sql(`UPDATE consent_records SET erased_at='2020-01-01T00:00:00.000Z' WHERE site_id='acme' AND seq=2`)
    expect(t.consentLog.verify('acme').firstBad).toEqual({ seq: 2, reason: expect.stringContaining("signature does not match") })
    erase(2)
    sql(`UPDATE consent_records SET erasure_signature=(SELECT erasure_signature FROM consent_records WHERE site_id='acme' AND seq=4) WHERE site_id='acme' AND seq=2`)
    expect(t.consentLog.verify('acme').firstBad?.seq).toBe(2)
  })

  it("detects an erasure undone by hand: the record's values written back from a backup and its erasure marks removed", () => {
    const before = t.db.$client.prepare("SELECT consent_id AS consentId, ip, user_agent AS userAgent, url FROM consent_records WHERE site_id='acme' AND seq=3").get() as Record<string, string | null>
    erase(3)
    // An audit entry the server did not write this way is passed over, not a crash.
    sql("INSERT INTO audit_log (at, site_id, action, before, after) VALUES (?, 'acme', 'consents.erase', NULL, 'not json')", t.clock.now)
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 5, erased: 1 })
    sql(
      `UPDATE consent_records SET consent_id=?, ip=?, user_agent=?, url=?, erased_at=NULL, erasure_signature=NULL WHERE site_id='acme' AND seq=3`,
      before.consentId, before.ip, before.userAgent, before.url,
    )
    expect(t.consentLog.verify('acme').firstBad).toEqual({ seq: 3, reason: expect.stringMatching(/^the erasure of \S+ made this record a tombstone \(its audit entry lists it\).*the erasure was undone$/) })
    // Another site's erasures say nothing of acme's records.
    expect(t.consentLog.verify('notice-only')).toMatchObject({ ok: true })
  })

  it('detects a record of before 0.6 (format 1) marked erased by hand and its decision rewritten', () => {
    writtenBefore06(5)
    expect(t.consentLog.verify('acme').ok).toBe(true)
    eraseByHand(2)
    sql(`UPDATE consent_records SET categories='{"analytics":false,"essential":true}', method='reject-all', gpc=0 WHERE site_id='acme' AND seq=2`)
    expect(t.consentLog.verify('acme').firstBad).toEqual({ seq: 2, reason: expect.stringContaining('no signature of this server') })
  })

  it('refuses to erase, and so to sign, a record of before 0.6 whose decision was rewritten: verification goes on reporting it', () => {
    writtenBefore06(3)
    sql(`UPDATE consent_records SET method='reject-all', categories='{"analytics":false,"essential":true}' WHERE site_id='acme' AND seq=2`)
    const broken = { ok: false, firstBad: { seq: 2, reason: expect.stringContaining('hash does not match') } }
    expect(t.consentLog.verify('acme')).toMatchObject(broken)
    expect(erase(2)).toEqual({ erased: 0, identities: 0, documents: 0, refused: [{ seq: 2, reason: expect.stringContaining('hash does not match') }] })
    expect(t.consentLog.verify('acme')).toMatchObject(broken)
    expect(t.db.$client.prepare("SELECT consent_id, erased_at, erasure_signature FROM consent_records WHERE site_id='acme' AND seq=2").get()).toEqual({ consent_id: 'visitor-1xyz', erased_at: null, erasure_signature: null })
  })

  it("erases a visitor's own records but not one reassigned to their consentId in the database, which stays reported", () => {
    sql(`UPDATE consent_records SET consent_id='visitor-4xyz' WHERE site_id='acme' AND seq=2`)
    const broken = { ok: false, firstBad: { seq: 2, reason: expect.stringContaining('personal_hash does not match') } }
    expect(t.consentLog.verify('acme')).toMatchObject(broken)
    expect(erase(5)).toEqual({ erased: 1, identities: 0, documents: 0, refused: [{ seq: 2, reason: expect.stringContaining('personal_hash does not match') }] })
    expect(t.consentLog.verify('acme')).toMatchObject(broken)
    const erased = t.db.$client.prepare("SELECT seq FROM consent_records WHERE site_id='acme' AND erased_at IS NOT NULL").pluck().all()
    expect(erased).toEqual([5])
    // Its audit entry says which record was left, and why.
    const audit = JSON.parse(t.db.$client.prepare("SELECT after FROM audit_log WHERE action = 'consents.erase'").pluck().get() as string) as Record<string, unknown>
    expect(audit).toMatchObject({ erased: 1, seqs: [5], refused: [{ seq: 2, reason: expect.stringContaining('personal_hash does not match') }] })
  })

  it('signs, at the first start after the upgrade only, the tombstones of erasures made before they were signed', () => {
    // A database of before 0.8.5: its tombstones bear no signature, and no start has signed them.
    eraseByHand(4)
    sql(`DELETE FROM startup_tasks WHERE name = 'sign-erasures'`)
    expect(t.consentLog.verify('acme').ok).toBe(false)
    const lines: string[] = []
    const start = () => createApp({ db: t.db, env: { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: undefined, TRUST_PROXY: false }, logger: createLogger('info', (l) => lines.push(l)), now: () => t.clock.now, consentLog: t.consentLog })
    start()
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, erased: 1 })
    expect(lines.map((l) => JSON.parse(l) as { msg: string; records?: number }).filter((l) => l.records)).toEqual([expect.objectContaining({ records: 1 })])
    // A tombstone written by hand after that first start is not signed by the next one.
    eraseByHand(2)
    start()
    expect(t.consentLog.verify('acme').firstBad).toEqual({ seq: 2, reason: expect.stringContaining('no signature of this server') })
  })

  it('never signs at start-up a tombstone written by hand in a database that had nothing to sign', () => {
    eraseByHand(3)
    createApp({ db: t.db, env: { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: undefined, TRUST_PROXY: false }, logger: createLogger('error'), now: () => t.clock.now, consentLog: t.consentLog })
    expect(t.consentLog.verify('acme').firstBad).toEqual({ seq: 3, reason: expect.stringContaining('no signature of this server') })
  })

  it('detects a GPC flag stored as something else than 0 or 1, which the listing and the exports would read differently', () => {
    for (const value of ["'false'", "'yes'", '2', '-1', '0.5']) {
      const { gpc } = t.db.$client.prepare("SELECT gpc FROM consent_records WHERE site_id='acme' AND seq=4").get() as { gpc: number }
      sql(`UPDATE consent_records SET gpc=${value} WHERE site_id='acme' AND seq=4`)
      expect(t.consentLog.verify('acme').firstBad, value).toEqual({ seq: 4, reason: expect.stringContaining('gpc') })
      sql(`UPDATE consent_records SET gpc=? WHERE site_id='acme' AND seq=4`, gpc)
    }
    expect(t.consentLog.verify('acme').ok).toBe(true)
  })
})

describe('the chain heads export manifests recorded', () => {
  let cookie: string
  beforeEach(async () => {
    await addUser(t.db, 'auditor@acme.test', 'auditor password', { acme: 'auditor' })
    cookie = (await signIn(t, 'auditor@acme.test', 'auditor password')).cookie
  })

  /** Downloads a whole export of acme; its manifest records the head it saw. Returns the export's id. */
  async function exported(): Promise<string> {
    const res = await t.request('/api/admin/sites/acme/export?format=ndjson', { headers: { Cookie: cookie } })
    expect(res.status).toBe(200)
    await res.arrayBuffer()
    return res.headers.get('x-export-id')!
  }
  const hashAt = (seq: number) => (t.db.$client.prepare("SELECT hash FROM consent_records WHERE site_id='acme' AND seq=?").get(seq) as { hash: string }).hash
  /** The admin route's answer, from its thread: it must say the same as the CLI's walk. */
  const routeSays = async () => chainVerification.parse(await (await t.request('/api/admin/sites/acme/verify', { headers: { Cookie: cookie } })).json())

  it('detects the newest records deleted after an export saw them, though what remains is a sound chain', async () => {
    const id = await exported()
    const createdAt = new Date(t.clock.now).toISOString()
    sql(`DELETE FROM consent_records WHERE site_id='acme' AND seq=5`)
    const cut = t.consentLog.verify('acme')
    expect(cut).toEqual({
      ok: false,
      count: 5,
      head: hashAt(4),
      firstBad: { seq: 5, reason: `the log ends at seq 4, but export manifest ${id} of ${createdAt} saw it reach seq 5: the records after seq 4 were deleted` },
    })
    expect(await routeSays()).toEqual(cut)
    sql(`DELETE FROM consent_records WHERE site_id='acme' AND seq=4`)
    expect(t.consentLog.verify('acme').firstBad).toEqual({ seq: 4, reason: expect.stringMatching(/^the log ends at seq 3, but export manifest .* saw it reach seq 5/) })
    // Only the site's own manifests count.
    expect(t.consentLog.verify('notice-only')).toMatchObject({ ok: true, count: 1 })
  })

  it("detects the newest records deleted and the manifest's recorded head moved back, nulled, or stripped of its signature to match", async () => {
    const id = await exported()
    sql(`DELETE FROM consent_records WHERE site_id='acme' AND seq=5`)
    const edits = [
      // Moved back to the record that is now the newest, as the cut log would have it.
      `chain_head_seq = 4, chain_head_hash = '${hashAt(4)}'`,
      'chain_head_seq = NULL, chain_head_hash = NULL',
    ]
    for (const edit of edits) {
      const row = t.db.$client.prepare('SELECT chain_head_seq AS seq, chain_head_hash AS hash FROM export_manifests WHERE id = ?').get(id) as { seq: number; hash: string }
      sql(`UPDATE export_manifests SET ${edit} WHERE id = ?`, id)
      const result = t.consentLog.verify('acme')
      expect(result, edit).toMatchObject({ ok: false, count: 5, head: hashAt(4) })
      expect(result.firstBad).toEqual({ seq: 5, reason: expect.stringMatching(new RegExp(`^export manifest ${id} of .* no longer matches its signature: .*cannot be trusted: records after seq 4, the newest the log holds, may have been deleted$`)) })
      expect(await routeSays()).toEqual(result)
      sql('UPDATE export_manifests SET chain_head_seq = ?, chain_head_hash = ? WHERE id = ?', row.seq, row.hash, id)
    }
    // The head moved back and the signature removed with it: a manifest made since signing began has one.
    sql(`UPDATE export_manifests SET chain_head_seq = 4, chain_head_hash = ?, signature = NULL, key_id = NULL WHERE id = ?`, hashAt(4), id)
    expect(t.consentLog.verify('acme').firstBad).toEqual({ seq: 5, reason: expect.stringContaining('complete but unsigned, though made after its server began signing') })
  })

  it('detects a completed manifest passed off as one still streaming, its row count or digest nulled, after the newest records were deleted', async () => {
    const id = await exported()
    sql(`DELETE FROM consent_records WHERE site_id='acme' AND seq >= 4`)
    expect(t.consentLog.verify('acme').firstBad).toEqual({ seq: 4, reason: expect.stringMatching(/^the log ends at seq 3, but export manifest .* saw it reach seq 5/) })
    // The head moved back to the cut log's end, or nulled, which its signature would show; and the row made to look unfinished.
    const heads = [`chain_head_seq = 3, chain_head_hash = '${hashAt(3)}'`, 'chain_head_seq = NULL, chain_head_hash = NULL']
    const edits = [
      'row_count = NULL',
      'sha256 = NULL',
      'row_count = NULL, sha256 = NULL, completed_at = NULL',
      // Its signature removed too, though it was completed (as one made before signing would not be).
      'row_count = NULL, sha256 = NULL, signature = NULL, key_id = NULL',
    ].flatMap((edit) => heads.map((head) => `${edit}, ${head}`))
    const row = t.db.$client.prepare('SELECT row_count, sha256, completed_at, signature, key_id, chain_head_seq, chain_head_hash FROM export_manifests WHERE id = ?').get(id) as Record<string, unknown>
    for (const edit of edits) {
      sql(`UPDATE export_manifests SET ${edit} WHERE id = ?`, id)
      const result = t.consentLog.verify('acme')
      expect(result, edit).toMatchObject({ ok: false, count: 4, head: hashAt(3) })
      expect(result.firstBad, edit).toEqual({
        seq: 4,
        reason: expect.stringMatching(new RegExp(`^export manifest ${id} of .* is complete but lacks its row count or digest: it was edited in the database, so the chain head it recorded cannot be trusted: records after seq 3, the newest the log holds, may have been deleted$`)),
      })
      expect(await routeSays(), edit).toEqual(result)
      sql(
        'UPDATE export_manifests SET row_count = ?, sha256 = ?, completed_at = ?, signature = ?, key_id = ?, chain_head_seq = ?, chain_head_hash = ? WHERE id = ?',
        row.row_count, row.sha256, row.completed_at, row.signature, row.key_id, row.chain_head_seq, row.chain_head_hash, id,
      )
    }
    expect(t.consentLog.verify('acme').firstBad?.reason).toMatch(/^the log ends at seq 3/)
  })

  it('detects a log rewritten up to a head a manifest saw, its hashes recomputed to a sound chain', async () => {
    await exported()
    // What a forger who knows the hashing does: edit record 2 and recompute every hash after it.
    const rows = t.db.$client.prepare("SELECT * FROM consent_records WHERE site_id='acme' ORDER BY seq").all() as any[]
    let prev = '0'.repeat(64)
    for (const r of rows) {
      const fields = {
        siteId: 'acme', seq: r.seq, recordId: r.record_id, consentId: r.consent_id, revision: r.revision, textsHash: r.texts_hash,
        categories: JSON.parse(r.categories), services: JSON.parse(r.services), method: r.seq === 2 ? 'reject-all' : r.method, region: r.region,
        mode: r.mode, language: r.language, url: r.url, userAgent: r.user_agent, ip: r.ip, gpc: Boolean(r.gpc), clientTime: r.client_time, serverTime: r.server_time,
      }
      const hash = recordHash(prev, fields)
      sql(`UPDATE consent_records SET method=?, prev_hash=?, hash=? WHERE site_id='acme' AND seq=?`, fields.method, prev, hash, r.seq)
      prev = hash
    }
    const result = t.consentLog.verify('acme')
    expect(result).toMatchObject({ ok: false, count: 5, head: hashAt(4) })
    expect(result.firstBad).toEqual({ seq: 5, reason: expect.stringMatching(/^hash is not the one export manifest .* recorded for seq 5: .*rewritten/) })
  })

  it('keeps, from a retention purge, records rewritten up to a head a manifest saw, restamped as expired and their hashes recomputed', async () => {
    await exported()
    // A forger who knows the hashing: every record restamped a year back, and every hash recomputed.
    const rows = t.db.$client.prepare("SELECT * FROM consent_records WHERE site_id='acme' ORDER BY seq").all() as any[]
    let prev = '0'.repeat(64)
    for (const r of rows) {
      const serverTime = '2025-11-01T00:00:00.000Z'
      const fields = {
        siteId: 'acme', seq: r.seq, recordId: r.record_id, consentId: r.consent_id, revision: r.revision, textsHash: r.texts_hash,
        categories: JSON.parse(r.categories), services: JSON.parse(r.services), method: r.method, region: r.region,
        mode: r.mode, language: r.language, url: r.url, userAgent: r.user_agent, ip: r.ip, gpc: Boolean(r.gpc), clientTime: r.client_time, serverTime,
      }
      const hash = recordHash(prev, fields)
      sql(`UPDATE consent_records SET server_time=?, prev_hash=?, hash=? WHERE site_id='acme' AND seq=?`, serverTime, prev, hash, r.seq)
      prev = hash
    }
    expect(t.consentLog.verify('acme').firstBad).toEqual({ seq: 5, reason: expect.stringMatching(/^hash is not the one export manifest .* recorded for seq 5/) })
    // Records 1–4 link and match their content: purged. Record 5 is not the one the manifest saw.
    expect(purgeSite(t.db, 'acme', 30, t.clock.now)).toMatchObject({ purged: 4, chainBroken: { seq: 5, reason: expect.stringMatching(/^hash is not the one export manifest/) } })
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: false, firstBad: { seq: 5 } })
  })

  it('reports a manifest row whose head no export writes (a seq no record can have, a hash that is no SHA-256, only one of the two) and still checks every other head', async () => {
    const id = await exported()
    rewriteFrom(2)
    const rewritten = { ok: false, count: 5, head: hashAt(4), firstBad: { seq: 5, reason: expect.stringMatching(new RegExp(`^hash is not the one export manifest ${id} of .* recorded for seq 5: `)) } }
    expect(t.consentLog.verify('acme')).toMatchObject(rewritten)
    // A head between two seqs once kept every later head, this export's too, from being compared.
    const createdAt = new Date(t.clock.now).toISOString()
    const heads: [unknown, unknown, string][] = [
      [1.5, 'x', 'records a chain head at seq 1.5, which no record has'],
      [1.5, hashAt(1), 'records a chain head at seq 1.5, which no record has'],
      [-1, hashAt(1), 'records a chain head at seq -1, which no record has'],
      ['five', hashAt(1), 'records a chain head at a seq that is not a number'],
      [3, 'x', 'records a chain head hash that is no SHA-256 digest'],
      // Half a head: an export writes both or (before 0.5) neither. Skipped as headless, it went unreported.
      [null, hashAt(1), 'records a chain head hash but no seq'],
      [3, null, 'records a chain head at seq 3 but no hash'],
    ]
    for (const [seq, hash] of heads) {
      unfinishedManifest('bogus', seq, hash)
      const result = t.consentLog.verify('acme')
      expect(result, String(seq)).toMatchObject(rewritten)
      expect(await routeSays(), String(seq)).toEqual(result)
      sql(`DELETE FROM export_manifests WHERE id = 'bogus'`)
    }
    // Alone, it is reported itself, as any manifest whose head cannot be trusted.
    sql(`DELETE FROM export_manifests WHERE id = ?`, id)
    for (const [seq, hash, says] of heads) {
      unfinishedManifest('bogus', seq, hash)
      const result = t.consentLog.verify('acme')
      expect(result.firstBad, String(seq)).toEqual({
        seq: 6,
        reason: `export manifest bogus of ${createdAt} ${says}: it was edited in the database, so the chain head it recorded cannot be trusted: records after seq 5, the newest the log holds, may have been deleted`,
      })
      expect(await routeSays(), String(seq)).toEqual(result)
      sql(`DELETE FROM export_manifests WHERE id = 'bogus'`)
    }
  })

  it('takes a head between two seqs, or just past the end, as a finding rather than a reason to compare none after it', () => {
    const rows = () => t.db.$client.prepare(`SELECT ${STORED_ROW_COLUMNS} FROM consent_records WHERE site_id='acme' ORDER BY seq`).all() as StoredRow[]
    const odd = (seq: number) => ({ seq, hash: hashAt(1), seenBy: 'export manifest b of z' })
    const rewritten = { seq: 5, hash: 'f'.repeat(64), seenBy: 'the saved manifest of export x (y)' }
    expect(verifyChain(rows(), null, [odd(1.5), rewritten])).toMatchObject({
      ok: false,
      count: 2,
      head: hashAt(1),
      firstBad: { seq: 2, reason: 'export manifest b of z recorded a chain head at seq 1.5, which no record has: the manifest was edited' },
    })
    expect(verifyChain(rows(), null, [odd(5.5)])).toMatchObject({
      ok: false,
      count: 6,
      head: hashAt(5),
      firstBad: { seq: 6, reason: 'export manifest b of z recorded a chain head at seq 5.5, which no record has: the manifest was edited' },
    })
    // Heads at seqs the log holds are compared as before; one past its end says the newest records were deleted.
    expect(verifyChain(rows(), null, [{ ...odd(1), seenBy: 'a' }, rewritten]).firstBad?.reason).toMatch(/^hash is not the one the saved manifest of export x \(y\) recorded for seq 5/)
    expect(verifyChain(rows(), null, [odd(5.5), { ...rewritten, seq: 7 }]).firstBad?.reason).toMatch(/^the log ends at seq 5, but the saved manifest of export x \(y\) saw it reach seq 7/)
  })

  it('purges no record past a manifest row whose head no export writes: the heads after it are checked all the same', async () => {
    await exported()
    // Every record restamped a year back, as expired, record 1 rewritten, and every hash recomputed: only the manifest's head tells.
    sql(`UPDATE consent_records SET server_time = '2025-11-01T00:00:00.000Z' WHERE site_id = 'acme'`)
    rewriteFrom(1)
    unfinishedManifest('bogus', 1.5, 'x')
    expect(purgeSite(t.db, 'acme', 30, t.clock.now)).toMatchObject({ purged: 4, chainBroken: { seq: 5, reason: expect.stringMatching(/^hash is not the one export manifest/) } })
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: false, firstBad: { seq: 5 } })
  })

  it('still verifies when the record a manifest saw was erased (its hash kept) or purged by retention', async () => {
    await exported()
    await exported()
    erase(5)
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 5, erased: 1 })
    // Thirty days on, an export; then every record is past a 10-day retention, the new manifest is not.
    t.clock.now += 30 * 86_400_000
    cookie = (await signIn(t, 'auditor@acme.test', 'auditor password')).cookie
    await exported()
    expect(purgeSite(t.db, 'acme', 10, t.clock.now)).toMatchObject({ purged: 5, manifests: 2 })
    const purged = t.consentLog.verify('acme')
    expect(purged).toMatchObject({ ok: true, count: 0, anchor: { seq: 5 } })
    expect(await routeSays()).toEqual(purged)
  })
})

describe('purge anchors only the server wrote', () => {
  const anchorNow = () => t.db.$client.prepare("SELECT seq, hash, purged_count AS purgedCount, purged_at AS purgedAt, signature FROM chain_anchors WHERE site_id = 'acme'").get() as Record<string, unknown>

  it('signs each anchor a purge moves, and verifies the chain from it', () => {
    t.clock.now += 30 * 86_400_000
    expect(purgeSite(t.db, 'acme', 10, t.clock.now, { batch: 2 })).toMatchObject({ purged: 5 })
    expect(anchorNow()).toMatchObject({ seq: 5, purgedCount: 5, signature: expect.stringMatching(/^[0-9a-f]{16}\./) })
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 0, anchor: { seq: 5, purgedCount: 5 } })
  })

  it('purges, as before, a log with records written before 0.6 and tombstones, in batches that continue from the anchor', () => {
    // Records 4 and 5 written 25 days after the first three.
    sql(`UPDATE consent_records SET server_time=? WHERE site_id='acme' AND seq >= 4`, new Date(t.clock.now + 25 * 86_400_000).toISOString())
    writtenBefore06(2)
    erase(2)
    erase(4)
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 5, erased: 2 })
    // 30 days on, records 1–3 are past a 10-day retention, one per transaction.
    t.clock.now += 30 * 86_400_000
    const first = purgeSite(t.db, 'acme', 10, t.clock.now, { batch: 1 })
    expect(first).toMatchObject({ purged: 3 })
    expect(first).not.toHaveProperty('chainBroken')
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 2, erased: 1, anchor: { seq: 3, purgedCount: 3 } })
    // Later, the rest, from that anchor.
    t.clock.now += 30 * 86_400_000
    expect(purgeSite(t.db, 'acme', 10, t.clock.now)).toMatchObject({ purged: 2 })
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 0, anchor: { seq: 5, purgedCount: 5 } })
  })

  it('detects newest records deleted by hand behind an anchor written for them, or an anchor edited', () => {
    const hash5 = (t.db.$client.prepare("SELECT hash FROM consent_records WHERE site_id='acme' AND seq=5").get() as { hash: string }).hash
    // What a forger with the database does: delete the log and write the anchor a purge would.
    sql(`DELETE FROM consent_records WHERE site_id='acme'`)
    sql('INSERT INTO chain_anchors (site_id, seq, hash, purged_count, purged_at) VALUES (?, 5, ?, 5, ?)', 'acme', hash5, t.clock.now)
    expect(t.consentLog.verify('acme')).toMatchObject({
      ok: false,
      firstBad: { seq: 5, reason: 'the chain starts after a purge anchor at seq 5 that bears no signature of this server: records before it were deleted by hand, not by retention' },
    })
  })

  it('detects a signed anchor edited to start the chain later', () => {
    t.clock.now += 30 * 86_400_000
    purgeSite(t.db, 'acme', 10, t.clock.now)
    sql(`UPDATE chain_anchors SET purged_count = 9 WHERE site_id = 'acme'`)
    expect(t.consentLog.verify('acme').firstBad).toEqual({ seq: 5, reason: 'the purge anchor at seq 5 does not match its signature: it was edited (its seq, hash, count, time or retention)' })
  })

  it('signs, at the first start after the upgrade only, the anchors written before they were signed', () => {
    t.clock.now += 30 * 86_400_000
    purgeSite(t.db, 'acme', 10, t.clock.now)
    // A database of before 0.8.6: its anchor bears no signature, and no start has signed it.
    sql(`UPDATE chain_anchors SET signature = NULL`)
    sql(`DELETE FROM startup_tasks WHERE name = 'sign-anchors'`)
    expect(t.consentLog.verify('acme').ok).toBe(false)
    const start = () => createApp({ db: t.db, env: { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: undefined, TRUST_PROXY: false }, logger: createLogger('error'), now: () => t.clock.now, consentLog: t.consentLog })
    start()
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, anchor: { seq: 5 } })
    expect(anchorNow().signature).toMatch(/^[0-9a-f]{16}\./)
    // An anchor moved by hand and left unsigned after that start stays unsigned at the next one.
    sql(`UPDATE chain_anchors SET seq = 6, signature = NULL`)
    sql(`DELETE FROM consent_records WHERE site_id = 'acme' AND seq = 6`)
    start()
    expect(anchorNow().signature).toBeNull()
    expect(t.consentLog.verify('acme').ok).toBe(false)
  })
})

describe('tombstones and purge anchors signed with a key retired since', () => {
  const DAY = 86_400_000
  const iso = (ms: number) => new Date(ms).toISOString()
  /** The key generated in the database, which signs until the operator sets MANIFEST_SIGNING_KEY: a backup made meanwhile holds its private half. */
  let oldKey: StoredSigningKey
  beforeEach(() => {
    oldKey = storedGeneratedKey(t.db.$client)!
    expect(oldKey).not.toBeNull()
  })
  /** The operator sets MANIFEST_SIGNING_KEY a day later: the generated key is retired then, its private half dropped. Returns the server's keys. */
  function retire(): ManifestKeys {
    t.clock.now += DAY
    const keys = new ManifestKeys(t.db, () => t.clock.now, generateKeyPairSync('ed25519').privateKey)
    expect(keys.active().keyId).not.toBe(oldKey.keyId)
    expect(storedGeneratedKey(t.db.$client)).toBeNull()
    return keys
  }
  const tombstoneFields = (seq: number) =>
    t.db.$client
      .prepare(
        `SELECT site_id AS siteId, seq, record_id AS recordId, revision, texts_hash AS textsHash, categories, services, method, region, mode, language, gpc,
                client_time AS clientTime, server_time AS serverTime, hash, personal_hash AS personalHash FROM consent_records WHERE site_id='acme' AND seq=?`,
      )
      .get(seq) as Omit<ErasedRow, 'erasedAt'>
  /** What a forger with the old private key does: an erasure of `seq`, dated `erasedAt`, signed with it. */
  function forgedErasure(seq: number, erasedAt: string) {
    const signature = signErasure({ ...tombstoneFields(seq), erasedAt }, oldKey)
    sql(`UPDATE consent_records SET consent_id='erased', ip=NULL, user_agent=NULL, url='', erased_at=?, erasure_signature=? WHERE site_id='acme' AND seq=?`, erasedAt, signature, seq)
  }
  /** …and records 1 to `seq` deleted, with a purge anchor dated `purgedAt` written in their place, signed with it. */
  function forgedAnchor(seq: number, purgedAt: number) {
    const { hash } = t.db.$client.prepare("SELECT hash FROM consent_records WHERE site_id='acme' AND seq=?").get(seq) as { hash: string }
    sql(`DELETE FROM consent_records WHERE site_id='acme' AND seq <= ?`, seq)
    const anchor = { siteId: 'acme', seq, hash, purgedCount: seq, purgedAt }
    sql('INSERT INTO chain_anchors (site_id, seq, hash, purged_count, purged_at, signature) VALUES (?, ?, ?, ?, ?, ?)', 'acme', seq, hash, seq, purgedAt, signAnchor(anchor, oldKey))
  }
  const afterRetirement = (retiredAt: number, dated: string) =>
    `key ${oldKey.keyId} was retired on ${iso(retiredAt)}, but ${dated}: signed after its key was replaced (with a copy of the old private key), or forged`

  it('refuses an erasure or a purge anchor signed with a retired key after its retirement (a copy of the old private key, from a backup)', () => {
    retire()
    const retiredAt = t.clock.now
    t.clock.now += 30 * DAY
    forgedErasure(4, iso(t.clock.now))
    expect(t.consentLog.verify('acme')).toMatchObject({
      ok: false,
      count: 4,
      firstBad: { seq: 4, reason: afterRetirement(retiredAt, `the erasure is dated ${iso(t.clock.now)}`) },
    })
    forgedAnchor(2, t.clock.now)
    expect(t.consentLog.verify('acme')).toMatchObject({
      ok: false,
      count: 0,
      firstBad: { seq: 2, reason: afterRetirement(retiredAt, `the purge anchor at seq 2 is dated ${iso(t.clock.now)}`) },
    })
  })

  it('refuses an erasure signed with a retired key of a record written after its retirement, however early the erasure is dated', async () => {
    retire()
    const retiredAt = t.clock.now
    t.clock.now += 2 * 3_600_000
    expect((await t.request('/api/v1/consents', json(consentBody({ consentId: 'visitor-6xyz' })))).status).toBe(201)
    const { serverTime } = t.db.$client.prepare("SELECT server_time AS serverTime FROM consent_records WHERE site_id='acme' AND seq=6").get() as { serverTime: string }
    forgedErasure(6, iso(retiredAt - DAY))
    expect(t.consentLog.verify('acme').firstBad).toEqual({ seq: 6, reason: afterRetirement(retiredAt, `the record it erased was written on ${serverTime}`) })
  })

  it("takes what the key signed before its retirement, or within the hour after (a server started before the change), and the current key's signatures", () => {
    // Records 3 to 5 written 25 days after the first two; record 4 erased, then records 1–2 purged, by the generated key.
    sql(`UPDATE consent_records SET server_time=? WHERE site_id='acme' AND seq >= 3`, iso(t.clock.now + 25 * DAY))
    rewriteChain(() => 'current')
    erase(4)
    t.clock.now += 30 * DAY
    expect(purgeSite(t.db, 'acme', 10, t.clock.now)).toMatchObject({ purged: 2 })
    const keys = retire()
    const retiredAt = t.clock.now
    // A server that started before the change, and still signs with the generated key, 59 minutes on.
    forgedErasure(5, iso(retiredAt + 59 * 60_000))
    t.clock.now += 60 * DAY
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 3, erased: 2, anchor: { seq: 2 } })
    // The server erases and purges with the key it signs with now; its anchor moved from the one the generated key signed.
    erase(3, keys)
    expect(purgeSite(t.db, 'acme', 10, t.clock.now, { sign: keys.active() })).toMatchObject({ purged: 3 })
    expect(t.db.$client.prepare("SELECT signature FROM chain_anchors WHERE site_id='acme'").pluck().get()).toMatch(new RegExp(`^${keys.active().keyId}\\.`))
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 0, anchor: { seq: 5, purgedCount: 5 } })
  })

  it('signs at start-up, with the current key, what was stored before signing, after the old key was retired', () => {
    eraseByHand(2, iso(t.clock.now))
    sql(`DELETE FROM startup_tasks WHERE name = 'sign-erasures'`)
    const keys = retire()
    t.clock.now += 30 * DAY
    signStoredBeforeSigning(t.db.$client, keys.active(), t.clock.now)
    expect(t.db.$client.prepare("SELECT erasure_signature FROM consent_records WHERE site_id='acme' AND seq=2").pluck().get()).toMatch(new RegExp(`^${keys.active().keyId}\\.`))
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, erased: 1 })
  })

  it('does not let a purge take over, and sign with the current key, an anchor the retired key signed after its retirement', () => {
    // Records 3 to 5 written 25 days after the first two.
    sql(`UPDATE consent_records SET server_time=? WHERE site_id='acme' AND seq >= 3`, iso(t.clock.now + 25 * DAY))
    rewriteChain(() => 'current')
    const keys = retire()
    t.clock.now += 30 * DAY
    forgedAnchor(2, t.clock.now)
    t.clock.now += 30 * DAY
    expect(purgeSite(t.db, 'acme', 10, t.clock.now, { sign: keys.active() })).toMatchObject({ purged: 3 })
    const anchor = t.db.$client.prepare("SELECT seq, signature FROM chain_anchors WHERE site_id='acme'").get()
    expect(anchor).toEqual({ seq: 5, signature: null })
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: false, firstBad: { seq: 5, reason: expect.stringContaining('bears no signature of this server') } })
  })
})

describe('a manifest the auditor saved (POST …/verify, verify --site --manifest)', () => {
  let auditor: Awaited<ReturnType<typeof signIn>>
  beforeEach(async () => {
    await addUser(t.db, 'auditor@acme.test', 'auditor password', { acme: 'auditor' })
    auditor = await signIn(t, 'auditor@acme.test', 'auditor password')
  })

  /** Downloads a whole export of acme and returns its manifest, as the auditor keeps it. */
  async function savedManifest(): Promise<Record<string, unknown>> {
    const res = await auditor.request('/api/admin/sites/acme/export?format=csv')
    await res.arrayBuffer()
    return (await (await auditor.request(`/api/admin/sites/acme/exports/${res.headers.get('x-export-id')}/manifest`)).json()) as Record<string, unknown>
  }
  const verifyWith = async (manifest: unknown) => auditor.request('/api/admin/sites/acme/verify', send('POST', { manifest }))
  const hashAt = (seq: number) => (t.db.$client.prepare("SELECT hash FROM consent_records WHERE site_id='acme' AND seq=?").get(seq) as { hash: string }).hash

  it('finds the newest records deleted with every manifest row that saw them, which GET …/verify cannot', async () => {
    const manifest = await savedManifest()
    const intact = await verifyWith(manifest)
    expect(intact.status).toBe(200)
    expect(intact.headers.get('cache-control')).toBe('no-store')
    expect(chainVerification.parse(await intact.json())).toMatchObject({
      ok: true,
      count: 5,
      savedManifest: { exportId: manifest.exportId, createdAt: manifest.createdAt, seq: 5, checked: true },
    })
    sql(`DELETE FROM consent_records WHERE site_id='acme' AND seq >= 4`)
    sql(`DELETE FROM export_manifests WHERE site_id='acme'`)
    expect(chainVerification.parse(await (await auditor.request('/api/admin/sites/acme/verify')).json())).toMatchObject({ ok: true, count: 3 })
    const cut = chainVerification.parse(await (await verifyWith(manifest)).json())
    expect(cut).toMatchObject({ ok: false, count: 4, head: hashAt(3) })
    expect(cut.firstBad).toEqual({
      seq: 4,
      reason: `the log ends at seq 3, but the saved manifest of export ${manifest.exportId} (${manifest.createdAt}) saw it reach seq 5: the records after seq 3 were deleted`,
    })
  })

  it('finds a log rewritten up to the saved head, its manifest rows deleted, when a manifest row whose head is between two seqs is added', async () => {
    const manifest = await savedManifest()
    rewriteFrom(2)
    sql(`DELETE FROM export_manifests WHERE site_id='acme'`)
    unfinishedManifest('bogus', 1.5, 'x')
    const res = await verifyWith(manifest)
    expect(res.status).toBe(200)
    const result = chainVerification.parse(await res.json())
    expect(result).toMatchObject({ ok: false, count: 5, head: hashAt(4), savedManifest: { exportId: manifest.exportId, seq: 5, checked: true } })
    expect(result.firstBad).toEqual({
      seq: 5,
      reason: `hash is not the one the saved manifest of export ${manifest.exportId} (${manifest.createdAt}) recorded for seq 5: this record or one before it was rewritten and the hashes recomputed`,
    })
  })

  it('checks a head retention purged against the purge anchor, and says when retention purged past it', async () => {
    const older = { exportId: 'x', createdAt: new Date(t.clock.now).toISOString(), seq: 3, hash: hashAt(3) }
    const manifest = await savedManifest()
    t.clock.now += 30 * 86_400_000
    expect(purgeSite(t.db, 'acme', 10, t.clock.now)).toMatchObject({ purged: 5 })
    auditor = await signIn(t, 'auditor@acme.test', 'auditor password')
    // The anchor holds the hash of the newest purged record: the saved head's.
    const afterPurge = await verifyWith(manifest)
    const afterPurgeBody = await afterPurge.json()
    expect(afterPurge.status, JSON.stringify(afterPurgeBody)).toBe(200)
    expect(chainVerification.parse(afterPurgeBody)).toMatchObject({ ok: true, count: 0, anchor: { seq: 5 }, savedManifest: { seq: 5, checked: true } })
    expect(t.consentLog.verify('acme', older)).toMatchObject({ ok: true, count: 0, savedManifest: { seq: 3, checked: false } })
    // An anchor rewritten (say, to start the chain at forged records) no longer matches its
    // signature, nor the saved head.
    sql(`UPDATE chain_anchors SET hash = ? WHERE site_id = 'acme'`, 'f'.repeat(64))
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: false, firstBad: { seq: 5, reason: expect.stringContaining('does not match its signature') } })
    expect(verifyChain([], { seq: 5, hash: 'f'.repeat(64) }, [{ seq: 5, hash: (manifest.chainHead as { hash: string }).hash, seenBy: 'the saved manifest of export x (y)' }])).toMatchObject({
      ok: false,
      firstBad: { seq: 5, reason: expect.stringMatching(/^the chain starts after the purge anchor at seq 5, but its hash is not the one the saved manifest of export x \(y\) recorded for that seq/) },
    })
    const forgedRes = await verifyWith(manifest)
    const forgedBody = await forgedRes.json()
    expect(forgedRes.status, JSON.stringify(forgedBody)).toBe(200)
    expect(chainVerification.parse(forgedBody)).toMatchObject({ ok: false, firstBad: { seq: 5 } })
  })

  it('refuses what is no manifest of this site signed by this server: 400, 422, the log untouched', async () => {
    const manifest = await savedManifest()
    const refused = async (body: unknown, status: number, code: string) => {
      const res = await verifyWith(body)
      expect(res.status, code).toBe(status)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code)
    }
    await refused({ ...manifest, chainHead: { seq: 4, hash: hashAt(4) } }, 422, 'manifest_not_signed_here')
    await refused({ ...manifest, note: 'added' }, 422, 'manifest_not_signed_here')
    const { signature: _s, keyId: _k, ...unsigned } = manifest
    await refused(unsigned, 422, 'manifest_unsigned')
    await refused({ ...manifest, siteId: 'notice-only' }, 400, 'manifest_other_site')
    await refused({ ...manifest, rowCount: 'five' }, 400, 'invalid_manifest')
    await refused('a manifest', 400, 'invalid_request')
    // Without its key in the database (retired and deleted, or the keys table edited), it is not this server's.
    sql('DELETE FROM manifest_keys')
    await refused(manifest, 422, 'manifest_not_signed_here')
  })
})

describe('recordPayload', () => {
  const base = {
    siteId: 'acme', seq: 12, recordId: '6f1c1d2e-3b4a-4c5d-8e9f-000000000001', consentId: 'visitor-0001', revision: 3,
    textsHash: null, categories: { essential: true, analytics: false }, services: {}, method: 'custom', region: null,
    mode: 'opt-in', language: 'de-CH', url: 'https://acme.test/ü"\\</script>', userAgent: null, ip: null, gpc: true,
    clientTime: '2026-11-22T10:00:00.000+01:00', serverTime: '2026-11-22T09:00:00.000Z',
  }
  const variants = [base, { ...base, textsHash: 'b'.repeat(64), region: 'US-CA', userAgent: 'UA\u2028x', ip: '203.0.113.0', gpc: false }]

  it('is the canonical JSON of the chained fields with the personal hash in place of the personal ones, nulls and non-ASCII included', () => {
    for (const fields of variants) {
      const { consentId, ip, url, userAgent, ...rest } = fields
      const personal = personalHash(fields)
      expect(personal).toBe(createHash('sha256').update(canonicalJson({ consentId, ip, url, userAgent })).digest('hex'))
      for (const prevFormat of [1, 2] as const) {
        expect(recordPayload(fields, personal, prevFormat)).toBe(canonicalJson({ ...rest, personalHash: personal, prevFormat, v: 2 }))
      }
    }
  })

  it('in format 1 (records written before 0.6) is the canonical JSON of every chained field', () => {
    for (const fields of variants) expect(recordPayloadV1(fields)).toBe(canonicalJson(fields))
  })
})
