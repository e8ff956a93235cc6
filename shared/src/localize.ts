// A catalogue text in one language, as visitors read it: the SDK shows it so, and the dashboard's
// catalogue editor shows, in a field not yet translated, what visitors read instead.

/** A localized text: exact tag, then its primary subtag, then the site default, then English, then anything. */
export function localize(text: Record<string, string> | undefined, lang: string, siteDefault: string): string {
  if (!text) return ''
  return text[lang] ?? text[lang.split('-')[0]!] ?? text[siteDefault] ?? text.en ?? Object.values(text)[0] ?? ''
}
