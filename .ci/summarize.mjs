// Sums the counts every test runner printed (vitest per package, Playwright for e2e) into the
// single closing line CI reads: "N passed, N failed[, N skipped]".
import { readFileSync } from 'node:fs'

const [logFile, status] = process.argv.slice(2)
const text = readFileSync(logFile, 'utf8').replace(/\x1b\[[0-9;]*m/g, '')
const totals = { passed: 0, failed: 0, skipped: 0 }
let suites = 0

const add = (kind, n) => {
  if (kind === 'passed' || kind === 'flaky') totals.passed += n
  else if (kind === 'failed') totals.failed += n
  else if (kind === 'skipped' || kind === 'todo' || kind === 'did not run') totals.skipped += n
}

for (const raw of text.split('\n')) {
  // pnpm may prefix a package's lines with "<package> test: ".
  const line = raw.replace(/^\S+ test: ?/, '')
  // vitest: "      Tests  2 failed | 12 passed | 1 skipped (15)"
  const vitest = line.match(/^\s*Tests\s+(.+?)\s+\(\d+\)\s*$/)
  if (vitest) {
    suites++
    for (const part of vitest[1].split('|')) {
      const m = part.trim().match(/^(\d+) (passed|failed|skipped|todo)$/)
      if (m) add(m[2], Number(m[1]))
    }
    continue
  }
  // Playwright's list reporter: "  5 passed (12.3s)", "  1 failed", "  2 skipped", "  1 flaky", "  3 did not run"
  const pw = line.match(/^\s{2}(\d+) (passed|failed|skipped|flaky|did not run)(\s+\([\d.]+(ms|s|m|h)\))?\s*$/)
  if (pw) {
    if (pw[2] === 'passed') suites++
    add(pw[2], Number(pw[1]))
  }
}

// A failing command whose runner printed no count (a crash, a build error) must not read as green.
if (status !== '0' && totals.failed === 0) totals.failed = 1
console.log(`\n${suites} test suites summed.`)
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`)
