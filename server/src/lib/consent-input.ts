// A zod-free reading of the consent record body, for the ingestion hot path.
//
// zod's parse of `consentRecordInput` cost about 30 µs per record (measured on the reference
// machine), more than the SQLite insert. This checks the same rules directly and returns the same
// output (unknown keys dropped, defaults filled in), or null whenever it is not sure — and then
// the zod schema, which stays the source of truth, decides and writes the 400's message. So it
// never accepts what zod refuses: `consent-input.test.ts` compares the two on valid bodies and on
// every kind of broken one.
import { CONSENT_METHODS, CONSENT_RECORD_MAX_BYTES, LANGUAGE_PATTERN, SLUG_PATTERN, consentRecordInput, utcOffsetInRange, type ConsentRecordInput } from '@miniconsent/shared'
import { regexes } from 'zod'

// The same patterns as the schema's: zod's own for `z.uuid()` (whose value the schema, and this
// reading, take in lower case) and `z.iso.datetime({ offset: true })`
// (which the schema's `clientTime` refines with utcOffsetInRange, as below), and the two the
// schema writes inline.
const UUID = regexes.uuid()
const DATETIME = regexes.datetime({ offset: true })
const CONSENT_ID = /^[A-Za-z0-9_-]{8,64}$/
const SHA256_HEX = /^[a-f0-9]{64}$/
const METHODS: ReadonlySet<unknown> = new Set(CONSENT_METHODS)
/** The schema's `pageUrl`: whatever fits the body (the route cuts what it stores). */
const URL_MAX = CONSENT_RECORD_MAX_BYTES
const SLUG_MAX = 64

/** The fields this reading knows, in the schema's order; anything else in the schema turns it off. */
const FIELDS = ['recordId', 'consentId', 'siteId', 'revision', 'textsHash', 'categories', 'services', 'method', 'language', 'url', 'clientTime', 'gpc']
const MATCHES_SCHEMA = Object.keys(consentRecordInput.shape).join() === FIELDS.join()

const isString = (v: unknown): v is string => typeof v === 'string'
const isSlug = (v: unknown): v is string => isString(v) && v.length <= SLUG_MAX && SLUG_PATTERN.test(v)
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A `z.record(slug, z.boolean())`: a copy with the same keys, or null. */
function choices(v: unknown): Record<string, boolean> | null {
  if (!isObject(v) || Object.getPrototypeOf(v) !== Object.prototype) return null
  const out: Record<string, boolean> = {}
  for (const key of Object.keys(v)) {
    const value = v[key]
    if (!isSlug(key) || typeof value !== 'boolean') return null
    out[key] = value
  }
  return out
}

/** The parsed body as `consentRecordInput.parse` would return it, or null when zod must decide. */
export function readConsentRecordInput(v: unknown): ConsentRecordInput | null {
  if (!MATCHES_SCHEMA || !isObject(v)) return null
  const { recordId, consentId, siteId, revision, textsHash, method, language, url, clientTime } = v
  const gpc = v.gpc === undefined ? false : v.gpc
  if (
    !(isString(recordId) && UUID.test(recordId)) ||
    !(isString(consentId) && CONSENT_ID.test(consentId)) ||
    !isSlug(siteId) ||
    !(typeof revision === 'number' && Number.isSafeInteger(revision) && revision >= 1) ||
    !(textsHash === null || (isString(textsHash) && SHA256_HEX.test(textsHash))) ||
    !METHODS.has(method) ||
    !(isString(language) && LANGUAGE_PATTERN.test(language)) ||
    !(isString(url) && url.length <= URL_MAX) ||
    !(isString(clientTime) && DATETIME.test(clientTime) && utcOffsetInRange(clientTime)) ||
    typeof gpc !== 'boolean'
  ) {
    return null
  }
  const categories = choices(v.categories)
  const services = v.services === undefined ? {} : choices(v.services)
  if (!categories || !services) return null
  return {
    // As the schema's `recordId` reads it: ~50 ns (measured), no pattern more.
    recordId: recordId.toLowerCase(),
    consentId,
    siteId,
    revision,
    textsHash,
    categories,
    services,
    method: method as ConsentRecordInput['method'],
    language,
    url,
    clientTime,
    gpc,
  }
}

/**
 * The recordIds bodies sent in another case than lower, by the input read from each (a consent
 * record's, a visitor event's): a record or event stored before recordIds were read in lower case
 * is stored under the text as it was sent, which its retry sends again. Weak: kept as long as the
 * input is. The SDK's recordIds are lower case: for them, one string compare and nothing kept.
 */
const recordIdsAsSent = new WeakMap<object, string>()

/** For jsonBody's `kept`: remembers the recordId `body` sent when `input`, read from it, holds it in another case. */
export function keepRecordIdAsSent(body: unknown, input: { recordId: string }): void {
  const sent = isObject(body) ? body.recordId : undefined
  if (isString(sent) && sent !== input.recordId) recordIdsAsSent.set(input, sent)
}

/** The recordId as the body `input` was read from sent it (see keepRecordIdAsSent): the input's own when that was lower case. */
export const recordIdAsSent = (input: { recordId: string }): string => recordIdsAsSent.get(input) ?? input.recordId
