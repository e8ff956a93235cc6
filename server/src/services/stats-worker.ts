// The thread behind one statistics request (ConsentStatsService.statsInThread, the stats route):
// the dashboard's default view groups the site's whole log, hundreds of milliseconds on a large
// one, which on the main thread would stop ingestion and every other request meanwhile. It runs
// the queries stats.ts wrote, on a read-only connection of its own, in one read transaction (WAL:
// ingestion goes on appending, and the four tables count the same records). It posts one
// message, the rows or an error, and ends. It imports nothing of the server's but
// lib/worker-script.ts and stats-queries.ts (Node's own modules and better-sqlite3; stats.ts would bring drizzle, zod
// and hono), so that the thread starts in a fraction of the time.
import { workerData } from 'node:worker_threads'
import { replyFromReadOnly } from '../lib/worker-script'
import type { StatsQueries } from './stats'
import { runStatsQueries } from './stats-queries'

const { file, queries } = workerData as { file: string; queries: StatsQueries }
replyFromReadOnly(file, (conn) => runStatsQueries(conn, queries))
