import { expect, test } from '@playwright/test'
import { settle } from '../support/test'

// Storage the browser refuses: in a sandboxed iframe (and some private modes) reading or writing
// `document.cookie` and opening IndexedDB throw a SecurityError. The SDK must still show the
// banner and put a choice in force for the page view, without throwing into the page.
//
// Minopa's demo stand-ins for vendor scripts write their cookies unguarded (real vendor libraries
// guard theirs), so once released each throws on its first write. That refused write is how this
// test sees a gated script run; the uncaught errors are exactly those, none from the SDK. (So this
// spec takes Playwright's own `test`, not the suite's, which fails on any uncaught exception.)

type MC = { miniconsent: { get(): { method: string } | null; accepted(category: string): boolean } }

test('with cookies and IndexedDB blocked, the banner shows and Accept all runs the gated analytics script', async ({ page }) => {
  await page.addInitScript(() => {
    const refused: string[] = ((window as unknown as { __refused: string[] }).__refused = [])
    const blocked = () => {
      throw new DOMException('The operation is insecure.', 'SecurityError')
    }
    Object.defineProperty(Document.prototype, 'cookie', {
      configurable: true,
      get: blocked,
      set: (v: string) => {
        refused.push(String(v))
        blocked()
      },
    })
    Object.defineProperty(IDBFactory.prototype, 'open', { configurable: true, value: blocked })
  })
  const errors: Error[] = []
  page.on('pageerror', (e) => errors.push(e))
  const refused = () => page.evaluate(() => (window as unknown as { __refused: string[] }).__refused.map((v) => v.split('=')[0]))

  await page.goto('/demo/minopa/')
  const banner = page.getByRole('region', { name: 'We use cookies' })
  await expect(banner).toBeVisible()
  await settle(page)
  expect(await refused()).toEqual([])
  expect(errors).toEqual([])

  await banner.getByRole('button', { name: 'Accept all' }).click()
  await expect(banner).toBeHidden()
  // The choice is in force for this page view though it could not be stored.
  expect(await page.evaluate(() => (window as unknown as MC).miniconsent.get()?.method)).toBe('accept-all')
  expect(await page.evaluate(() => (window as unknown as MC).miniconsent.accepted('analytics'))).toBe(true)
  await expect(page.locator('script[data-service="google-analytics"]')).not.toHaveAttribute('type', 'text/plain')
  // The Google Analytics stand-in ran: it tried to set _ga (refused by the browser).
  await expect.poll(refused).toContain('_ga')
  await settle(page)
  const names = await refused()
  // The SDK tried to store the choice and caught the refusal itself.
  expect(names).toContain('cookie-preferences')
  const pageWrites = names.filter((n) => n !== 'cookie-preferences')
  expect(pageWrites.sort()).toEqual(['_clck', '_ga', 'sentry-session', 'theme'])
  // Every uncaught error is one of those stand-ins' own refused writes: none comes from the SDK.
  expect(errors.map((e) => e.name)).toEqual(pageWrites.map(() => 'SecurityError'))
})
