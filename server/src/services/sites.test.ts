// Site ids against the SDK's own files: /sdk/<siteId>.js is both a site's one-tag embed and the
// path of the SDK's chunks, and the chunks are served first.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ApiError } from '../lib/errors'
import { shadowedSiteIds } from './sites'
import { seedSites } from '../seed/seed'
import { ACME, addUser, startTestServer, type TestServer } from '../test-support'

let t: TestServer
let sdkDir: string
beforeEach(() => {
  t = startTestServer()
  // Files as the SDK's build names them (sdk/dist), in the directory this server serves /sdk/ from.
  sdkDir = join(t.dir, 'sdk')
  mkdirSync(join(sdkDir, 'chunks'), { recursive: true })
  writeFileSync(join(sdkDir, 'miniconsent.js'), 'window.__cfg = "__MINICONSENT_CONFIG__";\n')
  for (const chunk of ['banner', 'record', 'lang-de']) writeFileSync(join(sdkDir, `${chunk}.js`), `export const ${chunk.replace('-', '_')} = 1\n`)
  writeFileSync(join(sdkDir, 'manifest.json'), '{}\n')
  writeFileSync(join(sdkDir, 'chunks', 'deep.js'), 'export {}\n')
})
afterEach(() => t.close())

const site = (id: string) => ({ ...ACME, settings: { ...ACME.settings, id, name: id } })
const stored = () => (t.db.$client.prepare('SELECT id FROM sites ORDER BY id').all() as { id: string }[]).map((r) => r.id)

describe('site ids and the SDK files under /sdk/', () => {
  it('a site named after a chunk would get the chunk as its embed script', async () => {
    // The shadowing itself, with a site written past the check: its tag loads the banner chunk.
    t.db.$client.prepare(`INSERT INTO sites (id, settings, created_at) SELECT 'banner', json_set(settings, '$.id', 'banner'), created_at FROM sites WHERE id = 'acme'`).run()
    t.db.$client.prepare(`INSERT INTO revisions (site_id, number, catalogue, content_hash, needs_consent, published_at) SELECT 'banner', number, catalogue, content_hash, needs_consent, published_at FROM revisions WHERE site_id = 'acme'`).run()
    expect(await (await t.request('/sdk/banner.js')).text()).toBe('export const banner = 1\n')
    expect(await (await t.request('/sdk/acme.js')).text()).toContain('"siteId":"acme"')
  })

  it('refuses to create a site whose id is the name of an SDK file, with 400 site_id_reserved, and stores nothing of the call', () => {
    const before = stored()
    for (const id of ['banner', 'record', 'lang-de', 'miniconsent']) {
      let error: unknown
      try {
        seedSites(t.db, [site('fresh-site'), site(id)], { now: t.clock.now, sdkDir })
      } catch (e) {
        error = e
      }
      expect(error, id).toBeInstanceOf(ApiError)
      expect(error).toMatchObject({ status: 400, code: 'site_id_reserved', message: expect.stringContaining(`/sdk/${id}.js`) })
      expect(stored()).toEqual(before)
    }
  })

  it('takes the reserved names from the files served, not from a list: other ids, other files and a later chunk', () => {
    // manifest.json is not /sdk/manifest.js, chunks/deep.js is no site's path, and "banner2" is no file.
    expect(seedSites(t.db, [site('manifest'), site('deep'), site('chunks'), site('banner2')], { now: t.clock.now, sdkDir })).toEqual([
      'manifest',
      'deep',
      'chunks',
      'banner2',
    ])
    // A chunk the SDK adds is reserved as soon as the server serves it.
    writeFileSync(join(sdkDir, 'consent-mode.js'), 'export {}\n')
    expect(() => seedSites(t.db, [site('consent-mode')], { now: t.clock.now, sdkDir })).toThrow(/SDK file/)
    // A site that already exists is left alone, as before: seeding at start-up does not fail over it.
    writeFileSync(join(sdkDir, 'acme.js'), 'export {}\n')
    expect(seedSites(t.db, [ACME], { now: t.clock.now, sdkDir })).toEqual([])
    // …and named at start-up, where the server warns of it.
    expect(shadowedSiteIds(t.db, sdkDir)).toEqual(['acme'])
  })
})

describe('seeding at each start', () => {
  const memberOf = (userId: number) =>
    (t.db.$client.prepare('SELECT site_id AS siteId, role FROM memberships WHERE user_id = ? ORDER BY site_id').all(userId) as { siteId: string; role: string }[]).map((r) => `${r.siteId}:${r.role}`)

  it('makes the owner a member of the sites it creates, and leaves who is a member of an existing site alone', async () => {
    const first = (await addUser(t.db, 'first@example.test', 'first password 1', {})).id
    expect(seedSites(t.db, [site('demo-one')], { now: t.clock.now, sdkDir, ownerId: first })).toEqual(['demo-one'])
    expect(memberOf(first)).toEqual(['demo-one:owner'])
    const audit = t.db.$client.prepare("SELECT after FROM audit_log WHERE site_id = 'demo-one' AND action = 'site.seed'").get() as { after: string }
    expect(JSON.parse(audit.after)).toMatchObject({ revision: 1, owner: { userId: first, role: 'owner' } })

    // Another co-owner removes the first owner; the next start (the same account, or another
    // MINICONSENT_ADMIN_EMAIL) neither puts them back nor makes the other account a member.
    t.db.$client.prepare("DELETE FROM memberships WHERE user_id = ? AND site_id = 'demo-one'").run(first)
    const other = (await addUser(t.db, 'other@example.test', 'other password 1', {})).id
    expect(seedSites(t.db, [site('demo-one')], { now: t.clock.now, sdkDir, ownerId: first })).toEqual([])
    expect(seedSites(t.db, [site('demo-one')], { now: t.clock.now, sdkDir, ownerId: other })).toEqual([])
    expect(memberOf(first)).toEqual([])
    expect(memberOf(other)).toEqual([])
  })
})
