import { request as playwrightRequest, type APIRequestContext, type Browser, type Locator } from '@playwright/test'
import { UI_TEXT_KEYS, type CatalogueInput, type SiteSettings } from '@miniconsent/shared'
import { E2E_ADMIN, E2E_BASE_URL } from '../support/env'
import { expect, test, type Page } from '../support/test'

// Issue 4: "every text is rendered as text; links only https:, http: or mailto:". Through the real
// admin API, every text field of a catalogue — category labels and descriptions, service names,
// providers, purposes and policy links, cookie and storage entries, every key of the texts in two
// languages — and the site's name, policy link and documents get an XSS payload; published, the
// site's page shows them in the banner, the preferences dialog (every category expanded), the
// declaration, an iframe placeholder, the opt-out "Your Privacy Choices" button with its GPC note,
// and the notice banner. Each payload, had it run, would set window.__xss or open an alert; none
// may, the page may gain no element or handler from them, and each must show as the literal text.
// Values the schemas refuse (unsafe URL schemes, a colour that closes the style sheet, …) are
// answered 4xx and change nothing.
//
// My Mini Webinar, which no spec after this one visits; its settings, draft and live catalogue are
// put back at the end (the live one by rolling back to the revision that was live before).

const SITE = 'my-mini-webinar'

/** Classic vectors: markup, attribute and URL breakouts, template syntax, replacement patterns. */
const VECTORS = [
  `<img src=x onerror="window.__xss=1;alert('xss')">`,
  `<script>window.__xss=1;alert('xss')</script>`,
  `"><svg onload="window.__xss=1;alert('xss')">`,
  `'><iframe srcdoc="<script>parent.__xss=1</script>"></iframe>`,
  `<a href="javascript:window.__xss=1">link</a>`,
  `</style></script><script>window.__xss=1</script><!--`,
  `<details open ontoggle="window.__xss=1;alert('xss')">`,
  `{{constructor.constructor('window.__xss=1')()}} \${window.__xss=1}`,
  `<math><mtext><table><mglyph><style><img src=x onerror="window.__xss=1">`,
  `$& $' $\` {0} \u2028\u2029 &lt;b&gt;`,
]
let next = 0
/** A payload naming its field, so that each shows where it came from. */
const p = (field: string) => `[${field}] ${VECTORS[next++ % VECTORS.length]}`
/** Attribute-breaking links that are still well-formed http(s) and mailto addresses. */
const HTTPS = `https://example.com/?q="><img src=x onerror="window.__xss=1">&r='><script>window.__xss=1</script>`
const MAILTO = `mailto:dpo@example.com?subject="><script>window.__xss=1</script>`

/** The blocked embed's two texts name the service or category at their one `{0}`, as the SDK fills it (first `{0}` only). */
const FILLED = new Set<string>(['loadContent', 'loadNote'])
const texts = (lang: string) =>
  Object.fromEntries(UI_TEXT_KEYS.map((k) => [k, FILLED.has(k) ? `[texts.${lang}.${k}] {0} <img src=x onerror="window.__xss=1;alert('xss')"> $& $' $\`` : p(`texts.${lang}.${k}`)]))
/** A text as the SDK shows it with its `{0}` filled. */
const filled = (text: string, value: string) => text.replace('{0}', () => value)
const localized = (field: string) => ({ en: p(field + '.en'), de: p(field + '.de') })

function xssCatalogue(): CatalogueInput {
  const categories = ['essential', 'analytics', 'marketing'].map((id) => ({
    id,
    required: id === 'essential',
    label: localized(`${id}.label`),
    description: localized(`${id}.description`),
  }))
  const services = categories.map((c, i) => ({
    id: `svc-${c.id}`,
    category: c.id,
    // The placeholder puts this name into "Load content from {0}": replacement patterns must stay text.
    name: i === 2 ? `[svc-marketing.name] $& $' $\` {0} <img src=x onerror="window.__xss=1">` : p(`svc-${c.id}.name`),
    provider: p(`svc-${c.id}.provider`),
    purpose: localized(`svc-${c.id}.purpose`),
    privacyPolicyUrl: i === 1 ? MAILTO : HTTPS,
  }))
  // Entry names may hold no spaces, ";", "," or "=": these vectors still close tags and open scripts.
  const entries = categories.map((c, i) => ({
    name: [`<script>alert(document.domain)</script>`, `"><iframe/src/srcdoc>`, `</td></tr><img/src/onerror>`][i]!,
    kind: (['cookie', 'localStorage', 'indexedDB'] as const)[i],
    category: c.id,
    service: `svc-${c.id}`,
    provider: p(`entry-${c.id}.provider`),
    purpose: localized(`entry-${c.id}.purpose`),
    // Each way the declaration words an expiry, its words from the texts.
    expiry: ['session', 'persistent', '30d'][i]!,
    // A domain is a hostname and a path holds no ";" (they go into the cookie the SDK writes to
    // delete the entry): the path still carries markup, the domain cannot.
    domain: `entry-${c.id}.example.com`,
    path: '/' + p(`entry-${c.id}.path`).replaceAll(';', ','),
  }))
  return { categories, services, entries, texts: { en: texts('en'), de: texts('de') }, appearance: { layout: 'bar', theme: 'light', floatingButton: false } }
}

async function admin() {
  const api = await playwrightRequest.newContext({ baseURL: E2E_BASE_URL })
  const login = await api.post('/api/admin/login', { data: E2E_ADMIN })
  expect(login.status()).toBe(200)
  const headers = { 'X-CSRF-Token': ((await login.json()) as { csrfToken: string }).csrfToken }
  return { api, headers }
}

/** A validation error: 4xx with the API's error body, naming the field. */
async function expectRefused(res: ReturnType<APIRequestContext['put']>, what: string) {
  const r = await res
  expect(r.status(), what).toBeGreaterThanOrEqual(400)
  expect(r.status(), what).toBeLessThan(500)
  expect(((await r.json()) as { error: { code: string; message: string } }).error, what).toEqual(expect.objectContaining({ code: expect.any(String), message: expect.any(String) }))
}

/** Everything the page could show as a sign that a payload ran, or that markup got in. */
async function watch(page: Page) {
  const alerts: string[] = []
  page.on('dialog', (d) => {
    alerts.push(d.message())
    void d.dismiss()
  })
  const consoleXss: string[] = []
  page.on('console', (m) => /xss/i.test(m.text()) && consoleXss.push(m.text()))
  return async () => {
    expect(alerts).toEqual([])
    expect(consoleXss).toEqual([])
    expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined()
    const found = await page.evaluate(() => {
      const roots = [...document.querySelectorAll('#miniconsent, [data-consent-table], .mc-ph')]
      const els = roots.flatMap((r) => [r, ...r.querySelectorAll('*')])
      // BDI and SPAN: the SDK's own, isolating names and marking a text's language (right-to-left pages).
      const allowed = /^(DIV|H2|H3|P|A|BUTTON|DIALOG|SECTION|UL|LI|B|TABLE|TBODY|TR|TH|TD|SMALL|LABEL|INPUT|CODE|BDI|SPAN)$/
      return {
        tags: [...new Set(els.map((e) => e.tagName).filter((t) => !allowed.test(t)))],
        handlers: els.flatMap((e) => e.getAttributeNames().filter((n) => /^on/i.test(n)).map((n) => `${e.tagName} ${n}`)),
        hrefs: [...document.querySelectorAll('#miniconsent a, [data-consent-table] a')].map((a) => a.getAttribute('href')!).filter((h) => !/^(https?:|mailto:)/i.test(h)),
        // The fixture page has one script (the SDK's) and none of these elements.
        scripts: document.scripts.length,
        injected: document.querySelectorAll('img, svg, math, details, iframe[srcdoc], style:not(head > style), object, embed').length,
      }
    })
    expect(found).toEqual({ tags: [], handlers: [], hrefs: [], scripts: 1, injected: 0 })
  }
}

/** The literal payload text is what the element shows. */
async function showsText(l: Locator, ...fields: string[]) {
  const text = await l.evaluate((el) => el.textContent ?? '')
  for (const f of fields) expect(text, f).toContain(f)
}

const catalogue = xssCatalogue()
const cat = (id: string) => catalogue.categories.find((c) => c.id === id)!
const svc = (id: string) => catalogue.services!.find((s) => s.id === `svc-${id}`)!

async function sitePage(page: Page, lang: string) {
  await page.route(`**/demo/ui/xss/${lang}/`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><script src="/sdk/${SITE}.js"></script><title>XSS</title></head>
<body><main><h1>XSS corpus</h1><a href="#" data-consent-open>Cookie settings</a>
<iframe title="Embed" data-category="marketing" data-service="svc-marketing" data-src="https://video.example/embed"></iframe>
<div data-consent-table></div></main></body></html>`,
    }),
  )
  await page.route('https://video.example/**', (route) => route.abort())
  await page.goto(`/demo/ui/xss/${lang}/`)
}

/** A fresh visitor (region headers as a CDN would send them) on the site's page; checked for payloads that ran at the end. */
async function visit(browser: Browser, lang: string, headers: Record<string, string>, body: (page: Page, check: () => Promise<void>) => Promise<void>) {
  const context = await browser.newContext({ extraHTTPHeaders: headers })
  try {
    const page = await context.newPage()
    const check = await watch(page)
    await sitePage(page, lang)
    await body(page, check)
    await check()
  } finally {
    await context.close()
  }
}

test('payloads in every text field of a catalogue render as text and never run', async ({ browser }) => {
  test.setTimeout(120_000)
  const { api, headers } = await admin()
  const state = (await (await api.get(`/api/admin/sites/${SITE}/catalogue`)).json()) as { settings: SiteSettings; draft: CatalogueInput; live: { revision: number } }
  const { id: _id, ...originalSettings } = state.settings
  const originalDraft = state.draft
  const liveBefore = state.live.revision
  const publicCatalogue = async () => ((await (await api.get(`/api/v1/sites/${SITE}/config`)).json()) as { catalogue: unknown }).catalogue
  const publicBefore = await publicCatalogue()
  let published = false
  try {
    // Refused by the schemas, each with a 4xx and an error body.
    const draft = (over: (c: CatalogueInput) => void) => {
      const c = structuredClone(catalogue)
      over(c)
      return api.put(`/api/admin/sites/${SITE}/catalogue/draft`, { data: { catalogue: c }, headers })
    }
    for (const url of ['javascript:window.__xss=1', 'JaVaScRiPt:alert(1)', ' javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox(1)', '//evil.example/x'])
      await expectRefused(draft((c) => (c.services![0]!.privacyPolicyUrl = url)), `service link ${url}`)
    await expectRefused(draft((c) => (c.entries![0]!.name = `<img src=x onerror=alert(1)>`)), 'entry name with spaces')
    await expectRefused(draft((c) => (c.entries![0]!.expiry = '<script>alert(1)</script>')), 'expiry')
    await expectRefused(draft((c) => (c.appearance!.accentColor = 'red}</style><script>alert(1)</script>')), 'accent colour')
    await expectRefused(draft((c) => (c.appearance!.layout = '<script>' as 'bar')), 'layout')
    await expectRefused(draft((c) => (c.categories[1]!.id = '<script>')), 'category id')
    await expectRefused(draft((c) => ((c.texts as Record<string, Record<string, string>>)['<script>'] = { bannerTitle: 'x' })), 'texts language')
    const settings = (over: Partial<SiteSettings>) => api.put(`/api/admin/sites/${SITE}/settings`, { data: { ...originalSettings, ...over }, headers })
    await expectRefused(settings({ privacyPolicyUrl: 'javascript:alert(1)' }), 'privacy policy javascript:')
    await expectRefused(settings({ documents: { terms: { version: '1', url: 'javascript:alert(1)' } } }), 'document javascript:')
    await expectRefused(settings({ cookieName: '<script>' }), 'cookie name')
    expect(((await (await api.get(`/api/admin/sites/${SITE}/catalogue`)).json()) as { draft: unknown }).draft).toEqual(originalDraft)

    // Accepted: every text field carries a payload.
    const put = await api.put(`/api/admin/sites/${SITE}/catalogue/draft`, { data: { catalogue }, headers })
    expect(put.status()).toBe(200)
    const siteName = p('site.name')
    // The built-in regions (the seed asks everyone first): US-CA opt-out and Brazil's notice below.
    const saved = await settings({ name: siteName, privacyPolicyUrl: HTTPS, documents: { terms: { version: p('doc.version').slice(0, 100), url: HTTPS } }, regions: {} })
    expect(saved.status()).toBe(200)
    const pub = await api.post(`/api/admin/sites/${SITE}/publish`, { data: { note: p('publish.note') }, headers })
    expect(pub.status()).toBe(201)
    published = true

    // English, opt-in (no region header): banner, dialog with every category expanded, declaration, placeholder.
    await visit(browser, 'en', {}, async (page, check) => {
      const en = catalogue.texts!.en!
      const banner = page.locator('#miniconsent [role=region]')
      await expect(banner).toBeVisible()
      await check()
      await showsText(banner, en.bannerTitle!, en.bannerText!, en.acceptAll!, en.rejectAll!, en.preferences!, en.privacyPolicy!)
      await expect(banner.getByRole('link')).toHaveAttribute('href', HTTPS)

      await banner.getByRole('button').nth(2).click()
      const dialog = page.getByRole('dialog')
      await expect(dialog).toBeVisible()
      for (const expand of await dialog.locator('button[aria-expanded]').all()) await expand.click()
      await expect(dialog.getByRole('table')).toHaveCount(3)
      await showsText(dialog, en.preferencesTitle!, en.preferencesText!, en.alwaysOn!, en.consentId!, en.save!)
      // The tables' column names and expiry words.
      await showsText(dialog, en.name!, en.provider!, en.purpose!, en.expiry!, en.session!, en.persistent!)
      await expect(dialog.getByRole('button', { name: en.close! })).toBeVisible()
      for (const id of ['essential', 'analytics', 'marketing']) {
        await showsText(dialog, cat(id).label.en!, cat(id).description!.en!, svc(id).name, svc(id).provider, svc(id).purpose!.en!)
        const entry = catalogue.entries!.find((e) => e.category === id)!
        await showsText(dialog, entry.name, entry.provider, entry.purpose!.en!)
      }
      expect(await dialog.getByRole('link').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual([HTTPS, MAILTO, HTTPS])
      await check()
      await page.keyboard.press('Escape')
      await expect(dialog).toBeHidden()

      const declaration = page.locator('[data-consent-table]')
      await declaration.scrollIntoViewIfNeeded()
      await expect(declaration.getByRole('table')).toHaveCount(3)
      for (const id of ['essential', 'analytics', 'marketing']) await showsText(declaration, cat(id).label.en!, cat(id).description!.en!, svc(id).name, svc(id).purpose!.en!)
      await showsText(declaration, en.changeSettings!, en.session!, en.persistent!)

      const placeholder = page.locator('.mc-ph')
      await expect(placeholder).toBeVisible()
      await showsText(placeholder, filled(en.loadContent!, svc('marketing').name), filled(en.loadNote!, cat('marketing').label.en!))
    })

    // German: the other language's texts and labels.
    await visit(browser, 'de', {}, async (page) => {
      const de = catalogue.texts!.de!
      const banner = page.locator('#miniconsent [role=region]')
      await expect(banner).toBeVisible()
      await showsText(banner, de.bannerTitle!, de.bannerText!, de.acceptAll!, de.rejectAll!, de.preferences!)
      await banner.getByRole('button').nth(2).click()
      const dialog = page.getByRole('dialog')
      for (const expand of await dialog.locator('button[aria-expanded]').all()) await expand.click()
      for (const id of ['essential', 'analytics', 'marketing']) await showsText(dialog, cat(id).label.de!, cat(id).description!.de!, svc(id).purpose!.de!)
      await showsText(dialog, de.preferencesTitle!, de.save!)
    })

    // US-CA with Global Privacy Control: opt-out's "Your Privacy Choices" and the GPC note in the dialog.
    await visit(browser, 'en', { 'x-test-country': 'US', 'x-test-region': 'CA', 'Sec-GPC': '1' }, async (page) => {
      const en = catalogue.texts!.en!
      const choices = page.locator('#miniconsent').getByRole('button', { name: en.privacyChoices! })
      await expect(choices).toBeVisible()
      await showsText(choices, en.privacyChoices!)
      await choices.click()
      const dialog = page.getByRole('dialog')
      await expect(dialog).toBeVisible()
      await showsText(dialog, en.gpcHonoured!)
    })

    // Brazil: the notice banner.
    await visit(browser, 'en', { 'x-test-country': 'BR' }, async (page) => {
      const banner = page.locator('#miniconsent [role=region]')
      await expect(banner).toBeVisible()
      await showsText(banner, catalogue.texts!.en!.noticeText!, catalogue.texts!.en!.ok!)
    })
  } finally {
    if (published) expect((await api.post(`/api/admin/sites/${SITE}/rollback`, { data: { revision: liveBefore }, headers })).status()).toBe(201)
    expect((await api.put(`/api/admin/sites/${SITE}/catalogue/draft`, { data: { catalogue: originalDraft }, headers })).status()).toBe(200)
    expect((await api.put(`/api/admin/sites/${SITE}/settings`, { data: originalSettings, headers })).status()).toBe(200)
    // What visitors get is the site as it was.
    expect(await publicCatalogue()).toEqual(publicBefore)
    await api.dispose()
  }
})
