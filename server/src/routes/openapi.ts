// The API's own reference: OpenAPI 3.1 JSON and a readable page, built once from the route table.
import { apiError } from '@miniconsent/shared'
import { Hono } from 'hono'
import type { AppEnv, Services } from '../context'
import { buildOpenApi, type OpenApiDocument } from '../lib/openapi'
import { openApiHtml } from '../lib/openapi-html'
import { NAMED_SCHEMAS, OPERATIONS, SCHEMA_DESCRIPTIONS } from '../lib/openapi-routes'

let cached: { doc: OpenApiDocument; html: string } | null = null

export function openApiDocument(): { doc: OpenApiDocument; html: string } {
  if (!cached) {
    const doc = buildOpenApi({
      title: 'MiniConsent',
      version: '0.1.0',
      description:
        'Cookie consent manager. Public routes serve the SDK and store consent records; admin routes (under `/api/admin`) need the session cookie from `POST /api/admin/login` (`__Host-mc_session` over HTTPS, `mc_session` over plain HTTP), and every state-changing admin request the `X-CSRF-Token` header. Errors are `{ "error": { "code", "message", "issues"? } }`. Every operation that uses the database may answer 503 `database_busy`, with `Retry-After`, when another process held the database’s write lock past the 5 seconds it waits. A method a path has no operation for is answered 405 `method_not_allowed` (`components.responses.MethodNotAllowed`), with `Allow` listing the methods of the operations here whose paths match the URL: `PUT /api/admin/sites/{siteId}/stats` gets `Allow: GET`.',
      operations: OPERATIONS,
      named: NAMED_SCHEMAS,
      errorSchema: apiError,
      descriptions: SCHEMA_DESCRIPTIONS,
    })
    cached = { doc, html: openApiHtml(doc) }
  }
  return cached
}

export function openApiRoutes(_s: Services) {
  return new Hono<AppEnv>()
    .get('/api/openapi.json', (c) => {
      c.header('Cache-Control', 'public, max-age=300')
      c.header('Access-Control-Allow-Origin', '*')
      return c.json(openApiDocument().doc)
    })
    .get('/api/docs', (c) => {
      c.header('Cache-Control', 'public, max-age=300')
      return c.html(openApiDocument().html)
    })
}
