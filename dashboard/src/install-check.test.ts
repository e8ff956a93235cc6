import { describe, expect, it } from 'vitest'
import { checkInstall } from './install-check'

const ctx = { siteId: 'minopa', categories: ['essential', 'analytics', 'marketing'], services: [{ id: 'google-analytics', category: 'analytics' }] }

describe('install checker', () => {
  it('accepts a correct install and explains each gated element', () => {
    const findings = checkInstall(
      `<html><head><script src="https://consent.example/sdk/minopa.js"></script>
      <script type="text/plain" data-category="analytics" data-service="google-analytics" data-src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>
      </head><body><iframe data-category="marketing" data-src="https://www.youtube.com/embed/x"></iframe><a href="#" data-consent-open>Cookie settings</a></body></html>`,
      ctx,
    )
    expect(findings.filter((f) => f.severity !== 'ok')).toEqual([])
    expect(findings.map((f) => f.message).join('\n')).toMatch(/click-to-load placeholder/)
  })

  it('flags async on the SDK tag, an ungated tracker, a missing data-category and src on a gated iframe', () => {
    const findings = checkInstall(
      `<head><script async src="/sdk/minopa.js"></script>
      <script src="https://connect.facebook.net/en_US/fbevents.js"></script>
      <script type="text/plain">gtag('config','G-1')</script>
      </head><body><iframe data-category="marketing" src="https://www.youtube.com/embed/x"></iframe>
      <img data-category="ads" data-src="https://example.com/p.gif"></body>`,
      ctx,
    )
    const problems = findings.filter((f) => f.severity === 'problem').map((f) => f.message)
    expect(problems.some((m) => /Remove async, defer/.test(m))).toBe(true)
    expect(problems.some((m) => /Meta pixel loads without consent/.test(m))).toBe(true)
    expect(problems.some((m) => /without data-category: this script never runs/.test(m))).toBe(true)
    expect(problems.some((m) => /rename src to data-src/.test(m))).toBe(true)
    expect(problems.some((m) => /No category "ads"/.test(m))).toBe(true)
  })

  it("flags the vendors' usual inline snippets, which write their library's address into the page, and leaves a site's own inline script alone", () => {
    const snippets = {
      Hotjar: `(function(h,o,t,j,a,r){h.hj=h.hj||function(){(h.hj.q=h.hj.q||[]).push(arguments)};h._hjSettings={hjid:1,hjsv:6};r=o.createElement('script');r.src=t+h._hjSettings.hjid+j;})(window,document,'https://static.hotjar.com/c/hotjar-','.js?sv=')`,
      'TikTok pixel': `!function (w, d, t) {w.TiktokAnalyticsObject=t;var ttq=w[t]=w[t]||[];ttq.load=function(e){var r="https://analytics.tiktok.com/i18n/pixel/events.js";var o=d.createElement("script");o.src=r+"?sdkid="+e};ttq.load('C1');ttq.page()}(window, document, 'ttq')`,
      'Microsoft UET': `(function(w,d,t,r,u){var n=d.createElement(t);n.src=r;})(window,document,"script","//bat.bing.com/bat.js","uetq")`,
      'Pinterest tag': `!function(e){window.pintrk=function(){};var n=document.createElement("script");n.src=e}("https://s.pinimg.com/ct/core.js");pintrk('load','261')`,
      'LinkedIn Insight tag': `_linkedin_partner_id = "1"; window._linkedin_data_partner_ids = [_linkedin_partner_id]`,
      PostHog: `posthog.init('phc_1', { api_host: 'https://eu.i.posthog.com' })`,
    }
    // Not trackers: a site's own script, JSON-LD naming a video, a comment naming a host, a click-to-load handler.
    const harmless = [
      `<script>document.documentElement.classList.add('js')</script>`,
      `<script type="application/ld+json">{"@type":"VideoObject","embedUrl":"https://www.youtube.com/embed/abc"}</script>`,
      `<script>// heatmaps by hotjar.com are off on this page\nconst d = document.createElement('div')</script>`,
      `<script>button.onclick = () => { const f = document.createElement('iframe'); f.src = 'https://www.youtube.com/embed/x' }</script>`,
    ]
    const page = `<head><script src="/sdk/minopa.js"></script>${Object.values(snippets).map((s) => `<script>${s}</script>`).join('')}${harmless.join('')}</head>`
    const problems = checkInstall(page, ctx).filter((f) => f.severity === 'problem').map((f) => f.message)
    expect(problems).toEqual(Object.keys(snippets).map((name) => expect.stringMatching(new RegExp(`^${name}.* loads without consent`))))
  })

  it('gates a tag by the service the catalogue knows, as the SDK does, and warns when its data-category names another category', () => {
    const page = (tag: string) => `<head><script src="/sdk/minopa.js"></script>${tag}</head><body><a href="#" data-consent-open>Cookies</a></body>`
    const gtag = 'data-src="https://www.googletagmanager.com/gtag/js?id=G-1"'

    // data-service alone: gated by the service (before, "never runs" was said of it).
    const alone = checkInstall(page(`<script type="text/plain" data-service="google-analytics" ${gtag}></script>`), ctx)
    expect(alone.filter((f) => f.severity !== 'ok')).toEqual([])
    expect(alone.at(-1)!.message).toBe('Runs once the service “google-analytics” is allowed (with “analytics”, unless the visitor sets it by itself), in document order.')

    // Marked marketing, but the service is in analytics: the SDK runs it when Google Analytics is allowed.
    const mismatched = checkInstall(page(`<script type="text/plain" data-category="marketing" data-service="google-analytics" ${gtag}></script>`), ctx)
    expect(mismatched.filter((f) => f.severity === 'warning').map((f) => f.message)).toEqual([
      'data-category="marketing", but the catalogue puts the service "google-analytics" in "analytics": this runs when "google-analytics" is allowed, whatever "marketing" is. Write data-category="analytics", or move the service to "marketing" in the catalogue.',
    ])
    // Its waiting is said with the service's own category, not the tag's.
    expect(mismatched.at(-1)!.message).toBe('Runs once the service “google-analytics” is allowed (with “analytics”, unless the visitor sets it by itself), in document order.')

    // A service the catalogue does not know: the category decides, and the checker says to add the service.
    const unknown = checkInstall(page(`<script type="text/plain" data-category="marketing" data-service="hotjar" ${gtag}></script>`), ctx)
    expect(unknown.filter((f) => f.severity === 'warning').map((f) => f.message)).toEqual(['No service "hotjar" in the catalogue; add it there so visitors can see and choose it.'])
    expect(unknown.at(-1)!.message).toBe('Runs once “marketing” is granted, in document order.')
  })

  it('takes no connection hint for a tracker, and no vendor’s /sdk/ file or import map for MiniConsent', () => {
    const snippet = '<head><script src="https://consent.example/sdk/minopa.js"></script>'
    const open = '</head><body><a href="#" data-consent-open>Cookie settings</a></body>'
    // A preconnect or dns-prefetch loads nothing: no tracker runs from it (a preload does load the file).
    const hints = checkInstall(`${snippet}<link rel="preconnect" href="https://www.google-analytics.com"><link rel="dns-prefetch" href="//connect.facebook.net">${open}`, ctx)
    expect(hints.filter((f) => f.severity !== 'ok')).toEqual([])
    const preload = checkInstall(`${snippet}<link rel="preload" as="script" href="https://connect.facebook.net/en_US/fbevents.js">${open}`, ctx)
    expect(preload.filter((f) => f.severity === 'problem').map((f) => f.message)).toEqual([expect.stringContaining('loads without consent')])
    // A vendor's gated /sdk/widget.js before this site's tag: the site's tag is the one checked.
    const vendor = checkInstall(`<head><script src="https://cdn.vendor.example/sdk/widget.js" type="text/plain" data-category="analytics"></script>${snippet.slice(6)}${open}`, ctx)
    expect(vendor.filter((f) => f.severity === 'problem')).toEqual([])
    expect(vendor.map((f) => f.message)).not.toContain(expect.stringMatching(/for another site|runs before MiniConsent/))
    expect(vendor).toContainEqual(expect.objectContaining({ severity: 'ok', message: 'MiniConsent script: synchronous and first, as it should be.' }))
    // With no tag of this site, another site's is named as such.
    expect(checkInstall(`<script src="https://consent.example/sdk/minimagic.js"></script>${open}`, ctx)).toContainEqual(
      expect.objectContaining({ severity: 'problem', message: expect.stringContaining('for another site') }),
    )
    // An import map runs nothing: MiniConsent after it is still first.
    const importmap = checkInstall(`<head><script type="importmap">{"imports":{}}</script>${snippet.slice(6)}${open}`, ctx)
    expect(importmap.filter((f) => f.severity !== 'ok')).toEqual([])
  })

  it('says when the SDK script is missing', () => {
    expect(checkInstall('<p>hello</p>', ctx)[0]?.message).toMatch(/No MiniConsent script found/)
  })
})
