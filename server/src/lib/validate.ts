// Validators that run before handlers; a ZodError they throw is answered 400 by `onError`.
import type { z } from 'zod'
import { validator } from 'hono/validator'
import { ApiError, invalidError } from './errors'

const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i
const mediaType = (header: string | undefined) => (header ?? '').split(';')[0]!.trim().toLowerCase()

/**
 * A JSON body. With `textPlain`, a `text/plain` body holding JSON is accepted too: `sendBeacon`
 * can only send that type without a CORS preflight, which would be lost on page unload.
 */
export const jsonBody = <S extends z.ZodType>(schema: S, options: { textPlain?: boolean } = {}) =>
  validator('json', async (value, c): Promise<z.output<S>> => {
    const type = mediaType(c.req.header('content-type'))
    if (JSON_TYPE.test(type)) return schema.parse(value)
    if (options.textPlain && type === 'text/plain') {
      let parsed: unknown
      try {
        parsed = JSON.parse(await c.req.text())
      } catch {
        throw new ApiError(400, 'invalid_json', 'Malformed JSON in request body')
      }
      return schema.parse(parsed)
    }
    throw new ApiError(415, 'unsupported_media_type', 'Send the body as JSON (Content-Type: application/json)')
  })

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
