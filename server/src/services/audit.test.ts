import { afterEach, beforeEach, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../test-support'
import { AuditLog } from './audit'

let t: TestServer
beforeEach(() => {
  t = startTestServer()
})
afterEach(() => t.close())

it('pages newest first, filters by action or group, and keeps sites apart', () => {
  const audit = new AuditLog(t.db, () => t.clock.now)
  for (let i = 1; i <= 5; i++) {
    t.clock.now += 1000
    audit.record({ siteId: 'acme', userId: null, action: i % 2 ? 'catalogue.draft' : 'member.add', before: { i: i - 1 }, after: { i } })
  }
  audit.record({ siteId: 'notice-only', userId: null, action: 'catalogue.draft' })
  // The seeder wrote one `site.seed` entry per site before.
  const first = audit.list('acme', { limit: 4 })
  expect(first.entries.map((e) => e.after)).toEqual([{ i: 5 }, { i: 4 }, { i: 3 }, { i: 2 }])
  expect(first.entries[0]).toMatchObject({ at: new Date(t.clock.now).toISOString(), user: null, action: 'catalogue.draft', before: { i: 4 } })
  const second = audit.list('acme', { limit: 4, before: first.nextBefore! })
  expect(second.entries.map((e) => e.action)).toEqual(['catalogue.draft', 'site.seed'])
  expect(second.nextBefore).toBeNull()

  expect(audit.list('acme', { limit: 50, action: 'member' }).entries.map((e) => e.after)).toEqual([{ i: 4 }, { i: 2 }])
  expect(audit.list('acme', { limit: 50, action: 'catalogue.draft' }).entries).toHaveLength(3)
  // A group is a whole prefix: `catalog` is not `catalogue`.
  expect(audit.list('acme', { limit: 50, action: 'catalog' }).entries).toHaveLength(0)
})
