import { fireEvent, screen, within } from '@testing-library/preact'
import { describe, expect, it } from 'vitest'
import { catalogueFixture, json, ME, on, renderApp, serveCatalogueState, stubApi } from '../test-support'

const signedIn = on('GET', '/api/admin/me', () => json(ME))

/** The draft adds a category "social" that revision 3, live, does not have. */
function draftWithSocial() {
  const state = catalogueFixture()
  state.draft.categories.push({ id: 'social', required: false, label: { en: 'Social' }, description: {}, consentMode: [] })
  state.dirty = true
  return state
}
const liveRevision3 = on('GET', '/api/admin/sites/minimagic/revisions/3', () =>
  json({
    revision: { number: 3, contentHash: 'f'.repeat(64), needsConsent: false, publishedAt: '2025-02-01T10:00:00.000Z', publishedBy: null, note: null, catalogue: catalogueFixture().draft },
  }),
)

async function check(html: string) {
  const field = await screen.findByLabelText('Paste your page’s HTML')
  fireEvent.input(field, { target: { value: html } })
  fireEvent.click(screen.getByRole('button', { name: 'Check' }))
  return document.querySelector<HTMLElement>('ul.findings')!
}

describe('Install: the tag checker', () => {
  it('judges tags against the live revision, which visitors get, not the unpublished draft', async () => {
    stubApi(signedIn, serveCatalogueState(draftWithSocial), liveRevision3)
    renderApp('/sites/minimagic/install')
    expect(await screen.findByText(/Checked against the live revision 3: the draft’s unpublished changes are not live yet\./)).toBeTruthy()
    const findings = await check(
      `<head><script src="https://consent.example/sdk/minimagic.js"></script><script type="text/plain" data-category="social">window.socialRan = true</script></head><body><a href="#" data-consent-open>Cookie settings</a></body>`,
    )
    // The live SDK offers no "social": the tag would never run, though the draft has the category.
    expect(within(findings).getByText(/No category "social" in the catalogue \(there are: essential, analytics\)/)).toBeTruthy()
    expect(document.querySelector('.check-summary')?.textContent).toBe('1 problem, 0 warnings, 1 element fine.')
  })

  it('judges them against the draft before anything is published, and says so', async () => {
    stubApi(signedIn, serveCatalogueState(() => ({ ...draftWithSocial(), live: null })))
    renderApp('/sites/minimagic/install')
    expect(await screen.findByText(/Checked against the draft: nothing is published yet\./)).toBeTruthy()
    const findings = await check(
      `<head><script src="https://consent.example/sdk/minimagic.js"></script><script type="text/plain" data-category="social">window.socialRan = true</script></head><body><a href="#" data-consent-open>Cookie settings</a></body>`,
    )
    expect(within(findings).getByText(/Runs once “social” is granted/)).toBeTruthy()
  })
})
