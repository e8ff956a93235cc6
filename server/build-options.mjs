// How the server's code is bundled, for `node dist/…` (build.mjs) and for the tests' thread
// scripts (vitest.threads.mjs). Workspace packages (@miniconsent/shared is TypeScript source) are
// bundled in; every other dependency stays in node_modules.
import { readFileSync } from 'node:fs'

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'))
const external = Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })
  .filter(([, version]) => !String(version).startsWith('workspace:'))
  .flatMap(([name]) => [name, `${name}/*`])

/**
 * The worker threads' scripts, loaded by path beside main.js (services/consent-log.ts,
 * services/export.ts, services/stats.ts, services/consent-subjects.ts; lib/worker-script.ts).
 */
export const THREAD_ENTRIES = {
  'consent-writer-thread': 'src/services/consent-writer-thread.ts',
  'export-worker': 'src/services/export-worker.ts',
  'verify-worker': 'src/services/verify-worker.ts',
  'stats-worker': 'src/services/stats-worker.ts',
  'listing-worker': 'src/services/listing-worker.ts',
  'subjects-worker': 'src/services/subjects-worker.ts',
}

/** esbuild's options for `entryPoints` into `outdir`. */
export function serverBuild(outdir, entryPoints) {
  return {
    entryPoints,
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    external,
    // Bundled CommonJS code may call require(); ESM output has none unless we make one.
    banner: { js: "import { createRequire as __mcCreateRequire } from 'node:module'; const require = __mcCreateRequire(import.meta.url);" },
    logLevel: 'warning',
    // The server's own tests lower scrypt's cost under vitest (lib/password.ts): never a built server.
    define: { 'process.env.VITEST': 'undefined' },
  }
}
