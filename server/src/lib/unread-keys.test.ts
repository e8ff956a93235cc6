import { catalogue as catalogueSchema } from '@miniconsent/shared'
import { describe, expect, it } from 'vitest'
import { ACME } from '../test-support'
import { unreadKeys } from './unread-keys'

describe('unreadKeys', () => {
  it('lists each key the schema dropped, by its path, and none of those it read', () => {
    const [category, ...categories] = ACME.catalogue.categories
    const [service, ...services] = ACME.catalogue.services ?? []
    const input = {
      ...ACME.catalogue,
      categories: [{ ...category, descripton: { en: 'Always on' } }, ...categories],
      services: [{ ...service, privacyPolicyURL: 'https://plausible.io/privacy' }, ...services],
      textz: { en: {} },
    }
    const read = catalogueSchema.parse(input)
    expect(unreadKeys(input, read)).toEqual([['categories', 0, 'descripton'], ['services', 0, 'privacyPolicyURL'], ['textz']])
  })

  it('finds nothing in a catalogue as the export writes it, defaults filled in', () => {
    const read = catalogueSchema.parse({ categories: [{ id: 'essential', required: true, label: { en: 'Essential' } }] })
    const exported = JSON.parse(JSON.stringify(read)) as unknown
    expect(unreadKeys(exported, catalogueSchema.parse(exported))).toEqual([])
  })
})
