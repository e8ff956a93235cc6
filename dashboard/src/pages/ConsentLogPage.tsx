import { consentId as consentIdSchema, siteUserId, type ConsentLogPage as LogPage, type ConsentRecord, type SiteSummary, type SubjectData, type SubjectErasure } from '@miniconsent/shared'
import { useLocation } from 'preact-iso'
import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiRequestError, filterParams, type LogFilters } from '../api'
import { filtersFromQuery, LogFiltersForm, withFilters } from '../components/LogFiltersForm'
import { ActionButton } from '../components/actions'
import { LinkedConsentIds } from '../components/LinkedConsentIds'
import { SubjectActions } from '../components/SubjectActions'
import { RECORD_DETAIL_ID, RecordDetail } from '../components/RecordDetail'
import { VerifyChain } from '../components/VerifyChain'
import { siteRoute } from '../components/site-page'
import { ERASED_CONSENT_ID, formatCount, formatTime, listOrNone, methodLabel, regionLabel, splitChoices } from '../format'
import { consentLogPath, sitePath, useSession } from '../session'
import { useDocumentTitle } from '../use-document-title'
import { focusWhenDrawn } from '../components/editable-table'

export const PAGE_SIZE = 50

/** `/sites/:siteId/consents`: keyed by site so that switching sites starts from a clean page. */
// Owners and auditors only (SPEC §8): an editor who opens the address gets the role's refusal.
export const ConsentLogRoute = siteRoute('consents', ConsentLogPage)

function ConsentLogPage({ site }: { site: SiteSummary }) {
  const { query, route } = useLocation()
  const filters = filtersFromQuery(query)
  const filter = filters.consentId ?? ''
  const filterKey = filterParams(filters).toString()
  // The look-up by the site's user ID, in the URL as the consentId is: it lists the consent IDs
  // linked to it in place of the log, whose filters do not apply to it.
  const userId = query.userId ?? ''
  // The consent IDs erased on this page, with what each erasure did: only their empty log reads as
  // an erasure. Each erasure also reloads the results, hence a list rather than a map.
  const [erasures, setErasures] = useState<Array<{ consentId: string; erasure: SubjectErasure }>>([])
  // What is stored under the consent ID searched: its decision in force, its links and documents.
  const [subject, setSubject] = useState<SubjectData | null>(null)
  useDocumentTitle(`Consent log — ${site.name}`)
  const base = consentLogPath(site.id)

  return (
    <>
      <h1>Consent log — {site.name}</h1>
      <div class="log-tools">
        <ConsentSearch key={filterKey + '|' + userId} siteId={site.id} filter={filter} filters={filters} userId={userId} />
        <VerifyChain siteId={site.id} />
      </div>
      {userId ? (
        <LinkedConsentIds key={userId} siteId={site.id} userId={userId} />
      ) : (
        <>
          <details class="filter-panel" open={filterKey !== '' && filterKey !== `consentId=${encodeURIComponent(filter)}`}>
            <summary>Filter by date, method, region or revision</summary>
            <LogFiltersForm key={filterKey} idPrefix="log-filter" filters={filters} onApply={(f) => route(withFilters(base, f))} />
          </details>
          <p>
            <a href={withFilters(sitePath(site.id, 'export'), filters)}>Export these records (CSV or NDJSON)</a>
          </p>
          {filter && (
            <SubjectActions
              key={filter}
              site={site}
              consentId={filter}
              onErased={(erasure) => setErasures((list) => [...list, { consentId: filter, erasure }])}
              onLoaded={setSubject}
            />
          )}
          <ConsentLogResults
            key={filterKey + '|' + erasures.length}
            siteId={site.id}
            siteName={site.name}
            filter={filter}
            filters={filters}
            erased={erasedUnder(erasures, filter)}
            subject={subject?.consentId === filter ? subject : null}
          />
        </>
      )}
    </>
  )
}

/** What the erasures of `consentId` on this page did, together (a second one finds nothing left); null when none was made. */
function erasedUnder(erasures: ReadonlyArray<{ consentId: string; erasure: SubjectErasure }>, consentId: string): SubjectErasure | null {
  const made = erasures.filter((e) => e.consentId === consentId).map((e) => e.erasure)
  if (!made.length) return null
  return made.reduce((sum, e) => ({ erased: sum.erased + e.erased, identities: sum.identities + e.identities, documents: sum.documents + e.documents }))
}

type SearchKind = 'consent' | 'user'

/** How each kind of search names its ID, what it finds, and the ID it takes. */
const SEARCH_KINDS: Record<SearchKind, { choice: string; label: string; hint: string; malformed: string; valid: (id: string) => boolean }> = {
  consent: {
    choice: 'Consent ID of a browser',
    label: 'Consent ID',
    hint: 'The ID a visitor sees in the cookie preferences, to find all their decisions.',
    malformed: 'A consent ID has 8 to 64 letters, digits, "-" or "_".',
    valid: (id) => consentIdSchema.safeParse(id).success,
  },
  user: {
    choice: 'User ID of a signed-in customer',
    label: 'User ID',
    hint: "The site's own ID of a signed-in customer, as its pages pass it to identify(), to find the consent IDs of their browsers. Letter case and spaces count.",
    malformed: 'A user ID has 1 to 256 characters, as identify() takes it.',
    valid: (id) => siteUserId.safeParse(id).success,
  },
}

/**
 * The consentId filter, or the user ID looked up, lives in the URL, so an auditor can share or
 * bookmark a data-subject lookup. Keyed by both: back/forward to another starts the field afresh
 * from the URL.
 */
function ConsentSearch({ siteId, filter, filters, userId }: { siteId: string; filter: string; filters: LogFilters; userId: string }) {
  const { route } = useLocation()
  const [kind, setKind] = useState<SearchKind>(userId ? 'user' : 'consent')
  const [value, setValue] = useState(userId || filter)
  const [error, setError] = useState<string | null>(null)
  const search = SEARCH_KINDS[kind]
  const allRecords = withFilters(consentLogPath(siteId), { ...filters, consentId: undefined })

  /** Goes to `path`; the form is drawn anew for it (its key), and focus goes back to its field, not to <body>. */
  function go(path: string) {
    route(path)
    focusWhenDrawn('consent-search')
  }

  function submit(event: SubmitEvent) {
    event.preventDefault()
    // A consent ID has no spaces; a user ID is looked up exactly as identify() stored it (` 42` is
    // not `42`, and one of spaces is one too): only an empty field shows every record.
    const wanted = kind === 'consent' ? value.trim() : value
    if (wanted && !search.valid(wanted)) {
      setError(search.malformed)
      return
    }
    setError(null)
    if (kind === 'consent') go(withFilters(consentLogPath(siteId), { ...filters, consentId: wanted || undefined }))
    // The log's filters do not apply to the consent IDs of a user ID: they are dropped from the address.
    else go(wanted ? `${consentLogPath(siteId)}?${new URLSearchParams({ userId: wanted })}` : allRecords)
  }

  return (
    <form role="search" class="consent-search" onSubmit={submit} noValidate>
      <fieldset class="plain search-kind">
        <legend>Search by</legend>
        {(Object.keys(SEARCH_KINDS) as SearchKind[]).map((k) => (
          <label key={k} class="radio">
            <input type="radio" name="search-kind" value={k} checked={kind === k} onChange={() => (setKind(k), setError(null))} />
            {SEARCH_KINDS[k].choice}
          </label>
        ))}
      </fieldset>
      <label for="consent-search">{search.label}</label>
      <div class="inline-controls">
        <input
          id="consent-search"
          type="search"
          name={kind === 'user' ? 'userId' : 'consentId'}
          value={value}
          spellcheck={false}
          autoComplete="off"
          onInput={(e) => setValue(e.currentTarget.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'consent-search-error' : 'consent-search-hint'}
        />
        <button type="submit">Search</button>
        {(filter || userId) && (
          <button type="button" onClick={() => go(allRecords)}>
            Show all records
          </button>
        )}
      </div>
      {error ? (
        <p id="consent-search-error" class="field-error">
          {error}
        </p>
      ) : (
        <p id="consent-search-hint" class="muted">
          {search.hint}
        </p>
      )}
    </form>
  )
}

type Load = { status: 'loading' } | { status: 'failed'; message: string } | { status: 'loaded' }

function ConsentLogResults({
  siteId,
  siteName,
  filter,
  filters,
  erased,
  subject,
}: {
  siteId: string
  siteName: string
  filter: string
  filters: LogFilters
  /** What the erasure of `filter` on this page did: none is left under it, which is no typo of the visitor's. */
  erased: SubjectErasure | null
  /** What is stored under `filter`, once loaded: the row in force is marked, and links or documents without records are said so. */
  subject: SubjectData | null
}) {
  // Signed in again over the page (renewals): a page refused meanwhile ("Sign in first") is asked for again.
  const { api, renewals } = useSession()
  // cursors[i] is the `before` that fetches page i; page 0 (the newest) has none. Going back to
  // newer pages pops the stack, since the API pages only towards older records.
  const [cursors, setCursors] = useState<Array<number | undefined>>([undefined])
  // The page on screen and its index; stays shown while the next one loads. `counted` is the total
  // the newest page answered, which the positions of the older pages paged from it are counted
  // against: the cursor keeps them the same records while new ones arrive, but not the same
  // positions in a total counted later.
  const [shown, setShown] = useState<{ page: LogPage; index: number; counted: number } | null>(null)
  const [load, setLoad] = useState<Load>({ status: 'loading' })
  const [attempt, setAttempt] = useState(0)
  const [selectedId, setSelectedId] = useState<string | null>(null)
  const pageIndex = cursors.length - 1
  const before = cursors[pageIndex]

  useEffect(() => {
    const controller = new AbortController()
    setLoad({ status: 'loading' })
    api.consentLog(siteId, { ...filters, limit: PAGE_SIZE, before }, controller.signal).then(
      (result) => {
        setShown((prev) => ({ page: result, index: pageIndex, counted: pageIndex === 0 || !prev ? result.total : prev.counted }))
        setLoad({ status: 'loaded' })
      },
      (err: unknown) => {
        if (controller.signal.aborted) return
        const message = err instanceof ApiRequestError ? err.message : 'Something went wrong.'
        setLoad({ status: 'failed', message })
      },
    )
    return () => controller.abort()
  }, [api, siteId, filter, before, pageIndex, attempt, renewals])

  const page = shown?.page
  const selected = page?.records.find((r) => r.recordId === selectedId) ?? null

  function closeDetail() {
    const id = selectedId
    setSelectedId(null)
    // Back to the row the auditor came from.
    if (id) focusWhenDrawn(rowButtonId(id))
  }

  if (!shown || !page) {
    if (load.status === 'failed') return <LoadFailure message={load.message} onRetry={() => setAttempt((n) => n + 1)} />
    return <p role="status">Loading records…</p>
  }

  const busy = load.status === 'loading'
  const first = shown.index * PAGE_SIZE + 1
  const last = shown.index * PAGE_SIZE + page.records.length
  const range = page.records.length
    ? `Records ${formatCount(first)}–${formatCount(last)} of ${formatCount(shown.counted)}, newest first`
    : ''
  const changed = range ? sinceCounted(shown.counted, page.total) : ''

  return (
    <div class={'log-layout' + (selected ? ' has-detail' : '')}>
      <div class="log-main" aria-busy={busy}>
        {load.status === 'failed' && <LoadFailure message={load.message} onRetry={() => setAttempt((n) => n + 1)} />}
        {/* Polite live region: after Older/Newer a screen reader hears which records are now shown. */}
        <p id="log-range" class="muted" aria-live="polite">
          {busy ? (
            'Loading records…'
          ) : (
            <>
              {range}
              {range && filter && (
                <>
                  {' '}
                  for consent ID <code>{filter}</code>
                </>
              )}
              {changed && `. ${changed}`}
            </>
          )}
        </p>
        {page.records.length === 0 ? (
          <EmptyLog
            siteName={siteName}
            filter={filter}
            filtered={filterParams(filters).toString() !== ''}
            othersFiltered={filterParams({ ...filters, consentId: undefined }).toString() !== ''}
            withoutOthers={withFilters(consentLogPath(siteId), { consentId: filter })}
            erased={erased}
            linkedOnly={!!subject && subject.records.length === 0 && subject.identities.length + subject.documents.length > 0}
          />
        ) : (
          <>
            <div class="table-scroll" role="region" aria-labelledby="log-caption" tabIndex={0}>
              <table class="log-table" aria-describedby="log-range">
                <caption id="log-caption">Consent records</caption>
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Consent ID</th>
                    <th scope="col">Method</th>
                    <th scope="col">Choices</th>
                    <th scope="col">Revision</th>
                    <th scope="col">Region</th>
                    <th scope="col">Language</th>
                  </tr>
                </thead>
                <tbody>
                  {page.records.map((record) => (
                    <RecordRow
                      key={record.recordId}
                      record={record}
                      inForce={!!filter && subject?.inForce === record.seq}
                      selected={record.recordId === selectedId}
                      onOpen={() => setSelectedId(record.recordId === selectedId ? null : record.recordId)}
                    />
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
        {(page.records.length > 0 || shown.index > 0) && (
          <nav class="pager" aria-label="Consent log pages">
            <PagerButton
              label="Newer"
              enabled={!busy && shown.index > 0}
              onClick={() => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c))}
            />
            <PagerButton
              label="Older"
              enabled={!busy && page.nextBefore !== null}
              onClick={() => setCursors((c) => (page.nextBefore === null ? c : [...c, page.nextBefore]))}
            />
          </nav>
        )}
      </div>
      {selected && <RecordDetail record={selected} onClose={closeDetail} />}
    </div>
  )
}

/**
 * What changed in the total since the newest page counted it, which an older page's positions
 * are counted against: records that arrived since are newer than every older page, and only
 * the newest page, loaded again, shows and counts them. Empty when the total is the same.
 */
function sinceCounted(counted: number, now: number): string {
  if (now === counted) return ''
  const more = now - counted
  const arrived = more > 0 ? `${formatCount(more)} more ${more === 1 ? 'has' : 'have'} arrived since (${formatCount(now)} now); go back to the newest page to see them` : `${formatCount(now)} now`
  return `Counted when the newest page was loaded: ${arrived}.`
}

function rowButtonId(recordId: string): string {
  return `record-${recordId}`
}

function RecordRow({ record, selected, inForce, onOpen }: { record: ConsentRecord; selected: boolean; inForce: boolean; onOpen: () => void }) {
  const categories = splitChoices(record.categories)
  return (
    // The whole row answers a mouse click; the button in it is the keyboard and screen reader way in.
    <tr
      class={selected ? 'is-selected' : undefined}
      onClick={(e) => {
        if (!(e.target instanceof Element && e.target.closest('button'))) onOpen()
      }}
    >
      <th scope="row">
        <time dateTime={record.serverTime}>{formatTime(record.serverTime)}</time>
        {inForce && (
          <span class="badge" title="The visitor's latest decision by the time on their device: a record delivered late arrives after it">
            In force
          </span>
        )}
      </th>
      <td>
        <button
          type="button"
          id={rowButtonId(record.recordId)}
          class="link-button mono"
          aria-expanded={selected}
          aria-controls={selected ? RECORD_DETAIL_ID : undefined}
          onClick={onOpen}
        >
          {record.erasedAt ? ERASED_CONSENT_ID : record.consentId}
          <span class="visually-hidden"> (record #{record.seq})</span>
        </button>
      </td>
      <td>{methodLabel(record.method)}</td>
      <td class="choices">
        {record.unreadable?.includes('categories') && <span class="choice-line">Unreadable: the row was changed outside MiniConsent</span>}
        <span class="choice-line">
          <span class="choice-label">Granted:</span> {listOrNone(categories.granted)}
        </span>
        <span class="choice-line">
          <span class="choice-label">Denied:</span> {listOrNone(categories.denied)}
        </span>
      </td>
      <td class="num">{record.revision}</td>
      <td>{regionLabel(record)}</td>
      <td>{record.language}</td>
    </tr>
  )
}

/** Inactive rather than disabled (ActionButton): a disabled button drops keyboard focus when the last page is reached. */
function PagerButton({ label, enabled, onClick }: { label: string; enabled: boolean; onClick: () => void }) {
  return (
    <ActionButton inactive={!enabled} onClick={onClick}>
      {label}
    </ActionButton>
  )
}

/**
 * Why the page is empty, without misleading a data-subject lookup: an ID searched under other
 * filters may have records they hide, and one that finds nothing may have been mistyped, or erased
 * (the server keeps no ID of erased records, so the page cannot tell which, unless it erased them).
 */
function EmptyLog({
  siteName,
  filter,
  filtered,
  othersFiltered,
  withoutOthers,
  erased,
  linkedOnly,
}: {
  siteName: string
  filter: string
  filtered: boolean
  /** Filters besides the consent ID are applied. */
  othersFiltered: boolean
  /** The log for the consent ID alone. */
  withoutOthers: string
  erased: SubjectErasure | null
  /** The consent ID has no consent record, but links to user IDs or accepted documents (listed above). */
  linkedOnly: boolean
}) {
  if (filtered && !filter) return <p class="empty">No records match these filters.</p>
  if (filter && erased && erased.erased > 0) {
    return (
      <p class="empty">
        All records of consent ID <code>{filter}</code> were erased: none is left under this ID. The log keeps them as
        tombstones, without the ID, so that the chain still verifies.
      </p>
    )
  }
  if (filter && erased && erased.identities + erased.documents > 0) {
    return (
      <p class="empty">
        No consent record was stored under consent ID <code>{filter}</code>: the erasure deleted what was (see above), and
        left no tombstone.
      </p>
    )
  }
  if (filter && erased) return <p class="empty">Nothing was stored under consent ID <code>{filter}</code>: the erasure found nothing to erase.</p>
  if (filter && linkedOnly && !othersFiltered) {
    return (
      <p class="empty">
        No consent records for consent ID <code>{filter}</code>: only the links to user IDs or accepted documents listed
        above are stored under it.
      </p>
    )
  }
  if (filter && othersFiltered) {
    return (
      <div class="empty">
        <p>
          No records for consent ID <code>{filter}</code> match the other filters in use. They may hide this ID's records:
          search it without them before telling the visitor anything.
        </p>
        <p>
          <a href={withoutOthers}>Search consent ID {filter} without the other filters</a>
        </p>
      </div>
    )
  }
  if (filter) {
    return (
      <p class="empty">
        No records for consent ID <code>{filter}</code>. It may have been mistyped: check it with the visitor (it is shown
        in the cookie preferences on {siteName}). Or its records may have been erased: an erasure removes the ID from
        them, so they can no longer be found under it.
      </p>
    )
  }
  return <p class="empty">No consent records yet. They appear here as soon as visitors of {siteName} make a choice.</p>
}

function LoadFailure({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <div role="alert" class="load-failure">
      <p>Could not load the consent log: {message}</p>
      <button type="button" onClick={onRetry}>
        Try again
      </button>
    </div>
  )
}
