import { useEffect, useState } from 'preact/hooks'
import { subjectUser, type LinkedConsentId, type SubjectUser } from '../api-shapes'
import { counted, formatCount, formatTime } from '../format'
import { consentLogPath, siteApi, useSession } from '../session'
import { focusWhenDrawn, ScrollTable } from './editable-table'
import { withFilters } from './LogFiltersForm'
import { errorText } from './site-page'
import { SUBJECT_HEADING_ID } from './SubjectActions'

/** The live region that says what the look-up found; the table is described by it. */
const STATUS_ID = 'linked-consent-ids-status'

/**
 * The data-subject look-up by the site's user ID: a signed-in customer who asks what is stored
 * about them knows their user ID, not the consent IDs of their browsers. Lists the consent IDs the
 * site's pages linked to it (identify(), or a document accepted with it), each a link to the
 * look-up by consent ID, which exports and erases.
 */
export function LinkedConsentIds({ siteId, userId }: { siteId: string; userId: string }) {
  const { api, renewals } = useSession()
  const [found, setFound] = useState<{ data: SubjectUser } | { error: string } | null>(null)
  const [attempt, setAttempt] = useState(0)
  const path = siteApi(siteId, `/subject-users?userId=${encodeURIComponent(userId)}`)

  useEffect(() => {
    const controller = new AbortController()
    setFound(null)
    api.request(path, subjectUser, { signal: controller.signal }).then(
      (data) => setFound({ data }),
      (err: unknown) => {
        if (!controller.signal.aborted) setFound({ error: errorText(err) })
      },
    )
    return () => controller.abort()
    // Signed in again over the page (renewals): a look-up refused meanwhile is made again.
  }, [api, path, attempt, renewals])

  const data = found && 'data' in found ? found.data : null
  return (
    <section class="subject-actions" aria-labelledby="linked-consent-ids-heading">
      <h2 id="linked-consent-ids-heading" class="small-heading">
        Consent IDs linked to user ID <code>{userId}</code>
      </h2>
      {/* Polite live region, there before the answer: a screen reader hears what the look-up found. */}
      <p id={STATUS_ID} role="status" class={data?.consentIds.length === 0 ? 'empty' : 'muted'}>
        {found === null ? <>Looking for the consent IDs linked to user ID {userId}…</> : data ? <FoundSentence data={data} /> : null}
      </p>
      {found && 'error' in found && (
        <div role="alert" class="load-failure">
          <p>
            The consent IDs linked to user ID {userId} could not be loaded: {found.error}
          </p>
          <button type="button" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        </div>
      )}
      {data && data.consentIds.length > 0 && (
        <ScrollTable
          id="linked-consent-ids"
          class="data-table"
          caption={`Consent IDs linked to user ID ${userId}`}
          describedBy={STATUS_ID}
          columns={['Consent ID', 'Linked by', 'First linked', 'Last linked', 'Consent records']}
          actions={false}
        >
          {data.consentIds.map((link) => (
            <tr key={link.consentId}>
              <td>
                <a
                  class="mono"
                  href={withFilters(consentLogPath(siteId), { consentId: link.consentId })}
                  // The list goes as the look-up by consent ID opens: focus moves to its heading, not to <body>.
                  onClick={() => focusWhenDrawn(SUBJECT_HEADING_ID)}
                >
                  {link.consentId}
                </a>
              </td>
              <td>{linkedBy(link)}</td>
              <td>
                <time dateTime={link.firstLinked}>{formatTime(link.firstLinked)}</time>
              </td>
              <td>
                <time dateTime={link.lastLinked}>{formatTime(link.lastLinked)}</time>
              </td>
              <td class="num">{formatCount(link.records)}</td>
            </tr>
          ))}
        </ScrollTable>
      )}
    </section>
  )
}

/** What the look-up found, in a sentence: none (and how a link is made), or how many, and what to do with them. */
function FoundSentence({ data }: { data: SubjectUser }) {
  const { userId, consentIds, total } = data
  if (consentIds.length === 0) {
    return (
      <>
        No consent ID is linked to user ID <code>{userId}</code>: the site's pages call identify() to link one.
      </>
    )
  }
  const open = 'Open one to see, export or erase what is stored under it.'
  if (total > consentIds.length) {
    return (
      <>
        {counted(total, 'consent ID')} are linked to user ID <code>{userId}</code>; the {formatCount(consentIds.length)} linked last are
        listed, the last linked first. So many suggest the site's pages give this user ID to every visitor. {open}
      </>
    )
  }
  return (
    <>
      {counted(total, 'consent ID')} {total === 1 ? 'is' : 'are'} linked to user ID <code>{userId}</code>, the last linked first. {open}
    </>
  )
}

/** Where the links come from: `identify()`, `identify(), 2 times`, `1 accepted document`, or both. */
function linkedBy({ identities, documents }: LinkedConsentId): string {
  const parts = [
    identities === 1 ? 'identify()' : identities > 1 ? `identify(), ${formatCount(identities)} times` : '',
    documents > 0 ? counted(documents, 'accepted document') : '',
  ].filter(Boolean)
  return parts.join(' and ')
}
