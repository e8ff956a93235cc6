// The changes between two catalogues as a table, and the re-consent rule's verdict on them: the
// publish page shows them for a publish, a rollback and a comparison of two revisions.
import type { CatalogueDiff } from '../api-shapes'

const KIND_LABELS = { added: 'Added', removed: 'Removed', changed: 'Changed' } as const

export function DiffTable({ diff, caption }: { diff: CatalogueDiff; caption: string }) {
  return (
    <div class="table-scroll" role="region" aria-label={caption} tabIndex={0}>
      <table class="data-table diff-table">
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Change</th>
            <th scope="col">What</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
            <th scope="col">Asks again?</th>
          </tr>
        </thead>
        <tbody>
          {diff.changes.map((c, i) => (
            <tr key={i} class={`change-${c.kind}`}>
              <td>{KIND_LABELS[c.kind]}</td>
              <th scope="row" class="mono break">
                {c.path}
              </th>
              <td class="break diff-cell">
                <DiffValue value={c.before} />
              </td>
              <td class="break diff-cell">
                <DiffValue value={c.after} />
              </td>
              <td>{c.consentRelevant ? 'Yes' : 'No'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

const isScalar = (v: unknown) => v === null || typeof v !== 'object'

/**
 * One side of a change. An added or removed service or cookie is a whole object: its fields are
 * listed one by one (a purpose's languages nested under it), never cut short, since the admin
 * decides on all of it.
 */
export function DiffValue({ value }: { value: unknown }) {
  if (value === undefined || value === null) return <>—</>
  if (typeof value === 'string') return <>{value}</>
  if (isScalar(value)) return <>{JSON.stringify(value)}</>
  if (Array.isArray(value)) {
    if (value.length === 0) return <>—</>
    // Consent Mode types and the like read best on one line.
    if (value.every(isScalar)) return <>{value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}</>
    return (
      <ol class="diff-list">
        {value.map((v, i) => (
          <li key={i}>
            <DiffValue value={v} />
          </li>
        ))}
      </ol>
    )
  }
  const fields = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
  if (fields.length === 0) return <>—</>
  return (
    <dl class="diff-value">
      {fields.map(([field, v]) => (
        <div key={field}>
          <dt>{field}</dt>
          <dd>
            <DiffValue value={v} />
          </dd>
        </div>
      ))}
    </dl>
  )
}

/** The rule's verdict and its reasons; `when` completes "Visitors will be asked again …". */
export function DiffVerdict({ diff, when }: { diff: CatalogueDiff; when: string }) {
  return (
    <div class={'verify-result ' + (diff.needsConsent ? 'is-bad' : 'is-good')}>
      {diff.needsConsent ? (
        <>
          <strong>Visitors will be asked again</strong> {when}, because:
          <ul>
            {diff.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </>
      ) : (
        <strong>Visitors keep their choices: none of these changes needs new consent.</strong>
      )}
    </div>
  )
}
