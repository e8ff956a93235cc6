import { expect, test } from '../support/test'
import { signIn } from '../support/sign-in'

// Unsaved edits in the catalogue editor, and the browser's Back button: the editor asks, and
// staying keeps the editor and its edits on screen, under its own address.
test('Back over unsaved edits asks: Cancel stays in the editor with its edits, OK goes back', async ({ page }) => {
  await signIn(page)
  await page.goto('/sites/minopa/publish')
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Publish')
  await page.getByRole('link', { name: 'Catalogue', exact: true }).click()
  const label = page.locator('#f-categories-0-label-en')
  await label.fill('Edited, not saved')

  const asked = page.waitForEvent('dialog')
  await page.evaluate(() => history.back())
  const stay = await asked
  expect(stay.message()).toBe('You have unsaved changes. Leave this page and lose them?')
  await stay.dismiss()
  await expect(page).toHaveURL(/\/sites\/minopa\/catalogue$/)
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Catalogue')
  await expect(label).toHaveValue('Edited, not saved')

  const again = page.waitForEvent('dialog')
  await page.evaluate(() => history.back())
  await (await again).accept()
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Publish')
  await expect(page).toHaveURL(/\/sites\/minopa\/publish$/)
})
