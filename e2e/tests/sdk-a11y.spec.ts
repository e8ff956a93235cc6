import AxeBuilder from '@axe-core/playwright'
import { type Page } from '@playwright/test'
import { expect, test } from '../support/test'

// The SDK's UI on a customer page, checked with axe-core: banner, preferences dialog (categories
// and services expanded) and the cookie declaration. Only what the SDK renders is checked.

async function violations(page: Page, selector: string) {
  const result = await new AxeBuilder({ page }).include(selector).analyze()
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
}

test('banner, preferences dialog and declaration have no axe violations', async ({ page }) => {
  const errors: Error[] = []
  page.on('pageerror', (e) => errors.push(e))
  await page.goto('/demo/minopa/')
  const banner = page.getByRole('region', { name: 'We use cookies' })
  await expect(banner).toBeVisible()
  expect(await violations(page, '#miniconsent')).toEqual([])

  await banner.getByRole('button', { name: 'Cookie Settings' }).click()
  const dialog = page.getByRole('dialog')
  await expect(dialog).toBeVisible()
  for (const expand of await dialog.locator('button[aria-expanded]').all()) await expand.click()
  await expect(dialog.getByRole('table').first()).toBeVisible()
  expect(await violations(page, '#miniconsent')).toEqual([])
  await page.keyboard.press('Escape')
  await expect(dialog).toBeHidden()

  await page.locator('[data-consent-table]').scrollIntoViewIfNeeded()
  await expect(page.locator('[data-consent-table] table').first()).toBeVisible()
  expect(await violations(page, '[data-consent-table]')).toEqual([])
  expect(errors).toEqual([])
})

test('the German banner and dialog have no axe violations either', async ({ page }) => {
  await page.route('**/demo/x/de/', (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><html lang="de"><head><script src="/sdk/minopa.js"></script><title>Test</title></head><body><main><h1>Test</h1></main></body></html>' }),
  )
  await page.goto('/demo/x/de/')
  const banner = page.getByRole('region', { name: 'Wir verwenden Cookies' })
  await expect(banner).toBeVisible()
  await expect(page.locator('#miniconsent > div')).toHaveAttribute('lang', 'de')
  expect(await violations(page, '#miniconsent')).toEqual([])
  await banner.getByRole('button', { name: 'Einstellungen' }).click()
  await expect(page.getByRole('dialog', { name: 'Cookie-Einstellungen' })).toBeVisible()
  expect(await violations(page, '#miniconsent')).toEqual([])
})
