import { auditPage } from '@miniconsent/shared'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../logger'
import { Accounts } from '../services/accounts'
import { AuditLog } from '../services/audit'
import { ACCOUNT_AUDIT_RETENTION_DAYS, startRetention } from '../services/retention'
import { ACME, NOTICE_ONLY, addUser, send, sessionOf, signIn, startTestServer, type AdminSession, type TestServer } from '../test-support'

const DAY = 86_400_000
let t: TestServer
let acmeOwner: AdminSession
let noticeOwner: AdminSession

beforeEach(async () => {
  // Acme keeps its records (and so its audit entries) 30 days; notice-only the 5-year default.
  t = startTestServer({}, [{ ...ACME, settings: { ...ACME.settings, retentionDays: 30 } }, NOTICE_ONLY])
  await addUser(t.db, 'owner@acme.test', 'acme owner password', { acme: 'owner' })
  await addUser(t.db, 'owner@notice.test', 'notice owner password', { 'notice-only': 'owner' })
  await addUser(t.db, 'editor@both.test', 'editor password 1', { acme: 'editor', 'notice-only': 'auditor' })
  acmeOwner = await signIn(t, 'owner@acme.test', 'acme owner password')
  noticeOwner = await signIn(t, 'owner@notice.test', 'notice owner password')
})
afterEach(() => t.close())

async function auditOf(owner: AdminSession, siteId: string) {
  const res = await owner.request(`/api/admin/sites/${siteId}/audit?limit=200`)
  expect(res.status).toBe(200)
  return auditPage.parse(await res.json()).entries
}

/** Changes the password in `who`'s session, which ends: returns the session the change answers instead. */
async function changePassword(who: AdminSession, currentPassword: string, newPassword: string): Promise<AdminSession> {
  const res = await who.request('/api/admin/password', send('POST', { currentPassword, newPassword }))
  expect(res.status).toBe(200)
  const { csrfToken } = (await res.json()) as { csrfToken: string }
  return sessionOf(t, (res.headers.get('set-cookie') ?? '').split(';')[0]!, csrfToken)
}

describe('password changes in the audit log', () => {
  it("show in the audit log of every site of the user, for each site's owners", async () => {
    const editor = await signIn(t, 'editor@both.test', 'editor password 1')
    await changePassword(editor, 'editor password 1', 'a new editor password')
    for (const [owner, siteId] of [[acmeOwner, 'acme'], [noticeOwner, 'notice-only']] as const) {
      const entries = await auditOf(owner, siteId)
      expect(entries.filter((e) => e.action === 'user.password')).toEqual([
        expect.objectContaining({ user: 'editor@both.test', at: new Date(t.clock.now).toISOString() }),
      ])
    }
  })

  it("are not shown on a site the user is not a member of", async () => {
    acmeOwner = await changePassword(acmeOwner, 'acme owner password', 'another acme password')
    expect((await auditOf(acmeOwner, 'acme')).map((e) => e.action)).toContain('user.password')
    expect((await auditOf(noticeOwner, 'notice-only')).map((e) => e.action)).not.toContain('user.password')
  })
})

describe('site settings in the audit log', () => {
  it('record a change of the default language, the language visitors read, with what it was and what it is now', async () => {
    const editor = await signIn(t, 'editor@both.test', 'editor password 1')
    expect((await editor.request('/api/admin/sites/acme/settings', send('PUT', { defaultLanguage: 'de' }))).status).toBe(200)
    const changes = (await auditOf(acmeOwner, 'acme')).filter((e) => e.action === 'site.settings')
    expect(changes).toEqual([expect.objectContaining({ user: 'editor@both.test', before: expect.objectContaining({ defaultLanguage: 'en' }), after: expect.objectContaining({ defaultLanguage: 'de' }) })])
  })
})

describe('audit log retention', () => {
  it("purges a site's entries older than its retention with the automatic purge, and keeps newer ones", async () => {
    acmeOwner = await changePassword(acmeOwner, 'acme owner password', 'second acme password')
    t.clock.now += 20 * DAY
    // Sessions last hours, not days.
    acmeOwner = await signIn(t, 'owner@acme.test', 'second acme password')
    acmeOwner = await changePassword(acmeOwner, 'second acme password', 'third acme password')
    // Everything of day 0: the first change and whatever the site's creation recorded.
    const dayZero = (await auditOf(acmeOwner, 'acme')).filter((e) => Date.parse(e.at) < t.clock.now - 20 * DAY + 1)
    expect(dayZero.map((e) => e.action)).toContain('user.password')
    t.clock.now += 15 * DAY
    // Day 35: the first change is past Acme's 30 days, the second is not.
    const retention = startRetention(t.db, { logger: silentLogger, audit: new AuditLog(t.db, () => t.clock.now), now: () => t.clock.now })
    await retention.run()
    await retention.stop()

    acmeOwner = await signIn(t, 'owner@acme.test', 'third acme password')
    noticeOwner = await signIn(t, 'owner@notice.test', 'notice owner password')
    const entries = await auditOf(acmeOwner, 'acme')
    expect(entries.filter((e) => e.action === 'user.password').map((e) => e.at)).toEqual([new Date(t.clock.now - 15 * DAY).toISOString()])
    // The purge itself is audited, with what it removed.
    expect(entries.find((e) => e.action === 'consents.purge')?.after).toMatchObject({ auditEntries: dayZero.length })
    expect(entries.map((e) => e.id)).not.toContain(dayZero[0]!.id)
    // Notice-only keeps five years: its owner's view is untouched by Acme's retention.
    noticeOwner = await changePassword(noticeOwner, 'notice owner password', 'new notice password')
    expect((await auditOf(noticeOwner, 'notice-only')).map((e) => e.action)).toContain('user.password')
  })

  it('purges entries of no site after the default retention', async () => {
    await addUser(t.db, 'loner@example.test', 'loner password 1', {})
    const loner = await signIn(t, 'loner@example.test', 'loner password 1')
    await changePassword(loner, 'loner password 1', 'loner password 2')
    const accountEntries = () => (t.db.$client.prepare("SELECT count(*) AS n FROM audit_log WHERE site_id IS NULL").get() as { n: number }).n
    expect(accountEntries()).toBe(1)
    const purgeAt = async (days: number) => {
      const now = t.clock.now + days * DAY
      const retention = startRetention(t.db, { logger: silentLogger, now: () => now })
      await retention.run()
      await retention.stop()
    }
    await purgeAt(ACCOUNT_AUDIT_RETENTION_DAYS)
    expect(accountEntries()).toBe(1)
    await purgeAt(ACCOUNT_AUDIT_RETENTION_DAYS + 1)
    expect(accountEntries()).toBe(0)
  })
})

describe('audit log filter by action', () => {
  it('takes actions with an underscore exactly: the operator’s password reset and sign-unsigned', async () => {
    acmeOwner = await changePassword(acmeOwner, 'acme owner password', 'another acme password')
    const accounts = new Accounts(t.db, Date.now, new AuditLog(t.db, Date.now))
    expect(await accounts.resetPassword('owner@acme.test')).toEqual(expect.any(String))
    const actions = async (query: string) => {
      // The reset ended every session: a new owner signs in to read.
      const res = await reader.request(`/api/admin/sites/acme/audit?${query}`)
      expect(res.status, query).toBe(200)
      return auditPage.parse(await res.json()).entries.map((e) => e.action)
    }
    await addUser(t.db, 'second@acme.test', 'second owner password', { acme: 'owner' })
    const reader = await signIn(t, 'second@acme.test', 'second owner password')
    expect(await actions('action=user.password_reset')).toEqual(['user.password_reset'])
    expect(await actions('action=user.password')).toEqual(['user.password'])
    expect((await actions('action=user')).sort()).toEqual(['user.password', 'user.password_reset'])
    expect(await actions('action=consents.sign_unsigned')).toEqual([])
  })
})

describe('audit log page parameters', () => {
  it('takes an empty limit or before as absent, and refuses a malformed one naming it', async () => {
    acmeOwner = await changePassword(acmeOwner, 'acme owner password', 'another acme password')
    const all = await auditOf(acmeOwner, 'acme')
    for (const query of ['limit=', 'before=', 'limit=&before=']) {
      const res = await acmeOwner.request(`/api/admin/sites/acme/audit?${query}`)
      expect(res.status, query).toBe(200)
      expect(auditPage.parse(await res.json()).entries, query).toEqual(all.slice(0, 50))
    }
    for (const [query, field] of [['limit=0', 'limit'], ['limit=201', 'limit'], ['limit=some', 'limit'], ['before=last', 'before']]) {
      const res = await acmeOwner.request(`/api/admin/sites/acme/audit?${query}`)
      expect(res.status, query).toBe(400)
      expect(JSON.stringify(await res.json()), query).toContain(field)
    }
  })
})

describe('audit log filters', () => {
  it('finds the entries of a period (days in UTC, or instants) and of one account by its e-mail, with the action filter and across pages', async () => {
    const owner = t.db.$client.prepare("SELECT id FROM users WHERE email = 'owner@acme.test'").pluck().get() as number
    const editor = t.db.$client.prepare("SELECT id FROM users WHERE email = 'editor@both.test'").pluck().get() as number
    const at = (iso: string) => new AuditLog(t.db, () => Date.parse(iso))
    at('2026-03-01T23:59:59.999Z').record({ siteId: 'acme', userId: owner, action: 'catalogue.draft', after: { n: 1 } })
    at('2026-03-02T00:00:00.000Z').record({ siteId: 'acme', userId: editor, action: 'catalogue.publish', after: { n: 2 } })
    at('2026-03-02T12:00:00.000Z').record({ siteId: 'acme', userId: owner, action: 'catalogue.publish', after: { n: 3 } })
    at('2026-03-02T23:59:59.999Z').record({ siteId: 'acme', userId: null, action: 'consents.purge', after: { n: 4 } })
    at('2026-03-03T00:00:00.000Z').record({ siteId: 'acme', userId: editor, action: 'catalogue.draft', after: { n: 5 } })
    // Another site's entry of the same day is never listed.
    at('2026-03-02T10:00:00.000Z').record({ siteId: 'notice-only', userId: editor, action: 'catalogue.draft', after: { n: 6 } })
    const numbers = async (query: string) => {
      const res = await acmeOwner.request(`/api/admin/sites/acme/audit?${query}`)
      expect(res.status, query).toBe(200)
      return auditPage.parse(await res.json()).entries.map((e) => (e.after as { n?: number } | null)?.n).filter((n) => n !== undefined)
    }
    expect(await numbers('from=2026-03-02&to=2026-03-02')).toEqual([4, 3, 2])
    expect(await numbers('from=2026-03-02T12:00:00Z&to=2026-03-03')).toEqual([5, 4, 3])
    expect(await numbers('from=2026-03-02T13:00:00%2B01:00&to=2026-03-02T12:00:00Z')).toEqual([3])
    expect(await numbers('to=2026-03-01')).toEqual([1])
    expect(await numbers('user=editor@both.test')).toEqual([5, 2])
    expect(await numbers('user=EDITOR@Both.test&from=2026-03-02&to=2026-03-02')).toEqual([2])
    expect(await numbers('user=owner@acme.test&action=catalogue.publish')).toEqual([3])
    expect(await numbers('user=nobody@acme.test')).toEqual([])
    // Empty values (cleared fields) are no filter.
    expect(await numbers('from=&to=&user=&action=catalogue')).toEqual([5, 3, 2, 1])
    // Pages of a filtered listing go on where the last ended, within the filter.
    const first = auditPage.parse(await (await acmeOwner.request('/api/admin/sites/acme/audit?from=2026-03-01&to=2026-03-03&limit=2')).json())
    expect(first.entries.map((e) => (e.after as { n: number }).n)).toEqual([5, 4])
    expect(await numbers(`from=2026-03-01&to=2026-03-03&before=${first.nextBefore}`)).toEqual([3, 2, 1])
  })

  it('starts a period at an instant between two milliseconds with the later one, as the consent log does', async () => {
    const owner = t.db.$client.prepare("SELECT id FROM users WHERE email = 'owner@acme.test'").pluck().get() as number
    for (const [n, iso] of [[1, '2026-11-22T10:00:02.000Z'], [2, '2026-11-22T10:00:03.000Z'], [3, '2026-11-22T10:00:04.000Z']] as const) {
      new AuditLog(t.db, () => Date.parse(iso)).record({ siteId: 'acme', userId: owner, action: 'catalogue.draft', after: { n } })
    }
    const numbers = async (query: string) => {
      const res = await acmeOwner.request(`/api/admin/sites/acme/audit?action=catalogue&${query}`)
      expect(res.status, query).toBe(200)
      return auditPage.parse(await res.json()).entries.map((e) => (e.after as { n: number }).n)
    }
    // 10:00:03.000 is before 10:00:03.0005: not in a period that starts then.
    expect(await numbers('from=2026-11-22T10:00:03.0005Z')).toEqual([3])
    expect(await numbers('from=2026-11-22T10:00:03.0000Z')).toEqual([3, 2])
    // The upper bound is inclusive: 10:00:03.000 is not after 10:00:03.0005.
    expect(await numbers('to=2026-11-22T10:00:03.0005Z')).toEqual([2, 1])
    // A period in order inside one millisecond holds no whole one: nothing (200), not "swapped".
    expect(await numbers('from=2026-11-22T10:00:03.0001Z&to=2026-11-22T10:00:03.0009Z')).toEqual([])
  })

  it('refuses a period that ends before it starts, a bound that is no date, and a user that is no e-mail address, naming the field', async () => {
    for (const [query, field, words] of [
      ['from=2026-03-03&to=2026-03-02', 'from', 'swapped'],
      ['from=2026-03-02T12:00:00.0011Z&to=2026-03-02T12:00:00.001Z', 'from', 'swapped'],
      ['from=March', 'from', 'use a date'],
      ['to=2026-02-30', 'to', 'use a date'],
      ['user=owner', 'user', 'e-mail'],
    ]) {
      const res = await acmeOwner.request(`/api/admin/sites/acme/audit?${query}`)
      expect(res.status, query).toBe(400)
      const body = JSON.stringify(await res.json())
      expect(body, query).toContain(field)
      expect(body, query).toContain(words)
    }
  })
})

describe("an account's own audit log (GET /api/admin/me/audit)", () => {
  const myAudit = async (who: AdminSession, query = '') => {
    const res = await who.request(`/api/admin/me/audit${query}`)
    expect(res.status, query).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    return auditPage.parse(await res.json())
  }
  const operator = () => new Accounts(t.db, () => t.clock.now, new AuditLog(t.db, () => t.clock.now))

  it("lists the signed-in account's entries of no site, its password changes and the operator's resets, and no one else's", async () => {
    await addUser(t.db, 'loner@example.test', 'loner password 1', {})
    await addUser(t.db, 'other@example.test', 'other password 1', {})
    let loner = await signIn(t, 'loner@example.test', 'loner password 1')
    const other = await signIn(t, 'other@example.test', 'other password 1')
    loner = await changePassword(loner, 'loner password 1', 'loner password 2')
    t.clock.now += 1000
    await changePassword(other, 'other password 1', 'other password 2')
    t.clock.now += 1000
    // The operator's reset of the other account: by nobody, about that account only.
    const otherPassword = (await operator().resetPassword('other@example.test'))!
    // A GET needs no CSRF token (the session's cookie alone: sessionOf sends none on GET).
    expect(await myAudit(loner)).toEqual({
      entries: [expect.objectContaining({ user: 'loner@example.test', action: 'user.password', at: new Date(t.clock.now - 2000).toISOString(), before: null, after: null })],
      nextBefore: null,
    })
    const reSigned = await signIn(t, 'other@example.test', otherPassword)
    const theirs = (await myAudit(reSigned)).entries
    expect(theirs.map((e) => [e.user, e.action])).toEqual([
      [null, 'user.password_reset'],
      ['other@example.test', 'user.password'],
    ])
    expect(theirs[0]!.after).toMatchObject({ email: 'other@example.test', by: 'the server operator (command line)' })
    // The filters are the site listing's.
    expect((await myAudit(reSigned, '?action=user.password_reset')).entries.map((e) => e.action)).toEqual(['user.password_reset'])
    expect((await myAudit(reSigned, '?user=other@example.test')).entries.map((e) => e.action)).toEqual(['user.password'])
  })

  it("holds no site's entries, not even the account's own changes on its sites", async () => {
    acmeOwner = await changePassword(acmeOwner, 'acme owner password', 'another acme password')
    expect((await auditOf(acmeOwner, 'acme')).map((e) => e.action)).toContain('user.password')
    expect(await myAudit(acmeOwner)).toEqual({ entries: [], nextBefore: null })
  })

  it('pages as the site listing does, newest first, and refuses a malformed page parameter naming it', async () => {
    await addUser(t.db, 'loner@example.test', 'loner password 1', {})
    const id = t.db.$client.prepare("SELECT id FROM users WHERE email = 'loner@example.test'").pluck().get() as number
    for (let n = 1; n <= 5; n++) new AuditLog(t.db, () => t.clock.now + n).record({ siteId: null, userId: id, action: 'user.password', after: { n } })
    const loner = await signIn(t, 'loner@example.test', 'loner password 1')
    const numbers = (page: { entries: { after: unknown }[] }) => page.entries.map((e) => (e.after as { n: number }).n)
    const first = await myAudit(loner, '?limit=2')
    expect(numbers(first)).toEqual([5, 4])
    const second = await myAudit(loner, `?limit=2&before=${first.nextBefore}`)
    expect(numbers(second)).toEqual([3, 2])
    const last = await myAudit(loner, `?limit=2&before=${second.nextBefore}`)
    expect(last.nextBefore).toBeNull()
    expect(numbers(last)).toEqual([1])
    for (const [query, field] of [['limit=0', 'limit'], ['before=last', 'before'], ['user=owner', 'user']]) {
      const res = await loner.request(`/api/admin/me/audit?${query}`)
      expect(res.status, query).toBe(400)
      expect(JSON.stringify(await res.json()), query).toContain(field)
    }
  })

  it('is refused without a session', async () => {
    const res = await t.request('/api/admin/me/audit')
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ error: { code: expect.any(String) } })
  })
})
