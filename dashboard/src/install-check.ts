// The install checker: reads pasted HTML (parsed inertly with DOMParser, so nothing in it runs or
// loads) and explains what the SDK will do with each element, flagging the usual mistakes.
export type Severity = 'problem' | 'warning' | 'ok'

export interface Finding {
  severity: Severity
  /** The element in short, e.g. `<script src="…/gtag/js?id=G-1">`. */
  element: string
  message: string
}

export interface CheckContext {
  siteId: string
  categories: string[]
  /** The catalogue's services, each with its category. */
  services: Array<{ id: string; category: string }>
}

/** Third-party tags that set cookies or track: loaded ungated, they run before any consent. */
const TRACKERS: Array<{ pattern: RegExp; name: string; category: string }> = [
  { pattern: /googletagmanager\.com\/gtag\/js/i, name: 'Google Analytics 4 (gtag.js)', category: 'analytics' },
  { pattern: /googletagmanager\.com\/gtm\.js|googletagmanager\.com\/ns\.html/i, name: 'Google Tag Manager', category: 'marketing' },
  { pattern: /google-analytics\.com/i, name: 'Google Analytics', category: 'analytics' },
  { pattern: /connect\.facebook\.net|facebook\.com\/tr/i, name: 'Meta pixel', category: 'marketing' },
  { pattern: /youtube(-nocookie)?\.com\/embed/i, name: 'YouTube embed', category: 'marketing' },
  { pattern: /player\.vimeo\.com/i, name: 'Vimeo embed', category: 'marketing' },
  { pattern: /clarity\.ms/i, name: 'Microsoft Clarity', category: 'analytics' },
  { pattern: /bat\.bing\.com/i, name: 'Microsoft UET', category: 'marketing' },
  { pattern: /analytics\.tiktok\.com/i, name: 'TikTok pixel', category: 'marketing' },
  { pattern: /hotjar\.com/i, name: 'Hotjar', category: 'analytics' },
]
const INLINE_TRACKERS: Array<{ pattern: RegExp; name: string; category: string }> = [
  { pattern: /\bgtag\s*\(\s*['"]config['"]/, name: 'Google Analytics configuration (gtag config)', category: 'analytics' },
  { pattern: /\bfbq\s*\(\s*['"]init['"]/, name: 'Meta pixel', category: 'marketing' },
  { pattern: /googletagmanager\.com\/gtm\.js/, name: 'Google Tag Manager loader', category: 'marketing' },
  { pattern: /clarity\.ms\/tag/, name: 'Microsoft Clarity loader', category: 'analytics' },
  // Each vendor's snippet by what only it writes (its settings, its loader's path), not by a mention
  // of the vendor's host, which a comment, JSON-LD or a click-to-load handler may hold too.
  { pattern: /\b_hjSettings\b|static\.hotjar\.com\/c\/hotjar-/, name: 'Hotjar', category: 'analytics' },
  { pattern: /\bTiktokAnalyticsObject\b|analytics\.tiktok\.com\/i18n\/pixel\/events\.js/, name: 'TikTok pixel', category: 'marketing' },
  { pattern: /bat\.bing\.com\/bat\.js/, name: 'Microsoft UET', category: 'marketing' },
  { pattern: /s\.pinimg\.com\/ct\/core\.js|\bpintrk\s*\(\s*['"]load['"]/, name: 'Pinterest tag', category: 'marketing' },
  { pattern: /snap\.licdn\.com|\b_linkedin_partner_id\b/, name: 'LinkedIn Insight tag', category: 'marketing' },
  { pattern: /\bposthog\.init\s*\(/, name: 'PostHog', category: 'analytics' },
]

function describe(el: Element): string {
  const attrs = ['type', 'src', 'data-src', 'data-category', 'data-service', 'async', 'defer']
    .filter((a) => el.hasAttribute(a))
    .map((a) => {
      const v = el.getAttribute(a) ?? ''
      const short = v.length > 60 ? v.slice(0, 57) + '…' : v
      return v ? `${a}="${short}"` : a
    })
  return `<${el.tagName.toLowerCase()}${attrs.length ? ' ' + attrs.join(' ') : ''}>`
}

/** This site's MiniConsent tag: `/sdk/<siteId>.js`, from any origin (a CDN, the server). */
function isSiteTag(el: Element, siteId: string): boolean {
  return el.tagName === 'SCRIPT' && new RegExp(`/sdk/${siteId.replace(/[-]/g, '\\-')}\\.js(\\?|$)`).test(el.getAttribute('src') ?? '')
}

/** What may be another site's MiniConsent tag (`/sdk/<id>.js`): looked for only when the page has none of this site's. */
const isSdkLike = (el: Element) => el.tagName === 'SCRIPT' && /\/sdk\/[a-z0-9_-]+\.js(\?|$)/.test(el.getAttribute('src') ?? '')

/** Hints that open a connection or resolve a name, and load nothing: no tracker runs from them. */
const isConnectionHint = (el: Element) => el.tagName === 'LINK' && /(^|\s)(preconnect|dns-prefetch)(\s|$)/i.test(el.getAttribute('rel') ?? '')

export function checkInstall(html: string, ctx: CheckContext): Finding[] {
  const doc = new DOMParser().parseFromString(html, 'text/html')
  const findings: Finding[] = []
  const scripts = [...doc.querySelectorAll('script')]
  const sdk = scripts.find((s) => isSiteTag(s, ctx.siteId)) ?? scripts.find(isSdkLike)

  if (!sdk) {
    findings.push({ severity: 'problem', element: '(none)', message: `No MiniConsent script found. Add <script src=".../sdk/${ctx.siteId}.js"></script> as the first script in <head>.` })
  } else {
    const src = sdk.getAttribute('src') ?? ''
    const where = describe(sdk)
    if (!src.includes(`/sdk/${ctx.siteId}.js`)) {
      findings.push({ severity: 'problem', element: where, message: `This MiniConsent script is for another site: this site's is /sdk/${ctx.siteId}.js.` })
    }
    if (sdk.hasAttribute('async') || sdk.hasAttribute('defer') || sdk.getAttribute('type') === 'module') {
      findings.push({
        severity: 'problem',
        element: where,
        message: 'Remove async, defer and type="module" from the MiniConsent script: it must run before anything else so it can block tags until consent.',
      })
    }
    const firstActive = scripts.find((s) => !isGated(s))
    if (firstActive && firstActive !== sdk) {
      findings.push({ severity: 'warning', element: describe(firstActive), message: 'A script runs before MiniConsent. Put the MiniConsent script first in <head>, so Consent Mode defaults are set before any tag.' })
    }
    if (sdk.closest('body')) {
      findings.push({ severity: 'warning', element: where, message: 'The MiniConsent script is in <body>; put it first in <head>.' })
    }
    if (!findings.some((f) => f.element === where)) {
      findings.push({ severity: 'ok', element: where, message: 'MiniConsent script: synchronous and first, as it should be.' })
    }
  }

  for (const el of doc.querySelectorAll('[data-category], [data-service], script, iframe, img[src], link[href]')) {
    if (el === sdk || isConnectionHint(el)) continue
    const where = describe(el)
    const service = el.getAttribute('data-service')
    // The SDK gates an element by its data-service when the catalogue knows that service (its
    // choice: the service's category's, unless the visitor set the service by itself), else by its data-category.
    const known = ctx.services.find((s) => s.id === service)
    const named = el.getAttribute('data-category')
    const category = named ?? known?.category ?? null
    if (known && named !== null && named !== known.category) {
      findings.push({
        severity: 'warning',
        element: where,
        message: `data-category="${named}", but the catalogue puts the service "${known.id}" in "${known.category}": this runs when "${known.id}" is allowed, whatever "${named}" is. Write data-category="${known.category}", or move the service to "${named}" in the catalogue.`,
      })
    }
    const url = el.getAttribute('data-src') ?? el.getAttribute('src') ?? el.getAttribute('href') ?? ''
    const tracker = TRACKERS.find((t) => t.pattern.test(url)) ?? (el.tagName === 'SCRIPT' ? INLINE_TRACKERS.find((t) => t.pattern.test(el.textContent ?? '')) : undefined)

    if (category === null) {
      if (el.tagName === 'SCRIPT' && el.getAttribute('type') === 'text/plain') {
        findings.push({ severity: 'problem', element: where, message: 'type="text/plain" without data-category: this script never runs. Add data-category="analytics" (or the category it belongs to).' })
      } else if (el.hasAttribute('data-src')) {
        findings.push({ severity: 'problem', element: where, message: 'data-src without data-category: the SDK does not know when to load it. Add data-category.' })
      } else if (tracker) {
        findings.push({
          severity: 'problem',
          element: where,
          message: `${tracker.name} loads without consent. Gate it: ${el.tagName === 'SCRIPT' ? 'type="text/plain" ' : ''}data-category="${tracker.category}"${el.hasAttribute('src') ? ' and move src to data-src' : ''}.`,
        })
      }
      continue
    }

    if (!ctx.categories.includes(category)) {
      findings.push({ severity: 'problem', element: where, message: `No category "${category}" in the catalogue (there are: ${ctx.categories.join(', ')}). It would never be granted.` })
      continue
    }
    // What the SDK waits for, in the findings below.
    const waitsFor = granted(known?.category ?? category, known?.id)
    if (service && !known) {
      findings.push({ severity: 'warning', element: where, message: `No service "${service}" in the catalogue; add it there so visitors can see and choose it.` })
    }
    if (el.tagName === 'SCRIPT') {
      if (el.getAttribute('type') !== 'text/plain') {
        findings.push({ severity: 'problem', element: where, message: 'This script has data-category but still runs at once. Add type="text/plain" so it waits for consent.' })
        continue
      }
      if (el.hasAttribute('src')) {
        findings.push({ severity: 'warning', element: where, message: 'Use data-src instead of src on gated scripts, so the browser does not fetch the file before consent.' })
        continue
      }
      if (!el.hasAttribute('data-src') && !(el.textContent ?? '').trim()) {
        findings.push({ severity: 'warning', element: where, message: 'Gated script with neither data-src nor inline code: nothing would run.' })
        continue
      }
      findings.push({ severity: 'ok', element: where, message: `Runs once ${waitsFor}, in document order.` })
      continue
    }
    if (el.hasAttribute('src') && !el.hasAttribute('data-src')) {
      findings.push({ severity: 'problem', element: where, message: `Loads at once despite data-category: rename src to data-src so it loads only when ${waitsFor}.` })
      continue
    }
    if (!el.hasAttribute('data-src')) {
      findings.push({ severity: 'warning', element: where, message: 'data-category without data-src: nothing is loaded on consent.' })
      continue
    }
    findings.push({
      severity: 'ok',
      element: where,
      message:
        el.tagName === 'IFRAME'
          ? `Shows a click-to-load placeholder until ${waitsFor}, then loads.`
          : `Gets its src once ${waitsFor}.`,
    })
  }
  if (!doc.querySelector('[data-consent-open]')) {
    findings.push({ severity: 'warning', element: '(none)', message: 'No link with data-consent-open: visitors need a way to change their choice later, e.g. <a href="#" data-consent-open>Cookie settings</a>.' })
  }
  return findings
}

/** What the SDK waits for: the service's choice when the catalogue knows the service, else the category. */
const granted = (category: string, service: string | undefined) =>
  service ? `the service “${service}” is allowed (with “${category}”, unless the visitor sets it by itself)` : `“${category}” is granted`

/** A script element the browser does not run as code: gated, data, an import map, speculation rules. */
function isGated(s: Element): boolean {
  return /^(text\/plain|application\/(ld\+)?json|importmap|speculationrules)$/i.test(s.getAttribute('type') ?? '')
}
