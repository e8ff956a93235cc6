import { catalogue } from '@miniconsent/shared'
import { describe, expect, it } from 'vitest'
import { DEMO_SITES } from '../seed/catalogues'
import { catalogueToCsv, csvToCatalogue } from './catalogue-csv'

describe.each(DEMO_SITES.map((s) => [s.settings.id, catalogue.parse(s.catalogue)] as const))('the %s cookie table', (_id, c) => {
  it('survives a CSV round trip entry for entry', () => {
    const csv = catalogueToCsv(c)
    // Into the same draft: nothing changes.
    expect(catalogue.parse(csvToCatalogue(csv, c))).toEqual(c)
    // Into a draft that has only the categories: services and entries come back from the file alone.
    const bare = { ...c, services: [], entries: [] }
    const rebuilt = catalogue.parse(csvToCatalogue(csv, bare))
    expect(rebuilt.entries).toEqual(c.entries)
    expect(rebuilt.services.map((s) => [s.id, s.category, s.name, s.provider, s.purpose, s.privacyPolicyUrl])).toEqual(
      c.services.map((s) => [s.id, s.category, s.name, s.provider, s.purpose, s.privacyPolicyUrl]),
    )
  })
})
