// Where a worker thread's script is, built or from source: the one place that knows both.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

/** The `new Worker(entry, options)` arguments for a thread script. */
export type WorkerScript = [entry: string | URL, options: { eval?: boolean }]

let tsxApi: string | undefined

/**
 * The thread script `name` beside the module at `from` (its `import.meta.url`). Built: `name.js`
 * beside the bundle (build.mjs emits each thread's script as an entry of its own). From source
 * (tests, tsx): `name.ts`, loaded through tsx's loader, which a worker does not inherit and
 * `--import` in its execArgv does not install on Node 20. tsx's ESM API is located from this
 * package as its exports map names it (a require() resolution would give the CJS one), not from
 * the working directory.
 */
export function workerScript(from: string, name: string): WorkerScript {
  if (!from.endsWith('.ts')) return [new URL(`./${name}.js`, from), {}]
  if (!tsxApi) {
    const manifest = createRequire(import.meta.url).resolve('tsx/package.json')
    const exportsMap = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports
    tsxApi = new URL(exportsMap['./esm/api']!.import.default, pathToFileURL(manifest)).href
  }
  const entry = new URL(`./${name}.ts`, from).href
  return [`import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}) })`, { eval: true }]
}
