import { fireEvent, screen, waitFor, within } from '@testing-library/preact'
import { describe, expect, it, vi } from 'vitest'
import { endingSession, errorBody, expectFocusStaysOn, heldBack, json, ME, on, pressFromKeyboard, renderApp, signInAgainOverPage, stubApi } from '../test-support'

const signedIn = on('GET', '/api/admin/me', () => json(ME))
const members = {
  members: [
    { userId: 1, email: 'auditor@example.com', role: 'owner' },
    { userId: 7, email: 'editor@example.com', role: 'editor' },
  ],
  invitations: [],
}

/** Opens MiniMagic's members page and removes `email`, confirmed, from its focused Remove button, as a keyboard user does. */
async function removeFromKeyboard(email: string) {
  vi.stubGlobal('confirm', () => true)
  renderApp('/sites/minimagic/members')
  const remove = await screen.findByRole('button', { name: `Remove ${email}` })
  remove.focus()
  fireEvent.click(remove)
}

describe('users and roles', () => {
  it('invites by e-mail with a role and shows the link to copy', async () => {
    const api = stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minimagic/members', () => json(members)),
      on('POST', '/api/admin/sites/minimagic/invitations', () => json({ inviteUrl: '/invite/tok-123' }, 201)),
    )
    renderApp('/sites/minimagic/members')
    await screen.findByRole('table', { name: 'Members of this site' })
    fireEvent.input(screen.getByLabelText('Email'), { target: { value: 'new@example.com' } })
    fireEvent.change(screen.getByLabelText('Role'), { target: { value: 'auditor' } })
    fireEvent.click(screen.getByRole('button', { name: 'Invite' }))
    const link = (await screen.findByLabelText('Invitation link')) as HTMLInputElement
    expect(link.value).toBe(`${location.origin}/invite/tok-123`)
    expect(screen.getByRole('button', { name: 'Copy link' })).toBeTruthy()
    expect(api.requests.find((r) => r.method === 'POST')?.body).toEqual({ email: 'new@example.com', role: 'auditor' })
  })

  it('asks before inviting again an address with an open invitation, and takes the last link away when an address is refused', async () => {
    const open = { email: 'new@example.com', role: 'editor', createdAt: '2025-03-01T10:00:00.000Z', expiresAt: '2025-03-08T10:00:00.000Z' }
    const api = stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minimagic/members', () => json({ ...members, invitations: [open] })),
      on('POST', '/api/admin/sites/minimagic/invitations', () => json({ inviteUrl: '/invite/tok-456' }, 201)),
    )
    renderApp('/sites/minimagic/members')
    await screen.findByRole('table', { name: 'Members of this site' })
    const confirm = vi.fn(() => false)
    vi.stubGlobal('confirm', confirm)
    fireEvent.input(screen.getByLabelText('Email'), { target: { value: 'New@example.com' } })
    fireEvent.change(screen.getByLabelText('Role'), { target: { value: 'auditor' } })
    fireEvent.click(screen.getByRole('button', { name: 'Invite' }))
    expect(confirm).toHaveBeenCalledWith('New@example.com has an open invitation as editor. A new one replaces it, and its link stops working. Invite again?')
    expect(api.requests.some((r) => r.method === 'POST')).toBe(false)

    confirm.mockReturnValue(true as false)
    fireEvent.click(screen.getByRole('button', { name: 'Invite' }))
    expect(((await screen.findByLabelText('Invitation link')) as HTMLInputElement).value).toBe(`${location.origin}/invite/tok-456`)
    fireEvent.input(screen.getByLabelText('Email'), { target: { value: 'not an address' } })
    fireEvent.click(screen.getByRole('button', { name: 'Invite' }))
    expect(screen.getByText('Enter an email address like name@example.com.')).toBeTruthy()
    expect(screen.queryByLabelText('Invitation link')).toBeNull()
  })

  it('takes the invitation link away when that invitation is cancelled, and only then', async () => {
    const invitation = (email: string) => ({ email, role: 'editor', createdAt: '2025-03-01T10:00:00.000Z', expiresAt: '2025-03-08T10:00:00.000Z' })
    let invitations = [invitation('other@example.com')]
    stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minimagic/members', () => json({ ...members, invitations })),
      // The server stores the address in lower case.
      on('POST', '/api/admin/sites/minimagic/invitations', () => {
        invitations = [...invitations, invitation('new@example.com')]
        return json({ inviteUrl: '/invite/tok-123' }, 201)
      }),
      on('DELETE', /^\/api\/admin\/sites\/minimagic\/invitations\//, (req) => {
        const email = decodeURIComponent(req.url.pathname.split('/').at(-1)!)
        invitations = invitations.filter((i) => i.email !== email)
        return new Response(null, { status: 204 })
      }),
    )
    vi.stubGlobal('confirm', () => true)
    renderApp('/sites/minimagic/members')
    await screen.findByRole('table', { name: 'Members of this site' })
    fireEvent.input(screen.getByLabelText('Email'), { target: { value: 'New@Example.com' } })
    fireEvent.click(screen.getByRole('button', { name: 'Invite' }))
    await screen.findByLabelText('Invitation link')

    fireEvent.click(await screen.findByRole('button', { name: 'Cancel the invitation for other@example.com' }))
    await screen.findByText('The invitation for other@example.com was cancelled.')
    expect(screen.getByLabelText('Invitation link')).toBeTruthy()

    fireEvent.click(await screen.findByRole('button', { name: 'Cancel the invitation for new@example.com' }))
    await screen.findByText('The invitation for new@example.com was cancelled.')
    expect(screen.queryByLabelText('Invitation link')).toBeNull()
    expect(screen.queryByRole('button', { name: 'Copy link' })).toBeNull()
  })

  it('takes "Not invited: Sign in first" away once signed in again over the page, and leaves a refused role change', async () => {
    const session = endingSession()
    stubApi(
      signedIn,
      session.login,
      on('GET', '/api/admin/sites/minimagic/members', () => json(members)),
      on('PATCH', '/api/admin/sites/minimagic/members/7', () => errorBody(409, 'conflict', 'Try that again later')),
      on('POST', '/api/admin/sites/minimagic/invitations', session.unless(() => json({ inviteUrl: '/invite/tok-123' }, 201))),
    )
    renderApp('/sites/minimagic/members')
    const table = await screen.findByRole('table', { name: 'Members of this site' })
    fireEvent.change(within(table).getByLabelText('Role of editor@example.com'), { target: { value: 'auditor' } })
    expect(await screen.findByText('Role not changed: Try that again later')).toBeTruthy()
    fireEvent.input(screen.getByLabelText('Email'), { target: { value: 'new@example.com' } })
    session.valid = false
    fireEvent.click(screen.getByRole('button', { name: 'Invite' }))
    expect(await screen.findByText('Not invited: Sign in first')).toBeTruthy()
    await signInAgainOverPage()
    // Before, "Not invited: Sign in first" stayed after signing in.
    expect(screen.queryByText('Not invited: Sign in first')).toBeNull()
    // A refusal that was not the session's stays until the next attempt.
    expect(screen.getByText('Role not changed: Try that again later')).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Invite' }))
    expect(((await screen.findByLabelText('Invitation link')) as HTMLInputElement).value).toBe(`${location.origin}/invite/tok-123`)
  })

  it('cancels a pending invitation after asking, and shows the list without it', async () => {
    let invitations = [
      { email: 'late@example.com', role: 'editor', createdAt: '2025-03-01T10:00:00.000Z', expiresAt: '2025-03-08T10:00:00.000Z' },
      { email: 'pending+1@example.com', role: 'auditor', createdAt: '2025-03-02T10:00:00.000Z', expiresAt: '2025-03-09T10:00:00.000Z' },
    ]
    const api = stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minimagic/members', () => json({ ...members, invitations })),
      on('DELETE', '/api/admin/sites/minimagic/invitations/pending%2B1%40example.com', () => {
        invitations = invitations.slice(0, 1)
        return new Response(null, { status: 204 })
      }),
    )
    const confirm = vi.fn(() => false)
    vi.stubGlobal('confirm', confirm)
    renderApp('/sites/minimagic/members')
    const cancel = await screen.findByRole('button', { name: 'Cancel the invitation for pending+1@example.com' })
    fireEvent.click(cancel)
    expect(confirm).toHaveBeenCalledWith('Cancel the invitation for pending+1@example.com? Its link stops working.')
    expect(api.requests.some((r) => r.method === 'DELETE')).toBe(false)

    confirm.mockReturnValue(true as false)
    fireEvent.click(cancel)
    await waitFor(() => expect(screen.queryByText(/pending\+1@example\.com as auditor/)).toBeNull())
    expect(screen.getByText(/late@example\.com as editor/)).toBeTruthy()
    expect(api.requests.find((r) => r.method === 'DELETE')?.headers.get('X-CSRF-Token')).toBe('csrf-token-123')
  })

  it('says why an invitation was not cancelled', async () => {
    const pending = { email: 'gone@example.com', role: 'editor', createdAt: '2025-03-01T10:00:00.000Z', expiresAt: '2025-03-08T10:00:00.000Z' }
    stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minimagic/members', () => json({ ...members, invitations: [pending] })),
      on('DELETE', /\/invitations\//, () => errorBody(404, 'invitation_not_found', 'No pending invitation for gone@example.com on this site')),
    )
    vi.stubGlobal('confirm', () => true)
    renderApp('/sites/minimagic/members')
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel the invitation for gone@example.com' }))
    expect((await screen.findByText('Not cancelled: No pending invitation for gone@example.com on this site')).getAttribute('role')).toBe('alert')
  })

  it('says why the last owner cannot be demoted and puts the role back', async () => {
    stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minimagic/members', () => json(members)),
      on('PATCH', '/api/admin/sites/minimagic/members/1', () => errorBody(409, 'last_owner', 'A site needs at least one owner')),
    )
    // Their own role: asked first, and agreed to.
    vi.stubGlobal('confirm', () => true)
    renderApp('/sites/minimagic/members')
    const table = await screen.findByRole('table', { name: 'Members of this site' })
    const select = within(table).getByLabelText('Role of auditor@example.com') as HTMLSelectElement
    fireEvent.change(select, { target: { value: 'editor' } })
    expect(await screen.findByText('Role not changed: A site needs at least one owner')).toBeTruthy()
    expect(select.value).toBe('owner')
  })

  it('asks before an owner changes their own role, and leaves it as it was when they cancel', async () => {
    const owners = { members: [members.members[0], { userId: 8, email: 'second-owner@example.com', role: 'owner' }], invitations: [] }
    const api = stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minimagic/members', () => json(owners)),
      on('PATCH', '/api/admin/sites/minimagic/members/1', () => json({ member: { userId: 1, email: 'auditor@example.com', role: 'editor' } })),
    )
    const confirm = vi.fn(() => false)
    vi.stubGlobal('confirm', confirm)
    renderApp('/sites/minimagic/members')
    const select = (await screen.findByLabelText('Role of auditor@example.com')) as HTMLSelectElement
    fireEvent.change(select, { target: { value: 'editor' } })
    // Before, this demoted the owner at once, without a word.
    expect(confirm).toHaveBeenCalledTimes(1)
    expect(confirm.mock.calls[0]).toEqual([expect.stringMatching(/^Change your own role to editor\? You lose access to Users & roles/)])
    await new Promise((r) => setTimeout(r, 20))
    expect(api.requests.some((r) => r.method === 'PATCH')).toBe(false)
    expect(select.value).toBe('owner')

    confirm.mockReturnValue(true as false)
    fireEvent.change(select, { target: { value: 'editor' } })
    await waitFor(() => expect(api.requests.find((r) => r.method === 'PATCH')?.body).toEqual({ role: 'editor' }))
    // The navigation follows the new role.
    await waitFor(() => expect(api.requests.filter((r) => r.url.pathname === '/api/admin/me').length).toBe(2))
  })

  it('changes another member’s role at once, without asking, and says so', async () => {
    let list = members
    const api = stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minimagic/members', () => json(list)),
      on('PATCH', '/api/admin/sites/minimagic/members/7', () => {
        list = { ...members, members: [members.members[0]!, { ...members.members[1]!, role: 'auditor' }] }
        return json({ member: list.members[1] })
      }),
    )
    const confirm = vi.fn(() => false)
    vi.stubGlobal('confirm', confirm)
    renderApp('/sites/minimagic/members')
    fireEvent.change(await screen.findByLabelText('Role of editor@example.com'), { target: { value: 'auditor' } })
    await waitFor(() => expect(api.requests.find((r) => r.method === 'PATCH')?.body).toEqual({ role: 'auditor' }))
    expect(confirm).not.toHaveBeenCalled()
    expect((await screen.findByText('editor@example.com is now auditor.')).closest('[role="status"]')).toBeTruthy()
  })

  it('shows the role another owner gave a member once the list is loaded again, and lets it be set back', async () => {
    let bobRole = 'editor'
    const api = stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minimagic/members', () =>
        json({ members: [members.members[0], { userId: 7, email: 'bob@example.com', role: bobRole }], invitations: [] }),
      ),
      on('POST', '/api/admin/sites/minimagic/invitations', () => json({ inviteUrl: '/invite/tok-123' }, 201)),
      on('PATCH', '/api/admin/sites/minimagic/members/7', () => {
        bobRole = 'editor'
        return json({ member: { userId: 7, email: 'bob@example.com', role: bobRole } })
      }),
    )
    renderApp('/sites/minimagic/members')
    await screen.findByRole('table', { name: 'Members of this site' })
    // Another owner, in another tab, makes Bob an auditor; inviting someone here reloads the list.
    bobRole = 'auditor'
    fireEvent.input(screen.getByLabelText('Email'), { target: { value: 'new@example.com' } })
    fireEvent.click(screen.getByRole('button', { name: 'Invite' }))
    await screen.findByLabelText('Invitation link')
    const select = screen.getByLabelText('Role of bob@example.com') as HTMLSelectElement
    // Before, the row kept the role it was first shown with: editor, which could then not be picked back.
    await waitFor(() => expect(select.value).toBe('auditor'))
    fireEvent.change(select, { target: { value: 'editor' } })
    await waitFor(() => expect(api.requests.find((r) => r.method === 'PATCH')?.body).toEqual({ role: 'editor' }))
    expect(await screen.findByText('bob@example.com is now editor.')).toBeTruthy()
    await waitFor(() => expect(api.requests.filter((r) => r.url.pathname.endsWith('/members')).length).toBe(3))
    expect(select.value).toBe('editor')
  })

  it('says when a member was removed or an invitation cancelled', async () => {
    let list = { ...members, invitations: [{ email: 'late@example.com', role: 'editor', createdAt: '2025-03-01T10:00:00.000Z', expiresAt: '2025-03-08T10:00:00.000Z' }] }
    stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minimagic/members', () => json(list)),
      on('DELETE', '/api/admin/sites/minimagic/members/7', () => {
        list = { ...list, members: [members.members[0]!] }
        return new Response(null, { status: 204 })
      }),
      on('DELETE', '/api/admin/sites/minimagic/invitations/late%40example.com', () => {
        list = { ...list, invitations: [] }
        return new Response(null, { status: 204 })
      }),
    )
    vi.stubGlobal('confirm', () => true)
    renderApp('/sites/minimagic/members')
    fireEvent.click(await screen.findByRole('button', { name: 'Remove editor@example.com' }))
    expect((await screen.findByText('editor@example.com was removed from this site.')).closest('[role="status"]')).toBeTruthy()
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Remove editor@example.com' })).toBeNull())
    fireEvent.click(screen.getByRole('button', { name: 'Cancel the invitation for late@example.com' }))
    expect((await screen.findByText('The invitation for late@example.com was cancelled.')).closest('[role="status"]')).toBeTruthy()
  })

  it('moves focus to what happened when a removed member’s row goes, with the button pressed in it', async () => {
    let list = members
    stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minimagic/members', () => json(list)),
      on('DELETE', '/api/admin/sites/minimagic/members/7', () => {
        list = { ...members, members: [members.members[0]!] }
        return new Response(null, { status: 204 })
      }),
    )
    await removeFromKeyboard('editor@example.com')
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Remove editor@example.com' })).toBeNull())
    // Before, focus fell to <body> with the button, and a keyboard user started over at the top of the page.
    const said = screen.getByText('editor@example.com was removed from this site.')
    await waitFor(() => expect(document.activeElement).toBe(said))
  })

  it('moves focus to the page that says why, once the owner has removed themselves', async () => {
    let session = ME
    stubApi(
      on('GET', '/api/admin/me', () => json(session)),
      on('GET', '/api/admin/sites/minimagic/members', () => json(members)),
      on('DELETE', '/api/admin/sites/minimagic/members/1', () => {
        session = { ...ME, sites: [ME.sites[0]!] }
        return new Response(null, { status: 204 })
      }),
    )
    await removeFromKeyboard('auditor@example.com')
    const heading = await screen.findByRole('heading', { name: 'Site not available' })
    // Before, focus fell to <body> with the page the button was on.
    await waitFor(() => expect(document.activeElement).toBe(heading))
    expect(screen.getByRole('link', { name: 'Open Minopa' })).toBeTruthy()
  })

  it('says a member was removed even when the list then fails to reload, and offers to load it again', async () => {
    let list = members
    let listFails = false
    stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minimagic/members', () => (listFails ? errorBody(503, 'unavailable', 'The server is restarting') : json(list))),
      on('DELETE', '/api/admin/sites/minimagic/members/7', () => {
        list = { ...members, members: [members.members[0]!] }
        listFails = true
        return new Response(null, { status: 204 })
      }),
    )
    vi.stubGlobal('confirm', () => true)
    renderApp('/sites/minimagic/members')
    fireEvent.click(await screen.findByRole('button', { name: 'Remove editor@example.com' }))
    const failure = await screen.findByText('Could not load the members: The server is restarting')
    expect(failure.closest('[role="alert"]')).toBeTruthy()
    // Before, the sentence went with the list it was part of, and only the failure was left to read.
    expect(screen.getByText('editor@example.com was removed from this site.').closest('[role="status"]')).toBeTruthy()
    listFails = false
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }))
    await screen.findByRole('table', { name: 'Members of this site' })
    expect(screen.queryByRole('button', { name: 'Remove editor@example.com' })).toBeNull()
  })

  it('says your own role was changed even when your roles then fail to reload, and offers to load them again', async () => {
    let session = () => json(ME)
    const owners = { members: [members.members[0], { userId: 8, email: 'second-owner@example.com', role: 'owner' }], invitations: [] }
    stubApi(
      on('GET', '/api/admin/me', () => session()),
      on('GET', '/api/admin/sites/minimagic/members', () => json(owners)),
      on('PATCH', '/api/admin/sites/minimagic/members/1', () => {
        session = () => errorBody(503, 'unavailable', 'The server is restarting')
        return json({ member: { userId: 1, email: 'auditor@example.com', role: 'editor' } })
      }),
    )
    vi.stubGlobal('confirm', () => true)
    renderApp('/sites/minimagic/members')
    const select = (await screen.findByLabelText('Role of auditor@example.com')) as HTMLSelectElement
    fireEvent.change(select, { target: { value: 'editor' } })
    const failure = await screen.findByText('Could not load your roles: The server is restarting')
    expect(failure.closest('[role="alert"]')).toBeTruthy()
    // Before, this said "Role not changed" and put the select back, although the role had changed.
    expect(screen.getByText('You are now editor on this site.').closest('[role="status"]')).toBeTruthy()
    expect(screen.queryByText(/Role not changed/)).toBeNull()
    expect(select.value).toBe('editor')

    session = () => json({ ...ME, sites: [ME.sites[0]!, { ...ME.sites[1]!, role: 'editor' }] })
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }))
    expect(await screen.findByRole('heading', { name: 'Not available for your role' })).toBeTruthy()
  })

  it('follows a role taken away meanwhile: a refused change reloads the roles, and the page shows what the new one may see', async () => {
    let session = ME
    const api = stubApi(
      on('GET', '/api/admin/me', () => json(session)),
      on('GET', '/api/admin/sites/minimagic/members', () => json(members)),
      on('PATCH', '/api/admin/sites/minimagic/members/7', () => errorBody(403, 'forbidden', 'You have no access to site "minimagic"')),
    )
    renderApp('/sites/minimagic/members')
    const select = await screen.findByLabelText('Role of editor@example.com')
    expect(screen.getByRole('link', { name: 'Users & roles' })).toBeTruthy()
    // Another owner makes this one an editor while the page is open.
    session = { ...ME, sites: [ME.sites[0]!, { ...ME.sites[1]!, role: 'editor' }] }
    fireEvent.change(select, { target: { value: 'auditor' } })
    expect(await screen.findByRole('heading', { name: 'Not available for your role' })).toBeTruthy()
    expect(screen.queryByRole('link', { name: 'Users & roles' })).toBeNull()
    expect(api.requests.filter((r) => r.url.pathname === '/api/admin/me')).toHaveLength(2)
  })

  it('is not offered to an auditor', async () => {
    stubApi(signedIn, on('GET', /consents$/, () => json({ records: [], nextBefore: null, total: 0 })))
    renderApp('/sites/minopa/members')
    expect(await screen.findByRole('heading', { name: 'Not available for your role' })).toBeTruthy()
  })
})

describe('invitation page', () => {
  it('lets an invited person set a password without a session and signs them in', async () => {
    const api = stubApi(
      on('GET', '/api/admin/me', () => errorBody(401, 'unauthenticated', 'Sign in first')),
      on('GET', '/api/admin/invitations/tok-123', () => json({ email: 'new@example.com', siteName: 'Minopa', role: 'auditor', hasAccount: false })),
      on('POST', '/api/admin/invitations/tok-123/accept', () => json(ME)),
      on('GET', /consents$/, () => json({ records: [], nextBefore: null, total: 0 })),
    )
    renderApp('/invite/tok-123')
    expect(await screen.findByText(/You are invited to/)).toBeTruthy()
    fireEvent.input(screen.getByLabelText('New password'), { target: { value: 'short' } })
    fireEvent.click(screen.getByRole('button', { name: 'Accept and sign in' }))
    expect(screen.getByText('Use at least 12 characters.')).toBeTruthy()
    fireEvent.input(screen.getByLabelText('New password'), { target: { value: 'a-long-enough-password' } })
    fireEvent.input(screen.getByLabelText('Repeat the password'), { target: { value: 'a-long-enough-password' } })
    fireEvent.click(screen.getByRole('button', { name: 'Accept and sign in' }))
    await waitFor(() => expect(location.pathname).toBe('/sites/minopa/consents'))
    expect(api.requests.find((r) => r.method === 'POST')?.body).toEqual({ password: 'a-long-enough-password' })
  })
})

describe('invitation page for an address that has an account', () => {
  it('asks for that account’s password, once and of any length, and reports a lock', async () => {
    const api = stubApi(
      on('GET', '/api/admin/me', () => errorBody(401, 'unauthenticated', 'Sign in first')),
      on('GET', '/api/admin/invitations/tok-456', () => json({ email: 'ceo@example.com', siteName: 'Minopa', role: 'owner', hasAccount: true })),
      on('POST', '/api/admin/invitations/tok-456/accept', () => errorBody(429, 'too_many_attempts', 'Too many failed sign-ins; try again later')),
    )
    renderApp('/invite/tok-456')
    expect(await screen.findByText(/already has an account here: enter its password to join/)).toBeTruthy()
    expect(screen.getByText(/If you never set up an account with this address, do not go on/)).toBeTruthy()
    expect(screen.queryByLabelText('New password')).toBeNull()
    expect(screen.queryByLabelText('Repeat the password')).toBeNull()
    const password = screen.getByLabelText('Password') as HTMLInputElement
    expect(password.autocomplete).toBe('current-password')
    fireEvent.click(screen.getByRole('button', { name: 'Accept and sign in' }))
    expect(screen.getByText('Enter the password of your account.')).toBeTruthy()
    fireEvent.input(password, { target: { value: 'short' } })
    fireEvent.click(screen.getByRole('button', { name: 'Accept and sign in' }))
    expect(await screen.findByText('Could not accept the invitation: Too many failed sign-ins; try again later')).toBeTruthy()
    expect(api.requests.find((r) => r.method === 'POST')?.body).toEqual({ password: 'short' })
  })
})

describe('password change', () => {
  it('checks the new password twice and reports the server’s answer', async () => {
    stubApi(signedIn, on('POST', '/api/admin/password', () => errorBody(403, 'wrong_password', 'The current password is wrong')))
    renderApp('/account/password')
    fireEvent.input(await screen.findByLabelText('Current password'), { target: { value: 'old-password' } })
    fireEvent.input(screen.getByLabelText('New password'), { target: { value: 'a-new-long-password' } })
    fireEvent.input(screen.getByLabelText('Repeat the new password'), { target: { value: 'a-new-long-passwort' } })
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }))
    expect(screen.getByText('The two new passwords differ.')).toBeTruthy()
    fireEvent.input(screen.getByLabelText('Repeat the new password'), { target: { value: 'a-new-long-password' } })
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }))
    expect(await screen.findByText('Password not changed: The current password is wrong')).toBeTruthy()
  })

  it('goes on in the new session the change answers: the next change sends its CSRF token, not the ended one', async () => {
    const api = stubApi(
      signedIn,
      on('POST', '/api/admin/password', () => json({ ...ME, csrfToken: 'csrf-token-789' })),
      on('POST', '/api/admin/logout', () => new Response(null, { status: 204 })),
    )
    renderApp('/account/password')
    fireEvent.input(await screen.findByLabelText('Current password'), { target: { value: 'old-password' } })
    fireEvent.input(screen.getByLabelText('New password'), { target: { value: 'a-new-long-password' } })
    fireEvent.input(screen.getByLabelText('Repeat the new password'), { target: { value: 'a-new-long-password' } })
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }))
    expect(await screen.findByText('Password changed. Your other sessions have been signed out. The change is in the audit log of each of your sites.')).toBeTruthy()
    expect(api.requests.find((r) => r.url.pathname === '/api/admin/password')?.headers.get('X-CSRF-Token')).toBe('csrf-token-123')
    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }))
    expect(await screen.findByRole('heading', { name: 'Sign in to MiniConsent' })).toBeTruthy()
    expect(api.requests.find((r) => r.url.pathname === '/api/admin/logout')?.headers.get('X-CSRF-Token')).toBe('csrf-token-789')
  })
})

describe('audit log', () => {
  it('filters by action and shows before and after of an entry', async () => {
    const api = stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minimagic/audit', (req) =>
        json({
          entries: [
            {
              id: 9,
              at: '2025-03-02T10:00:00.000Z',
              user: 'editor@example.com',
              action: req.url.searchParams.get('action') === 'member' ? 'member.role' : 'catalogue.publish',
              before: { role: 'auditor' },
              after: { role: 'editor' },
            },
          ],
          nextBefore: null,
        }),
      ),
    )
    renderApp('/sites/minimagic/audit')
    const table = await screen.findByRole('table', { name: 'Entries, newest first' })
    expect(table.textContent).toContain('catalogue.publish')
    fireEvent.change(screen.getByLabelText('Action'), { target: { value: 'member' } })
    await waitFor(() => expect(api.requests.at(-1)?.url.searchParams.get('action')).toBe('member'))
    expect(await screen.findByText('member.role')).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: /Show before and after/ }))
    expect(screen.getByText(/"role": "auditor"/)).toBeTruthy()
  })

  it('keeps keyboard focus on Invite while the invitation is made, and after', async () => {
    const post = heldBack()
    const api = stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minimagic/members', () => json(members)),
      on('POST', '/api/admin/sites/minimagic/invitations', () => post.promise),
    )
    renderApp('/sites/minimagic/members')
    await screen.findByRole('table', { name: 'Members of this site' })
    fireEvent.input(screen.getByLabelText('Email'), { target: { value: 'new@example.com' } })
    const invite = pressFromKeyboard(screen.getByRole('button', { name: 'Invite' }))
    await waitFor(() => expect(invite.getAttribute('aria-disabled')).toBe('true'))
    // Before, the button was disabled while it ran, and focus fell to <body>.
    expectFocusStaysOn(invite)
    fireEvent.click(invite)
    expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
    post.answer(json({ inviteUrl: '/invite/tok-123' }, 201))
    await screen.findByLabelText('Invitation link')
    expect(invite.getAttribute('aria-disabled')).toBe('false')
    expectFocusStaysOn(invite)
  })
})
