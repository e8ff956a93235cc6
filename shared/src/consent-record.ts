// The consent record (SPEC §7): one append-only row per decision.
import { z } from 'zod'
import { CONSENT_METHODS } from './cookie-format'
import { CONSENT_RECORD_MAX_BYTES, languageTag, regionMode, slug } from './catalogue'

export const consentMethod = z.enum(CONSENT_METHODS)
export const consentId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'a consentId has 8 to 64 letters, digits, "-" or "_"')

/**
 * The most characters of a page URL the server keeps. A longer one is not refused but cut: the
 * SDK sends `location.pathname`, where each Cyrillic letter takes 6 characters and each CJK one 9,
 * so a page with a native-language slug of a few hundred letters passes 2048, and the SDK drops a
 * refused record for good.
 */
export const PAGE_URL_MAX = 2048

/** A page URL as the SDK sends it: whatever fits the body. The server strips it and keeps its first PAGE_URL_MAX characters. */
export const pageUrl = z.string().max(CONSENT_RECORD_MAX_BYTES)

const UTC_OFFSET = /[+-](\d\d):(\d\d)$/

/**
 * Whether an ISO time's UTC offset, if it has one, is at most ±14:00 (UTC+14, Kiribati's, is the
 * furthest in use). The ISO pattern allows up to ±23:59, but SQLite's julianday(), which orders a
 * visitor's records, reads nothing beyond ±14:00.
 */
export function utcOffsetInRange(time: string): boolean {
  const offset = UTC_OFFSET.exec(time)
  return offset === null || Number(offset[1]) * 60 + Number(offset[2]) <= 14 * 60
}

/**
 * A client-generated id that makes a retried POST idempotent (a consent record's, a visitor
 * event's), read in lower case. A UUID is case-insensitive on input (RFC 9562), but the log keeps
 * it as text, unique as such: the same id sent again in upper case was stored as a second record,
 * counted twice, where a retry is answered 200 (review). The SDK sends uuid7() (shared/src/ids.ts),
 * lower case already. The server's zod-free reading (server/src/lib/consent-input.ts) and its writer
 * (consent-writer.ts stampedRecord) read it so too.
 */
export const recordId = z.uuid().toLowerCase()

/** The time on the visitor's device, with its UTC offset (`Z` from the SDK). */
export const clientTime = z.iso.datetime({ offset: true }).refine(utcOffsetInRange, 'a UTC offset is at most ±14:00')

/** What the SDK posts to `POST /api/v1/consents`. The server adds time, IP, region and user agent. */
export const consentRecordInput = z.object({
  /** Client-generated, so that a retried POST never creates a second record; in any case, stored in lower case. */
  recordId: recordId,
  consentId: consentId,
  siteId: slug,
  revision: z.number().int().min(1),
  /** SHA-256 (hex) of the texts the visitor was shown; null when no text was shown (GPC, API call). */
  textsHash: z.string().regex(/^[a-f0-9]{64}$/, 'textsHash is a hex SHA-256').nullable(),
  /** Choice per category, granted and denied both listed. */
  categories: z.record(slug, z.boolean()),
  /** Choice per service, granted and denied both listed. */
  services: z.record(slug, z.boolean()).default({}),
  method: consentMethod,
  language: languageTag,
  /** Page URL; the server drops query string and fragment before storing, and keeps its first 2048 characters. */
  url: pageUrl,
  clientTime: clientTime,
  gpc: z.boolean().default(false),
})
export type ConsentRecordInput = z.infer<typeof consentRecordInput>

/** A stored consent record as the admin API and exports show it. */
export const consentRecord = consentRecordInput.extend({
  /** As stored: a record taken before recordIds were read in lower case may hold upper-case letters. */
  recordId: z.uuid(),
  /** `erased` once a data-subject request erased the record. */
  consentId: z.string(),
  /** As stored: records taken before the ±14:00 bound may carry a larger offset. */
  clientTime: z.iso.datetime({ offset: true }),
  /** Position in the site's hash chain, from 1. */
  seq: z.number().int().min(1),
  serverTime: z.iso.datetime(),
  region: z.string().nullable(),
  mode: regionMode,
  /** Truncated (IPv4 /24, IPv6 /48) or null, per the site's IP policy. */
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  prevHash: z.string(),
  hash: z.string(),
  /**
   * SHA-256 of consentId, IP, URL and user agent, covered by `hash` in their place, so that the
   * hash of an erased record can still be recomputed; null on records written before 0.6.
   */
  personalHash: z.string().nullable().optional(),
  /**
   * When a data-subject request erased the record: consentId, IP, user agent and URL are blanked,
   * the hashes (and the personal hash) kept, so the chain still verifies.
   */
  erasedAt: z.string().nullable().optional(),
  /**
   * Choice lists whose stored value is not the JSON object ingestion writes (the row was edited
   * outside the server): shown empty, named here. Verification reports such a record as broken.
   */
  unreadable: z.array(z.enum(['categories', 'services'])).optional(),
})
export type ConsentRecord = z.infer<typeof consentRecord>

/**
 * A visitor's own latest record, as `GET /api/v1/consents/:consentId` answers anyone who knows the
 * consentId (it sits in a cookie the page's scripts can read): the decision and when and where it
 * was made, without the personal fields (IP, user agent, page URL) nor the chain's position and
 * hashes, which would tell how many decisions the site has logged.
 */
export const visitorConsentRecord = consentRecord.pick({
  recordId: true,
  consentId: true,
  siteId: true,
  revision: true,
  textsHash: true,
  categories: true,
  services: true,
  method: true,
  language: true,
  clientTime: true,
  gpc: true,
  serverTime: true,
  region: true,
  mode: true,
})
export type VisitorConsentRecord = z.infer<typeof visitorConsentRecord>

export const consentLogPage = z.object({
  records: z.array(consentRecord),
  nextBefore: z
    .number()
    .int()
    .nullable()
    .meta({ description: 'Pass as `before` to fetch the next (older) page: the lowest `seq` of this page; null on the last page.' }),
  total: z.number().int(),
})
export type ConsentLogPage = z.infer<typeof consentLogPage>
