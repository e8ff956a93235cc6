import { expect, test } from '../support/test'
import { signIn } from '../support/sign-in'
import { axeViolations } from '../support/axe'

// A company adds its own website: the owner creates a site in the dashboard, which serves visitors
// nothing until its first publication, and then its one-tag embed script. Created by mistake, it is
// deleted again: its script stops, and its id is not given again.

test('the owner creates a site, publishes its first catalogue, its embed script is served, and the owner deletes it', async ({ page, request }) => {
  expect((await request.get('/sdk/e2e-shop.js')).status()).toBe(404)

  await signIn(page)
  await page.getByRole('link', { name: 'New site' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'New site' })).toBeVisible()

  // A taken id is refused at its field.
  await page.getByLabel('Site name').fill('E2E Shop')
  await expect(page.getByLabel('Site ID')).toHaveValue('e2e-shop')
  await page.getByLabel('Site ID').fill('minopa')
  await page.getByLabel('Domains').fill('shop.e2e.test\n127.0.0.1')
  await page.getByRole('button', { name: 'Create site' }).click()
  await expect(page.getByText('There is already a site "minopa": choose another id', { exact: true })).toBeVisible()
  await expect(page.getByLabel('Site ID')).toHaveAttribute('aria-invalid', 'true')
  await expect(page.getByLabel('Site ID')).toBeFocused()

  expect(await axeViolations(page)).toEqual([])

  await page.getByLabel('Site ID').fill('e2e-shop')
  await page.getByRole('button', { name: 'Create site' }).click()
  await expect(page).toHaveURL(/\/sites\/e2e-shop\/catalogue$/)
  await expect(page.getByRole('heading', { level: 2, name: 'Categories' })).toBeVisible()
  await expect(page.getByText(/Nothing published yet/)).toBeVisible()
  await expect(page.getByLabel('Site')).toHaveValue('e2e-shop')

  // Nothing is served before the first publication.
  expect((await request.get('/api/v1/sites/e2e-shop/config')).status()).toBe(404)
  const unpublished = await request.get('/sdk/e2e-shop.js')
  expect(unpublished.status()).toBe(404)
  expect(await unpublished.text()).toContain('unknown site "e2e-shop"')

  await page.getByRole('link', { name: 'Review and publish the draft' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Publish — E2E Shop' })).toBeVisible()
  await page.getByRole('button', { name: 'Review and publish…' }).click()
  await page.getByRole('button', { name: 'Publish now' }).click()
  await expect(page.getByText(/^Published revision 1\./)).toBeVisible()

  const script = await request.get('/sdk/e2e-shop.js')
  expect(script.status()).toBe(200)
  expect(script.headers()['content-type']).toMatch(/javascript/)
  const text = await script.text()
  expect(text).toContain('"siteId":"e2e-shop"')
  expect(text).toContain('"revision":1')
  const config = await request.get('/api/v1/sites/e2e-shop/config')
  expect(config.status()).toBe(200)
  expect((await config.json()).site.name).toBe('E2E Shop')

  // Never embedded, it holds no visitor's record: its owner may delete it.
  await page.getByRole('link', { name: 'Site settings' }).click()
  await page.getByRole('button', { name: 'Delete this site…' }).click()
  await expect(page.getByRole('heading', { name: 'Delete E2E Shop?' })).toBeFocused()
  await page.getByLabel('Site id').fill('e2e-shop')
  await page.getByRole('button', { name: 'Delete for good' }).click()
  await expect(page).not.toHaveURL(/e2e-shop/)
  await expect(page.getByLabel('Site').locator('option', { hasText: 'E2E Shop' })).toHaveCount(0)
  expect((await request.get('/sdk/e2e-shop.js')).status()).toBe(404)
  expect((await request.get('/api/v1/sites/e2e-shop/config')).status()).toBe(404)

  // Its audit log stays under its id, which a new site cannot take.
  await page.getByRole('link', { name: 'New site' }).click()
  await page.getByLabel('Site name').fill('E2E Shop')
  await page.getByLabel('Domains').fill('shop.e2e.test')
  await page.getByRole('button', { name: 'Create site' }).click()
  await expect(page.getByText(/^The id "e2e-shop" belonged to a site deleted on /)).toBeVisible()
})
