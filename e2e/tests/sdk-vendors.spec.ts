import { readFileSync } from 'node:fs'
import { type BrowserContext, type Page, type Request } from '@playwright/test'
import { expect, settle, test } from '../support/test'
import type { PublishedConfig } from '@miniconsent/shared'

// Real vendor snippets, gated the way SPEC §1 tells sites to, on a test page the browser gets
// from Playwright. Every request to a vendor's host is answered here by a small stand-in that
// records what the vendor would have received.

const VENDOR_HOSTS = /^https:\/\/([\w-]+\.)*(googletagmanager\.com|google-analytics\.com|connect\.facebook\.net|analytics\.tiktok\.com|clarity\.ms|posthog\.com|youtube\.com|youtube-nocookie\.com)\//
const SDK = readFileSync(new URL('../../sdk/dist/miniconsent.js', import.meta.url), 'utf8')

/**
 * Stand-ins for the vendors' libraries: each notes that it ran and keeps the queue its snippet
 * (or the SDK) filled, read when the test asks, as the library would have processed it.
 */
const STAND_INS: [RegExp, string][] = [
  [/googletagmanager\.com\/gtag\/js/, `window.__vendors.push({ lib: 'gtag', queue: dataLayer.slice() })`],
  [/googletagmanager\.com\/gtm\.js/, `window.__vendors.push({ lib: 'gtm', queue: [] })`],
  [/connect\.facebook\.net\/.*fbevents\.js/, `window.__vendors.push({ lib: 'fbevents', queue: fbq.queue })`],
  [/analytics\.tiktok\.com\/i18n\/pixel\/events\.js/, `window.__vendors.push({ lib: 'tiktok', queue: ttq })`],
  [/clarity\.ms\/tag\//, `window.__vendors.push({ lib: 'clarity', queue: clarity.q })`],
  [/posthog\.com\/static\/array\.js/, `window.__vendors.push({ lib: 'posthog', queue: posthog })`],
]

// The snippets as each vendor documents them (ids replaced), with the gating attributes added.
const PAGE = `<!doctype html>
<html lang="en">
<head>
<script src="/sdk/mini-moni-club.js"></script>
<script>window.__vendors = []</script>
<!-- GA4: https://developers.google.com/analytics/devguides/collection/ga4 -->
<script type="text/plain" data-category="analytics" data-src="https://www.googletagmanager.com/gtag/js?id=G-TEST000001"></script>
<script type="text/plain" data-category="analytics">
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());
  gtag('config', 'G-TEST000001');
</script>
<!-- Google Tag Manager -->
<script type="text/plain" data-category="marketing" data-service="google-ads">(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':
new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],
j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=
'https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);
})(window,document,'script','dataLayer','GTM-TEST000');</script>
<!-- Meta Pixel Code -->
<script type="text/plain" data-category="marketing" data-service="meta-pixel">
!function(f,b,e,v,n,t,s)
{if(f.fbq)return;n=f.fbq=function(){n.callMethod?
n.callMethod.apply(n,arguments):n.queue.push(arguments)};
if(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;n.version='2.0';
n.queue=[];t=b.createElement(e);t.async=!0;
t.src=v;s=b.getElementsByTagName(e)[0];
s.parentNode.insertBefore(t,s)}(window, document,'script',
'https://connect.facebook.net/en_US/fbevents.js');
fbq('init', '000000000000000');
fbq('track', 'PageView');
</script>
<!-- TikTok Pixel Code -->
<script type="text/plain" data-category="marketing" data-service="tiktok-pixel">
!function (w, d, t) {
  w.TiktokAnalyticsObject=t;var ttq=w[t]=w[t]||[];ttq.methods=["page","track","identify","instances","debug","on","off","once","ready","alias","group","enableCookie","disableCookie","holdConsent","revokeConsent","grantConsent"],ttq.setAndDefer=function(t,e){t[e]=function(){t.push([e].concat(Array.prototype.slice.call(arguments,0)))}};for(var i=0;i<ttq.methods.length;i++)ttq.setAndDefer(ttq,ttq.methods[i]);ttq.instance=function(t){for(var e=ttq._i[t]||[],n=0;n<ttq.methods.length;n++)ttq.setAndDefer(e,ttq.methods[n]);return e},ttq.load=function(e,n){var r="https://analytics.tiktok.com/i18n/pixel/events.js",o=n&&n.partner;ttq._i=ttq._i||{},ttq._i[e]=[],ttq._i[e]._u=r,ttq._t=ttq._t||{},ttq._t[e]=+new Date,ttq._o=ttq._o||{},ttq._o[e]=n||{};n=document.createElement("script");n.type="text/javascript",n.async=!0,n.src=r+"?sdkid="+e+"&lib="+t;e=document.getElementsByTagName("script")[0];e.parentNode.insertBefore(n,e)};
  ttq.load('CTESTTESTTEST');
  ttq.page();
}(window, document, 'ttq');
</script>
<!-- Microsoft Clarity -->
<script type="text/plain" data-category="analytics" data-service="microsoft-clarity">
(function(c,l,a,r,i,t,y){
  c[a]=c[a]||function(){(c[a].q=c[a].q||[]).push(arguments)};
  t=l.createElement(r);t.async=1;t.src="https://www.clarity.ms/tag/"+i;
  y=l.getElementsByTagName(r)[0];y.parentNode.insertBefore(t,y);
})(window, document, "clarity", "script", "testtest01");
</script>
<!-- PostHog -->
<script type="text/plain" data-category="analytics" data-service="posthog">
!function(t,e){var o,n,p,r;e.__SV||(window.posthog=e,e._i=[],e.init=function(i,s,a){function g(t,e){var o=e.split(".");2==o.length&&(t=t[o[0]],e=o[1]),t[e]=function(){t.push([e].concat(Array.prototype.slice.call(arguments,0)))}}(p=t.createElement("script")).type="text/javascript",p.crossOrigin="anonymous",p.async=!0,p.src=s.api_host.replace(".i.posthog.com","-assets.i.posthog.com")+"/static/array.js",(r=t.getElementsByTagName("script")[0]).parentNode.insertBefore(p,r);var u=e;for(void 0!==a?u=e[a]=[]:a="posthog",u.people=u.people||[],u.toString=function(t){var e="posthog";return"posthog"!==a&&(e+="."+a),t||(e+=" (stub)"),e},u.people.toString=function(){return u.toString(1)+".people (stub)"},o="init capture register register_once register_for_session unregister unregister_for_session getFeatureFlag getFeatureFlagPayload isFeatureEnabled reloadFeatureFlags identify setPersonProperties group resetGroups reset get_distinct_id getGroups get_session_id alias set_config startSessionRecording stopSessionRecording opt_in_capturing opt_out_capturing has_opted_in_capturing has_opted_out_capturing clear_opt_in_out_capturing debug".split(" "),n=0;n<o.length;n++)g(u,o[n]);e._i.push([i,s,a])},e.__SV=1)}(document,window.posthog||[]);
posthog.init('phc_test', {api_host: 'https://eu.i.posthog.com', person_profiles: 'identified_only'})
</script>
</head>
<body>
<script>/* the page's own script: the parser runs it while still loading */</script>
<main><h1>Vendors</h1>
<iframe title="Video" width="560" height="315" data-category="marketing" data-service="youtube" data-src="https://www.youtube-nocookie.com/embed/aaaaaaaaaaa"></iframe>
</main>
</body>
</html>`

interface Setup {
  config: PublishedConfig
  vendorRequests: string[]
  errors: Error[]
}

/** Serves the test page and an SDK whose catalogue also names Clarity, and answers vendor hosts. */
async function setup(page: Page, context: BrowserContext): Promise<Setup> {
  const config = (await (await page.request.get('/api/v1/sites/mini-moni-club/config')).json()) as PublishedConfig
  config.catalogue.services.push({ id: 'microsoft-clarity', category: 'analytics', name: 'Microsoft Clarity', provider: 'Microsoft', purpose: {}, vendor: 'clarity' })
  const vendorRequests: string[] = []
  const errors: Error[] = []
  page.on('pageerror', (e) => errors.push(e))
  await context.route(VENDOR_HOSTS, (route) => {
    const url = route.request().url()
    vendorRequests.push(url)
    const standIn = STAND_INS.find(([re]) => re.test(url))
    return route.fulfill(standIn ? { contentType: 'text/javascript', body: standIn[1] } : { contentType: 'text/html', body: '<p>embed</p>' })
  })
  await page.route('**/sdk/mini-moni-club.js', (route) =>
    route.fulfill({ contentType: 'text/javascript', body: SDK.split('"__MINICONSENT_CONFIG__"').join(JSON.stringify(config).replace(/</g, '\\u003c')) }),
  )
  await page.route('**/demo/x/vendors/', (route) => route.fulfill({ contentType: 'text/html', body: PAGE }))
  // The order in which vendor scripts are put in the page (requests may be reported out of order).
  await page.addInitScript(() => {
    const inserted: string[] = ((window as unknown as { __inserted: string[] }).__inserted = [])
    new MutationObserver((records) => {
      for (const r of records) for (const n of r.addedNodes) if (n instanceof HTMLScriptElement && /^https:/.test(n.src)) inserted.push(new URL(n.src).hostname)
    }).observe(document, { childList: true, subtree: true })
  })
  return { config, vendorRequests, errors }
}

/** Cookies that are neither the stored choice nor declared essential. */
async function nonEssentialCookies(context: BrowserContext, config: PublishedConfig) {
  const essential = config.catalogue.entries.filter((e) => e.kind === 'cookie' && e.category === 'essential').map((e) => new RegExp('^' + e.name.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$'))
  return (await context.cookies()).map((c) => c.name).filter((n) => n !== config.site.cookieName && !essential.some((re) => re.test(n)))
}

/** What each stand-in library received: its queue's calls as arrays (gtag's: as it was when gtag.js loaded). */
const vendors = (page: Page) =>
  page.evaluate(() =>
    (window as unknown as { __vendors: { lib: string; queue: ArrayLike<unknown>[] }[] }).__vendors.map((v) => ({
      lib: v.lib,
      queue: Array.prototype.filter.call(v.queue, (c: unknown) => c !== null && typeof c === 'object' && 'length' in (c as object)).map((c: ArrayLike<unknown>) => Array.prototype.slice.call(c)),
    })),
  )
const banner = (page: Page) => page.getByRole('region', { name: 'We use cookies' })
const host = (url: string) => new URL(url).hostname

test('before a choice and after Reject all, no request reaches a vendor and no optional cookie is set', async ({ page, context }) => {
  const { config, vendorRequests, errors } = await setup(page, context)
  await page.goto('/demo/x/vendors/')
  await expect(banner(page)).toBeVisible()
  // A click-to-load placeholder stands in for the video.
  await expect(page.getByRole('button', { name: /YouTube/ })).toBeVisible()
  const dataLayer = await page.evaluate(() => (window as unknown as { dataLayer: IArguments[] }).dataLayer.map((a) => [Object.prototype.toString.call(a), ...Array.from(a)]))
  expect(dataLayer[0]).toEqual(['[object Arguments]', 'consent', 'default', expect.objectContaining({ ad_storage: 'denied', analytics_storage: 'denied', security_storage: 'granted' })])
  expect(vendorRequests).toEqual([])
  expect(await nonEssentialCookies(context, config)).toEqual([])

  await banner(page).getByRole('button', { name: 'Reject all' }).click()
  await expect(banner(page)).toBeHidden()
  await page.reload()
  await settle(page)
  expect(vendorRequests).toEqual([])
  expect(await nonEssentialCookies(context, config)).toEqual([])
  expect(await vendors(page)).toEqual([])
  expect(errors).toEqual([])
})

test('after Accept all the vendor scripts load in document order and each receives its consent signal', async ({ page, context }) => {
  const { vendorRequests, errors } = await setup(page, context)
  await page.goto('/demo/x/vendors/')
  await banner(page).getByRole('button', { name: 'Accept all' }).click()
  await expect.poll(async () => (await vendors(page)).map((v) => v.lib).sort()).toEqual(['clarity', 'fbevents', 'gtag', 'gtm', 'posthog', 'tiktok'])
  await expect.poll(() => vendorRequests.some((u) => host(u) === 'www.youtube-nocookie.com')).toBe(true)

  // The libraries load as the page's snippets run, in document order: Meta's by the SDK once its
  // snippet has run (it returns early on the SDK's queue, leaving its init there).
  expect(await page.evaluate(() => (window as unknown as { __inserted: string[] }).__inserted)).toEqual([
    'www.googletagmanager.com',
    'www.googletagmanager.com',
    'connect.facebook.net',
    'analytics.tiktok.com',
    'www.clarity.ms',
    'eu-assets.i.posthog.com',
  ])
  const got = Object.fromEntries((await vendors(page)).map((v) => [v.lib, v]))

  // gtag.js loaded before the inline config ran, after the consent defaults (the opt-in regions,
  // then this unknown region's own: opt-in; no region granted by name) and the update.
  const dl = got.gtag!.queue
  expect(dl.slice(0, 2).map((c) => c.slice(0, 2))).toEqual([['consent', 'default'], ['consent', 'default']])
  expect(dl[1]).toEqual(['consent', 'default', { ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'denied', functionality_storage: 'denied', personalization_storage: 'denied', security_storage: 'granted', wait_for_update: 500 }])
  expect(dl[2]).toEqual(['consent', 'update', expect.objectContaining({ ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted', analytics_storage: 'granted' })])
  expect(dl.some((c) => c[0] === 'config')).toBe(false)
  const dataLayer = await page.evaluate(() => (window as unknown as { dataLayer: IArguments[] }).dataLayer.map((a) => Object.prototype.toString.call(a) === '[object Arguments]' ? Array.from(a) : a))
  const configAt = dataLayer.findIndex((c) => Array.isArray(c) && c[0] === 'config')
  const gtmAt = dataLayer.findIndex((c) => !Array.isArray(c) && (c as { event?: string }).event === 'gtm.js')
  expect(configAt).toBeGreaterThan(1)
  expect(gtmAt).toBeGreaterThan(configAt)

  // Meta: revoked before anything, granted on the choice, then the page's init and PageView.
  expect(got.fbevents!.queue.map((c) => c.slice(0, 2).join(' '))).toEqual(['consent revoke', 'consent grant', 'init 000000000000000', 'track PageView'])
  // TikTok: consent held before the pixel, then granted; the page's load and page calls after.
  const tiktok = got.tiktok!.queue.map((c) => c[0])
  expect(tiktok.slice(0, 3)).toEqual(['holdConsent', 'revokeConsent', 'grantConsent'])
  expect(tiktok).toContain('page')
  // Clarity: consent v2 denied on load, then granted.
  expect(got.clarity!.queue.filter((c) => c[0] === 'consentv2').at(-1)).toEqual(['consentv2', { ad_Storage: 'granted', analytics_Storage: 'granted' }])
  // PostHog: opted in through its snippet's queue.
  expect(got.posthog!.queue.map((c) => c[0])).toContain('opt_in_capturing')
  await expect(page.locator('iframe[title="Video"]')).toHaveAttribute('src', 'https://www.youtube-nocookie.com/embed/aaaaaaaaaaa')
  expect(errors).toEqual([])
})

test('a page without the Meta Pixel snippet loads nothing from Meta, after Accept all and on a returning visit', async ({ page, context }) => {
  const { vendorRequests, errors } = await setup(page, context)
  const withoutMeta = PAGE.replace(/<!-- Meta Pixel Code -->[\s\S]*?<\/script>\n/, '')
  expect(withoutMeta).not.toContain('fbevents')
  await page.route('**/demo/x/no-meta/', (route) => route.fulfill({ contentType: 'text/html', body: withoutMeta }))
  await page.goto('/demo/x/no-meta/')
  await banner(page).getByRole('button', { name: 'Accept all' }).click()
  await expect.poll(async () => (await vendors(page)).map((v) => v.lib).sort()).toEqual(['clarity', 'gtag', 'gtm', 'posthog', 'tiktok'])
  // The catalogue's Meta service still hears the choice, in the SDK's queue, and nothing loads it.
  expect(await page.evaluate(() => Array.from((window as unknown as { fbq: { queue: IArguments[] } }).fbq.queue, (a) => `${a[0]} ${a[1]}`))).toEqual(['consent revoke', 'consent grant'])
  await page.reload()
  await expect.poll(async () => (await vendors(page)).length).toBe(5)
  await settle(page)
  expect(vendorRequests.filter((u) => host(u) === 'connect.facebook.net')).toEqual([])
  expect(errors).toEqual([])
})

test('a returning visit releases a granted script in <head> while the document is still being parsed', async ({ page, context }) => {
  const { errors } = await setup(page, context)
  await page.goto('/demo/x/vendors/')
  await banner(page).getByRole('button', { name: 'Accept all' }).click()
  await expect.poll(async () => (await vendors(page)).length).toBe(6)
  // Notes the document's state when the SDK releases the GA loader, first gated tag in <head>.
  await page.addInitScript(() => {
    new MutationObserver((records) => {
      for (const r of records)
        for (const n of r.addedNodes)
          if (n instanceof HTMLScriptElement && n.src.includes('/gtag/js')) (window as unknown as { __releasedWhile?: string }).__releasedWhile ??= document.readyState
    }).observe(document, { childList: true, subtree: true })
  })
  await page.reload()
  await settle(page)
  expect(await page.evaluate(() => (window as unknown as { __releasedWhile?: string }).__releasedWhile)).toBe('loading')
  expect(errors).toEqual([])
})
