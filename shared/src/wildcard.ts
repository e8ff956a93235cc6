// A catalogue's cookie and storage names may hold `*` for any characters (`sentry-*`, `_ga_*`);
// everything else is literal. The SDK's cleanup matches them with the same code
// (`@miniconsent/shared/wildcard`), the dashboard's consent cookie check (own-storage.ts) too.
//
// Matched by hand, not as a regular expression: `.*` groups backtrack, and a pattern an editor
// writes as `*_*_*_…x` (12 `*`) took 83 ms on a cookie named with 28 underscores in a visitor's
// tab, ten times as long for every 4 more. Here a mismatch goes back to the last `*` only, which
// bounds the work by the two lengths' product.

/** Whether the declared name `pattern` covers the name `name`. */
export function matchesName(pattern: string, name: string): boolean {
  let p = 0
  let n = 0
  // The last `*` seen, and the first character of the name it has not yet taken.
  let star = -1
  let resume = 0
  while (n < name.length) {
    if (pattern[p] === '*') {
      star = p++
      resume = n
    } else if (p < pattern.length && pattern[p] === name[n]) {
      p++
      n++
    } else if (star >= 0) {
      p = star + 1
      n = ++resume
    } else {
      return false
    }
  }
  while (pattern[p] === '*') p++
  return p === pattern.length
}
