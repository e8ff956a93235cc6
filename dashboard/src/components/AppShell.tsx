import type { ComponentChildren } from 'preact'
import { useLocation } from 'preact-iso'
import { useState } from 'preact/hooks'
import { ApiRequestError } from '../api'
import { canSee, findSite, homePath, NEW_SITE_PATH, PASSWORD_PATH, SITE_PAGES, sitePath, useSession, type SitePageSlug } from '../session'
import { confirmLeave } from '../unsaved-changes'

/** The page slug in `/sites/:siteId/<slug>`, to stay on the same page when switching sites. */
function pageFromPath(path: string): SitePageSlug | undefined {
  const slug = /^\/sites\/[^/]+\/([^/]+)/.exec(path)?.[1]
  return SITE_PAGES.find((p) => p.slug === slug)?.slug
}

/** The site id in `/sites/:siteId/...`, if the current page belongs to a site. */
export function siteIdFromPath(path: string): string | undefined {
  const match = /^\/sites\/([^/]+)/.exec(path)
  if (!match?.[1]) return undefined
  try {
    return decodeURIComponent(match[1])
  } catch {
    return undefined
  }
}

/** Keys that step a closed select's choice (chromium changes it at once, and fires `change`). */
const STEP_KEYS = new Set(['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'Home', 'End', 'PageUp', 'PageDown'])
/** A `change` this soon after such a key is that key's. */
const STEP_MS = 100
/** When a step key was last pressed on the site switcher (the event's time). */
let steppedAt = -Infinity

/** `notice`: said in the header's alert, e.g. that another account is now signed in (App's useAccountSwitch). */
export function AppShell({ children, notice = null }: { children: ComponentChildren; notice?: string | null }) {
  const { me, signOut } = useSession()
  const { path, route } = useLocation()
  const [signingOut, setSigningOut] = useState(false)
  const [signOutError, setSignOutError] = useState<string | null>(null)

  const currentSite = findSite(me, siteIdFromPath(path)) ?? me.sites[0]
  const logPath = currentSite ? homePath(currentSite) : null

  /** Goes to the site chosen in `select`, on the same page where its role may see it; asks first over unsaved edits. */
  function switchTo(select: HTMLSelectElement) {
    const next = findSite(me, select.value)
    if (!next || next.id === currentSite?.id || !confirmLeave()) {
      select.value = currentSite?.id ?? ''
      return
    }
    const page = pageFromPath(path)
    route(page && canSee(next.role, page) ? sitePath(next.id, page) : homePath(next))
  }

  async function onSignOut() {
    // Signing out leaves the page: unsaved edits are asked about, as for a link.
    if (!confirmLeave()) return
    setSigningOut(true)
    setSignOutError(null)
    try {
      await signOut()
    } catch (err) {
      setSignOutError(err instanceof ApiRequestError ? `Could not sign out: ${err.message}` : 'Could not sign out. Try again.')
      setSigningOut(false)
    }
  }

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to main content
      </a>
      <header class="app-header">
        <a class="brand" href={logPath ?? '/'}>
          MiniConsent
        </a>
        {currentSite && (
          <div class="site-switcher">
            <label for="site-switcher">Site</label>
            <select
              id="site-switcher"
              value={currentSite.id}
              aria-describedby="site-switcher-hint"
              onKeyDown={(e) => {
                // Arrow keys and typing a name on the closed list step through the sites without
                // going (WCAG 3.2.2): Enter goes to the one chosen.
                // (A character, whatever made it: AltGr, Option, an input method's `Process`.)
                if (STEP_KEYS.has(e.key) || [...e.key].length === 1 || e.key === 'Process') steppedAt = e.timeStamp
                else if (e.key === 'Enter' && e.currentTarget.value !== currentSite.id) {
                  e.preventDefault()
                  switchTo(e.currentTarget)
                }
              }}
              onChange={(e) => {
                if (e.timeStamp - steppedAt < STEP_MS) return
                switchTo(e.currentTarget)
              }}
              // Left without Enter: the list shows the site this page is of again.
              onBlur={(e) => (e.currentTarget.value = currentSite.id)}
            >
              {me.sites.map((site) => (
                <option key={site.id} value={site.id}>
                  {site.name} ({site.role})
                </option>
              ))}
            </select>
            <span id="site-switcher-hint" class="visually-hidden">
              Choose a site with the arrow keys or by typing its name, then press Enter
            </span>
          </div>
        )}
        {me.canCreateSites && (
          <a href={NEW_SITE_PATH} aria-current={path === NEW_SITE_PATH ? 'page' : undefined}>
            New site
          </a>
        )}
        <div class="account">
          <span class="account-email">
            Signed in as <strong>{me.user.email}</strong>
          </span>
          <a href={PASSWORD_PATH} aria-current={path === PASSWORD_PATH ? 'page' : undefined}>
            Change password
          </a>
          <button type="button" onClick={onSignOut} disabled={signingOut}>
            Sign out
          </button>
        </div>
        <div role="alert" class="header-alert">
          {notice && <p class="notice">{notice}</p>}
          {signOutError && <p class="form-error">{signOutError}</p>}
        </div>
      </header>
      {currentSite && (
        <nav class="app-nav" aria-label="Main">
          <ul>
            {SITE_PAGES.filter((page) => canSee(currentSite.role, page.slug)).map((page) => {
              const href = sitePath(currentSite.id, page.slug)
              return (
                <li key={page.slug}>
                  <a href={href} aria-current={path === href ? 'page' : undefined}>
                    {page.label}
                  </a>
                </li>
              )
            })}
          </ul>
        </nav>
      )}
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  )
}
