import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // The worker threads' scripts bundled once, before the files run: a thread then starts in a third of the time.
    globalSetup: ['./vitest.threads.mjs'],
    // Each file opens its own SQLite file; scrypt hashing makes auth tests the slowest. With three
    // files at a time (below) on two cores, the slowest test (a stats filter sweep, ~5 s alone)
    // took 19 s; a limit, not a measure.
    testTimeout: 45_000,
    // Hooks sign users in (scrypt) the same way: a beforeEach took over 10 s on a loaded machine.
    hookTimeout: 45_000,
    // Three files at a time even on two cores (vitest's default there is one): much of a file's
    // time is spent waiting on fsync, scrypt's thread pool, timers and the servers some tests
    // start (measured before the threads' bundles: ~5.1 min, against ~6 with two and ~10 with one;
    // ~2.7 min with them).
    maxWorkers: Math.max(3, availableParallelism() - 1),
    // Route tests create and sign in hundreds of accounts: at scrypt's N of 2^14 that was ~80 s of
    // the suite's ~310 (measured: 312 s → 228 s). The password module takes this lower N only under
    // vitest; password.test.ts checks today's parameters without it.
    env: { MINICONSENT_TEST_SCRYPT_N: '1024' },
  },
})
