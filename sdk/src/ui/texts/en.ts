// Built-in English texts. Another language is one more file like this, added to BUILT_IN in
// ../texts.ts; sites override the keys of UI_TEXT_KEYS per language in their catalogue.
export const en = {
  bannerTitle: 'We use cookies',
  bannerText:
    'We use essential cookies to make this site work. With your consent we also use cookies to remember your settings, measure use and show relevant advertising. You can change your choice at any time.',
  acceptAll: 'Accept all',
  rejectAll: 'Reject all',
  preferences: 'Preferences',
  save: 'Save choices',
  close: 'Close',
  preferencesTitle: 'Cookie preferences',
  preferencesText: 'Choose which cookies and similar technologies we may use. Essential ones are always on.',
  alwaysOn: 'Always on',
  privacyPolicy: 'Privacy policy',
  consentId: 'Your consent ID',
  noticeText: 'This site uses cookies to work, to remember your settings, to measure use and for advertising.',
  privacyChoices: 'Your Privacy Choices',
  gpcHonoured: 'Your browser sent a Global Privacy Control signal, so we do not sell or share your data for advertising.',
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
