// What every site page shares: resolving the site from the URL (and refusing what the role may not
// see), loading data with a retry, and turning failures into words.
import type { SiteSummary } from '@miniconsent/shared'
import type { ComponentType } from 'preact'
import { useContext, useEffect, useRef, useState } from 'preact/hooks'
import { ApiRequestError } from '../api'
import { canSee, findSite, homePath, SessionContext, useSession, type SitePageSlug } from '../session'
import { useDocumentTitle } from '../use-document-title'

export interface SitePageProps {
  site: SiteSummary
}

/** A route component for `/sites/:siteId/<page>`, keyed by site so that switching sites starts afresh. */
export function siteRoute(page: SitePageSlug, Page: ComponentType<SitePageProps>) {
  return function SiteRoute({ siteId }: { siteId: string }) {
    const { me } = useSession()
    const site = findSite(me, siteId)
    if (!site) return <NoSuchSite siteId={siteId} />
    if (!canSee(site.role, page)) return <NotAllowed site={site} />
    return <Page key={site.id} site={site} />
  }
}

/** The request met an ended session (401): the sign-in dialog is open, and signing in again answers it. */
export function signedOut(err: unknown): boolean {
  return err instanceof ApiRequestError && err.status === 401
}

/**
 * `useState` for what an action came to (its error, its outcome), whose setter also takes the error
 * that made it. A failure for want of a session (signedOut: "Not published: Sign in first") is
 * answered once the user signs in again through the dialog over the page (SessionExpired, the
 * session's renewals): the state then reads as `initial` again, and the action can be made again
 * (review: the error stayed, as if the retry had failed). Other failures stay until the next attempt.
 * The one place that does it, for every action of every page, the save bars' included.
 */
export function useActionState<T>(initial: T): [T, (next: T | ((prev: T) => T), err?: unknown) => void] {
  const { renewals } = useSession()
  const latest = useRef(renewals)
  latest.current = renewals
  const first = useRef(initial).current
  /** `signedOutAt`: the renewals when the session's end made this state, else null. */
  const [state, setState] = useState<{ value: T; signedOutAt: number | null }>({ value: initial, signedOutAt: null })
  const answered = (s: typeof state, now: number) => s.signedOutAt !== null && now > s.signedOutAt
  const set = useRef((next: T | ((prev: T) => T), err?: unknown) =>
    setState((prev) => {
      const current = answered(prev, latest.current) ? first : prev.value
      const value = typeof next === 'function' ? (next as (prev: T) => T)(current) : next
      return { value, signedOutAt: signedOut(err) ? latest.current : null }
    }),
  ).current
  return [answered(state, renewals) ? first : state.value, set]
}

export function errorText(err: unknown): string {
  if (err instanceof ApiRequestError) return err.message
  if (err instanceof Error) return err.message
  return 'Something went wrong.'
}

/**
 * What the server says to look at in a revision just published (a rollback's included): the
 * consent cookie declared otherwise than Site settings say. Appended to the success message.
 */
export function publishWarningsText(warnings: readonly { message: string }[]): string {
  return warnings.map((w) => ` Check the catalogue: ${w.message} The catalogue editor's "Update the declaration" fixes the draft.`).join('')
}

export type Loaded<T> = { status: 'loading' } | { status: 'failed'; message: string } | { status: 'loaded'; data: T }

/** Shallow, as hooks compare their deps. */
function sameDeps(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((d, i) => Object.is(d, b[i]))
}

/**
 * Loads once per change of `deps`; `reload()` asks again; `set()` replaces the data after a save.
 *
 * The state remembers the deps it was loaded for. After `reload()` the data on screen stays until
 * the new answer comes (same deps), but when the deps change (other filters, say) the old answer is
 * not this one: the state reads as loading from the very render that brings the new deps, so old
 * numbers are never shown under new filters, not even for the frame before the effect runs.
 *
 * A load that failed for want of a session (signedOut: "Sign in first") is made again once the
 * user signs in through the dialog over the page (the session's renewals), as useActionState
 * answers an action's (review: "Could not load …: Sign in first" stayed). Only that failure: data
 * already loaded is not asked for again, so an editor on it keeps its unsaved edits.
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]) {
  // The invitation page loads without a session: nothing to renew there.
  const renewals = useContext(SessionContext)?.renewals ?? 0
  const latest = useRef(renewals)
  latest.current = renewals
  /** `signedOutAt`: the renewals when the session's end failed this load, else null. */
  const [state, setState] = useState<{ deps: unknown[]; loaded: Loaded<T>; signedOutAt?: number | null }>({ deps, loaded: { status: 'loading' } })
  const [attempt, setAttempt] = useState(0)
  useEffect(() => {
    const controller = new AbortController()
    setState((prev) => (prev.loaded.status === 'loaded' && sameDeps(prev.deps, deps) ? prev : { deps, loaded: { status: 'loading' } }))
    // An answer to a load that was aborted (deps changed, or the page closed) is dropped: a late one never replaces a newer one.
    load(controller.signal).then(
      (data) => !controller.signal.aborted && setState({ deps, loaded: { status: 'loaded', data } }),
      (err: unknown) =>
        !controller.signal.aborted &&
        setState({ deps, loaded: { status: 'failed', message: errorText(err) }, signedOutAt: signedOut(err) ? latest.current : null }),
    )
    return () => controller.abort()
  }, [...deps, attempt])
  const signedOutAt = state.signedOutAt ?? null
  useEffect(() => {
    if (signedOutAt !== null && renewals > signedOutAt) setAttempt((n) => n + 1)
  }, [renewals, signedOutAt])
  return {
    state: sameDeps(state.deps, deps) ? state.loaded : ({ status: 'loading' } as Loaded<T>),
    reload: () => setAttempt((n) => n + 1),
    set: (data: T) => setState({ deps, loaded: { status: 'loaded', data } }),
  }
}

/** Loading text, or the failure with a retry button, until `state` is loaded. */
export function LoadGate<T>({
  state,
  what,
  onRetry,
  children,
}: {
  state: Loaded<T>
  what: string
  onRetry: () => void
  children: (data: T) => preact.ComponentChildren
}) {
  if (state.status === 'loading') return <p role="status">Loading {what}…</p>
  if (state.status === 'failed') return <LoadFailure what={what} message={state.message} onRetry={onRetry} />
  return <>{children(state.data)}</>
}

/** A load that failed, with a retry button: LoadGate's, and a reload's that has no gate of its own. */
export function LoadFailure({ what, message, onRetry }: { what: string; message: string; onRetry: () => void }) {
  return (
    <div role="alert" class="load-failure">
      <p>
        Could not load {what}: {message}
      </p>
      <button type="button" onClick={onRetry}>
        Try again
      </button>
    </div>
  )
}

/**
 * A heading that takes focus when nothing has it: a refusal page that replaced the page the user
 * was on, at the same address, when their access changed (they removed themselves from the site,
 * another owner changed their role). The button they pressed went with the page, and focus would
 * fall to <body>, where a keyboard or screen reader user starts over at the top, not told why.
 */
function RefusalHeading({ children }: { children: string }) {
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    const active = document.activeElement
    if (active === null || active === document.body) heading.current?.focus()
  }, [])
  return (
    <h1 ref={heading} tabIndex={-1}>
      {children}
    </h1>
  )
}

export function NoSuchSite({ siteId }: { siteId: string }) {
  const { me } = useSession()
  useDocumentTitle('Site not available')
  const first = me.sites[0]
  return (
    <>
      <RefusalHeading>Site not available</RefusalHeading>
      <p>
        There is no site “{siteId}” in your account, or you are not a member of it.
        {first && (
          <>
            {' '}
            <a href={homePath(first)}>Open {first.name}</a>.
          </>
        )}
      </p>
    </>
  )
}

function NotAllowed({ site }: { site: SiteSummary }) {
  useDocumentTitle('Not available for your role')
  return (
    <>
      <RefusalHeading>Not available for your role</RefusalHeading>
      <p>
        As an {site.role} of {site.name} you cannot open this page. Ask an owner of
        the site if you need it.
      </p>
    </>
  )
}
