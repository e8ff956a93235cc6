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
  ) {
    super(message)
    this.name = 'ApiRequestError'
  }
}

export interface ConsentLogQuery {
  limit?: number
  before?: number
  consentId?: string
}

export interface ApiClient {
  me(): Promise<Me>
  login(input: LoginInput): Promise<Me>
  logout(): Promise<void>
  consentLog(siteId: string, query: ConsentLogQuery, signal?: AbortSignal): Promise<ConsentLogPage>
  verifyChain(siteId: string): Promise<ChainVerification>
}

interface ClientOptions {
  /** Called when a request other than sign-in answers 401: the session expired or was revoked. */
  onUnauthorized: () => void
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export function createApiClient({ onUnauthorized }: ClientOptions): ApiClient {
  let csrfToken: string | null = null

  async function send<T>(
    path: string,
    schema: z.ZodType<T> | null,
    init: { method?: string; body?: unknown; signal?: AbortSignal | undefined; isSignIn?: boolean } = {},
  ): Promise<T> {
    const method = init.method ?? 'GET'
    const headers: Record<string, string> = { Accept: 'application/json' }
    if (init.body !== undefined) headers['Content-Type'] = 'application/json'
    if (UNSAFE_METHODS.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken

    let res: Response
    try {
      res = await fetch(path, {
        method,
        headers,
        body: init.body === undefined ? null : JSON.stringify(init.body),
        credentials: 'same-origin',
        signal: init.signal ?? null,
      })
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err
      throw new ApiRequestError(0, 'network', 'Could not reach the MiniConsent server. Check your connection and try again.')
    }

    if (!res.ok) {
      const error = await readError(res)
      if (res.status === 401 && !init.isSignIn) {
        csrfToken = null
        onUnauthorized()
      }
      throw error
    }
    if (schema === null) return undefined as T

    const parsed = schema.safeParse(await res.json().catch(() => undefined))
    if (!parsed.success) {
      throw new ApiRequestError(res.status, 'bad_response', 'The server sent an answer the dashboard does not understand.')
    }
    return parsed.data
  }

  function remember(session: Me): Me {
    csrfToken = session.csrfToken
    return session
  }

  return {
    me: () => send('/api/admin/me', me).then(remember),
    login: (input) => send('/api/admin/login', me, { method: 'POST', body: input, isSignIn: true }).then(remember),
    logout: async () => {
      await send('/api/admin/logout', null, { method: 'POST' })
      csrfToken = null
    },
    consentLog: (siteId, query, signal) => {
      const params = new URLSearchParams()
      params.set('limit', String(query.limit ?? 50))
      if (query.before !== undefined) params.set('before', String(query.before))
      if (query.consentId) params.set('consentId', query.consentId)
      return send(`/api/admin/sites/${encodeURIComponent(siteId)}/consents?${params}`, consentLogPage, { signal })
    },
    verifyChain: (siteId) => send(`/api/admin/sites/${encodeURIComponent(siteId)}/verify`, chainVerification),
  }
}

async function readError(res: Response): Promise<ApiRequestError> {
  const body = apiError.safeParse(await res.json().catch(() => undefined))
  if (body.success) return new ApiRequestError(res.status, body.data.error.code, body.data.error.message)
  // A proxy or a crashed server answers without our error shape; still say something useful.
  const reason = res.statusText ? `${res.status} ${res.statusText}` : String(res.status)
  return new ApiRequestError(res.status, 'http_' + res.status, `The server answered ${reason}. Try again in a moment.`)
}
