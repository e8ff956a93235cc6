// Bundles the server and the CLI for `node dist/…`. Workspace packages (@miniconsent/shared is
// TypeScript source) are bundled in; every other dependency stays in node_modules.
import { readFileSync } from 'node:fs'
import { build } from 'esbuild'

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'))
const external = Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })
  .filter(([, version]) => !String(version).startsWith('workspace:'))
  .flatMap(([name]) => [name, `${name}/*`])

await build({
  // The worker threads are loaded by path, beside main.js (services/consent-log.ts, services/export.ts, services/stats.ts,
  // services/consent-subjects.ts).
  entryPoints: {
    main: 'src/main.ts',
    cli: 'src/cli.ts',
    'consent-writer-thread': 'src/services/consent-writer-thread.ts',
    // Not a thread: the bench's bare writer (bench/bare-writer.mjs) feeds the writer thread through it.
    'writer-channel': 'src/services/writer-channel.ts',
    'export-worker': 'src/services/export-worker.ts',
    'verify-worker': 'src/services/verify-worker.ts',
    'stats-worker': 'src/services/stats-worker.ts',
    'listing-worker': 'src/services/listing-worker.ts',
    'subjects-worker': 'src/services/subjects-worker.ts',
  },
  outdir: 'dist',
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
})
