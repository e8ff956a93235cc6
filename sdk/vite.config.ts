// Shared by the two bundle builds (scripts/build.mjs) and by vitest.
import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Classic h() calls: preact's createElement is in the bundle anyway, its jsx-runtime would add more.
  oxc: { jsx: { runtime: 'classic', pragma: 'h', pragmaFrag: 'Fragment' } },
  build: { target: 'es2021', minify: false, sourcemap: false, reportCompressedSize: false },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    // Three files at a time even on two cores (vitest's default there is one): the bundle's tests
    // (bundle*.test.ts) spend most of their time waiting for chunks and timers.
    maxWorkers: Math.max(3, availableParallelism() - 1),
  },
})
