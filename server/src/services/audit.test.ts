import { afterEach, beforeEach, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../test-support'
import { AUDIT_PAGE_MAX_BYTES, AuditLog } from './audit'

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

it('holds a page of large states to a byte budget, and the next pages give the rest, none lost or repeated', () => {
  const audit = new AuditLog(t.db, () => t.clock.now)
  // Forty saves of a large draft: each entry keeps it before and after (~1.6 MB an entry).
  const draft = (i: number) => ({ i, text: String(i % 10).repeat(800_000) })
  for (let i = 1; i <= 40; i++) audit.record({ siteId: 'acme', userId: null, action: 'catalogue.draft', before: draft(i - 1), after: draft(i) })
  const seen: number[] = []
  let before: number | undefined
  let pages = 0
  for (;;) {
    const page = audit.list('acme', { limit: 40, before })
    pages += 1
    const bytes = page.entries.reduce((n, e) => n + JSON.stringify(e.before).length + JSON.stringify(e.after).length, 0)
    expect(page.entries.length).toBeGreaterThan(0)
    if (page.entries.length > 1) expect(bytes).toBeLessThanOrEqual(AUDIT_PAGE_MAX_BYTES)
    seen.push(...page.entries.map((e) => (e.after as { i?: number } | null)?.i ?? 0))
    if (page.nextBefore === null) break
    before = page.nextBefore
  }
  // 40 saves, newest first, two to a page; the seeder's small entry joins the last page.
  expect(seen).toEqual([...Array.from({ length: 40 }, (_, k) => 40 - k), 0])
  expect(pages).toBe(20)
  // Small entries still come `limit` to a page.
  expect(audit.list('acme', { limit: 3, action: 'site' }).entries).toHaveLength(1)
})

it('gives an entry larger than the budget alone on its page', () => {
  const audit = new AuditLog(t.db, () => t.clock.now)
  audit.record({ siteId: 'acme', userId: null, action: 'catalogue.import', after: { text: 'x'.repeat(AUDIT_PAGE_MAX_BYTES + 10) } })
  const page = audit.list('acme', { limit: 50 })
  expect(page.entries.map((e) => e.action)).toEqual(['catalogue.import'])
  expect(page.nextBefore).toBe(page.entries[0]!.id)
  expect(audit.list('acme', { limit: 50, before: page.nextBefore! }).entries.map((e) => e.action)).toEqual(['site.seed'])
})
