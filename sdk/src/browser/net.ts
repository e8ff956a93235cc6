// Delivery of consent records and other visitor events to the API. Each body carries a client
// recordId, so the server stores a retried one once. Text/plain keeps the POST a CORS "simple
// request" (no preflight) and is what sendBeacon sends.
import { PENDING_FLAG } from './net-flag'
import { change, load } from './store'

type Body = { recordId: string } & Record<string, unknown>
type Item = [path: string, body: Body]
const QUEUE = 'q'
const inFlight = new Map<string, Item>()

function flag(on: boolean): void {
  try {
    on ? localStorage.setItem(PENDING_FLAG, '1') : localStorage.removeItem(PENDING_FLAG)
  } catch {}
}

function post(api: string, item: Item): Promise<boolean> {
  const id = item[1].recordId
  inFlight.set(id, item)
  return fetch(api + item[0], { method: 'POST', body: JSON.stringify(item[1]), keepalive: true, credentials: 'omit' })
    .then(
      // 4xx other than 408/429 will never succeed: drop it rather than retry forever.
      (r) => r.ok || (r.status < 500 && r.status !== 408 && r.status !== 429),
      () => false,
    )
    .then((done) => {
      inFlight.delete(id)
      if (!done) return false
      let left: Item[] = []
      return change<Item[]>(QUEUE, (q = []) => (left = q.filter((i) => i[1].recordId !== id))).then(() => (left.length || flag(false), true))
    })
}

/** Queued first, so that a closed tab or a failed request is retried on the next page view. */
export function deliver(api: string, path: string, body: Body): Promise<boolean> {
  const item: Item = [path, body]
  flag(true)
  return change<Item[]>(QUEUE, (q = []) => [...q, item]).then(() => post(api, item))
}

export function flush(api: string): void {
  load<Item[]>(QUEUE).then((q = []) => {
    q.length ? q.forEach((item) => inFlight.has(item[1].recordId) || post(api, item)) : flag(false)
  })
}

/** The page is going away: hand what is still unconfirmed to the browser, which sends it after unload. */
export function beaconPending(api: string): void {
  let all = true
  for (const [path, body] of inFlight.values()) {
    try {
      all = navigator.sendBeacon(api + path, JSON.stringify(body)) && all
    } catch {
      all = false
    }
  }
  // Handed over: the next page view need not load this chunk just to send them again.
  if (inFlight.size && all) flag(false)
}
