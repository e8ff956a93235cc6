// The signed-in session as the pages see it.
import { LOG_ROLES, type Me, type Role, type SiteSummary } from '@miniconsent/shared'
import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { ApiClient } from './api'

export interface Session {
  api: ApiClient
  me: Me
  signOut: () => Promise<void>
  /**
   * Reloads `me`, e.g. after the user changed their own role on a site. `then`: a page to open
   * with the new `me` (a site just created), in the same render, so no page sees one without the other.
   */
  refreshMe: (then?: string) => Promise<void>
  /** How often the session was renewed through the sign-in dialog while the page stayed (SessionExpired). */
  renewals: number
}

export const SessionContext = createContext<Session | null>(null)

export function useSession(): Session {
  const session = useContext(SessionContext)
  if (!session) throw new Error('useSession is used outside a signed-in page')
  return session
}

export function findSite(me: Me, siteId: string | undefined): SiteSummary | undefined {
  return me.sites.find((s) => s.id === siteId)
}

export function consentLogPath(siteId: string): string {
  return `/sites/${encodeURIComponent(siteId)}/consents`
}

/** The site pages, in nav order. `roles` lists who sees the page at all (SPEC §8). */
export const SITE_PAGES = [
  { slug: 'consents', label: 'Consent log', roles: LOG_ROLES },
  { slug: 'catalogue', label: 'Catalogue', roles: ['owner', 'editor', 'auditor'] },
  { slug: 'publish', label: 'Publish', roles: ['owner', 'editor', 'auditor'] },
  { slug: 'texts', label: 'Texts & appearance', roles: ['owner', 'editor', 'auditor'] },
  { slug: 'export', label: 'Export', roles: LOG_ROLES },
  { slug: 'analytics', label: 'Analytics', roles: LOG_ROLES },
  { slug: 'install', label: 'Install', roles: ['owner', 'editor', 'auditor'] },
  { slug: 'settings', label: 'Site settings', roles: ['owner', 'editor', 'auditor'] },
  { slug: 'members', label: 'Users & roles', roles: ['owner'] },
  { slug: 'audit', label: 'Audit log', roles: LOG_ROLES },
] as const satisfies ReadonlyArray<{ slug: string; label: string; roles: readonly Role[] }>

export type SitePageSlug = (typeof SITE_PAGES)[number]['slug']

export function sitePath(siteId: string, page: SitePageSlug): string {
  return `/sites/${encodeURIComponent(siteId)}/${page}`
}

/** Editors and owners change the catalogue, texts and publish; auditors only read. */
export function canEdit(role: Role): boolean {
  return role === 'owner' || role === 'editor'
}

export function canSee(role: Role, page: SitePageSlug): boolean {
  return (SITE_PAGES.find((p) => p.slug === page)?.roles as readonly Role[] | undefined)?.includes(role) ?? false
}

/**
 * Where a site opens for this role: its first page in nav order that the role sees — the consent
 * log for owners and auditors, the catalogue for editors, who see no visitor's data (SPEC §8).
 */
export function homePath(site: { id: string; role: Role }): string {
  return sitePath(site.id, SITE_PAGES.find((p) => canSee(site.role, p.slug))!.slug)
}

/** `/api/admin` path of a site resource. */
export function siteApi(siteId: string, rest: string): string {
  return `/sites/${encodeURIComponent(siteId)}${rest}`
}

export const PASSWORD_PATH = '/account/password'
export const NEW_SITE_PATH = '/new-site'
