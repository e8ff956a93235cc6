// The thread behind one chain verification (ConsentLog.verifyInThread, the admin verify route):
// it reads the site's whole log and hashes every record, seconds of work on millions of records,
// which on the main thread would stop ingestion and every other request meanwhile. It opens a
// read-only connection of its own; verifyStoredChain reads in one read transaction (WAL:
// ingestion goes on appending), so the anchor, the records and the chain heads the export
// manifests recorded are of the same moment even if a purge commits in between. It posts one message, the result or an error, and ends.
import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { verifyStoredChain, type VerifyResult } from './consent-chain'

export type VerifyReply = { result: VerifyResult } | { error: string }

const { file, siteId } = workerData as { file: string; siteId: string }
const port = parentPort!
let reply: VerifyReply
let conn: Database.Database | null = null
try {
  conn = new Database(file, { readonly: true, fileMustExist: true })
  conn.pragma('busy_timeout = 5000')
  // A sequential read needs few cached pages; the default 16 MB would only add to the server's memory.
  conn.pragma('cache_size = -2000')
  reply = { result: verifyStoredChain(conn, siteId) }
} catch (e) {
  reply = { error: e instanceof Error ? e.message : String(e) }
} finally {
  if (conn?.open) conn.close()
}
port.postMessage(reply)
