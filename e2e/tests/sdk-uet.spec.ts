import { readFileSync } from 'node:fs'
import { type BrowserContext, type Page } from '@playwright/test'
import { expect, settle, test } from '../support/test'
import type { PublishedConfig } from '@miniconsent/shared'

// Microsoft UET (Microsoft Advertising) with its real public snippet, gated as SPEC §1 tells sites
// to. As in sdk-vendors.spec.ts the SDK is served with the demo site's published config plus one
// service naming vendor 'uet', and bat.bing.com is answered by a tiny stand-in that records the
// `uetq` queue the snippet hands to the library.
// https://help.ads.microsoft.com/#apex/ads/en/56686/1 (tag) and .../60119/1 (consent mode)

const SDK = readFileSync(new URL('../../sdk/dist/miniconsent.js', import.meta.url), 'utf8')

/** bat.js stand-in: the snippet calls `new UET({ ti, q })`, then pushes 'pageLoad'. */
const BAT_JS = `window.UET = function (o) {
  var rec = { ti: o.ti, queue: Array.prototype.slice.call(o.q) };
  window.__uet = rec;
  this.push = function () { rec.queue.push.apply(rec.queue, arguments) };
}`

const PAGE = `<!doctype html>
<html lang="en">
<head>
<script src="/sdk/mini-moni-club.js"></script>
<!-- Microsoft UET -->
<script type="text/plain" data-category="marketing" data-service="microsoft-ads">
(function(w,d,t,r,u){var f,n,i;w[u]=w[u]||[],f=function(){var o={ti:"000000000", enableAutoSpaTracking: true};o.q=w[u],w[u]=new UET(o),w[u].push("pageLoad")},n=d.createElement(t),n.src=r,n.async=1,n.onload=n.onreadystatechange=function(){var s=this.readyState;s&&s!=="loaded"&&s!=="complete"||(f(),n.onload=n.onreadystatechange=null)},i=d.getElementsByTagName(t)[0],i.parentNode.insertBefore(n,i)})(window,document,"script","//bat.bing.com/bat.js","uetq");
</script>
</head>
<body><main><h1>UET</h1></main></body>
</html>`

async function setup(page: Page, context: BrowserContext) {
  const config = (await (await page.request.get('/api/v1/sites/mini-moni-club/config')).json()) as PublishedConfig
  config.catalogue.services.push({ id: 'microsoft-ads', category: 'marketing', name: 'Microsoft Advertising', provider: 'Microsoft', purpose: {}, vendor: 'uet' })
  const batRequests: string[] = []
  const errors: Error[] = []
  page.on('pageerror', (e) => errors.push(e))
  // The snippet's URL is protocol-relative: http on this test page, https on a real one.
  await context.route(/^https?:\/\/([\w-]+\.)*bing\.com\//, (route) => {
    batRequests.push(route.request().url())
    return route.fulfill({ contentType: 'text/javascript', body: BAT_JS })
  })
  await page.route('**/sdk/mini-moni-club.js', (route) =>
    route.fulfill({ contentType: 'text/javascript', body: SDK.split('"__MINICONSENT_CONFIG__"').join(JSON.stringify(config).replace(/</g, '\\u003c')) }),
  )
  await page.route('**/demo/x/uet/', (route) => route.fulfill({ contentType: 'text/html', body: PAGE }))
  return { batRequests, errors }
}

const banner = (page: Page) => page.getByRole('region', { name: 'We use cookies' })
const uetq = (page: Page) => page.evaluate(() => Array.from((window as unknown as { uetq: unknown[] }).uetq))

test('UET: no request to bat.bing.com before a choice or after Reject all; consent denied in uetq', async ({ page, context }) => {
  const { batRequests, errors } = await setup(page, context)
  await page.goto('/demo/x/uet/')
  await expect(banner(page)).toBeVisible()
  await settle(page)
  expect(batRequests).toEqual([])
  // Microsoft's consent mode: a default before the tag can load.
  expect(await uetq(page)).toEqual(['consent', 'default', { ad_storage: 'denied' }])

  await banner(page).getByRole('button', { name: 'Reject all' }).click()
  await expect(banner(page)).toBeHidden()
  expect(await uetq(page)).toEqual(['consent', 'default', { ad_storage: 'denied' }, 'consent', 'update', { ad_storage: 'denied' }])
  await page.reload()
  await settle(page)
  expect(batRequests).toEqual([])
  expect(await uetq(page)).toEqual(['consent', 'default', { ad_storage: 'denied' }])
  expect(await page.evaluate(() => 'UET' in window)).toBe(false)
  expect(errors).toEqual([])
})

test('UET: after Accept all bat.js loads once and receives the consent default then the grant before pageLoad', async ({ page, context }) => {
  const { batRequests, errors } = await setup(page, context)
  await page.goto('/demo/x/uet/')
  await banner(page).getByRole('button', { name: 'Accept all' }).click()
  await expect.poll(() => page.evaluate(() => (window as unknown as { __uet?: unknown }).__uet ?? null)).not.toBeNull()
  expect(batRequests).toHaveLength(1)
  expect(new URL(batRequests[0]!).pathname).toBe('/bat.js')
  const uet = await page.evaluate(() => (window as unknown as { __uet: { ti: string; queue: unknown[] } }).__uet)
  expect(uet.ti).toBe('000000000')
  // The library took over the SDK's queue: default denied, update granted, then the page's own pageLoad.
  expect(uet.queue).toEqual(['consent', 'default', { ad_storage: 'denied' }, 'consent', 'update', { ad_storage: 'granted' }, 'pageLoad'])

  // A returning visit: granted from the start, the tag loads without a banner.
  await page.reload()
  await expect.poll(() => page.evaluate(() => (window as unknown as { __uet?: { queue: unknown[] } }).__uet?.queue ?? null)).toEqual([
    'consent',
    'default',
    { ad_storage: 'granted' },
    'pageLoad',
  ])
  await expect(banner(page)).toBeHidden()
  expect(batRequests).toHaveLength(2)
  expect(errors).toEqual([])
})
