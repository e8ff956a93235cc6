import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from './cli'
import { consentBody, json, startTestServer, type TestServer } from './test-support'

let t: TestServer
beforeEach(async () => {
  t = startTestServer()
  for (let i = 0; i < 3; i++) expect((await t.request('/api/v1/consents', json(consentBody()))).status).toBe(201)
})
afterEach(() => t.close())

function run(args: string[], env: Record<string, string> = {}) {
  const out: string[] = []
  const err: string[] = []
  const code = runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), env })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('miniconsent verify', () => {
  it('prints OK with the count and head hash, exit 0', () => {
    const r = run(['verify', '--site', 'acme', '--db', t.file])
    expect(r.code).toBe(0)
    const head = (t.db.$client.prepare("SELECT hash FROM consent_records WHERE seq=3").get() as { hash: string }).hash
    expect(r.out).toBe(`OK acme: 3 records, head ${head}`)
  })

  it('reads DATABASE_URL (a file: URL) when --db is absent', () => {
    expect(run(['verify', '--site', 'acme'], { DATABASE_URL: `file://${t.file}` }).code).toBe(0)
  })

  it('names the first bad record and exits 1 when the chain is broken', () => {
    t.db.$client.prepare("UPDATE consent_records SET method='reject-all' WHERE seq=2").run()
    const r = run(['verify', '--site', 'acme', '--db', t.file])
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/BROKEN acme at seq 2: .*edited/)
  })

  it('exits 2 for an unknown site, a missing database or bad usage', () => {
    expect(run(['verify', '--site', 'nobody', '--db', t.file])).toMatchObject({ code: 2, err: 'unknown site "nobody"' })
    expect(run(['verify', '--site', 'acme', '--db', t.file + '.missing']).code).toBe(2)
    expect(run(['verify', '--db', t.file]).err).toMatch(/^usage:/)
    expect(run(['frobnicate', '--site', 'acme']).code).toBe(2)
    expect(run(['verify', '--site', 'acme', '--colour']).code).toBe(2)
  })
})
