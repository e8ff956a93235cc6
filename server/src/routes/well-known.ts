// Files under /.well-known/ that describe this server to browsers and crawlers.
import { Hono } from 'hono'
import type { AppEnv, Services } from '../context'

/**
 * The date our handling of Global Privacy Control last changed, for `gpc.json`'s `lastUpdate`.
 * Bump it with any change to how GPC is honoured.
 */
export const GPC_LAST_UPDATE = '2026-12-03'

export function wellKnownRoutes(_s: Services) {
  // https://privacycg.github.io/gpc-spec/#gpc-support-resource: a site states that it honours GPC.
  // This covers the consent server's own origin; each customer site publishes its own file.
  return new Hono<AppEnv>().get('/.well-known/gpc.json', (c) => {
    c.header('Access-Control-Allow-Origin', '*')
    c.header('Cross-Origin-Resource-Policy', 'cross-origin')
    c.header('Cache-Control', 'public, max-age=86400')
    return c.json({ gpc: true, lastUpdate: GPC_LAST_UPDATE })
  })
}
