// The SDK's built-in English texts, shown as placeholders so an admin sees what visitors read when
// a text is left empty. Imported from the very table the SDK's banner and dialog chunks carry: plain
// data, no SDK code, so nothing of the SDK's runtime enters the dashboard bundle, and a text the SDK
// rewords is reworded here too.
import { UI_TEXT_KEYS, type UiTextKey } from '@miniconsent/shared'
import { en, enDialog, enPlaceholder, type Texts } from '../../sdk/src/ui/texts/en'

/**
 * A site may write every text the SDK shows, and only those: a key the SDK adds to its tables
 * without shared's UI_TEXT_KEYS (which the catalogue schema reads), or one shared lists that the
 * SDK never shows, fails to compile here.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
export const SDK_KEYS_ARE_SITE_KEYS: Same<keyof Texts, UiTextKey> = true

const sdkEnglish: Texts = { ...en, ...enDialog, ...enPlaceholder }

/** In the order of UI_TEXT_KEYS, as the page lists them. */
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
  ok: '“OK” button (notice banner)',
  changeSettings: '“Change cookie settings” button (cookie declaration, floating button)',
  services: 'Name of the services list (read out by screen readers)',
  name: 'Cookie table: “Name” column',
  provider: 'Cookie table: “Provider” column',
  purpose: 'Cookie table: “Purpose” column',
  expiry: 'Cookie table: “Expiry” column',
  session: 'Cookie table: expiry of a session cookie',
  persistent: 'Cookie table: expiry of a cookie without end',
  loadContent: 'Blocked embed: button that loads it',
  loadNote: 'Blocked embed: note under the button',
}

/** What a text's `{0}` stands for, where the SDK fills one in (fill in sdk/src/ui/texts.ts). */
export const TEXT_HINTS: Partial<Record<UiTextKey, string>> = {
  loadContent: '{0} stands for the service’s name (or the embed’s host).',
  loadNote: '{0} stands for the category’s name.',
}

/** Texts long enough to want several lines. */
export const LONG_TEXTS: ReadonlySet<UiTextKey> = new Set(['bannerText', 'preferencesText', 'noticeText', 'gpcHonoured'])
