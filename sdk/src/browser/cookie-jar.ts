// Reading and writing the stored choice: the only cookie work a returning visit needs.
import { d } from './dom'

export function readCookie(name: string): string | null {
  try {
    for (const c of d.cookie.split('; ')) if (c.startsWith(name + '=')) return c.slice(name.length + 1)
  } catch {}
  return null
}

export function writeCookie(name: string, value: string, days: number): void {
  try {
    d.cookie = `${name}=${value};max-age=${days * 86400};path=/;samesite=lax${location.protocol === 'https:' ? ';secure' : ''}`
  } catch {}
}
