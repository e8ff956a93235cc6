import AxeBuilder from '@axe-core/playwright'
import { expect, test } from '../support/test'
import { E2E_ADMIN } from '../support/env'

// The site settings page against the real server: a region override reaches the public config at once.
// My Mini Webinar, which no other spec visits, and the override is removed again at the end, so the
// region specs that run later still see the built-in modes.

test('the owner makes the US opt-in, the config answers opt-in for a US visitor, and removing it restores notice', async ({ page, request }) => {
  const config = () => request.get('/api/v1/sites/my-mini-webinar/config', { headers: { 'x-test-country': 'US' } })
  const before = await config()
  expect(before.status()).toBe(200)
  expect((await before.json()).mode).toBe('notice')

  await page.goto('/sign-in')
  await page.getByLabel('Email').fill(E2E_ADMIN.email)
  await page.getByLabel('Password').fill(E2E_ADMIN.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible()
  await page.goto('/sites/my-mini-webinar/settings')
  await expect(page.getByRole('heading', { level: 1, name: /Site settings/ })).toBeVisible()
  await expect(page.getByLabel('Site name')).toBeVisible()

  await page.getByRole('button', { name: 'Add region override' }).click()
  const rows = await page.getByLabel(/^Region code, row \d+$/).count()
  await page.getByLabel(`Region code, row ${rows}`).fill('US')
  await page.getByLabel(`Mode, row ${rows}`).selectOption('opt-in')
  await page.getByRole('button', { name: 'Save settings' }).click()
  await expect(page.getByText('Settings saved.')).toBeVisible()

  const after = await config()
  expect((await after.json()).mode).toBe('opt-in')

  const results = await new AxeBuilder({ page }).analyze()
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])

  await page.getByRole('button', { name: 'Remove US' }).click()
  await page.getByRole('button', { name: 'Save settings' }).click()
  await expect(page.getByText('Settings saved.')).toBeVisible()
  expect((await (await config()).json()).mode).toBe('notice')
})
