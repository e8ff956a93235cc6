// Shared by the two bundle builds (scripts/build.mjs) and by vitest.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { target: 'es2020', minify: false, sourcemap: false, reportCompressedSize: false },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
  },
})
