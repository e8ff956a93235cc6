import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact'
import { describe, expect, it, vi } from 'vitest'
import type { SaveDraftInput } from '@miniconsent/shared'
import type { CatalogueState } from '../api-shapes'
import { formatTime } from '../format'
import {
  catalogueFixture,
  cookieSettingsChanged,
  draftServer,
  endingSession,
  errorBody,
  expectFocusStaysOn,
  heldBack,
  json,
  ME,
  on,
  pressFromKeyboard,
  renderApp,
  saveAfterRoleLowered,
  serveCatalogueState,
  signInAgainOverPage,
  stubApi,
  withConsentCookie,
} from '../test-support'

const signedIn = on('GET', '/api/admin/me', () => json(ME))

const serveCatalogue = on('GET', /^\/api\/admin\/sites\/[^/]+\/catalogue$/, () => json(catalogueFixture()))

async function openEditor(site = 'minimagic') {
  renderApp(`/sites/${site}/catalogue`)
  await screen.findByRole('heading', { level: 2, name: 'Categories' })
}

/** A draft endpoint over `state` that answers a save with the draft saved, and keeps each body in `saved`. */
function savingDraft(state: () => CatalogueState, saved: unknown[] = []) {
  return on('PUT', '/api/admin/sites/minimagic/catalogue/draft', (req) => {
    saved.push(req.body)
    return json({ ...state(), draft: (req.body as { catalogue: CatalogueState['draft'] }).catalogue, dirty: true })
  })
}

/** The warning of a consent cookie declared otherwise than Site settings say, if it shows. */
const cookieWarning = () => screen.queryByText('The catalogue does not declare the consent cookie as Site settings set it.')?.closest<HTMLElement>('.finding') ?? null

describe('catalogue editor', () => {
  it('loads the catalogue once signed in over the page after its load met an ended session, and reloads nothing that would drop edits', async () => {
    const session = endingSession()
    session.valid = false
    const api = stubApi(
      signedIn,
      session.login,
      on('GET', /^\/api\/admin\/sites\/[^/]+\/catalogue$/, session.unless(() => json(catalogueFixture()))),
      on('PUT', '/api/admin/sites/minimagic/catalogue/draft', session.unless(() => json(catalogueFixture()))),
    )
    renderApp('/sites/minimagic/catalogue')
    expect(await screen.findByText('Could not load the catalogue: Sign in first')).toBeTruthy()
    await signInAgainOverPage()
    // Before, "Could not load the catalogue: Sign in first" stayed after signing in.
    await screen.findByRole('heading', { level: 2, name: 'Categories' })

    fireEvent.click(screen.getByRole('button', { name: 'Add cookie or storage entry' }))
    fireEvent.input(screen.getByLabelText('Name, row 2'), { target: { value: '_pk_id.*' } })
    fireEvent.input(screen.getByLabelText('Provider, row 2'), { target: { value: 'Plausible Insights' } })
    fireEvent.change(screen.getByLabelText('Category, row 2'), { target: { value: 'analytics' } })
    fireEvent.input(screen.getByLabelText('Expiry, row 2'), { target: { value: '13mo' } })
    session.valid = false
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    await signInAgainOverPage()
    // The loaded catalogue is not asked for again: the edit the save could not store is still there to save.
    expect((screen.getByLabelText('Name, row 2') as HTMLInputElement).value).toBe('_pk_id.*')
    expect(screen.getByText('Unsaved changes')).toBeTruthy()
    expect(api.requests.filter((r) => r.method === 'GET' && r.url.pathname.endsWith('/catalogue'))).toHaveLength(2)
  })

  it('adds a cookie, refuses to save an invalid expiry, then saves the draft', async () => {
    const saved: unknown[] = []
    const api = stubApi(signedIn, serveCatalogue, savingDraft(catalogueFixture, saved))
    await openEditor()
    expect(screen.queryByText('Unsaved changes')).toBeNull()

    fireEvent.click(screen.getByRole('button', { name: 'Add cookie or storage entry' }))
    fireEvent.input(screen.getByLabelText('Name, row 2'), { target: { value: '_pk_id.*' } })
    fireEvent.input(screen.getByLabelText('Provider, row 2'), { target: { value: 'Plausible Insights' } })
    fireEvent.change(screen.getByLabelText('Category, row 2'), { target: { value: 'analytics' } })
    fireEvent.input(screen.getByLabelText('Expiry, row 2'), { target: { value: '13 months' } })
    expect(screen.getByText('Unsaved changes')).toBeTruthy()

    const requestsBefore = api.requests.length
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    const expiry = screen.getByLabelText('Expiry, row 2')
    expect(expiry.getAttribute('aria-invalid')).toBe('true')
    const message = document.getElementById(expiry.getAttribute('aria-describedby')!.split(' ')[0]!)
    expect(message?.textContent).toMatch(/duration such as 30d/)
    expect(screen.getByText(/One problem needs fixing/)).toBeTruthy()
    expect(api.requests.length).toBe(requestsBefore)

    fireEvent.input(expiry, { target: { value: '13mo' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(await screen.findByText('Draft saved.')).toBeTruthy()
    const body = saved[0] as { catalogue: CatalogueState['draft'] }
    expect(body.catalogue.entries[1]).toMatchObject({ name: '_pk_id.*', category: 'analytics', expiry: '13mo', kind: 'cookie' })
    expect(api.requests.at(-1)?.headers.get('X-CSRF-Token')).toBe('csrf-token-123')
    expect(screen.queryByText('Unsaved changes')).toBeNull()
  })

  it('starts a new service and cookie in no category and asks in words for what they lack', async () => {
    const api = stubApi(signedIn, serveCatalogue)
    await openEditor()
    fireEvent.click(screen.getByRole('button', { name: 'Add service' }))
    fireEvent.click(screen.getByRole('button', { name: 'Add cookie or storage entry' }))
    // Not `essential`, the first category: always on, it is no default for a tracker.
    const category = screen.getByLabelText('Category', { selector: '#f-services-1-category' }) as HTMLSelectElement
    const entryCategory = screen.getByLabelText('Category, row 2') as HTMLSelectElement
    for (const select of [category, entryCategory]) {
      expect(select.value).toBe('')
      expect(select.options[select.selectedIndex]?.textContent).toBe('Choose a category')
    }

    const requestsBefore = api.requests.length
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(api.requests.length).toBe(requestsBefore)
    const summary = document.getElementById('catalogue-issues')!
    expect([...summary.querySelectorAll('li')].map((li) => li.textContent)).toEqual(
      expect.arrayContaining([
        'Service 2: id: Enter an ID',
        'Service 2: name: Enter a name',
        'Service 2: provider: Enter the provider',
        'Service 2: category: Choose a category',
        'Cookies and storage, row 2: name: Enter the cookie or storage name',
        'Cookies and storage, row 2: category: Choose a category',
        'Cookies and storage, row 2: provider: Enter the provider',
      ]),
    )
    expect(summary.textContent).not.toMatch(/Too small|expected string|>=|no category ""/)
    expect(category.getAttribute('aria-invalid')).toBe('true')
    expect(document.getElementById(category.getAttribute('aria-describedby')!)?.textContent).toBe('Choose a category')

    fireEvent.change(category, { target: { value: 'analytics' } })
    expect(category.getAttribute('aria-invalid')).toBeNull()
    expect([...category.options].map((o) => o.value)).toEqual(['essential', 'analytics'])
  })

  it('refuses a language that is no language tag, and says so at the field', async () => {
    stubApi(signedIn, serveCatalogue)
    await openEditor()
    const add = screen.getByLabelText('Add a language (e.g. de, pt-BR)')
    fireEvent.input(add, { target: { value: 'German' } })
    fireEvent.click(screen.getByRole('button', { name: 'Add language' }))
    expect(add.getAttribute('aria-invalid')).toBe('true')
    expect(document.getElementById(add.getAttribute('aria-describedby')!)?.textContent).toBe('Use a language tag such as "de" or "pt-BR".')
    fireEvent.input(add, { target: { value: 'de' } })
    fireEvent.click(screen.getByRole('button', { name: 'Add language' }))
    expect((screen.getByLabelText('Language of labels, descriptions and purposes') as HTMLSelectElement).value).toBe('de')
    expect(add.getAttribute('aria-invalid')).toBeNull()
    expect(screen.getByLabelText('Label (de)', { selector: '#f-categories-0-label-de' })).toBeTruthy()
  })

  it('adding a language the catalogue has in another case (pt-br beside pt-BR) shows that one, and says so, instead of listing it twice', async () => {
    const state = catalogueFixture()
    state.draft.categories[0]!.label['pt-BR'] = 'Essenciais'
    stubApi(signedIn, on('GET', /^\/api\/admin\/sites\/[^/]+\/catalogue$/, () => json(state)))
    await openEditor()
    const add = screen.getByLabelText('Add a language (e.g. de, pt-BR)')
    fireEvent.input(add, { target: { value: 'pt-br' } })
    fireEvent.click(screen.getByRole('button', { name: 'Add language' }))
    const language = screen.getByLabelText('Language of labels, descriptions and purposes') as HTMLSelectElement
    // Before, pt-br was added beside pt-BR, and a label typed in it was refused only at the save.
    expect(language.value).toBe('pt-BR')
    expect([...language.options].map((o) => o.value)).toEqual(['en', 'pt-BR'])
    expect((screen.getByLabelText('Label (pt-BR)', { selector: '#f-categories-0-label-pt-BR' }) as HTMLInputElement).value).toBe('Essenciais')
    expect(screen.getByText('"pt-br" is the same language as "pt-BR", already listed: showing it.').closest('[role="status"]')).toBeTruthy()
    expect(add.getAttribute('aria-invalid')).toBeNull()
  })

  /** The fixture for a site whose default is `de-CH`, its texts spelt `de-ch` (as an import or the API may store them). */
  function swissSiteSpeltLower(): CatalogueState {
    const state = catalogueFixture()
    state.settings.defaultLanguage = 'de-CH'
    const [essential, analytics] = state.draft.categories
    essential!.label = { 'de-ch': 'Notwendig' }
    essential!.description = { 'de-ch': 'Für den Betrieb nötig.' }
    analytics!.label = { en: 'Analytics' }
    state.draft.services[0]!.purpose = { 'de-ch': 'Zählt Besuche' }
    state.draft.entries[0]!.purpose = { 'de-ch': 'Hält Sie angemeldet' }
    return state
  }

  it('shows and edits the labels, descriptions and purposes in the site’s default language however their keys spell its case (de-ch for de-CH), and lists the language once', async () => {
    const saved: unknown[] = []
    stubApi(signedIn, serveCatalogueState(swissSiteSpeltLower), savingDraft(swissSiteSpeltLower, saved))
    await openEditor()
    const language = screen.getByLabelText('Language of labels, descriptions and purposes') as HTMLSelectElement
    // Before, de-CH and de-ch were both listed.
    expect([...language.options].map((o) => o.value)).toEqual(['de-CH', 'en'])
    expect(language.value).toBe('de-CH')
    const [essentialLabel, analyticsLabel] = screen.getAllByLabelText('Label (de-CH)') as HTMLInputElement[]
    // Before, these fields were empty, the site's own text greyed out in them.
    expect([essentialLabel!.value, essentialLabel!.placeholder]).toEqual(['Notwendig', ''])
    expect(essentialLabel!.lang).toBe('de-ch')
    expect((screen.getAllByLabelText('Description (de-CH)')[0] as HTMLInputElement).value).toBe('Für den Betrieb nötig.')
    const purpose = screen.getByLabelText('Purpose (de-CH)') as HTMLInputElement
    expect([purpose.value, purpose.placeholder]).toEqual(['Zählt Besuche', ''])
    expect((screen.getByLabelText('Purpose (de-CH), row 1') as HTMLInputElement).value).toBe('Hält Sie angemeldet')
    expect(screen.queryByText('Fields not yet translated show, greyed out, the text visitors in this language read instead.')).toBeNull()
    // A category's name in the lists of categories is its label in the language too.
    const category = screen.getByLabelText('Category', { selector: '#f-services-0-category' }) as HTMLSelectElement
    expect([...category.options].map((o) => o.textContent)).toEqual(['Notwendig', 'analytics'])

    fireEvent.input(essentialLabel!, { target: { value: 'Unverzichtbar' } })
    fireEvent.input(purpose, { target: { value: 'Zählt Besuche ohne Cookies' } })
    // A text with none in the language gets it as the picker spells it.
    fireEvent.input(analyticsLabel!, { target: { value: 'Statistik' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    // Before, the texts went to a second key, de-CH, beside de-ch, which the save refused.
    expect(await screen.findByText('Draft saved.')).toBeTruthy()
    const body = saved[0] as { catalogue: CatalogueState['draft'] }
    expect(body.catalogue.categories.map((c) => c.label)).toEqual([{ 'de-ch': 'Unverzichtbar' }, { en: 'Analytics', 'de-CH': 'Statistik' }])
    expect(body.catalogue.services[0]!.purpose).toEqual({ 'de-ch': 'Zählt Besuche ohne Cookies' })
    expect([...language.options].map((o) => o.value)).toEqual(['de-CH', 'en'])
  })

  it('greys out the site’s default-language text however its key spells its case, in a language without one', async () => {
    stubApi(signedIn, serveCatalogueState(swissSiteSpeltLower))
    await openEditor()
    fireEvent.change(screen.getByLabelText('Language of labels, descriptions and purposes'), { target: { value: 'en' } })
    const [essentialLabel] = screen.getAllByLabelText('Label (en)') as HTMLInputElement[]
    expect([essentialLabel!.value, essentialLabel!.placeholder]).toEqual(['', 'Notwendig'])
    expect((screen.getByLabelText('Purpose (en)') as HTMLInputElement).placeholder).toBe('Zählt Besuche')
  })

  it('lists a language twice only where one text has it in both spellings, so that one can be emptied', async () => {
    const state = catalogueFixture()
    state.draft.categories[0]!.label = { en: 'Essential', 'pt-BR': 'Essenciais', 'pt-br': 'Necessários' }
    state.draft.services[0]!.purpose = { en: 'Counts visits', 'pt-br': 'Conta visitas' }
    stubApi(signedIn, serveCatalogueState(() => state))
    await openEditor()
    const language = screen.getByLabelText('Language of labels, descriptions and purposes') as HTMLSelectElement
    expect([...language.options].map((o) => o.value)).toEqual(['en', 'pt-BR', 'pt-br'])
    fireEvent.change(language, { target: { value: 'pt-br' } })
    const label = screen.getAllByLabelText('Label (pt-br)')[0] as HTMLInputElement
    expect(label.value).toBe('Necessários')
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    // The save's problem shows at the field of the second spelling.
    expect(document.getElementById(label.getAttribute('aria-describedby')!.split(' ')[0]!)?.textContent).toBe('"pt-BR" and "pt-br" are the same language: keep one of them')
    fireEvent.input(label, { target: { value: '' } })
    // Emptied, the language is listed once, and each text shows its spelling of it.
    expect([...language.options].map((o) => o.value)).toEqual(['en', 'pt-BR'])
    expect(language.value).toBe('pt-BR')
    expect((screen.getAllByLabelText('Label (pt-BR)')[0] as HTMLInputElement).value).toBe('Essenciais')
    expect((screen.getByLabelText('Purpose (pt-BR)') as HTMLInputElement).value).toBe('Conta visitas')
  })

  it('asks for a nameless category’s name at its label field when the label spells the language in another case (de-ch for de-CH)', async () => {
    const state = catalogueFixture()
    state.settings.defaultLanguage = 'de-CH'
    state.draft.categories[0]!.label = { 'de-ch': 'Notwendig' }
    const api = stubApi(signedIn, serveCatalogueState(() => state))
    await openEditor()
    const label = screen.getAllByLabelText('Label (de-CH)')[0] as HTMLInputElement
    fireEvent.input(label, { target: { value: '   ' } })
    fireEvent.blur(label)
    const requestsBefore = api.requests.length
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(api.requests.length).toBe(requestsBefore)
    const message = 'Enter a name for the category "essential" in at least one language: visitors see it on its switch'
    // Before, the problem went to `categories.0.label.de-CH`, a field that does not exist: this one stayed unmarked.
    expect(label.getAttribute('aria-invalid')).toBe('true')
    expect(document.getElementById(label.getAttribute('aria-describedby')!)?.textContent).toBe(message)
    const link = within(document.getElementById('catalogue-issues')!).getByRole('link', { name: 'Category 1 (essential): label de-ch' })
    expect(link.getAttribute('href')).toBe(`#${label.id}`)
    fireEvent.click(link)
    expect(document.activeElement).toBe(label)
  })

  it('names a problem of the site texts in words, with the page that fixes it, and lists their language once', async () => {
    // Texts stored before one spelling per language was required: the server refuses the whole draft until they are fixed.
    const state = catalogueFixture()
    state.draft.texts = { 'pt-BR': { bannerTitle: 'Usamos cookies' }, 'pt-br': { acceptAll: 'Aceitar' } }
    const api = stubApi(signedIn, serveCatalogueState(() => state))
    await openEditor()
    // Before, pt-BR and pt-br were both listed, though no label, description or purpose has either.
    const language = screen.getByLabelText('Language of labels, descriptions and purposes') as HTMLSelectElement
    expect([...language.options].map((o) => o.value)).toEqual(['en', 'pt-BR'])
    fireEvent.input(screen.getByLabelText('Provider, row 1'), { target: { value: 'MiniMagic Ltd' } })
    const requestsBefore = api.requests.length
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(api.requests.length).toBe(requestsBefore)
    const summary = document.getElementById('catalogue-issues')!
    // Before, "texts.pt-br: …", a link to nothing on this page.
    expect([...summary.querySelectorAll('li')].map((li) => li.textContent)).toEqual([
      'Texts in pt-br — fix it on Texts & appearance: "pt-BR" and "pt-br" are the same language: keep one of them',
    ])
    expect(within(summary).getByRole('link').getAttribute('href')).toBe('/sites/minimagic/texts')
  })

  // The server names a draft save's issues by their path in its body, `{ catalogue, baseUpdatedAt }`.
  it('shows the server’s field issues next to the field and keeps the edits', async () => {
    stubApi(
      signedIn,
      serveCatalogue,
      on('PUT', '/api/admin/sites/minimagic/catalogue/draft', () =>
        json(
          { error: { code: 'invalid', message: 'The catalogue is not valid.', issues: [{ path: 'catalogue.entries.0.domain', message: 'not a domain of this site' }] } },
          422,
        ),
      ),
    )
    await openEditor()
    fireEvent.input(screen.getByLabelText('Domain, row 1'), { target: { value: 'elsewhere.example' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(await screen.findByText(/The draft was not saved: The catalogue is not valid/)).toBeTruthy()
    const domain = screen.getByLabelText('Domain, row 1') as HTMLInputElement
    expect(domain.value).toBe('elsewhere.example')
    expect(domain.getAttribute('aria-invalid')).toBe('true')
    expect(within(domain.parentElement!).getByText('not a domain of this site')).toBeTruthy()
    expect(screen.getByText('Unsaved changes')).toBeTruthy()
  })

  it('names a problem of a whole list by the list, not by a row', async () => {
    const message = 'the "essential" category is missing: every catalogue has it, always on (required), for what the site needs to work'
    stubApi(
      signedIn,
      serveCatalogue,
      on('PUT', '/api/admin/sites/minimagic/catalogue/draft', () => json({ error: { code: 'invalid', message: 'The catalogue is not valid.', issues: [{ path: 'catalogue.categories', message }] } }, 422)),
    )
    await openEditor()
    fireEvent.input(screen.getByLabelText('Domain, row 1'), { target: { value: 'minimagic.example' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    await screen.findByText(/The draft was not saved/)
    const summary = document.getElementById('catalogue-issues')!
    expect(summary.textContent).toContain(`Categories`)
    expect(summary.textContent).toContain(message)
    expect(summary.textContent).not.toContain('NaN')
  })

  it('reorders categories with buttons and asks before leaving with unsaved changes', async () => {
    stubApi(signedIn, serveCatalogue, on('GET', /consents$/, () => json({ records: [], nextBefore: null, total: 0 })))
    await openEditor()
    fireEvent.click(screen.getByRole('button', { name: /Move down.*Essential/ }))
    const legends = [...document.querySelectorAll('.card-list legend.card-title')].map((l) => l.textContent)
    expect(legends.slice(0, 2)).toEqual(['Category 1: Analytics', 'Category 2: Essential'])

    const confirm = vi.fn(() => false)
    vi.stubGlobal('confirm', confirm)
    const nav = screen.getByRole('navigation', { name: 'Main' })
    fireEvent.click(within(nav).getByRole('link', { name: 'Consent log' }))
    expect(confirm).toHaveBeenCalled()
    expect(location.pathname).toBe('/sites/minimagic/catalogue')

    confirm.mockReturnValue(true as false)
    fireEvent.click(within(nav).getByRole('link', { name: 'Consent log' }))
    await waitFor(() => expect(location.pathname).toBe('/sites/minimagic/consents'))
  })

  it('keeps focus on a moved category and says where it went; after a removal, focus goes to the add button, never to the next item', async () => {
    stubApi(signedIn, serveCatalogue)
    await openEditor()
    const down = screen.getByRole('button', { name: /Move down.*Essential/ })
    down.focus()
    fireEvent.click(down)
    // Essential is last now: its Move down is disabled, so focus is on its Move up.
    await waitFor(() => expect(document.activeElement?.textContent).toBe('Move up: Essential'))
    await waitFor(() => expect(document.querySelector('[aria-live="polite"]')?.textContent).toBe('Moved Essential to position 2 of 2'))

    const remove = screen.getByRole('button', { name: /Remove.*session/ })
    remove.focus()
    fireEvent.click(remove)
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Add cookie or storage entry' })))
    await waitFor(() => expect(document.querySelector('[aria-live="polite"]')?.textContent).toBe('Removed session'))
  })

  it("carries a category's new id to its services and cookies once its field is left, never into a category whose id it passed through, and says what a removal leaves without one", async () => {
    const state = () => {
      const s = catalogueFixture()
      s.draft.categories.push({ id: 'marketing', required: false, label: { en: 'Marketing' }, description: {}, consentMode: [] })
      s.draft.entries.push({ name: '_pk_id.*', kind: 'cookie', category: 'analytics', provider: 'Plausible', purpose: {}, expiry: '13mo' })
      return s
    }
    const saved: unknown[] = []
    stubApi(signedIn, serveCatalogueState(state), savingDraft(state, saved))
    await openEditor()
    const confirm = vi.fn(() => false)
    vi.stubGlobal('confirm', confirm)
    fireEvent.click(screen.getByRole('button', { name: /Remove.*category.*Analytics/ }))
    expect(confirm).toHaveBeenCalledWith('Remove the category "Analytics"? 1 service and 1 cookie or storage entry are in it and will need another category.')

    // Typed key by key, through "marketing", another category's id, on to "marketing-eu".
    const id = screen.getByLabelText('ID', { selector: '#f-categories-1-id' })
    fireEvent.focus(id)
    for (const value of ['', 'm', 'marketing', 'marketing-', 'marketing-eu']) fireEvent.input(id, { target: { value } })
    fireEvent.blur(id)
    expect((screen.getByLabelText('Category', { selector: '#f-services-0-category' }) as HTMLSelectElement).value).toBe('marketing-eu')
    expect((screen.getByLabelText('Category, row 2') as HTMLSelectElement).value).toBe('marketing-eu')
    // Renamed to another category's id: nothing follows (the duplicate id is refused on saving).
    fireEvent.focus(id)
    fireEvent.input(id, { target: { value: 'marketing' } })
    fireEvent.blur(id)
    expect((screen.getByLabelText('Category', { selector: '#f-services-0-category' }) as HTMLSelectElement).value).toBe('marketing-eu')
    fireEvent.focus(id)
    fireEvent.input(id, { target: { value: 'marketing-eu' } })
    fireEvent.blur(id)

    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    await screen.findByText('Draft saved.')
    const body = saved[0] as { catalogue: CatalogueState['draft'] }
    expect(body.catalogue.categories.map((c) => c.id)).toEqual(['essential', 'marketing-eu', 'marketing'])
    expect(body.catalogue.services[0]?.category).toBe('marketing-eu')
    expect(body.catalogue.entries.map((e) => e.category)).toEqual(['essential', 'marketing-eu'])
  })

  it('shows, greyed out in an untranslated field, what visitors in that language read instead', async () => {
    stubApi(signedIn, serveCatalogue)
    await openEditor()
    const add = screen.getByLabelText('Add a language (e.g. de, pt-BR)')
    fireEvent.input(add, { target: { value: 'de' } })
    fireEvent.click(screen.getByRole('button', { name: 'Add language' }))
    expect(screen.getByText('Fields not yet translated show, greyed out, the text visitors in this language read instead.')).toBeTruthy()
    const label = screen.getByLabelText('Label (de)', { selector: '#f-categories-0-label-de' }) as HTMLInputElement
    expect(label.value).toBe('')
    expect(label.placeholder).toBe('Essential')
    expect((screen.getByLabelText('Purpose (de)', { selector: '#f-services-0-purpose-de' }) as HTMLInputElement).placeholder).toBe('Counts visits')
    fireEvent.input(label, { target: { value: 'Notwendig' } })
    expect(label.placeholder).toBe('')
  })

  it('takes a stored empty text for the field not yet translated it looks like, so the draft saves; a blank one is named at its field', async () => {
    // As a draft stored before blank texts were refused (or sent through the API) may hold them.
    const state = catalogueFixture()
    state.draft.categories[1]!.label = { en: 'Analytics', de: 'Statistik' }
    state.draft.services[0]!.purpose = { en: 'Counts visits', de: '' }
    const saved: unknown[] = []
    stubApi(signedIn, serveCatalogueState(() => state), savingDraft(() => state, saved))
    await openEditor()
    // Opened as it is stored: nothing to save yet.
    expect(screen.queryByText('Unsaved changes')).toBeNull()
    fireEvent.change(screen.getByLabelText('Language of labels, descriptions and purposes'), { target: { value: 'de' } })
    const de = screen.getByLabelText('Purpose (de)', { selector: '#f-services-0-purpose-de' }) as HTMLInputElement
    expect(de.value).toBe('')
    expect(de.placeholder).toBe('Counts visits')
    fireEvent.input(screen.getByLabelText('Label (de)', { selector: '#f-categories-1-label-de' }), { target: { value: 'Statistiken' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(await screen.findByText('Draft saved.')).toBeTruthy()
    expect((saved[0] as SaveDraftInput).catalogue.services?.[0]?.purpose).toEqual({ en: 'Counts visits' })

    // White space is no empty field: it shows as it is, and the save names it there.
    cleanup()
    state.draft.services[0]!.purpose = { en: 'Counts visits', de: ' ' }
    saved.length = 0
    await openEditor()
    fireEvent.change(screen.getByLabelText('Language of labels, descriptions and purposes'), { target: { value: 'de' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    const blank = screen.getByLabelText('Purpose (de)', { selector: '#f-services-0-purpose-de' }) as HTMLInputElement
    expect(blank.value).toBe(' ')
    expect(blank.getAttribute('aria-invalid')).toBe('true')
    expect(saved).toEqual([])
  })

  it('asks before signing out with unsaved changes', async () => {
    const api = stubApi(signedIn, serveCatalogue, on('POST', '/api/admin/logout', () => new Response(null, { status: 204 })))
    await openEditor()
    fireEvent.input(screen.getByLabelText('Name', { selector: '#f-services-0-name' }), { target: { value: 'Plausible Analytics' } })

    const confirm = vi.fn(() => false)
    vi.stubGlobal('confirm', confirm)
    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }))
    expect(confirm).toHaveBeenCalledWith('You have unsaved changes. Leave this page and lose them?')
    expect(api.requests.some((r) => r.url.pathname === '/api/admin/logout')).toBe(false)
    expect((screen.getByLabelText('Name', { selector: '#f-services-0-name' }) as HTMLInputElement).value).toBe('Plausible Analytics')

    confirm.mockReturnValue(true as false)
    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }))
    expect(await screen.findByRole('heading', { name: 'Sign in to MiniConsent' })).toBeTruthy()
  })

  it('asks at its label field for the name of a new category, as for a service, and the problem list\'s link focuses it', async () => {
    const saved: unknown[] = []
    const api = stubApi(signedIn, serveCatalogue, savingDraft(catalogueFixture, saved))
    await openEditor()
    fireEvent.click(screen.getByRole('button', { name: 'Add category' }))
    fireEvent.input(screen.getByLabelText('ID', { selector: '#f-categories-2-id' }), { target: { value: 'marketing' } })
    const label = screen.getByLabelText('Label (en)', { selector: '#f-categories-2-label-en' }) as HTMLInputElement
    fireEvent.input(label, { target: { value: '   ' } })
    const requestsBefore = api.requests.length
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(api.requests.length).toBe(requestsBefore)
    const message = 'Enter a name for the category "marketing" in at least one language: visitors see it on its switch'
    expect(label.getAttribute('aria-invalid')).toBe('true')
    expect(document.getElementById(label.getAttribute('aria-describedby')!)?.textContent).toBe(message)
    const summary = within(document.getElementById('catalogue-issues')!)
    const link = summary.getByRole('link', { name: 'Category 3 (marketing): label en' })
    expect(link.closest('li')?.textContent).toBe(`Category 3 (marketing): label en: ${message}`)
    fireEvent.click(link)
    expect(document.activeElement).toBe(label)

    fireEvent.input(label, { target: { value: 'Marketing' } })
    expect(label.getAttribute('aria-invalid')).toBeNull()
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(await screen.findByText('Draft saved.')).toBeTruthy()
    expect((saved[0] as { catalogue: CatalogueState['draft'] }).catalogue.categories[2]).toMatchObject({ id: 'marketing', label: { en: 'Marketing' } })
  })

  it("shows a category's Consent Mode and Required problems at their fields, and the problem list's links focus them without leaving the page", async () => {
    const api = stubApi(signedIn, serveCatalogue)
    await openEditor()
    const group = screen.getByRole('group', { name: 'Google Consent Mode types granted with Essential' })
    fireEvent.click(within(group).getByLabelText('ad_storage'))
    const requestsBefore = api.requests.length
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(api.requests.length).toBe(requestsBefore)
    expect(within(group).getByText(/cannot grant "ad_storage"/)).toBeTruthy()
    expect(document.getElementById(group.getAttribute('aria-describedby')!)?.textContent).toMatch(/cannot grant "ad_storage"/)
    const href = location.href
    const summary = () => within(document.getElementById('catalogue-issues')!)
    fireEvent.click(summary().getByRole('link', { name: /consentMode/ }))
    expect(document.activeElement).toBe(group)
    expect(location.href).toBe(href)

    fireEvent.click(within(group).getByLabelText('ad_storage'))
    const required = screen.getByLabelText('Required (always on)', { selector: '#f-categories-0-required' })
    fireEvent.click(required)
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(api.requests.length).toBe(requestsBefore)
    expect(required.getAttribute('aria-invalid')).toBe('true')
    expect(document.getElementById(required.getAttribute('aria-describedby')!)?.textContent).toMatch(/always on and cannot be switched off/)
    fireEvent.click(summary().getByRole('link', { name: /required/ }))
    expect(document.activeElement).toBe(required)
    expect(location.href).toBe(href)
  })

  it('maps a category to Google Consent Mode types', async () => {
    const saved: unknown[] = []
    stubApi(signedIn, serveCatalogue, savingDraft(catalogueFixture, saved))
    await openEditor()
    const group = screen.getByRole('group', { name: 'Google Consent Mode types granted with Analytics' })
    fireEvent.click(within(group).getByLabelText('analytics_storage'))
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    await screen.findByText('Draft saved.')
    const body = saved[0] as { catalogue: CatalogueState['draft'] }
    expect(body.catalogue.categories[1]?.consentMode).toEqual(['analytics_storage'])
  })

  it('when someone saved meanwhile, shows both sides’ changes and merges them with a choice per clashing field', async () => {
    const theirs = (): CatalogueState => {
      const state = catalogueFixture()
      state.draftUpdatedAt = '2025-03-01T11:00:00.000Z'
      state.draftUpdatedBy = 'editor@example.com'
      state.draft.services[0]!.name = 'Plausible (EU)'
      state.draft.categories[1]!.description = { en: 'Counts visits without cookies' }
      return state
    }
    const server = draftServer()
    const puts = server.puts
    await openEditor()
    fireEvent.input(screen.getByLabelText('Name', { selector: '#f-services-0-name' }), { target: { value: 'Plausible Analytics' } })
    fireEvent.input(screen.getByLabelText('Label (en)', { selector: '#f-categories-0-label-en' }), { target: { value: 'Strictly necessary' } })
    server.current = theirs()
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))

    const panel = await screen.findByRole('region', { name: /editor@example.com saved the draft at/ })
    expect(puts[0]!.baseUpdatedAt).toBe('2025-03-01T10:00:00.000Z')
    expect(within(panel).getByRole('region', { name: 'Their changes' }).textContent).toContain('categories[analytics].description.en: added “Counts visits without cookies”')
    expect(within(panel).getByRole('region', { name: 'Your changes' }).textContent).toContain('categories[essential].label.en: “Essential” → “Strictly necessary”')
    const clash = within(panel).getByRole('group', { name: 'services[plausible].name' })
    fireEvent.click(within(clash).getByLabelText('Theirs: “Plausible (EU)”'))
    fireEvent.click(within(panel).getByRole('button', { name: 'Merge into the editor' }))

    expect(screen.queryByRole('region', { name: /saved the draft at/ })).toBeNull()
    expect(screen.getByText('Merged with their draft: check it, then save the draft.')).toBeTruthy()
    expect((screen.getByLabelText('Name', { selector: '#f-services-0-name' }) as HTMLInputElement).value).toBe('Plausible (EU)')
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(await screen.findByText('Draft saved.')).toBeTruthy()
    // Saved over their version, with both sides' changes.
    expect(puts[1]!.baseUpdatedAt).toBe('2025-03-01T11:00:00.000Z')
    expect(puts[1]!.catalogue.categories.map((c) => [c.label.en, c.description.en])).toEqual([
      ['Strictly necessary', 'Needed to run the site.'],
      ['Analytics', 'Counts visits without cookies'],
    ])
    expect(puts[1]!.catalogue.services[0]!.name).toBe('Plausible (EU)')
  })

  it('after a conflict, can keep their draft or overwrite it with mine', async () => {
    const server = draftServer()
    const puts = server.puts
    await openEditor()
    const name = () => screen.getByLabelText('Name', { selector: '#f-services-0-name' }) as HTMLInputElement
    fireEvent.input(name(), { target: { value: 'Mine' } })
    server.current = { ...catalogueFixture(), draftUpdatedAt: '2025-03-01T11:00:00.000Z' }
    server.current.draft.services[0]!.name = 'Theirs'
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    fireEvent.click(await screen.findByRole('button', { name: 'Keep theirs, discard mine' }))
    expect(name().value).toBe('Theirs')
    expect(screen.queryByText('Unsaved changes')).toBeNull()

    fireEvent.input(name(), { target: { value: 'Mine again' } })
    server.current = { ...server.current, draftUpdatedAt: '2025-03-01T11:30:00.000Z' }
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    fireEvent.click(await screen.findByRole('button', { name: 'Overwrite with mine' }))
    expect(await screen.findByText('Draft saved.')).toBeTruthy()
    expect(puts.at(-1)).toMatchObject({ baseUpdatedAt: '2025-03-01T11:30:00.000Z' })
    expect(puts.at(-1)!.catalogue.services[0]!.name).toBe('Mine again')
  })

  it('imports over the draft it opened only: a draft saved since is kept and the importer told', async () => {
    const imports: URL[] = []
    stubApi(
      signedIn,
      serveCatalogue,
      on('POST', '/api/admin/sites/minimagic/catalogue/import', (req) => {
        imports.push(req.url)
        return json({ error: { code: 'draft_conflict', message: 'editor@example.com saved the draft at 2025-03-01T11:00:00.000Z, after you opened it: reload to see their changes' } }, 409)
      }),
    )
    await openEditor()
    const file = new File([JSON.stringify(catalogueFixture().draft)], 'catalogue.json', { type: 'application/json' })
    fireEvent.change(screen.getByLabelText('Import a JSON or CSV file (replaces the draft)'), { target: { files: [file] } })
    expect(await screen.findByText(`catalogue.json was not imported, and the draft is as they left it: editor@example.com saved the draft at ${formatTime('2025-03-01T11:00:00.000Z')}, after you opened it: reload to see their changes`)).toBeTruthy()
    expect(imports).toHaveLength(1)
    expect(Object.fromEntries(imports[0]!.searchParams)).toEqual({ format: 'json', baseUpdatedAt: catalogueFixture().draftUpdatedAt })
  })

  it("says each problem of a refused import once: the server's message names the first", async () => {
    stubApi(
      signedIn,
      serveCatalogue,
      on('POST', /\/catalogue\/import/, () =>
        json({ error: { code: 'invalid', message: 'categories: expected array', issues: [{ path: 'categories', message: 'expected array' }, { path: 'services', message: 'expected array' }] } }, 422),
      ),
    )
    await openEditor()
    const input = screen.getByLabelText('Import a JSON or CSV file (replaces the draft)') as HTMLInputElement
    fireEvent.change(input, { target: { files: [new File(['{"categories":1}'], 'bad.json', { type: 'application/json' })] } })
    expect(await screen.findByText('Could not import bad.json: categories: expected array services: expected array')).toBeTruthy()
  })

  it('imports a CSV only as UTF-8: a file in another encoding is not sent, and the importer is told to save it as UTF-8', async () => {
    const imports: string[] = []
    stubApi(
      signedIn,
      serveCatalogue,
      on('POST', '/api/admin/sites/minimagic/catalogue/import', (req) => {
        imports.push(req.body as string)
        return json(catalogueFixture())
      }),
    )
    await openEditor()
    const input = () => screen.getByLabelText('Import a JSON or CSV file (replaces the draft)')
    // "Sécurité" as a spreadsheet saves it in Windows-1252: é is the one byte 0xE9.
    const latin1 = new File([new Uint8Array([...new TextEncoder().encode('category,name,purpose_fr\nessential,session,S'), 0xe9, ...new TextEncoder().encode('curit'), 0xe9, 0x0a])], 'cookies.csv', { type: 'text/csv' })
    fireEvent.change(input(), { target: { files: [latin1] } })
    expect(await screen.findByText('Could not import cookies.csv: the file is not UTF-8 text. Save it again as UTF-8 (in a spreadsheet: "CSV UTF-8"), then import it')).toBeTruthy()
    expect(imports).toEqual([])
    // The same table in UTF-8 is sent as it is.
    fireEvent.change(input(), { target: { files: [new File(['category,name,purpose_fr\nessential,session,Sécurité\n'], 'cookies.csv', { type: 'text/csv' })] } })
    await waitFor(() => expect(imports).toEqual(['category,name,purpose_fr\nessential,session,Sécurité\n']))
  })

  it('when a save is refused because the role was lowered to auditor meanwhile, says the edit was not kept and shows the saved draft', async () => {
    const name = () => screen.getByLabelText('Name', { selector: '#f-services-0-name' }) as HTMLInputElement
    await saveAfterRoleLowered({ savePath: '/api/admin/sites/minimagic/catalogue/draft', open: openEditor, field: name, save: 'Save draft', what: 'draft' }, serveCatalogue)
    expect(name().value).toBe('Plausible')
    expect(name().readOnly).toBe(true)
  })

  it('warns when Site settings renamed the consent cookie, and one click renames its declaration in the draft, to save and publish', async () => {
    const saved: unknown[] = []
    const renamed = () => cookieSettingsChanged({ cookieName: 'mm_consent', cookieLifetimeDays: 365 })
    stubApi(signedIn, serveCatalogueState(renamed), savingDraft(renamed, saved))
    await openEditor()
    const warning = cookieWarning()!
    expect(warning.closest('[role="status"]')).toBeTruthy()
    expect(within(warning).getByText(/^The site's consent cookie/).textContent).toBe(
      'The site\'s consent cookie is "mm_consent", kept 365 days (Site settings), but the catalogue declares no cookie of that name in an always-on category; it declares MiniConsent\'s cookie as "miniconsent", expiry 182d.',
    )
    expect(within(warning).getByText('Renames cookie "miniconsent" to "mm_consent", with expiry 1y. Then save the draft and publish it.')).toBeTruthy()

    fireEvent.click(within(warning).getByRole('button', { name: 'Update the declaration' }))
    const name = screen.getByLabelText('Name, row 2') as HTMLInputElement
    expect([name.value, (screen.getByLabelText('Expiry, row 2') as HTMLInputElement).value]).toEqual(['mm_consent', '1y'])
    expect(cookieWarning()).toBeNull()
    expect(screen.getByText('The draft now declares cookie "mm_consent", expiry 1y: save the draft, then publish it.')).toBeTruthy()
    await waitFor(() => expect(document.activeElement).toBe(name))
    expect(screen.getByText('Unsaved changes')).toBeTruthy()

    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(await screen.findByText('Draft saved.')).toBeTruthy()
    const body = saved[0] as { catalogue: CatalogueState['draft'] }
    expect(body.catalogue.entries[1]).toMatchObject({ kind: 'cookie', name: 'mm_consent', expiry: '1y', category: 'essential', service: 'miniconsent' })
    expect(body.catalogue.entries).toHaveLength(renamed().draft.entries.length)
    expect(screen.queryByText(/The draft now declares/)).toBeNull()
  })

  it('warns of an expiry other than the cookie lifetime, saves all the same, and takes any spelling of the lifetime', async () => {
    const longer = () => cookieSettingsChanged({ cookieLifetimeDays: 365 })
    const api = stubApi(signedIn, serveCatalogueState(longer), savingDraft(longer))
    await openEditor()
    expect(within(cookieWarning()!).getByText(/but the catalogue declares it with expiry 182d\.$/)).toBeTruthy()
    const expiry = screen.getByLabelText('Expiry, row 2')
    fireEvent.input(expiry, { target: { value: '13mo' } })
    expect(within(cookieWarning()!).getByText(/declares it with expiry 13mo\.$/)).toBeTruthy()
    expect(within(cookieWarning()!).getByText(/^Sets the expiry of cookie "miniconsent" to 1y\./)).toBeTruthy()
    // A warning, not a problem: the draft saves.
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(await screen.findByText('Draft saved.')).toBeTruthy()
    expect(api.requests.filter((r) => r.method === 'PUT')).toHaveLength(1)

    fireEvent.input(expiry, { target: { value: '12mo' } })
    expect(cookieWarning()).toBeNull()
  })

  it('says nothing of the consent cookie when the draft declares it as Site settings say, and offers an auditor no fix', async () => {
    stubApi(signedIn, serveCatalogueState(() => withConsentCookie(catalogueFixture())))
    await openEditor()
    expect(cookieWarning()).toBeNull()
    expect(screen.queryByRole('button', { name: 'Update the declaration' })).toBeNull()
    cleanup()
    // The fixture's own draft declares no consent cookie: an auditor is told, with nothing to click.
    stubApi(signedIn, serveCatalogue)
    await openEditor('minopa')
    expect(within(cookieWarning()!).getByText(/declares no cookie of that name in an always-on category\.$/)).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Update the declaration' })).toBeNull()
  })

  it('lets an auditor read the catalogue without offering changes', async () => {
    stubApi(signedIn, serveCatalogue)
    await openEditor('minopa')
    expect(screen.queryByRole('button', { name: 'Save draft' })).toBeNull()
    expect(screen.queryByRole('button', { name: /Add/ })).toBeNull()
    expect(screen.queryByLabelText(/Import a JSON/)).toBeNull()
    expect((screen.getByLabelText('Name, row 1') as HTMLInputElement).readOnly).toBe(true)
    expect((screen.getByLabelText('Kind, row 1') as HTMLSelectElement).disabled).toBe(true)
    expect(screen.getByText(/as an auditor you cannot change it/)).toBeTruthy()
  })

  it('keeps keyboard focus on Save draft while it saves, and after, so Tab goes on from there', async () => {
    const put = heldBack()
    const api = stubApi(signedIn, serveCatalogue, on('PUT', '/api/admin/sites/minimagic/catalogue/draft', () => put.promise))
    await openEditor()
    fireEvent.input(screen.getByLabelText('Label (en)', { selector: '#f-categories-1-label-en' }), { target: { value: 'Statistics' } })
    const save = pressFromKeyboard(screen.getByRole('button', { name: 'Save draft' }))
    await screen.findByText('Saving the draft…')
    expect(save.getAttribute('aria-disabled')).toBe('true')
    // Before, the button was disabled while it saved, and focus fell to <body>.
    expectFocusStaysOn(save)
    fireEvent.click(save)
    expect(api.requests.filter((r) => r.method === 'PUT')).toHaveLength(1)
    const sent = api.requests.find((r) => r.method === 'PUT')!.body as { catalogue: CatalogueState['draft'] }
    put.answer(json({ ...catalogueFixture(), draft: sent.catalogue, dirty: true }))
    expect(await screen.findByText('Draft saved.')).toBeTruthy()
    expectFocusStaysOn(save)
  })

  it('marks the per-language labels, descriptions and purposes with their language, right to left for Persian', async () => {
    stubApi(signedIn, serveCatalogue)
    await openEditor()
    fireEvent.input(screen.getByLabelText('Add a language (e.g. de, pt-BR)'), { target: { value: 'fa' } })
    fireEvent.click(screen.getByRole('button', { name: 'Add language' }))
    const perLanguage = await waitFor(() => {
      const found = [...document.querySelectorAll<HTMLInputElement>('input[id*="-label-fa"], input[id*="-description-fa"], input[id*="-purpose-fa"]')]
      expect(found.length).toBeGreaterThan(2)
      return found
    })
    // Before, they had neither: typed Persian showed its punctuation on the wrong side.
    for (const f of perLanguage) expect([f.id, f.lang, f.dir]).toEqual([f.id, 'fa', 'rtl'])
    // Other fields (ids, names) are not in the language.
    expect((screen.getByLabelText('ID', { selector: '#f-categories-0-id' }) as HTMLInputElement).dir).toBe('')
  })
})

/** The catalogue editor with a draft export answered by `answer`, and what the browser was handed to save. */
async function openForExport(answer: () => Response) {
  const session = endingSession()
  const api = stubApi(signedIn, serveCatalogue, session.login, on('GET', '/api/admin/sites/minimagic/catalogue/export', answer))
  const saved: Array<{ name: string; blob: Blob }> = []
  const blobs = new Map<string, Blob>()
  vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
    const url = `blob:test-${blobs.size + 1}`
    blobs.set(url, blob as Blob)
    return url
  })
  vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {})
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    saved.push({ name: this.download, blob: blobs.get(this.getAttribute('href')!)! })
  })
  await openEditor()
  return { api, saved }
}

describe('catalogue export', () => {
  it('downloads the saved draft through the API client, as the file the server names', async () => {
    const csv = 'name,kind,category\n_ga,cookie,analytics\n'
    const { api, saved } = await openForExport(() =>
      new Response(csv, { headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="minimagic-catalogue.csv"' } }),
    )
    pressFromKeyboard(screen.getByRole('button', { name: 'Export as CSV (one row per cookie)' }))
    expect(await screen.findByText('Exported the saved draft as minimagic-catalogue.csv.')).toBeTruthy()
    expect(saved).toHaveLength(1)
    expect(saved[0]!.name).toBe('minimagic-catalogue.csv')
    expect(await saved[0]!.blob.text()).toBe(csv)
    const sent = api.requests.filter((r) => r.url.pathname === '/api/admin/sites/minimagic/catalogue/export')
    expect(sent.map((r) => r.url.searchParams.get('format'))).toEqual(['csv'])
  })

  it('saves nothing when the session has ended, and asks to sign in again', async () => {
    // Before, a plain download link saved the error's JSON as the catalogue file, and no dialog opened.
    const { saved } = await openForExport(() => errorBody(401, 'unauthenticated', 'Sign in first'))
    pressFromKeyboard(screen.getByRole('button', { name: 'Export as JSON' }))
    expect(await screen.findByText('Not exported: Sign in first')).toBeTruthy()
    expect(await screen.findByRole('dialog', { name: 'Your session has ended' })).toBeTruthy()
    expect(saved).toHaveLength(0)
  })

  it('says why a refused export was not saved', async () => {
    const { saved } = await openForExport(() => errorBody(403, 'forbidden', 'You have no access to site "minimagic"'))
    pressFromKeyboard(screen.getByRole('button', { name: 'Export as JSON' }))
    expect(await screen.findByText('Not exported: You have no access to site "minimagic"')).toBeTruthy()
    expect(saved).toHaveLength(0)
  })
})
