import { siteSettings } from '@miniconsent/shared'
import { fireEvent, screen } from '@testing-library/preact'
import { describe, expect, it } from 'vitest'
import { catalogueFixture, json, ME, on, renderApp, stubApi } from '../test-support'

const signedIn = on('GET', '/api/admin/me', () => json(ME))
const loaded = () => {
  const state = catalogueFixture()
  state.settings = siteSettings.parse({
    ...state.settings,
    regions: { 'US-CA': 'opt-in' },
    documents: { terms: { version: '2025-01', url: 'https://minimagic.example/terms' } },
  })
  return state
}
const serveCatalogue = on('GET', /\/catalogue$/, () => json(loaded()))

describe('site settings', () => {
  it('edits a region override and sends the whole settings back, documents included', async () => {
    const api = stubApi(
      signedIn,
      serveCatalogue,
      on('PUT', '/api/admin/sites/minimagic/settings', (req) => json({ settings: { id: 'minimagic', ...(req.body as object) } })),
    )
    renderApp('/sites/minimagic/settings')
    const firstCode = (await screen.findByLabelText('Region code, row 1')) as HTMLInputElement
    expect(firstCode.value).toBe('US-CA')
    // The built-in default for the typed code is shown next to it.
    expect(screen.getByTestId('region-default-0').textContent).toBe('opt-out')

    fireEvent.click(screen.getByRole('button', { name: 'Add region override' }))
    const code = screen.getByLabelText('Region code, row 2')
    fireEvent.input(code, { target: { value: 'xx-' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(screen.getByText(/use a country code such as/, { selector: '.field-error' })).toBeTruthy()
    expect(api.requests.some((r) => r.method === 'PUT')).toBe(false)

    fireEvent.input(code, { target: { value: 'us' } })
    expect(screen.getByTestId('region-default-1').textContent).toBe('notice')
    fireEvent.change(screen.getByLabelText('Mode, row 2'), { target: { value: 'opt-in' } })
    fireEvent.change(screen.getByLabelText('Mode, row 1'), { target: { value: 'opt-out' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(await screen.findByText('Settings saved.')).toBeTruthy()

    const put = api.requests.find((r) => r.method === 'PUT')!
    expect(put.headers.get('X-CSRF-Token')).toBe('csrf-token-123')
    const { id: _id, ...expected } = loaded().settings
    expect(put.body).toEqual({ ...expected, regions: { 'US-CA': 'opt-out', US: 'opt-in' } })
  })

  it('shows a server issue next to its field and keeps the edits', async () => {
    stubApi(
      signedIn,
      serveCatalogue,
      on('PUT', '/api/admin/sites/minimagic/settings', () =>
        json({ error: { code: 'validation_failed', message: 'Some fields are not valid', issues: [{ path: 'cookieName', message: 'this name is taken by another cookie' }] } }, 422),
      ),
    )
    renderApp('/sites/minimagic/settings')
    const cookieName = (await screen.findByLabelText('Cookie name')) as HTMLInputElement
    fireEvent.input(cookieName, { target: { value: 'session' } })
    fireEvent.input(screen.getByLabelText('Cookie lifetime (days)'), { target: { value: '30' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    const error = await screen.findByText('this name is taken by another cookie', { selector: '.field-error' })
    expect(error.id).toBe(`${cookieName.id}-error`)
    expect(cookieName.getAttribute('aria-invalid')).toBe('true')
    expect(cookieName.value).toBe('session')
    expect((screen.getByLabelText('Cookie lifetime (days)') as HTMLInputElement).value).toBe('30')
    expect(screen.getByText(/Not saved: Some fields are not valid/)).toBeTruthy()
  })

  it('is read-only for an auditor', async () => {
    stubApi(signedIn, serveCatalogue)
    renderApp('/sites/minopa/settings')
    expect(((await screen.findByLabelText('Site name')) as HTMLInputElement).readOnly).toBe(true)
    expect(screen.queryByRole('button', { name: 'Save settings' })).toBeNull()
    expect(screen.queryByRole('button', { name: 'Add region override' })).toBeNull()
  })
})
