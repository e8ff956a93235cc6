import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { apiError, chainVerification, consentLogPage, MAX_LINKED_CONSENT_IDS, subjectData, subjectErasure, subjectUser } from '@miniconsent/shared'
import Database from 'better-sqlite3'
import { namedConsentId } from '../services/export'
import { linkedConsentIds } from '../services/subject-queries'
import { manifestSignatureValid, privateKeyFrom, publicKeyFrom, signManifest } from '../services/manifest-keys'
import { addUser, consentBody, json, startTestServer, type TestServer } from '../test-support'

let t: TestServer
const cookies: Record<string, string> = {}
const SUBJECT = 'visitor-subject'

/** Signs `role`@acme.test in, keeping its session cookie and CSRF token in `cookies`. */
async function signIn(role: string) {
  const res = await t.request('/api/admin/login', json({ email: `${role}@acme.test`, password: `${role} password${role === 'auditor' ? '' : '!'}` }))
  cookies[role] = (res.headers.get('set-cookie') ?? '').split(';')[0]!
  cookies[`${role}-csrf`] = ((await res.json()) as { csrfToken: string }).csrfToken
}

beforeEach(async () => {
  t = startTestServer()
  await addUser(t.db, 'owner@acme.test', 'owner password!', { acme: 'owner' })
  await addUser(t.db, 'editor@acme.test', 'editor password!', { acme: 'editor' })
  await addUser(t.db, 'auditor@acme.test', 'auditor password', { acme: 'auditor' })
  for (const role of ['owner', 'editor', 'auditor']) await signIn(role)
  for (let i = 0; i < 5; i++) {
    t.clock.now += 1000
    const consentId = i % 2 === 0 ? SUBJECT : `visitor-other-${i}`
    expect((await t.request('/api/v1/consents', json(consentBody({ consentId }), { 'User-Agent': 'Subject/1.0' }), `192.0.2.${i}`)).status).toBe(201)
  }
  const event = { recordId: crypto.randomUUID(), siteId: 'acme', consentId: SUBJECT, language: 'en', url: 'https://acme.test/account?x=1', clientTime: '2026-11-22T10:00:00Z' }
  expect((await t.request('/api/v1/consents/identify', json({ ...event, userId: 'customer-42' }))).status).toBe(201)
  t.db.$client
    .prepare(
      `INSERT INTO document_acceptances (record_id, site_id, consent_id, user_id, document_type, document_version, url, ip, user_agent, client_time, server_time)
       VALUES ('doc-1', 'acme', ?, 'customer-42', 'terms', '2026-01', 'https://acme.test/signup', '192.0.2.0', 'Subject/1.0', '2026-11-22T10:00:00Z', '2026-11-22T10:00:01.000Z')`,
    )
    .run(SUBJECT)
})
afterEach(() => t.close())

/** The public half of the key signing this server's manifests, as published. */
async function signingKey() {
  const list = (await (await t.request('/api/v1/manifest-keys')).json()) as { keys: { publicKey: string; retiredAt: string | null }[] }
  return publicKeyFrom(list.keys.find((k) => k.retiredAt === null)!.publicKey)
}

/** The statements the server's connection prepares while `run` runs. */
async function preparedWhile(run: () => unknown): Promise<string[]> {
  const client = t.db.$client
  const prepared: string[] = []
  const prepare = client.prepare
  client.prepare = ((source: string) => {
    prepared.push(source)
    return prepare.call(client, source)
  }) as typeof client.prepare
  try {
    await run()
  } finally {
    client.prepare = prepare
  }
  return prepared
}

const as = (role: string, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { Cookie: cookies[role]!, 'X-CSRF-Token': cookies[`${role}-csrf`]!, ...(init.headers as Record<string, string>) },
})

/** Runs `test` with `t` a server whose consent log is written by the writer thread, signed in as its owner. */
async function withThreadedServer(test: () => Promise<void>) {
  const threaded = startTestServer({}, undefined, { writer: 'thread' })
  const previous = t
  t = threaded
  try {
    await addUser(t.db, 'owner@acme.test', 'owner password!', { acme: 'owner' })
    await signIn('owner')
    await test()
  } finally {
    t = previous
    threaded.close()
  }
}

describe('data-subject requests by consentId', () => {
  it("names the decision in force as the public look-up does: a record made earlier on the device and delivered late is not it", async () => {
    // Made on the device at 07:00 (queued offline), delivered after seq 5, which was made at 08:59:58.
    const late = consentBody({ consentId: SUBJECT, method: 'reject-all', categories: { essential: true, analytics: false }, clientTime: '2026-11-22T07:00:00.000Z' })
    t.clock.now += 1000
    expect((await t.request('/api/v1/consents', json(late), '192.0.2.9')).status).toBe(201)
    const data = subjectData.parse(await (await t.request(`/api/admin/sites/acme/subjects/${SUBJECT}`, as('auditor'))).json())
    expect(data.records.map((r) => r.seq)).toEqual([1, 3, 5, 6])
    const current = (await (await t.request(`/api/v1/consents/${SUBJECT}?site=acme`)).json()) as { method: string; clientTime: string }
    const inForce = data.records.find((r) => r.seq === data.inForce)!
    expect([inForce.method, inForce.clientTime]).toEqual([current.method, current.clientTime])
    expect(data.inForce).toBe(5)
    const none = subjectData.parse(await (await t.request('/api/admin/sites/acme/subjects/visitor-nobody', as('auditor'))).json())
    expect(none.inForce).toBeNull()
  })

  it('finds every record, identity and accepted document of the subject, for any member', async () => {
    const res = await t.request(`/api/admin/sites/acme/subjects/${SUBJECT}`, as('auditor'))
    expect(res.status).toBe(200)
    const data = subjectData.parse(await res.json())
    expect(data.records.map((r) => r.seq)).toEqual([1, 3, 5])
    expect(data.inForce).toBe(5)
    expect(data.identities).toEqual([expect.objectContaining({ userId: 'customer-42' })])
    expect(data.documents).toEqual([expect.objectContaining({ documentType: 'terms', documentVersion: '2026-01' })])

    const download = await t.request(`/api/admin/sites/acme/subjects/${SUBJECT}/export`, as('auditor'))
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="subject-acme-visitor-subject\.ndjson"$/)
    const lines = (await download.text()).trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; seq?: number })
    expect(lines.map((l) => l.type)).toEqual(['consentRecord', 'consentRecord', 'consentRecord', 'identity', 'documentAcceptance'])
    // The download is audited, naming the visitor by the SHA-256 of their consentId only.
    const audited = t.db.$client.prepare("SELECT user_id AS userId, after FROM audit_log WHERE action = 'consents.subject-export'").all() as { userId: number; after: string }[]
    expect(audited).toHaveLength(1)
    expect(JSON.parse(audited[0]!.after)).toEqual({ consentIdSha256: createHash('sha256').update(SUBJECT).digest('hex'), records: 3, identities: 1, documents: 1 })
    expect(audited[0]!.after).not.toContain(SUBJECT)
  })

  it('refuses HEAD on the subject export and look-ups, the verification and the statistics (405, Allow: the path’s other methods): none is audited nor run for an answer nobody gets', async () => {
    const audited = () => (t.db.$client.prepare("SELECT count(*) AS n FROM audit_log WHERE action LIKE 'consents.subject-%'").get() as { n: number }).n
    const lookUps = [`/api/admin/sites/acme/subjects/${SUBJECT}`, '/api/admin/sites/acme/subject-users?userId=customer-42']
    const allows: Record<string, string> = { [lookUps[0]!]: 'GET, DELETE', '/api/admin/sites/acme/verify': 'GET, POST' }
    for (const path of [`/api/admin/sites/acme/subjects/${SUBJECT}/export`, ...lookUps, '/api/admin/sites/acme/verify', '/api/admin/sites/acme/stats']) {
      const head = await t.request(path, as('auditor', { method: 'HEAD' }))
      expect([head.status, head.headers.get('allow')], path).toEqual([405, allows[path] ?? 'GET'])
    }
    expect(audited()).toBe(0)
    expect((await t.request(`/api/admin/sites/acme/subjects/${SUBJECT}/export`, as('auditor'))).status).toBe(200)
    for (const path of lookUps) expect((await t.request(path, as('auditor'))).status, path).toBe(200)
    expect(audited()).toBe(3)
  })

  it("audits who looked a visitor up, naming the consentId by its SHA-256 only, and a user ID, naming it not at all; not a look-up another site's page asked for", async () => {
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
    const entries = () =>
      t.db.$client.prepare("SELECT u.email, a.action, a.after FROM audit_log a JOIN users u ON u.id = a.user_id WHERE a.action LIKE 'consents.subject-%' ORDER BY a.id").all() as { email: string; action: string; after: string }[]
    const lookUps = [`/api/admin/sites/acme/subjects/${SUBJECT}`, '/api/admin/sites/acme/subject-users?userId=customer-42']
    for (const path of lookUps) {
      for (const site of ['same-site', 'cross-site']) {
        const res = await t.request(path, as('auditor', { headers: { 'Sec-Fetch-Site': site } }))
        expect(res.status, `${path} from ${site}`).toBe(403)
        expect(apiError.parse(await res.json()).error.code).toBe('cross_site_request')
      }
    }
    expect(entries()).toEqual([])

    expect((await t.request(`/api/admin/sites/acme/subjects/${SUBJECT}`, as('auditor', { headers: { 'Sec-Fetch-Site': 'same-origin' } }))).status).toBe(200)
    expect((await t.request('/api/admin/sites/acme/subject-users?userId=customer-42', as('owner'))).status).toBe(200)
    expect((await t.request('/api/admin/sites/acme/subject-users?userId=nobody-at-all', as('auditor'))).status).toBe(200)
    expect(entries().map(({ email, action, after }) => ({ email, action, after: JSON.parse(after) as unknown }))).toEqual([
      { email: 'auditor@acme.test', action: 'consents.subject-view', after: { consentIdSha256: sha256(SUBJECT), records: 3, identities: 1, documents: 1 } },
      { email: 'owner@acme.test', action: 'consents.subject-user-view', after: { consentIds: 1 } },
      { email: 'auditor@acme.test', action: 'consents.subject-user-view', after: { consentIds: 0 } },
    ])
    // Neither user ID, nor its SHA-256 (a user ID is often a number or an e-mail address, whose hash a guess finds).
    const stored = JSON.stringify(t.db.$client.prepare('SELECT * FROM audit_log').all())
    for (const personal of [SUBJECT, 'customer-42', 'nobody-at-all', sha256('customer-42'), sha256('nobody-at-all')]) expect(stored).not.toContain(personal)
    // An editor, who may not read the log, is refused and not audited.
    expect((await t.request(`/api/admin/sites/acme/subjects/${SUBJECT}`, as('editor'))).status).toBe(403)
    expect(entries()).toHaveLength(3)
  })

  it('lets only owners erase: personal fields blanked, hashes kept, the chain still verifies and counts the tombstones', async () => {
    for (const role of ['auditor', 'editor']) {
      const refused = await t.request(`/api/admin/sites/acme/subjects/${SUBJECT}`, as(role, { method: 'DELETE' }))
      expect(refused.status).toBe(403)
      expect(apiError.parse(await refused.json()).error.code).toBe('forbidden')
    }
    const before = t.db.$client.prepare('SELECT seq, hash, prev_hash FROM consent_records ORDER BY seq').all()

    const res = await t.request(`/api/admin/sites/acme/subjects/${SUBJECT}`, as('owner', { method: 'DELETE' }))
    expect(res.status).toBe(200)
    expect(subjectErasure.parse(await res.json())).toEqual({ erased: 3, identities: 1, documents: 1 })

    const found = subjectData.parse(await (await t.request(`/api/admin/sites/acme/subjects/${SUBJECT}`, as('owner'))).json())
    expect(found).toMatchObject({ records: [], identities: [], documents: [] })
    expect(t.db.$client.prepare('SELECT seq, hash, prev_hash FROM consent_records ORDER BY seq').all()).toEqual(before)
    const page = consentLogPage.parse(await (await t.request('/api/admin/sites/acme/consents', as('auditor'))).json())
    const tombstone = page.records.find((r) => r.seq === 3)!
    expect(tombstone).toMatchObject({ consentId: 'erased', ip: null, userAgent: null, url: '', method: 'accept-all', erasedAt: '2026-11-22T10:00:05.000Z' })
    expect(page.records.find((r) => r.seq === 2)).toMatchObject({ consentId: 'visitor-other-1', ip: '192.0.2.0', erasedAt: null })

    const verified = chainVerification.parse(await (await t.request('/api/admin/sites/acme/verify', as('auditor'))).json())
    expect(verified).toMatchObject({ ok: true, count: 5, erased: 3 })

    const audit = t.db.$client.prepare("SELECT before, after FROM audit_log WHERE action = 'consents.erase'").get() as { before: string; after: string }
    expect(audit.before).not.toContain(SUBJECT)
    expect(JSON.parse(audit.after)).toMatchObject({ erased: 3, seqs: [1, 3, 5] })
  })

  it('erases the rest of a visitor\'s records when one fails verification, and answers which one it left as it is', async () => {
    t.db.$client.prepare("UPDATE consent_records SET method = 'reject-all' WHERE seq = 3").run()
    const res = await t.request(`/api/admin/sites/acme/subjects/${SUBJECT}`, as('owner', { method: 'DELETE' }))
    expect(res.status).toBe(200)
    const refused = [{ seq: 3, reason: expect.stringContaining('hash does not match') }]
    expect(subjectErasure.parse(await res.json())).toEqual({ erased: 2, identities: 1, documents: 1, refused })
    expect(t.db.$client.prepare('SELECT seq FROM consent_records WHERE erased_at IS NOT NULL ORDER BY seq').pluck().all()).toEqual([1, 5])
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: false, firstBad: { seq: 3, reason: expect.stringContaining('hash does not match') } })
    const audit = t.db.$client.prepare("SELECT after FROM audit_log WHERE action = 'consents.erase'").pluck().get() as string
    expect(JSON.parse(audit)).toMatchObject({ erased: 2, seqs: [1, 5], refused })
  })

  it('leaves the consentId nowhere: an export filtered by it keeps its filter under the hash, in its manifest and audit entry', async () => {
    const exported = await t.request(`/api/admin/sites/acme/export?format=ndjson&consentId=${SUBJECT}`, as('auditor'))
    expect(exported.status).toBe(200)
    await exported.arrayBuffer()
    const id = exported.headers.get('x-export-id')!
    expect((await t.request(`/api/admin/sites/acme/subjects/${SUBJECT}`, as('owner', { method: 'DELETE' }))).status).toBe(200)
    // Every table, every text column: the consentId is gone.
    const tables = t.db.$client.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
    for (const { name } of tables) {
      const columns = t.db.$client.prepare(`SELECT name FROM pragma_table_info(?)`).all(name) as { name: string }[]
      for (const column of columns) {
        const hits = t.db.$client.prepare(`SELECT count(*) AS n FROM "${name}" WHERE instr(CAST("${column.name}" AS TEXT), ?) > 0`).get(SUBJECT) as { n: number }
        expect(hits.n, `${name}.${column.name}`).toBe(0)
      }
    }
    // Named by its hash from the start, so the erasure had nothing to rewrite: the signature holds.
    const manifest = (await (await t.request(`/api/admin/sites/acme/exports/${id}/manifest`, as('auditor'))).json()) as Record<string, unknown> & { filters: { consentId: string } }
    expect(manifest.filters.consentId).toBe(namedConsentId(SUBJECT))
    expect(manifest.filters.consentId).toMatch(/^sha256-[0-9a-f]{16}$/)
    expect(manifestSignatureValid(manifest, await signingKey())).toBe(true)
    const audit = t.db.$client.prepare("SELECT after FROM audit_log WHERE action = 'consents.export'").get() as { after: string }
    expect(JSON.parse(audit.after)).toMatchObject({ filters: { consentId: namedConsentId(SUBJECT) } })
  })

  it('renames the consentId in a manifest made before 0.8.1, which named it as itself, and signs it again', async () => {
    const exported = await t.request(`/api/admin/sites/acme/export?format=ndjson&consentId=${SUBJECT}`, as('auditor'))
    await exported.arrayBuffer()
    const id = exported.headers.get('x-export-id')!
    // As 0.8.0 stored and signed it: the consentId itself in its filters.
    const key = t.db.$client.prepare('SELECT private_key AS k FROM manifest_keys WHERE retired_at IS NULL').get() as { k: string }
    t.db.$client.prepare('UPDATE export_manifests SET filters = ? WHERE id = ?').run(JSON.stringify({ consentId: SUBJECT }), id)
    const old = (await (await t.request(`/api/admin/sites/acme/exports/${id}/manifest`, as('auditor'))).json()) as Record<string, unknown>
    t.db.$client.prepare('UPDATE export_manifests SET signature = ? WHERE id = ?').run(signManifest(old, privateKeyFrom(key.k)), id)
    const before = (await (await t.request(`/api/admin/sites/acme/exports/${id}/manifest`, as('auditor'))).json()) as Record<string, unknown>
    expect(manifestSignatureValid(before, await signingKey())).toBe(true)

    expect((await t.request(`/api/admin/sites/acme/subjects/${SUBJECT}`, as('owner', { method: 'DELETE' }))).status).toBe(200)
    const after = (await (await t.request(`/api/admin/sites/acme/exports/${id}/manifest`, as('auditor'))).json()) as Record<string, unknown> & { filters: { consentId: string } }
    expect(after.filters.consentId).toBe(namedConsentId(SUBJECT, 'erased'))
    expect(manifestSignatureValid(after, await signingKey())).toBe(true)
    // Nothing else in it changed.
    expect({ ...after, filters: null, signature: null }).toEqual({ ...before, filters: null, signature: null })
  })

  it('erases a record received before the request that is still waiting for its commit', async () => {
    await withThreadedServer(async () => {
      // Another connection holds the write lock: the record's batch waits in the writer thread.
      const blocker = new Database(t.file)
      blocker.exec('BEGIN IMMEDIATE')
      const posted = t.request('/api/v1/consents', json(consentBody({ consentId: SUBJECT })))
      await new Promise((resolve) => setTimeout(resolve, 50))
      const erased = t.request(`/api/admin/sites/acme/subjects/${SUBJECT}`, as('owner', { method: 'DELETE' }))
      await new Promise((resolve) => setTimeout(resolve, 50))
      blocker.exec('COMMIT')
      blocker.close()
      expect((await posted).status).toBe(201)
      expect(subjectErasure.parse(await (await erased).json()).erased).toBe(1)
      const row = t.db.$client.prepare('SELECT consent_id AS consentId, ip, erased_at AS erasedAt FROM consent_records').get() as Record<string, unknown>
      expect(row).toMatchObject({ consentId: 'erased', ip: null, erasedAt: expect.any(String) })
    })
  })

  it('leaves nothing it erased in the database file or its write-ahead log', async () => {
    const erasedValues = [SUBJECT, 'customer-42', 'https://acme.test/signup']
    const inFile = () => {
      const bytes = Buffer.concat([readFileSync(t.file), existsSync(`${t.file}-wal`) ? readFileSync(`${t.file}-wal`) : Buffer.alloc(0)])
      return erasedValues.filter((value) => bytes.includes(value))
    }
    expect(inFile()).toEqual(erasedValues)
    const res = await t.request(`/api/admin/sites/acme/subjects/${SUBJECT}`, as('owner', { method: 'DELETE' }))
    expect(await res.json()).toEqual({ erased: 3, identities: 1, documents: 1 })
    // With the server still running: SQLite only frees a deleted value's room, and its log keeps the pages as they were.
    expect(inFile()).toEqual([])
    // The records of other visitors are all there.
    expect(t.db.$client.prepare("SELECT count(*) AS n FROM consent_records WHERE consent_id LIKE 'visitor-other-%'").get()).toEqual({ n: 2 })
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: true })
  })

  /**
   * Runs `test` with the retries' timers faked and another connection reading the log (as an
   * export or a listing does): the log cannot be reset under it until `moveOn()` ends its read.
   */
  async function withReaderHoldingLog(test: (moveOn: () => void) => Promise<void>) {
    vi.useFakeTimers({ toFake: ['setTimeout'] })
    const reader = new Database(t.file)
    try {
      reader.exec('BEGIN')
      reader.prepare('SELECT count(*) FROM consent_records').get()
      await test(() => reader.exec('COMMIT'))
    } finally {
      reader.close()
      vi.useRealTimers()
    }
  }

  it('resets the write-ahead log once a reader holding it has moved on', async () => {
    await withReaderHoldingLog(async (moveOn) => {
      expect((await t.request(`/api/admin/sites/acme/subjects/${SUBJECT}`, as('owner', { method: 'DELETE' }))).status).toBe(200)
      expect(readFileSync(`${t.file}-wal`).includes(SUBJECT)).toBe(true)
      moveOn()
      vi.advanceTimersByTime(5_000)
      expect(existsSync(`${t.file}-wal`) && readFileSync(`${t.file}-wal`).includes(SUBJECT)).toBe(false)
      expect(readFileSync(t.file).includes(SUBJECT)).toBe(false)
    })
  })

  it('keeps one reset of the log pending however many erasures wait for it, and restores its connection\'s wait', async () => {
    await withReaderHoldingLog(async (moveOn) => {
      for (const consentId of [SUBJECT, 'visitor-other-1', 'visitor-other-3']) {
        expect((await t.request(`/api/admin/sites/acme/subjects/${consentId}`, as('owner', { method: 'DELETE' }))).status).toBe(200)
      }
      expect(vi.getTimerCount()).toBe(1)
      expect([t.db.$client.pragma('secure_delete', { simple: true }), t.db.$client.pragma('busy_timeout', { simple: true })]).toEqual([1, 5000])
      moveOn()
      vi.advanceTimersByTime(5_000)
      expect(vi.getTimerCount()).toBe(0)
      expect([t.db.$client.pragma('secure_delete', { simple: true }), t.db.$client.pragma('busy_timeout', { simple: true })]).toEqual([1, 5000])
    })
  })

  it('leaves nothing it erased in the file of a log large enough for its pages to split, written by the writer thread', async () => {
    await withThreadedServer(async () => {
      const subject = 'visitor-subject-large'
      const userId = 'customer-subject-large'
      // The subject first, then enough other visitors that every table and index they are in splits its pages.
      const identity = t.db.$client.prepare("INSERT INTO consent_identities (record_id, site_id, consent_id, user_id, server_time) VALUES (?, 'acme', ?, ?, ?)")
      identity.run(crypto.randomUUID(), subject, userId, new Date().toISOString())
      for (let i = 0; i < 1500; i++) identity.run(crypto.randomUUID(), `visitor-large-${i}`, `customer-large-${i}`, new Date().toISOString())
      const posts = [consentBody({ consentId: subject, url: 'https://acme.test/subject-large-page' })]
      for (let i = 0; i < 300; i++) posts.push(consentBody({ consentId: `visitor-large-${i}` }))
      for (const [i, body] of posts.entries()) expect((await t.request('/api/v1/consents', json(body), `10.${i % 250}.${i >> 8}.1`)).status).toBe(201)
      const inFile = () => {
        const bytes = Buffer.concat([readFileSync(t.file), existsSync(`${t.file}-wal`) ? readFileSync(`${t.file}-wal`) : Buffer.alloc(0)])
        return [subject, userId, 'subject-large-page'].filter((value) => bytes.includes(value))
      }
      expect(inFile()).toEqual([subject, userId, 'subject-large-page'])
      const erased = await t.request(`/api/admin/sites/acme/subjects/${subject}`, as('owner', { method: 'DELETE' }))
      expect(await erased.json()).toEqual({ erased: 1, identities: 1, documents: 0 })
      expect(inFile()).toEqual([])
      expect(t.consentLog.verify('acme')).toMatchObject({ ok: true, count: 301 })
    })
  })

  it('still detects tampering: a tombstone given personal data back, or an edited neighbour', async () => {
    await t.request(`/api/admin/sites/acme/subjects/${SUBJECT}`, as('owner', { method: 'DELETE' }))
    t.db.$client.prepare("UPDATE consent_records SET ip = '198.51.100.0' WHERE seq = 3").run()
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: false, firstBad: { seq: 3, reason: expect.stringContaining('personal fields') } })
    t.db.$client.prepare('UPDATE consent_records SET ip = NULL WHERE seq = 3').run()
    t.db.$client.prepare("UPDATE consent_records SET method = 'reject-all' WHERE seq = 4").run()
    expect(t.consentLog.verify('acme')).toMatchObject({ ok: false, firstBad: { seq: 4 } })
  })

  it('answers 400 for a malformed consentId and an empty result for an unknown one', async () => {
    expect((await t.request('/api/admin/sites/acme/subjects/x', as('auditor'))).status).toBe(400)
    const none = subjectData.parse(await (await t.request('/api/admin/sites/acme/subjects/visitor-nobody', as('auditor'))).json())
    expect(none.records).toEqual([])
    const erased = await t.request('/api/admin/sites/acme/subjects/visitor-nobody', as('owner', { method: 'DELETE' }))
    expect(await erased.json()).toEqual({ erased: 0, identities: 0, documents: 0 })
  })
})

describe('data-subject look-ups by the site\'s user ID', () => {
  /** `identify(userId)` of `consentId` on `site`, one second after the last event (each its own recordId). */
  async function identify(consentId: string, userId: string, site = 'acme') {
    t.clock.now += 1000
    const event = { recordId: crypto.randomUUID(), siteId: site, consentId, language: 'en', url: 'https://acme.test/account', clientTime: '2026-11-22T10:00:00Z' }
    expect((await t.request('/api/v1/consents/identify', json({ ...event, userId }))).status).toBe(201)
  }

  /** `acceptDocument('terms', { userId })` of `consentId` on acme, one second after the last event. */
  async function acceptTerms(consentId: string, userId: string) {
    t.clock.now += 1000
    const event = { recordId: crypto.randomUUID(), siteId: 'acme', consentId, language: 'en', url: 'https://acme.test/signup', clientTime: '2026-11-22T10:00:00Z' }
    expect((await t.request('/api/v1/documents', json({ ...event, type: 'terms', userId }))).status).toBe(201)
  }

  const lookUp = async (userId: string, role = 'auditor') => {
    const res = await t.request(`/api/admin/sites/acme/subject-users?userId=${encodeURIComponent(userId)}`, as(role))
    expect(res.status, await res.clone().text()).toBe(200)
    return subjectUser.parse(await res.json())
  }

  beforeEach(() => {
    t.db.$client.prepare(`UPDATE sites SET settings = json_set(settings, '$.documents', json(?)) WHERE id = 'acme'`).run(JSON.stringify({ terms: { version: '2026-01', url: 'https://acme.test/terms' } }))
  })

  it('finds any user ID the site sent, exactly: dot segments, slashes, percent signs, spaces at either end, other scripts', async () => {
    const odd = ['..', '.', 'a/b', '100%', ' 42', '42 ', 'ユーザー', '?x=1&y#z']
    for (const [i, userId] of odd.entries()) await identify(`visitor-odd-${i}`, userId)
    for (const [i, userId] of odd.entries()) {
      const found = await lookUp(userId)
      expect(found.userId).toBe(userId)
      expect(found.consentIds.map((c) => c.consentId), userId).toEqual([`visitor-odd-${i}`])
    }
    expect((await lookUp('42')).consentIds).toEqual([])
  })

  it('lists the consentIds linked by identify() and by accepted documents, last linked first, with their record counts; not another user\'s, nor another site\'s', async () => {
    // Set up before each test: the subject (3 records) accepted the terms at 10:00:01 and was identified at 10:00:05.
    await identify('visitor-other-1', 'customer-42')
    await acceptTerms('visitor-documents-only', 'customer-42')
    await identify('visitor-other-1', 'customer-42')
    await identify('visitor-other-3', 'customer-43')
    await acceptTerms('visitor-other-3', 'customer-43')
    await identify('visitor-elsewhere', 'customer-42', 'notice-only')

    const res = await t.request('/api/admin/sites/acme/subject-users?userId=customer-42', as('auditor'))
    expect(res.headers.get('cache-control')).toBe('no-store')
    const found = subjectUser.parse(await res.json())
    expect(found).toEqual({
      userId: 'customer-42',
      consentIds: [
        { consentId: 'visitor-other-1', identities: 2, documents: 0, firstLinked: '2026-11-22T10:00:06.000Z', lastLinked: '2026-11-22T10:00:08.000Z', records: 1 },
        { consentId: 'visitor-documents-only', identities: 0, documents: 1, firstLinked: '2026-11-22T10:00:07.000Z', lastLinked: '2026-11-22T10:00:07.000Z', records: 0 },
        { consentId: SUBJECT, identities: 1, documents: 1, firstLinked: '2026-11-22T10:00:01.000Z', lastLinked: '2026-11-22T10:00:05.000Z', records: 3 },
      ],
      total: 3,
    })
    expect((await lookUp('customer-43')).consentIds.map((l) => [l.consentId, l.identities, l.documents])).toEqual([['visitor-other-3', 1, 1]])
  })

  it('answers 200 with an empty list for a user ID never linked, and reads a user ID with a slash, spaces or accents whole', async () => {
    expect(await lookUp('customer-nobody')).toEqual({ userId: 'customer-nobody', consentIds: [], total: 0 })
    const userId = 'Zoë Müller/eu #7?x=1'
    await identify('visitor-other-3', userId)
    expect((await lookUp(userId)).consentIds.map((l) => l.consentId)).toEqual(['visitor-other-3'])
    expect((await lookUp('Zoë Müller')).consentIds).toEqual([])
    // As long as identify() takes it, and no longer.
    const longest = 'u'.repeat(256)
    await identify('visitor-other-1', longest)
    expect((await lookUp(longest)).consentIds.map((l) => l.consentId)).toEqual(['visitor-other-1'])
  })

  it('answers 400 with the API\'s error for a user ID longer than identify() takes', async () => {
    const res = await t.request(`/api/admin/sites/acme/subject-users?userId=${'u'.repeat(257)}`, as('auditor'))
    expect(res.status).toBe(400)
    const { error } = apiError.parse(await res.json())
    expect(error.code).toBe('invalid_request')
    expect(error.message).toContain('userId')
  })

  it('is for owners and auditors of the site, as the look-up by consentId', async () => {
    await addUser(t.db, 'stranger@notice.test', 'stranger password', { 'notice-only': 'owner' })
    const stranger = await t.request('/api/admin/login', json({ email: 'stranger@notice.test', password: 'stranger password' }))
    const strangerCookie = (stranger.headers.get('set-cookie') ?? '').split(';')[0]!
    const path = '/api/admin/sites/acme/subject-users?userId=customer-42'
    const answers: Record<string, number> = {}
    for (const [who, init] of [
      ['nobody', {}],
      ['auditor', as('auditor')],
      ['editor', as('editor')],
      ['owner', as('owner')],
      ['another site\'s owner', { headers: { Cookie: strangerCookie } }],
    ] as const) {
      const res = await t.request(path, init)
      answers[who] = res.status
      if (res.status !== 200) expect(apiError.parse(await res.json()).error.message, who).toBeTruthy()
    }
    expect(answers).toEqual({ nobody: 401, auditor: 200, editor: 403, owner: 200, "another site's owner": 403 })
    // The same answers as the look-up by consentId gives each of them.
    for (const [who, init] of [['editor', as('editor')], ['another site\'s owner', { headers: { Cookie: strangerCookie } }]] as const) {
      expect((await t.request(`/api/admin/sites/acme/subjects/${SUBJECT}`, init)).status, who).toBe(answers[who])
    }
  })

  it('no longer lists a consentId once it is erased: the erasure deleted its links', async () => {
    await identify('visitor-other-1', 'customer-42')
    expect((await lookUp('customer-42')).consentIds.map((l) => l.consentId)).toEqual(['visitor-other-1', SUBJECT])
    expect(await (await t.request(`/api/admin/sites/acme/subjects/${SUBJECT}`, as('owner', { method: 'DELETE' }))).json()).toEqual({ erased: 3, identities: 1, documents: 1 })
    expect(await lookUp('customer-42', 'owner')).toEqual({
      userId: 'customer-42',
      consentIds: [{ consentId: 'visitor-other-1', identities: 1, documents: 0, firstLinked: '2026-11-22T10:00:06.000Z', lastLinked: '2026-11-22T10:00:06.000Z', records: 1 }],
      total: 1,
    })
  })

  it(`lists the ${MAX_LINKED_CONSENT_IDS} last linked of a user ID shared by more visitors, and counts them all`, async () => {
    const identity = t.db.$client.prepare("INSERT INTO consent_identities (record_id, site_id, consent_id, user_id, server_time) VALUES (?, 'acme', ?, 'guest', ?)")
    const shared = MAX_LINKED_CONSENT_IDS + 2
    for (let i = 0; i < shared; i++) identity.run(crypto.randomUUID(), `visitor-guest-${String(i).padStart(4, '0')}`, new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString())
    const found = await lookUp('guest')
    expect(found.total).toBe(shared)
    expect(found.consentIds).toHaveLength(MAX_LINKED_CONSENT_IDS)
    expect([found.consentIds[0]!.consentId, found.consentIds.at(-1)!.consentId]).toEqual([`visitor-guest-${String(shared - 1).padStart(4, '0')}`, 'visitor-guest-0002'])
  })
  it("is read in a thread of its own: none of it on the server's connection, whose event loop goes on meanwhile", async () => {
    const prepared = await preparedWhile(async () => {
      const found = await lookUp('customer-42')
      expect(found.consentIds.map((l) => [l.consentId, l.records])).toEqual([[SUBJECT, 3]])
    })
    expect(prepared.filter((q) => /consent_identities|document_acceptances|FROM consent_records/i.test(q))).toEqual([])
  })

  it('answers a look-up whose request was cancelled 503 lookup_aborted once its thread has ended, auditing nothing, and frees its place then', async () => {
    const audited = () => (t.db.$client.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'consents.subject-user-view'").get() as { n: number }).n
    const cancel = new AbortController()
    const pending = t.request('/api/admin/sites/acme/subject-users?userId=customer-42', as('auditor', { signal: cancel.signal }))
    setTimeout(() => cancel.abort(), 1)
    const res = await pending
    expect(res.status).toBe(503)
    expect(apiError.parse(await res.json()).error.code).toBe('lookup_aborted')
    expect(audited()).toBe(0)
    // Its place is free again: as many as one account may run at once are taken and answered.
    const again = await Promise.all([0, 1].map(() => t.request('/api/admin/sites/acme/subject-users?userId=customer-42', as('auditor'))))
    expect(again.map((r) => r.status)).toEqual([200, 200])
    expect(audited()).toBe(2)
  })

  it('runs at most 2 look-ups of one account at once and 3 of one site: past that 429 lookups_busy with Retry-After, while another site still gets its place', async () => {
    await addUser(t.db, 'dpo@acme.test', 'dpo password!', { acme: 'auditor', 'notice-only': 'auditor' })
    await signIn('dpo')
    const path = (site: string) => `/api/admin/sites/${site}/subject-users?userId=customer-42`
    const asked = [
      ['acme', 'auditor'],
      ['acme', 'auditor'],
      ['acme', 'auditor'],
      ['acme', 'owner'],
      ['acme', 'dpo'],
      ['notice-only', 'dpo'],
    ] as const
    const answers = await Promise.all(asked.map(([site, role]) => t.request(path(site), as(role))))
    expect(answers.map((r) => r.status)).toEqual([200, 200, 429, 200, 429, 200])
    const refusals = await Promise.all([answers[2]!, answers[4]!].map(async (r) => [r.headers.get('retry-after'), apiError.parse(await r.json()).error] as const))
    expect(refusals).toEqual([
      ['1', { code: 'lookups_busy', message: '2 of your user ID look-ups are running, as many as one account may run at once; try again when one has finished' }],
      ['1', { code: 'lookups_busy', message: '3 user ID look-ups of this site are running, as many as one site may run at once; try again when one has finished' }],
    ])
    expect((await t.request(path('acme'), as('auditor'))).status).toBe(200)
  })

  it("answers 403 and audits nothing when the account lost its role on the site while the look-up's thread ran", async () => {
    const audited = () => (t.db.$client.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'consents.subject-user-view'").get() as { n: number }).n
    const pending = t.request('/api/admin/sites/acme/subject-users?userId=customer-42', as('auditor'))
    // The role was checked when the request came in; the thread takes longer than this to start.
    await new Promise((resolve) => setTimeout(resolve, 30))
    t.db.$client.prepare("UPDATE memberships SET role = 'editor' WHERE site_id = 'acme' AND user_id = (SELECT id FROM users WHERE email = 'auditor@acme.test')").run()
    const res = await pending
    expect(res.status).toBe(403)
    expect(apiError.parse(await res.json()).error.code).toBe('forbidden')
    expect(audited()).toBe(0)
  })
})

describe('data-subject look-ups on a large log', () => {
  /** The plan of each statement `request` prepares that reads `table`, with the parameters it ran with. */
  /** The statements `request` prepares on the server's connection; it must answer 200. */
  const preparedDuring = (request: () => Promise<Response>): Promise<string[]> => preparedWhile(async () => expect((await request()).status).toBe(200))

  async function plansOf(request: () => Promise<Response>, table: string, values: unknown[] = ['acme', SUBJECT, 1]) {
    const client = t.db.$client
    const prepared = await preparedDuring(request)
    const reads = prepared.filter((s) => /^select/i.test(s) && s.includes(`from "${table}"`))
    expect(reads.length).toBeGreaterThan(0)
    // By default the site, the consentId and, for the decision in force, its LIMIT.
    const params = (s: string) => values.slice(0, s.match(/\?/g)?.length ?? 0)
    return reads.map((s) => (client.prepare(`EXPLAIN QUERY PLAN ${s}`).all(...params(s)) as { detail: string }[]).map((r) => r.detail).join(' | '))
  }

  it("finds and exports a subject's records through the consentId's index, not by walking the site's whole log in seq order", async () => {
    // Walking consent_records_site_seq to skip the sort read every record of the site: 1.1–2.4 s
    // for one look-up on a 2,000,000-record log without planner statistics, 0–2 ms by the consentId.
    for (const path of [`/api/admin/sites/acme/subjects/${SUBJECT}`, `/api/admin/sites/acme/subjects/${SUBJECT}/export`]) {
      for (const plan of await plansOf(() => t.request(path, as('auditor')), 'consent_records')) {
        expect(plan, path).toMatch(/SEARCH consent_records USING (COVERING )?INDEX consent_records_site_consent \(site_id=\? AND consent_id=\?\)/)
      }
      for (const table of ['consent_identities', 'document_acceptances']) {
        for (const plan of await plansOf(() => t.request(path, as('auditor')), table)) {
          expect(plan, `${path} ${table}`).toMatch(new RegExp(`SEARCH ${table} USING (COVERING )?INDEX ${table}_site_consent \\(site_id=\\? AND consent_id=\\?\\)`))
        }
      }
    }
    // Still in chain order.
    const data = subjectData.parse(await (await t.request(`/api/admin/sites/acme/subjects/${SUBJECT}`, as('auditor'))).json())
    expect(data.records.map((r) => r.seq)).toEqual([1, 3, 5])
  })

  it("finds a user ID's consentIds through the user ID's indexes and counts their records through the consentId's, reading none of the site's other rows", async () => {
    // The statements a look-up prepares, once per connection: here, the server's (the route's thread prepares the same on its own).
    const all = await preparedWhile(() => expect(linkedConsentIds(t.db.$client, 'acme', 'customer-42', MAX_LINKED_CONSENT_IDS).consentIds.map((l) => l.consentId)).toEqual([SUBJECT]))
    const prepared = all.filter((q) => /^select/i.test(q.trim()))
    const planOf = (q: string, ...values: unknown[]) => (t.db.$client.prepare(`EXPLAIN QUERY PLAN ${q}`).all(...values) as { detail: string }[]).map((r) => r.detail).join(' | ')
    // One statement reads both kinds of link: each through its user ID's index, and nothing else of either table.
    const links = prepared.filter((q) => /from "?consent_identities"?/i.test(q))
    expect(links).toHaveLength(1)
    const plan = planOf(links[0]!, { siteId: 'acme', userId: 'customer-42', cap: MAX_LINKED_CONSENT_IDS })
    for (const table of ['consent_identities', 'document_acceptances']) {
      expect(plan, table).toMatch(new RegExp(`SEARCH ${table} USING INDEX ${table}_site_user \\(site_id=\\? AND user_id=\\?\\)`))
      expect(plan.match(new RegExp(`(SCAN|SEARCH) ${table}\\b`, 'g')), table).toHaveLength(1)
    }
    const counts = prepared.filter((q) => /from "?consent_records"?/i.test(q))
    expect(counts).toHaveLength(1)
    expect(planOf(counts[0]!, 'acme', SUBJECT)).toBe('SEARCH consent_records USING COVERING INDEX consent_records_site_consent (site_id=? AND consent_id=?)')
  })

  it("renames the consentId in the audit entries of exports filtered by it through their own index, not by reading the site's whole audit log", async () => {
    // A JSON scan of every audit entry of the site, inside the erasure's write transaction: 557–675 ms
    // at 300,000 entries.
    const client = t.db.$client
    const prepared = await preparedDuring(() => t.request(`/api/admin/sites/acme/subjects/${SUBJECT}`, as('owner', { method: 'DELETE' })))
    const rename = prepared.filter((q) => /^update "?audit_log"?/i.test(q.trim()))
    expect(rename).toHaveLength(1)
    const plan = (client.prepare(`EXPLAIN QUERY PLAN ${rename[0]}`).all('named', 'acme', SUBJECT) as { detail: string }[]).map((r) => r.detail).join(' | ')
    expect(plan).toMatch(/SEARCH audit_log USING INDEX audit_log_export_consent \(site_id=\? AND <expr>=\?\)/)
  })
})
