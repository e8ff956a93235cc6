// What to delete when categories are denied (issue 3): every declared cookie and storage entry of
// a denied category or service, except our own stored choice.
import { own } from './consent'
import { matchingNames } from './wildcard'
import type { PublishedConfig } from './types'
import type { StorageKind } from '@miniconsent/shared'

export interface Removal {
  kind: StorageKind
  name: string
  /** Declared domain and path, tried in addition to the current host's parents and `/`. */
  domain?: string
  path?: string
}

export function removals(
  config: PublishedConfig,
  categories: Record<string, boolean>,
  services: Record<string, boolean>,
  present: Record<StorageKind, readonly string[]>,
): Removal[] {
  const out: Removal[] = []
  for (const e of config.catalogue.entries) {
    // A service the visitor allowed inside a denied category keeps its entries, and the reverse.
    const granted = (e.service === undefined ? undefined : own(services, e.service)) ?? own(categories, e.category)
    if (granted) continue
    // A database named in full is deleted whether or not it is known to exist; a wildcard covers
    // the databases `present` lists (none where the browser cannot list them).
    const names = e.kind === 'indexedDB' && !e.name.includes('*') ? [e.name] : matchingNames(e.name, present[e.kind])
    for (const name of names) {
      if (e.kind === 'cookie' && name === config.site.cookieName) continue
      out.push({ kind: e.kind, name, domain: e.domain, path: e.path })
    }
  }
  return out
}

/** The host and each parent domain a cookie may have been set on (`a.b.example.com` → …, `example.com`). */
export function cookieDomains(hostname: string): string[] {
  if (/^[\d.]+$|:/.test(hostname)) return [hostname]
  const parts = hostname.split('.')
  const out: string[] = []
  for (let i = 0; i < parts.length - 1 || i === 0; i++) out.push(parts.slice(i).join('.'))
  return out
}

/**
 * The paths a cookie visible on `pathname` may have been set on: `/`, and each directory of it
 * with and without its trailing slash (`/shop/cart.html` → `/shop`, `/shop/`, the page itself).
 * A cookie set without a path is filed under the directory of the page that set it (RFC 6265's
 * default-path: up to, not including, the last `/`); a path given may be any of these.
 */
export function cookiePaths(pathname: string): string[] {
  const out = ['/']
  for (let i = 1; i < pathname.length; i++) if (pathname[i] == '/') out.push(pathname.slice(0, i), pathname.slice(0, i + 1))
  return [...out, pathname]
}
