// Where a worker thread's script is, built or from source: the one place that knows both.
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parentPort, Worker, type ResourceLimits } from 'node:worker_threads'
import Database from 'better-sqlite3'

/** The `new Worker(entry, options)` arguments for a thread script. */
export type WorkerScript = [entry: string | URL, options: { eval?: boolean }]

let tsxApi: string | undefined

/**
 * The thread script `name` beside the module at `from` (its `import.meta.url`). Built: `name.js`
 * beside the bundle (build.mjs emits each thread's script as an entry of its own). Under the
 * server's tests, the bundle of it in MINICONSENT_THREAD_SCRIPTS when there is one. From source
 * (tests, tsx): `name.ts`, loaded through tsx's loader, which a worker does not inherit and
 * `--import` in its execArgv does not install on Node 20. tsx's ESM API is located from this
 * package as its exports map names it (a require() resolution would give the CJS one), not from
 * the working directory.
 */
export function workerScript(from: string, name: string): WorkerScript {
  if (!from.endsWith('.ts')) return [new URL(`./${name}.js`, from), {}]
  // The server's tests bundle the thread scripts from the source before they run (vitest.threads.mjs).
  const built = process.env.MINICONSENT_THREAD_SCRIPTS && join(process.env.MINICONSENT_THREAD_SCRIPTS, `${name}.js`)
  if (built && existsSync(built)) return [pathToFileURL(built), {}]
  if (!tsxApi) {
    const manifest = createRequire(import.meta.url).resolve('tsx/package.json')
    const exportsMap = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports
    tsxApi = new URL(exportsMap['./esm/api']!.import.default, pathToFileURL(manifest)).href
  }
  const entry = new URL(`./${name}.ts`, from).href
  return [`import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}) })`, { eval: true }]
}

/** What a one-shot thread posts, once: its value, or the message of what went wrong. */
export type OneShotReply<T> = { value: T } | { error: string }

/**
 * In a one-shot thread (a verification, a statistics request): runs `work` on a read-only
 * connection of its own to the database `file`, posts its value or its error, and closes the
 * connection. Loads nothing of the server's, so that such a thread starts in a fraction of the time.
 */
export function replyFromReadOnly<T>(file: string, work: (conn: Database.Database) => T): void {
  let reply: OneShotReply<T>
  let conn: Database.Database | null = null
  try {
    conn = new Database(file, { readonly: true, fileMustExist: true })
    conn.pragma('busy_timeout = 5000')
    // Each page is read once, in order or as one index range: the default 16 MB of cache would
    // only add to the server's memory.
    conn.pragma('cache_size = -2000')
    reply = { value: work(conn) }
  } catch (e) {
    reply = { error: e instanceof Error ? e.message : String(e) }
  } finally {
    if (conn?.open) conn.close()
  }
  parentPort!.postMessage(reply)
}

/**
 * Runs a thread that posts one OneShotReply and ends (replyFromReadOnly), and resolves with what
 * `read` makes of its value; an error it reports rejects as `<what> failed: …`. The thread ending
 * without a message, or with an error, rejects. `signal` aborts (the client went away): the thread
 * is ended, and the promise rejects with `aborted()` once it has. Not before: a thread inside
 * SQLite (a query of seconds) cannot be stopped until that call returns, and its caller holds its
 * place among the threads that may run at once (work-slots.ts) until then, rather than let a
 * client that cancels and asks again run any number of them.
 */
export function oneShotThread<V, T>(
  script: WorkerScript,
  o: { workerData: unknown; resourceLimits: ResourceLimits; signal?: AbortSignal | undefined; aborted: () => Error; what: string; read: (value: V) => T },
): Promise<T> {
  const { signal } = o
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(o.aborted())
    const [entry, options] = script
    const thread = new Worker(entry, { ...options, workerData: o.workerData, resourceLimits: o.resourceLimits })
    let settled = false
    let aborting = false
    const settle = (done: () => void) => {
      if (settled) return
      settled = true
      signal?.removeEventListener('abort', abort)
      done()
    }
    const abort = () => {
      // What it posts from now on is for nobody: the promise settles when it has ended.
      aborting = true
      signal?.removeEventListener('abort', abort)
      void thread.terminate()
    }
    signal?.addEventListener('abort', abort, { once: true })
    thread.once('message', (m: OneShotReply<V>) => {
      if (aborting) return
      settle(() => {
        if (!('value' in m)) return reject(new Error(`${o.what} failed: ${m.error}`))
        try {
          resolve(o.read(m.value))
        } catch (e) {
          reject(e)
        }
      })
    })
    thread.once('error', (e) => {
      if (!aborting) settle(() => reject(e))
    })
    thread.once('exit', (code) => settle(() => reject(aborting ? o.aborted() : new Error(`${o.what} thread exited (${code}) without a result`))))
  })
}
