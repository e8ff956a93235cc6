import { describe, expect, it } from 'vitest'
import { catalogueState, newSiteInput, OWNER_ONLY_SETTINGS, publishInput, rollbackInput, siteSettingsInput, siteSettingsResponse } from './admin'

describe('rollbackInput', () => {
  it('takes a re-consent override only with the live revision it was decided on', () => {
    const refused = rollbackInput.safeParse({ revision: 2, needsConsent: false, draftHash: 'a'.repeat(64) })
    expect(refused.success).toBe(false)
    expect(refused.error?.issues.map((i) => i.path.join('.'))).toEqual(['liveRevision'])
    expect(rollbackInput.parse({ revision: 2, needsConsent: false, liveRevision: 3 })).toEqual({ revision: 2, needsConsent: false, liveRevision: 3 })
    // Without an override the rule decides, against whatever is live then.
    expect(rollbackInput.parse({ revision: 2 })).toEqual({ revision: 2 })
    expect(rollbackInput.parse({ revision: 2, liveRevision: 3 })).toEqual({ revision: 2, liveRevision: 3 })
    expect(rollbackInput.safeParse({ revision: 2, needsConsent: true, liveRevision: 0 }).success).toBe(false)
  })
})

describe('publishInput', () => {
  it('takes a re-consent override only with the draft and the live revision it was decided on', () => {
    const hash = 'a'.repeat(64)
    const refused = publishInput.safeParse({ needsConsent: false, draftHash: hash })
    expect(refused.error?.issues.map((i) => i.path.join('.'))).toEqual(['liveRevision'])
    expect(publishInput.safeParse({ needsConsent: false }).error?.issues.map((i) => i.path.join('.'))).toEqual(['draftHash', 'liveRevision'])
    expect(publishInput.parse({ needsConsent: false, draftHash: hash, liveRevision: 3 })).toEqual({ needsConsent: false, draftHash: hash, liveRevision: 3 })
    // Null: reviewed when nothing was published.
    expect(publishInput.parse({ needsConsent: true, draftHash: hash, liveRevision: null })).toEqual({ needsConsent: true, draftHash: hash, liveRevision: null })
    // Without an override the rule decides, against whatever is live then.
    expect(publishInput.parse({})).toEqual({})
    expect(publishInput.safeParse({ needsConsent: true, draftHash: hash, liveRevision: 0 }).success).toBe(false)
  })
})

describe('site settings', () => {
  it('take the version the form was loaded with, and answer the one saved', () => {
    const at = '2026-11-22T10:00:00.000Z'
    expect(siteSettingsInput.parse({ name: 'Acme', baseUpdatedAt: at }).baseUpdatedAt).toBe(at)
    expect(siteSettingsInput.safeParse({ name: 'Acme', baseUpdatedAt: 'yesterday' }).success).toBe(false)
    expect(siteSettingsResponse.safeParse({ settings: { id: 'acme', name: 'Acme' } }).success).toBe(false)
    expect(siteSettingsResponse.parse({ settings: { id: 'acme', name: 'Acme' }, settingsUpdatedAt: at }).settingsUpdatedAt).toBe(at)
    expect(catalogueState.shape.settingsUpdatedAt.safeParse(at).success).toBe(true)
  })

  it('take only what a save sends: a setting left out gets no default, which would overwrite the stored one', () => {
    expect(siteSettingsInput.parse({ name: 'Acme Inc.' })).toEqual({ name: 'Acme Inc.' })
    expect(siteSettingsInput.parse({})).toEqual({})
    expect(siteSettingsInput.parse({ domains: ['WWW.Acme.Test'] })).toEqual({ domains: ['www.acme.test'] })
    const empty = siteSettingsInput.safeParse({ name: 'Acme', domains: [] })
    expect(empty.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['domains', expect.stringContaining('without one no visitor can record a choice')],
    ])
  })

  it('name the settings only an owner changes, all of them settings', () => {
    expect(OWNER_ONLY_SETTINGS).toEqual(['retentionDays', 'ipPolicy'])
    for (const key of OWNER_ONLY_SETTINGS) expect(siteSettingsInput.shape).toHaveProperty(key)
  })
})

describe('region settings name real countries', () => {
  it('refuses a code whose country is no ISO 3166-1 code, naming the right one, on a save and a new site', () => {
    const save = siteSettingsInput.safeParse({ regions: { UK: 'opt-in', 'US-CA': 'opt-out', DE: 'opt-in', '*': 'notice' } })
    expect(save.success).toBe(false)
    expect(save.error!.issues).toEqual([expect.objectContaining({ path: ['regions', 'UK'], message: '"UK" is no ISO 3166-1 country code (the United Kingdom is "GB")' })])
    expect(siteSettingsInput.safeParse({ regions: { 'XX-CA': 'opt-out' } }).error!.issues[0]!.message).toBe('"XX" is no ISO 3166-1 country code')
    expect(newSiteInput.safeParse({ id: 'acme', name: 'Acme', domains: ['acme.test'], regions: { EL: 'opt-in' } }).error!.issues[0]!.message).toContain('Greece is "GR"')
    // Real codes, subdivisions and the catch-all pass.
    expect(siteSettingsInput.parse({ regions: { GB: 'opt-in', 'US-CA': 'opt-out', 'GB-SCT': 'opt-in', RE: 'opt-in', XK: 'opt-in', '*': 'notice' } }).regions).toEqual({
      XK: 'opt-in',
      GB: 'opt-in',
      'US-CA': 'opt-out',
      'GB-SCT': 'opt-in',
      RE: 'opt-in',
      '*': 'notice',
    })
    expect(newSiteInput.parse({ id: 'acme', name: 'Acme', domains: ['acme.test'] }).regions).toEqual({})
  })

  it('still reads stored settings saved with such a code before the check', () => {
    expect(siteSettingsResponse.parse({ settings: { id: 'acme', name: 'Acme', regions: { UK: 'opt-in' } }, settingsUpdatedAt: '2026-11-22T10:00:00.000Z' }).settings.regions).toEqual({ UK: 'opt-in' })
  })
})
