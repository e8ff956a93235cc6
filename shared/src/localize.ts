// A catalogue text in one language, as visitors read it: the SDK shows it so, and the dashboard's
// catalogue editor shows, in a field not yet translated, what visitors read instead.

/**
 * `text`'s entry in the language `tag`, however either spells its case: BCP 47 tags are
 * case-insensitive, and a page's `pt-br` is a site's `pt-BR`.
 */
export const inLanguage = <T,>(text: Record<string, T>, tag: string): T | undefined => text[Object.keys(text).find((k) => k.toLowerCase() == tag.toLowerCase())!]

/** A localized text: its tag (in any case), then its primary subtag, then the site default, then English, then anything. */
export function localize(text: Record<string, string> | undefined, lang: string, siteDefault: string): string {
  if (!text) return ''
  return inLanguage(text, lang) ?? text[lang.split('-')[0]!] ?? inLanguage(text, siteDefault) ?? text.en ?? Object.values(text)[0] ?? ''
}
