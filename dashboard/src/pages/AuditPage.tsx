import { useLocation } from 'preact-iso'
import { useEffect, useRef, useState } from 'preact/hooks'
import { auditQuery } from '@miniconsent/shared'
import { auditPage, type AuditEntry } from '../api-shapes'
import { issuesByPath, type Issues } from '../components/fields'
import { boundNote, dayOf, hasBoundNote } from '../components/LogFiltersForm'
import { ActionButton } from '../components/actions'
import { errorText, signedOut, siteRoute, type SitePageProps } from '../components/site-page'
import { formatTime } from '../format'
import { siteApi, sitePath, useSession } from '../session'
import { useDocumentTitle } from '../use-document-title'

export const AuditRoute = siteRoute('audit', AuditPage)

/**
 * Actions the server writes; a group (`catalogue`) filters all of its actions (`catalogue.publish`, …).
 * The server filters by one action or one group, so someone joining (`invitation.accept`) cannot be
 * in the `member` group's list: it has its own option, and the labels say where joins are.
 */
const ACTION_GROUPS = [
  { value: '', label: 'All actions' },
  { value: 'catalogue', label: 'Catalogue: all' },
  { value: 'catalogue.draft', label: 'Catalogue: draft saved' },
  { value: 'catalogue.import', label: 'Catalogue: imported' },
  { value: 'catalogue.publish', label: 'Catalogue: published' },
  { value: 'catalogue.rollback', label: 'Catalogue: rolled back' },
  { value: 'site', label: 'Site settings' },
  { value: 'invitation.accept', label: 'Members: joined (invitation accepted)' },
  { value: 'member', label: 'Members: role changed or removed (joins are listed as invitations accepted)' },
  { value: 'member.role', label: 'Members: role changed' },
  { value: 'member.remove', label: 'Members: removed' },
  { value: 'invitation', label: 'Invitations (created, cancelled, accepted)' },
  { value: 'consents', label: 'Consent records: all' },
  { value: 'consents.export', label: 'Consent records: exported' },
  { value: 'consents.subject-view', label: 'Consent records: one visitor’s looked up (data-subject requests)' },
  { value: 'consents.subject-user-view', label: 'Consent records: a user ID’s consentIds looked up (data-subject requests)' },
  { value: 'consents.subject-export', label: 'Consent records: one visitor’s downloaded (data-subject requests)' },
  { value: 'consents.erase', label: 'Consent records: erased (data-subject requests)' },
  { value: 'consents.purge', label: 'Consent records: purged after retention' },
  { value: 'consents.sign_unsigned', label: 'Consent records: signed by the operator (sign-unsigned)' },
  { value: 'user', label: 'Passwords: all' },
  { value: 'user.password', label: 'Passwords: changed by their user' },
  { value: 'user.password_reset', label: 'Passwords: reset by the operator' },
]

function summarise(value: unknown): string {
  if (value === null || value === undefined) return '—'
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return text.length > 200 ? text.slice(0, 199) + '…' : text
}

/** The filters of the page's address, as typed: an action or group, a period (`from`, `to`) and an account's e-mail (`user`). */
const FILTERS = ['action', 'from', 'to', 'user'] as const
type Filters = Record<(typeof FILTERS)[number], string>

/** The query string of `filters`, the empty ones left out, in a fixed order: it names a listing. */
function filterQuery(filters: Filters): string {
  const params = new URLSearchParams()
  for (const name of FILTERS) if (filters[name]) params.set(name, filters[name])
  return params.toString()
}

/** The entries shown, with the filters they were loaded for (`filterQuery`): another filter's are never shown or appended to. */
interface Listing {
  filters: string
  entries: AuditEntry[]
  nextBefore: number | null
  loading: boolean
  error: string | null
  /** A load the session's end refused: the renewals then, and what it asked for, to ask again once signed in. */
  signedOut: { at: number; before: number | null; append: boolean } | null
}

const emptyListing = (filters: string): Listing => ({ filters, entries: [], nextBefore: null, loading: true, error: null, signedOut: null })

function entryRowId(id: number): string {
  return `audit-entry-${id}`
}

function AuditPage({ site }: SitePageProps) {
  const { query, route } = useLocation()
  useDocumentTitle(`Audit log — ${site.name}`)
  const filters: Filters = { action: query.action ?? '', from: query.from ?? '', to: query.to ?? '', user: query.user ?? '' }
  const { action } = filters
  const show = (next: Filters) => {
    const q = filterQuery(next)
    route(q ? `${sitePath(site.id, 'audit')}?${q}` : sitePath(site.id, 'audit'))
  }

  return (
    <>
      <h1>Audit log — {site.name}</h1>
      <div class="field audit-filter">
        <label for="audit-action">Action</label>
        <select id="audit-action" value={action} onChange={(e) => show({ ...filters, action: e.currentTarget.value })}>
          {ACTION_GROUPS.map((g) => (
            <option key={g.value} value={g.value}>
              {g.label}
            </option>
          ))}
        </select>
      </div>
      <AuditPeriodForm filters={filters} onApply={show} />
      <AuditListing path={siteApi(site.id, '/audit')} filters={filterQuery(filters)} />
    </>
  )
}

/**
 * The entries of an audit log (`path`, under `/api/admin`: a site's, or the signed-in account's
 * own, which the password page lists) under `filters` (a query string, `filterQuery`), newest
 * first, a page at a time, each with its before and after on request. A new `reload` (a counter
 * its page raises after a change that may have written an entry there: the password page's, which
 * the server records in the account's own log only when the account belongs to no site) loads the
 * first page again.
 */
export function AuditListing({ path, filters: key, reload = 0 }: { path: string; filters: string; reload?: number }) {
  const { api, renewals } = useSession()
  const [stored, setListing] = useState<Listing>(() => emptyListing(key))
  // Until the first answer for new filters comes, the list is theirs, empty and loading.
  const listing = stored.filters === key ? stored : emptyListing(key)
  const [open, setOpen] = useState<number | null>(null)
  // Where keyboard focus goes once older entries are in, when the button that asked for them is gone.
  const [focusEntry, setFocusEntry] = useState<number | null>(null)
  const inFlight = useRef<AbortController | null>(null)
  /** The session's renewals now, for a load's failure to note when the session's end refused it. */
  const renewalsNow = useRef(renewals)
  renewalsNow.current = renewals

  /**
   * One load at a time: a new one (another filter, Try again) aborts the one before, whose answer is
   * then dropped, so a slow answer for an earlier filter never replaces or extends the current list.
   */
  async function loadPage(before: number | null, append: boolean) {
    inFlight.current?.abort()
    const controller = new AbortController()
    inFlight.current = controller
    const forFilters = key
    setListing((l) => ({ ...(l.filters === forFilters ? l : emptyListing(forFilters)), loading: true, error: null, signedOut: null }))
    try {
      const params = new URLSearchParams(forFilters)
      params.set('limit', '50')
      if (before) params.set('before', String(before))
      const page = await api.request(`${path}?${params}`, auditPage, { signal: controller.signal })
      if (controller.signal.aborted) return
      setListing((l) => ({
        filters: forFilters,
        entries: append && l.filters === forFilters ? [...l.entries, ...page.entries] : page.entries,
        nextBefore: page.nextBefore,
        loading: false,
        error: null,
        signedOut: null,
      }))
      if (append && page.nextBefore === null && page.entries[0]) setFocusEntry(page.entries[0].id)
    } catch (err) {
      if (controller.signal.aborted) return
      const refused = signedOut(err) ? { at: renewalsNow.current, before, append } : null
      setListing((l) => ({ ...(l.filters === forFilters ? l : emptyListing(forFilters)), loading: false, error: errorText(err), signedOut: refused }))
    }
  }
  useEffect(() => {
    void loadPage(null, false)
    return () => inFlight.current?.abort()
  }, [path, key, reload])
  // Signed in again over the page (renewals): the load refused meanwhile ("Sign in first") is made
  // again, as on the other pages (useLoad); before, its failure stayed as if the retry had failed.
  const { signedOut: refused } = listing
  useEffect(() => {
    if (refused && renewals > refused.at) void loadPage(refused.before, refused.append)
  }, [renewals, refused])
  useEffect(() => {
    if (focusEntry !== null) document.getElementById(entryRowId(focusEntry))?.focus()
  }, [focusEntry])

  const { entries, nextBefore, loading, error } = listing
  return (
    <>
      {error && (
        <div role="alert" class="load-failure">
          <p>Could not load the audit log: {error}</p>
          <button type="button" onClick={() => void loadPage(null, false)}>
            Try again
          </button>
        </div>
      )}
      {!loading && !error && entries.length === 0 && <p class="empty">No changes recorded{key ? ' under these filters' : ''}.</p>}
      {entries.length > 0 && (
        <div class="table-scroll" role="region" aria-labelledby="audit-caption" tabIndex={0}>
          <table class="data-table">
            <caption id="audit-caption">Entries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">User</th>
                <th scope="col">Action</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id}>
                  <th scope="row" id={entryRowId(e.id)} tabIndex={-1}>
                    <time dateTime={e.at}>{formatTime(e.at)}</time>
                  </th>
                  <td>{e.user ?? 'System'}</td>
                  <td class="mono">{e.action}</td>
                  <td class="audit-details">
                    <button type="button" class="link-button" aria-expanded={open === e.id} onClick={() => setOpen(open === e.id ? null : e.id)}>
                      {open === e.id ? 'Hide' : 'Show'} before and after<span class="visually-hidden"> of entry {e.id}</span>
                    </button>
                    {open === e.id ? (
                      <dl class="facts">
                        <div class="fact">
                          <dt>Before</dt>
                          <dd>
                            <pre class="code">{JSON.stringify(e.before, null, 2) ?? '—'}</pre>
                          </dd>
                        </div>
                        <div class="fact">
                          <dt>After</dt>
                          <dd>
                            <pre class="code">{JSON.stringify(e.after, null, 2) ?? '—'}</pre>
                          </dd>
                        </div>
                      </dl>
                    ) : (
                      <span class="muted break"> {summarise(e.after)}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p role="status">{loading && 'Loading the audit log…'}</p>
      {nextBefore !== null && (
        // Kept while loading, and inactive rather than disabled, so keyboard focus stays on it.
        <ActionButton inactive={loading} onClick={() => void loadPage(nextBefore, true)}>
          Load older entries
        </ActionButton>
      )}
    </>
  )
}

/**
 * The period and the account, applied together (a date typed digit by digit would otherwise load
 * a listing per keystroke). Checked as the server checks them (auditQuery): a swapped period or
 * an address that is none is said at its field, and nothing is loaded.
 */
function AuditPeriodForm({ filters, onApply }: { filters: Filters; onApply: (f: Filters) => void }) {
  const [from, setFrom] = useState(filters.from)
  const [to, setTo] = useState(filters.to)
  const [user, setUser] = useState(filters.user)
  const [issues, setIssues] = useState<Issues>({})
  // A link or Back changes the address: the fields follow it.
  useEffect(() => {
    setFrom(filters.from)
    setTo(filters.to)
    setUser(filters.user)
    setIssues({})
  }, [filters.from, filters.to, filters.user])
  const apply = (next: Filters) => {
    const checked = auditQuery.safeParse({ from: next.from, to: next.to, user: next.user })
    const found = checked.success ? {} : issuesByPath(checked.error.issues)
    // The API's words name its parameter (`to`); here the field is To.
    if (found.from) found.from = found.from.replace('is after `to`', 'is after To (UTC)')
    setIssues(found)
    const first = FIELDS.find((f) => found[f.name])
    if (first) return document.getElementById(first.id)?.focus()
    onApply(next)
  }
  const values = { from, to, user }
  const setters = { from: setFrom, to: setTo, user: setUser }
  return (
    <form
      class="audit-period"
      aria-label="Period and user"
      noValidate
      onSubmit={(e) => {
        e.preventDefault()
        apply({ ...filters, from: from.trim(), to: to.trim(), user: user.trim() })
      }}
    >
      {FIELDS.map((f) => {
        const value = values[f.name]
        // A bound from a link may be an instant: the date field shows its UTC day, and says the instant applies.
        const exact = f.type === 'date' && hasBoundNote(value)
        const described = [issues[f.name] && `${f.id}-error`, exact && `${f.id}-exact`, f.type === 'date' && 'audit-period-hint'].filter(Boolean).join(' ')
        return (
          <div class="field" key={f.name}>
            <label for={f.id}>{f.label}</label>
            <input
              id={f.id}
              {...(f.type === 'email' ? ({ type: 'email', autocomplete: 'off', spellcheck: false } as const) : ({ type: 'date' } as const))}
              value={f.type === 'date' ? dayOf(value) : value}
              onInput={(e) => setters[f.name](e.currentTarget.value)}
              aria-invalid={issues[f.name] ? 'true' : undefined}
              aria-describedby={described || undefined}
            />
            {exact && boundNote(f.name as 'from' | 'to', value, `${f.id}-exact`)}
            {issues[f.name] && (
              <p class="field-error" id={`${f.id}-error`}>
                {f.label}: {issues[f.name]}
              </p>
            )}
          </div>
        )
      })}
      <div class="actions">
        <button type="submit">Apply</button>
        {(filters.from || filters.to || filters.user) && (
          <button type="button" onClick={() => apply({ ...filters, from: '', to: '', user: '' })}>
            Clear period and user
          </button>
        )}
      </div>
      <p class="muted" id="audit-period-hint">
        Whole UTC days, from the start of the first to the end of the last; the entries show times in your own zone.
      </p>
    </form>
  )
}

const FIELDS = [
  { name: 'from', id: 'audit-from', label: 'From (UTC)', type: 'date' },
  { name: 'to', id: 'audit-to', label: 'To (UTC)', type: 'date' },
  { name: 'user', id: 'audit-user', label: 'User (e-mail)', type: 'email' },
] as const
