import type { SiteSummary } from '@miniconsent/shared'
import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiRequestError } from '../api'
import { catalogueDiff, revisionCreated, revisionList, type CatalogueDiff, type RevisionSummary } from '../api-shapes'
import { errorText, LoadGate, siteRoute, useLoad, type SitePageProps } from '../components/site-page'
import { formatTime } from '../format'
import { canEdit, siteApi, sitePath, useSession } from '../session'
import { useDocumentTitle } from '../use-document-title'
import { ScrollTable } from '../components/editable-table'

export const PublishRoute = siteRoute('publish', PublishPage)

function PublishPage({ site }: SitePageProps) {
  const { api } = useSession()
  useDocumentTitle(`Publish — ${site.name}`)
  const editable = canEdit(site.role)
  const diff = useLoad((signal) => api.request(siteApi(site.id, '/diff'), catalogueDiff, { signal }), [site.id])
  const revisions = useLoad((signal) => api.request(siteApi(site.id, '/revisions'), revisionList, { signal }), [site.id])
  const [published, setPublished] = useState<string | null>(null)

  function afterChange(message: string) {
    setPublished(message)
    diff.reload()
    revisions.reload()
  }

  return (
    <>
      <h1>Publish — {site.name}</h1>
      <div role="status" class="publish-done">
        {published && <p class="verify-result is-good">{published}</p>}
      </div>
      <section aria-labelledby="pending-heading" class="editor-section">
        <h2 id="pending-heading">Draft compared with the live catalogue</h2>
        <LoadGate state={diff.state} what="the changes" onRetry={diff.reload}>
          {(d) => <PendingChanges site={site} diff={d} editable={editable} onPublished={afterChange} />}
        </LoadGate>
      </section>
      <section aria-labelledby="history-heading" class="editor-section">
        <h2 id="history-heading">Revision history</h2>
        <LoadGate state={revisions.state} what="the revisions" onRetry={revisions.reload}>
          {(r) => (
            <RevisionHistory
              site={site}
              revisions={r.revisions}
              pending={diff.state.status === 'loaded' ? diff.state.data : null}
              editable={editable}
              onRolledBack={afterChange}
            />
          )}
        </LoadGate>
      </section>
    </>
  )
}

function PendingChanges({
  site,
  diff,
  editable,
  onPublished,
}: {
  site: SiteSummary
  diff: CatalogueDiff
  editable: boolean
  onPublished: (message: string) => void
}) {
  const { api } = useSession()
  const [override, setOverride] = useState(false)
  const [note, setNote] = useState('')
  const [step, setStep] = useState<'review' | 'confirm' | 'publishing'>('review')
  const [error, setError] = useState<string | null>(null)
  const confirmHeading = useRef<HTMLHeadingElement>(null)

  if (diff.changes.length === 0) {
    return (
      <p class="empty">
        The draft is the same as the live catalogue{diff.from ? ` (revision ${diff.from})` : ''}: nothing to publish.{' '}
        {editable && <a href={sitePath(site.id, 'catalogue')}>Edit the catalogue</a>}
      </p>
    )
  }

  // The override flips the rule's verdict, so an admin can force a new question or spare visitors one.
  const asksAgain = override ? !diff.needsConsent : diff.needsConsent

  async function publish() {
    setStep('publishing')
    setError(null)
    try {
      // The draft as reviewed here: if another editor saved since, the server refuses (draft_changed).
      const body: { needsConsent?: boolean; note?: string; draftHash?: string } = diff.toHash ? { draftHash: diff.toHash } : {}
      if (override) body.needsConsent = asksAgain
      if (note.trim()) body.note = note.trim()
      const { revision } = await api.request(siteApi(site.id, '/publish'), revisionCreated, { method: 'POST', body })
      onPublished(
        `Published revision ${revision.number}. ` +
          (revision.needsConsent ? 'Visitors will be asked for consent again.' : 'Visitors keep their choices.'),
      )
    } catch (err) {
      setError(
        err instanceof ApiRequestError && err.code === 'nothing_to_publish'
          ? 'Nothing to publish: the draft is already live.'
          : err instanceof ApiRequestError && err.code === 'draft_changed'
            ? 'Not published: the draft was changed by someone else since this page showed it. Reload the page to review the changes again.'
            : `Not published: ${errorText(err)}`,
      )
      setStep('confirm')
    }
  }

  return (
    <>
      <p>
        {diff.changes.length === 1 ? '1 change' : `${diff.changes.length} changes`} since{' '}
        {diff.from ? `revision ${diff.from}` : 'nothing was published'}.
      </p>
      <DiffTable diff={diff} caption="Changes in the draft" />
      <div class={'verify-result ' + (diff.needsConsent ? 'is-bad' : 'is-good')}>
        {diff.needsConsent ? (
          <>
            <strong>Visitors will be asked again</strong> when this is published, because:
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
      {editable && step === 'review' && (
        <div class="publish-form">
          <div class="check">
            <input type="checkbox" id="publish-override" checked={override} onChange={(e) => setOverride(e.currentTarget.checked)} />
            <label for="publish-override">
              {diff.needsConsent ? 'Do not ask visitors again (override)' : 'Ask visitors again anyway (override)'}
            </label>
          </div>
          <div class="field">
            <label for="publish-note">Note for the history (optional)</label>
            <input id="publish-note" maxLength={500} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          </div>
          <button
            type="button"
            class="primary"
            onClick={() => {
              setStep('confirm')
              requestAnimationFrame(() => confirmHeading.current?.focus())
            }}
          >
            Review and publish…
          </button>
        </div>
      )}
      {editable && step !== 'review' && (
        <section class="confirm-panel" aria-labelledby="confirm-publish-heading">
          <h3 id="confirm-publish-heading" tabIndex={-1} ref={confirmHeading}>
            Publish these {diff.changes.length} changes?
          </h3>
          <p>
            The catalogue goes live on {site.name} within minutes.{' '}
            {asksAgain ? 'Every visitor will see the banner again and choose anew.' : 'Visitors keep their current choices.'}
          </p>
          <div role="alert">{error && <p class="form-error">{error}</p>}</div>
          <div class="actions">
            <button type="button" class="primary" onClick={publish} disabled={step === 'publishing'}>
              {step === 'publishing' ? 'Publishing…' : 'Publish now'}
            </button>
            <button type="button" onClick={() => setStep('review')} disabled={step === 'publishing'}>
              Cancel
            </button>
          </div>
        </section>
      )}
    </>
  )
}

function formatValue(value: unknown): string {
  if (value === undefined || value === null) return '—'
  if (typeof value === 'string') return value
  const text = JSON.stringify(value)
  return text.length > 240 ? text.slice(0, 239) + '…' : text
}

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
              <td class="break">{formatValue(c.before)}</td>
              <td class="break">{formatValue(c.after)}</td>
              <td>{c.consentRelevant ? 'Yes' : 'No'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function RevisionHistory({
  site,
  revisions,
  pending,
  editable,
  onRolledBack,
}: {
  site: SiteSummary
  revisions: RevisionSummary[]
  /** The draft compared with the live catalogue, once loaded: what a rollback would discard. */
  pending: CatalogueDiff | null
  editable: boolean
  onRolledBack: (message: string) => void
}) {
  const [rollingBack, setRollingBack] = useState<RevisionSummary | null>(null)
  if (revisions.length === 0) return <p class="empty">Nothing has been published yet.</p>
  const live = revisions[0]
  return (
    <>
      <ScrollTable id="revisions" class="data-table" caption="Published revisions, newest first" columns={['Revision', 'Published', 'By', 'Asked again', 'Note']} actions={editable}>
        {revisions.map((r) => (
          <tr key={r.number}>
            <th scope="row" class="num">
              {r.number}
              {r === live && ' (live)'}
            </th>
            <td>
              <time dateTime={r.publishedAt}>{formatTime(r.publishedAt)}</time>
            </td>
            <td>{r.publishedBy ?? '—'}</td>
            <td>{r.needsConsent ? 'Yes' : 'No'}</td>
            <td>{r.note ?? ''}</td>
            {editable && (
              <td>
                {r !== live && (
                  <button type="button" onClick={() => setRollingBack(r)}>
                    Roll back to {r.number}
                  </button>
                )}
              </td>
            )}
          </tr>
        ))}
      </ScrollTable>
      {rollingBack && (
        <RollbackConfirm
          key={rollingBack.number}
          site={site}
          revision={rollingBack}
          live={live!}
          pending={pending}
          onCancel={() => setRollingBack(null)}
          onDone={(m) => {
            setRollingBack(null)
            onRolledBack(m)
          }}
        />
      )}
      <CompareRevisions site={site} revisions={revisions} />
    </>
  )
}

function RollbackConfirm({
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
  const [askAgain, setAskAgain] = useState(true)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => heading.current?.focus(), [])
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
      <div class="check">
        <input type="checkbox" id="rollback-ask" checked={askAgain} onChange={(e) => setAskAgain(e.currentTarget.checked)} />
        <label for="rollback-ask">Ask visitors for consent again</label>
      </div>
      <div role="alert">{error && <p class="form-error">{error}</p>}</div>
      <div class="actions">
        <button
          type="button"
          class="primary"
          disabled={busy}
          onClick={async () => {
            setBusy(true)
            setError(null)
            try {
              // The draft as this page shows it: the server refuses if someone saved since, and
              // refuses to discard unpublished changes without it. The live revision likewise: if
              // someone published since, the choice about asking again was about another rollback.
              const body: { revision: number; needsConsent: boolean; liveRevision: number; draftHash?: string } = {
                revision: revision.number,
                needsConsent: askAgain,
                liveRevision: live.number,
              }
              if (pending?.toHash) body.draftHash = pending.toHash
              const { revision: created } = await api.request(siteApi(site.id, '/rollback'), revisionCreated, { method: 'POST', body })
              onDone(`Rolled back: revision ${created.number} has the catalogue of revision ${revision.number}.`)
            } catch (err) {
              setError(
                err instanceof ApiRequestError && (err.code === 'draft_changed' || err.code === 'unpublished_changes')
                  ? 'Not rolled back: the draft was changed by someone else since this page showed it. Reload the page to see what a rollback would discard.'
                  : err instanceof ApiRequestError && err.code === 'live_changed'
                    ? `Not rolled back: someone published since this page showed revision ${live.number} as live. Reload the page and decide again whether visitors must be asked.`
                    : `Not rolled back: ${errorText(err)}`,
              )
              setBusy(false)
            }
          }}
        >
          {busy ? 'Rolling back…' : `Roll back to ${revision.number}`}
        </button>
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </section>
  )
}

function CompareRevisions({ site, revisions }: { site: SiteSummary; revisions: RevisionSummary[] }) {
  const { api } = useSession()
  const [from, setFrom] = useState(String(revisions[1]?.number ?? revisions[0]?.number ?? ''))
  const [to, setTo] = useState(String(revisions[0]?.number ?? 'draft'))
  const [result, setResult] = useState<{ diff: CatalogueDiff } | { error: string } | null>(null)
  const [busy, setBusy] = useState(false)
  const options = [{ value: 'draft', label: 'Draft' }, ...revisions.map((r) => ({ value: String(r.number), label: `Revision ${r.number}` }))]

  async function compare(e: SubmitEvent) {
    e.preventDefault()
    setBusy(true)
    try {
      const params = new URLSearchParams({ from, to })
      setResult({ diff: await api.request(siteApi(site.id, `/diff?${params}`), catalogueDiff) })
    } catch (err) {
      setResult({ error: `Could not compare: ${errorText(err)}` })
    } finally {
      setBusy(false)
    }
  }

  return (
    <form class="compare" onSubmit={compare} aria-labelledby="compare-heading">
      <h3 id="compare-heading">Compare two revisions</h3>
      <div class="filters">
        <div class="field">
          <label for="compare-from">From</label>
          <select id="compare-from" value={from} onChange={(e) => setFrom(e.currentTarget.value)}>
            {options.slice(1).map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="compare-to">To</label>
          <select id="compare-to" value={to} onChange={(e) => setTo(e.currentTarget.value)}>
            {options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <button type="submit" disabled={busy}>
            Compare
          </button>
        </div>
      </div>
      <div role="status">
        {busy && 'Comparing…'}
        {!busy && result && 'error' in result && <p class="field-error">{result.error}</p>}
        {!busy && result && 'diff' in result && (
          <>
            <p>
              {result.diff.changes.length === 0
                ? 'No differences.'
                : `${result.diff.changes.length} differences; ${result.diff.needsConsent ? 'visitors would be asked again' : 'no new consent needed'}.`}
            </p>
          </>
        )}
      </div>
      {!busy && result && 'diff' in result && result.diff.changes.length > 0 && (
        <DiffTable diff={result.diff} caption={`Differences from ${from} to ${to}`} />
      )}
    </form>
  )
}
