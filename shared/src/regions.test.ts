import { describe, expect, it } from 'vitest'
import { siteSettings } from './catalogue'
import { consentModeRegions, DEFAULT_REGION_MODES, EEA_COUNTRIES, normalizeRegion, resolveMode, US_PRIVACY_LAW_STATES } from './regions'

describe('resolveMode with the built-in table', () => {
  it('asks first in all 30 EEA countries, the UK and Switzerland', () => {
    expect(new Set(EEA_COUNTRIES).size).toBe(30)
    for (const country of [...EEA_COUNTRIES, 'GB', 'CH']) expect(resolveMode(country), country).toBe('opt-in')
    // Greece is GR in ISO 3166; the EU's "EL" is not a country code anyone sends.
    expect(resolveMode('GR')).toBe('opt-in')
    expect(resolveMode('EL')).toBe('notice')
  })

  it('asks first in EU territories that geolocation reports under their own code', () => {
    expect(resolveMode('RE')).toBe('opt-in')
    expect(resolveMode('AX')).toBe('opt-in')
  })

  it('offers an opt-out in US states with a privacy law, a notice in the other states', () => {
    for (const state of ['US-CA', 'US-CO', 'US-CT', 'US-VA', 'US-UT', 'US-TX', 'US-OR', 'US-MT', 'US-IN', 'US-KY', 'US-RI']) {
      expect(resolveMode(state), state).toBe('opt-out')
    }
    expect(US_PRIVACY_LAW_STATES).toHaveLength(19)
    expect(resolveMode('US-NY')).toBe('notice')
  })

  it('gives a country whose state is unknown the strictest mode of its states (SPEC §6: unknown means strictest)', () => {
    // A CDN or a country-level GeoIP database says only "US": the visitor may be in California.
    expect(resolveMode('US')).toBe('opt-out')
    expect(resolveMode('us')).toBe('opt-out')
    // A site's own rule for a state counts too, and a site's rule for the country decides it.
    expect(resolveMode('CA')).toBe('notice')
    expect(resolveMode('CA', { 'CA-QC': 'opt-in' })).toBe('opt-in')
    expect(resolveMode('US', { 'US-NY': 'opt-in' })).toBe('opt-in')
    expect(resolveMode('US', { US: 'notice' })).toBe('notice')
    expect(resolveMode('US', { 'US-CA': 'notice' })).toBe('opt-out')
    // The site's own rules for the states are those in force: every one of them a notice, so is a bare US.
    expect(resolveMode('US', Object.fromEntries(US_PRIVACY_LAW_STATES.map((state) => [state, 'notice' as const])))).toBe('notice')
    // A known state keeps its own mode.
    expect(resolveMode('US-NY', { 'US-CA': 'opt-in' })).toBe('notice')
  })

  it('shows a notice elsewhere and asks first when the region is unknown or malformed', () => {
    expect(resolveMode('BR')).toBe('notice')
    expect(resolveMode('JP-13')).toBe('notice')
    expect(resolveMode(null)).toBe('opt-in')
    expect(resolveMode('')).toBe('opt-in')
    expect(resolveMode('Germany')).toBe('opt-in')
  })

  it('reads a subdivision of an opt-in country as that country', () => {
    expect(resolveMode('DE-BY')).toBe('opt-in')
    expect(resolveMode('gb-sct')).toBe('opt-in')
  })
})

describe('resolveMode with a site’s own regions', () => {
  it('lets a subdivision beat its country', () => {
    expect(resolveMode('US-CA', { US: 'opt-in', 'US-CA': 'notice' })).toBe('notice')
    expect(resolveMode('US-WA', { US: 'opt-in', 'US-CA': 'notice' })).toBe('opt-in')
    expect(resolveMode('DE-BY', { 'DE-BY': 'notice' })).toBe('notice')
  })

  it('applies a site’s country setting to the whole country, over built-in subdivisions', () => {
    expect(resolveMode('US-CA', { US: 'opt-in' })).toBe('opt-in')
    expect(resolveMode('BR', { BR: 'opt-in' })).toBe('opt-in')
    expect(resolveMode('FR', { BR: 'opt-in' })).toBe('opt-in')
  })

  it('never lets a site setting change what an unknown region gets', () => {
    expect(resolveMode(null, { US: 'notice' })).toBe('opt-in')
  })

  it('takes `*` as the least strict mode of every region the site does not name, never loosening the built-in table', () => {
    const everywhere = { '*': 'opt-in' } as const
    for (const region of ['BR', 'US-CA', 'US-WA', 'US', 'JP-13', 'UA', 'DE']) expect(resolveMode(region, everywhere), region).toBe('opt-in')
    // A region the site names itself keeps the site's mode.
    expect(resolveMode('US-CA', { '*': 'opt-in', 'US-CA': 'opt-out' })).toBe('opt-out')
    expect(resolveMode('US-TX', { '*': 'opt-in', US: 'notice' })).toBe('notice')
    // Opt-out at least: the notice regions offer the way out; opt-in ones stay opt-in.
    expect(resolveMode('BR', { '*': 'opt-out' })).toBe('opt-out')
    expect(resolveMode('FR', { '*': 'opt-out' })).toBe('opt-in')
    expect(resolveMode('FR', { '*': 'notice' })).toBe('opt-in')
    expect(resolveMode('US-CA', { '*': 'notice' })).toBe('opt-out')
    // Google hears the same: every region it is told of is denied, and the rest follow the request's mode.
    expect(consentModeRegions(everywhere).granted).toEqual([])
    expect(siteSettings.parse({ id: 'a', name: 'A', regions: { '*': 'opt-in', BR: 'notice' } }).regions).toEqual({ '*': 'opt-in', BR: 'notice' })
    expect(siteSettings.safeParse({ id: 'a', name: 'A', regions: { '**': 'opt-in' } }).success).toBe(false)
  })

  it('is validated in site settings: upper-case codes and known modes only', () => {
    expect(siteSettings.parse({ id: 'a', name: 'A' }).regions).toEqual({})
    expect(siteSettings.parse({ id: 'a', name: 'A', regions: { 'US-CA': 'opt-in', BR: 'notice' } }).regions).toEqual({ 'US-CA': 'opt-in', BR: 'notice' })
    expect(siteSettings.safeParse({ id: 'a', name: 'A', regions: { EU: 'maybe' } }).success).toBe(false)
    expect(siteSettings.safeParse({ id: 'a', name: 'A', regions: { germany: 'opt-in' } }).success).toBe(false)
  })
})

describe('normalizeRegion', () => {
  it('upper-cases codes and rejects anything that is not ISO 3166 shaped', () => {
    expect(normalizeRegion(' us-ca ')).toBe('US-CA')
    expect(normalizeRegion('USA')).toBeNull()
    expect(normalizeRegion('US-')).toBeNull()
    expect(normalizeRegion(undefined)).toBeNull()
  })
})

describe('consentModeRegions', () => {
  it('lists every EEA country individually as denied and the US privacy states as granted', () => {
    const { granted, denied } = consentModeRegions()
    for (const c of [...EEA_COUNTRIES, 'GB', 'CH']) expect(denied).toContain(c)
    expect(denied).not.toContain('EU')
    expect(granted).toEqual([...US_PRIVACY_LAW_STATES].sort())
    expect(granted.length + denied.length).toBe(Object.keys(DEFAULT_REGION_MODES).length)
  })

  it('follows the site’s settings, including subdivisions a country setting reaches', () => {
    const { granted, denied } = consentModeRegions({ US: 'opt-in', 'US-CA': 'notice', BR: 'opt-out', FR: 'notice' })
    // Google applies the most specific listed region: California stays granted, Texas follows US.
    expect(granted).toContain('US-CA')
    expect(denied).toEqual(expect.arrayContaining(['US', 'US-TX', 'US-VA']))
    expect(granted).toEqual(expect.arrayContaining(['BR', 'FR']))
    expect(denied).not.toContain('FR')
  })

  it('agrees with resolveMode for every listed region', () => {
    const site = { US: 'opt-in', 'US-CA': 'opt-out', CH: 'notice' } as const
    const { granted, denied } = consentModeRegions(site)
    for (const r of granted) expect(resolveMode(r, site)).not.toBe('opt-in')
    for (const r of denied) expect(resolveMode(r, site)).toBe('opt-in')
  })
})
