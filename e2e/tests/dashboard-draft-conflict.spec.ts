import { expect, test, type Page } from '../support/test'
import { signIn } from '../support/sign-in'
import { axeViolations } from '../support/axe'

// Two admins edit My Mini Webinar's catalogue draft at once, in two browser contexts. The one who
// saves second is told, compares, and merges; the seeded draft is put back at the end.

const SITE = 'my-mini-webinar'

async function openCatalogue(page: Page) {
  await signIn(page)
  await page.goto(`/sites/${SITE}/catalogue`)
  await expect(page.getByRole('heading', { level: 2, name: 'Categories' })).toBeVisible()
}

test('the second save of a draft is refused, compared and merged field by field', async ({ page, browser }) => {
  test.setTimeout(90_000)
  await openCatalogue(page)
  const original = (await (await page.request.get(`/api/admin/sites/${SITE}/catalogue`)).json()).draft

  const other = await browser.newContext()
  const theirs = await other.newPage()
  await openCatalogue(theirs)

  // Both open the draft; they rename Analytics and save first.
  await theirs.locator('#f-categories-1-label-en').fill('Product analytics')
  await theirs.getByRole('button', { name: 'Save draft' }).click()
  await expect(theirs.getByText('Draft saved.')).toBeVisible()

  // Mine: Essential renamed (theirs left it alone) and Analytics renamed differently.
  await page.locator('#f-categories-0-label-en').fill('Strictly necessary')
  await page.locator('#f-categories-1-label-en').fill('Statistics')
  await page.getByRole('button', { name: 'Save draft' }).click()
  const panel = page.getByRole('region', { name: /saved the draft at .*, after you opened it/ })
  await expect(panel).toBeVisible()
  await expect(page.getByRole('heading', { name: /saved the draft at/ })).toBeFocused()
  await expect(page.getByText(/someone saved it meanwhile/)).toBeVisible()
  await expect(panel.getByRole('region', { name: 'Their changes' })).toContainText('categories[analytics].label.en: “Analytics” → “Product analytics”')
  await expect(panel.getByRole('region', { name: 'Your changes' })).toContainText('categories[essential].label.en: “Essential” → “Strictly necessary”')

  expect(await axeViolations(page, { exclude: 'iframe[title^="Preview"]' })).toEqual([])

  const clash = panel.getByRole('group', { name: 'categories[analytics].label.en' })
  await clash.getByLabel('Theirs: “Product analytics”').check()
  await panel.getByRole('button', { name: 'Merge into the editor' }).click()
  await expect(panel).toBeHidden()
  await expect(page.locator('#f-categories-0-label-en')).toHaveValue('Strictly necessary')
  await expect(page.locator('#f-categories-1-label-en')).toHaveValue('Product analytics')
  await page.getByRole('button', { name: 'Save draft' }).click()
  await expect(page.getByText('Draft saved.')).toBeVisible()

  const saved = (await (await page.request.get(`/api/admin/sites/${SITE}/catalogue`)).json()).draft
  expect(saved.categories.map((c: { label: { en: string } }) => c.label.en)).toEqual(['Strictly necessary', 'Product analytics'])

  // Their editor is now behind: its next save is refused too, and "keep theirs" loads the merged draft.
  await theirs.locator('#f-categories-1-label-en').fill('Analytics')
  await theirs.getByRole('button', { name: 'Save draft' }).click()
  await theirs.getByRole('button', { name: 'Keep theirs, discard mine' }).click()
  await expect(theirs.locator('#f-categories-0-label-en')).toHaveValue('Strictly necessary')
  await other.close()

  // Put the seeded draft back (no base version: a plain overwrite).
  const csrf = (await (await page.request.get('/api/admin/me')).json()).csrfToken
  const restored = await page.request.put(`/api/admin/sites/${SITE}/catalogue/draft`, { data: { catalogue: original }, headers: { 'X-CSRF-Token': csrf } })
  expect(restored.status()).toBe(200)
})
