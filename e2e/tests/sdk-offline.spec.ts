import { type Page, type Route } from '@playwright/test'
import { expect, journalEmptied, test } from '../support/test'
import { parseConsentCookie } from '@miniconsent/shared/cookie'
import type { ConsentLogPage } from '@miniconsent/shared'
import { E2E_ADMIN } from '../support/env'

// Records made while the consent API cannot be reached wait in the browser (IndexedDB) and are
// delivered on a later page view, each exactly once.

const consentId = async (page: Page) =>
  parseConsentCookie((await page.context().cookies()).find((c) => c.name === 'cookie-preferences')?.value)?.consentId

test('choices made while the API is down reach the server once each when it is back', async ({ page }) => {
  const errors: Error[] = []
  page.on('pageerror', (e) => errors.push(e))
  const attempts: string[] = []
  await page.route('**/api/v1/consents', (route) => {
    attempts.push(route.request().method())
    return route.abort()
  })

  // Page 1: the banner.
  await page.goto('/demo/minopa/')
  await page.getByRole('region', { name: 'We use cookies' }).getByRole('button', { name: 'Reject all' }).click()
  await expect.poll(() => attempts.length).toBe(1)
  const id = await consentId(page)
  expect(id).toBeTruthy()

  // Page 2: the settings link; the queued record is retried on the way and fails again.
  await page.goto('/demo/minopa/#features')
  await page.reload()
  await page.locator('footer').getByRole('link', { name: 'Cookie Settings' }).click()
  await page.getByRole('dialog').getByRole('button', { name: 'Accept all' }).click()
  await expect.poll(() => attempts.length).toBeGreaterThanOrEqual(3)

  // Page 3: marketing taken back; the page reloads after a revocation.
  await page.reload()
  await page.locator('footer').getByRole('link', { name: 'Cookie Settings' }).click()
  const dialog = page.getByRole('dialog')
  await dialog.getByRole('switch', { name: /marketing/i }).uncheck()
  const reloaded = page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() })
  await dialog.getByRole('button', { name: 'Save choices' }).click()
  await reloaded
  await page.waitForLoadState('load')
  await expect.poll(async () => (await page.context().cookies()).find((c) => c.name === 'cookie-preferences')?.value).toContain('.withdraw.')
  expect(await consentId(page)).toBe(id)

  // The API is back: the next page view delivers what waited. (The page the revocation reloaded
  // may still be flushing as the route goes, and a delivery whose page is left before the answer
  // is sent again by the next view and answered 200, already stored: the log below is the truth.)
  const delivered: number[] = []
  page.on('response', (r) => r.url().endsWith('/api/v1/consents') && delivered.push(r.status()))
  await page.unroute('**/api/v1/consents')
  await page.reload()
  // Once delivered they are gone from the journal, whose key is what makes a page view look at the
  // queue: another page view sends nothing and does not even load the queue's code.
  await journalEmptied(page)
  const sent = delivered.length
  const storeLoads: string[] = []
  page.on('request', (r) => /\/sdk\/(v\/[0-9a-f]{16}\/)?store\.js$/.test(r.url()) && storeLoads.push(r.url()))
  await page.reload()
  await page.waitForFunction(() => (window as unknown as { miniconsent?: { ready: Promise<unknown> } }).miniconsent?.ready.then(() => true))
  expect(storeLoads).toEqual([])
  expect(delivered.length).toBe(sent)
  expect(delivered.filter((s) => s !== 201 && s !== 200)).toEqual([])

  const login = await page.request.post('/api/admin/login', { data: E2E_ADMIN })
  expect(login.status()).toBe(200)
  const log = (await (await page.request.get(`/api/admin/sites/minopa/consents?consentId=${id}`)).json()) as ConsentLogPage
  expect(log.records.map((r) => r.method).sort()).toEqual(['accept-all', 'reject-all', 'withdraw'])
  expect(new Set(log.records.map((r) => r.recordId)).size).toBe(3)
  const latest = await page.request.get(`/api/v1/consents/${id}?site=minopa`)
  expect(latest.status()).toBe(200)
  expect(await latest.json()).toMatchObject({ method: 'withdraw', categories: { marketing: false, analytics: true } })
  expect(errors).toEqual([])
})

test('a record still in flight when the visitor leaves is delivered on the next page view', async ({ page }) => {
  // The API hangs: the POST neither succeeds nor fails before the visitor goes to another page.
  const hung: Route[] = []
  await page.route('**/api/v1/consents', (route) => void hung.push(route))
  await page.goto('/demo/minopa/')
  await page.getByRole('region', { name: 'We use cookies' }).getByRole('button', { name: 'Accept all' }).click()
  await expect.poll(() => hung.length).toBe(1)
  const id = await consentId(page)
  const recordId = (hung[0]!.request().postDataJSON() as { recordId: string }).recordId

  // Off to a page without the SDK; only then does the hung request fail: the server never had it.
  await page.goto('/demo/')
  await hung[0]!.abort()
  await page.unroute('**/api/v1/consents')

  const delivered: number[] = []
  page.on('response', (r) => r.url().endsWith('/api/v1/consents') && delivered.push(r.status()))
  await page.goto('/demo/minopa/')
  await expect.poll(() => delivered).toEqual([201])
  await journalEmptied(page)

  const login = await page.request.post('/api/admin/login', { data: E2E_ADMIN })
  expect(login.status()).toBe(200)
  const log = (await (await page.request.get(`/api/admin/sites/minopa/consents?consentId=${id}`)).json()) as ConsentLogPage
  expect(log.records.map((r) => [r.recordId, r.method])).toEqual([[recordId, 'accept-all']])
})
