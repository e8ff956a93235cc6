import { fireEvent, screen, waitFor, within } from '@testing-library/preact'
import { describe, expect, it, vi } from 'vitest'
import type { Stats } from '../api-shapes'
import { endingSession, json, ME, on, renderApp, signInAgainOverPage, stubApi } from '../test-support'

// Canvas drawing is not what these tests check; the tables carry the same numbers.
vi.mock('../components/chart-loader', () => ({
  loadUplot: async () =>
    class {
      static paths = { bars: () => () => null }
      setSize() {}
      destroy() {}
    },
}))

const signedIn = on('GET', '/api/admin/me', () => json(ME))
const counts = (acceptAll: number, rejectAll: number, custom: number, other = 0) => ({
  total: acceptAll + rejectAll + custom + other,
  acceptAll,
  rejectAll,
  custom,
  other,
})
const stats: Stats = {
  perDay: [
    { day: '2025-03-01', ...counts(6, 3, 1) },
    { day: '2025-03-02', ...counts(2, 2, 0) },
  ],
  perCategory: [{ category: 'analytics', granted: 9, denied: 5 }],
  perRegion: [{ region: 'DE', mode: 'opt-in', ...counts(8, 5, 1) }],
  perRevision: [{ revision: 2, ...counts(8, 5, 1) }],
}

describe('analytics page', () => {
  it('loads the statistics again once signed in over the page after a load met an ended session', async () => {
    const session = endingSession()
    stubApi(signedIn, session.login, on('GET', '/api/admin/sites/minopa/stats', session.unless(() => json(stats))))
    renderApp('/sites/minopa/analytics')
    await screen.findByText('14 decisions in the log.')
    session.valid = false
    fireEvent.change(screen.getByLabelText('Method'), { target: { value: 'custom' } })
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }))
    expect(await screen.findByText('Could not load the statistics: Sign in first')).toBeTruthy()
    await signInAgainOverPage()
    // Before, "Could not load the statistics: Sign in first" stayed after signing in.
    expect(await screen.findByText('14 decisions matching the filters.')).toBeTruthy()
    expect(screen.queryByText(/Sign in first/)).toBeNull()
  })

  it('shows the numbers behind each chart and asks for the chosen filters, which stay in the address', async () => {
    const api = stubApi(signedIn, on('GET', '/api/admin/sites/minopa/stats', () => json(stats)))
    renderApp('/sites/minopa/analytics')
    const perDay = await screen.findByRole('table', { name: 'Decisions per day' })
    expect(within(perDay).getAllByRole('row')[1]?.textContent).toContain('2025-03-01')
    expect(screen.getByText('14 decisions in the log.')).toBeTruthy()
    const perCategory = screen.getByRole('table', { name: 'Choices per category' })
    expect(within(perCategory).getByText('64.3 %')).toBeTruthy()
    const perRegion = screen.getByRole('table', { name: 'Outcomes per region' })
    expect(perRegion.textContent).toContain('DE (opt-in)')
    expect(perRegion.textContent).toContain('(57.1 %)')
    expect(screen.getAllByRole('img').length).toBeGreaterThanOrEqual(3)

    fireEvent.input(screen.getByLabelText('From (UTC)'), { target: { value: '2025-03-01' } })
    fireEvent.input(screen.getByLabelText('To (UTC)'), { target: { value: '2025-03-02' } })
    fireEvent.change(screen.getByLabelText('Method'), { target: { value: 'custom' } })
    fireEvent.input(screen.getByLabelText('Region'), { target: { value: 'us' } })
    fireEvent.input(screen.getByLabelText('Revision'), { target: { value: '2' } })
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }))
    await waitFor(() => expect(api.requests.at(-1)?.url.search).toBe('?from=2025-03-01&to=2025-03-02&method=custom&region=US&revision=2'))
    expect(window.location.search).toBe('?from=2025-03-01&to=2025-03-02&method=custom&region=US&revision=2')
    expect(await screen.findByText('14 decisions matching the filters.')).toBeTruthy()
  })

  it('shows a consent ID that came with a link as a filter, which can be removed', async () => {
    const api = stubApi(signedIn, on('GET', '/api/admin/sites/minopa/stats', () => json(stats)))
    renderApp('/sites/minopa/analytics?consentId=visitor-0001&method=custom')
    await screen.findByRole('table', { name: 'Decisions per day' })
    expect(api.requests.at(-1)?.url.search).toBe('?consentId=visitor-0001&method=custom')
    // Before, it was applied but shown nowhere, and Clear filters kept it.
    fireEvent.click(screen.getByRole('button', { name: 'Remove the consent ID filter' }))
    await waitFor(() => expect(window.location.search).toBe('?method=custom'))
    await waitFor(() => expect(api.requests.at(-1)?.url.search).toBe('?method=custom'))
  })

  it('lists every UTC day of the period, those without decisions too', async () => {
    const api = stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minopa/stats', () => json({ ...stats, perDay: [stats.perDay[0], { ...stats.perDay[1], day: '2025-03-03' }] })),
    )
    renderApp('/sites/minopa/analytics?from=2025-02-27&to=2025-03-04')
    const perDay = await screen.findByRole('table', { name: 'Decisions per day' })
    expect(api.requests.at(-1)?.url.search).toBe('?from=2025-02-27&to=2025-03-04')
    const rows = within(perDay).getAllByRole('row')
    expect(rows[0]?.firstElementChild?.textContent).toBe('Day (UTC)')
    expect(rows.slice(1).map((r) => r.firstElementChild?.textContent)).toEqual([
      '2025-02-27',
      '2025-02-28',
      '2025-03-01',
      '2025-03-02',
      '2025-03-03',
      '2025-03-04',
    ])
    expect([...rows[4]!.querySelectorAll('td')].map((td) => td.textContent)).toEqual(['0', '0', '0', '0', '0'])
    expect([...rows[5]!.querySelectorAll('td')].map((td) => td.textContent)).toEqual(['4', '2', '2', '0', '0'])
    expect(screen.getByText('14 decisions matching the filters.')).toBeTruthy()
  })

  it('without a period, lists every day from the first with decisions to the last', async () => {
    stubApi(signedIn, on('GET', '/api/admin/sites/minopa/stats', () => json({ ...stats, perDay: [stats.perDay[0], { ...stats.perDay[1], day: '2025-03-03' }] })))
    renderApp('/sites/minopa/analytics')
    const perDay = await screen.findByRole('table', { name: 'Decisions per day' })
    expect(within(perDay).getAllByRole('row').slice(1).map((r) => r.firstElementChild?.textContent)).toEqual(['2025-03-01', '2025-03-02', '2025-03-03'])
    expect(screen.queryByText(/only the days with decisions are listed/)).toBeNull()
  })

  it('lists only the days with decisions, and says so, when they span more than three years', async () => {
    stubApi(signedIn, on('GET', '/api/admin/sites/minopa/stats', () => json({ ...stats, perDay: [{ ...stats.perDay[0], day: '2021-03-01' }, stats.perDay[1]] })))
    renderApp('/sites/minopa/analytics')
    const perDay = await screen.findByRole('table', { name: 'Decisions per day' })
    expect(within(perDay).getAllByRole('row').slice(1).map((r) => r.firstElementChild?.textContent)).toEqual(['2021-03-01', '2025-03-02'])
    expect(screen.getByText(/^The decisions span more than three years, so only the days with decisions are listed/)).toBeTruthy()
  })

  it('says there are no decisions in the log, with no period named when none is set', async () => {
    stubApi(signedIn, on('GET', '/api/admin/sites/minopa/stats', () => json({ perDay: [], perCategory: [], perRegion: [], perRevision: [] })))
    renderApp('/sites/minopa/analytics')
    expect(await screen.findByText('No decisions in the log yet.')).toBeTruthy()
  })

  it('says how many records the category rates leave out because their stored categories cannot be read', async () => {
    stubApi(signedIn, on('GET', '/api/admin/sites/minopa/stats', () => json({ ...stats, unreadableCategories: 2 })))
    renderApp('/sites/minopa/analytics')
    await screen.findByRole('table', { name: 'Choices per category' })
    expect(screen.getByRole('status').textContent).toMatch(/^2 records are left out of the rates below: their stored categories cannot be read/)
  })

  it('says nothing of unreadable records when there are none', async () => {
    stubApi(signedIn, on('GET', '/api/admin/sites/minopa/stats', () => json({ ...stats, unreadableCategories: 0 })))
    renderApp('/sites/minopa/analytics')
    await screen.findByRole('table', { name: 'Choices per category' })
    expect(screen.queryByText(/left out of the rates/)).toBeNull()
  })

  it('while statistics for new filters load, says so and shows no numbers under them; an older answer arriving late is dropped', async () => {
    let releaseGpc!: () => void
    const gpcHeld = new Promise<void>((r) => (releaseGpc = r))
    const few = { ...stats, perDay: [{ day: '2025-03-01', ...counts(1, 1, 1) }] }
    const one = { ...stats, perDay: [{ day: '2025-03-01', ...counts(0, 0, 0, 1) }] }
    stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minopa/stats', async (req) => {
        const method = req.url.searchParams.get('method')
        if (method === 'gpc') {
          await gpcHeld
          return json(one)
        }
        return json(method === 'custom' ? few : stats)
      }),
    )
    renderApp('/sites/minopa/analytics')
    await screen.findByText('14 decisions in the log.')
    fireEvent.change(screen.getByLabelText('Method'), { target: { value: 'gpc' } })
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }))
    await waitFor(() => expect(window.location.search).toBe('?method=gpc'))
    // Before, the whole log's 14 decisions stayed on screen as "14 decisions matching the filters.", nothing loading.
    expect((await screen.findByText('Loading the statistics…')).getAttribute('role')).toBe('status')
    expect(screen.queryByText(/decisions? (matching the filters|in the log)/)).toBeNull()
    expect(screen.queryByRole('table', { name: 'Decisions per day' })).toBeNull()

    fireEvent.change(screen.getByLabelText('Method'), { target: { value: 'custom' } })
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }))
    expect(await screen.findByText('3 decisions matching the filters.')).toBeTruthy()
    releaseGpc()
    await new Promise((r) => setTimeout(r, 20))
    expect(screen.getByText('3 decisions matching the filters.')).toBeTruthy()
    expect(screen.queryByText('1 decision matching the filters.')).toBeNull()
  })

  it('refuses an end date before the start date without asking the server', async () => {
    const api = stubApi(signedIn, on('GET', '/api/admin/sites/minopa/stats', () => json(stats)))
    renderApp('/sites/minopa/analytics')
    await screen.findByRole('table', { name: 'Decisions per day' })
    const asked = api.requests.length
    fireEvent.input(screen.getByLabelText('From (UTC)'), { target: { value: '2025-03-02' } })
    fireEvent.input(screen.getByLabelText('To (UTC)'), { target: { value: '2025-03-01' } })
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }))
    expect(await screen.findByText('The end date is before the start date.')).toBeTruthy()
    expect(api.requests.length).toBe(asked)
  })
})
