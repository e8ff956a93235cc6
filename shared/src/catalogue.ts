// The catalogue (SPEC §4): what a site declares — categories, services, cookies and storage
// entries, texts per language, appearance — and the published config the SDK reads.
import { z } from 'zod'
import { CONSENT_MODE_TYPES } from './consent-mode'
import { EVERYWHERE, REGION_CODE_PATTERN, REGION_MODES } from './regions'

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9_-]*$/
/**
 * A whole number from 1 in a URL (a path segment, a query value), in plain digits. Number(), which
 * z.coerce uses, also takes `0x10`, `1e1`, ` 7`, `7.0` and `0b1`: a hand-written or mangled URL
 * would then name another revision or page than it says. `max` bounds it (a safe integer at most).
 */
export const urlNumber = (max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, 'a whole number from 1, written in digits')
    .transform(Number)
    // Digits only, so a whole number already (rounded past 2^53, and then past the bound): one
    // check, one message. z.number().int() would add its own "safe integer" issue to the bound's.
    .pipe(z.number().max(max, `a whole number from 1 to ${max}`))
    // The API reference shows the input, a string: the bound is said in words.
    .meta({ description: max < Number.MAX_SAFE_INTEGER ? `A whole number from 1 to ${max}, in digits` : 'A whole number from 1, in digits' })

/** An id; `empty` is what an empty one is told, since an id typed and an id chosen from a list ask differently. */
const slugAsking = (empty: string) =>
  z
    .string()
    .min(1, empty)
    .max(64)
    .regex(SLUG_PATTERN, 'use lower-case letters, digits, "-" and "_" (e.g. "google-analytics")')

export const slug = slugAsking('Enter an ID')
/** The category a service or an entry belongs to, chosen from the catalogue's: an empty one asks for that choice. */
const categoryRef = slugAsking('Choose a category')

export const LANGUAGE_PATTERN = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/
export const languageTag = z.string().regex(LANGUAGE_PATTERN, 'use a BCP 47 language tag such as "en" or "pt-BR"')

/**
 * A text people read (a label, a purpose, a name), kept in Unicode's composed form (NFC): "ú" typed
 * as one character or as "u" and an accent (NFD, as macOS file names and some spreadsheets give
 * it) looks the same and is the same text, so a catalogue saved in either form has one content
 * hash and the diff between revisions sees no change. Stored catalogues read through it as well, so
 * a revision published in NFD compares equal to an NFC draft. Identifiers the SDK matches against
 * the browser's storage by their exact characters (entry names, paths) are not texts: kept as written.
 *
 * `max` bounds what is kept, composed, as an admin saves (`catalogue`). Composing mostly shortens a
 * text, but lengthens a few letters: "क़" (U+0958) and the other Devanagari, Gurmukhi and Bengali
 * nukta letters, and Hebrew presentation forms, become two characters. The refusal says how long
 * the text is as counted, and, for a text with combining marks (whose letters may count as two),
 * that it is counted composed: "Use at most 4000 characters" alone would puzzle whoever typed
 * 4,000 letters, or saves again a text an older version stored (and the server answers composed).
 */
const readableText = (max: number) =>
  z
    .string()
    .overwrite(nfc)
    .max(max, { error: (issue) => tooLong(max, String(issue.input)) })

const tooLong = (max: number, text: string) =>
  `Use at most ${max} characters: this text has ${text.length}` +
  (/\p{M}/u.test(text) ? ' (counted in Unicode\'s composed form, NFC, in which some letters, such as "\u0915\u093c", take two)' : '')

/**
 * A text as stored (`storedCatalogue`), composed, with no bound: versions before texts were
 * composed checked the bound on the text as written, so a stored text may be over it once composed
 * (4,000 "क़" are 8,000 characters). It stays readable, by the server and by the dashboard, which
 * reads the server's answers through the same schema; saving it again asks for it shorter.
 */
const storedText = () => z.string().overwrite(nfc)

const nfc = (text: string) => text.normalize('NFC')

/** Links admins write are shown to visitors: only http(s) and mailto, never `javascript:`. */
export const safeUrl = z
  .string()
  .max(2048)
  .refine((v) => /^(https?:\/\/|mailto:)/i.test(v) && URL.canParse(v), 'use an https://, http:// or mailto: address')

export const consentModeType = z.enum(CONSENT_MODE_TYPES)

export type Category = z.infer<typeof category>

/** Vendors the SDK sends a consent signal to when their service is in the catalogue (SPEC §5). */
export const VENDOR_SIGNALS = ['google', 'clarity', 'uet', 'meta', 'tiktok', 'posthog'] as const
export const vendorSignal = z.enum(VENDOR_SIGNALS)
export type VendorSignal = z.infer<typeof vendorSignal>

export type Service = z.infer<typeof service>

export const STORAGE_KINDS = ['cookie', 'localStorage', 'sessionStorage', 'indexedDB'] as const
export const storageKind = z.enum(STORAGE_KINDS)
export type StorageKind = z.infer<typeof storageKind>

/**
 * Expiry as a compact duration: `session`, `persistent`, or a number with a unit —
 * `mi` minutes, `h` hours, `d` days, `w` weeks, `mo` months, `y` years (e.g. `30d`, `24h`, `2y`).
 * The UI renders it in the visitor's language ("30 days", "30 Tage").
 */
export const EXPIRY_PATTERN = /^(session|persistent|\d{1,4}(mi|h|d|w|mo|y))$/
export const expiry = z.string().regex(EXPIRY_PATTERN, 'use "session", "persistent" or a duration such as 30d, 24h, 1y')

export type StorageEntry = z.infer<typeof storageEntry>

/**
 * What makes an entry itself: kind, name, domain and path (a `session` cookie on /shop is another
 * cookie than the site's `session`). A catalogue declares each once, and the diff between
 * revisions matches entries by it; as JSON, no name can make two of them equal.
 */
export const entryIdentity = (e: Pick<StorageEntry, 'kind' | 'name' | 'domain' | 'path'>): string =>
  JSON.stringify([e.kind, e.name, e.domain ?? null, e.path ?? null])

/** How a message names an entry: `cookie "session" (path /shop)`. */
export function entryLabel(e: Pick<StorageEntry, 'kind' | 'name' | 'domain' | 'path'>): string {
  const where = [e.domain ? `domain ${e.domain}` : '', e.path ? `path ${e.path}` : ''].filter(Boolean).join(', ')
  return `${e.kind} "${e.name}"${where ? ` (${where})` : ''}`
}

/**
 * Keys of the texts the SDK shows (sdk/src/ui/texts/en.ts: the banner's, the dialog's and
 * declaration's, the blocked-embed placeholder's); each has a built-in default per language in the
 * SDK, and a site may write its own per language. Every one: a site in a language the SDK has no
 * texts for would otherwise show the rest in English. The one list of them; the dashboard checks
 * at compile time that it is the SDK's (default-texts.ts).
 */
export const UI_TEXT_KEYS = [
  'bannerTitle',
  'bannerText',
  'acceptAll',
  'rejectAll',
  'preferences',
  'ok',
  'save',
  'close',
  'preferencesTitle',
  'preferencesText',
  'alwaysOn',
  'privacyPolicy',
  'consentId',
  'noticeText',
  'privacyChoices',
  'gpcHonoured',
  'changeSettings',
  'services',
  'name',
  'provider',
  'purpose',
  'expiry',
  'session',
  'persistent',
  'loadContent',
  'loadNote',
] as const
export type UiTextKey = (typeof UI_TEXT_KEYS)[number]
export type UiTexts = z.infer<typeof uiTexts>

export const appearance = z.object({
  layout: z.enum(['bar', 'box', 'modal']).default('bar'),
  theme: z.enum(['light', 'dark', 'system']).default('system'),
  accentColor: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'use a colour like #1a73e8')
    .optional(),
  radius: z.number().int().min(0).max(32).optional(),
  floatingButton: z.boolean().default(false),
})
export type Appearance = z.infer<typeof appearance>

/**
 * The language tags of a record of texts, one spelling per language: tags match in any case (BCP 47;
 * localize.ts inLanguage), so `pt-br` beside `pt-BR` would be two texts of which the visitor gets
 * whichever comes first.
 */
function oneSpellingEach(texts: Record<string, unknown>, ctx: z.core.$RefinementCtx): void {
  const seen = new Map<string, string>()
  for (const tag of Object.keys(texts)) {
    const before = seen.get(tag.toLowerCase())
    if (before !== undefined) ctx.addIssue({ code: 'custom', path: [tag], message: `"${before}" and "${tag}" are the same language: keep one of them` })
    else seen.set(tag.toLowerCase(), tag)
  }
}

/**
 * The fields of a catalogue that hold texts people read, made with `text` (saved or stored). A
 * catalogue being saved gets one spelling per language; one stored before that rule is read as it is.
 */
function textSchemas(text: (max: number) => z.ZodString, saving: boolean) {
  const byLanguage = <T extends z.ZodType>(value: T) => {
    const record = z.record(languageTag, value)
    return saving ? record.superRefine(oneSpellingEach) : record
  }
  /** A text in several languages: `{ en: "…", de: "…" }`. */
  const localized = byLanguage(text(4000))
  const category = z.object({
    id: slug,
    /** Required categories (essential) are always on and cannot be switched off. */
    required: z.boolean().default(false),
    label: localized,
    description: localized.default({}),
    /** Google Consent Mode types granted with this category. */
    consentMode: z.array(consentModeType).default([]),
  })
  const service = z.object({
    id: slug,
    category: categoryRef,
    name: text(200).min(1, 'Enter a name'),
    provider: text(200).min(1, 'Enter the provider'),
    purpose: localized.default({}),
    privacyPolicyUrl: safeUrl.optional(),
    vendor: vendorSignal.optional(),
  })
  const storageEntry = z.object({
    /** Exact name, or a wildcard where `*` stands for any characters (`sentry-*`, `_ga_*`). */
    name: z
      .string()
      .min(1, 'Enter the cookie or storage name')
      .max(200)
      .regex(/^[^\s;,=]+$/, 'a cookie or storage name has no spaces, ";", "," or "="'),
    kind: storageKind.default('cookie'),
    category: categoryRef,
    service: slug.optional(),
    provider: text(200).min(1, 'Enter the provider'),
    purpose: localized.default({}),
    expiry: expiry,
    domain: z.string().max(253).optional(),
    path: z.string().startsWith('/').max(512).optional(),
  })
  const uiTexts = z.partialRecord(z.enum(UI_TEXT_KEYS), text(4000))
  const fields = z.object({
    categories: z.array(category).min(1, 'Add a category'),
    services: z.array(service).default([]),
    entries: z.array(storageEntry).default([]),
    /** Site overrides of the SDK's texts, per language. */
    texts: byLanguage(uiTexts).default({}),
    appearance: appearance.default({ layout: 'bar', theme: 'system', floatingButton: false }),
  })
  return { localized, category, service, storageEntry, uiTexts, fields }
}

const saved = textSchemas(readableText, true)
const stored = textSchemas(storedText, false)

/** A text in several languages: `{ en: "…", de: "…" }`. */
export const localizedText = saved.localized
export type LocalizedText = z.infer<typeof localizedText>
export const category = saved.category
export const service = saved.service
export const storageEntry = saved.storageEntry
export const uiTexts = saved.uiTexts

/**
 * Google Consent Mode's types that grant advertising and analytics: never strictly necessary, so
 * never granted by a required category, which is always on and asked of nobody. Functionality and
 * personalisation may be (ePrivacy art. 5(3): a theme or a history the user asked for; one demo
 * site's policy relies on it), and security always is.
 */
export const CONSENTED_MODE_TYPES: readonly string[] = ['ad_storage', 'ad_user_data', 'ad_personalization', 'analytics_storage']

/**
 * Vendor signals that grant their vendor's tracking on their own: the SDK tells Meta, TikTok,
 * Clarity, UET and PostHog that the visitor consented when the service's category is on. In a
 * required category, always on and asked of nobody, that is every visitor, with no banner: never
 * allowed, for the same reason as CONSENTED_MODE_TYPES. `google` is not among them: its signal is
 * the category's Consent Mode map, which a required category already keeps to what needs no
 * consent (a reCAPTCHA or a tag manager may be essential). A vendor added to VENDOR_SIGNALS is
 * among them unless it is taken out here.
 */
export const CONSENTED_VENDOR_SIGNALS: readonly VendorSignal[] = VENDOR_SIGNALS.filter((v) => v !== 'google')

/** The category every catalogue has, always on (SPEC §4): what the site needs to work. */
export const ESSENTIAL_CATEGORY = 'essential'

/** The largest consent record `POST /api/v1/consents` takes, in bytes. */
export const CONSENT_RECORD_MAX_BYTES = 8 * 1024
/**
 * What a record's two choice lists (every category and every service, granted or denied) may take
 * of it; the rest leaves room for the ids, the times and a page URL (origin and path) of up to ~1,600 bytes.
 */
export const CHOICES_MAX_BYTES = 6 * 1024

const utf8 = new TextEncoder()

/** The bytes one id takes in a record's choice list, at most: `"id":false,`. */
export const choiceBytes = (id: string): number => utf8.encode(JSON.stringify(id)).length + ':false,'.length

/** The bytes a record's `categories` and `services` take at most: every id with `false`, in braces. */
export function choicesBytes(c: { categories: readonly { id: string }[]; services: readonly { id: string }[] }): number {
  // Each id once (a record is an object), in `{` and `}`, with one comma fewer than ids.
  const size = (list: readonly { id: string }[]) => {
    const ids = new Set(list.map((x) => x.id))
    return [...ids].reduce((n, id) => n + choiceBytes(id), 2) - (ids.size ? 1 : 0)
  }
  return size(c.categories) + size(c.services)
}

/**
 * The catalogue's cross-references. `strict` (as an admin saves or publishes): also refuse a
 * category with no name in any language, a label, description or purpose blank in one language, an entry declared twice, a required category granting a Consent Mode type or a vendor signal that
 * needs consent, a Consent Mode type listed twice in a category, and an `essential` category that
 * is missing or switchable.
 */
function checkCatalogue(c: z.output<typeof saved.fields>, ctx: z.RefinementCtx, strict: boolean) {
  const categoryIds = new Set<string>()
  const required = new Set<string>()
  c.categories.forEach((cat, i) => {
    if (categoryIds.has(cat.id)) ctx.addIssue({ code: 'custom', path: ['categories', i, 'id'], message: `category "${cat.id}" appears twice` })
    categoryIds.add(cat.id)
    if (cat.required) required.add(cat.id)
    if (!strict) return
    // The banner shows a category as a switch named by its label, in the visitor's language or
    // another (localize): with no name in any, an unnamed switch, and no name for screen readers.
    if (!Object.values(cat.label).some((text) => text.trim())) {
      ctx.addIssue({
        code: 'custom',
        path: ['categories', i, 'label'],
        message: `Enter a name for ${cat.id ? `the category "${cat.id}"` : 'this category'} in at least one language: visitors see it on its switch`,
      })
    } else blankTexts(cat.label, ['categories', i, 'label'], ctx)
    blankTexts(cat.description, ['categories', i, 'description'], ctx)
    if (cat.id === ESSENTIAL_CATEGORY && !cat.required) {
      ctx.addIssue({
        code: 'custom',
        path: ['categories', i, 'required'],
        message: `the "${ESSENTIAL_CATEGORY}" category is always on and cannot be switched off: mark it required`,
      })
    }
    // Always on: Consent Mode would grant ads or analytics to every visitor, no banner asking.
    const consented = cat.required ? cat.consentMode.find((t) => CONSENTED_MODE_TYPES.includes(t)) : undefined
    if (consented) {
      ctx.addIssue({
        code: 'custom',
        path: ['categories', i, 'consentMode'],
        message: `a required category is always on, asked of nobody: it cannot grant "${consented}", which needs the visitor's consent`,
      })
    }
    // A map is a set of types: a second listing grants nothing more, and the diff compares sets.
    cat.consentMode.forEach((t, j) => {
      if (cat.consentMode.indexOf(t) !== j) {
        ctx.addIssue({ code: 'custom', path: ['categories', i, 'consentMode', j], message: `category "${cat.id}" lists the Consent Mode type "${t}" twice` })
      }
    })
  })
  if (strict && !categoryIds.has(ESSENTIAL_CATEGORY)) {
    ctx.addIssue({
      code: 'custom',
      path: ['categories'],
      message: `the "${ESSENTIAL_CATEGORY}" category is missing: every catalogue has it, always on (required), for what the site needs to work`,
    })
  }
  const serviceIds = new Set<string>()
  c.services.forEach((s, i) => {
    if (serviceIds.has(s.id)) ctx.addIssue({ code: 'custom', path: ['services', i, 'id'], message: `service "${s.id}" appears twice` })
    serviceIds.add(s.id)
    if (strict) blankTexts(s.purpose, ['services', i, 'purpose'], ctx)
    // None chosen: the field's own rule already asks for one.
    if (s.category && !categoryIds.has(s.category)) ctx.addIssue({ code: 'custom', path: ['services', i, 'category'], message: `no category "${s.category}"` })
    // Always on: the SDK would tell the vendor every visitor consented, no banner asking.
    if (strict && s.vendor && required.has(s.category) && CONSENTED_VENDOR_SIGNALS.includes(s.vendor)) {
      ctx.addIssue({
        code: 'custom',
        path: ['services', i, 'category'],
        message: `service "${s.id}" has the vendor signal "${s.vendor}", but its category "${s.category}" is required: always on and asked of nobody, it would tell the vendor that every visitor consented. Put the service in a category visitors choose (such as marketing or analytics)`,
      })
    }
  })
  // Every record the SDK makes lists them all: past the budget, each record would be refused 413.
  const choices = strict ? choicesBytes(c) : 0
  if (choices > CHOICES_MAX_BYTES) {
    ctx.addIssue({
      code: 'custom',
      path: ['services'],
      message: `the categories' and services' ids take ${choices} bytes in every consent record, more than the ${CHOICES_MAX_BYTES} a record has for them: merge services or use shorter ids`,
    })
  }
  // The same cookie twice would be two declarations of one thing, possibly with two categories,
  // and the diff between revisions could no longer tell which of them changed.
  const entryKeys = new Set<string>()
  c.entries.forEach((e, i) => {
    const key = entryIdentity(e)
    if (strict && entryKeys.has(key)) ctx.addIssue({ code: 'custom', path: ['entries', i, 'name'], message: `${entryLabel(e)} appears twice` })
    entryKeys.add(key)
    if (strict) blankTexts(e.purpose, ['entries', i, 'purpose'], ctx)
    if (e.category && !categoryIds.has(e.category)) ctx.addIssue({ code: 'custom', path: ['entries', i, 'category'], message: `no category "${e.category}"` })
    if (e.service && !serviceIds.has(e.service)) ctx.addIssue({ code: 'custom', path: ['entries', i, 'service'], message: `no service "${e.service}"` })
    // Both are written into the cookie the SDK sets to delete the entry: a `;` there would add an
    // attribute of the editor's own (`/x;max-age=99999` made a deleted cookie last a day).
    if (strict && e.domain !== undefined && !COOKIE_DOMAIN.test(e.domain)) {
      ctx.addIssue({ code: 'custom', path: ['entries', i, 'domain'], message: cookieDomainProblem(e.domain) })
    }
    if (strict && e.path !== undefined && /[;\x00-\x1f\x7f]/.test(e.path)) {
      ctx.addIssue({ code: 'custom', path: ['entries', i, 'path'], message: 'a cookie path has no ";" or control characters' })
    }
  })
}

/**
 * A text blank in one language (empty or white space only) is what visitors of that language read:
 * localize takes the text of their language, blank or not, before any other language's, so a
 * category's switch shows no name, a purpose says nothing. The dashboard's editor leaves an emptied
 * field out, and so does a CSV import an empty cell; only the API or a JSON import can send one.
 */
function blankTexts(text: Record<string, string>, path: (string | number)[], ctx: z.RefinementCtx) {
  for (const [lang, t] of Object.entries(text)) {
    if (t.trim()) continue
    ctx.addIssue({ code: 'custom', path: [...path, lang], message: `"${lang}" has no text: write one, or leave the language out so that its visitors read another language's` })
  }
}

/** A cookie's Domain attribute: a hostname, with the leading dot older spellings give it. */
const COOKIE_DOMAIN = /^\.?[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/

/**
 * Why a cookie's domain is refused, and what to write instead where that is known: an
 * international name as browsers store it (punycode, which the URL parser gives), or the name
 * without its trailing dot (a cookie set for `example.com.` is another site's to the browser).
 */
function cookieDomainProblem(domain: string): string {
  const refused = `"${domain}" is not a cookie domain`
  const undotted = domain.length > 1 && domain.endsWith('.') ? domain.slice(0, -1) : domain
  if (undotted !== domain && COOKIE_DOMAIN.test(undotted)) return `${refused}: write it without the trailing dot, "${undotted}"`
  const dot = undotted.startsWith('.') ? '.' : ''
  const name = undotted.slice(dot.length)
  // Only a name the parser takes whole: no port, path, credentials or anything it would drop.
  if (/[^\x00-\x7f]/.test(name) && !/[\s/\\?#@:;%]/.test(name) && URL.canParse(`http://${name}/`)) {
    const suggested = dot + new URL(`http://${name}/`).hostname
    // Offered only when it is one this rule takes (`..bücher.de` would give `..xn--bcher-kva.de`).
    if (COOKIE_DOMAIN.test(suggested)) return `${refused} as browsers store it: write "${suggested}", its ASCII form`
  }
  return `${refused}: write a hostname such as example.com or .example.com`
}

/** A catalogue as an admin saves or publishes it. */
export const catalogue = saved.fields.superRefine((c, ctx) => checkCatalogue(c, ctx, true))
/**
 * A catalogue as stored: drafts and revisions saved before 0.6 may declare an entry twice, before
 * 0.8.1 a required category may grant consented Consent Mode types, and before 0.8.4 a required
 * category may hold a service with a consented vendor signal, a category may list a Consent Mode
 * type twice, and `essential` may be switchable or missing, and through 0.9.19 a category may
 * have no name (a label empty or blank in every language), which `catalogue` refuses since, and
 * before blank texts were refused a label, description or purpose may be blank in one language, and
 * a text saved before texts were kept composed may be over its bound once composed (storedText). They
 * stay readable (a revision cannot be changed); a draft is checked by `catalogue` again when it is
 * saved or published.
 */
export const storedCatalogue = stored.fields.superRefine((c, ctx) => checkCatalogue(c, ctx, false))
export type Catalogue = z.infer<typeof catalogue>
export type CatalogueInput = z.input<typeof catalogue>

export const regionMode = z.enum(REGION_MODES)
/** `DE` (ISO 3166-1 country) or `US-CA` (ISO 3166-2 subdivision); see regions.ts. */
export const regionCode = z.string().regex(REGION_CODE_PATTERN, 'use a country code such as "DE" or a subdivision such as "US-CA"')

// A hostname as lib/cors.ts compares it with an Origin's (the URL parser's `hostname`): lower
// case, no trailing dot, international names in punycode, IPv6 without brackets. A domain also
// covers its subdomains there, so there are no wildcards.
const HOSTNAME = /^(?!.{254})[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/
// Up to its first `:` without one, so that a long run of them is read once: `[0-9a-f:.]*:` there
// backtracked over every `:` (100 KB of them held the server 22 s).
const IPV6 = /^(?:\[([0-9a-f.]*:[0-9a-f:.]*)\]|([0-9a-f.]*:[0-9a-f:.]*))$/
/** A hostname's longest (RFC 1035), which no IPv6 address in brackets reaches. */
const MAX_HOSTNAME = 253

/** The hostname a site's domain stands for, normalised; null when it is none (a URL, a port, a wildcard). */
export function siteHostname(value: string): string | null {
  const v = value.trim().toLowerCase().replace(/\.$/, '')
  if (v.length > MAX_HOSTNAME) return null
  const ipv6 = IPV6.exec(v)
  if (ipv6) {
    const url = `http://[${ipv6[1] ?? ipv6[2]}]`
    return URL.canParse(url) ? new URL(url).hostname.slice(1, -1) : null
  }
  // Delimiters first: the URL parser would quietly drop a scheme's, port's or path's part.
  if (!v || /[\s/\\?#@:%*[\]]/.test(v) || !URL.canParse(`http://${v}`)) return null
  const host = new URL(`http://${v}`).hostname
  // An ASCII value must be its own hostname: `1.2.3` parses as the address 1.2.0.3, and an Origin carries that.
  return HOSTNAME.test(host) && (host === v || /[^\x00-\x7f]/.test(v)) ? host : null
}

const siteDomain = z
  .string()
  .superRefine((v, ctx) => {
    if (siteHostname(v) !== null) return
    if (v.trim().length > MAX_HOSTNAME) {
      ctx.addIssue({ code: 'custom', message: `a hostname has at most ${MAX_HOSTNAME} characters; this one has ${v.trim().length}` })
      return
    }
    const wildcard = /^\s*\*\.(.+)$/.exec(v)
    ctx.addIssue({
      code: 'custom',
      message: wildcard
        ? `"${v}": write ${wildcard[1]}, which covers its subdomains too`
        : `"${v}" is not a hostname: write it without https://, port or path, e.g. www.example.com`,
    })
  })
  .overwrite((v) => siteHostname(v) ?? v)

/**
 * A site's domains, each once, compared as normalised (`MINIMAGIC.AI` is `minimagic.ai`; one that
 * is no hostname is refused by itself). The rule is the array's, not its default's, so that the
 * schemas made from it (a new site, a settings change) keep it.
 */
const siteDomains = z.array(siteDomain).superRefine((list, ctx) =>
  list.forEach((d, i) => {
    if (list.indexOf(d) !== i && siteHostname(d) === d) ctx.addIssue({ code: 'custom', path: [i], message: `"${d}" is listed twice` })
  }),
)

/** The consent cookie's name until a site names it otherwise (own-storage.ts). */
export const DEFAULT_COOKIE_NAME = 'miniconsent'

/** Site settings that are not part of the published catalogue's content. */
export const siteSettings = z.object({
  id: slug,
  name: z.string().min(1, 'Enter a name').max(200),
  /** Hostnames the SDK may be embedded on; their origins may call the public API. */
  domains: siteDomains.default([]),
  defaultLanguage: languageTag.default('en'),
  privacyPolicyUrl: safeUrl.optional(),
  cookieName: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'use 1 to 64 letters, digits, "-" and "_"')
    .default(DEFAULT_COOKIE_NAME),
  /** SPEC §3: default 6 months, at most 13. */
  cookieLifetimeDays: z.number().int().min(1).max(396).default(182),
  /** SPEC §7: IPs are truncated (IPv4 /24, IPv6 /48) by default, or not stored at all. */
  ipPolicy: z.enum(['truncate', 'none']).default('truncate'),
  /** SPEC §7: consent records are kept 5 years by default. */
  retentionDays: z.number().int().min(1).max(3660).default(1826),
  /** After a revocation the page reloads so revoked scripts stop, unless the site opts out. */
  reloadOnRevoke: z.boolean().default(true),
  consentModeWaitForUpdate: z.number().int().min(0).max(10000).default(500),
  /**
   * Google's optional Consent Mode settings (issue 3): with `ads_data_redaction`, ad click
   * identifiers sent while `ad_storage` is denied are redacted; with `url_passthrough`, click and
   * session ids travel in link URLs instead of cookies while storage is denied.
   * https://developers.google.com/tag-platform/security/guides/consent#redact_ads_data
   */
  adsDataRedaction: z.boolean().default(false),
  urlPassthrough: z.boolean().default(false),
  /**
   * SPEC §6: the site's own mode per region, over the built-in table; a subdivision beats its
   * country. `*` (regions.ts EVERYWHERE): the least strict mode anywhere the site names no region.
   */
  regions: z.record(z.union([regionCode, z.literal(EVERYWHERE)]), regionMode).default({}),
  /** Legal documents visitors accept with `acceptDocument(type)`; the version in force is recorded. */
  documents: z.record(slug, z.object({ version: z.string().min(1, 'Enter a version').max(100), url: safeUrl })).default({}),
})
export type SiteSettings = z.infer<typeof siteSettings>
export type SiteSettingsInput = z.input<typeof siteSettings>
/**
 * Settings as stored: saved before 0.6, a domain could be any text (a URL, a host with a port),
 * which never matched an Origin and which `siteSettings` refuses since. Such settings stay readable
 * (the site keeps working); saving them again asks for hostnames.
 */
export const storedSiteSettings = siteSettings.extend({ domains: z.array(z.string()).default([]) })

/** What `/api/v1/sites/:siteId/config` answers and what the per-site SDK script embeds. */
const consentGrant = z.enum(['granted', 'denied'])
/**
 * The argument of one `gtag('consent', 'default', …)`: all seven types, the time tags wait for an
 * update, and the regions it is limited to, if any (Google applies the most specific match).
 * https://developers.google.com/tag-platform/security/guides/consent#region-specific-behavior
 */
export const consentModeDefault = z.object({
  ...(Object.fromEntries(CONSENT_MODE_TYPES.map((t) => [t, consentGrant])) as Record<(typeof CONSENT_MODE_TYPES)[number], typeof consentGrant>),
  wait_for_update: z.number().int().min(0).optional(),
  region: z.array(regionCode).min(1).optional(),
})
export type ConsentModeDefault = z.infer<typeof consentModeDefault>

export const publishedConfig = z.object({
  siteId: slug,
  /** Number of the live revision. */
  revision: z.number().int().min(1),
  /** The latest revision that required consent again: stored choices older than it are invalid. */
  consentRevision: z.number().int().min(1),
  site: siteSettings.pick({
    name: true,
    defaultLanguage: true,
    privacyPolicyUrl: true,
    cookieName: true,
    cookieLifetimeDays: true,
    reloadOnRevoke: true,
    consentModeWaitForUpdate: true,
  }),
  /** Region resolved for this request (ISO 3166-1 alpha-2 or 3166-2), or null when unknown. */
  region: z.string().nullable(),
  /** Mode in force for that region; unknown regions get the strictest, `opt-in`. */
  mode: regionMode,
  /**
   * The Google Consent Mode `default` commands the SDK pushes, in this order, before any gated tag
   * (SPEC §5): the regions regions.ts `consentModeRegions` puts in opt-in (denied), then the one
   * for this request's own mode (less what GPC refuses), without `region`. No region is granted by
   * name: Google would match it by its own geolocation, over this server's. Built by the server from the same rules as `mode`, so the SDK only replays
   * them. Optional: a config cached by an older SDK has none (the SDK then denies all).
   */
  consentModeDefaults: z.array(consentModeDefault).optional(),
  /**
   * Pushed as `gtag('set', gtagSet)` right after the defaults (the object form Google's tag
   * templates use): the site's `ads_data_redaction` and `url_passthrough`. Absent when neither is on.
   */
  gtagSet: z.object({ ads_data_redaction: z.literal(true).optional(), url_passthrough: z.literal(true).optional() }).optional(),
  /** True when the request for this config carried `Sec-GPC: 1` (Global Privacy Control); optional as above. */
  gpc: z.boolean().optional(),
  /**
   * The categories Global Privacy Control refuses, with their services (SPEC §5; consent-mode.ts
   * `gpcCategories`): `marketing` and every category for ads. Optional: a config served or cached
   * before the list was added has none, and the SDK then refuses `marketing` alone.
   */
  gpcCategories: z.array(slug).optional(),
  /** True when the catalogue has anything that needs consent; otherwise only a notice/declaration. */
  needsBanner: z.boolean(),
  /** As stored (a revision published by an older version may hold a text over its bound once composed). */
  catalogue: storedCatalogue,
})
export type PublishedConfig = z.infer<typeof publishedConfig>
