import { fireEvent, screen, waitFor, within } from '@testing-library/preact'
import { describe, expect, it } from 'vitest'
import { endingSession, json, ME, on, renderApp, signInAgainOverPage, stubApi } from '../test-support'

const signedIn = on('GET', '/api/admin/me', () => json(ME))
const entry = (id: number, action: string) => ({ id, at: '2025-03-01T10:00:00.000Z', user: 'owner@example.com', action, before: null, after: { n: id } })
const page = (entries: ReturnType<typeof entry>[], nextBefore: number | null = null) => json({ entries, nextBefore })

/** A promise the test settles when it wants the held answer to arrive. */
function held() {
  let release!: () => void
  const gate = new Promise<void>((r) => (release = r))
  return { gate, release }
}

function shownActions(): string[] {
  return within(screen.getByRole('table', { name: 'Entries, newest first' }))
    .getAllByRole('row')
    .slice(1)
    .map((r) => r.querySelector('.mono')?.textContent ?? '')
}

const settle = () => new Promise((r) => setTimeout(r, 20))

describe('audit log: answers that arrive late', () => {
  it('loads the entries again once signed in over the page after a load met an ended session', async () => {
    const session = endingSession()
    stubApi(
      signedIn,
      session.login,
      on('GET', '/api/admin/sites/minopa/audit', session.unless((req) => page([entry(req.url.searchParams.get('action') === 'member' ? 7 : 9, req.url.searchParams.get('action') === 'member' ? 'member.role' : 'site.settings')]))),
    )
    renderApp('/sites/minopa/audit')
    await screen.findByText('site.settings')
    session.valid = false
    fireEvent.change(screen.getByLabelText('Action'), { target: { value: 'member' } })
    expect(await screen.findByText('Could not load the audit log: Sign in first')).toBeTruthy()
    await signInAgainOverPage()
    // Before, "Could not load the audit log: Sign in first" stayed after signing in.
    await screen.findByText('member.role')
    expect(screen.queryByText(/Sign in first/)).toBeNull()
  })

  it('keeps the entries of the action now chosen when an earlier filter’s answer arrives after them', async () => {
    const catalogue = held()
    stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minopa/audit', async (req) => {
        const action = req.url.searchParams.get('action')
        if (action === 'catalogue') {
          await catalogue.gate
          return page([entry(5, 'catalogue.publish')])
        }
        if (action === 'member') return page([entry(7, 'member.role')])
        return page([entry(9, 'site.settings')])
      }),
    )
    renderApp('/sites/minopa/audit')
    await screen.findByText('site.settings')
    fireEvent.change(screen.getByLabelText('Action'), { target: { value: 'catalogue' } })
    await waitFor(() => expect(window.location.search).toBe('?action=catalogue'))
    // The previous filter's entries are not shown under the new one while it loads.
    expect(screen.queryByText('site.settings')).toBeNull()
    fireEvent.change(screen.getByLabelText('Action'), { target: { value: 'member' } })
    await screen.findByText('member.role')
    catalogue.release()
    await settle()
    // Before, the late catalogue answer replaced them: the select said "member", the table catalogue.publish.
    expect(shownActions()).toEqual(['member.role'])
    expect((screen.getByLabelText('Action') as HTMLSelectElement).value).toBe('member')
  })

  it('does not append an older page of the previous filter to the new one', async () => {
    const older = held()
    stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minopa/audit', async (req) => {
        if (req.url.searchParams.get('action') === 'member') return page([entry(6, 'member.role')])
        if (req.url.searchParams.get('before')) {
          await older.gate
          return page([entry(7, 'site.settings')])
        }
        return page([entry(9, 'catalogue.publish'), entry(8, 'catalogue.draft')], 8)
      }),
    )
    renderApp('/sites/minopa/audit')
    fireEvent.click(await screen.findByRole('button', { name: 'Load older entries' }))
    fireEvent.change(screen.getByLabelText('Action'), { target: { value: 'member' } })
    await screen.findByText('member.role')
    older.release()
    await settle()
    expect(shownActions()).toEqual(['member.role'])
    expect(screen.queryByRole('button', { name: 'Load older entries' })).toBeNull()
  })
})

describe('audit log: loading older entries', () => {
  it('keeps the button, unavailable, while loading, then moves focus to the first older entry when there are no more', async () => {
    const older = held()
    const api = stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minopa/audit', async (req) => {
        if (req.url.searchParams.get('before') === '8') {
          await older.gate
          return page([entry(7, 'member.role'), entry(6, 'member.remove')])
        }
        return page([entry(9, 'catalogue.publish'), entry(8, 'catalogue.draft')], 8)
      }),
    )
    renderApp('/sites/minopa/audit')
    const more = await screen.findByRole('button', { name: 'Load older entries' })
    more.focus()
    fireEvent.click(more)
    await waitFor(() => expect(api.requests.at(-1)?.url.searchParams.get('before')).toBe('8'))
    // Before, the button was removed while loading and focus fell to <body>.
    const busy = screen.getByRole('button', { name: 'Load older entries' })
    expect(busy.getAttribute('aria-disabled')).toBe('true')
    expect(document.activeElement).toBe(busy)
    const asked = api.requests.length
    fireEvent.click(busy)
    expect(api.requests.length).toBe(asked)

    older.release()
    await waitFor(() => expect(shownActions()).toEqual(['catalogue.publish', 'catalogue.draft', 'member.role', 'member.remove']))
    // The last page is in, so the button goes: focus lands on the first entry it brought.
    expect(screen.queryByRole('button', { name: 'Load older entries' })).toBeNull()
    await waitFor(() => expect(document.activeElement?.closest('tr')?.textContent).toContain('member.role'))
  })

  it('keeps focus on the button while older entries remain', async () => {
    stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minopa/audit', (req) =>
        req.url.searchParams.get('before') === '8' ? page([entry(7, 'member.role')], 7) : page([entry(9, 'catalogue.publish'), entry(8, 'catalogue.draft')], 8),
      ),
    )
    renderApp('/sites/minopa/audit')
    const more = await screen.findByRole('button', { name: 'Load older entries' })
    more.focus()
    fireEvent.click(more)
    await screen.findByText('member.role')
    await waitFor(() => expect(screen.getByRole('button', { name: 'Load older entries' }).getAttribute('aria-disabled')).toBe('false'))
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Load older entries' }))
  })
})

describe('audit log: action filter', () => {
  it('offers only actions the server writes, and how members join', async () => {
    const api = stubApi(signedIn, on('GET', '/api/admin/sites/minopa/audit', () => page([entry(9, 'invitation.accept')])))
    renderApp('/sites/minopa/audit')
    await screen.findByText('invitation.accept')
    const select = screen.getByLabelText('Action') as HTMLSelectElement
    const values = [...select.options].map((o) => o.value)
    // The server never writes member.add: someone joins by accepting an invitation.
    expect(values).not.toContain('member.add')
    expect(values).toContain('invitation.accept')
    for (const option of select.options) {
      if (option.value.startsWith('member')) expect(option.textContent).not.toMatch(/\ball\b/)
    }
    fireEvent.change(select, { target: { value: 'invitation.accept' } })
    await waitFor(() => expect(api.requests.at(-1)?.url.searchParams.get('action')).toBe('invitation.accept'))
  })
})

describe('audit log: period and user', () => {
  it('asks for the period and the account typed, together with the action, keeps them in the address, and clears them', async () => {
    const asked: string[] = []
    stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minopa/audit', (req) => {
        const p = req.url.searchParams
        asked.push(['action', 'from', 'to', 'user'].map((k) => `${k}=${p.get(k) ?? ''}`).join('&'))
        return p.get('user') ? page([entry(3, 'catalogue.publish')]) : page([entry(9, 'site.settings'), entry(3, 'catalogue.publish')])
      }),
    )
    renderApp('/sites/minopa/audit?action=catalogue')
    await screen.findByText('catalogue.publish')
    fireEvent.input(screen.getByLabelText('From (UTC)'), { target: { value: '2025-03-01' } })
    fireEvent.input(screen.getByLabelText('To (UTC)'), { target: { value: '2025-03-31' } })
    fireEvent.input(screen.getByLabelText('User (e-mail)'), { target: { value: ' editor@example.com ' } })
    // Nothing is asked while typing: only Apply asks.
    expect(asked).toEqual(['action=catalogue&from=&to=&user='])
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }))
    await waitFor(() => expect(window.location.search).toBe('?action=catalogue&from=2025-03-01&to=2025-03-31&user=editor%40example.com'))
    await waitFor(() => expect(shownActions()).toEqual(['catalogue.publish']))
    expect(asked.at(-1)).toBe('action=catalogue&from=2025-03-01&to=2025-03-31&user=editor@example.com')
    // Another action keeps the period and the account.
    fireEvent.change(screen.getByLabelText('Action'), { target: { value: 'member' } })
    await waitFor(() => expect(asked.at(-1)).toBe('action=member&from=2025-03-01&to=2025-03-31&user=editor@example.com'))
    fireEvent.click(screen.getByRole('button', { name: 'Clear period and user' }))
    await waitFor(() => expect(window.location.search).toBe('?action=member'))
    await waitFor(() => expect(asked.at(-1)).toBe('action=member&from=&to=&user='))
    expect((screen.getByLabelText('From (UTC)') as HTMLInputElement).value).toBe('')
    expect((screen.getByLabelText('User (e-mail)') as HTMLInputElement).value).toBe('')
  })

  it('says at its field why a period or an address is refused, focuses it, and asks nothing', async () => {
    const asked: string[] = []
    stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minopa/audit', (req) => {
        asked.push(req.url.search)
        return page([entry(9, 'site.settings')])
      }),
    )
    renderApp('/sites/minopa/audit')
    await screen.findByText('site.settings')
    const from = screen.getByLabelText('From (UTC)') as HTMLInputElement
    fireEvent.input(from, { target: { value: '2025-03-31' } })
    fireEvent.input(screen.getByLabelText('To (UTC)'), { target: { value: '2025-03-01' } })
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }))
    await waitFor(() => expect(from.getAttribute('aria-invalid')).toBe('true'))
    expect(document.getElementById(from.getAttribute('aria-describedby')!.split(' ')[0]!)?.textContent).toBe('From (UTC): is after To (UTC): the period is empty (are the two dates swapped?)')
    expect(document.activeElement).toBe(from)
    fireEvent.input(from, { target: { value: '' } })
    const user = screen.getByLabelText('User (e-mail)') as HTMLInputElement
    fireEvent.input(user, { target: { value: 'editor' } })
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }))
    await waitFor(() => expect(user.getAttribute('aria-invalid')).toBe('true'))
    expect(from.getAttribute('aria-invalid')).toBeNull()
    expect(document.getElementById(user.getAttribute('aria-describedby')!.split(' ')[0]!)?.textContent).toBe('User (e-mail): use an e-mail address')
    expect(document.activeElement).toBe(user)
    expect(asked).toHaveLength(1)
    expect(window.location.search).toBe('')
  })

  it('says the filters found nothing, not that nothing was ever recorded', async () => {
    stubApi(signedIn, on('GET', '/api/admin/sites/minopa/audit', () => page([])))
    renderApp('/sites/minopa/audit?user=nobody%40example.com')
    expect(await screen.findByText('No changes recorded under these filters.')).toBeTruthy()
    expect((screen.getByLabelText('User (e-mail)') as HTMLInputElement).value).toBe('nobody@example.com')
  })

  it('says a bound of a link that is no date or time is not one', async () => {
    stubApi(signedIn, on('GET', '/api/admin/sites/minopa/audit', () => page([])))
    renderApp('/sites/minopa/audit?to=soon')
    const to = (await screen.findByLabelText('To (UTC)')) as HTMLInputElement
    expect(to.value).toBe('')
    const notes = to.getAttribute('aria-describedby')!.split(' ').map((id) => document.getElementById(id)?.textContent)
    expect(notes).toContain('To soon in the link is no date, or no time with its offset: choose a day in its place.')
  })

  it('shows an instant from a link as its UTC day, says it applies exactly, and ties the UTC note to the date fields', async () => {
    const asked: string[] = []
    stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minopa/audit', (req) => {
        asked.push(req.url.searchParams.get('from') ?? '')
        return page([entry(9, 'site.settings')])
      }),
    )
    renderApp('/sites/minopa/audit?from=2025-03-02T00%3A30%3A00%2B02%3A00')
    await screen.findByText('site.settings')
    const from = screen.getByLabelText('From (UTC)') as HTMLInputElement
    expect(from.value).toBe('2025-03-01')
    expect(asked).toEqual(['2025-03-02T00:30:00+02:00'])
    const notes = from.getAttribute('aria-describedby')!.split(' ').map((id) => document.getElementById(id)?.textContent)
    expect(notes).toEqual(['From 2025-03-02T00:30:00+02:00 exactly, as the link gave it; choosing a day replaces it.', expect.stringMatching(/^Whole UTC days/)])
    expect(document.getElementById((screen.getByLabelText('To (UTC)') as HTMLInputElement).getAttribute('aria-describedby')!)?.textContent).toMatch(/^Whole UTC days/)
  })
})
