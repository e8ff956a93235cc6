// Consent signals to Google and to the vendors the catalogue names (SPEC §5).
import type { ConsentModeState } from '../core/consent-mode'
import type { ConsentModeDefault, PublishedConfig } from '../core/types'
import { d, w } from './dom'


/**
 * Google's own snippet: the queue must receive an Arguments object, not an array, or gtag.js
 * ignores the command. https://developers.google.com/tag-platform/security/guides/consent
 */
export function gtag(..._: unknown[]): void
export function gtag(): void {
  // eslint-disable-next-line prefer-rest-params
  ;(w.dataLayer ||= []).push(arguments)
}

export function consentMode(command: 'default' | 'update', state: ConsentModeState | ConsentModeDefault): void {
  gtag('consent', command, state)
}

/** Calls `obj.method()`, or queues `[method]` as TikTok's and PostHog's snippets do until they load. */
const call = (obj: any, method: string) => (obj[method] ? obj[method]() : obj.push([method]))

/**
 * Vendor signals, per service of the catalogue that names a vendor. `first` marks the page view's
 * first signal: the moment for defaults and holds, before any gated tag can load.
 */
export function vendorSignals(config: PublishedConfig, services: Record<string, boolean>, cm: ConsentModeState, first: boolean, nonce: string): void {
  for (const { id, vendor } of config.catalogue.services) {
    const on = services[id]
    const gd = on ? 'granted' : 'denied'
    try {
      if (vendor == 'clarity') {
        // https://learn.microsoft.com/en-us/clarity/setup-and-installation/clarity-consent-api-v2
        w.clarity ||=
          function () {
            // eslint-disable-next-line prefer-rest-params
            ;(w.clarity.q ||= []).push(arguments)
          }
        w.clarity('consentv2', { ad_Storage: on ? cm.ad_storage : gd, analytics_Storage: gd })
      } else if (vendor == 'uet') {
        // https://help.ads.microsoft.com/#apex/ads/en/60119/1
        ;(w.uetq ||= []).push('consent', first ? 'default' : 'update', { ad_storage: gd })
      } else if (vendor == 'meta') meta(on, nonce)
      else if (vendor == 'tiktok') {
        // TikTok's consent mode: hold before the pixel loads, then grant or revoke.
        const q = (w.ttq ||= [])
        if (first) call(q, 'holdConsent')
        call(q, on ? 'grantConsent' : 'revokeConsent')
      }
    } catch {}
  }
}

let posthogSeen: unknown[] = []

/**
 * PostHog's queue is defined by its own snippet, so it is signalled once that has run: whenever a
 * released script has created it or replaced it with the library, and on every decision (a new
 * `services` object). The calls queue in the snippet's stub and the library replays them.
 * https://posthog.com/docs/privacy/data-collection#opting-out
 */
export function posthogSignal(config: PublishedConfig, services: Record<string, boolean>): void {
  const ph = w.posthog
  if (!ph || (ph === posthogSeen[0] && services === posthogSeen[1])) return
  posthogSeen = [ph, services]
  for (const { id, vendor } of config.catalogue.services)
    try {
      if (vendor == 'posthog') call(ph, services[id] ? 'opt_in_capturing' : 'opt_out_capturing')
    } catch {}
}

/**
 * Meta's snippet returns early when `fbq` exists, so a revoke queued in this stub keeps the pixel
 * from loading at all; the library the snippet would have loaded is loaded here once both the
 * snippet has run (its init queued here) and consent is granted, and replays the queue (revoke,
 * the site's init and track calls, grant). A page without the snippet loads nothing from Meta.
 * https://developers.facebook.com/docs/meta-pixel/implementation/gdpr
 */
function meta(on: boolean | undefined, nonce: string): void {
  let fbq = w.fbq
  if (!fbq) {
    fbq = w.fbq = function () {
      // eslint-disable-next-line prefer-rest-params
      fbq.callMethod ? fbq.callMethod.apply(fbq, arguments) : fbq.queue.push(arguments)
      // Loaded once (s: its script); it then takes the calls (callMethod).
      if (fbq.on && !fbq.s && fbq.queue.some((a: IArguments) => a[0] == 'init')) {
        const s = (fbq.s = d.createElement('script'))
        s.nonce = nonce
        s.src = 'https://connect.facebook.net/en_US/fbevents.js'
        d.head.appendChild(s)
      }
    }
    w._fbq ||= fbq
    Object.assign(fbq, { push: fbq, loaded: true, version: '2.0', queue: [] })
  }
  fbq.on = on
  fbq('consent', on ? 'grant' : 'revoke')
}
