import type { ConsentRecord } from '@miniconsent/shared'
import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import { ERASED_CONSENT_ID, formatTime, methodLabel, regionLabel, splitChoices } from '../format'
import { consentLogPath } from '../session'

interface Props {
  record: ConsentRecord
  onClose: () => void
}

export const RECORD_DETAIL_ID = 'record-detail'

/** Everything stored for one consent record: what an auditor quotes as evidence. */
export function RecordDetail({ record, onClose }: Props) {
  const heading = useRef<HTMLHeadingElement>(null)
  // Opening a record from the table moves focus here, so a keyboard user lands on what they asked for.
  useEffect(() => heading.current?.focus(), [record.recordId])

  return (
    <section
      id={RECORD_DETAIL_ID}
      class="record-detail"
      aria-labelledby="record-detail-heading"
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose()
      }}
    >
      <div class="panel-head">
        <h2 id="record-detail-heading" tabIndex={-1} ref={heading}>
          Record #{record.seq}
        </h2>
        <button type="button" onClick={onClose}>
          Close<span class="visually-hidden"> record details</span>
        </button>
      </div>

      {record.erasedAt && (
        <p class="notice">
          Erased on request on <time dateTime={record.erasedAt}>{formatTime(record.erasedAt)}</time>: the consent ID, IP
          address, user agent and URL were blanked; the hashes stay so the chain still verifies.
        </p>
      )}

      {record.unreadable && (
        <p class="notice" role="alert">
          The stored {record.unreadable.join(' and ')} of this record cannot be read: the row was changed outside MiniConsent. Run a
          verification of the log to see where it breaks.
        </p>
      )}

      <h3>Choices</h3>
      <div class="choice-groups">
        <ChoiceGroup title="Categories" choices={record.categories} />
        <ChoiceGroup title="Services" choices={record.services} />
      </div>

      <h3>Decision</h3>
      <dl class="facts">
        <Fact term="Method">{methodLabel(record.method)}</Fact>
        <Fact term="Revision">{record.revision}</Fact>
        <Fact term="Text hash">
          {record.textsHash ? <code>{record.textsHash}</code> : 'None: no text was shown (GPC signal or API call)'}
        </Fact>
        <Fact term="Language">{record.language}</Fact>
        <Fact term="Region">{regionLabel(record)}</Fact>
        <Fact term="Global Privacy Control">{record.gpc ? 'Signal present, honoured' : 'No signal'}</Fact>
      </dl>

      <h3>Visitor</h3>
      <dl class="facts">
        <Fact term="IP address (truncated)">{record.ip ?? 'Not stored'}</Fact>
        <Fact term="User agent">{record.userAgent ?? 'Not stored'}</Fact>
        <Fact term="Page URL">
          {/* Shown as text, not a link: the URL came from a visitor's browser. */}
          <span class="break">{record.url}</span>
        </Fact>
      </dl>

      <h3>Chain position</h3>
      <dl class="facts">
        <Fact term="Position (seq)">{record.seq}</Fact>
        <Fact term="Previous hash">
          <code>{record.prevHash}</code>
        </Fact>
        <Fact term="Hash">
          <code>{record.hash}</code>
        </Fact>
      </dl>

      <h3>Identifiers and times</h3>
      <dl class="facts">
        <Fact term="Record ID">
          <code>{record.recordId}</code>
        </Fact>
        <Fact term="Consent ID">
          {/* An erased record keeps the placeholder "erased" where its ID was: no visitor's ID, and no visitor's records to list. */}
          {record.erasedAt ? (
            ERASED_CONSENT_ID
          ) : (
            <>
              <code>{record.consentId}</code>{' '}
              <a href={`${consentLogPath(record.siteId)}?consentId=${encodeURIComponent(record.consentId)}`}>
                All records of this visitor
              </a>
            </>
          )}
        </Fact>
        <Fact term="Client time">
          <time dateTime={record.clientTime}>{formatTime(record.clientTime)}</time>{' '}
          <span class="muted">({record.clientTime})</span>
        </Fact>
        <Fact term="Server time">
          <time dateTime={record.serverTime}>{formatTime(record.serverTime)}</time>{' '}
          <span class="muted">({record.serverTime})</span>
        </Fact>
      </dl>
    </section>
  )
}

function ChoiceGroup({ title, choices }: { title: string; choices: Record<string, boolean> }) {
  const { granted, denied } = splitChoices(choices)
  return (
    <section class="choice-group" aria-label={title}>
      <h4>{title}</h4>
      {granted.length + denied.length === 0 ? (
        <p class="muted">None listed</p>
      ) : (
        <dl class="facts">
          <Fact term="Granted">{granted.length ? <IdList ids={granted} /> : 'none'}</Fact>
          <Fact term="Denied">{denied.length ? <IdList ids={denied} /> : 'none'}</Fact>
        </dl>
      )}
    </section>
  )
}

function IdList({ ids }: { ids: string[] }) {
  return (
    <ul class="id-list">
      {ids.map((id) => (
        <li key={id}>{id}</li>
      ))}
    </ul>
  )
}

function Fact({ term, children }: { term: string; children: ComponentChildren }) {
  return (
    <div class="fact">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  )
}
