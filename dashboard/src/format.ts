// How consent records read to an auditor: local times, method names in words, choices split
// into granted and denied.
import type { ConsentMethod, ConsentRecord } from '@miniconsent/shared'

// With the zone ("10:00:00 AM UTC", "11:37:06 PM HST"): the log's filters are UTC days, and a time
// without its zone read as another day's.
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'long' })
const numberFormat = new Intl.NumberFormat(undefined)

/** An ISO time in the reader's locale and time zone, which it names; the raw value if it is not a date. */
export function formatTime(iso: string): string {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date)
}

/** A server message with the ISO times it names ("saved the settings at 2026-12-05T15:11:59.343Z") in local time. */
export function withLocalTimes(message: string): string {
  return message.replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z\b/g, (iso) => formatTime(iso))
}

/** `1 problem`, `2 problems`: a count and its noun, plural but for one. */
export function counted(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`
}

export function formatCount(n: number): string {
  return numberFormat.format(n)
}

const METHOD_LABELS: Record<ConsentMethod, string> = {
  'accept-all': 'Accept all',
  'reject-all': 'Reject all',
  custom: 'Custom choice',
  withdraw: 'Withdrawn',
  gpc: 'Global Privacy Control',
  api: 'API call',
}

export function methodLabel(method: ConsentMethod): string {
  return METHOD_LABELS[method]
}

export interface SplitChoices {
  granted: string[]
  denied: string[]
}

/** Splits `{ analytics: true, marketing: false }` into sorted granted and denied ids. */
export function splitChoices(choices: Record<string, boolean>): SplitChoices {
  const granted: string[] = []
  const denied: string[] = []
  for (const [id, isGranted] of Object.entries(choices)) (isGranted ? granted : denied).push(id)
  return { granted: granted.sort(), denied: denied.sort() }
}

export function listOrNone(ids: string[]): string {
  return ids.length ? ids.join(', ') : 'none'
}

export function regionLabel(record: Pick<ConsentRecord, 'region' | 'mode'>): string {
  return `${record.region ?? 'Unknown'} (${record.mode})`
}

/** What stands for the visitor's ID of an erased record, whose consentId is the placeholder "erased": no ID, nothing to link to. */
export const ERASED_CONSENT_ID = '— (erased)'
