// The retention purge on a large log, as the server runs it (purgeSiteGradually: transactions of
// PURGE_BATCH rows, the event loop free between two), with every connection's `secure_delete = ON`
// (db/client.ts) and, for comparison, `FAST`: how long the event loop is held per transaction, and
// the purge in all. The log is generated once, and each run purges a copy of it, synced to disk
// first: the pages the generation left in the OS cache would otherwise be flushed by the first
// commit's sync, a cost no server whose log grew over months pays.
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../src/db/client'
import { DEMO_SITES } from '../src/seed/catalogues'
import { seedSites } from '../src/seed/seed'
import { purgeSiteGradually } from '../src/services/retention'
import { fmt } from './format'
import { generateRecords } from './generate'

/** `records` spread over 730 days, then the retention lowered to 700: the lines to print. */
export async function purgeBench(records: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'miniconsent-bench-purge-'))
  try {
    const base = join(dir, 'base.sqlite')
    const now = Date.now()
    const db = openDatabase(base)
    seedSites(db, DEMO_SITES, { now })
    generateRecords(db, 'minopa', records, { now, spanDays: 730 })
    db.$client.pragma('wal_checkpoint(TRUNCATE)')
    db.$client.close()
    let out = `retention purge of ${fmt(records)} records spread over 730 days, lowered to 700 (transactions of at most 200 rows):\n`
    for (const mode of ['ON', 'FAST', 'ON', 'FAST']) {
      const file = join(dir, `${mode}.sqlite`)
      copyFileSync(base, file)
      execFileSync('sync')
      const copy = openDatabase(file, { migrate: false })
      copy.$client.pragma(`secure_delete = ${mode}`)
      // Each gap between two calls of `between` is one transaction (and a turn of the event loop).
      const held: number[] = []
      let last = 0
      const start = performance.now()
      const r = await purgeSiteGradually(copy, 'minopa', 700, now, {
        between: async () => {
          const at = performance.now()
          if (last) held.push(at - last)
          last = at
        },
      })
      const seconds = (performance.now() - start) / 1000
      copy.$client.close()
      for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true })
      held.sort((a, b) => a - b)
      const at = (p: number) => held[Math.min(held.length - 1, Math.floor(p * held.length))]!
      out +=
        `  secure_delete = ${mode.padEnd(4)}${mode === 'ON' ? ' (the server)' : '             '}: ${fmt(r.purged)} records in ${fmt(held.length + 1)} transactions, ${fmt(seconds, 1)} s; ` +
        `the event loop held ${fmt(at(0.5), 1)} ms per transaction (median), ${fmt(at(0.99), 1)} ms (p99), ${fmt(at(1), 1)} ms at worst\n`
    }
    return out
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
