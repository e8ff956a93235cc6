// Reading revisions, publishing and rolling back: what the answer may be cached as, and a verdict (or
// its override) tied to the draft and the live revision it was decided on.
import { apiError, catalogue, catalogueDiff, catalogueState, publishedConfig, revisionCreated, revisionList, type Catalogue } from '@miniconsent/shared'
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
const withServices = (...ids: string[]): Catalogue => ({
  ...acme,
  services: [...acme.services, ...ids.map((id) => ({ id, category: 'analytics', name: id, provider: `${id} Ltd`, purpose: {} }))],
})

async function publish(c: Catalogue) {
  expect((await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: c }))).status).toBe(200)
  expect((await editor.request('/api/admin/sites/acme/publish', send('POST', {}))).status).toBe(201)
}

async function live() {
  const res = await t.request('/api/v1/sites/acme/config')
  return publishedConfig.parse(await res.json())
}

describe('GET …/revisions/:number', () => {
  it('lets a published revision be cached, and not the 404 of one that is not published yet', async () => {
    const missing = await editor.request('/api/admin/sites/acme/revisions/2')
    expect(missing.status).toBe(404)
    expect(missing.headers.get('cache-control') ?? '').not.toMatch(/max-age/)
    await publish(withServices('hotjar'))
    const found = await editor.request('/api/admin/sites/acme/revisions/2')
    expect(found.status).toBe(200)
    expect(found.headers.get('cache-control')).toBe('private, max-age=3600')
  })
})

describe('rollback', () => {
  it('refuses a re-consent decision taken against a live revision that is no longer live', async () => {
    await publish(withServices('hotjar')) // 2
    await publish(withServices('hotjar', 'matomo')) // 3
    // The owner previews rolling back 3 → 2: it only drops matomo, so visitors need not be asked again.
    const preview = catalogueDiff.parse(await (await owner.request('/api/admin/sites/acme/diff?from=3&to=2')).json())
    expect(preview).toMatchObject({ from: 3, needsConsent: false })
    // Meanwhile the editor publishes revision 4, without hotjar and matomo.
    await publish(acme)
    const before = await live()
    expect(before).toMatchObject({ revision: 4, consentRevision: 3 })

    // The override was decided on revision 3: from 4, rolling back to 2 re-adds hotjar.
    const stale = await owner.request('/api/admin/sites/acme/rollback', send('POST', { revision: 2, needsConsent: false, liveRevision: 3 }))
    expect(stale.status).toBe(409)
    expect(apiError.parse(await stale.json()).error).toMatchObject({ code: 'live_changed', message: expect.stringContaining('Revision 4 is live now') })
    // The override may not be sent without naming the live revision at all.
    const blind = await owner.request('/api/admin/sites/acme/rollback', send('POST', { revision: 2, needsConsent: false }))
    expect(blind.status).toBe(422)
    expect(apiError.parse(await blind.json()).error.issues?.map((i) => i.path)).toEqual(['liveRevision'])
    // Nothing was published by the refusals.
    expect(await live()).toMatchObject({ revision: 4, consentRevision: 3 })
    expect(revisionList.parse(await (await owner.request('/api/admin/sites/acme/revisions')).json()).revisions).toHaveLength(4)

    // Reviewed again against revision 4, the rule asks again (hotjar is back); the owner agrees.
    const again = catalogueDiff.parse(await (await owner.request('/api/admin/sites/acme/diff?from=4&to=2')).json())
    expect(again).toMatchObject({ from: 4, needsConsent: true })
    const done = await owner.request('/api/admin/sites/acme/rollback', send('POST', { revision: 2, needsConsent: true, liveRevision: 4 }))
    expect(done.status).toBe(201)
    expect(revisionCreated.parse(await done.json()).revision).toMatchObject({ number: 5, needsConsent: true })
    expect(await live()).toMatchObject({ revision: 5, consentRevision: 5 })
  })

  it('checks the live revision when it is given without an override, and keeps working without either', async () => {
    await publish(withServices('hotjar')) // 2
    await publish(withServices('hotjar', 'matomo')) // 3
    expect((await owner.request('/api/admin/sites/acme/rollback', send('POST', { revision: 1, liveRevision: 2 }))).status).toBe(409)
    const ok = await owner.request('/api/admin/sites/acme/rollback', send('POST', { revision: 2, liveRevision: 3 }))
    expect(ok.status).toBe(201)
    // Dropping matomo narrows what visitors agreed to: the rule's verdict, no new consent.
    expect(revisionCreated.parse(await ok.json()).revision).toMatchObject({ number: 4, needsConsent: false })
    expect((await owner.request('/api/admin/sites/acme/rollback', send('POST', { revision: 1 }))).status).toBe(201)
  })
})

describe('publish', () => {
  it('refuses an override decided against a live revision that is no longer live, though the draft is back to the one reviewed', async () => {
    await publish(withServices('tiktok')) // 2
    const reviewed = withServices('tiktok', 'hotjar')
    expect((await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: reviewed }))).status).toBe(200)
    // The owner reviews the draft against revision 2: only hotjar is new.
    const seen = catalogueDiff.parse(await (await owner.request('/api/admin/sites/acme/diff')).json())
    expect(seen).toMatchObject({ from: 2, needsConsent: true, reasons: ['New service "hotjar" (hotjar) in category "analytics"'] })
    // Meanwhile the editor publishes revision 3 without tiktok, then saves the reviewed draft again.
    await publish(withServices('hotjar')) // 3
    expect((await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: reviewed }))).status).toBe(200)
    const now = catalogueDiff.parse(await (await owner.request('/api/admin/sites/acme/diff')).json())
    expect(now).toMatchObject({ from: 3, toHash: seen.toHash, reasons: ['New service "tiktok" (tiktok) in category "analytics"'] })

    // The owner's "do not ask again" was about hotjar against revision 2; from 3 it would add tiktok unasked.
    const stale = await owner.request('/api/admin/sites/acme/publish', send('POST', { needsConsent: false, draftHash: seen.toHash, liveRevision: seen.from }))
    expect(stale.status).toBe(409)
    expect(apiError.parse(await stale.json()).error).toMatchObject({ code: 'live_changed', message: 'Revision 3 is live now, not revision 2 as you saw it: review the changes again' })
    // Nor may the override leave the live revision unnamed.
    const blind = await owner.request('/api/admin/sites/acme/publish', send('POST', { needsConsent: false, draftHash: seen.toHash }))
    expect(blind.status).toBe(422)
    expect(apiError.parse(await blind.json()).error.issues?.map((i) => i.path)).toEqual(['liveRevision'])
    expect(await live()).toMatchObject({ revision: 3, consentRevision: 3 })

    // Decided again against revision 3, the override publishes.
    const done = await owner.request('/api/admin/sites/acme/publish', send('POST', { needsConsent: false, draftHash: now.toHash, liveRevision: 3 }))
    expect(done.status).toBe(201)
    expect(revisionCreated.parse(await done.json()).revision).toMatchObject({ number: 4, needsConsent: false })
  })

  it('takes null as the live revision of a site that has published nothing, and refuses it once something is live', async () => {
    const { toHash } = catalogueDiff.parse(await (await owner.request('/api/admin/sites/acme/diff')).json())
    const stale = await owner.request('/api/admin/sites/acme/publish', send('POST', { needsConsent: true, draftHash: toHash, liveRevision: null }))
    expect(stale.status).toBe(409)
    expect(apiError.parse(await stale.json()).error).toMatchObject({ code: 'live_changed', message: 'Revision 1 is live now, nothing was when you saw it: review the changes again' })
  })
})

describe('the re-consent verdict over several revisions', () => {
  const purpose = (text: Record<string, string>): Catalogue => ({ ...acme, services: acme.services.map((s) => ({ ...s, purpose: text })) })
  const revisionsNow = async () => revisionList.parse(await (await editor.request('/api/admin/sites/acme/revisions')).json())

  it('judges a draft against every revision visitors’ choices may date from: a text removed and written anew is a new purpose', async () => {
    await publish(purpose({ en: 'Counts visits, no personal data', de: 'Zählt Besuche, keine personenbezogenen Daten' })) // 2, asks
    await publish(purpose({ de: 'Zählt Besuche, keine personenbezogenen Daten' })) // 3: a translation removed, asks nobody
    expect((await revisionsNow()).revisions.slice(0, 2).map((r) => r.needsConsent)).toEqual([false, true])
    const next = purpose({ de: 'Zählt Besuche, keine personenbezogenen Daten', en: 'Builds advertising profiles shared with partners' })
    expect((await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: next }))).status).toBe(200)
    // Against revision 3 alone, an English text beside the German one is a translation; English
    // visitors who chose under revision 2 read another purpose now.
    const diff = catalogueDiff.parse(await (await editor.request('/api/admin/sites/acme/diff')).json())
    expect(diff).toMatchObject({ from: 3, needsConsent: true })
    expect(diff.reasons).toEqual([`Purpose of service "plausible" changed (en), since revision 2 (visitors' choices may date from it)`])
    expect(diff.changes.every((c) => !c.consentRelevant)).toBe(true)
    expect((await editor.request('/api/admin/sites/acme/publish', send('POST', {}))).status).toBe(201)
    expect(await live()).toMatchObject({ revision: 4, consentRevision: 4 })
  })

  it('does not let typo fixes add up to a new purpose', async () => {
    await publish(purpose({ en: 'Counts visits for the owner' })) // 2, asks
    const steps = ['Counts visits for the owners', 'Counts visitors for the owners']
    for (const text of steps) await publish(purpose({ en: text }))
    const [last, middle] = (await revisionsNow()).revisions
    // Each step is a typo fix of the one before; the second is more than two edits from revision 2.
    expect(middle).toMatchObject({ number: 3, needsConsent: false })
    expect(last).toMatchObject({ number: 4, needsConsent: true })
    // Once it asked, later typo fixes are judged from there.
    await publish(purpose({ en: 'Counts visitors for the owner' }))
    expect((await revisionsNow()).revisions[0]).toMatchObject({ number: 5, needsConsent: false })
  })

  it('compares a rollback the same way, and the preview from the live revision says what the rollback will do', async () => {
    await publish(purpose({ en: 'Counts visits, no personal data', de: 'Zählt Besuche' })) // 2, asks
    await publish(purpose({ en: 'Builds advertising profiles', de: 'Zählt Besuche' })) // 3, asks: another English purpose
    await publish(purpose({ de: 'Zählt Besuche' })) // 4: the English text removed, asks nobody
    // Back to 2 adds an English text beside the German (a translation, against 4 alone); against
    // 3, where choices date from, it replaces that English purpose.
    const preview = catalogueDiff.parse(await (await owner.request('/api/admin/sites/acme/diff?from=4&to=2')).json())
    expect(preview).toMatchObject({ from: 4, needsConsent: true, reasons: [expect.stringMatching(/^Purpose of service "plausible" changed \(en\), since revision 3 /)] })
    // Between two revisions of which neither is live, the pair alone.
    expect(catalogueDiff.parse(await (await owner.request('/api/admin/sites/acme/diff?from=3&to=4')).json())).toMatchObject({ needsConsent: false })
    const rolled = await owner.request('/api/admin/sites/acme/rollback', send('POST', { revision: 2 }))
    expect(rolled.status).toBe(201)
    expect(revisionCreated.parse(await rolled.json()).revision).toMatchObject({ number: 5, needsConsent: true })
  })

  it("keeps a publisher's override: what they judged is not asked again by the next publish", async () => {
    await publish(purpose({ en: 'Counts visits' })) // 2, asks
    // 3: another purpose, published with the publisher's "no need to ask" (say, a clarification).
    const clarified = purpose({ en: 'Counts visits, without cookies or personal data' })
    expect((await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: clarified }))).status).toBe(200)
    const { toHash, needsConsent } = catalogueDiff.parse(await (await editor.request('/api/admin/sites/acme/diff')).json())
    expect(needsConsent).toBe(true)
    // The override misspelt is refused, not dropped: the revision would ask every visitor again.
    const misspelt = await editor.request('/api/admin/sites/acme/publish', send('POST', { needConsent: false, draftHash: toHash }))
    expect(misspelt.status).toBe(422)
    expect(apiError.parse(await misspelt.json()).error.message).toBe('The request has a field a publication does not have, first needConsent: check the spelling, or remove it')
    expect((await revisionsNow()).revisions[0]?.number).toBe(2)
    expect((await editor.request('/api/admin/sites/acme/publish', send('POST', { needsConsent: false, draftHash: toHash, liveRevision: 2 }))).status).toBe(201)
    // 4: a service renamed, nothing else: judged from 3, where the publisher's decision stands.
    await publish({ ...clarified, services: clarified.services.map((s) => ({ ...s, name: `${s.name} Analytics` })) })
    expect((await revisionsNow()).revisions.slice(0, 3).map((r) => [r.number, r.needsConsent])).toEqual([[4, false], [3, false], [2, true]])
    expect(await live()).toMatchObject({ revision: 4, consentRevision: 2 })
  })

  it("ends no walk at an override: what its publisher was not shown is judged against the revision that asked", async () => {
    const counts = { en: 'Counts visits, no personal data', de: 'Zählt Besuche, keine personenbezogenen Daten' }
    await publish(purpose(counts)) // 2, asks
    await publish(purpose({ de: counts.de })) // 3: the English text removed, asks nobody
    const uptime = (name: string) => ({ id: 'uptime', category: 'essential', name, provider: 'Uptime Ltd', purpose: {} })
    const withUptime = (c: Catalogue, name = 'Uptime'): Catalogue => ({ ...c, services: [...c.services, uptime(name)] })
    expect((await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: withUptime(purpose({ de: counts.de })) }))).status).toBe(200)
    const shown = catalogueDiff.parse(await (await editor.request('/api/admin/sites/acme/diff')).json())
    expect(shown.reasons).toEqual(['New service "Uptime" (uptime) in category "essential"'])
    // 4: the publisher overrides the one reason they were shown.
    const overridden = await editor.request('/api/admin/sites/acme/publish', send('POST', { needsConsent: false, draftHash: shown.toHash, liveRevision: 3 }))
    expect(overridden.status).toBe(201)
    // The service they let in stays let in, renamed too; an English purpose of another meaning
    // than the one English visitors chose under at revision 2 asks them again.
    const next = withUptime(purpose({ de: counts.de, en: 'Builds advertising profiles shared with partners' }), 'Uptime monitor')
    expect((await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: next }))).status).toBe(200)
    const diff = catalogueDiff.parse(await (await editor.request('/api/admin/sites/acme/diff')).json())
    expect(diff).toMatchObject({ from: 4, needsConsent: true })
    expect(diff.reasons).toEqual([`Purpose of service "plausible" changed (en), since revision 2 (visitors' choices may date from it)`])
    expect((await editor.request('/api/admin/sites/acme/publish', send('POST', {}))).status).toBe(201)
    expect(await live()).toMatchObject({ revision: 5, consentRevision: 5 })
  })

  it('lets a regional text copied from its language in with the overridden text its visitors read', async () => {
    const draftDiff = async (c: Catalogue) => {
      expect((await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: c }))).status).toBe(200)
      return catalogueDiff.parse(await (await editor.request('/api/admin/sites/acme/diff')).json())
    }
    await publish(purpose({ en: 'Counts visits anonymously' })) // 2, asks
    const profiles = 'Builds advertising profiles'
    const shown = await draftDiff(purpose({ en: profiles }))
    expect(shown.reasons).toEqual(['Purpose of service "plausible" changed (en)'])
    // 3: overridden. en-GB visitors read the English text, so they have read this one since.
    expect((await editor.request('/api/admin/sites/acme/publish', send('POST', { needsConsent: false, draftHash: shown.toHash, liveRevision: 2 }))).status).toBe(201)
    // The same text under their own tag tells them nothing new.
    expect(await draftDiff(purpose({ en: profiles, 'en-GB': profiles }))).toMatchObject({ from: 3, needsConsent: false, reasons: [] })
    // Another one asks them, once.
    expect(await draftDiff(purpose({ en: profiles, 'en-GB': 'Sells visit data to brokers' }))).toMatchObject({
      needsConsent: true,
      reasons: ['Purpose of service "plausible" changed (en-GB, unlike en)'],
    })
  })

  it('lets a regional text in with the overridden text of another region its visitors read, past their primary language', async () => {
    const draftDiff = async (c: Catalogue) => {
      expect((await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: c }))).status).toBe(200)
      return catalogueDiff.parse(await (await editor.request('/api/admin/sites/acme/diff')).json())
    }
    await publish(purpose({ 'en-US': 'Counts visits anonymously' })) // 2, asks
    const profiles = 'Builds advertising profiles'
    const shown = await draftDiff(purpose({ 'en-US': profiles }))
    expect(shown.reasons).toEqual(['Purpose of service "plausible" changed (en-US)'])
    // 3: overridden. en-GB visitors read en-US (no en, nothing in the default en, so the first text).
    expect((await editor.request('/api/admin/sites/acme/publish', send('POST', { needsConsent: false, draftHash: shown.toHash, liveRevision: 2 }))).status).toBe(201)
    expect(await draftDiff(purpose({ 'en-US': profiles, 'en-GB': profiles }))).toMatchObject({ from: 3, needsConsent: false, reasons: [] })
    expect(await draftDiff(purpose({ 'en-US': profiles, 'en-GB': 'Sells visit data to brokers' }))).toMatchObject({
      needsConsent: true,
      reasons: ['Purpose of service "plausible" changed (en-GB, unlike en-US)'],
    })
  })
})

describe('the re-consent verdict of a regional text removed', () => {
  const purpose = (text: Record<string, string>): Catalogue => ({ ...acme, services: acme.services.map((s) => ({ ...s, purpose: text })) })
  const analyticsLabel = (label: Record<string, string>): Catalogue => ({
    ...acme,
    categories: acme.categories.map((c) => (c.id === 'analytics' ? { ...c, label } : c)),
  })
  async function draftDiff(c: Catalogue) {
    expect((await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: c }))).status).toBe(200)
    return catalogueDiff.parse(await (await editor.request('/api/admin/sites/acme/diff')).json())
  }

  it('judges it as a change to the text its visitors read from now on, that of its language', async () => {
    const en = 'Measures visits; shared with Google for advertising'
    await publish(purpose({ en, 'en-US': 'Measures visits; we never sell or share your data' })) // 2
    // US visitors chose under "we never sell or share"; without en-US they read the en text.
    const diff = await draftDiff(purpose({ en }))
    expect(diff).toMatchObject({ from: 2, needsConsent: true, reasons: ['Purpose of service "plausible" changed (en-US removed: its visitors read en instead)'] })
    expect(diff.changes).toEqual([
      { path: 'services[plausible].purpose.en-US', kind: 'removed', before: 'Measures visits; we never sell or share your data', after: null, consentRelevant: true },
    ])
    // The same text, or a spelling of it, says nothing new.
    await publish(purpose({ en, 'en-US': en.replace('advertising', 'advertisng') })) // 3, asks
    expect(await draftDiff(purpose({ en }))).toMatchObject({ needsConsent: false, reasons: [] })
    // With no other text of its language, its visitors fall back to the site's default language,
    // as for any translation removed: a translation of what they chose.
    await publish(purpose({ en, 'de-AT': 'Zählt Besuche' })) // 4: a translation added, asks nobody
    expect(await draftDiff(purpose({ en }))).toMatchObject({ needsConsent: false, reasons: [] })
  })

  it("judges an optional category's name and description the same way", async () => {
    await publish(analyticsLabel({ en: 'Advertising and data sale', 'en-US': 'Anonymous statistics' })) // 2
    const diff = await draftDiff(analyticsLabel({ en: 'Advertising and data sale' }))
    expect(diff).toMatchObject({ needsConsent: true, reasons: ['Name of category "analytics" changed (en-US removed: its visitors read en instead)'] })
    const described = (description: Record<string, string>): Catalogue => ({
      ...acme,
      categories: acme.categories.map((c) => (c.id === 'analytics' ? { ...c, description } : c)),
    })
    await publish(described({ en: 'Advertising profiles, sold to partners', 'en-GB': 'Anonymous statistics' })) // 3
    expect(await draftDiff(described({ en: 'Advertising profiles, sold to partners' }))).toMatchObject({
      needsConsent: true,
      reasons: ['Description of category "analytics" changed (en-GB removed: its visitors read en instead)'],
    })
  })

  it('judges it beside another regional text of its language, as the SDK falls back to it, which adding it back does too', async () => {
    // The site's default language is en: US visitors read en-GB once en-US is gone (no en, no text
    // in the default, so the first text), a wording they never agreed to.
    await publish(purpose({ 'en-GB': 'Builds advertising profiles', 'en-US': 'Counts visits anonymously' })) // 2
    expect(await draftDiff(purpose({ 'en-GB': 'Builds advertising profiles' }))).toMatchObject({
      needsConsent: true,
      reasons: ['Purpose of service "plausible" changed (en-US removed: its visitors read en-GB instead)'],
    })
    await publish(purpose({ 'en-GB': 'Builds advertising profiles' })) // 3
    expect(await draftDiff(purpose({ 'en-GB': 'Builds advertising profiles', 'en-US': 'Counts visits anonymously' }))).toMatchObject({ needsConsent: true })
    // `en` removed beside `en-US` alone: English visitors read en-US from now on.
    await publish(purpose({ en: 'Counts visits anonymously', 'en-US': 'Builds advertising profiles' })) // 4
    expect(await draftDiff(purpose({ 'en-US': 'Builds advertising profiles' }))).toMatchObject({
      needsConsent: true,
      reasons: ['Purpose of service "plausible" changed (en removed: its visitors read en-US instead)'],
    })
  })

  it("follows the site's default language to the text visitors read next: a translation asks nobody, a wording of their language does", async () => {
    await publish(purpose({ de: 'Zählt Besuche anonym', en: 'Counts visits anonymously', 'en-US': 'Builds advertising profiles' })) // 2
    const withoutEn = purpose({ de: 'Zählt Besuche anonym', 'en-US': 'Builds advertising profiles' })
    // Default en: English visitors read the first text, German, a translation of what they chose.
    expect(await draftDiff(withoutEn)).toMatchObject({ needsConsent: false, reasons: [] })
    // Default en-US: they read the en-US text, another wording in English.
    const { id: _id, ...settings } = catalogueState.parse(await (await owner.request('/api/admin/sites/acme/catalogue')).json()).settings
    expect((await owner.request('/api/admin/sites/acme/settings', send('PUT', { ...settings, defaultLanguage: 'en-US' }))).status).toBe(200)
    expect(await draftDiff(withoutEn)).toMatchObject({
      needsConsent: true,
      reasons: ['Purpose of service "plausible" changed (en removed: its visitors read en-US instead)'],
    })
  })

  it('judges a revision of the walk again once the default language changed, not by the verdict kept from before', async () => {
    await publish(purpose({ de: 'Zählt Besuche anonym', en: 'Counts visits anonymously', 'en-US': 'Builds advertising profiles' })) // 2
    const withoutEn = purpose({ de: 'Zählt Besuche anonym', 'en-US': 'Builds advertising profiles' })
    await publish(withoutEn) // 3: English visitors read German, a translation; asks nobody
    expect(await draftDiff(withoutEn)).toMatchObject({ from: 3, needsConsent: false, reasons: [] })
    // With the default en-US, English visitors who chose under revision 2 read the en-US wording.
    const { id: _id, ...settings } = catalogueState.parse(await (await owner.request('/api/admin/sites/acme/catalogue')).json()).settings
    expect((await owner.request('/api/admin/sites/acme/settings', send('PUT', { ...settings, defaultLanguage: 'en-US' }))).status).toBe(200)
    expect(await draftDiff(withoutEn)).toMatchObject({
      needsConsent: true,
      reasons: [`Purpose of service "plausible" changed (en removed: its visitors read en-US instead), since revision 2 (visitors' choices may date from it)`],
    })
  })
})

describe('publishing warns of the consent cookie declared otherwise than the settings say', () => {
  it('names the missing declaration with its fix, and nothing once the catalogue declares it', async () => {
    // ACME declares only its session cookie: the consent cookie ("miniconsent", 182 days) is missing from it.
    expect((await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: withServices('hotjar') }))).status).toBe(200)
    const res = await editor.request('/api/admin/sites/acme/publish', send('POST', {}))
    expect(res.status).toBe(201)
    const missing = revisionCreated.parse(await res.json())
    expect(missing.warnings).toEqual([
      expect.objectContaining({ code: 'consent_cookie_undeclared', problem: 'missing', message: expect.stringContaining('miniconsent'), fix: expect.stringContaining('miniconsent') }),
    ])
    // The revision is published all the same.
    expect((await live()).revision).toBe(missing.revision.number)

    const declared: Catalogue = {
      ...acme,
      entries: [...acme.entries, { name: 'miniconsent', kind: 'cookie', category: 'essential', provider: 'Acme', purpose: {}, expiry: '182d' }],
    }
    expect((await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: declared }))).status).toBe(200)
    const ok = revisionCreated.parse(await (await editor.request('/api/admin/sites/acme/publish', send('POST', {}))).json())
    expect(ok.warnings).toEqual([])

    // Rolling back to the revision without it warns again.
    const back = await owner.request('/api/admin/sites/acme/rollback', send('POST', { revision: missing.revision.number }))
    expect(back.status).toBe(201)
    expect(revisionCreated.parse(await back.json()).warnings).toEqual([expect.objectContaining({ code: 'consent_cookie_undeclared', problem: 'missing' })])
  })

  it('warns of an expiry other than the lifetime set', async () => {
    const wrong: Catalogue = {
      ...acme,
      entries: [...acme.entries, { name: 'miniconsent', kind: 'cookie', category: 'essential', provider: 'Acme', purpose: {}, expiry: '1y' }],
    }
    expect((await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: wrong }))).status).toBe(200)
    const res = revisionCreated.parse(await (await editor.request('/api/admin/sites/acme/publish', send('POST', {}))).json())
    expect(res.warnings).toEqual([expect.objectContaining({ code: 'consent_cookie_undeclared', problem: 'expiry' })])
  })
})
