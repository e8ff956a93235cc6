// Texts that look the same are the same: a catalogue's texts are kept in one Unicode form (NFC),
// whichever form an editor, a spreadsheet or an older version wrote them in.
import { apiError, catalogue, catalogueDiff, catalogueState, type Catalogue } from '@miniconsent/shared'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ACME, send, startWithEditors, type AdminSession, type TestServer } from '../test-support'

let t: TestServer
let editor: AdminSession

beforeEach(async () => {
  ;({ t, editor } = await startWithEditors())
})
afterEach(() => t.close())

const acme = catalogue.parse(ACME.catalogue)
/** Acme with a Spanish purpose and banner title, in the Unicode form `form` gives. */
const spanish = (form: (text: string) => string): Catalogue => ({
  ...acme,
  entries: acme.entries.map((e) => ({ ...e, purpose: { ...e.purpose, es: form('No compartimos ningún dato') } })),
  texts: { es: { bannerTitle: form('Café y cookies') } },
})
const nfc = (text: string) => text.normalize('NFC')
const nfd = (text: string) => text.normalize('NFD')

const saveDraft = (c: unknown) => editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: c }))
const publish = () => editor.request('/api/admin/sites/acme/publish', send('POST', {}))
const diff = async () => catalogueDiff.parse(await (await editor.request('/api/admin/sites/acme/diff')).json())
const state = async () => catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json())

describe('texts in another Unicode form', () => {
  it('saves and imports texts composed (NFC), and a draft that differs from the live revision only in the form has nothing to publish', async () => {
    expect((await saveDraft(spanish(nfc))).status).toBe(200)
    expect((await publish()).status).toBe(201)

    // Written decomposed (NFD): stored composed, no change to review or publish.
    const saved = await saveDraft(spanish(nfd))
    expect(saved.status).toBe(200)
    expect(catalogueState.parse(await saved.json())).toMatchObject({ dirty: false, draft: spanish(nfc) })
    expect(await diff()).toMatchObject({ changes: [], needsConsent: false })
    const refused = await publish()
    expect(refused.status).toBe(409)
    expect(apiError.parse(await refused.json()).error.code).toBe('nothing_to_publish')

    const imported = await editor.request('/api/admin/sites/acme/catalogue/import?format=json', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(spanish(nfd)),
    })
    expect(imported.status).toBe(200)
    expect(catalogueState.parse(await imported.json())).toMatchObject({ dirty: false, draft: spanish(nfc) })
    const stored = t.db.$client.prepare("SELECT catalogue FROM site_drafts WHERE site_id = 'acme'").get() as { catalogue: string }
    expect(stored.catalogue).toBe(nfc(stored.catalogue))
  })

  it('reads a revision published decomposed, before texts were composed, as the same content as a composed draft', async () => {
    expect((await saveDraft(spanish(nfc))).status).toBe(200)
    expect((await publish()).status).toBe(201)
    // As an earlier version stored it: the live revision and the draft in NFD.
    const raw = (sql: string, ...params: unknown[]) => t.db.$client.prepare(sql).run(...params)
    raw("UPDATE revisions SET catalogue = ? WHERE site_id = 'acme' AND number = 2", JSON.stringify(spanish(nfd)))
    raw("UPDATE site_drafts SET catalogue = ? WHERE site_id = 'acme'", JSON.stringify(spanish(nfd)))

    expect(await state()).toMatchObject({ dirty: false, draft: spanish(nfc) })
    expect((await saveDraft(spanish(nfc))).status).toBe(200)
    expect((await state()).dirty).toBe(false)
    expect(await diff()).toMatchObject({ changes: [], needsConsent: false })
    expect((await publish()).status).toBe(409)
    const config = await t.request('/api/v1/sites/acme/config')
    expect(config.status).toBe(200)
  })
})

describe('texts that composing lengthens', () => {
  // "क़" written as one character (U+0958) is two once composed (NFC keeps the nukta apart), as are
  // other Devanagari, Gurmukhi and Bengali nukta letters and Hebrew presentation forms.
  const longOnceComposed = (): Catalogue => ({ ...acme, services: acme.services.map((s) => ({ ...s, purpose: { hi: '\u0958'.repeat(4000) } })) })

  it('reads a stored revision and draft whose text was within its bound as written, and keeps reading after a save', async () => {
    expect(nfc('\u0958'.repeat(4000))).toHaveLength(8000)
    // As a version before texts were composed stored them: within the 4,000 characters as written.
    const raw = (sql: string, ...params: unknown[]) => t.db.$client.prepare(sql).run(...params)
    raw("UPDATE revisions SET catalogue = ? WHERE site_id = 'acme' AND number = 1", JSON.stringify(longOnceComposed()))
    raw("UPDATE site_drafts SET catalogue = ? WHERE site_id = 'acme'", JSON.stringify(longOnceComposed()))

    for (const url of ['/api/v1/sites/acme/config', '/sdk/acme.js']) expect((await t.request(url)).status, url).toBe(200)
    for (const url of ['/api/admin/sites/acme/catalogue', '/api/admin/sites/acme/diff', '/api/admin/sites/acme/revisions/1']) {
      expect((await editor.request(url)).status, url).toBe(200)
    }
    expect((await state()).draft.services[0]?.purpose.hi).toBe(nfc('\u0958'.repeat(4000)))
    expect((await saveDraft(acme)).status).toBe(200)
    expect((await editor.request('/api/admin/sites/acme/revisions/1')).status).toBe(200)
  })

  it('refuses saving a text within its bound as typed but over it once composed, saying why', async () => {
    const res = await saveDraft(longOnceComposed())
    expect(res.status).toBe(422)
    expect(apiError.parse(await res.json()).error.issues).toContainEqual({
      path: 'catalogue.services.0.purpose.hi',
      message: expect.stringMatching(/^Use at most 4000 characters: this text has 8000 \(counted in Unicode's composed form/),
    })
    // Decomposed text within the bound once composed is taken, as before.
    expect((await saveDraft({ ...acme, services: acme.services.map((s) => ({ ...s, purpose: { es: nfd('ú').repeat(3000) } })) })).status).toBe(200)
  })
})
