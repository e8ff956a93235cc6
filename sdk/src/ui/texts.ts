import { inLanguage, LANGUAGES } from '../core/language'
import type { PublishedConfig } from '../core/types'
import { en, type Texts } from './texts/en'

export type { Texts }

export { LANGUAGES }

/**
 * The built-in texts the visitor sees: their language's, else the site default's (Portuguese's for
 * a `pt-BR` site), else (undefined) English.
 */
export const builtInLanguage = (lang: string, siteDefault: string) => [lang, siteDefault].map((l) => l.split('-')[0]!).find((l) => LANGUAGES.includes(l))

/**
 * Per key: the site's text for the language, then the built-in one, then the site default
 * language's, then English. `builtIn` holds the built-in texts of `builtInLanguage`. English
 * texts of the dialog and placeholder are added under these by their chunks (`withDefaults`).
 */
export function resolveTexts(config: PublishedConfig, lang: string, builtIn?: Partial<Texts>): Texts {
  const site = config.catalogue.texts
  const def = config.site.defaultLanguage
  const primary = lang.split('-')[0]!
  // The visitor's own built-in texts (English's too: the banner passes `en`) come before the site
  // default language's, unless that is the visitor's language in another region (en-GB for en).
  const visitors = primary != def.split('-')[0] && builtInLanguage(lang, def) == primary
  // The site's tags in any case (inLanguage): a pt-br visitor reads its pt-BR texts.
  return Object.assign({}, en, builtIn, inLanguage(site, def), visitors && builtIn, site[primary], inLanguage(site, lang)) as Texts
}

/** Fills in the English defaults of keys neither the site nor the language chunk gave. */
export const withDefaults = (t: Texts, defaults: Partial<Texts>) => Object.assign(t, { ...defaults, ...t })

// A function, not a string, as the replacement: `$&` or `$'` in a service's name stays as written.
export const fill = (text: string, value: string) => text.replace('{0}', () => value)
