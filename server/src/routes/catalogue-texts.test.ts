// A site's own texts, per language, as a save and a publication carry them to visitors (SPEC §4).
import { catalogue, catalogueState, publishedConfig, revisionCreated } from '@miniconsent/shared'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ACME, send, startWithEditors, type AdminSession, type TestServer } from '../test-support'

let t: TestServer
let editor: AdminSession

beforeEach(async () => {
  ;({ t, editor } = await startWithEditors())
})
afterEach(() => t.close())

const acme = catalogue.parse(ACME.catalogue)

describe("a site's texts", () => {
  it('carries its wording of the declaration, the notice button and the placeholder to visitors of a language the SDK has no texts in', async () => {
    // Traditional Chinese: the SDK has no built-in texts, so without these visitors read English.
    const zhHant = {
      bannerTitle: '我們使用 Cookie',
      ok: '好',
      changeSettings: '變更 Cookie 設定',
      services: '服務',
      name: '名稱',
      provider: '提供者',
      purpose: '用途',
      expiry: '期限',
      session: '工作階段',
      persistent: '永久',
      loadContent: '載入 {0} 的內容',
      loadNote: '這會設定 {0}。',
    }
    const saved = await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: { ...acme, texts: { 'zh-Hant': zhHant } } }))
    expect(saved.status).toBe(200)
    expect(catalogueState.parse(await saved.json()).draft.texts).toEqual({ 'zh-Hant': zhHant })

    const published = await editor.request('/api/admin/sites/acme/publish', send('POST', {}))
    expect(published.status).toBe(201)
    expect(revisionCreated.parse(await published.json()).revision.number).toBe(2)

    const res = await t.request('/api/v1/sites/acme/config')
    expect(res.status).toBe(200)
    expect(publishedConfig.parse(await res.json()).catalogue.texts).toEqual({ 'zh-Hant': zhHant })
    const script = await (await t.request('/sdk/acme.js')).text()
    const embedded = publishedConfig.parse(JSON.parse(script.slice(script.indexOf('{'), script.lastIndexOf('}') + 1)))
    expect(embedded.catalogue.texts['zh-Hant']).toEqual(zhHant)
  })
})
