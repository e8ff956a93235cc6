import { readFileSync } from 'node:fs'
import { type Page } from '@playwright/test'
import { expect, test } from '../support/test'
import type { PublishedConfig } from '@miniconsent/shared'

// Gated external scripts are released one after the other, each waiting for the one before to load
// (or fail), as the parser would, however long that takes. Some never load nor fail: Chromium
// neither fetches nor fires an event on a `nomodule` script, nor on one whose type is not
// JavaScript. They must not hold the scripts after them. happy-dom fetches and runs differently:
// these need a real browser.

const SDK = readFileSync(new URL('../../sdk/dist/miniconsent.js', import.meta.url), 'utf8')

async function setup(page: Page, body: string, libDelay = 800) {
  const config = (await (await page.request.get('/api/v1/sites/minopa/config')).json()) as PublishedConfig
  const fetched: string[] = []
  await page.route('**/sdk/minopa.js', (route) =>
    route.fulfill({ contentType: 'text/javascript', body: SDK.split('"__MINICONSENT_CONFIG__"').join(JSON.stringify(config).replace(/</g, '\\u003c')) }),
  )
  await page.route('**/demo/x/gate/**', async (route) => {
    const url = new URL(route.request().url())
    if (url.pathname === '/demo/x/gate/') {
      return route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><html lang="en"><head><script src="/sdk/minopa.js"></script><script>window.ran = []</script>${body}</head><body><h1>Gate</h1></body></html>`,
      })
    }
    fetched.push(url.pathname)
    // The library the next scripts need: slow, so that only waiting for it keeps their order.
    if (url.pathname.endsWith('/lib.js')) await new Promise((r) => setTimeout(r, libDelay))
    if (url.pathname.endsWith('/missing.js')) return route.fulfill({ status: 404, contentType: 'text/plain', body: 'Not found' })
    return route.fulfill({ contentType: 'text/javascript', body: `ran.push(${JSON.stringify(url.pathname.split('/').pop())})` })
  })
  await page.goto('/demo/x/gate/')
  await page.getByRole('region', { name: 'We use cookies' }).getByRole('button', { name: 'Accept all' }).click()
  return { fetched, ran: () => page.evaluate(() => (window as unknown as { ran: string[] }).ran) }
}

test('a granted nomodule script does not hold the scripts after it; the others keep their order', async ({ page }) => {
  const { fetched, ran } = await setup(
    page,
    `<script type="text/plain" data-category="analytics" nomodule data-src="/demo/x/gate/legacy.js"></script>
<script type="text/plain" data-category="analytics" data-src="/demo/x/gate/lib.js"></script>
<script type="text/plain" data-category="analytics">ran.push('uses lib')</script>`,
  )
  await expect.poll(ran, { timeout: 3000 }).toEqual(['lib.js', 'uses lib'])
  // A browser with modules never runs, nor fetches, a nomodule script.
  expect(fetched).toEqual(['/demo/x/gate/lib.js'])
})

test('a granted script the browser never fetches (not JavaScript) does not hold the scripts after it', async ({ page }) => {
  const { fetched, ran } = await setup(
    page,
    `<script type="text/plain" data-category="analytics" data-type="text/x-template" data-src="/demo/x/gate/template.html"></script>
<script type="text/plain" data-category="analytics">ran.push('after template')</script>`,
  )
  // Released with the click, not after a wait.
  await expect.poll(ran, { timeout: 1000 }).toEqual(['after template'])
  expect(fetched).toEqual([])
})

test('a library slower than 5 s still runs before the script that needs it', async ({ page }) => {
  test.setTimeout(45_000)
  const { ran } = await setup(
    page,
    `<script type="text/plain" data-category="analytics" data-src="/demo/x/gate/lib.js"></script>
<script type="text/plain" data-category="analytics">ran.push('uses lib: ' + ran.includes('lib.js'))</script>`,
    6500,
  )
  // The order, not the timing: the script waits for the library, as the parser would have.
  await expect.poll(ran, { timeout: 15_000 }).toEqual(['lib.js', 'uses lib: true'])
})

test("a released script keeps its own onload and onerror handlers, and the next still waits for it", async ({ page }) => {
  const { ran } = await setup(
    page,
    `<script type="text/plain" data-category="analytics" data-src="/demo/x/gate/lib.js" onload="ran.push('lib onload')"></script>
<script type="text/plain" data-category="analytics" data-src="/demo/x/gate/missing.js" onerror="ran.push('missing onerror')"></script>
<script type="text/plain" data-category="analytics">ran.push('after both')</script>`,
  )
  // A site's onload="initWidget()" on a library tag runs once the library has, as without gating.
  await expect.poll(ran, { timeout: 5000 }).toEqual(['lib.js', 'lib onload', 'missing onerror', 'after both'])
})

test('a gated script written with src= instead of data-src still holds the scripts after it', async ({ page }) => {
  const { ran } = await setup(
    page,
    `<script type="text/plain" data-category="analytics" src="/demo/x/gate/lib.js"></script>
<script type="text/plain" data-category="analytics">ran.push('uses lib: ' + ran.includes('lib.js'))</script>`,
  )
  await expect.poll(ran, { timeout: 5000 }).toEqual(['lib.js', 'uses lib: true'])
})
