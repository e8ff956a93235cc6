import { describe, expect, it } from 'vitest'
import { createLogger } from '../logger'
import { consentBody, json, startTestServer } from '../test-support'
import { loggedPath } from './request-context'

describe('access log', () => {
  it("shows the route's pattern where a path carries a visitor's consentId", () => {
    expect(loggedPath('/api/v1/consents/mx6wpnef123456789')).toBe('/api/v1/consents/:consentId')
    expect(loggedPath('/api/admin/sites/acme/subjects/visitor-0001/export')).toBe('/api/admin/sites/acme/subjects/:consentId/export')
    expect(loggedPath('/api/v1/consents/identify')).toBe('/api/v1/consents/identify')
    expect(loggedPath('/api/v1/consents')).toBe('/api/v1/consents')
    expect(loggedPath('/api/admin/sites/acme/consents')).toBe('/api/admin/sites/acme/consents')
  })

  it('writes one line per request, without the consentId a visitor looked up', async () => {
    const lines: string[] = []
    const t = startTestServer({ logger: createLogger('info', (line) => lines.push(line)) })
    try {
      expect((await t.request('/api/v1/consents', json(consentBody({ consentId: 'visitor-secret-42' })))).status).toBe(201)
      expect((await t.request('/api/v1/consents/visitor-secret-42?site=acme')).status).toBe(200)
      const requests = lines.map((l) => JSON.parse(l) as { msg?: string; path?: string; status?: number }).filter((l) => l.path !== undefined)
      expect(requests.map((l) => [l.path, l.status])).toEqual([
        ['/api/v1/consents', 201],
        ['/api/v1/consents/:consentId', 200],
      ])
      expect(lines.join('\n')).not.toContain('visitor-secret-42')
    } finally {
      t.close()
    }
  })
})
