import { fireEvent, screen, waitFor } from '@testing-library/preact'
import { describe, expect, it } from 'vitest'
import { errorBody, json, logPage, ME, on, renderApp, stubApi } from '../test-support'

const HEAD = '3f'.repeat(32)

function stubWithVerify(answer: () => Response | Promise<Response>) {
  return stubApi(
    on('GET', '/api/admin/me', () => json(ME)),
    on('GET', '/api/admin/sites/minopa/consents', () => json(logPage(3, 3, 3))),
    on('GET', '/api/admin/sites/minopa/verify', answer),
  )
}

async function verify() {
  renderApp('/sites/minopa/consents')
  fireEvent.click(await screen.findByRole('button', { name: 'Verify chain' }))
  return screen.getByText((_, el) => el?.getAttribute('role') === 'status' && el.classList.contains('verify-result'))
}

describe('Verify chain', () => {
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
    stubWithVerify(() => new Promise<Response>((resolve) => (answer = resolve)))
    const status = await verify()
    await waitFor(() => expect(status.textContent).toBe('Verifying the chain…'))
    expect((screen.getByRole('button', { name: 'Verify chain' }) as HTMLButtonElement).disabled).toBe(true)
    answer(json({ ok: true, count: 0, head: '0'.repeat(64) }))
    await waitFor(() => expect(status.textContent).toBe('Chain intact: 0 records'))
  })

  it('shows why verification could not run', async () => {
    stubWithVerify(() => errorBody(403, 'forbidden', 'You are not a member of this site.'))
    const status = await verify()
    await waitFor(() => expect(status.textContent).toBe('Could not verify the chain: You are not a member of this site.'))
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
      `Chain intact: 3 records, head ${'h'.repeat(64)}. 3 erased on request, in 2 requests, the latest at 2026-12-01T09:30:00.000Z (links and decisions checked, personal fields blanked).`,
    )
  })
})
