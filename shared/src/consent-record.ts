// The consent record (SPEC §7): one append-only row per decision.
import { z } from 'zod'
import { CONSENT_METHODS } from './cookie-format'
import { languageTag, regionMode, slug } from './catalogue'

export const consentMethod = z.enum(CONSENT_METHODS)
export const consentId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'a consentId has 8 to 64 letters, digits, "-" or "_"')

/** What the SDK posts to `POST /api/v1/consents`. The server adds time, IP, region and user agent. */
export const consentRecordInput = z.object({
  /** Client-generated, so that a retried POST never creates a second record. */
  recordId: z.uuid(),
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
  /** Page URL; the server drops query string and fragment before storing. */
  url: z.string().max(2048),
  clientTime: z.iso.datetime({ offset: true }),
  gpc: z.boolean().default(false),
})
export type ConsentRecordInput = z.infer<typeof consentRecordInput>

/** A stored consent record as the admin API and exports show it. */
export const consentRecord = consentRecordInput.extend({
  /** `erased` once a data-subject request erased the record. */
  consentId: z.string(),
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
  /** Pass as `?before=` to fetch the next (older) page; null on the last page. */
  nextBefore: z.number().int().nullable(),
  total: z.number().int(),
})
export type ConsentLogPage = z.infer<typeof consentLogPage>
