import type { PublishedConfig } from '../core/types'
import { en, type Texts } from './texts/en'

export type { Texts }
const BUILT_IN: Record<string, Partial<Texts>> = { en }

/** Per key: the site's text for the language, then the built-in one, then the site default language's, then English. */
export function resolveTexts(config: PublishedConfig, lang: string): Texts {
  const primary = lang.split('-')[0]!
  const site = config.catalogue.texts
  const def = config.site.defaultLanguage
  return Object.assign({}, en, BUILT_IN[def], site[def], BUILT_IN[primary], site[primary], BUILT_IN[lang], site[lang])
}

export const fill = (text: string, value: string) => text.replace('{0}', value)
