import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto'
import { get, request, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Worker } from 'node:worker_threads'
import { serve } from '@hono/node-server'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { EXPORT_COLUMNS, apiError, exportManifest, exportRow, manifestKeyList, type ConsentLogFilters } from '@miniconsent/shared'
import Database from 'better-sqlite3'
import { parse } from 'csv-parse/sync'
import { createApp } from '../app'
import { serveApp } from '../front-door'
import { parseEnv } from '../env'
import { canonicalJson } from '../lib/canonical-json'
import { createLogger, silentLogger } from '../logger'
import { unescapeCell } from '../lib/csv-formula'
import { seqBounds } from '../services/consent-filters'
import { EXPORTS_AT_ONCE, EXPORTS_PER_ACCOUNT, EXPORTS_PER_SITE } from './exports'
import { ConsentExports, namedConsentId } from '../services/export'
import { pageSize, type ChainHead } from '../services/export-pages'
import { NDJSON_LINE } from '../services/export-sql'
import { addUser, consentBody, holdAnswers, json, startTestServer, type TestServer } from '../test-support'

let t: TestServer
let cookie: string
/** The server's log lines (access log included) of the current test. */
let lines: Record<string, unknown>[] = []
const OWNER = { email: 'owner@acme.test', password: 'correct horse battery' }

beforeEach(async () => {
  lines = []
  t = startTestServer({ logger: createLogger('info', (line) => lines.push(JSON.parse(line) as Record<string, unknown>)) })
  await addUser(t.db, OWNER.email, OWNER.password, { acme: 'auditor' })
  await addUser(t.db, 'outsider@notice.test', 'outsider password', { 'notice-only': 'owner' })
  for (let i = 0; i < 12; i++) {
    t.clock.now += 3_600_000 * 5
    const body = consentBody({
      consentId: `visitor-${i % 4}xyz`,
      method: i % 3 === 0 ? 'reject-all' : 'accept-all',
      categories: { essential: true, analytics: i % 3 !== 0 },
      // Hostile values a spreadsheet would run as formulas, and CSV metacharacters.
      url: i === 5 ? '=HYPERLINK("https://evil.example","x")' : `https://acme.test/p/${i},"q"`,
    })
    expect((await t.request('/api/v1/consents', json(body, { 'User-Agent': i === 7 ? "'quoted agent" : 'Agent/1.0 (x, "y")' }), `192.0.2.${i}`)).status).toBe(201)
  }
  cookie = (await login(OWNER)).cookie
})
afterEach(() => t.close())

async function login(credentials: { email: string; password: string }) {
  const res = await t.request('/api/admin/login', json(credentials))
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]!, csrfToken: ((await res.json()) as { csrfToken: string }).csrfToken }
}

const dbRows = () =>
  t.db.$client
    .prepare(
      `SELECT seq, record_id AS recordId, consent_id AS consentId, server_time AS serverTime, client_time AS clientTime, method,
              revision, texts_hash AS textsHash, region, mode, language, url, ip, user_agent AS userAgent, gpc, categories, services,
              prev_hash AS prevHash, hash, erased_at AS erasedAt, personal_hash AS personalHash
         FROM consent_records WHERE site_id = 'acme' ORDER BY seq`,
    )
    .all() as Record<string, unknown>[]

const asExportRow = (r: Record<string, unknown>) => ({
  ...r,
  gpc: Boolean(r.gpc),
  categories: JSON.parse(r.categories as string),
  services: JSON.parse(r.services as string),
})

async function download(query: string, app = t) {
  const res = await app.request(`/api/admin/sites/acme/export?${query}`, { headers: { Cookie: cookie } })
  const bytes = new Uint8Array(await res.arrayBuffer())
  return { res, bytes, text: new TextDecoder().decode(bytes), id: res.headers.get('x-export-id') }
}

/** The WAL as a passive checkpoint leaves it: pages still held by a reader's snapshot are not checkpointed. */
const walBusy = () => (t.db.$client.pragma('wal_checkpoint(PASSIVE)', { simple: false }) as { busy: number; log: number; checkpointed: number }[])[0]!

async function manifestOf(id: string | null) {
  const res = await t.request(`/api/admin/sites/acme/exports/${id}/manifest`, { headers: { Cookie: cookie } })
  return { res, manifest: res.status === 200 ? exportManifest.parse(await res.json()) : null }
}

/** `n` records after the 12 posted ones (seq 13…), written directly: fast, and enough for many pages. */
function insertBulk(n: number, site = 'acme') {
  const first = (t.db.$client.prepare('SELECT coalesce(max(seq), 0) + 1 AS seq FROM consent_records WHERE site_id = ?').get(site) as { seq: number }).seq
  t.db.$client
    .prepare(
      `INSERT INTO consent_records (site_id, seq, record_id, consent_id, revision, categories, services, method, mode, language, url,
         gpc, client_time, server_time, prev_hash, hash)
       SELECT ?, seq, ? || seq, 'visitor-bulk', 1, '{}', '{}', 'custom', 'opt-in', 'en', 'https://acme.test/', 0,
              '2026-11-25T00:00:00.000Z', '2026-11-25T00:00:00.000Z', 'x', '${'f'.repeat(64)}'
         FROM (SELECT value AS seq FROM json_each(?))`,
    )
    .run(site, site === 'acme' ? 'bulk-' : `bulk-${site}-`, JSON.stringify(Array.from({ length: n }, (_, i) => i + first)))
}

/**
 * The threads of the exports made from now on, seen as each reports its snapshot's chain head,
 * and those of them still running. `alter`: what the first head reported is taken as instead.
 */
function exportThreads(alter?: (head: ChainHead) => ChainHead) {
  const emit = Worker.prototype.emit
  const started = new Set<Worker>()
  const ended = new Set<Worker>()
  const spy = vi.spyOn(Worker.prototype, 'emit').mockImplementation(function (this: Worker, event: string | symbol, ...args: unknown[]) {
    const m = args[0]
    if (event === 'message' && typeof m === 'object' && m !== null && 'head' in m) {
      if (alter && started.size === 0) args[0] = { head: alter(m.head as ChainHead) }
      started.add(this)
    }
    if (event === 'exit') ended.add(this)
    return emit.call(this, event, ...args)
  })
  return { started, running: () => [...started].filter((w) => !ended.has(w)).length, restore: () => spy.mockRestore() }
}

describe('GET /api/admin/sites/:siteId/export', () => {
  it('streams every record as CSV that parses back to the database rows, with a manifest of its bytes', async () => {
    const { res, bytes, text, id } = await download('format=csv')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/)
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="consents-acme-.*\.csv"$/)
    const records = parse(text, { columns: true }) as Record<string, string>[]
    expect(Object.keys(records[0]!)).toEqual([...EXPORT_COLUMNS])
    const back = records.map((r) => {
      const v = (k: string) => (r[k] === '' ? null : unescapeCell(r[k]!))
      return {
        ...Object.fromEntries(EXPORT_COLUMNS.map((k) => [k, v(k)])),
        seq: Number(r.seq),
        revision: Number(r.revision),
        gpc: r.gpc === 'true',
        categories: JSON.parse(r.categories!),
        services: JSON.parse(r.services!),
      }
    })
    expect(back).toEqual(dbRows().map(asExportRow))
    // The formula is defused for spreadsheets, and still reads back exactly.
    expect(text).toContain(`"'=HYPERLINK(""https://evil.example"",""x"")"`)

    const { manifest } = await manifestOf(id)
    expect(manifest).toMatchObject({
      exportId: id,
      siteId: 'acme',
      format: 'csv',
      filters: {},
      rowCount: 12,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      chainHead: { seq: 12, hash: dbRows()[11]!.hash },
      createdBy: OWNER.email,
    })
  })

  it('streams NDJSON lines equal to the rows, filtered like the listing', async () => {
    const all = await download('format=ndjson')
    expect(all.res.headers.get('content-type')).toMatch(/^application\/x-ndjson/)
    const lines = all.text.trimEnd().split('\n').map((l) => exportRow.parse(JSON.parse(l)))
    expect(lines).toEqual(dbRows().map(asExportRow))
    expect(Object.keys(JSON.parse(all.text.split('\n')[0]!))).toEqual([...EXPORT_COLUMNS])

    // visitor-1xyz posted records 2, 6 and 10; 10 was a rejection.
    const filtered = await download('format=ndjson&method=accept-all&consentId=visitor-1xyz')
    const got = filtered.text.trimEnd().split('\n').map((l) => JSON.parse(l) as { seq: number })
    expect(got.map((r) => r.seq)).toEqual([2, 6])
    const { manifest } = await manifestOf(filtered.id)
    expect(manifest).toMatchObject({
      rowCount: got.length,
      // The consentId by its hash: a manifest goes to third parties and outlives an erasure.
      filters: { method: 'accept-all', consentId: namedConsentId('visitor-1xyz') },
      sha256: createHash('sha256').update(filtered.bytes).digest('hex'),
    })

    // A revision filter is kept as the number it was applied as, and its manifest reads back
    // (the CLI's verify and the dashboard parse it with the same schema).
    const byRevision = await download('format=ndjson&revision=1&region=unknown')
    const revisionManifest = await manifestOf(byRevision.id)
    expect(revisionManifest.res.status).toBe(200)
    expect(revisionManifest.manifest).toMatchObject({ rowCount: 12, filters: { revision: 1, region: 'unknown' } })
  })

  it('reads a period or a visitor through its own index, with the same rows as a filter over the whole log', async () => {
    const plans = (filters: ConsentLogFilters) => {
      const q = seqBounds(t.db, 'acme', filters)!
      return (t.db.$client.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.params) as { detail: string }[]).map((r) => r.detail).join(' ')
    }
    expect(plans({ from: '2026-11-22', to: '2026-11-22' })).toMatch(/USING (COVERING )?INDEX consent_records_site_time/)
    expect(plans({ consentId: 'visitor-1xyz', method: 'accept-all' })).toMatch(/USING INDEX consent_records_site_consent/)
    expect(seqBounds(t.db, 'acme', { method: 'accept-all' })).toBeNull()
    for (const format of ['ndjson', 'csv']) {
      const seqs = async (query: string) => {
        const { text } = await download(`format=${format}&${query}`)
        const lines = text.trimEnd().split('\n').filter(Boolean)
        return (format === 'csv' ? lines.slice(1).map((l) => Number(l.split(',')[0])) : lines.map((l) => (JSON.parse(l) as { seq: number }).seq))
      }
      const all = dbRows() as { seq: number; serverTime: string; consentId: string }[]
      const inPeriod = all.filter((r) => r.serverTime.startsWith('2026-11-23')).map((r) => r.seq)
      expect(inPeriod.length).toBeGreaterThan(1)
      expect(await seqs('from=2026-11-23&to=2026-11-23')).toEqual(inPeriod)
      expect(await seqs('consentId=visitor-1xyz')).toEqual(all.filter((r) => r.consentId === 'visitor-1xyz').map((r) => r.seq))
      expect(await seqs('consentId=visitor-nobody')).toEqual([])
      expect(await seqs('from=2030-01-01')).toEqual([])
    }
  })

  it('sends an NDJSON file read by two threads byte for byte as the log holds it, wherever its pages end, filtered, and with a page SQLite must sort', async () => {
    const size = pageSize('ndjson')
    /** The NDJSON of the records `where` selects, as one query writes it: in seq order, one reader, no pages. */
    const fileOf = (where: string) =>
      (t.db.$client.prepare(`SELECT ${NDJSON_LINE} FROM consent_records WHERE site_id = 'acme' AND ${where} ORDER BY seq`).pluck().all() as string[]).map((line) => `${line}\n`).join('')
    // All of the log, through the period's index (the stretch it finds), and the bulk records through the consentId's (12 fewer).
    const filters = [
      ['', 'true'],
      ['from=2026-11-22', "server_time >= '2026-11-22'"],
      ['consentId=visitor-bulk&method=custom', "consent_id = 'visitor-bulk' AND method = 'custom'"],
    ]
    const threads = exportThreads()
    let exports = 0
    const check = async (query: string, where: string, what: string) => {
      const { res, bytes, text, id } = await download(`format=ndjson&${query}`)
      exports += 1
      expect(res.status, what).toBe(200)
      const expected = fileOf(where)
      expect(text === expected, what).toBe(true)
      const { manifest } = await manifestOf(id)
      expect(manifest, what).toMatchObject({ rowCount: expected.split('\n').length - 1, sha256: createHash('sha256').update(bytes).digest('hex') })
    }
    try {
      for (const records of [size - 1, size, size + 1, 2 * size - 1, 2 * size, 2 * size + 1, 3 * size]) {
        insertBulk(records - dbRows().length)
        for (const [query, where] of filters) await check(query!, where!, `${records} records, ${query}`)
      }
      // A seq that is no integer (an edited row) in the second reader's first page: that page is read again, sorted by SQLite.
      t.db.$client.prepare("UPDATE consent_records SET seq = 600.5 WHERE site_id = 'acme' AND seq = 600").run()
      await check('', 'true', 'an edited seq')
      expect(fileOf('true')).toContain('{"seq":600.5,')
      expect(threads.started.size).toBe(2 * exports)
    } finally {
      threads.restore()
    }
  })

  it('fails an export whose readers saw different chain heads before its first byte: no manifest, no audit entry, no thread left', async () => {
    insertBulk(2_000)
    // As if a commit had landed between the two readers' first reads, which the write lock they open under prevents.
    const threads = exportThreads((head) => ({ ...head, hash: '0'.repeat(64) }))
    try {
      const { res, text, id } = await download('format=ndjson')
      expect(res.status).toBe(500)
      expect(apiError.parse(JSON.parse(text)).error.code).toBe('internal')
      expect(id).toBeNull()
      expect(threads.started.size).toBe(2)
      await expect.poll(threads.running, { timeout: 5_000 }).toBe(0)
    } finally {
      threads.restore()
    }
    expect(t.db.$client.prepare('SELECT count(*) AS n FROM export_manifests').get()).toEqual({ n: 0 })
    expect(t.db.$client.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'consents.export'").get()).toEqual({ n: 0 })
  })

  it("sends a record whose stored JSON was edited into broken JSON with that value's SQL literal as a string, and the rest as usual", async () => {
    t.db.$client.prepare(`UPDATE consent_records SET categories = '{"analytics":tru' WHERE site_id = 'acme' AND seq = 3`).run()
    const { text } = await download('format=ndjson')
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as { seq: number; categories: unknown })
    expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
    expect(lines[2]!.categories).toBe(`'{"analytics":tru'`)
    expect(lines[1]!.categories).toEqual({ essential: true, analytics: true })
  })

  it("writes categories and services in NDJSON as stored: a repeated key kept, what is no strict JSON object as json() writes it as its SQL literal, a string", async () => {
    const edited = [`{"essential":true,"analytics":false,"analytics":true}`, `{analytics:true,essential:true,}`, `"{}"`, `[]`, `{"analytics":tru`]
    edited.forEach((text, i) => t.db.$client.prepare(`UPDATE consent_records SET categories = ? WHERE site_id = 'acme' AND seq = ?`).run(text, i + 2))
    t.db.$client.prepare(`UPDATE consent_records SET services = '{ "plausible" : true }' WHERE site_id = 'acme' AND seq = 7`).run()
    const { text } = await download('format=ndjson')
    const lines = text.trimEnd().split('\n')
    // The object's text in the line is the stored text, byte for byte.
    expect(lines[1]).toContain(`"categories":${edited[0]},"services":`)
    expect(lines.slice(2, 6).map((l) => (JSON.parse(l) as { categories: unknown }).categories)).toEqual(edited.slice(1).map((e) => `'${e}'`))
    // Spaces between tokens, which json() would drop: the literal too.
    expect(lines[6]).toContain(`"categories":{"analytics":false,"essential":true},"services":"'{ \\"plausible\\" : true }'",`)
  })

  it('sends a record whose stored value was edited into a BLOB as {blob: hex} in NDJSON, categories and services as their SQL literal in both formats, and the rest as usual', async () => {
    // No JSON can hold a BLOB: the NDJSON page failed whole, and the export answered 200 with an empty body.
    t.db.$client.prepare(`UPDATE consent_records SET categories = x'0001', url = x'41' WHERE site_id = 'acme' AND seq = 3`).run()
    // JSONB, which json() reads, in the same page: its literal too, not the JSON it holds
    // (which the server never writes: a file that showed it could not tell the edit, export-sql.ts).
    t.db.$client.prepare(`UPDATE consent_records SET categories = jsonb('{"essential":true}') WHERE site_id = 'acme' AND seq = 5`).run()
    // The stored text as a BLOB, which json() reads as that text: its literal, not the object.
    t.db.$client.prepare(`UPDATE consent_records SET services = CAST(services AS BLOB) WHERE site_id = 'acme' AND seq = 6`).run()
    const services6 = t.db.$client.prepare(`SELECT CAST(services AS TEXT) FROM consent_records WHERE site_id = 'acme' AND seq = 6`).pluck().get() as string
    const ndjson = await download('format=ndjson')
    const lines = ndjson.text.trimEnd().split('\n').map((l) => JSON.parse(l) as { seq: number; categories: unknown; services: unknown; url: unknown })
    expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
    const hex = (seq: number, column: string) => t.db.$client.prepare(`SELECT quote(${column}) FROM consent_records WHERE site_id = 'acme' AND seq = ?`).pluck().get(seq)
    expect(lines[2]).toMatchObject({ categories: "X'0001'", url: { blob: '41' } })
    expect(lines[1]!.categories).toEqual({ essential: true, analytics: true })
    expect(lines[4]!.categories).toBe(hex(5, 'categories'))
    expect(lines[5]!.services).toBe(`X'${Buffer.from(services6).toString('hex').toUpperCase()}'`)
    expect((await manifestOf(ndjson.id)).manifest).toMatchObject({ rowCount: 12 })
    // In CSV the text of a BLOB's bytes could pass for the JSON text the server writes (seq 6).
    const csv = parse((await download('format=csv')).text, { columns: true }) as Record<string, string>[]
    expect(csv[2]).toMatchObject({ categories: "X'0001'", url: 'A' })
    expect(csv[4]!.categories).toBe(hex(5, 'categories'))
    expect(csv[5]!.services).toBe(hex(6, 'services'))
    expect(csv[5]!.services).toBe(`X'${Buffer.from(services6).toString('hex').toUpperCase()}'`)
    // With a separator in another value of its page, which is then read as JSON (export-sql.ts).
    t.db.$client.prepare(`UPDATE consent_records SET language = 'e' || char(31) || 'n' WHERE site_id = 'acme' AND seq = 4`).run()
    const again = parse((await download('format=csv')).text, { columns: true }) as Record<string, string>[]
    expect(again).toHaveLength(12)
    expect(again[2]).toMatchObject({ categories: "X'0001'", url: 'A' })
    expect(again[3]!.language).toBe('e\u001fn')
  })

  it('sends in NDJSON categories holding text after a NUL whole, as its SQL literal', async () => {
    t.db.$client.prepare(`UPDATE consent_records SET categories = categories || char(0) || 'x' WHERE site_id = 'acme' AND seq = 2`).run()
    const lines = (await download('format=ndjson')).text.trimEnd().split('\n').map((l) => JSON.parse(l) as { categories: unknown })
    expect(lines[1]!.categories).toBe(`'{"analytics":true,"essential":true}\u0000x'`)
  })

  it('writes an audit entry per export, refuses outsiders and unknown formats, 404 for an unknown manifest', async () => {
    const { id } = await download('format=csv&from=2026-11-22')
    const audit = t.db.$client.prepare("SELECT action, after FROM audit_log WHERE action = 'consents.export'").all() as { after: string }[]
    expect(audit).toHaveLength(1)
    expect(JSON.parse(audit[0]!.after)).toMatchObject({ exportId: id, format: 'csv', filters: { from: '2026-11-22' } })

    const outsider = (await login({ email: 'outsider@notice.test', password: 'outsider password' })).cookie
    expect((await t.request('/api/admin/sites/acme/export', { headers: { Cookie: outsider } })).status).toBe(403)
    expect((await t.request(`/api/admin/sites/acme/exports/${id}/manifest`, { headers: { Cookie: outsider } })).status).toBe(403)
    expect((await t.request('/api/admin/sites/acme/export')).status).toBe(401)
    const bad = await t.request('/api/admin/sites/acme/export?format=xlsx', { headers: { Cookie: cookie } })
    expect(bad.status).toBe(400)
    expect(apiError.parse(await bad.json()).error.message).toContain('format')
    const unknown = await manifestOf('no-such-export')
    expect(unknown.res.status).toBe(404)
    expect(apiError.parse(await unknown.res.json()).error.code).toBe('manifest_not_found')
  })

  it('refuses a filter it does not read (a misspelt from), making nothing, rather than exporting the whole log', async () => {
    const { res, text } = await download('format=csv&frm=2027-01-01&metod=gpc')
    expect(res.status).toBe(400)
    expect(apiError.parse(JSON.parse(text)).error).toMatchObject({
      code: 'invalid_request',
      message: 'The query has 2 parameters this route does not read, first "frm": check the spelling, or remove them',
      issues: [
        { path: 'frm', message: '"frm" is no parameter of this route' },
        { path: 'metod', message: '"metod" is no parameter of this route' },
      ],
    })
    expect(t.db.$client.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'consents.export'").get()).toEqual({ n: 0 })
    expect(t.db.$client.prepare('SELECT count(*) AS n FROM export_manifests').get()).toEqual({ n: 0 })
  })

  it("refuses an export, a data-subject export and a verification that another site's page asked for (Sec-Fetch-Site), making nothing", async () => {
    const exports = () => (t.db.$client.prepare("SELECT count(*) AS n FROM audit_log WHERE action LIKE 'consents.%export'").get() as { n: number }).n
    for (const path of ['/api/admin/sites/acme/export?format=csv', '/api/admin/sites/acme/subjects/visitor-1xyz/export', '/api/admin/sites/acme/verify']) {
      // A page on another subdomain (same-site: SameSite=Strict still sends the cookie), or another site.
      for (const site of ['same-site', 'cross-site']) {
        const res = await t.request(path, { headers: { Cookie: cookie, 'Sec-Fetch-Site': site } })
        expect(res.status, `${path} from ${site}`).toBe(403)
        expect(apiError.parse(await res.json()).error.code).toBe('cross_site_request')
      }
      expect(exports()).toBe(0)
    }
    // The dashboard's own page, an address typed in, and a client that sends no such header.
    for (const headers of [{ 'Sec-Fetch-Site': 'same-origin' }, { 'Sec-Fetch-Site': 'none' }, {}] as Record<string, string>[]) {
      const res = await t.request('/api/admin/sites/acme/export?format=ndjson', { headers: { Cookie: cookie, ...headers } })
      expect(res.status).toBe(200)
      await res.text()
    }
    expect(exports()).toBe(3)
  })

  it('has no manifest while the file is still streaming, and leaves out records added meanwhile', async () => {
    // Enough rows for several pages, so the stream is still running after its first chunk.
    insertBulk(5000)
    const res = await t.request('/api/admin/sites/acme/export?format=csv', { headers: { Cookie: cookie } })
    const id = res.headers.get('x-export-id')
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let text = decoder.decode((await reader.read()).value)
    expect((await t.request('/api/v1/consents', json(consentBody()), '198.51.100.1')).status).toBe(201)
    expect((await manifestOf(id)).res.status).toBe(404)
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
    }
    const { manifest } = await manifestOf(id)
    expect(manifest).toMatchObject({ rowCount: 5012, chainHead: { seq: 5012, hash: 'f'.repeat(64) } })
    expect((parse(text, { columns: true }) as { seq: string }[]).map((r) => r.seq).at(-1)).toBe('5012')
  })

  it('a download cut short gets no manifest, and its reader lets go of the snapshot', async () => {
    insertBulk(5000)
    // Without Node's response (app.request), the file goes through a web stream.
    for (const [i, format] of (['ndjson', 'csv'] as const).entries()) {
      const threads = exportThreads()
      try {
        const res = await t.request(`/api/admin/sites/acme/export?format=${format}`, { headers: { Cookie: cookie } })
        const id = res.headers.get('x-export-id')
        const reader = res.body!.getReader()
        expect((await reader.read()).done).toBe(false)
        // While the export reads, its snapshot keeps a record written meanwhile from being checkpointed.
        expect((await t.request('/api/v1/consents', json(consentBody()), `198.51.100.${i + 2}`)).status).toBe(201)
        const during = walBusy()
        expect(during.checkpointed).toBeLessThan(during.log)
        // NDJSON is read by two threads, CSV by one: every one of them ends.
        expect(threads.running()).toBe(format === 'ndjson' ? 2 : 1)
        await reader.cancel()
        await expect.poll(() => { const after = walBusy(); return after.checkpointed === after.log }, { timeout: 5_000 }).toBe(true)
        await expect.poll(threads.running, { timeout: 5_000 }).toBe(0)
        expect((await manifestOf(id)).res.status).toBe(404)
      } finally {
        threads.restore()
      }
    }
  })

  it('answers 403 and audits no export when the account was removed from the site while the export began, ending its reader and freeing its places', async () => {
    await addUser(t.db, 'boss@acme.test', 'boss password!', { acme: 'owner' })
    const boss = await login({ email: 'boss@acme.test', password: 'boss password!' })
    const auditorId = (t.db.$client.prepare('SELECT id FROM users WHERE email = ?').get(OWNER.email) as { id: number }).id
    const held = holdAnswers(ConsentExports.prototype, 'begin')
    try {
      // As many as one account may run: a place each, of the site's too.
      const pending = [download('format=ndjson&consentId=visitor-1xyz'), download('format=csv')]
      await held.arrived(EXPORTS_PER_ACCOUNT)
      const removed = await t.request(`/api/admin/sites/acme/members/${auditorId}`, { method: 'DELETE', headers: { Cookie: boss.cookie, 'X-CSRF-Token': boss.csrfToken } })
      expect(removed.status).toBe(204)
      held.release()
      for (const { res, text, id } of await Promise.all(pending)) {
        expect(res.status).toBe(403)
        expect(apiError.parse(JSON.parse(text)).error.code).toBe('forbidden')
        expect(id).toBeNull()
      }
    } finally {
      held.restore()
    }
    const actions = t.db.$client.prepare('SELECT action FROM audit_log ORDER BY id').all() as { action: string }[]
    expect(actions.map((a) => a.action).filter((a) => a !== 'site.seed')).toEqual(['member.remove'])
    // Nor is there a trace of an export in their name: no byte went out, and no audit entry says one began.
    expect(t.db.$client.prepare('SELECT count(*) AS n FROM export_manifests').get()).toEqual({ n: 0 })
    // Their readers ended: nothing holds the write-ahead log back.
    expect((await t.request('/api/v1/consents', json(consentBody()), '198.51.100.1')).status).toBe(201)
    await expect.poll(() => { const after = walBusy(); return after.checkpointed === after.log }, { timeout: 5_000 }).toBe(true)
    // And their places, the site's included, are free: another account's two exports are both answered (held while their bodies are unread).
    const others = await Promise.all([0, 1].map(() => t.request('/api/admin/sites/acme/export?format=csv', { headers: { Cookie: boss.cookie } })))
    expect(others.map((r) => r.status)).toEqual([200, 200])
    await Promise.all(others.map((r) => r.text()))
  })
})

describe('an export that fails before its first byte', () => {
  it('answers 503 database_busy, making nothing, when another process holds the write lock past the wait (an NDJSON export takes it to open its snapshots)', async () => {
    const other = new Database(t.file)
    other.exec('BEGIN IMMEDIATE')
    try {
      const { res, text, id } = await download('format=ndjson')
      expect(res.status).toBe(503)
      expect(apiError.parse(JSON.parse(text)).error.code).toBe('database_busy')
      expect(id).toBeNull()
    } finally {
      other.exec('ROLLBACK')
      other.close()
    }
    expect(t.db.$client.prepare('SELECT count(*) AS n FROM export_manifests').get()).toEqual({ n: 0 })
    expect(t.db.$client.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'consents.export'").get()).toEqual({ n: 0 })
    const { res } = await download('format=ndjson')
    expect(res.status).toBe(200)
  })

  it('gives its places back even when the database refuses the writes that undo it', async () => {
    // A database that refuses writes (a full disk): the export's audit entry fails, and so does the delete of its manifest's row.
    t.db.$client.exec(`CREATE TRIGGER no_audit BEFORE INSERT ON audit_log WHEN NEW.action = 'consents.export' BEGIN SELECT RAISE(ABORT, 'disk full'); END;
      CREATE TRIGGER no_delete BEFORE DELETE ON export_manifests BEGIN SELECT RAISE(ABORT, 'disk full'); END;`)
    const statuses = []
    for (let i = 0; i < EXPORTS_PER_ACCOUNT + 1; i++) statuses.push((await t.request('/api/admin/sites/acme/export?format=csv', { headers: { Cookie: cookie } })).status)
    expect(statuses).toEqual(Array(EXPORTS_PER_ACCOUNT + 1).fill(500))
    t.db.$client.exec('DROP TRIGGER no_audit; DROP TRIGGER no_delete')
    const res = await t.request('/api/admin/sites/acme/export?format=csv', { headers: { Cookie: cookie } })
    expect(res.status).toBe(200)
    await res.text()
  })
})

describe('exports over a real HTTP server (bytes written straight to the socket)', () => {
  async function listening() {
    const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise((resolve) => server.once('listening', resolve))
    const { port } = server.address() as AddressInfo
    return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(resolve)) }
  }

  const open = (url: string, session = cookie) => new Promise<IncomingMessage>((resolve, reject) => get(url, { headers: { Cookie: session } }, resolve).on('error', reject))

  async function whole(res: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = []
    for await (const chunk of res) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks)
  }

  it('sends every page intact while page memory is handed back and refilled, and the manifest matches the bytes', async () => {
    // ~10 NDJSON pages and ~40 CSV pages: later pages are written into the memory of earlier ones.
    insertBulk(5000)
    const server = await listening()
    try {
      for (const format of ['ndjson', 'csv'] as const) {
        const res = await open(`${server.url}/api/admin/sites/acme/export?format=${format}`)
        expect(res.statusCode).toBe(200)
        expect(res.headers['content-type']).toBe(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
        expect(res.headers['x-content-type-options']).toBe('nosniff')
        expect(res.headers['x-request-id']).toBeTruthy()
        const bytes = await whole(res)
        const text = bytes.toString('utf8')
        const seqs =
          format === 'csv'
            ? (parse(text, { columns: true }) as { seq: string }[]).map((r) => Number(r.seq))
            : text.trimEnd().split('\n').map((l) => exportRow.parse(JSON.parse(l)).seq)
        expect(seqs).toEqual(Array.from({ length: 5012 }, (_, i) => i + 1))
        if (format === 'ndjson') expect(text.trimEnd().split('\n').slice(0, 12).map((l) => exportRow.parse(JSON.parse(l)))).toEqual(dbRows().slice(0, 12).map(asExportRow))
        const { manifest } = await manifestOf(res.headers['x-export-id'] as string)
        expect(manifest).toMatchObject({ format, rowCount: 5012, sha256: createHash('sha256').update(bytes).digest('hex') })
      }
    } finally {
      await server.close()
    }
  })

  it('a download cut short gets no manifest, and its reader lets go of the snapshot', async () => {
    insertBulk(50_000)
    const server = await listening()
    const threads = exportThreads()
    try {
      const res = await open(`${server.url}/api/admin/sites/acme/export?format=ndjson`)
      const id = res.headers['x-export-id'] as string
      // Not read: the server soon waits for the socket to drain, mid-file.
      res.pause()
      expect((await t.request('/api/v1/consents', json(consentBody()), '198.51.100.9')).status).toBe(201)
      const during = walBusy()
      expect(during.checkpointed).toBeLessThan(during.log)
      expect(threads.running()).toBe(2)
      res.destroy()
      await expect.poll(() => { const after = walBusy(); return after.checkpointed === after.log }, { timeout: 5_000 }).toBe(true)
      // Both of its threads end.
      await expect.poll(threads.running, { timeout: 5_000 }).toBe(0)
      expect((await manifestOf(id)).res.status).toBe(404)
      // The download cut short is in the access log all the same, with the status it was sent.
      await expect.poll(() => lines.filter((l) => l.msg === 'request' && l.path === '/api/admin/sites/acme/export')).toMatchObject([{ status: 200 }])
    } finally {
      threads.restore()
      await server.close()
    }
  })

  it('ends a file whose reading fails part way with an error, over HTTP and in-process, never as a whole shorter file: no manifest', async () => {
    insertBulk(2_000)
    const begin = ConsentExports.prototype.begin
    const failing = vi.spyOn(ConsentExports.prototype, 'begin').mockImplementation(async function (this: ConsentExports, o) {
      const job = await begin.call(this, o)
      const pages = job.chunks
      job.chunks = (async function* () {
        let n = 0
        for await (const page of pages) {
          if (++n === 2) throw new Error('the disk went away')
          yield page
        }
      })()
      return job
    })
    const server = await listening()
    try {
      const res = await open(`${server.url}/api/admin/sites/acme/export?format=ndjson`)
      expect(res.statusCode).toBe(200)
      await expect(whole(res)).rejects.toThrow()
      expect((await manifestOf(res.headers['x-export-id'] as string)).res.status).toBe(404)
      // app.request() (tests, other runtimes): the body ended as if whole, the first page only.
      const inProcess = await t.request('/api/admin/sites/acme/export?format=ndjson', { headers: { Cookie: cookie } })
      expect(inProcess.status).toBe(200)
      await expect(inProcess.arrayBuffer()).rejects.toThrow('the disk went away')
      expect((await manifestOf(inProcess.headers.get('x-export-id'))).res.status).toBe(404)
    } finally {
      failing.mockRestore()
      await server.close()
    }
  })

  it('refuses HEAD (405, Allow: GET) on the production listener before an export starts: no manifest, no audit entry', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    const server = serveApp(t.app, { port: 0, hostname: '127.0.0.1' })
    await new Promise((resolve) => server.once('listening', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/admin/sites/acme/export?format=ndjson`
    const count = (table: string, where = '1') => (t.db.$client.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).get() as { n: number }).n
    try {
      const head = await new Promise<IncomingMessage>((resolve, reject) => request(url, { method: 'HEAD', headers: { Cookie: cookie } }, resolve).on('error', reject).end())
      expect(head.statusCode).toBe(405)
      expect(head.headers.allow).toBe('GET')
      expect(head.headers['x-export-id']).toBeUndefined()
      expect(head.headers['content-disposition']).toBeUndefined()
      expect(await whole(head)).toHaveLength(0)
      // A GET after it is the only export there is.
      const res = await open(url)
      expect(res.statusCode).toBe(200)
      await whole(res)
      await expect.poll(() => count('export_manifests', 'completed_at IS NOT NULL')).toBe(1)
      expect(count('export_manifests')).toBe(1)
      expect(count('audit_log', "action = 'consents.export'")).toBe(1)
      // Hono re-wrapped the answer a HEAD export had already written to the socket: ERR_HTTP_HEADERS_SENT.
      expect(errors).not.toHaveBeenCalled()
    } finally {
      errors.mockRestore()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it(`runs at most ${EXPORTS_AT_ONCE} exports at once, ${EXPORTS_PER_ACCOUNT} of one account and ${EXPORTS_PER_SITE} of one site, answering 429 with Retry-After to one more, and takes the next once one has ended`, async () => {
    insertBulk(50_000)
    insertBulk(50_000, 'notice-only')
    await addUser(t.db, 'second@acme.test', 'second password', { acme: 'auditor', 'notice-only': 'auditor' })
    await addUser(t.db, 'third@acme.test', 'third password', { acme: 'auditor' })
    const second = (await login({ email: 'second@acme.test', password: 'second password' })).cookie
    const third = (await login({ email: 'third@acme.test', password: 'third password' })).cookie
    const server = await listening()
    const running: { res: IncomingMessage; site: string }[] = []
    const refusal = async (session: string, site = 'acme') => {
      const res = await t.request(`/api/admin/sites/${site}/export?format=csv`, { headers: { Cookie: session } })
      expect(res.status).toBe(429)
      expect(res.headers.get('retry-after')).toBe('10')
      const { error } = apiError.parse(await res.json())
      expect(error.code).toBe('exports_busy')
      return error.message
    }
    const start = async (session: string, site: string) => {
      const res = await open(`${server.url}/api/admin/sites/${site}/export?format=ndjson`, session)
      expect(res.statusCode).toBe(200)
      // Not read: each stays mid-file, waiting for its socket to drain.
      res.pause()
      running.push({ res, site })
    }
    try {
      for (let i = 0; i < EXPORTS_PER_ACCOUNT; i++) await start(cookie, 'acme')
      expect(await refusal(cookie)).toBe(`${EXPORTS_PER_ACCOUNT} of your exports are running, as many as one account may run at once; try again when one has finished`)
      for (let i = EXPORTS_PER_ACCOUNT; i < EXPORTS_PER_SITE; i++) await start(second, 'acme')
      // The site's accounts together leave a place to another site.
      expect(await refusal(second)).toBe(`${EXPORTS_PER_SITE} exports of this site are running, as many as one site may run at once; try again when one has finished`)
      for (let i = EXPORTS_PER_SITE; i < EXPORTS_AT_ONCE; i++) await start(second, 'notice-only')
      expect(await refusal(third)).toBe(`${EXPORTS_AT_ONCE} exports are running; try again when one has finished`)
      // One download cut short frees its place.
      running.shift()!.res.destroy()
      await expect
        .poll(async () => {
          const res = await t.request('/api/admin/sites/acme/export?format=csv&method=custom', { headers: { Cookie: third } })
          await res.body?.cancel()
          return res.status
        }, { timeout: 5_000 })
        .toBe(200)
      // The others finish whole once read.
      for (const { res, site } of running.splice(0)) {
        res.resume()
        const stored = (t.db.$client.prepare('SELECT count(*) AS n FROM consent_records WHERE site_id = ?').get(site) as { n: number }).n
        expect(stored).toBeGreaterThanOrEqual(50_000)
        expect((await whole(res)).toString().trimEnd().split('\n'), site).toHaveLength(stored)
      }
    } finally {
      for (const { res } of running) res.destroy()
      await server.close()
    }
  })

  it('closes a download whose client reads nothing for the stall time: its place is freed and it gets no manifest', async () => {
    t.close()
    t = startTestServer({ exportPace: { windowMs: 2_000, minBytes: 1 } })
    await addUser(t.db, OWNER.email, OWNER.password, { acme: 'auditor' })
    cookie = (await login(OWNER)).cookie
    insertBulk(50_000)
    const server = await listening()
    const stalled: IncomingMessage[] = []
    try {
      for (let i = 0; i < EXPORTS_PER_ACCOUNT; i++) {
        const res = await open(`${server.url}/api/admin/sites/acme/export?format=ndjson`)
        expect(res.statusCode).toBe(200)
        res.pause()
        stalled.push(res)
      }
      // The account's places are both taken (429 meanwhile) until the server closes the downloads
      // once the stall time has passed: then both are free again, for the same account.
      // Each read from the moment it opens (one left waiting would stall too).
      const exports: Promise<Buffer>[] = []
      await expect
        .poll(async () => {
          const res = await open(`${server.url}/api/admin/sites/acme/export?format=csv&method=custom`)
          if (res.statusCode === 200) exports.push(whole(res))
          else res.resume()
          return exports.length
        }, { timeout: 10_000 })
        .toBe(EXPORTS_PER_ACCOUNT)
      for (const file of await Promise.all(exports)) expect(file.toString().trimEnd().split('\n')).toHaveLength(50_001)
      for (const res of stalled) expect((await manifestOf(res.headers['x-export-id'] as string)).res.status).toBe(404)
    } finally {
      for (const res of stalled) res.destroy()
      await server.close()
    }
  })

  /** The body read at `bytesPerSecond` (paused whenever ahead of it); `whole` false when the server closed the download first. */
  function readAtPace(res: IncomingMessage, bytesPerSecond: number): Promise<{ whole: boolean; bytes: Buffer }> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = []
      let got = 0
      const began = Date.now()
      const ahead = () => got > ((Date.now() - began) * bytesPerSecond) / 1000
      const timer = setInterval(() => {
        if (res.isPaused() && !ahead()) res.resume()
      }, 20)
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk)
        got += chunk.length
        if (ahead()) res.pause()
      })
      const done = (whole: boolean) => {
        clearInterval(timer)
        resolve({ whole, bytes: Buffer.concat(chunks) })
      }
      res.on('end', () => done(true))
      // A response received whole may close before its last bytes are read here: 'end' follows them.
      res.on('close', () => res.complete || done(false))
      res.on('error', () => {})
    })
  }

  it('finishes a download read steadily above the pace, though the kernel takes its bytes in bursts further apart than a window', async () => {
    t.close()
    // 1 MiB in 500 ms (2 MiB a second); the client reads 3 MiB a second. A page of 512 records with
    // a 4 KB URL and a 4 KB user agent is ~4.3 MB, and the kernel takes a slow client's bytes ~1.4 MB
    // at a time: windows pass in which neither a page nor anything at all reaches it, though the
    // client reads all the while.
    t = startTestServer({ exportPace: { windowMs: 500, minBytes: 1024 * 1024 } })
    await addUser(t.db, OWNER.email, OWNER.password, { acme: 'auditor' })
    cookie = (await login(OWNER)).cookie
    insertBulk(1_500)
    t.db.$client.prepare("UPDATE consent_records SET url = ?, user_agent = ? WHERE record_id LIKE 'bulk-%'").run(`https://acme.test/${'p'.repeat(4000)}`, 'A'.repeat(4000))
    const server = await listening()
    try {
      const res = await open(`${server.url}/api/admin/sites/acme/export?format=ndjson`)
      expect(res.statusCode).toBe(200)
      const { whole, bytes } = await readAtPace(res, 3 * 1024 * 1024)
      expect(whole).toBe(true)
      expect(bytes.toString().trimEnd().split('\n')).toHaveLength(1_500)
      const { manifest } = await manifestOf(res.headers['x-export-id'] as string)
      expect(manifest).toMatchObject({ rowCount: 1_500, sha256: createHash('sha256').update(bytes).digest('hex') })
    } finally {
      await server.close()
    }
  })

  it('closes a download whose client stops reading within two windows, however fast it read before', async () => {
    t.close()
    t = startTestServer({ exportPace: { windowMs: 500, minBytes: 256 * 1024 } })
    await addUser(t.db, OWNER.email, OWNER.password, { acme: 'auditor' })
    cookie = (await login(OWNER)).cookie
    // ~35 MB of NDJSON: far more than the client reads and the kernel's buffers hold.
    insertBulk(100_000)
    const server = await listening()
    try {
      const res = await open(`${server.url}/api/admin/sites/acme/export?format=ndjson`)
      // 8 MB at full speed, then nothing: a balance that kept all it took beyond the pace would last
      // ~20 s more; what the server keeps lasts two windows once the kernel's buffers are full.
      let got = 0
      await new Promise<void>((resolve) =>
        res.on('data', (chunk: Buffer) => {
          got += chunk.length
          if (got < 8_000_000) return
          res.pause()
          resolve()
        }),
      )
      const stopped = Date.now()
      // Both of the account's places are free again once the server has closed it (each of these is
      // long enough to hold its place until the other has asked).
      await expect
        .poll(async () => {
          const both = [await open(`${server.url}/api/admin/sites/acme/export?format=ndjson&method=custom`), await open(`${server.url}/api/admin/sites/acme/export?format=csv&method=custom`)]
          for (const r of both) r.destroy()
          return both.map((r) => r.statusCode)
        }, { timeout: 10_000 })
        .toEqual([200, 200])
      expect(Date.now() - stopped).toBeLessThan(4_000)
      res.destroy()
      expect((await manifestOf(res.headers['x-export-id'] as string)).res.status).toBe(404)
    } finally {
      await server.close()
    }
  })

  it('closes a download whose client reads only a trickle (less than the pace asks in a window), while one read at any usual speed finishes', async () => {
    t.close()
    // 256 KiB in 3 s here (1 MiB a minute by default): about three times what the trickle below
    // takes, and a small part of what any reader takes, even on a busy machine.
    t = startTestServer({ exportPace: { windowMs: 3_000, minBytes: 256 * 1024 } })
    await addUser(t.db, OWNER.email, OWNER.password, { acme: 'auditor' })
    cookie = (await login(OWNER)).cookie
    insertBulk(50_000)
    const server = await listening()
    let trickle: NodeJS.Timeout | undefined
    try {
      const slow = await open(`${server.url}/api/admin/sites/acme/export?format=ndjson`)
      expect(slow.statusCode).toBe(200)
      // 16 KB every 500 ms: the client never stops reading, but takes ~32 KB a second.
      slow.pause()
      trickle = setInterval(() => slow.read(16_384), 500)
      // Read at full speed meanwhile, the account's other place gives the whole file.
      const fast = await open(`${server.url}/api/admin/sites/acme/export?format=csv&method=custom`)
      expect(fast.statusCode).toBe(200)
      expect((await whole(fast)).toString().trimEnd().split('\n')).toHaveLength(50_001)
      expect((await manifestOf(fast.headers['x-export-id'] as string)).res.status).toBe(200)
      // The server closes the trickle's download within a few windows (its client notices only once
      // it has read what the kernel holds): both of the account's places are free again at once.
      await expect
        .poll(async () => {
          const both = [await open(`${server.url}/api/admin/sites/acme/export?format=csv&method=custom`), await open(`${server.url}/api/admin/sites/acme/export?format=ndjson&method=custom`)]
          for (const res of both) res.destroy()
          return both.map((res) => res.statusCode)
        }, { timeout: 25_000 })
        .toEqual([200, 200])
      slow.destroy()
      expect((await manifestOf(slow.headers['x-export-id'] as string)).res.status).toBe(404)
    } finally {
      clearInterval(trickle)
      await server.close()
    }
  })
})

describe('signed manifests', () => {
  /** Checks a manifest as an outside verifier would: the keys endpoint's PEM, node:crypto, canonical JSON. */
  async function verifiesWithPublishedKey(manifest: Record<string, unknown>, app = t) {
    const res = await app.request('/api/v1/manifest-keys')
    expect(res.status).toBe(200)
    const { keys } = manifestKeyList.parse(await res.json())
    const key = keys.find((k) => k.keyId === manifest.keyId)
    if (!key) return false
    const { signature, ...signed } = manifest
    return verify(null, Buffer.from(canonicalJson(signed)), createPublicKey(key.publicKeyPem), Buffer.from(signature as string, 'base64'))
  }

  async function rawManifest(id: string | null, app = t, session = cookie) {
    const res = await app.request(`/api/admin/sites/acme/exports/${id}/manifest`, { headers: { Cookie: session } })
    expect(res.status).toBe(200)
    return (await res.json()) as Record<string, unknown>
  }

  it('carries a key id and a signature that the public key endpoint verifies; an edited copy does not', async () => {
    const { id, bytes } = await download('format=csv')
    const manifest = await rawManifest(id)
    expect(manifest).toMatchObject({ keyId: expect.stringMatching(/^[a-f0-9]{16}$/), signature: expect.any(String) })
    expect(Buffer.from(manifest.signature as string, 'base64')).toHaveLength(64)
    expect(await verifiesWithPublishedKey(manifest)).toBe(true)

    // The file cut by its last row, and the manifest edited to match it: the SHA-256 and the row
    // count agree with the file, only the signature tells.
    const cut = Buffer.from(bytes).toString().trimEnd().split('\n').slice(0, -1).join('\n') + '\n'
    const forged = { ...manifest, rowCount: 11, sha256: createHash('sha256').update(cut).digest('hex') }
    expect(await verifiesWithPublishedKey(forged)).toBe(false)
    expect(await verifiesWithPublishedKey({ ...manifest, createdBy: 'someone-else@acme.test' })).toBe(false)
    expect(await verifiesWithPublishedKey({ ...manifest, note: 'added after signing' })).toBe(false)
  })

  it('settles the signing key when the server starts, not on a visitor\'s first request', () => {
    // No request has been made: the key list a verifier will fetch already holds the signing key.
    expect(t.db.$client.prepare('SELECT count(*) AS n FROM manifest_keys WHERE retired_at IS NULL AND private_key IS NOT NULL').get()).toEqual({ n: 1 })
  })

  it('publishes the keys to anyone, with CORS, and keeps signing with the key generated on first use', async () => {
    const first = await rawManifest((await download('format=ndjson')).id)
    const res = await t.request('/api/v1/manifest-keys', { headers: { Origin: 'https://auditor.example' } })
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    const { keys } = manifestKeyList.parse(await res.json())
    expect(keys).toEqual([expect.objectContaining({ keyId: first.keyId, algorithm: 'Ed25519', retiredAt: null })])
    expect(createPublicKey(keys[0]!.publicKeyPem).export({ format: 'der', type: 'spki' }).subarray(12).toString('base64')).toBe(keys[0]!.publicKey)
    // The private half is in the database; a restarted server (a new app on it) signs with the same key.
    const stored = t.db.$client.prepare('SELECT id, private_key FROM manifest_keys').all() as { id: string; private_key: string | null }[]
    expect(stored).toEqual([{ id: first.keyId, private_key: expect.any(String) }])
    const restarted = appOnSameDatabase(t)
    const second = await rawManifest((await download('format=csv', restarted)).id, restarted)
    expect(second.keyId).toBe(first.keyId)
  })

  it('signs with MANIFEST_SIGNING_KEY, never stores its private half, and still verifies manifests of the key it replaced', async () => {
    const generated = await rawManifest((await download('format=csv')).id)

    const fromEnv = generateKeyPairSync('ed25519')
    const envKey = parseEnv({ MANIFEST_SIGNING_KEY: fromEnv.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64') }).MANIFEST_SIGNING_KEY
    const withEnv = appOnSameDatabase(t, envKey)
    const signedByEnv = await rawManifest((await download('format=csv', withEnv)).id, withEnv)
    const envKeyId = createHash('sha256').update(fromEnv.publicKey.export({ format: 'der', type: 'spki' }).subarray(12)).digest('hex').slice(0, 16)
    expect(signedByEnv.keyId).toBe(envKeyId)
    const { signature, ...signed } = signedByEnv
    expect(verify(null, Buffer.from(canonicalJson(signed)), fromEnv.publicKey, Buffer.from(signature as string, 'base64'))).toBe(true)

    const { keys } = manifestKeyList.parse(await (await withEnv.request('/api/v1/manifest-keys')).json())
    expect(keys.map((k) => [k.keyId, k.retiredAt === null])).toEqual([
      [envKeyId, true],
      [generated.keyId, false],
    ])
    expect(t.db.$client.prepare('SELECT count(*) AS n FROM manifest_keys WHERE private_key IS NOT NULL').get()).toEqual({ n: 0 })
    // Both manifests verify against the published list.
    expect(await verifiesWithPublishedKey(generated, withEnv)).toBe(true)
    expect(await verifiesWithPublishedKey(signedByEnv, withEnv)).toBe(true)
    // The old manifest is served as it was signed.
    expect(await rawManifest(generated.exportId as string, withEnv)).toEqual(generated)
  })

  it('serves a manifest made before signing as it was, without keyId or signature', async () => {
    const { id } = await download('format=csv')
    t.db.$client.prepare('UPDATE export_manifests SET key_id = NULL, signature = NULL, created_by_email = NULL WHERE id = ?').run(id)
    const manifest = await rawManifest(id)
    expect(manifest).not.toHaveProperty('keyId')
    expect(manifest).not.toHaveProperty('signature')
    expect(manifest.createdBy).toBe(OWNER.email)
  })
})

/** A second app over the same database, as after a restart; signed in as the test's auditor (same session table). */
function appOnSameDatabase(base: TestServer, manifestKey?: ReturnType<typeof parseEnv>['MANIFEST_SIGNING_KEY']): TestServer {
  const app = createApp({
    db: base.db,
    env: { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: undefined, TRUST_PROXY: false, MANIFEST_SIGNING_KEY: manifestKey },
    logger: silentLogger,
    now: () => base.clock.now,
    consentLog: base.consentLog,
  })
  return { ...base, app, request: (path, init) => Promise.resolve(app.request(path, init, { incoming: { socket: { remoteAddress: '203.0.113.77' } } } as never)) }
}
