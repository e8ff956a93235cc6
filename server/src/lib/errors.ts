import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** An expected failure; `onError` answers it as `{ error: { code, message } }`. */
export class ApiError extends HTTPException {
  readonly code: string
  /** Extra response headers, e.g. `Retry-After` on 429. */
  headers: Record<string, string> | undefined
  /** Field-level problems (`entries.3.expiry`), so a form can show each next to its field. */
  issues: { path: string; message: string }[] | undefined
  constructor(status: ContentfulStatusCode, code: string, message: string, headers?: Record<string, string>) {
    super(status, { message })
    this.code = code
    this.headers = headers
  }
}

/** 422 `invalid` listing every zod issue with its dotted path. */
export function invalidError(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }, message?: string): ApiError {
  const issues = error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
  const first = issues[0]
  const err = new ApiError(422, 'invalid', message ?? (first ? (first.path ? `${first.path}: ${first.message}` : first.message) : 'Invalid input'))
  err.issues = issues
  return err
}

/** The code used when a bare HTTPException (thrown by a Hono middleware) carries none. */
export function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'bad_request'
    case 401:
      return 'unauthenticated'
    case 403:
      return 'forbidden'
    case 404:
      return 'not_found'
    case 405:
      return 'method_not_allowed'
    case 413:
      return 'payload_too_large'
    case 415:
      return 'unsupported_media_type'
    case 422:
      return 'unprocessable'
    case 429:
      return 'rate_limited'
    default:
      return status >= 500 ? 'internal' : 'error'
  }
}

/** A setting that parsed but cannot be used (a GeoIP file that is no database): start-up names it and stops, without a stack trace. */
export class ConfigurationError extends Error {}
