// The stored choice: the first-party cookie a visitor's browser keeps (SPEC §3).
// Versioned and compact, readable by the site's own back-end with `parseConsentCookie`.
// Pure and zod-free, with no imports: the SDK bundles this file, and a site's back-end copies it (README, The stored choice).
//
// Format v1, fields joined by '.', lists joined by '~':
//   1.<consentId>.<revision>.<updatedAt, seconds since epoch, base 36>.<method>.<granted categories>.<service exceptions>[.<flags>]
// - granted categories: ids of the categories the visitor granted (essential included).
// - service exceptions: services whose choice differs from their category's: `id` granted inside a
//   denied category, `!id` denied inside a granted category.
// - flags (optional, base 36 bit field): 1 = GPC was honoured.
// Ids are slugs (`[a-z0-9][a-z0-9_-]*`), so they never contain '.', '~' or '!'.

export const CONSENT_METHODS = ['accept-all', 'reject-all', 'custom', 'withdraw', 'gpc', 'api'] as const
export type ConsentMethod = (typeof CONSENT_METHODS)[number]

export interface StoredChoice {
  consentId: string
  revision: number
  /** Milliseconds since epoch (stored with one-second precision). */
  updatedAt: number
  method: ConsentMethod
  /** Category ids the visitor granted. */
  granted: string[]
  /**
   * Per-service choices that differ from the service's category. A plain object (the SDK's bytes
   * count): read it with `Object.hasOwn`, or ask `choiceAllows`, so that `constructor` is not Object's.
   */
  services: Record<string, boolean>
  gpc: boolean
}

const SLUG = /^[a-z0-9][a-z0-9_-]*$/
const CONSENT_ID = /^[A-Za-z0-9_-]{8,64}$/
const FORMAT_VERSION = '1'

export function encodeConsentCookie(choice: StoredChoice): string {
  const exceptions = Object.keys(choice.services)
    .sort()
    .map((id) => (choice.services[id] ? id : '!' + id))
  const fields = [
    FORMAT_VERSION,
    choice.consentId,
    String(choice.revision),
    Math.floor(choice.updatedAt / 1000).toString(36),
    choice.method,
    [...choice.granted].sort().join('~'),
    exceptions.join('~'),
  ]
  if (choice.gpc) fields.push('1')
  return fields.join('.')
}

/** Parses a cookie value written by `encodeConsentCookie`; returns null for anything unreadable. */
export function parseConsentCookie(value: string | null | undefined): StoredChoice | null {
  if (!value) return null
  let raw = value
  if (raw.includes('%')) {
    try {
      raw = decodeURIComponent(raw)
    } catch {
      return null
    }
  }
  const f = raw.split('.')
  if (f.length < 7 || f.length > 8 || f[0] !== FORMAT_VERSION) return null
  const [, consentId, rev, ts, method, granted, exceptions, flags] = f as [string, string, string, string, string, string, string, string?]
  if (!CONSENT_ID.test(consentId) || !/^\d{1,9}$/.test(rev) || !/^[0-9a-z]{1,9}$/.test(ts)) return null
  if (!(CONSENT_METHODS as readonly string[]).includes(method)) return null
  const grantedList = granted ? granted.split('~') : []
  if (!grantedList.every((id) => SLUG.test(id))) return null
  const services: Record<string, boolean> = {}
  for (const item of exceptions ? exceptions.split('~') : []) {
    const denied = item.startsWith('!')
    const id = denied ? item.slice(1) : item
    if (!SLUG.test(id)) return null
    services[id] = !denied
  }
  if (flags !== undefined && !/^[0-9a-z]{1,4}$/.test(flags)) return null
  return {
    consentId,
    revision: Number(rev),
    updatedAt: parseInt(ts, 36) * 1000,
    method: method as ConsentMethod,
    granted: grantedList,
    services,
    gpc: flags !== undefined && (parseInt(flags, 36) & 1) === 1,
  }
}

/**
 * Whether a stored choice allows a category, or a service of that category: the service's own
 * exception when it has one, else its category's choice. A name the choice does not know (a
 * category added since, a typo, `constructor`) is refused.
 */
export function choiceAllows(choice: StoredChoice | null, category: string, service?: string): boolean {
  if (!choice) return false
  if (service !== undefined && Object.hasOwn(choice.services, service)) return choice.services[service] === true
  return choice.granted.includes(category)
}

/** Reads the consent cookie out of a `Cookie` request header. */
export function parseConsentCookieHeader(header: string | null | undefined, name = 'miniconsent'): StoredChoice | null {
  if (!header) return null
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return parseConsentCookie(part.slice(eq + 1).trim())
  }
  return null
}
