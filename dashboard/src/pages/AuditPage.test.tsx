import { fireEvent, screen, waitFor, within } from '@testing-library/preact'
import { describe, expect, it } from 'vitest'
import { json, ME, on, renderApp, stubApi } from '../test-support'

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
  return within(screen.getByRole('table', { name: 'Changes, newest first' }))
    .getAllByRole('row')
    .slice(1)
    .map((r) => r.querySelector('.mono')?.textContent ?? '')
}

const settle = () => new Promise((r) => setTimeout(r, 20))

describe('audit log: answers that arrive late', () => {
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
