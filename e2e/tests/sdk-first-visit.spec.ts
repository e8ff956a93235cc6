import { readFileSync } from 'node:fs'
import { type Page } from '@playwright/test'
import { expect, journalEmptied, settle, test } from '../support/test'

// Which SDK files a visit downloads: the size budget (sdk/scripts/size.mjs) counts the files
// sdk/dist/manifest.json lists, and this checks that list against what a browser really fetches.
const manifest = JSON.parse(readFileSync(new URL('../../sdk/dist/manifest.json', import.meta.url), 'utf8')) as {
  build: string
  firstVisit: string[]
  returningVisit: string[]
}

/**
 * File names requested under /sdk/, the site's script counted as miniconsent.js; the chunks come
 * from the build's own directory, /sdk/v/<build>/.
 */
function sdkRequests(page: Page): string[] {
  const seen: string[] = []
  page.on('request', (r) => {
    const m = /\/sdk\/(?:v\/[0-9a-f]{16}\/)?([^/?#]+)$/.exec(r.url().split(/[?#]/)[0]!)
    if (m) seen.push(m[1] === 'minopa.js' ? 'miniconsent.js' : m[1]!)
  })
  return seen
}

function collectErrors(page: Page): Error[] {
  const errors: Error[] = []
  page.on('pageerror', (e) => errors.push(e))
  return errors
}

test('a first visit fetches the core and the banner chunk only; the dialog chunk comes with Cookie Settings', async ({ page }) => {
  const errors = collectErrors(page)
  const requested = sdkRequests(page)
  const urls: string[] = []
  page.on('request', (r) => r.url().includes('/sdk/') && urls.push(new URL(r.url()).pathname))
  await page.goto('/demo/minopa/')
  const banner = page.getByRole('region', { name: 'We use cookies' })
  await expect(banner).toBeVisible()
  await settle(page)
  // The chunks come from the directory of the build the site's script was served with.
  expect(urls.sort()).toEqual(['/sdk/minopa.js', `/sdk/v/${manifest.build}/banner.js`])
  expect(requested.sort()).toEqual([...manifest.firstVisit].sort())
  expect(requested.sort()).toEqual(['banner.js', 'miniconsent.js'])

  await banner.getByRole('button', { name: 'Cookie Settings' }).click()
  await expect(page.getByRole('dialog')).toBeVisible()
  expect(requested).toContain('dialog.js')
  // Preact lives in banner.js alone: the dialog chunk imports it from there.
  expect(requested.filter((f) => f === 'banner.js')).toHaveLength(1)
  expect(errors).toEqual([])
})

test('a returning visit fetches the core script alone', async ({ page }) => {
  const errors = collectErrors(page)
  const firstVisit = sdkRequests(page)
  await page.goto('/demo/minopa/')
  // The rejection's record must be delivered before the page is left: one still in the journal is
  // sent by the next page view, which then rightly loads the queue's chunk (store.js) too.
  const delivered = page.waitForResponse((r) => r.url().endsWith('/api/v1/consents') && r.request().method() === 'POST')
  await page.getByRole('region', { name: 'We use cookies' }).getByRole('button', { name: 'Reject all' }).click()
  await expect.poll(async () => (await page.context().cookies()).map((c) => c.name)).toContain('cookie-preferences')
  expect((await delivered).status()).toBe(201)
  await journalEmptied(page)
  // The rejection deletes what it denies on this page (its chunk must not be counted as the next page's).
  await expect.poll(() => firstVisit).toContain('cleanup.js')

  const requested = sdkRequests(page)
  await page.reload()
  await settle(page)
  expect(requested).toEqual(manifest.returningVisit)
  expect(requested).toEqual(['miniconsent.js'])
  await expect(page.getByRole('region', { name: 'We use cookies' })).toHaveCount(0)
  expect(errors).toEqual([])
})

test('the declaration far down the page is filled once scrolled near, with the dialog chunk', async ({ page }) => {
  const errors = collectErrors(page)
  const requested = sdkRequests(page)
  await page.goto('/demo/minopa/')
  await settle(page)
  const table = page.locator('[data-consent-table] table').first()
  await page.locator('[data-consent-table]').scrollIntoViewIfNeeded()
  await expect(table).toBeVisible()
  expect(requested).toContain('dialog.js')
  await expect(page.locator('[data-consent-table]')).toContainText('cookie-preferences')
  expect(errors).toEqual([])
})
