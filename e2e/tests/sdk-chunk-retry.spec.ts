import { type Page } from '@playwright/test'
import { expect, settle, test } from '../support/test'

// A chunk whose first request fails (a dropped connection) is fetched again the next time the
// visitor asks for what it shows: the SDK keeps no failed load, and Chromium's module map forgets
// a failed module fetch (whatwg/html#10327), so the retry asks for the same URL, the one a site's
// CSP already allows.

/** Fails the first request for the SDK file `file` (either of its URLs), lets the later ones through; returns the URLs asked for. */
async function failFirst(page: Page, file: string): Promise<string[]> {
  const requests: string[] = []
  await page.route(new RegExp(`/sdk/(v/[0-9a-f]{16}/)?${file.replace('.', '\\.')}$`), (route) => {
    requests.push(route.request().url())
    return requests.length === 1 ? route.abort('connectionreset') : route.continue()
  })
  return requests
}

test('the preferences open from a Cookie Settings link after the banner chunk failed to load once, and the banner still owed shows once they close', async ({ page }) => {
  const requests = await failFirst(page, 'banner.js')
  await page.goto('/demo/minopa/')
  await settle(page)
  expect(requests).toHaveLength(1)
  // Nothing asks for the banner chunk again until the visitor does.
  await expect(page.getByRole('region', { name: 'We use cookies' })).toHaveCount(0)

  await page.locator('footer').getByRole('link', { name: 'Cookie Settings' }).click()
  const dialog = page.getByRole('dialog')
  await expect(dialog).toBeVisible()
  expect(requests).toHaveLength(2)
  expect(requests[1]).toBe(requests[0])
  // The visitor has not chosen yet: closing the preferences leaves the banner they are owed.
  await dialog.getByRole('button', { name: 'Close' }).click()
  await expect(dialog).toHaveCount(0)
  await expect(page.getByRole('region', { name: 'We use cookies' })).toBeVisible()
})

test('Your Privacy Choices opens the preferences on a second click after the dialog chunk failed to load once', async ({ browser }) => {
  // Mini Moni Club is opt-out in California: the button instead of a banner.
  const context = await browser.newContext({ extraHTTPHeaders: { 'x-test-country': 'US', 'x-test-region': 'CA' } })
  const page = await context.newPage()
  const errors: Error[] = []
  page.on('pageerror', (e) => errors.push(e))
  // Vendors' own hosts, which the demo page loads once allowed, fail fast offline.
  await page.route(/^https:\/\//, (route) => route.abort())
  const requests = await failFirst(page, 'dialog.js')
  await page.goto('/demo/mini-moni-club/')
  const button = page.getByRole('button', { name: 'Your Privacy Choices' })
  await button.click()
  await expect.poll(() => requests.length).toBe(1)
  await settle(page)
  await expect(page.getByRole('dialog')).toHaveCount(0)

  await button.click()
  await expect(page.getByRole('dialog')).toBeVisible()
  expect(requests).toHaveLength(2)
  expect(errors).toEqual([])
  await context.close()
})

test('a page that keeps changing asks at most twice for a banner chunk that keeps failing, and a Cookie Settings link asks again at once', async ({ page }) => {
  // The chunk fails until `down` is cleared: a 404 after a bad deploy, a CSP block, a network down.
  let down = true
  const requests: string[] = []
  await page.route(/\/sdk\/(v\/[0-9a-f]{16}\/)?banner\.js$/, (route) => {
    requests.push(route.request().url())
    return down ? route.abort('connectionreset') : route.continue()
  })
  await page.goto('/demo/minopa/')
  await settle(page)
  // A blocked iframe the page adds (its placeholder needs the banner chunk), then 20 changes to the
  // page 20 ms apart, as a ticker or a single-page app makes: each runs the SDK's page scan.
  await page.evaluate(async () => {
    document.body.insertAdjacentHTML('beforeend', '<iframe data-category="analytics" data-src="about:blank"></iframe>')
    for (let i = 0; i < 20; i++) {
      document.body.append(document.createElement('p'))
      await new Promise((r) => setTimeout(r, 20))
    }
  })
  await settle(page)
  expect(requests.length).toBeLessThanOrEqual(2)

  down = false
  const before = requests.length
  await page.locator('footer').getByRole('link', { name: 'Cookie Settings' }).click()
  await expect(page.getByRole('dialog')).toBeVisible()
  expect(requests).toHaveLength(before + 1)
})
