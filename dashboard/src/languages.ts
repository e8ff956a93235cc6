// Which languages a site's visitors can be shown: those the catalogue has texts in, and those the
// SDK has built-in texts for.
import type { Catalogue } from '@miniconsent/shared'

/**
 * Languages the SDK ships texts for (English in its banner chunk, the others as lang-xx chunks).
 * A copy, like default-texts.ts: SDK code never enters the dashboard bundle.
 */
export const BUILT_IN_LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'nl', 'pt', 'pl', 'uk', 'ar'] as const

const displayNames = typeof Intl.DisplayNames === 'function' ? new Intl.DisplayNames(['en'], { type: 'language' }) : null

/** "German" for `de`; the tag itself where the browser knows no name for it. */
export function languageName(tag: string): string {
  try {
    return displayNames?.of(tag) ?? tag
  } catch {
    return tag
  }
}

/** Every language the catalogue has a text in, the site's default first. */
export function languagesOf(c: Catalogue, defaultLanguage: string): string[] {
  const set = new Set<string>([defaultLanguage])
  const add = (t: Record<string, string> | undefined) => Object.keys(t ?? {}).forEach((l) => set.add(l))
  c.categories.forEach((cat) => (add(cat.label), add(cat.description)))
  c.services.forEach((s) => add(s.purpose))
  c.entries.forEach((e) => add(e.purpose))
  Object.keys(c.texts).forEach((l) => set.add(l))
  return [...set]
}

/** What the live preview offers: the catalogue's languages, then the built-in ones it lacks. */
export const previewLanguages = (c: Catalogue, defaultLanguage: string): string[] => [
  ...new Set([...languagesOf(c, defaultLanguage), ...BUILT_IN_LANGUAGES]),
]
