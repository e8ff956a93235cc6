// Shapes of the consent-log admin API (filters, exports, statistics, data-subject requests) and
// of the two visitor events the SDK posts besides consent records (identify, accepted document).
import { z } from 'zod'
import { languageTag, regionMode, slug, urlNumber } from './catalogue'
import { clientTime, consentId, consentMethod, consentRecord, pageUrl, recordId } from './consent-record'
import { REGION_CODE_PATTERN } from './regions'

/**
 * For a union of an empty value and a real one: a value that is neither is answered with the real
 * one's message (`from: use a date …`), which the union's default, "Invalid input", would hide.
 */
const valueMessage = {
  error: (issue: z.core.$ZodRawIssue) => (issue.code === 'invalid_union' ? issue.errors[1]?.map((i) => i.message).join('; ') : undefined),
}

/** Empty query values (a cleared form field) mean "no filter". */
export const emptyAsAbsent = <S extends z.ZodType>(schema: S) => z.union([z.literal('').transform(() => undefined), schema], valueMessage).optional()

/** A day (`2026-11-22`, the whole day in UTC) or an instant with its offset. */
export const logTimeBound = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  message: 'use a date (2026-11-22) or a date-time (2026-11-22T10:00:00Z)',
})

/** A time bound that is a day (`2026-11-22`): the whole of it, in UTC. */
export const LOG_DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/

/** Digits past the millisecond, which Date.parse drops (`10:00:00.0001` reads as `10:00:00.000`). */
const PAST_MILLISECOND = /\.\d{3}(\d+)/

/** Whether a date-time names an instant later than its millisecond: a non-zero digit past it. */
function laterThanItsMillisecond(value: string): boolean {
  return /[1-9]/.test(PAST_MILLISECOND.exec(value)?.[1] ?? '')
}

/**
 * The first millisecond a `from` bound includes: a day from its UTC midnight; an instant as
 * Date.parse reads it, except that one between two milliseconds starts at the later one (stored
 * times are whole milliseconds, and `10:00:00.0001Z` is after `10:00:00.000Z`). The server's
 * filters (fromBound) read a bound through this; the period check (periodReversed) does not round.
 */
export const firstIncluded = (from: string): number =>
  LOG_DAY_PATTERN.test(from) ? Date.parse(`${from}T00:00:00Z`) : Date.parse(from) + (laterThanItsMillisecond(from) ? 1 : 0)

/** The last millisecond a `to` bound includes: a day to its end; an instant truncated to its millisecond (inclusive, so already right). */
export const lastIncluded = (to: string): number => (LOG_DAY_PATTERN.test(to) ? Date.parse(`${to}T00:00:00Z`) + 86_400_000 - 1 : Date.parse(to))

/** The digits past the millisecond as a decimal fraction of it, to compare: `.0015` → `5`, `.00150` → `50`. */
const pastItsMillisecond = (value: string, width: number): string => (PAST_MILLISECOND.exec(value)?.[1] ?? '').padEnd(width, '0')

/**
 * Whether a period starts after it ends, comparing the two instants exactly, the digits past the
 * millisecond too (`.0019` is after `.0011`). Not through the filters' rounding (firstIncluded):
 * a period in order that holds no whole millisecond (`.0001` to `.0009`) is not reversed, only
 * empty. A day starts at its UTC midnight and ends with the whole of its last millisecond. False
 * when a bound is no date (NaN): its own check says so.
 */
export function periodReversed(from: string, to: string): boolean {
  const start = LOG_DAY_PATTERN.test(from) ? firstIncluded(from) : Date.parse(from)
  if (LOG_DAY_PATTERN.test(to)) return start > lastIncluded(to)
  const end = Date.parse(to)
  if (start !== end) return start > end
  const width = Math.max(from.length, to.length)
  return pastItsMillisecond(from, width) > pastItsMillisecond(to, width)
}

/**
 * A period that ends before it starts is a mistake (swapped fields), not a question whose answer
 * is "nothing": it is refused rather than answered with empty results, even when the two differ
 * by less than a millisecond (periodReversed). One in order that holds no whole millisecond is
 * answered, with nothing. Applied to each query schema below, not to the fields themselves: zod
 * cannot extend a refined object, and a manifest stored before the check (exportManifest's
 * `filters`) must still read.
 */
export const periodInOrder = <S extends z.ZodType<{ from?: string | undefined; to?: string | undefined }>>(schema: S) =>
  schema.refine((f) => !f.from || !f.to || !periodReversed(f.from, f.to), {
    message: 'is after `to`: the period is empty (are the two dates swapped?)',
    path: ['from'],
  })

/** What a day of the consent log's periods is, said by both bounds and by the statistics' days. */
const LOG_DAY = 'a UTC date of the server’s arrival time (`serverTime`), not of the visitor’s device'

/** What an empty or malformed filter does, said by each filter below that has no more to say of it. */
const NO_FILTER = 'Empty is no filter; any other value is refused 400 `invalid_request`, naming the parameter.'

/**
 * Filters of the consent log listing, exports and statistics; `from` and `to` include their whole
 * day. The descriptions are the API reference's (the listing, statistics and export parameters).
 */
const consentLogFields = z.object({
  from: emptyAsAbsent(logTimeBound).meta({
    description: `Records that arrived from this day on, from its start (\`2026-11-22\`: ${LOG_DAY}), or from this instant on: an instant with an offset (\`2026-11-22T10:00:00+02:00\`) is taken as that instant.`,
  }),
  to: emptyAsAbsent(logTimeBound).meta({
    description: `Records that arrived up to this day, all of that day (\`2026-11-22\`: ${LOG_DAY}), or up to this instant, included: an instant with an offset (\`2026-11-22T12:00:00+02:00\`) is taken as that instant.`,
  }),
  method: emptyAsAbsent(consentMethod).meta({
    description: `Records of this decision method, in lower case: \`accept-all\`, \`reject-all\`, \`custom\`, \`withdraw\` (a choice that took back something allowed), \`gpc\` (the Global Privacy Control signal) or \`api\` (the page’s script: \`acceptAll()\`, \`rejectAll()\`, \`set()\`). ${NO_FILTER}`,
  }),
  region: emptyAsAbsent(z.union([z.string().regex(REGION_CODE_PATTERN, 'an ISO 3166 code such as DE or US-CA'), z.literal('unknown')])).meta({
    description: 'An ISO 3166 code (`DE`, `US-CA`), or `unknown`: the records with no region (stored without one). A country includes its subdivisions: `US` finds the records of `US` and of `US-CA`.',
  }),
  revision: emptyAsAbsent(urlNumber()).meta({
    description: `Records made under this revision of the site’s catalogue: a whole number from 1, in plain digits (\`3\`, not \`03\` or \`3.0\`). A revision the site never published finds none. ${NO_FILTER}`,
  }),
  consentId: emptyAsAbsent(consentId).meta({
    description: `One visitor’s records: their consentId, 8 to 64 letters, digits, \`-\` or \`_\`, matched exactly, case included (\`Visitor-1\` finds none of \`visitor-1\`’s). ${NO_FILTER}`,
  }),
})
export const consentLogFilters = periodInOrder(consentLogFields)
export type ConsentLogFilters = z.output<typeof consentLogFields>

/**
 * A listing's page size, 1 to `max`: an empty `limit=` (a cleared field, a hand-written URL) is
 * absent, as a filter's is. The default is given as the query's input (a prefault, parsed like a
 * value sent), so that the API reference, which shows the input, shows it.
 */
export const pageLimit = (max: number, fallback = 50) =>
  z
    .union([z.literal(''), urlNumber(max)], valueMessage)
    .prefault(String(fallback))
    .transform((n) => (n === '' ? fallback : n))

/** Where a listing's page starts (records before this seq or id); empty is absent. */
export const pageBefore = () => emptyAsAbsent(urlNumber())

/** The listing's page: an empty `limit=` or `before=` is absent, as a filter's is. */
export const consentLogQuery = periodInOrder(
  consentLogFields.extend({
    limit: pageLimit(500).meta({
      description: 'How many records a page holds: a whole number from 1 to 500, in plain digits; 50 when absent or empty. Any other value is refused 400 `invalid_request`, naming the parameter.',
    }),
    before: pageBefore().meta({
      description:
        'A `seq` cursor: the page holds the matching records with a lower `seq` than this, newest first. Pass the previous answer’s `nextBefore` to read the next, older page (records arriving meanwhile do not move it); absent, the newest page.',
    }),
  }),
)
export type ConsentLogQuery = z.output<typeof consentLogQuery>

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const
export const exportFormat = z.enum(EXPORT_FORMATS)
export type ExportFormat = z.infer<typeof exportFormat>

export const exportQuery = periodInOrder(
  consentLogFields.extend({
    format: exportFormat.default('csv').meta({
      description: 'The file’s format, in lower case: `csv` (when absent) or `ndjson`, one JSON record a line. Any other value, an empty one included, is refused 400 `invalid_request`, naming the parameter.',
    }),
  }),
)

/** Columns of both export formats, in this order (CSV header and NDJSON key order). */
export const EXPORT_COLUMNS = [
  'seq',
  'recordId',
  'consentId',
  'serverTime',
  'clientTime',
  'method',
  'revision',
  'textsHash',
  'region',
  'mode',
  'language',
  'url',
  'ip',
  'userAgent',
  'gpc',
  'categories',
  'services',
  'prevHash',
  'hash',
  'erasedAt',
  // Last, added in 0.6: a file exported before it has the columns above and verifies as before.
  'personalHash',
] as const

/** One NDJSON line of an export. In CSV, null is an empty cell and categories/services are JSON text. */
export const exportRow = z.object({
  seq: z.number().int().min(1),
  recordId: z.string(),
  consentId: z.string(),
  serverTime: z.string(),
  clientTime: z.string(),
  method: z.string(),
  revision: z.number().int(),
  textsHash: z.string().nullable(),
  region: z.string().nullable(),
  mode: z.string(),
  language: z.string(),
  url: z.string(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  /**
   * As the server writes it. A file of a record edited in the database may hold the stored value
   * instead (neither 0 nor 1: a number, or text), which `miniconsent verify` reports; so may
   * categories and services (as a string: the stored value's SQL literal, `'…'` for text that is
   * not a strict JSON object as the server writes it, `X'…'` for a BLOB).
   */
  gpc: z.boolean(),
  categories: z.record(z.string(), z.boolean()),
  services: z.record(z.string(), z.boolean()),
  prevHash: z.string(),
  hash: z.string(),
  erasedAt: z.string().nullable(),
  /** SHA-256 of the personal fields, covered by `hash` in their place; absent from files exported before 0.6. */
  personalHash: z.string().nullable().optional(),
})
export type ExportRow = z.infer<typeof exportRow>

const hexSha256 = z.string().regex(/^[a-f0-9]{64}$/)

/**
 * Written when an export's last byte is sent. `sha256` is of the file's bytes; `chainHead` is the
 * site's newest record when the export started, so a file can later prove nothing was cut.
 * `keyId` and `signature` prove the manifest came from the server unaltered; manifests made
 * before manifests were signed have neither.
 */
export const exportManifest = z.object({
  exportId: z.string(),
  siteId: slug,
  format: exportFormat,
  /** The filters as the export applied them: parsed, so a revision is a number, not a query's text. */
  filters: consentLogFields.extend({ revision: z.number().int().min(1).optional() }),
  rowCount: z.number().int().min(0),
  sha256: hexSha256,
  chainHead: z.object({ seq: z.number().int().min(0), hash: hexSha256 }),
  createdAt: z.iso.datetime(),
  createdBy: z.string().nullable(),
  /** The signing key's id, as listed by `GET /api/v1/manifest-keys`. */
  keyId: z.string().optional(),
  /**
   * Base64 Ed25519 signature of the UTF-8 canonical JSON (keys sorted, no whitespace) of every
   * other field of the manifest, `keyId` included. Kept a plain string: a mangled value is a
   * forged manifest to report, not an unreadable one.
   */
  signature: z.string().optional(),
})
export type ExportManifest = z.infer<typeof exportManifest>

/**
 * `POST …/verify`: the chain checked also against a manifest the auditor saved, exactly as
 * `GET …/exports/{exportId}/manifest` answered it (its signature covers every field as sent).
 */
export const verifyWithManifestInput = z.object({
  manifest: z.record(z.string(), z.unknown()).meta({ description: 'A signed export manifest (ExportManifest), unchanged' }),
})
export type VerifyWithManifestInput = z.infer<typeof verifyWithManifestInput>

/** A public key that signs, or signed, export manifests. */
export const manifestKey = z.object({
  /** First 16 hex digits of the SHA-256 of the raw public key. */
  keyId: z.string().regex(/^[a-f0-9]{16}$/),
  algorithm: z.literal('Ed25519'),
  /** Base64 of the 32-byte raw public key. */
  publicKey: z.string(),
  /** The same key as PEM (SPKI), for tools such as `openssl pkeyutl -verify`. */
  publicKeyPem: z.string(),
  createdAt: z.iso.datetime(),
  /** When another key replaced it; null while it signs. Its manifests still verify. */
  retiredAt: z.iso.datetime().nullable(),
})
export type ManifestKey = z.infer<typeof manifestKey>

/** `GET /api/v1/manifest-keys`: every key the server has signed manifests with, newest first. */
export const manifestKeyList = z.object({ keys: z.array(manifestKey) })
export type ManifestKeyList = z.infer<typeof manifestKeyList>

const methodCounts = {
  total: z.number().int(),
  acceptAll: z.number().int(),
  rejectAll: z.number().int(),
  custom: z.number().int(),
  /** withdraw, gpc and api. */
  other: z.number().int(),
}

/** The statistics take the log's filters: the same records as the listing and the exports. */
export const statsQuery = consentLogFilters

export const consentStats = z.object({
  perDay: z.array(z.object({ day: z.iso.date().meta({ description: `The day (\`2026-11-22\`): ${LOG_DAY}` }), ...methodCounts })),
  perCategory: z.array(z.object({ category: z.string(), granted: z.number().int(), denied: z.number().int() })),
  /** `region` null: records stored without a known region. */
  perRegion: z.array(z.object({ region: z.string().nullable(), mode: regionMode, ...methodCounts })),
  perRevision: z.array(z.object({ revision: z.number().int(), ...methodCounts })),
  /**
   * Records of the period whose stored categories are not a JSON object (a row edited by hand):
   * counted in the other tables, left out of perCategory. Optional: absent from servers before
   * it, and from answers that clients (the dashboard's tests) write without it.
   */
  unreadableCategories: z.number().int().min(0).optional(),
})
export type ConsentStats = z.infer<typeof consentStats>

export const consentIdentity = z.object({
  recordId: z.string(),
  userId: z.string(),
  serverTime: z.string(),
})
export type ConsentIdentity = z.infer<typeof consentIdentity>

export const documentAcceptance = z.object({
  recordId: z.string(),
  documentType: z.string(),
  documentVersion: z.string(),
  userId: z.string().nullable(),
  url: z.string(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  clientTime: z.string(),
  serverTime: z.string(),
})
export type DocumentAcceptance = z.infer<typeof documentAcceptance>

/** `GET /sites/:siteId/subjects/:consentId`: everything stored under one visitor's consentId. */
export const subjectData = z.object({
  consentId: z.string(),
  records: z.array(consentRecord),
  /**
   * The seq of the visitor's decision in force (null without records): their last by the time on
   * their device, capped at its arrival, as `GET /api/v1/consents/:consentId` answers. A record
   * queued offline and delivered late arrives after it, and is listed first by arrival.
   */
  inForce: z.number().int().nullable(),
  identities: z.array(consentIdentity),
  documents: z.array(documentAcceptance),
})
export type SubjectData = z.infer<typeof subjectData>

/**
 * The site's own ID of a signed-in user, as `identify(userId)` and `acceptDocument(type, { userId })`
 * send it, and as the data-subject look-up by user ID takes it: the same limits in both, so that
 * every user ID stored can be looked up.
 */
export const siteUserId = z.string().min(1).max(256)

/** One consentId the site linked to a user ID, by identify(), by a document accepted with it, or both. */
export const linkedConsentId = z.object({
  consentId: z.string(),
  /** Links made by identify(userId): 0 when only accepted documents link it. */
  identities: z.number().int().min(0),
  /** Documents accepted under it with this user ID: 0 when only identify() links it. */
  documents: z.number().int().min(0),
  /** Server time of its first and last link of either kind. */
  firstLinked: z.string(),
  lastLinked: z.string(),
  /** Consent records stored under the consentId (its tombstones, which no longer name it, not counted). */
  records: z.number().int().min(0),
})
export type LinkedConsentId = z.infer<typeof linkedConsentId>

/** At most this many consentIds are listed for one user ID, the most recently linked. */
export const MAX_LINKED_CONSENT_IDS = 1000

/**
 * `GET /sites/:siteId/subject-users?userId=`: the consentIds the site linked to one of its user IDs,
 * last linked first; empty for a user ID the site never linked (or whose links were all erased).
 */
export const subjectUser = z.object({
  userId: z.string(),
  consentIds: z.array(linkedConsentId),
  /**
   * How many consentIds are linked in all: more than `consentIds` holds past
   * MAX_LINKED_CONSENT_IDS, which a user ID shared by many visitors reaches (identify() called
   * with the same value for everyone).
   */
  total: z.number().int().min(0),
})
export type SubjectUser = z.infer<typeof subjectUser>

export const subjectErasure = z.object({
  /** Consent records turned into tombstones. */
  erased: z.number().int(),
  identities: z.number().int(),
  documents: z.number().int(),
  /**
   * The consentId's records left as they are because they already fail verification (edited in
   * the database): the server signs no erasure of them, and verify goes on reporting them. Absent
   * when there are none.
   */
  refused: z.array(z.object({ seq: z.number().int(), reason: z.string() })).optional(),
})
export type SubjectErasure = z.infer<typeof subjectErasure>

/** Fields every visitor event carries, as the SDK sends them (text/plain JSON, like consent records). */
const visitorEvent = {
  /** Client-generated: a retried POST is stored once, in whatever case its recordId comes (stored in lower case). */
  recordId: recordId,
  siteId: slug,
  consentId: consentId,
  language: languageTag,
  /** As in a consent record: the server strips it and keeps its first 2048 characters. */
  url: pageUrl,
  clientTime: clientTime,
}

/** `POST /api/v1/consents/identify`: links the browser's consentId to the site's signed-in user. */
export const identifyInput = z.object({ ...visitorEvent, userId: siteUserId })
export type IdentifyInput = z.infer<typeof identifyInput>

/** `POST /api/v1/documents`: the visitor accepted the current version of a legal document. */
export const documentInput = z.object({
  ...visitorEvent,
  /** A key of the site's `documents` setting, e.g. `terms`. */
  type: slug,
  userId: siteUserId.nullable().default(null),
})
export type DocumentInput = z.infer<typeof documentInput>

/** Answer of both visitor-event routes: 201 when stored, 200 when that recordId was already stored. */
export const visitorEventStored = z.object({ recordId: z.string() })
