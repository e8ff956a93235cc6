import {
  apiError,
  auditPage,
  catalogue,
  catalogueDiff,
  catalogueState,
  publishedConfig,
  revisionCreated,
  revisionDetail,
  revisionList,
  siteSettingsResponse,
  type Catalogue,
} from '@miniconsent/shared'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ACME, send, startWithEditors, type AdminSession, type TestServer } from '../test-support'

let t: TestServer
let owner: AdminSession
let editor: AdminSession

beforeEach(async () => {
  ;({ t, owner, editor } = await startWithEditors())
})
afterEach(() => t.close())

const acme = catalogue.parse(ACME.catalogue)
const withHotjar = (c: Catalogue): Catalogue => ({
  ...c,
  services: [...c.services, { id: 'hotjar', category: 'analytics', name: 'Hotjar', provider: 'Hotjar Ltd', purpose: { en: 'Heatmaps' } }],
  entries: [...c.entries, { name: '_hjSessionUser_*', kind: 'cookie', category: 'analytics', service: 'hotjar', provider: 'Hotjar Ltd', purpose: {}, expiry: '1y' }],
})

async function sdkConfig() {
  const res = await t.request('/sdk/acme.js')
  expect(res.status).toBe(200)
  const text = await res.text()
  return publishedConfig.parse(JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)))
}

async function saveDraft(session: AdminSession, c: unknown) {
  return session.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: c }))
}

describe('catalogue draft', () => {
  it('shows the seeded draft as live and clean', async () => {
    const res = await editor.request('/api/admin/sites/acme/catalogue')
    expect(res.status).toBe(200)
    const state = catalogueState.parse(await res.json())
    expect(state.settings.name).toBe('Acme')
    expect(state.draft).toEqual(acme)
    expect(state.live).toMatchObject({ revision: 1 })
    expect(state.dirty).toBe(false)
  })

  it('saves a draft without changing what visitors get, and remembers who saved it', async () => {
    const res = await saveDraft(editor, withHotjar(acme))
    expect(res.status).toBe(200)
    const state = catalogueState.parse(await res.json())
    expect(state.dirty).toBe(true)
    expect(state.draftUpdatedBy).toBe('editor@acme.test')
    expect(state.draft.services.map((s) => s.id)).toEqual(['plausible', 'hotjar'])
    expect((await sdkConfig()).catalogue.services.map((s) => s.id)).toEqual(['plausible'])
  })

  it('refuses to overwrite a draft saved since the editor opened it', async () => {
    const opened = catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json())
    t.clock.now += 60_000
    const first = await owner.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: withHotjar(acme), baseUpdatedAt: opened.draftUpdatedAt }))
    expect(first.status).toBe(200)
    const stale = await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: acme, baseUpdatedAt: opened.draftUpdatedAt }))
    expect(stale.status).toBe(409)
    const { error } = apiError.parse(await stale.json())
    expect(error).toMatchObject({ code: 'draft_conflict', message: expect.stringContaining('owner@acme.test saved the draft') })
    const state = catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json())
    expect(state.draft.services.map((s) => s.id)).toContain('hotjar')
  })

  it('gives every draft write a newer version, even within one millisecond, so a save based on an older one is refused', async () => {
    const draftPath = '/api/admin/sites/acme/catalogue/draft'
    const opened = async (session: AdminSession) => catalogueState.parse(await (await session.request('/api/admin/sites/acme/catalogue')).json())
    const saveOn = (session: AdminSession, c: Catalogue, base: string) => session.request(draftPath, send('PUT', { catalogue: c, baseUpdatedAt: base }))
    const importOn = (session: AdminSession, c: Catalogue, base: string) =>
      session.request(`/api/admin/sites/acme/catalogue/import?format=json&baseUpdatedAt=${encodeURIComponent(base)}`, { method: 'POST', body: JSON.stringify(c) })
    const refused = async (res: Response) => {
      expect(res.status).toBe(409)
      expect(apiError.parse(await res.json()).error.code).toBe('draft_conflict')
    }
    // The test clock stands still throughout: every write below happens in the same millisecond.
    const seeded = (await opened(editor)).draftUpdatedAt
    const first = catalogueState.parse(await (await saveOn(owner, { ...acme, categories: acme.categories.map((c) => ({ ...c, label: { ...c.label, de: c.id } })) }, seeded)).json())
    expect(Date.parse(first.draftUpdatedAt)).toBeGreaterThan(Date.parse(seeded))
    await refused(await saveOn(editor, acme, seeded))

    // A save: the editor loaded the owner's first save, the owner saves again on top of it.
    const editorView = await opened(editor)
    const second = catalogueState.parse(await (await saveOn(owner, withHotjar(first.draft), first.draftUpdatedAt)).json())
    expect(Date.parse(second.draftUpdatedAt)).toBeGreaterThan(Date.parse(first.draftUpdatedAt))
    await refused(await saveOn(editor, editorView.draft, editorView.draftUpdatedAt))
    await refused(await importOn(editor, editorView.draft, editorView.draftUpdatedAt))
    expect((await opened(owner)).draft.services.map((x) => x.id)).toContain('hotjar')

    // An import.
    const imported = await importOn(owner, acme, second.draftUpdatedAt)
    expect(imported.status).toBe(200)
    const afterImport = catalogueState.parse(await imported.json()).draftUpdatedAt
    expect(Date.parse(afterImport)).toBeGreaterThan(Date.parse(second.draftUpdatedAt))
    await refused(await saveOn(editor, withHotjar(acme), second.draftUpdatedAt))

    // The draft's reset by a rollback.
    expect((await saveOn(editor, withHotjar(acme), afterImport)).status).toBe(200)
    expect((await editor.request('/api/admin/sites/acme/publish', send('POST', {}))).status).toBe(201)
    const beforeRollback = await opened(editor)
    expect((await owner.request('/api/admin/sites/acme/rollback', send('POST', { revision: 1 }))).status).toBe(201)
    const rolledBack = await opened(owner)
    expect(rolledBack.draft).toEqual(acme)
    expect(Date.parse(rolledBack.draftUpdatedAt)).toBeGreaterThan(Date.parse(beforeRollback.draftUpdatedAt))
    await refused(await saveOn(editor, beforeRollback.draft, beforeRollback.draftUpdatedAt))
  })

  it('answers 422 with each problem at its field path', async () => {
    const bad = structuredClone(withHotjar(acme)) as Record<string, any>
    bad.entries[1].expiry = 'forever'
    bad.services[1].category = 'nope'
    // Always on, asked of nobody: Consent Mode would grant ads to every visitor without a banner.
    bad.categories[0].consentMode = ['security_storage', 'ad_storage']
    const res = await saveDraft(editor, bad)
    expect(res.status).toBe(422)
    const { error } = apiError.parse(await res.json())
    expect(error.code).toBe('invalid')
    expect(error.issues).toEqual(
      expect.arrayContaining([
        { path: 'catalogue.entries.1.expiry', message: expect.stringMatching(/duration/) },
        { path: 'catalogue.services.1.category', message: 'no category "nope"' },
        { path: 'catalogue.categories.0.consentMode', message: expect.stringContaining('"ad_storage"') },
      ]),
    )
    const state = catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json())
    expect(state.dirty).toBe(false)
  })

  it('refuses a draft or an imported file with a __proto__ key, whose text zod would drop without a word', async () => {
    const init = send('PUT', { catalogue: withHotjar(acme) })
    const text = (init.body as string).replace('"purpose":{"', '"purpose":{"__proto__":"Hidden purpose","')
    expect(text).not.toBe(init.body)
    const saved = await editor.request('/api/admin/sites/acme/catalogue/draft', { ...init, body: text })
    expect(saved.status).toBe(400)
    expect(apiError.parse(await saved.json()).error).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/\.purpose\.__proto__: "__proto__" is not accepted as a key$/) })
    const state = catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json())
    expect(state.dirty).toBe(false)
  })

  it('refuses a draft or an imported file whose text is not valid Unicode (a lone surrogate), which SQLite would store changed', async () => {
    const bad = structuredClone(withHotjar(acme)) as Record<string, any>
    bad.services[1].purpose = { en: 'Heatmaps \ud83d' }
    const saved = await saveDraft(editor, bad)
    expect(saved.status).toBe(400)
    expect(apiError.parse(await saved.json()).error).toMatchObject({ code: 'invalid_text', message: expect.stringMatching(/^catalogue\.services\[1\]\.purpose\.en: /) })
    const imported = await editor.request('/api/admin/sites/acme/catalogue/import?format=json', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(bad.catalogue ?? bad),
    })
    expect(apiError.parse(await imported.json()).error.code).toBe('invalid_text')
    const state = catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json())
    expect(state.dirty).toBe(false)
  })

  it('saves settings, which the SDK script serves at once', async () => {
    const { id: _id, ...settings } = catalogueState.parse(await (await owner.request('/api/admin/sites/acme/catalogue')).json()).settings
    const res = await editor.request('/api/admin/sites/acme/settings', send('PUT', { ...settings, cookieName: 'acme-consent', cookieLifetimeDays: 30 }))
    expect(res.status).toBe(200)
    expect(siteSettingsResponse.parse(await res.json()).settings).toMatchObject({ id: 'acme', cookieName: 'acme-consent' })
    expect((await sdkConfig()).site).toMatchObject({ cookieName: 'acme-consent', cookieLifetimeDays: 30 })

    const bad = await editor.request('/api/admin/sites/acme/settings', send('PUT', { ...settings, cookieLifetimeDays: 1000 }))
    expect(bad.status).toBe(422)
    expect(apiError.parse(await bad.json()).error.issues?.[0]?.path).toBe('cookieLifetimeDays')
  })

  it('answers 422 for a region no visitor is ever located in (UK for GB), and keeps the regions saved', async () => {
    const { id: _id, ...settings } = catalogueState.parse(await (await owner.request('/api/admin/sites/acme/catalogue')).json()).settings
    expect((await editor.request('/api/admin/sites/acme/settings', send('PUT', { ...settings, regions: { GB: 'opt-in' } }))).status).toBe(200)
    const bad = await editor.request('/api/admin/sites/acme/settings', send('PUT', { ...settings, regions: { UK: 'opt-in', 'US-CA': 'opt-out' } }))
    expect(bad.status).toBe(422)
    expect(apiError.parse(await bad.json()).error.issues).toEqual([{ path: 'regions.UK', message: '"UK" is no ISO 3166-1 country code (the United Kingdom is "GB")' }])
    const state = catalogueState.parse(await (await owner.request('/api/admin/sites/acme/catalogue')).json())
    expect(state.settings.regions).toEqual({ GB: 'opt-in' })
  })

  it('keeps domains as hostnames the CORS check can match, and answers 422 naming any other value', async () => {
    const { id: _id, ...settings } = catalogueState.parse(await (await owner.request('/api/admin/sites/acme/catalogue')).json()).settings
    const bad = await editor.request('/api/admin/sites/acme/settings', send('PUT', { ...settings, domains: ['acme.test', 'https://shop.acme.test', 'acme.test:8443'] }))
    expect(bad.status).toBe(422)
    expect(apiError.parse(await bad.json()).error.issues).toEqual([
      { path: 'domains.1', message: expect.stringContaining('"https://shop.acme.test" is not a hostname') },
      { path: 'domains.2', message: expect.stringContaining('"acme.test:8443" is not a hostname') },
    ])

    const res = await editor.request('/api/admin/sites/acme/settings', send('PUT', { ...settings, domains: ['Shop.Acme.Test.'] }))
    expect(res.status).toBe(200)
    expect(siteSettingsResponse.parse(await res.json()).settings.domains).toEqual(['shop.acme.test'])
    const allowed = async (origin: string) =>
      (await t.request('/api/v1/sites/acme/config', { headers: { Origin: origin } })).headers.get('access-control-allow-origin')
    expect(await allowed('https://shop.acme.test')).toBe('https://shop.acme.test')
    expect(await allowed('https://acme.test')).toBeNull()
  })
})

describe('site settings', () => {
  async function opened(session: AdminSession) {
    const state = catalogueState.parse(await (await session.request('/api/admin/sites/acme/catalogue')).json())
    const { id: _id, ...form } = state.settings
    return { form, base: state.settingsUpdatedAt! }
  }
  const settingsNow = async () => catalogueState.parse(await (await owner.request('/api/admin/sites/acme/catalogue')).json()).settings

  it('takes the settings back as GET gives them, id included, and refuses another id or a misspelt setting', async () => {
    const state = catalogueState.parse(await (await owner.request('/api/admin/sites/acme/catalogue')).json())
    const asGiven = await owner.request('/api/admin/sites/acme/settings', send('PUT', { ...state.settings, urlPassthrough: true }))
    expect(asGiven.status).toBe(200)
    expect(await settingsNow()).toMatchObject({ id: 'acme', urlPassthrough: true })
    const other = await owner.request('/api/admin/sites/acme/settings', send('PUT', { ...state.settings, id: 'notice-only' }))
    expect(other.status).toBe(422)
    expect(apiError.parse(await other.json()).error.issues).toEqual([{ path: 'id', message: '"notice-only" is not this site\'s id ("acme"): a site\'s id cannot change' }])
    const savedAt = async () => catalogueState.parse(await (await owner.request('/api/admin/sites/acme/catalogue')).json()).settingsUpdatedAt
    const base = await savedAt()
    expect(base).toBeTruthy()
    const misspelt = await owner.request('/api/admin/sites/acme/settings', send('PUT', { privacyPolicyURL: 'https://acme.test/new-privacy' }))
    expect(misspelt.status).toBe(422)
    expect(apiError.parse(await misspelt.json()).error.message).toBe('The request has a field the site settings does not have, first privacyPolicyURL: check the spelling, or remove it')
    expect(await savedAt()).toBe(base)
  })

  it('names a misspelt setting along with a refused one, in one 422, and saves nothing', async () => {
    const savedAt = async () => catalogueState.parse(await (await owner.request('/api/admin/sites/acme/catalogue')).json()).settingsUpdatedAt
    const base = await savedAt()
    const res = await owner.request('/api/admin/sites/acme/settings', send('PUT', { needConsent: 1, cookieLifetimeDays: 1000 }))
    expect(res.status).toBe(422)
    const { error } = apiError.parse(await res.json())
    expect(error.code).toBe('invalid')
    // Before, only cookieLifetimeDays: the misspelt key was named once the client had fixed it.
    expect(error.issues?.map((i) => i.path)).toEqual(['cookieLifetimeDays', 'needConsent'])
    expect(error.issues?.[1]?.message).toBe('"needConsent" is no field of the site settings here: check its spelling, or remove it')
    expect(await savedAt()).toBe(base)
  })

  it('lets only an owner change how long records are kept and whether IPs are stored', async () => {
    const { form } = await opened(editor)
    for (const change of [{ retentionDays: 1 }, { ipPolicy: 'none' }, { retentionDays: 1, ipPolicy: 'none' }] as const) {
      const res = await editor.request('/api/admin/sites/acme/settings', send('PUT', { ...form, privacyPolicyUrl: 'https://acme.test/privacy', ...change }))
      expect(res.status, JSON.stringify(change)).toBe(403)
      const { error } = apiError.parse(await res.json())
      expect(error.code).toBe('owner_only_setting')
      expect(error.message).toMatch(/^Only an owner of the site can change /)
      expect(error.issues?.map((i) => i.path)).toEqual(Object.keys(change))
    }
    // Nothing of a refused save is kept, not even its other fields.
    expect(await settingsNow()).toMatchObject({ retentionDays: 1826, ipPolicy: 'truncate' })
    expect((await settingsNow()).privacyPolicyUrl).toBeUndefined()
    const entries = auditPage.parse(await (await owner.request('/api/admin/sites/acme/audit')).json()).entries
    expect(entries.map((e) => e.action)).not.toContain('site.settings')

    // An editor's form sends the current values back unchanged: the rest of it is saved.
    const saved = await editor.request('/api/admin/sites/acme/settings', send('PUT', { ...form, privacyPolicyUrl: 'https://acme.test/privacy' }))
    expect(saved.status).toBe(200)
    expect(siteSettingsResponse.parse(await saved.json()).settings).toMatchObject({ privacyPolicyUrl: 'https://acme.test/privacy', retentionDays: 1826 })

    const byOwner = await owner.request('/api/admin/sites/acme/settings', send('PUT', { ...form, retentionDays: 400, ipPolicy: 'none' }))
    expect(byOwner.status).toBe(200)
    expect(await settingsNow()).toMatchObject({ retentionDays: 400, ipPolicy: 'none' })
    // What the owner set is not the editor's to change back: a form resends it, an API client
    // leaves it out, and either way it stays.
    const { form: later } = await opened(editor)
    expect((await editor.request('/api/admin/sites/acme/settings', send('PUT', { ...later, cookieLifetimeDays: 90 }))).status).toBe(200)
    expect((await editor.request('/api/admin/sites/acme/settings', send('PUT', { ...later, ipPolicy: 'truncate' }))).status).toBe(403)
    expect((await editor.request('/api/admin/sites/acme/settings', send('PUT', { name: 'Acme', domains: ['acme.test'] }))).status).toBe(200)
    expect(await settingsNow()).toMatchObject({ retentionDays: 400, ipPolicy: 'none', cookieLifetimeDays: 90, domains: ['acme.test'] })
    expect((await editor.request('/api/admin/sites/acme/settings', send('PUT', { retentionDays: 1826 }))).status).toBe(403)
  })

  it('keeps every setting a save leaves out, so a save of the name alone loses no domain, region, document or cookie', async () => {
    const { form } = await opened(owner)
    const full = {
      ...form,
      cookieName: 'acme_consent',
      regions: { 'US-CA': 'opt-in' },
      documents: { terms: { version: '2026-01', url: 'https://acme.test/terms' } },
      privacyPolicyUrl: 'https://acme.test/privacy',
    }
    expect((await owner.request('/api/admin/sites/acme/settings', send('PUT', full))).status).toBe(200)

    const renamed = await editor.request('/api/admin/sites/acme/settings', send('PUT', { name: 'Acme Inc.' }))
    expect(renamed.status).toBe(200)
    expect(siteSettingsResponse.parse(await renamed.json()).settings).toEqual({ id: 'acme', ...full, name: 'Acme Inc.' })
    expect(await settingsNow()).toEqual({ id: 'acme', ...full, name: 'Acme Inc.' })
    expect((await sdkConfig()).site).toMatchObject({ name: 'Acme Inc.', cookieName: 'acme_consent' })
    // Visitors on the site's domains can still record their choice.
    const cors = await t.request('/api/v1/sites/acme/config', { headers: { Origin: 'https://acme.test' } })
    expect(cors.headers.get('access-control-allow-origin')).toBe('https://acme.test')
    // The audit log tells the one change.
    const [entry] = auditPage.parse(await (await owner.request('/api/admin/sites/acme/audit')).json()).entries
    expect(entry).toMatchObject({ action: 'site.settings', before: { name: 'Acme', cookieName: 'acme_consent' }, after: { name: 'Acme Inc.', cookieName: 'acme_consent' } })
    // The form removes the privacy policy link by sending null.
    const cleared = await editor.request('/api/admin/sites/acme/settings', send('PUT', { privacyPolicyUrl: null }))
    expect(cleared.status).toBe(200)
    const { privacyPolicyUrl: _removed, ...rest } = full
    expect(await settingsNow()).toEqual({ id: 'acme', ...rest, name: 'Acme Inc.' })
  })

  it('refuses an empty list of domains, saying why, and keeps the settings as they were', async () => {
    const { form } = await opened(editor)
    for (const body of [{ ...form, domains: [] }, { name: 'Acme Inc.', domains: [] }]) {
      const res = await editor.request('/api/admin/sites/acme/settings', send('PUT', body))
      expect(res.status).toBe(422)
      const { error } = apiError.parse(await res.json())
      expect(error.code).toBe('invalid')
      expect(error.issues).toEqual([{ path: 'domains', message: expect.stringContaining('without one no visitor can record a choice') }])
      expect(error.message).toMatch(/^domains: keep at least one domain/)
    }
    expect(await settingsNow()).toMatchObject({ name: 'Acme', domains: ['acme.test', 'localhost'] })
  })

  it('refuses a save based on settings that were saved since, instead of reverting that change', async () => {
    const tabA = await opened(owner)
    const tabB = await opened(editor)
    // Before any save the settings are as the site was created (seeded at the test clock's time).
    expect(tabA.base).toBe(new Date(t.clock.now).toISOString())
    // The clock has not moved: a save within the same millisecond still makes a newer version.
    const first = await owner.request('/api/admin/sites/acme/settings', send('PUT', { ...tabA.form, cookieName: 'acme_consent', baseUpdatedAt: tabA.base }))
    expect(first.status).toBe(200)
    const afterA = siteSettingsResponse.parse(await first.json()).settingsUpdatedAt
    expect(Date.parse(afterA)).toBeGreaterThan(Date.parse(tabA.base))

    const stale = await editor.request('/api/admin/sites/acme/settings', send('PUT', { ...tabB.form, privacyPolicyUrl: 'https://acme.test/privacy', baseUpdatedAt: tabB.base }))
    expect(stale.status).toBe(409)
    const { error } = apiError.parse(await stale.json())
    expect(error).toMatchObject({ code: 'settings_conflict', message: expect.stringContaining(`owner@acme.test saved the settings at ${afterA}`) })
    expect((await settingsNow()).cookieName).toBe('acme_consent')
    expect((await sdkConfig()).site.cookieName).toBe('acme_consent')

    // Reloaded, the editor sees the change and saves on top of it.
    const reloaded = await opened(editor)
    expect(reloaded.base).toBe(afterA)
    t.clock.now += 60_000
    const ok = await editor.request('/api/admin/sites/acme/settings', send('PUT', { ...reloaded.form, privacyPolicyUrl: 'https://acme.test/privacy', baseUpdatedAt: reloaded.base }))
    expect(ok.status).toBe(200)
    expect(siteSettingsResponse.parse(await ok.json())).toMatchObject({
      settings: { cookieName: 'acme_consent', privacyPolicyUrl: 'https://acme.test/privacy' },
      settingsUpdatedAt: new Date(t.clock.now).toISOString(),
    })
    // A save that changes nothing keeps the version: a form still open on it saves without a conflict.
    const same = await editor.request('/api/admin/sites/acme/settings', send('PUT', { ...reloaded.form, privacyPolicyUrl: 'https://acme.test/privacy' }))
    expect(siteSettingsResponse.parse(await same.json()).settingsUpdatedAt).toBe(new Date(t.clock.now).toISOString())
    // The owner then shortens retention; the editor's form, still on the old value, is told to
    // reload (the conflict is checked first), not that it may not change retention.
    const current = await opened(owner)
    expect((await owner.request('/api/admin/sites/acme/settings', send('PUT', { ...current.form, retentionDays: 400, baseUpdatedAt: current.base }))).status).toBe(200)
    const outdated = await editor.request('/api/admin/sites/acme/settings', send('PUT', { ...current.form, name: 'Acme Inc', baseUpdatedAt: current.base }))
    expect(outdated.status).toBe(409)
    expect(apiError.parse(await outdated.json()).error.code).toBe('settings_conflict')
  })
})

describe('publishing', () => {
  it('publishes a new service: the SDK script carries it and stored choices become invalid', async () => {
    await saveDraft(editor, withHotjar(acme))
    const diff = catalogueDiff.parse(await (await editor.request('/api/admin/sites/acme/diff')).json())
    expect(diff).toMatchObject({ from: 1, to: 'draft', needsConsent: true })
    expect(diff.reasons).toContain('New service "Hotjar" (hotjar) in category "analytics"')

    const res = await editor.request('/api/admin/sites/acme/publish', send('POST', { note: 'adds Hotjar' }))
    expect(res.status).toBe(201)
    const { revision } = revisionCreated.parse(await res.json())
    expect(revision).toMatchObject({ number: 2, needsConsent: true, publishedBy: 'editor@acme.test', note: 'adds Hotjar' })
    expect(revision.contentHash).toMatch(/^[0-9a-f]{64}$/)

    const config = await sdkConfig()
    expect(config).toMatchObject({ revision: 2, consentRevision: 2 })
    expect(config.catalogue.entries.map((e) => e.name)).toContain('_hjSessionUser_*')
    const state = catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json())
    expect(state).toMatchObject({ dirty: false, live: { revision: 2, contentHash: revision.contentHash } })
  })

  it('keeps stored choices valid for a wording change, unless the publisher says otherwise', async () => {
    const reworded = { ...acme, categories: acme.categories.map((c) => ({ ...c, label: { en: c.label.en + '!' } })) }
    await saveDraft(editor, reworded)
    const res = await editor.request('/api/admin/sites/acme/publish', send('POST', {}))
    expect(revisionCreated.parse(await res.json()).revision.needsConsent).toBe(false)
    expect(await sdkConfig()).toMatchObject({ revision: 2, consentRevision: 1 })

    await saveDraft(editor, acme)
    // An override is a decision about the draft as reviewed: it names that draft by its hash.
    const reviewed = catalogueDiff.parse(await (await editor.request('/api/admin/sites/acme/diff')).json())
    expect((await editor.request('/api/admin/sites/acme/publish', send('POST', { needsConsent: true }))).status).toBe(422)
    const forced = await editor.request('/api/admin/sites/acme/publish', send('POST', { needsConsent: true, draftHash: reviewed.toHash, liveRevision: reviewed.from }))
    expect(revisionCreated.parse(await forced.json()).revision.needsConsent).toBe(true)
    expect(await sdkConfig()).toMatchObject({ revision: 3, consentRevision: 3 })
  })

  it('refuses to publish a draft that changed since it was reviewed, whose verdict was about other content', async () => {
    await saveDraft(editor, { ...acme, categories: acme.categories.map((c) => ({ ...c, label: { en: c.label.en + '!' } })) })
    const reviewed = catalogueDiff.parse(await (await editor.request('/api/admin/sites/acme/diff')).json())
    expect(reviewed.needsConsent).toBe(false)
    // Meanwhile another editor adds a tracker.
    await saveDraft(owner, withHotjar(acme))
    const stale = await editor.request('/api/admin/sites/acme/publish', send('POST', { needsConsent: false, draftHash: reviewed.toHash, liveRevision: reviewed.from }))
    expect(stale.status).toBe(409)
    expect(apiError.parse(await stale.json()).error.code).toBe('draft_changed')
    expect((await sdkConfig()).catalogue.services.map((s) => s.id)).toEqual(['plausible'])
    // Reviewed again, it publishes, asking visitors again for the new service.
    const again = catalogueDiff.parse(await (await editor.request('/api/admin/sites/acme/diff')).json())
    const published = await editor.request('/api/admin/sites/acme/publish', send('POST', { draftHash: again.toHash }))
    expect(revisionCreated.parse(await published.json()).revision.needsConsent).toBe(true)
  })

  it('asks again for a cookie named like another on its own path, and refuses the same cookie twice', async () => {
    const session = acme.entries[0]!
    const twice = { ...acme, entries: [...acme.entries, { ...session, category: 'analytics' }] }
    const refused = await saveDraft(editor, twice)
    expect(refused.status).toBe(422)
    expect(apiError.parse(await refused.json()).error.issues).toEqual([{ path: 'catalogue.entries.1.name', message: 'cookie "session" appears twice' }])

    await saveDraft(editor, { ...acme, entries: [...acme.entries, { ...session, category: 'analytics', path: '/shop', purpose: { en: 'Shop basket' } }] })
    const diff = catalogueDiff.parse(await (await editor.request('/api/admin/sites/acme/diff')).json())
    expect(diff).toMatchObject({ needsConsent: true, reasons: ['New cookie "session" (path /shop) in category "analytics"'] })
    expect(diff.changes.map((c) => c.path)).toEqual(['entries[cookie:session/shop]'])
  })

  it('keeps serving what was stored before the stricter rules, and refuses to publish it until the draft is fixed', async () => {
    // As 0.5 could store them: a URL among the domains, the same cookie twice in the draft and in the live revision.
    const twice = { ...acme, entries: [...acme.entries, { ...acme.entries[0]!, category: 'analytics' }] }
    const raw = (sql: string, ...params: unknown[]) => t.db.$client.prepare(sql).run(...params)
    const settings = JSON.parse((t.db.$client.prepare("SELECT settings FROM sites WHERE id = 'acme'").get() as { settings: string }).settings)
    raw("UPDATE sites SET settings = ? WHERE id = 'acme'", JSON.stringify({ ...settings, domains: [...settings.domains, 'https://old.acme.test'] }))
    raw("UPDATE revisions SET catalogue = ? WHERE site_id = 'acme'", JSON.stringify(twice))
    raw("UPDATE site_drafts SET catalogue = ? WHERE site_id = 'acme'", JSON.stringify(twice))

    expect((await t.request('/api/v1/sites/acme/config')).status).toBe(200)
    expect((await t.request('/sdk/acme.js')).status).toBe(200)
    const state = await owner.request('/api/admin/sites/acme/catalogue')
    expect(state.status).toBe(200)
    expect(catalogueState.parse(await state.json()).settings.domains).toContain('https://old.acme.test')
    expect((await owner.request('/api/admin/sites/acme/revisions/1')).status).toBe(200)

    const refused = await editor.request('/api/admin/sites/acme/publish', send('POST', {}))
    expect(refused.status).toBe(422)
    expect(apiError.parse(await refused.json()).error).toMatchObject({ code: 'invalid', issues: [{ path: 'entries.1.name', message: 'cookie "session" appears twice' }] })
    expect(revisionList.parse(await (await owner.request('/api/admin/sites/acme/revisions')).json()).revisions).toHaveLength(1)
  })

  it('keeps stored choices valid for a translation or a typo fix of a purpose', async () => {
    const purpose = (en: string, de?: string) => ({ ...acme, entries: acme.entries.map((e) => ({ ...e, purpose: de ? { en, de } : { en } })) })
    // Live: English only. The draft adds German and drops a letter of the English.
    await saveDraft(editor, purpose('Keeps you siged in </script>', 'Hält Sie angemeldet'))
    expect(revisionCreated.parse(await (await editor.request('/api/admin/sites/acme/publish', send('POST', {}))).json()).revision.needsConsent).toBe(false)
    await saveDraft(editor, purpose('Keeps you signed in </script>', 'Hält Sie angemeldet'))
    const diff = catalogueDiff.parse(await (await editor.request('/api/admin/sites/acme/diff')).json())
    expect(diff).toMatchObject({ needsConsent: false, changes: [{ path: 'entries[cookie:session].purpose.en', consentRelevant: false }] })

    await saveDraft(editor, purpose('Remembers what is in your basket', 'Hält Sie angemeldet'))
    expect(revisionCreated.parse(await (await editor.request('/api/admin/sites/acme/publish', send('POST', {}))).json()).revision.needsConsent).toBe(true)
  })

  it('answers 409 nothing_to_publish when the draft is live already', async () => {
    const res = await editor.request('/api/admin/sites/acme/publish', send('POST', {}))
    expect(res.status).toBe(409)
    expect(apiError.parse(await res.json()).error.code).toBe('nothing_to_publish')
  })

  it('keeps every revision immutable and lists them newest first, with diffs between any two', async () => {
    await saveDraft(editor, withHotjar(acme))
    await editor.request('/api/admin/sites/acme/publish', send('POST', {}))
    const list = revisionList.parse(await (await editor.request('/api/admin/sites/acme/revisions')).json())
    expect(list.revisions.map((r) => r.number)).toEqual([2, 1])
    const one = revisionDetail.parse(await (await editor.request('/api/admin/sites/acme/revisions/1')).json())
    expect(one.revision.catalogue).toEqual(acme)
    const diff = catalogueDiff.parse(await (await editor.request('/api/admin/sites/acme/diff?from=2&to=1')).json())
    expect(diff).toMatchObject({ from: 2, to: 1, needsConsent: false })
    expect(diff.changes.map((c) => [c.path, c.kind])).toEqual([
      ['services[hotjar]', 'removed'],
      ['entries[cookie:_hjSessionUser_*]', 'removed'],
    ])
    expect((await editor.request('/api/admin/sites/acme/revisions/9')).status).toBe(404)
    // Only plain digits name a revision: Number() would read these as 1 or 2.
    for (const bad of ['0x1', '1e0', '%201', '1.0', '0b10']) expect((await editor.request(`/api/admin/sites/acme/revisions/${bad}`)).status, bad).toBe(400)
    for (const bad of ['from=0x1', 'from=1e0&to=2', 'to=2.0']) expect((await editor.request(`/api/admin/sites/acme/diff?${bad}`)).status, bad).toBe(400)
    expect((await editor.request('/api/admin/sites/acme/diff?to=9')).status).toBe(404)
  })

  it('rolls back by publishing an old catalogue again and resetting the draft to it', async () => {
    await saveDraft(editor, withHotjar(acme))
    await editor.request('/api/admin/sites/acme/publish', send('POST', {}))
    const res = await owner.request('/api/admin/sites/acme/rollback', send('POST', { revision: 1 }))
    expect(res.status).toBe(201)
    const { revision } = revisionCreated.parse(await res.json())
    // Removing a service narrows what visitors agreed to: no new consent by default.
    expect(revision).toMatchObject({ number: 3, needsConsent: false, note: 'Rollback to revision 1' })
    const config = await sdkConfig()
    expect(config).toMatchObject({ revision: 3, consentRevision: 2 })
    expect(config.catalogue).toEqual(acme)
    const state = catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json())
    expect(state).toMatchObject({ draft: acme, dirty: false })
    expect((await owner.request('/api/admin/sites/acme/rollback', send('POST', { revision: 1 }))).status).toBe(409)
    expect((await owner.request('/api/admin/sites/acme/rollback', send('POST', { revision: 7 }))).status).toBe(404)
  })

  it('refuses to roll back over unpublished changes nobody has seen, and names what it discards', async () => {
    await saveDraft(editor, withHotjar(acme))
    await editor.request('/api/admin/sites/acme/publish', send('POST', {}))
    // Another editor starts on a change and saves it, unpublished.
    const unpublished = { ...acme, services: [...(acme.services ?? []), { id: 'matomo', category: 'analytics', name: 'Matomo', provider: 'InnoCraft' }] }
    await saveDraft(editor, unpublished)
    const blind = await owner.request('/api/admin/sites/acme/rollback', send('POST', { revision: 1 }))
    expect(blind.status).toBe(409)
    expect(apiError.parse(await blind.json()).error.code).toBe('unpublished_changes')
    // The owner reviews the draft, then the editor saves again before the rollback is sent.
    const seen = catalogueDiff.parse(await (await owner.request('/api/admin/sites/acme/diff')).json()).toHash
    await saveDraft(editor, { ...unpublished, services: unpublished.services.map((x) => (x.id === 'matomo' ? { ...x, name: 'Matomo Analytics' } : x)) })
    const stale = await owner.request('/api/admin/sites/acme/rollback', send('POST', { revision: 1, draftHash: seen }))
    expect(stale.status).toBe(409)
    expect(apiError.parse(await stale.json()).error.code).toBe('draft_changed')
    // Nothing was published or replaced by the refusals.
    expect(revisionList.parse(await (await owner.request('/api/admin/sites/acme/revisions')).json()).revisions).toHaveLength(2)
    const current = catalogueDiff.parse(await (await owner.request('/api/admin/sites/acme/diff')).json())
    expect(current.toHash).not.toBe(seen)
    const done = await owner.request('/api/admin/sites/acme/rollback', send('POST', { revision: 1, draftHash: current.toHash }))
    expect(done.status).toBe(201)
    const page = auditPage.parse(await (await owner.request('/api/admin/sites/acme/audit')).json())
    expect(page.entries[0]).toMatchObject({ action: 'catalogue.rollback', after: { revision: 3, discardedDraftHash: current.toHash } })
    // A draft that already is the catalogue rolled back to loses nothing: no hash needed, nothing discarded.
    await saveDraft(editor, withHotjar(acme))
    const back = await owner.request('/api/admin/sites/acme/rollback', send('POST', { revision: 2 }))
    expect(back.status).toBe(201)
    const entry = auditPage.parse(await (await owner.request('/api/admin/sites/acme/audit')).json()).entries[0]
    expect(entry).toMatchObject({ action: 'catalogue.rollback', after: { revision: 4 } })
    expect(entry!.after).not.toHaveProperty('discardedDraftHash')
    // A clean draft needs no hash, and the one seen is still checked when sent.
    await saveDraft(editor, withHotjar(acme))
    await editor.request('/api/admin/sites/acme/publish', send('POST', {}))
    expect((await owner.request('/api/admin/sites/acme/rollback', send('POST', { revision: 1, draftHash: current.toHash }))).status).toBe(409)
    expect((await owner.request('/api/admin/sites/acme/rollback', send('POST', { revision: 1 }))).status).toBe(201)
  })

  it('writes every change to the audit log with before and after', async () => {
    await saveDraft(editor, withHotjar(acme))
    await editor.request('/api/admin/sites/acme/publish', send('POST', { note: 'n' }))
    const page = auditPage.parse(await (await owner.request('/api/admin/sites/acme/audit')).json())
    expect(page.entries.map((e) => [e.action, e.user])).toEqual([
      ['catalogue.publish', 'editor@acme.test'],
      ['catalogue.draft', 'editor@acme.test'],
      ['site.seed', null],
    ])
    expect(page.entries[0]!.after).toMatchObject({ revision: 2, needsConsent: true, note: 'n' })
    expect(page.entries[1]!.before).toEqual(acme)
  })
})

describe('catalogue files', () => {
  it('exports the draft as CSV and imports it back unchanged', async () => {
    const res = await editor.request('/api/admin/sites/acme/catalogue/export?format=csv')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/)
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="acme-catalogue.csv"')
    const csv = await res.text()
    const [header, ...rows] = csv.trim().split('\n')
    expect(header).toBe(
      'category,service,service_name,service_provider,service_privacy_policy_url,name,kind,provider,expiry,domain,path,category_label_en,service_purpose_en,purpose_en',
    )
    expect(rows).toContain('essential,,,,,session,cookie,Acme,session,,,Essential,,Keeps you signed in </script>')
    // The service has no cookie of its own: it still gets a row.
    expect(rows).toContain('analytics,plausible,Plausible,Plausible Insights,,,,,,,,Analytics,,')

    const back = await editor.request('/api/admin/sites/acme/catalogue/import?format=csv', {
      method: 'POST',
      headers: { 'Content-Type': 'text/csv' },
      body: csv,
    })
    expect(back.status).toBe(200)
    expect(catalogueState.parse(await back.json())).toMatchObject({ draft: acme, dirty: false })
  })

  it('refuses an import over a draft saved since the importer opened it, and takes it otherwise', async () => {
    const opened = catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json()).draftUpdatedAt
    t.clock.now += 60_000
    await saveDraft(editor, withHotjar(acme))
    const file = JSON.stringify(acme)
    const stale = await editor.request(`/api/admin/sites/acme/catalogue/import?format=json&baseUpdatedAt=${encodeURIComponent(opened)}`, { method: 'POST', body: file })
    expect(stale.status).toBe(409)
    expect(apiError.parse(await stale.json()).error.code).toBe('draft_conflict')
    const kept = catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json())
    expect(kept.draft).toEqual(withHotjar(acme))
    const fresh = await editor.request(`/api/admin/sites/acme/catalogue/import?format=json&baseUpdatedAt=${encodeURIComponent(kept.draftUpdatedAt)}`, { method: 'POST', body: file })
    expect(fresh.status).toBe(200)
    expect(catalogueState.parse(await fresh.json()).draft).toEqual(acme)
    expect((await editor.request('/api/admin/sites/acme/catalogue/import?format=json&baseUpdatedAt=yesterday', { method: 'POST', body: file })).status).toBe(400)
  })

  it('imports a cookie table from a spreadsheet: new rows join, bad rows are named', async () => {
    const csv = [
      'category,service,service_name,service_provider,name,kind,provider,expiry,purpose_en,purpose_de',
      'essential,,,,session,cookie,Acme,session,Keeps you signed in,Hält Sie angemeldet',
      'marketing,meta-pixel,Meta Pixel,Meta Platforms,_fbp,cookie,Meta Platforms,3mo,Ads,Werbung',
    ].join('\r\n')
    const res = await editor.request('/api/admin/sites/acme/catalogue/import?format=csv', { method: 'POST', body: csv })
    expect(res.status).toBe(200)
    const { draft, dirty } = catalogueState.parse(await res.json())
    expect(dirty).toBe(true)
    expect(draft.categories.map((c) => c.id)).toEqual(['essential', 'analytics', 'marketing'])
    expect(draft.services.find((s) => s.id === 'meta-pixel')).toMatchObject({ category: 'marketing', provider: 'Meta Platforms' })
    expect(draft.entries).toEqual([
      expect.objectContaining({ name: 'session', purpose: { en: 'Keeps you signed in', de: 'Hält Sie angemeldet' } }),
      expect.objectContaining({ name: '_fbp', service: 'meta-pixel', expiry: '3mo' }),
    ])

    const bad = await editor.request('/api/admin/sites/acme/catalogue/import?format=csv', {
      method: 'POST',
      body: 'category,name,provider,expiry\nessential,a,Acme,1d\nessential,b,Acme,soon\n',
    })
    expect(bad.status).toBe(422)
    expect(apiError.parse(await bad.json()).error.issues).toEqual([{ path: 'entries.1.expiry', message: expect.stringMatching(/^line 3: /) }])
    expect((await editor.request('/api/admin/sites/acme/catalogue/import?format=csv', { method: 'POST', body: 'a,"b\n' })).status).toBe(400)
  })

  it("takes another site's cookie table only once it says which category a service of the draft goes in", async () => {
    // The other site: plausible in marketing with its one cookie, so its export has no row declaring it alone.
    const marketing = { id: 'marketing', required: false, label: { en: 'Marketing' }, description: {}, consentMode: [] }
    const other = catalogue.parse({
      ...acme,
      categories: [...acme.categories, marketing],
      services: [{ ...acme.services[0]!, category: 'marketing' }],
      entries: [...acme.entries, { name: '_pl', category: 'marketing', service: 'plausible', provider: 'Plausible Insights', expiry: '1y' }],
    })
    expect((await saveDraft(editor, other)).status).toBe(200)
    const file = await (await editor.request('/api/admin/sites/acme/catalogue/export?format=csv')).text()
    const rows = file.trim().split('\n')
    expect(rows.filter((r) => r.includes(',plausible,')).map((r) => r.split(',').slice(0, 6).join(','))).toEqual(['marketing,plausible,Plausible,Plausible Insights,,_pl'])
    // This site's draft: plausible in analytics.
    const ours = catalogue.parse({ ...acme, categories: other.categories })
    expect((await saveDraft(editor, ours)).status).toBe(200)
    const importCsv = (body: string) => editor.request('/api/admin/sites/acme/catalogue/import?format=csv', { method: 'POST', body })

    // Before: 200, plausible kept analytics while its cookie went into marketing; the draft was not the file's table, unsaid.
    const refused = await importCsv(file)
    expect(refused.status).toBe(422)
    expect(apiError.parse(await refused.json()).error).toMatchObject({
      code: 'invalid',
      message: `Line ${rows.findIndex((r) => r.includes(',plausible,')) + 1}, column "category": "marketing" is not the draft's category of the service "plausible", "analytics", and no row declares the service alone (with no entry name) to say which it is in: add such a row, in "marketing" to move the service there (as in a file exported from another site), or in "analytics" to keep it there`,
    })
    expect(catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json()).draft).toEqual(ours)

    // A row declaring it alone says which: marketing takes the other site's table as it was…
    const declaring = (categoryId: string) => `${file.trimEnd()}\n${categoryId},plausible${','.repeat(rows[0]!.split(',').length - 2)}\n`
    const moved = await importCsv(declaring('marketing'))
    expect(moved.status).toBe(200)
    expect(catalogueState.parse(await moved.json()).draft).toEqual(other)
    // …and analytics keeps the service where it is, its cookie in marketing.
    expect((await saveDraft(editor, ours)).status).toBe(200)
    const kept = catalogueState.parse(await (await importCsv(declaring('analytics'))).json()).draft
    expect(kept.services).toEqual(ours.services)
    expect(kept.entries.find((e) => e.name === '_pl')?.category).toBe('marketing')
  })

  it('names a bad row by its line in the file, refuses unreadable ids and language columns, skips empty spreadsheet rows, and changes nothing on a refusal', async () => {
    const before = catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json()).draft
    const importCsv = async (body: string) => {
      const res = await editor.request('/api/admin/sites/acme/catalogue/import?format=csv', { method: 'POST', body })
      return { status: res.status, error: res.status === 200 ? null : apiError.parse(await res.json()).error }
    }
    // A row declaring a service alone comes before the bad entry: the message still names its line.
    const header = 'category,service,service_name,service_provider,name,provider,expiry'
    const shifted = await importCsv([header, 'analytics,plausible,Plausible,Plausible Insights,,,', 'essential,,,,a,Acme,1d', 'essential,,,,b,Acme,soon'].join('\n'))
    expect(shifted.status).toBe(422)
    expect(shifted.error?.issues).toEqual([{ path: 'entries.1.expiry', message: expect.stringMatching(/^line 4: /) }])
    expect(shifted.error?.message).toMatch(/^The CSV file has problems: line 4: /)
    for (const [body, named] of [
      [`${header}\nMarketing,,,,x,Acme,1d`, /^Line 2, column "category": "Marketing" is no category id/],
      [`${header}\n,,,,x,Acme,1d`, /^Line 2, column "category": "" is no category id/],
      [`${header}\nmarketing,Meta Pixel,,,x,Acme,1d`, /^Line 2, column "service": "Meta Pixel" is no service id/],
    ] as const) {
      const refused = await importCsv(body)
      expect(refused.status, body).toBe(422)
      expect(refused.error?.message).toMatch(named)
    }
    // A text column of no language would drop its texts without a word.
    const language = await importCsv('category,name,provider,expiry,purpose_EN,purpose_de\nessential,s,Acme,1d,Signed in,Angemeldet')
    expect(language.status).toBe(400)
    expect(language.error?.message).toMatch(/the column "purpose_EN" names no language/)
    expect(catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json()).draft).toEqual(before)
    // Excel's trailing rows of empty cells are no rows.
    expect((await importCsv('category,name,provider,expiry\r\nessential,s,Acme,1d\r\n,,,\r\n,,,\r\n')).status).toBe(200)
  })

  it("names a service's or category's problem by the line and column of the file that set it, not by its place in the draft", async () => {
    const before = catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json())
    const importCsv = async (body: string) => {
      const res = await editor.request('/api/admin/sites/acme/catalogue/import?format=csv', { method: 'POST', body })
      return { status: res.status, error: apiError.parse(await res.json()).error }
    }
    const header = 'category,service,service_name,service_provider,service_privacy_policy_url,name,provider,expiry,category_label_en'
    for (const [rows, path, at] of [
      // Before, "The CSV file has problems: use an https://, …" at services.1.privacyPolicyUrl: the index counts the draft's services.
      [['analytics,x,X,Y,javascript:alert(1),xc,Y,1d,'], 'services.1.privacyPolicyUrl', 'line 2, column "service_privacy_policy_url"'],
      [['essential,,,,,s,Acme,1d,', `marketing,,,,,m,Acme,1d,${'L'.repeat(4001)}`], 'categories.2.label.en', 'line 3, column "category_label_en"'],
      [['essential,,,,,s,Acme,1d,', 'analytics,x,,,,xc,Y,1d,', `analytics,x,${'N'.repeat(201)},,,xd,Y,1d,`], 'services.1.name', 'line 4, column "service_name"'],
    ] as const) {
      const refused = await importCsv([header, ...rows].join('\n'))
      expect(refused.status, path).toBe(422)
      const issue = refused.error.issues?.find((i) => i.path === path)
      expect(issue?.message, path).toMatch(new RegExp(`^${at.replace(/[()]/g, '\\$&')}: `))
      expect(refused.error.message, path).toBe(`The CSV file has problems: ${issue?.message}`)
    }
    expect(catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json()).draftUpdatedAt).toBe(before.draftUpdatedAt)
  })

  it('names a blank text the file leaves as the draft has it as the draft\'s, to fix on the Catalogue page, not by a line of the file', async () => {
    // As a draft stored before blank texts were refused may hold them: a description (no column of
    // the file) and a purpose exported as an empty cell, which the import reads as "leave it".
    const blank = {
      ...acme,
      categories: acme.categories.map((c) => (c.id === 'analytics' ? { ...c, description: { en: 'Visits', fr: ' ' } } : c)),
      services: acme.services.map((s) => ({ ...s, purpose: { en: 'Counts visits', de: '' } })),
    }
    t.db.$client.prepare("UPDATE site_drafts SET catalogue = ? WHERE site_id = 'acme'").run(JSON.stringify(blank))
    const csv = await (await editor.request('/api/admin/sites/acme/catalogue/export?format=csv')).text()
    expect(csv).toContain('service_purpose_de')
    const before = catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json())
    const res = await editor.request('/api/admin/sites/acme/catalogue/import?format=csv', { method: 'POST', body: csv })
    expect(res.status).toBe(422)
    const leaveOut = (lang: string) => `"${lang}" has no text: write one, or leave the language out so that its visitors read another language's`
    const inDraft = (what: string) => `${what}, in the draft (the file leaves it as it is: fix it on the Catalogue page)`
    const error = apiError.parse(await res.json()).error
    expect(error.issues).toEqual([
      { path: 'categories.1.description.fr', message: `${inDraft('the description of the category "analytics"')}: ${leaveOut('fr')}` },
      { path: 'services.0.purpose.de', message: `${inDraft('the purpose of the service "plausible"')}: ${leaveOut('de')}` },
    ])
    expect(error.message).toBe(`The draft has problems the file leaves as they are: ${error.issues![0]!.message}`)
    expect(catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json()).draftUpdatedAt).toBe(before.draftUpdatedAt)
    // The CSV reader trims cells, so no blank text comes from the file. Fixed in the draft, the file imports.
    expect((await saveDraft(editor, acme)).status).toBe(200)
    expect((await editor.request('/api/admin/sites/acme/catalogue/import?format=csv', { method: 'POST', body: csv })).status).toBe(200)
  })

  it("reads the export's column names in any case, and refuses a column it would not read instead of dropping its values", async () => {
    const before = catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json()).draft
    const importCsv = (body: string) => editor.request('/api/admin/sites/acme/catalogue/import?format=csv', { method: 'POST', body })
    for (const [body, named] of [
      ['category,,\nanalytics,x,y', /^The CSV file cannot be read: line 2: column 2 has no name in the header but holds "x"/],
      ['category,name,provider,expiry,purpose\nessential,s,Acme,1d,Signed in', /^The CSV file cannot be read: the column "purpose" names no language/],
      ['category,name,provider,expiry,Duration\nessential,s,Acme,1d,1 day', /^The CSV file cannot be read: the column "Duration" is not one the import reads/],
    ] as const) {
      const refused = await importCsv(body)
      expect(refused.status, body).toBe(400)
      expect(apiError.parse(await refused.json()).error, body).toMatchObject({ code: 'invalid_csv', message: expect.stringMatching(named) })
    }
    expect(catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json()).draft).toEqual(before)

    const taken = await importCsv('category,Name,Kind,Provider,Expiry,Domain,Path,Purpose_en\nessential,theme,localStorage,Acme,persistent,.acme.test,/shop,Remembers the theme')
    expect(taken.status).toBe(200)
    expect(catalogueState.parse(await taken.json()).draft.entries).toEqual([
      { name: 'theme', kind: 'localStorage', category: 'essential', provider: 'Acme', purpose: { en: 'Remembers the theme' }, expiry: 'persistent', domain: '.acme.test', path: '/shop' },
    ])
  })

  it('refuses a file of 70,000 new ids (under 1 MB) at the line where its ids outgrow a consent record, without reading the rest', async () => {
    // Searched row by row in growing lists, such a file held the event loop for minutes, past this test's timeout.
    const rows = Array.from({ length: 70_000 }, (_, i) => `c${i},s${i}`)
    const res = await editor.request('/api/admin/sites/acme/catalogue/import?format=csv', { method: 'POST', body: ['category,service', ...rows].join('\n') })
    expect(res.status).toBe(422)
    expect(apiError.parse(await res.json()).error.message).toMatch(/^Line \d+: the categories' and services' ids take more than the 6144 bytes a consent record has for them/)
  })

  it('defuses spreadsheet formulas in the CSV and restores them on import', async () => {
    const sneaky = { ...acme, entries: acme.entries.map((e) => ({ ...e, purpose: { en: '=HYPERLINK("https://evil.test","x")' } })) }
    await saveDraft(editor, sneaky)
    const csv = await (await editor.request('/api/admin/sites/acme/catalogue/export?format=csv')).text()
    expect(csv).toContain(`"'=HYPERLINK(""https://evil.test"",""x"")"`)
    const back = await editor.request('/api/admin/sites/acme/catalogue/import?format=csv', { method: 'POST', body: csv })
    expect(catalogueState.parse(await back.json()).draft).toEqual(sneaky)

    // After a semicolon or a tab, where a spreadsheet in a `;` locale starts a new cell.
    const split = {
      ...acme,
      entries: [
        { ...acme.entries[0]!, purpose: { en: 'Counts;=1+2' } },
        { ...acme.entries[0]!, name: 'tabbed', purpose: { en: 'Counts\t=1+2' } },
      ],
    }
    await saveDraft(editor, split)
    const splitCsv = await (await editor.request('/api/admin/sites/acme/catalogue/export?format=csv')).text()
    expect(splitCsv).toContain(`,Counts;'=1+2\n`)
    expect(splitCsv).toContain(`,Counts\t'=1+2\n`)
    const splitBack = await editor.request('/api/admin/sites/acme/catalogue/import?format=csv', { method: 'POST', body: splitCsv })
    expect(catalogueState.parse(await splitBack.json()).draft).toEqual(split)
  })

  it('keeps a service in its category through a CSV round trip when its cookie sits in another', async () => {
    const split = { ...acme, entries: [...acme.entries, { name: 'plausible_ignore', kind: 'localStorage', category: 'essential', service: 'plausible', provider: 'Plausible Insights', purpose: {}, expiry: 'persistent' }] }
    await saveDraft(editor, split)
    const csv = await (await editor.request('/api/admin/sites/acme/catalogue/export?format=csv')).text()
    const back = await editor.request('/api/admin/sites/acme/catalogue/import?format=csv', { method: 'POST', body: csv })
    expect(back.status).toBe(200)
    expect(catalogueState.parse(await back.json()).draft).toEqual(catalogue.parse(split))
  })

  it("keeps a catalogue within what one request may carry: its JSON export imports back, and a save or import past that is refused 422 naming the size", async () => {
    // A CSV row of ~20 bytes is ~100 as the catalogue's JSON: a file well under 1 MB makes a catalogue the
    // dashboard could not save again, nor its own export import.
    const rows = (n: number) => ['category,name,provider,expiry', ...Array.from({ length: n }, (_, i) => `analytics,c${i},P,1d`)].join('\n')
    const importFile = (format: 'csv' | 'json', body: string) => editor.request(`/api/admin/sites/acme/catalogue/import?format=${format}`, { method: 'POST', body })
    const big = await importFile('csv', rows(10_000))
    expect(big.status).toBe(200)
    const saved = catalogueState.parse(await big.json()).draft
    const exported = await (await editor.request('/api/admin/sites/acme/catalogue/export?format=json')).text()
    // Before, the export was indented: 1.56 MB, refused 413 by its own server.
    expect(Buffer.byteLength(exported)).toBeLessThan(1024 * 1024)
    const back = await importFile('json', exported)
    expect(back.status).toBe(200)
    expect(catalogueState.parse(await back.json()).draft).toEqual(saved)
    // What the dashboard sends to save it.
    expect((await saveDraft(editor, saved)).status).toBe(200)

    const before = catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json())
    const tooBig = await importFile('csv', rows(11_000))
    expect(tooBig.status).toBe(422)
    const { error } = apiError.parse(await tooBig.json())
    expect(error.code).toBe('invalid')
    expect(error.message).toMatch(/^The catalogue takes \d+ bytes as JSON \(a draft's save\), more than the 1048576 bytes \(1 MB\) a request may carry/)
    // Sent without the fields a catalogue fills in by default, 11,000 entries fit in a request, but not the draft they make.
    const lean = { ...acme, entries: Array.from({ length: 11_000 }, (_, i) => ({ name: `c${i}`, category: 'analytics', provider: 'P', expiry: '1d' })) }
    expect(JSON.stringify({ catalogue: lean }).length).toBeLessThan(1024 * 1024)
    const leanSave = await saveDraft(editor, lean)
    expect(leanSave.status).toBe(422)
    expect(apiError.parse(await leanSave.json()).error.message).toMatch(/^The catalogue takes \d+ bytes as JSON/)
    const after = catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json())
    expect(after.draftUpdatedAt).toBe(before.draftUpdatedAt)
    expect(after.draft.entries).toHaveLength(10_000)
  })

  it('exports and imports JSON', async () => {
    const res = await editor.request('/api/admin/sites/acme/catalogue/export')
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="acme-catalogue.json"')
    expect(catalogue.parse(await res.json())).toEqual(acme)
    const imported = await editor.request('/api/admin/sites/acme/catalogue/import?format=json', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(withHotjar(acme)),
    })
    expect(imported.status).toBe(200)
    expect(catalogueState.parse(await imported.json()).draft).toEqual(withHotjar(acme))
    const broken = await editor.request('/api/admin/sites/acme/catalogue/import', { method: 'POST', body: '{"categories":' })
    expect(apiError.parse(await broken.json()).error.code).toBe('invalid_json')
  })

  it('refuses a saved draft with a field the catalogue does not have, as the import does, and keeps the draft', async () => {
    const opened = catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json())
    const draft = opened.draft as unknown as { categories: Record<string, unknown>[] }
    const misspelt = { ...draft, categories: [{ ...draft.categories[0], descripton: { en: 'Always on' } }, ...draft.categories.slice(1)] }
    const res = await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: misspelt, baseUpdatedAt: opened.draftUpdatedAt, baseUpdatedAT: 1 }))
    // Before, 200: the description typed under the misspelt name was dropped without a word.
    expect(res.status).toBe(422)
    const { error } = apiError.parse(await res.json())
    expect(error.message).toBe('The request has 2 fields the catalogue does not have, first catalogue.categories.0.descripton: check the spelling, or remove them')
    expect(error.issues?.map((i) => i.path)).toEqual(['catalogue.categories.0.descripton', 'baseUpdatedAT'])
    // A key of the request itself is not called a field of the catalogue.
    expect(error.issues?.[1]?.message).toBe('"baseUpdatedAT" is no field of the save of a draft (catalogue, baseUpdatedAt) here: check its spelling, or remove it')
    const after = catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json())
    expect(after.draftUpdatedAt).toBe(opened.draftUpdatedAt)
    // The draft as the API gives it (every field it sends) saves.
    const raw = (await (await editor.request('/api/admin/sites/acme/catalogue')).json()) as { draft: unknown }
    const wrapped = await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: raw.draft, catalog: raw.draft }))
    expect(wrapped.status).toBe(422)
    expect(apiError.parse(await wrapped.json()).error.message).toBe(
      'The request has a field the save of a draft (catalogue, baseUpdatedAt) does not have, first catalog: check the spelling, or remove it',
    )
    expect((await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: raw.draft, baseUpdatedAt: opened.draftUpdatedAt }))).status).toBe(200)
  })

  it('names a field the catalogue does not have along with its other problems, in a draft save and a JSON import alike', async () => {
    const opened = catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json())
    const draft = opened.draft as unknown as { categories: Record<string, unknown>[] }
    const flawed = { ...draft, categories: [{ ...draft.categories[0], id: 'NOT A SLUG', descripton: { en: 'Always on' } }, ...draft.categories.slice(1)] }
    const saved = await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: flawed, baseUpdatedAt: opened.draftUpdatedAt, baseUpdatedAT: 1 }))
    expect(saved.status).toBe(422)
    const paths = (error: { issues?: { path: string }[] }) => error.issues?.map((i) => i.path)
    // Before, only the id: the misspelt keys were named once it was fixed.
    expect(paths(apiError.parse(await saved.json()).error)).toEqual(expect.arrayContaining(['catalogue.categories.0.id', 'catalogue.categories.0.descripton', 'baseUpdatedAT']))
    const imported = await editor.request('/api/admin/sites/acme/catalogue/import', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ...flawed, textz: {} }) })
    expect(imported.status).toBe(422)
    const { error } = apiError.parse(await imported.json())
    expect(paths(error)).toEqual(expect.arrayContaining(['categories.0.id', 'categories.0.descripton', 'textz']))
    expect(error.issues?.find((i) => i.path === 'textz')?.message).toBe('"textz" is no field of the catalogue here: check its spelling, or remove it')
    const after = catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json())
    expect(after.draftUpdatedAt).toBe(opened.draftUpdatedAt)
  })

  it('refuses a JSON import with a field the catalogue does not have (a misspelling), naming each, and keeps the draft', async () => {
    const exported = (await (await editor.request('/api/admin/sites/acme/catalogue/export')).json()) as { categories: Record<string, unknown>[]; services: Record<string, unknown>[] }
    const before = catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json())
    const { privacyPolicyUrl: _, ...service } = exported.services[0]!
    const misspelt = {
      ...exported,
      categories: [{ ...exported.categories[0], descripton: { en: 'Always on' } }, ...exported.categories.slice(1)],
      services: [{ ...service, privacyPolicyURL: 'https://plausible.io/privacy' }, ...exported.services.slice(1)],
      textz: {},
    }
    const res = await editor.request('/api/admin/sites/acme/catalogue/import', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(misspelt) })
    expect(res.status).toBe(422)
    const { error } = apiError.parse(await res.json())
    expect(error.code).toBe('invalid')
    expect(error.message).toBe('The file has 3 fields the catalogue does not have, first categories.0.descripton: check the spelling, or remove them')
    expect(error.issues?.map((i) => i.path)).toEqual(['categories.0.descripton', 'services.0.privacyPolicyURL', 'textz'])
    const after = catalogueState.parse(await (await editor.request('/api/admin/sites/acme/catalogue')).json())
    expect(after.draft).toEqual(before.draft)
    expect(after.draftUpdatedAt).toBe(before.draftUpdatedAt)
  })
})
