import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { oneShotThread, workerScript, type WorkerScript } from './worker-script'

const COUNT_SQL = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT count(*) AS n FROM c'

/** A thread that says it has started (`started[0]` = 1) and then counts to `count` inside SQLite, one native call. */
const counting: WorkerScript = [
  `const { workerData, parentPort } = require('node:worker_threads')
   const db = new (require('better-sqlite3'))(':memory:')
   const count = db.prepare(${JSON.stringify(COUNT_SQL)})
   Atomics.store(workerData.started, 0, 1)
   parentPort.postMessage({ value: count.get(workerData.count).n })`,
  { eval: true },
]

const limits = { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 64 }

describe('oneShotThread', () => {
  it('answers with what the thread posts', async () => {
    const started = new Int32Array(new SharedArrayBuffer(4))
    const n = await oneShotThread(counting, { workerData: { started, count: 1000 }, resourceLimits: limits, aborted: () => new Error('aborted'), what: 'count', read: (v: number) => v })
    expect(n).toBe(1000)
  })

  it('settles an aborted call only once its thread has ended: a thread inside SQLite runs its call out first', async () => {
    // How long this machine takes to count a million rows in SQLite, and so how many take ~1.5 s.
    const db = new Database(':memory:')
    const t0 = performance.now()
    db.prepare(COUNT_SQL).get(1_000_000)
    const perMillion = performance.now() - t0
    db.close()
    const count = Math.round((1500 / perMillion) * 1_000_000)

    const started = new Int32Array(new SharedArrayBuffer(4))
    const cancel = new AbortController()
    const call = oneShotThread(counting, { workerData: { started, count }, resourceLimits: limits, signal: cancel.signal, aborted: () => new Error('aborted'), what: 'count', read: (v: number) => v })
    const outcome = call.then(
      () => 'answered',
      (e: Error) => e.message,
    )
    await expect.poll(() => Atomics.load(started, 0), { interval: 1, timeout: 20_000 }).toBe(1)
    const abortedAt = performance.now()
    cancel.abort()
    // Neither answered (the client left) nor settled while the thread still counted: its caller's
    // place among the threads that may run at once is held until then.
    expect(await outcome).toBe('aborted')
    expect(performance.now() - abortedAt).toBeGreaterThan(500)
  })

  it('refuses at once a call whose signal was aborted before, starting no thread', async () => {
    const cancel = new AbortController()
    cancel.abort()
    const started = new Int32Array(new SharedArrayBuffer(4))
    await expect(oneShotThread(counting, { workerData: { started, count: 10 }, resourceLimits: limits, signal: cancel.signal, aborted: () => new Error('aborted'), what: 'count', read: (v: number) => v })).rejects.toThrow('aborted')
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(Atomics.load(started, 0)).toBe(0)
  })
})

describe('workerScript', () => {
  it('gives the tests the thread bundles built before they ran (vitest.threads.mjs), and tsx for a script without one', () => {
    const built = process.env.MINICONSENT_THREAD_SCRIPTS
    expect(built, 'vitest.threads.mjs set no MINICONSENT_THREAD_SCRIPTS').toBeTruthy()
    const [entry, options] = workerScript(new URL('../services/stats.ts', import.meta.url).href, 'stats-worker')
    expect(options).toEqual({})
    expect(entry instanceof URL && fileURLToPath(entry)).toBe(join(built!, 'stats-worker.js'))
    expect(existsSync(fileURLToPath(entry as URL))).toBe(true)
    // The channel's echo thread exists only for its test: no bundle, so tsx compiles it.
    const [echo, echoOptions] = workerScript(new URL('../services/writer-channel.test.ts', import.meta.url).href, 'writer-channel-echo')
    expect(echoOptions).toEqual({ eval: true })
    expect(String(echo)).toContain('writer-channel-echo.ts')
  })
})
