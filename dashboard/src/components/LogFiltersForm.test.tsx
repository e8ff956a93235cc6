import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact'
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

  it('announces why, from an alert region there before the message, tied to the field', async () => {
    stubApi(signedIn, serveLog)
    const region = await regionField()
    const slot = region.closest('.field')?.querySelector('[role="alert"]')
    // Before, the message came in a plain paragraph: shown, but not announced.
    expect(slot?.textContent).toBe('')
    type(region, 'unknow')
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }))
    const message = screen.getByText('Use an ISO code such as DE or US-CA, or “unknown”.')
    expect(message.closest('[role="alert"]')).toBe(slot)
    expect(region.getAttribute('aria-invalid')).toBe('true')
    expect(region.getAttribute('aria-describedby')).toBe(message.id)
  })
})

describe('log filters: period', () => {
  it('keeps a date-time bound from a shared link, which the server takes, when another filter is applied', async () => {
    const api = stubApi(signedIn, serveLog)
    renderApp('/sites/minopa/consents?from=2026-11-22T10:00:00Z&to=2026-11-22')
    await screen.findByRole('table', { name: 'Consent records' })
    fireEvent.change(screen.getByLabelText('Method'), { target: { value: 'custom' } })
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }))
    // Before, "2026-11-22T10:00:00Z" > "2026-11-22" as strings, so the form said the end was before the start.
    await waitFor(() => expect(api.requests.at(-1)?.url.searchParams.get('method')).toBe('custom'))
    expect(api.requests.at(-1)?.url.searchParams.get('from')).toBe('2026-11-22T10:00:00Z')
    expect(api.requests.at(-1)?.url.searchParams.get('to')).toBe('2026-11-22')
    expect(screen.queryByText('The end date is before the start date.')).toBeNull()
  })

  it('says a bound of a link that the server does not read as a day or an instant is not one, instead of claiming to apply it', async () => {
    // Date.parse takes all but the first; the server answers each 400.
    for (const bound of ['last tuesday', '2026', '2026-13-01', '2026-02-30', '2026-11-22T10:00']) {
      stubApi(signedIn, serveLog)
      const { unmount } = renderApp(`/sites/minopa/consents?from=${encodeURIComponent(bound)}`)
      const from = (await screen.findByLabelText('From (UTC)')) as HTMLInputElement
      expect(from.value, bound).toBe('')
      expect(document.getElementById(from.getAttribute('aria-describedby') ?? '')?.textContent, bound).toBe(`From ${bound} in the link is no date, or no time with its offset: choose a day in its place.`)
      unmount()
    }
  })

  /** The consent log opened from a link `path`, then *Apply filters* as it stands: the requests asked by then. */
  async function applyAsLinked(path: string) {
    const api = stubApi(signedIn, serveLog)
    renderApp(path)
    await screen.findByRole('table', { name: 'Consent records' })
    const asked = api.requests.length
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }))
    return { api, asked }
  }

  it('says at its field that a date bound of a link is no date when applied, not that the other one is out of order', async () => {
    const { api, asked } = await applyAsLinked('/sites/minopa/consents?from=2026-02-30&to=2026-03-01')
    expect(await screen.findByText('Choose a day: the one from the link is no date.')).toBeTruthy()
    expect(screen.queryByText('The end date is before the start date.')).toBeNull()
    expect(api.requests).toHaveLength(asked)
  })

  it('shows a date-time bound from a shared link as its UTC day, and still applies the bound itself', async () => {
    const api = stubApi(signedIn, serveLog)
    renderApp('/sites/minopa/consents?from=2026-11-23T00:30:00%2B02:00&to=2026-11-30T22:00:00-05:00')
    await screen.findByRole('table', { name: 'Consent records' })
    // Before, the date fields showed nothing although the log was filtered.
    const from = screen.getByLabelText('From (UTC)') as HTMLInputElement
    expect(from.value).toBe('2026-11-22')
    // And the field says the bound is that time, not the whole day it shows.
    expect(document.getElementById(from.getAttribute('aria-describedby')!)?.textContent).toBe('From 2026-11-23T00:30:00+02:00 exactly, as the link gave it; choosing a day replaces it.')
    expect((screen.getByLabelText('To (UTC)') as HTMLInputElement).value).toBe('2026-12-01')
    fireEvent.change(screen.getByLabelText('Method'), { target: { value: 'custom' } })
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }))
    await waitFor(() => expect(api.requests.at(-1)?.url.searchParams.get('method')).toBe('custom'))
    expect(api.requests.at(-1)?.url.searchParams.get('from')).toBe('2026-11-23T00:30:00+02:00')
    expect(api.requests.at(-1)?.url.searchParams.get('to')).toBe('2026-11-30T22:00:00-05:00')
  })

  it('shows a UTC date-time bound as its own day', async () => {
    stubApi(signedIn, serveLog)
    renderApp('/sites/minopa/consents?from=2026-11-01T10:00:00Z')
    await screen.findByRole('table', { name: 'Consent records' })
    expect((screen.getByLabelText('From (UTC)') as HTMLInputElement).value).toBe('2026-11-01')
    expect((screen.getByLabelText('To (UTC)') as HTMLInputElement).value).toBe('')
  })

  it('still refuses an end before the start when a bound is a date-time', async () => {
    const { api, asked } = await applyAsLinked('/sites/minopa/consents?from=2026-11-23T00:30:00%2B02:00&to=2026-11-21')
    expect(await screen.findByText('The end date is before the start date.')).toBeTruthy()
    expect(api.requests.length).toBe(asked)
  })

  it('applies a period in order inside one millisecond, as the server answers it (empty), and refuses one reversed by a fraction', async () => {
    const api = stubApi(signedIn, serveLog)
    renderApp('/sites/minopa/consents?from=2026-11-22T10:00:00.0001Z&to=2026-11-22T10:00:00.0009Z')
    await screen.findByRole('table', { name: 'Consent records' })
    fireEvent.change(screen.getByLabelText('Method'), { target: { value: 'custom' } })
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }))
    await waitFor(() => expect(api.requests.at(-1)?.url.searchParams.get('method')).toBe('custom'))
    expect(api.requests.at(-1)?.url.searchParams.get('from')).toBe('2026-11-22T10:00:00.0001Z')
    expect(api.requests.at(-1)?.url.searchParams.get('to')).toBe('2026-11-22T10:00:00.0009Z')
    expect(screen.queryByText('The end date is before the start date.')).toBeNull()
    cleanup()
    const reversed = await applyAsLinked('/sites/minopa/consents?from=2026-11-22T10:00:00.0009Z&to=2026-11-22T10:00:00.0001Z')
    expect(await screen.findByText('The end date is before the start date.')).toBeTruthy()
    expect(reversed.api.requests.length).toBe(reversed.asked)
  })
})
