import { Hono } from 'hono'
import type { AppEnv, Services } from '../context'

export function healthRoutes(s: Services) {
  return new Hono<AppEnv>().get('/healthz', (c) => {
    // Touches the database so a broken file or lock shows up as unhealthy.
    s.db.$client.prepare('SELECT 1').get()
    c.header('Cache-Control', 'no-store')
    return c.json({ ok: true })
  })
}
