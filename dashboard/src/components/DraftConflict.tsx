// Shown when a draft save was refused because someone saved the draft meanwhile (409
// draft_conflict): their changes and mine since the draft was opened, a choice per field both
// changed, and three ways on — merge, keep theirs, or overwrite with mine.
import { catalogue as catalogueSchema, type Catalogue } from '@miniconsent/shared'
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { ApiRequestError, type ApiClient } from '../api'
import { catalogueState, type CatalogueState } from '../api-shapes'
import { draftChanges, mergeDrafts, type DraftChange, type Side } from '../draft-merge'
import { formatTime } from '../format'
import { siteApi } from '../session'

/** For a save refused as `draft_conflict`, the state with the draft saved meanwhile; else null. */
export async function draftSavedMeanwhile(api: ApiClient, siteId: string, err: unknown): Promise<CatalogueState | null> {
  if (!(err instanceof ApiRequestError && err.code === 'draft_conflict')) return null
  return api.request(siteApi(siteId, '/catalogue'), catalogueState).catch(() => null)
}

export const CONFLICT_MESSAGE = 'The draft was not saved: someone saved it meanwhile (or you did in another tab). Your changes are still here; compare them with theirs below.'

const show = (v: unknown): string => {
  if (v === undefined) return '(none)'
  const text = typeof v === 'string' ? `“${v}”` : JSON.stringify(v)
  return text.length > 120 ? text.slice(0, 119) + '…' : text
}

function ChangeList({ changes, empty }: { changes: DraftChange[]; empty: string }) {
  if (!changes.length) return <p class="empty">{empty}</p>
  return (
    <ul class="change-list">
      {changes.map((c) => (
        <li key={c.path}>
          <code>{c.path}</code>:{' '}
          {c.before === undefined ? `added ${show(c.after)}` : c.after === undefined ? `removed (was ${show(c.before)})` : `${show(c.before)} → ${show(c.after)}`}
        </li>
      ))}
    </ul>
  )
}

export type Settle = 'merge' | 'theirs' | 'overwrite'

/**
 * The conflict panel while `theirs` is set, and the announced note of how the last one was settled.
 * `onSettle` gets the merged draft with 'merge'.
 */
export function DraftConflict({
  theirs,
  note,
  ...props
}: {
  /** The draft as this editor loaded it. */
  base: Catalogue
  /** The edited draft. */
  mine: Catalogue
  /** The state with the draft saved meanwhile, or null when there is no conflict. */
  theirs: CatalogueState | null
  note: string
  onSettle: (how: Settle, merged?: Catalogue) => void
}) {
  return (
    <>
      {theirs && <ConflictPanel {...props} theirs={theirs} />}
      <p role="status" class="merge-note">
        {note}
      </p>
    </>
  )
}

function ConflictPanel({
  base,
  mine,
  theirs,
  onSettle,
}: {
  base: Catalogue
  mine: Catalogue
  theirs: CatalogueState
  onSettle: (how: Settle, merged?: Catalogue) => void
}) {
  const [resolve, setResolve] = useState<Record<string, Side>>({})
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => heading.current?.focus(), [])
  const theirChanges = useMemo(() => draftChanges(base, theirs.draft), [base, theirs])
  const myChanges = useMemo(() => draftChanges(base, mine), [base, mine])
  const { merged, conflicts } = useMemo(() => mergeDrafts(base, mine, theirs.draft, resolve), [base, mine, theirs, resolve])
  const problems = useMemo(() => catalogueSchema.safeParse(merged).error?.issues.length ?? 0, [merged])

  return (
    <section class="draft-conflict" aria-labelledby="draft-conflict-heading">
      <h2 id="draft-conflict-heading" tabIndex={-1} ref={heading}>
        {theirs.draftUpdatedBy ?? 'Someone'} saved the draft at {formatTime(theirs.draftUpdatedAt)}, after you opened it
      </h2>
      <p>Your changes are still here and nothing was overwritten. Compare both, then choose how to go on.</p>
      <div class="conflict-columns">
        <section aria-labelledby="their-changes-heading">
          <h3 id="their-changes-heading">Their changes</h3>
          <ChangeList changes={theirChanges} empty="None: they saved the same draft." />
        </section>
        <section aria-labelledby="my-changes-heading">
          <h3 id="my-changes-heading">Your changes</h3>
          <ChangeList changes={myChanges} empty="None." />
        </section>
      </div>
      {conflicts.length > 0 && (
        <div class="conflict-choices">
          <h3>Changed on both sides: which to keep when merging</h3>
          {conflicts.map((c, i) => (
            <fieldset key={c.path} class="plain conflict-choice">
              <legend>
                <code>{c.path}</code>
              </legend>
              {(['mine', 'theirs'] as const).map((side) => (
                <label key={side} class="radio">
                  <input
                    type="radio"
                    name={`conflict-${i}`}
                    checked={(resolve[c.path] ?? 'mine') === side}
                    onChange={() => setResolve((r) => ({ ...r, [c.path]: side }))}
                  />
                  {side === 'mine' ? 'Mine' : 'Theirs'}: {show(c[side])}
                </label>
              ))}
            </fieldset>
          ))}
        </div>
      )}
      {problems > 0 && (
        <p class="field-error">
          Merged, the draft has {problems === 1 ? 'one problem' : `${problems} problems`} (one side uses something the other
          removed); the editor lists them to fix before saving.
        </p>
      )}
      <div class="row-actions">
        <button type="button" class="primary" onClick={() => onSettle('merge', merged)}>
          Merge into the editor
        </button>
        <button type="button" onClick={() => onSettle('theirs')}>
          Keep theirs, discard mine
        </button>
        <button type="button" class="danger" onClick={() => onSettle('overwrite')}>
          Overwrite with mine
        </button>
      </div>
    </section>
  )
}
