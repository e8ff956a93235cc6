// Declared cookie and storage names may hold `*` for any characters (`sentry-*`, `_ga_*`): the
// rule is shared's, as the dashboard checks a catalogue by it.
import { wildcardToRegExp } from '@miniconsent/shared/wildcard'

export { matchesName } from '@miniconsent/shared/wildcard'

/** The names among `present` that a declared pattern covers. */
export function matchingNames(pattern: string, present: readonly string[]): string[] {
  const re = wildcardToRegExp(pattern)
  return present.filter((n) => re.test(n))
}
