// The catalogue's rules as the editor meets them through the API: what a save or a publish refuses,
// what the re-consent verdict says of a change, and what stays readable from before a rule.
import { apiError, catalogue, catalogueDiff, revisionCreated, type Catalogue } from '@miniconsent/shared'
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
const saveDraft = (c: unknown) => editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: c }))
const publish = () => editor.request('/api/admin/sites/acme/publish', send('POST', {}))
const diff = async () => catalogueDiff.parse(await (await editor.request('/api/admin/sites/acme/diff')).json())
const issues = async (res: Response) => apiError.parse(await res.json()).error.issues
const config = async () => (await (await t.request('/api/v1/sites/acme/config')).json()) as { revision: number; needsBanner: boolean; catalogue: Catalogue }

/** Ad and analytics pixels placed in the required category: what 0.8.3 saved and published. */
const pixels = {
  ...acme,
  services: [
    { id: 'meta-pixel', category: 'essential', name: 'Meta Pixel', provider: 'Meta Platforms', vendor: 'meta' },
    { id: 'tiktok', category: 'essential', name: 'TikTok Pixel', provider: 'TikTok', vendor: 'tiktok' },
    { id: 'clarity', category: 'essential', name: 'Clarity', provider: 'Microsoft', vendor: 'clarity' },
  ],
  entries: [{ name: '_fbp', category: 'essential', service: 'meta-pixel', provider: 'Meta', expiry: '90d' }],
}
const switchable = { ...acme, categories: acme.categories.map((c) => (c.id === 'essential' ? { ...c, required: false } : c)) }

describe('catalogue rules on save and publish', () => {
  it('refuses a service with a vendor signal in a required category, naming it and the category', async () => {
    const res = await saveDraft(pixels)
    expect(res.status).toBe(422)
    expect(await issues(res)).toEqual(
      ['meta-pixel', 'tiktok', 'clarity'].map((id, i) => ({
        path: `catalogue.services.${i}.category`,
        message: expect.stringMatching(new RegExp(`^service "${id}" has the vendor signal "\\w+", but its category "essential" is required`)),
      })),
    )
    expect((await publish()).status).toBe(409)
    expect((await config()).needsBanner).toBe(true)
    // In marketing, visitors are asked.
    const asked = { ...pixels, categories: [...acme.categories, { id: 'marketing', label: { en: 'Marketing' }, consentMode: ['ad_storage'] }] }
    const moved = { ...asked, services: pixels.services.map((s) => ({ ...s, category: 'marketing' })), entries: pixels.entries.map((e) => ({ ...e, category: 'marketing' })) }
    expect((await saveDraft(moved)).status).toBe(200)
    expect((await publish()).status).toBe(201)
    expect(await config()).toMatchObject({ revision: 2, needsBanner: true })
  })

  it('refuses essential made switchable or left out', async () => {
    const off = await saveDraft(switchable)
    expect(off.status).toBe(422)
    expect(await issues(off)).toEqual([{ path: 'catalogue.categories.0.required', message: 'the "essential" category is always on and cannot be switched off: mark it required' }])

    const missing = { path: 'catalogue.categories', message: 'the "essential" category is missing: every catalogue has it, always on (required), for what the site needs to work' }
    const none = await saveDraft({ categories: [{ id: 'analytics', label: { en: 'Analytics' }, consentMode: ['analytics_storage'] }], services: acme.services })
    expect(none.status).toBe(422)
    expect(await issues(none)).toEqual([missing])
    // Another category made required in its place is no essential.
    const necessary = { ...acme, categories: [{ ...acme.categories[0]!, id: 'necessary' }, acme.categories[1]], entries: acme.entries.map((e) => ({ ...e, category: 'necessary' })) }
    const renamed = await saveDraft(necessary)
    expect(renamed.status).toBe(422)
    expect(await issues(renamed)).toEqual([missing])
    expect((await publish()).status).toBe(409)
  })

  it('refuses a Consent Mode type listed twice in a category', async () => {
    const twice = { ...acme, categories: acme.categories.map((c) => (c.id === 'analytics' ? { ...c, consentMode: ['analytics_storage', 'analytics_storage'] } : c)) }
    const res = await saveDraft(twice)
    expect(res.status).toBe(422)
    expect(await issues(res)).toEqual([
      { path: 'catalogue.categories.1.consentMode.1', message: 'category "analytics" lists the Consent Mode type "analytics_storage" twice' },
    ])
  })

  it('refuses a category without a name, which the banner would show as a switch with no label, but keeps serving one stored before', async () => {
    const unnamed = { ...acme, categories: acme.categories.map((c) => (c.id === 'analytics' ? { ...c, label: { en: '  ' } } : c)) }
    const res = await saveDraft(unnamed)
    expect(res.status).toBe(422)
    expect(await issues(res)).toEqual([
      { path: 'catalogue.categories.1.label', message: 'Enter a name for the category "analytics" in at least one language: visitors see it on its switch' },
    ])
    // As 0.9 could store it: the draft and the live revision stay readable and served; publishing asks for a name.
    const raw = (sql: string, ...params: unknown[]) => t.db.$client.prepare(sql).run(...params)
    raw("UPDATE revisions SET catalogue = ? WHERE site_id = 'acme'", JSON.stringify(unnamed))
    raw("UPDATE site_drafts SET catalogue = ? WHERE site_id = 'acme'", JSON.stringify({ ...unnamed, services: [] }))
    expect((await t.request('/api/v1/sites/acme/config')).status).toBe(200)
    expect((await owner.request('/api/admin/sites/acme/catalogue')).status).toBe(200)
    expect((await owner.request('/api/admin/sites/acme/revisions/1')).status).toBe(200)
    const refused = await publish()
    expect(refused.status).toBe(422)
    expect(apiError.parse(await refused.json()).error.issues?.map((i) => i.path)).toEqual(['categories.1.label'])
  })

  it('refuses a blank text in one language, which its visitors would read instead of another language, but keeps serving one stored before', async () => {
    const blank = {
      ...acme,
      categories: acme.categories.map((c) => (c.id === 'analytics' ? { ...c, label: { en: 'Analytics', de: ' ' }, description: { en: 'Visits', fr: '\u3000' } } : c)),
      services: acme.services.map((s) => ({ ...s, purpose: { en: 'Counts visits', de: '' } })),
    }
    const leaveOut = (lang: string) => `"${lang}" has no text: write one, or leave the language out so that its visitors read another language's`
    const res = await saveDraft(blank)
    expect(res.status).toBe(422)
    expect(await issues(res)).toEqual([
      { path: 'catalogue.categories.1.label.de', message: leaveOut('de') },
      { path: 'catalogue.categories.1.description.fr', message: leaveOut('fr') },
      { path: 'catalogue.services.0.purpose.de', message: leaveOut('de') },
    ])
    // Left out, the language reads another's text.
    const fixed = { ...acme, categories: acme.categories.map((c) => (c.id === 'analytics' ? { ...c, label: { en: 'Analytics' } } : c)) }
    expect((await saveDraft(fixed)).status).toBe(200)
    // As earlier versions could store it: the draft and the live revision stay readable and served; publishing names the text.
    const raw = (sql: string, ...params: unknown[]) => t.db.$client.prepare(sql).run(...params)
    raw("UPDATE revisions SET catalogue = ? WHERE site_id = 'acme'", JSON.stringify(blank))
    raw("UPDATE site_drafts SET catalogue = ? WHERE site_id = 'acme'", JSON.stringify({ ...blank, categories: fixed.categories }))
    expect((await t.request('/api/v1/sites/acme/config')).status).toBe(200)
    expect((await owner.request('/api/admin/sites/acme/catalogue')).status).toBe(200)
    expect((await owner.request('/api/admin/sites/acme/revisions/1')).status).toBe(200)
    const refused = await publish()
    expect(refused.status).toBe(422)
    expect(apiError.parse(await refused.json()).error.issues?.map((i) => i.path)).toEqual(['services.0.purpose.de'])
  })

  it('keeps serving a catalogue stored before these rules, and refuses to publish it until the draft is fixed', async () => {
    // As 0.8.3 could store them: essential switchable, ad pixels in a required category, a Consent Mode type twice.
    const old = {
      categories: [
        { ...acme.categories[0]!, required: false },
        { id: 'functional', required: true, label: { en: 'Functional' } },
        { ...acme.categories[1]!, consentMode: ['analytics_storage', 'analytics_storage'] },
      ],
      services: pixels.services.map((s) => ({ ...s, category: 'functional' })),
      entries: pixels.entries,
    }
    const raw = (sql: string, ...params: unknown[]) => t.db.$client.prepare(sql).run(...params)
    raw("UPDATE revisions SET catalogue = ? WHERE site_id = 'acme'", JSON.stringify(old))
    raw("UPDATE site_drafts SET catalogue = ? WHERE site_id = 'acme'", JSON.stringify(old))

    expect((await t.request('/api/v1/sites/acme/config')).status).toBe(200)
    expect((await config()).catalogue.services.map((s) => s.id)).toEqual(['meta-pixel', 'tiktok', 'clarity'])
    expect((await t.request('/sdk/acme.js')).status).toBe(200)
    const state = await owner.request('/api/admin/sites/acme/catalogue')
    expect(state.status).toBe(200)
    expect(((await state.json()) as { draft: Catalogue }).draft.services.map((s) => s.category)).toEqual(['functional', 'functional', 'functional'])
    expect((await owner.request('/api/admin/sites/acme/revisions/1')).status).toBe(200)
    expect((await editor.request('/api/admin/sites/acme/diff')).status).toBe(200)

    const refused = await publish()
    expect(refused.status).toBe(422)
    expect(apiError.parse(await refused.json()).error.issues?.map((i) => i.path)).toEqual([
      'categories.0.required',
      'categories.2.consentMode.1',
      'services.0.category',
      'services.1.category',
      'services.2.category',
    ])
    // Fixed, the draft publishes.
    expect((await saveDraft(acme)).status).toBe(200)
    expect((await publish()).status).toBe(201)
  })
})

describe('re-consent verdict through the API', () => {
  const withMarketing = { ...acme, categories: [...acme.categories, { id: 'marketing', label: { en: 'Marketing' }, consentMode: ['ad_storage', 'ad_user_data', 'ad_personalization'] }] }
  const marketing = (consentMode: string[]) => ({ ...withMarketing, categories: withMarketing.categories.map((c) => (c.id === 'marketing' ? { ...c, consentMode } : c)) })

  it('does not ask again for a Consent Mode map reordered or narrowed, and asks for a type added', async () => {
    expect((await saveDraft(withMarketing)).status).toBe(200)
    expect((await publish()).status).toBe(201)
    for (const types of [['ad_personalization', 'ad_storage', 'ad_user_data'], ['ad_storage', 'ad_user_data'], []]) {
      expect((await saveDraft(marketing(types))).status).toBe(200)
      expect(await diff(), types.join()).toMatchObject({ needsConsent: false, reasons: [], changes: [{ path: 'categories[marketing].consentMode', consentRelevant: false }] })
    }
    await saveDraft(marketing(['ad_storage', 'ad_user_data', 'ad_personalization', 'analytics_storage']))
    expect(await diff()).toMatchObject({ needsConsent: true, reasons: ['Category "marketing" grants other Consent Mode types: analytics_storage'] })
  })

  it('asks again when a regional purpose text beside its language says something else', async () => {
    const purpose = (p: Record<string, string>) => ({ ...acme, services: acme.services.map((s) => ({ ...s, purpose: p })) })
    await saveDraft(purpose({ en: 'Counts page views without cookies' }))
    expect((await publish()).status).toBe(201)
    await saveDraft(purpose({ en: 'Counts page views without cookies', 'en-US': 'Builds advertising profiles that we share with data brokers' }))
    expect(await diff()).toMatchObject({
      needsConsent: true,
      reasons: ['Purpose of service "plausible" changed (en-US, unlike en)'],
      changes: [{ path: 'services[plausible].purpose.en-US', kind: 'added', consentRelevant: true }],
    })
    const published = await publish()
    expect(revisionCreated.parse(await published.json()).revision.needsConsent).toBe(true)
    // A translation into a new language still does not ask again.
    await saveDraft(purpose({ en: 'Counts page views without cookies', 'en-US': 'Builds advertising profiles that we share with data brokers', de: 'Zählt Seitenaufrufe ohne Cookies' }))
    expect(await diff()).toMatchObject({ needsConsent: false, reasons: [] })
  })
})
