// Which language the visitor sees: the SDK tag's data-lang, then <html lang>, then the browser,
// then the site's default (issue 2).
import { inLanguage } from '@miniconsent/shared/localize'
import type { PublishedConfig } from './types'

const TAG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/

/** Languages with built-in texts: English in the banner chunk, each other in its chunk dist/lang-xx.js. */
export const LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'nl', 'pt', 'pl', 'uk', 'ar']

/** The first candidate that is a well-formed language tag, lower-cased primary subtag; else the fallback. */
export function pickLanguage(candidates: readonly (string | null | undefined)[], fallback: string): string {
  for (const c of candidates) {
    const tag = c && c.trim().replace(/_/g, '-').replace(/^[a-z]+/i, (p) => p.toLowerCase())
    if (tag && TAG.test(tag)) return tag
  }
  return fallback
}

// The rule is shared's, as the dashboard shows an untranslated field's fallback by it.
export { inLanguage, localize } from '@miniconsent/shared/localize'

/**
 * The language of the texts a visitor of language `lang` is shown: theirs when the site or the
 * SDK has texts in it, else the site's default. A Japanese visitor of a German site reads German:
 * the banner is marked `de` and the consent record names `de`. The site's tags match in any case:
 * a `pt-br` visitor reads a site's `pt-BR` texts, marked and recorded `pt-br`. `builtIn` is falsy
 * when the SDK's texts could not be had (the banner passes those its language chunk brought,
 * undefined when that failed to load): only the site's count then, and English when the site has
 * none in its default.
 */
export function shownLanguage(config: PublishedConfig, lang: string, builtIn: unknown): string {
  const primary = lang.split('-')[0]!
  const texts = config.catalogue.texts
  // Without the SDK's texts and without the site's in its default language, what shows is English.
  return inLanguage(texts, lang) || texts[primary] || (builtIn && LANGUAGES.includes(primary)) ? lang : inLanguage(texts, config.site.defaultLanguage) || builtIn ? config.site.defaultLanguage : 'en'
}
