// Validators that run before handlers; a ZodError they throw is answered 400 by `onError`.
import { SLUG_PATTERN } from '@miniconsent/shared'
import type { z } from 'zod'
import { validator } from 'hono/validator'
import { ApiError, invalidError } from './errors'
import { requestHeader } from './request'

const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i
const mediaType = (header: string | undefined) => (header ?? '').split(';')[0]!.trim().toLowerCase()

/**
 * A JSON body. With `textPlain`, a `text/plain` body holding JSON is accepted too: `sendBeacon`
 * can only send that type without a CORS preflight, which would be lost on page unload. `read`
 * is a faster reading of the same schema for hot routes: it returns the schema's output, or null
 * to let the schema decide.
 */
export const jsonBody = <S extends z.ZodType>(schema: S, options: { textPlain?: boolean; read?: (value: unknown) => z.output<S> | null } = {}) => {
  const parse = (value: unknown): z.output<S> => options.read?.(value) ?? schema.parse(value)
  return validator('json', async (value, c): Promise<z.output<S>> => {
    const type = mediaType(requestHeader(c, 'content-type'))
    if (JSON_TYPE.test(type)) return parse(value)
    if (options.textPlain && type === 'text/plain') {
      let parsed: unknown
      try {
        parsed = JSON.parse(await c.req.text())
      } catch {
        throw new ApiError(400, 'invalid_json', 'Malformed JSON in request body')
      }
      return parse(parsed)
    }
    throw new ApiError(415, 'unsupported_media_type', 'Send the body as JSON (Content-Type: application/json)')
  })
}

/**
 * A path segment that is a slug (site id), checked without zod on the hot public routes; null
 * when it is not one, and the caller then lets the zod schema, the source of truth, answer why.
 */
export function slugParam(value: string | undefined): string | null {
  return value !== undefined && value.length <= 64 && SLUG_PATTERN.test(value) ? value : null
}

export const queryOf = <S extends z.ZodType>(schema: S) => validator('query', (value): z.output<S> => schema.parse(value))

export const paramsOf = <S extends z.ZodType>(schema: S) => validator('param', (value): z.output<S> => schema.parse(value))

/**
 * A JSON body from an admin form: problems are answered 422 `invalid` with every issue and its
 * path, so the dashboard can show each message next to its field.
 */
export const formBody = <S extends z.ZodType>(schema: S) =>
  validator('json', (value, c): z.output<S> => {
    if (!JSON_TYPE.test(mediaType(c.req.header('content-type')))) {
      throw new ApiError(415, 'unsupported_media_type', 'Send the body as JSON (Content-Type: application/json)')
    }
    const parsed = schema.safeParse(value)
    if (!parsed.success) throw invalidError(parsed.error)
    return parsed.data
  })
