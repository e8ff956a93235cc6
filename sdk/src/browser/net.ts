// Delivery of consent records and other visitor events to the API. Each body carries a client
// recordId, so the server stores a retried one once. Text/plain keeps the POST a CORS "simple
// request" (no preflight) and is what sendBeacon sends.
import { change, load } from './store'

type Body = { recordId: string } & Record<string, unknown>
type Item = [path: string, body: Body]
const QUEUE = 'q'
const inFlight = new Map<string, Item>()

function post(api: string, [path, body]: Item): Promise<boolean> {
  return fetch(api + path, { method: 'POST', body: JSON.stringify(body), keepalive: true, credentials: 'omit' }).then(
    // 4xx other than 408/429 will never succeed: drop it rather than retry forever.
    (r) => r.ok || (r.status < 500 && r.status !== 408 && r.status !== 429),
    () => false,
  )
}

function settle(item: Item, done: boolean): Promise<void> | void {
  if (!done) return
  inFlight.delete(item[1].recordId)
  return change<Item[]>(QUEUE, (q = []) => q.filter((i) => i[1].recordId !== item[1].recordId))
}

/** Queued first, so that a closed tab or failed request is retried on the next page view. */
export function deliver(api: string, path: string, body: Body): Promise<boolean> {
  const item: Item = [path, body]
  inFlight.set(body.recordId, item)
  return change<Item[]>(QUEUE, (q = []) => [...q, item])
    .then(() => post(api, item))
    .then((ok) => (settle(item, ok), ok))
}

export function flush(api: string): Promise<void> {
  return load<Item[]>(QUEUE).then((q = []) => {
    for (const item of q) {
      if (inFlight.has(item[1].recordId)) continue
      inFlight.set(item[1].recordId, item)
      post(api, item).then((ok) => (ok ? settle(item, ok) : inFlight.delete(item[1].recordId)))
    }
  })
}

/** The page is going away: hand what is still unconfirmed to the browser. It stays queued until confirmed. */
export function beaconPending(api: string): void {
  for (const [path, body] of inFlight.values()) {
    try {
      navigator.sendBeacon(api + path, JSON.stringify(body))
    } catch {}
  }
}
