import Database from 'better-sqlite3'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { AuditLog } from './audit'
import { ConsentSubjects } from './consent-subjects'
import { ManifestKeys } from './manifest-keys'
import { consentBody, json, startTestServer, type TestServer } from '../test-support'

let t: TestServer
beforeEach(() => {
  t = startTestServer({}, undefined, { writer: 'thread' })
})
afterEach(() => t.close())

/** Blocks this thread until another connection sees the site's log reach `seq`, for up to 2 s. */
function waitForCommit(file: string, seq: number): void {
  const other = new Database(file, { readonly: true })
  try {
    const highest = other.prepare<[], { seq: number | null }>("SELECT max(seq) AS seq FROM consent_records WHERE site_id = 'acme'")
    for (let waited = 0; (highest.get()?.seq ?? 0) < seq && waited < 2_000; waited += 10) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10)
  } finally {
    other.close()
  }
}

it("a look-up's decision in force is one of the records it lists, whatever the writer thread commits meanwhile", async () => {
  expect((await t.request('/api/v1/consents', json(consentBody({ consentId: 'visitor-subject' })), '192.0.2.1')).status).toBe(201)
  const subjects = new ConsentSubjects(t.db, () => t.clock.now, new AuditLog(t.db, () => t.clock.now), new ManifestKeys(t.db, () => t.clock.now))
  const client = t.db.$client
  const prepare = client.prepare.bind(client)
  t.clock.now += 60_000
  const changed = consentBody({ consentId: 'visitor-subject', method: 'reject-all', categories: { essential: true, analytics: false }, services: {}, clientTime: '2026-11-22T10:00:59.000Z' })
  let posted: Promise<{ seq: number }> | undefined
  // Between the look-up's read of the records and its read of the identities, the visitor changes
  // their mind and the writer thread commits it on its own connection.
  client.prepare = ((text: string) => {
    if (!posted && text.includes('from "consent_identities"')) {
      posted = t.consentLog.append({ ...(changed as never as Parameters<typeof t.consentLog.append>[0]), region: null, mode: 'opt-in', userAgent: null, ip: null })
      waitForCommit(client.name, 2)
    }
    return prepare(text)
  }) as typeof client.prepare
  const data = subjects.find('acme', 'visitor-subject')
  client.prepare = prepare
  expect((await posted!).seq).toBe(2)
  // The look-up shows the log as it was when it began, whole: the record it lists is the one in force.
  expect(data.records.map((r) => r.seq)).toEqual([1])
  expect(data.inForce).toBe(1)
})
