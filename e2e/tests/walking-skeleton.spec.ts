import { type BrowserContext, type Page } from '@playwright/test'
import { expect, test } from '../support/test'
import { parseConsentCookie } from '@miniconsent/shared/cookie'
import { E2E_ADMIN } from '../support/env'

// Issue 2's slice: demo page → banner → stored choice → gated scripts → consent log → dashboard.

// Minopa names its stored choice `cookie-preferences`, as its policy declares.
async function consentCookie(context: BrowserContext, name = 'cookie-preferences') {
  const cookie = (await context.cookies()).find((c) => c.name === name)
  return parseConsentCookie(cookie?.value)
}

async function waitForRecord(page: Page, siteId: string, consentId: string) {
  await expect
    .poll(async () => (await page.request.get(`/api/v1/consents/${consentId}?site=${siteId}`)).status(), { timeout: 10_000 })
    .toBe(200)
}

test('Accept all runs the gated analytics script and the owner sees the record in the dashboard', async ({ page, context }) => {
  const pageErrors: Error[] = []
  page.on('pageerror', (e) => pageErrors.push(e))
  await page.goto('/demo/minopa/')

  const banner = page.getByRole('region', { name: 'We use cookies' })
  await expect(banner).toBeVisible()
  await expect(banner.getByRole('button', { name: 'Reject all' })).toBeVisible()
  // Nothing non-essential ran before the choice.
  await expect(page.locator('[data-ran="google-analytics"]')).toHaveCount(0)
  expect((await context.cookies()).map((c) => c.name)).not.toContain('_ga')

  await banner.getByRole('button', { name: 'Accept all' }).click()
  await expect(banner).toBeHidden()
  await expect(page.locator('[data-ran="google-analytics"]')).toHaveCount(1)
  await expect.poll(async () => (await context.cookies()).map((c) => c.name)).toContain('_ga')

  const stored = await consentCookie(context)
  expect(stored?.method).toBe('accept-all')
  expect(stored?.granted).toEqual(expect.arrayContaining(['essential', 'functional', 'analytics', 'marketing']))
  await waitForRecord(page, 'minopa', stored!.consentId)

  // A returning visit: no banner, the granted script runs straight away.
  await page.reload()
  await expect(page.locator('[data-ran="google-analytics"]')).toHaveCount(1)
  await expect(page.getByRole('region', { name: 'We use cookies' })).toHaveCount(0)

  // The owner signs in and finds this visitor's record in Minopa's consent log.
  await page.goto('/')
  await page.getByLabel('Email').fill(E2E_ADMIN.email)
  await page.getByLabel('Password').fill(E2E_ADMIN.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByLabel('Site').selectOption('minopa')
  const table = page.getByRole('table', { name: 'Consent records' })
  await expect(table).toBeVisible()
  await page.getByLabel('Consent ID', { exact: true }).fill(stored!.consentId)
  await page.getByLabel('Consent ID', { exact: true }).press('Enter')
  await expect(table.getByText(stored!.consentId).first()).toBeVisible()
  await expect(table.getByRole('cell', { name: 'Accept all' })).toBeVisible()
  expect(pageErrors).toEqual([])
})

test('Reject all keeps the gated scripts blocked, now and on the next visit', async ({ page, context }) => {
  const pageErrors: Error[] = []
  page.on('pageerror', (e) => pageErrors.push(e))
  await page.goto('/demo/minopa/')
  const banner = page.getByRole('region', { name: 'We use cookies' })
  await banner.getByRole('button', { name: 'Reject all' }).click()
  await expect(banner).toBeHidden()

  const stored = await consentCookie(context)
  expect(stored?.method).toBe('reject-all')
  expect(stored?.granted).toEqual(['essential'])
  await waitForRecord(page, 'minopa', stored!.consentId)

  await expect(page.locator('[data-ran]')).toHaveCount(0)
  await page.reload()
  await expect(page.getByRole('region', { name: 'We use cookies' })).toHaveCount(0)
  await expect(page.locator('[data-ran]')).toHaveCount(0)
  const names = (await context.cookies()).map((c) => c.name)
  expect(names.filter((n) => ['_ga', '_gid', '_clck', '_clsk', 'CLID'].includes(n) || n.startsWith('sentry-'))).toEqual([])
  expect(pageErrors).toEqual([])
})

test('Preferences lets a visitor grant analytics only', async ({ page, context }) => {
  await page.goto('/demo/minopa/')
  await page.getByRole('region', { name: 'We use cookies' }).getByRole('button', { name: 'Cookie Settings' }).click()
  const dialog = page.getByRole('dialog')
  await expect(dialog).toBeVisible()
  // Essential is on and cannot be switched off; nothing else is pre-ticked.
  const switches = dialog.getByRole('switch').or(dialog.getByRole('checkbox'))
  await expect(switches.first()).toBeDisabled()
  await expect(switches.first()).toBeChecked()
  const analytics = dialog.getByRole('switch', { name: /analytics/i }).or(dialog.getByRole('checkbox', { name: /analytics/i }))
  await expect(analytics).not.toBeChecked()
  await analytics.check()
  await dialog.getByRole('button', { name: 'Save choices' }).click()
  await expect(dialog).toBeHidden()
  await expect(page.locator('[data-ran="google-analytics"]')).toHaveCount(1)
  const stored = await consentCookie(context)
  expect(stored?.method).toBe('custom')
  expect(stored?.granted.sort()).toEqual(['analytics', 'essential'])
})

test('MiniMagic needs no banner: only the declaration and the settings link', async ({ page }) => {
  await page.goto('/demo/minimagic/')
  await expect(page.locator('[data-consent-table] table').first()).toBeVisible()
  await expect(page.getByRole('region', { name: 'We use cookies' })).toHaveCount(0)
})

test('MiniMagic shows a Californian no Your Privacy Choices button: it has nothing to opt out of', async ({ browser }) => {
  const context = await browser.newContext({ extraHTTPHeaders: { 'x-test-country': 'US', 'x-test-region': 'CA' } })
  const page = await context.newPage()
  await page.goto('/demo/minimagic/')
  await expect(page.locator('[data-consent-table] table').first()).toBeVisible()
  type Api = { ready: Promise<unknown>; get(): { region: string | null } | null }
  const region = await page.evaluate(async () => {
    const api = (window as unknown as { miniconsent: Api }).miniconsent
    await api.ready
    return api.get()?.region
  })
  expect(region).toBe('US-CA')
  await expect(page.getByRole('button', { name: 'Your Privacy Choices' })).toHaveCount(0)
  await expect(page.getByRole('region', { name: 'We use cookies' })).toHaveCount(0)
  await context.close()
})
