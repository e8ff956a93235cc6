// Consent signals to Google and the vendors the catalogue names (SPEC §5).
import type { ConsentModeState } from '../core/consent-mode'
import type { PublishedConfig } from '../core/types'

type Fn = ((...args: unknown[]) => void) & Record<string, any>
const w = window as unknown as Record<string, any>

/**
 * Google's own snippet: the queue must receive an Arguments object, not an array, or gtag.js
 * ignores the command. https://developers.google.com/tag-platform/security/guides/consent
 */
function gtag(..._: unknown[]): void
function gtag(): void {
  // eslint-disable-next-line prefer-rest-params
  ;(w.dataLayer = w.dataLayer || []).push(arguments)
}

export function consentMode(command: 'default' | 'update', state: ConsentModeState, waitForUpdate?: number): void {
  w.gtag = w.gtag || gtag
  gtag('consent', command, command === 'default' ? { ...state, wait_for_update: waitForUpdate } : state)
}

const grantedOrDenied = (on: boolean) => (on ? 'granted' : 'denied')

/** Calls `obj.method()`, or queues `[method]` the way TikTok's and PostHog's snippets do before they load. */
function call(obj: any, method: string): void {
  if (typeof obj[method] === 'function') obj[method]()
  else if (obj.push) obj.push([method])
}

/**
 * Vendor signals for each vendor with a service in the catalogue, granted per service.
 * `first` is the page view's first signal: the moment for defaults and holds.
 */
export function vendorSignals(config: PublishedConfig, services: Record<string, boolean>, cm: ConsentModeState, first: boolean, nonce: string): void {
  for (const s of config.catalogue.services) {
    const on = !!services[s.id]
    const v = s.vendor
    try {
      if (v === 'clarity') {
        // https://learn.microsoft.com/en-us/clarity/setup-and-installation/clarity-consent-api-v2
        w.clarity =
          w.clarity ||
          function () {
            // eslint-disable-next-line prefer-rest-params
            ;(w.clarity.q = w.clarity.q || []).push(arguments)
          }
        w.clarity('consentv2', { ad_Storage: on ? cm.ad_storage : 'denied', analytics_Storage: grantedOrDenied(on) })
      } else if (v === 'uet') {
        // https://help.ads.microsoft.com/#apex/ads/en/60119/1
        ;(w.uetq = w.uetq || []).push('consent', first ? 'default' : 'update', { ad_storage: grantedOrDenied(on) })
      } else if (v === 'meta') meta(on, nonce)
      else if (v === 'tiktok') {
        // https://business-api.tiktok.com/portal/docs?id=1739585600931842: hold before load, then grant or revoke.
        const q = (w.ttq = w.ttq || [])
        if (first) call(q, 'holdConsent')
        call(q, on ? 'grantConsent' : 'revokeConsent')
      } else if (v === 'posthog' && w.posthog) call(w.posthog, on ? 'opt_in_capturing' : 'opt_out_capturing')
    } catch {}
  }
}

/**
 * Meta's snippet returns early when `fbq` exists, so a revoke queued in our stub keeps the pixel
 * from loading at all; once granted, the library the snippet would have loaded is loaded here and
 * replays the queue (revoke, the site's init and track calls, grant).
 * https://developers.facebook.com/docs/meta-pixel/implementation/gdpr
 */
function meta(on: boolean, nonce: string): void {
  let fbq = w.fbq as Fn | undefined
  if (!fbq) {
    const n = (w.fbq = function (...a: unknown[]) {
      // eslint-disable-next-line prefer-rest-params
      n.callMethod ? n.callMethod.apply(n, arguments) : n.queue.push(arguments)
    } as Fn)
    if (!w._fbq) w._fbq = n
    n.push = n
    n.loaded = true
    n.version = '2.0'
    n.queue = []
    n.mc = 1
    fbq = n
  }
  fbq('consent', on ? 'grant' : 'revoke')
  if (on && fbq.mc === 1 && !fbq.callMethod) {
    fbq.mc = 2
    const s = document.createElement('script')
    s.async = true
    if (nonce) s.nonce = nonce
    s.src = 'https://connect.facebook.net/en_US/fbevents.js'
    document.head.appendChild(s)
  }
}
