// OpenAPI 3.1 from the shared zod schemas. Zod 4 emits JSON Schema draft 2020-12, which is what
// OpenAPI 3.1 uses, so a small generator over a route table (openapi-routes.ts) is all we need:
// no decorators on handlers, and the schemas the routes validate with are the ones documented.
import type { Role } from '@miniconsent/shared'
import { z } from 'zod'

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete'

export interface ResponseSpec {
  description: string
  /** JSON body schema; omit for an empty body. */
  schema?: z.ZodType
  /** Non-JSON bodies (CSV, NDJSON, JavaScript), documented by media type and description. */
  contentType?: string
  example?: unknown
}

export interface Operation {
  method: HttpMethod
  /** Hono-style path: `/api/admin/sites/:siteId/catalogue`. */
  path: string
  tag: string
  summary: string
  description?: string
  /** `public`: no session; `session`: any signed-in user; roles: members of the site with one of them. */
  auth: 'public' | 'session' | readonly Role[]
  params?: z.ZodObject
  query?: z.ZodObject
  body?: { schema?: z.ZodType; contentType?: string; description?: string; example?: unknown }
  responses: Record<number, ResponseSpec>
}

type JsonSchema = Record<string, unknown>

/** `:siteId` → `{siteId}`; Hono's `:file{.+}` pattern suffix is dropped. */
export const openApiPath = (path: string) => path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')

const pascal = (s: string) => s.replace(/(^|[-_\s/{}:.]+)(\w)/g, (_, _sep, ch: string) => ch.toUpperCase()).replace(/[^A-Za-z0-9]/g, '')

/** Names the shared schemas get in `components.schemas`, where they are reused. */
export type NamedSchemas = Record<string, z.ZodType>

export function buildOpenApi(options: {
  title: string
  version: string
  description: string
  operations: readonly Operation[]
  named: NamedSchemas
  errorSchema: z.ZodType
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
  const responseRefs = new Map<string, string>()
  for (const op of options.operations) {
    const base = pascal(`${op.method} ${op.path.replace(/^\/api(\/admin|\/v1)?/, '')}`)
    if (op.body?.schema) bodyRefs.set(op, register('in', op.body.schema, `${base}Body`))
    for (const [status, r] of Object.entries(op.responses)) {
      if (r.schema) responseRefs.set(`${op.method} ${op.path} ${status}`, register('out', r.schema, `${base}${status}`))
    }
  }
  const common = { uri: (id: string) => `#/components/schemas/${id}`, unrepresentable: 'any' as const }
  const strip = (schemas: Record<string, JsonSchema>) => {
    for (const s of Object.values(schemas)) {
      delete s.$schema
      delete s.$id
    }
    return schemas
  }
  const schemas = {
    ...strip(z.toJSONSchema(outputs, { ...common, io: 'output' }).schemas as Record<string, JsonSchema>),
    ...strip(z.toJSONSchema(inputs, { ...common, io: 'input' }).schemas as Record<string, JsonSchema>),
  }

  const parameters = (where: 'path' | 'query', schema: z.ZodObject | undefined, path: string) => {
    const names = where === 'path' ? [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!) : Object.keys(schema?.shape ?? {})
    return names.map((name) => {
      const field = schema?.shape[name] as z.ZodType | undefined
      const json = field ? (z.toJSONSchema(field, { io: 'input', unrepresentable: 'any' }) as JsonSchema) : { type: 'string' }
      delete json.$schema
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

  const errorContent = { 'application/json': { schema: ref('ApiError') } }
  const paths: Record<string, Record<string, unknown>> = {}
  for (const op of options.operations) {
    const responses: Record<string, unknown> = {}
    for (const [status, r] of Object.entries(op.responses)) {
      const id = responseRefs.get(`${op.method} ${op.path} ${status}`)
      const content = id
        ? { 'application/json': { schema: ref(id), ...(r.example !== undefined ? { example: r.example } : {}) } }
        : r.contentType
          ? { [r.contentType]: { schema: { type: 'string' }, ...(r.example !== undefined ? { example: r.example } : {}) } }
          : Number(status) >= 400
            ? errorContent
            : undefined
      responses[status] = { description: r.description, ...(content ? { content } : {}) }
    }
    // The answers every route of its kind can give, so each operation need not repeat them.
    if (op.params || op.query || op.body) responses['400'] ??= { description: 'Malformed parameters or body (`invalid_request`, `invalid_json`, or `invalid_text`: text that is not valid Unicode)', content: errorContent }
    if (op.body?.schema && op.auth !== 'public') responses['422'] ??= { description: 'Invalid body: `issues` names each field', content: errorContent }
    if (op.body && op.path.startsWith('/api/admin/')) responses['413'] ??= { description: 'Body over 1 MB (`payload_too_large`)', content: errorContent }
    if (op.auth !== 'public') responses['401'] ??= { description: 'No session (`unauthenticated`)', content: errorContent }
    if (Array.isArray(op.auth) || op.method !== 'get') {
      if (op.auth !== 'public') responses['403'] ??= { description: 'Not a member with the needed role, or a missing `X-CSRF-Token`', content: errorContent }
    }
    const roles = Array.isArray(op.auth) ? (op.auth as Role[]) : null
    const who = op.auth === 'public' ? 'Public.' : op.auth === 'session' ? 'Any signed-in user.' : `Roles: ${roles!.join(', ')} of this site.`
    const bodyId = bodyRefs.get(op)
    const operation = {
      operationId: pascal(`${op.method} ${op.path.replace(/^\/api/, '')}`).replace(/^./, (c) => c.toLowerCase()),
      tags: [op.tag],
      summary: op.summary,
      description: [who, op.description].filter(Boolean).join('\n\n'),
      ...(op.auth === 'public'
        ? { security: [] }
        : { security: [op.method === 'get' ? { session: [] } : { session: [], csrf: [] }] }),
      ...(roles ? { 'x-roles': roles } : {}),
      parameters: [...parameters('path', op.params, op.path), ...parameters('query', op.query, op.path)],
      ...(op.body
        ? {
            requestBody: {
              required: true,
              ...(op.body.description ? { description: op.body.description } : {}),
              content: {
                [op.body.contentType ?? 'application/json']: {
                  schema: bodyId ? ref(bodyId) : { type: 'string' },
                  ...(op.body.example !== undefined ? { example: op.body.example } : {}),
                },
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
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'mc_session', description: 'Set by `POST /api/admin/login`.' },
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
