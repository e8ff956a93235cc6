// The signed-in session as the pages see it.
import type { Me, SiteSummary } from '@miniconsent/shared'
import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { ApiClient } from './api'

export interface Session {
  api: ApiClient
  me: Me
  signOut: () => Promise<void>
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
