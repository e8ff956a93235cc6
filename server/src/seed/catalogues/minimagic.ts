// MiniMagic — AI image and 3D generation, United States. Its policy lists only essential and
// functional storage and states that no consent banner is required for them.
import type { DemoSite } from './index'

export const minimagic: DemoSite = {
  settings: {
    id: 'minimagic',
    name: 'MiniMagic',
    domains: ['minimagic.ai', 'www.minimagic.ai', 'localhost', '127.0.0.1'],
    defaultLanguage: 'en',
    privacyPolicyUrl: 'https://minimagic.ai/privacy',
  },
  catalogue: {
    categories: [
      {
        id: 'essential',
        required: true,
        label: { en: 'Essential' },
        description: { en: 'Keep you signed in and keep payments secure. The Service cannot work without them.' },
        consentMode: ['security_storage'],
      },
      {
        // ePrivacy Directive Art. 5(3) exempts storage that is strictly necessary for a service the
        // user explicitly asked for; the policy relies on that for the theme and the local history
        // of the user's own generations. Marking the category required means nothing here needs
        // consent, so the SDK shows no banner, only the declaration and the settings link.
        id: 'functional',
        required: true,
        label: { en: 'Functional' },
        description: {
          en: 'Remember your display settings and keep your recent work on this device for faster access. These are strictly necessary for features you ask for (ePrivacy Directive Art. 5(3)), so they are always active and need no consent.',
        },
        consentMode: ['functionality_storage', 'personalization_storage'],
      },
    ],
    services: [
      {
        id: 'supabase',
        category: 'essential',
        name: 'Supabase Auth',
        provider: 'Supabase',
        purpose: { en: 'Database, sign-in and file storage. Its auth token keeps you logged in.' },
        privacyPolicyUrl: 'https://supabase.com/privacy',
      },
      {
        id: 'stripe',
        category: 'essential',
        name: 'Stripe',
        provider: 'Stripe',
        purpose: { en: 'Payment processing and billing, including fraud prevention at checkout.' },
        privacyPolicyUrl: 'https://stripe.com/privacy',
      },
      {
        // Not in the policy: the consent manager showing this declaration, whose own storage the
        // declaration must list too (shared/src/own-storage.ts). The site runs it: its provider.
        id: 'miniconsent',
        category: 'essential',
        name: 'MiniConsent',
        provider: 'MiniMagic',
        purpose: { en: 'The consent manager: asks for your cookie choices, remembers them and records each choice as proof.' },
        privacyPolicyUrl: 'https://minimagic.ai/privacy',
      },
      {
        id: 'minimagic',
        category: 'functional',
        name: 'MiniMagic',
        provider: 'MiniMagic',
        purpose: { en: 'Your display settings and a local cache of your generations.' },
        privacyPolicyUrl: 'https://minimagic.ai/privacy',
      },
    ],
    entries: [
      {
        // supabase-js keeps the session under `sb-<project-ref>-auth-token` in localStorage until
        // sign-out; the access token inside refreshes itself.
        name: 'sb-*-auth-token',
        kind: 'localStorage',
        category: 'essential',
        service: 'supabase',
        provider: 'Supabase',
        purpose: { en: 'Keeps you logged in' },
        expiry: 'persistent',
      },
      { name: '__stripe_mid', category: 'essential', service: 'stripe', provider: 'Stripe', purpose: { en: 'Fraud prevention: recognises this browser across payments' }, expiry: '1y' },
      { name: '__stripe_sid', category: 'essential', service: 'stripe', provider: 'Stripe', purpose: { en: 'Fraud prevention: recognises this checkout session' }, expiry: '30mi' },
      // The stored choice under the default cookie name, for the default lifetime (182 days).
      { name: 'miniconsent', category: 'essential', service: 'miniconsent', provider: 'MiniMagic', purpose: { en: 'Stores your cookie choices' }, expiry: '182d' },
      { name: 'miniconsent', kind: 'indexedDB', category: 'essential', service: 'miniconsent', provider: 'MiniMagic', purpose: { en: 'Keeps a cookie choice not yet recorded and a copy of the cookie settings, in case the connection fails' }, expiry: 'persistent' },
      { name: 'miniconsent-pending', kind: 'localStorage', category: 'essential', service: 'miniconsent', provider: 'MiniMagic', purpose: { en: 'Keeps your latest cookie choice until it is recorded' }, expiry: 'persistent' },
      { name: 'miniconsent-id', kind: 'localStorage', category: 'essential', service: 'miniconsent', provider: 'MiniMagic', purpose: { en: 'Your consent ID before you choose, once it is linked to your account or to terms you accepted' }, expiry: 'persistent' },
      { name: 'theme', kind: 'localStorage', category: 'functional', service: 'minimagic', provider: 'MiniMagic', purpose: { en: 'Remembers your display settings (light or dark)' }, expiry: 'persistent' },
      {
        // Assumed name: the policy only says "local generation history".
        name: 'minimagic-history',
        kind: 'indexedDB',
        category: 'functional',
        service: 'minimagic',
        provider: 'MiniMagic',
        purpose: { en: 'Caches your generations locally for faster access' },
        expiry: 'persistent',
      },
    ],
    // The brand's #a855f7 darkened until the banner's white button text reaches 4.5:1 (WCAG 1.4.3).
    appearance: { layout: 'box', theme: 'dark', accentColor: '#9333ea', radius: 12, floatingButton: false },
  },
}
