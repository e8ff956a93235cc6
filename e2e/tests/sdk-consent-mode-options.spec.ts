import { request as playwrightRequest } from '@playwright/test'
import { expect, test } from '../support/test'
import { E2E_ADMIN, E2E_BASE_URL } from '../support/env'

// Google's optional Consent Mode settings (issue 3): a site that turns on ads_data_redaction and
// url_passthrough has them pushed with gtag('set') right after the consent defaults and before any
// gated tag; a site that does not has no such command.

const SITE = 'mini-moni-club'

/** The dataLayer as [command, …] lists, each checked to be an Arguments object as gtag.js needs. */
const dataLayer = (page: import('@playwright/test').Page) =>
  page.evaluate(() =>
    ((window as unknown as { dataLayer?: IArguments[] }).dataLayer ?? []).map((a) => ({
      isArguments: Object.prototype.toString.call(a) === '[object Arguments]',
      args: Array.from(a) as unknown[],
    })),
  )

test('ads_data_redaction and url_passthrough follow the site settings', async ({ page }) => {
  const api = await playwrightRequest.newContext({ baseURL: E2E_BASE_URL })
  const login = await api.post('/api/admin/login', { data: E2E_ADMIN })
  expect(login.status()).toBe(200)
  const headers = { 'X-CSRF-Token': ((await login.json()) as { csrfToken: string }).csrfToken }
  const state = (await (await api.get(`/api/admin/sites/${SITE}/catalogue`)).json()) as { settings: Record<string, unknown> }
  const original = state.settings

  await page.route(/^https:\/\//, (route) => route.abort())
  try {
    // Off (the default): no set command at all.
    await page.goto(`/demo/${SITE}/`)
    await page.waitForFunction(() => 'miniconsent' in window)
    expect((await dataLayer(page)).filter((e) => e.args[0] === 'set')).toEqual([])

    const put = await api.put(`/api/admin/sites/${SITE}/settings`, { data: { ...original, adsDataRedaction: true, urlPassthrough: true }, headers })
    expect(put.status()).toBe(200)

    await page.goto(`/demo/${SITE}/`)
    await page.waitForFunction(() => 'miniconsent' in window)
    const entries = await dataLayer(page)
    const firstOther = entries.findIndex((e) => e.args[0] !== 'consent')
    // The defaults come first, all of them denying ad storage for this opt-in visitor…
    expect(firstOther).toBeGreaterThan(0)
    for (const e of entries.slice(0, firstOther)) expect(e.args.slice(0, 2)).toEqual(['consent', 'default'])
    expect(entries[firstOther - 1]!.args[2]).toMatchObject({ ad_storage: 'denied' })
    // …then the settings, as an Arguments object, before anything else reaches the dataLayer.
    expect(entries[firstOther]).toEqual({ isArguments: true, args: ['set', { ads_data_redaction: true, url_passthrough: true }] })
  } finally {
    const restored = await api.put(`/api/admin/sites/${SITE}/settings`, { data: original, headers })
    expect(restored.status()).toBe(200)
    await api.dispose()
  }
})
