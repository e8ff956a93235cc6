import { fireEvent, screen, within } from '@testing-library/preact'
import { describe, expect, it } from 'vitest'
import { json, ME, on, renderApp, stubApi } from '../test-support'

const signedIn = on('GET', '/api/admin/me', () => json(ME))
/** The account's own audit entries, none: the page lists them under the form. */
const noEntries = on('GET', '/api/admin/me/audit', () => json({ entries: [], nextBefore: null }))

async function changePassword(current: string, next = 'a-long-enough-password') {
  renderApp('/account/password')
  fireEvent.input(await screen.findByLabelText('Current password'), { target: { value: current } })
  fireEvent.input(screen.getByLabelText('New password'), { target: { value: next } })
  fireEvent.input(screen.getByLabelText('Repeat the new password'), { target: { value: next } })
  fireEvent.click(screen.getByRole('button', { name: 'Change password' }))
}

describe('password page', () => {
  it('says at the current password field that it is wrong, and announces the refusal as an alert', async () => {
    stubApi(
      signedIn,
      noEntries,
      on('POST', '/api/admin/password', () =>
        json({ error: { code: 'invalid', message: 'The current password is not right', issues: [{ path: 'currentPassword', message: 'This is not your current password' }] } }, 422),
      ),
    )
    await changePassword('wrong one')
    const refusal = await screen.findByText('Password not changed: The current password is not right')
    // Before, only this sentence said it, in a polite status region, and the field was not marked.
    expect(refusal.closest('[role="alert"]')).toBeTruthy()
    const field = screen.getByLabelText('Current password')
    expect(field.getAttribute('aria-invalid')).toBe('true')
    expect(document.getElementById(field.getAttribute('aria-describedby')!)?.textContent).toBe('This is not your current password')
  })

  it('says how long the lock after too many wrong passwords holds, from Retry-After', async () => {
    stubApi(
      signedIn,
      noEntries,
      on('POST', '/api/admin/password', () =>
        new Response(JSON.stringify({ error: { code: 'too_many_attempts', message: 'Too many wrong passwords; try again later' } }), {
          status: 429,
          headers: { 'Content-Type': 'application/json', 'Retry-After': '30' },
        }),
      ),
    )
    await changePassword('wrong again')
    // Before, "try again later", with the server's 30 seconds dropped.
    expect(await screen.findByText('Password not changed: Too many wrong passwords; try again in 30 seconds')).toBeTruthy()
  })
})

describe("password page: the account's own audit entries", () => {
  it('lists the entries of no site about the account as the audit log lists a site’s, older ones on request', async () => {
    const { requests } = stubApi(
      signedIn,
      on('GET', '/api/admin/me/audit', (req) =>
        req.url.searchParams.get('before') === '9'
          ? json({ entries: [{ id: 3, at: '2025-03-01T10:00:00.000Z', user: null, action: 'user.password_reset', before: null, after: { email: 'ada@example.com' } }], nextBefore: null })
          : json({ entries: [{ id: 9, at: '2025-03-02T10:00:00.000Z', user: 'ada@example.com', action: 'user.password', before: null, after: null }], nextBefore: 9 }),
      ),
    )
    renderApp('/account/password')
    const table = await screen.findByRole('table', { name: 'Entries, newest first' })
    expect(within(table).getByText('user.password')).toBeTruthy()
    expect(within(table).getByText('ada@example.com')).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Load older entries' }))
    await within(table).findByText('user.password_reset')
    // The operator's reset was made by nobody: "System", as on a site's audit log.
    expect(within(table).getByText('System')).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Load older entries' })).toBeNull()
    expect(requests.filter((r) => r.url.pathname === '/api/admin/me/audit').map((r) => r.url.search)).toEqual(['?limit=50', '?limit=50&before=9'])
  })

  it('says when the account has none', async () => {
    stubApi(signedIn, noEntries)
    renderApp('/account/password')
    expect(await screen.findByText('No changes recorded.')).toBeTruthy()
  })
})

describe("password page: the account's own audit entries after a change", () => {
  // The server writes `user.password` to the account's own log only for an account of no site.
  const ofNoSite = { ...ME, sites: [] }

  it('lists the change just made once the password is changed, for an account of no site', async () => {
    let changed = false
    const { requests } = stubApi(
      on('GET', '/api/admin/me', () => json(ofNoSite)),
      on('GET', '/api/admin/me/audit', () =>
        json({
          entries: changed ? [{ id: 12, at: '2025-03-04T10:00:00.000Z', user: 'auditor@example.com', action: 'user.password', before: null, after: null }] : [],
          nextBefore: null,
        }),
      ),
      on('POST', '/api/admin/password', () => {
        changed = true
        return json({ ...ofNoSite, csrfToken: 'csrf-token-456' })
      }),
    )
    await changePassword('the current one')
    expect(await screen.findByText('Password changed. Your other sessions have been signed out.')).toBeTruthy()
    // Before, the listing stayed as loaded with the page: "No changes recorded.", the change unlisted.
    const table = await screen.findByRole('table', { name: 'Entries, newest first' })
    expect(within(table).getByText('user.password')).toBeTruthy()
    expect(screen.queryByText('No changes recorded.')).toBeNull()
    expect(requests.filter((r) => r.url.pathname === '/api/admin/me/audit').map((r) => r.url.search)).toEqual(['?limit=50', '?limit=50'])
  })

  it('says that the change is in the audit log of each of the member’s sites, where the server records it', async () => {
    stubApi(
      signedIn,
      noEntries,
      on('POST', '/api/admin/password', () => json({ ...ME, csrfToken: 'csrf-token-456' })),
    )
    await changePassword('the current one')
    // Before, nothing said where the change went: the account's own list, under the form, stays empty.
    expect(await screen.findByText('Password changed. Your other sessions have been signed out. The change is in the audit log of each of your sites.')).toBeTruthy()
    expect(await screen.findByText('No changes recorded.')).toBeTruthy()
  })
})
