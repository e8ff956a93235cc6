// The thread behind one look-up of a user ID's consentIds (ConsentSubjects.findByUserInThread): a
// user ID that very many visitors share reads and sorts all their links, seconds during which the
// main thread goes on ingesting and answering. Imports nothing of the server's but
// lib/worker-script.ts and subject-queries.ts, so that the thread starts in a fraction of the time.
import { workerData } from 'node:worker_threads'
import { replyFromReadOnly } from '../lib/worker-script'
import { linkedConsentIds } from './subject-queries'

const { file, siteId, userId, cap } = workerData as { file: string; siteId: string; userId: string; cap: number }
replyFromReadOnly(file, (conn) => linkedConsentIds(conn, siteId, userId, cap))
