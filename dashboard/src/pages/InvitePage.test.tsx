// `/invite/:token`: accepting signs in, so the session it answers is the one later changes use.
import { fireEvent, screen, waitFor } from '@testing-library/preact'
import { describe, expect, it } from 'vitest'
import { catalogueFixture, errorBody, json, logPage, ME, on, renderApp, stubApi } from '../test-support'

const NEWCOMER = { ...ME, user: { id: 5, email: 'new@example.com' }, sites: [{ id: 'minimagic', name: 'MiniMagic', role: 'editor' as const }], csrfToken: 'csrf-new' }

describe('accepting an invitation', () => {
  it('signs in with the new session: the first change sent after it carries that session’s CSRF token and is saved', async () => {
    let signedIn = false
    const { requests } = stubApi(
      on('GET', '/api/admin/me', () => (signedIn ? json(NEWCOMER) : errorBody(401, 'unauthenticated', 'Sign in first'))),
      on('GET', '/api/admin/invitations/tok-123', () => json({ email: 'new@example.com', siteName: 'MiniMagic', role: 'editor', hasAccount: false })),
      on('POST', '/api/admin/invitations/tok-123/accept', () => {
        signedIn = true
        return json(NEWCOMER)
      }),
      on('GET', '/api/admin/sites/minimagic/catalogue', () => json(catalogueFixture())),
      on('PUT', '/api/admin/sites/minimagic/catalogue/draft', (req) => {
        if (req.headers.get('X-CSRF-Token') !== 'csrf-new') return errorBody(403, 'csrf_invalid', 'Missing or wrong X-CSRF-Token header')
        return json({ ...catalogueFixture(), draft: (req.body as { catalogue: unknown }).catalogue })
      }),
    )
    renderApp('/invite/tok-123')
    await screen.findByText(/You are invited to/)
    fireEvent.input(screen.getByLabelText('New password'), { target: { value: 'a-long-enough-password' } })
    fireEvent.input(screen.getByLabelText('Repeat the password'), { target: { value: 'a-long-enough-password' } })
    fireEvent.click(screen.getByRole('button', { name: 'Accept and sign in' }))
    await waitFor(() => expect(location.pathname).toBe('/sites/minimagic/catalogue'))
    await screen.findByRole('heading', { level: 2, name: 'Categories' })

    fireEvent.input(screen.getByLabelText('Provider, row 1'), { target: { value: 'First edit' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(await screen.findByText('Draft saved.')).toBeTruthy()
    // Before, it was sent without a token, refused, and not sent again.
    const puts = requests.filter((r) => r.method === 'PUT').map((r) => r.headers.get('X-CSRF-Token'))
    expect(puts).toEqual(['csrf-new'])
  })

  it('a wrong password of an existing account is said on the page and leaves the session signed in on this browser as it was', async () => {
    stubApi(
      on('GET', '/api/admin/me', () => json(ME)),
      on('GET', '/api/admin/invitations/tok-9', () => json({ email: ME.user.email, siteName: 'Other', role: 'editor', hasAccount: true })),
      on('POST', '/api/admin/invitations/tok-9/accept', () => errorBody(401, 'invalid_credentials', `${ME.user.email} already has an account: enter its password to join`)),
      on('GET', '/api/admin/sites/minopa/consents', () => json(logPage(3, 3, 3))),
    )
    renderApp('/invite/tok-9')
    await screen.findByText(/You are invited to/)
    fireEvent.input(screen.getByLabelText('Password'), { target: { value: 'typo' } })
    fireEvent.click(screen.getByRole('button', { name: 'Accept and sign in' }))
    expect(await screen.findByText(`Could not accept the invitation: ${ME.user.email} already has an account: enter its password to join`)).toBeTruthy()

    // They give up and open their dashboard: the session they have still works.
    history.pushState(null, '', '/sites/minopa/consents')
    dispatchEvent(new PopStateEvent('popstate'))
    expect(await screen.findByRole('heading', { name: 'Consent log — Minopa' })).toBeTruthy()
    expect(await screen.findByText('visitor-0003', { exact: false })).toBeTruthy()
    // Before, the refused password was taken for an ended session: "Your session has ended" opened over it.
    expect(screen.queryByRole('dialog', { name: 'Your session has ended' })).toBeNull()
    expect(screen.getByText(ME.user.email)).toBeTruthy()
  })

  it('signed in as another account on this browser, accepting signs in as the invited one without saying another account took over', async () => {
    stubApi(
      on('GET', '/api/admin/me', () => json(ME)),
      on('GET', '/api/admin/invitations/tok-1', () => json({ email: 'new@example.com', siteName: 'MiniMagic', role: 'editor', hasAccount: false })),
      on('POST', '/api/admin/invitations/tok-1/accept', () => json(NEWCOMER)),
      on('GET', '/api/admin/sites/minimagic/catalogue', () => json(catalogueFixture())),
    )
    renderApp('/invite/tok-1')
    await screen.findByText(/You are invited to/)
    fireEvent.input(screen.getByLabelText('New password'), { target: { value: 'a-long-enough-password' } })
    fireEvent.input(screen.getByLabelText('Repeat the password'), { target: { value: 'a-long-enough-password' } })
    fireEvent.click(screen.getByRole('button', { name: 'Accept and sign in' }))
    await waitFor(() => expect(location.pathname).toBe('/sites/minimagic/catalogue'))
    await screen.findByRole('heading', { level: 2, name: 'Categories' })
    expect(screen.getByText('new@example.com', { selector: '.account-email strong' })).toBeTruthy()
    await new Promise((r) => setTimeout(r, 50))
    // This sign-in is the user's own, made on a page none of the first account's pages were behind.
    // Before, the header's alert said "Another account is now signed in on this browser: new@example.com,
    // no longer auditor@example.com. What auditor@example.com had not saved was not kept."
    expect(screen.queryByText(/Another account is now signed in/)).toBeNull()
    expect(document.querySelector('.header-alert')?.textContent).toBe('')
  })

  it('a link with a broken %-escape shows the server’s refusal of the token, as a bad link does, instead of staying on “Loading…”', async () => {
    const { requests } = stubApi(
      on('GET', '/api/admin/me', () => errorBody(401, 'unauthenticated', 'Sign in first')),
      on('GET', /^\/api\/admin\/invitations\/[^/]+$/, () => errorBody(400, 'invalid_request', 'token: not an invitation token')),
    )
    renderApp('/invite/abc%E0%A4%A')
    expect(await screen.findByText('Could not load the invitation: token: not an invitation token')).toBeTruthy()
    expect(screen.queryByText('Loading…')).toBeNull()
    // The link's token as it came, escaped for the path: the server is asked, and refuses it.
    expect(requests.map((r) => r.url.pathname)).toContain('/api/admin/invitations/abc%25E0%25A4%25A')
  })
})
