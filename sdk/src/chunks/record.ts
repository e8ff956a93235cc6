// dist/record.js: what follows a choice — the stored-choice cookie and the consent record's
// delivery, and the banner a visitor is owed after a refusal GPC made (a first visit's notice in
// notice mode, the banner that asks again over an out-of-date choice). The banner chunk asks for
// it as soon as the visitor touches or focuses the banner, the core when a choice comes through
// the API or GPC. Removing what a choice denies is in dist/cleanup.js, loaded only when something
// is denied; a record whose POST fails goes to the IndexedDB queue of dist/store.js, loaded only
// then.
import { encodeConsentCookie, parseConsentCookie } from '@miniconsent/shared/cookie'
import { uuid7 } from '@miniconsent/shared/ids'
import { allCategories, bannerAfterGpc, choiceCategories, makeChoice, revokedCategories, serviceExceptions, toState } from '../core/consent'
import { hex } from '../core/ids'
import { pickLanguage, shownLanguage } from '../core/language'
import { buildConsentRecord } from '../core/record'
import { type CleanupChunk, type Host, type RecordChunk, type StoreChunk } from '../core/types'
import { readCookie, writeCookie } from '../browser/cookie-jar'
import { journal, keepConsentId, keptConsentId } from '../browser/net-flag'
import { post, type Item } from '../browser/post'
import type { Ctx } from '../ui/ctx'


/** The decision's context in a consent record or visitor event; `shown`, the UI the choice was made in. */
const context = (host: Host, shown?: Ctx) => ({
  recordId: uuid7(() => crypto.getRandomValues(new Uint8Array(1))[0]!, Date.now()),
  // The language of the texts the visitor read: the banner knows whether its language chunk came.
  // Without a UI, the one the banner would show, reading the visitor's as it does (chunks/banner.tsx).
  language: shown
    ? shown._lang
    : shownLanguage(host._config, pickLanguage([host._lang, document.documentElement.lang, navigator.language], host._config.site.defaultLanguage), true),
  // Never the query, which may carry personal data. Cut where the server cuts (PAGE_URL_MAX): a
  // path of a few hundred CJK letters, 9 characters each once percent-encoded, would otherwise
  // take the body past its 8 KB, and a refused record is dropped for good.
  url: (location.origin + location.pathname).slice(0, 2048),
  clientTime: new Date().toISOString(),
})

/**
 * Journaled before the POST (see browser/net-flag.ts), out of the journal once delivered, into the
 * IndexedDB queue when the attempt fails. keepalive lets the request finish after the visitor has
 * left the page; if it does not, the journal still has the record for the next page view.
 * A record the server refused for good leaves the journal too: it would be refused again.
 * Returns whether the journal took it, and the server's answer: its status (2xx delivered, 4xx
 * refused), 0 once queued.
 */
const send = (host: Host, path: string, body: Item[1]): [kept: boolean, answer: Promise<number>] => {
  const item: Item = [path, body]
  return [
    journal(item, true),
    post(host._api, item).then((status) => {
      if (status) return journal(item, false), status
      return host._chunk<StoreChunk>('store').then((m) => m._queue(path, body)).then(() => 0)
    }),
  ]
}

/** Whether the consentId was kept before this page view's first link; the links of this page view not refused. */
let keptBefore: string | null | undefined
let links = 0

/**
 * A visitor event other than a choice, with the same context as a consent record; true once the
 * server stored it. Before any choice, the consentId it names is kept for the choice to come, on
 * this page view or a later one: before the POST, so that a page left meanwhile loses nothing. A
 * refusal takes it back, unless it was kept before or another link of this page view holds it.
 */
const event = (host: Host, path: string, extra: Record<string, unknown>) => {
  const { consentId, method } = host._state()
  if (!method) {
    if (keptBefore === undefined) keptBefore = keptConsentId()
    keepConsentId(consentId)
    links++
  }
  return send(host, path, { ...context(host), siteId: host._config.siteId, consentId, ...extra })[1].then((status) => {
    if (status > 299 && !method && !--links && !keptBefore) keepConsentId(null)
    return status > 199 && status < 300
  })
}

/** Throws the TypeError a call with `ok` false deserves. */
const check = (ok: unknown, message: string) => {
  if (!ok) throw new TypeError('miniconsent.' + message)
}
const text = (v: unknown) => typeof v == 'string' && v != ''

export default {
  _commit(host, method, categories, services, shown, merge?: 1) {
    const config = host._config
    const before = host._state()
    // set()'s input as the page gave it: checked before anything changes (set(), set(null) and
    // set(42) would otherwise record the state in force as the visitor's choice), then laid over
    // the state in force: the categories it names over the others, the services it names over the
    // visitor's earlier per-service choices.
    if (merge) {
      check(
        [categories, services || {}].every((o) => Object.prototype.toString.call(o) == '[object Object]') &&
          [...Object.values(categories), ...Object.values(services || {})].every((v) => typeof v == 'boolean'),
        'set() takes { category: boolean } and optionally { service: boolean }',
      )
      categories = { ...before.categories, ...categories }
      services = { ...serviceExceptions(config, before), ...services }
    }
    // What the visitor read (SPEC §7): the UI's texts, and each category's label and description.
    const texts = shown && JSON.stringify([shown._t, config.catalogue.categories.map((c) => [shown._loc(c.label), shown._loc(c.description)])])
    // Accept all, from the banner or the preferences: every category, whatever the input.
    const next = makeChoice(config, before.consentId, method, method == 'accept-all' ? allCategories(config, true) : categories, services, host._gpc, Date.now())
    const state = toState(config, before.consentId, choiceCategories(config, next), next.services, next, host._gpc)
    const revoked = revokedCategories(before.categories, state.categories).length + revokedCategories(before.services, state.services).length
    // A visitor taking back what they had allowed is a withdrawal in the consent log (SPEC §7).
    if (host._set(next, state) && next.method === 'custom' && revoked) next.method = state.method = 'withdraw'
    // Listeners of on('change') are listeners of this event: one that throws cannot stop the others.
    // A copy, as get() hands out: page code cannot change what the SDK allows.
    dispatchEvent(new CustomEvent('miniconsent:change', { detail: JSON.parse(JSON.stringify(state)) }))
    // A visitor whose GPC signal has just refused something for them is still owed what a visitor
    // without it is shown: notice mode's notice on a first visit, the banner that asks again over a
    // choice stored out of date (bannerAfterGpc, from the cookie as decide read it: not yet
    // replaced). Method gpc is the core's alone, and its decision shows no banner (see decide).
    // Shown after the change event above, which closes the banner, and only while no other choice
    // has followed (an API call before the banner chunk came).
    const owed = method == 'gpc' && bannerAfterGpc(config, parseConsentCookie(readCookie(config.site.cookieName)), Date.now())
    if (owed) host._ui((u) => host._state() == state && u._banner(owed))
    // Revision 0 is the deny-all fallback: nothing is stored or recorded against it.
    if (!config.revision) return
    writeCookie(config.site.cookieName, encodeConsentCookie(next), config.site.cookieLifetimeDays)
    // The cookie holds the consentId from now on.
    keepConsentId(null)
    const cleaned =
      (Object.values(state.categories).includes(false) || Object.values(state.services).includes(false)) &&
      host._chunk<CleanupChunk>('cleanup').then((m) => m._clean(config, state), () => {})
    const hash: Promise<string | null> =
      texts && crypto.subtle ? crypto.subtle.digest('SHA-256', new TextEncoder().encode(texts)).then(hex, () => null) : Promise.resolve(null)
    hash.then((textsHash) => {
      const [kept, delivered] = send(host, '/api/v1/consents', buildConsentRecord(config, state, { ...context(host, shown), textsHash }))
      // Scripts already running cannot be stopped: reload so that only what is allowed runs again,
      // as soon as the denied cookies are deleted and the record is safe. Journaled, it is: the
      // next page view sends it if this one could not, so a slow or failing API does not keep the
      // withdrawn trackers running meanwhile. Only a record the journal could not take (storage
      // blocked) is waited for, until delivered or queued.
      if (revoked && config.site.reloadOnRevoke) Promise.all([cleaned, kept || delivered]).then(() => location.reload())
    })
  },
  _identify: (host, userId) => (check(text(userId), 'identify() takes a non-empty string'), event(host, '/api/v1/consents/identify', { userId })),
  _acceptDocument: (host, type, opts) => {
    const userId = opts && opts.userId
    check(text(type) && (userId == null || typeof userId == 'string'), 'acceptDocument() takes a non-empty string and optionally { userId: string }')
    return event(host, '/api/v1/documents', { type, userId: userId || null })
  },
} satisfies RecordChunk
