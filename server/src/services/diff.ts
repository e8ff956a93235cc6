// What changed between two catalogues, and whether visitors must be asked again.
//
// The re-consent rule: consent covers *what* is processed, *by whom* and *for what*. So a new
// category, service or storage entry, a service or entry moved to another category, an entry moved
// to another service, a changed purpose or provider (a new recipient), a service's vendor signal
// added, removed or changed (which vendor is told of its choices, and for `google` whether a
// refusal of it holds back its category's Consent Mode types: see vendorVerdict), a category
// becoming required, or optional (its stored choices hold it as granted whatever the visitor
// chose), a category's name or description changed (what visitors choose by, per category), a
// category granting other Consent Mode types (a type added to its map; not one reordered, repeated
// or dropped), or a storage entry kept longer than before all need consent again.
// Other wording (service and entry names, a required category's name and description), links,
// texts and appearance do not, nor does the vendor signal of a service in a required category
// before and after (always on, nobody refuses it; moved or made optional, it asks); neither does
// removing something, which only narrows what was consented to (a vendor signal removed is no
// removal of processing: it changes what a choice means). A purpose, a category's name or
// description is judged per language: a translation added or removed, or a typo fixed, says
// nothing new; a text added beside another of its language (`en-US` beside `en` or `en-GB`), or
// removed from beside one, is judged as a change of the text its visitors read (see purposeVerdict). A catalogue is judged against every revision a visitor's
// stored choice may date from, not only the live one (Revisions.verdict): changes forgiven one at
// a time (typo fixes, a text removed and written anew) must not add up to a new purpose.
// Publishers can override the verdict.
import { entryIdentity, entryLabel, type Catalogue, type CatalogueChange, type Category, type LocalizedText, type Service, type StorageEntry } from '@miniconsent/shared'
import { canonicalJson } from '../lib/canonical-json'

export interface DiffResult {
  changes: CatalogueChange[]
  needsConsent: boolean
  reasons: string[]
}

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b)

/**
 * Entries have no id: the same name of the same kind on the same domain and path is the same
 * entry (a `session` cookie on /shop is another cookie than the site's `session`). This is the
 * label the diff shows, `kind:name@domain/path`; items are matched by `entryIdentity`, which no
 * name can make ambiguous, and the label must not be either: a cookie `cart` on path `/b` and a
 * cookie named `cart/b` are two changes. So a name holding `@` or `/` is written as a JSON string
 * (`cookie:"cart/b"`), and so is a domain holding `/`; either is quoted too when it starts with a
 * `"`, so that a quote always opens one. Ordinary names and domains are written as they are.
 */
export const entryKey = (e: StorageEntry) => `${e.kind}:${labelPart(e.name, /[@/]/)}${e.domain ? '@' + labelPart(e.domain, /\//) : ''}${e.path ?? ''}`

/** `part` as it is, or as a JSON string when it holds what would end it in a label (`ends`) or starts with a quote. */
const labelPart = (part: string, ends: RegExp) => (ends.test(part) || part.startsWith('"') ? JSON.stringify(part) : part)

const EXPIRY_UNIT_DAYS: Record<string, number> = { mi: 1 / 1440, h: 1 / 24, d: 1, w: 7, mo: 30, y: 365 }

/** Rough lifetime in days, for comparing; `persistent` outlives everything, `session` nothing. */
function expiryDays(expiry: string): number {
  if (expiry === 'session') return 0
  if (expiry === 'persistent') return Number.POSITIVE_INFINITY
  const m = /^(\d+)(mi|h|d|w|mo|y)$/.exec(expiry)
  return m ? Number(m[1]) * EXPIRY_UNIT_DAYS[m[2]!]! : Number.POSITIVE_INFINITY
}

/** An item as the diff matches it: `label` is what paths show (`label #2` for a repeat). */
interface KeyedItem<T> {
  item: T
  label: string
}

/** How a list's items are matched (`identity`) and shown (`label`). */
interface ItemIds<T> {
  identity: (item: T) => string
  label: (item: T) => string
}

/** Whether a list's item added, or a field of it changed, needs consent: the reason, or undefined. */
interface ItemJudge<T> {
  added: (item: T) => string | undefined
  changed: (b: T, a: T, field: string, sub?: string) => string | undefined
}

/**
 * A list's items by key. A valid catalogue has no two items with one identity, but should a list
 * hold some anyway, the second is keyed `identity#2` and shown as `label #2`, and so on, so that
 * none hides another: the second is matched to the second.
 */
function keyed<T>(list: readonly T[], ids: ItemIds<T>): Map<string, KeyedItem<T>> {
  const seen = new Map<string, number>()
  return new Map(
    list.map((item) => {
      const identity = ids.identity(item)
      const n = (seen.get(identity) ?? 0) + 1
      seen.set(identity, n)
      return [n > 1 ? `${identity}#${n}` : identity, { item, label: n > 1 ? `${ids.label(item)} #${n}` : ids.label(item) }]
    }),
  )
}

/**
 * A change that needs consent, with its reason and where it is: the item (`list` and key, see
 * itemKey), the field and, for a text per language, the language (`sub`). Revisions.verdict
 * matches what an override let in by item, field and language, which no rename changes.
 */
export interface ConsentChange {
  path: string
  reason: string
  item: string
  field?: string | undefined
  sub?: string | undefined
}

/** An item's key across catalogues: its list and its key there (see keyed). */
const itemKey = (list: string, key: string) => `${list}\n${key}`

class DiffBuilder {
  readonly changes: CatalogueChange[] = []
  readonly reasons: string[] = []
  /** The changes that need consent, in step with `reasons`, each with where it is. */
  readonly relevant: ConsentChange[] = []

  add(path: string, kind: CatalogueChange['kind'], before: unknown, after: unknown, reason?: string, at?: Omit<ConsentChange, 'path' | 'reason'>) {
    this.changes.push({ path, kind, before, after, consentRelevant: reason !== undefined })
    if (reason === undefined) return
    this.reasons.push(reason)
    this.relevant.push({ path, reason, ...(at ?? { item: path }) })
  }

  /**
   * Field by field; objects (localized texts, appearance) one key deeper so a form can point at the
   * language, each with its own verdict: `relevant` gets that key as `sub`. `item`: the item's key
   * (itemKey), for ConsentChange.
   */
  fields(
    path: string,
    before: Record<string, unknown>,
    after: Record<string, unknown>,
    relevant: (key: string, sub?: string) => string | undefined,
    item: string = path,
  ) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()
    for (const key of keys) {
      const b = before[key]
      const a = after[key]
      if (same(b, a)) continue
      if (isPlainObject(b) && isPlainObject(a)) {
        for (const sub of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort()) {
          if (same(b[sub], a[sub])) continue
          const kind = b[sub] === undefined ? 'added' : a[sub] === undefined ? 'removed' : 'changed'
          this.add(`${path}.${key}.${sub}`, kind, b[sub] ?? null, a[sub] ?? null, relevant(key, sub), { item, field: key, sub })
        }
      } else {
        const kind = b === undefined ? 'added' : a === undefined ? 'removed' : 'changed'
        this.add(`${path}.${key}`, kind, b ?? null, a ?? null, relevant(key), { item, field: key })
      }
    }
  }

  /**
   * Lists of items: added, removed, changed, and a change of order. Items are matched by
   * `identity` and shown by `label` (see keyed).
   */
  items<T extends object>(name: string, before: readonly T[], after: readonly T[], ids: ItemIds<T>, judge: ItemJudge<T>) {
    const beforeByKey = keyed(before, ids)
    const afterByKey = keyed(after, ids)
    for (const [k, b] of beforeByKey) if (!afterByKey.has(k)) this.add(`${name}[${b.label}]`, 'removed', b.item, null)
    for (const [k, a] of afterByKey) this.item(name, k, beforeByKey.get(k), a, judge)
    const kept = (list: Map<string, { label: string }>, other: Map<string, unknown>) =>
      [...list].filter(([k]) => other.has(k)).map(([, v]) => v.label)
    const orderBefore = kept(beforeByKey, afterByKey)
    const orderAfter = kept(afterByKey, beforeByKey)
    // Order is what visitors see in the dialog and the declaration; it never needs consent.
    if (!same(orderBefore, orderAfter)) this.add(`${name}.order`, 'changed', orderBefore, orderAfter)
  }

  /** One item kept or added (`a`) in the list `name`, under the key `k`: what changed from `b` (none: added). */
  item<T extends object>(name: string, k: string, b: KeyedItem<T> | undefined, a: KeyedItem<T>, judge: ItemJudge<T>) {
    const at = itemKey(name, k)
    if (!b) this.add(`${name}[${a.label}]`, 'added', null, a.item, judge.added(a.item), { item: at })
    else if (!same(b.item, a.item)) {
      const fields = (field: string, sub?: string) => judge.changed(b.item, a.item, field, sub)
      this.fields(`${name}[${a.label}]`, b.item as Record<string, unknown>, a.item as Record<string, unknown>, fields, at)
    }
  }
}

/** A language tag's primary language: `en` for `en-US`. */
const primaryLanguage = (tag: string) => tag.split('-')[0]!.toLowerCase()

/**
 * Whether a purpose's change in one language needs consent, and why. A text in a new language is
 * a translation of the texts kept beside it, and a removed one leaves visitors the others: neither
 * changes what is asked. But a text removed beside another of its language (`en-US` beside `en` or
 * `en-GB`) may leave its visitors that one, another wording in their language: see removedVerdict. With no language kept (the first purpose text, or every text replaced by
 * one in another language), a new text is a new purpose. A changed text is a new purpose unless
 * the change is a typo fix.
 *
 * A new tag of a language that had a text is no translation but another wording in that language,
 * and the SDK shows it instead (localize prefers the exact tag, then the primary language): `en-US`
 * added beside `en` is what US visitors read from now on, in place of the `en` they consented to.
 * It is judged as a change of that text: of the primary language's when there was one (`en` for
 * `en-US`, what visitors of the new tag read until now), else of the language's other regional
 * texts (`en` or `en-GB` beside `en-US` only), where a typo fix of one of them says nothing new.
 */
function purposeVerdict(
  before: LocalizedText,
  after: LocalizedText,
  lang: string | undefined,
  siteDefault: string,
  what: string,
  noun = 'Purpose',
): string | undefined {
  // Without a language the field was not a text per language on both sides (input outside the schema).
  if (lang === undefined) return `${noun} of ${what} changed`
  const b = before[lang]
  const a = after[lang]
  if (a === undefined) return b === undefined ? undefined : removedVerdict(b, after, lang, siteDefault, what, noun)
  if (b !== undefined) return isTypoFix(b, a) ? undefined : `${noun} of ${what} changed (${lang})`
  const language = primaryLanguage(lang)
  const sameLanguage =
    language !== lang && before[language] !== undefined ? [language] : Object.keys(before).filter((l) => primaryLanguage(l) === language).sort()
  if (sameLanguage.length) {
    return sameLanguage.some((l) => isTypoFix(before[l]!, a)) ? undefined : `${noun} of ${what} changed (${lang}, unlike ${sameLanguage.join(', ')})`
  }
  const kept = Object.keys(after).some((l) => l !== lang && before[l] !== undefined)
  return kept ? undefined : `New ${noun.toLowerCase()} of ${what} (${lang})`
}

/**
 * Whether removing the text `before` in `lang` needs consent. Its visitors read what localize
 * gives them next (readInstead): when that is a text of their language (`en` or `en-GB` for
 * `en-US`, `en-US` for `en`), it is another wording in their language in place of the one they
 * consented to, judged as a change of it, as adding a regional text is. Any other language's text
 * is a translation of what they chose, as for any translation removed, and asks nobody.
 */
function removedVerdict(before: string, after: LocalizedText, lang: string, siteDefault: string, what: string, noun: string): string | undefined {
  const tag = readInstead(after, lang, siteDefault)
  if (tag === undefined) return undefined
  return isTypoFix(before, after[tag]!) ? undefined : `${noun} of ${what} changed (${lang} removed: its visitors read ${tag} instead)`
}

/**
 * The tag of `text` that visitors of `lang` read where `text` has none under `lang` itself, when
 * it is in their language (shownTag: `en` or `en-GB` for `en-US`, `en-US` for `en`); undefined
 * when localize gives them another language's text, a translation.
 */
function readInstead(text: LocalizedText, lang: string, siteDefault: string): string | undefined {
  const tag = shownTag(text, lang, siteDefault)
  return tag !== undefined && primaryLanguage(tag) === primaryLanguage(lang) ? tag : undefined
}

/**
 * The tag of the text that shared localize.ts gives visitors of `lang`, step by step as it does
 * (it returns the text alone, and the SDK's bytes leave no room for more): the tag in any case,
 * its primary language (a visitor's tag has it in lower case), the site's default language in any
 * case, English, and else the first text, each in the order the SDK gets them (keys sorted: a
 * revision is stored as canonicalJson).
 */
function shownTag(text: LocalizedText, lang: string, siteDefault: string): string | undefined {
  const tags = Object.keys(text).sort()
  const anyCase = (tag: string) => tags.find((k) => k.toLowerCase() === tag.toLowerCase())
  const primary = primaryLanguage(lang)
  return anyCase(lang) ?? (text[primary] !== undefined ? primary : undefined) ?? anyCase(siteDefault) ?? (text.en !== undefined ? 'en' : undefined) ?? tags[0]
}

/**
 * A typo fix: at most 2 character edits (Levenshtein: insert, delete, replace), and at most a fifth
 * of the longer text, compared without case and with runs of white space as one space; and the
 * same numbers in the same order. "Analytcs" → "Analytics" (1 edit of 9) is a typo; "Stats" →
 * "Statistics" (5 edits) is a new word. The cap is absolute because a few characters can flip a
 * long text's meaning ("is not shared" → "is shared" is 4 edits of hundreds), and relative because
 * on a short text 2 edits make another word ("Ads" → "AI"). Numbers are facts (kept "30 days" →
 * "90 days" is 1 edit), and so are negations: one or two letters can add or drop one ("do not
 * share" → "do now share", "ein Partner" → "kein Partner", "can" → "can't"), so a fix must keep as
 * many negation words as the text had.
 *
 * Nor may a fix turn a word into another word. Without a dictionary that is told by where the
 * edits fall. A word of up to three letters has no room for a typo that leaves it a word: "UK" →
 * "US", "EU" → "US", "two" → "ten" are other words, so a fix keeps every short word, up to the
 * order of its letters ("teh" → "the"). And a fix keeps every word's first letter, up to its accent
 * ("equipes" → "équipes"): typos seldom hit it, while changing it, or putting letters before it,
 * makes another word ("sell" → "tell", "locally" → "globally"), above all by a negating prefix, in
 * every one of the SDK's languages that has them ("limited" → "unlimited", "begrenzt" →
 * "unbegrenzt", "utile" → "inutile", "nodig" → "onnodig", "безпечні" → "небезпечні"); no list of
 * prefixes is needed. What a fix may change is the rest of a longer word ("recieve", "Goolge",
 * "informations"), accents, punctuation (an apostrophe is no letter: "its" → "it's" names no other
 * processing) and white space, which may split or join words ("heatmaps" → "heat maps").
 *
 * It errs towards asking again, but a letter inside a longer word can still make another word
 * ("collect" → "connect"); the diff lists every change for the publisher, who can override the
 * verdict.
 */
const TYPO_MAX_EDITS = 2
const TYPO_MAX_SHARE = 0.2
const SHORT_WORD_LETTERS = 3

/**
 * Negation words in the SDK's languages (English, German, French, Spanish, Italian, Dutch,
 * Polish, Portuguese, Ukrainian, Arabic), lower case. Words are split at apostrophes, so "can't"
 * counts by its "t" and French "n'est" by its "n".
 */
const NEGATIONS = new Set(
  [
    'not no never none nor neither nothing nobody without cannot cant dont doesnt didnt wont isnt arent wasnt werent havent hasnt shouldnt wouldnt couldnt t',
    'nicht kein keine keinen keinem keiner keines nie niemals nichts ohne weder',
    'ne n pas jamais aucun aucune rien sans ni non',
    'nunca ningún ninguno ninguna nada sin jamás',
    'mai nessun nessuno nessuna senza né',
    'niet geen nooit niets zonder noch',
    'nie nigdy żaden żadna żadne żadnych bez ani nic',
    'não nenhum nenhuma sem nem',
    'не ні ніколи жоден жодна жодне жодних ані нічого',
    'لا لن لم ليس ليست بدون أبدا غير',
  ]
    .join(' ')
    .split(' '),
)

/** Composed (NFC) first, as NEGATIONS is written: "ningún" with its accent apart is still "ningún". */
const negationCount = (t: string) => (t.normalize('NFC').toLowerCase().match(/[\p{L}\p{M}]+/gu) ?? []).filter((w) => NEGATIONS.has(w)).length

/**
 * A text's numbers by value, in order: runs of decimal digits of any script (Arabic texts often
 * write ٣٠ for 30, Persian ۳۰), each as its plain digits without leading zeros, so that ٣٠ and 30
 * are one number and ٣٠ → ٩٠ is a change.
 */
const numbers = (t: string) => (t.match(/\p{Nd}+/gu) ?? []).map((run) => Array.from(run, digitValue).join('').replace(/^0+(?=\d)/, ''))

/**
 * A decimal digit's value. Unicode assigns the digits of every script (Nd) in runs of ten code
 * points from 0 to 9, and only in such runs: counted from the start of the unbroken stretch of
 * digits it sits in, a digit's place in its run of ten is its value.
 */
function digitValue(digit: string): number {
  const code = digit.codePointAt(0)!
  if (code <= 0x39) return code - 0x30
  let start = code
  while (/\p{Nd}/u.test(String.fromCodePoint(start - 1))) start--
  return (code - start) % 10
}

/**
 * A text's words of up to SHORT_WORD_LETTERS letters, each as its letters sorted ("teh" is "the"),
 * sorted. Apostrophes are dropped first, so "it's" is "its" and "can't" no short word.
 */
const shortWords = (t: string) =>
  (t.normalize('NFC').toLowerCase().replace(/['’]/g, '').match(/[\p{L}\p{M}]+/gu) ?? [])
    .map((word) => Array.from(word))
    .filter((letters) => letters.length <= SHORT_WORD_LETTERS)
    .map((letters) => letters.sort().join(''))
    .sort()

/** A character as compared, and whether it is a word's first letter, which no edit may change. */
interface Char {
  char: string
  first: boolean
}

/** `t` as compared: without case, runs of white space as one space; a letter after no letter or mark starts a word. */
function comparedChars(t: string): Char[] {
  const chars = Array.from(t.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase())
  return chars.map((char, i) => ({ char, first: /\p{L}/u.test(char) && !/[\p{L}\p{M}]/u.test(chars[i - 1] ?? '') }))
}

/** A letter without its accents: "é" is "e". */
const baseLetter = (char: string) => char.normalize('NFD')[0]

/** Inserting or deleting a character costs one edit; a word's first letter, more than any typo fix may make. */
const addOrDropCost = (c: Char) => (c.first ? Number.POSITIVE_INFINITY : 1)

/** A replacement costs one edit, but a word's first letter may only take another accent. */
const replaceCost = (x: Char, y: Char) =>
  x.char === y.char ? 0 : (x.first || y.first) && baseLetter(x.char) !== baseLetter(y.char) ? Number.POSITIVE_INFINITY : 1

export function isTypoFix(before: string, after: string): boolean {
  if (!same(numbers(before), numbers(after))) return false
  if (negationCount(before) !== negationCount(after)) return false
  if (!same(shortWords(before), shortWords(after))) return false
  const b = comparedChars(before)
  const a = comparedChars(after)
  const limit = Math.min(TYPO_MAX_EDITS, Math.floor(Math.max(a.length, b.length) * TYPO_MAX_SHARE))
  return editsAtMost(b, a, limit)
}

/**
 * Whether `a` turns into `b` by at most `k` edits (Levenshtein, with addOrDropCost and replaceCost).
 * Only the cells within `k` of the diagonal can stay within `k`, so a row costs 2k + 1 cells, not
 * b.length: texts of 4,000 characters compare in microseconds.
 */
function editsAtMost(a: readonly Char[], b: readonly Char[], k: number): boolean {
  if (Math.abs(a.length - b.length) > k) return false
  const over = k + 1
  let prev = [0]
  for (const c of b) prev.push(Math.min(over, prev[prev.length - 1]! + addOrDropCost(c)))
  let cur = new Array<number>(b.length + 1).fill(over)
  for (let i = 1; i <= a.length; i++) {
    const lo = Math.max(1, i - k)
    const hi = Math.min(b.length, i + k)
    const deletion = addOrDropCost(a[i - 1]!)
    cur[lo - 1] = lo === 1 ? Math.min(over, prev[0]! + deletion) : over
    let best = cur[lo - 1]!
    for (let j = lo; j <= hi; j++) {
      cur[j] = Math.min(over, prev[j]! + deletion, cur[j - 1]! + addOrDropCost(b[j - 1]!), prev[j - 1]! + replaceCost(a[i - 1]!, b[j - 1]!))
      best = Math.min(best, cur[j]!)
    }
    if (hi < b.length) cur[hi + 1] = over
    // A row's smallest distance never shrinks further down.
    if (best > k) return false
    ;[prev, cur] = [cur, prev]
  }
  return prev[b.length]! <= k
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

const text = (t: Record<string, string> | undefined) => (t ? (Object.values(t)[0] ?? '') : '')

/**
 * What of a catalogue the verdict reads (diffCatalogues' judges): items' identities and the
 * fields whose change can ask again. Two catalogues with the same basis get the same verdict
 * against any other: Revisions.verdict judges each basis once, however many revisions only
 * reworded names, texts or appearance. Keep it in step with the judges below.
 */
export function verdictBasis(c: Catalogue): string {
  return canonicalJson({
    categories: c.categories.map(({ id, required, label, description, consentMode }) => ({ id, required, label, description, consentMode })),
    services: c.services.map(({ id, category, purpose, provider, vendor }) => ({ id, category, purpose, provider, vendor })),
    entries: c.entries.map((e) => ({ identity: entryIdentity(e), category: e.category, service: e.service, purpose: e.purpose, provider: e.provider, expiry: e.expiry })),
  })
}

/**
 * Why a service's vendor signal changed asks again. The SDK tells the vendor what visitors chose
 * of the service: another vendor, or one more, is another recipient. And for `google` a refusal of
 * the service denies its category's Consent Mode types (sdk consent-mode.ts): without the signal a
 * visitor who granted the category but refused the service goes from denied to granted, a
 * refusal turned into consent that nobody was asked about.
 */
function vendorVerdict(id: string, before: string | undefined, after: string | undefined): string {
  if (before === undefined) return `Service "${id}" gets the vendor signal "${after}": choices of it reach that vendor`
  if (after === undefined) {
    return `Service "${id}" loses the vendor signal "${before}": choices of it no longer reach that vendor, so a refusal of it may no longer hold back tracking`
  }
  return `Service "${id}" signals choices of it to another vendor: "${after}", not "${before}"`
}

/** Whether `category` is a required (always on) category of `c`. */
const requiredIn = (c: Catalogue, category: string) => c.categories.some((cat) => cat.id === category && cat.required)

/** Whether a category is required (always on) in a catalogue: all a judge reads of it beside the items. */
type RequiredIn = (category: string) => boolean

/**
 * The site's default language (its settings' defaultLanguage, `en` unless set): the one localize
 * gives visitors past their own language's texts, which the verdict of a text removed follows
 * (removedVerdict). A setting, not part of the catalogue: the same two items judge differently on
 * sites with other defaults.
 */
export const DEFAULT_LANGUAGE = 'en'

/**
 * A list of a catalogue as the diff compares it: how its items are matched and shown, and how a
 * change of one is judged (`judge`: from `before` to `after`, of which it reads only which
 * categories are required, and only of the item's own category: see ItemVersion; and the site's
 * default language, for a text removed).
 */
interface CatalogueList<T extends object> {
  name: 'categories' | 'services' | 'entries'
  of: (c: Catalogue) => readonly T[]
  ids: ItemIds<T>
  judge: (before: RequiredIn, after: RequiredIn, siteDefault: string) => ItemJudge<T>
  /** The category of an item that has one (whose requiredness the judge may read). */
  category: (item: T) => string | undefined
}

const byId = { identity: (x: { id: string }) => x.id, label: (x: { id: string }) => x.id }

const CATEGORIES: CatalogueList<Category> = {
  name: 'categories',
  of: (c) => c.categories,
  ids: byId,
  judge: (_before, _after, siteDefault) => ({
    added: (c) => `New category "${text(c.label) || c.id}" (${c.id})`,
    changed: (b, a, field, lang) => {
      if (field === 'required' && a.required && !b.required) return `Category "${a.id}" becomes always on`
      if (field === 'required' && !a.required && b.required) {
        return `Category "${a.id}" becomes optional: choices made while it was always on hold it as granted, which visitors did not choose`
      }
      // A required category is nobody's choice: its wording changes nothing anyone agreed to.
      if ((field === 'label' || field === 'description') && !a.required && !b.required) {
        return purposeVerdict(b[field] ?? {}, a[field] ?? {}, lang, siteDefault, `category "${a.id}"`, field === 'label' ? 'Name' : 'Description')
      }
      if (field === 'consentMode') {
        // A set of types: only one added grants more; security_storage is granted always (SPEC §5).
        const added = [...new Set(a.consentMode)].filter((t) => !b.consentMode.includes(t) && t !== 'security_storage')
        return added.length ? `Category "${a.id}" grants other Consent Mode types: ${added.join(', ')}` : undefined
      }
      return undefined
    },
  }),
  category: () => undefined,
}

const SERVICES: CatalogueList<Service> = {
  name: 'services',
  of: (c) => c.services,
  ids: byId,
  judge: (requiredBefore, requiredAfter, siteDefault) => ({
    added: (s) => `New service "${s.name}" (${s.id}) in category "${s.category}"`,
    changed: (b, a, field, lang) => {
      if (field === 'category') return `Service "${a.id}" moves from category "${b.category}" to "${a.category}"`
      if (field === 'purpose') return purposeVerdict(b.purpose, a.purpose, lang, siteDefault, `service "${a.id}"`)
      if (field === 'provider') return `Service "${a.id}" has a new provider, "${a.provider}"`
      // A required category's services run whatever visitors choose (the SDK takes no refusal of
      // them) and its Consent Mode map grants nothing that needs consent: the signal carries no
      // choice, as its wording says none. Moved to or from a category visitors choose, or the
      // category becoming optional, the signal counts (and the move or the flag asks too).
      if (field === 'vendor') return requiredBefore(b.category) && requiredAfter(a.category) ? undefined : vendorVerdict(a.id, b.vendor, a.vendor)
      return undefined
    },
  }),
  category: (s) => s.category,
}

const ENTRIES: CatalogueList<StorageEntry> = {
  name: 'entries',
  of: (c) => c.entries,
  ids: { identity: entryIdentity, label: entryKey },
  judge: (_before, _after, siteDefault) => ({
    added: (e) => `New ${entryLabel(e)} in category "${e.category}"`,
    changed: (b, a, field, lang) => {
      const entry = entryLabel(a)
      if (field === 'category') return `${entry} moves from category "${b.category}" to "${a.category}"`
      if (field === 'service') return `${entry} now belongs to service "${a.service ?? '(none)'}"`
      if (field === 'purpose') return purposeVerdict(b.purpose, a.purpose, lang, siteDefault, entry)
      if (field === 'provider') return `${entry} has a new provider, "${a.provider}"`
      if (field === 'expiry' && expiryDays(a.expiry) > expiryDays(b.expiry)) return `${entry} is kept longer (${b.expiry} → ${a.expiry})`
      return undefined
    },
  }),
  category: (e) => e.category,
}

/** `before` to `after`, list by list, in the diff's order. */
function compare(before: Catalogue, after: Catalogue, siteDefault: string): DiffBuilder {
  const d = new DiffBuilder()
  const judge = <T extends object>(l: CatalogueList<T>) =>
    l.judge((category) => requiredIn(before, category), (category) => requiredIn(after, category), siteDefault)
  const list = <T extends object>(l: CatalogueList<T>) => d.items(l.name, l.of(before), l.of(after), l.ids, judge(l))
  list(CATEGORIES)
  list(SERVICES)
  list(ENTRIES)
  d.fields('texts', before.texts, after.texts, () => undefined)
  d.fields('appearance', before.appearance, after.appearance, () => undefined)
  return d
}

/**
 * The changes from `before` (null: nothing published yet) to `after`. `siteDefault`: the site's
 * default language (DEFAULT_LANGUAGE unless given), which the verdict of a text removed follows.
 */
export function diffCatalogues(before: Catalogue | null, after: Catalogue, siteDefault = DEFAULT_LANGUAGE): DiffResult {
  if (!before) {
    const d = new DiffBuilder()
    d.add('catalogue', 'added', null, after, 'First publication')
    return { changes: d.changes, needsConsent: true, reasons: d.reasons }
  }
  const d = compare(before, after, siteDefault)
  return { changes: d.changes, needsConsent: d.reasons.length > 0, reasons: d.reasons }
}

/**
 * An item of a catalogue as Revisions.verdict compares it, apart from the catalogue: the item (as
 * the diff keys and labels it) and whether its category is required there, all a judge reads of
 * the catalogue around it. `version` names it: the same item in the same place, to the letter.
 */
export interface ItemVersion {
  /** The item's key across catalogues: its list and its key there (ConsentChange.item). */
  item: string
  version: string
  list: CatalogueList<object>
  key: string
  keyed: KeyedItem<object>
  required: boolean
}

/**
 * `c`'s items in the diff's order (that of its lists), each as an ItemVersion; `intern` may
 * return one it made before for the same `version`, so that versions compare by identity.
 */
export function itemVersions(c: Catalogue, intern: (version: ItemVersion) => ItemVersion): Map<string, ItemVersion> {
  const items = new Map<string, ItemVersion>()
  const add = <T extends object>(l: CatalogueList<T>) => {
    for (const [key, keyedItem] of keyed(l.of(c), l.ids)) {
      const category = l.category(keyedItem.item)
      const required = category !== undefined && requiredIn(c, category)
      const item = itemKey(l.name, key)
      const list = l as unknown as CatalogueList<object>
      items.set(item, intern({ item, version: `${item}\n${required}\n${canonicalJson(keyedItem.item)}`, list, key, keyed: keyedItem, required }))
    }
  }
  add(CATEGORIES)
  add(SERVICES)
  add(ENTRIES)
  return items
}

/**
 * The changes that need consent from `b` (undefined: the item was not there) to `a`, the same
 * item, as diffCatalogues finds them between catalogues holding them on a site whose default
 * language is `siteDefault`: the judge reads, of the catalogues, whether the item's category is
 * required, which each version holds, and of the site its default language, which none does (a
 * comparison kept must be kept per default language: Revisions' ItemComparisons).
 */
export function itemChanges(b: ItemVersion | undefined, a: ItemVersion, siteDefault: string): ConsentChange[] {
  const requiredIn = (v: ItemVersion) => (category: string) => v.required && category === v.list.category(v.keyed.item)
  const d = new DiffBuilder()
  d.item(a.list.name, a.key, b?.keyed, a.keyed, a.list.judge(b ? requiredIn(b) : () => false, requiredIn(a), siteDefault))
  return d.relevant
}

/**
 * Whether `change`, of an item from an older revision to a draft, is among `shown`: the changes of
 * that item from the same revision to `to`, an overridden revision's version of it, which its
 * publisher saw asking and let in. By field and language; and a text in a language `to` has none
 * in (`en-GB`, added since) by the text its visitors read there instead, when it is in their
 * language (`en`, or `en-US` where there is no `en`: readInstead, localize's whole order with the
 * site's default language `siteDefault`): they have read that one since the override, so a change
 * of it let in is let in for them too. A text of another language they read there is a
 * translation: a change of it let in says nothing of a wording in theirs. What they read from now
 * on is judged from `to`, which the walk compares with the draft too.
 */
export function shownIn(shown: readonly ConsentChange[], change: ConsentChange, to: ItemVersion, siteDefault: string): boolean {
  if (shown.some((c) => c.field === change.field && c.sub === change.sub)) return true
  if (change.field === undefined || change.sub === undefined) return false
  const text = (to.keyed.item as Record<string, unknown>)[change.field]
  if (!isPlainObject(text) || text[change.sub] !== undefined) return false
  const instead = readInstead(text as LocalizedText, change.sub, siteDefault)
  return instead !== undefined && instead !== change.sub && shown.some((c) => c.field === change.field && c.sub === instead)
}
