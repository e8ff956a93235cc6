import { fireEvent, screen, waitFor, within } from '@testing-library/preact'
import { describe, expect, it, vi } from 'vitest'
import { catalogueFixture, errorBody, json, logPage, ME, on, renderApp, stubApi } from '../test-support'

const notSignedIn = on('GET', '/api/admin/me', () => errorBody(401, 'unauthenticated', 'Sign in first.'))

function fillIn(email: string, password: string) {
  fireEvent.input(screen.getByLabelText('Email'), { target: { value: email } })
  fireEvent.input(screen.getByLabelText('Password'), { target: { value: password } })
}

describe('sign-in', () => {
  it('opens on the sign-in form when nobody is signed in', async () => {
    stubApi(notSignedIn)
    renderApp('/')
    expect(await screen.findByRole('heading', { name: 'Sign in to MiniConsent' })).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeTruthy()
    expect(location.pathname).toBe('/sign-in')
    await waitFor(() => expect(document.title).toBe('Sign in · MiniConsent'))
  })

  it("shows the API's message next to the form when the credentials are wrong", async () => {
    const api = stubApi(
      notSignedIn,
      on('POST', '/api/admin/login', () => errorBody(401, 'invalid_credentials', 'Wrong email or password.')),
    )
    renderApp('/sign-in')
    await screen.findByLabelText('Email')
    fillIn('owner@example.com', 'not-the-password')
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))

    const alert = await screen.findByText('Wrong email or password.')
    expect(alert.closest('[role="alert"]')).toBeTruthy()
    // Still on the form, free to try again.
    expect(location.pathname).toBe('/sign-in')
    expect((screen.getByRole('button', { name: 'Sign in' }) as HTMLButtonElement).disabled).toBe(false)
    expect(api.requests.find((r) => r.method === 'POST')?.body).toEqual({
      email: 'owner@example.com',
      password: 'not-the-password',
    })
  })

  it('shows a throttling message from the API as well', async () => {
    stubApi(notSignedIn, on('POST', '/api/admin/login', () => errorBody(429, 'too_many_attempts', 'Too many attempts. Wait 15 minutes.')))
    renderApp('/sign-in')
    await screen.findByLabelText('Email')
    fillIn('owner@example.com', 'x')
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))
    expect(await screen.findByText('Too many attempts. Wait 15 minutes.')).toBeTruthy()
  })

  it('asks for the missing fields without calling the API', async () => {
    const api = stubApi(notSignedIn)
    renderApp('/sign-in')
    await screen.findByLabelText('Email')
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))
    expect(await screen.findByText('Enter your email address.')).toBeTruthy()
    expect(screen.getByText('Enter your password.')).toBeTruthy()
    expect(screen.getByLabelText('Email').getAttribute('aria-invalid')).toBe('true')
    expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(0)
  })

  it('disables the button while signing in, then opens the first site’s consent log', async () => {
    let answer: (res: Response) => void = () => {}
    stubApi(
      notSignedIn,
      on('POST', '/api/admin/login', () => new Promise<Response>((resolve) => (answer = resolve))),
      on('GET', '/api/admin/sites/minopa/consents', () => json(logPage(3, 3, 3))),
    )
    renderApp('/sign-in')
    await screen.findByLabelText('Email')
    fillIn('auditor@example.com', 'correct horse')
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))

    await waitFor(() => expect((screen.getByRole('button', { name: 'Sign in' }) as HTMLButtonElement).disabled).toBe(true))
    answer(json(ME))

    expect(await screen.findByRole('heading', { name: 'Consent log — Minopa' })).toBeTruthy()
    expect(location.pathname).toBe('/sites/minopa/consents')
    expect(screen.getByText('auditor@example.com')).toBeTruthy()
  })

  it("opens an editor's site on its catalogue, with no page of visitors' data in the menu, and refuses the log by address", async () => {
    const editor = { ...ME, user: { id: 3, email: 'editor@example.com' }, sites: [{ id: 'minopa', name: 'Minopa', role: 'editor' as const }] }
    stubApi(
      notSignedIn,
      on('POST', '/api/admin/login', () => json(editor)),
      on('GET', /^\/api\/admin\/sites\/minopa\/catalogue$/, () => json(catalogueFixture())),
    )
    renderApp('/sign-in')
    await screen.findByLabelText('Email')
    fillIn('editor@example.com', 'correct horse')
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))
    expect(await screen.findByRole('heading', { name: 'Catalogue — Minopa' })).toBeTruthy()
    expect(location.pathname).toBe('/sites/minopa/catalogue')
    const menu = screen.getByRole('navigation', { name: 'Main' })
    for (const page of ['Consent log', 'Export', 'Analytics']) expect(within(menu).queryByRole('link', { name: page })).toBeNull()
    expect(within(menu).getByRole('link', { name: 'Catalogue' })).toBeTruthy()
  })

  it("refuses an editor the consent log by its address, and asks the server nothing for it", async () => {
    const editor = { ...ME, sites: [{ id: 'minopa', name: 'Minopa', role: 'editor' as const }] }
    const api = stubApi(on('GET', '/api/admin/me', () => json(editor)))
    renderApp('/sites/minopa/consents')
    expect(await screen.findByRole('heading', { name: 'Not available for your role' })).toBeTruthy()
    expect(api.requests.some((r) => r.url.pathname.includes('/consents'))).toBe(false)
  })

  it('sends the CSRF token when signing out and returns to the sign-in page', async () => {
    const api = stubApi(
      on('GET', '/api/admin/me', () => json(ME)),
      on('GET', '/api/admin/sites/minopa/consents', () => json(logPage(3, 3, 3))),
      on('POST', '/api/admin/logout', () => new Response(null, { status: 204 })),
    )
    renderApp('/sites/minopa/consents')
    fireEvent.click(await screen.findByRole('button', { name: 'Sign out' }))

    expect(await screen.findByRole('heading', { name: 'Sign in to MiniConsent' })).toBeTruthy()
    expect(screen.getByText('You are signed out.')).toBeTruthy()
    const logout = api.requests.find((r) => r.url.pathname === '/api/admin/logout')
    expect(logout?.headers.get('X-CSRF-Token')).toBe('csrf-token-123')
  })

  it('asks to sign in again over the page when the session expires, keeping what was typed into it', async () => {
    let sessionValid = true
    const api = stubApi(
      on('GET', '/api/admin/me', () => json(ME)),
      on('GET', '/api/admin/sites/minopa/consents', (req) => {
        if (!sessionValid) return errorBody(401, 'unauthenticated', 'Your session has expired.')
        return json(req.url.searchParams.get('consentId') ? logPage(9, 1, 1) : logPage(3, 3, 3))
      }),
      on('POST', '/api/admin/login', () => {
        sessionValid = true
        return json(ME)
      }),
    )
    renderApp('/sites/minopa/consents')
    await screen.findByRole('heading', { name: 'Consent log — Minopa' })

    sessionValid = false
    fireEvent.input(screen.getByLabelText('Consent ID'), { target: { value: 'visitor-0009' } })
    fireEvent.click(screen.getByRole('button', { name: 'Search' }))

    const dialog = await screen.findByRole('dialog', { name: 'Your session has ended' })
    // The page is still there behind it, with what was typed.
    expect(screen.getByRole('heading', { name: 'Consent log — Minopa' })).toBeTruthy()
    expect((screen.getByLabelText('Consent ID') as HTMLInputElement).value).toBe('visitor-0009')
    expect((within(dialog).getByLabelText('Email') as HTMLInputElement).value).toBe('auditor@example.com')
    // What it says is kept is kept only for this account: signing in as another starts its pages anew (App's useAccountSwitch).
    // Before, "What you entered on this page is kept: once signed in, save it again.", whoever signed in.
    expect(document.getElementById(dialog.getAttribute('aria-describedby')!)?.textContent).toBe(
      'Sign in again to continue. What you entered on this page is kept if you sign in again as auditor@example.com: once signed in, save it again. Signing in as another account starts its pages anew, without it.',
    )
    fireEvent.input(within(dialog).getByLabelText('Password'), { target: { value: 'correct horse' } })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Sign in' }))
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
    expect(api.requests.filter((r) => r.url.pathname === '/api/admin/login')).toHaveLength(1)
    expect((screen.getByLabelText('Consent ID') as HTMLInputElement).value).toBe('visitor-0009')
    fireEvent.click(screen.getByRole('button', { name: 'Search' }))
    expect(await screen.findByText('visitor-0009', { exact: false })).toBeTruthy()
  })

  it('leaves the page for the sign-in page when someone else is to sign in after the session ended', async () => {
    let sessionValid = true
    stubApi(
      on('GET', '/api/admin/me', () => (sessionValid ? json(ME) : errorBody(401, 'unauthenticated', 'Your session has expired.'))),
      on('GET', '/api/admin/sites/minopa/consents', () => (sessionValid ? json(logPage(3, 3, 3)) : errorBody(401, 'unauthenticated', 'Your session has expired.'))),
    )
    renderApp('/sites/minopa/consents')
    await screen.findByRole('heading', { name: 'Consent log — Minopa' })
    sessionValid = false
    fireEvent.click(screen.getByRole('button', { name: 'Search' }))
    fireEvent.click(await screen.findByRole('button', { name: 'Sign in as someone else (leaves this page)' }))
    expect(await screen.findByRole('heading', { name: 'Sign in to MiniConsent' })).toBeTruthy()
    expect(screen.getByText('Your session has ended. Sign in again to continue.')).toBeTruthy()
    expect(location.pathname + location.search).toBe('/sign-in?next=%2Fsites%2Fminopa%2Fconsents')
  })

  it('says how long the sign-in lock holds, from Retry-After, in minutes', async () => {
    stubApi(
      notSignedIn,
      on('POST', '/api/admin/login', () =>
        new Response(JSON.stringify({ error: { code: 'too_many_attempts', message: 'Too many failed sign-ins; try again later' } }), {
          status: 429,
          headers: { 'Content-Type': 'application/json', 'Retry-After': '841' },
        }),
      ),
    )
    renderApp('/sign-in')
    await screen.findByLabelText('Email')
    fillIn('owner@example.com', 'not-the-password')
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))
    // Before, "try again later": the lock holds up to 15 minutes, and the user was not told how long.
    expect(await screen.findByText('Too many failed sign-ins; try again in 15 minutes')).toBeTruthy()
  })

  it('shows the server’s message of a lock made by sign-ins still being checked, not one of failed sign-ins', async () => {
    const message = 'Too many sign-ins are being checked at once; try again in a second'
    stubApi(
      notSignedIn,
      on('POST', '/api/admin/login', () =>
        new Response(JSON.stringify({ error: { code: 'too_many_attempts', message } }), {
          status: 429,
          headers: { 'Content-Type': 'application/json', 'Retry-After': '1' },
        }),
      ),
    )
    renderApp('/sign-in')
    await screen.findByLabelText('Email')
    fillIn('owner@example.com', 'the-password')
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))
    expect(await screen.findByText(message)).toBeTruthy()
    expect(screen.queryByText(/failed sign-ins/)).toBeNull()
  })
})

describe('another account signed in over a page', () => {
  const B = { ...ME, user: { id: 99, email: 'b@example.com' }, csrfToken: 'csrf-of-b', sites: [{ id: 'minimagic', name: 'MiniMagic', role: 'editor' as const }] }
  const provider = () => screen.getByLabelText('Provider, row 1') as HTMLInputElement

  /** The catalogue's draft saves, each as [CSRF token, provider of row 1]; a save with another token than `token()` is refused, or answered by `refuse`. */
  function catalogueApi(token: () => string, refuse?: () => Response | undefined) {
    const puts: Array<[string | null, string]> = []
    const handler = on('PUT', '/api/admin/sites/minimagic/catalogue/draft', (req) => {
      const refused = refuse?.()
      if (refused) return refused
      const catalogue = (req.body as { catalogue: { entries: Array<{ provider: string }> } }).catalogue
      puts.push([req.headers.get('X-CSRF-Token'), catalogue.entries[0]!.provider])
      if (req.headers.get('X-CSRF-Token') !== token()) return errorBody(403, 'csrf_invalid', 'Missing or wrong X-CSRF-Token header')
      return json({ ...catalogueFixture(), draft: catalogue })
    })
    return { puts, handler, catalogue: on('GET', '/api/admin/sites/minimagic/catalogue', () => json(catalogueFixture())) }
  }

  it('signed in as someone else in another tab: the page starts again as them, says so, and the first account’s edits are never saved as them', async () => {
    let who = ME
    const api = catalogueApi(() => who.csrfToken)
    stubApi(on('GET', '/api/admin/me', () => json(who)), api.catalogue, api.handler)
    renderApp('/sites/minimagic/catalogue')
    await screen.findByRole('heading', { level: 2, name: 'Categories' })
    const saved = provider().value
    fireEvent.input(provider(), { target: { value: 'Typed by A' } })
    // Another tab: B signs in; the browser's cookie is B's now.
    who = B
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))

    const notice = await screen.findByText(/Another account is now signed in/)
    expect(notice.textContent).toBe(
      'Another account is now signed in on this browser: b@example.com, no longer auditor@example.com. What auditor@example.com had not saved was not kept.',
    )
    expect(notice.closest('[role="alert"]')).toBeTruthy()
    expect(screen.getByText('b@example.com', { selector: '.account-email strong' })).toBeTruthy()
    // B's own first page (MiniMagic's catalogue, as an editor), loaded for B: A's text is gone.
    await waitFor(() => expect(location.pathname).toBe('/sites/minimagic/catalogue'))
    await screen.findByRole('heading', { level: 2, name: 'Categories' })
    expect(provider().value).toBe(saved)
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    await new Promise((r) => setTimeout(r, 50))
    // Before, the page kept A's text and the next click saved it with B's token.
    expect(api.puts.filter(([, text]) => text === 'Typed by A')).toEqual([['csrf-token-123', 'Typed by A']])
  })

  it('signed in as someone else in another tab while the first account’s save is on its way: that save is not sent again as them', async () => {
    let who = ME
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const api = catalogueApi(() => who.csrfToken)
    // The first save (A's token) is slow to be answered: it is refused only once the switch is known.
    const slow = on('PUT', '/api/admin/sites/minimagic/catalogue/draft', async (req) => {
      const answer = await api.handler(req)!
      if (req.headers.get('X-CSRF-Token') !== 'csrf-of-b') await held
      return answer
    })
    stubApi(
      on('GET', '/api/admin/me', () => json(who)),
      on('GET', /\/api\/admin\/sites\/minopa\//, () => errorBody(403, 'forbidden', 'Not a member of this site')),
      api.catalogue,
      slow,
    )
    vi.stubGlobal('confirm', () => true)
    renderApp('/sites/minimagic/catalogue')
    await screen.findByRole('heading', { level: 2, name: 'Categories' })
    fireEvent.input(provider(), { target: { value: 'Typed by A' } })
    // Another tab: B signs in just as A clicks Save, which goes with A's token.
    who = B
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    await waitFor(() => expect(api.puts).toHaveLength(1))
    // Meanwhile this tab opens another page, whose read is refused: the session is reloaded, and B found.
    history.pushState(null, '', '/sites/minopa/consents')
    dispatchEvent(new PopStateEvent('popstate'))
    await screen.findByText(/Another account is now signed in/)
    release()
    await new Promise((r) => setTimeout(r, 200))
    // Before, the refused save was sent again with B's token, behind B's pages, which never showed it.
    expect(api.puts).toEqual([['csrf-token-123', 'Typed by A']])
  })

  it('signed in as someone else in the “session ended” dialog, whose home is this very page: it starts again as them and says so', async () => {
    let valid = true
    const api = catalogueApi(() => (valid ? 'csrf-of-b' : ''), () => (valid ? undefined : errorBody(401, 'unauthenticated', 'Sign in first')))
    stubApi(
      on('GET', '/api/admin/me', () => json(ME)),
      on('POST', '/api/admin/login', () => {
        valid = true
        return json(B)
      }),
      api.catalogue,
      api.handler,
    )
    renderApp('/sites/minimagic/catalogue')
    await screen.findByRole('heading', { level: 2, name: 'Categories' })
    const saved = provider().value
    fireEvent.input(provider(), { target: { value: 'Typed by A' } })
    valid = false
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    const dialog = await screen.findByRole('dialog', { name: 'Your session has ended' })
    fireEvent.input(within(dialog).getByLabelText('Email'), { target: { value: 'b@example.com' } })
    fireEvent.input(within(dialog).getByLabelText('Password'), { target: { value: 'b password' } })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Sign in' }))
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())

    expect((await screen.findByText(/Another account is now signed in/)).closest('[role="alert"]')).toBeTruthy()
    expect(location.pathname).toBe('/sites/minimagic/catalogue')
    await screen.findByRole('heading', { level: 2, name: 'Categories' })
    // Before, the page was not started again: A's text stayed, and Save sent it as B.
    expect(provider().value).toBe(saved)
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    await new Promise((r) => setTimeout(r, 50))
    expect(api.puts.filter(([, text]) => text === 'Typed by A')).toEqual([])
  })

  it('the same account signed in again in the dialog keeps the page and what was typed, without a notice', async () => {
    let valid = true
    const api = catalogueApi(() => ME.csrfToken, () => (valid ? undefined : errorBody(401, 'unauthenticated', 'Sign in first')))
    stubApi(
      on('GET', '/api/admin/me', () => json(ME)),
      on('POST', '/api/admin/login', () => {
        valid = true
        return json(ME)
      }),
      api.catalogue,
      api.handler,
    )
    renderApp('/sites/minimagic/catalogue')
    await screen.findByRole('heading', { level: 2, name: 'Categories' })
    fireEvent.input(provider(), { target: { value: 'Typed by A' } })
    valid = false
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    const dialog = await screen.findByRole('dialog', { name: 'Your session has ended' })
    fireEvent.input(within(dialog).getByLabelText('Password'), { target: { value: 'a password' } })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Sign in' }))
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
    expect(provider().value).toBe('Typed by A')
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(await screen.findByText('Draft saved.')).toBeTruthy()
    expect(api.puts).toEqual([['csrf-token-123', 'Typed by A']])
    expect(screen.queryByText(/Another account is now signed in/)).toBeNull()
  })
})
