// A catalogue's cookie and storage names may hold `*` for any characters (`sentry-*`, `_ga_*`);
// everything else is literal. The SDK's cleanup matches them with the same code
// (`@miniconsent/shared/wildcard`), the dashboard's consent cookie check (own-storage.ts) too.

/** The declared name `pattern` as a regular expression for whole names. */
export function wildcardToRegExp(pattern: string): RegExp {
  return new RegExp('^' + pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$')
}

/** Whether the declared name `pattern` covers the name `name`. */
export function matchesName(pattern: string, name: string): boolean {
  return wildcardToRegExp(pattern).test(name)
}
