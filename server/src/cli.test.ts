import { createHash } from 'node:crypto'
import { parse } from 'csv-parse/sync'
import { stringify } from 'csv-stringify/sync'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from './cli'
import { recordHashV1 } from './services/consent-chain'
import { addUser, consentBody, json, startTestServer, type TestServer } from './test-support'

let t: TestServer
beforeEach(async () => {
  t = startTestServer()
  for (let i = 0; i < 3; i++) expect((await t.request('/api/v1/consents', json(consentBody()))).status).toBe(201)
})
afterEach(() => t.close())

async function run(args: string[], env: Record<string, string> = {}) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), env })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('miniconsent verify', () => {
  it('prints OK with the count and head hash, exit 0', async () => {
    const r = await run(['verify', '--site', 'acme', '--db', t.file])
    expect(r.code).toBe(0)
    const head = (t.db.$client.prepare("SELECT hash FROM consent_records WHERE seq=3").get() as { hash: string }).hash
    expect(r.out).toBe(`OK acme: 3 records, head ${head}`)
  })

  it('reads DATABASE_URL (a file: URL) when --db is absent', async () => {
    expect((await run(['verify', '--site', 'acme'], { DATABASE_URL: `file://${t.file}` })).code).toBe(0)
  })

  it('names the first bad record and exits 1 when the chain is broken', async () => {
    t.db.$client.prepare("UPDATE consent_records SET method='reject-all' WHERE seq=2").run()
    const r = await run(['verify', '--site', 'acme', '--db', t.file])
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/BROKEN acme at seq 2: .*edited/)
  })

  it('exits 2 for an unknown site, a missing database or bad usage', async () => {
    expect(await run(['verify', '--site', 'nobody', '--db', t.file])).toMatchObject({ code: 2, err: 'unknown site "nobody"' })
    expect((await run(['verify', '--site', 'acme', '--db', t.file + '.missing'])).code).toBe(2)
    expect((await run(['verify', '--db', t.file])).err).toMatch(/^usage:/)
    expect((await run(['frobnicate', '--site', 'acme'])).code).toBe(2)
    expect((await run(['verify', '--site', 'acme', '--colour'])).code).toBe(2)
  })

  it('exits 2 for a file that is not a MiniConsent database, and leaves it as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-bad-'))
    const cases: [string, string | null][] = [
      [join(dir, 'notes.txt'), 'these are not the pages of an SQLite file\n'],
      [join(dir, 'empty.sqlite'), ''],
      [dir, null],
    ]
    for (const [path, content] of cases) {
      if (content !== null) writeFileSync(path, content)
      const r = await run(['verify', '--site', 'acme', '--db', path])
      expect(r).toMatchObject({ code: 2 })
      expect(r.err).toMatch(/^cannot read .* as a MiniConsent database/)
      if (content !== null) expect(readFileSync(path, 'utf8')).toBe(content)
    }
    expect(readdirSync(dir).sort()).toEqual(['empty.sqlite', 'notes.txt'])
  })

  it('never writes to the database it verifies', async () => {
    // The database and its WAL; the -shm file is SQLite's shared-memory index, which readers use too.
    const files = () => readdirSync(t.dir).filter((f) => f.startsWith('test.sqlite') && !f.endsWith('-shm')).map((f) => [f, readFileSync(join(t.dir, f))] as const)
    const before = files()
    expect((await run(['verify', '--site', 'acme', '--db', t.file])).code).toBe(0)
    const after = files()
    expect(after.map(([f]) => f)).toEqual(before.map(([f]) => f))
    after.forEach(([, bytes], i) => expect(bytes.equals(before[i]![1])).toBe(true))
  })
})

describe('miniconsent verify --manifest --file', () => {
  let cookie: string
  beforeEach(async () => {
    await addUser(t.db, 'auditor@acme.test', 'auditor password', { acme: 'auditor' })
    const res = await t.request('/api/admin/login', json({ email: 'auditor@acme.test', password: 'auditor password' }))
    cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!
    for (let i = 0; i < 4; i++) {
      const url = i === 1 ? '@SUM(1+1)*cmd' : `https://acme.test/page-${i}`
      expect((await t.request('/api/v1/consents', json(consentBody({ method: 'custom', url })))).status).toBe(201)
    }
  })

  /** Downloads an export and its manifest into the test's directory; returns their paths. */
  async function exportFiles(query: string) {
    const res = await t.request(`/api/admin/sites/acme/export?${query}`, { headers: { Cookie: cookie } })
    const ext = query.includes('ndjson') ? 'ndjson' : 'csv'
    const file = join(t.dir, `export.${ext}`)
    writeFileSync(file, new Uint8Array(await res.arrayBuffer()))
    const manifest = await (await t.request(`/api/admin/sites/acme/exports/${res.headers.get('x-export-id')}/manifest`, { headers: { Cookie: cookie } })).json()
    const manifestFile = join(t.dir, 'manifest.json')
    writeFileSync(manifestFile, JSON.stringify(manifest))
    return { file, manifestFile }
  }

  it('accepts an untouched CSV or NDJSON export, counting erased records, exit 0', async () => {
    t.db.$client.prepare("UPDATE consent_records SET consent_id='erased', ip=NULL, user_agent=NULL, url='', erased_at='2026-11-22T11:00:00.000Z' WHERE seq=2").run()
    for (const format of ['csv', 'ndjson']) {
      const { file, manifestFile } = await exportFiles(`format=${format}`)
      const r = await run(['verify', '--manifest', manifestFile, '--file', file])
      expect(r).toMatchObject({ code: 0, err: '' })
      expect(r.out).toMatch(/^OK export .* of acme: 7 rows, SHA-256 matches the manifest, chain links verified; 1 erased$/)
    }
  })

  it('exits 1 naming the row for an edited cell, a removed row or a cut tail', async () => {
    const { file, manifestFile } = await exportFiles('format=csv')
    const original = readFileSync(file, 'utf8')
    const lines = original.split('\n')

    writeFileSync(file, original.replace('custom', 'accept-all'))
    let r = await run(['verify', '--manifest', manifestFile, '--file', file])
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/BROKEN .*: row 4 \(seq 4\): hash does not match the record's content/)

    writeFileSync(file, [...lines.slice(0, 3), ...lines.slice(4)].join('\n'))
    r = await run(['verify', '--manifest', manifestFile, '--file', file])
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/row 3 \(seq 4\): expected seq 3 but found 4/)

    writeFileSync(file, [...lines.slice(0, 7), ''].join('\n'))
    r = await run(['verify', '--manifest', manifestFile, '--file', file])
    expect(r.code).toBe(1)
    expect(r.err).toContain('the file was changed')
    expect(r.err).toContain('it has 6 rows, the manifest says 7')
    expect(r.err).toContain('rows were cut')
  })

  it("exits 1 for an erased record whose decision was edited in the file", async () => {
    t.db.$client.prepare("UPDATE consent_records SET consent_id='erased', ip=NULL, user_agent=NULL, url='', erased_at='2026-11-22T11:00:00.000Z' WHERE seq=4").run()
    const { file, manifestFile } = await exportFiles('format=csv&method=custom')
    const lines = readFileSync(file, 'utf8').split('\n')
    const erased = lines.findIndex((l) => l.includes(',erased,'))
    lines[erased] = lines[erased]!.replace(',custom,', ',accept-all,')
    writeFileSync(file, lines.join('\n'))
    const r = await run(['verify', '--manifest', manifestFile, '--file', file])
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/seq 4\): hash does not match the record's content/)
  })

  it('reads a CSV exported before 0.6, without the personalHash column', async () => {
    // Records as 0.5 wrote them (format 1: no personal hash), exported by 0.5 (one column fewer).
    const rows = t.db.$client.prepare("SELECT * FROM consent_records WHERE site_id='acme' ORDER BY seq").all() as any[]
    let prev = '0'.repeat(64)
    for (const r of rows) {
      const hash = recordHashV1(prev, {
        siteId: 'acme', seq: r.seq, recordId: r.record_id, consentId: r.consent_id, revision: r.revision, textsHash: r.texts_hash,
        categories: JSON.parse(r.categories), services: JSON.parse(r.services), method: r.method, region: r.region, mode: r.mode,
        language: r.language, url: r.url, userAgent: r.user_agent, ip: r.ip, gpc: Boolean(r.gpc), clientTime: r.client_time, serverTime: r.server_time,
      })
      t.db.$client.prepare("UPDATE consent_records SET prev_hash=?, hash=?, personal_hash=NULL WHERE site_id='acme' AND seq=?").run(prev, hash, r.seq)
      prev = hash
    }
    const { file, manifestFile } = await exportFiles('format=csv&method=custom')
    const before0_6 = parse(readFileSync(file, 'utf8')) as string[][]
    writeFileSync(file, stringify(before0_6.map((cells) => cells.slice(0, -1))))
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'))
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') }))
    const r = await run(['verify', '--manifest', manifestFile, '--file', file])
    expect(r).toMatchObject({ code: 0, err: '' })
    expect(r.out).toContain('4 rows')
  })

  it('checks each row of a filtered export on its own; exit 2 for a missing or malformed manifest', async () => {
    const { file, manifestFile } = await exportFiles('format=ndjson&method=custom')
    const r = await run(['verify', '--manifest', manifestFile, '--file', file])
    expect(r.code).toBe(0)
    expect(r.out).toContain('4 rows')
    expect(r.out).toContain('filtered export')
    writeFileSync(file, readFileSync(file, 'utf8').replace('page-2', 'page-9'))
    expect((await run(['verify', '--manifest', manifestFile, '--file', file])).err).toMatch(/hash does not match/)

    expect((await run(['verify', '--manifest', join(t.dir, 'none.json'), '--file', file])).code).toBe(2)
    // A folder given as the file: a message and exit 2 (it was an unhandled stream error).
    const folder = join(t.dir, 'export-folder.ndjson')
    mkdirSync(folder)
    const notFile = await run(['verify', '--manifest', manifestFile, '--file', folder])
    expect(notFile).toMatchObject({ code: 2, err: expect.stringContaining('is not a file') })
    // A file whose reading fails part way (Linux's /proc/self/mem answers EIO): exit 2, not a crash.
    if (existsSync('/proc/self/mem')) {
      expect(await run(['verify', '--manifest', manifestFile, '--file', '/proc/self/mem'])).toMatchObject({ code: 2, err: expect.stringContaining('cannot read') })
    }
    writeFileSync(manifestFile, '{"exportId": 1}')
    expect((await run(['verify', '--manifest', manifestFile, '--file', file])).code).toBe(2)
    expect((await run(['verify', '--manifest', manifestFile])).code).toBe(2)
  })
})
