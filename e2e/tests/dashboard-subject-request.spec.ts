import { expect, test } from '../support/test'
import { E2E_ADMIN } from '../support/env'
import { signIn } from '../support/sign-in'

// A data-subject request by a signed-in customer, in the browser against the built server: the
// site's page linked the visitor's browser to their user ID with identify(); the owner looks the
// user ID up (read in the server's worker thread), opens the consent ID it lists, and the audit
// log then says who looked up whom, naming neither.

const USER_ID = 'customer-e2e-subject-7'

test('an owner finds a customer by user ID, opens their consent ID, and the look-ups are audited without naming them', async ({ page, browser }) => {
  test.setTimeout(90_000)
  const visitor = await browser.newContext()
  const demo = await visitor.newPage()
  await demo.goto('/demo/minopa/')
  await demo.getByRole('region', { name: 'We use cookies' }).getByRole('button', { name: 'Reject all' }).click()
  await expect(demo.getByRole('region', { name: 'We use cookies' })).toBeHidden()
  const consentId = await demo.evaluate(async (userId) => {
    const mc = (window as unknown as { miniconsent: { ready: Promise<unknown>; get(): { consentId: string } | null; identify(id: string): Promise<boolean> } }).miniconsent
    await mc.ready
    if (!(await mc.identify(userId))) throw new Error('identify() was not recorded')
    return mc.get()!.consentId
  }, USER_ID)
  await visitor.close()

  await signIn(page)
  await page.goto('/sites/minopa/consents')
  const search = page.getByRole('search')
  await search.getByLabel('User ID of a signed-in customer').check()
  await search.getByLabel('User ID', { exact: true }).fill(USER_ID)
  await search.getByRole('button', { name: 'Search' }).click()

  const linked = page.getByRole('table', { name: `Consent IDs linked to user ID ${USER_ID}` })
  await expect(linked).toBeVisible()
  await expect(linked.getByRole('row')).toHaveCount(2)
  await linked.getByRole('link', { name: consentId }).click()
  await expect(page.getByRole('table', { name: 'Consent records' }).getByRole('row', { name: new RegExp(consentId) })).not.toHaveCount(0)

  await page.goto('/sites/minopa/audit')
  await page.getByLabel('Action').selectOption({ label: 'Consent records: a user ID’s consentIds looked up (data-subject requests)' })
  const entries = page.getByRole('table', { name: 'Entries, newest first' })
  await expect(entries.getByRole('row').filter({ hasText: 'consents.subject-user-view' })).toHaveCount(1)
  await expect(entries).toContainText(E2E_ADMIN.email)
  // The audit log does not name the customer, not even by a hash: only how many consent IDs were found.
  await expect(page.locator('main')).not.toContainText(USER_ID)
  await page.getByLabel('Action').selectOption({ label: 'Consent records: one visitor’s looked up (data-subject requests)' })
  await expect(entries.getByRole('row').filter({ hasText: 'consents.subject-view' })).not.toHaveCount(0)
  await expect(page.locator('main')).not.toContainText(consentId)
})
