import { CONSENT_METHODS, urlNumber } from '@miniconsent/shared'
import { useState } from 'preact/hooks'
import { FILTER_KEYS, filterParams, type LogFilters } from '../api'
import { methodLabel } from '../format'

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
  if (v.from && v.to && v.from > v.to) errors.to = 'The end date is before the start date.'
  return errors
}

/** Date range, method, region and revision; `consentId` is kept as it is, searched on its own. */
export function LogFiltersForm({
  filters,
  onApply,
  idPrefix,
  showRevision = true,
}: {
  filters: LogFilters
  onApply: (filters: LogFilters) => void
  idPrefix: string
  showRevision?: boolean
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
    const value = key === 'region' ? e.currentTarget.value.trim() : e.currentTarget.value
    setValues((v) => ({ ...v, [key]: key === 'region' && value !== 'unknown' ? value.toUpperCase() : value }))
  }
  const id = (key: string) => `${idPrefix}-${key}`
  const a11y = (key: keyof FormValues) => ({
    id: id(key),
    'aria-invalid': errors[key] ? (true as const) : undefined,
    'aria-describedby': errors[key] ? id(`${key}-error`) : undefined,
  })
  const error = (key: keyof FormValues) =>
    errors[key] && (
      <p id={id(`${key}-error`)} class="field-error">
        {errors[key]}
      </p>
    )
  const active = Object.values(values).some(Boolean)

  return (
    <form
      class="log-filters"
      aria-label="Filters"
      noValidate
      onSubmit={(e) => {
        e.preventDefault()
        const found = check(values)
        setErrors(found)
        if (Object.keys(found).length) return
        onApply({ ...filters, ...values })
      }}
    >
      <div class="filters">
        {/* The server takes a date as a whole UTC day, while the log shows times in the reader's own zone. */}
        <div class="field">
          <label for={id('from')}>From (UTC)</label>
          <input type="date" {...a11y('from')} value={values.from} onInput={set('from')} />
          {error('from')}
        </div>
        <div class="field">
          <label for={id('to')}>To (UTC)</label>
          <input type="date" {...a11y('to')} value={values.to} onInput={set('to')} />
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
                onApply({ consentId: filters.consentId })
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
