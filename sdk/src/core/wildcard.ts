// Declared cookie and storage names may hold `*` for any characters (`sentry-*`, `_ga_*`).

export function wildcardToRegExp(pattern: string): RegExp {
  return new RegExp('^' + pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$')
}

export function matchesName(pattern: string, name: string): boolean {
  return wildcardToRegExp(pattern).test(name)
}

/** The names among `present` that a declared pattern covers. */
export function matchingNames(pattern: string, present: readonly string[]): string[] {
  const re = wildcardToRegExp(pattern)
  return present.filter((n) => re.test(n))
}
