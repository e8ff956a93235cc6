import { expect, test, type Page } from '../support/test'
import { customerPage } from '../support/sdk-ui-pages'
import type { PublishedConfig } from '@miniconsent/shared'

// The SDK's UI with the keyboard alone, at 320 px and at 200 % zoom, and with reduced motion.

/** A long page: links from top to bottom, some of them where the banner bar sits. */
const LINKS = Array.from({ length: 30 }, (_, i) => `<p style="margin:0 0 40px"><a href="#l${i}">Page link ${i}</a></p>`).join('')

const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement!
    const r = el.getBoundingClientRect()
    const banner = document.querySelector('#miniconsent [role=region]')?.getBoundingClientRect()
    // WCAG 2.4.11: a focused element may not be entirely hidden by author content (the banner).
    const hidden = !!banner && !el.closest('#miniconsent') && r.top >= banner.top && r.bottom <= banner.bottom && r.left >= banner.left && r.right <= banner.right
    return { text: (el.textContent ?? '').trim(), inBanner: !!el.closest('#miniconsent [role=region]'), inDialog: !!el.closest('dialog'), hidden, body: el === document.body }
  })

test('keyboard only: Tab reaches the banner and leaves it again, nothing focused hides behind it; Enter opens the preferences, Space switches, Escape cancels, Enter saves', async ({ page, request }) => {
  const posts: string[] = []
  page.on('request', (r) => r.method() === 'POST' && r.url().includes('/api/v1/consents') && posts.push(r.postData() ?? ''))
  await customerPage(page, request, { path: '/demo/ui/keyboard/', body: LINKS, head: '<style>main{font:16px/1.4 sans-serif}</style>' })
  await page.goto('/demo/ui/keyboard/')
  const banner = page.getByRole('region', { name: 'We use cookies' })
  await expect(banner).toBeVisible()

  // Non-modal: Tab walks the whole page and the banner, then out of it; never trapped, never hidden.
  const walk: Awaited<ReturnType<typeof focused>>[] = []
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab')
    walk.push(await focused(page))
  }
  expect(walk.filter((f) => f.hidden).map((f) => f.text)).toEqual([])
  const inBanner = walk.map((f) => f.inBanner)
  const first = inBanner.indexOf(true)
  const last = inBanner.lastIndexOf(true)
  expect(first).toBeGreaterThanOrEqual(0)
  expect(walk.slice(first, last + 1).map((f) => f.text)).toEqual(['Privacy policy', 'Accept all', 'Reject all', 'Cookie Settings'])
  expect(walk.slice(last + 1).some((f) => !f.inBanner)).toBe(true)

  // Enter on Cookie Settings opens the dialog with focus inside it.
  await banner.getByRole('button', { name: 'Cookie Settings' }).focus()
  await page.keyboard.press('Enter')
  const dialog = page.getByRole('dialog', { name: 'Cookie preferences' })
  await expect(dialog).toBeVisible()
  expect((await focused(page)).inDialog).toBe(true)

  // Tab wraps inside the dialog, both ways.
  const stops = await dialog.locator('button, input:not([disabled]), a[href]').count()
  for (let i = 0; i < stops + 2; i++) {
    await page.keyboard.press('Tab')
    expect((await focused(page)).inDialog).toBe(true)
  }
  await dialog.getByRole('button', { name: 'Close' }).focus()
  await page.keyboard.press('Tab')
  expect(await page.evaluate(() => document.activeElement === document.querySelector('dialog [aria-expanded]'))).toBe(true)
  await page.keyboard.press('Shift+Tab')
  expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Close')

  // Space switches a category; Escape closes without recording anything; focus returns to the opener.
  const analytics = dialog.getByRole('switch', { name: 'Analytics Cookies' })
  await analytics.focus()
  await page.keyboard.press('Space')
  await expect(analytics).toBeChecked()
  await page.keyboard.press('Escape')
  await expect(dialog).toBeHidden()
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cookie Settings')
  await expect(banner).toBeVisible()
  expect(await page.evaluate(() => (window as unknown as { miniconsent: { get(): unknown } }).miniconsent.get())).toBeNull()
  expect(posts).toEqual([])

  // Enter again, Space on Analytics, Tab to Save choices, Enter: recorded as a custom choice.
  await page.keyboard.press('Enter')
  await expect(dialog).toBeVisible()
  await analytics.focus()
  await page.keyboard.press('Space')
  await expect(analytics).toBeChecked()
  for (let i = 0; i < stops && (await focused(page)).text !== 'Save choices'; i++) await page.keyboard.press('Tab')
  expect((await focused(page)).text).toBe('Save choices')
  await page.keyboard.press('Enter')
  await expect(dialog).toBeHidden()
  await expect(banner).toBeHidden()
  await expect.poll(() => posts.length).toBe(1)
  expect(JSON.parse(posts[0]!)).toMatchObject({ method: 'custom', categories: { analytics: true, marketing: false } })
})

// WCAG 2.4.3: the button that opened the preferences gets the focus back when they close. The
// reopening button was taken out of the page while the dialog was open, so focus fell to <body>.
for (const { name, config, label } of [
  { name: '"Your Privacy Choices" (opt-out)', config: (c: PublishedConfig) => void (c.mode = 'opt-out'), label: 'Your Privacy Choices' },
  { name: 'the floating button', config: (c: PublishedConfig) => void (c.catalogue.appearance.floatingButton = true), label: 'Change cookie settings' },
])
  test(`focus returns to ${name} when the preferences it opened close, by Escape and by saving`, async ({ page, request }) => {
    const path = `/demo/ui/reopen-${label.replace(/\W+/g, '-').toLowerCase()}/`
    await customerPage(page, request, { path, body: LINKS, config })
    await page.goto(path)
    const banner = page.getByRole('region', { name: 'We use cookies' })
    if (label === 'Change cookie settings') await banner.getByRole('button', { name: 'Accept all' }).click()
    await expect(banner).toBeHidden()
    const reopen = page.getByRole('button', { name: label })
    const dialog = page.getByRole('dialog', { name: 'Cookie preferences' })
    for (const close of ['Escape', 'Save choices']) {
      await reopen.focus()
      await page.keyboard.press('Enter')
      await expect(dialog).toBeVisible()
      expect((await focused(page)).inDialog).toBe(true)
      if (close === 'Escape') await page.keyboard.press('Escape')
      else await dialog.getByRole('button', { name: close }).click()
      await expect(dialog).toBeHidden()
      expect(await focused(page), close).toMatchObject({ text: label, body: false })
    }
  })

for (const { name, viewport, deviceScaleFactor } of [
  { name: '320 px wide', viewport: { width: 320, height: 568 }, deviceScaleFactor: 1 },
  { name: '200 % zoom of 1280 × 720', viewport: { width: 640, height: 360 }, deviceScaleFactor: 2 },
]) {
  for (const layout of ['bar', 'box', 'modal'] as const) {
    test(`${name}, ${layout}: banner and dialog fit, nothing overlaps, no horizontal scroll, every button reachable`, async ({ browser, request }) => {
      const context = await browser.newContext({ viewport, deviceScaleFactor })
      const page = await context.newPage()
      await customerPage(page, request, { path: `/demo/ui/narrow-${layout}/`, body: LINKS, config: (c) => void (c.catalogue.appearance.layout = layout) })
      await page.goto(`/demo/ui/narrow-${layout}/`)
      const banner = page.locator('#miniconsent .mc-banner')
      await expect(banner).toBeVisible()
      await fits(page, banner.locator('button'))
      await banner.getByRole('button', { name: 'Cookie Settings' }).click()
      const dialog = page.getByRole('dialog', { name: 'Cookie preferences' })
      await expect(dialog).toBeVisible()
      for (const expand of await dialog.locator('button[aria-expanded]').all()) await expand.click()
      await fits(page, dialog.locator('button, input'))
      await context.close()
    })
  }
}

/** No horizontal scrolling anywhere; each control, once scrolled to, is wholly in the viewport, and none overlaps another. */
async function fits(page: Page, controls: ReturnType<Page['locator']>) {
  const vp = page.viewportSize()!
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true)
  const overflowing = await page.evaluate(() =>
    [...document.querySelectorAll('#miniconsent *')].filter((el) => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible').map((el) => el.tagName),
  )
  expect(overflowing).toEqual([])
  const boxes = []
  for (const c of await controls.all()) {
    await c.scrollIntoViewIfNeeded()
    const b = (await c.boundingBox())!
    expect(b.x).toBeGreaterThanOrEqual(0)
    expect(b.x + b.width).toBeLessThanOrEqual(vp.width)
    expect(b.y).toBeGreaterThanOrEqual(0)
    expect(b.y + b.height).toBeLessThanOrEqual(vp.height)
    // The control itself takes the click there, not something drawn over it.
    expect(await c.evaluate((el) => {
      const r = el.getBoundingClientRect()
      const at = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)
      return !!at && (el === at || el.contains(at) || (el as HTMLElement).contains(at))
    })).toBe(true)
    boxes.push(b)
  }
  // Measured in one scroll position: the controls of one row or column must not overlap.
  const rects = await controls.evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ x: r.x, y: r.y, w: r.width, h: r.height })))
  for (let i = 0; i < rects.length; i++)
    for (let j = i + 1; j < rects.length; j++) {
      const [a, b] = [rects[i]!, rects[j]!]
      const overlap = a.x < b.x + b.w - 0.5 && b.x < a.x + a.w - 0.5 && a.y < b.y + b.h - 0.5 && b.y < a.y + a.h - 0.5
      expect(overlap, `controls ${i} and ${j} overlap`).toBe(false)
    }
  expect(boxes.length).toBeGreaterThan(0)
}

test('with reduced motion nothing in the banner or the dialog animates or transitions', async ({ page, request }) => {
  await page.emulateMedia({ reducedMotion: 'reduce' })
  await customerPage(page, request, { path: '/demo/ui/motion/' })
  await page.goto('/demo/ui/motion/')
  const moving = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('#miniconsent, #miniconsent *')].flatMap((el) =>
        [el, '::backdrop'].map((pseudo) => getComputedStyle(el, pseudo === el ? null : (pseudo as string))).flatMap((s) => {
          const secs = (v: string) => Math.max(...v.split(',').map((x) => parseFloat(x) || 0))
          return secs(s.transitionDuration) > 0 || secs(s.animationDuration) > 0 ? [`${el.tagName}.${el.className}`] : []
        }),
      ),
    )
  await expect(page.getByRole('region', { name: 'We use cookies' })).toBeVisible()
  expect(await moving()).toEqual([])
  await page.getByRole('button', { name: 'Cookie Settings' }).click()
  await expect(page.getByRole('dialog')).toBeVisible()
  expect(await moving()).toEqual([])
  expect(await page.evaluate(() => document.getAnimations().length)).toBe(0)
})
