// My Mini Webinar — webinar tool for coaches, run from France and Ukraine. Essential cookies keep
// you logged in and remember preferences; analytics cookies only after opt-in.
import type { DemoSite } from './index'

const POSTHOG_PRIVACY = 'https://posthog.com/privacy'

export const myMiniWebinar: DemoSite = {
  settings: {
    id: 'my-mini-webinar',
    name: 'My Mini Webinar',
    domains: ['myminiwebinar.com', 'www.myminiwebinar.com', 'localhost', '127.0.0.1'],
    defaultLanguage: 'en',
    privacyPolicyUrl: 'https://myminiwebinar.com/privacy',
    // "We use analytics cookies only if you opt in", said to everyone: a business in France is
    // bound by the GDPR wherever its visitors are, so every region asks first (the built-in table
    // would only inform in Ukraine, and offer an opt-out in US states).
    regions: { '*': 'opt-in' },
  },
  catalogue: {
    categories: [
      {
        id: 'essential',
        required: true,
        label: { en: 'Essential' },
        description: { en: 'Keep you logged in, remember your preferences and process payments. Always on.' },
        consentMode: ['security_storage'],
      },
      {
        id: 'analytics',
        label: { en: 'Analytics' },
        description: { en: 'Anonymised usage statistics that help us improve the product. Only with your opt-in.' },
        consentMode: ['analytics_storage'],
      },
    ],
    services: [
      {
        id: 'my-mini-webinar',
        category: 'essential',
        name: 'My Mini Webinar',
        provider: 'My Mini Webinar',
        purpose: { en: 'Your login session, your preferences and your cookie choices.' },
        privacyPolicyUrl: 'https://myminiwebinar.com/privacy',
      },
      {
        id: 'stripe',
        category: 'essential',
        name: 'Stripe',
        provider: 'Stripe',
        purpose: { en: 'Payment processing, including fraud prevention at checkout.' },
        privacyPolicyUrl: 'https://stripe.com/privacy',
      },
      {
        // Demo assumption: the policy names no analytics provider, only "optional, anonymized"
        // analytics that set cookies after opt-in. PostHog (EU cloud, cookie-based, with an
        // opt-in/opt-out API the SDK can signal) fits that; cookieless tools would have nothing
        // to ask consent for.
        id: 'posthog',
        category: 'analytics',
        name: 'PostHog',
        provider: 'PostHog',
        purpose: { en: 'Anonymised product analytics: page views, conversion rates, device type and country.' },
        privacyPolicyUrl: POSTHOG_PRIVACY,
        vendor: 'posthog',
      },
    ],
    entries: [
      // Assumed first-party names and lifetimes: the policy describes these cookies without naming them.
      { name: 'mmw_session', category: 'essential', service: 'my-mini-webinar', provider: 'My Mini Webinar', purpose: { en: 'Keeps you logged in' }, expiry: '30d' },
      { name: 'mmw_prefs', category: 'essential', service: 'my-mini-webinar', provider: 'My Mini Webinar', purpose: { en: 'Remembers your preferences' }, expiry: '1y' },
      // The consent manager's own storage (shared/src/own-storage.ts): the stored choice under the
      // site's cookie name, for its lifetime (182 days by default).
      { name: 'miniconsent', category: 'essential', service: 'my-mini-webinar', provider: 'My Mini Webinar', purpose: { en: 'Stores your cookie choices' }, expiry: '182d' },
      { name: 'miniconsent', kind: 'indexedDB', category: 'essential', service: 'my-mini-webinar', provider: 'My Mini Webinar', purpose: { en: 'Keeps a cookie choice not yet recorded and a copy of the cookie settings, in case the connection fails' }, expiry: 'persistent' },
      { name: 'miniconsent-pending', kind: 'localStorage', category: 'essential', service: 'my-mini-webinar', provider: 'My Mini Webinar', purpose: { en: 'Keeps your latest cookie choice until it is recorded' }, expiry: 'persistent' },
      { name: 'miniconsent-id', kind: 'localStorage', category: 'essential', service: 'my-mini-webinar', provider: 'My Mini Webinar', purpose: { en: 'Your consent ID before you choose, once it is linked to your account or to terms you accepted' }, expiry: 'persistent' },
      // Payments are "processed securely through Stripe": Stripe.js, loaded where one pays, sets these
      // two (names and lifetimes from Stripe's own cookie documentation; the policy names none).
      { name: '__stripe_mid', category: 'essential', service: 'stripe', provider: 'Stripe', purpose: { en: 'Fraud prevention: recognises this browser across payments' }, expiry: '1y' },
      { name: '__stripe_sid', category: 'essential', service: 'stripe', provider: 'Stripe', purpose: { en: 'Fraud prevention: recognises this checkout session' }, expiry: '30mi' },
      { name: 'ph_*_posthog', category: 'analytics', service: 'posthog', provider: 'PostHog', purpose: { en: 'Pseudonymous visitor id and session for product analytics' }, expiry: '1y' },
      { name: 'ph_*_posthog', kind: 'localStorage', category: 'analytics', service: 'posthog', provider: 'PostHog', purpose: { en: 'Analytics properties and queued events' }, expiry: 'persistent' },
    ],
    // The banner in the policy's words: it runs no advertising, so not the built-in text, which
    // names personalised ads.
    texts: {
      en: {
        bannerText: 'We use essential cookies to keep you logged in and remember your preferences, and, only if you opt in, analytics cookies to understand how the product is used. We never sell your data.',
        noticeText: 'We use essential cookies to keep you logged in and remember your preferences.',
      },
    },
    // The brand's #e4572e darkened until the banner's white button text reaches 4.5:1 (WCAG 1.4.3).
    appearance: { layout: 'box', theme: 'light', accentColor: '#c13d1c', radius: 16, floatingButton: true },
  },
}
