import { type Page } from '@playwright/test'
import { expect, test } from '../support/test'
import { axeViolations } from '../support/axe'

// The SDK's UI on a customer page, checked with axe-core: banner, preferences dialog (categories
// and services expanded) and the cookie declaration. Only what the SDK renders is checked.

const violations = (page: Page, selector: string) => axeViolations(page, { include: selector })

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

test('in Arabic the banner and dialog lay out right to left, and axe finds nothing', async ({ page }) => {
  await page.route('**/demo/x/ar/', (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><html lang="ar"><head><script src="/sdk/minopa.js"></script><title>Test</title></head><body><main><h1>Test</h1></main></body></html>' }),
  )
  await page.setViewportSize({ width: 1000, height: 700 })
  await page.goto('/demo/x/ar/')
  const banner = page.getByRole('region', { name: 'نستخدم ملفات تعريف الارتباط' })
  await expect(banner).toBeVisible()
  const root = page.locator('#miniconsent > div')
  await expect(root).toHaveAttribute('lang', 'ar')
  await expect(root).toHaveAttribute('dir', 'rtl')

  // The title starts at the right edge of the banner, not the left.
  const title = await banner.getByRole('heading').evaluate((h) => {
    const range = document.createRange()
    range.selectNodeContents(h)
    const text = range.getBoundingClientRect()
    const box = h.getBoundingClientRect()
    return { fromRight: box.right - text.right, fromLeft: text.left - box.left }
  })
  expect(title.fromRight).toBeLessThan(2)
  expect(title.fromLeft).toBeGreaterThan(100)

  // Buttons on one line run from right to left in document order.
  const buttons = await banner.getByRole('button').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ x: r.x, y: Math.round(r.y) })))
  const firstLine = buttons.filter((b) => b.y === buttons[0]!.y)
  expect(firstLine.length).toBeGreaterThan(1)
  for (let i = 1; i < firstLine.length; i++) expect(firstLine[i]!.x).toBeLessThan(firstLine[i - 1]!.x)
  expect(await violations(page, '#miniconsent')).toEqual([])

  await banner.getByRole('button', { name: 'التفضيلات' }).click()
  const dialog = page.getByRole('dialog', { name: 'تفضيلات ملفات تعريف الارتباط' })
  await expect(dialog).toBeVisible()
  // Its close button sits at the start of the line, which is the left in Arabic.
  const close = (await dialog.getByRole('button', { name: 'إغلاق' }).boundingBox())!
  const box = (await dialog.boundingBox())!
  expect(close.x + close.width / 2).toBeLessThan(box.x + box.width / 2)
  expect(await violations(page, '#miniconsent')).toEqual([])
})
