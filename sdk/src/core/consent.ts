// Deciding what applies on a page view and turning a visitor's input into a stored choice.
import type { BannerKind, ConsentMethod, ConsentState, PublishedConfig, StoredChoice } from './types'
import { BANNER_CONSENT, BANNER_GPC_NOTICE, BANNER_NONE, BANNER_NOTICE } from './types'

const DAY = 864e5

/**
 * The visitor's choice for a category or service named `name`: the map's own entry, else
 * undefined. Names come from page markup and page code, and `constructor`, `toString`,
 * `__proto__`… are found on every object's prototype: read as a choice, they would count as
 * granted. Every map of choices holds booleans only, and only a boolean equals its own `!!`.
 */
export const own = (choices: Record<string, boolean | undefined>, name: string): boolean | undefined =>
  choices[name] === !!choices[name] ? choices[name] : undefined

/**
 * GPC is an opt-out of sale/sharing (SPEC §5): it refuses the categories the config lists in
 * `gpcCategories` (the server's, from shared consent-mode.ts: marketing and every category for
 * ads) and their services. The core reads the list rather than carrying the rule: ~20 bytes of
 * its brotli budget. A config served or cached before the list was added refuses these.
 */
export const GPC_FALLBACK: readonly string[] = ['marketing']

/** A stored choice counts only for the current consent revision and within its lifetime (SPEC §3). */
export function isChoiceValid(config: PublishedConfig, choice: StoredChoice | null, now: number): choice is StoredChoice {
  return (
    !!choice &&
    choice.revision >= config.consentRevision &&
    now - choice.updatedAt < config.site.cookieLifetimeDays * DAY
  )
}

/** Categories granted by the visitor's input; required ones can never be off. */
export function grantedCategories(config: PublishedConfig, input: Record<string, boolean | undefined>): string[] {
  return config.catalogue.categories.filter((c) => c.required || input[c.id] === true).map((c) => c.id)
}

export function allCategories(config: PublishedConfig, value: boolean): Record<string, boolean> {
  const out: Record<string, boolean> = {}
  for (const c of config.catalogue.categories) out[c.id] = value || c.required
  return out
}

export interface Decision {
  /** The stored choice in force (see decide); null when there is none, or when GPC just made one. */
  _choice: StoredChoice | null
  /** Truthy when GPC refused something for the visitor now: a choice to store and record (method `gpc`). */
  _fresh: boolean | undefined
  /** Categories in force before the visitor says anything more. */
  _categories: Record<string, boolean>
  /** The visitor's per-service exceptions in force with them (see serviceStates). */
  _services: Record<string, boolean>
  _banner: BannerKind
}

/**
 * Region mode × stored choice × GPC (SPEC §5, §6):
 * - a catalogue with nothing needing consent runs everything, no banner;
 * - a valid stored choice applies, no banner;
 * - opt-in: only required categories until the visitor chooses, banner;
 * - opt-out / notice: everything allowed until the visitor says no; notice mode informs with a banner.
 *   A choice stored before a change of consent revision, or too old, is asked again; until the
 *   visitor answers, what they refused stays refused.
 * In opt-out and notice regions GPC refuses the categories for sale/sharing (see GPC_FALLBACK)
 * without asking and is recorded as a choice, also over a stored grant made without the signal, of
 * such a category or of one of its services: California asks that the signal win over such a
 * setting (CCPA Regulations § 7025(c)(3)). The visitor's other service choices stay. A grant made
 * while the signal was on is the visitor's explicit consent and stands; a refusal stored by GPC
 * stays when the signal is gone. Whatever banner the visitor is owed besides (see bannerAfterGpc:
 * notice mode's notice on a first visit, the banner that asks again over an out-of-date choice) is
 * not shown from here, as the refusal's change event would close one shown before it: the record
 * chunk shows it once the refusal is in force.
 */
export function decide(config: PublishedConfig, stored: StoredChoice | null, gpc: boolean, now: number): Decision {
  const valid = isChoiceValid(config, stored, now)
  const optIn = config.mode == 'opt-in'
  const choice = valid || !optIn ? stored : null
  const categories = choice ? choiceCategories(config, choice) : allCategories(config, !config.needsBanner || !optIn)
  const services = { ...choice?.services }
  let fresh: boolean | undefined = false
  if (config.needsBanner && !optIn && gpc && !choice?.gpc)
    for (const id of config.gpcCategories || GPC_FALLBACK) {
      fresh ||= categories[id]
      categories[id] = false
      for (const s of config.catalogue.services) if (s.category == id) (fresh ||= own(services, s.id)), (services[s.id] = false)
    }
  return {
    _choice: fresh ? null : choice,
    _fresh: fresh,
    _categories: categories,
    _services: services,
    _banner: valid || fresh || !config.needsBanner ? BANNER_NONE : optIn || choice ? BANNER_CONSENT : config.mode == 'notice' ? BANNER_NOTICE : BANNER_NONE,
  }
}

/**
 * The first layer owed to a visitor for whom GPC has just refused something (decide's `_fresh`, in
 * opt-out and notice regions), shown by the record chunk once the refusal is in force. `stored` is
 * the choice decide read, before the refusal replaced it:
 * - none, or a cookie that cannot be read (decide takes it for none: a first visit): in notice mode
 *   the notice (BANNER_GPC_NOTICE, whose OK only closes it), in opt-out regions nothing;
 * - out of date (see isChoiceValid): the banner that asks again, as it asks a visitor without the
 *   signal, with what GPC refused shown refused; a grant made there with the signal on stands;
 * - valid: nothing, the visitor was asked already.
 * Not in decide: only the record chunk needs it, and the core's budget has no bytes for it.
 */
export function bannerAfterGpc(config: PublishedConfig, stored: StoredChoice | null, now: number): BannerKind {
  return stored ? (isChoiceValid(config, stored, now) ? BANNER_NONE : BANNER_CONSENT) : config.mode == 'notice' ? BANNER_GPC_NOTICE : BANNER_NONE
}

export function makeChoice(
  config: PublishedConfig,
  consentId: string,
  method: ConsentMethod,
  categories: Record<string, boolean | undefined>,
  services: Record<string, boolean | undefined>,
  gpc: boolean,
  now: number,
): StoredChoice {
  const granted = grantedCategories(config, categories)
  // A required category's services are never refused by exception (set({}, { minopa: false })):
  // they run whatever the visitor chooses, as their category does.
  const required = grantedCategories(config, {})
  const exceptions: Record<string, boolean> = {}
  for (const s of config.catalogue.services) {
    const wanted = own(services, s.id)
    if (wanted !== undefined && wanted !== granted.includes(s.category) && !required.includes(s.category)) exceptions[s.id] = wanted
  }
  return { consentId, revision: config.revision, updatedAt: now, method, granted, services: exceptions, gpc }
}

export function choiceCategories(config: PublishedConfig, choice: StoredChoice): Record<string, boolean> {
  const out: Record<string, boolean> = {}
  for (const c of config.catalogue.categories) out[c.id] = c.required || choice.granted.includes(c.id)
  return out
}

/** Per-service choices: the visitor's exception, else the service's category. */
export function serviceStates(config: PublishedConfig, categories: Record<string, boolean>, exceptions: Record<string, boolean>): Record<string, boolean> {
  const out: Record<string, boolean> = {}
  for (const s of config.catalogue.services) out[s.id] = own(exceptions, s.id) ?? !!own(categories, s.category)
  return out
}

/** The state `categories` and the per-service `exceptions` make; `choice` is the one they come from, if any. */
export function toState(
  config: PublishedConfig,
  consentId: string,
  categories: Record<string, boolean>,
  exceptions: Record<string, boolean>,
  choice: StoredChoice | null,
  gpc: boolean,
): ConsentState {
  return {
    consentId,
    revision: choice ? choice.revision : config.revision,
    categories,
    services: serviceStates(config, categories, exceptions),
    method: choice ? choice.method : null,
    updatedAt: choice ? new Date(choice.updatedAt).toISOString() : null,
    region: config.region,
    gpc: choice ? choice.gpc : gpc,
  }
}

/** Categories granted before and denied now: the page must drop what already runs. */
export function revokedCategories(before: Record<string, boolean>, after: Record<string, boolean>): string[] {
  return Object.keys(before).filter((id) => before[id] && !after[id])
}

/** The visitor's per-service choices that differ from their category: what a stored choice keeps. */
export function serviceExceptions(config: PublishedConfig, state: ConsentState): Record<string, boolean> {
  const out: Record<string, boolean> = {}
  for (const s of config.catalogue.services) if (state.services[s.id] !== !!state.categories[s.category]) out[s.id] = !!state.services[s.id]
  return out
}
