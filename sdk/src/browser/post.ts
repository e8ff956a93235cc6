// One delivery attempt of a consent record or visitor event. Text/plain keeps the POST a CORS
// "simple request" (no preflight) and is what sendBeacon sends; keepalive lets it finish after
// the page is left. Each body carries a client recordId, so the server stores a retry once.
export type Item = [path: string, body: { recordId: string } & Record<string, unknown>]

/**
 * The status once the server answered for good: 2xx delivered, or refused (a 4xx other than 408
 * and 429 will never succeed, so is not sent again). 0 when it is worth trying again later.
 */
export const post = (api: string, [path, body]: Item): Promise<number> =>
  fetch(api + path, { method: 'POST', body: JSON.stringify(body), keepalive: true }).then(
    (r) => (r.status < 500 && r.status != 408 && r.status != 429 ? r.status : 0),
    () => 0,
  )
