import type { PublishedConfig } from '@miniconsent/shared'
import { expect, test, type Page } from '../support/test'
import { customerPage } from '../support/sdk-ui-pages'
import { axeViolations } from '../support/axe'

// Every layout × every built-in theme (system in both colour schemes), with the SDK's own accent:
// axe-core finds nothing in the banner, the preferences dialog (every category expanded) or the
// declaration, nor on opt-out's "Your Privacy Choices" button or the notice banner; text contrast
// is at least 4.5:1 and controls stand out by 3:1 from what is behind them; every button and switch
// is at least 24 × 24 px. And the modal layout is modal, the bar and the box are not.

const LAYOUTS = ['bar', 'box', 'modal'] as const
const THEMES = [
  { theme: 'light', scheme: 'light' },
  { theme: 'dark', scheme: 'light' },
  { theme: 'system', scheme: 'light' },
  { theme: 'system', scheme: 'dark' },
] as const

const builtIn = (layout: string, theme: string) => (c: PublishedConfig) => {
  c.catalogue.appearance = { layout: layout as 'bar', theme: theme as 'light', floatingButton: false }
}

const LINKS = '<p><a href="#one">Page link one</a></p><p><a href="#two">Page link two</a></p><h2>Cookies we use</h2><div data-consent-table></div>'

const violations = (page: Page, selector: string) => axeViolations(page, { include: selector })

/**
 * Contrast of every text against the first opaque background behind it, and of each control's
 * own background (or, when it has none, its border) against the background around it; sizes of
 * every button and switch. WCAG 1.4.3, 1.4.11, 2.5.8.
 */
function measure(sel: string) {
  {
    const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number)
    const lum = ([r, g, b]: number[]) =>
      [r!, g!, b!].map((v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i]!, 0)
    const ratio = (a: string, b: string) => {
      const [x, y] = [lum(rgb(a)), lum(rgb(b))].sort((p, q) => q - p)
      return Math.round(((x! + 0.05) / (y! + 0.05)) * 100) / 100
    }
    const opaque = (c: string) => c !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(c)
    const bgOf = (el: Element | null): string => {
      for (; el; el = el.parentElement) {
        const c = getComputedStyle(el).backgroundColor
        if (opaque(c)) return c
      }
      return 'rgb(255, 255, 255)'
    }
    const scope = document.querySelector(sel)!
    const texts: string[] = []
    const controls: string[] = []
    const small: string[] = []
    for (const el of scope.querySelectorAll<HTMLElement>('h2, h3, p, li, th, td, a, button, label, code')) {
      if (!el.offsetParent && getComputedStyle(el).position !== 'fixed') continue
      const r = ratio(getComputedStyle(el).color, bgOf(el))
      if (r < 4.5) texts.push(`${el.tagName} "${el.textContent!.trim().slice(0, 20)}" ${r}`)
    }
    for (const el of scope.querySelectorAll<HTMLElement>('button, input')) {
      const s = getComputedStyle(el)
      const around = bgOf(el.parentElement)
      // What outlines the control: a switch's accent, a button's fill or its border, whichever
      // stands out more. A button drawn as text only is identified by its text, checked above.
      const edges = el.tagName === 'INPUT' ? [s.accentColor] : [opaque(s.backgroundColor) && s.backgroundColor, s.borderTopWidth !== '0px' && s.borderTopColor].filter((c): c is string => !!c)
      const best = Math.max(...edges.map((c) => ratio(c, around)))
      if (edges.length && best < 3) controls.push(`${el.tagName} "${el.textContent!.trim().slice(0, 20)}" ${best}`)
      const b = el.getBoundingClientRect()
      if (b.width < 24 || b.height < 24) small.push(`${el.tagName} "${el.textContent!.trim() || el.getAttribute('aria-label')}" ${b.width}×${b.height}`)
    }
    return { texts, controls, small }
  }
}

for (const layout of LAYOUTS) {
  for (const { theme, scheme } of THEMES) {
    test(`${layout} × ${theme} (${scheme} scheme): no axe violations, contrast and target sizes hold`, async ({ page, request }) => {
      await page.emulateMedia({ colorScheme: scheme })
      const path = `/demo/ui/look-${layout}-${theme}-${scheme}/`
      await customerPage(page, request, { path, body: LINKS, config: builtIn(layout, theme) })
      await page.goto(path)
      const banner = page.locator('#miniconsent .mc-banner')
      await expect(banner).toBeVisible()
      expect(await violations(page, '#miniconsent')).toEqual([])
      expect(await page.evaluate(measure, '#miniconsent .mc-banner'), 'banner').toEqual({ texts: [], controls: [], small: [] })

      await banner.getByRole('button', { name: 'Cookie Settings' }).click()
      const dialog = page.getByRole('dialog', { name: 'Cookie preferences' })
      await expect(dialog).toBeVisible()
      for (const expand of await dialog.locator('button[aria-expanded]').all()) await expand.click()
      await expect(dialog.getByRole('table').first()).toBeVisible()
      expect(await violations(page, '#miniconsent')).toEqual([])
      expect(await page.evaluate(measure, '#miniconsent dialog:not(.mc-banner)'), 'dialog').toEqual({ texts: [], controls: [], small: [] })
      await page.keyboard.press('Escape')
      await expect(dialog).toBeHidden()

      const declaration = page.locator('[data-consent-table]')
      await declaration.scrollIntoViewIfNeeded()
      await expect(declaration.getByRole('table').first()).toBeVisible()
      expect(await violations(page, '[data-consent-table]')).toEqual([])
      expect(await page.evaluate(measure, '[data-consent-table]'), 'declaration').toEqual({ texts: [], controls: [], small: [] })
    })
  }
}

test('the modal layout is modal: the page behind is inert and unreachable by Tab until the visitor chooses', async ({ page, request }) => {
  await customerPage(page, request, { path: '/demo/ui/modal/', body: LINKS, config: builtIn('modal', 'light') })
  await page.goto('/demo/ui/modal/')
  const banner = page.getByRole('dialog', { name: 'We use cookies' })
  await expect(banner).toBeVisible()
  expect(await banner.evaluate((el) => el.matches(':modal'))).toBe(true)

  const pageLink = page.getByRole('link', { name: 'Page link one' })
  // Inert: it cannot take focus, and a click there lands on the backdrop, not on the link.
  expect(await pageLink.evaluate((a) => (a.focus(), document.activeElement === a))).toBe(false)
  expect(await pageLink.evaluate((a) => {
    const r = a.getBoundingClientRect()
    return document.elementFromPoint(r.x + 2, r.y + 2) === a
  })).toBe(false)
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => !!document.activeElement?.closest('main'))).toBe(false)
  }

  // Preferences opens on top; closing it returns focus to the modal banner's button.
  await banner.getByRole('button', { name: 'Cookie Settings' }).click()
  const prefs = page.getByRole('dialog', { name: 'Cookie preferences' })
  await expect(prefs).toBeVisible()
  await page.keyboard.press('Escape')
  await expect(prefs).toBeHidden()
  await expect(banner).toBeVisible()
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cookie Settings')

  // A choice closes it and gives the page back.
  await banner.getByRole('button', { name: 'Reject all' }).click()
  await expect(banner).toBeHidden()
  expect(await pageLink.evaluate((a) => (a.focus(), document.activeElement === a))).toBe(true)
})

test('the bar and the box are not modal: the page stays reachable while they show', async ({ page, request }) => {
  for (const layout of ['bar', 'box']) {
    const path = `/demo/ui/non-modal-${layout}/`
    await customerPage(page, request, { path, body: LINKS, config: builtIn(layout, 'light') })
    await page.goto(path)
    await expect(page.getByRole('region', { name: 'We use cookies' })).toBeVisible()
    expect(await page.locator('#miniconsent .mc-banner').evaluate((el) => el.tagName)).toBe('DIV')
    const pageLink = page.getByRole('link', { name: 'Page link one' })
    expect(await pageLink.evaluate((a) => (a.focus(), document.activeElement === a))).toBe(true)
  }
})

test('Escape on the modal banner closes it without granting anything; it shows again on the next page', async ({ page, request }) => {
  const posts: string[] = []
  page.on('request', (r) => r.method() === 'POST' && r.url().includes('/api/v1/consents') && posts.push(r.url()))
  await customerPage(page, request, { path: '/demo/ui/modal-escape/', body: LINKS, config: builtIn('modal', 'light') })
  await page.goto('/demo/ui/modal-escape/')
  const banner = page.getByRole('dialog', { name: 'We use cookies' })
  await expect(banner).toBeVisible()
  await page.keyboard.press('Escape')
  await expect(banner).toBeHidden()
  expect(await page.evaluate(() => (window as unknown as { miniconsent: { get(): unknown } }).miniconsent.get())).toBeNull()
  expect(await page.getByRole('link', { name: 'Page link one' }).evaluate((a) => (a.focus(), document.activeElement === a))).toBe(true)
  // The declaration's settings button opens the preferences, which redraws the UI: the banner
  // stays closed, under them and after them.
  await page.locator('[data-consent-table] button').first().click()
  const preferences = page.locator('#miniconsent dialog:not(.mc-banner)')
  await expect(preferences).toBeVisible()
  await expect(banner).toBeHidden()
  await page.keyboard.press('Escape')
  await expect(preferences).toBeHidden()
  await expect(banner).toBeHidden()
  // The page asks for it: it shows again, modal.
  await page.evaluate(() => (window as unknown as { miniconsent: { show(): void } }).miniconsent.show())
  await expect(banner).toBeVisible()
  await page.reload()
  await expect(banner).toBeVisible()
  expect(posts).toEqual([])
})

for (const { mode, what } of [
  { mode: 'opt-out', what: '"Your Privacy Choices" button' },
  { mode: 'notice', what: 'notice banner' },
] as const) {
  for (const { theme, scheme } of THEMES) {
    test(`the ${what} × ${theme} (${scheme} scheme): no axe violations, contrast and target sizes hold`, async ({ page, request }) => {
      await page.emulateMedia({ colorScheme: scheme })
      const path = `/demo/ui/${mode}-${theme}-${scheme}/`
      await customerPage(page, request, { path, body: LINKS, config: (c) => (builtIn('bar', theme)(c), (c.mode = mode)) })
      await page.goto(path)
      const shown = mode === 'opt-out' ? page.getByRole('button', { name: 'Your Privacy Choices' }) : page.getByRole('region', { name: 'We use cookies' })
      await expect(shown).toBeVisible()
      expect(await violations(page, '#miniconsent')).toEqual([])
      expect(await page.evaluate(measure, '#miniconsent'), what).toEqual({ texts: [], controls: [], small: [] })
    })
  }
}
