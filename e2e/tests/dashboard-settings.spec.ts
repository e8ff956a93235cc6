import { expect, test } from '../support/test'
import { signIn } from '../support/sign-in'
import { axeViolations } from '../support/axe'

// The site settings page against the real server: a region setting reaches the public config at
// once. My Mini Webinar, which no other spec visits for its regions, and what it changes is
// restored at the end: its seed asks every region first (`*`: opt-in, *Everywhere else*).

test('the owner sets Everywhere else back to the built-in table, then makes the US opt-in; the config follows each save, and the seed’s setting is restored', async ({ page, request }) => {
  const config = () => request.get('/api/v1/sites/my-mini-webinar/config', { headers: { 'x-test-country': 'US' } })
  const mode = async () => ((await (await config()).json()) as { mode: string }).mode
  expect((await config()).status()).toBe(200)
  expect(await mode()).toBe('opt-in')

  await signIn(page)
  await page.goto('/sites/my-mini-webinar/settings')
  await expect(page.getByRole('heading', { level: 1, name: /Site settings/ })).toBeVisible()
  const everywhere = page.getByLabel('Everywhere else')
  await expect(everywhere).toHaveValue('opt-in')
  const save = async () => {
    await page.getByRole('button', { name: 'Save settings' }).click()
    await expect(page.getByText('Settings saved.')).toBeVisible()
  }

  await everywhere.selectOption('')
  await save()
  // A US visitor whose state is unknown takes the strictest of the states' built-in rules.
  expect(await mode()).toBe('opt-out')

  await page.getByRole('button', { name: 'Add region override' }).click()
  const rows = await page.getByLabel(/^Region code, row \d+$/).count()
  await page.getByLabel(`Region code, row ${rows}`).fill('US')
  await page.getByLabel(`Mode, row ${rows}`).selectOption('opt-in')
  await save()
  expect(await mode()).toBe('opt-in')

  expect(await axeViolations(page)).toEqual([])

  await page.getByRole('button', { name: 'Remove US' }).click()
  await save()
  expect(await mode()).toBe('opt-out')
  await everywhere.selectOption('opt-in')
  await save()
  expect(await mode()).toBe('opt-in')
})

test('the owner adds a legal document and turns on the Consent Mode options; the config carries them, and everything is restored', async ({ page, request }) => {
  const config = async () => (await request.get('/api/v1/sites/my-mini-webinar/config')).json()
  const before = await config()
  expect(before.gtagSet).toBeUndefined()

  await signIn(page)
  await page.goto('/sites/my-mini-webinar/settings')
  const wait = page.getByLabel('Wait for the visitor’s choice (ms)')
  await expect(wait).toBeVisible()
  const waitBefore = await wait.inputValue()

  // Keyboard only: the add button focuses the new row's first cell.
  await page.getByRole('button', { name: 'Add legal document' }).focus()
  await page.keyboard.press('Enter')
  const rows = await page.getByLabel(/^Document, row \d+$/).count()
  await expect(page.getByLabel(`Document, row ${rows}`)).toBeFocused()
  await page.keyboard.type('terms')
  await page.keyboard.press('Tab')
  await page.keyboard.type('2026-11')
  await page.keyboard.press('Tab')
  await page.keyboard.type('javascript:alert(1)')
  await page.getByRole('button', { name: 'Save settings' }).click()
  await expect(page.getByText('use an https://, http:// or mailto: address', { exact: true })).toBeVisible()
  await expect(page.getByLabel(`URL, row ${rows}`)).toHaveAttribute('aria-invalid', 'true')

  await page.getByLabel(`URL, row ${rows}`).fill('https://my-mini-webinar.example/terms')
  await wait.fill('1200')
  await page.getByLabel('Redact ad click identifiers while ad storage is denied').check()
  await page.getByLabel('Pass ad click identifiers through links while storage is denied').check()
  await page.getByRole('button', { name: 'Save settings' }).click()
  await expect(page.getByText('Settings saved.')).toBeVisible()

  expect(await axeViolations(page)).toEqual([])

  const after = await config()
  expect(after.gtagSet).toEqual({ ads_data_redaction: true, url_passthrough: true })
  expect(after.site.consentModeWaitForUpdate).toBe(1200)
  const saved = await page.request.get('/api/admin/sites/my-mini-webinar/catalogue')
  expect((await saved.json()).settings.documents.terms).toEqual({ version: '2026-11', url: 'https://my-mini-webinar.example/terms' })

  await page.getByRole('button', { name: 'Remove terms' }).click()
  await wait.fill(waitBefore)
  await page.getByLabel('Redact ad click identifiers while ad storage is denied').uncheck()
  await page.getByLabel('Pass ad click identifiers through links while storage is denied').uncheck()
  await page.getByRole('button', { name: 'Save settings' }).click()
  await expect(page.getByText('Settings saved.')).toBeVisible()
  const restored = await config()
  expect(restored.gtagSet).toBeUndefined()
  expect(restored.site).toEqual(before.site)
})
