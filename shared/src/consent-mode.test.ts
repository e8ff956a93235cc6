import { describe, expect, it } from 'vitest'
import { catalogue, storedCatalogue } from './catalogue'
import { DEFAULT_CONSENT_MODE_MAP, gpcCategories, isGpcCategory } from './consent-mode'

const category = (id: string, consentMode: string[], required = false) => ({ id, required, consentMode })

describe('gpcCategories: what Global Privacy Control refuses (SPEC §5)', () => {
  it('refuses marketing in the default map, and nothing else of it', () => {
    const categories = Object.entries(DEFAULT_CONSENT_MODE_MAP).map(([id, types]) => category(id, [...types], id === 'essential'))
    expect(gpcCategories({ categories })).toEqual(['marketing'])
  })

  it('refuses a category for ads whatever its name: any one ad type is enough', () => {
    for (const t of ['ad_storage', 'ad_user_data', 'ad_personalization']) {
      expect(isGpcCategory(category('advertising', [t])), t).toBe(true)
      expect(isGpcCategory(category('conversions', ['analytics_storage', t])), t).toBe(true)
    }
    expect(isGpcCategory(category('advertising', ['ad_storage', 'ad_user_data', 'ad_personalization']))).toBe(true)
  })

  it('refuses marketing whatever it maps, even nothing', () => {
    expect(isGpcCategory(category('marketing', []))).toBe(true)
    expect(isGpcCategory(category('marketing', ['analytics_storage']))).toBe(true)
  })

  it('leaves the categories that sell or share nothing, and a required one (always on, asked of nobody)', () => {
    for (const types of [[], ['analytics_storage'], ['functionality_storage', 'personalization_storage'], ['security_storage']]) {
      expect(isGpcCategory(category('analytics', types)), types.join()).toBe(false)
    }
    // Only a stored catalogue from before 0.8.1 can have one: the rule does not switch it off.
    expect(isGpcCategory(category('essential', ['security_storage', 'ad_storage'], true))).toBe(false)
  })

  it('lists the ids in catalogue order, from a parsed catalogue as the server has it', () => {
    const parsed = catalogue.parse({
      categories: [
        { id: 'essential', required: true, label: { en: 'Essential' }, consentMode: ['security_storage'] },
        { id: 'advertising', label: { en: 'Ads' }, consentMode: ['ad_storage', 'ad_user_data', 'ad_personalization'] },
        { id: 'analytics', label: { en: 'Analytics' }, consentMode: ['analytics_storage'] },
        { id: 'marketing', label: { en: 'Newsletters' } },
      ],
    })
    expect(gpcCategories(parsed)).toEqual(['advertising', 'marketing'])
    expect(gpcCategories(storedCatalogue.parse({ categories: [{ id: 'essential', required: true, label: { en: 'E' } }] }))).toEqual([])
  })
})
