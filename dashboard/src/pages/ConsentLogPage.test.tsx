import type { ConsentLogPage, Role, SubjectUser } from '@miniconsent/shared'
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact'
import { describe, expect, it } from 'vitest'
import { formatCount, formatTime } from '../format'
import {
  consentRecord,
  endingSession,
  errorBody,
  expectFocusStaysOn,
  heldBack,
  json,
  logPage,
  ME,
  meWithRoleOnMiniMagic,
  on,
  pressFromKeyboard,
  renderApp,
  signInAgainOverPage,
  stubApi,
  type FakeRequest,
} from '../test-support'

const signedIn = on('GET', '/api/admin/me', () => json(ME))

/** A log of these records only: one page, nothing older. */
const wholeLog = (records: ConsentLogPage['records']): ConsentLogPage => ({ records, nextBefore: null, total: records.length })

function serveLog(answer: (req: FakeRequest) => ConsentLogPage | Response) {
  return on('GET', /^\/api\/admin\/sites\/[^/]+\/consents$/, (req) => {
    const page = answer(req)
    return page instanceof Response ? page : json(page)
  })
}

/** 120 records in all, served 50 at a time like the server does. */
function pagedLog(req: FakeRequest): ConsentLogPage {
  const before = Number(req.url.searchParams.get('before') ?? 121)
  const newest = before - 1
  return logPage(newest, Math.min(50, newest), 120)
}

async function openLog(path = '/sites/minopa/consents') {
  renderApp(path)
  return screen.findByRole('table', { name: 'Consent records' })
}

describe('consent log', () => {
  it('lists records with granted and denied categories in words', async () => {
    const fixture = wholeLog([
      consentRecord({ seq: 2, consentId: 'visitor-rejects', method: 'reject-all', categories: { essential: true, analytics: false, marketing: false } }),
      consentRecord({ seq: 1, consentId: 'visitor-custom' }),
    ])
    stubApi(signedIn, serveLog(() => fixture))
    const table = await openLog()

    const headers = within(table).getAllByRole('columnheader').map((th) => th.textContent)
    expect(headers).toEqual(['Time', 'Consent ID', 'Method', 'Choices', 'Revision', 'Region', 'Language'])

    const rows = within(table).getAllByRole('row').slice(1)
    expect(rows).toHaveLength(2)
    const [newest, older] = rows as [HTMLElement, HTMLElement]
    expect(newest.textContent).toContain('visitor-rejects')
    expect(newest.textContent).toContain('Reject all')
    expect(newest.textContent).toContain('Granted: essential')
    expect(newest.textContent).toContain('Denied: analytics, marketing')
    expect(older.textContent).toContain('Granted: analytics, essential')
    expect(older.textContent).toContain('Denied: functional, marketing')
    expect(older.textContent).toContain('Custom choice')
    expect(older.textContent).toContain('DE (opt-in)')
    expect(within(older).getByRole('rowheader').querySelector('time')?.getAttribute('datetime')).toBe('2025-03-12T09:00:01.000Z')

    expect(screen.getByText('Records 1–2 of 2, newest first')).toBeTruthy()
    await waitFor(() => expect(document.title).toBe('Consent log — Minopa · MiniConsent'))
  })

  it('shows an erased record without a visitor ID (its consentId is the word "erased")', async () => {
    const fixture = wholeLog([
      consentRecord({ seq: 2, consentId: 'erased', ip: null, url: '', userAgent: null, erasedAt: '2026-11-20T10:00:00.000Z' }),
      consentRecord({ seq: 1, consentId: 'visitor-custom' }),
    ])
    stubApi(signedIn, serveLog(() => fixture))
    const table = await openLog()
    const buttons = within(table).getAllByRole('button').map((b) => b.textContent)
    expect(buttons).toEqual(['— (erased) (record #2)', 'visitor-custom (record #1)'])
  })

  it('pages to older records with the `before` cursor and back to newer ones', async () => {
    const api = stubApi(signedIn, serveLog(pagedLog))
    await openLog()
    expect(screen.getByText('Records 1–50 of 120, newest first')).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Newer' }).getAttribute('aria-disabled')).toBe('true')

    fireEvent.click(screen.getByRole('button', { name: 'Older' }))
    expect(await screen.findByText('Records 51–100 of 120, newest first')).toBeTruthy()
    expect(api.requests.at(-1)?.url.searchParams.get('before')).toBe('71')
    expect(screen.getByRole('button', { name: /visitor-0070/ })).toBeTruthy()

    fireEvent.click(screen.getByRole('button', { name: 'Older' }))
    expect(await screen.findByText('Records 101–120 of 120, newest first')).toBeTruthy()
    expect(api.requests.at(-1)?.url.searchParams.get('before')).toBe('21')
    expect(screen.getByRole('button', { name: 'Older' }).getAttribute('aria-disabled')).toBe('true')

    // Older on the last page asks for nothing.
    const asked = api.requests.length
    fireEvent.click(screen.getByRole('button', { name: 'Older' }))
    expect(api.requests.length).toBe(asked)

    fireEvent.click(screen.getByRole('button', { name: 'Newer' }))
    expect(await screen.findByText('Records 51–100 of 120, newest first')).toBeTruthy()
    expect(api.requests.at(-1)?.url.searchParams.get('before')).toBe('71')
    fireEvent.click(screen.getByRole('button', { name: 'Newer' }))
    expect(await screen.findByText('Records 1–50 of 120, newest first')).toBeTruthy()
    expect(api.requests.at(-1)?.url.searchParams.has('before')).toBe(false)
  })

  it('numbers an older page as of the newest page it pages from, and says when records arrived since', async () => {
    // 1,000 records when the auditor opens the log; 5 more arrive before Older is clicked.
    let newest = 1000
    const api = stubApi(
      signedIn,
      serveLog((req) => {
        const before = req.url.searchParams.get('before')
        return logPage(before ? Number(before) - 1 : newest, 50, newest)
      }),
    )
    await openLog()
    const range = () => document.getElementById('log-range')?.textContent
    expect(range()).toBe('Records 1–50 of 1,000, newest first')

    newest = 1005
    fireEvent.click(screen.getByRole('button', { name: 'Older' }))
    await screen.findByRole('button', { name: /visitor-0950/ })
    expect(api.requests.at(-1)?.url.searchParams.get('before')).toBe('951')
    // The records after page 1's last are the 51st–100th newest of the 1,000 page 1 counted (the
    // 56th–105th of the 1,005 now): numbered and counted as of the same moment.
    expect(range()).toBe(
      'Records 51–100 of 1,000, newest first. Counted when the newest page was loaded: 5 more have arrived since (1,005 now); go back to the newest page to see them.',
    )

    // Back on the newest page, they are counted from it again.
    fireEvent.click(screen.getByRole('button', { name: 'Newer' }))
    await screen.findByRole('button', { name: /visitor-1005/ })
    expect(range()).toBe('Records 1–50 of 1,005, newest first')
    fireEvent.click(screen.getByRole('button', { name: 'Older' }))
    await screen.findByRole('button', { name: /visitor-0955/ })
    expect(range()).toBe('Records 51–100 of 1,005, newest first')
  })

  it('says when the total fell since the newest page counted it (records purged meanwhile)', async () => {
    stubApi(signedIn, serveLog((req) => (req.url.searchParams.has('before') ? logPage(70, 50, 118) : logPage(120, 50, 120))))
    await openLog()
    fireEvent.click(screen.getByRole('button', { name: 'Older' }))
    await screen.findByRole('button', { name: /visitor-0070/ })
    expect(document.getElementById('log-range')?.textContent).toBe('Records 51–100 of 120, newest first. Counted when the newest page was loaded: 118 now.')
  })

  it('searches by consentId and says so when nothing matches', async () => {
    const api = stubApi(
      signedIn,
      serveLog((req) => {
        const id = req.url.searchParams.get('consentId')
        if (id === 'visitor-0002') return { records: [consentRecord({ seq: 2, consentId: id })], nextBefore: null, total: 1 }
        if (id) return { records: [], nextBefore: null, total: 0 }
        return logPage(3, 3, 3)
      }),
    )
    await openLog()

    fireEvent.input(screen.getByLabelText('Consent ID'), { target: { value: 'visitor-0002' } })
    fireEvent.click(screen.getByRole('button', { name: 'Search' }))
    await screen.findByText('Records 1–1 of 1, newest first', { exact: false })
    expect(api.requests.at(-1)?.url.searchParams.get('consentId')).toBe('visitor-0002')
    expect(location.search).toBe('?consentId=visitor-0002')
    // The form is drawn anew for the address: focus goes back to its field, not to <body>.
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('Consent ID')))

    fireEvent.input(screen.getByLabelText('Consent ID'), { target: { value: 'nobody-at-all' } })
    fireEvent.click(screen.getByRole('button', { name: 'Search' }))
    expect(await screen.findByText(/No records for consent ID/)).toBeTruthy()
    expect(screen.queryByRole('table')).toBeNull()

    fireEvent.click(screen.getByRole('button', { name: 'Show all records' }))
    expect(await screen.findByText('Records 1–3 of 3, newest first')).toBeTruthy()
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('Consent ID')))
  })

  it('rejects a malformed consentId without asking the server', async () => {
    const api = stubApi(signedIn, serveLog(() => logPage(3, 3, 3)))
    await openLog()
    const asked = api.requests.length
    fireEvent.input(screen.getByLabelText('Consent ID'), { target: { value: 'short' } })
    fireEvent.click(screen.getByRole('button', { name: 'Search' }))
    expect(await screen.findByText('A consent ID has 8 to 64 letters, digits, "-" or "_".')).toBeTruthy()
    expect(screen.getByLabelText('Consent ID').getAttribute('aria-invalid')).toBe('true')
    expect(api.requests.length).toBe(asked)
  })

  it('shows an empty state for a site without records', async () => {
    stubApi(signedIn, serveLog(() => ({ records: [], nextBefore: null, total: 0 })))
    renderApp('/sites/minopa/consents')
    expect(await screen.findByText(/No consent records yet/)).toBeTruthy()
  })

  it('opens a record’s details from its row and closes them again', async () => {
    stubApi(signedIn, serveLog(() => ({ records: [consentRecord({ seq: 7, consentId: 'visitor-detail' })], nextBefore: null, total: 1 })))
    await openLog()
    const open = screen.getByRole('button', { name: /visitor-detail/ })
    expect(open.getAttribute('aria-expanded')).toBe('false')
    fireEvent.click(open)

    const panel = await screen.findByRole('region', { name: 'Record #7' })
    expect(open.getAttribute('aria-expanded')).toBe('true')
    const categories = within(panel).getByRole('region', { name: 'Categories' })
    expect(categories.textContent).toContain('Grantedanalyticsessential')
    expect(categories.textContent).toContain('Deniedfunctionalmarketing')
    const services = within(panel).getByRole('region', { name: 'Services' })
    expect(services.textContent).toContain('Grantedgoogle-analyticsminopa')
    expect(services.textContent).toContain('Deniedmicrosoft-claritysentry')
    for (const text of ['c'.repeat(64), '203.0.113.0', 'Firefox/128.0', 'https://minopa.com/pricing', '00000000-0000-4000-8000-000000000007', '2025-03-12T10:00:00.000+01:00']) {
      expect(panel.textContent).toContain(text)
    }
    expect(within(panel).getByText('Previous hash').nextElementSibling?.textContent).toBe('a'.repeat(64))
    expect(within(panel).getByText('Position (seq)').nextElementSibling?.textContent).toBe('7')

    expect(within(panel).getByRole('link', { name: 'All records of this visitor' }).getAttribute('href')).toBe(
      '/sites/minopa/consents?consentId=visitor-detail',
    )

    fireEvent.click(within(panel).getByRole('button', { name: 'Close record details' }))
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Record #7' })).toBeNull())
    expect(open.getAttribute('aria-expanded')).toBe('false')
  })

  it('moves focus into the details and back to the row on Escape', async () => {
    stubApi(signedIn, serveLog(() => logPage(2, 2, 2)))
    await openLog()
    const open = screen.getByRole('button', { name: /visitor-0001/ })
    open.focus()
    fireEvent.click(open)
    const heading = await screen.findByRole('heading', { name: 'Record #1' })
    await waitFor(() => expect(document.activeElement).toBe(heading))

    fireEvent.keyDown(heading, { key: 'Escape' })
    await waitFor(() => expect(screen.queryByRole('heading', { name: 'Record #1' })).toBeNull())
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: /visitor-0001/ })))
  })

  it('says when no text was shown and no IP is stored', async () => {
    stubApi(signedIn, serveLog(() => ({ records: [consentRecord({ seq: 3, method: 'gpc', gpc: true, textsHash: null, ip: null })], nextBefore: null, total: 1 })))
    await openLog()
    fireEvent.click(screen.getByRole('button', { name: /visitor-0001/ }))
    const panel = await screen.findByRole('region', { name: 'Record #3' })
    expect(within(panel).getByText('Text hash').nextElementSibling?.textContent).toMatch(/^None: no text was shown/)
    expect(within(panel).getByText('IP address (truncated)').nextElementSibling?.textContent).toBe('Not stored')
    expect(within(panel).getByText('Method').nextElementSibling?.textContent).toBe('Global Privacy Control')
  })

  it('says when a record’s stored choices cannot be read (the row was edited outside MiniConsent)', async () => {
    stubApi(signedIn, serveLog(() => ({ records: [consentRecord({ seq: 3, categories: {}, unreadable: ['categories'] })], nextBefore: null, total: 1 })))
    await openLog()
    expect(screen.getByRole('table', { name: 'Consent records' }).textContent).toContain('Unreadable: the row was changed outside MiniConsent')
    fireEvent.click(screen.getByRole('button', { name: /visitor-0001/ }))
    const panel = await screen.findByRole('region', { name: 'Record #3' })
    expect(within(panel).getByRole('alert').textContent).toMatch(/^The stored categories of this record cannot be read/)
  })

  it('switches site from the "Site" select, which shows the role', async () => {
    const api = stubApi(signedIn, serveLog(() => logPage(2, 2, 2)))
    await openLog()
    const select = screen.getByRole('combobox', { name: 'Site' }) as HTMLSelectElement
    expect(Array.from(select.options, (o) => o.textContent)).toEqual(['Minopa (auditor)', 'MiniMagic (owner)'])

    fireEvent.change(select, { target: { value: 'minimagic' } })
    expect(await screen.findByRole('heading', { name: 'Consent log — MiniMagic' })).toBeTruthy()
    expect(location.pathname).toBe('/sites/minimagic/consents')
    await waitFor(() => expect(api.requests.at(-1)?.url.pathname).toBe('/api/admin/sites/minimagic/consents'))
  })

  it('steps through the sites with the arrow keys without going, and goes on Enter', async () => {
    stubApi(signedIn, serveLog(() => logPage(2, 2, 2)))
    await openLog()
    const select = screen.getByRole('combobox', { name: 'Site' }) as HTMLSelectElement
    // What chromium does on ArrowDown over a closed select: the choice moves, and `change` fires.
    fireEvent.keyDown(select, { key: 'ArrowDown' })
    fireEvent.change(select, { target: { value: 'minimagic' } })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(location.pathname).toBe('/sites/minopa/consents')
    expect(select.value).toBe('minimagic')
    fireEvent.keyDown(select, { key: 'Enter' })
    expect(await screen.findByRole('heading', { name: 'Consent log — MiniMagic' })).toBeTruthy()
    expect(location.pathname).toBe('/sites/minimagic/consents')

    // Typing a name steps too.
    fireEvent.keyDown(select, { key: 'm' })
    fireEvent.change(select, { target: { value: 'minopa' } })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(location.pathname).toBe('/sites/minimagic/consents')
    // Left without Enter, the list shows the page's site again.
    fireEvent.keyDown(select, { key: 'ArrowUp' })
    fireEvent.change(select, { target: { value: 'minopa' } })
    fireEvent.blur(select)
    expect(select.value).toBe('minimagic')
    expect(location.pathname).toBe('/sites/minimagic/consents')
  })

  it('asks again for the page refused while the session had ended, once signed in again over the page', async () => {
    const session = endingSession()
    stubApi(signedIn, session.login, on('GET', /\/consents$/, session.unless((req) => json(req.url.searchParams.has('before') ? logPage(2, 2, 4) : logPage(4, 2, 4)))))
    await openLog()
    session.valid = false
    fireEvent.click(screen.getByRole('button', { name: 'Older' }))
    expect(await screen.findByText(/Sign in first/)).toBeTruthy()
    await signInAgainOverPage()
    await waitFor(() => expect(screen.queryByText(/Sign in first/)).toBeNull())
    // The older page itself, fetched again: not the newer one left on screen.
    await waitFor(() => expect(document.getElementById('log-range')?.textContent).toBe('Records 51–52 of 4, newest first'))
  })

  it('explains a site the account cannot see', async () => {
    stubApi(signedIn)
    renderApp('/sites/somebody-else/consents')
    expect(await screen.findByRole('heading', { name: 'Site not available' })).toBeTruthy()
  })

  it('shows the server’s refusal and lets the auditor retry', async () => {
    let fail = true
    stubApi(signedIn, serveLog(() => (fail ? errorBody(403, 'forbidden', 'You are not a member of this site.') : logPage(1, 1, 1))))
    renderApp('/sites/minopa/consents')
    const message = await screen.findByText('Could not load the consent log: You are not a member of this site.')
    expect(message.closest('[role="alert"]')).toBeTruthy()
    fail = false
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }))
    expect(await screen.findByRole('table', { name: 'Consent records' })).toBeTruthy()
  })
})

describe('consent log when the server is busy', () => {
  /** The server's refusal of a listing while as many run as it runs at once. */
  const busy = (retryAfter: string) => {
    const res = errorBody(429, 'listings_busy', '4 consent log listings are running; try again when one has finished')
    res.headers.set('Retry-After', retryAfter)
    return res
  }

  it('waits out a busy server’s Retry-After and shows the records, not the refusal', async () => {
    let refusals = 1
    const asked: number[] = []
    stubApi(signedIn, serveLog(() => {
      asked.push(Date.now())
      return refusals-- > 0 ? busy('1') : logPage(2, 2, 2)
    }))
    renderApp('/sites/minopa/consents')
    expect(await screen.findByRole('table', { name: 'Consent records' }, { timeout: 3000 })).toBeTruthy()
    expect(asked).toHaveLength(2)
    expect(asked[1]! - asked[0]!).toBeGreaterThanOrEqual(990)
    expect(screen.queryByText(/Could not load the consent log/)).toBeNull()
  })

  it('shows the refusal with Try again once the server stayed busy through 10 s of waits', async () => {
    let stillBusy = true
    // Retry-After 0: each wait counts as a second of the 10, so the test need not wait them out.
    const api = stubApi(signedIn, serveLog(() => (stillBusy ? busy('0') : logPage(1, 1, 1))))
    renderApp('/sites/minopa/consents')
    await screen.findByText('Could not load the consent log: 4 consent log listings are running; try again when one has finished')
    // The first ask and ten more.
    expect(api.requests.filter((r) => r.url.pathname.endsWith('/consents'))).toHaveLength(11)
    stillBusy = false
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }))
    expect(await screen.findByRole('table', { name: 'Consent records' })).toBeTruthy()
  })

  it('does not wait out a long Retry-After (an export’s 10 s), a database held by another process, or a refusal that is not for being busy', async () => {
    const long = busy('10')
    const api = stubApi(signedIn, serveLog(() => long))
    renderApp('/sites/minopa/consents')
    await screen.findByText(/Could not load the consent log: 4 consent log listings/)
    expect(api.requests.filter((r) => r.url.pathname.endsWith('/consents'))).toHaveLength(1)
    cleanup()

    for (const [status, code, message] of [[503, 'database_busy', 'The database is busy; retry in a moment'], [429, 'too_many_attempts', 'Too many attempts']] as const) {
      const refused = errorBody(status, code, message)
      refused.headers.set('Retry-After', '1')
      const again = stubApi(signedIn, serveLog(() => refused.clone()))
      renderApp('/sites/minopa/consents')
      await screen.findByText(`Could not load the consent log: ${message}`)
      expect(again.requests.filter((r) => r.url.pathname.endsWith('/consents'))).toHaveLength(1)
      cleanup()
    }
  })

  it('asks no more for a listing whose filter changed while it waited', async () => {
    const api = stubApi(signedIn, serveLog((req) => (req.url.searchParams.get('method') === 'reject-all' ? logPage(3, 3, 3) : busy('1'))))
    renderApp('/sites/minopa/consents')
    await waitFor(() => expect(api.requests.filter((r) => r.url.pathname.endsWith('/consents'))).toHaveLength(1))
    fireEvent.change(screen.getByLabelText('Method'), { target: { value: 'reject-all' } })
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }))
    expect(await screen.findByRole('table', { name: 'Consent records' })).toBeTruthy()
    // Past the refused listing's Retry-After: it was not asked for again.
    await new Promise((resolve) => setTimeout(resolve, 1300))
    const listings = api.requests.filter((r) => r.url.pathname.endsWith('/consents'))
    expect(listings.map((r) => r.url.searchParams.get('method'))).toEqual([null, 'reject-all'])
  })
})

describe('consent log filters and data-subject requests', () => {
  it('filters by date range, method, region and revision through the URL', async () => {
    const api = stubApi(signedIn, serveLog(() => logPage(3, 3, 3)))
    await openLog()
    fireEvent.input(screen.getByLabelText('From (UTC)'), { target: { value: '2025-03-01' } })
    fireEvent.input(screen.getByLabelText('To (UTC)'), { target: { value: '2025-03-31' } })
    fireEvent.change(screen.getByLabelText('Method'), { target: { value: 'reject-all' } })
    fireEvent.input(screen.getByLabelText('Region'), { target: { value: 'us-ca' } })
    fireEvent.input(screen.getByLabelText('Revision'), { target: { value: '2' } })
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }))
    await waitFor(() => expect(api.requests.at(-1)?.url.searchParams.get('method')).toBe('reject-all'))
    const asked = api.requests.at(-1)!.url.searchParams
    expect(Object.fromEntries(asked)).toMatchObject({ from: '2025-03-01', to: '2025-03-31', region: 'US-CA', revision: '2' })
    expect(location.search).toContain('method=reject-all')
    expect(screen.getByRole('link', { name: /Export these records/ }).getAttribute('href')).toContain('/sites/minopa/export?from=2025-03-01')
  })

  it('refuses a region that is not an ISO code without asking the server', async () => {
    const api = stubApi(signedIn, serveLog(() => logPage(3, 3, 3)))
    await openLog()
    const asked = api.requests.length
    fireEvent.input(screen.getByLabelText('Region'), { target: { value: 'Germany' } })
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }))
    expect(screen.getByText(/Use an ISO code such as DE/)).toBeTruthy()
    expect(api.requests.length).toBe(asked)
  })

  it('refuses a revision the server would refuse (17 digits, a leading zero) without asking it', async () => {
    const api = stubApi(signedIn, serveLog(() => logPage(3, 3, 3)))
    await openLog()
    const asked = api.requests.length
    for (const value of ['12345678901234567', '07']) {
      fireEvent.input(screen.getByLabelText('Revision'), { target: { value } })
      fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }))
      expect(screen.getByText('Use a revision number such as 3.')).toBeTruthy()
    }
    expect(api.requests.length).toBe(asked)
    fireEvent.input(screen.getByLabelText('Revision'), { target: { value: '1234567890123456' } })
    fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }))
    await waitFor(() => expect(api.requests.at(-1)?.url.searchParams.get('revision')).toBe('1234567890123456'))
  })

  it('lets an owner erase a visitor’s records after typing the consent ID', async () => {
    let erased = false
    const api = stubApi(
      signedIn,
      serveLog(() => (erased ? { records: [], nextBefore: null, total: 0 } : { records: [consentRecord({ seq: 4, siteId: 'minimagic', consentId: 'visitor-0004' })], nextBefore: null, total: 1 })),
      on('DELETE', '/api/admin/sites/minimagic/subjects/visitor-0004', () => {
        erased = true
        return json({ erased: 1, identities: 0, documents: 0 })
      }),
    )
    await openLog('/sites/minimagic/consents?consentId=visitor-0004')
    expect(screen.getByRole('button', { name: 'Export this visitor’s records' })).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Erase this visitor’s records…' }))
    const erase = screen.getByRole('button', { name: 'Erase for good' }) as HTMLButtonElement
    expect(erase.disabled).toBe(true)
    fireEvent.input(screen.getByLabelText('Consent ID', { selector: '#erase-confirm' }), { target: { value: 'visitor-0004' } })
    fireEvent.click(erase)
    expect(await screen.findByText(/Erased 1 record of consent ID visitor-0004/)).toBeTruthy()
    expect(api.requests.some((r) => r.method === 'DELETE' && r.headers.get('X-CSRF-Token') === 'csrf-token-123')).toBe(true)
    // The log, read again, has nothing under the ID: said as the erasure it is, not as a mistyped ID.
    expect(await screen.findByText(/All records of consent ID/)).toBeTruthy()
    expect(screen.queryByText(/may have been mistyped/)).toBeNull()
  })

  it('lists the user IDs and accepted documents linked to a consent ID, and none once it is erased', async () => {
    let erased = false
    const linked = {
      identities: [{ recordId: 'identity-1', userId: 'customer-42', serverTime: '2026-11-22T10:00:00.000Z' }],
      documents: [
        {
          recordId: 'document-1', documentType: 'terms', documentVersion: '2026-01', userId: 'customer-42', url: 'https://minimagic.test/signup',
          ip: null, userAgent: null, clientTime: '2026-11-22T10:00:00.000Z', serverTime: '2026-11-22T10:00:01.000Z',
        },
      ],
    }
    stubApi(
      signedIn,
      serveLog(() => (erased ? { records: [], nextBefore: null, total: 0 } : wholeLog([consentRecord({ seq: 4, siteId: 'minimagic', consentId: 'visitor-0004' })]))),
      on('GET', '/api/admin/sites/minimagic/subjects/visitor-0004', () =>
        json({ consentId: 'visitor-0004', records: [], inForce: null, ...(erased ? { identities: [], documents: [] } : linked) }),
      ),
      on('DELETE', '/api/admin/sites/minimagic/subjects/visitor-0004', () => {
        erased = true
        return json({ erased: 1, identities: 1, documents: 1 })
      }),
    )
    await openLog('/sites/minimagic/consents?consentId=visitor-0004')
    const identities = await screen.findByRole('table', { name: 'Linked to user IDs of the site' })
    expect(within(identities).getByRole('row', { name: /customer-42/ })).toBeTruthy()
    const documents = screen.getByRole('table', { name: 'Legal documents accepted' })
    expect(within(documents).getByRole('row', { name: /terms 2026-01 customer-42/ })).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Erase this visitor’s records…' }))
    fireEvent.input(screen.getByLabelText('Consent ID', { selector: '#erase-confirm' }), { target: { value: 'visitor-0004' } })
    fireEvent.click(screen.getByRole('button', { name: 'Erase for good' }))
    expect(await screen.findByText('No user ID or accepted document is linked to this consent ID.')).toBeTruthy()
    expect(screen.queryByRole('table', { name: 'Legal documents accepted' })).toBeNull()
    // Nothing is left under the ID: no erasure is offered again.
    expect(screen.queryByRole('button', { name: 'Erase this visitor’s records…' })).toBeNull()
  })

  it("marks the visitor's decision in force, which a record delivered late does not replace, and says when only links and documents are stored", async () => {
    const made = (seq: number, clientTime: string) => consentRecord({ seq, siteId: 'minimagic', consentId: 'visitor-0004', clientTime })
    const records = [made(6, '2026-11-22T07:00:00.000Z'), made(5, '2026-11-22T09:00:00.000Z')]
    stubApi(
      signedIn,
      serveLog(() => wholeLog(records)),
      on('GET', '/api/admin/sites/minimagic/subjects/visitor-0004', () => json({ consentId: 'visitor-0004', records: [...records].reverse(), inForce: 5, identities: [], documents: [] })),
    )
    await openLog('/sites/minimagic/consents?consentId=visitor-0004')
    const row = (seq: number) => screen.getByRole('button', { name: new RegExp(`record #${seq}`) }).closest('tr')!
    await waitFor(() => expect(within(row(5)).queryByText('In force')).toBeTruthy())
    expect(within(row(6)).queryByText('In force')).toBeNull()
    cleanup()

    const linked = { identities: [{ recordId: 'identity-1', userId: 'customer-42', serverTime: '2026-11-22T10:00:00.000Z' }], documents: [] }
    stubApi(
      signedIn,
      serveLog(() => ({ records: [], nextBefore: null, total: 0 })),
      on('GET', '/api/admin/sites/minimagic/subjects/visitor-0004', () => json({ consentId: 'visitor-0004', records: [], inForce: null, ...linked })),
      on('DELETE', '/api/admin/sites/minimagic/subjects/visitor-0004', () => json({ erased: 0, identities: 1, documents: 0 })),
    )
    renderApp('/sites/minimagic/consents?consentId=visitor-0004')
    expect(await screen.findByText(/only the links to user IDs or accepted documents listed above are stored under it/)).toBeTruthy()
    expect(screen.queryByText(/may have been mistyped/)).toBeNull()
    fireEvent.click(screen.getByRole('button', { name: 'Erase this visitor’s records…' }))
    fireEvent.input(screen.getByLabelText('Consent ID', { selector: '#erase-confirm' }), { target: { value: 'visitor-0004' } })
    fireEvent.click(screen.getByRole('button', { name: 'Erase for good' }))
    expect(await screen.findByText(/No consent record was stored under consent ID/)).toBeTruthy()
    expect(screen.queryByText(/tombstones/)).toBeNull()
  })

  it('says when the user IDs and documents linked to a consent ID cannot be loaded', async () => {
    stubApi(
      signedIn,
      serveLog(() => wholeLog([consentRecord({ seq: 4, siteId: 'minimagic', consentId: 'visitor-0004' })])),
      on('GET', '/api/admin/sites/minimagic/subjects/visitor-0004', () => errorBody(503, 'database_busy', 'The database is busy; retry in a moment')),
    )
    await openLog('/sites/minimagic/consents?consentId=visitor-0004')
    expect(
      await screen.findByText('The user IDs and accepted documents linked to this consent ID could not be loaded: The database is busy; retry in a moment'),
    ).toBeTruthy()
  })

  it('names the links to user IDs and accepted documents an erasure deleted, also when it blanked no record', async () => {
    const answers = [
      { answer: { erased: 2, identities: 1, documents: 3 }, said: 'Erased 2 records, 1 link to a user ID and 3 accepted documents of consent ID visitor-0004. Their hashes stay, so the chain still verifies.' },
      { answer: { erased: 0, identities: 0, documents: 1 }, said: 'Erased 1 accepted document of consent ID visitor-0004.' },
      {
        answer: { erased: 1, identities: 0, documents: 0, refused: [{ seq: 2, reason: "hash does not match the record's content: the record was edited" }] },
        said: 'Erased 1 record of consent ID visitor-0004. Their hashes stay, so the chain still verifies. Not erased: record 2, which fails verification (edited in the database); verifying the chain reports it.',
      },
    ]
    for (const { answer, said } of answers) {
      stubApi(
        signedIn,
        serveLog(() => wholeLog([consentRecord({ seq: 4, siteId: 'minimagic', consentId: 'visitor-0004' })])),
        on('DELETE', '/api/admin/sites/minimagic/subjects/visitor-0004', () => json(answer)),
      )
      await openLog('/sites/minimagic/consents?consentId=visitor-0004')
      fireEvent.click(screen.getByRole('button', { name: 'Erase this visitor’s records…' }))
      expect(screen.getByText(/links to user IDs and accepted documents are deleted/)).toBeTruthy()
      fireEvent.input(screen.getByLabelText('Consent ID', { selector: '#erase-confirm' }), { target: { value: 'visitor-0004' } })
      fireEvent.click(screen.getByRole('button', { name: 'Erase for good' }))
      expect(await screen.findByText(said)).toBeTruthy()
      cleanup()
    }
  })

  it('says the records were not erased when the owner’s role was lowered to auditor meanwhile, and asks no more', async () => {
    let role: Role = 'owner'
    const api = stubApi(
      meWithRoleOnMiniMagic(() => role),
      serveLog(() => wholeLog([consentRecord({ seq: 4, siteId: 'minimagic', consentId: 'visitor-0004' })])),
      on('DELETE', '/api/admin/sites/minimagic/subjects/visitor-0004', () => errorBody(403, 'forbidden', 'You have no access to site "minimagic"')),
    )
    await openLog('/sites/minimagic/consents?consentId=visitor-0004')
    fireEvent.click(screen.getByRole('button', { name: 'Erase this visitor’s records…' }))
    fireEvent.input(screen.getByLabelText('Consent ID', { selector: '#erase-confirm' }), { target: { value: 'visitor-0004' } })
    role = 'auditor'
    fireEvent.click(screen.getByRole('button', { name: 'Erase for good' }))
    // Before, the question stayed, its button ready to be refused again, under "no access to site".
    const notice = await screen.findByText('Not erased: your role on this site no longer lets you erase visitors’ records.')
    expect(notice.closest('[role="alert"]')).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Erase for good' })).toBeNull()
    expect(screen.queryByRole('button', { name: 'Erase this visitor’s records…' })).toBeNull()
    expect(screen.queryByText(/no access to site/)).toBeNull()
    // An auditor still exports.
    expect(screen.getByRole('button', { name: 'Export this visitor’s records' })).toBeTruthy()
    await waitFor(() => expect(document.activeElement).toBe(notice))
    expect(api.requests.filter((r) => r.url.pathname === '/api/admin/me')).toHaveLength(2)
  })

  it('after an erasure, says "erased" only for the erased ID, not for another ID without records', async () => {
    let erased = false
    stubApi(
      signedIn,
      serveLog((req) => {
        const id = req.url.searchParams.get('consentId')
        if (id === 'visitor-0004' && !erased) return wholeLog([consentRecord({ seq: 4, siteId: 'minimagic', consentId: id })])
        return wholeLog([])
      }),
      on('DELETE', '/api/admin/sites/minimagic/subjects/visitor-0004', () => {
        erased = true
        return json({ erased: 1, identities: 0, documents: 0 })
      }),
    )
    await openLog('/sites/minimagic/consents?consentId=visitor-0004')
    fireEvent.click(screen.getByRole('button', { name: 'Erase this visitor’s records…' }))
    fireEvent.input(screen.getByLabelText('Consent ID', { selector: '#erase-confirm' }), { target: { value: 'visitor-0004' } })
    fireEvent.click(screen.getByRole('button', { name: 'Erase for good' }))
    expect(await screen.findByText(/All records of consent ID/)).toBeTruthy()

    fireEvent.input(screen.getByLabelText('Consent ID', { selector: '#consent-search' }), { target: { value: 'someone-else' } })
    fireEvent.click(screen.getByRole('button', { name: 'Search' }))
    expect(await screen.findByText(/No records for consent ID/)).toBeTruthy()
    expect(screen.queryByText(/All records of consent ID/)).toBeNull()

    // Back to the erased ID: still said as the erasure.
    fireEvent.input(screen.getByLabelText('Consent ID', { selector: '#consent-search' }), { target: { value: 'visitor-0004' } })
    fireEvent.click(screen.getByRole('button', { name: 'Search' }))
    expect(await screen.findByText(/All records of consent ID/)).toBeTruthy()
  })

  it('does not offer erasure to an auditor', async () => {
    stubApi(signedIn, serveLog(() => logPage(1, 1, 1)))
    await openLog('/sites/minopa/consents?consentId=visitor-0001')
    expect(screen.getByRole('button', { name: 'Export this visitor’s records' })).toBeTruthy()
    expect(screen.queryByRole('button', { name: /Erase/ })).toBeNull()
  })
})

describe('data-subject look-up by user ID', () => {
  const USER = 'customer 42/eu'
  /** The API path of a user-ID look-up on Minopa (the user ID is the query's). */
  const USER_PATH = '/api/admin/sites/minopa/subject-users'
  const linked: SubjectUser = {
    userId: USER,
    consentIds: [
      { consentId: 'visitor-0004', identities: 1, documents: 1, firstLinked: '2026-11-20T08:00:00.000Z', lastLinked: '2026-11-22T10:00:00.000Z', records: 3 },
      { consentId: 'visitor-0002', identities: 2, documents: 0, firstLinked: '2026-11-01T08:00:00.000Z', lastLinked: '2026-11-21T09:30:00.000Z', records: 1 },
      { consentId: 'visitor-0009', identities: 0, documents: 1, firstLinked: '2026-10-05T12:00:00.000Z', lastLinked: '2026-10-05T12:00:00.000Z', records: 0 },
    ],
    total: 3,
  }

  it('looks a user ID up exactly as typed, spaces included, as identify() stored it; only spaces is no user ID', async () => {
    const api = stubApi(signedIn, serveLog(() => logPage(3, 3, 3)), on('GET', USER_PATH, (req) => json({ userId: req.url.searchParams.get('userId'), consentIds: [], total: 0 })))
    await openLog()
    fireEvent.click(screen.getByRole('radio', { name: 'User ID of a signed-in customer' }))
    fireEvent.input(screen.getByLabelText('User ID'), { target: { value: ' 42' } })
    fireEvent.click(screen.getByRole('button', { name: 'Search' }))
    await waitFor(() => expect(location.search).toBe('?userId=+42'))
    await waitFor(() => expect(api.requests.some((r) => r.url.pathname === USER_PATH && r.url.searchParams.get('userId') === ' 42')).toBe(true))
  })

  it('looks a user ID up from the search, keeps it in the address, and lists its consent IDs, each opening the look-up by consent ID', async () => {
    const api = stubApi(
      signedIn,
      serveLog(() => logPage(3, 3, 3)),
      on('GET', USER_PATH, () => json(linked)),
      on('GET', '/api/admin/sites/minopa/subjects/visitor-0004', () => json({ consentId: 'visitor-0004', records: [], inForce: null, identities: [], documents: [] })),
    )
    await openLog()
    fireEvent.click(screen.getByRole('radio', { name: 'User ID of a signed-in customer' }))
    const field = screen.getByLabelText('User ID') as HTMLInputElement
    expect(field.id).toBe('consent-search')
    expect(screen.getByText(/as its pages pass it to identify\(\)/)).toBeTruthy()
    fireEvent.input(field, { target: { value: USER } })
    fireEvent.click(screen.getByRole('button', { name: 'Search' }))

    const table = await screen.findByRole('table', { name: `Consent IDs linked to user ID ${USER}` })
    expect(location.search).toBe('?userId=customer+42%2Feu')
    expect(api.requests.some((r) => r.url.pathname === USER_PATH && r.url.searchParams.get('userId') === USER)).toBe(true)
    // Said in the live region, which the table is described by; focus is back in the field, drawn anew for the address.
    const status = document.getElementById('linked-consent-ids-status')!
    expect(status.getAttribute('role')).toBe('status')
    expect(status.textContent).toBe(`3 consent IDs are linked to user ID ${USER}, the last linked first. Open one to see, export or erase what is stored under it.`)
    expect(table.getAttribute('aria-describedby')).toBe(status.id)
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('User ID')))
    expect((screen.getByLabelText('User ID') as HTMLInputElement).value).toBe(USER)
    expect((screen.getByRole('radio', { name: 'User ID of a signed-in customer' }) as HTMLInputElement).checked).toBe(true)

    expect(within(table).getAllByRole('columnheader').map((th) => th.textContent)).toEqual(['Consent ID', 'Linked by', 'First linked', 'Last linked', 'Consent records'])
    const rows = within(table).getAllByRole('row').slice(1)
    expect(rows.map((r) => Array.from(r.children, (c) => c.textContent))).toEqual([
      ['visitor-0004', 'identify() and 1 accepted document', formatTime('2026-11-20T08:00:00.000Z'), formatTime('2026-11-22T10:00:00.000Z'), '3'],
      ['visitor-0002', 'identify(), 2 times', formatTime('2026-11-01T08:00:00.000Z'), formatTime('2026-11-21T09:30:00.000Z'), '1'],
      ['visitor-0009', '1 accepted document', formatTime('2026-10-05T12:00:00.000Z'), formatTime('2026-10-05T12:00:00.000Z'), '0'],
    ])
    expect(rows[0]!.querySelectorAll('time')[1]!.getAttribute('datetime')).toBe('2026-11-22T10:00:00.000Z')
    // The log and its filters are not this look-up's: they are not shown under it.
    expect(screen.queryByRole('table', { name: 'Consent records' })).toBeNull()
    expect(screen.queryByText('Filter by date, method, region or revision')).toBeNull()

    const link = within(table).getByRole('link', { name: 'visitor-0004' })
    expect(link.getAttribute('href')).toBe('/sites/minopa/consents?consentId=visitor-0004')
    fireEvent.click(link)
    const heading = await screen.findByRole('heading', { name: 'Data-subject request for visitor-0004' })
    expect(location.search).toBe('?consentId=visitor-0004')
    expect(screen.getByRole('button', { name: 'Export this visitor’s records' })).toBeTruthy()
    await waitFor(() => expect(document.activeElement).toBe(heading))
    expect((screen.getByRole('radio', { name: 'Consent ID of a browser' }) as HTMLInputElement).checked).toBe(true)
  })

  it('opens a shared address of a user ID without links, and says plainly that nothing is linked', async () => {
    stubApi(signedIn, on('GET', USER_PATH, () => json({ userId: 'customer-nobody', consentIds: [], total: 0 })))
    renderApp('/sites/minopa/consents?userId=customer-nobody')
    const said = await screen.findByText(/No consent ID is linked/)
    expect(said.textContent).toBe("No consent ID is linked to user ID customer-nobody: the site's pages call identify() to link one.")
    expect(said.getAttribute('role')).toBe('status')
    expect(screen.queryByRole('table')).toBeNull()
    expect((screen.getByLabelText('User ID') as HTMLInputElement).value).toBe('customer-nobody')

    fireEvent.click(screen.getByRole('button', { name: 'Show all records' }))
    await waitFor(() => expect(location.search).toBe(''))
  })

  it('says when more consent IDs are linked than it lists: a user ID the site gives every visitor', async () => {
    stubApi(signedIn, on('GET', USER_PATH, () => json({ ...linked, userId: 'guest', total: 1500 })))
    renderApp('/sites/minopa/consents?userId=guest')
    await screen.findByRole('table', { name: 'Consent IDs linked to user ID guest' })
    expect(screen.getByText(/are linked to user ID/).textContent).toMatch(
      new RegExp(`^${formatCount(1500)} consent IDs are linked to user ID guest; the 3 linked last are listed, the last linked first\\. So many suggest the site's pages give this user ID to every visitor\\.`),
    )
  })

  it('refuses a user ID longer than identify() takes without asking the server', async () => {
    const api = stubApi(signedIn, serveLog(() => logPage(3, 3, 3)))
    await openLog()
    const asked = api.requests.length
    fireEvent.click(screen.getByRole('radio', { name: 'User ID of a signed-in customer' }))
    fireEvent.input(screen.getByLabelText('User ID'), { target: { value: 'u'.repeat(257) } })
    fireEvent.click(screen.getByRole('button', { name: 'Search' }))
    expect(screen.getByText('A user ID has 1 to 256 characters, as identify() takes it.')).toBeTruthy()
    expect(screen.getByLabelText('User ID').getAttribute('aria-invalid')).toBe('true')
    expect(api.requests.length).toBe(asked)
    // What a consent ID may be is another rule, said when that is the search.
    fireEvent.click(screen.getByRole('radio', { name: 'Consent ID of a browser' }))
    expect(screen.queryByText(/A user ID has/)).toBeNull()
    fireEvent.click(screen.getByRole('button', { name: 'Search' }))
    expect(screen.getByText('A consent ID has 8 to 64 letters, digits, "-" or "_".')).toBeTruthy()
  })

  it('says when the look-up fails, and asks again', async () => {
    let fail = true
    stubApi(
      signedIn,
      on('GET', USER_PATH, () => (fail ? errorBody(503, 'database_busy', 'The database is busy; retry in a moment') : json({ ...linked, userId: 'customer-42' }))),
    )
    renderApp('/sites/minopa/consents?userId=customer-42')
    const said = await screen.findByText('The consent IDs linked to user ID customer-42 could not be loaded: The database is busy; retry in a moment')
    const alert = said.closest<HTMLElement>('[role="alert"]')!
    fail = false
    fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }))
    expect(await screen.findByRole('table', { name: 'Consent IDs linked to user ID customer-42' })).toBeTruthy()
  })
})

describe('app shell', () => {
  it('redirects / to the first site’s log and offers landmarks, a skip link and the current nav entry', async () => {
    stubApi(signedIn, serveLog(() => logPage(1, 1, 1)))
    renderApp('/')
    await screen.findByRole('heading', { name: 'Consent log — Minopa' })
    expect(location.pathname).toBe('/sites/minopa/consents')
    expect(screen.getByRole('banner')).toBeTruthy()
    expect(screen.getByRole('main')).toBeTruthy()
    const nav = screen.getByRole('navigation', { name: 'Main' })
    // An auditor of Minopa: the audit log (SPEC §8: auditors read logs), but not the users, which only owners manage.
    expect(within(nav).getAllByRole('link').map((a) => a.textContent)).toEqual([
      'Consent log',
      'Catalogue',
      'Publish',
      'Texts & appearance',
      'Export',
      'Analytics',
      'Install',
      'Site settings',
      'Audit log',
    ])
    expect(within(nav).getByRole('link', { name: 'Consent log' }).getAttribute('aria-current')).toBe('page')
    expect(screen.getByRole('link', { name: 'Skip to main content' }).getAttribute('href')).toBe('#main')
  })

  it('offers owners the users and audit pages, and keeps the page when switching sites', async () => {
    stubApi(signedIn, serveLog(() => logPage(1, 1, 1)))
    renderApp('/sites/minopa/consents')
    await screen.findByRole('heading', { name: 'Consent log — Minopa' })
    fireEvent.change(screen.getByLabelText('Site'), { target: { value: 'minimagic' } })
    await screen.findByRole('heading', { name: 'Consent log — MiniMagic' })
    const nav = screen.getByRole('navigation', { name: 'Main' })
    expect(within(nav).getByRole('link', { name: 'Users & roles' }).getAttribute('href')).toBe('/sites/minimagic/members')
    expect(within(nav).getByRole('link', { name: 'Audit log' })).toBeTruthy()
  })

  it('shows a not-found page for unknown addresses', async () => {
    stubApi(signedIn)
    renderApp('/nowhere')
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeTruthy()
    await waitFor(() => expect(document.title).toBe('Page not found · MiniConsent'))
  })

  it('keeps keyboard focus on Erase for good while it erases, then moves it to the result as the question closes', async () => {
    let erased = false
    const erasure = heldBack()
    const api = stubApi(
      signedIn,
      serveLog(() => wholeLog(erased ? [] : [consentRecord({ seq: 4, siteId: 'minimagic', consentId: 'visitor-0004' })])),
      on('DELETE', '/api/admin/sites/minimagic/subjects/visitor-0004', () => erasure.promise),
    )
    await openLog('/sites/minimagic/consents?consentId=visitor-0004')
    fireEvent.click(screen.getByRole('button', { name: 'Erase this visitor’s records…' }))
    fireEvent.input(screen.getByLabelText('Consent ID', { selector: '#erase-confirm' }), { target: { value: 'visitor-0004' } })
    const button = pressFromKeyboard(screen.getByRole('button', { name: 'Erase for good' }))
    await screen.findByRole('button', { name: 'Erasing…' })
    expect(button.getAttribute('aria-disabled')).toBe('true')
    // Before, the button was disabled while it ran, and focus fell to <body>.
    expectFocusStaysOn(button)
    fireEvent.click(button)
    expect(api.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1)

    erased = true
    erasure.answer(json({ erased: 1, identities: 0, documents: 0 }))
    await waitFor(() => expect(screen.queryByRole('button', { name: /^Eras(e for good|ing…)$/ })).toBeNull())
    // The question, and its button, are gone: focus is on the sentence that says what was done.
    await waitFor(() => expect(document.activeElement?.textContent).toMatch(/^Erased 1 record of consent ID visitor-0004\./))
  })

  it('does not blame the consent ID when other filters hide its records, and offers to search it without them', async () => {
    const api = stubApi(
      signedIn,
      serveLog((req) => {
        const q = req.url.searchParams
        // The visitor's records are a custom choice and a withdrawal at revision 1.
        if (q.get('method') || q.get('revision')) return wholeLog([])
        return wholeLog([
          consentRecord({ seq: 2, consentId: 'visitor-0009', method: 'withdraw', revision: 1 }),
          consentRecord({ seq: 1, consentId: 'visitor-0009', revision: 1 }),
        ])
      }),
    )
    renderApp('/sites/minopa/consents?method=reject-all&revision=3&consentId=visitor-0009')
    const said = await screen.findByText(/No records for consent ID/)
    // Before: "No records for consent ID visitor-0009. Check the ID with the visitor", as if it had none.
    expect(said.textContent).toContain('match the other filters in use')
    expect(said.textContent).not.toMatch(/mistyped|Check the ID/)
    fireEvent.click(screen.getByRole('link', { name: 'Search consent ID visitor-0009 without the other filters' }))
    expect(await screen.findByText('Records 1–2 of 2, newest first', { exact: false })).toBeTruthy()
    expect(location.search).toBe('?consentId=visitor-0009')
    expect(Object.fromEntries(api.requests.at(-1)!.url.searchParams)).toMatchObject({ consentId: 'visitor-0009' })
    expect(api.requests.at(-1)!.url.searchParams.has('method')).toBe(false)
  })

  it('says an ID without records may have been mistyped, or erased, since erasure removes the ID', async () => {
    stubApi(signedIn, serveLog(() => wholeLog([])))
    renderApp('/sites/minopa/consents?consentId=visitor-0004')
    const said = await screen.findByText(/No records for consent ID/)
    // Before, only "Check the ID with the visitor": an ID erased earlier read as the visitor's typo.
    expect(said.textContent).toMatch(/may have been mistyped/)
    expect(said.textContent).toMatch(/may have been erased: an erasure removes the ID/)
  })
})
