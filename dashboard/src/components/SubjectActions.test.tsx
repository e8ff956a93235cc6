import { fireEvent, screen } from '@testing-library/preact'
import { describe, expect, it, vi } from 'vitest'
import { consentRecord, errorBody, expectFocusStaysOn, heldBack, json, ME, on, pressFromKeyboard, renderApp, stubApi } from '../test-support'

const EXPORT_PATH = '/api/admin/sites/minimagic/subjects/visitor-0004/export'

function ndjson(text: string): Response {
  return new Response(text, {
    headers: {
      'Content-Type': 'application/x-ndjson; charset=utf-8',
      'Content-Disposition': 'attachment; filename="subject-minimagic-visitor-0004.ndjson"',
    },
  })
}

/** The owner's consent log filtered to one visitor, with what the browser was handed to save. */
async function openSubject(answer: () => Response | Promise<Response>, records = [consentRecord({ seq: 4, siteId: 'minimagic', consentId: 'visitor-0004' })]) {
  const api = stubApi(
    on('GET', '/api/admin/me', () => json(ME)),
    on('GET', '/api/admin/sites/minimagic/consents', () => json({ records, nextBefore: null, total: records.length })),
    on('GET', EXPORT_PATH, answer),
  )
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
  renderApp('/sites/minimagic/consents?consentId=visitor-0004')
  // Pressed as a keyboard user does: focused, then activated.
  pressFromKeyboard(await screen.findByRole('button', { name: 'Export this visitor’s records' }))
  return { api, saved }
}

function statusText(): Promise<string> {
  return screen.findByText((_, el) => el?.tagName === 'P' && el.parentElement?.getAttribute('role') === 'status' && !!el.closest('.subject-actions')).then(
    (p) => p.textContent!,
  )
}

describe('data-subject export', () => {
  it('downloads the records through the API client and says how many it holds', async () => {
    const record = consentRecord({ seq: 4, siteId: 'minimagic', consentId: 'visitor-0004' })
    const file = [
      JSON.stringify({ type: 'consentRecord', ...record }),
      JSON.stringify({ type: 'consentRecord', ...record, seq: 5 }),
      JSON.stringify({ type: 'identity', consentId: 'visitor-0004', externalId: 'user-1' }),
    ].join('\n') + '\n'
    const { api, saved } = await openSubject(() => ndjson(file))
    expect(await statusText()).toBe('Exported 2 records and 1 link to a user ID of consent ID visitor-0004 as subject-minimagic-visitor-0004.ndjson.')
    expect(saved).toHaveLength(1)
    expect(saved[0]!.name).toBe('subject-minimagic-visitor-0004.ndjson')
    expect(await saved[0]!.blob.text()).toBe(file)
    expect(api.requests.filter((r) => r.url.pathname === EXPORT_PATH)).toHaveLength(1)
  })

  it('counts a visitor with only a link to a user ID and an accepted document by them, not as "0 records"', async () => {
    const file = [
      JSON.stringify({ type: 'identity', consentId: 'visitor-0004', userId: 'user-1' }),
      JSON.stringify({ type: 'documentAcceptance', consentId: 'visitor-0004', documentType: 'terms' }),
    ].join('\n') + '\n'
    await openSubject(() => ndjson(file), [])
    expect(await statusText()).toBe('Exported 1 link to a user ID and 1 accepted document of consent ID visitor-0004 as subject-minimagic-visitor-0004.ndjson.')
  })

  it('says there is nothing to export instead of saving an empty file', async () => {
    const { saved } = await openSubject(() => ndjson(''), [])
    expect(await statusText()).toBe('No records for this consent ID: nothing to export.')
    expect(saved).toHaveLength(0)
  })

  it('reports a refusal inline instead of saving it as the visitor’s file', async () => {
    const { saved } = await openSubject(() => errorBody(403, 'cross_site_request', 'The request came from another site.'))
    expect(await statusText()).toBe('Not exported: The request came from another site.')
    expect(saved).toHaveLength(0)
  })

  it('saves nothing when the session has ended', async () => {
    const { saved } = await openSubject(() => errorBody(401, 'unauthenticated', 'Sign in again.'))
    expect(await statusText()).toBe('Not exported: Sign in again.')
    expect(document.querySelector('dialog.session-expired')).toBeTruthy()
    expect(saved).toHaveLength(0)
  })

  it('keeps keyboard focus on the export button while it runs, and after', async () => {
    const file = heldBack()
    const { api } = await openSubject(() => file.promise)
    const button = await screen.findByRole('button', { name: 'Exporting…' })
    expect(button.getAttribute('aria-disabled')).toBe('true')
    // Before, the button was disabled while it ran, and focus fell to <body>.
    expectFocusStaysOn(button)
    fireEvent.click(button)
    expect(api.requests.filter((r) => r.url.pathname === EXPORT_PATH)).toHaveLength(1)
    file.answer(ndjson(JSON.stringify({ type: 'consentRecord', ...consentRecord({ seq: 4, siteId: 'minimagic', consentId: 'visitor-0004' }) }) + '\n'))
    expect(await statusText()).toBe('Exported 1 record of consent ID visitor-0004 as subject-minimagic-visitor-0004.ndjson.')
    expectFocusStaysOn(screen.getByRole('button', { name: 'Export this visitor’s records' }))
  })
})
