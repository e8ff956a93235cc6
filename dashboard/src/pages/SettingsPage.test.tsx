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
    // A country alone takes the strictest of its states' rules: a visitor whose state is unknown may be in California.
    expect(screen.getByTestId('region-default-1').textContent).toBe('opt-out')
    fireEvent.change(screen.getByLabelText('Mode, row 2'), { target: { value: 'opt-in' } })
    fireEvent.change(screen.getByLabelText('Mode, row 1'), { target: { value: 'opt-out' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(await screen.findByText('Settings saved.')).toBeTruthy()

    const put = api.requests.find((r) => r.method === 'PUT')!
    expect(put.headers.get('X-CSRF-Token')).toBe('csrf-token-123')
    const { id: _id, ...expected } = loaded().settings
    expect(put.body).toEqual({ ...expected, regions: { 'US-CA': 'opt-out', US: 'opt-in' } })
  })

  it('edits legal documents and the Consent Mode options, each problem shown at its cell', async () => {
    const api = stubApi(
      signedIn,
      serveCatalogue,
      on('PUT', '/api/admin/sites/minimagic/settings', (req) => json({ settings: { id: 'minimagic', ...(req.body as object) } })),
    )
    renderApp('/sites/minimagic/settings')
    expect(((await screen.findByLabelText('Document, row 1')) as HTMLInputElement).value).toBe('terms')
    fireEvent.input(screen.getByLabelText('Version, row 1'), { target: { value: '2025-06' } })

    fireEvent.click(screen.getByRole('button', { name: 'Add legal document' }))
    const type = screen.getByLabelText('Document, row 2')
    const url = screen.getByLabelText('URL, row 2')
    fireEvent.input(type, { target: { value: 'terms' } })
    fireEvent.input(screen.getByLabelText('Version, row 2'), { target: { value: '1' } })
    fireEvent.input(url, { target: { value: 'javascript:alert(1)' } })
    fireEvent.input(screen.getByLabelText('Wait for the visitor’s choice (ms)'), { target: { value: '20000' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(api.requests.some((r) => r.method === 'PUT')).toBe(false)
    const errorOf = (input: HTMLElement) => document.getElementById(`${input.id}-error`)?.textContent
    expect(errorOf(type)).toBe('"terms" is already listed above')
    expect(errorOf(url)).toBe('use an https://, http:// or mailto: address')
    expect(errorOf(screen.getByLabelText('Wait for the visitor’s choice (ms)'))).toMatch(/10000/)

    fireEvent.input(type, { target: { value: 'Privacy Notice' } })
    expect(errorOf(type)).toMatch(/use lower-case letters/)
    fireEvent.input(type, { target: { value: 'privacy' } })
    fireEvent.input(url, { target: { value: 'https://minimagic.example/privacy' } })
    fireEvent.input(screen.getByLabelText('Wait for the visitor’s choice (ms)'), { target: { value: '800' } })
    fireEvent.click(screen.getByLabelText('Redact ad click identifiers while ad storage is denied'))
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(await screen.findByText('Settings saved.')).toBeTruthy()
    expect(api.requests.find((r) => r.method === 'PUT')!.body).toMatchObject({
      documents: {
        terms: { version: '2025-06', url: 'https://minimagic.example/terms' },
        privacy: { version: '1', url: 'https://minimagic.example/privacy' },
      },
      consentModeWaitForUpdate: 800,
      adsDataRedaction: true,
      urlPassthrough: false,
    })
  })

  it('puts a server issue about a document on that document’s row', async () => {
    stubApi(
      signedIn,
      serveCatalogue,
      on('PUT', '/api/admin/sites/minimagic/settings', () =>
        json({ error: { code: 'validation_failed', message: 'Some fields are not valid', issues: [{ path: 'documents.terms.version', message: 'versions only go up' }] } }, 422),
      ),
    )
    renderApp('/sites/minimagic/settings')
    fireEvent.input(await screen.findByLabelText('Version, row 1'), { target: { value: '2024-01' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    const error = await screen.findByText('versions only go up', { selector: '.field-error' })
    expect(error.id).toBe(`${screen.getByLabelText('Version, row 1').id}-error`)
    expect(screen.getByRole('link', { name: 'Legal document 1: version' })).toBeTruthy()
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
