import { availableParallelism } from 'node:os'
import preact from '@preact/preset-vite'
import { defineConfig } from 'vitest/config'

// The server serves this build at `/` (hashed files under `/assets/`), so `base` stays `/`.
export default defineConfig({
  base: '/',
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: {
    port: 18173,
    // Same-origin in development too: the admin session cookie is SameSite=Strict.
    proxy: { '/api': 'http://127.0.0.1:8787' },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
    // Whole-app renders with 50-row tables are slow in happy-dom when the machine is busy.
    testTimeout: 15_000,
    // Two files at a time even on two cores (vitest's default there is one): 25 s instead of 35.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    restoreMocks: true,
    unstubGlobals: true,
  },
})
