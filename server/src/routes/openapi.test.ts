import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApiPath } from '../lib/openapi'
import { OPERATIONS } from '../lib/openapi-routes'
import { startTestServer, type TestServer } from '../test-support'

let t: TestServer
beforeAll(() => {
  t = startTestServer()
})
afterAll(() => t.close())

// The dashboard SPA and the demo pages are files, not API.
const NOT_API = new Set(['/*', '/demo', '/demo/*'])

type Doc = {
  openapi: string
  paths: Record<string, Record<string, { parameters: { name: string; in: string }[]; responses: Record<string, unknown>; 'x-roles'?: string[] }>>
  components: { schemas: Record<string, Record<string, unknown>> }
}

async function doc(): Promise<Doc> {
  const res = await t.request('/api/openapi.json')
  expect(res.status).toBe(200)
  return (await res.json()) as Doc
}

describe('GET /api/openapi.json', () => {
  it('documents every mounted route, public and admin, with its method', async () => {
    const d = await doc()
    expect(d.openapi).toBe('3.1.0')
    const mounted = t.app.routes.filter((r) => r.method !== 'ALL' && r.method !== 'OPTIONS' && !NOT_API.has(r.path))
    expect(mounted.length).toBeGreaterThan(30)
    const missing = mounted.filter((r) => !d.paths[openApiPath(r.path)]?.[r.method.toLowerCase()]).map((r) => `${r.method} ${r.path}`)
    expect(missing, 'add these to server/src/lib/openapi-routes.ts').toEqual([])
    // …and documents nothing that is not mounted.
    const mountedKeys = new Set(mounted.map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path)}`))
    const extra = OPERATIONS.map((o) => `${o.method} ${openApiPath(o.path)}`).filter((k) => !mountedKeys.has(k))
    expect(extra).toEqual([])
  })

  it('uses the shared schemas: path parameters, roles, and request/response shapes with every $ref resolvable', async () => {
    const d = await doc()
    const publish = d.paths['/api/admin/sites/{siteId}/publish']!.post!
    expect(publish['x-roles']).toEqual(['owner', 'editor'])
    expect(publish.parameters).toEqual([expect.objectContaining({ name: 'siteId', in: 'path' })])
    expect(Object.keys(publish.responses)).toEqual(expect.arrayContaining(['201', '401', '403', '409', '422']))

    const state = d.components.schemas.CatalogueState!
    expect(state.required).toEqual(['settings', 'draft', 'draftUpdatedAt', 'draftUpdatedBy', 'live', 'dirty'])
    const expiry = JSON.stringify(d.components.schemas.StorageEntry)
    expect(expiry).toContain('session|persistent')

    const consents = d.paths['/api/admin/sites/{siteId}/consents']!.get!
    expect(consents.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['siteId', 'limit', 'before', 'consentId', 'from', 'to', 'method', 'region', 'revision']))
    // A number in the URL is a string of digits; its default and bound are still said.
    const limit = JSON.stringify(consents.parameters.find((p) => p.name === 'limit'))
    expect(limit).toContain('"default":"50"')
    expect(limit).toContain('from 1 to 500')
    const diff = d.paths['/api/admin/sites/{siteId}/diff']!.get!
    expect(JSON.stringify(diff.parameters.find((p) => p.name === 'to'))).toContain('"default":"draft"')

    const text = JSON.stringify(d)
    for (const [, name] of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) expect(d.components.schemas, name).toHaveProperty(name!)
  })

  it('has examples that the API itself accepts', () => {
    for (const op of OPERATIONS) {
      if (op.body?.schema && op.body.example !== undefined) {
        expect(op.body.schema.safeParse(op.body.example).success, `${op.method} ${op.path}`).toBe(true)
      }
    }
  })
})

describe('GET /api/docs', () => {
  it('is a self-contained page listing every operation and schema', async () => {
    const res = await t.request('/api/docs')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    const html = await res.text()
    const d = await doc()
    for (const [path, item] of Object.entries(d.paths)) {
      for (const method of Object.keys(item)) expect(html).toContain(`<span class="m m-${method}">${method.toUpperCase()}</span> <code>${path}</code>`)
    }
    for (const name of Object.keys(d.components.schemas)) expect(html).toContain(`id="schema-${name}"`)
    // Works offline: nothing is loaded from elsewhere.
    expect(html).not.toMatch(/<script|<link|src="http|url\(http/i)
  })
})
