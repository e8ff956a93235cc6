// One delivery attempt of a consent record or visitor event. Text/plain keeps the POST a CORS
// "simple request" (no preflight) and is what sendBeacon sends; keepalive lets it finish after
// the page is left. Each body carries a client recordId, so the server stores a retry once.
export type Item = [path: string, body: { recordId: string } & Record<string, unknown>]

/** True once delivered, or refused for good: a 4xx other than 429 will never succeed. */
export const post = (api: string, [path, body]: Item): Promise<boolean> =>
  fetch(api + path, { method: 'POST', body: JSON.stringify(body), keepalive: true }).then(
    (r) => r.status < 500 && r.status !== 429,
    () => false,
  )
