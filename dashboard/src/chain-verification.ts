// The sentence an auditor reads after "Verify chain".
import type { ChainVerification } from '@miniconsent/shared'

const numberFormat = new Intl.NumberFormat(undefined)

/** The sentence shown after "Verify chain". */
export function describeVerification(v: ChainVerification): string {
  const records = `${numberFormat.format(v.count)} ${v.count === 1 ? 'record' : 'records'}`
  if (v.ok) {
    // An empty log's head is the genesis value (64 zeros), which tells an auditor nothing.
    const intact = v.head && v.count > 0 ? `Chain intact: ${records}, head ${v.head}` : `Chain intact: ${records}`
    return intact + extras(v)
  }
  if (!v.firstBad) return `Chain broken: ${records} checked, the server did not say which record is wrong.`
  const why = v.firstBad.reason ? `: ${v.firstBad.reason}` : ''
  return `Chain broken at record #${v.firstBad.seq}${why}. ${records} checked.`
}

/** Erased records keep their links and their decision, not their personal fields; a purge moves the chain's start. */
function extras(v: ChainVerification): string {
  const parts: string[] = []
  if (v.erased) {
    const erasures = v.erasures ?? []
    const latest = erasures.at(-1)
    const when = latest ? `, in ${numberFormat.format(erasures.length)} ${erasures.length === 1 ? 'request' : 'requests'}, the latest at ${latest.erasedAt}` : ''
    parts.push(`${numberFormat.format(v.erased)} erased on request${when} (links and decisions checked, personal fields blanked)`)
  }
  if (v.anchor) {
    parts.push(`starts after record #${v.anchor.seq}, ${numberFormat.format(v.anchor.purgedCount)} older records purged at the end of retention`)
  }
  return parts.length ? `. ${parts.join('; ')}.` : ''
}
