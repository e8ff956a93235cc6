// The thread behind one export, or one of its readers (export.ts): it opens a read-only
// connection of its own, starts a read transaction (the snapshot, WAL), reports the chain head it
// sees, then reads and formats pages on its own core while the main thread hashes and sends the
// pages it has got.
//
// Flow control is by credit: the main thread grants one page per page it takes, so at most a
// few pages are ever in flight and memory stays flat however slow the download is.
//
// An export read by several threads (an NDJSON one: export.ts) reads ONE snapshot in all of them.
// better-sqlite3 cannot hand a snapshot from one connection to another (no sqlite3_snapshot_open),
// so the first reader holds the database's write lock, on a connection of its own, while every
// reader starts its transaction and makes its first read: no commit, by this server or by another
// process (the CLI), can land between them, and each sees the same state (the main thread checks
// that each reports the same chain head).
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { chainHead, exportPages, freeNow, GATE, ownsMemory, type ChainHead, type ExportPlan, type Page, type Part } from './export-pages'

/**
 * Messages from the main thread: credit, stop, or the memory of a page it has finished sending,
 * to be filled again (its bytes are then already with the kernel).
 */
export type ToWorker = { credit: number } | { stop: true } | { recycle: ArrayBuffer }
/** Messages to the main thread: the head first, then the pages, then done or an error. */
export type FromWorker =
  | { head: ChainHead }
  | Page
  | { done: true }
  | { error: string; code?: string }
/** What the main thread starts a reader with (export.ts). */
export interface ReaderData {
  file: string
  plan: ExportPlan
  /** How many pages the main thread lets this one read ahead (export.ts). */
  credit: number
  part: Part
  /** The readers' gate (GATE); null when the export has one reader. */
  gate: SharedArrayBuffer | null
}

const port = parentPort!
const { file, plan, credit: granted, part, gate: shared } = workerData as ReaderData
const gate = shared && new Int32Array(shared)
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
/** Reader 0 of several: the connection that holds the write lock while the snapshots open. */
let lock: Database.Database | null = null
/** Another reader: whether it has counted itself OPENED (its snapshot taken, or no longer to be waited for). */
let opened = false
/** Counts this reader OPENED, once. */
const countOpened = () => {
  if (opened) return
  opened = true
  Atomics.add(gate!, GATE.OPENED, 1)
  Atomics.notify(gate!, GATE.OPENED)
}
const finish = () => {
  // Readers waiting for reader 0 to open theirs are let go.
  if (gate && part.index === 0 && Atomics.compareExchange(gate, GATE.PHASE, 0, GATE.ABANDONED) === 0) Atomics.notify(gate, GATE.PHASE)
  // Reader 0, holding the write lock until every other reader has taken its snapshot, is let go by
  // one that ends without one (failed, stopped), not only once the main thread has stopped it: a
  // write of the main thread waiting for that lock would hold up the message (busy_timeout, 5 s).
  if (gate && part.index > 0) countOpened()
  // Closed in a transaction, the lock's connection rolls it back: the lock is let go.
  if (lock?.open) lock.close()
  if (conn.open) conn.close()
  port.close()
}
const fail = (e: unknown) => {
  // SQLite's code too (SQLITE_BUSY: the write lock held past the wait, answered 503 database_busy).
  const code = (e as { code?: unknown } | null)?.code
  send({ error: e instanceof Error ? e.message : String(e), ...(typeof code === 'string' && { code }) })
  finish()
}

/**
 * Blocks this thread (it has nothing else to do meanwhile) while gate[slot] is `value`, taking the
 * main thread's messages every 50 ms; false once it is told to stop.
 */
function waitWhile(slot: number, value: number): boolean {
  while (Atomics.load(gate!, slot) === value) {
    Atomics.wait(gate!, slot, value, 50)
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) if (!take(m.message as ToWorker)) return false
  }
  return true
}

/** Blocks while fewer than `count` readers are counted in gate[slot]; false once told to stop. */
function waitFor(slot: number, count: number): boolean {
  for (let n = Atomics.load(gate!, slot); n < count; n = Atomics.load(gate!, slot)) if (!waitWhile(slot, n)) return false
  return true
}

/**
 * Starts the snapshot: the read transaction and its first read, the chain head. With other
 * readers (a gate), each does so while reader 0 holds the write lock. Null once told to stop.
 */
function snapshot(): ChainHead | null {
  const open = () => {
    conn.prepare('BEGIN').run()
    return chainHead(conn, plan.siteId)
  }
  if (!gate) return open()
  if (part.index > 0) {
    Atomics.add(gate, GATE.READY, 1)
    Atomics.notify(gate, GATE.READY)
    if (!waitWhile(GATE.PHASE, 0)) return null
    if (Atomics.load(gate, GATE.PHASE) === GATE.ABANDONED) throw new Error('the first reader of the export ended before the snapshot was taken')
    const head = open()
    countOpened()
    return head
  }
  lock = new Database(file, { fileMustExist: true })
  lock.pragma('busy_timeout = 5000')
  const [begin, rollback] = [lock.prepare('BEGIN IMMEDIATE'), lock.prepare('ROLLBACK')]
  // Every reader's thread started and its connection open before the lock is taken: the ingestion
  // waits for the lock only while the first reads are made.
  if (!waitFor(GATE.READY, part.of - 1)) return null
  begin.run()
  Atomics.store(gate, GATE.PHASE, GATE.OPEN)
  Atomics.notify(gate, GATE.PHASE)
  const head = open()
  if (!waitFor(GATE.OPENED, part.of - 1)) return null
  rollback.run()
  lock.close()
  return head
}

conn.pragma('busy_timeout = 5000')
// A sequential read needs few cached pages; the default 16 MB would only add to the server's memory.
conn.pragma('cache_size = -2000')
let credit = granted

/** Sends the pages of `chunks` as credit allows; called again as credit comes back. */
function pumping(chunks: Generator<Page, void, undefined>): () => void {
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
      fail(e)
    } finally {
      running = false
    }
  }
  return pump
}

/** Takes a message in; returns false once the export must stop. */
function take(m: ToWorker): boolean {
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

try {
  const head = snapshot()
  if (head) {
    send({ head })
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
    const pump = pumping(exportPages(conn, plan, head, () => credit < granted / 2, part))
    port.on('message', (m: ToWorker) => {
      // After the other messages already here: the credit is then all that was returned meanwhile.
      if (take(m) && 'credit' in m) setImmediate(pump)
    })
    pump()
  }
} catch (e) {
  fail(e)
}
