// The front door: the one request answered before Hono, as Node hands it over.
//
// The config fetch (`GET /api/v1/sites/<site>/config`) is the hottest public read, and its answer
// is kept ready (routes/config.ts): what remains per request is the way through @hono/node-server
// (a Request, a Response and their conversion), the middleware's promise and the router, which
// together cost as much as the answer itself. Here a plain GET of that path is answered from the
// same kept answers, with the same headers and access-log line. Anything else, or anything this
// path is unsure of (an unusual Host, an encoded site id, an unknown site), goes to Hono, which
// answers it as before: the front door never answers with an error of its own.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import type { App } from './app'
import type { Services } from './context'
import { nodeHeader, type RequestFacts } from './lib/request'
import { slugParam } from './lib/validate'
import { frontDoorSend } from './middleware/request-context'
import { configAnswers } from './routes/config'

/** Answers the request and returns true, or returns false having written nothing. */
export type FrontDoor = (incoming: IncomingMessage, outgoing: ServerResponse) => boolean

const CONFIG_PREFIX = '/api/v1/sites/'
const CONFIG_SUFFIX = '/config'
/** A Host @hono/node-server takes as it is (its own test), so that the URL below is the one it would build. */
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/

export function frontDoor(s: Services): FrontDoor {
  const config = configAnswers(s)
  const send = frontDoorSend(s.logger)
  return (incoming, outgoing) => {
    const target = incoming.url
    if (incoming.method !== 'GET' || target === undefined || !target.startsWith(CONFIG_PREFIX)) return false
    const query = target.indexOf('?')
    const path = query === -1 ? target : target.slice(0, query)
    if (!path.endsWith(CONFIG_SUFFIX)) return false
    const siteId = slugParam(path.slice(CONFIG_PREFIX.length, -CONFIG_SUFFIX.length))
    const host = incoming.headers.host
    if (siteId === null || host === undefined || !PLAIN_HOST.test(host)) return false
    // The access log's `ms` counts from here, as Hono's counts from its first middleware.
    const start = performance.now()
    const scheme = (incoming.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http'
    const facts: RequestFacts = { env: { incoming }, req: { url: `${scheme}://${host}${target}`, header: (name) => nodeHeader(incoming, name.toLowerCase()) } }
    let answer
    try {
      answer = config(facts, siteId)
    } catch {
      // An unknown site: Hono answers it, with the error's shape and log line.
      return false
    }
    try {
      send(incoming, outgoing, path, answer.status, answer.body, answer.headers, start)
    } catch {
      // A header Node refuses to send (writeHead() throws before writing): Hono answers it its way.
      if (!outgoing.headersSent) return false
      outgoing.destroy()
    }
    return true
  }
}

/**
 * Serves the app on Node's HTTP server as @hono/node-server's serve() does, with the front door
 * before it. `onListening` gets the address once the server listens.
 */
export function serveApp(app: Pick<App, 'fetch' | 'frontDoor'>, options: { port: number; hostname: string }, onListening?: (address: AddressInfo) => void): Server {
  const hono = getRequestListener(app.fetch, { hostname: options.hostname })
  const server = createServer((incoming, outgoing) => {
    if (!app.frontDoor(incoming, outgoing)) void hono(incoming, outgoing)
  })
  server.listen(options.port, options.hostname, () => onListening?.(server.address() as AddressInfo))
  return server
}
