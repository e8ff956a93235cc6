import type { Me } from '@miniconsent/shared'
import { LocationProvider, Route, Router, useLocation } from 'preact-iso'
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { ApiRequestError, createApiClient, type ApiClient } from './api'
import { AppShell } from './components/AppShell'
import { SessionExpired } from './components/SessionExpired'
import { oneAtATime } from './one-at-a-time'
import { CatalogueRoute } from './pages/CataloguePage'
import { ConsentLogRoute } from './pages/ConsentLogPage'
import { AnalyticsRoute } from './pages/AnalyticsPage'
import { AuditRoute } from './pages/AuditPage'
import { ExportRoute } from './pages/ExportPage'
import { InstallRoute } from './pages/InstallPage'
import { InvitePage } from './pages/InvitePage'
import { MembersRoute } from './pages/MembersPage'
import { NewSitePage } from './pages/NewSitePage'
import { PasswordPage } from './pages/PasswordPage'
import { PublishRoute } from './pages/PublishPage'
import { SettingsRoute } from './pages/SettingsPage'
import { TextsRoute } from './pages/TextsPage'
import { HomePage, NotFoundPage } from './pages/NotFoundPage'
import { SignInPage } from './pages/SignInPage'
import { consentLogPath, findSite, homePath, NEW_SITE_PATH, PASSWORD_PATH, SessionContext, useSession, type Session } from './session'
import { useDocumentTitle } from './use-document-title'

type SessionState =
  | { status: 'loading' }
  | { status: 'failed'; message: string }
  | { status: 'signed-out'; notice: string | null }
  /** `expired`: a request answered 401; the page stays mounted under a sign-in dialog (SessionExpired). */
  | { status: 'signed-in'; me: Me; expired?: boolean }

const SIGN_IN_PATH = '/sign-in'

export function App() {
  return (
    <LocationProvider>
      <Root />
    </LocationProvider>
  )
}

function Root() {
  const { path, url, query, route } = useLocation()
  const [state, setState] = useState<SessionState>({ status: 'loading' })
  /** Sign-ins through the dialog over a page whose session ended: what failed for want of one is stale after them. */
  const renewals = useRef(0)

  const api = useMemo<ApiClient>(() => {
    // A refusal may be a role changed meanwhile: the pages and the navigation follow the roles the
    // server holds now. Refusals that come together (a page's requests) reload them once, and once
    // more if any came while that reload ran. A failure here changes nothing: the refused call has
    // said why already, and a 401 has opened the sign-in dialog.
    const reloadRoles = oneAtATime(() =>
      client.me().then((me) => setState((prev) => (prev.status === 'signed-in' ? { ...prev, me } : prev))),
    )
    const client = createApiClient({
      onUnauthorized: () => setState((prev) => (prev.status === 'signed-in' ? { ...prev, expired: true } : { status: 'signed-out', notice: null })),
      onForbidden: reloadRoles,
    })
    return client
  }, [])

  function loadSession() {
    setState({ status: 'loading' })
    api.me().then(
      (me) => setState({ status: 'signed-in', me }),
      (err: unknown) => {
        // A 401 has already switched to the sign-in page through onUnauthorized.
        if (err instanceof ApiRequestError && err.status === 401) return
        setState({ status: 'failed', message: err instanceof Error ? err.message : String(err) })
      },
    )
  }
  useEffect(loadSession, [api])

  // Redirects that depend on the session: signed out → sign-in (remembering where to come back),
  // signed in on `/` or the sign-in page → the page asked for, or the first site's consent log.
  useEffect(() => {
    if (state.status === 'signed-out' && path !== SIGN_IN_PATH && !path.startsWith('/invite/')) {
      route(path === '/' ? SIGN_IN_PATH : `${SIGN_IN_PATH}?next=${encodeURIComponent(url)}`, true)
    }
    if (state.status === 'signed-in' && (path === SIGN_IN_PATH || path === '/')) {
      const next = path === SIGN_IN_PATH ? safeNext(query.next) : null
      const first = state.me.sites[0]
      // With no site yet, `/` offers to create one.
      const target = next ?? (first ? homePath(first) : '/')
      if (target && target !== url) route(target, true)
    }
  }, [state, path, url])

  useFocusOnNavigation(path)
  // An invitation is opened before its owner has an account: it needs no session.
  const inviteToken = /^\/invite\/([^/]+)$/.exec(path)?.[1]
  // The invitation's page replaces the account's pages: none of them is behind it, and accepting is
  // a sign-in the user chose, as after a sign-out (review).
  const switched = useAccountSwitch(state.status === 'signed-in' && !inviteToken ? state.me : null)

  if (inviteToken && state.status !== 'loading') {
    return (
      <InvitePage
        api={api}
        token={inviteTokenOf(inviteToken)}
        onSignedIn={(me) => {
          setState({ status: 'signed-in', me })
          const first = me.sites[0]
          route(first ? homePath(first) : '/', true)
        }}
      />
    )
  }

  if (state.status === 'loading') {
    return (
      <main id="main" tabIndex={-1} class="centered">
        <p role="status">Loading…</p>
      </main>
    )
  }
  if (state.status === 'failed') return <StartFailure message={state.message} onRetry={loadSession} />
  if (state.status === 'signed-out') {
    if (path !== SIGN_IN_PATH) return null
    return <SignInPage api={api} notice={state.notice} onSignedIn={(me) => setState({ status: 'signed-in', me })} />
  }

  const session: Session = {
    api,
    me: state.me,
    signOut: async () => {
      await api.logout()
      setState({ status: 'signed-out', notice: 'You are signed out.' })
      route(SIGN_IN_PATH)
    },
    renewals: renewals.current,
    refreshMe: async (then) => {
      const me = await api.me()
      setState({ status: 'signed-in', me })
      if (then) route(then)
    },
  }
  return (
    <SessionContext.Provider value={session}>
      <AppShell notice={switched}>
        {/* Keyed by account: another account's pages start anew, not with what the previous one had typed (useAccountSwitch). */}
        <Router key={state.me.user.id}>
          <Route path="/sites/:siteId/consents" component={ConsentLogRoute} />
          <Route path="/sites/:siteId/catalogue" component={CatalogueRoute} />
          <Route path="/sites/:siteId/publish" component={PublishRoute} />
          <Route path="/sites/:siteId/texts" component={TextsRoute} />
          <Route path="/sites/:siteId/export" component={ExportRoute} />
          <Route path="/sites/:siteId/analytics" component={AnalyticsRoute} />
          <Route path="/sites/:siteId/install" component={InstallRoute} />
          <Route path="/sites/:siteId/settings" component={SettingsRoute} />
          <Route path="/sites/:siteId/members" component={MembersRoute} />
          <Route path="/sites/:siteId/audit" component={AuditRoute} />
          <Route path={PASSWORD_PATH} component={PasswordPage} />
          <Route path={NEW_SITE_PATH} component={NewSitePage} />
          <Route path="/sites/:siteId" component={SiteIndex} />
          <Route path="/" component={HomePage} />
          <Route path={SIGN_IN_PATH} component={HomePage} />
          <Route default component={NotFoundPage} />
        </Router>
      </AppShell>
      {state.expired && (
        <SessionExpired
          api={api}
          me={state.me}
          onSignedIn={(me) => {
            renewals.current++
            // Someone else: useAccountSwitch starts their pages anew, from their first site.
            setState({ status: 'signed-in', me })
          }}
          onSignInAsOther={() => setState({ status: 'signed-out', notice: 'Your session has ended. Sign in again to continue.' })}
        />
      )}
    </SessionContext.Provider>
  )
}

/**
 * Another account signed in while this one's pages were shown: in the "session ended" dialog, or
 * in another tab (cookies are shared), found when `me` is reloaded after a refusal. Whatever loaded
 * the new `me`, this is the one place that sees the account change: the pages are keyed by the
 * account (Root), so they start anew and drop what the previous account had typed but not saved,
 * which a click more would otherwise have saved as the new account (review); the new account's
 * first site opens; and the notice this returns says why, until another page is opened. `me` is
 * the account whose pages are shown, null when none are: a sign-out in between, or the invitation
 * page (Root) whose acceptance signs in, is no switch: whoever signs in next chose to.
 */
function useAccountSwitch(me: Me | null): string | null {
  const { path, url, route } = useLocation()
  const shown = useRef<Me['user'] | null>(me?.user ?? null)
  const [notice, setNotice] = useState<{ text: string; path: string } | null>(null)

  useEffect(() => {
    const before = shown.current
    shown.current = me?.user ?? null
    if (!me) return setNotice(null)
    if (!before || before.id === me.user.id) return
    const first = me.sites[0]
    const target = first ? homePath(first) : '/'
    setNotice({
      text: `Another account is now signed in on this browser: ${me.user.email}, no longer ${before.email}. What ${before.email} had not saved was not kept.`,
      path: target,
    })
    if (target !== url) route(target)
    else focusPageHeading()
  }, [me?.user.id])

  // Shown on the page the switch opened; another page is the new account's own doing.
  useEffect(() => {
    if (notice && path !== notice.path) setNotice(null)
  }, [path])

  return notice?.text ?? null
}

/** Only same-origin paths may be a post-sign-in destination, never `//evil.example`. */
function safeNext(next: string | undefined): string | null {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith(SIGN_IN_PATH)) return null
  return next
}

/**
 * The token of an `/invite/:token` path, decoded. A link with a broken %-escape (cut short when
 * copied) is passed on as it came: decoding it threw while rendering, and the app stayed on
 * "Loading…"; now the server refuses it as it refuses any bad token, and the page says so.
 */
function inviteTokenOf(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/** `/sites/:siteId` has no page of its own: show the site's first page for this role (homePath). */
function SiteIndex({ siteId }: { siteId: string }) {
  const { route } = useLocation()
  const { me } = useSession()
  const site = findSite(me, siteId)
  useEffect(() => route(site ? homePath(site) : consentLogPath(siteId), true), [siteId, site])
  return null
}

/**
 * After a client-side navigation, move focus to the new page's heading, as a full page load
 * would reset it, so keyboard and screen reader users start reading at the new content.
 */
function useFocusOnNavigation(path: string) {
  const previous = useRef(path)
  useEffect(() => {
    if (previous.current === path) return
    previous.current = path
    focusPageHeading()
  }, [path])
}

/** Focus to the page's heading, where a full page load would start reading. */
function focusPageHeading() {
  const target = document.querySelector<HTMLElement>('main h1') ?? document.getElementById('main')
  if (!target) return
  if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1')
  target.focus()
}

function StartFailure({ message, onRetry }: { message: string; onRetry: () => void }) {
  useDocumentTitle('Dashboard unavailable')
  return (
    <main id="main" tabIndex={-1} class="centered">
      <h1>The dashboard could not start</h1>
      <p role="alert">{message}</p>
      <button type="button" class="primary" onClick={onRetry}>
        Try again
      </button>
    </main>
  )
}
