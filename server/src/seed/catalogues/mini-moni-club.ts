// Mini Moni Club — video platform for parents and their children (accounts by adults only).
// Its policy names ad platforms ("such as Meta, Google, or TikTok") whose pixels may run on the
// site; all of them wait for marketing consent where the region asks first. Cookie names and
// lifetimes are those each vendor documents publicly.
import type { DemoSite } from './index'

const GOOGLE_PRIVACY = 'https://policies.google.com/privacy'

export const miniMoniClub: DemoSite = {
  settings: {
    id: 'mini-moni-club',
    name: 'Mini Moni Club',
    domains: ['minimoniclub.com', 'www.minimoniclub.com', 'localhost', '127.0.0.1'],
    defaultLanguage: 'en',
    privacyPolicyUrl: 'https://minimoniclub.com/privacy',
  },
  catalogue: {
    categories: [
      {
        id: 'essential',
        required: true,
        label: { en: 'Essential' },
        description: { en: 'Secure sign-in, payments and remembering your cookie choices. Always on.' },
        consentMode: ['security_storage'],
      },
      {
        id: 'analytics',
        label: { en: 'Analytics' },
        description: { en: 'Anonymous usage patterns that help us improve our videos and the app.' },
        consentMode: ['analytics_storage'],
      },
      {
        id: 'marketing',
        label: { en: 'Marketing' },
        description: {
          en: 'Measure our advertising and show ads for Mini Moni Club on Meta, Google, YouTube, TikTok and Pinterest. These platforms collect information through their own pixels and embeds under their own privacy policies. We never sell personal data.',
        },
        consentMode: ['ad_storage', 'ad_user_data', 'ad_personalization'],
      },
    ],
    services: [
      {
        id: 'mini-moni-club',
        category: 'essential',
        name: 'Mini Moni Club',
        provider: 'Mini Moni Club',
        purpose: { en: 'Stores your cookie choices.' },
        privacyPolicyUrl: 'https://minimoniclub.com/privacy',
      },
      {
        id: 'clerk',
        category: 'essential',
        name: 'Clerk',
        provider: 'Clerk',
        purpose: { en: 'Authentication and user management: keeps parents signed in securely.' },
        privacyPolicyUrl: 'https://clerk.com/legal/privacy',
      },
      {
        id: 'stripe',
        category: 'essential',
        name: 'Stripe',
        provider: 'Stripe',
        purpose: { en: 'Subscription payments, including fraud prevention at checkout.' },
        privacyPolicyUrl: 'https://stripe.com/privacy',
      },
      {
        id: 'posthog',
        category: 'analytics',
        name: 'PostHog',
        provider: 'PostHog',
        purpose: { en: 'Anonymised product analytics: which videos and features are used.' },
        privacyPolicyUrl: 'https://posthog.com/privacy',
        vendor: 'posthog',
      },
      {
        id: 'meta-pixel',
        category: 'marketing',
        name: 'Meta Pixel',
        provider: 'Meta',
        purpose: { en: 'Measures our ads on Facebook and Instagram and shows our ads to relevant audiences.' },
        privacyPolicyUrl: 'https://www.facebook.com/privacy/policy/',
        vendor: 'meta',
      },
      {
        id: 'google-ads',
        category: 'marketing',
        name: 'Google Ads',
        provider: 'Google',
        purpose: { en: 'Conversion measurement for our ads on Google. Runs with Google Consent Mode v2.' },
        privacyPolicyUrl: GOOGLE_PRIVACY,
        vendor: 'google',
      },
      {
        id: 'tiktok-pixel',
        category: 'marketing',
        name: 'TikTok Pixel',
        provider: 'TikTok',
        purpose: { en: 'Measures our ads on TikTok and shows our ads to relevant audiences.' },
        privacyPolicyUrl: 'https://www.tiktok.com/legal/page/eea/privacy-policy/en',
        vendor: 'tiktok',
      },
      {
        id: 'pinterest-tag',
        category: 'marketing',
        name: 'Pinterest Tag',
        provider: 'Pinterest',
        purpose: { en: 'Measures our ads on Pinterest.' },
        privacyPolicyUrl: 'https://policy.pinterest.com/en/privacy-policy',
      },
      {
        id: 'youtube',
        category: 'marketing',
        name: 'YouTube',
        provider: 'Google',
        // The policy names YouTube among the platforms its ads run on; the embedded trailers are the
        // demo's assumption (the iframe gating and its placeholder need one).
        purpose: { en: 'Plays embedded trailers. YouTube sets its own cookies to count views and personalise ads.' },
        privacyPolicyUrl: GOOGLE_PRIVACY,
      },
      {
        // "Cloudflare: Video streaming and content delivery": the videos reach the visitor's browser
        // from it. The policy names no cookie of it.
        id: 'cloudflare',
        category: 'essential',
        name: 'Cloudflare',
        provider: 'Cloudflare',
        purpose: { en: 'Streams the videos and delivers the site’s content.' },
        privacyPolicyUrl: 'https://www.cloudflare.com/privacypolicy/',
      },
    ],
    entries: [
      // The consent manager's own storage (shared/src/own-storage.ts): the stored choice under the
      // site's cookie name, for its lifetime (182 days by default).
      { name: 'miniconsent', category: 'essential', service: 'mini-moni-club', provider: 'Mini Moni Club', purpose: { en: 'Stores your cookie choices' }, expiry: '182d' },
      { name: 'miniconsent', kind: 'indexedDB', category: 'essential', service: 'mini-moni-club', provider: 'Mini Moni Club', purpose: { en: 'Keeps a cookie choice not yet recorded and a copy of the cookie settings, in case the connection fails' }, expiry: 'persistent' },
      { name: 'miniconsent-pending', kind: 'localStorage', category: 'essential', service: 'mini-moni-club', provider: 'Mini Moni Club', purpose: { en: 'Keeps your latest cookie choice until it is recorded' }, expiry: 'persistent' },
      { name: 'miniconsent-id', kind: 'localStorage', category: 'essential', service: 'mini-moni-club', provider: 'Mini Moni Club', purpose: { en: 'Your consent ID before you choose, once it is linked to your account or to terms you accepted' }, expiry: 'persistent' },
      // Clerk's browser SDK sets both cookies for a year; the JWT inside `__session` lives about a minute and is refreshed.
      { name: '__session', category: 'essential', service: 'clerk', provider: 'Clerk', purpose: { en: 'Short-lived session token that identifies the signed-in user' }, expiry: '1y' },
      { name: '__client_uat', category: 'essential', service: 'clerk', provider: 'Clerk', purpose: { en: 'Time of the last sign-in or sign-out, to tell whether you are signed in' }, expiry: '1y' },
      { name: '__stripe_mid', category: 'essential', service: 'stripe', provider: 'Stripe', purpose: { en: 'Fraud prevention: recognises this browser across payments' }, expiry: '1y' },
      { name: '__stripe_sid', category: 'essential', service: 'stripe', provider: 'Stripe', purpose: { en: 'Fraud prevention: recognises this checkout session' }, expiry: '30mi' },
      { name: 'ph_*_posthog', category: 'analytics', service: 'posthog', provider: 'PostHog', purpose: { en: 'Pseudonymous visitor id and session for product analytics' }, expiry: '1y' },
      { name: 'ph_*_posthog', kind: 'localStorage', category: 'analytics', service: 'posthog', provider: 'PostHog', purpose: { en: 'Analytics properties and queued events' }, expiry: 'persistent' },
      { name: '_fbp', category: 'marketing', service: 'meta-pixel', provider: 'Meta', purpose: { en: 'Identifies this browser for ad measurement' }, expiry: '3mo' },
      { name: '_fbc', category: 'marketing', service: 'meta-pixel', provider: 'Meta', purpose: { en: 'Remembers the ad click that brought you here' }, expiry: '3mo' },
      { name: '_gcl_au', category: 'marketing', service: 'google-ads', provider: 'Google', purpose: { en: 'Measures conversions from Google ads' }, expiry: '3mo' },
      { name: '_ttp', category: 'marketing', service: 'tiktok-pixel', provider: 'TikTok', purpose: { en: 'Measures and improves TikTok ad campaigns' }, expiry: '13mo' },
      { name: '_tt_enable_cookie', category: 'marketing', service: 'tiktok-pixel', provider: 'TikTok', purpose: { en: 'Checks whether the browser accepts the _ttp cookie' }, expiry: '13mo' },
      { name: '_pinterest_ct_ua', category: 'marketing', service: 'pinterest-tag', provider: 'Pinterest', purpose: { en: 'Links actions on this site to Pinterest ads across browsers' }, expiry: '1y' },
      { name: '_pin_unauth', category: 'marketing', service: 'pinterest-tag', provider: 'Pinterest', purpose: { en: 'Identifies visitors not logged in to Pinterest for ad measurement' }, expiry: '1y' },
      { name: 'VISITOR_INFO1_LIVE', category: 'marketing', service: 'youtube', provider: 'Google', purpose: { en: 'Estimates bandwidth and remembers YouTube player settings' }, expiry: '6mo' },
      { name: 'YSC', category: 'marketing', service: 'youtube', provider: 'Google', purpose: { en: 'Counts views of embedded videos and guards against abuse' }, expiry: 'session' },
    ],
    // The brand's #ff7a59 darkened until the banner's white button text reaches 4.5:1 (WCAG 1.4.3).
    appearance: { layout: 'box', theme: 'light', accentColor: '#c2410c', radius: 20, floatingButton: false },
  },
}
