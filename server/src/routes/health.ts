import { Hono } from 'hono'
import type { AppEnv, Services } from '../context'
import { respond } from '../middleware/request-context'

const OK = JSON.stringify({ ok: true })

export function healthRoutes(s: Services) {
  // Prepared once: load balancers call this every few seconds.
  const ping = s.db.$client.prepare('SELECT 1')
  return new Hono<AppEnv>().get('/healthz', (c) => {
    // Touches the database so a broken file or lock shows up as unhealthy.
    ping.get()
    return respond(c, OK, 200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
  })
}
