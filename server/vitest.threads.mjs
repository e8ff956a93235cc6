// vitest's global setup: the worker threads' scripts, bundled from the source as the server's build
// bundles them, into a folder of this run's. Each thread the tests start (a listing, statistics, a
// verification, a look-up, an export, every test server's writer) then loads its bundle, as the
// built server does, rather than compile its TypeScript through tsx's loader: ~150 ms a thread
// instead of ~450 (lib/worker-script.ts, MINICONSENT_THREAD_SCRIPTS). Inside node_modules, so
// that the bundles find their dependencies as dist/ does. Bundled again before each rerun of
// `vitest watch`, so that a thread never runs older code than the test that starts it.
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { serverBuild, THREAD_ENTRIES } from './build-options.mjs'

const PREFIX = 'miniconsent-test-threads-'

/** Whether the process `pid` still runs (a folder named for it is in use). */
function running(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return e.code === 'EPERM'
  }
}

export default async function setup(project) {
  const parent = fileURLToPath(new URL('./node_modules/.cache/', import.meta.url))
  mkdirSync(parent, { recursive: true })
  // Folders left by runs that were interrupted (their teardown never ran): named for their process, now gone.
  for (const name of readdirSync(parent)) {
    const pid = name.startsWith(PREFIX) ? Number(name.slice(PREFIX.length).split('-')[0]) : NaN
    if (Number.isInteger(pid) && pid > 0 && !running(pid)) rmSync(join(parent, name), { recursive: true, force: true })
  }
  const dir = mkdtempSync(join(parent, `${PREFIX}${process.pid}-`))
  // Each file is written beside its place and renamed over it: a thread starting meanwhile loads
  // the old bundle or the new one, never half of one.
  const bundle = async () => {
    const { outputFiles } = await build({ ...serverBuild(dir, THREAD_ENTRIES), write: false })
    for (const file of outputFiles) {
      writeFileSync(`${file.path}.tmp`, file.contents)
      renameSync(`${file.path}.tmp`, file.path)
    }
  }
  try {
    await bundle()
  } catch (e) {
    rmSync(dir, { recursive: true, force: true })
    throw e
  }
  project.onTestsRerun(async () => {
    try {
      await bundle()
    } catch (e) {
      // A source that does not build (mid-edit): watch goes on, and the threads compile their
      // TypeScript through tsx (lib/worker-script.ts), so the tests that start one show the error.
      console.error(`vitest.threads.mjs: the threads' scripts did not bundle; the tests load them through tsx until they do.\n${e instanceof Error ? e.message : e}`)
      for (const name of readdirSync(dir)) rmSync(join(dir, name), { force: true })
    }
  })
  process.env.MINICONSENT_THREAD_SCRIPTS = dir
  return () => rmSync(dir, { recursive: true, force: true })
}
