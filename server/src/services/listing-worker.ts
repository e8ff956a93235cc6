// The thread behind one page of the consent log's listing (ConsentLog.listInThread): a filter that
// matches few records, or a long period, reads much of a large log for its page and its total,
// which on the main thread would stop ingestion meanwhile. Imports nothing of the server's but
// lib/worker-script.ts and listing-queries.ts, so that the thread starts in a fraction of the time.
import { workerData } from 'node:worker_threads'
import { replyFromReadOnly } from '../lib/worker-script'
import { runListing, type ListingPlan } from './listing-queries'

const { file, plan } = workerData as { file: string; plan: ListingPlan }
replyFromReadOnly(file, (conn) => runListing(conn, plan))
