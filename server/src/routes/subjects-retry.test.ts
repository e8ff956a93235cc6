import { afterEach, beforeEach, expect, it } from 'vitest'
import { apiError, catalogueState, subjectData } from '@miniconsent/shared'
import { ACME, NOTICE_ONLY, addUser, consentBody, json, send, signIn, startTestServer, type AdminSession, type TestServer } from '../test-support'

let t: TestServer
let owner: AdminSession
beforeEach(async () => {
  const acme = { ...ACME, settings: { ...ACME.settings, documents: { terms: { version: '2026-01', url: 'https://acme.test/terms' } } } }
  const notice = { ...NOTICE_ONLY, settings: { ...NOTICE_ONLY.settings, documents: { terms: { version: '2026-01', url: 'https://notice.test/terms' } } } }
  t = startTestServer({}, [acme, notice])
  await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
  owner = await signIn(t, 'owner@acme.test', 'owner password 1')
})
afterEach(() => t.close())

const SUBJECT = 'visitor-erase-me'
const event = (n: number, extra: Record<string, unknown>) => ({
  recordId: `0b7a9c1e-2d3f-4a5b-8c6d-${n.toString(16).padStart(12, '0')}`,
  siteId: 'acme',
  consentId: SUBJECT,
  language: 'en',
  url: 'https://acme.test/signup',
  clientTime: '2026-11-22T10:59:58.000Z',
  ...extra,
})

it('does not store again an identify or accepted document the SDK sends again after the visitor’s erasure', async () => {
  const record = consentBody({ consentId: SUBJECT })
  const identify = event(1, { userId: 'customer-42' })
  const document = event(2, { type: 'terms', userId: 'customer-42' })
  expect((await t.request('/api/v1/consents', json(record), '192.0.2.7')).status).toBe(201)
  expect((await t.request('/api/v1/consents/identify', json(identify))).status).toBe(201)
  expect((await t.request('/api/v1/documents', json(document), '192.0.2.7')).status).toBe(201)

  const erased = await owner.request(`/api/admin/sites/acme/subjects/${SUBJECT}`, { method: 'DELETE' })
  expect(await erased.json()).toEqual({ erased: 1, identities: 1, documents: 1 })

  // The SDK's queue sends the same three bodies again (the first answers were lost, the page was left).
  t.clock.now += 60_000
  const retries = [
    (await t.request('/api/v1/consents', json(record), '192.0.2.7')).status,
    (await t.request('/api/v1/consents/identify', json(identify))).status,
    (await t.request('/api/v1/documents', json(document), '192.0.2.7')).status,
  ]
  // Each answered as stored, from its tombstone; before, the two events were stored again (201).
  expect(retries).toEqual([200, 200, 200])
  const after = subjectData.parse(await (await owner.request(`/api/admin/sites/acme/subjects/${SUBJECT}`)).json())
  expect([after.identities, after.documents]).toEqual([[], []])
  // What is kept of them names neither the visitor nor the user id.
  const kept = JSON.stringify(t.db.$client.prepare('SELECT * FROM erased_events').all())
  expect(kept).not.toContain(SUBJECT)
  expect(kept).not.toContain('customer-42')
  expect(t.db.$client.prepare('SELECT count(*) AS n FROM erased_events').get()).toEqual({ n: 2 })

  // The recordId of an erased event is still acme's: another site's event under it is a conflict.
  const elsewhere = await t.request('/api/v1/consents/identify', json({ ...identify, siteId: 'notice-only', url: 'https://notice.test/signup' }))
  expect(elsewhere.status).toBe(409)
  expect(apiError.parse(await elsewhere.json()).error.code).toBe('record_id_conflict')
  // A new event of the same visitor, under a new recordId, is stored: the erasure is of what was there.
  expect((await t.request('/api/v1/consents/identify', json(event(3, { userId: 'customer-42' })))).status).toBe(201)
})

it('answers an accepted document sent again 200 as stored after its type left the settings, erased or not; only a new one is refused', async () => {
  const kept = event(4, { type: 'terms', consentId: 'visitor-keep', userId: 'customer-7' })
  const erasedOne = event(5, { type: 'terms', userId: 'customer-42' })
  expect((await t.request('/api/v1/documents', json(kept), '192.0.2.7')).status).toBe(201)
  expect((await t.request('/api/v1/documents', json(erasedOne), '192.0.2.8')).status).toBe(201)
  expect((await owner.request(`/api/admin/sites/acme/subjects/${SUBJECT}`, { method: 'DELETE' })).status).toBe(200)
  // The site stops declaring the document.
  const { id: _id, ...settings } = catalogueState.parse(await (await owner.request('/api/admin/sites/acme/catalogue')).json()).settings
  expect((await owner.request('/api/admin/sites/acme/settings', send('PUT', { ...settings, documents: {} }))).status).toBe(200)

  // The SDK's queue sends both again (the first answers were lost): each is stored, or was erased.
  t.clock.now += 60_000
  expect((await t.request('/api/v1/documents', json(kept), '192.0.2.7')).status).toBe(200)
  expect((await t.request('/api/v1/documents', json(erasedOne), '192.0.2.8')).status).toBe(200)
  expect(t.db.$client.prepare('SELECT record_id FROM document_acceptances').pluck().all()).toEqual([kept.recordId])
  // Under a stored recordId, another acceptance is a conflict, as while the type was declared.
  const changed = await t.request('/api/v1/documents', json({ ...kept, userId: 'customer-8' }), '192.0.2.9')
  expect(changed.status).toBe(409)
  expect(apiError.parse(await changed.json()).error.code).toBe('record_id_conflict')
  // A new acceptance of the type is refused, and nothing stored.
  const fresh = await t.request('/api/v1/documents', json(event(6, { type: 'terms', consentId: 'visitor-keep' })), '192.0.2.10')
  expect(fresh.status).toBe(422)
  expect(apiError.parse(await fresh.json()).error.code).toBe('unknown_document')
  expect(t.db.$client.prepare('SELECT count(*) FROM document_acceptances').pluck().get()).toBe(1)
})
