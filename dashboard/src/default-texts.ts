// The SDK's built-in English texts, shown as placeholders so an admin sees what visitors read when
// a text is left empty. A copy, not an import: SDK code never enters the dashboard bundle. Keep it
// in step with the SDK's English texts when those change.
import type { UiTextKey } from '@miniconsent/shared'

export const DEFAULT_TEXTS_EN: Record<UiTextKey, string> = {
  bannerTitle: 'We use cookies',
  bannerText:
    'We use essential cookies to run this site and, with your consent, others to remember settings, measure use and personalise ads. You can change your choice at any time.',
  acceptAll: 'Accept all',
  rejectAll: 'Reject all',
  preferences: 'Preferences',
  save: 'Save choices',
  close: 'Close',
  preferencesTitle: 'Cookie preferences',
  preferencesText: 'Choose which cookies we may use. Essential ones are always on.',
  alwaysOn: 'Always on',
  privacyPolicy: 'Privacy policy',
  consentId: 'Your consent ID',
  noticeText: 'This site uses cookies to run, remember settings, measure use and personalise ads.',
  privacyChoices: 'Your Privacy Choices',
  gpcHonoured: 'Your Global Privacy Control signal was honoured: no data is sold or shared for ads.',
}

/** What each text is for, in the admin's words. */
export const TEXT_LABELS: Record<UiTextKey, string> = {
  bannerTitle: 'Banner title',
  bannerText: 'Banner text',
  acceptAll: '“Accept all” button',
  rejectAll: '“Reject all” button',
  preferences: '“Preferences” button',
  save: '“Save choices” button',
  close: '“Close” button',
  preferencesTitle: 'Preferences dialog title',
  preferencesText: 'Preferences dialog text',
  alwaysOn: 'Label of required categories',
  privacyPolicy: 'Privacy policy link',
  consentId: 'Consent ID label',
  noticeText: 'Notice text (regions without opt-in)',
  privacyChoices: '“Your Privacy Choices” link (US opt-out regions)',
  gpcHonoured: 'Global Privacy Control message',
}

/** Texts long enough to want several lines. */
export const LONG_TEXTS: ReadonlySet<UiTextKey> = new Set(['bannerText', 'preferencesText', 'noticeText', 'gpcHonoured'])
