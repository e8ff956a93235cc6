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

it("a look-up's decision in force is one of the records it lists, whatever the writer thread commits meanwhile", async () => {
  expect((await t.request('/api/v1/consents', json(consentBody({ consentId: 'visitor-subject' })), '192.0.2.1')).status).toBe(201)
  const client = t.db.$client
  const prepare = client.prepare.bind(client)
  let slowed = false
  // A slow read of the identities (a large table, a busy disk): the writer thread commits meanwhile.
  client.prepare = ((text: string) => {
    if (!slowed && text.includes('from "consent_identities"')) {
      slowed = true
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300)
    }
    return prepare(text)
  }) as typeof client.prepare
  t.clock.now += 60_000
  // The visitor changes their mind while the look-up runs: the record is in the writer's ring at once.
  const changed = consentBody({ consentId: 'visitor-subject', method: 'reject-all', categories: { essential: true, analytics: false }, services: {}, clientTime: '2026-11-22T10:00:59.000Z' })
  const posted = t.consentLog.append({ ...(changed as never as Parameters<typeof t.consentLog.append>[0]), region: null, mode: 'opt-in', userAgent: null, ip: null })
  const subjects = new ConsentSubjects(t.db, () => t.clock.now, new AuditLog(t.db, () => t.clock.now), new ManifestKeys(t.db, () => t.clock.now))
  const data = subjects.find('acme', 'visitor-subject')
  client.prepare = prepare
  expect(slowed).toBe(true)
  // The second record was committed during the look-up (seq 2): the look-up shows the state before it, whole.
  expect((await posted).seq).toBe(2)
  expect(data.records.map((r) => r.seq)).toEqual([1])
  expect(data.inForce).toBe(1)
})
