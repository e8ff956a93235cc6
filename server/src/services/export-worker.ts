// The thread behind one export (export.ts): it opens a read-only connection of its own,
// starts a read transaction (the snapshot, WAL), reports the chain head it sees, then reads and
// formats pages on its own core while the main thread hashes and sends the pages it has got.
//
// Flow control is by credit: the main thread grants one page per page it takes, so at most a
// few pages are ever in flight and memory stays flat however slow the download is.
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { chainHead, exportPages, freeNow, ownsMemory, type Page, type ExportPlan } from './export-pages'

/**
 * Messages from the main thread: credit, stop, or the memory of a page it has finished sending,
 * to be filled again (its bytes are then already with the kernel).
 */
export type ToWorker = { credit: number } | { stop: true } | { recycle: ArrayBuffer }
/** Messages to the main thread: the head first, then the pages, then done or an error. */
export type FromWorker =
  | { head: { seq: number; hash: string } }
  | Page
  | { done: true }
  | { error: string }

const port = parentPort!
/** `credit`: how many pages the main thread lets this one read ahead (export.ts). */
const { file, plan, credit: granted } = workerData as { file: string; plan: ExportPlan; credit: number }
const send = (m: FromWorker) => port.postMessage(m)

/**
 * Memory of pages the main thread has sent, handed back once their bytes were with the kernel
 * (CSV pages; the main thread frees NDJSON ones itself, export.ts, and none come back). A page
 * moves to the main thread without a copy; refilling returned memory (and freeing the page just
 * read, freeNow) keeps an export at a few pages' worth of memory in both threads.
 */
const recycled: ArrayBuffer[] = []

/** The page's bytes in memory that can be transferred: returned memory when some is large enough. */
function movable(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const i = recycled.findIndex((b) => b.byteLength >= bytes.byteLength)
  if (i === -1 && ownsMemory(bytes)) return bytes
  const target = i === -1 ? new ArrayBuffer(bytes.byteLength) : recycled.splice(i, 1)[0]!
  const view = new Uint8Array(target, 0, bytes.byteLength)
  view.set(bytes)
  freeNow(bytes)
  return view
}

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
  let credit = granted
  /**
   * Who formats the next page: formatting (splitting the values and d3-dsv, ~2.5 µs per record)
   * costs about as much as reading (~2 µs), and the main thread otherwise only hashes and sends.
   * Unused credit means the main thread is keeping up, so it gets the page's values to format;
   * this thread formats only when three of its four pages wait there. Either way the bytes are the
   * same (export-pages.ts). Measured on 1M records (JSON values, before 0.9.2): the threads at 4.3
   * and 4.6 µs per record, 180,000 rows/s. Before, with the credit taken in only between bursts of
   * pages and this thread formatting from half of it, this thread was at 6.4 µs and the export at
   * 142,000 rows/s. Never formatting here: ~35 % slower (measured with the values split, 0.9.2).
   */
  const chunks = exportPages(conn, plan, head, () => credit < granted / 2)
  let running = false
  const pump = () => {
    if (running) return
    running = true
    try {
      // At most `granted` pages a turn, then back to the event loop (setImmediate below): memory
      // freed by freeNow() is let go there, and an export whose credit never ran out held on to
      // every page it had read (a 201 MB peak instead of ~126, measured).
      for (let sent = 0; credit > 0; sent++) {
        if (sent === granted) {
          setImmediate(pump)
          break
        }
        // The main thread's returns so far, taken now rather than after this burst of pages: the
        // credit then says how far behind it is when the next page decides who formats.
        for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) if (!take(m.message as ToWorker)) return
        const next = chunks.next()
        if (next.done) {
          send({ done: true })
          finish()
          return
        }
        credit -= 1
        const page = next.value
        if ('bytes' in page) {
          const bytes = movable(page.bytes)
          port.postMessage({ rows: page.rows, bytes }, [bytes.buffer])
        } else send(page)
      }
    } catch (e) {
      send({ error: e instanceof Error ? e.message : String(e) })
      finish()
    } finally {
      running = false
    }
  }
  /** Takes a message in; returns false once the export must stop. */
  const take = (m: ToWorker): boolean => {
    if ('stop' in m) {
      finish()
      return false
    }
    // No more spare memory than pages may be in flight: a returned page too small for the pages
    // being read would otherwise wait here for the end of the export.
    if ('recycle' in m) {
      if (recycled.length < granted) recycled.push(m.recycle)
      else freeNow(new Uint8Array(m.recycle))
    } else credit += m.credit
    return true
  }
  port.on('message', (m: ToWorker) => {
    // After the other messages already here: the credit is then all that was returned meanwhile.
    if (take(m) && 'credit' in m) setImmediate(pump)
  })
  pump()
} catch (e) {
  send({ error: e instanceof Error ? e.message : String(e) })
  finish()
}
