import { catalogue as catalogueSchema, type Catalogue } from '@miniconsent/shared'
import { describe, expect, it } from 'vitest'
import { draftChanges, mergeDrafts } from './draft-merge'
import { catalogueFixture } from './test-support'

const base = (): Catalogue => structuredClone(catalogueFixture().draft)
const edit = (f: (c: Catalogue) => void): Catalogue => {
  const c = base()
  f(c)
  return c
}

describe('mergeDrafts', () => {
  it('keeps both sides’ changes to different fields and items, and the result is a valid catalogue', () => {
    const mine = edit((c) => {
      c.categories[1]!.label.en = 'Statistics'
      c.entries[0]!.expiry = '1d'
    })
    const theirs = edit((c) => {
      c.services.push({ id: 'matomo', category: 'analytics', name: 'Matomo', provider: 'InnoCraft', purpose: {} })
      c.texts = { de: { bannerTitle: 'Wir fragen' } }
      c.entries[0]!.purpose.de = 'Hält dich angemeldet'
    })
    const { merged, conflicts } = mergeDrafts(base(), mine, theirs)
    expect(conflicts).toEqual([])
    expect(merged.categories[1]!.label).toEqual({ en: 'Statistics' })
    expect(merged.services.map((s) => s.id)).toEqual(['plausible', 'matomo'])
    expect(merged.texts).toEqual({ de: { bannerTitle: 'Wir fragen' } })
    expect(merged.entries[0]).toMatchObject({ expiry: '1d', purpose: { en: 'Keeps you signed in', de: 'Hält dich angemeldet' } })
    expect(catalogueSchema.safeParse(merged).success).toBe(true)
  })

  it('reports a field both changed differently, keeps mine unless told to take theirs, and is silent when both agree', () => {
    const mine = edit((c) => {
      c.services[0]!.name = 'Plausible Analytics'
      c.appearance.layout = 'box'
    })
    const theirs = edit((c) => {
      c.services[0]!.name = 'Plausible (EU)'
      c.appearance.layout = 'box'
    })
    const first = mergeDrafts(base(), mine, theirs)
    expect(first.conflicts).toEqual([{ path: 'services[plausible].name', base: 'Plausible', mine: 'Plausible Analytics', theirs: 'Plausible (EU)' }])
    expect(first.merged.services[0]!.name).toBe('Plausible Analytics')
    expect(first.merged.appearance.layout).toBe('box')
    const second = mergeDrafts(base(), mine, theirs, { 'services[plausible].name': 'theirs' })
    expect(second.merged.services[0]!.name).toBe('Plausible (EU)')
  })

  it('drops an item the other side removed when mine left it alone, but asks when mine changed it', () => {
    const theirs = edit((c) => {
      c.entries = []
    })
    expect(mergeDrafts(base(), edit((c) => (c.categories[1]!.label.en = 'Stats')), theirs).merged.entries).toEqual([])

    const mine = edit((c) => (c.entries[0]!.expiry = '2h'))
    const kept = mergeDrafts(base(), mine, theirs)
    expect(kept.conflicts.map((c) => c.path)).toEqual(['entries[cookie:session]'])
    expect(kept.conflicts[0]!.theirs).toBeUndefined()
    expect(kept.merged.entries.map((e) => e.expiry)).toEqual(['2h'])
    expect(mergeDrafts(base(), mine, theirs, { 'entries[cookie:session]': 'theirs' }).merged.entries).toEqual([])
  })

  it('matches items by identity, so a move on one side and an addition on the other both survive', () => {
    const mine = edit((c) => c.categories.reverse())
    const theirs = edit((c) => {
      c.categories.push({ id: 'marketing', required: false, label: { en: 'Marketing' }, description: {}, consentMode: ['ad_storage'] })
      c.categories[1]!.description.en = 'Counts visits'
    })
    const { merged, conflicts } = mergeDrafts(base(), mine, theirs)
    expect(conflicts).toEqual([])
    expect(merged.categories.map((c) => c.id)).toEqual(['analytics', 'essential', 'marketing'])
    expect(merged.categories[0]!.description).toEqual({ en: 'Counts visits' })
  })

  it('lets a merge that breaks a reference be found by the schema, for the editor to show', () => {
    const mine = edit((c) => c.services.push({ id: 'ga', category: 'analytics', name: 'GA', provider: 'Google', purpose: {} }))
    const theirs = edit((c) => {
      c.categories = c.categories.filter((x) => x.id !== 'analytics')
      c.services = []
    })
    const { merged } = mergeDrafts(base(), mine, theirs)
    const issues = catalogueSchema.safeParse(merged).error?.issues.map((i) => i.message)
    expect(issues).toEqual(['no category "analytics"'])
  })
})

describe('draftChanges', () => {
  it('names changes by item identity, whole items added or removed, and a new order', () => {
    const after = edit((c) => {
      c.categories.reverse()
      c.services = []
      c.categories[0]!.label.de = 'Analyse'
      c.texts = { en: { acceptAll: 'OK' } }
    })
    expect(draftChanges(base(), after)).toEqual([
      { path: 'categories[analytics].label.de', before: undefined, after: 'Analyse' },
      { path: 'categories (order)', before: ['essential', 'analytics'], after: ['analytics', 'essential'] },
      { path: 'services[plausible]', before: base().services[0], after: undefined },
      { path: 'texts.en', before: undefined, after: { acceptAll: 'OK' } },
    ])
  })
})
