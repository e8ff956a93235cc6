// The built, minified dist/miniconsent.js in a fresh happy-dom window per test (bundle-harness.ts):
// the banner and preferences, languages, appearance, notice and opt-out modes, focus. Run
// `pnpm build` first. The bundle's tests are split over four files, which vitest runs side by
// side: most of their time is waiting for chunks and timers.
import type { Window } from 'happy-dom'
import { afterEach, describe, expect, it } from 'vitest'
import { parseConsentCookie } from '@miniconsent/shared/cookie'
import { minimagicConfig, minopaConfig, moniClubConfig } from '../test/fixtures'
import { en } from '../ui/texts/en'
import { PAGE, boot, chunk, closeWindows, consentCalls, settle, stored, storedCookie } from './bundle-harness'

afterEach(closeWindows)

/** `n` changes to the page, each its own batch of mutations, 20 ms apart: a ticker, a single-page app. */
async function changes(w: Window, n: number) {
  for (let i = 0; i < n; i++) {
    w.document.body.append(w.document.createElement('p'))
    await new Promise((r) => setTimeout(r, 20))
  }
  await settle()
}

/**
 * The page's timers of a second or more (the SDK's back-off after a failed load), held until the
 * test says a while has passed (`pass`); shorter ones run as they would. Give `before` to boot.
 */
function clock() {
  const held: (() => void)[] = []
  return {
    before: (win: Record<string, any>) => {
      const set = win.setTimeout
      win.setTimeout = (fn: () => void, ms = 0) => (ms < 1e3 ? set(fn, ms) : held.push(fn))
    },
    pass: () => held.splice(0).forEach((fn) => fn()),
  }
}

describe('dist/miniconsent.js: the banner, its languages and modes', () => {
  it('shows the banner on a first visit and records the choice made there with a hash of its texts', async () => {
    const { w, win, posted, chunkRequests } = await boot()
    const banner = w.document.querySelector('[role="region"]')!
    expect(banner.getAttribute('aria-labelledby')).toBe('mc-bt')
    // The page's blocked iframe brings its placeholder; recording waits for the visitor.
    expect(chunkRequests.sort()).toEqual(['banner.js', 'placeholder.js'])
    const buttons = Array.from(banner.querySelectorAll('button')).map((b) => b.textContent)
    expect(buttons).toEqual(['Accept all', 'Reject all', 'Cookie Settings'])
    expect(w.document.querySelector('style')!.textContent).toContain('--a:#5b4cf0')
    ;(banner.querySelectorAll('button')[1] as unknown as HTMLElement).click()
    await settle()
    expect(w.document.querySelector('[role="region"]')).toBeNull()
    expect(win.ran).toEqual([])
    expect(parseConsentCookie(/miniconsent=([^;]+)/.exec(w.document.cookie)![1])).toMatchObject({ method: 'reject-all', granted: ['essential'] })
    expect(posted[0]!.body).toMatchObject({ method: 'reject-all', categories: { essential: true, analytics: false } })
    expect(posted[0]!.body.textsHash).toMatch(/^[a-f0-9]{64}$/)
  })

  it('saves the categories switched on in the preferences dialog', async () => {
    const { w, win, api } = await boot()
    api.open()
    await settle()
    const dialog = w.document.querySelector('dialog')!
    const analytics = dialog.querySelector('input[aria-label="Analytics Cookies"]') as unknown as HTMLInputElement
    analytics.click()
    await settle()
    const save = Array.from(dialog.querySelectorAll('button')).find((b) => b.textContent === 'Save choices') as unknown as HTMLElement
    save.click()
    await settle()
    expect(w.document.querySelector('dialog')).toBeNull()
    expect(api.get()).toMatchObject({ method: 'custom', categories: { analytics: true, marketing: false }, services: { 'google-analytics': true } })
    expect(win.ran).toEqual(['analytics-1', 'sentry', 'analytics-2'])
  })

  it('records switching off a category the visitor had allowed as a withdrawal', async () => {
    const { w, api, posted } = await boot({ cookie: stored(['essential', 'analytics']), html: '<p>Page</p>' })
    api.open()
    await settle()
    const dialog = w.document.querySelector('dialog')!
    ;(dialog.querySelector('input[aria-label="Analytics Cookies"]') as unknown as HTMLElement).click()
    await settle()
    ;(Array.from(dialog.querySelectorAll('button')).find((b) => b.textContent === 'Save choices') as unknown as HTMLElement).click()
    await settle()
    expect(api.get()).toMatchObject({ method: 'withdraw', categories: { analytics: false } })
    expect(posted.map((p) => p.body.method)).toEqual(['withdraw'])
  })

  it('where a banner may show, loads the declaration only once it comes near the viewport', async () => {
    const config = minopaConfig()
    // A second `theme` cookie, the shop's own: the declaration tells the two apart by its domain and path.
    config.catalogue.entries.push({ name: 'theme', kind: 'cookie', category: 'functional', provider: 'Minopa', purpose: { en: 'Shop theme' }, expiry: '1y', domain: 'shop.minopa.com', path: '/cart' })
    const { w, chunkRequests, intersect } = await boot({ config, cookie: stored(['essential']), html: '<div data-consent-table></div>' })
    const table = w.document.querySelector('[data-consent-table]')!
    expect(chunkRequests).toEqual([])
    intersect(table)
    await settle()
    expect(chunkRequests.sort()).toEqual(['banner.js', 'dialog.js'])
    expect(table.textContent).toContain('next-auth.session-token')
    expect(table.textContent).toContain('30 days')
    const under = (name: string) => Array.from(table.querySelectorAll('td')).filter((td) => td.firstChild?.textContent === name).map((td) => td.querySelector('small')?.textContent ?? null)
    expect(under('theme')).toEqual([null, 'shop.minopa.com /cart'])
    expect(under('sentry-replay*')).toEqual(['sessionStorage'])
  })

  it('lets a visitor allow one service of a category they leave off', async () => {
    const { w, api } = await boot()
    api.open()
    await settle()
    const dialog = w.document.querySelector('dialog')!
    const expand = Array.from(dialog.querySelectorAll('button')).find((b) => b.textContent === 'Analytics Cookies') as unknown as HTMLElement
    expand.click()
    await settle()
    ;(dialog.querySelector('input[aria-label="Sentry"]') as unknown as HTMLElement).click()
    await settle()
    ;(Array.from(dialog.querySelectorAll('button')).find((b) => b.textContent === 'Save choices') as unknown as HTMLElement).click()
    await settle()
    expect(api.get()).toMatchObject({ method: 'custom', categories: { analytics: false }, services: { sentry: true, 'google-analytics': false } })
    expect(parseConsentCookie(/miniconsent=([^;]+)/.exec(w.document.cookie)![1])!.services).toEqual({ sentry: true })
  })

  it('in opt-out regions offers a Your Privacy Choices button that opens the preferences', async () => {
    const { w } = await boot({ config: moniClubConfig('opt-out'), html: '<p>Page</p>' })
    expect(w.document.querySelector('[role="region"]')?.outerHTML).toBeUndefined()
    const button = Array.from(w.document.querySelectorAll('#miniconsent button')).find((b) => b.textContent === 'Your Privacy Choices') as unknown as HTMLElement
    button.click()
    await settle()
    expect(w.document.querySelector('dialog')).not.toBeNull()
    // It stays in the page behind the modal dialog, for the focus to return to when the dialog closes.
    expect(Array.from(w.document.querySelectorAll('#miniconsent button')).filter((b) => b.textContent === 'Your Privacy Choices')).toEqual([button])
  })

  it('opens the preferences when asked again after the banner chunk failed to load once', async () => {
    const { w, api, chunkRequests } = await boot({ failOnce: ['banner.js'], html: '<p>Page</p>' })
    expect(w.document.querySelector('#miniconsent')).toBeNull()
    api.open()
    await settle()
    expect(w.document.querySelector('dialog')).not.toBeNull()
    expect(chunkRequests.filter((c) => c === 'banner.js')).toHaveLength(2)
  })

  it('opens the preferences from Your Privacy Choices on a second click after the dialog chunk failed to load once', async () => {
    const { w } = await boot({ config: moniClubConfig('opt-out'), failOnce: ['dialog.js'], html: '<p>Page</p>' })
    const button = Array.from(w.document.querySelectorAll('#miniconsent button')).find((b) => b.textContent === 'Your Privacy Choices') as unknown as HTMLElement
    button.click()
    await settle()
    expect(w.document.querySelector('dialog')).toBeNull()
    button.click()
    await settle()
    expect(w.document.querySelector('dialog')).not.toBeNull()
  })

  it('shows the banner an undecided visitor is still owed once the preferences open after the banner chunk failed to load once', async () => {
    const { w, api } = await boot({ failOnce: ['banner.js'], html: '<p>Page</p>' })
    expect(w.document.querySelector('[role="region"]')).toBeNull()
    api.open()
    await settle()
    ;(w.document.querySelector('dialog button[aria-label="Close"]') as unknown as HTMLElement).click()
    await settle()
    expect(w.document.querySelector('dialog')).toBeNull()
    expect(w.document.querySelectorAll('[role="region"]')).toHaveLength(1)
  })

  it('owes no banner to a visitor who chose through the API while the banner chunk was failing', async () => {
    const { w, api } = await boot({ failOnce: ['banner.js'], html: '<p>Page</p>' })
    api.rejectAll()
    await settle()
    api.open()
    await settle()
    ;(w.document.querySelector('dialog button[aria-label="Close"]') as unknown as HTMLElement).click()
    await settle()
    expect(w.document.querySelector('[role="region"]')).toBeNull()
  })

  it.each([
    // The network is down for a moment: the banner chunk and the dialog chunk fetched beside it fail.
    ['the banner chunk', ['banner.js', 'dialog.js']],
    ['the dialog chunk', ['dialog.js']],
  ])('fills a declaration once the preferences open after %s failed to load', async (_, chunks) => {
    const failing = new Set(chunks)
    const { w, api } = await boot({ config: minimagicConfig(), failing, html: '<div data-consent-table></div>' })
    const table = w.document.querySelector('[data-consent-table]')!
    expect(table.textContent).toBe('')
    failing.clear()
    api.open()
    await settle()
    expect(w.document.querySelector('dialog')).not.toBeNull()
    expect(table.textContent).toContain('sb-*-auth-token')
  })

  it('where a banner may show, asks again for a declaration in view whose dialog chunk failed to load', async () => {
    const failing = new Set(['dialog.js'])
    const { w, api, intersect } = await boot({ cookie: stored(['essential']), failing, html: '<div data-consent-table></div>' })
    const table = w.document.querySelector('[data-consent-table]')!
    intersect(table)
    await settle()
    expect(table.textContent).toBe('')
    failing.clear()
    api.open()
    await settle()
    // Observed again (the page changed: the dialog opened), the table is reported in view, as a browser does at once.
    intersect(table)
    await settle()
    expect(table.textContent).toContain('next-auth.session-token')
  })

  it('with the placeholder chunk failing, asks for it at most once more while the page keeps changing, and again once a while has passed', async () => {
    const failing = new Set(['placeholder.js'])
    const { before, pass } = clock()
    const { w, chunkRequests } = await boot({ cookie: stored(['essential']), failing, before })
    const asked = () => chunkRequests.filter((c) => c === 'placeholder.js').length
    // The page view's first request, and 20 changes to the page within half a second.
    await changes(w, 20)
    expect(asked()).toBeLessThanOrEqual(2)
    failing.clear()
    await changes(w, 1)
    expect(w.document.querySelector('.mc-ph')).toBeNull()
    expect(asked()).toBeLessThanOrEqual(2)
    // A while later, the next change asks again, and the chunk now loads.
    pass()
    await changes(w, 1)
    expect(w.document.querySelector('.mc-ph button')).not.toBeNull()
  })

  it('with the dialog chunk failing, a changing page asks for a declaration at most once more, and a Cookie settings click asks at once', async () => {
    const failing = new Set(['dialog.js'])
    const html = '<div data-consent-table></div><p><a href="#" data-consent-open>Cookie settings</a></p>'
    const { w, chunkRequests } = await boot({ config: minimagicConfig(), failing, html })
    const asked = () => chunkRequests.filter((c) => c === 'dialog.js').length
    const table = w.document.querySelector('[data-consent-table]')!
    // The page view's first request, and 20 changes to the page within half a second.
    await changes(w, 20)
    expect(asked()).toBeLessThanOrEqual(2)
    const before = asked()
    failing.clear()
    ;(w.document.querySelector('[data-consent-open]') as unknown as HTMLElement).click()
    await settle()
    expect(asked()).toBe(before + 1)
    expect(w.document.querySelector('dialog')).not.toBeNull()
    // Loaded now: the change the dialog made draws the declaration, without waiting.
    expect(table.textContent).toContain('sb-*-auth-token')
  })

  it('with the banner chunk failing, a changing page asks for it at most once more, and the visitor opening the preferences asks at once', async () => {
    const failing = new Set(['banner.js'])
    const { w, chunkRequests } = await boot({ failing, html: PAGE.replace('</body>', '<p><a href="#" data-consent-open>Cookie settings</a></p></body>') })
    const asked = () => chunkRequests.filter((c) => c === 'banner.js').length
    // The page view's first request, and 20 changes to the page within half a second.
    await changes(w, 20)
    expect(asked()).toBeLessThanOrEqual(2)
    const before = asked()
    failing.clear()
    ;(w.document.querySelector('[data-consent-open]') as unknown as HTMLElement).click()
    await settle()
    expect(asked()).toBe(before + 1)
    expect(w.document.querySelector('dialog')).not.toBeNull()
  })

  it('records a choice made again after the record chunk failed to load once', async () => {
    const { w, api, posted } = await boot({ failOnce: ['record.js'], html: '<p>Page</p>' })
    const accept = () => (Array.from(w.document.querySelectorAll('[role="region"] button')).find((b) => b.textContent === 'Accept all') as unknown as HTMLElement).click()
    accept()
    await settle()
    expect(api.get()).toBeNull()
    accept()
    await settle()
    expect(w.document.querySelector('[role="region"]')).toBeNull()
    expect(api.get()).toMatchObject({ method: 'accept-all', categories: { analytics: true } })
    expect(posted.map((p) => p.body.method)).toEqual(['accept-all'])
  })

  it('shows no reopen button on a returning visit unless the site asks for one', async () => {
    const plain = await boot({ cookie: stored(['essential']), html: '<p>Page</p>' })
    expect(plain.chunkRequests).toEqual([])
    const config = minopaConfig()
    config.catalogue.appearance.floatingButton = true
    const { w } = await boot({ cookie: stored(['essential']), config, html: '<p>Page</p>' })
    expect(w.document.querySelector('#miniconsent button')!.textContent).toBe('Change cookie settings')
  })

  it('follows the site appearance: layout and theme classes, accent colour, and no link that is not http(s) or mailto', async () => {
    const config = minopaConfig()
    config.catalogue.appearance = { layout: 'box', theme: 'dark', accentColor: '#aa0000', radius: 2, floatingButton: false }
    config.site.privacyPolicyUrl = 'javascript:alert(1)'
    config.catalogue.texts = { en: { bannerTitle: '<img src=x onerror=alert(1)>' } }
    const { w } = await boot({ config, html: '<p>Page</p>' })
    const root = w.document.getElementById('miniconsent')!.firstElementChild!
    expect(root.className).toBe('mc mc-dark')
    const banner = root.querySelector('[role="region"]')!
    expect(banner.className).toBe('mc-banner mc-box')
    expect(banner.querySelector('a')).toBeNull()
    expect(banner.querySelector('img')).toBeNull()
    expect(banner.querySelector('h2')!.textContent).toBe('<img src=x onerror=alert(1)>')
    expect(Array.from(w.document.querySelectorAll('style')).map((s) => s.textContent).join('')).toContain('--a:#aa0000;--r:2px')
  })

  it('keeps a modal banner closed with Escape closed while the page redraws, and show() opens it again', async () => {
    const config = minopaConfig()
    config.catalogue.appearance.layout = 'modal'
    const { w, api } = await boot({ config, html: '<p><a href="#" data-consent-open>Cookie settings</a></p>' })
    type Dialog = { open: boolean; close(): void; dispatchEvent(event: unknown): boolean }
    const banner = () => w.document.querySelector('dialog.mc-banner') as unknown as Dialog | null
    expect(banner()!.open).toBe(true)
    // What the browser does on Escape: the dialog's cancel, then close. Nothing is granted.
    banner()!.close()
    // Cookie settings redraws the UI to add the preferences: the banner stays closed under them.
    ;(w.document.querySelector('[data-consent-open]') as unknown as HTMLElement).click()
    await settle()
    const preferences = w.document.querySelector('dialog[aria-modal]') as unknown as Dialog
    expect(preferences.open).toBe(true)
    expect(banner()!.open).toBe(false)
    preferences.dispatchEvent(new w.KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    await settle()
    expect(w.document.querySelector('dialog[aria-modal]')).toBeNull()
    expect(banner()!.open).toBe(false)
    expect(api.get()).toBeNull()
    // The page asks for the banner again: it opens, modal.
    api.show()
    await settle()
    expect(banner()!.open).toBe(true)
  })

  it('in notice mode informs with one OK, which is stored as accepting what already runs', async () => {
    const { w, api, posted } = await boot({ config: moniClubConfig('notice') })
    const banner = w.document.querySelector('[role="region"]')!
    expect(Array.from(banner.querySelectorAll('button')).map((b) => b.textContent)).toEqual(['OK', 'Cookie Settings'])
    expect(banner.textContent).toContain('This site uses cookies')
    expect(posted).toEqual([])
    ;(banner.querySelector('button') as unknown as HTMLElement).click()
    await settle()
    expect(w.document.querySelector('[role="region"]')).toBeNull()
    expect(api.get()).toMatchObject({ method: 'accept-all', categories: { marketing: true } })
    expect(posted.map((p) => p.body.method)).toEqual(['accept-all'])
    // The next page: informed, no notice.
    const next = await boot({ config: moniClubConfig('notice'), cookie: storedCookie(w) })
    expect(next.w.document.querySelector('[role="region"]')).toBeNull()
    expect(next.chunkRequests).toEqual([])
  })

  it('in notice mode informs a first visitor whose GPC refused marketing too, records the refusal once, and its OK grants nothing', async () => {
    const { w, win, api, posted } = await boot({ config: moniClubConfig('notice'), gpc: true })
    await settle()
    expect(api.get()).toMatchObject({ method: 'gpc', gpc: true, categories: { analytics: true, marketing: false } })
    expect(win.ran).toEqual(['analytics-1', 'sentry', 'analytics-2'])
    expect(posted.map((p) => p.body)).toEqual([expect.objectContaining({ method: 'gpc', gpc: true, categories: expect.objectContaining({ marketing: false }) })])
    const banner = w.document.querySelector('[role="region"]')!
    expect(banner.textContent).toContain('This site uses cookies')
    expect(Array.from(banner.querySelectorAll('button')).map((b) => b.textContent)).toEqual(['OK', 'Cookie Settings'])
    // The preferences say the signal was honoured, as opt-out's Your Privacy Choices do.
    ;(banner.querySelectorAll('button')[1] as unknown as HTMLElement).click()
    await settle()
    const dialog = w.document.querySelector('dialog[aria-modal]')!
    expect(dialog.textContent).toContain('Global Privacy Control signal was honoured')
    dialog.dispatchEvent(new w.KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    await settle()
    // OK closes the notice: nothing granted, nothing more recorded.
    ;(w.document.querySelector('[role="region"] button') as unknown as HTMLElement).click()
    await settle()
    expect(w.document.querySelector('[role="region"]')).toBeNull()
    expect(api.get()).toMatchObject({ method: 'gpc', categories: { marketing: false } })
    expect(win.ran).toEqual(['analytics-1', 'sentry', 'analytics-2'])
    expect(posted).toHaveLength(1)
    expect(parseConsentCookie(storedCookie(w).slice('miniconsent='.length))).toMatchObject({ method: 'gpc', gpc: true })
    // The next page, the signal still on: no notice, no new record.
    const next = await boot({ config: moniClubConfig('notice'), gpc: true, cookie: storedCookie(w) })
    expect(next.w.document.querySelector('[role="region"]')).toBeNull()
    expect(next.api.get()).toMatchObject({ method: 'gpc', categories: { marketing: false } })
    expect(next.posted).toEqual([])
  })

  it('in notice mode shows no notice again when GPC overrides a grant stored on an earlier visit, nor after a choice made through the API', async () => {
    // Accepted on an earlier visit, without the signal: informed already.
    const cookie = stored(['essential', 'functional', 'analytics', 'marketing'], { method: 'accept-all' })
    const returning = await boot({ config: moniClubConfig('notice', { revision: 3, consentRevision: 2 }), cookie, gpc: true })
    await settle()
    expect(returning.api.get()).toMatchObject({ method: 'gpc', categories: { marketing: false } })
    expect(returning.posted.map((p) => p.body.method)).toEqual(['gpc'])
    expect(returning.w.document.querySelector('[role="region"]')).toBeNull()
    // Page code choosing as soon as GPC has, before the banner chunk came: no notice over its choice.
    const html = `<script>addEventListener('miniconsent:change', (e) => e.detail.method == 'gpc' && miniconsent.rejectAll())</script>`
    const chosen = await boot({ config: moniClubConfig('notice'), gpc: true, html })
    await settle()
    expect(chosen.posted.map((p) => p.body.method)).toEqual(['gpc', 'api'])
    expect(chosen.w.document.querySelector('[role="region"]')).toBeNull()
  })

  it('asks a GPC visitor again over a choice stored before a new consent revision in opt-out regions, after recording the refusal once', async () => {
    // Accepted everything on revision 1, without the signal; revision 2 asks again.
    const cookie = stored(['essential', 'analytics', 'marketing'], { revision: 1, method: 'accept-all', services: { posthog: false } })
    const config = moniClubConfig('opt-out', { revision: 2, consentRevision: 2 })
    const { w, win, api, posted } = await boot({ config, cookie, gpc: true })
    await settle()
    // The refusal, in force and recorded once; the visitor's other refusal kept.
    expect(api.get()).toMatchObject({ method: 'gpc', gpc: true, categories: { analytics: true, marketing: false }, services: { posthog: false, 'meta-pixel': false } })
    expect(win.ran).toEqual(['analytics-1', 'sentry', 'analytics-2'])
    expect(posted.map((p) => p.body)).toEqual([expect.objectContaining({ method: 'gpc', gpc: true, categories: expect.objectContaining({ marketing: false }) })])
    // Asked again, as without the signal: the consent banner, marketing shown refused in its preferences.
    const banner = w.document.querySelector('[role="region"]')!
    expect(banner.textContent).toContain(en.bannerText)
    expect(Array.from(banner.querySelectorAll('button')).map((b) => b.textContent)).toEqual(['Accept all', 'Reject all', 'Cookie Settings'])
    ;(banner.querySelectorAll('button')[2] as unknown as HTMLElement).click()
    await settle()
    const dialog = w.document.querySelector('dialog[aria-modal]')!
    expect((dialog.querySelector('input[aria-label="Marketing Cookies"]') as unknown as HTMLInputElement).checked).toBe(false)
    expect((dialog.querySelector('input[aria-label="Analytics Cookies"]') as unknown as HTMLInputElement).checked).toBe(true)
    expect(dialog.textContent).toContain('Global Privacy Control signal was honoured')
    dialog.dispatchEvent(new w.KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    await settle()
    // Accept all with the signal on: the visitor's explicit consent, which stands.
    ;(w.document.querySelector('[role="region"] button') as unknown as HTMLElement).click()
    await settle()
    expect(w.document.querySelector('[role="region"]')).toBeNull()
    expect(api.get()).toMatchObject({ method: 'accept-all', gpc: true, revision: 2, categories: { marketing: true } })
    expect(posted.map((p) => p.body.method)).toEqual(['gpc', 'accept-all'])
    expect(win.ran).toEqual(['analytics-1', 'sentry', 'analytics-2', 'marketing'])
    // The next page, the signal still on: nothing shown, nothing recorded, the grant stands.
    const next = await boot({ config, cookie: storedCookie(w), gpc: true })
    expect(next.w.document.querySelector('[role="region"]')).toBeNull()
    expect(next.api.get()).toMatchObject({ method: 'accept-all', categories: { marketing: true } })
    expect(next.posted).toEqual([])
  })

  it('asks a GPC visitor again over a choice too old to count in notice mode, with the consent banner rather than the notice', async () => {
    const cookie = stored(['essential', 'functional', 'analytics', 'marketing'], { method: 'accept-all', updatedAt: Date.now() - 400 * 864e5 })
    const config = moniClubConfig('notice', { revision: 3, consentRevision: 2 })
    const { w, win, api, posted } = await boot({ config, cookie, gpc: true })
    await settle()
    expect(api.get()).toMatchObject({ method: 'gpc', gpc: true, categories: { analytics: true, marketing: false } })
    expect(posted.map((p) => p.body.method)).toEqual(['gpc'])
    const banner = w.document.querySelector('[role="region"]')!
    expect(banner.textContent).toContain(en.bannerText)
    expect(Array.from(banner.querySelectorAll('button')).map((b) => b.textContent)).toEqual(['Accept all', 'Reject all', 'Cookie Settings'])
    ;(banner.querySelectorAll('button')[1] as unknown as HTMLElement).click()
    await settle()
    expect(w.document.querySelector('[role="region"]')).toBeNull()
    expect(api.get()).toMatchObject({ method: 'reject-all', gpc: true, categories: { analytics: false, marketing: false } })
    expect(posted.map((p) => p.body.method)).toEqual(['gpc', 'reject-all'])
    expect(win.ran).toEqual(['analytics-1', 'sentry', 'analytics-2'])
    const next = await boot({ config, cookie: storedCookie(w), gpc: true })
    expect(next.w.document.querySelector('[role="region"]')).toBeNull()
    expect(next.api.get()).toMatchObject({ method: 'reject-all', categories: { analytics: false, marketing: false } })
    expect(next.posted).toEqual([])
  })

  it('treats a stored-choice cookie it cannot read as a first visit under GPC: the notice in notice mode, nothing but the reopen button in opt-out regions', async () => {
    const cookie = 'miniconsent=garbage'
    const notice = await boot({ config: moniClubConfig('notice'), cookie, gpc: true })
    await settle()
    expect(notice.api.get()).toMatchObject({ method: 'gpc', gpc: true, categories: { analytics: true, marketing: false } })
    expect(notice.posted.map((p) => p.body.method)).toEqual(['gpc'])
    const banner = notice.w.document.querySelector('[role="region"]')!
    expect(banner.textContent).toContain('This site uses cookies')
    expect(Array.from(banner.querySelectorAll('button')).map((b) => b.textContent)).toEqual(['OK', 'Cookie Settings'])
    // OK only closes it: nothing granted, nothing more recorded.
    ;(banner.querySelector('button') as unknown as HTMLElement).click()
    await settle()
    expect(notice.w.document.querySelector('[role="region"]')).toBeNull()
    expect(notice.api.get()).toMatchObject({ method: 'gpc', categories: { marketing: false } })
    expect(notice.posted).toHaveLength(1)
    const optOut = await boot({ config: moniClubConfig('opt-out'), cookie, gpc: true })
    await settle()
    expect(optOut.api.get()).toMatchObject({ method: 'gpc', gpc: true, categories: { analytics: true, marketing: false } })
    expect(optOut.posted.map((p) => p.body.method)).toEqual(['gpc'])
    expect(optOut.w.document.querySelector('[role="region"]')).toBeNull()
    expect(Array.from(optOut.w.document.querySelectorAll('#miniconsent button')).map((b) => b.textContent)).toEqual(['Your Privacy Choices'])
  })

  it('shows no banner when nothing needs consent, but fills the declaration at once and opens preferences from it', async () => {
    const { w, api } = await boot({ config: minimagicConfig(), html: '<div data-consent-table></div>' })
    expect(w.document.querySelector('[role="region"]')).toBeNull()
    expect(api.get()).toMatchObject({ method: null, categories: { essential: true, functional: true } })
    const table = w.document.querySelector('[data-consent-table]')!
    expect(table.textContent).toContain('sb-*-auth-token')
    expect(table.textContent).toContain('Persistent')
    // What kind of storage each entry is, under its name: not every entry is a cookie.
    const nameCell = Array.from(table.querySelectorAll('td')).find((td) => td.textContent!.startsWith('sb-*-auth-token'))!
    expect(nameCell.querySelector('small')!.textContent).toBe('localStorage')
    ;(table.querySelector('button') as unknown as HTMLElement).click()
    await settle()
    const dialog = w.document.querySelector('dialog[role="dialog"]')!
    expect(dialog.getAttribute('aria-modal')).toBe('true')
    expect(dialog.textContent).toContain(api.get().consentId)
  })

  it('without an embedded config and without a network falls back to denying everything optional', async () => {
    const { win, api, posted } = await boot({ config: null, fetchFails: true })
    expect(api.get()).toBeNull()
    expect(win.ran).toEqual([])
    expect(consentCalls(win)).toEqual([
      expect.objectContaining({ command: 'default', state: expect.objectContaining({ ad_storage: 'denied', analytics_storage: 'denied', security_storage: 'granted', wait_for_update: 500 }) }),
    ])
    api.acceptAll()
    await settle()
    expect(win.ran).toEqual([])
    expect(posted).toEqual([])
  })

  it('gives the focus, after Save choices closes the preferences and the banner that opened them, to the reopen button, else to the page’s main content', async () => {
    const saved = async (floatingButton: boolean) => {
      const config = minopaConfig()
      config.catalogue.appearance.floatingButton = floatingButton
      const { w } = await boot({ config, html: '<header><a href="/">Home</a></header><main><h1>Pricing</h1></main>' })
      const opener = Array.from(w.document.querySelectorAll('[role="region"] button')).find((b) => b.textContent === 'Cookie Settings') as unknown as HTMLElement
      opener.focus()
      opener.click()
      await settle()
      const save = Array.from(w.document.querySelectorAll('dialog[aria-modal] button')).find((b) => b.textContent === 'Save choices') as unknown as HTMLElement
      save.focus()
      save.click()
      await settle()
      expect(w.document.querySelector('dialog[aria-modal]')).toBeNull()
      return w.document.activeElement
    }
    expect((await saved(true))!.textContent).toBe('Change cookie settings')
    const main = (await saved(false))!
    expect(main.tagName).toBe('MAIN')
    // Focusable by script only: not added to the Tab order.
    expect(main.getAttribute('tabindex')).toBe('-1')
  })

  it('moves the focus to an iframe its placeholder has loaded, not to <body>', async () => {
    const { w } = await boot({ cookie: stored(['essential']) })
    await settle()
    const button = w.document.querySelector('.mc-ph button') as unknown as HTMLElement
    button.focus()
    button.click()
    await settle()
    const frame = w.document.querySelector('iframe')!
    expect(frame.getAttribute('src')).toBe('https://example.com/embed')
    expect(w.document.activeElement).toBe(frame)
  })
})
