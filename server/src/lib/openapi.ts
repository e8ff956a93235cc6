// OpenAPI 3.1 from the shared zod schemas. Zod 4 emits JSON Schema draft 2020-12, which is what
// OpenAPI 3.1 uses, so a small generator over a route table (openapi-routes.ts) is all we need:
// no decorators on handlers, and the schemas the routes validate with are the ones documented.
import type { Role } from '@miniconsent/shared'
import { z } from 'zod'
import { allowHeader, DATABASE_BUSY_RETRY_SECONDS, DISK_FULL_RETRY_SECONDS } from './errors'

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'options'

/** One media type of an answer. */
export interface MediaSpec {
  /** The body's schema; omit for text that its media type and the description say (a string). */
  schema?: z.ZodType
  example?: unknown
}

/** A response header, documented by its description (a string unless `schema` says otherwise). */
export interface HeaderSpec {
  description: string
  schema?: JsonSchema
  /** Sent with every answer of this status (the conformance test holds the server to it). */
  required?: boolean
}

export interface ResponseSpec {
  description: string
  /** JSON body schema; omit for an empty body. */
  schema?: z.ZodType
  /** A non-JSON body (CSV, NDJSON, JavaScript, HTML), documented by media type and description. */
  contentType?: string
  example?: unknown
  /**
   * A body that comes in several media types (chosen by a `format` parameter, or by the file
   * asked for), each with its own schema and example: instead of `schema`, `contentType` and
   * `example`. An error's `application/json` is the ApiError unless a schema says otherwise.
   */
  content?: Record<string, MediaSpec>
  headers?: Record<string, HeaderSpec>
}

export interface Operation {
  method: HttpMethod
  /** Hono-style path: `/api/admin/sites/:siteId/catalogue`. */
  path: string
  /**
   * The mounted route that answers this path, when it is not `path` itself: a form of a broader
   * route documented on its own (`/sdk/v/:build/:file` is answered by `/sdk/:file{.+}`).
   */
  route?: string
  tag: string
  summary: string
  description?: string
  /** `public`: no session; `session`: any signed-in user; roles: members of the site with one of them. */
  auth: 'public' | 'session' | readonly Role[]
  params?: z.ZodObject
  query?: z.ZodObject
  body?: {
    schema?: z.ZodType
    contentType?: string
    description?: string
    example?: unknown
    /** Also taken as `text/plain` holding the same JSON (`jsonBody(…, { textPlain: true })`: what sendBeacon sends). */
    textPlain?: boolean
    /**
     * A file read as text whatever its Content-Type (the catalogue import): each media type it may
     * be, with the schema of its content where it has one. Instead of `schema` and `contentType`;
     * its 415 is for a compressed body only, since no Content-Type is refused.
     */
    content?: Record<string, MediaSpec>
  }
  /**
   * A state-changing admin route that needs no `X-CSRF-Token` even with a session (`csrfExempt` of
   * loadSession in app.ts): sign-in, and accepting an invitation, whose link is the credential.
   */
  csrfExempt?: boolean
  /** The media type of this operation's errors when they are not the JSON ApiError (the preview page answers them as HTML). */
  errorContentType?: string
  /** `false`: answered without the database (a file, this document), so never 503 `database_busy`. */
  database?: false
  responses: Record<number, ResponseSpec>
}

type JsonSchema = Record<string, unknown>

/**
 * The formats JSON Schema 2020-12 defines (Validation, §7.3). Zod also emits formats of its own
 * (`starts_with` for `.startsWith()`, `includes`, `cuid`, `nanoid`, `jwt`, `base64`…) that no
 * validator knows, each with a `pattern` (or `contentEncoding`) that says the same: those are dropped.
 */
export const JSON_SCHEMA_FORMATS: ReadonlySet<string> = new Set([
  'date-time',
  'date',
  'time',
  'duration',
  'email',
  'idn-email',
  'hostname',
  'idn-hostname',
  'ipv4',
  'ipv6',
  'uri',
  'uri-reference',
  'iri',
  'iri-reference',
  'uuid',
  'uri-template',
  'json-pointer',
  'relative-json-pointer',
  'regex',
])

/** Keywords whose values are data (instances), not schemas: a `format` key in them is left alone. */
const VALUE_KEYWORDS = new Set(['const', 'enum', 'default', 'examples', 'example'])

/** Removes, in place, every `format` of a JSON Schema (and of its subschemas) that JSON Schema does not define. */
export function dropUnknownFormats<T>(schema: T): T {
  if (Array.isArray(schema)) for (const item of schema) dropUnknownFormats(item)
  else if (typeof schema === 'object' && schema !== null) {
    const s = schema as Record<string, unknown>
    if (typeof s.format === 'string' && !JSON_SCHEMA_FORMATS.has(s.format)) delete s.format
    for (const [key, value] of Object.entries(s)) if (!VALUE_KEYWORDS.has(key)) dropUnknownFormats(value)
  }
  return schema
}

/**
 * Sets, in place, `additionalProperties: false` on every object schema with named `properties`
 * that says nothing of others (zod writes none for a request: `io: 'input'`), in it and in its
 * subschemas, not through a `$ref`. A record (`additionalProperties` of its own) and an object
 * taken whole (`looseObject`: `{}`) are left as they are.
 */
export function closeObjects<T>(schema: T): T {
  if (Array.isArray(schema)) for (const item of schema) closeObjects(item)
  else if (typeof schema === 'object' && schema !== null) {
    const s = schema as Record<string, unknown>
    // Each member of an intersection closed would refuse the other's keys.
    if ('allOf' in s) throw new Error('closeObjects: an allOf cannot be closed member by member')
    if (typeof s.properties === 'object' && !('additionalProperties' in s)) s.additionalProperties = false
    for (const [key, value] of Object.entries(s)) if (!VALUE_KEYWORDS.has(key)) closeObjects(value)
  }
  return schema
}

/** `:siteId` → `{siteId}`; Hono's `:file{.+}` pattern suffix is dropped. */
export const openApiPath = (path: string) => path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')

const pascal = (s: string) => s.replace(/(^|[-_\s/{}:.]+)(\w)/g, (_, _sep, ch: string) => ch.toUpperCase()).replace(/[^A-Za-z0-9]/g, '')

/** A response's body by media type (its `content`, its JSON `schema`, or its one `contentType`); undefined for none. */
function mediaOf(op: Operation, status: string, r: ResponseSpec): Record<string, MediaSpec> | undefined {
  if (r.content) {
    if (r.schema || r.contentType || r.example !== undefined) throw new Error(`${op.method} ${op.path} ${status}: give content, or schema/contentType/example, not both`)
    return r.content
  }
  if (r.schema) return { 'application/json': { schema: r.schema, example: r.example } }
  if (r.contentType) return { [r.contentType]: { example: r.example } }
  return undefined
}

const RETRY_AFTER = 'Retry-After'
const SECONDS = { type: 'string', pattern: '^[0-9]+$' }
const RETRY_AFTER_429: HeaderSpec = { description: 'Seconds to wait before trying again', schema: SECONDS, required: true }
const RETRY_AFTER_503: HeaderSpec = {
  description: `With \`database_busy\`: seconds to wait before trying again (\`${DATABASE_BUSY_RETRY_SECONDS}\`); with \`storage_full\` or \`database_unavailable\`: \`${DISK_FULL_RETRY_SECONDS}\``,
  schema: SECONDS,
}
const DATABASE_BUSY =
  `\`database_busy\`: another process (a backup, a migration, a second server on the file) held the database’s lock past the 5 seconds this request waits for it; nothing was changed, and the same request can be sent again after \`Retry-After\`. ` +
  '`storage_full`: the disk holding the database is full; nothing was stored, and the request can be sent again once the operator has made room. ' +
  '`database_unavailable` (a change, or any request of the dashboard’s API): the database file was removed or replaced while the server ran; nothing was done, and the request can be sent again once the server is restarted on the right file'

/**
 * `Allow` on an operation's own 405 (getOnly's refusal of HEAD): the methods of the operations of
 * its path, without HEAD, as the server lists them (app.ts); each operation's value is written
 * into the document (`GET, POST` on the verification, `GET` where the path takes nothing else).
 */
export const PATH_ALLOW: HeaderSpec = { description: 'The methods of this path’s operations', required: true }

/** OpenAPI Header Objects (a string unless said otherwise); `allow` is PATH_ALLOW's value for the operation. */
const headerObjects = (headers: Record<string, HeaderSpec>, allow?: string) =>
  Object.fromEntries(
    Object.entries(headers).map(([name, spec]) => {
      const h: HeaderSpec = spec === PATH_ALLOW && allow !== undefined ? { description: `The methods this path takes: \`${allow}\``, schema: { type: 'string', const: allow }, required: true } : spec
      return [name, { description: h.description, ...(h.required ? { required: true } : {}), schema: h.schema ?? { type: 'string' } }]
    }),
  )

/** Names the shared schemas get in `components.schemas`, where they are reused. */
export type NamedSchemas = Record<string, z.ZodType>

export function buildOpenApi(options: {
  title: string
  version: string
  description: string
  operations: readonly Operation[]
  named: NamedSchemas
  errorSchema: z.ZodType
  /**
   * Descriptions for schemas, wherever they appear, that say what their JSON Schema cannot (a
   * zod refinement): `clientTime`'s bound on the UTC offset.
   */
  descriptions?: ReadonlyMap<z.ZodType, string>
}) {
  // Requests are documented as clients send them (defaults optional), responses as the server answers.
  const inputs = z.registry<{ id: string }>()
  const outputs = z.registry<{ id: string }>()
  const inputIds = new Map<z.ZodType, string>()
  const outputIds = new Map<z.ZodType, string>()
  const register = (kind: 'in' | 'out', schema: z.ZodType, id: string) => {
    const [reg, ids] = kind === 'in' ? [inputs, inputIds] : [outputs, outputIds]
    if (ids.has(schema)) return ids.get(schema)!
    const finalId = kind === 'in' && !id.endsWith('Input') ? `${id}Input` : id
    reg.add(schema, { id: finalId })
    ids.set(schema, finalId)
    return finalId
  }
  for (const [name, schema] of Object.entries(options.named)) {
    // As a request, `ConsentRecord` would be named `ConsentRecordInput`, the name of another
    // schema (what is posted), which it would then replace wherever that is referenced.
    if (!(`${name}Input` in options.named)) register('in', schema, name)
    register('out', schema, name)
  }
  register('out', options.errorSchema, 'ApiError')

  const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` })
  const bodyRefs = new Map<Operation, string>()
  /** The schema of each media type of a file body (`body.content`), by `method path type`. */
  const bodyContentRefs = new Map<string, string>()
  const responseRefs = new Map<string, string>()
  for (const op of options.operations) {
    const base = pascal(`${op.method} ${op.path.replace(/^\/api(\/admin|\/v1)?/, '')}`)
    if (op.body?.schema) bodyRefs.set(op, register('in', op.body.schema, `${base}Body`))
    for (const [type, m] of Object.entries(op.body?.content ?? {})) {
      if (m.schema) bodyContentRefs.set(`${op.method} ${op.path} ${type}`, register('in', m.schema, `${base}Body${pascal(type.split('/')[1]!)}`))
    }
    for (const [status, r] of Object.entries(op.responses)) {
      const media = Object.entries(mediaOf(op, status, r) ?? {}).filter(([, m]) => m.schema)
      for (const [type, m] of media) {
        // Two schemas for one status are told apart by their media type: `…200Json`, `…200XNdjson`.
        const id = media.length > 1 ? `${base}${status}${pascal(type.split('/')[1]!)}` : `${base}${status}`
        responseRefs.set(`${op.method} ${op.path} ${status} ${type}`, register('out', m.schema!, id))
      }
    }
  }
  // What a schema's JSON Schema cannot say (a refinement), said in its description.
  const override = ({ zodSchema, jsonSchema }: { zodSchema: unknown; jsonSchema: JsonSchema }) => {
    const description = options.descriptions?.get(zodSchema as z.ZodType)
    if (description) jsonSchema.description = description
  }
  const common = { uri: (id: string) => `#/components/schemas/${id}`, unrepresentable: 'any' as const, override }
  const strip = (schemas: Record<string, JsonSchema>) => {
    for (const s of Object.values(schemas)) {
      delete s.$schema
      delete s.$id
    }
    return schemas
  }
  const schemas = dropUnknownFormats({
    ...strip(z.toJSONSchema(outputs, { ...common, io: 'output' }).schemas as Record<string, JsonSchema>),
    ...strip(z.toJSONSchema(inputs, { ...common, io: 'input' }).schemas as Record<string, JsonSchema>),
  })

  // An admin body (formBody, jsonBody with `fieldsOf`, the catalogue import) is refused 422 for a
  // key it does not read, at any depth (refuseUnreadKeys): its schemas, and those they reference,
  // say so. The visitors' posts under /api/v1 drop such a key by design, and stay open.
  const closedIds = new Set<string>()
  const openIds = new Set<string>()
  const reach = (into: Set<string>, id: string) => {
    if (into.has(id)) return
    into.add(id)
    for (const [, inner] of JSON.stringify(schemas[id]).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) reach(into, inner!)
  }
  for (const op of options.operations) {
    const ids = [bodyRefs.get(op), ...Object.keys(op.body?.content ?? {}).map((type) => bodyContentRefs.get(`${op.method} ${op.path} ${type}`))]
    for (const id of ids) if (id) reach(op.path.startsWith('/api/admin/') ? closedIds : openIds, id)
  }
  for (const id of closedIds) {
    if (openIds.has(id)) throw new Error(`${id}: the schema of an admin body (closed) and of a visitor's post (open) both`)
    closeObjects(schemas[id])
  }

  const parameters = (where: 'path' | 'query', schema: z.ZodObject | undefined, path: string) => {
    const names = where === 'path' ? [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!) : Object.keys(schema?.shape ?? {})
    return names.map((name) => {
      const field = schema?.shape[name] as z.ZodType | undefined
      const json = field ? (z.toJSONSchema(field, { io: 'input', unrepresentable: 'any', override }) as JsonSchema) : { type: 'string' }
      delete json.$schema
      dropUnknownFormats(json)
      const description = typeof json.description === 'string' ? json.description : undefined
      return {
        name,
        in: where,
        required: where === 'path' || (field ? !field.safeParse(undefined).success : false),
        ...(description ? { description } : {}),
        schema: json,
      }
    })
  }

  const paths: Record<string, Record<string, unknown>> = {}
  /** The methods of each path's operations, as an `Allow` header's value (PATH_ALLOW). */
  const methodsOf = new Map<string, string[]>()
  for (const op of options.operations) methodsOf.set(op.path, [...(methodsOf.get(op.path) ?? []), op.method])
  for (const op of options.operations) {
    const allow = allowHeader(methodsOf.get(op.path)!)
    const errorContent = op.errorContentType ? { [op.errorContentType]: { schema: { type: 'string' } } } : { 'application/json': { schema: ref('ApiError') } }
    const responses: Record<string, unknown> = {}
    for (const [status, r] of Object.entries(op.responses)) {
      const media = mediaOf(op, status, r)
      const content = media
        ? Object.fromEntries(
            Object.entries(media).map(([type, m]) => {
              const id = responseRefs.get(`${op.method} ${op.path} ${status} ${type}`)
              return [type, { schema: id ? ref(id) : { type: 'string' }, ...(m.example !== undefined ? { example: m.example } : {}) }]
            }),
          )
        : Number(status) >= 400
          ? errorContent
          : undefined
      // Every 429 of this server says when to try again (TokenBuckets, limitedAttempt, workSlots).
      const own = status === '429' ? { [RETRY_AFTER]: RETRY_AFTER_429, ...r.headers } : r.headers
      const headers = own && headerObjects(own, allow)
      responses[status] = { description: r.description, ...(headers ? { headers } : {}), ...(content ? { content } : {}) }
    }
    // The answers every route of its kind can give, so each operation need not repeat them.
    const admin = op.path.startsWith('/api/admin/')
    const changes = op.method !== 'get' && op.method !== 'options'
    // loadSession refuses a state change under /api/admin with a session but without its token.
    const csrf = admin && changes && !op.csrfExempt
    const roles = Array.isArray(op.auth) ? (op.auth as Role[]) : null
    // Parameters that can be refused with 400. requireSiteRole runs before paramsOf on every route
    // with roles: a malformed site id is no site of the user's (403), so a site id alone is never
    // refused so. A form of a broader route (`route`) reads its own parameters: a value that does
    // not fit is no such file (404).
    const onlySiteId = roles !== null && !!op.params && Object.keys(op.params.shape).every((name) => name === 'siteId')
    const checkedParams = !!op.params && !onlySiteId && op.route === undefined
    // Every admin route refuses a query parameter it does not read (refuseUnreadQuery, queryOf).
    if (checkedParams || op.query || op.body || admin) {
      const unread = admin ? ', or a query parameter the route does not read' : ''
      // A change that reads no body refuses a malformed one 422 (refuseUnreadBody), never 400
      // `invalid_json`; its body is still read as text first, refused 400 unless valid Unicode.
      const codes = op.body ? '`invalid_request`, `invalid_json`, or `invalid_text`: text that is not valid Unicode' : admin && changes ? '`invalid_request`, or `invalid_text`: a body that is not valid Unicode' : '`invalid_request`'
      responses['400'] ??= { description: `Malformed parameters${op.body ? ' or body' : ''}${unread} (${codes})`, content: errorContent }
    }
    // Every body is refused compressed, before it is read (limitBody: adminBodyLimit on every admin
    // request, whatever its method, the visitors' posts' own); a JSON body (jsonBody, formBody) in
    // another Content-Type too. An admin operation that reads no body refuses a compressed one all the same.
    if (op.body || admin) {
      const compressed = 'a `Content-Encoding` other than `identity` (send it uncompressed)'
      responses['415'] ??= {
        description: op.body?.schema
          ? `The body is not sent as JSON (\`unsupported_media_type\`): its Content-Type must be \`application/json\` or another \`application/*+json\` type${op.body.textPlain ? ' (or `text/plain` holding JSON)' : ''}; or it is sent compressed, ${compressed}`
          : op.body
            ? `The body is sent compressed (\`unsupported_media_type\`): ${compressed}`
            : `A body is sent compressed (\`unsupported_media_type\`): ${compressed}. This operation reads no body: send none`,
        content: errorContent,
      }
    }
    // An admin form (formBody, or jsonBody with `fieldsOf`) refuses a field it does not take with
    // 422, the public ones too (sign-in, accepting an invitation). The visitors' posts under /api/v1
    // drop unknown keys by design: no 422 of this kind.
    if (op.body?.schema && (op.auth !== 'public' || admin)) responses['422'] ??= { description: 'Invalid body: `issues` names each field', content: errorContent }
    // An admin change that reads no body refuses one rather than do without what it says
    // (refuseUnreadBody): a `{"dryRun":true}` erased, removed or deleted all the same. The sign-out
    // too, with a session or without.
    if (admin && changes && !op.body) {
      responses['422'] ??= {
        description: `A body (\`invalid\`; \`issues\` names each key of a JSON object): this operation reads no body, and does nothing rather than ignore one. An empty body, or \`{}\`, is none`,
        content: errorContent,
      }
    }
    // Every admin request's body is held to 1 MB (adminBodyLimit in app.ts), whatever its method,
    // after the method (a method no operation of the path has is its 405) and, on a change, who
    // may make it (the session's 401, the CSRF token's and the role's 403), before anything else.
    if (admin) responses['413'] ??= { description: op.body ? 'Body over 1 MB (`payload_too_large`)' : 'A body over 1 MB (`payload_too_large`): refused before it is read, though this operation reads none', content: errorContent }
    if (op.auth !== 'public') responses['401'] ??= { description: 'No session (`unauthenticated`)', content: errorContent }
    if (roles || csrf) {
      const why = [
        roles ? 'Not a member of this site with one of the roles (`forbidden`)' : null,
        csrf ? `${op.auth === 'public' ? 'Signed in, and ' : ''}a missing or wrong \`X-CSRF-Token\` (\`csrf_invalid\`)` : null,
      ].filter(Boolean)
      // A route's own 403 (a refusal of its own) is told after these.
      const own = responses['403'] as { description: string } | undefined
      const description = [...why, ...(own ? [own.description] : [])].join(', or ').replace(/^./, (ch) => ch.toUpperCase())
      responses['403'] = { ...own, description, content: errorContent }
    }
    // errorAnswer: SQLite busy past the connection's busy_timeout, wherever the database is used.
    if (op.database !== false) {
      const own = responses['503'] as { description: string; headers?: Record<string, { description: string; required?: boolean }>; content?: Record<string, unknown> } | undefined
      // A route's own 503 that sends Retry-After too (server_stopping) keeps it required, and says its value first.
      const ownRetry = own?.headers?.[RETRY_AFTER]
      const retry = { ...RETRY_AFTER_503, required: !own || ownRetry?.required === true, description: ownRetry ? `${ownRetry.description}; ${RETRY_AFTER_503.description.replace(/^./, (ch) => ch.toLowerCase())}` : RETRY_AFTER_503.description }
      responses['503'] = {
        description: own ? `${own.description}; or ${DATABASE_BUSY}` : DATABASE_BUSY.replace(/^./, (ch) => ch.toUpperCase()),
        headers: { ...own?.headers, ...headerObjects({ [RETRY_AFTER]: retry }) },
        content: { ...own?.content, ...errorContent },
      }
    }
    const who = op.auth === 'public' ? 'Public.' : op.auth === 'session' ? 'Any signed-in user.' : `Roles: ${roles!.join(', ')} of this site.`
    const bodyId = bodyRefs.get(op)
    const operation = {
      operationId: pascal(`${op.method} ${op.path.replace(/^\/api/, '')}`).replace(/^./, (c) => c.toLowerCase()),
      tags: [op.tag],
      summary: op.summary,
      description: [who, op.description].filter(Boolean).join('\n\n'),
      ...(op.auth === 'public' ? { security: [] } : { security: [csrf ? { session: [], csrf: [] } : { session: [] }] }),
      ...(roles ? { 'x-roles': roles } : {}),
      parameters: [...parameters('path', op.params, op.path), ...parameters('query', op.query, op.path)],
      ...(op.body
        ? {
            requestBody: {
              required: true,
              ...(op.body.description ? { description: op.body.description } : {}),
              content: op.body.content
                ? Object.fromEntries(
                    Object.entries(op.body.content).map(([type, m]) => {
                      const id = bodyContentRefs.get(`${op.method} ${op.path} ${type}`)
                      return [type, { schema: id ? ref(id) : { type: 'string' }, ...(m.example !== undefined ? { example: m.example } : {}) }]
                    }),
                  )
                : {
                    [op.body.contentType ?? 'application/json']: {
                      schema: bodyId ? ref(bodyId) : { type: 'string' },
                      ...(op.body.example !== undefined ? { example: op.body.example } : {}),
                    },
                    // The same JSON as text: a string whose content is that schema (JSON Schema 2020-12 §8.5).
                    ...(op.body.textPlain && bodyId ? { 'text/plain': { schema: { type: 'string', contentMediaType: 'application/json', contentSchema: ref(bodyId) } } } : {}),
                  },
            },
          }
        : {}),
      responses,
    }
    ;(paths[openApiPath(op.path)] ??= {})[op.method] = operation
  }

  // Shared schemas are registered for both directions; keep only those some operation reaches.
  const reachable = new Set<string>()
  const visit = (value: unknown) => {
    for (const [, id] of JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      if (reachable.has(id!)) continue
      reachable.add(id!)
      visit(schemas[id!])
    }
  }
  visit(paths)
  for (const id of Object.keys(schemas)) if (!reachable.has(id)) delete schemas[id]

  return {
    openapi: '3.1.0',
    info: { title: options.title, version: options.version, description: options.description },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    tags: [...new Set(options.operations.map((o) => o.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas,
      responses: {
        // Not an answer of any operation: of a method that the path has no operation for.
        MethodNotAllowed: {
          description:
            'A method no operation of the path has (`method_not_allowed`), HEAD included where there is no GET, whatever the request’s body or session (its body is not read). `Allow` lists the methods of the operations whose paths match the URL, and HEAD beside a GET that answers it (every GET but those documenting their own 405 for HEAD): `/api/v1/consents/identify` is also `/api/v1/consents/{consentId}`, so a PUT there gets `Allow: GET, HEAD, POST, OPTIONS`.',
          headers: headerObjects({ Allow: { description: 'The methods of the operations whose paths match the URL, such as `GET, HEAD` or `POST, OPTIONS`', required: true } }),
          content: { 'application/json': { schema: ref('ApiError') } },
        },
      },
      securitySchemes: {
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'mc_session',
          description:
            'Set by `POST /api/admin/login`. Named `__Host-mc_session` when it is Secure (over HTTPS, `SECURE_COOKIES`), which no other subdomain can set, and `mc_session` over plain HTTP. A request carrying more than one cookie of that name has no session (401), and its answer clears the cookie.',
        },
        csrf: {
          type: 'apiKey',
          in: 'header',
          name: 'X-CSRF-Token',
          description: 'The `csrfToken` of `Me`, required on every state-changing admin request.',
        },
      },
    },
  }
}

export type OpenApiDocument = ReturnType<typeof buildOpenApi>
