// The sentence an auditor reads after "Verify chain" or a check against a saved manifest.
import type { ChainVerification } from '@miniconsent/shared'
import { formatTime } from './format'

const numberFormat = new Intl.NumberFormat(undefined)

/** The sentence shown after "Verify chain", or a check against a saved manifest. */
export function describeVerification(v: ChainVerification): string {
  const records = `${numberFormat.format(v.count)} ${v.count === 1 ? 'record' : 'records'}`
  if (v.ok) {
    // An empty log's head is the genesis value (64 zeros), which tells an auditor nothing.
    const intact = v.head && v.count > 0 ? `Chain intact: ${records}, head ${v.head}` : `Chain intact: ${records}`
    const saved = savedManifest(v)
    return saved ? `${intact}${extras(v) || '.'} ${saved}` : intact + extras(v)
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
    const when = latest ? `, in ${numberFormat.format(erasures.length)} ${erasures.length === 1 ? 'request' : 'requests'}, the latest on ${formatTime(latest.erasedAt)}` : ''
    parts.push(`${numberFormat.format(v.erased)} erased on request${when} (links and decisions checked, personal fields blanked)`)
  }
  if (v.anchor) {
    parts.push(`starts after record #${v.anchor.seq}, ${numberFormat.format(v.anchor.purgedCount)} older records purged at the end of retention`)
  }
  if (!parts.length) return ''
  const sentence = parts.join('; ')
  return `. ${sentence[0]!.toUpperCase()}${sentence.slice(1)}.`
}

/**
 * A manifest kept outside the server holds a head that deleting rows cannot take back; once
 * retention purged that record there is nothing left to compare it with.
 */
function savedManifest(v: ChainVerification): string {
  const saved = v.savedManifest
  if (!saved) return ''
  const which = `the saved manifest of export ${saved.exportId} (${formatTime(saved.createdAt)})`
  // A manifest of an empty log holds the genesis value: it vouches for no record, whatever retention purged since.
  if (saved.seq === 0) return `Checked against ${which}: the log was empty then, so it vouches for no record.`
  if (!saved.checked) {
    return `Not checked against ${which}: its head, record #${saved.seq}, has since been purged at the end of retention, so only the records after the purge were checked.`
  }
  if (v.anchor?.seq === saved.seq) {
    // Purged before the export (a log retention emptied) or after it: the anchor holds the head's hash either way.
    return `Checked against ${which}: its head, record #${saved.seq}, was purged at the end of retention, and the purge anchor where the chain now starts holds the hash it recorded.`
  }
  return `Checked against ${which}: the log still holds record #${saved.seq} with the hash it recorded.`
}
