import type { SiteSummary, SubjectErasure } from '@miniconsent/shared'
import { useEffect, useRef, useState } from 'preact/hooks'
import { fileNameOf } from '../api'
import { saveFile } from '../download'
import { subjectData, subjectErasure, type SubjectData } from '../api-shapes'
import { formatTime } from '../format'
import { siteApi, useSession } from '../session'
import { ActionButton, OutcomeStatus, type Outcome } from './actions'
import { ScrollTable } from './editable-table'
import { RoleLoweredNotice, useRoleLowered } from './EditsNotKept'
import { errorText, useActionState } from './site-page'
import { TypedConfirm } from './TypedConfirm'

type Tone = 'ok' | 'note' | 'error'

const TONE_CLASS: Record<Tone, string> = { ok: 'ok-text', note: '', error: 'field-error' }

/** What an action came to; `focus`: its control is gone (the erasure's panel), so focus moves to the sentence. */
const outcome = (tone: Tone, text: string, focus = false): Outcome => ({ tone: TONE_CLASS[tone], text, focus })

/** The heading of the request for one consentId: the look-up by user ID, whose list goes as one of its consent IDs opens, moves focus to it. */
export const SUBJECT_HEADING_ID = 'subject-heading'

/**
 * Data-subject requests for one consentId (GDPR Art. 15 and 17): download everything stored under
 * it, or erase it. Erasing blanks the personal fields but keeps the hashes, so the chain still verifies.
 */
export function SubjectActions({
  site,
  consentId,
  onErased,
  onLoaded,
}: {
  site: SiteSummary
  consentId: string
  onErased: (erasure: SubjectErasure) => void
  /** What is stored under the consentId, once loaded (again after an erasure). */
  onLoaded?: (data: SubjectData) => void
}) {
  const { api, renewals } = useSession()
  const [step, setStep] = useState<'idle' | 'confirm' | 'erasing'>('idle')
  const [exporting, setExporting] = useState(false)
  const [result, setResult] = useActionState<Outcome | null>(null)
  const urls = useRef<string[]>([])
  useEffect(() => () => urls.current.forEach((u) => URL.revokeObjectURL(u)), [])
  const path = siteApi(site.id, `/subjects/${encodeURIComponent(consentId)}`)
  // An owner lowered meanwhile: the server refused the erasure (403), the roles were reloaded, and
  // the question goes, with the refusal it showed ("no access to site", which is not why).
  const [notice] = useRoleLowered(site.role === 'owner', step !== 'idle', () => {
    setStep('idle')
    setResult(null)
    return 'Not erased: your role on this site no longer lets you erase visitors’ records.'
  })

  // What else is stored under the consentId: the log lists its consent records, not these.
  const [linked, setLinked] = useState<Linked>(null)
  const [linkedLoads, setLinkedLoads] = useState(0)
  useEffect(() => {
    const controller = new AbortController()
    api.request(path, subjectData, { signal: controller.signal }).then(
      (data) => {
        setLinked({ data })
        onLoaded?.(data)
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setLinked({ error: errorText(err) })
      },
    )
    return () => controller.abort()
    // Signed in again over the page (renewals): a look-up refused meanwhile is made again.
  }, [api, path, linkedLoads, renewals])

  // Nothing stored under the ID (erased, or never): no erasure to offer.
  const nothingLeft = !!linked && 'data' in linked && linked.data.records.length + linked.data.identities.length + linked.data.documents.length === 0

  // Through the API client rather than a plain link: a link saves whatever answers, the error of
  // an ended session too, as the visitor's file, and says nothing when there is nothing to save.
  async function download() {
    if (exporting) return
    setExporting(true)
    setResult(null)
    try {
      const res = await api.stream(`${path}/export`)
      const text = await res.text()
      if (!text) {
        setResult(outcome('note', 'No records for this consent ID: nothing to export.'))
        return
      }
      const name = fileNameOf(res, `consent-${consentId}.ndjson`)
      const url = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }))
      urls.current.push(url)
      saveFile(url, name)
      setResult(outcome('ok', `Exported ${storedSentence(countLines(text))} of consent ID ${consentId} as ${name}.`))
    } catch (err) {
      setResult(outcome('error', `Not exported: ${errorText(err)}`), err)
    } finally {
      setExporting(false)
    }
  }

  async function erase() {
    if (step === 'erasing') return
    setStep('erasing')
    try {
      const erasure = await api.request(path, subjectErasure, { method: 'DELETE' })
      // The confirmation panel, and the button pressed in it, go: focus moves to the sentence.
      setResult(outcome('ok', erasedSentence(erasure, consentId), true))
      setStep('idle')
      setLinkedLoads((n) => n + 1)
      onErased(erasure)
    } catch (err) {
      setResult(outcome('error', `Not erased: ${errorText(err)}`), err)
      setStep('confirm')
    }
  }

  return (
    <section class="subject-actions" aria-labelledby={SUBJECT_HEADING_ID}>
      <h2 id={SUBJECT_HEADING_ID} class="small-heading" tabIndex={-1}>
        Data-subject request for <code>{consentId}</code>
      </h2>
      <div class="actions">
        {/* Inactive rather than disabled while it runs: keyboard focus stays on it (ActionButton). */}
        <ActionButton onClick={() => void download()} inactive={exporting}>
          {exporting ? 'Exporting…' : 'Export this visitor’s records'}
        </ActionButton>
        {site.role === 'owner' && step === 'idle' && !nothingLeft && (
          <button type="button" class="danger" onClick={() => (setStep('confirm'), setResult(null))}>
            Erase this visitor’s records…
          </button>
        )}
      </div>
      {step !== 'idle' && (
        <TypedConfirm
          id="erase-confirm"
          title={<>Erase all records of {consentId}?</>}
          label="Consent ID"
          expected={consentId}
          busy={step === 'erasing'}
          action="Erase for good"
          busyAction="Erasing…"
          onConfirm={erase}
          onCancel={() => setStep('idle')}
        >
          <p>
            The consent ID, IP address, user agent and page URL of every record are blanked for good, and the
            visitor’s links to user IDs and accepted documents are deleted. This cannot be undone. Type the consent ID
            to confirm.
          </p>
        </TypedConfirm>
      )}
      <OutcomeStatus outcome={result} />
      <RoleLoweredNotice text={notice} />
      <LinkedData linked={linked} />
    </section>
  )
}

/** The visitor's identities and accepted documents as loaded, why they could not be, or null while they load. */
type Linked = { data: Pick<SubjectData, 'records' | 'identities' | 'documents'> } | { error: string } | null

/** The visitor's links to the site's user IDs (identify) and the legal documents they accepted. */
function LinkedData({ linked }: { linked: Linked }) {
  if (linked === null) return <p class="muted">Looking for user IDs and accepted documents linked to this consent ID…</p>
  if ('error' in linked) return <p class="field-error">The user IDs and accepted documents linked to this consent ID could not be loaded: {linked.error}</p>
  const { identities, documents } = linked.data
  if (identities.length === 0 && documents.length === 0) return <p class="muted">No user ID or accepted document is linked to this consent ID.</p>
  return (
    <>
      {identities.length > 0 && (
        <ScrollTable id="subject-identities" class="data-table" caption="Linked to user IDs of the site" columns={['User ID', 'Linked']} actions={false}>
          {identities.map((i) => (
            <tr key={i.recordId}>
              <td>
                <code>{i.userId}</code>
              </td>
              <td>{formatTime(i.serverTime)}</td>
            </tr>
          ))}
        </ScrollTable>
      )}
      {documents.length > 0 && (
        <ScrollTable id="subject-documents" class="data-table" caption="Legal documents accepted" columns={['Document', 'Version', 'User ID', 'Accepted']} actions={false}>
          {documents.map((d) => (
            <tr key={d.recordId}>
              <td>{d.documentType}</td>
              <td>{d.documentVersion}</td>
              <td>{d.userId === null ? '—' : <code>{d.userId}</code>}</td>
              <td>{formatTime(d.serverTime)}</td>
            </tr>
          ))}
        </ScrollTable>
      )}
    </>
  )
}

/**
 * Consent records, links to user IDs and accepted documents, in words: `3 records`, `1 link to a
 * user ID and 1 accepted document`, `0 records`. Each named when there are some, the records when
 * nothing else is.
 */
function storedSentence({ erased, identities, documents }: SubjectErasure): string {
  const parts = [
    erased > 0 || identities + documents === 0 ? `${erased} ${erased === 1 ? 'record' : 'records'}` : '',
    identities > 0 ? `${identities} ${identities === 1 ? 'link to a user ID' : 'links to user IDs'}` : '',
    documents > 0 ? `${documents} ${documents === 1 ? 'accepted document' : 'accepted documents'}` : '',
  ].filter(Boolean)
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts[0]!
}

/** What an erasure did: its records blanked, and the identities and accepted documents it deleted. */
function erasedSentence(erasure: SubjectErasure, consentId: string): string {
  return `Erased ${storedSentence(erasure)} of consent ID ${consentId}.${erasure.erased > 0 ? ' Their hashes stay, so the chain still verifies.' : ''}${refusedSentence(erasure)}`
}

/** The records the server left as they are because they fail verification, which it will not sign as erased. */
function refusedSentence({ refused = [] }: SubjectErasure): string {
  if (refused.length === 0) return ''
  const seqs = refused.map((r) => r.seq).join(', ')
  return ` Not erased: ${refused.length === 1 ? `record ${seqs}, which fails` : `records ${seqs}, which fail`} verification (edited in the database); verifying the chain reports ${refused.length === 1 ? 'it' : 'them'}.`
}

/** The file's lines by kind: consent records, links to user IDs, accepted documents. */
function countLines(ndjson: string): SubjectErasure {
  const counts = { erased: 0, identities: 0, documents: 0 }
  const key: Record<string, keyof typeof counts> = { consentRecord: 'erased', identity: 'identities', documentAcceptance: 'documents' }
  for (const line of ndjson.split('\n')) {
    if (!line) continue
    try {
      const kind = key[String((JSON.parse(line) as { type?: unknown }).type)]
      if (kind) counts[kind]++
    } catch {
      // A line the dashboard cannot read is still in the file; only the count leaves it out.
    }
  }
  return counts
}
