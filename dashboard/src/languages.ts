// Which languages a site's visitors can be shown: those the catalogue has texts in, and those the
// SDK has built-in texts for.
import { LANGUAGE_PATTERN, type Catalogue, type UiTextKey } from '@miniconsent/shared'

/**
 * The SDK's built-in texts besides English: the very tables visitors load as lang-xx chunks (plain
 * data, no SDK code), each loaded only when a page needs it. A language the SDK adds is one more file.
 */
export const SDK_TABLES: Record<string, () => Promise<Partial<Record<UiTextKey, string>>>> = Object.fromEntries(
  Object.entries(import.meta.glob<Partial<Record<UiTextKey, string>>>('../../sdk/src/chunks/lang/*.ts', { import: 'default' })).map(([file, load]) => [
    /([^/]+)\.ts$/.exec(file)![1]!,
    load,
  ]),
)

/** Languages the SDK has texts for: English (in its banner chunk), then those of its lang-xx chunks. */
export const BUILT_IN_LANGUAGES: readonly string[] = ['en', ...Object.keys(SDK_TABLES).sort()]

/** Whether the SDK has built-in texts in `lang`, a language without region (`pt`). */
export const hasBuiltInTexts = (lang: string) => lang === 'en' || Object.hasOwn(SDK_TABLES, lang)

const displayNames = typeof Intl.DisplayNames === 'function' ? new Intl.DisplayNames(['en'], { type: 'language' }) : null

/** "German" for `de`; the tag itself where the browser knows no name for it. */
export function languageName(tag: string): string {
  try {
    return displayNames?.of(tag) ?? tag
  } catch {
    return tag
  }
}

const knownLanguages = typeof Intl.DisplayNames === 'function' ? new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' }) : null

/** ISO 639's codes that are no language (browsers name them all the same). */
const SPECIAL_CODES: Record<string, string> = {
  mis: 'a language without a code',
  mul: 'several languages',
  und: 'an undetermined language',
  zxx: 'no linguistic content',
}

/**
 * A language tag as typed, or why it is none: a language no browser names (`zz`) is never shown,
 * nor one of the codes for no language (`zxx`, `mul`).
 * Kept as typed, not respelled (`de-de` as `de-DE`): the SDK matches a page's language to the
 * site's tags in any case (inLanguage), so either spelling reaches the same visitors; the picker
 * (LanguagePicker) shows a language already listed in another case rather than adding it again.
 */
export function readLanguageTag(input: string): { tag: string } | { error: string } {
  const usage = 'Use a language tag such as "de" or "pt-BR".'
  const tag = input.trim()
  if (!LANGUAGE_PATTERN.test(tag)) return { error: usage }
  const primary = tag.split('-')[0]!
  if (knownLanguages && knownLanguages.of(primary) === undefined) return { error: `"${primary}" is no language a browser knows. ${usage}` }
  const special = SPECIAL_CODES[primary.toLowerCase()]
  if (special) return { error: `"${primary}" stands for ${special}, not a language visitors read. ${usage}` }
  return { tag }
}

/** Whether two language tags name the same language: tags match in any case (BCP 47; the SDK's `inLanguage`), `pt-br` is `pt-BR`. */
export const sameLanguage = (a: string, b: string) => a.toLowerCase() === b.toLowerCase()

/** How `tags` spell the language `tag`: as `tag` itself if they have it so, else in another case; undefined if they have it in none. */
export const spellingIn = (tags: readonly string[], tag: string): string | undefined => (tags.includes(tag) ? tag : tags.find((t) => sameLanguage(t, tag)))

/**
 * The key under which `text` has, or gets, its text in `tag`: the spelling it already uses (`de-ch`
 * for a `de-CH` site, as an import or the API may store it), else `tag` itself. A field reads and
 * writes there, never under a second spelling of its language, which the save refuses.
 */
export const keyIn = (text: Record<string, unknown>, tag: string): string => spellingIn(Object.keys(text), tag) ?? tag

/**
 * Every language the catalogue has a text in, the site's default first, each once in any case, as
 * first met (each field finds its own spelling, keyIn). Only a label, description or purpose stored
 * before one spelling per language was required lists one twice (`pt-br` and `pt-BR` in one label),
 * so that either can be emptied on the Catalogue page. The site texts' languages are listed once
 * however they are spelt: those are edited on Texts & appearance, which lists them its own way.
 */
export function languagesOf(c: Catalogue, defaultLanguage: string): string[] {
  const list = [defaultLanguage]
  const add = (t: Record<string, unknown> | undefined, bothSpellings = true) => {
    const keys = Object.keys(t ?? {})
    for (const key of keys) {
      if (list.includes(key)) continue
      const twice = bothSpellings && keys.some((other) => other !== key && sameLanguage(other, key))
      if (twice || !spellingIn(list, key)) list.push(key)
    }
  }
  c.categories.forEach((cat) => (add(cat.label), add(cat.description)))
  c.services.forEach((s) => add(s.purpose))
  c.entries.forEach((e) => add(e.purpose))
  add(c.texts, false)
  return list
}

/** What the live preview offers: the catalogue's languages, then the built-in ones it lacks in any case. */
export function previewLanguages(c: Catalogue, defaultLanguage: string): string[] {
  const list = languagesOf(c, defaultLanguage)
  return [...list, ...BUILT_IN_LANGUAGES.filter((l) => !spellingIn(list, l))]
}

/** Scripts written right to left, as Intl.Locale names them (ISO 15924). */
const RTL_SCRIPTS = new Set(['Adlm', 'Arab', 'Hebr', 'Mand', 'Mend', 'Nkoo', 'Rohg', 'Samr', 'Syrc', 'Thaa', 'Yezi'])

/**
 * Which way text in `tag` runs: by its script, as the browser's locale data gives it (`ar`, `fa`,
 * `ur`, `he`, `yi`, `dv`, `az-Arab`…). Where the browser cannot tell, the languages the SDK's
 * banner lays out right to left (sdk/src/chunks/banner.tsx): Arabic, Hebrew, Persian and Urdu.
 */
export function textDirection(tag: string): 'ltr' | 'rtl' {
  try {
    const script = new Intl.Locale(tag).maximize().script
    if (script) return RTL_SCRIPTS.has(script) ? 'rtl' : 'ltr'
  } catch {
    // Not a language tag the browser knows: the SDK's list below.
  }
  return /^(ar|he|fa|ur)\b/i.test(tag) ? 'rtl' : 'ltr'
}

/** For a field that holds text in `tag`: its language, for spelling and speech, and its direction, for punctuation typed in it. */
export function languageAttributes(tag: string): { lang: string; dir: 'ltr' | 'rtl' } {
  return { lang: tag, dir: textDirection(tag) }
}
