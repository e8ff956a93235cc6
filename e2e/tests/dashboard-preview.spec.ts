import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '../support/test'
import { signIn } from '../support/sign-in'

// The live preview on Texts & appearance: the real SDK with the saved draft, in a sandboxed frame.
// My Mini Webinar's draft gets a banner title, which is removed again at the end (nothing is
// published), so later specs see the seeded draft.

const SITE = 'my-mini-webinar'
const TITLE = 'Webinars, cookies and you'

async function logTotal(page: Page): Promise<number> {
  const res = await page.request.get(`/api/admin/sites/${SITE}/consents?limit=1`)
  expect(res.status()).toBe(200)
  return ((await res.json()) as { total: number }).total
}

async function saveDraft(page: Page) {
  await page.getByRole('button', { name: 'Save draft' }).click()
  await expect(page.getByText('Draft saved.')).toBeVisible()
}

test('a saved text shows in the preview banner, dialog, declaration, other languages and mobile width, and nothing is recorded', async ({ page, context }) => {
  test.setTimeout(90_000)
  const sent: string[] = []
  page.on('request', (r) => /\/api\/v1\/(consents|documents)/.test(r.url()) && sent.push(r.url()))
  await signIn(page)
  const before = await logTotal(page)

  await page.goto(`/sites/${SITE}/texts`)
  await page.getByLabel('Banner title').fill(TITLE)
  await expect(page.getByText('save to see your latest changes')).toBeVisible()
  await saveDraft(page)

  const frameEl = page.locator('iframe[title^="Preview"]')
  const preview = page.frameLocator('iframe[title^="Preview"]')
  const banner = preview.getByRole('region', { name: TITLE })
  await expect(banner).toBeVisible()
  // The dashboard page with the preview in it. What the SDK renders inside is the SDK's a11y spec's
  // to check, against the demo pages; here it would test the seeded accent colour, not this page.
  const axe = await new AxeBuilder({ page }).exclude('iframe[title^="Preview"]').analyze()
  expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])

  // A click in the preview is a choice that is neither stored nor recorded.
  await banner.getByRole('button', { name: 'Accept all' }).click()
  await expect(banner).toBeHidden()

  // By keyboard: the preview's dialog opens without keeping the focus from the picker.
  const show = page.getByLabel('Show', { exact: true })
  await show.focus()
  await page.keyboard.press('ArrowDown')
  await expect(show).toHaveValue('preferences')
  const dialog = preview.getByRole('dialog', { name: 'Cookie preferences' })
  await expect(dialog).toBeVisible()
  await expect(show).toBeFocused()
  await expect(dialog.getByRole('switch', { name: 'Analytics' })).toBeVisible()

  await page.getByLabel('Show', { exact: true }).selectOption('declaration')
  await expect(preview.getByRole('cell', { name: 'Analytics properties and queued events' })).toBeVisible()
  await expect(preview.getByRole('region', { name: TITLE })).toHaveCount(0)

  // German: the SDK's built-in German texts, since the site wrote its title in English only.
  await page.getByLabel('Show', { exact: true }).selectOption('banner')
  await page.getByLabel('Preview language').selectOption('de')
  await expect(preview.locator('html')).toHaveAttribute('lang', 'de')
  await expect(preview.getByRole('region', { name: 'Wir verwenden Cookies' })).toBeVisible()

  // US opt-out: no banner, the "Your Privacy Choices" button instead.
  await page.getByLabel('Preview language').selectOption('en')
  await page.getByLabel('Visitor’s region').selectOption('opt-out')
  await expect(preview.getByRole('button', { name: 'Your Privacy Choices' })).toBeVisible()
  await page.getByLabel('Visitor’s region').selectOption('opt-in')

  await page.getByLabel('Mobile (375 px)').check()
  await expect(preview.getByRole('region', { name: TITLE })).toBeVisible()
  const inner = await (await frameEl.elementHandle())!.contentFrame()
  expect(await inner!.evaluate(() => innerWidth)).toBe(375)

  await preview.getByRole('button', { name: 'Reject all' }).click()
  await expect(preview.getByRole('region', { name: TITLE })).toBeHidden()

  // Nothing reached the consent API, the log, or the browser's cookie jar.
  await page.waitForTimeout(500)
  expect(sent).toEqual([])
  expect(await logTotal(page)).toBe(before)
  expect((await context.cookies()).map((c) => c.name)).toEqual(['mc_session'])

  // Restore the seeded draft.
  await page.getByLabel('Banner title').fill('')
  await saveDraft(page)
  await expect(preview.getByRole('region', { name: 'We use cookies' })).toBeVisible()
})
