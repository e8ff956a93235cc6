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
  present: Record<'cookie' | 'localStorage' | 'sessionStorage', readonly string[]>,
): Removal[] {
  const out: Removal[] = []
  for (const e of config.catalogue.entries) {
    // A service the visitor allowed inside a denied category keeps its entries, and the reverse.
    const granted = (e.service === undefined ? undefined : own(services, e.service)) ?? own(categories, e.category)
    if (granted) continue
    const names =
      e.kind === 'indexedDB' ? (e.name.includes('*') ? [] : [e.name]) : matchingNames(e.name, present[e.kind])
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
