import { CONSENT_METHODS, firstIncluded, LOG_DAY_PATTERN, logTimeBound, periodReversed, urlNumber, type ConsentMethod } from '@miniconsent/shared'
import type { JSX } from 'preact'
import { useState } from 'preact/hooks'
import { FILTER_KEYS, filterParams, type LogFilters } from '../api'
import { methodLabel } from '../format'
import { utcDay } from '../stats-days'

/** The log filters held in a page's query string, so a filtered view can be bookmarked or shared. */
export function filtersFromQuery(query: Record<string, string | undefined>): LogFilters {
  const filters: LogFilters = {}
  for (const key of FILTER_KEYS) if (query[key]) filters[key] = query[key]
  return filters
}

export function withFilters(path: string, filters: LogFilters): string {
  const params = filterParams(filters).toString()
  return params ? `${path}?${params}` : path
}

const REVISION = urlNumber()

type FormValues = Required<Omit<LogFilters, 'consentId'>>
type Errors = Partial<Record<keyof FormValues, string>>

function check(v: FormValues): Errors {
  const errors: Errors = {}
  if (v.region && !/^([A-Z]{2}(-[A-Z0-9]{1,3})?|unknown)$/.test(v.region)) errors.region = 'Use an ISO code such as DE or US-CA, or “unknown”.'
  // The server's own rule for a number in a URL: past it, the filter would be answered 400.
  if (v.revision && !REVISION.safeParse(v.revision).success) errors.revision = 'Use a revision number such as 3.'
  // As times, by the server's own rule: a link may carry a date-time bound, and "2026-11-22T10:00:00Z"
  // sorts after "2026-11-22" as text although the day it names runs on to midnight.
  // A bound of a link the server does not read is said at its field (boundNote says what it was);
  // compared as a time, `2026-02-30` would be 2 March.
  for (const key of ['from', 'to'] as const) if (boundKind(v[key]) === 'unreadable') errors[key] = 'Choose a day: the one from the link is no date.'
  // Compared exactly, as the server does (periodReversed): one in order within a millisecond is applied, and answered empty.
  if (!errors.from && !errors.to && v.from && v.to && periodReversed(v.from, v.to)) errors.to = 'The end date is before the start date.'
  return errors
}

/**
 * What a date field shows of a bound: the UTC day it falls in, as the field's label says and as
 * the server counts a day (firstIncluded reads both kinds of bound as the server does; a day shows
 * as itself). A date-time from a shared link (`2026-11-23T00:30:00+02:00`) shows as 2026-11-22;
 * the bound itself stays as it is, and is applied so, until the field is changed.
 */
export function dayOf(bound: string): string {
  // None, or unreadable (a hand-typed link): empty, as the browser would show it; boundNote and the server's answer say why.
  const kind = boundKind(bound)
  return kind === 'day' || kind === 'instant' ? utcDay(firstIncluded(bound.trim())) : ''
}

/**
 * A date bound as the server reads it (logTimeBound): none, a UTC day, an instant (a date-time
 * with its offset, from a shared link), or none of these (`2026`, `2026-02-30`, a time without
 * its offset), which the server answers 400.
 */
export function boundKind(bound: string): 'none' | 'day' | 'instant' | 'unreadable' {
  // As it is applied: trimmed.
  const value = bound.trim()
  if (!value) return 'none'
  if (!logTimeBound.safeParse(value).success) return 'unreadable'
  return LOG_DAY_PATTERN.test(value) ? 'day' : 'instant'
}

/** Whether a date field has a boundNote for `bound` (its `aria-describedby` names it): an instant, or no readable bound. */
export function hasBoundNote(bound: string): boolean {
  const kind = boundKind(bound)
  return kind === 'instant' || kind === 'unreadable'
}

/**
 * What a date field says of a bound it cannot show as it is (none for no bound or a plain day): a
 * time from a shared link applies exactly; a bound no date or time at all (a hand-edited link)
 * shows as an empty field, and says so instead of claiming to apply.
 */
export function boundNote(which: 'from' | 'to', bound: string, id: string): JSX.Element | null {
  if (!hasBoundNote(bound)) return null
  const name = which === 'from' ? 'From' : 'To'
  return (
    <p id={id} class="hint">
      {boundKind(bound) === 'unreadable' ? (
        <>
          {name} <code>{bound}</code> in the link is no date, or no time with its offset: choose a day in its place.
        </>
      ) : (
        <>
          {name} <code>{bound}</code> exactly, as the link gave it; choosing a day replaces it.
        </>
      )}
    </p>
  )
}

/**
 * The region as the server takes it: ISO codes upper-case, `unknown` lower-case. Done on submit,
 * not on each keystroke, which would turn a half-typed "unk…" into "UNK…".
 */
function normalRegion(typed: string): string {
  const region = typed.trim()
  return region.toLowerCase() === 'unknown' ? 'unknown' : region.toUpperCase()
}

/** The filters in use in words, as the form names them: "Consent ID visitor-0001", "method Accept all". */
export function describeFilters(filters: LogFilters): string[] {
  const { consentId, from, to, method, region, revision } = filters
  const parts: string[] = []
  if (consentId) parts.push(`Consent ID ${consentId}`)
  if (from) parts.push(`from ${from} (UTC)`)
  if (to) parts.push(`to ${to} (UTC)`)
  if (method) parts.push(`method ${isMethod(method) ? methodLabel(method) : method}`)
  if (region) parts.push(`region ${region}`)
  if (revision) parts.push(`revision ${revision}`)
  return parts
}

function isMethod(value: string): value is ConsentMethod {
  return (CONSENT_METHODS as readonly string[]).includes(value)
}

/**
 * Date range, method, region and revision. `consentId` is searched on its own on the consent log
 * and kept as it is; where there is no such search (`withConsentId`), the form shows it with a way
 * to remove it, and clearing the filters clears it too.
 */
export function LogFiltersForm({
  filters,
  onApply,
  idPrefix,
  showRevision = true,
  withConsentId = false,
}: {
  filters: LogFilters
  onApply: (filters: LogFilters) => void
  idPrefix: string
  showRevision?: boolean
  withConsentId?: boolean
}) {
  const [values, setValues] = useState<FormValues>({
    from: filters.from ?? '',
    to: filters.to ?? '',
    method: filters.method ?? '',
    region: filters.region ?? '',
    revision: filters.revision ?? '',
  })
  const [errors, setErrors] = useState<Errors>({})
  const set = (key: keyof FormValues) => (e: { currentTarget: { value: string } }) => {
    const value = e.currentTarget.value
    setValues((v) => ({ ...v, [key]: value }))
  }
  const id = (key: string) => `${idPrefix}-${key}`
  /** A bound the date field cannot show as it is: a time from a shared link, applied exactly. */
  const exact = (key: keyof FormValues) => (key === 'from' || key === 'to') && hasBoundNote(values[key])
  const a11y = (key: keyof FormValues) => ({
    id: id(key),
    'aria-invalid': errors[key] ? (true as const) : undefined,
    'aria-describedby': [errors[key] ? id(`${key}-error`) : '', exact(key) ? id(`${key}-exact`) : ''].filter(Boolean).join(' ') || undefined,
  })
  const exactNote = (key: 'from' | 'to') => boundNote(key, values[key], id(`${key}-exact`))
  // The alert region is there before its message, which screen readers then announce as it comes.
  const error = (key: keyof FormValues) => (
    <div role="alert" class="field-error-slot">
      {errors[key] && (
        <p id={id(`${key}-error`)} class="field-error">
          {errors[key]}
        </p>
      )}
    </div>
  )
  const consentId = withConsentId ? filters.consentId : undefined
  const active = Object.values(values).some(Boolean) || Boolean(consentId)

  return (
    <form
      class="log-filters"
      aria-label="Filters"
      noValidate
      onSubmit={(e) => {
        e.preventDefault()
        const applied = { ...values, from: values.from.trim(), to: values.to.trim(), region: normalRegion(values.region) }
        const found = check(applied)
        setErrors(found)
        if (Object.keys(found).length) return
        onApply({ ...filters, ...applied })
      }}
    >
      {consentId && (
        <p>
          Consent ID <code>{consentId}</code>{' '}
          <button type="button" class="link-button" aria-label="Remove the consent ID filter" onClick={() => onApply({ ...filters, consentId: undefined })}>
            Remove
          </button>
        </p>
      )}
      <div class="filters">
        {/* The server takes a date as a whole UTC day, while the log shows times in the reader's own zone. */}
        <div class="field">
          <label for={id('from')}>From (UTC)</label>
          <input type="date" {...a11y('from')} value={dayOf(values.from)} onInput={set('from')} />
          {exactNote('from')}
          {error('from')}
        </div>
        <div class="field">
          <label for={id('to')}>To (UTC)</label>
          <input type="date" {...a11y('to')} value={dayOf(values.to)} onInput={set('to')} />
          {exactNote('to')}
          {error('to')}
        </div>
        <div class="field">
          <label for={id('method')}>Method</label>
          <select {...a11y('method')} value={values.method} onChange={set('method')}>
            <option value="">Any</option>
            {CONSENT_METHODS.map((m) => (
              <option key={m} value={m}>
                {methodLabel(m)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for={id('region')}>Region</label>
          <input {...a11y('region')} value={values.region} placeholder="DE, US-CA" spellcheck={false} onInput={set('region')} />
          {error('region')}
        </div>
        {showRevision && (
          <div class="field">
            <label for={id('revision')}>Revision</label>
            <input {...a11y('revision')} inputMode="numeric" value={values.revision} onInput={set('revision')} />
            {error('revision')}
          </div>
        )}
        <div class="field filter-buttons">
          <button type="submit">Apply filters</button>
          {active && (
            <button
              type="button"
              onClick={() => {
                const cleared = { from: '', to: '', method: '', region: '', revision: '' }
                setValues(cleared)
                setErrors({})
                onApply(withConsentId ? {} : { consentId: filters.consentId })
              }}
            >
              Clear filters
            </button>
          )}
        </div>
      </div>
    </form>
  )
}
