// vitest's global setup: the worker threads' scripts, bundled from the source as the server's build
// bundles them, into a folder of this run's. Each thread the tests start (a listing, statistics, a
// verification, a look-up, an export, every test server's writer) then loads its bundle, as the
// built server does, rather than compile its TypeScript through tsx's loader: ~150 ms a thread
// instead of ~450 (lib/worker-script.ts, MINICONSENT_THREAD_SCRIPTS). Inside node_modules, so
// that the bundles find their dependencies as dist/ does.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { serverBuild, THREAD_ENTRIES } from './build-options.mjs'

export default async function setup() {
  const parent = fileURLToPath(new URL('./node_modules/.cache/', import.meta.url))
  mkdirSync(parent, { recursive: true })
  const dir = mkdtempSync(`${parent}miniconsent-test-threads-`)
  await build(serverBuild(dir, THREAD_ENTRIES))
  process.env.MINICONSENT_THREAD_SCRIPTS = dir
  return () => rmSync(dir, { recursive: true, force: true })
}
