import { fireEvent, screen } from '@testing-library/preact'
import { describe, expect, it } from 'vitest'
import type { CatalogueState } from '../api-shapes'
import { catalogueFixture, json, ME, on, renderApp, stubApi } from '../test-support'

const signedIn = on('GET', '/api/admin/me', () => json(ME))
const serveCatalogue = on('GET', /\/catalogue$/, () => json(catalogueFixture()))

describe('texts and appearance', () => {
  it('shows the built-in English texts as placeholders and saves overrides and appearance to the draft', async () => {
    const api = stubApi(
      signedIn,
      serveCatalogue,
      on('PUT', '/api/admin/sites/minimagic/catalogue/draft', (req) =>
        json({ ...catalogueFixture(), draft: (req.body as { catalogue: CatalogueState['draft'] }).catalogue }),
      ),
    )
    renderApp('/sites/minimagic/texts')
    const title = (await screen.findByLabelText('Banner title')) as HTMLInputElement
    expect(title.placeholder).toBe('We use cookies')
    fireEvent.input(title, { target: { value: 'Cookies at MiniMagic' } })
    fireEvent.change(screen.getByLabelText('Layout'), { target: { value: 'box' } })
    fireEvent.input(screen.getByLabelText('Accent colour'), { target: { value: 'teal' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(screen.getByText('use a colour like #1a73e8', { selector: '.field-error' })).toBeTruthy()
    expect(api.requests.some((r) => r.method === 'PUT')).toBe(false)

    fireEvent.input(screen.getByLabelText('Accent colour'), { target: { value: '#0f766e' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(await screen.findByText('Draft saved.')).toBeTruthy()
    const sent = api.requests.find((r) => r.method === 'PUT')?.body as { catalogue: CatalogueState['draft'] }
    expect(sent.catalogue.texts).toEqual({ en: { bannerTitle: 'Cookies at MiniMagic' } })
    expect(sent.catalogue.appearance).toMatchObject({ layout: 'box', accentColor: '#0f766e' })
    // The rest of the catalogue goes back unchanged.
    expect(sent.catalogue.entries).toEqual(catalogueFixture().draft.entries)
  })

  it('is read-only for an auditor', async () => {
    stubApi(signedIn, serveCatalogue)
    renderApp('/sites/minopa/texts')
    expect(((await screen.findByLabelText('Banner title')) as HTMLInputElement).readOnly).toBe(true)
    expect(screen.queryByRole('button', { name: 'Save draft' })).toBeNull()
  })
})
