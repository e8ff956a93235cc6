// Reading and writing the stored choice: the only cookie work a returning visit needs.
import { d } from './dom'

/** The cookie's value; undefined when there is none, or when the page may not read cookies. */
export function readCookie(name: string): string | undefined {
  try {
    for (const c of d.cookie.split('; ')) if (c.startsWith(name + '=')) return c.slice(name.length + 1)
  } catch {}
}

export function writeCookie(name: string, value: string, days: number): void {
  try {
    d.cookie = `${name}=${value};max-age=${days * 86400};path=/;samesite=lax${location.protocol === 'https:' ? ';secure' : ''}`
  } catch {}
}
