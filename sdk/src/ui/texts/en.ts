// Built-in English texts. Another language is one more file like this, added to BUILT_IN in
// ../texts.ts; sites override the keys of UI_TEXT_KEYS per language in their catalogue.
export const en = {
  bannerTitle: 'We use cookies',
  bannerText: 'We use essential cookies to run this site and, with your consent, others to remember settings, measure use and personalise ads. You can change your choice at any time.',
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
  // Built-in only: not overridable per site yet.
  services: 'Services',
  name: 'Name',
  provider: 'Provider',
  purpose: 'Purpose',
  expiry: 'Expiry',
  session: 'Session',
  persistent: 'Persistent',
  changeSettings: 'Change cookie settings',
  loadContent: 'Load content from {0}',
  loadNote: 'This sets {0}.',
}
export type Texts = typeof en
