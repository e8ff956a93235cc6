import { expect, test, type Page } from '../support/test'
import { signIn } from '../support/sign-in'
import { axeViolations } from '../support/axe'

// MiniConsent's own cookie as a catalogue declares it (shared own-storage.ts), against Site
// settings: a new site's draft declares it under the settings' name and lifetime, and a rename in
// Site settings leaves that declaration behind. The settings page says so after the save, the
// catalogue editor puts it right in one click, and the published declaration follows. On a site
// of its own, deleted at the end.

const WARNING = 'The catalogue does not declare the consent cookie as Site settings set it.'

async function noAxeViolations(page: Page) {
  expect(await axeViolations(page)).toEqual([])
}

test('a consent cookie renamed in Site settings: the settings page and the editor say the catalogue declares the old name, one click renames it, and it is published', async ({ page, request }) => {
  await signIn(page)
  await page.getByRole('link', { name: 'New site' }).click()
  await page.getByLabel('Site name').fill('E2E Cookie')
  await expect(page.getByLabel('Site ID')).toHaveValue('e2e-cookie')
  await page.getByLabel('Domains').fill('cookie.e2e.test')
  await page.getByRole('button', { name: 'Create site' }).click()
  await expect(page).toHaveURL(/\/sites\/e2e-cookie\/catalogue$/)
  await expect(page.getByLabel('Name, row 1')).toHaveValue('miniconsent')
  // The starter draft declares the cookie as the settings say.
  await expect(page.getByText(WARNING)).toHaveCount(0)

  await page.getByRole('link', { name: 'Site settings' }).click()
  await page.getByLabel('Cookie name').fill('e2e_consent')
  await page.getByLabel('Cookie lifetime (days)').fill('365')
  await page.getByRole('button', { name: 'Save settings' }).click()
  await expect(page.getByText('Settings saved.')).toBeVisible()
  await expect(
    page.getByText(
      'The site\'s consent cookie is "e2e_consent", kept 365 days (Site settings), but the catalogue declares no cookie of that name in an always-on category; it declares MiniConsent\'s cookie as "miniconsent", expiry 182d.',
    ),
  ).toBeVisible()
  await noAxeViolations(page)

  await page.getByRole('link', { name: 'Update the declaration in the catalogue editor' }).click()
  await expect(page).toHaveURL(/\/sites\/e2e-cookie\/catalogue$/)
  const warning = page.locator('.finding', { hasText: WARNING })
  await expect(warning).toContainText('Renames cookie "miniconsent" to "e2e_consent", with expiry 1y.')
  await noAxeViolations(page)
  await warning.getByRole('button', { name: 'Update the declaration' }).click()
  await expect(page.getByText(WARNING)).toHaveCount(0)
  await expect(page.getByText('The draft now declares cookie "e2e_consent", expiry 1y: save the draft, then publish it.')).toBeVisible()
  await expect(page.getByLabel('Name, row 1')).toBeFocused()
  await expect(page.getByLabel('Name, row 1')).toHaveValue('e2e_consent')
  await expect(page.getByLabel('Expiry, row 1')).toHaveValue('1y')
  await page.getByRole('button', { name: 'Save draft' }).click()
  await expect(page.getByText('Draft saved.')).toBeVisible()

  await page.getByRole('link', { name: 'Review and publish the draft' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Publish — E2E Cookie' })).toBeVisible()
  await page.getByRole('button', { name: 'Review and publish…' }).click()
  await page.getByRole('button', { name: 'Publish now' }).click()
  await expect(page.getByText(/^Published revision 1\./)).toBeVisible()
  await expect(page.getByText(WARNING)).toHaveCount(0)

  // What visitors read declares the cookie the SDK writes.
  const config = await (await request.get('/api/v1/sites/e2e-cookie/config')).json()
  expect(config.site).toMatchObject({ cookieName: 'e2e_consent', cookieLifetimeDays: 365 })
  expect(config.catalogue.entries.filter((e: { kind: string }) => e.kind === 'cookie')).toMatchObject([{ name: 'e2e_consent', expiry: '1y', category: 'essential' }])

  await page.getByRole('link', { name: 'Site settings' }).click()
  await page.getByRole('button', { name: 'Delete this site…' }).click()
  await page.getByLabel('Site id').fill('e2e-cookie')
  await page.getByRole('button', { name: 'Delete for good' }).click()
  await expect(page).not.toHaveURL(/e2e-cookie/)
})
