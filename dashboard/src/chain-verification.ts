// Answer of `GET /api/admin/sites/:siteId/verify`: `{ ok, count, head, firstBad? }`.
// Not yet in `@miniconsent/shared`; kept here, and lenient about how `firstBad` names its
// explanation, until the server's shape is settled and moved there.
import { z } from 'zod'

const firstBad = z
  .object({
    seq: z.number().int(),
    reason: z.string().optional(),
    message: z.string().optional(),
    problem: z.string().optional(),
  })
  .transform((b) => ({ seq: b.seq, reason: b.reason ?? b.message ?? b.problem ?? null }))

export const chainVerification = z.object({
  ok: z.boolean(),
  /** Records checked (all of the site's records when the chain is intact). */
  count: z.number().int().min(0),
  /** Hash of the newest record; null or absent for an empty log. */
  head: z.string().nullish().transform((h) => h ?? null),
  firstBad: firstBad.nullish().transform((b) => b ?? null),
})
export type ChainVerification = z.infer<typeof chainVerification>

const numberFormat = new Intl.NumberFormat(undefined)

/** The sentence shown after "Verify chain". */
export function describeVerification(v: ChainVerification): string {
  const records = `${numberFormat.format(v.count)} ${v.count === 1 ? 'record' : 'records'}`
  if (v.ok) {
    // An empty log's head is the genesis value (64 zeros), which tells an auditor nothing.
    return v.head && v.count > 0 ? `Chain intact: ${records}, head ${v.head}` : `Chain intact: ${records}`
  }
  if (!v.firstBad) return `Chain broken: ${records} checked, the server did not say which record is wrong.`
  const why = v.firstBad.reason ? `: ${v.firstBad.reason}` : ''
  return `Chain broken at record #${v.firstBad.seq}${why}. ${records} checked.`
}
