import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Each file opens its own SQLite file; scrypt hashing makes auth tests the slowest. With two
    // files at a time (below) on a busy machine, the slowest test (a stats filter sweep, ~5 s
    // alone) once took over 15 s.
    testTimeout: 30_000,
    // Hooks sign users in (scrypt) the same way: a beforeEach took over 10 s on a loaded machine.
    hookTimeout: 30_000,
    // Two files at a time even on two cores (vitest's default there is one): much of a file's time
    // is spent waiting on fsync, scrypt's thread pool and timers, so the suite takes ~3.8 min, not ~6.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
})
