import { consentCookieMismatch, type SiteSummary } from '@miniconsent/shared'
import { useRef, useState } from 'preact/hooks'
import { ApiRequestError } from '../api'
import { catalogueDiff, catalogueState, revisionCreated, revisionList, type CatalogueDiff, type RevisionSummary } from '../api-shapes'
import { errorText, LoadGate, publishWarningsText, siteRoute, useActionState, useLoad, type SitePageProps } from '../components/site-page'
import { formatTime } from '../format'
import { canEdit, siteApi, sitePath, useSession } from '../session'
import { useDocumentTitle } from '../use-document-title'
import { DiffTable, DiffVerdict } from '../components/DiffTable'
import { ScrollTable } from '../components/editable-table'
import { ActionButton, OutcomeStatus, type Outcome } from '../components/actions'
import { RollbackConfirm } from '../components/RollbackConfirm'
import { ConsentCookieWarning, FixInEditor } from '../components/ConsentCookieCheck'
import { RoleLoweredNotice, useRoleLowered } from '../components/EditsNotKept'

export const PublishRoute = siteRoute('publish', PublishPage)

function PublishPage({ site }: SitePageProps) {
  const { api } = useSession()
  useDocumentTitle(`Publish — ${site.name}`)
  const editable = canEdit(site.role)
  const diff = useLoad((signal) => api.request(siteApi(site.id, '/diff'), catalogueDiff, { signal }), [site.id])
  const revisions = useLoad((signal) => api.request(siteApi(site.id, '/revisions'), revisionList, { signal }), [site.id])
  // The saved draft and the settings, for the consent cookie's declaration: what a publish puts live.
  const saved = useLoad((signal) => api.request(siteApi(site.id, '/catalogue'), catalogueState, { signal }), [site.id])
  const [published, setPublished] = useState<Outcome | null>(null)

  function afterChange(message: string) {
    // The confirmation panel whose button made the change goes: focus moves to the sentence.
    setPublished({ text: message, focus: true, tone: 'verify-result is-good' })
    diff.reload()
    revisions.reload()
    // A rollback replaces the draft.
    saved.reload()
  }

  return (
    <>
      <h1>Publish — {site.name}</h1>
      <OutcomeStatus outcome={published} class="publish-done" />
      <section aria-labelledby="pending-heading" class="editor-section">
        <h2 id="pending-heading">Draft compared with the live catalogue</h2>
        <ConsentCookieWarning
          mismatch={saved.state.status === 'loaded' ? consentCookieMismatch(saved.state.data.settings, saved.state.data.draft) : null}
          action={() => <FixInEditor siteId={site.id} editable={editable} />}
        />
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
  const [error, setError] = useActionState<string | null>(null)
  const confirmHeading = useRef<HTMLHeadingElement>(null)
  // An editor lowered meanwhile: the server refused the publish (403), the roles were reloaded, and
  // the panel goes, with the refusal it showed ("no access to site", which is not why).
  const [notice] = useRoleLowered(editable, step !== 'review', () => {
    setStep('review')
    setError(null)
    return 'Not published: your role on this site no longer lets you publish its catalogue.'
  })

  if (diff.changes.length === 0) {
    return (
      <>
        <p class="empty">
          The draft is the same as the live catalogue{diff.from ? ` (revision ${diff.from})` : ''}: nothing to publish.{' '}
          {editable && <a href={sitePath(site.id, 'catalogue')}>Edit the catalogue</a>}
        </p>
        <RoleLoweredNotice text={notice} />
      </>
    )
  }

  // The override flips the rule's verdict, so an admin can force a new question or spare visitors one.
  const asksAgain = override ? !diff.needsConsent : diff.needsConsent

  async function publish() {
    setStep('publishing')
    setError(null)
    try {
      // The draft as reviewed here, and the live revision it was compared with: if another editor
      // saved (draft_changed) or published (live_changed) since, the server refuses; the same draft
      // over another live revision can add what the verdict shown here did not see.
      const body: { needsConsent?: boolean; note?: string; draftHash?: string; liveRevision: number | null } = { liveRevision: diff.from }
      if (diff.toHash) body.draftHash = diff.toHash
      if (override) body.needsConsent = asksAgain
      if (note.trim()) body.note = note.trim()
      const { revision, warnings } = await api.request(siteApi(site.id, '/publish'), revisionCreated, { method: 'POST', body })
      onPublished(
        `Published revision ${revision.number}. ` +
          (revision.needsConsent ? 'Visitors will be asked for consent again.' : 'Visitors keep their choices.') +
          publishWarningsText(warnings),
      )
    } catch (err) {
      setError(
        err instanceof ApiRequestError && err.code === 'nothing_to_publish'
          ? 'Nothing to publish: the draft is already live.'
          : err instanceof ApiRequestError && err.code === 'draft_changed'
            ? 'Not published: the draft was changed by someone else since this page showed it. Reload the page to review the changes again.'
            : err instanceof ApiRequestError && err.code === 'live_changed'
              ? `Not published: someone published since this page compared the draft with ${diff.from ? `revision ${diff.from}` : 'nothing published'}. Reload the page to review the changes again.`
              : `Not published: ${errorText(err)}`,
        err,
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
      <DiffVerdict diff={diff} when="when this is published" />
      <RoleLoweredNotice text={notice} />
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
            {diff.changes.length === 1 ? 'Publish this change?' : `Publish these ${diff.changes.length} changes?`}
          </h3>
          <p>
            The catalogue goes live on {site.name} within minutes.{' '}
            {asksAgain ? 'Every visitor will see the banner again and choose anew.' : 'Visitors keep their current choices.'}
          </p>
          <div role="alert">{error && <p class="form-error">{error}</p>}</div>
          <div class="actions">
            <ActionButton class="primary" onClick={publish} inactive={step === 'publishing'}>
              {step === 'publishing' ? 'Publishing…' : 'Publish now'}
            </ActionButton>
            <button type="button" onClick={() => setStep('review')} disabled={step === 'publishing'}>
              Cancel
            </button>
          </div>
        </section>
      )}
    </>
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
  // An editor lowered meanwhile (a refused rollback reloaded the roles): the confirmation closes,
  // rather than stay with a button the role no longer allows and a refusal that does not say why.
  const [notice] = useRoleLowered(editable, rollingBack !== null, () => {
    setRollingBack(null)
    return 'Not rolled back: your role on this site no longer lets you roll back its catalogue.'
  })
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
      <RoleLoweredNotice text={notice} />
      {editable && rollingBack && (
        <RollbackConfirm
          // A choice about asking again is about one live revision: a publish meanwhile starts the confirmation afresh.
          key={`${rollingBack.number}-${live!.number}`}
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
      {/* Another live revision starts the comparison afresh: the old choices and answer are about older revisions. */}
      <CompareRevisions key={live!.number} site={site} revisions={revisions} />
    </>
  )
}

function CompareRevisions({ site, revisions }: { site: SiteSummary; revisions: RevisionSummary[] }) {
  const { api } = useSession()
  const [from, setFrom] = useState(String(revisions[1]?.number ?? revisions[0]?.number ?? ''))
  // The newest two; with one revision, that one against the draft (not the revision with itself).
  const [to, setTo] = useState(revisions.length > 1 ? String(revisions[0]!.number) : 'draft')
  const [result, setResult] = useActionState<{ diff: CatalogueDiff } | { error: string } | null>(null)
  const [busy, setBusy] = useState(false)
  const options = [{ value: 'draft', label: 'Draft' }, ...revisions.map((r) => ({ value: String(r.number), label: `Revision ${r.number}` }))]

  async function compare(e: SubmitEvent) {
    e.preventDefault()
    setBusy(true)
    try {
      const params = new URLSearchParams({ from, to })
      setResult({ diff: await api.request(siteApi(site.id, `/diff?${params}`), catalogueDiff) })
    } catch (err) {
      setResult({ error: `Could not compare: ${errorText(err)}` }, err)
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
                : `${result.diff.changes.length === 1 ? '1 difference' : `${result.diff.changes.length} differences`}; ${result.diff.needsConsent ? 'visitors would be asked again' : 'no new consent needed'}.`}
            </p>
          </>
        )}
      </div>
      {!busy && result && 'diff' in result && result.diff.changes.length > 0 && (
        <DiffTable diff={result.diff} caption={`Differences from revision ${result.diff.from ?? from} to ${result.diff.to === 'draft' ? 'the draft' : `revision ${result.diff.to}`}`} />
      )}
    </form>
  )
}
