import { expect, test } from '../support/test'
import { customerPage } from '../support/sdk-ui-pages'

// A customer page under a strict Content-Security-Policy: scripts and styles only with the page's
// nonce, no 'unsafe-inline', no 'strict-dynamic'. The SDK tag carries the nonce; everything the
// SDK injects (its chunks, its <style> elements, released scripts) must be allowed by it.

const NONCE = 'c3RyaWN0LWNzcC10ZXN0'
const CSP = `default-src 'self'; script-src 'nonce-${NONCE}'; style-src 'nonce-${NONCE}'; img-src 'self'`

test('under a nonce-only CSP the banner is styled, the dialog works, the choice is recorded and gated scripts with the nonce run, with no violation', async ({ page, request }) => {
  const errors: Error[] = []
  page.on('pageerror', (e) => errors.push(e))
  await page.addInitScript(() => {
    const w = window as unknown as { violations: string[] }
    w.violations = []
    document.addEventListener('securitypolicyviolation', (e) => w.violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`))
  })
  await customerPage(page, request, {
    path: '/demo/ui/csp/',
    sdkAttributes: `nonce="${NONCE}"`,
    headers: { 'Content-Security-Policy': CSP },
    head: `<script type="text/plain" data-category="analytics" nonce="${NONCE}">window.inlineRan = true</script>
<script type="text/plain" data-category="analytics" data-src="/demo/ui/csp/vendor.js" nonce="${NONCE}"></script>`,
    body: '<p><a href="#" data-consent-open>Cookie settings</a></p><iframe title="Video" data-category="marketing" data-src="/demo/ui/csp/frame.html"></iframe>',
  })
  await page.route('**/demo/ui/csp/vendor.js', (route) => route.fulfill({ contentType: 'text/javascript', body: 'window.srcRan = true' }))
  const posted = page.waitForResponse((r) => r.url().endsWith('/api/v1/consents') && r.request().method() === 'POST')
  await page.goto('/demo/ui/csp/')
  const banner = page.getByRole('region', { name: 'We use cookies' })
  await expect(banner).toBeVisible()

  // Styled: the banner's stylesheet applied (fixed at the bottom, the accent on its buttons).
  expect(await banner.evaluate((el) => getComputedStyle(el).position)).toBe('fixed')
  const accept = banner.getByRole('button', { name: 'Accept all' })
  expect(await accept.evaluate((el) => getComputedStyle(el).borderTopStyle)).toBe('solid')

  // The placeholder chunk's stylesheet: the click-to-load placeholder is a centred flex column.
  const load = page.getByRole('button', { name: 'Load content from 127.0.0.1' })
  await expect(load).toBeVisible()
  expect(await load.evaluate((el) => getComputedStyle(el.parentElement!).flexDirection)).toBe('column')

  await banner.getByRole('button', { name: 'Cookie Settings' }).click()
  const dialog = page.getByRole('dialog', { name: /preferences/i })
  await expect(dialog).toBeVisible()
  // The dialog chunk's stylesheet too: its table of entries collapses its borders.
  await dialog.locator('button[aria-expanded]').nth(2).click()
  expect(await dialog.getByRole('table').first().evaluate((el) => getComputedStyle(el).borderCollapse)).toBe('collapse')
  await dialog.getByRole('switch', { name: 'Analytics Cookies' }).check()
  await dialog.getByRole('button', { name: 'Save choices' }).click()
  await expect(dialog).toBeHidden()
  expect((await posted).status()).toBe(201)

  await expect.poll(() => page.evaluate(() => (window as unknown as { inlineRan?: boolean }).inlineRan)).toBe(true)
  await expect.poll(() => page.evaluate(() => (window as unknown as { srcRan?: boolean }).srcRan)).toBe(true)
  expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([])
  expect(errors).toEqual([])
})
