// The thread behind one export (export.ts): it opens a read-only connection of its own, starts a
// read transaction (the snapshot, WAL), reports the chain head it sees, then reads and formats
// pages on its own core while the main thread hashes and sends the bytes it has already got.
//
// Flow control is by credit: the main thread grants one chunk per chunk it has sent on, so at
// most a few chunks are ever in flight and memory stays flat however slow the download is.
import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { chainHead, exportPages, type Page, type ExportPlan } from './export-pages'

/** Messages from the main thread. */
export type ToWorker = { credit: number } | { stop: true }
/** Messages to the main thread: the head first, then the pages, then done or an error. */
export type FromWorker =
  | { head: { seq: number; hash: string } }
  | Page
  | { done: true }
  | { error: string }

const port = parentPort!
const { file, plan } = workerData as { file: string; plan: ExportPlan }
const send = (m: FromWorker) => port.postMessage(m)

const conn = new Database(file, { readonly: true, fileMustExist: true })
const finish = () => {
  if (conn.open) conn.close()
  port.close()
}

try {
  conn.pragma('busy_timeout = 5000')
  // A sequential read needs few cached pages; the default 16 MB would only add to the server's memory.
  conn.pragma('cache_size = -2000')
  conn.prepare('BEGIN').run()
  const head = chainHead(conn, plan.siteId)
  send({ head })
  const chunks = exportPages(conn, plan, head)
  let credit = 0
  let running = false
  const pump = () => {
    if (running) return
    running = true
    try {
      while (credit > 0) {
        const next = chunks.next()
        if (next.done) {
          send({ done: true })
          finish()
          return
        }
        credit -= 1
        send(next.value)
      }
    } catch (e) {
      send({ error: e instanceof Error ? e.message : String(e) })
      finish()
    } finally {
      running = false
    }
  }
  port.on('message', (m: ToWorker) => {
    if ('stop' in m) return finish()
    credit += m.credit
    pump()
  })
} catch (e) {
  send({ error: e instanceof Error ? e.message : String(e) })
  finish()
}
