// Declared expiries (`30d`, `24h`, `2y`, `session`, `persistent`) in the visitor's words.
const UNITS: Record<string, string> = { mi: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year' }

export function formatExpiry(expiry: string, lang: string, session: string, persistent: string): string {
  const m = /^(\d+)(mi|h|d|w|mo|y)$/.exec(expiry)
  if (!m) return expiry === 'session' ? session : expiry === 'persistent' ? persistent : expiry
  const unit = UNITS[m[2]!]!
  try {
    return new Intl.NumberFormat(lang, { style: 'unit', unit, unitDisplay: 'long' }).format(+m[1]!)
  } catch {
    return `${m[1]} ${unit}s`
  }
}
