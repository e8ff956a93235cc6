import { useLocation } from 'preact-iso'
import { useEffect, useRef, useState } from 'preact/hooks'
import { auditPage, type AuditEntry } from '../api-shapes'
import { ActionButton } from '../components/actions'
import { errorText, siteRoute, type SitePageProps } from '../components/site-page'
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

/** The entries shown, with the action filter they were loaded for: another filter's are never shown or appended to. */
interface Listing {
  action: string
  entries: AuditEntry[]
  nextBefore: number | null
  loading: boolean
  error: string | null
}

const emptyListing = (action: string): Listing => ({ action, entries: [], nextBefore: null, loading: true, error: null })

function entryRowId(id: number): string {
  return `audit-entry-${id}`
}

function AuditPage({ site }: SitePageProps) {
  const { api } = useSession()
  const { query, route } = useLocation()
  useDocumentTitle(`Audit log — ${site.name}`)
  const action = query.action ?? ''
  const [stored, setListing] = useState<Listing>(() => emptyListing(action))
  // Until the first answer for a new filter comes, the list is that filter's, empty and loading.
  const listing = stored.action === action ? stored : emptyListing(action)
  const [open, setOpen] = useState<number | null>(null)
  // Where keyboard focus goes once older entries are in, when the button that asked for them is gone.
  const [focusEntry, setFocusEntry] = useState<number | null>(null)
  const inFlight = useRef<AbortController | null>(null)

  /**
   * One load at a time: a new one (another filter, Try again) aborts the one before, whose answer is
   * then dropped, so a slow answer for an earlier filter never replaces or extends the current list.
   */
  async function loadPage(before: number | null, append: boolean) {
    inFlight.current?.abort()
    const controller = new AbortController()
    inFlight.current = controller
    const forAction = action
    setListing((l) => ({ ...(l.action === forAction ? l : emptyListing(forAction)), loading: true, error: null }))
    try {
      const params = new URLSearchParams({ limit: '50' })
      if (before) params.set('before', String(before))
      if (forAction) params.set('action', forAction)
      const page = await api.request(siteApi(site.id, `/audit?${params}`), auditPage, { signal: controller.signal })
      if (controller.signal.aborted) return
      setListing((l) => ({
        action: forAction,
        entries: append && l.action === forAction ? [...l.entries, ...page.entries] : page.entries,
        nextBefore: page.nextBefore,
        loading: false,
        error: null,
      }))
      if (append && page.nextBefore === null && page.entries[0]) setFocusEntry(page.entries[0].id)
    } catch (err) {
      if (controller.signal.aborted) return
      setListing((l) => ({ ...(l.action === forAction ? l : emptyListing(forAction)), loading: false, error: errorText(err) }))
    }
  }
  useEffect(() => {
    void loadPage(null, false)
    return () => inFlight.current?.abort()
  }, [site.id, action])
  useEffect(() => {
    if (focusEntry !== null) document.getElementById(entryRowId(focusEntry))?.focus()
  }, [focusEntry])

  const { entries, nextBefore, loading, error } = listing
  return (
    <>
      <h1>Audit log — {site.name}</h1>
      <div class="field audit-filter">
        <label for="audit-action">Action</label>
        <select
          id="audit-action"
          value={action}
          onChange={(e) => {
            const v = e.currentTarget.value
            route(v ? `${sitePath(site.id, 'audit')}?action=${encodeURIComponent(v)}` : sitePath(site.id, 'audit'))
          }}
        >
          {ACTION_GROUPS.map((g) => (
            <option key={g.value} value={g.value}>
              {g.label}
            </option>
          ))}
        </select>
      </div>
      {error && (
        <div role="alert" class="load-failure">
          <p>Could not load the audit log: {error}</p>
          <button type="button" onClick={() => void loadPage(null, false)}>
            Try again
          </button>
        </div>
      )}
      {!loading && !error && entries.length === 0 && <p class="empty">No changes recorded{action ? ' for this action' : ''}.</p>}
      {entries.length > 0 && (
        <div class="table-scroll" role="region" aria-labelledby="audit-caption" tabIndex={0}>
          <table class="data-table">
            <caption id="audit-caption">Changes, newest first</caption>
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
