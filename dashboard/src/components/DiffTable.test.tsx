import { render, screen, within } from '@testing-library/preact'
import { describe, expect, it } from 'vitest'
import type { CatalogueChange, CatalogueDiff } from '../api-shapes'
import { DiffTable } from './DiffTable'

function renderChanges(...changes: CatalogueChange[]) {
  const diff: CatalogueDiff = { from: 1, to: 'draft', changes, needsConsent: false, reasons: [] }
  render(<DiffTable diff={diff} caption="Changes" />)
  return within(screen.getByRole('table', { name: 'Changes' }))
    .getAllByRole('row')
    .slice(1)
    .map((row) => [...row.querySelectorAll('td')].slice(1, 3))
}

describe('DiffTable', () => {
  it('shows scalar values as they are, and an absent or empty one as a dash', () => {
    const [text, flag, none] = renderChanges(
      { path: 'services[hotjar].purpose.en', kind: 'changed', before: 'Heatmaps', after: 'Heatmaps and recordings', consentRelevant: true },
      { path: 'categories[analytics].required', kind: 'changed', before: true, after: false, consentRelevant: true },
      { path: 'services[hotjar].purpose', kind: 'changed', before: {}, after: null, consentRelevant: false },
    )
    expect(text!.map((td) => td.textContent)).toEqual(['Heatmaps', 'Heatmaps and recordings'])
    expect(flag!.map((td) => td.textContent)).toEqual(['true', 'false'])
    expect(none!.map((td) => td.textContent)).toEqual(['—', '—'])
  })

  it('lists a list of names on one line and a list of items one by one, each field by field', () => {
    const [types, items] = renderChanges(
      { path: 'categories[marketing].consentMode', kind: 'changed', before: ['ad_storage'], after: ['ad_storage', 'ad_user_data'], consentRelevant: true },
      {
        path: 'categories',
        kind: 'added',
        before: null,
        after: [
          { id: 'essential', required: true, label: { en: 'Essential' } },
          { id: 'analytics', required: false, label: { en: 'Analytics', de: 'Statistik' } },
        ],
        consentRelevant: true,
      },
    )
    expect(types!.map((td) => td.textContent)).toEqual(['ad_storage', 'ad_storage, ad_user_data'])
    const listed = items![1]!.querySelectorAll(':scope > ol > li')
    expect(listed).toHaveLength(2)
    const terms = [...listed[1]!.querySelectorAll(':scope > dl > div > dt')].map((dt) => dt.textContent)
    expect(terms).toEqual(['id', 'required', 'label'])
    const label = [...listed[1]!.querySelectorAll(':scope > dl > div')][2]!.querySelector('dd dl')!
    expect([...label.querySelectorAll('dt')].map((dt) => dt.textContent)).toEqual(['en', 'de'])
    expect([...label.querySelectorAll('dd')].map((dd) => dd.textContent)).toEqual(['Analytics', 'Statistik'])
  })
})
