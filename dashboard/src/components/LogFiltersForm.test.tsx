import { fireEvent, screen, waitFor } from '@testing-library/preact'
import { describe, expect, it } from 'vitest'
import { json, logPage, ME, on, renderApp, stubApi } from '../test-support'

const signedIn = on('GET', '/api/admin/me', () => json(ME))
const serveLog = on('GET', '/api/admin/sites/minopa/consents', () => json(logPage(3, 3, 3)))

/** Types into a field one key at a time, each keystroke adding to what the field then holds. */
function type(field: HTMLInputElement, text: string) {
  for (const key of text) fireEvent.input(field, { target: { value: field.value + key } })
}

async function regionField() {
  renderApp('/sites/minopa/consents')
  await screen.findByRole('table', { name: 'Consent records' })
  return screen.getByLabelText('Region') as HTMLInputElement
}

describe('log filters: region', () => {
  it('keeps "unknown" as typed, key by key, and asks the server for records without a region', async () => {
    const api = stubApi(signedIn, serveLog)
    const region = await regionField()
    type(region, 'unknown')
    expect(region.value).toBe('unknown')
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }))
    await waitFor(() => expect(api.requests.at(-1)?.url.searchParams.get('region')).toBe('unknown'))
    expect(screen.queryByText(/Use an ISO code/)).toBeNull()
  })

  it('takes "unknown" and ISO codes in any case, and sends them as the server reads them', async () => {
    const api = stubApi(signedIn, serveLog)
    const region = await regionField()
    type(region, 'Unknown')
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }))
    await waitFor(() => expect(api.requests.at(-1)?.url.searchParams.get('region')).toBe('unknown'))

    const again = screen.getByLabelText('Region') as HTMLInputElement
    fireEvent.input(again, { target: { value: ' us-ca ' } })
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }))
    await waitFor(() => expect(api.requests.at(-1)?.url.searchParams.get('region')).toBe('US-CA'))
    // The form starts again from the filter applied, as the server reads it.
    await waitFor(() => expect((screen.getByLabelText('Region') as HTMLInputElement).value).toBe('US-CA'))
  })

  it('still refuses what is neither an ISO code nor "unknown"', async () => {
    const api = stubApi(signedIn, serveLog)
    const region = await regionField()
    const asked = api.requests.length
    type(region, 'unknow')
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }))
    expect(screen.getByText(/Use an ISO code such as DE/)).toBeTruthy()
    expect(region.value).toBe('unknow')
    expect(api.requests.length).toBe(asked)
  })
})
