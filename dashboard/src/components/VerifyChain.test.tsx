import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact'
import { describe, expect, it } from 'vitest'
import { formatTime } from '../format'
import { errorBody, expectFocusStaysOn, heldBack, json, logPage, ME, on, pressFromKeyboard, renderApp, stubApi } from '../test-support'

const HEAD = '3f'.repeat(32)

function stubWithVerify(answer: () => Response | Promise<Response>, answerWithManifest: () => Response | Promise<Response> = answer) {
  return stubApi(
    on('GET', '/api/admin/me', () => json(ME)),
    on('GET', '/api/admin/sites/minopa/consents', () => json(logPage(3, 3, 3))),
    on('GET', '/api/admin/sites/minopa/verify', answer),
    on('POST', '/api/admin/sites/minopa/verify', answerWithManifest),
  )
}

/** A manifest as the export page's "Download the manifest" saves it: the server's answer, pretty-printed. */
const MANIFEST = {
  exportId: 'exp_01J9Z4Q6V3',
  siteId: 'minopa',
  format: 'csv',
  filters: {},
  rowCount: 3,
  sha256: 'e'.repeat(64),
  chainHead: { seq: 3, hash: HEAD },
  createdAt: '2026-12-01T09:30:00.000Z',
  createdBy: 'auditor@example.com',
  keyId: '0123456789abcdef',
  signature: 'c2lnbmF0dXJl',
}

function manifestFile(text: string, name = 'minopa-consents.manifest.json') {
  return new File([text], name, { type: 'application/json' })
}

const MANIFEST_LABEL = 'Check against a saved manifest (JSON)'

async function verifyWith(file: File) {
  renderApp('/sites/minopa/consents')
  fireEvent.change(await screen.findByLabelText(MANIFEST_LABEL), { target: { files: [file] } })
  return screen.getByText((_, el) => el?.getAttribute('role') === 'status' && el.classList.contains('verify-result'))
}

async function verify() {
  renderApp('/sites/minopa/consents')
  fireEvent.click(await screen.findByRole('button', { name: 'Verify chain' }))
  return screen.getByText((_, el) => el?.getAttribute('role') === 'status' && el.classList.contains('verify-result'))
}

describe('Verify chain', () => {
  it('waits out a busy server’s Retry-After while the page is open, and asks no more once it has gone', async () => {
    const busy = () => {
      const res = errorBody(429, 'verifies_busy', '2 chain verifications are running; try again when one has finished')
      res.headers.set('Retry-After', '1')
      return res
    }
    let refusals = 1
    const api = stubWithVerify(() => (refusals-- > 0 ? busy() : json({ ok: true, count: 3, head: HEAD })))
    const status = await verify()
    await waitFor(() => expect(status.textContent).toBe(`Chain intact: 3 records, head ${HEAD}`), { timeout: 3000 })
    expect(api.requests.filter((r) => r.url.pathname === '/api/admin/sites/minopa/verify')).toHaveLength(2)
    cleanup()

    const left = stubWithVerify(busy)
    await verify()
    await waitFor(() => expect(left.requests.filter((r) => r.url.pathname === '/api/admin/sites/minopa/verify')).toHaveLength(1))
    cleanup()
    // Past the Retry-After: the page that asked has gone, and nothing asks for it again.
    await new Promise((resolve) => setTimeout(resolve, 1300))
    expect(left.requests.filter((r) => r.url.pathname === '/api/admin/sites/minopa/verify')).toHaveLength(1)
  })

  it('does not ask again for a check against a manifest (a POST) the server was too busy for', async () => {
    const busy = errorBody(429, 'verifies_busy', '2 chain verifications are running; try again when one has finished')
    busy.headers.set('Retry-After', '1')
    const api = stubWithVerify(() => json({ ok: true, count: 3, head: HEAD }), () => busy)
    const status = await verifyWith(manifestFile(JSON.stringify(MANIFEST)))
    await waitFor(() => expect(status.textContent).toContain('2 chain verifications are running'))
    expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
  })

  it('reports an intact chain with its record count and head hash', async () => {
    const api = stubWithVerify(() => json({ ok: true, count: 1234, head: HEAD }))
    const status = await verify()
    // Counts follow the reader's locale (1,234 or 1.234).
    const count = new Intl.NumberFormat().format(1234)
    await waitFor(() => expect(status.textContent).toBe(`Chain intact: ${count} records, head ${HEAD}`))
    expect(api.requests.some((r) => r.url.pathname === '/api/admin/sites/minopa/verify')).toBe(true)
  })

  it('names the first bad record in words', async () => {
    stubWithVerify(() =>
      json({ ok: false, count: 17, head: HEAD, firstBad: { seq: 17, reason: 'its hash does not match its content' } }),
    )
    const status = await verify()
    await waitFor(() =>
      expect(status.textContent).toBe('Chain broken at record #17: its hash does not match its content. 17 records checked.'),
    )
  })

  it('says the chain is being verified and keeps the button from being pressed twice', async () => {
    let answer: (res: Response) => void = () => {}
    const api = stubWithVerify(() => new Promise<Response>((resolve) => (answer = resolve)))
    const status = await verify()
    await waitFor(() => expect(status.textContent).toBe('Verifying the chain…'))
    const button = screen.getByRole('button', { name: 'Verify chain' })
    const input = screen.getByLabelText(MANIFEST_LABEL) as HTMLInputElement
    // Unavailable, yet not disabled: a disabled control drops keyboard focus (see the test below).
    expect(button.getAttribute('aria-disabled')).toBe('true')
    expect(input.getAttribute('aria-disabled')).toBe('true')
    fireEvent.click(button)
    // Its file picker does not open meanwhile either.
    expect(fireEvent.click(input)).toBe(false)
    expect(api.requests.filter((r) => r.url.pathname === '/api/admin/sites/minopa/verify')).toHaveLength(1)
    answer(json({ ok: true, count: 0, head: '0'.repeat(64) }))
    await waitFor(() => expect(status.textContent).toBe('Chain intact: 0 records'))
    expect(button.getAttribute('aria-disabled')).toBe('false')
    expect(input.getAttribute('aria-disabled')).toBe('false')
  })

  it('keeps keyboard focus on Verify chain while it verifies, and after', async () => {
    const verification = heldBack()
    stubWithVerify(() => verification.promise)
    renderApp('/sites/minopa/consents')
    const button = pressFromKeyboard(await screen.findByRole('button', { name: 'Verify chain' }))
    await screen.findByText('Verifying the chain…')
    // Before, the button was disabled while it ran, and focus fell to <body>.
    expectFocusStaysOn(button)
    verification.answer(json({ ok: true, count: 0, head: '0'.repeat(64) }))
    await screen.findByText('Chain intact: 0 records')
    expectFocusStaysOn(button)
  })

  it('shows why verification could not run', async () => {
    stubWithVerify(() => errorBody(403, 'forbidden', 'You are not a member of this site.'))
    const status = await verify()
    await waitFor(() => expect(status.textContent).toBe('Could not verify the chain: You are not a member of this site.'))
  })
})

describe('Verify chain against a saved manifest', () => {
  it('sends the manifest as saved, with the CSRF token, and shows the verdict', async () => {
    const api = stubWithVerify(
      () => json({ ok: false, count: 0, head: null }),
      () =>
        json({
          ok: true,
          count: 3,
          head: HEAD,
          savedManifest: { exportId: MANIFEST.exportId, createdAt: MANIFEST.createdAt, seq: 3, checked: true },
        }),
    )
    const status = await verifyWith(manifestFile(JSON.stringify(MANIFEST, null, 2) + '\n'))
    await waitFor(() =>
      expect(status.textContent).toBe(
        `Chain intact: 3 records, head ${HEAD}. Checked against the saved manifest of export exp_01J9Z4Q6V3 (${formatTime(MANIFEST.createdAt)}): the log still holds record #3 with the hash it recorded.`,
      ),
    )
    expect(status.classList.contains('is-good')).toBe(true)
    const posts = api.requests.filter((r) => r.method === 'POST')
    expect(posts).toHaveLength(1)
    expect(posts[0]!.url.pathname).toBe('/api/admin/sites/minopa/verify')
    expect(posts[0]!.body).toEqual({ manifest: MANIFEST })
    expect(posts[0]!.headers.get('X-CSRF-Token')).toBe(ME.csrfToken)
  })

  it('shows the records the saved manifest saw deleted as a broken chain', async () => {
    const reason = `the log ends at seq 2, but the saved manifest of export ${MANIFEST.exportId} (${MANIFEST.createdAt}) saw it reach seq 3: the records after seq 2 were deleted`
    stubWithVerify(
      () => json({ ok: true, count: 2, head: HEAD }),
      () =>
        json({
          ok: false,
          count: 3,
          head: HEAD,
          firstBad: { seq: 3, reason },
          savedManifest: { exportId: MANIFEST.exportId, createdAt: MANIFEST.createdAt, seq: 3, checked: true },
        }),
    )
    const status = await verifyWith(manifestFile(JSON.stringify(MANIFEST)))
    await waitFor(() => expect(status.textContent).toBe(`Chain broken at record #3: ${reason}. 3 records checked.`))
    expect(status.classList.contains('is-bad')).toBe(true)
  })

  it('refuses a file that is not a JSON object without asking the server', async () => {
    const api = stubWithVerify(() => json({ ok: true, count: 3, head: HEAD }))
    const status = await verifyWith(manifestFile('seq,hash\n1,abc\n', 'consents.csv'))
    await waitFor(() =>
      expect(status.textContent).toBe(
        'Could not verify the chain against consents.csv: the file is not JSON. Choose the manifest saved from an export.',
      ),
    )
    expect(status.classList.contains('is-bad')).toBe(true)

    fireEvent.change(screen.getByLabelText(MANIFEST_LABEL), { target: { files: [manifestFile('[1, 2, 3]', 'list.json')] } })
    await waitFor(() =>
      expect(status.textContent).toBe(
        'Could not verify the chain against list.json: the file holds no JSON object, so it is not an export manifest.',
      ),
    )
    expect(api.requests.some((r) => r.url.pathname === '/api/admin/sites/minopa/verify')).toBe(false)
  })

  it('says in words, without asking the server, that a JSON file is not an export manifest and what it lacks', async () => {
    const api = stubWithVerify(() => json({ ok: true, count: 3, head: HEAD }))
    const status = await verifyWith(manifestFile(JSON.stringify({ name: 'my-app', version: '1.0.0' }), 'package.json'))
    // Before: "…: Not an export manifest: exportId: Invalid input: expected string, received undefined", from the server.
    await waitFor(() =>
      expect(status.textContent).toBe(
        'Could not verify the chain against package.json. This file is not an export manifest of MiniConsent: it has no “exportId”, “siteId”, “format” and 6 more fields. Choose the file “Download the manifest” saved after an export.',
      ),
    )
    expect(status.textContent).not.toMatch(/Invalid input|received undefined/)

    const { exportId: _, ...withoutId } = MANIFEST
    fireEvent.change(screen.getByLabelText(MANIFEST_LABEL), {
      target: { files: [manifestFile(JSON.stringify({ ...withoutId, rowCount: 'three' }), 'edited.manifest.json')] },
    })
    await waitFor(() =>
      expect(status.textContent).toBe(
        'Could not verify the chain against edited.manifest.json. This file is not an export manifest of MiniConsent: it has no “exportId” field; “rowCount” is not a number. Choose the file “Download the manifest” saved after an export.',
      ),
    )
    expect(api.requests.some((r) => r.url.pathname === '/api/admin/sites/minopa/verify')).toBe(false)
  })

  it('puts the server’s refusal of what is no manifest in the same words, its detail kept', async () => {
    stubWithVerify(
      () => json({ ok: true, count: 3, head: HEAD }),
      () => errorBody(400, 'invalid_manifest', 'Not an export manifest: chainHead.seq: Too small: expected number to be >=0'),
    )
    const status = await verifyWith(manifestFile(JSON.stringify(MANIFEST)))
    await waitFor(() =>
      expect(status.textContent).toBe(
        'Could not verify the chain against minopa-consents.manifest.json. This file is not an export manifest of MiniConsent (the server found: chainHead.seq: Too small: expected number to be >=0). Choose the file “Download the manifest” saved after an export.',
      ),
    )
  })

  it('shows why the server refused the manifest', async () => {
    const message = 'The manifest is not one this server signed as it is: its signature does not match its content'
    stubWithVerify(
      () => json({ ok: true, count: 3, head: HEAD }),
      () => errorBody(422, 'manifest_not_signed_here', message),
    )
    const status = await verifyWith(manifestFile(JSON.stringify({ ...MANIFEST, chainHead: { seq: 2, hash: HEAD } })))
    await waitFor(() => expect(status.textContent).toBe(`Could not verify the chain against minopa-consents.manifest.json: ${message}`))
    expect(status.classList.contains('is-bad')).toBe(true)
  })
})

describe('chain verification wording', () => {
  it('reports erased records and a purged start', async () => {
    const { describeVerification } = await import('../chain-verification')
    expect(
      describeVerification({ ok: true, count: 3, head: 'h'.repeat(64), erased: 1, anchor: { seq: 40, hash: 'a'.repeat(64), purgedCount: 40 } }),
    ).toBe(
      `Chain intact: 3 records, head ${'h'.repeat(64)}. 1 erased on request (links and decisions checked, personal fields blanked); starts after record #40, 40 older records purged at the end of retention.`,
    )
    const erasures = [
      { erasedAt: '2026-11-30T08:00:00.000Z', seqs: [41] },
      { erasedAt: '2026-12-01T09:30:00.000Z', seqs: [42, 43] },
    ]
    expect(describeVerification({ ok: true, count: 3, head: 'h'.repeat(64), erased: 3, erasures })).toBe(
      `Chain intact: 3 records, head ${'h'.repeat(64)}. 3 erased on request, in 2 requests, the latest on ${formatTime(erasures[1]!.erasedAt)} (links and decisions checked, personal fields blanked).`,
    )
    // In the reader's locale and time zone, as every other time of the dashboard.
    expect(describeVerification({ ok: true, count: 3, head: 'h'.repeat(64), erased: 3, erasures })).not.toContain('2026-12-01T09:30:00.000Z')
  })

  it('says what the saved manifest vouched for, or that retention purged its head', async () => {
    const { describeVerification } = await import('../chain-verification')
    const saved = { exportId: 'exp_01J9Z4Q6V3', createdAt: '2026-12-01T09:30:00.000Z' }
    expect(describeVerification({ ok: true, count: 3, head: 'h'.repeat(64), savedManifest: { ...saved, seq: 3, checked: true } })).toBe(
      `Chain intact: 3 records, head ${'h'.repeat(64)}. Checked against the saved manifest of export exp_01J9Z4Q6V3 (${formatTime(saved.createdAt)}): the log still holds record #3 with the hash it recorded.`,
    )
    expect(
      describeVerification({
        ok: true,
        count: 3,
        head: 'h'.repeat(64),
        anchor: { seq: 40, hash: 'a'.repeat(64), purgedCount: 40 },
        savedManifest: { ...saved, seq: 12, checked: false },
      }),
    ).toBe(
      `Chain intact: 3 records, head ${'h'.repeat(64)}. Starts after record #40, 40 older records purged at the end of retention. Not checked against the saved manifest of export exp_01J9Z4Q6V3 (${formatTime(saved.createdAt)}): its head, record #12, has since been purged at the end of retention, so only the records after the purge were checked.`,
    )
    // Purged up to the saved head exactly: the anchor holds its hash, no record does.
    expect(
      describeVerification({ ok: true, count: 0, head: 'a'.repeat(64), anchor: { seq: 12, hash: 'a'.repeat(64), purgedCount: 12 }, savedManifest: { ...saved, seq: 12, checked: true } }),
    ).toBe(
      `Chain intact: 0 records. Starts after record #12, 12 older records purged at the end of retention. Checked against the saved manifest of export exp_01J9Z4Q6V3 (${formatTime(saved.createdAt)}): its head, record #12, was purged at the end of retention, and the purge anchor where the chain now starts holds the hash it recorded.`,
    )
    // A manifest of the log while it was empty, records purged since: it vouched for none.
    expect(
      describeVerification({ ok: true, count: 0, head: 'a'.repeat(64), anchor: { seq: 3, hash: 'a'.repeat(64), purgedCount: 3 }, savedManifest: { ...saved, seq: 0, checked: false } }),
    ).toBe(
      `Chain intact: 0 records. Starts after record #3, 3 older records purged at the end of retention. Checked against the saved manifest of export exp_01J9Z4Q6V3 (${formatTime(saved.createdAt)}): the log was empty then, so it vouches for no record.`,
    )
  })
})
