// The settings' version (when they were last saved) on a database from before it was stored.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { openDatabase } from '../db/client'
import { ACME, openMigratedUpTo } from '../test-support'
import { Accounts } from './accounts'
import { AuditLog } from './audit'
import { Catalogues } from './catalogue'
import { ManifestKeys } from './manifest-keys'
import { SiteDirectory } from './sites'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

it('keeps a database migrated before the settings had a version working: their version is the site’s creation', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'miniconsent-settings-version-'))
  dirs.push(dir)
  // The committed migrations up to 0004, as a server of that version left its database.
  const file = join(dir, 'old.sqlite')
  const before = openMigratedUpTo(dir, file, 4)
  const createdAt = Date.UTC(2025, 0, 2, 3, 4, 5)
  before.$client.prepare('INSERT INTO sites (id, settings, created_at) VALUES (?, ?, ?)').run('acme', JSON.stringify(ACME.settings), createdAt)
  before.$client.prepare('INSERT INTO site_drafts (site_id, catalogue, updated_at) VALUES (?, ?, ?)').run('acme', JSON.stringify(ACME.catalogue), createdAt)
  before.$client.close()

  // Today's server opens it and applies what is new.
  const db = openDatabase(file)
  try {
    let now = Date.UTC(2026, 5, 1)
    const catalogues = new Catalogues({ db, now: () => now, audit: new AuditLog(db, () => now), sites: new SiteDirectory(db, () => now), manifestKeys: new ManifestKeys(db, () => now) })
    const state = catalogues.state('acme')
    expect(state.settingsUpdatedAt).toBe(new Date(createdAt).toISOString())
    const user = await new Accounts(db, () => now).createUser('owner@acme.test', 'owner password 1')
    const { id: _id, ...form } = state.settings
    expect(() => catalogues.saveSettings('acme', user.id, { ...form, cookieName: 'old_form' }, { role: 'owner', baseUpdatedAt: new Date(createdAt - 1).toISOString() })).toThrow(
      /saved the settings at 2025-01-02T03:04:05.000Z/,
    )
    const saved = catalogues.saveSettings('acme', user.id, { ...form, cookieName: 'acme_consent' }, { role: 'owner', baseUpdatedAt: state.settingsUpdatedAt })
    expect(saved).toMatchObject({ settings: { cookieName: 'acme_consent' }, settingsUpdatedAt: new Date(now).toISOString() })
    now += 1000
    expect(() => catalogues.saveSettings('acme', user.id, form, { role: 'owner', baseUpdatedAt: state.settingsUpdatedAt })).toThrow(
      /owner@acme\.test saved the settings at 2026-06-01T00:00:00\.000Z/,
    )
  } finally {
    db.$client.close()
  }
})
