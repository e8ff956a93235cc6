// The suite's `test`: Playwright's, plus a check that no page of the test threw an uncaught
// exception (issue 3: "No uncaught exception on any page in the test suite"). Every page the
// test's browser context opens is watched, popups included; a test fails after its body when one threw.
import { test as base, expect } from '@playwright/test'

export const test = base.extend<{ noUncaughtErrors: void }>({
  noUncaughtErrors: [
    async ({ context }, use, testInfo) => {
      const errors: string[] = []
      const watch = (page: import('@playwright/test').Page) => page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`))
      context.pages().forEach(watch)
      context.on('page', watch)
      await use()
      if (testInfo.status === testInfo.expectedStatus) expect(errors, 'uncaught exceptions in the pages of this test').toEqual([])
    },
    { auto: true },
  ],
})

/**
 * Waits until the page has loaded and gone idle: past the load event, an idle callback and a
 * frame, so that what the SDK releases or fetches at start, at load or when idle has started.
 * Used before asserting that something did NOT happen; unlike Playwright's `networkidle` it does
 * not depend on 500 ms without any connection, which a keepalive POST or a busy machine can deny.
 */
export async function settle(page: import('@playwright/test').Page): Promise<void> {
  await page.waitForLoadState('load')
  await page.evaluate(
    () => new Promise<void>((resolve) => requestIdleCallback(() => requestAnimationFrame(() => setTimeout(resolve, 100)), { timeout: 2000 })),
  )
}

/**
 * Waits until the SDK's journal of undelivered records (localStorage, sdk/src/browser/net-flag.ts)
 * is empty: every record made on the page has been delivered and acknowledged.
 */
export async function journalEmptied(page: import('@playwright/test').Page): Promise<void> {
  await expect.poll(() => page.evaluate(() => localStorage.getItem('miniconsent-pending'))).toBeNull()
}

export { expect }
export type { Page, Route } from '@playwright/test'
