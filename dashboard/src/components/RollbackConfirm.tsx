// Confirming a rollback: what it changes from the live revision, the re-consent rule's verdict on
// that, and the admin's choice about asking visitors again, before anything is sent.
import type { SiteSummary } from '@miniconsent/shared'
import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiRequestError } from '../api'
import { catalogueDiff, revisionCreated, type CatalogueDiff, type RevisionSummary } from '../api-shapes'
import { siteApi, useSession } from '../session'
import { ActionButton } from './actions'
import { DiffTable, DiffVerdict } from './DiffTable'
import { errorText, LoadGate, publishWarningsText, useActionState, useLoad } from './site-page'

export function RollbackConfirm({
  site,
  revision,
  live,
  pending,
  onCancel,
  onDone,
}: {
  site: SiteSummary
  revision: RevisionSummary
  /** The live revision as this page shows it: the admin's choice about asking again is about rolling back from it. */
  live: RevisionSummary
  pending: CatalogueDiff | null
  onCancel: () => void
  onDone: (message: string) => void
}) {
  const { api } = useSession()
  // The server judges a rollback by this same comparison, from the live revision to the one rolled back to.
  const preview = useLoad(
    (signal) =>
      api.request(siteApi(site.id, `/diff?${new URLSearchParams({ from: String(live.number), to: String(revision.number) })}`), catalogueDiff, {
        signal,
      }),
    [site.id, live.number, revision.number],
  )
  // Null until the admin touches the box: it follows the verdict, and only a change of it is an override.
  const [askAgain, setAskAgain] = useState<boolean | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useActionState<string | null>(null)
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => heading.current?.focus(), [])
  const diff = preview.state.status === 'loaded' ? preview.state.data : null
  const asksAgain = diff ? (askAgain ?? diff.needsConsent) : null
  const overridden = diff !== null && asksAgain !== diff.needsConsent
  const canConfirm = diff !== null && diff.changes.length > 0

  async function rollBack() {
    if (!diff || asksAgain === null || busy) return
    setBusy(true)
    setError(null)
    try {
      // The draft as this page shows it: the server refuses if someone saved since, and refuses to
      // discard unpublished changes without it. The live revision likewise: if someone published
      // since, the comparison shown (and any choice about asking again) was about another rollback.
      const body: { revision: number; needsConsent?: boolean; liveRevision: number; draftHash?: string } = {
        revision: revision.number,
        liveRevision: live.number,
      }
      if (overridden) body.needsConsent = asksAgain
      if (pending?.toHash) body.draftHash = pending.toHash
      const { revision: created, warnings } = await api.request(siteApi(site.id, '/rollback'), revisionCreated, { method: 'POST', body })
      onDone(
        `Rolled back: revision ${created.number} has the catalogue of revision ${revision.number}. ` +
          (created.needsConsent ? 'Visitors will be asked for consent again.' : 'Visitors keep their choices.') +
          publishWarningsText(warnings),
      )
    } catch (err) {
      setError(
        err instanceof ApiRequestError && (err.code === 'draft_changed' || err.code === 'unpublished_changes')
          ? 'Not rolled back: the draft was changed by someone else since this page showed it. Reload the page to see what a rollback would discard.'
          : err instanceof ApiRequestError && err.code === 'live_changed'
            ? `Not rolled back: someone published since this page showed revision ${live.number} as live. Reload the page and decide again whether visitors must be asked.`
            : `Not rolled back: ${errorText(err)}`,
        err,
      )
      setBusy(false)
    }
  }

  return (
    <section class="confirm-panel" aria-labelledby="rollback-heading">
      <h3 id="rollback-heading" tabIndex={-1} ref={heading}>
        Roll back to revision {revision.number}?
      </h3>
      <p>
        This publishes a new revision with the catalogue of revision {revision.number} and replaces the draft with it.
        {pending === null
          ? ' Unpublished draft changes are lost.'
          : pending.changes.length > 0 &&
            ` The draft's ${pending.changes.length === 1 ? 'unpublished change' : `${pending.changes.length} unpublished changes`} (listed above) will be discarded.`}
      </p>
      <LoadGate state={preview.state} what={`the changes from the live revision ${live.number} to revision ${revision.number}`} onRetry={preview.reload}>
        {(d) =>
          d.changes.length === 0 ? (
            <p class="empty">
              Revision {revision.number} has the same catalogue as the live revision {live.number}: rolling back would change nothing.
            </p>
          ) : (
            <>
              <p>
                {d.changes.length === 1 ? '1 change' : `${d.changes.length} changes`} from the live revision {live.number}:
              </p>
              <DiffTable diff={d} caption={`Changes from the live revision ${live.number} to revision ${revision.number}`} />
              <DiffVerdict diff={d} when="when you roll back" />
              <div class="check">
                <input type="checkbox" id="rollback-ask" checked={asksAgain ?? false} disabled={busy} onChange={(e) => setAskAgain(e.currentTarget.checked)} />
                <label for="rollback-ask">Ask visitors for consent again</label>
              </div>
              <p>
                {asksAgain ? 'Every visitor will see the banner again and choose anew.' : 'Visitors keep their current choices.'}
                {overridden && ' This overrides the verdict above.'}
              </p>
            </>
          )
        }
      </LoadGate>
      <div role="alert">{error && <p class="form-error">{error}</p>}</div>
      <div class="actions">
        {/* Disabled until there is something to confirm; inactive, not disabled, while it runs, so keyboard focus stays on it. */}
        <ActionButton class="primary" disabled={!canConfirm} inactive={busy} onClick={rollBack}>
          {busy ? 'Rolling back…' : `Roll back to ${revision.number}`}
        </ActionButton>
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </section>
  )
}
