// Declared cookie and storage names may hold `*` for any characters (`sentry-*`, `_ga_*`): the
// rule is shared's, as the dashboard checks a catalogue by it.
import { matchesName } from '@miniconsent/shared/wildcard'

export { matchesName }

/** The names among `present` that a declared pattern covers. */
export function matchingNames(pattern: string, present: readonly string[]): string[] {
  return present.filter((n) => matchesName(pattern, n))
}
