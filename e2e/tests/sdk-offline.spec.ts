import { expect, test, type Page } from '@playwright/test'
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
  await dialog.getByRole('button', { name: 'Save choices' }).click()
  await page.waitForLoadState('load')
  await expect.poll(async () => (await page.context().cookies()).find((c) => c.name === 'cookie-preferences')?.value).toContain('.withdraw.')
  expect(await consentId(page)).toBe(id)

  // The API is back: the next page view delivers what waited.
  await page.unroute('**/api/v1/consents')
  const delivered: number[] = []
  page.on('response', (r) => r.url().endsWith('/api/v1/consents') && delivered.push(r.status()))
  await page.reload()
  await expect.poll(() => delivered.length).toBeGreaterThanOrEqual(3)
  // Once delivered they are gone from the queue: another page view sends nothing.
  await page.reload()
  await page.waitForLoadState('networkidle')
  expect(delivered.filter((s) => s === 201)).toHaveLength(3)

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
