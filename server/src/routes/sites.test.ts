// Creating a site: what its creator can do with it at once, what visitors get before and after the
// first publication, and what is refused. Deleting one that never had visitors' records.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { apiError, auditPage, catalogueState, me, publishedConfig, revisionCreated, siteCreated, type NewSiteInput } from '@miniconsent/shared'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../logger'
import { ensureOwner, seedSites } from '../seed/seed'
import { AuditLog } from '../services/audit'
import { startRetention } from '../services/retention'
import { ACME, addUser, consentBody, json, send, signIn, startTestServer, type AdminSession, type TestServer } from '../test-support'

let t: TestServer
let editor: AdminSession
let owner: AdminSession
let newcomer: AdminSession

beforeEach(async () => {
  // The server's administrator, named as an operator may type it: matched whatever its case.
  t = startTestServer({ env: { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: undefined, TRUST_PROXY: false, MINICONSENT_ADMIN_EMAIL: ' First@Shop.test' } })
  mkdirSync(join(t.dir, 'sdk'))
  writeFileSync(join(t.dir, 'sdk', 'miniconsent.js'), 'window.__cfg = "__MINICONSENT_CONFIG__";\n')
  writeFileSync(join(t.dir, 'sdk', 'banner.js'), 'export const banner = 1\n')
  await addUser(t.db, 'editor@acme.test', 'editor password 1', { acme: 'editor' })
  await addUser(t.db, 'owner@acme.test', 'owner password 1', { acme: 'owner', 'notice-only': 'auditor' })
  // The administrator (MINICONSENT_ADMIN_EMAIL) with no site at all: a deployment without the demo sites.
  await addUser(t.db, 'first@shop.test', 'first password 1', {})
  editor = await signIn(t, 'editor@acme.test', 'editor password 1')
  owner = await signIn(t, 'owner@acme.test', 'owner password 1')
  newcomer = await signIn(t, 'first@shop.test', 'first password 1')
})
afterEach(() => t.close())

const SHOP: NewSiteInput = { id: 'shop', name: 'Shop', domains: ['shop.test'], defaultLanguage: 'en' }

const create = (who: AdminSession, body: unknown) => who.request('/api/admin/sites', send('POST', body))
const meOf = async (who: AdminSession) => me.parse(await (await who.request('/api/admin/me')).json())
const sitesOf = async (who: AdminSession) => (await meOf(who)).sites
const stored = () => (t.db.$client.prepare('SELECT id FROM sites ORDER BY id').all() as { id: string }[]).map((r) => r.id)

async function stateOf(who: AdminSession, siteId: string) {
  const res = await who.request(`/api/admin/sites/${siteId}/catalogue`)
  expect(res.status).toBe(200)
  return catalogueState.parse(await res.json())
}

describe('POST /api/admin/sites', () => {
  it('creates the site with its creator as owner, listed by /me at once, with a draft and nothing published', async () => {
    expect(await sitesOf(newcomer)).toEqual([])
    const res = await create(newcomer, SHOP)
    expect(res.status).toBe(201)
    expect(siteCreated.parse(await res.json())).toEqual({ site: { id: 'shop', name: 'Shop', role: 'owner' } })
    expect(res.headers.get('location')).toBe('/api/admin/sites/shop/catalogue')
    expect(await sitesOf(newcomer)).toEqual([{ id: 'shop', name: 'Shop', role: 'owner' }])

    const state = await stateOf(newcomer, 'shop')
    expect(state.settings).toMatchObject({ id: 'shop', name: 'Shop', domains: ['shop.test'], defaultLanguage: 'en', cookieName: 'miniconsent' })
    expect(state.draft.categories).toEqual([expect.objectContaining({ id: 'essential', required: true, label: { en: 'Essential' } })])
    // And in it what MiniConsent itself stores in a visitor's browser, under the site's cookie name.
    expect(state.draft.services.map((s) => [s.id, s.category, s.provider])).toEqual([['miniconsent', 'essential', 'Shop']])
    expect(state.draft.entries.map((e) => [e.kind, e.name, e.expiry, e.category])).toEqual([
      ['cookie', 'miniconsent', '182d', 'essential'],
      ['indexedDB', 'miniconsent', 'persistent', 'essential'],
      ['localStorage', 'miniconsent-pending', 'persistent', 'essential'],
      ['localStorage', 'miniconsent-id', 'persistent', 'essential'],
    ])
    expect(state.live).toBeNull()
    expect(state.dirty).toBe(true)
    expect(state.draftUpdatedBy).toBe('first@shop.test')

    // Other accounts see nothing of it.
    expect((await sitesOf(editor)).map((s) => s.id)).toEqual(['acme'])
    expect((await editor.request('/api/admin/sites/shop/catalogue')).status).toBe(403)
  })

  it('serves nothing to visitors until the owner publishes, then the config and the embed script', async () => {
    expect((await create(newcomer, SHOP)).status).toBe(201)
    const config = await t.request('/api/v1/sites/shop/config')
    expect(config.status).toBe(404)
    expect(apiError.parse(await config.json()).error.code).toBe('site_not_found')
    // Kept by no cache: the owner's test of the embed before publishing must not outlive the publication.
    expect(config.headers.get('cache-control')).toBe('no-store')
    expect((await t.request('/sdk/shop.js')).status).toBe(404)
    // Nor does a visitor's look-up tell an unpublished site from none: the same 404 as the config's.
    const lookup = async () => {
      const res = await t.request('/api/v1/consents/visitor-none?site=shop', { headers: { Origin: 'https://www.shop.test' } })
      return [res.status, apiError.parse(await res.json()).error.code, res.headers.get('cache-control')]
    }
    expect(await lookup()).toEqual([404, 'site_not_found', 'no-store'])
    expect(apiError.parse(await (await t.request('/api/v1/consents/visitor-none?site=nosuch')).json()).error.code).toBe('site_not_found')
    // Nor do the consent POSTs (a record, a link to a user, an acceptance): the refusal of an unknown
    // site, its message included, where a record's was a 422 unknown_revision that told the site exists.
    const posted = async (siteId: string) => {
      const { recordId, consentId, language, url, clientTime } = consentBody({ siteId })
      const event = { recordId, siteId, consentId, language, url, clientTime }
      const bodies: [string, unknown][] = [
        ['/api/v1/consents', consentBody({ siteId, categories: { essential: true }, services: {} })],
        ['/api/v1/consents/identify', { ...event, userId: 'customer-42' }],
        ['/api/v1/documents', { ...event, type: 'terms' }],
      ]
      const answers = []
      for (const [path, body] of bodies) {
        const res = await t.request(path, json(body, { Origin: 'https://www.shop.test' }))
        answers.push([path, res.status, ((await res.json()) as { error?: unknown }).error, res.headers.get('access-control-allow-origin')])
      }
      return answers
    }
    const unknown = await posted('nosuch')
    expect(unknown.map(([path, status, error]) => [path, status, error])).toEqual([
      ['/api/v1/consents', 404, { code: 'site_not_found', message: 'No site "nosuch"' }],
      ['/api/v1/consents/identify', 404, { code: 'site_not_found', message: 'No site "nosuch"' }],
      ['/api/v1/documents', 404, { code: 'site_not_found', message: 'No site "nosuch"' }],
    ])
    expect(await posted('shop')).toEqual(unknown.map(([path, status, error, cors]) => [path, status, { code: 'site_not_found', message: 'No site "shop"' }, cors]))

    // The owner edits the draft (an analytics category) and publishes it as revision 1.
    const { draft } = await stateOf(newcomer, 'shop')
    const edited = { ...draft, categories: [...draft.categories, { id: 'analytics', label: { en: 'Analytics' }, consentMode: ['analytics_storage'] }] }
    expect((await newcomer.request('/api/admin/sites/shop/catalogue/draft', send('PUT', { catalogue: edited }))).status).toBe(200)
    const published = await newcomer.request('/api/admin/sites/shop/publish', send('POST', {}))
    expect(published.status).toBe(201)
    expect(revisionCreated.parse(await published.json()).revision).toMatchObject({ number: 1, needsConsent: true, publishedBy: 'first@shop.test' })

    const live = await t.request('/api/v1/sites/shop/config')
    expect(live.status).toBe(200)
    const body = publishedConfig.parse(await live.json())
    // The analytics category maps analytics_storage, which needs consent: a banner asks for it.
    expect(body).toMatchObject({ siteId: 'shop', revision: 1, site: { name: 'Shop' }, needsBanner: true })
    expect(body.catalogue.categories.map((c) => c.id)).toEqual(['essential', 'analytics'])
    const script = await t.request('/sdk/shop.js')
    expect(script.status).toBe(200)
    expect(await script.text()).toContain('"siteId":"shop"')

    // Its domain may record consent at once (CORS asks every site's domains, which are cached).
    const recorded = await t.request(
      '/api/v1/consents',
      json(consentBody({ siteId: 'shop', categories: { essential: true, analytics: false }, services: {} }), { Origin: 'https://www.shop.test' }),
    )
    expect(recorded.status).toBe(201)
    expect(recorded.headers.get('access-control-allow-origin')).toBe('https://www.shop.test')
    // Published, the site is known to the look-up: no record for this consentId, and the one stored.
    expect(await lookup()).toEqual([404, 'record_not_found', 'no-store'])
    const mine = await t.request('/api/v1/consents/visitor-0001?site=shop')
    expect(mine.status).toBe(200)
  })

  it('starts from a catalogue given with the site, or from the essential category in the default language', async () => {
    expect((await create(owner, { ...SHOP, catalogue: ACME.catalogue })).status).toBe(201)
    const given = await stateOf(owner, 'shop')
    expect(given.draft.services.map((s) => s.id)).toEqual(['plausible'])
    expect(given.draft.categories.map((c) => c.id)).toEqual(['essential', 'analytics'])

    expect((await create(owner, { id: 'laden', name: 'Laden', domains: ['laden.test'], defaultLanguage: 'de' })).status).toBe(201)
    const german = await stateOf(owner, 'laden')
    expect(german.draft.categories).toEqual([expect.objectContaining({ id: 'essential', required: true, label: { de: 'Notwendig' } })])
    expect(Object.keys(german.draft.categories[0]!.description)).toEqual(['de'])
    expect(german.draft.entries[0]!.purpose).toEqual({ de: 'Speichert Ihre Cookie-Auswahl' })
    // The creator is owner of the new sites and keeps the role they had elsewhere.
    expect(await sitesOf(owner)).toEqual([
      { id: 'acme', name: 'Acme', role: 'owner' },
      { id: 'laden', name: 'Laden', role: 'owner' },
      { id: 'notice-only', name: 'Notice only', role: 'auditor' },
      { id: 'shop', name: 'Shop', role: 'owner' },
    ])
  })

  it('records who created the site, when, and with what, in its audit log', async () => {
    t.clock.now += 60_000
    expect((await create(newcomer, SHOP)).status).toBe(201)
    const res = await newcomer.request('/api/admin/sites/shop/audit')
    expect(res.status).toBe(200)
    const { entries } = auditPage.parse(await res.json())
    expect(entries).toEqual([
      expect.objectContaining({
        action: 'site.create',
        user: 'first@shop.test',
        at: new Date(t.clock.now).toISOString(),
        before: null,
        after: {
          settings: expect.objectContaining({ id: 'shop', name: 'Shop', domains: ['shop.test'] }),
          catalogue: expect.objectContaining({ categories: [expect.objectContaining({ id: 'essential' })] }),
        },
      }),
    ])
  })

  it('refuses a taken id with 409 site_exists, leaving the site and its members as they were', async () => {
    const before = await stateOf(owner, 'notice-only')
    const res = await create(owner, { ...SHOP, id: 'notice-only', name: 'Not Notice Only' })
    expect(res.status).toBe(409)
    expect(apiError.parse(await res.json()).error).toMatchObject({ code: 'site_exists', message: expect.stringContaining('"notice-only"') })
    // The auditor of notice-only did not become its owner by asking for its id.
    expect((await sitesOf(owner)).find((s) => s.id === 'notice-only')?.role).toBe('auditor')
    expect((await stateOf(owner, 'notice-only')).settings).toEqual(before.settings)
    // …nor can someone without access to it.
    expect((await create(newcomer, { ...SHOP, id: 'acme' })).status).toBe(409)
    expect(await sitesOf(newcomer)).toEqual([])
  })

  it('is for the administrator and the owners of a site: an editor or auditor elsewhere gets 403, and nothing is stored', async () => {
    await addUser(t.db, 'auditor@acme.test', 'auditor password 1', { acme: 'auditor' })
    const auditor = await signIn(t, 'auditor@acme.test', 'auditor password 1')
    // An account removed from every site keeps its sign-in, not a way back in as an owner.
    await addUser(t.db, 'removed@acme.test', 'removed password 1', {})
    const removed = await signIn(t, 'removed@acme.test', 'removed password 1')
    const audited = () => t.db.$client.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'site.create'").get()
    const auditedBefore = audited()
    for (const who of [editor, auditor, removed]) {
      expect((await meOf(who)).canCreateSites).toBe(false)
      const res = await create(who, SHOP)
      expect(res.status).toBe(403)
      expect(apiError.parse(await res.json()).error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('administrator') })
      // Refused before the body is read: an invalid one gets the same answer, not its problems.
      expect((await create(who, { id: 'Not An Id' })).status).toBe(403)
    }
    expect(stored()).toEqual(['acme', 'notice-only'])
    expect(audited()).toEqual(auditedBefore)
    expect((await meOf(owner)).canCreateSites).toBe(true)
    expect((await meOf(newcomer)).canCreateSites).toBe(true)

    // Made an owner, the editor may; demoted again, no longer.
    t.db.$client.prepare("UPDATE memberships SET role = 'owner' WHERE site_id = 'acme' AND user_id = (SELECT id FROM users WHERE email = 'editor@acme.test')").run()
    expect((await meOf(editor)).canCreateSites).toBe(true)
    expect((await create(editor, SHOP)).status).toBe(201)
    t.db.$client.prepare("UPDATE memberships SET role = 'editor' WHERE user_id = (SELECT id FROM users WHERE email = 'editor@acme.test')").run()
    expect((await create(editor, { ...SHOP, id: 'shop-2' })).status).toBe(403)
  })

  it('without MINICONSENT_ADMIN_EMAIL, only owners may', async () => {
    const bare = startTestServer()
    try {
      await addUser(bare.db, 'first@shop.test', 'first password 1', {})
      await addUser(bare.db, 'owner@acme.test', 'owner password 1', { acme: 'owner' })
      expect((await create(await signIn(bare, 'first@shop.test', 'first password 1'), SHOP)).status).toBe(403)
      expect((await create(await signIn(bare, 'owner@acme.test', 'owner password 1'), SHOP)).status).toBe(201)
    } finally {
      bare.close()
    }
  })

  it('stays for the administrator of an earlier start when MINICONSENT_ADMIN_EMAIL names another, and is for no other account', async () => {
    // README: "a later start with another e-mail creates another administrator, and the first stays".
    const later = startTestServer({ env: { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: undefined, TRUST_PROXY: false, MINICONSENT_ADMIN_EMAIL: 'second@example.com' } })
    try {
      // The first start (SEED_DEMO=false: its administrator owns no site), then a start with the other e-mail.
      await ensureOwner(later.db, 'first@example.com', 'first password 1', Date.now())
      await ensureOwner(later.db, 'second@example.com', 'second password 1', Date.now())
      // An account invited meanwhile and left with no site.
      await addUser(later.db, 'invited@example.com', 'invited password 1', {})
      const firstAdmin = await signIn(later, 'first@example.com', 'first password 1')
      const invited = await signIn(later, 'invited@example.com', 'invited password 1')
      expect((await meOf(firstAdmin)).canCreateSites).toBe(true)
      expect((await create(firstAdmin, SHOP)).status).toBe(201)
      expect((await meOf(invited)).canCreateSites).toBe(false)
      expect((await create(invited, { ...SHOP, id: 'shop-2' })).status).toBe(403)
    } finally {
      later.close()
    }
  })

  it('stays for an invited account a start made administrator, when a later start names yet another', async () => {
    // The server as started last, with a third e-mail: only the flag of users.administrator is left to the others.
    const later = startTestServer({ env: { SECURE_COOKIES: 'auto', TRUSTED_REGION_HEADER: undefined, TRUST_PROXY: false, MINICONSENT_ADMIN_EMAIL: 'third@example.com' } })
    try {
      // The first start, an account invited, then a start naming the invited account, then one naming a third.
      await ensureOwner(later.db, 'first@example.com', 'first password 1', Date.now())
      await addUser(later.db, 'invited@example.com', 'invited password 1', {})
      const named = await ensureOwner(later.db, 'invited@example.com', undefined, Date.now())
      // The account keeps its password: nothing generated, nothing to say.
      expect(named).toEqual({ userId: expect.any(Number) })
      await ensureOwner(later.db, 'invited@example.com', undefined, Date.now())
      await ensureOwner(later.db, 'third@example.com', 'third password 1', Date.now())
      await addUser(later.db, 'other@example.com', 'other password 1', {})
      const firstAdmin = await signIn(later, 'first@example.com', 'first password 1')
      const invitedAdmin = await signIn(later, 'invited@example.com', 'invited password 1')
      const other = await signIn(later, 'other@example.com', 'other password 1')
      expect((await meOf(firstAdmin)).canCreateSites).toBe(true)
      expect((await meOf(invitedAdmin)).canCreateSites).toBe(true)
      expect((await create(invitedAdmin, SHOP)).status).toBe(201)
      expect((await meOf(other)).canCreateSites).toBe(false)
    } finally {
      later.close()
    }
  })

  it('refuses an id that names an SDK file with 400 site_id_reserved', async () => {
    const before = stored()
    const res = await create(newcomer, { ...SHOP, id: 'banner' })
    expect(res.status).toBe(400)
    expect(apiError.parse(await res.json()).error).toMatchObject({ code: 'site_id_reserved', message: expect.stringContaining('/sdk/banner.js') })
    expect(stored()).toEqual(before)
    expect(await sitesOf(newcomer)).toEqual([])
  })

  it('answers invalid input with 422 and each problem at its field', async () => {
    const res = await create(newcomer, { id: 'My Shop', name: '', domains: ['https://shop.test/'], defaultLanguage: 'English', cookieLifetimeDays: 999 })
    expect(res.status).toBe(422)
    const { error } = apiError.parse(await res.json())
    expect(error.code).toBe('invalid')
    expect(Object.fromEntries(error.issues!.map((i) => [i.path, i.message]))).toEqual({
      id: expect.stringContaining('lower-case letters'),
      name: expect.any(String),
      'domains.0': expect.stringContaining('is not a hostname'),
      defaultLanguage: expect.stringContaining('BCP 47'),
      cookieLifetimeDays: expect.any(String),
    })

    const noDomain = apiError.parse(await (await create(newcomer, { ...SHOP, domains: [] })).json()).error
    expect(noDomain.issues).toEqual([{ path: 'domains', message: 'add the hostname of your website, e.g. www.example.com' }])

    const badCatalogue = { ...SHOP, catalogue: { categories: [{ id: 'essential', required: true, label: { en: 'Essential' } }], services: [{ id: 'ga', category: 'analytics', name: 'GA', provider: 'Google' }] } }
    const catalogueError = apiError.parse(await (await create(newcomer, badCatalogue)).json()).error
    expect(catalogueError.issues).toEqual([{ path: 'catalogue.services.0.category', message: 'no category "analytics"' }])

    expect(stored()).toEqual(['acme', 'notice-only'])
  })

  it('refuses a body over 1 MB, as the catalogue import does, with 413', async () => {
    const huge = { ...SHOP, catalogue: { categories: [{ id: 'essential', required: true, label: { en: 'x'.repeat(1024 * 1024) } }] } }
    const res = await create(newcomer, huge)
    expect(res.status).toBe(413)
    expect(apiError.parse(await res.json()).error.code).toBe('payload_too_large')
    expect(stored()).toEqual(['acme', 'notice-only'])
  })

  it('refuses (422) a catalogue that fits in the request but whose draft, its defaults filled in, could not be saved again', async () => {
    const entries = Array.from({ length: 11_000 }, (_, i) => ({ name: `c${i}`, category: 'essential', provider: 'P', expiry: '1d' }))
    const lean = { ...SHOP, catalogue: { categories: [{ id: 'essential', required: true, label: { en: 'Essential' } }], entries } }
    expect(JSON.stringify(lean).length).toBeLessThan(1024 * 1024)
    const res = await create(newcomer, lean)
    expect(res.status).toBe(422)
    expect(apiError.parse(await res.json()).error.message).toMatch(/^The catalogue takes \d+ bytes as JSON \(a draft's save\), more than the 1048576 bytes \(1 MB\)/)
    expect(stored()).toEqual(['acme', 'notice-only'])
  })

  it('normalises domains as the settings do', async () => {
    expect((await create(newcomer, { ...SHOP, domains: [' WWW.Shop.TEST. ', 'Bücher.example'] })).status).toBe(201)
    expect((await stateOf(newcomer, 'shop')).settings.domains).toEqual(['www.shop.test', 'xn--bcher-kva.example'])
  })

  it('needs a session (401) and its CSRF token (403)', async () => {
    const anonymous = await t.request('/api/admin/sites', send('POST', SHOP))
    expect(anonymous.status).toBe(401)
    expect(apiError.parse(await anonymous.json()).error.code).toBe('unauthenticated')
    const forged = await t.request('/api/admin/sites', { ...send('POST', SHOP), headers: { 'Content-Type': 'application/json', Cookie: newcomer.cookie } })
    expect(forged.status).toBe(403)
    expect(apiError.parse(await forged.json()).error.code).toBe('csrf_invalid')
    expect(stored()).toEqual(['acme', 'notice-only'])
  })
})

describe('DELETE /api/admin/sites/:siteId', () => {
  const remove = (who: AdminSession, siteId: string) => who.request(`/api/admin/sites/${siteId}`, send('DELETE'))
  const rowsOf = (table: string, siteId: string) => (t.db.$client.prepare(`SELECT count(*) AS n FROM ${table} WHERE site_id = ?`).get(siteId) as { n: number }).n

  /** The new site `shop`, published, with a second member and a pending invitation. */
  async function publishedShop() {
    expect((await create(newcomer, SHOP)).status).toBe(201)
    expect((await newcomer.request('/api/admin/sites/shop/publish', send('POST', {}))).status).toBe(201)
    await addUser(t.db, 'helper@shop.test', 'helper password 1', { shop: 'editor' })
    expect((await newcomer.request('/api/admin/sites/shop/invitations', send('POST', { email: 'later@shop.test', role: 'auditor' }))).status).toBe(201)
    expect((await t.request('/api/v1/sites/shop/config')).status).toBe(200)
  }

  it('deletes a site that never had visitors’ records: gone from every list and from visitors, its audit log kept with the deletion', async () => {
    await publishedShop()
    const helper = await signIn(t, 'helper@shop.test', 'helper password 1')
    expect((await sitesOf(helper)).map((s) => s.id)).toEqual(['shop'])

    const res = await remove(newcomer, 'shop')
    expect(res.status).toBe(204)
    expect(stored()).toEqual(['acme', 'notice-only'])
    expect(await sitesOf(newcomer)).toEqual([])
    expect(await sitesOf(helper)).toEqual([])
    for (const table of ['site_drafts', 'revisions', 'memberships', 'invitations']) expect(rowsOf(table, 'shop'), table).toBe(0)
    // Visitors: no config, no script, and the domain may no longer record consent.
    expect(apiError.parse(await (await t.request('/api/v1/sites/shop/config')).json()).error.code).toBe('site_not_found')
    expect((await t.request('/sdk/shop.js')).status).toBe(404)
    const record = await t.request('/api/v1/consents', json(consentBody({ siteId: 'shop', services: {} }), { Origin: 'https://www.shop.test' }))
    expect(record.status).toBe(404)
    expect(rowsOf('consent_records', 'shop')).toBe(0)
    // Its former members reach none of its pages.
    expect((await newcomer.request('/api/admin/sites/shop/catalogue')).status).toBe(403)

    // The audit log keeps it all, the deletion last, with what the site was.
    const entries = t.db.$client.prepare("SELECT action, user_id AS userId, before FROM audit_log WHERE site_id = 'shop' ORDER BY id").all() as { action: string; userId: number; before: string | null }[]
    expect(entries.map((e) => e.action)).toEqual(['site.create', 'catalogue.publish', 'invitation.create', 'site.delete'])
    const deletion = entries.at(-1)!
    expect(deletion.userId).toBe((await meOf(newcomer)).user.id)
    expect(JSON.parse(deletion.before!)).toMatchObject({ settings: { id: 'shop', name: 'Shop', domains: ['shop.test'] }, catalogue: { categories: [expect.objectContaining({ id: 'essential' })] } })

    // The id is not given again: a new site would show that audit log as its own.
    const again = await create(newcomer, SHOP)
    expect(again.status).toBe(409)
    expect(apiError.parse(await again.json()).error).toMatchObject({ code: 'site_id_used', message: expect.stringMatching(/^The id "shop" belonged to a site deleted on \d{4}-\d{2}-\d{2}/) })
    expect(stored()).toEqual(['acme', 'notice-only'])
  })

  it('purges a deleted site’s audit log by the retention it had when deleted, the deletion last, and never gives its id again', async () => {
    const DAY = 86_400_000
    const day0 = t.clock.now
    const shopLog = () =>
      (t.db.$client.prepare("SELECT action, at FROM audit_log WHERE site_id = 'shop' ORDER BY id").all() as { action: string; at: number }[]).map((e) => [e.action, (e.at - day0) / DAY])
    const acmeLog = () => t.db.$client.prepare("SELECT id FROM audit_log WHERE site_id = 'acme' ORDER BY id").all()
    /** The automatic purge, as the server runs it, on the test's clock. */
    const purge = async () => {
      const retention = startRetention(t.db, { logger: silentLogger, audit: new AuditLog(t.db, () => t.clock.now), now: () => t.clock.now })
      await retention.run()
      await retention.stop()
    }
    // Sessions last hours: the shop's owner signs in again on each day it acts.
    const later = async (days: number) => {
      t.clock.now += days * DAY
      newcomer = await signIn(t, 'first@shop.test', 'first password 1')
    }
    // Day 0: created, keeping the default five years. Day 10: an invitation (an e-mail address), then
    // 60 days' retention. Day 20: deleted by then.
    expect((await create(newcomer, SHOP)).status).toBe(201)
    await later(10)
    expect((await newcomer.request('/api/admin/sites/shop/invitations', send('POST', { email: 'later@shop.test', role: 'auditor' }))).status).toBe(201)
    expect((await newcomer.request('/api/admin/sites/shop/settings', send('PUT', { retentionDays: 60 }))).status).toBe(200)
    await later(10)
    expect((await remove(newcomer, 'shop')).status).toBe(204)
    const acme = acmeLog()
    expect(shopLog()).toEqual([['site.create', 0], ['invitation.create', 10], ['site.settings', 10], ['site.delete', 20]])

    // Day 65: what is older than 60 days goes, what is newer stays.
    t.clock.now = day0 + 65 * DAY
    await purge()
    expect(shopLog()).toEqual([['invitation.create', 10], ['site.settings', 10], ['site.delete', 20]])
    // Day 80 (the deletion's 60th day): the deletion is not past it yet.
    t.clock.now = day0 + 80 * DAY
    await purge()
    expect(shopLog()).toEqual([['site.delete', 20]])
    // Day 81: nothing of the site is left in the audit log, not even a record of the purges.
    t.clock.now = day0 + 81 * DAY
    await purge()
    expect(shopLog()).toEqual([])
    expect(t.db.$client.prepare("SELECT count(*) AS n FROM audit_log WHERE before LIKE '%shop%' OR after LIKE '%shop%'").get()).toEqual({ n: 0 })
    // A live site's audit log keeps its own five years.
    expect(acmeLog()).toEqual(acme)

    // The id is still not given again, as before its audit log was purged.
    await later(0)
    const again = await create(newcomer, SHOP)
    expect(again.status).toBe(409)
    expect(apiError.parse(await again.json()).error).toMatchObject({ code: 'site_id_used', message: expect.stringMatching(/^The id "shop" belonged to a site deleted on 2026-12-12,/) })
    expect(stored()).toEqual(['acme', 'notice-only'])
    expect(seedSites(t.db, [{ ...ACME, settings: { ...ACME.settings, id: 'shop' } }], { now: t.clock.now, sdkDir: join(t.dir, 'sdk') })).toEqual([])
    expect(stored()).toEqual(['acme', 'notice-only'])
  })

  it('refuses a site with consent records (409 site_has_records), changing nothing', async () => {
    expect((await t.request('/api/v1/consents', json(consentBody(), { Origin: 'https://acme.test' }))).status).toBe(201)
    const res = await remove(owner, 'acme')
    expect(res.status).toBe(409)
    expect(apiError.parse(await res.json()).error).toMatchObject({ code: 'site_has_records', message: expect.stringContaining('consent records, which are kept for its retention period') })
    expect(stored()).toEqual(['acme', 'notice-only'])
    expect((await sitesOf(owner)).map((s) => s.id)).toContain('acme')
    expect((await t.request('/api/v1/sites/acme/config')).status).toBe(200)
    expect(rowsOf('consent_records', 'acme')).toBe(1)
    expect(t.db.$client.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'site.delete'").get()).toEqual({ n: 0 })
  })

  it('refuses a site whose every record was purged: its anchor is the log’s history', async () => {
    await publishedShop()
    t.db.$client
      .prepare("INSERT INTO chain_anchors (site_id, seq, hash, purged_count, purged_at) VALUES ('shop', 3, ?, 3, ?)")
      .run('a'.repeat(64), Date.now())
    const res = await remove(newcomer, 'shop')
    expect(res.status).toBe(409)
    expect(apiError.parse(await res.json()).error.message).toContain('a purged consent log')
    expect(stored()).toContain('shop')
  })

  it('deletes a site whose visitor events were all erased, with what the erasures kept of them', async () => {
    await publishedShop()
    // An erasure deleted the site's only visitor data, an identification, and kept its recordId
    // (nothing personal), so that a retry of it is not stored again.
    const recordId = crypto.randomUUID()
    t.db.$client.prepare("INSERT INTO erased_events (record_id, site_id, erased_at) VALUES (?, 'shop', ?)").run(recordId, new Date().toISOString())
    expect((await remove(newcomer, 'shop')).status).toBe(204)
    expect(stored()).not.toContain('shop')
    expect(rowsOf('erased_events', 'shop')).toBe(0)
    // A retry of the erased event, however late, is answered as for a site that no longer exists.
    const retry = await t.request(
      '/api/v1/consents/identify',
      json({ recordId, siteId: 'shop', consentId: 'visitor-0shop', language: 'en', url: 'https://shop.test/account', clientTime: '2026-11-22T10:00:00Z', userId: 'customer-1' }, { Origin: 'https://shop.test' }),
    )
    expect(retry.status).toBe(404)
    expect(rowsOf('consent_identities', 'shop')).toBe(0)
  })

  it('is documented as refused by what refuses it: no erasure is among it', async () => {
    const doc = (await (await t.request('/api/openapi.json')).json()) as { paths: Record<string, Record<string, { description: string }>> }
    const description = doc.paths['/api/admin/sites/{siteId}']!.delete!.description
    expect(description.match(/refused while it holds (.*?), which are kept/)?.[1]).toBe('consent records (tombstones included), identified visitors, accepted legal documents or a purged log’s anchor')
  })

  it('keeps a deleted demo site deleted when the demo sites are seeded again', async () => {
    expect((await remove(owner, 'acme')).status).toBe(204)
    expect(seedSites(t.db, [ACME], { now: Date.now(), sdkDir: join(t.dir, 'sdk') })).toEqual([])
    expect(stored()).toEqual(['notice-only'])
  })

  it('answers a record admitted just before its site was deleted 404 site_not_found, not 500', async () => {
    // The config fetch (publishedShop) leaves the site in the server's directory.
    await publishedShop()
    // The site row alone, behind the directory's back, its revisions kept: the record passes every
    // check, as one admitted in the moment before a deletion does, and its batch finds no site.
    t.db.$client.exec("PRAGMA foreign_keys = OFF; DELETE FROM sites WHERE id = 'shop'; PRAGMA foreign_keys = ON")
    const res = await t.request('/api/v1/consents', json(consentBody({ siteId: 'shop', categories: { essential: true }, services: {} }), { Origin: 'https://shop.test' }))
    expect(res.status, await res.clone().text()).toBe(404)
    expect(apiError.parse(await res.json()).error.code).toBe('site_not_found')
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.test')
    expect(rowsOf('consent_records', 'shop')).toBe(0)
  })

  it('is the owner’s: an editor gets 403, and the site stays', async () => {
    const res = await remove(editor, 'acme')
    expect(res.status).toBe(403)
    expect(stored()).toEqual(['acme', 'notice-only'])
  })
})
