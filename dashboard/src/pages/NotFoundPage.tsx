import { homePath, useSession } from '../session'
import { FirstSitePage, firstSiteTitle } from './NewSitePage'
import { useDocumentTitle } from '../use-document-title'

/** `/` once signed in: normally redirected to the first site's log; this shows while it does, or the first site's form when there is none. */
export function HomePage() {
  const { me } = useSession()
  useDocumentTitle(me.sites.length ? 'Dashboard' : firstSiteTitle(me))
  if (me.sites.length) return <p role="status">Opening the consent log…</p>
  return <FirstSitePage />
}

export function NotFoundPage() {
  const { me } = useSession()
  useDocumentTitle('Page not found')
  const first = me.sites[0]
  return (
    <>
      <h1>Page not found</h1>
      <p>There is no page at this address.</p>
      {first && (
        <p>
          <a href={homePath(first)}>Go to {first.name}</a>
        </p>
      )}
    </>
  )
}
