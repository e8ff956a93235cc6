// The admin API client: one place that knows about the session's CSRF token, turns every failure
// into an `ApiRequestError` with a message a person can read, and reports a lost session.
import {
  apiError,
  chainVerification,
  consentLogPage,
  me,
  type ChainVerification,
  type ConsentLogPage,
  type LoginInput,
  type Me,
} from '@miniconsent/shared'
import type { z } from 'zod'

export class ApiRequestError extends Error {
  constructor(
    /** HTTP status, or 0 when the server could not be reached. */
    readonly status: number,
    readonly code: string,
    message: string,
    /** Field-level problems of a 422, each with a dotted path such as `entries.3.expiry`. */
    readonly issues: FieldIssue[] = [],
    /** The seconds the answer's Retry-After asks to wait, when it gives them. */
    readonly retryAfter: number | null = null,
  ) {
    super(message)
    this.name = 'ApiRequestError'
  }
}

export interface FieldIssue {
  path: string
  message: string
}

/** Filters shared by the consent log, exports and statistics. */
export interface LogFilters {
  consentId?: string | undefined
  from?: string | undefined
  to?: string | undefined
  method?: string | undefined
  region?: string | undefined
  revision?: string | undefined
}

export interface ConsentLogQuery extends LogFilters {
  limit?: number
  before?: number
}

export const FILTER_KEYS = ['consentId', 'from', 'to', 'method', 'region', 'revision'] as const

export function filterParams(filters: LogFilters, params = new URLSearchParams()): URLSearchParams {
  for (const key of FILTER_KEYS) {
    const value = filters[key]
    if (value) params.set(key, value)
  }
  return params
}

export interface SendInit {
  method?: string
  /** JSON-encoded unless it is a string, which is sent as is (CSV import). */
  body?: unknown
  contentType?: string
  signal?: AbortSignal | undefined
}

export interface ApiClient {
  me(): Promise<Me>
  login(input: LoginInput): Promise<Me>
  logout(): Promise<void>
  /**
   * Changes the signed-in user's password. The server ends every session of the user, this one
   * too, and answers a new one: its CSRF token is the one later changes send.
   */
  changePassword(input: { currentPassword: string; newPassword: string }): Promise<Me>
  /**
   * Accepts the invitation of the link `token` (`/invite/:token`) and signs in as its account:
   * the session the server answers replaces whichever this browser had, and its CSRF token is the
   * one later changes send. A wrong password is a refused sign-in, not an ended session.
   */
  acceptInvitation(token: string, input: { password: string }): Promise<Me>
  consentLog(siteId: string, query: ConsentLogQuery, signal?: AbortSignal): Promise<ConsentLogPage>
  verifyChain(siteId: string, signal?: AbortSignal): Promise<ChainVerification>
  /** The same verification, also against an export manifest the auditor saved outside the server, sent unchanged. */
  verifyChainWith(siteId: string, manifest: Record<string, unknown>, signal?: AbortSignal): Promise<ChainVerification>
  /** Any admin route under `/api/admin`, answered as JSON and checked against `schema` (null: no body). */
  request<T>(path: string, schema: z.ZodType<T> | null, init?: SendInit): Promise<T>
  /** The raw response of a GET under `/api/admin`, for downloads read as a stream. Errors as in `request`. */
  stream(path: string, signal?: AbortSignal): Promise<Response>
}

/** The file name a download's `Content-Disposition` gives (ApiClient.stream), or `fallback`. */
export function fileNameOf(res: Response, fallback: string): string {
  const match = /filename="?([^";]+)"?/i.exec(res.headers.get('Content-Disposition') ?? '')
  return match?.[1] ?? fallback
}

interface ClientOptions {
  /** Called when a request other than a sign-in (login, accepting an invitation) answers 401: the session expired or was revoked. */
  onUnauthorized: () => void
  /**
   * Called when a request other than sign-in or `me` answers 403: the server checks the role on
   * every request, and the user's role on the site may have changed since `me` was loaded. A 403
   * `csrf_invalid` is first sent again once with the token `me` reloads (call), if that is still
   * the account it was sent as, and reported only if refused again or not sent again.
   */
  onForbidden: () => void
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

interface CallInit extends SendInit {
  isSignIn?: boolean
  accept?: string
  /** Sent again after a 403 `csrf_invalid` with the token `me` reloaded: not sent a third time. */
  csrfRetried?: boolean
}

const ME_PATH = '/api/admin/me'

export function createApiClient({ onUnauthorized, onForbidden }: ClientOptions): ApiClient {
  let csrfToken: string | null = null
  /**
   * The account of the session this client loaded last (remember). Each request keeps the one it
   * was sent as (call): a change refused for its token is sent again only as that account.
   */
  let userId: number | null = null

  async function send<T>(
    path: string,
    schema: z.ZodType<T> | null,
    init: CallInit = {},
  ): Promise<T> {
    const res = await call(path, init)
    if (schema === null) return undefined as T

    const parsed = schema.safeParse(await res.json().catch(() => undefined))
    if (!parsed.success) {
      throw new ApiRequestError(res.status, 'bad_response', 'The server sent an answer the dashboard does not understand.')
    }
    return parsed.data
  }

  async function call(path: string, init: CallInit): Promise<Response> {
    const method = init.method ?? 'GET'
    // Read now, with the token below: by the time the answer comes, `me` may have been reloaded as
    // someone else (another tab's sign-in, found by another request of this tab meanwhile).
    const sentAs = userId
    const headers: Record<string, string> = { Accept: init.accept ?? 'application/json' }
    const raw = typeof init.body === 'string'
    if (init.body !== undefined) headers['Content-Type'] = init.contentType ?? (raw ? 'text/plain' : 'application/json')
    if (UNSAFE_METHODS.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken

    let res: Response
    for (let waited = 0; ; ) {
      try {
        res = await fetch(path, {
          method,
          headers,
          body: init.body === undefined ? null : raw ? (init.body as string) : JSON.stringify(init.body),
          credentials: 'same-origin',
          signal: init.signal ?? null,
        })
      } catch (err) {
        if (err instanceof DOMException && err.name === 'AbortError') throw err
        throw new ApiRequestError(0, 'network', 'Could not reach the MiniConsent server. Check your connection and try again.')
      }
      // Only a read its caller can cancel waits: one nobody can stop would run on after its page has gone.
      const wait = method === 'GET' && init.signal ? await busyWait(res) : null
      if (wait === null) break
      // Each wait counts at least a second: a Retry-After of 0 does not ask for ever.
      waited += Math.max(wait, 1)
      if (waited > MAX_BUSY_WAIT_SECONDS) break
      // The body of the refusal is not read: let it go before waiting.
      await res.body?.cancel().catch(() => undefined)
      await delay(wait, init.signal)
    }

    if (!res.ok) {
      const error = await readError(res)
      if (res.status === 401 && !init.isSignIn) {
        csrfToken = null
        onUnauthorized()
      }
      if (res.status === 403 && error.code === 'csrf_invalid' && !init.isSignIn && !init.csrfRetried) {
        // The browser's session is not the one this tab loaded: a password changed in another tab
        // ended it and gave the browser (cookies are shared) a new one, whose CSRF token this tab
        // has not seen. Its token is reloaded and the change sent again, once. That is safe: the
        // server checks the token before any route runs (loadSession), so nothing was done. Only
        // for the account the change was sent as (sentAs), not the one this client knows now: signed
        // in as someone else in another tab, the change this tab's page asked for is not theirs to
        // make (review), even when another request found them while this one was on its way and
        // the page asking for it has since been started anew as them (review). The refusal is
        // shown, and the page reloads the session it now has (onForbidden): the dashboard then
        // starts its pages anew as that account, dropping what was typed as this one (App's
        // useAccountSwitch).
        const now = await send(ME_PATH, me, { signal: init.signal })
        if (sentAs !== null && now.user.id === sentAs) {
          remember(now)
          return call(path, { ...init, csrfRetried: true })
        }
      }
      // Not for `me` itself, which is how the roles are reloaded: its 403 would ask again, forever.
      if (res.status === 403 && !init.isSignIn && path !== ME_PATH) onForbidden()
      throw error
    }
    return res
  }

  function remember(session: Me): Me {
    csrfToken = session.csrfToken
    userId = session.user.id
    return session
  }

  return {
    me: () => send(ME_PATH, me).then(remember),
    login: (input) => send('/api/admin/login', me, { method: 'POST', body: input, isSignIn: true }).then(remember),
    changePassword: (input) => send('/api/admin/password', me, { method: 'POST', body: input }).then(remember),
    acceptInvitation: (token, input) =>
      send(`/api/admin/invitations/${encodeURIComponent(token)}/accept`, me, { method: 'POST', body: input, isSignIn: true }).then(remember),
    logout: async () => {
      await send('/api/admin/logout', null, { method: 'POST' })
      csrfToken = null
    },
    consentLog: (siteId, query, signal) => {
      const params = new URLSearchParams()
      params.set('limit', String(query.limit ?? 50))
      if (query.before !== undefined) params.set('before', String(query.before))
      filterParams(query, params)
      return send(`/api/admin/sites/${encodeURIComponent(siteId)}/consents?${params}`, consentLogPage, { signal })
    },
    verifyChain: (siteId, signal) => send(`/api/admin/sites/${encodeURIComponent(siteId)}/verify`, chainVerification, { signal }),
    verifyChainWith: (siteId, manifest, signal) =>
      send(`/api/admin/sites/${encodeURIComponent(siteId)}/verify`, chainVerification, { method: 'POST', body: { manifest }, signal }),
    request: (path, schema, init) => send(`/api/admin${path}`, schema, init),
    stream: (path, signal) => call(`/api/admin${path}`, { signal, accept: '*/*' }),
  }
}

/**
 * How long, in all, a read the server refused for being busy waits to ask again (busyWait) before
 * its refusal is shown: a listing (Retry-After 1) asks up to 10 times, a verification (5) twice.
 */
export const MAX_BUSY_WAIT_SECONDS = 10

/** The longest single Retry-After a read waits out; past it (an export's 10 s) the refusal is shown at once. */
const MAX_ONE_WAIT_SECONDS = 5

/**
 * The seconds to wait before asking again for a read the server refused only for being busy: 429
 * with a code ending in `_busy` (as many listings, verifications, statistics or look-ups running
 * as the server runs at once, a cancelled one's thread still among them), with a Retry-After it
 * keeps short. Null for any other answer, which is final: 503 `database_busy` too, which the server
 * gives after waiting 5 s itself for another process (a backup, a migration) to let go of the
 * database. The code is read from a copy, so the answer's own body is still there to read.
 */
async function busyWait(res: Response): Promise<number | null> {
  if (res.status !== 429) return null
  const after = res.headers.get('Retry-After')
  const seconds = after !== null && /^\d+$/.test(after) ? Number(after) : NaN
  if (!(seconds <= MAX_ONE_WAIT_SECONDS)) return null
  const body = apiError.safeParse(await res.clone().json().catch(() => undefined))
  return body.success && body.data.error.code.endsWith('_busy') ? seconds : null
}

/** Resolves after `seconds`, or rejects with the AbortError of `signal` once it aborts. */
function delay(seconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error)
    const aborted = () => {
      clearTimeout(timer)
      reject(signal!.reason as Error)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', aborted)
      resolve()
    }, seconds * 1000)
    signal?.addEventListener('abort', aborted, { once: true })
  })
}

async function readError(res: Response): Promise<ApiRequestError> {
  const body = apiError.safeParse(await res.json().catch(() => undefined))
  if (body.success) {
    const { code, message, issues } = body.data.error
    const retryAfter = retryAfterSeconds(res)
    return new ApiRequestError(res.status, code, lockMessage(code, message, retryAfter), issues ?? [], retryAfter)
  }
  // A proxy or a crashed server answers without our error shape; still say something useful.
  const reason = res.statusText ? `${res.status} ${res.statusText}` : String(res.status)
  return new ApiRequestError(res.status, 'http_' + res.status, `The server answered ${reason}. Try again in a moment.`)
}

/** The seconds of a Retry-After given in seconds (the server's form; not an HTTP date), else null. */
function retryAfterSeconds(res: Response): number | null {
  const after = res.headers.get('Retry-After')
  return after !== null && /^\d+$/.test(after) ? Number(after) : null
}

/**
 * A lock after too many wrong passwords (429 `too_many_attempts`, sign-in or password change)
 * says how long it holds: the server says "try again later" and gives the wait, up to 15 minutes,
 * in Retry-After, which the user otherwise never saw (review). Its "later" is what is replaced.
 */
function lockMessage(code: string, message: string, retryAfter: number | null): string {
  if (code !== 'too_many_attempts' || retryAfter === null) return message
  return message.replace(/try again later(\.?)$/i, (_, stop: string) => `try again in ${waitText(retryAfter)}${stop}`)
}

/** A wait in words: seconds under a minute, else whole minutes, rounded up so as never to say too little. */
function waitText(seconds: number): string {
  if (seconds < 60) return seconds === 1 ? '1 second' : `${seconds} seconds`
  const minutes = Math.ceil(seconds / 60)
  return minutes === 1 ? '1 minute' : `${minutes} minutes`
}
