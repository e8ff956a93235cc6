import type { SiteSummary } from '@miniconsent/shared'
import { useEffect, useRef, useState } from 'preact/hooks'
import { subjectErasure } from '../api-shapes'
import { siteApi, useSession } from '../session'
import { errorText } from './site-page'

/**
 * Data-subject requests for one consentId (GDPR Art. 15 and 17): download everything stored under
 * it, or erase it. Erasing blanks the personal fields but keeps the hashes, so the chain still verifies.
 */
export function SubjectActions({ site, consentId, onErased }: { site: SiteSummary; consentId: string; onErased: () => void }) {
  const { api } = useSession()
  const [step, setStep] = useState<'idle' | 'confirm' | 'erasing'>('idle')
  const [typed, setTyped] = useState('')
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null)
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    if (step === 'confirm') heading.current?.focus()
  }, [step])
  const path = siteApi(site.id, `/subjects/${encodeURIComponent(consentId)}`)

  async function erase() {
    setStep('erasing')
    try {
      const { erased } = await api.request(path, subjectErasure, { method: 'DELETE' })
      setResult({ ok: true, text: `Erased ${erased} ${erased === 1 ? 'record' : 'records'} of consent ID ${consentId}. Their hashes stay, so the chain still verifies.` })
      setStep('idle')
      onErased()
    } catch (err) {
      setResult({ ok: false, text: `Not erased: ${errorText(err)}` })
      setStep('confirm')
    }
  }

  return (
    <section class="subject-actions" aria-labelledby="subject-heading">
      <h2 id="subject-heading" class="small-heading">
        Data-subject request for <code>{consentId}</code>
      </h2>
      <div class="actions">
        <a class="button-link" href={`/api/admin${path}/export`} download={`consent-${consentId}.ndjson`}>
          Export this visitor’s records
        </a>
        {site.role === 'owner' && step === 'idle' && (
          <button type="button" class="danger" onClick={() => (setStep('confirm'), setResult(null), setTyped(''))}>
            Erase this visitor’s records…
          </button>
        )}
      </div>
      {step !== 'idle' && (
        <div class="confirm-panel">
          <h3 id="erase-heading" tabIndex={-1} ref={heading}>
            Erase all records of {consentId}?
          </h3>
          <p>
            The consent ID, IP address, user agent and page URL of every record are blanked for good. This cannot be
            undone. Type the consent ID to confirm.
          </p>
          <div class="field">
            <label for="erase-confirm">Consent ID</label>
            <input id="erase-confirm" value={typed} spellcheck={false} autoComplete="off" onInput={(e) => setTyped(e.currentTarget.value)} />
          </div>
          <div class="actions">
            <button type="button" class="danger" disabled={typed !== consentId || step === 'erasing'} onClick={erase}>
              {step === 'erasing' ? 'Erasing…' : 'Erase for good'}
            </button>
            <button type="button" onClick={() => setStep('idle')} disabled={step === 'erasing'}>
              Cancel
            </button>
          </div>
        </div>
      )}
      <div role="status">{result && <p class={result.ok ? 'ok-text' : 'field-error'}>{result.text}</p>}</div>
    </section>
  )
}
