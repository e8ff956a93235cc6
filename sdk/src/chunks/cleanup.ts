// dist/cleanup.js: removal of the declared cookies and storage entries a choice denies (issue 3),
// loaded after a choice that denies something.
import { cookieDomains, cookiePaths, removals } from '../core/cleanup'
import type { CleanupChunk, ConsentState, PublishedConfig } from '../core/types'

const d = document
const keys = (kind: 'localStorage' | 'sessionStorage') => {
  try {
    return Object.keys(window[kind])
  } catch {
    return []
  }
}

/**
 * The IndexedDB databases of this origin, where the browser can list them (not Firefox before 126);
 * none after 1 s, so that a listing that never answers holds up no cookie's removal or reload.
 */
const databases = (): Promise<string[]> =>
  Promise.race([
    Promise.resolve()
      .then(() => indexedDB.databases())
      .then((l) => l.map((db) => db.name!), () => []),
    new Promise<string[]>((done) => setTimeout(done, 1e3, [])),
  ])

/**
 * A cookie is only removed by repeating the domain and path it was set with, which the page
 * cannot read: try the host alone, each parent domain and the declared domain, on the declared
 * path and every path the cookie can be visible from here: `/`, each directory of the current
 * path with and without its trailing slash, and the current path (see cookiePaths).
 */
const removeDenied = (config: PublishedConfig, state: ConsentState): Promise<void> =>
  databases().then((dbs) => {
    const present = {
      cookie: d.cookie ? d.cookie.split('; ').map((c) => c.split('=')[0]!) : [],
      localStorage: keys('localStorage'),
      sessionStorage: keys('sessionStorage'),
      indexedDB: dbs,
    }
    for (const r of removals(config, state.categories, state.services, present)) {
      try {
        if (r.kind === 'cookie') {
          for (const domain of ['', r.domain, ...cookieDomains(location.hostname)])
            for (const path of [r.path, ...cookiePaths(location.pathname)])
              // A `;` would end the attribute and start one of its own (a revision published before
              // the catalogue refused one; a `;` in the page's own path): that try is left out.
              if (path && domain !== undefined && !(path + domain).includes(';'))
                d.cookie = `${r.name}=;max-age=0;path=${path}${domain && ';domain=' + domain}`
        } else if (r.kind === 'indexedDB') indexedDB.deleteDatabase(r.name)
        else window[r.kind].removeItem(r.name)
      } catch {}
    }
  })

export default { _clean: removeDenied } satisfies CleanupChunk
