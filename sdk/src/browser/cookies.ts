// The first-party cookie jar and the removal of declared cookies and storage entries.
import { cookieDomains, type Removal } from '../core/cleanup'

const d = document

export function cookieNames(): string[] {
  try {
    return d.cookie ? d.cookie.split('; ').map((c) => c.slice(0, c.indexOf('=') >>> 0)) : []
  } catch {
    return []
  }
}

export function readCookie(name: string): string | null {
  try {
    for (const c of d.cookie.split('; ')) if (c.slice(0, name.length + 1) === name + '=') return c.slice(name.length + 1)
  } catch {}
  return null
}

export function writeCookie(name: string, value: string, maxAgeSeconds: number): void {
  try {
    d.cookie = `${name}=${value};max-age=${maxAgeSeconds};path=/;samesite=lax${location.protocol === 'https:' ? ';secure' : ''}`
  } catch {}
}

function storageKeys(kind: 'localStorage' | 'sessionStorage'): string[] {
  try {
    return Object.keys(window[kind])
  } catch {
    return []
  }
}

export function presentNames() {
  return { cookie: cookieNames(), localStorage: storageKeys('localStorage'), sessionStorage: storageKeys('sessionStorage') }
}

/**
 * A cookie is only removed by repeating the domain and path it was set with, which the page
 * cannot read: try the host alone, each parent domain and the declared domain, on `/`, the
 * declared path and the current path.
 */
export function remove(list: Removal[]): void {
  for (const r of list) {
    try {
      if (r.kind === 'cookie') {
        const domains = ['', ...cookieDomains(location.hostname)]
        if (r.domain) domains.push(r.domain)
        for (const domain of domains)
          for (const path of ['/', r.path, location.pathname])
            if (path) d.cookie = `${r.name}=;max-age=0;path=${path}${domain && ';domain=' + domain}`
      } else if (r.kind === 'indexedDB') indexedDB.deleteDatabase(r.name)
      else window[r.kind].removeItem(r.name)
    } catch {}
  }
}
