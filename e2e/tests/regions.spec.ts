import { type Browser, type BrowserContext, type Page } from '@playwright/test'
import { expect, test } from '../support/test'
import type { PublishedConfig } from '@miniconsent/shared'
import { encodeConsentCookie } from '@miniconsent/shared/cookie'

// Issue 7 in the browser: region → mode (SPEC §6) × Global Privacy Control × a stored choice, on
// Mini Moni Club (analytics: PostHog; marketing: Meta, Google Ads, TikTok, Pinterest, YouTube).
// The e2e server trusts x-test-country / x-test-region as a CDN's region headers.

const SITE = 'mini-moni-club'
const ANALYTICS = ['posthog']
const MARKETING = ['meta-pixel', 'google-ads', 'tiktok-pixel', 'pinterest-tag']
const AD_TYPES = ['ad_storage', 'ad_user_data', 'ad_personalization'] as const

interface Region {
  name: string
  headers: Record<string, string>
  region: string | null
  mode: 'opt-in' | 'opt-out' | 'notice'
}
const REGIONS: Region[] = [
  { name: 'DE', headers: { 'x-test-country': 'DE' }, region: 'DE', mode: 'opt-in' },
  { name: 'US-CA', headers: { 'x-test-country': 'US', 'x-test-region': 'CA' }, region: 'US-CA', mode: 'opt-out' },
  { name: 'BR', headers: { 'x-test-country': 'BR' }, region: 'BR', mode: 'notice' },
  { name: 'no region header', headers: {}, region: null, mode: 'opt-in' },
  // A header this deployment does not trust is the visitor's to forge: it changes nothing.
  { name: 'untrusted cf-ipcountry: US', headers: { 'cf-ipcountry': 'US', 'cf-region-code': 'CA' }, region: null, mode: 'opt-in' },
]

let config: PublishedConfig
test.beforeAll(async ({ request }) => {
  config = await (await request.get(`/api/v1/sites/${SITE}/config`)).json()
})

async function visit(browser: Browser, r: Region, gpc: boolean, storedGrant: boolean) {
  const context = await browser.newContext({ extraHTTPHeaders: { ...r.headers, ...(gpc ? { 'Sec-GPC': '1' } : {}) } })
  if (gpc) await context.addInitScript(() => Object.defineProperty(navigator, 'globalPrivacyControl', { get: () => true }))
  const consentId = 'e2eRegion' + Math.random().toString(36).slice(2, 15).padEnd(13, '0')
  if (storedGrant) {
    // Accept all, made on an earlier visit without the signal.
    const value = encodeConsentCookie({ consentId, revision: config.revision, updatedAt: Date.now() - 864e5, method: 'accept-all', granted: config.catalogue.categories.map((c) => c.id), services: {}, gpc: false })
    await context.addCookies([{ name: config.site.cookieName, value, url: new URL('/', test.info().project.use.baseURL).href }])
  }
  const page = await context.newPage()
  const errors: Error[] = []
  page.on('pageerror', (e) => errors.push(e))
  await open(page)
  return { context, page, errors, consentId }
}

/** The demo page, loaded: the SDK has decided and released what it allows (offline: vendors' own hosts fail fast). */
async function open(page: Page) {
  await page.route(/^https:\/\//, (route) => route.abort())
  await page.goto(`/demo/${SITE}/`)
  await loaded(page)
}

/** The SDK has decided and the document has finished loading. */
const loaded = (page: Page) =>
  page.waitForFunction(() => (window as unknown as { miniconsent?: unknown }).miniconsent && document.readyState === 'complete')

/** window.miniconsent.get() (SPEC §2). */
const state = (page: Page) => page.evaluate(() => (window as unknown as { miniconsent: { get(): { consentId: string } | null } }).miniconsent.get())
const stateId = async (page: Page) => (await state(page))!.consentId

const ran = (page: Page) => page.locator('[data-ran]').evaluateAll((els) => els.map((e) => e.getAttribute('data-ran')).sort())

/** The Consent Mode commands in window.dataLayer, each checked to be an Arguments object. */
const consentCalls = (page: Page) =>
  page.evaluate(() =>
    ((window as unknown as { dataLayer: IArguments[] }).dataLayer ?? [])
      .filter((a) => a[0] === 'consent')
      .map((a) => ({ isArguments: Object.prototype.toString.call(a) === '[object Arguments]', command: a[1] as string, state: a[2] as Record<string, unknown> })),
  )

const record = async (page: Page, consentId: string) => {
  const res = await page.request.get(`/api/v1/consents/${consentId}?site=${SITE}`)
  return res.status() === 200 ? res.json() : null
}

function expectAds(state: Record<string, unknown>, value: 'granted' | 'denied') {
  for (const t of AD_TYPES) expect(state[t], t).toBe(value)
}

// The untrusted header is checked without GPC only: it must change nothing, and GPC is covered above.
for (const r of REGIONS)
  for (const gpc of r.name.startsWith('untrusted') ? [false] : [false, true])
    for (const storedGrant of [false, true])
      test(`${r.name} → ${r.mode}, GPC ${gpc ? 'on' : 'off'}, ${storedGrant ? 'stored Accept all' : 'nothing stored'}`, async ({ browser }) => {
        const { context, page, errors, consentId } = await visit(browser, r, gpc, storedGrant)
        const banner = page.getByRole('region', { name: 'We use cookies' })
        const privacyChoices = page.getByRole('button', { name: 'Your Privacy Choices' })
        // GPC is an opt-out where the law gives one; it wins over a grant stored without it.
        const gpcDecides = gpc && r.mode !== 'opt-in'

        // Consent Mode: the server's defaults before anything else, regions first, then this region's own.
        const calls = await consentCalls(page)
        expect(calls.every((c) => c.isArguments)).toBe(true)
        const defaults = calls.filter((c) => c.command === 'default').map((c) => c.state)
        expect(calls.slice(0, 2).map((c) => c.command)).toEqual(['default', 'default'])
        // No region is granted by name: Google matches `region` by its own geolocation, which
        // would grant a visitor placed in opt-in here whom Google places in an opt-out state.
        expect(defaults).toHaveLength(2)
        const [optInRegions, own] = defaults as [Record<string, unknown>, Record<string, unknown>]
        expect(optInRegions).toMatchObject({ analytics_storage: 'denied', security_storage: 'granted', wait_for_update: 500, region: expect.arrayContaining(['DE', 'FR', 'GB', 'CH', 'NO']) })
        expect(optInRegions.region).not.toContain('US-CA')
        expectAds(optInRegions, 'denied')
        expect(own.region).toBeUndefined()
        expect(own.analytics_storage).toBe(r.mode === 'opt-in' ? 'denied' : 'granted')
        expectAds(own, r.mode === 'opt-in' || gpc ? 'denied' : 'granted')

        if (gpcDecides) {
          // Refused without a prompt, recorded with method gpc (for a stored grant: same consent ID).
          const id = storedGrant ? consentId : await stateId(page)
          await expect.poll(() => record(page, id), { intervals: [100] }).toBeTruthy()
          expect(await record(page, id)).toMatchObject({ region: r.region, mode: r.mode, method: 'gpc', gpc: true, categories: { analytics: true, marketing: false } })
          // Notice mode informs a first visit all the same; a stored grant was informed when made.
          const informs = r.mode === 'notice' && !storedGrant
          if (!informs) await expect(banner).toHaveCount(0)
          expect(await ran(page)).toEqual(ANALYTICS)
          const updates = (await consentCalls(page)).filter((c) => c.command === 'update')
          expect(updates.length).toBeGreaterThan(0)
          for (const u of updates) expectAds(u.state, 'denied'), expect(u.state.analytics_storage).toBe('granted')
          if (r.mode === 'opt-out') {
            // The preferences say the signal was honoured.
            await privacyChoices.click()
            await expect(page.getByRole('dialog').getByText(/Global Privacy Control signal was honoured/)).toBeVisible()
          }
          if (informs) {
            // The notice, whose Preferences say the signal was honoured.
            await expect(banner).toBeVisible()
            await expect(banner.getByRole('button', { name: 'Reject all' })).toHaveCount(0)
            await banner.getByRole('button', { name: 'Preferences' }).click()
            const dialog = page.getByRole('dialog', { name: 'Cookie preferences' })
            await expect(dialog.getByText(/Global Privacy Control signal was honoured/)).toBeVisible()
            await page.keyboard.press('Escape')
            await expect(dialog).toHaveCount(0)
            // OK only closes it: nothing granted, nothing more recorded, no notice on the next page.
            const { recordId } = await record(page, id)
            await banner.getByRole('button', { name: 'OK' }).click()
            await expect(banner).toBeHidden()
            expect(await state(page)).toMatchObject({ method: 'gpc', categories: { marketing: false } })
            await page.reload()
            await loaded(page)
            await expect(banner).toHaveCount(0)
            expect(await ran(page)).toEqual(ANALYTICS)
            expect(await record(page, id)).toMatchObject({ recordId, method: 'gpc' })
          }
        } else if (storedGrant) {
          // The stored Accept all applies at once and is pushed again as an update; nothing new is recorded.
          await expect(banner).toHaveCount(0)
          expect(await ran(page)).toEqual([...ANALYTICS, ...MARKETING].sort())
          const updates = (await consentCalls(page)).filter((c) => c.command === 'update')
          expect(updates).toHaveLength(1)
          expect(updates[0]!.state).toMatchObject({ analytics_storage: 'granted', ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted' })
          expect(await record(page, consentId)).toBeNull()
          await expect(privacyChoices).toHaveCount(r.mode === 'opt-out' ? 1 : 0)
        } else if (r.mode === 'opt-in') {
          // Nothing optional before a choice; Reject all as prominent as Accept all.
          await expect(banner).toBeVisible()
          expect(await ran(page)).toEqual([])
          const accept = banner.getByRole('button', { name: 'Accept all' })
          const reject = banner.getByRole('button', { name: 'Reject all' })
          const look = (b: typeof accept) => b.evaluate((el) => { const s = getComputedStyle(el); return [s.backgroundColor, s.color, s.fontSize, s.fontWeight, el.getBoundingClientRect().height] })
          expect(await look(reject)).toEqual(await look(accept))
          // GPC alone decides nothing here; its state is pushed as an update at once (all denied).
          const updates = (await consentCalls(page)).filter((c) => c.command === 'update')
          expect(updates).toHaveLength(gpc ? 1 : 0)
          for (const u of updates) expect(u.state).toMatchObject({ analytics_storage: 'denied', ad_storage: 'denied' })
          await reject.click()
          await expect(banner).toBeHidden()
          const id = await stateId(page)
          await expect.poll(() => record(page, id), { intervals: [100] }).toMatchObject({ region: r.region, mode: r.mode, method: 'reject-all', gpc })
          expect(await ran(page)).toEqual([])
        } else if (r.mode === 'opt-out') {
          // Allowed until the visitor says no: no consent wall, a "Your Privacy Choices" button.
          await expect(banner).toHaveCount(0)
          expect(await ran(page)).toEqual([...ANALYTICS, ...MARKETING].sort())
          expect((await consentCalls(page)).filter((c) => c.command === 'update')).toEqual([])
          await privacyChoices.click()
          const dialog = page.getByRole('dialog', { name: 'Cookie preferences' })
          const id = await stateId(page)
          // The page reloads so that what already ran stops; now nothing optional runs.
          const reloaded = page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() })
          await dialog.getByRole('button', { name: 'Reject all' }).click()
          await reloaded
          await loaded(page)
          expect(await ran(page)).toEqual([])
          await expect.poll(() => record(page, id), { intervals: [100] }).toMatchObject({ region: 'US-CA', mode: 'opt-out', method: 'reject-all', gpc: false })
        } else {
          // Notice: everything runs, the banner informs; choices stay available behind Preferences.
          await expect(banner).toBeVisible()
          await expect(banner.getByRole('button', { name: 'Preferences' })).toBeVisible()
          await expect(banner.getByRole('button', { name: 'Reject all' })).toHaveCount(0)
          expect(await ran(page)).toEqual([...ANALYTICS, ...MARKETING].sort())
          expect((await consentCalls(page)).filter((c) => c.command === 'update')).toEqual([])
          await banner.getByRole('button', { name: 'OK' }).click()
          await expect(banner).toBeHidden()
          const id = await stateId(page)
          await expect.poll(() => record(page, id), { intervals: [100] }).toMatchObject({ region: 'BR', mode: 'notice', method: 'accept-all', gpc: false })
        }
        expect(errors).toEqual([])
        await context.close()
      })

test('a refusal GPC stored in an opt-out region stays on a later visit without the signal', async ({ browser }) => {
  const us = REGIONS[1]!
  const first = await visit(browser, us, true, false)
  const id = await stateId(first.page)
  await expect.poll(() => record(first.page, id), { intervals: [100] }).toMatchObject({ method: 'gpc', gpc: true })
  const cookies = await first.context.cookies()
  await first.context.close()

  const context = await browser.newContext({ extraHTTPHeaders: us.headers })
  await context.addCookies(cookies)
  const page = await context.newPage()
  await open(page)
  expect(await page.evaluate(() => (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl)).toBeFalsy()
  expect(await ran(page)).toEqual(ANALYTICS)
  expect(await state(page)).toMatchObject({ consentId: id, method: 'gpc', gpc: true, categories: { marketing: false } })
  const updates = (await consentCalls(page)).filter((c) => c.command === 'update')
  expect(updates).toHaveLength(1)
  expectAds(updates[0]!.state, 'denied')
  // No new record: the stored refusal is the one in the log.
  expect(await record(page, id)).toMatchObject({ method: 'gpc' })
  await page.getByRole('button', { name: 'Your Privacy Choices' }).click()
  await expect(page.getByRole('dialog').getByText(/Global Privacy Control signal was honoured/)).toBeVisible()
  await context.close()
})

test('a GPC visitor whose stored choice is out of date is asked again after the refusal is recorded (opt-out)', async ({ browser }) => {
  const us = REGIONS[1]!
  const context = await browser.newContext({ extraHTTPHeaders: { ...us.headers, 'Sec-GPC': '1' } })
  await context.addInitScript(() => Object.defineProperty(navigator, 'globalPrivacyControl', { get: () => true }))
  const id = 'e2eStale' + Math.random().toString(36).slice(2, 16).padEnd(14, '0')
  // Accept all, made without the signal more than the cookie's lifetime ago: a visitor without GPC is asked again.
  const value = encodeConsentCookie({ consentId: id, revision: config.revision, updatedAt: Date.now() - 400 * 864e5, method: 'accept-all', granted: config.catalogue.categories.map((c) => c.id), services: {}, gpc: false })
  await context.addCookies([{ name: config.site.cookieName, value, url: new URL('/', test.info().project.use.baseURL).href }])
  const page = await context.newPage()
  const errors: Error[] = []
  page.on('pageerror', (e) => errors.push(e))
  await open(page)
  // The refusal is recorded once, under the visitor's consent ID, and marketing stays blocked.
  await expect.poll(() => record(page, id), { intervals: [100] }).toMatchObject({ method: 'gpc', gpc: true, categories: { marketing: false } })
  expect(await ran(page)).toEqual(ANALYTICS)
  // And the visitor is asked again, as one without the signal would be.
  const banner = page.getByRole('region', { name: 'We use cookies' })
  await expect(banner.getByRole('button', { name: 'Reject all' })).toBeVisible()
  await banner.getByRole('button', { name: 'Reject all' }).click()
  await expect.poll(() => record(page, id), { intervals: [100] }).toMatchObject({ method: 'reject-all', gpc: true })
  await expect(banner).toHaveCount(0)
  // The next page asks nothing more.
  await open(page)
  await expect(banner).toHaveCount(0)
  expect(await state(page)).toMatchObject({ consentId: id, method: 'reject-all' })
  expect(errors).toEqual([])
  await context.close()
})
