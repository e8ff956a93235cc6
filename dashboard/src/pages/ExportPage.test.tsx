import { createHash } from 'node:crypto'
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact'
import { describe, expect, it, vi } from 'vitest'
import { endingSession, errorBody, expectFocusStaysOn, heldBack, json, ME, on, pressFromKeyboard, renderApp, signInAgainOverPage, stubApi } from '../test-support'

const signedIn = on('GET', '/api/admin/me', () => json(ME))
const CSV = 'seq,recordId\n1,a\n2,b\n3,c\n'

function streamed(text: string, cut = 10): Response {
  const bytes = new TextEncoder().encode(text)
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // Two chunks, split mid-line, as a network would deliver them.
      controller.enqueue(bytes.slice(0, cut))
      controller.enqueue(bytes.slice(cut))
      controller.close()
    },
  })
  return new Response(body, {
    headers: { 'Content-Type': 'text/csv', 'Content-Disposition': 'attachment; filename="consents-minopa.csv"', 'X-Export-Id': 'exp-1' },
  })
}

/** A body whose first 16 bytes arrive at once and the rest when `finish()` is called: an export still running. */
function heldStream(text: string): { body: ReadableStream<Uint8Array>; finish: () => void } {
  let finish = () => {}
  const bytes = new TextEncoder().encode(text)
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes.slice(0, 16))
      finish = () => {
        controller.enqueue(bytes.slice(16))
        controller.close()
      }
    },
  })
  return { body, finish: () => finish() }
}

const manifest = {
  exportId: 'exp-1',
  siteId: 'minopa',
  format: 'csv',
  filters: { method: 'custom' },
  rowCount: 3,
  sha256: createHash('sha256').update(CSV).digest('hex'),
  chainHead: { seq: 3, hash: 'd'.repeat(64) },
  createdAt: '2025-03-12T09:00:00.000Z',
  createdBy: 'auditor@example.com',
}

describe('export page', () => {
  it('streams a CSV with the current filters, counts its rows and checks it against the manifest', async () => {
    const api = stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minopa/export', () => streamed(CSV)),
      on('GET', '/api/admin/sites/minopa/exports/exp-1/manifest', () => json(manifest)),
    )
    renderApp('/sites/minopa/export?method=custom')
    fireEvent.click(await screen.findByRole('button', { name: 'Start export' }))
    expect(await screen.findByText(/Export complete: 3 records, 25 bytes/)).toBeTruthy()
    const asked = api.requests.find((r) => r.url.pathname.endsWith('/export'))!
    expect(asked.url.searchParams.get('method')).toBe('custom')
    expect(asked.url.searchParams.get('format')).toBe('csv')
    expect(screen.getByRole('link', { name: 'Download consents-minopa.csv' }).getAttribute('download')).toBe('consents-minopa.csv')
    expect(await screen.findByText('matches the downloaded file')).toBeTruthy()
    expect(screen.getByRole('link', { name: 'Download the manifest' })).toBeTruthy()
    // A manifest from before signing says so, and offers no keys to check it with.
    expect(screen.getByText('Unsigned: nothing proves this manifest came from the server')).toBeTruthy()
    expect(screen.queryByRole('link', { name: 'Download the public keys' })).toBeNull()
  })

  it('shows that the manifest is signed and by which key, and downloads it as the server signed it', async () => {
    const signed = { ...manifest, keyId: '3f2a9c0d1e4b5a67', signature: 'c2lnbmF0dXJl'.repeat(7) + 'AAAA', addedLater: 'kept' }
    stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minopa/export', () => streamed(CSV)),
      on('GET', '/api/admin/sites/minopa/exports/exp-1/manifest', () => json(signed)),
    )
    const created: Blob[] = []
    vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
      created.push(blob as Blob)
      return `blob:test-${created.length}`
    })
    renderApp('/sites/minopa/export')
    fireEvent.click(await screen.findByRole('button', { name: 'Start export' }))
    expect(await screen.findByText('Signed by this server')).toBeTruthy()
    expect(screen.getByText('3f2a9c0d1e4b5a67')).toBeTruthy()
    expect(screen.getByRole('link', { name: 'Download the public keys' }).getAttribute('href')).toBe('/api/v1/manifest-keys')
    // Every field the server sent, the ones the dashboard does not know too: the signature covers them.
    expect(screen.getByRole('link', { name: 'Download the manifest' }).getAttribute('href')).toBe('blob:test-2')
    expect(JSON.parse(await created[1]!.text())).toEqual(signed)
    // The repository's CLI, with the names the files were saved under.
    const command = screen.getByText((_, el) => el?.tagName === 'CODE' && el.textContent!.startsWith('npm run verify'))
    expect(command.textContent).toBe('npm run verify -- --manifest consents-minopa.manifest.json --file consents-minopa.csv --public-key manifest-keys.json')
    expect(command.closest('p')!.textContent).toMatch(/^To check the file and its manifest away from this server, run this from the root of a MiniConsent checkout/)
    expect(screen.queryByText(/miniconsent verify/)).toBeNull()
  })

  it('lists the filters in use in words, with the form\'s labels', async () => {
    stubApi(signedIn)
    renderApp('/sites/minopa/export?consentId=visitor-0001&from=2025-03-01&method=accept-all&region=unknown&revision=2')
    expect(
      await screen.findByText(
        'Filters in use: Consent ID visitor-0001, from 2025-03-01 (UTC), method Accept all, region unknown, revision 2.',
      ),
    ).toBeTruthy()
  })

  it('shows a consent ID filter of its own, which can be removed alone or cleared with the others', async () => {
    const api = stubApi(signedIn, on('GET', '/api/admin/sites/minopa/export', () => streamed(CSV)), on('GET', /\/manifest$/, () => json(manifest)))
    renderApp('/sites/minopa/export?consentId=visitor-0001&method=accept-all')
    const remove = await screen.findByRole('button', { name: 'Remove the consent ID filter' })
    expect(remove.closest('p')!.textContent).toBe('Consent ID visitor-0001 Remove')
    fireEvent.click(remove)
    await waitFor(() => expect(location.search).toBe('?method=accept-all'))
    expect(screen.getByText('Filters in use: method Accept all.')).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Remove the consent ID filter' })).toBeNull()
    fireEvent.click(screen.getByRole('button', { name: 'Start export' }))
    await screen.findByText(/Export complete/)
    const asked = api.requests.find((r) => r.url.pathname.endsWith('/export'))!
    expect(asked.url.searchParams.has('consentId')).toBe(false)

    // Only a consent ID: Clear filters is offered, and clears it.
    cleanup()
    renderApp('/sites/minopa/export?consentId=visitor-0001')
    fireEvent.click(await screen.findByRole('button', { name: 'Clear filters' }))
    await waitFor(() => expect(location.search).toBe(''))
    expect(screen.getByText('No filters: every record of the site.')).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Clear filters' })).toBeNull()
  })

  it('counts a record once when a quoted cell holds a line break, and shows the manifest\'s count', async () => {
    // A URL stored with a line break in it, split by the network inside its quotes.
    const csv = 'seq,url\n1,"https://minopa.com/?q=a\nb\nc"\n2,https://minopa.com/\n'
    stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minopa/export', () => streamed(csv, csv.indexOf('?'))),
      on('GET', '/api/admin/sites/minopa/exports/exp-1/manifest', () =>
        json({ ...manifest, rowCount: 2, sha256: createHash('sha256').update(csv).digest('hex') }),
      ),
    )
    renderApp('/sites/minopa/export')
    fireEvent.click(await screen.findByRole('button', { name: 'Start export' }))
    expect(await screen.findByText('matches the count of the downloaded file')).toBeTruthy()
    expect(screen.getByText(/^Export complete:/).textContent).toBe('Export complete: 2 records, 62 bytes.')
  })

  it('shows the manifest\'s row count and says so when the file holds another', async () => {
    stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minopa/export', () => streamed(CSV)),
      on('GET', '/api/admin/sites/minopa/exports/exp-1/manifest', () => json({ ...manifest, rowCount: 4 })),
    )
    renderApp('/sites/minopa/export')
    fireEvent.click(await screen.findByRole('button', { name: 'Start export' }))
    expect(await screen.findByText('does not match the count of the downloaded file (3)')).toBeTruthy()
    expect(screen.getByRole('status').textContent).toBe('Export complete: 4 records by the manifest, 25 bytes. The dashboard counted 3 in the file.')
  })

  it('announces the start and the end of an export, and shows the counts it goes through without announcing each', async () => {
    const { body, finish } = heldStream(CSV)
    stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minopa/export', () => new Response(body, { headers: { 'Content-Type': 'text/csv', 'Content-Disposition': 'attachment; filename="consents-minopa.csv"', 'X-Export-Id': 'exp-1' } })),
      on('GET', '/api/admin/sites/minopa/exports/exp-1/manifest', () => json(manifest)),
    )
    renderApp('/sites/minopa/export?method=custom')
    fireEvent.click(await screen.findByRole('button', { name: 'Start export' }))
    const counts = await screen.findByText(/records, 16 bytes so far\./)
    const status = document.querySelector('[role="status"].export-progress')!
    expect(status.textContent).toBe('Exporting…')
    expect(status.contains(counts)).toBe(false)
    expect(counts.closest('[role="status"], [aria-live]')).toBeNull()
    finish()
    expect(await screen.findByText(/Export complete: 3 records, 25 bytes/)).toBeTruthy()
    expect(status.textContent).toMatch(/^Export complete/)
    expect(screen.queryByText(/so far\./)).toBeNull()
  })

  it('takes a finished export away once the filters change, as it was not made with them', async () => {
    stubApi(signedIn, on('GET', '/api/admin/sites/minopa/export', () => streamed(CSV)), on('GET', /\/manifest$/, () => json(manifest)))
    renderApp('/sites/minopa/export?consentId=visitor-0001&method=custom')
    fireEvent.click(await screen.findByRole('button', { name: 'Start export' }))
    await screen.findByText(/Export complete/)
    expect(screen.getByRole('link', { name: 'Download consents-minopa.csv' })).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Remove the consent ID filter' }))
    await waitFor(() => expect(location.search).toBe('?method=custom'))
    await waitFor(() => expect(screen.queryByText(/Export complete/)).toBeNull())
    expect(screen.queryByRole('link', { name: 'Download consents-minopa.csv' })).toBeNull()
    expect(screen.getByRole('button', { name: 'Start export' })).toBeTruthy()
  })

  it('says why an export failed', async () => {
    stubApi(signedIn, on('GET', '/api/admin/sites/minopa/export', () => errorBody(400, 'invalid', 'from: use a date')))
    renderApp('/sites/minopa/export')
    fireEvent.click(await screen.findByRole('button', { name: 'Start export' }))
    expect(await screen.findByText(/The export failed: from: use a date/)).toBeTruthy()
  })

  it('keeps keyboard focus on Start export while the export runs, and after', async () => {
    const file = heldBack()
    const api = stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minopa/export', () => file.promise),
      on('GET', '/api/admin/sites/minopa/exports/exp-1/manifest', () => json(manifest)),
    )
    renderApp('/sites/minopa/export?method=custom')
    const start = pressFromKeyboard(await screen.findByRole('button', { name: 'Start export' }))
    await screen.findByText('Exporting…')
    expect(start.getAttribute('aria-disabled')).toBe('true')
    // Before, the button was disabled while it ran, and focus fell to <body>.
    expectFocusStaysOn(start)
    fireEvent.click(start)
    expect(api.requests.filter((r) => r.url.pathname.endsWith('/export'))).toHaveLength(1)
    file.answer(streamed(CSV))
    expect(await screen.findByText('matches the downloaded file')).toBeTruthy()
    expectFocusStaysOn(start)
  })

  it('takes "The export failed: Sign in first" away once signed in again over the page', async () => {
    const session = endingSession()
    stubApi(
      signedIn,
      session.login,
      on('GET', '/api/admin/sites/minopa/export', session.unless(() => streamed(CSV))),
      on('GET', '/api/admin/sites/minopa/exports/exp-1/manifest', () => json(manifest)),
    )
    renderApp('/sites/minopa/export')
    session.valid = false
    fireEvent.click(await screen.findByRole('button', { name: 'Start export' }))
    expect(await screen.findByText('The export failed: Sign in first')).toBeTruthy()
    await signInAgainOverPage()
    // Before, "The export failed: Sign in first" stayed after signing in.
    expect(screen.queryByText('The export failed: Sign in first')).toBeNull()
    fireEvent.click(screen.getByRole('button', { name: 'Start export' }))
    expect(await screen.findByText(/Export complete: 3 records/)).toBeTruthy()
  })

  it('keeps the file when the manifest could not be fetched, and fetches the manifest again from its button', async () => {
    const session = endingSession()
    const api = stubApi(
      signedIn,
      session.login,
      on('GET', '/api/admin/sites/minopa/export', () => {
        // The session ends once the file is sent, before its manifest is asked for.
        session.valid = false
        return streamed(CSV)
      }),
      on('GET', '/api/admin/sites/minopa/exports/exp-1/manifest', session.unless(() => json(manifest))),
    )
    renderApp('/sites/minopa/export')
    fireEvent.click(await screen.findByRole('button', { name: 'Start export' }))
    expect(await screen.findByText('Could not fetch the manifest: Sign in first')).toBeTruthy()
    await signInAgainOverPage()
    // Before, only a new export (the whole file again) could bring the manifest.
    const again = pressFromKeyboard(screen.getByRole('button', { name: 'Fetch the manifest again' }))
    expect(await screen.findByText('matches the downloaded file')).toBeTruthy()
    expect(screen.queryByText(/Could not fetch the manifest/)).toBeNull()
    expect(screen.queryByRole('button', { name: 'Fetch the manifest again' })).toBeNull()
    expect(screen.getByRole('link', { name: 'Download consents-minopa.csv' })).toBeTruthy()
    // The button went with the error: focus moves to the manifest's download, not <body>.
    expect(again.isConnected).toBe(false)
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('link', { name: 'Download the manifest' })))
    expect(api.requests.filter((r) => r.url.pathname.endsWith('/export'))).toHaveLength(1)
  })

  it('offers no second try of a manifest the server gave no export id for', async () => {
    stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minopa/export', () => new Response(CSV, { headers: { 'Content-Type': 'text/csv' } })),
    )
    renderApp('/sites/minopa/export')
    fireEvent.click(await screen.findByRole('button', { name: 'Start export' }))
    expect(await screen.findByText('The server sent no export id, so there is no manifest.')).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Fetch the manifest again' })).toBeNull()
  })

  it('moves keyboard focus from Cancel, which goes when the export ends, to the sentence saying how it ended', async () => {
    const { body, finish } = heldStream(CSV)
    stubApi(
      signedIn,
      on('GET', '/api/admin/sites/minopa/export', () => new Response(body, { headers: { 'Content-Type': 'text/csv', 'X-Export-Id': 'exp-1' } })),
      on('GET', '/api/admin/sites/minopa/exports/exp-1/manifest', () => json(manifest)),
    )
    renderApp('/sites/minopa/export')
    fireEvent.click(await screen.findByRole('button', { name: 'Start export' }))
    const cancel = await screen.findByRole('button', { name: 'Cancel' })
    cancel.focus()
    finish()
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull())
    // Before, focus fell to <body> with the button.
    await waitFor(() => expect(document.activeElement?.textContent).toMatch(/^Export complete: 3 records/))
  })
})
