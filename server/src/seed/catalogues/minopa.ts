// Minopa — social media management platform, Köln. The reference catalogue: every row of the
// cookie table in section 5.1 of its privacy policy, with the policy's category texts.
import type { DemoSite } from './index'

const GOOGLE_PRIVACY = 'https://policies.google.com/privacy'
const MICROSOFT_PRIVACY = 'https://privacy.microsoft.com/privacystatement'
const SENTRY_PRIVACY = 'https://sentry.io/privacy/'

export const minopa: DemoSite = {
  settings: {
    id: 'minopa',
    name: 'Minopa',
    domains: ['minopa.com', 'www.minopa.com', 'localhost', '127.0.0.1'],
    defaultLanguage: 'en',
    privacyPolicyUrl: 'https://minopa.com/privacy',
    // The policy keeps consent choices for one year in `cookie-preferences` (table 5.1): the stored
    // choice takes that name so the declaration the visitor reads is true.
    cookieName: 'cookie-preferences',
    cookieLifetimeDays: 365,
    // Legal acceptance records: "duration of account + 5 years" (policy §4). Retention here goes by
    // a record's age, so this keeps 5 years from each record: the policy's term for a record made
    // as the account ends, shorter for one made earlier (README, Known limitations).
    retentionDays: 1826,
  },
  catalogue: {
    categories: [
      {
        id: 'essential',
        required: true,
        label: { en: 'Essential Cookies', de: 'Notwendige Cookies' },
        description: {
          en: 'These cookies are necessary for the Service to function and cannot be disabled.',
          de: 'Diese Cookies sind für den Betrieb des Dienstes erforderlich und können nicht deaktiviert werden.',
        },
        consentMode: ['security_storage'],
      },
      {
        id: 'functional',
        label: { en: 'Functional Cookies', de: 'Funktionale Cookies' },
        description: {
          en: 'These cookies remember your preferences and settings.',
          de: 'Diese Cookies merken sich Ihre Präferenzen und Einstellungen.',
        },
        consentMode: ['functionality_storage', 'personalization_storage'],
      },
      {
        id: 'analytics',
        label: { en: 'Analytics Cookies', de: 'Analyse-Cookies' },
        description: {
          en: 'These cookies help us understand how visitors use the Service.',
          de: 'Diese Cookies helfen uns zu verstehen, wie Besucher den Dienst nutzen.',
        },
        consentMode: ['analytics_storage'],
      },
      {
        id: 'marketing',
        label: { en: 'Marketing Cookies', de: 'Marketing-Cookies' },
        description: {
          en: 'These cookies may be used for advertising and personalization purposes. We do not actively use marketing cookies at the moment; this category is available for future use.',
          de: 'Diese Cookies können für Werbe- und Personalisierungszwecke verwendet werden. Derzeit setzen wir keine Marketing-Cookies aktiv ein; diese Kategorie steht für eine künftige Nutzung bereit.',
        },
        consentMode: ['ad_storage', 'ad_user_data', 'ad_personalization'],
      },
    ],
    services: [
      {
        id: 'minopa',
        category: 'essential',
        name: 'Minopa',
        provider: 'Minopa',
        purpose: { en: 'Sign-in, protection against cross-site request forgery and storing your cookie choices.' },
        privacyPolicyUrl: 'https://minopa.com/privacy',
      },
      {
        id: 'google-analytics',
        category: 'analytics',
        name: 'Google Analytics',
        provider: 'Google',
        purpose: { en: 'Website analytics: which pages and features are used, with anonymised IP addresses. Runs with Google Consent Mode v2.' },
        privacyPolicyUrl: GOOGLE_PRIVACY,
        vendor: 'google',
      },
      {
        id: 'microsoft-clarity',
        category: 'analytics',
        name: 'Microsoft Clarity',
        provider: 'Microsoft',
        purpose: { en: 'Session recordings, heatmaps and behavioural metrics (clicks, scrolling) to improve the site; Microsoft also uses them for fraud and security and for advertising. Recordings are kept for 30 days.' },
        privacyPolicyUrl: MICROSOFT_PRIVACY,
        vendor: 'clarity',
      },
      {
        id: 'sentry',
        category: 'analytics',
        name: 'Sentry',
        provider: 'Sentry',
        purpose: { en: 'Error tracking and performance monitoring. Error logs are kept for 90 days.' },
        privacyPolicyUrl: SENTRY_PRIVACY,
      },
      {
        // "When you subscribe to a paid plan, our payment processor Stripe collects" payment and
        // billing details (policy, and its processors table). Table 5.1 lists no cookie of it.
        id: 'stripe',
        category: 'essential',
        name: 'Stripe',
        provider: 'Stripe',
        purpose: { en: 'Takes payments: card details and the billing address go to Stripe, not to Minopa.' },
        privacyPolicyUrl: 'https://stripe.com/privacy',
      },
    ],
    entries: [
      { name: 'next-auth.session-token', category: 'essential', service: 'minopa', provider: 'Minopa', purpose: { en: 'Maintains your authentication session' }, expiry: '30d' },
      { name: 'next-auth.csrf-token', category: 'essential', service: 'minopa', provider: 'Minopa', purpose: { en: 'Protects against cross-site request forgery' }, expiry: 'session' },
      { name: 'cookie-preferences', category: 'essential', service: 'minopa', provider: 'Minopa', purpose: { en: 'Stores your cookie consent choices' }, expiry: '1y' },
      // Not in table 5.1: the rest of what the consent manager keeps in the browser (the cookie
      // above is its stored choice), which the declaration must list too (shared/src/own-storage.ts).
      { name: 'miniconsent', kind: 'indexedDB', category: 'essential', service: 'minopa', provider: 'Minopa', purpose: { en: 'Keeps a cookie choice not yet recorded and a copy of the cookie settings, in case the connection fails' }, expiry: 'persistent' },
      { name: 'miniconsent-pending', kind: 'localStorage', category: 'essential', service: 'minopa', provider: 'Minopa', purpose: { en: 'Keeps your latest cookie choice until it is recorded' }, expiry: 'persistent' },
      { name: 'miniconsent-id', kind: 'localStorage', category: 'essential', service: 'minopa', provider: 'Minopa', purpose: { en: 'Your consent ID before you choose, once it is linked to your account or to terms you accepted' }, expiry: 'persistent' },
      // The policy lists no service for these first-party preference cookies; they are gated by
      // the functional category alone.
      { name: 'theme', category: 'functional', provider: 'Minopa', purpose: { en: 'Remembers dark/light mode preference' }, expiry: '1y' },
      { name: 'locale', category: 'functional', provider: 'Minopa', purpose: { en: 'Remembers language preference' }, expiry: '1y' },
      { name: '_ga', category: 'analytics', service: 'google-analytics', provider: 'Google Analytics', purpose: { en: 'Distinguishes unique users' }, expiry: '2y' },
      { name: '_gid', category: 'analytics', service: 'google-analytics', provider: 'Google Analytics', purpose: { en: 'Distinguishes unique users' }, expiry: '24h' },
      { name: '_clck', category: 'analytics', service: 'microsoft-clarity', provider: 'Microsoft Clarity', purpose: { en: 'Stores unique user ID for session tracking' }, expiry: '1y' },
      { name: '_clsk', category: 'analytics', service: 'microsoft-clarity', provider: 'Microsoft Clarity', purpose: { en: 'Connects pageviews into a single session' }, expiry: '1d' },
      { name: 'CLID', category: 'analytics', service: 'microsoft-clarity', provider: 'Microsoft Clarity', purpose: { en: 'Identifies first-time Clarity user' }, expiry: '1y' },
      { name: 'sentry-*', category: 'analytics', service: 'sentry', provider: 'Sentry', purpose: { en: 'Error tracking and performance monitoring' }, expiry: 'session' },
    ],
    texts: {
      // The policy's own words for the footer link and the essential badge.
      en: { preferences: 'Cookie Settings', alwaysOn: 'Always Active' },
      de: { preferences: 'Cookie-Einstellungen', alwaysOn: 'Immer aktiv' },
    },
    appearance: { layout: 'bar', theme: 'system', accentColor: '#5b4cf0', radius: 8, floatingButton: false },
  },
}
