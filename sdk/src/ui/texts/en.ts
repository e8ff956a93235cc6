// Built-in English texts, in three parts so that each chunk carries only what it shows: the first
// layer (dist/banner.js), the dialog and declaration (dialog.js), the iframe placeholder
// (placeholder.js). Another language is one file with every key (lang-xx.js, see ../texts.ts);
// sites override any key per language in their catalogue.
export const en = {
  bannerTitle: 'We use cookies',
  bannerText: 'We use essential cookies to run this site and, with your consent, others to remember settings, measure use and personalise ads. You can change your choice at any time.',
  acceptAll: 'Accept all',
  rejectAll: 'Reject all',
  preferences: 'Preferences',
  privacyPolicy: 'Privacy policy',
  noticeText: 'This site uses cookies to run, remember settings, measure use and personalise ads.',
  privacyChoices: 'Your Privacy Choices',
  /** The declaration's button and the floating reopen button. */
  changeSettings: 'Change cookie settings',
  /** Notice mode: the banner informs, one button closes it. */
  ok: 'OK',
}

export const enDialog = {
  save: 'Save choices',
  close: 'Close',
  preferencesTitle: 'Cookie preferences',
  preferencesText: 'Choose which cookies we may use. Essential ones are always on.',
  alwaysOn: 'Always on',
  consentId: 'Your consent ID',
  gpcHonoured: 'Your Global Privacy Control signal was honoured: no data is sold or shared for ads.',
  services: 'Services',
  name: 'Name',
  provider: 'Provider',
  purpose: 'Purpose',
  expiry: 'Expiry',
  session: 'Session',
  persistent: 'Persistent',
}

export const enPlaceholder = {
  loadContent: 'Load content from {0}',
  loadNote: 'This sets {0}.',
}

export type Texts = typeof en & typeof enDialog & typeof enPlaceholder
