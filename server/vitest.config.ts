import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Each file opens its own SQLite file; scrypt hashing makes auth tests the slowest.
    testTimeout: 15_000,
  },
})
