// A catalogue's cookie and storage names may hold `*` for any characters (`sentry-*`, `_ga_*`);
// everything else is literal. The SDK matches them the same way (sdk/src/core/wildcard.ts).

/** Whether the declared name `pattern` covers the name `name`. */
export function matchesName(pattern: string, name: string): boolean {
  return new RegExp('^' + pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$').test(name)
}
