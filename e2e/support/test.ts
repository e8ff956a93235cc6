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

export { expect }
export type { Page, Route } from '@playwright/test'
