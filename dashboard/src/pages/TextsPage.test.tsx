import { fireEvent, screen, waitFor, within } from '@testing-library/preact'
import { describe, expect, it } from 'vitest'
import type { CatalogueState } from '../api-shapes'
import { catalogueFixture, draftServer, json, ME, on, renderApp, saveAfterRoleLowered, stubApi } from '../test-support'

const signedIn = on('GET', '/api/admin/me', () => json(ME))
const serveCatalogue = on('GET', /\/catalogue$/, () => json(catalogueFixture()))
/** Stores the draft it is sent and answers with it. */
const saveDraft = on('PUT', '/api/admin/sites/minimagic/catalogue/draft', (req) =>
  json({ ...catalogueFixture(), draft: (req.body as { catalogue: CatalogueState['draft'] }).catalogue }),
)

describe('texts and appearance', () => {
  it('shows the built-in English texts as placeholders and saves overrides and appearance to the draft', async () => {
    const api = stubApi(signedIn, serveCatalogue, saveDraft)
    renderApp('/sites/minimagic/texts')
    const title = (await screen.findByLabelText('Banner title')) as HTMLInputElement
    expect(title.placeholder).toBe('We use cookies')
    fireEvent.input(title, { target: { value: 'Cookies at MiniMagic' } })
    fireEvent.change(screen.getByLabelText('Layout'), { target: { value: 'box' } })
    fireEvent.input(screen.getByLabelText('Accent colour'), { target: { value: 'teal' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(screen.getByText('use a colour like #1a73e8', { selector: '.field-error' })).toBeTruthy()
    expect(api.requests.some((r) => r.method === 'PUT')).toBe(false)

    fireEvent.input(screen.getByLabelText('Accent colour'), { target: { value: '#0f766e' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(await screen.findByText('Draft saved.')).toBeTruthy()
    const sent = api.requests.find((r) => r.method === 'PUT')?.body as { catalogue: CatalogueState['draft'] }
    expect(sent.catalogue.texts).toEqual({ en: { bannerTitle: 'Cookies at MiniMagic' } })
    expect(sent.catalogue.appearance).toMatchObject({ layout: 'box', accentColor: '#0f766e' })
    // The rest of the catalogue goes back unchanged.
    expect(sent.catalogue.entries).toEqual(catalogueFixture().draft.entries)
  })

  it('shows the server’s refusal of a text next to its field (the server names it by its path in the save’s body)', async () => {
    stubApi(
      signedIn,
      serveCatalogue,
      on('PUT', '/api/admin/sites/minimagic/catalogue/draft', () =>
        json({ error: { code: 'invalid', message: 'The catalogue is not valid.', issues: [{ path: 'catalogue.texts.en.bannerTitle', message: 'not what the server takes' }] } }, 422),
      ),
    )
    renderApp('/sites/minimagic/texts')
    const title = (await screen.findByLabelText('Banner title')) as HTMLInputElement
    fireEvent.input(title, { target: { value: 'Cookies at MiniMagic' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(await screen.findByText('not what the server takes', { selector: '.field-error' })).toBeTruthy()
    expect(title.getAttribute('aria-invalid')).toBe('true')
    expect(title.value).toBe('Cookies at MiniMagic')
  })

  it('lists every text visitors read, the notice button, the cookie declaration and the blocked-embed placeholder included, and saves them in a language without built-in texts', async () => {
    const api = stubApi(signedIn, serveCatalogue, saveDraft)
    renderApp('/sites/minimagic/texts')
    fireEvent.input(await screen.findByLabelText('Add a language (e.g. de, pt-BR)'), { target: { value: 'sv' } })
    fireEvent.click(screen.getByRole('button', { name: 'Add language' }))
    const added = {
      '“OK” button (notice banner)': ['OK', 'OK'],
      '“Change cookie settings” button (cookie declaration, floating button)': ['Change cookie settings', 'Ändra cookie-inställningar'],
      'Name of the services list (read out by screen readers)': ['Services', 'Tjänster'],
      'Cookie table: “Name” column': ['Name', 'Namn'],
      'Cookie table: “Provider” column': ['Provider', 'Leverantör'],
      'Cookie table: “Purpose” column': ['Purpose', 'Syfte'],
      'Cookie table: “Expiry” column': ['Expiry', 'Giltighet'],
      'Cookie table: expiry of a session cookie': ['Session', 'Session'],
      'Cookie table: expiry of a cookie without end': ['Persistent', 'Beständig'],
      'Blocked embed: button that loads it': ['Load content from {0}', 'Ladda innehåll från {0}'],
      'Blocked embed: note under the button': ['This sets {0}.', 'Detta sätter {0}.'],
    }
    for (const [label, [placeholder, value]] of Object.entries(added)) {
      const field = screen.getByLabelText(label) as HTMLInputElement
      // Swedish has no built-in texts: visitors read the English one unless the site writes its own.
      expect(field.placeholder, label).toBe(placeholder)
      fireEvent.input(field, { target: { value } })
    }
    // What {0} stands for, where a text has it.
    expect(screen.getByLabelText('Blocked embed: button that loads it').getAttribute('aria-describedby')).toBeTruthy()
    expect(screen.getByText('{0} stands for the service’s name (or the embed’s host).')).toBeTruthy()
    expect(screen.getByText('{0} stands for the category’s name.')).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(await screen.findByText('Draft saved.')).toBeTruthy()
    const sent = api.requests.find((r) => r.method === 'PUT')?.body as { catalogue: CatalogueState['draft'] }
    expect(sent.catalogue.texts.sv).toEqual({
      ok: 'OK',
      changeSettings: 'Ändra cookie-inställningar',
      services: 'Tjänster',
      name: 'Namn',
      provider: 'Leverantör',
      purpose: 'Syfte',
      expiry: 'Giltighet',
      session: 'Session',
      persistent: 'Beständig',
      loadContent: 'Ladda innehåll från {0}',
      loadNote: 'Detta sätter {0}.',
    })
  })

  it('refuses a language that is no language tag and says so at the field, as the catalogue does', async () => {
    stubApi(signedIn, serveCatalogue)
    renderApp('/sites/minimagic/texts')
    const add = await screen.findByLabelText('Add a language (e.g. de, pt-BR)')
    const language = screen.getByLabelText('Language') as HTMLSelectElement
    for (const [tag, message] of [
      ['German', 'Use a language tag such as "de" or "pt-BR".'],
      ['de_DE', 'Use a language tag such as "de" or "pt-BR".'],
      ['zz', '"zz" is no language a browser knows. Use a language tag such as "de" or "pt-BR".'],
      ['zxx', '"zxx" stands for no linguistic content, not a language visitors read. Use a language tag such as "de" or "pt-BR".'],
      ['mul', '"mul" stands for several languages, not a language visitors read. Use a language tag such as "de" or "pt-BR".'],
    ]) {
      fireEvent.input(add, { target: { value: tag } })
      fireEvent.click(screen.getByRole('button', { name: 'Add language' }))
      expect(add.getAttribute('aria-invalid')).toBe('true')
      expect(document.getElementById(add.getAttribute('aria-describedby')!)?.textContent).toBe(message)
      expect(language.value).toBe('en')
    }
    fireEvent.input(add, { target: { value: 'de-DE' } })
    fireEvent.click(screen.getByRole('button', { name: 'Add language' }))
    expect(language.value).toBe('de-DE')
    expect(add.getAttribute('aria-invalid')).toBeNull()
    expect(add.getAttribute('aria-describedby')).toBeNull()
  })

  it('adding a language the texts have in another case (pt-br beside pt-BR) shows those texts instead of starting a second set', async () => {
    const state = catalogueFixture()
    state.draft.texts = { 'pt-BR': { bannerTitle: 'Usamos cookies' } }
    stubApi(signedIn, on('GET', /\/catalogue$/, () => json(state)))
    renderApp('/sites/minimagic/texts')
    const add = await screen.findByLabelText('Add a language (e.g. de, pt-BR)')
    fireEvent.input(add, { target: { value: 'pt-br' } })
    fireEvent.click(screen.getByRole('button', { name: 'Add language' }))
    const language = screen.getByLabelText('Language') as HTMLSelectElement
    expect(language.value).toBe('pt-BR')
    expect([...language.options].map((o) => o.value)).toEqual(['en', 'pt-BR'])
    expect((screen.getByLabelText('Banner title') as HTMLInputElement).value).toBe('Usamos cookies')
    expect(screen.getByText('"pt-br" is the same language as "pt-BR", already listed: showing it.')).toBeTruthy()
  })

  it('names a language spelt twice in words in the problem list, not by its path', async () => {
    // A draft stored before one spelling per language was required.
    const state = catalogueFixture()
    state.draft.texts = { 'pt-BR': { bannerTitle: 'Usamos cookies' }, 'pt-br': { acceptAll: 'Aceitar' } }
    stubApi(signedIn, on('GET', /\/catalogue$/, () => json(state)))
    renderApp('/sites/minimagic/texts')
    await screen.findByLabelText('Banner title')
    const summary = document.getElementById('texts-issues')!
    // Before, "texts.pt-br: …".
    expect([...summary.querySelectorAll('li')].map((li) => li.textContent)).toEqual(['Texts in pt-br: "pt-BR" and "pt-br" are the same language: keep one of them'])
    // Both are listed, so that either can be emptied.
    expect([...(screen.getByLabelText('Language') as HTMLSelectElement).options].map((o) => o.value)).toEqual(['en', 'pt-BR', 'pt-br'])
  })

  it('names a problem of the catalogue’s part in words, with the page that fixes it, and sends nothing', async () => {
    // A label stored before one spelling per language was required: the server refuses the whole draft until it is fixed.
    const state = catalogueFixture()
    state.draft.categories[0]!.label = { en: 'Essential', 'pt-BR': 'Essenciais', 'pt-br': 'Necessários' }
    const api = stubApi(signedIn, on('GET', /\/catalogue$/, () => json(state)), saveDraft)
    renderApp('/sites/minimagic/texts')
    fireEvent.input(await screen.findByLabelText('Banner title'), { target: { value: 'Cookies at MiniMagic' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(api.requests.some((r) => r.method === 'PUT')).toBe(false)
    const summary = document.getElementById('texts-issues')!
    // Before, "categories.0.label.pt-br: …", a link to nothing on this page.
    expect([...summary.querySelectorAll('li')].map((li) => li.textContent)).toEqual([
      'Category 1 (essential): label pt-br — fix it on the Catalogue page: "pt-BR" and "pt-br" are the same language: keep one of them',
    ])
    expect(within(summary).getByRole('link').getAttribute('href')).toBe('/sites/minimagic/catalogue')
    // The language list is the texts’: the label’s languages are not in it.
    expect([...(screen.getByLabelText('Language') as HTMLSelectElement).options].map((o) => o.value)).toEqual(['en'])
  })

  it('names a text’s problem by its label and language in the problem list', async () => {
    stubApi(signedIn, serveCatalogue)
    renderApp('/sites/minimagic/texts')
    fireEvent.input(await screen.findByLabelText('Banner title'), { target: { value: 'x'.repeat(5000) } })
    const summary = document.getElementById('texts-issues')!
    expect([...summary.querySelectorAll('li')].map((li) => li.textContent)).toEqual([expect.stringMatching(/^Banner title \(en\): Use at most \d+ characters/)])
  })

  it('greys out the site’s own text in its default language for the same language in another region (en for en-GB), as the SDK shows it', async () => {
    const state = catalogueFixture()
    state.settings = { ...state.settings, defaultLanguage: 'en-GB' }
    state.draft = { ...state.draft, texts: { 'en-GB': { bannerTitle: 'We use cookies, love' } } }
    stubApi(signedIn, on('GET', /\/catalogue$/, () => json(state)))
    renderApp('/sites/minimagic/texts')
    await screen.findByLabelText('Banner title')
    const add = screen.getByLabelText('Add a language (e.g. de, pt-BR)')
    fireEvent.input(add, { target: { value: 'en' } })
    fireEvent.click(screen.getByRole('button', { name: 'Add language' }))
    await waitFor(() => expect((screen.getByLabelText('Banner title') as HTMLInputElement).placeholder).toBe('We use cookies, love'))
    expect(document.getElementById('texts-fallback')!.textContent).toMatch(/^Empty texts use the site’s .* ones, then the built-in English ones, shown greyed out\.$/)
  })

  it('greys out the built-in text visitors get in the chosen language, and says where a language has none', async () => {
    stubApi(signedIn, serveCatalogue)
    renderApp('/sites/minimagic/texts')
    const title = (await screen.findByLabelText('Banner title')) as HTMLInputElement
    const note = document.getElementById('texts-fallback')!
    expect(note.textContent).toBe('Empty texts use the built-in English text, shown greyed out.')

    const add = screen.getByLabelText('Add a language (e.g. de, pt-BR)')
    fireEvent.input(add, { target: { value: 'de' } })
    fireEvent.click(screen.getByRole('button', { name: 'Add language' }))
    // The SDK's own German table, loaded as visitors load it.
    await waitFor(() => expect(title.placeholder).toBe('Wir verwenden Cookies'))
    expect((screen.getByLabelText('Banner text') as HTMLTextAreaElement).placeholder).toMatch(/^Wir verwenden notwendige Cookies/)
    expect(note.textContent).toBe('Empty texts use the built-in German text, shown greyed out.')

    // A region's variant falls back to its language's texts.
    fireEvent.input(add, { target: { value: 'pt-BR' } })
    fireEvent.click(screen.getByRole('button', { name: 'Add language' }))
    await waitFor(() => expect((screen.getByLabelText('“Accept all” button') as HTMLInputElement).placeholder).toBe('Aceitar todos'))

    fireEvent.input(add, { target: { value: 'sv' } })
    fireEvent.click(screen.getByRole('button', { name: 'Add language' }))
    expect(title.placeholder).toBe('We use cookies')
    expect(note.textContent).toBe('There are no built-in texts in Swedish: empty texts use the English ones, shown greyed out.')
  })

  /**
   * Opens the texts of a site whose default language is `defaultLanguage`, with a banner title
   * written in it, adds Swedish (no built-in texts), and checks what is greyed out there.
   */
  async function swedishOnSiteIn(defaultLanguage: string, title: string, acceptAll: string, note: string) {
    const state = catalogueFixture()
    state.settings.defaultLanguage = defaultLanguage
    state.draft.texts = { [defaultLanguage]: { bannerTitle: title } }
    stubApi(signedIn, on('GET', /\/catalogue$/, () => json(state)))
    renderApp('/sites/minimagic/texts')
    fireEvent.input(await screen.findByLabelText('Add a language (e.g. de, pt-BR)'), { target: { value: 'sv' } })
    fireEvent.click(screen.getByRole('button', { name: 'Add language' }))
    expect((screen.getByLabelText('Banner title') as HTMLInputElement).placeholder).toBe(title)
    await waitFor(() => expect((screen.getByLabelText('“Accept all” button') as HTMLInputElement).placeholder).toBe(acceptAll))
    expect(document.getElementById('texts-fallback')!.textContent).toBe(`There are no built-in texts in Swedish: empty texts use ${note}, shown greyed out.`)
  }

  it('greys out the site’s default language where the chosen one has no built-in texts', async () => {
    await swedishOnSiteIn('de', 'Cookies bei MiniMagic', 'Alle akzeptieren', 'the German ones')
  })

  it('greys out the built-in texts of a site default’s language without its region (pt for pt-BR), as the SDK shows them', async () => {
    // Before, `pt-BR` matched no built-in table and the empty texts came in English.
    await swedishOnSiteIn('pt-BR', 'Usamos cookies no site', 'Aceitar todos', 'the Brazilian Portuguese ones')
  })

  /** A site whose default language is `de-CH` and whose texts spell it `de-ch`: the SDK matches the two (tags in any case). */
  function swissSiteSpeltLower() {
    const state = catalogueFixture()
    state.settings.defaultLanguage = 'de-CH'
    state.draft.texts = { 'de-ch': { bannerTitle: 'Grüezi Cookies' } }
    return state
  }

  it('shows and edits the site’s texts in its default language however their key spells its case (de-ch for de-CH), as visitors read them', async () => {
    const api = stubApi(signedIn, on('GET', /\/catalogue$/, () => json(swissSiteSpeltLower())), saveDraft)
    renderApp('/sites/minimagic/texts')
    const title = (await screen.findByLabelText('Banner title')) as HTMLInputElement
    // Before, the field was empty, with the built-in "Wir verwenden Cookies" greyed out.
    expect(title.value).toBe('Grüezi Cookies')
    // One entry for the language, not de-CH beside de-ch, spelt as Site settings spell it.
    const language = screen.getByLabelText('Language') as HTMLSelectElement
    expect([...language.options].map((o) => o.value)).toEqual(['de-CH'])
    // The site's own default language, not "the site's German (Switzerland) ones" as another region.
    expect(document.getElementById('texts-fallback')!.textContent).toBe('Empty texts use the built-in German text, shown greyed out.')
    fireEvent.input(screen.getByLabelText('“Accept all” button'), { target: { value: 'Alles klar' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    // Before, the text went to a second key, de-CH, which the save refused.
    expect(await screen.findByText('Draft saved.')).toBeTruthy()
    const sent = api.requests.find((r) => r.method === 'PUT')?.body as { catalogue: CatalogueState['draft'] }
    expect(sent.catalogue.texts).toEqual({ 'de-ch': { bannerTitle: 'Grüezi Cookies', acceptAll: 'Alles klar' } })
  })

  it('lists the site’s default language as Site settings spell it (de-CH), as the live preview and the catalogue page do, whatever case its texts use', async () => {
    const state = swissSiteSpeltLower()
    state.draft.texts = { 'de-ch': { bannerTitle: 'Grüezi Cookies' }, fr: { bannerTitle: 'Nous utilisons des cookies' } }
    stubApi(signedIn, on('GET', /\/catalogue$/, () => json(state)))
    renderApp('/sites/minimagic/texts')
    const title = (await screen.findByLabelText('Banner title')) as HTMLInputElement
    const language = screen.getByLabelText('Language') as HTMLSelectElement
    // Before, ['de-ch', 'fr'], while the preview offered de-CH.
    expect([...language.options].map((o) => o.value)).toEqual(['de-CH', 'fr'])
    expect(language.value).toBe('de-CH')
    expect((screen.getByLabelText('Preview language') as HTMLSelectElement).value).toBe('de-CH')
    // Before, '"de-CH" is the same language as "de-ch", already listed: showing it.'
    fireEvent.change(language, { target: { value: 'fr' } })
    fireEvent.input(screen.getByLabelText('Add a language (e.g. de, pt-BR)'), { target: { value: 'de-CH' } })
    fireEvent.click(screen.getByRole('button', { name: 'Add language' }))
    expect(screen.getByText('"de-CH" is already listed: showing it.')).toBeTruthy()
    expect(language.value).toBe('de-CH')
    expect(title.value).toBe('Grüezi Cookies')
  })

  it('greys out the site’s default-language text however its key spells its case, where the chosen language has none', async () => {
    stubApi(signedIn, on('GET', /\/catalogue$/, () => json(swissSiteSpeltLower())))
    renderApp('/sites/minimagic/texts')
    fireEvent.input(await screen.findByLabelText('Add a language (e.g. de, pt-BR)'), { target: { value: 'sv' } })
    fireEvent.click(screen.getByRole('button', { name: 'Add language' }))
    // Before, the built-in German "Wir verwenden Cookies": visitors read the site's own.
    await waitFor(() => expect((screen.getByLabelText('“Accept all” button') as HTMLInputElement).placeholder).toBe('Alle akzeptieren'))
    expect((screen.getByLabelText('Banner title') as HTMLInputElement).placeholder).toBe('Grüezi Cookies')
  })

  it('previews the saved draft in a sandboxed frame, per view, language, region and width, and reloads it after a save', async () => {
    stubApi(
      signedIn,
      serveCatalogue,
      on('PUT', '/api/admin/sites/minimagic/catalogue/draft', (req) =>
        json({ ...catalogueFixture(), draft: (req.body as { catalogue: CatalogueState['draft'] }).catalogue, draftUpdatedAt: '2025-03-02T08:00:00.000Z' }),
      ),
    )
    renderApp('/sites/minimagic/texts')
    const frame = (await screen.findByTitle(/^Preview:/)) as HTMLIFrameElement
    const src = () => new URL(frame.getAttribute('src')!, 'http://localhost')
    // Scripts run, but in an opaque origin: never the dashboard's own.
    expect(frame.getAttribute('sandbox')).toBe('allow-scripts')
    expect(src().pathname).toBe('/api/admin/preview/minimagic/')
    expect(Object.fromEntries(src().searchParams)).toEqual({ lang: 'en', view: 'banner', mode: 'opt-in', v: '2025-03-01T10:00:00.000Z' })

    fireEvent.change(screen.getByLabelText('Show'), { target: { value: 'preferences' } })
    fireEvent.change(screen.getByLabelText('Visitor’s region'), { target: { value: 'opt-out' } })
    // Built-in languages are offered even before the site has a text in them.
    const language = screen.getByLabelText('Preview language') as HTMLSelectElement
    expect([...language.options].map((o) => o.value)).toEqual(expect.arrayContaining(['en', 'de', 'ar']))
    fireEvent.change(language, { target: { value: 'de' } })
    expect(Object.fromEntries(src().searchParams)).toMatchObject({ lang: 'de', view: 'preferences', mode: 'opt-out' })
    expect(frame.className).toContain('is-desktop')
    fireEvent.click(screen.getByLabelText('Mobile (375 px)'))
    expect(frame.className).toContain('is-mobile')

    // Unsaved edits are not in the preview, and it says so; after the save it loads the new draft.
    fireEvent.input(screen.getByLabelText('Banner title'), { target: { value: 'Cookies at MiniMagic' } })
    expect(screen.getByText(/save to see your latest changes/)).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(await screen.findByText('Draft saved.')).toBeTruthy()
    expect(src().searchParams.get('v')).toBe('2025-03-02T08:00:00.000Z')
    expect(screen.queryByText(/save to see your latest changes/)).toBeNull()
  })

  it('overwriting their draft with mine keeps their catalogue changes and puts my texts over theirs', async () => {
    const server = draftServer()
    renderApp('/sites/minimagic/texts')
    fireEvent.input(await screen.findByLabelText('Banner title'), { target: { value: 'Mine' } })
    server.current = { ...catalogueFixture(), draftUpdatedAt: '2025-03-01T11:00:00.000Z' }
    server.current.draft.texts = { en: { bannerTitle: 'Theirs', acceptAll: 'OK' } }
    server.current.draft.categories[1]!.label.en = 'Statistics'
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    const panel = await screen.findByRole('region', { name: /saved the draft at/ })
    expect(within(panel).getByRole('group', { name: 'texts.en.bannerTitle' })).toBeTruthy()
    fireEvent.click(within(panel).getByRole('button', { name: 'Overwrite with mine' }))
    expect(await screen.findByText('Draft saved.')).toBeTruthy()
    const saved = server.puts.at(-1)!
    expect(saved.baseUpdatedAt).toBe('2025-03-01T11:00:00.000Z')
    expect(saved.catalogue.texts).toEqual({ en: { bannerTitle: 'Mine' } })
    expect(saved.catalogue.categories[1]!.label.en).toBe('Statistics')
  })

  it('warns in words when white text or the border on the theme’s background lacks contrast, offers a shade that passes, and still saves', async () => {
    const api = stubApi(signedIn, serveCatalogue, saveDraft)
    renderApp('/sites/minimagic/texts')
    const accent = (await screen.findByLabelText('Accent colour')) as HTMLInputElement
    const check = document.getElementById('accent-contrast')!
    // The built-in accent needs no warning.
    expect(check.textContent).toBe('')

    fireEvent.input(accent, { target: { value: '#e4572e' } })
    expect(check.textContent).toContain('White text on #e4572e is 3.7:1; WCAG AA needs 4.5:1.')
    expect(accent.getAttribute('aria-describedby')).toContain('accent-contrast')

    // Dark teal: readable white text, but its outline fades into the dark background — only where it shows.
    fireEvent.input(accent, { target: { value: '#0f766e' } })
    expect(check.textContent).toContain('border on the dark background (#222222) is 2.9:1; WCAG AA needs 3:1.')
    fireEvent.change(screen.getByLabelText('Theme'), { target: { value: 'light' } })
    expect(check.textContent).toContain('Passes WCAG AA in the light theme')
    fireEvent.change(screen.getByLabelText('Theme'), { target: { value: 'dark' } })
    expect(check.textContent).toContain('2.9:1')

    // The brand colour is the site's call: a failing accent is saved as it is.
    fireEvent.click(screen.getByRole('button', { name: 'Save draft' }))
    expect(await screen.findByText('Draft saved.')).toBeTruthy()
    expect((api.requests.at(-1)?.body as { catalogue: CatalogueState['draft'] }).catalogue.appearance.accentColor).toBe('#0f766e')

    fireEvent.change(screen.getByLabelText('Theme'), { target: { value: 'system' } })
    fireEvent.input(accent, { target: { value: '#e4572e' } })
    fireEvent.click(within(check).getByRole('button', { name: /^Use #[0-9a-f]{6}$/ }))
    expect(accent.value).toMatch(/^#[0-9a-f]{6}$/)
    expect(accent.value).not.toBe('#e4572e')
    expect(document.activeElement).toBe(accent)
    expect(check.textContent).toContain(`Passes WCAG AA in light and dark themes: white text on ${accent.value}`)
    expect(within(check).queryByRole('button')).toBeNull()
  })

  it('when a save is refused because the role was lowered to auditor meanwhile, says the edit was not kept and shows the saved texts', async () => {
    const open = () => renderApp('/sites/minimagic/texts')
    const title = () => screen.findByLabelText('Banner title') as Promise<HTMLInputElement>
    const field = await saveAfterRoleLowered({ savePath: '/api/admin/sites/minimagic/catalogue/draft', open, field: title, save: 'Save draft', what: 'draft' }, serveCatalogue)
    expect(field.value).toBe('')
  })

  it('is read-only for an auditor', async () => {
    const paleAccent = catalogueFixture()
    paleAccent.draft.appearance.accentColor = '#e4572e'
    stubApi(signedIn, on('GET', /\/catalogue$/, () => json(paleAccent)))
    renderApp('/sites/minopa/texts')
    expect(((await screen.findByLabelText('Banner title')) as HTMLInputElement).readOnly).toBe(true)
    expect(screen.queryByRole('button', { name: 'Save draft' })).toBeNull()
    // An auditor is told about a failing accent but offered nothing to change.
    expect(screen.getByText('White text on #e4572e is 3.7:1; WCAG AA needs 4.5:1.')).toBeTruthy()
    expect(screen.queryByRole('button', { name: /^Use #/ })).toBeNull()
  })

  it('marks each text field with its language, and right to left for Arabic and Hebrew', async () => {
    stubApi(signedIn, serveCatalogue)
    renderApp('/sites/minimagic/texts')
    const grid = (await screen.findByLabelText('Banner title')).closest('.texts-grid') as HTMLElement
    const fields = () => [...grid.querySelectorAll<HTMLElement>('input, textarea')]
    expect(fields().some((f) => f.tagName === 'TEXTAREA')).toBe(true)
    for (const f of fields()) expect([f.lang, f.dir]).toEqual(['en', 'ltr'])
    for (const lang of ['ar', 'he']) {
      fireEvent.input(screen.getByLabelText('Add a language (e.g. de, pt-BR)'), { target: { value: lang } })
      fireEvent.click(screen.getByRole('button', { name: 'Add language' }))
      // Before, no field had lang or dir: typed Arabic put its punctuation on the wrong side.
      await waitFor(() => expect(fields().every((f) => f.lang === lang && f.dir === 'rtl')).toBe(true))
    }
    fireEvent.input(screen.getByLabelText('Add a language (e.g. de, pt-BR)'), { target: { value: 'de' } })
    fireEvent.click(screen.getByRole('button', { name: 'Add language' }))
    await waitFor(() => expect(fields().every((f) => f.lang === 'de' && f.dir === 'ltr')).toBe(true))
  })
})
