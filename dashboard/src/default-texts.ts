// The SDK's built-in English texts, shown as placeholders so an admin sees what visitors read when
// a text is left empty. Imported from the very table the SDK's banner and dialog chunks carry: plain
// data, no SDK code, so nothing of the SDK's runtime enters the dashboard bundle, and a text the SDK
// rewords is reworded here too.
import { UI_TEXT_KEYS, type UiTextKey } from '@miniconsent/shared'
import { en, enDialog } from '../../sdk/src/ui/texts/en'

const sdkEnglish: Record<UiTextKey, string> = { ...en, ...enDialog }

/** Only the keys a site may write (the SDK's tables also hold labels no site overrides). */
export const DEFAULT_TEXTS_EN = Object.fromEntries(UI_TEXT_KEYS.map((k) => [k, sdkEnglish[k]])) as Record<UiTextKey, string>

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
