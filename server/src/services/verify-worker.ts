// The thread behind one chain verification (ConsentLog.verifyInThread, the admin verify route):
// it reads the site's whole log and hashes every record, seconds of work on millions of records,
// which on the main thread would stop ingestion and every other request meanwhile. It opens a
// read-only connection of its own; verifyStoredChain reads in one read transaction (WAL:
// ingestion goes on appending), so the anchor, the records and the chain heads the export
// manifests recorded are of the same moment even if a purge commits in between. It posts one message, the result or an error, and ends.
import { workerData } from 'node:worker_threads'
import { replyFromReadOnly } from '../lib/worker-script'
import { verifyStoredChain, type SavedManifestHead } from './consent-chain'

const { file, siteId, saved } = workerData as { file: string; siteId: string; saved?: SavedManifestHead }
replyFromReadOnly(file, (conn) => verifyStoredChain(conn, siteId, saved))
