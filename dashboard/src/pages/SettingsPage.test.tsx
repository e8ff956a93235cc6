import { OWNER_ONLY_SETTINGS, siteSettings, siteSettingsInput, type Role } from '@miniconsent/shared'
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact'
import { describe, expect, it } from 'vitest'
import type { CatalogueState } from '../api-shapes'
import { formatTime } from '../format'
import {
  catalogueFixture,
  errorBody,
  expectFocusStaysOn,
  heldBack,
  json,
  ME,
  meWithRoleOnMiniMagic,
  on,
  pressFromKeyboard,
  renderApp,
  saveAfterRoleLowered,
  serveCatalogueState,
  stubApi,
  withConsentCookie,
  type FakeRequest,
} from '../test-support'

const signedIn = on('GET', '/api/admin/me', () => json(ME))
/** The same account as an editor of MiniMagic. */
const signedInAsEditor = on('GET', '/api/admin/me', () => json({ ...ME, sites: ME.sites.map((s) => (s.id === 'minimagic' ? { ...s, role: 'editor' } : s)) }))
const LOADED_AT = '2025-03-01T09:00:00.000Z'
const SAVED_AT = '2025-03-01T12:00:00.000Z'
const loaded = (): CatalogueState => {
  const state = { ...catalogueFixture(), settingsUpdatedAt: LOADED_AT }
  state.settings = siteSettings.parse({
    ...state.settings,
    regions: { 'US-CA': 'opt-in' },
    documents: { terms: { version: '2025-01', url: 'https://minimagic.example/terms' } },
  })
  return state
}
const serveCatalogue = on('GET', /\/catalogue$/, () => json(loaded()))
/** Answers a PUT as the server does: the settings as saved (less the form's version) and their new version. */
/** The server's answer to a save: what was sent, a null (a removed privacy policy link) left out. */
const savedAs = (req: FakeRequest) => {
  const { baseUpdatedAt: _base, ...settings } = req.body as Record<string, unknown>
  const stored = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== null))
  return json({ settings: { id: 'minimagic', ...stored }, settingsUpdatedAt: SAVED_AT })
}

describe('site settings', () => {
  it('keeps an unsaved edit when the session ended before the save: sign in over the page, save again', async () => {
    let sessionValid = true
    const api = stubApi(
      signedIn,
      serveCatalogue,
      on('PUT', '/api/admin/sites/minimagic/settings', (req) => (sessionValid ? savedAs(req) : errorBody(401, 'unauthenticated', 'Sign in first.'))),
      on('POST', '/api/admin/login', () => {
        sessionValid = true
        return json({ ...ME, csrfToken: 'csrf-token-456' })
      }),
    )
    renderApp('/sites/minimagic/settings')
    const name = (await screen.findByLabelText('Site name')) as HTMLInputElement
    fireEvent.input(name, { target: { value: 'My carefully chosen name' } })
    sessionValid = false
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))

    const dialog = await screen.findByRole('dialog', { name: 'Your session has ended' })
    fireEvent.input(within(dialog).getByLabelText('Password'), { target: { value: 'correct horse' } })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Sign in' }))
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
    // Before, the editor was unmounted for the sign-in page, and the name typed was gone.
    expect((screen.getByLabelText('Site name') as HTMLInputElement).value).toBe('My carefully chosen name')
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(await screen.findByText('Settings saved.')).toBeTruthy()
    const saved = api.requests.filter((r) => r.method === 'PUT').at(-1)!
    expect((saved.body as { name: string }).name).toBe('My carefully chosen name')
    // With the new session's CSRF token.
    expect(saved.headers.get('X-CSRF-Token')).toBe('csrf-token-456')
  })

  it('takes the stale "Sign in first" away once signed in again over the page', async () => {
    let sessionValid = true
    stubApi(
      signedIn,
      serveCatalogue,
      on('PUT', '/api/admin/sites/minimagic/settings', (req) => (sessionValid ? savedAs(req) : errorBody(401, 'unauthenticated', 'Sign in first'))),
      on('POST', '/api/admin/login', () => {
        sessionValid = true
        return json({ ...ME, csrfToken: 'csrf-token-456' })
      }),
    )
    renderApp('/sites/minimagic/settings')
    fireEvent.input(await screen.findByLabelText('Site name'), { target: { value: 'Renamed' } })
    sessionValid = false
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    const dialog = await screen.findByRole('dialog', { name: 'Your session has ended' })
    expect(screen.getByText('Not saved: Sign in first')).toBeTruthy()
    fireEvent.input(within(dialog).getByLabelText('Password'), { target: { value: 'correct horse' } })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Sign in' }))
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
    // Before, the save bar still said "Not saved: Sign in first" after signing in.
    expect(screen.queryByText('Not saved: Sign in first')).toBeNull()
    expect(screen.getByText('Unsaved changes')).toBeTruthy()
    // The save can be made again; a refusal of another kind is still said.
    sessionValid = false
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(await screen.findByText('Not saved: Sign in first')).toBeTruthy()
  })

  it('keeps keyboard focus on Save settings while it saves, and after', async () => {
    const put = heldBack<FakeRequest>()
    const api = stubApi(signedIn, serveCatalogue, on('PUT', '/api/admin/sites/minimagic/settings', async (req) => savedAs(await put.promise.then(() => req))))
    renderApp('/sites/minimagic/settings')
    fireEvent.input(await screen.findByLabelText('Site name'), { target: { value: 'Renamed' } })
    const save = pressFromKeyboard(screen.getByRole('button', { name: 'Save settings' }))
    await screen.findByText('Saving the settings…')
    expect(save.getAttribute('aria-disabled')).toBe('true')
    // Before, the button was disabled while it saved, and focus fell to <body>.
    expectFocusStaysOn(save)
    fireEvent.click(save)
    expect(api.requests.filter((r) => r.method === 'PUT')).toHaveLength(1)
    put.answer(api.requests.find((r) => r.method === 'PUT')!)
    expect(await screen.findByText('Settings saved.')).toBeTruthy()
    expectFocusStaysOn(save)
  })

  it('edits a region override and sends the whole settings back, documents included', async () => {
    const api = stubApi(
      signedIn,
      serveCatalogue,
      on('PUT', '/api/admin/sites/minimagic/settings', savedAs),
    )
    renderApp('/sites/minimagic/settings')
    const firstCode = (await screen.findByLabelText('Region code, row 1')) as HTMLInputElement
    expect(firstCode.value).toBe('US-CA')
    // The built-in default for the typed code is shown next to it.
    expect(screen.getByTestId('region-default-0').textContent).toBe('opt-out')

    fireEvent.click(screen.getByRole('button', { name: 'Add region override' }))
    const code = screen.getByLabelText('Region code, row 2')
    fireEvent.input(code, { target: { value: 'xx-' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(screen.getByText(/use a country code such as/, { selector: '.field-error' })).toBeTruthy()
    expect(api.requests.some((r) => r.method === 'PUT')).toBe(false)

    fireEvent.input(code, { target: { value: 'us' } })
    // A country alone takes the strictest of its states' rules: a visitor whose state is unknown may be in California.
    expect(screen.getByTestId('region-default-1').textContent).toBe('opt-out')
    fireEvent.change(screen.getByLabelText('Mode, row 2'), { target: { value: 'opt-in' } })
    fireEvent.change(screen.getByLabelText('Mode, row 1'), { target: { value: 'opt-out' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(await screen.findByText('Settings saved.')).toBeTruthy()

    const put = api.requests.find((r) => r.method === 'PUT')!
    expect(put.headers.get('X-CSRF-Token')).toBe('csrf-token-123')
    // The retention, unchanged, is left out: a save that sends it confirms it (the server signs it).
    const { id: _id, retentionDays: _retentionDays, ...expected } = loaded().settings
    // With the version loaded, so that a save made meanwhile by someone else is not reverted; no
    // privacy policy link, sent as null, which removes one (left out, the server would keep it).
    expect(put.body).toEqual({ ...expected, regions: { 'US-CA': 'opt-out', US: 'opt-in' }, privacyPolicyUrl: null, baseUpdatedAt: LOADED_AT })
  })

  it('sets Everywhere else, sent as the regions’ `*`, apart from the overrides, and shows it again once loaded', async () => {
    let saved: CatalogueState | undefined
    const api = stubApi(
      signedIn,
      on('GET', /\/catalogue$/, () => json(saved ?? loaded())),
      on('PUT', '/api/admin/sites/minimagic/settings', async (req) => {
        const answer = savedAs(req)
        const { settings, settingsUpdatedAt } = (await answer.clone().json()) as Pick<CatalogueState, 'settings' | 'settingsUpdatedAt'>
        saved = { ...loaded(), settings, settingsUpdatedAt }
        return answer
      }),
    )
    renderApp('/sites/minimagic/settings')
    const everywhere = (await screen.findByLabelText('Everywhere else')) as HTMLSelectElement
    expect(everywhere.value).toBe('')
    fireEvent.change(everywhere, { target: { value: 'opt-in' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(await screen.findByText('Settings saved.')).toBeTruthy()
    expect((api.requests.find((r) => r.method === 'PUT')!.body as { regions: unknown }).regions).toEqual({ 'US-CA': 'opt-in', '*': 'opt-in' })

    cleanup()
    renderApp('/sites/minimagic/settings')
    expect(((await screen.findByLabelText('Everywhere else')) as HTMLSelectElement).value).toBe('opt-in')
    // Not a row of the overrides.
    expect(screen.queryByLabelText('Region code, row 2')).toBeNull()
  })

  it('edits legal documents and the Consent Mode options, each problem shown at its cell', async () => {
    const api = stubApi(
      signedIn,
      serveCatalogue,
      on('PUT', '/api/admin/sites/minimagic/settings', savedAs),
    )
    renderApp('/sites/minimagic/settings')
    expect(((await screen.findByLabelText('Document, row 1')) as HTMLInputElement).value).toBe('terms')
    fireEvent.input(screen.getByLabelText('Version, row 1'), { target: { value: '2025-06' } })

    fireEvent.click(screen.getByRole('button', { name: 'Add legal document' }))
    const type = screen.getByLabelText('Document, row 2')
    const url = screen.getByLabelText('URL, row 2')
    fireEvent.input(type, { target: { value: 'terms' } })
    fireEvent.input(screen.getByLabelText('Version, row 2'), { target: { value: '1' } })
    fireEvent.input(url, { target: { value: 'javascript:alert(1)' } })
    fireEvent.input(screen.getByLabelText('Wait for the visitor’s choice (ms)'), { target: { value: '20000' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(api.requests.some((r) => r.method === 'PUT')).toBe(false)
    const errorOf = (input: HTMLElement) => document.getElementById(`${input.id}-error`)?.textContent
    expect(errorOf(type)).toBe('"terms" is already listed above')
    expect(errorOf(url)).toBe('use an https://, http:// or mailto: address')
    expect(errorOf(screen.getByLabelText('Wait for the visitor’s choice (ms)'))).toMatch(/10000/)

    fireEvent.input(type, { target: { value: 'Privacy Notice' } })
    expect(errorOf(type)).toMatch(/use lower-case letters/)
    fireEvent.input(type, { target: { value: 'privacy' } })
    fireEvent.input(url, { target: { value: 'https://minimagic.example/privacy' } })
    fireEvent.input(screen.getByLabelText('Wait for the visitor’s choice (ms)'), { target: { value: '800' } })
    fireEvent.click(screen.getByLabelText('Redact ad click identifiers while ad storage is denied'))
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(await screen.findByText('Settings saved.')).toBeTruthy()
    expect(api.requests.find((r) => r.method === 'PUT')!.body).toMatchObject({
      documents: {
        terms: { version: '2025-06', url: 'https://minimagic.example/terms' },
        privacy: { version: '1', url: 'https://minimagic.example/privacy' },
      },
      consentModeWaitForUpdate: 800,
      adsDataRedaction: true,
      urlPassthrough: false,
    })
  })

  it('says the problems stand in the way of saving the settings, which are no part of the draft', async () => {
    const api = stubApi(signedIn, serveCatalogue)
    renderApp('/sites/minimagic/settings')
    fireEvent.input(await screen.findByLabelText('URL, row 1'), { target: { value: 'javascript:alert(1)' } })
    fireEvent.input(screen.getByLabelText('Wait for the visitor’s choice (ms)'), { target: { value: '20000' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(api.requests.some((r) => r.method === 'PUT')).toBe(false)
    expect(document.getElementById('settings-issues')?.querySelector('p')?.textContent).toBe('2 problems need fixing before the settings can be saved:')
  })

  it('puts a server issue about a document on that document’s row', async () => {
    stubApi(
      signedIn,
      serveCatalogue,
      on('PUT', '/api/admin/sites/minimagic/settings', () =>
        json({ error: { code: 'validation_failed', message: 'Some fields are not valid', issues: [{ path: 'documents.terms.version', message: 'versions only go up' }] } }, 422),
      ),
    )
    renderApp('/sites/minimagic/settings')
    fireEvent.input(await screen.findByLabelText('Version, row 1'), { target: { value: '2024-01' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    const error = await screen.findByText('versions only go up', { selector: '.field-error' })
    expect(error.id).toBe(`${screen.getByLabelText('Version, row 1').id}-error`)
    expect(screen.getByRole('link', { name: 'Legal document 1: version' })).toBeTruthy()
  })

  it('shows a server issue next to its field and keeps the edits', async () => {
    stubApi(
      signedIn,
      serveCatalogue,
      on('PUT', '/api/admin/sites/minimagic/settings', () =>
        json({ error: { code: 'validation_failed', message: 'Some fields are not valid', issues: [{ path: 'cookieName', message: 'this name is taken by another cookie' }] } }, 422),
      ),
    )
    renderApp('/sites/minimagic/settings')
    const cookieName = (await screen.findByLabelText('Cookie name')) as HTMLInputElement
    fireEvent.input(cookieName, { target: { value: 'session' } })
    fireEvent.input(screen.getByLabelText('Cookie lifetime (days)'), { target: { value: '30' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    const error = await screen.findByText('this name is taken by another cookie', { selector: '.field-error' })
    expect(error.id).toBe(`${cookieName.id}-error`)
    expect(cookieName.getAttribute('aria-invalid')).toBe('true')
    expect(cookieName.value).toBe('session')
    expect((screen.getByLabelText('Cookie lifetime (days)') as HTMLInputElement).value).toBe('30')
    expect(screen.getByText(/Not saved: Some fields are not valid/)).toBeTruthy()
  })

  it('when a save is refused because the role was lowered to auditor meanwhile, says the edit was not kept and shows the saved settings', async () => {
    const open = () => renderApp('/sites/minimagic/settings')
    const name = () => screen.findByLabelText('Site name') as Promise<HTMLInputElement>
    const field = await saveAfterRoleLowered({ savePath: '/api/admin/sites/minimagic/settings', open, field: name, save: 'Save settings', what: 'settings' }, serveCatalogue)
    expect(field.value).toBe('MiniMagic')
  })

  describe('when a save is refused because an owner’s role was lowered to editor meanwhile', () => {
    const saved = loaded().settings
    /** The server's answer to an editor's save: refused as a whole (403) when it changes an owner's setting. */
    const asForEditor = (req: FakeRequest) => {
      const body = req.body as Record<string, unknown>
      // A setting left out keeps its stored value.
      const changed = OWNER_ONLY_SETTINGS.filter((key) => key in body && body[key] !== saved[key])
      if (!changed.length) return savedAs(req)
      const issues = changed.map((path) => ({ path, message: `only an owner can change this (it is ${saved[path]})` }))
      return json({ error: { code: 'owner_only_setting', message: 'Only an owner of the site can change these; the other settings can be saved with the current value', issues } }, 403)
    }
    const retention = () => screen.findByLabelText('Keep consent records for (days)') as Promise<HTMLInputElement>
    const lowered = { savePath: '/api/admin/sites/minimagic/settings', field: retention, value: '400', save: 'Save settings', from: 'owner', to: 'editor', answer: asForEditor } as const

    it('puts the owner’s setting back as saved and read-only, keeps the other changes to save again, and says which were not kept', async () => {
      const field = await saveAfterRoleLowered(
        {
          ...lowered,
          open: async () => {
            renderApp('/sites/minimagic/settings')
            fireEvent.input(await screen.findByLabelText('Cookie name'), { target: { value: 'mm_consent' } })
          },
          notice:
            'Not saved: your role on this site no longer lets you change how long consent records and the audit log are kept, so that change was not kept and the field shows the saved value. Your other changes were not saved either; they are still here for you to save.',
        },
        serveCatalogue,
      )
      // Before, the field turned read-only with the refused 400 in it: every later save was refused, and it could not be put back.
      expect(field.value).toBe('1826')
      expect(field.readOnly).toBe(true)
      expect(screen.getByText(/^Only an owner can change this: it decides when consent records/)).toBeTruthy()
      // The server's refusal is said by the notice now, not beside the field or in the save bar.
      expect(screen.queryByText(/only an owner can change this \(it is/)).toBeNull()
      expect(screen.queryByText(/^Not saved: Only an owner of the site/)).toBeNull()
      expect((screen.getByLabelText('Cookie name') as HTMLInputElement).value).toBe('mm_consent')

      fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
      expect(await screen.findByText('Settings saved.')).toBeTruthy()
      expect(screen.queryByText(/^Not saved: your role/)).toBeNull()
    })

    it('says both owner’s settings were not kept, and nothing else was pending, when only they were changed', async () => {
      const field = await saveAfterRoleLowered(
        {
          ...lowered,
          open: async () => {
            renderApp('/sites/minimagic/settings')
            fireEvent.change(await screen.findByLabelText('IP addresses'), { target: { value: 'none' } })
          },
          notice:
            'Not saved: your role on this site no longer lets you change how long consent records and the audit log are kept or what is stored of visitors’ IP addresses, so those changes were not kept and the fields show the saved values.',
        },
        serveCatalogue,
      )
      expect(field.value).toBe('1826')
      const ip = screen.getByLabelText('IP addresses') as HTMLSelectElement
      expect(ip.value).toBe('truncate')
      expect(ip.disabled).toBe(true)
      expect(screen.queryByText('Unsaved changes')).toBeNull()
      // The refusal's issues and message went with it: focus goes to the notice, not to <body>.
      await waitFor(() => expect(document.activeElement?.textContent).toMatch(/^Not saved: your role/))
    })

    it('says it once when the role was lowered to auditor, with the whole form as saved', async () => {
      const field = await saveAfterRoleLowered(
        {
          ...lowered,
          to: 'auditor',
          answer: () => errorBody(403, 'forbidden', 'You have no access to site "minimagic"'),
          open: async () => {
            renderApp('/sites/minimagic/settings')
            fireEvent.input(await screen.findByLabelText('Cookie name'), { target: { value: 'mm_consent' } })
          },
          what: 'settings',
        },
        serveCatalogue,
      )
      expect(field.value).toBe('1826')
      expect((screen.getByLabelText('Cookie name') as HTMLInputElement).value).toBe('miniconsent')
      expect(screen.getAllByText(/^Not saved: your role/)).toHaveLength(1)
    })
  })

  it('after a save that renames the consent cookie, says how the catalogue declares it and links to the catalogue editor', async () => {
    stubApi(signedIn, serveCatalogueState(() => withConsentCookie(loaded())), on('PUT', '/api/admin/sites/minimagic/settings', savedAs))
    renderApp('/sites/minimagic/settings')
    const save = async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
      await waitFor(() => expect(screen.queryByText('Unsaved changes')).toBeNull())
      await screen.findByText('Settings saved.')
    }
    // Another setting changes nothing the catalogue declares.
    fireEvent.input(await screen.findByLabelText('Site name'), { target: { value: 'MiniMagic AI' } })
    await save()
    expect(screen.queryByText(/The catalogue does not declare the consent cookie/)).toBeNull()

    fireEvent.input(screen.getByLabelText('Cookie name'), { target: { value: 'mm_consent' } })
    await save()
    const note = screen.getByText(
      'The site\'s consent cookie is "mm_consent", kept 182 days (Site settings), but the catalogue declares no cookie of that name in an always-on category; it declares MiniConsent\'s cookie as "miniconsent", expiry 182d.',
    )
    expect(note.closest('[role="status"]')).toBeTruthy()
    expect(note.closest('section')?.getAttribute('aria-labelledby')).toBe('settings-cookie-heading')
    const link = within(note.closest<HTMLElement>('.finding')!).getByRole('link', { name: 'Update the declaration in the catalogue editor' })
    expect(link.getAttribute('href')).toBe('/sites/minimagic/catalogue')
  })

  it('is read-only for an auditor', async () => {
    stubApi(signedIn, serveCatalogue)
    renderApp('/sites/minopa/settings')
    expect(((await screen.findByLabelText('Site name')) as HTMLInputElement).readOnly).toBe(true)
    expect(screen.queryByRole('button', { name: 'Save settings' })).toBeNull()
    expect(screen.queryByRole('button', { name: 'Add region override' })).toBeNull()
  })

  it('shows an editor how long records are kept and what is stored of IPs, read-only with the reason, and saves the rest', async () => {
    const api = stubApi(signedInAsEditor, serveCatalogue, on('PUT', '/api/admin/sites/minimagic/settings', savedAs))
    renderApp('/sites/minimagic/settings')
    const retention = (await screen.findByLabelText('Keep consent records for (days)')) as HTMLInputElement
    const ip = screen.getByLabelText('IP addresses') as HTMLSelectElement
    expect(retention.readOnly).toBe(true)
    expect(ip.disabled).toBe(true)
    const hintOf = (el: HTMLElement) => (el.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' ')
    expect(hintOf(retention)).toMatch(/Only an owner can change this: it decides when consent records and the audit log are erased/)
    expect(hintOf(ip)).toMatch(/Only an owner can change this/)
    // The rest stays editable for an editor.
    const cookieName = screen.getByLabelText('Cookie name') as HTMLInputElement
    expect(cookieName.readOnly).toBe(false)
    expect((screen.getByLabelText('Cookie lifetime (days)') as HTMLInputElement).readOnly).toBe(false)

    fireEvent.input(cookieName, { target: { value: 'mm_consent' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(await screen.findByText('Settings saved.')).toBeTruthy()
    // The owner's values go back unchanged, which the server accepts from an editor; the retention,
    // unchanged, is left out (a save that sends it is taken as its confirmation).
    const body = api.requests.find((r) => r.method === 'PUT')!.body as Record<string, unknown>
    expect(body).toMatchObject({ cookieName: 'mm_consent', ipPolicy: 'truncate' })
    expect(body).not.toHaveProperty('retentionDays')
  })

  it('lets an owner change them', async () => {
    const api = stubApi(signedIn, serveCatalogue, on('PUT', '/api/admin/sites/minimagic/settings', savedAs))
    renderApp('/sites/minimagic/settings')
    const retention = (await screen.findByLabelText('Keep consent records for (days)')) as HTMLInputElement
    expect(retention.readOnly).toBe(false)
    expect((screen.getByLabelText('IP addresses') as HTMLSelectElement).disabled).toBe(false)
    expect(screen.queryByText(/Only an owner can change this/)).toBeNull()
    fireEvent.input(retention, { target: { value: '400' } })
    fireEvent.change(screen.getByLabelText('IP addresses'), { target: { value: 'none' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(await screen.findByText('Settings saved.')).toBeTruthy()
    expect(api.requests.find((r) => r.method === 'PUT')!.body).toMatchObject({ retentionDays: 400, ipPolicy: 'none' })
  })

  it('leaves the retention out of an owner’s save that did not change it, so a retention edited outside MiniConsent is not vouched for', async () => {
    const api = stubApi(signedIn, serveCatalogue, on('PUT', '/api/admin/sites/minimagic/settings', savedAs))
    renderApp('/sites/minimagic/settings')
    fireEvent.input(await screen.findByLabelText('Site name'), { target: { value: 'MiniMagic renamed' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(await screen.findByText('Settings saved.')).toBeTruthy()
    const body = api.requests.find((r) => r.method === 'PUT')!.body as Record<string, unknown>
    expect(body).toMatchObject({ name: 'MiniMagic renamed', ipPolicy: 'truncate' })
    expect(body).not.toHaveProperty('retentionDays')
  })

  it('says when the stored retention is not one the server signed, and lets an owner confirm it', async () => {
    const unsigned = on('GET', /\/catalogue$/, () => json({ ...loaded(), retentionSigned: false }))
    const api = stubApi(signedIn, unsigned, on('PUT', '/api/admin/sites/minimagic/settings', (req) => {
      const { baseUpdatedAt: _base, ...settings } = req.body as Record<string, unknown>
      const stored = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== null))
      return json({ settings: { ...loaded().settings, ...stored }, settingsUpdatedAt: SAVED_AT, retentionSigned: 'retentionDays' in settings })
    }))
    renderApp('/sites/minimagic/settings')
    const notice = await screen.findByText(/may have been edited outside MiniConsent/)
    expect(notice.textContent).toMatch(/purging of this site’s records is paused/)
    const confirm = screen.getByLabelText('Confirm this retention of 1826 days') as HTMLInputElement
    expect(confirm.checked).toBe(false)
    fireEvent.click(confirm)
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(await screen.findByText('Settings saved.')).toBeTruthy()
    expect(api.requests.find((r) => r.method === 'PUT')!.body).toMatchObject({ retentionDays: 1826 })
    await waitFor(() => expect(screen.queryByText(/may have been edited outside MiniConsent/)).toBeNull())
  })

  it('shows an editor the unsigned retention’s notice, without the confirmation only an owner can give', async () => {
    stubApi(signedInAsEditor, on('GET', /\/catalogue$/, () => json({ ...loaded(), retentionSigned: false })))
    renderApp('/sites/minimagic/settings')
    expect((await screen.findByText(/may have been edited outside MiniConsent/)).textContent).toMatch(/an owner of the site can confirm it/)
    expect(screen.queryByLabelText(/Confirm this retention/)).toBeNull()
  })

  it('refuses to overwrite settings saved since the page was loaded, and reloads them on request', async () => {
    // A settings endpoint that refuses a save not based on its current version, as the server does.
    const server = { current: loaded() }
    const puts: Array<Record<string, unknown>> = []
    const api = stubApi(
      signedInAsEditor,
      on('GET', /\/catalogue$/, () => json(server.current)),
      on('PUT', '/api/admin/sites/minimagic/settings', (req) => {
        const body = req.body as Record<string, unknown>
        puts.push(body)
        expect(siteSettingsInput.safeParse(body).success).toBe(true)
        if (body.baseUpdatedAt !== server.current.settingsUpdatedAt) {
          return json({ error: { code: 'settings_conflict', message: `owner@example.com saved the settings at ${server.current.settingsUpdatedAt}, after you opened them: reload to see their changes` } }, 409)
        }
        const { baseUpdatedAt: _base, ...settings } = body
        server.current = { ...server.current, settings: { ...server.current.settings, ...settings } as CatalogueState['settings'], settingsUpdatedAt: new Date(Date.parse(server.current.settingsUpdatedAt!) + 60_000).toISOString() }
        return json({ settings: server.current.settings, settingsUpdatedAt: server.current.settingsUpdatedAt })
      }),
    )
    renderApp('/sites/minimagic/settings')
    const privacy = await screen.findByLabelText('Privacy policy URL')
    // Meanwhile the owner renames the consent cookie in another tab.
    server.current = { ...server.current, settings: { ...server.current.settings, cookieName: 'mm_consent' }, settingsUpdatedAt: '2025-03-01T11:00:00.000Z' }

    fireEvent.input(privacy, { target: { value: 'https://minimagic.example/privacy' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    // In local time, and with no advice to save again, which would be refused the same way.
    const alert = await screen.findByText(
      `Not saved: owner@example.com saved the settings at ${formatTime('2025-03-01T11:00:00.000Z')}, after you opened them: reload to see their changes. Reloading discards your edits here: make them again after it.`,
    )
    expect(alert.closest('[role="alert"]')).toBeTruthy()
    expect(puts).toHaveLength(1)
    expect(puts[0]).toMatchObject({ cookieName: 'miniconsent', baseUpdatedAt: LOADED_AT })
    // The edit is kept until the editor chooses to reload.
    expect((screen.getByLabelText('Privacy policy URL') as HTMLInputElement).value).toBe('https://minimagic.example/privacy')

    fireEvent.click(screen.getByRole('button', { name: 'Reload the settings' }))
    await waitFor(() => expect((screen.getByLabelText('Cookie name') as HTMLInputElement).value).toBe('mm_consent'))
    expect((screen.getByLabelText('Privacy policy URL') as HTMLInputElement).value).toBe('')
    expect(screen.queryByRole('button', { name: 'Reload the settings' })).toBeNull()

    // Made again on top of their change, the save goes through; the next one is based on its answer.
    fireEvent.input(screen.getByLabelText('Privacy policy URL'), { target: { value: 'https://minimagic.example/privacy' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(await screen.findByText('Settings saved.')).toBeTruthy()
    expect(puts[1]).toMatchObject({ cookieName: 'mm_consent', privacyPolicyUrl: 'https://minimagic.example/privacy', baseUpdatedAt: '2025-03-01T11:00:00.000Z' })
    fireEvent.input(screen.getByLabelText('Cookie lifetime (days)'), { target: { value: '90' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    await waitFor(() => expect(puts).toHaveLength(3))
    expect(puts[2]).toMatchObject({ cookieLifetimeDays: 90, baseUpdatedAt: '2025-03-01T11:01:00.000Z' })
    expect(await screen.findByText('Settings saved.')).toBeTruthy()
    expect(api.requests.filter((r) => r.method === 'GET' && r.url.pathname.endsWith('/catalogue'))).toHaveLength(2)
  })
})

describe('deleting a site', () => {
  /** What the Delete dialog says while the settings, and with them whether the retention is signed, are not loaded. */
  const UNCHECKED =
    'Whether its retention period is one the server signed could not be checked: the settings above have not loaded. If it is not, once the site is deleted its audit log is kept, never purged, until the server’s operator vouches for that retention with the command npm run sign-unsigned -- --site minimagic --confirm. To know first, wait for the settings to load, or try loading them again.'

  it('asks the owner to type the site’s id, says why the server refused, then deletes it and opens another site', async () => {
    let deleted = false
    let attempts = 0
    const api = stubApi(
      on('GET', '/api/admin/me', () => json(deleted ? { ...ME, sites: ME.sites.filter((s) => s.id !== 'minimagic') } : ME)),
      serveCatalogue,
      on('DELETE', '/api/admin/sites/minimagic', () => {
        attempts += 1
        if (attempts === 1) return errorBody(409, 'site_has_records', 'This site holds consent records, which are kept for its retention period')
        deleted = true
        return new Response(null, { status: 204 })
      }),
    )
    renderApp('/sites/minimagic/settings')
    fireEvent.click(await screen.findByRole('button', { name: 'Delete this site…' }))
    // Focus moves to the question, and nothing is sent before the id is typed.
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Delete MiniMagic?' })))
    const confirm = screen.getByRole('button', { name: 'Delete for good' }) as HTMLButtonElement
    expect(confirm.disabled).toBe(true)
    fireEvent.input(screen.getByLabelText('Site id'), { target: { value: 'minimagi' } })
    expect(confirm.disabled).toBe(true)
    fireEvent.input(screen.getByLabelText('Site id'), { target: { value: 'minimagic' } })
    expect(confirm.disabled).toBe(false)

    fireEvent.click(confirm)
    expect(await screen.findByText(/^Not deleted: This site holds consent records/)).toBeTruthy()
    expect(screen.getByRole('heading', { name: 'Site settings — MiniMagic' })).toBeTruthy()

    fireEvent.click(screen.getByRole('button', { name: 'Delete for good' }))
    // Gone from the site list; the other site's first page opens.
    await waitFor(() => expect(location.pathname).toBe('/sites/minopa/consents'))
    expect(screen.queryByRole('option', { name: /MiniMagic/ })).toBeNull()
    const sent = api.requests.filter((r) => r.method === 'DELETE')
    expect(sent).toHaveLength(2)
    expect(sent[1]!.headers.get('X-CSRF-Token')).toBe('csrf-token-123')
  })

  it('says the site was not deleted when the owner’s role was lowered meanwhile, and offers it no more', async () => {
    let role: Role = 'owner'
    const api = stubApi(
      meWithRoleOnMiniMagic(() => role),
      serveCatalogue,
      on('DELETE', '/api/admin/sites/minimagic', () => errorBody(403, 'forbidden', 'You have no access to site "minimagic"')),
    )
    renderApp('/sites/minimagic/settings')
    fireEvent.click(await screen.findByRole('button', { name: 'Delete this site…' }))
    fireEvent.input(screen.getByLabelText('Site id'), { target: { value: 'minimagic' } })
    role = 'editor'
    fireEvent.click(screen.getByRole('button', { name: 'Delete for good' }))
    // Before, the section went with the refusal it showed, and nothing said why.
    const notice = await screen.findByText('Not deleted: your role on this site no longer lets you delete it.')
    expect(notice.closest('[role="alert"]')).toBeTruthy()
    await waitFor(() => expect(document.activeElement).toBe(notice))
    expect(screen.queryByRole('heading', { name: 'Delete this site' })).toBeNull()
    expect(screen.queryByText(/no access to site/)).toBeNull()
    expect(api.requests.filter((r) => r.url.pathname === '/api/admin/me')).toHaveLength(2)
  })

  it('says, when the stored retention is not one the server signed, that the audit log will be kept until the operator vouches for it, and not once the owner confirmed it', async () => {
    stubApi(
      signedIn,
      on('GET', /\/catalogue$/, () => json({ ...loaded(), retentionSigned: false })),
      on('PUT', '/api/admin/sites/minimagic/settings', (req) => {
        const { baseUpdatedAt: _base, ...settings } = req.body as Record<string, unknown>
        const stored = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== null))
        return json({ settings: { ...loaded().settings, ...stored }, settingsUpdatedAt: SAVED_AT, retentionSigned: 'retentionDays' in settings })
      }),
    )
    renderApp('/sites/minimagic/settings')
    fireEvent.click(await screen.findByRole('button', { name: 'Delete this site…' }))
    const panel = screen.getByRole('heading', { name: 'Delete MiniMagic?' }).parentElement!
    // Said once the settings are loaded, with what GET …/catalogue answered.
    const warning = await within(panel).findByText(/retention period is not one the server signed/)
    expect(warning.textContent).toBe(
      'Its retention period is not one the server signed (it may have been edited outside MiniConsent, or saved by an older version), so once the site is deleted its audit log is kept, never purged, until the server’s operator vouches for that retention with the command npm run sign-unsigned -- --site minimagic --confirm. To have the log purged by it, confirm the retention in the settings above before deleting the site.',
    )
    // Confirmed and saved: the retention is signed, and the warning goes.
    fireEvent.click(screen.getByLabelText('Confirm this retention of 1826 days'))
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(await screen.findByText('Settings saved.')).toBeTruthy()
    await waitFor(() => expect(screen.queryByText(/retention period is not one the server signed/)).toBeNull())
    expect(screen.getByRole('heading', { name: 'Delete MiniMagic?' })).toBeTruthy()
  })

  it('says, until the settings have loaded, that whether the retention is signed could not be checked; then what they said', async () => {
    for (const retentionSigned of [true, false]) {
      const catalogue = heldBack()
      stubApi(
        signedIn,
        on('GET', /\/catalogue$/, () => catalogue.promise),
      )
      renderApp('/sites/minimagic/settings')
      fireEvent.click(await screen.findByRole('button', { name: 'Delete this site…' }))
      const panel = screen.getByRole('heading', { name: 'Delete MiniMagic?' }).parentElement!
      // Before, nothing was said until the load came: as if the retention were signed.
      expect(within(panel).getByText(/could not be checked/).textContent).toBe(UNCHECKED)
      catalogue.answer(json({ ...loaded(), retentionSigned }))
      await waitFor(() => expect(within(panel).queryByText(/could not be checked/)).toBeNull())
      expect(within(panel).queryByText(/retention period is not one the server signed/) === null, String(retentionSigned)).toBe(retentionSigned)
      cleanup()
    }
  })

  it('says so when the settings failed to load, and still lets the owner delete the site', async () => {
    const api = stubApi(
      signedIn,
      on('GET', /\/catalogue$/, () => errorBody(500, 'internal', 'Internal error')),
      on('DELETE', '/api/admin/sites/minimagic', () => errorBody(409, 'site_has_records', 'This site holds consent records, which are kept for its retention period')),
    )
    renderApp('/sites/minimagic/settings')
    expect(await screen.findByText(/Could not load the site settings/)).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Delete this site…' }))
    const panel = screen.getByRole('heading', { name: 'Delete MiniMagic?' }).parentElement!
    expect(within(panel).getByText(/could not be checked/).textContent).toBe(UNCHECKED)
    fireEvent.input(screen.getByLabelText('Site id'), { target: { value: 'minimagic' } })
    const confirm = screen.getByRole('button', { name: 'Delete for good' }) as HTMLButtonElement
    expect(confirm.disabled).toBe(false)
    fireEvent.click(confirm)
    expect(await screen.findByText(/^Not deleted: This site holds consent records/)).toBeTruthy()
    expect(api.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1)
  })

  it('says nothing of the retention when the server signed it', async () => {
    stubApi(signedIn, serveCatalogue)
    renderApp('/sites/minimagic/settings')
    await screen.findByLabelText('Site name')
    fireEvent.click(await screen.findByRole('button', { name: 'Delete this site…' }))
    expect(screen.getByRole('heading', { name: 'Delete MiniMagic?' })).toBeTruthy()
    expect(screen.queryByText(/retention period is not one the server signed/)).toBeNull()
  })

  it('is offered to owners only', async () => {
    stubApi(signedInAsEditor, serveCatalogue)
    renderApp('/sites/minimagic/settings')
    await screen.findByLabelText('Site name')
    expect(screen.queryByRole('heading', { name: 'Delete this site' })).toBeNull()
    expect(screen.queryByRole('button', { name: 'Delete this site…' })).toBeNull()
  })
})
