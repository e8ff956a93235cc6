import { Hono } from 'hono'
import type { AppEnv, Services } from '../context'
import { openedFileGone } from '../db/client'
import { fileGoneError } from '../lib/database-busy'
import { respond } from '../middleware/request-context'

const OK = JSON.stringify({ ok: true })
const UNAVAILABLE = JSON.stringify({ ok: false, error: { code: 'database_unavailable', message: 'The database cannot be read' } })
const HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }

export function healthRoutes(s: Services) {
  // Prepared once: load balancers call this every few seconds. It reads a page of a real table:
  // `SELECT 1` reads none, and answered while the file's header was overwritten and every route
  // that touches the database failed.
  const ping = s.db.$client.prepare('SELECT id FROM sites LIMIT 1')
  return new Hono<AppEnv>().get('/healthz', (c) => {
    try {
      // The file removed or replaced under the server reads on as the one it opened, while nothing
      // written to it outlives the process (review): as unusable as a file that cannot be read.
      if (openedFileGone(s.db.$client)) throw fileGoneError()
      ping.get()
    } catch (err) {
      // 503, so that a load balancer takes this instance out of rotation; the cause is logged, not sent.
      s.logger.error('health check: database unreadable', { requestId: c.get('requestId'), err })
      return respond(c, UNAVAILABLE, 503, HEADERS)
    }
    return respond(c, OK, 200, HEADERS)
  })
}
