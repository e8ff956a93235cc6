import type { Locator } from '@playwright/test'
import { expect, test, type Page } from '../support/test'
import { customerPage } from '../support/sdk-ui-pages'

// A customer page whose own stylesheet is aggressive: element and universal selectors that reset,
// enlarge, recolour or hide what the SDK renders. The banner and dialog must stay legible and
// usable; and the other way round, the SDK's CSS must not change how the page's own elements look.
// Not covered, and not promised: a page rule with !important, or more specific than a class,
// aimed at the SDK's elements (the UI is in the page's DOM, see sdk/src/ui/styles.ts).

const HOSTILE_CSS = `
body * { all: unset }
* { box-sizing: content-box }
div { font-size: 40px; color: red; position: relative; line-height: 3 }
button { display: none }
dialog { display: block }
p, h2, h3 { margin: 60px; letter-spacing: 4px }
a { color: #ff0 }
input { opacity: 0 }
table, tr, td, th { display: block }
`

/** The page's own elements (the declaration aside, which the SDK fills), with class names the SDK also uses, to catch rules that leak out of its UI. */
const PAGE_BODY = `<div class="mc-row mc-btns mc-banner mc-box mc-modal mc-exp mc-ph mc-alt mc-dark mc-x"><p>Text</p><button>Page button</button>
<a href="https://example.com/">Link</a><input type="checkbox" aria-label="Page checkbox"><table><tr><th>H</th><td>D</td></tr></table>
<section><h2>Heading</h2><h3>Sub</h3></section><dialog open>Page dialog</dialog></div>`

const PROPS = [
  'display', 'position', 'color', 'background-color', 'font-size', 'font-weight', 'font-family', 'line-height', 'margin',
  'padding', 'border', 'border-radius', 'box-shadow', 'box-sizing', 'cursor', 'z-index', 'text-align', 'accent-color',
  'border-collapse', 'flex-wrap', 'gap', 'justify-content', 'max-width', 'max-height', 'overflow',
]

async function pageStyles(page: Page) {
  return page.evaluate(
    (props) =>
      Array.from(document.querySelectorAll('main *:not([data-consent-table] *)')).map((el) => {
        const s = getComputedStyle(el)
        const after = getComputedStyle(el, '::after').content
        return [el.tagName, ...props.map((p) => `${p}=${s.getPropertyValue(p)}`), `after=${after}`].join(' ')
      }),
    PROPS,
  )
}

async function box(l: Locator) {
  const b = await l.boundingBox()
  expect(b).not.toBeNull()
  return b!
}

/** Visible, inside the viewport, at least 24 × 24 px, and the element a click there would hit. */
async function usable(page: Page, l: Locator) {
  await expect(l).toBeVisible()
  const b = await box(l)
  const vp = page.viewportSize()!
  expect(b.width).toBeGreaterThanOrEqual(24)
  expect(b.height).toBeGreaterThanOrEqual(24)
  expect(b.x).toBeGreaterThanOrEqual(0)
  expect(b.y).toBeGreaterThanOrEqual(0)
  expect(b.x + b.width).toBeLessThanOrEqual(vp.width)
  expect(b.y + b.height).toBeLessThanOrEqual(vp.height)
  expect(await l.evaluate((el) => el.getRootNode() instanceof Document || el.getRootNode() instanceof ShadowRoot)).toBe(true)
  const hit = await l.evaluate((el) => {
    const r = el.getBoundingClientRect()
    const at = (el.getRootNode() as Document | ShadowRoot).elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)
    return !!at && el.contains(at)
  })
  expect(hit).toBe(true)
}

/** Legible: a normal text size and the theme's text colour, not the page's red. */
async function legible(l: Locator) {
  const { size, color } = await l.evaluate((el) => ({ size: parseFloat(getComputedStyle(el).fontSize), color: getComputedStyle(el).color }))
  expect(size).toBeGreaterThanOrEqual(12)
  expect(size).toBeLessThanOrEqual(24)
  expect(color).not.toBe('rgb(255, 0, 0)')
}

test('under a hostile page stylesheet the banner and dialog stay legible and usable, and the SDK leaves the page\'s styles alone', async ({ page, request }) => {
  const errors: Error[] = []
  page.on('pageerror', (e) => errors.push(e))
  await customerPage(page, request, { path: '/demo/ui/hostile/', head: `<style>${HOSTILE_CSS}</style>`, body: PAGE_BODY + '<div data-consent-table></div>' })

  // The page's own styles without the SDK, then with it (banner, dialog and declaration shown).
  await page.route('**/sdk/**', (route) => route.abort())
  await page.goto('/demo/ui/hostile/')
  const without = await pageStyles(page)
  await page.unroute('**/sdk/**')
  await page.goto('/demo/ui/hostile/')

  const banner = page.getByRole('region', { name: 'We use cookies' })
  await expect(banner).toBeVisible()
  await legible(banner.getByRole('heading'))
  await legible(banner.locator('p'))
  const accept = banner.getByRole('button', { name: 'Accept all' })
  const reject = banner.getByRole('button', { name: 'Reject all' })
  const settings = banner.getByRole('button', { name: 'Cookie Settings' })
  for (const b of [accept, reject, settings]) {
    await usable(page, b)
    await legible(b)
  }
  const [a, r] = [await box(accept), await box(reject)]
  expect(Math.abs(a.width - r.width)).toBeLessThanOrEqual(1)
  expect(Math.abs(a.height - r.height)).toBeLessThanOrEqual(1)
  const bb = await box(banner)
  expect(bb.y + bb.height).toBeLessThanOrEqual(page.viewportSize()!.height)

  await settings.click()
  const dialog = page.getByRole('dialog', { name: /preferences/i })
  await expect(dialog).toBeVisible()
  await legible(dialog.getByRole('heading', { level: 2 }))
  for (const expand of await dialog.locator('button[aria-expanded]').all()) await expand.click()
  await expect(dialog.getByRole('table').first()).toBeVisible()
  const analytics = dialog.getByRole('switch', { name: 'Analytics Cookies' })
  await analytics.scrollIntoViewIfNeeded()
  await usable(page, analytics)
  await analytics.check()
  await expect(analytics).toBeChecked()
  const save = dialog.getByRole('button', { name: 'Save choices' })
  await save.scrollIntoViewIfNeeded()
  await usable(page, save)

  // The declaration is page content: present and readable, whatever the page does to tables.
  await page.locator('[data-consent-table]').scrollIntoViewIfNeeded()
  await expect(page.locator('[data-consent-table]')).toContainText('Analytics Cookies')

  expect(await pageStyles(page)).toEqual(without)

  await save.click()
  await expect(dialog).toBeHidden()
  await expect(banner).toBeHidden()
  expect(await page.evaluate(() => (window as unknown as { miniconsent: { get(): { categories: Record<string, boolean> } | null } }).miniconsent.get()?.categories)).toMatchObject({ analytics: true, marketing: false })
  expect(errors).toEqual([])
})
