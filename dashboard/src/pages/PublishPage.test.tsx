import { fireEvent, screen, waitFor, within } from '@testing-library/preact'
import { publishInput, rollbackInput, type Role } from '@miniconsent/shared'
import { describe, expect, it } from 'vitest'
import type { CatalogueDiff, RevisionSummary } from '../api-shapes'
import {
  catalogueFixture,
  cookieSettingsChanged,
  endingSession,
  errorBody,
  expectFocusStaysOn,
  heldBack,
  json,
  ME,
  meWithRoleOnMiniMagic,
  on,
  pressFromKeyboard,
  renderApp,
  serveCatalogueState,
  signInAgainOverPage,
  stubApi,
  withConsentCookie,
  type FakeRequest,
} from '../test-support'

const signedIn = on('GET', '/api/admin/me', () => json(ME))
/** The saved draft the page checks the consent cookie's declaration in: here as the settings say. */
const savedDraft = serveCatalogueState(() => withConsentCookie(catalogueFixture()))

const diff: CatalogueDiff = {
  from: 2,
  to: 'draft',
  changes: [
    { path: 'entries[cookie:_pk_id.*]', kind: 'added', before: null, after: { name: '_pk_id.*' }, consentRelevant: true },
    { path: 'categories[analytics].label.en', kind: 'changed', before: 'Stats', after: 'Analytics', consentRelevant: false },
  ],
  needsConsent: true,
  reasons: ['New cookie _pk_id.*'],
  toHash: 'c'.repeat(64),
}

const revisions: RevisionSummary[] = [
  { number: 2, contentHash: 'b'.repeat(64), needsConsent: false, publishedAt: '2025-03-02T10:00:00.000Z', publishedBy: 'editor@example.com', note: 'typo' },
  { number: 1, contentHash: 'a'.repeat(64), needsConsent: true, publishedAt: '2025-03-01T10:00:00.000Z', publishedBy: null, note: null },
]

const serveDiff = on('GET', /\/diff$/, () => json(diff))
const serveRevisions = on('GET', /\/revisions$/, () => json({ revisions }))

const hotjar = {
  id: 'hotjar',
  category: 'analytics',
  name: 'Hotjar',
  provider: 'Hotjar Ltd.',
  purpose: {
    en: 'Records how visitors move, click and scroll on each page, so that we can see where the site confuses them. '.repeat(3).trim(),
    de: 'Zeichnet auf, wie Besucher sich auf jeder Seite bewegen, klicken und scrollen.',
  },
}

/** Rolling back from the live revision 2 to revision 1 re-adds Hotjar. */
const rollbackDiff: CatalogueDiff = {
  from: 2,
  to: 1,
  changes: [
    { path: 'services[hotjar]', kind: 'added', before: null, after: hotjar, consentRelevant: true },
    {
      path: 'entries[cookie:_hjSessionUser_*]',
      kind: 'added',
      before: null,
      after: { name: '_hjSessionUser_*', kind: 'cookie', category: 'analytics', service: 'hotjar', provider: 'Hotjar Ltd.', purpose: { en: 'Tells visits apart' }, expiry: '1y' },
      consentRelevant: true,
    },
  ],
  needsConsent: true,
  reasons: ['New service "Hotjar" (hotjar) in category "analytics"', 'New cookie "_hjSessionUser_*" in category "analytics"'],
  toHash: 'a'.repeat(64),
}

/** Answers the rollback's preview, the diff from the live revision to the one rolled back to, with `answer`. */
const serveRollbackDiff =
  (answer: () => Response | Promise<Response> = () => json(rollbackDiff)) =>
  (req: FakeRequest) =>
    req.method === 'GET' && req.url.pathname === '/api/admin/sites/minimagic/diff' && req.url.searchParams.get('to') === '1' ? answer() : undefined

describe('publish page', () => {
  it('shows the diff and that visitors will be asked again, then publishes with the override after confirming', async () => {
    const api = stubApi(
      signedIn,
      savedDraft,
      serveDiff,
      serveRevisions,
      on('POST', '/api/admin/sites/minimagic/publish', () => json({ revision: { ...revisions[0]!, number: 3, needsConsent: false }, warnings: [] }, 201)),
    )
    renderApp('/sites/minimagic/publish')
    const table = await screen.findByRole('table', { name: 'Changes in the draft' })
    expect(within(table).getAllByRole('row')).toHaveLength(3)
    expect(screen.getByText('Visitors will be asked again')).toBeTruthy()
    expect(screen.getByText('New cookie _pk_id.*')).toBeTruthy()

    fireEvent.click(screen.getByLabelText('Do not ask visitors again (override)'))
    fireEvent.input(screen.getByLabelText('Note for the history (optional)'), { target: { value: 'Matomo cookie' } })
    fireEvent.click(screen.getByRole('button', { name: 'Review and publish…' }))
    expect(screen.getByRole('heading', { name: 'Publish these 2 changes?' })).toBeTruthy()
    expect(screen.getByText(/Visitors keep their current choices/)).toBeTruthy()
    expect(api.requests.some((r) => r.method === 'POST')).toBe(false)

    fireEvent.click(screen.getByRole('button', { name: 'Publish now' }))
    expect(await screen.findByText(/Published revision 3\. Visitors keep their choices/)).toBeTruthy()
    const post = api.requests.find((r) => r.method === 'POST')
    // The draft as reviewed, and the live revision it was compared with, so that the server refuses
    // the override if someone saved or published since.
    expect(post?.body).toEqual({ needsConsent: false, note: 'Matomo cookie', draftHash: 'c'.repeat(64), liveRevision: 2 })
    expect(publishInput.safeParse(post?.body).success).toBe(true)
  })

  it('says so when another revision was published since the changes were shown', async () => {
    const api = stubApi(
      signedIn,
      savedDraft,
      serveDiff,
      serveRevisions,
      on('POST', '/api/admin/sites/minimagic/publish', () => json({ error: { code: 'live_changed', message: 'Revision 3 is live now, not revision 2 as you saw it: review the changes again' } }, 409)),
    )
    renderApp('/sites/minimagic/publish')
    fireEvent.click(await screen.findByRole('button', { name: 'Review and publish…' }))
    fireEvent.click(screen.getByRole('button', { name: 'Publish now' }))
    expect(await screen.findByText(/Not published: someone published since this page compared the draft with revision 2\. Reload the page/)).toBeTruthy()
    expect(api.requests.find((r) => r.method === 'POST')?.body).toEqual({ draftHash: 'c'.repeat(64), liveRevision: 2 })
  })

  it('warns when the draft does not declare the consent cookie as Site settings say, links to the editor, and publishes all the same', async () => {
    stubApi(
      signedIn,
      serveCatalogueState(() => cookieSettingsChanged({ cookieLifetimeDays: 30 })),
      serveDiff,
      serveRevisions,
      on('POST', '/api/admin/sites/minimagic/publish', () => json({ revision: { ...revisions[0]!, number: 3, needsConsent: true }, warnings: [] }, 201)),
    )
    renderApp('/sites/minimagic/publish')
    const message = await screen.findByText('The site\'s consent cookie is "miniconsent", kept 30 days (Site settings), but the catalogue declares it with expiry 182d.')
    const warning = message.closest('.finding') as HTMLElement
    expect(warning.closest('section')?.getAttribute('aria-labelledby')).toBe('pending-heading')
    expect(within(warning).getByRole('link', { name: 'Update the declaration in the catalogue editor' }).getAttribute('href')).toBe('/sites/minimagic/catalogue')
    // A warning, not a refusal.
    fireEvent.click(screen.getByRole('button', { name: 'Review and publish…' }))
    fireEvent.click(screen.getByRole('button', { name: 'Publish now' }))
    expect(await screen.findByText(/Published revision 3\./)).toBeTruthy()
  })

  it('asks to publish "this change" when there is one', async () => {
    stubApi(signedIn, savedDraft, on('GET', /\/diff$/, () => json({ ...diff, changes: diff.changes.slice(0, 1) })), serveRevisions)
    renderApp('/sites/minimagic/publish')
    fireEvent.click(await screen.findByRole('button', { name: 'Review and publish…' }))
    expect(screen.getByRole('heading', { name: 'Publish this change?' })).toBeTruthy()
  })

  it('lists revision history with who and when, and before rolling back shows what it changes from the live revision and the verdict on it', async () => {
    let answerPreview: () => void = () => {}
    const previewAnswered = new Promise<void>((resolve) => (answerPreview = resolve))
    const api = stubApi(
      signedIn,
      savedDraft,
      serveRollbackDiff(() => previewAnswered.then(() => json(rollbackDiff))),
      serveDiff,
      serveRevisions,
      on('POST', '/api/admin/sites/minimagic/rollback', () =>
        json(
          {
            revision: { ...revisions[0]!, number: 3, needsConsent: true },
            warnings: [{ code: 'consent_cookie_undeclared', problem: 'missing', message: 'The site\'s consent cookie is "mc" (Site settings), but the catalogue declares no cookie of that name.', fix: 'Adds cookie "mc".' }],
          },
          201,
        ),
      ),
    )
    renderApp('/sites/minimagic/publish')
    const history = await screen.findByRole('table', { name: 'Published revisions, newest first' })
    expect(within(history).getByText('editor@example.com')).toBeTruthy()
    expect(within(history).getByText('2 (live)')).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Roll back to 1' }))
    expect(screen.getByRole('heading', { name: 'Roll back to revision 1?' })).toBeTruthy()
    const confirm = screen.getByRole('region', { name: 'Roll back to revision 1?' })
    // The draft's unpublished changes are named before they are discarded.
    expect(within(confirm).getByText(/2 unpublished changes \(listed above\) will be discarded/)).toBeTruthy()
    // Nothing to decide on until the comparison is here: no blind confirmation.
    expect(within(confirm).getByText('Loading the changes from the live revision 2 to revision 1…')).toBeTruthy()
    expect(within(confirm).getByRole<HTMLButtonElement>('button', { name: 'Roll back to 1' }).disabled).toBe(true)
    expect(within(confirm).queryByLabelText('Ask visitors for consent again')).toBeNull()

    answerPreview()
    const changes = await within(confirm).findByRole('table', { name: 'Changes from the live revision 2 to revision 1' })
    expect(within(changes).getAllByRole('row')).toHaveLength(3)
    // The comparison the server judges the rollback by: from the live revision to the one rolled back to.
    const preview = api.requests.find((r) => r.url.pathname === '/api/admin/sites/minimagic/diff' && r.url.searchParams.has('to'))
    expect(Object.fromEntries(preview!.url.searchParams)).toEqual({ from: '2', to: '1' })
    expect(within(confirm).getByText('Visitors will be asked again')).toBeTruthy()
    expect(within(confirm).getByText('New service "Hotjar" (hotjar) in category "analytics"')).toBeTruthy()
    expect(within(confirm).getByText('New cookie "_hjSessionUser_*" in category "analytics"')).toBeTruthy()
    // The box starts at the verdict.
    expect(within(confirm).getByLabelText<HTMLInputElement>('Ask visitors for consent again').checked).toBe(true)
    expect(within(confirm).getByText('Every visitor will see the banner again and choose anew.')).toBeTruthy()
    expect(api.requests.some((r) => r.method === 'POST')).toBe(false)

    fireEvent.click(within(confirm).getByRole('button', { name: 'Roll back to 1' }))
    // The server's warning about the revision rolled back to is passed on.
    expect(
      await screen.findByText(
        'Rolled back: revision 3 has the catalogue of revision 1. Visitors will be asked for consent again. Check the catalogue: The site\'s consent cookie is "mc" (Site settings), but the catalogue declares no cookie of that name. The catalogue editor\'s "Update the declaration" fixes the draft.',
      ),
    ).toBeTruthy()
    // The draft and the live revision as shown, so that the server refuses if someone saved or
    // published since; no needsConsent, since the admin left the verdict as it is.
    const body = api.requests.find((r) => r.method === 'POST')?.body
    expect(body).toEqual({ revision: 1, liveRevision: 2, draftHash: 'c'.repeat(64) })
    expect(rollbackInput.safeParse(body).success).toBe(true)
  })

  it('starts a rollback that only removes trackers at keeping choices, and sends asking again as an override with the live revision', async () => {
    const removesOnly: CatalogueDiff = {
      ...rollbackDiff,
      changes: [{ path: 'services[hotjar]', kind: 'removed', before: hotjar, after: null, consentRelevant: false }],
      needsConsent: false,
      reasons: [],
    }
    const api = stubApi(
      signedIn,
      savedDraft,
      serveRollbackDiff(() => json(removesOnly)),
      serveDiff,
      serveRevisions,
      on('POST', '/api/admin/sites/minimagic/rollback', () => json({ revision: { ...revisions[0]!, number: 3, needsConsent: true }, warnings: [] }, 201)),
    )
    renderApp('/sites/minimagic/publish')
    fireEvent.click(await screen.findByRole('button', { name: 'Roll back to 1' }))
    const confirm = screen.getByRole('region', { name: 'Roll back to revision 1?' })
    await within(confirm).findByRole('table', { name: 'Changes from the live revision 2 to revision 1' })
    expect(within(confirm).getByText('Visitors keep their choices: none of these changes needs new consent.')).toBeTruthy()
    const ask = within(confirm).getByLabelText<HTMLInputElement>('Ask visitors for consent again')
    expect(ask.checked).toBe(false)
    expect(within(confirm).getByText('Visitors keep their current choices.')).toBeTruthy()

    fireEvent.click(ask)
    expect(within(confirm).getByText(/Every visitor will see the banner again and choose anew\. This overrides the verdict above\./)).toBeTruthy()
    fireEvent.click(within(confirm).getByRole('button', { name: 'Roll back to 1' }))
    await screen.findByText(/revision 3 has the catalogue of revision 1/)
    const body = api.requests.find((r) => r.method === 'POST')?.body
    expect(body).toEqual({ revision: 1, needsConsent: true, liveRevision: 2, draftHash: 'c'.repeat(64) })
    expect(rollbackInput.safeParse(body).success).toBe(true)
  })

  it('does not offer a rollback whose comparison failed to load until it has loaded', async () => {
    let fail = true
    const api = stubApi(
      signedIn,
      savedDraft,
      serveRollbackDiff(() => (fail ? json({ error: { code: 'internal', message: 'The server had a problem' } }, 500) : json(rollbackDiff))),
      serveDiff,
      serveRevisions,
    )
    renderApp('/sites/minimagic/publish')
    fireEvent.click(await screen.findByRole('button', { name: 'Roll back to 1' }))
    const confirm = screen.getByRole('region', { name: 'Roll back to revision 1?' })
    const failure = await within(confirm).findByText('Could not load the changes from the live revision 2 to revision 1: The server had a problem')
    expect(failure.closest('[role="alert"]')).toBeTruthy()
    expect(within(confirm).getByRole<HTMLButtonElement>('button', { name: 'Roll back to 1' }).disabled).toBe(true)
    expect(within(confirm).queryByLabelText('Ask visitors for consent again')).toBeNull()

    fail = false
    fireEvent.click(within(confirm).getByRole('button', { name: 'Try again' }))
    await within(confirm).findByRole('table', { name: 'Changes from the live revision 2 to revision 1' })
    expect(within(confirm).getByRole<HTMLButtonElement>('button', { name: 'Roll back to 1' }).disabled).toBe(false)
    expect(api.requests.some((r) => r.method === 'POST')).toBe(false)
  })

  it('does not offer a rollback to a revision with the live catalogue', async () => {
    stubApi(signedIn, savedDraft, serveRollbackDiff(() => json({ ...rollbackDiff, changes: [], needsConsent: false, reasons: [] })), serveDiff, serveRevisions)
    renderApp('/sites/minimagic/publish')
    fireEvent.click(await screen.findByRole('button', { name: 'Roll back to 1' }))
    const confirm = screen.getByRole('region', { name: 'Roll back to revision 1?' })
    expect(await within(confirm).findByText('Revision 1 has the same catalogue as the live revision 2: rolling back would change nothing.')).toBeTruthy()
    expect(within(confirm).getByRole<HTMLButtonElement>('button', { name: 'Roll back to 1' }).disabled).toBe(true)
  })

  it('says so when another revision was published before a rollback was sent, and sends its choice with the live revision it saw', async () => {
    const api = stubApi(
      signedIn,
      savedDraft,
      serveRollbackDiff(),
      serveDiff,
      serveRevisions,
      on('POST', '/api/admin/sites/minimagic/rollback', () => json({ error: { code: 'live_changed', message: 'Revision 3 is live now, not revision 2 as you saw it: review the rollback again' } }, 409)),
    )
    renderApp('/sites/minimagic/publish')
    fireEvent.click(await screen.findByRole('button', { name: 'Roll back to 1' }))
    const confirm = screen.getByRole('region', { name: 'Roll back to revision 1?' })
    fireEvent.click(await within(confirm).findByLabelText('Ask visitors for consent again'))
    fireEvent.click(within(confirm).getByRole('button', { name: 'Roll back to 1' }))
    expect(await screen.findByText(/Not rolled back: someone published since this page showed revision 2 as live\. Reload the page/)).toBeTruthy()
    expect(api.requests.find((r) => r.method === 'POST')?.body).toEqual({ revision: 1, needsConsent: false, liveRevision: 2, draftHash: 'c'.repeat(64) })
  })

  it('says so when the draft changed before a rollback was sent', async () => {
    stubApi(
      signedIn,
      savedDraft,
      serveRollbackDiff(),
      serveDiff,
      serveRevisions,
      on('POST', '/api/admin/sites/minimagic/rollback', () => json({ error: { code: 'draft_changed', message: 'changed' } }, 409)),
    )
    renderApp('/sites/minimagic/publish')
    fireEvent.click(await screen.findByRole('button', { name: 'Roll back to 1' }))
    const confirm = screen.getByRole('region', { name: 'Roll back to revision 1?' })
    await within(confirm).findByRole('table', { name: 'Changes from the live revision 2 to revision 1' })
    fireEvent.click(within(confirm).getByRole('button', { name: 'Roll back to 1' }))
    expect(await screen.findByText(/Not rolled back: the draft was changed by someone else/)).toBeTruthy()
  })

  it('shows an added service field by field, its purpose in each language, whole', async () => {
    const added: CatalogueDiff = {
      ...diff,
      changes: [{ path: 'services[hotjar]', kind: 'added', before: null, after: hotjar, consentRelevant: true }],
      reasons: ['New service "Hotjar" (hotjar) in category "analytics"'],
    }
    stubApi(signedIn, savedDraft, on('GET', /\/diff$/, () => json(added)), serveRevisions)
    renderApp('/sites/minimagic/publish')
    const table = await screen.findByRole('table', { name: 'Changes in the draft' })
    const after = within(table).getAllByRole('row')[1]!.querySelectorAll('td')[2]!
    const list = after.querySelector<HTMLElement>('dl')!
    const fields = [...list.children].map((row) => row.querySelector('dt')!.textContent)
    expect(fields).toEqual(['id', 'category', 'name', 'provider', 'purpose'])
    expect(within(list).getByText('Hotjar Ltd.').tagName).toBe('DD')
    // The languages of the purpose, each with its whole text: past 240 characters nothing is cut.
    const purpose = list.querySelector<HTMLElement>('dd dl')!
    expect([...purpose.querySelectorAll('dt')].map((dt) => dt.textContent)).toEqual(['en', 'de'])
    expect(hotjar.purpose.en.length).toBeGreaterThan(240)
    expect(within(purpose).getByText(hotjar.purpose.en)).toBeTruthy()
    expect(after.textContent).not.toContain('{')
  })

  it('compares two revisions, and starts the comparison afresh once another revision is live', async () => {
    let list = revisions
    const api = stubApi(
      signedIn,
      savedDraft,
      (req) =>
        req.method === 'GET' && req.url.pathname.endsWith('/diff') && req.url.searchParams.get('from') === '1' && req.url.searchParams.get('to') === '2'
          ? json({ ...diff, from: 1, to: 2, changes: diff.changes.slice(0, 1), toHash: 'b'.repeat(64) })
          : undefined,
      serveDiff,
      on('GET', /\/revisions$/, () => json({ revisions: list })),
      on('POST', '/api/admin/sites/minimagic/publish', () => {
        list = [{ ...revisions[0]!, number: 3, contentHash: 'c'.repeat(64), needsConsent: true, note: null }, ...revisions]
        return json({ revision: list[0], warnings: [] }, 201)
      }),
    )
    renderApp('/sites/minimagic/publish')
    const from = await screen.findByLabelText<HTMLSelectElement>('From')
    const to = screen.getByLabelText<HTMLSelectElement>('To')
    expect([from.value, to.value]).toEqual(['1', '2'])
    fireEvent.click(screen.getByRole('button', { name: 'Compare' }))
    expect(await screen.findByText('1 difference; visitors would be asked again.')).toBeTruthy()
    expect(screen.getByRole('table', { name: 'Differences from revision 1 to revision 2' })).toBeTruthy()

    fireEvent.click(screen.getByRole('button', { name: 'Review and publish…' }))
    fireEvent.click(screen.getByRole('button', { name: 'Publish now' }))
    await screen.findByText(/Published revision 3/)
    await screen.findByText('3 (live)')
    // The newest two again, and no answer about revisions that are no longer the newest.
    expect([screen.getByLabelText<HTMLSelectElement>('From').value, screen.getByLabelText<HTMLSelectElement>('To').value]).toEqual(['2', '3'])
    expect(screen.queryByText(/1 difference/)).toBeNull()
    expect(screen.queryByRole('table', { name: /Differences from/ })).toBeNull()
    expect(api.requests.filter((r) => r.url.pathname.endsWith('/diff') && r.url.searchParams.has('from'))).toHaveLength(1)
  })

  it('compares the one revision there is with the draft, not with itself', async () => {
    stubApi(signedIn, savedDraft, serveDiff, on('GET', /\/revisions$/, () => json({ revisions: revisions.slice(-1) })))
    renderApp('/sites/minimagic/publish')
    const from = await screen.findByLabelText<HTMLSelectElement>('From')
    expect([from.value, screen.getByLabelText<HTMLSelectElement>('To').value]).toEqual([String(revisions.at(-1)!.number), 'draft'])
  })

  it('counts the differences between two revisions in words', async () => {
    let count = 1
    stubApi(
      signedIn,
      savedDraft,
      on('GET', /\/diff$/, (req) => json(req.url.searchParams.has('from') ? { ...diff, from: 1, to: 2, changes: diff.changes.slice(0, count) } : diff)),
      serveRevisions,
    )
    renderApp('/sites/minimagic/publish')
    fireEvent.click(await screen.findByRole('button', { name: 'Compare' }))
    expect(await screen.findByText('1 difference; visitors would be asked again.')).toBeTruthy()
    count = 2
    fireEvent.click(screen.getByRole('button', { name: 'Compare' }))
    expect(await screen.findByText('2 differences; visitors would be asked again.')).toBeTruthy()
  })

  it('offers an auditor the changes and history but no publishing or roll back', async () => {
    stubApi(signedIn, savedDraft, serveDiff, serveRevisions)
    renderApp('/sites/minopa/publish')
    await screen.findByRole('table', { name: 'Published revisions, newest first' })
    expect(screen.queryByRole('button', { name: /publish/i })).toBeNull()
    expect(screen.queryByRole('button', { name: /Roll back/ })).toBeNull()
    expect(screen.getByRole('button', { name: 'Compare' })).toBeTruthy()
  })

  it('keeps keyboard focus on Publish now while it publishes, then moves it to the result as the panel goes', async () => {
    let published = false
    const post = heldBack()
    const api = stubApi(
      signedIn,
      savedDraft,
      on('GET', /\/diff$/, () => json(published ? { ...diff, changes: [], needsConsent: false, reasons: [] } : diff)),
      serveRevisions,
      on('POST', '/api/admin/sites/minimagic/publish', () => post.promise),
    )
    renderApp('/sites/minimagic/publish')
    fireEvent.click(await screen.findByRole('button', { name: 'Review and publish…' }))
    const button = pressFromKeyboard(screen.getByRole('button', { name: 'Publish now' }))
    await screen.findByRole('button', { name: 'Publishing…' })
    // Before, the button was disabled while it ran, and focus fell to <body>.
    expectFocusStaysOn(button)
    expect(button.getAttribute('aria-disabled')).toBe('true')
    fireEvent.click(button)
    expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(1)

    published = true
    post.answer(json({ revision: { ...revisions[0]!, number: 3, needsConsent: true }, warnings: [] }, 201))
    // The panel goes with the reloaded diff: focus is on the sentence that says what happened.
    await waitFor(() => expect(document.activeElement?.textContent).toMatch(/^Published revision 3\. Visitors will be asked for consent again/))
    await screen.findByText(/nothing to publish/)
    expect(document.activeElement?.textContent).toMatch(/^Published revision 3\./)
  })

  it('keeps keyboard focus on the rollback’s confirmation while it runs, then moves it to the result as the panel closes', async () => {
    const post = heldBack()
    const api = stubApi(
      signedIn,
      savedDraft,
      serveRollbackDiff(),
      serveDiff,
      serveRevisions,
      on('POST', '/api/admin/sites/minimagic/rollback', () => post.promise),
    )
    renderApp('/sites/minimagic/publish')
    fireEvent.click(await screen.findByRole('button', { name: 'Roll back to 1' }))
    const confirm = screen.getByRole('region', { name: 'Roll back to revision 1?' })
    await within(confirm).findByRole('table', { name: 'Changes from the live revision 2 to revision 1' })
    const button = pressFromKeyboard(within(confirm).getByRole('button', { name: 'Roll back to 1' }))
    await within(confirm).findByRole('button', { name: 'Rolling back…' })
    expectFocusStaysOn(button)
    expect(button.getAttribute('aria-disabled')).toBe('true')
    fireEvent.click(button)
    expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(1)

    post.answer(json({ revision: { ...revisions[0]!, number: 3, needsConsent: true }, warnings: [] }, 201))
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Roll back to revision 1?' })).toBeNull())
    await waitFor(() => expect(document.activeElement?.textContent).toMatch(/^Rolled back: revision 3 has the catalogue of revision 1\./))
  })

  it('takes "Not published: Sign in first" away once signed in again over the page, and publishes then', async () => {
    const session = endingSession()
    stubApi(
      signedIn,
      savedDraft,
      serveDiff,
      serveRevisions,
      session.login,
      on('POST', '/api/admin/sites/minimagic/publish', session.unless(() => json({ revision: { ...revisions[0]!, number: 3, needsConsent: true }, warnings: [] }, 201))),
    )
    renderApp('/sites/minimagic/publish')
    fireEvent.click(await screen.findByRole('button', { name: 'Review and publish…' }))
    session.valid = false
    fireEvent.click(screen.getByRole('button', { name: 'Publish now' }))
    expect(await screen.findByText('Not published: Sign in first')).toBeTruthy()
    await signInAgainOverPage()
    // Before, it still said "Not published: Sign in first" after signing in, as if the publish could not be made.
    expect(screen.queryByText('Not published: Sign in first')).toBeNull()
    fireEvent.click(screen.getByRole('button', { name: 'Publish now' }))
    expect(await screen.findByText(/Published revision 3\./)).toBeTruthy()
  })

  it('takes a rollback\'s "Sign in first" away once signed in again, and leaves a refusal of another kind', async () => {
    const session = endingSession()
    stubApi(
      signedIn,
      savedDraft,
      serveRollbackDiff(),
      serveDiff,
      serveRevisions,
      session.login,
      on('POST', '/api/admin/sites/minimagic/publish', () => json({ error: { code: 'draft_changed', message: 'changed' } }, 409)),
      on('POST', '/api/admin/sites/minimagic/rollback', session.unless(() => json({ error: { code: 'live_changed', message: 'live changed' } }, 409))),
    )
    renderApp('/sites/minimagic/publish')
    fireEvent.click(await screen.findByRole('button', { name: 'Review and publish…' }))
    fireEvent.click(screen.getByRole('button', { name: 'Publish now' }))
    const refused = /Not published: the draft was changed by someone else/
    expect(await screen.findByText(refused)).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Roll back to 1' }))
    const confirm = screen.getByRole('region', { name: 'Roll back to revision 1?' })
    await within(confirm).findByRole('table', { name: 'Changes from the live revision 2 to revision 1' })
    session.valid = false
    fireEvent.click(within(confirm).getByRole('button', { name: 'Roll back to 1' }))
    expect(await screen.findByText('Not rolled back: Sign in first')).toBeTruthy()
    await signInAgainOverPage()
    // Before, "Not rolled back: Sign in first" stayed after signing in.
    expect(screen.queryByText('Not rolled back: Sign in first')).toBeNull()
    expect(within(confirm).getByRole('button', { name: 'Roll back to 1' })).toBeTruthy()
    // The publish's refusal was not the session's: it stays until the next attempt.
    expect(screen.getByText(refused)).toBeTruthy()
  })

  it('says it was not published when the editor’s role was lowered meanwhile, and takes the focus', async () => {
    let role: Role = 'editor'
    const api = stubApi(
      meWithRoleOnMiniMagic(() => role),
      savedDraft,
      serveDiff,
      serveRevisions,
      on('POST', '/api/admin/sites/minimagic/publish', () => errorBody(403, 'forbidden', 'You have no access to site "minimagic"')),
    )
    renderApp('/sites/minimagic/publish')
    fireEvent.click(await screen.findByRole('button', { name: 'Review and publish…' }))
    role = 'auditor'
    pressFromKeyboard(screen.getByRole('button', { name: 'Publish now' }))
    // Before, the panel went with its refusal, nothing said the catalogue was not published, and focus fell to <body>.
    const notice = await screen.findByText('Not published: your role on this site no longer lets you publish its catalogue.')
    expect(notice.closest('[role="alert"]')).toBeTruthy()
    await waitFor(() => expect(document.activeElement).toBe(notice))
    expect(screen.queryByRole('button', { name: /publish/i })).toBeNull()
    expect(screen.queryByText(/no access to site/)).toBeNull()
    expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
  })

  it('closes the rollback’s confirmation and says it was not rolled back when the editor’s role was lowered meanwhile', async () => {
    let role: Role = 'editor'
    const api = stubApi(
      meWithRoleOnMiniMagic(() => role),
      savedDraft,
      serveRollbackDiff(),
      serveDiff,
      serveRevisions,
      on('POST', '/api/admin/sites/minimagic/rollback', () => errorBody(403, 'forbidden', 'You have no access to site "minimagic"')),
    )
    renderApp('/sites/minimagic/publish')
    fireEvent.click(await screen.findByRole('button', { name: 'Roll back to 1' }))
    const confirm = screen.getByRole('region', { name: 'Roll back to revision 1?' })
    await within(confirm).findByRole('table', { name: 'Changes from the live revision 2 to revision 1' })
    role = 'auditor'
    pressFromKeyboard(within(confirm).getByRole('button', { name: 'Roll back to 1' }))
    // Before, the panel stayed for the auditor, saying "no access to site", with a button that sent the rollback again.
    const notice = await screen.findByText('Not rolled back: your role on this site no longer lets you roll back its catalogue.')
    expect(notice.closest('[role="alert"]')).toBeTruthy()
    await waitFor(() => expect(document.activeElement).toBe(notice))
    expect(screen.queryByRole('region', { name: 'Roll back to revision 1?' })).toBeNull()
    expect(screen.queryByRole('button', { name: /Roll back/ })).toBeNull()
    expect(screen.queryByText(/no access to site/)).toBeNull()
    expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
  })
})
