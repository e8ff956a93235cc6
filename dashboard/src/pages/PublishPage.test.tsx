import { fireEvent, screen, within } from '@testing-library/preact'
import { rollbackInput } from '@miniconsent/shared'
import { describe, expect, it } from 'vitest'
import type { CatalogueDiff, RevisionSummary } from '../api-shapes'
import { json, ME, on, renderApp, stubApi } from '../test-support'

const signedIn = on('GET', '/api/admin/me', () => json(ME))

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

describe('publish page', () => {
  it('shows the diff and that visitors will be asked again, then publishes with the override after confirming', async () => {
    const api = stubApi(
      signedIn,
      serveDiff,
      serveRevisions,
      on('POST', '/api/admin/sites/minimagic/publish', () => json({ revision: { ...revisions[0]!, number: 3, needsConsent: false } }, 201)),
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
    // The draft as reviewed, so that the server refuses it if someone saved since.
    expect(post?.body).toEqual({ needsConsent: false, note: 'Matomo cookie', draftHash: 'c'.repeat(64) })
  })

  it('lists revision history with who and when, and asks before rolling back', async () => {
    const api = stubApi(
      signedIn,
      serveDiff,
      serveRevisions,
      on('POST', '/api/admin/sites/minimagic/rollback', () => json({ revision: { ...revisions[0]!, number: 3 } }, 201)),
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
    expect(api.requests.some((r) => r.method === 'POST')).toBe(false)
    fireEvent.click(within(confirm).getByRole('button', { name: 'Roll back to 1' }))
    expect(await screen.findByText(/revision 3 has the catalogue of revision 1/)).toBeTruthy()
    // The draft and the live revision as shown, so that the server refuses if someone saved or published since.
    const body = api.requests.find((r) => r.method === 'POST')?.body
    expect(body).toEqual({ revision: 1, needsConsent: true, liveRevision: 2, draftHash: 'c'.repeat(64) })
    // The choice about asking again is one the server takes only with the live revision it was made on.
    expect(rollbackInput.safeParse(body).success).toBe(true)
  })

  it('says so when another revision was published before a rollback was sent, and sends its choice with the live revision it saw', async () => {
    const api = stubApi(
      signedIn,
      serveDiff,
      serveRevisions,
      on('POST', '/api/admin/sites/minimagic/rollback', () => json({ error: { code: 'live_changed', message: 'Revision 3 is live now, not revision 2 as you saw it: review the rollback again' } }, 409)),
    )
    renderApp('/sites/minimagic/publish')
    fireEvent.click(await screen.findByRole('button', { name: 'Roll back to 1' }))
    const confirm = screen.getByRole('region', { name: 'Roll back to revision 1?' })
    fireEvent.click(within(confirm).getByLabelText('Ask visitors for consent again'))
    fireEvent.click(within(confirm).getByRole('button', { name: 'Roll back to 1' }))
    expect(await screen.findByText(/Not rolled back: someone published since this page showed revision 2 as live\. Reload the page/)).toBeTruthy()
    expect(api.requests.find((r) => r.method === 'POST')?.body).toMatchObject({ revision: 1, needsConsent: false, liveRevision: 2 })
  })

  it('says so when the draft changed before a rollback was sent', async () => {
    stubApi(
      signedIn,
      serveDiff,
      serveRevisions,
      on('POST', '/api/admin/sites/minimagic/rollback', () => json({ error: { code: 'draft_changed', message: 'changed' } }, 409)),
    )
    renderApp('/sites/minimagic/publish')
    fireEvent.click(await screen.findByRole('button', { name: 'Roll back to 1' }))
    fireEvent.click(within(screen.getByRole('region', { name: 'Roll back to revision 1?' })).getByRole('button', { name: 'Roll back to 1' }))
    expect(await screen.findByText(/Not rolled back: the draft was changed by someone else/)).toBeTruthy()
  })

  it('offers an auditor the changes and history but no publishing or roll back', async () => {
    stubApi(signedIn, serveDiff, serveRevisions)
    renderApp('/sites/minopa/publish')
    await screen.findByRole('table', { name: 'Published revisions, newest first' })
    expect(screen.queryByRole('button', { name: /publish/i })).toBeNull()
    expect(screen.queryByRole('button', { name: /Roll back/ })).toBeNull()
    expect(screen.getByRole('button', { name: 'Compare' })).toBeTruthy()
  })
})
