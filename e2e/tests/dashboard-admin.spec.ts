import { request as playwrightRequest, type APIRequestContext, type Page } from '@playwright/test'
import { expect, test } from '../support/test'
import { mkdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { E2E_ADMIN, E2E_BASE_URL } from '../support/env'
import { axeViolations } from '../support/axe'

// Issue 6 in the browser: the dashboard's pages against the real server and SQLite file.

const SCREENS = new URL('../artifacts/screens/', import.meta.url).pathname
mkdirSync(SCREENS, { recursive: true })

async function signIn(page: Page, email: string, password: string) {
  await page.goto('/sign-in')
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  // Owners and auditors land on the consent log, editors (who see no visitor's data) on the catalogue.
  await expect(
    page.getByRole('table', { name: 'Consent records' }).or(page.getByText(/No consent records yet/)).or(page.getByRole('heading', { level: 1, name: /^Catalogue — / })),
  ).toBeVisible()
}

/** An API session of the owner, to set up users the way an owner would. */
async function ownerApi(): Promise<{ api: APIRequestContext; csrf: string }> {
  const api = await playwrightRequest.newContext({ baseURL: E2E_BASE_URL })
  const res = await api.post('/api/admin/login', { data: E2E_ADMIN })
  expect(res.status()).toBe(200)
  return { api, csrf: (await res.json()).csrfToken as string }
}

/** Creates a member of `siteId` with `role` through the invitations API, as the owner. */
async function createMember(siteId: string, role: 'editor' | 'auditor', email: string, password: string) {
  const { api, csrf } = await ownerApi()
  const invited = await api.post(`/api/admin/sites/${siteId}/invitations`, { data: { email, role }, headers: { 'X-CSRF-Token': csrf } })
  expect(invited.status()).toBe(201)
  const body = await invited.json()
  if (body.inviteUrl) {
    const token = String(body.inviteUrl).split('/invite/')[1]!
    const fresh = await playwrightRequest.newContext({ baseURL: E2E_BASE_URL })
    const accepted = await fresh.post(`/api/admin/invitations/${token}/accept`, { data: { password } })
    expect(accepted.status()).toBe(200)
    await fresh.dispose()
  }
  await api.dispose()
}

async function checkA11yAndShoot(page: Page, name: string) {
  await expect(page.locator('main h1')).toBeVisible()
  expect(await axeViolations(page), name).toEqual([])
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 900 })
    await page.screenshot({ path: `${SCREENS}${name}-${width === 1280 ? 'desktop' : 'mobile'}.png`, fullPage: true })
  }
  // Nothing makes the page itself scroll sideways at 320 px; wide tables scroll inside their own region.
  await page.setViewportSize({ width: 320, height: 900 })
  expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} at 320 px`).toBeLessThanOrEqual(320)
  await page.setViewportSize({ width: 1280, height: 900 })
}

test('an editor adds a cookie, publishes, and the demo page shows it and asks again', async ({ page, browser }) => {
  test.setTimeout(120_000)
  // A visitor who accepted before the change.
  const visitor = await browser.newContext()
  const demo = await visitor.newPage()
  await demo.goto('/demo/minopa/')
  await demo.getByRole('region', { name: 'We use cookies' }).getByRole('button', { name: 'Accept all' }).click()
  await expect(demo.getByRole('region', { name: 'We use cookies' })).toBeHidden()

  await createMember('minopa', 'editor', 'editor@e2e.test', 'editor-password-123')
  await signIn(page, 'editor@e2e.test', 'editor-password-123')
  // Their site opens on its catalogue, and the consent log is not theirs to read (SPEC §8).
  await expect(page).toHaveURL(/\/sites\/minopa\/catalogue$/)
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Consent log' })).toHaveCount(0)
  expect((await page.request.get('/api/admin/sites/minopa/consents')).status()).toBe(403)
  await page.getByRole('button', { name: 'Add cookie or storage entry' }).click()
  const row = page.getByRole('table', { name: 'Cookies and storage entries' }).getByRole('row').last()
  await expect(row.getByLabel(/^Name, row/)).toBeFocused()
  await row.getByLabel(/^Name, row/).fill('e2e_probe_*')
  await row.getByLabel(/^Category, row/).selectOption('analytics')
  await row.getByLabel(/^Provider, row/).fill('E2E Analytics Ltd')
  await row.getByLabel(/^Purpose \(en\), row/).fill('Counts end-to-end test visits')
  await row.getByLabel(/^Expiry, row/).fill('thirty days')
  await expect(page.getByText('Unsaved changes')).toBeVisible()
  await page.getByRole('button', { name: 'Save draft' }).click()
  // Inline validation from the shared schema; nothing is lost.
  await expect(row.getByText(/duration such as 30d/)).toBeVisible()
  await row.getByLabel(/^Expiry, row/).fill('30d')
  await page.getByRole('button', { name: 'Save draft' }).click()
  await expect(page.getByText('Draft saved.')).toBeVisible()

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Publish' }).click()
  await expect(page.getByRole('table', { name: 'Changes in the draft' })).toContainText('e2e_probe_*')
  await expect(page.getByText('Visitors will be asked again')).toBeVisible()
  await page.getByLabel('Note for the history (optional)').fill('E2E probe cookie')
  await page.getByRole('button', { name: 'Review and publish…' }).click()
  await page.getByRole('button', { name: 'Publish now' }).click()
  await expect(page.getByText(/Published revision \d+\. Visitors will be asked for consent again/)).toBeVisible()
  await expect(page.getByRole('table', { name: 'Published revisions, newest first' })).toContainText('editor@e2e.test')

  // The returning visitor is asked again, and the preferences list the new cookie. A new context
  // with the visitor's cookies: the SDK script is cached for minutes, as it should be.
  const returning = await browser.newContext({ storageState: await visitor.storageState() })
  const again = await returning.newPage()
  await again.goto('/demo/minopa/')
  await expect(again.getByRole('region', { name: 'We use cookies' })).toBeVisible()
  await returning.close()
  const fresh = await browser.newPage()
  await fresh.goto('/demo/minopa/')
  await fresh.getByRole('region', { name: 'We use cookies' }).getByRole('button', { name: 'Cookie Settings' }).click()
  const dialog = fresh.getByRole('dialog')
  await expect(dialog).toBeVisible()
  await dialog.getByRole('button', { name: /^Analytics Cookies/ }).click()
  await expect(dialog).toContainText('e2e_probe_*')
  await visitor.close()
  await fresh.close()

  // A rollback shows what it changes from the live revision, and starts the "ask again" box at the
  // verdict, before it can be confirmed (it started ticked, whatever the rollback did).
  const live = Number(/Published revision (\d+)\./.exec((await page.getByText(/Published revision \d+\./).textContent()) ?? '')![1])
  const history = page.getByRole('table', { name: 'Published revisions, newest first' })
  await history.getByRole('button', { name: `Roll back to ${live - 1}` }).click()
  const away = page.getByRole('region', { name: `Roll back to revision ${live - 1}?` })
  await expect(away.getByRole('table', { name: `Changes from the live revision ${live} to revision ${live - 1}` })).toContainText('e2e_probe_*')
  // Taking a cookie away asks nobody again.
  await expect(away.getByLabel('Ask visitors for consent again')).not.toBeChecked()
  await away.getByRole('button', { name: `Roll back to ${live - 1}` }).click()
  await expect(page.getByText(new RegExp(`Rolled back: revision ${live + 1} has the catalogue of revision ${live - 1}`))).toBeVisible()
  // Bringing it back would: the box starts ticked.
  await history.getByRole('button', { name: `Roll back to ${live}` }).click()
  const back = page.getByRole('region', { name: `Roll back to revision ${live}?` })
  await expect(back.getByRole('table', { name: `Changes from the live revision ${live + 1} to revision ${live}` })).toContainText('e2e_probe_*')
  await expect(back.getByLabel('Ask visitors for consent again')).toBeChecked()
  await back.getByRole('button', { name: 'Cancel' }).click()
  await expect(back).toBeHidden()
})

test('an auditor reads but cannot edit, exports a CSV that parses and verifies the chain', async ({ page }) => {
  test.setTimeout(90_000)
  await createMember('minopa', 'auditor', 'auditor@e2e.test', 'auditor-password-123')
  await signIn(page, 'auditor@e2e.test', 'auditor-password-123')
  await page.goto('/sites/minopa/catalogue')
  await expect(page.getByText(/as an auditor you cannot change it/)).toBeVisible()
  await expect(page.getByRole('button', { name: 'Save draft' })).toHaveCount(0)
  await expect(page.getByRole('button', { name: /^Add/ })).toHaveCount(0)
  await expect(page.getByLabel(/^Name, row 1$/)).not.toBeEditable()
  const nav = page.getByRole('navigation', { name: 'Main' })
  await expect(nav.getByRole('link', { name: 'Users & roles' })).toHaveCount(0)
  // The server refuses too, not just the interface.
  const me = await (await page.request.get('/api/admin/me')).json()
  const put = await page.request.put('/api/admin/sites/minopa/catalogue/draft', {
    data: { catalogue: { categories: [{ id: 'essential', required: true, label: { en: 'Essential' } }] } },
    headers: { 'X-CSRF-Token': me.csrfToken },
  })
  expect(put.status()).toBe(403)

  await nav.getByRole('link', { name: 'Publish' }).click()
  await expect(page.getByRole('button', { name: /Publish now|Review and publish/ })).toHaveCount(0)

  await nav.getByRole('link', { name: 'Consent log' }).click()
  await page.getByRole('button', { name: 'Verify chain' }).click()
  await expect(page.getByRole('status').filter({ hasText: /Chain intact/ })).toBeVisible()

  await nav.getByRole('link', { name: 'Export' }).click()
  await page.getByRole('button', { name: 'Start export' }).click()
  await expect(page.getByText(/Export complete: \d+ records/)).toBeVisible()
  await expect(page.getByText('matches the downloaded file')).toBeVisible()
  const rowsShown = Number((await page.getByText(/Export complete: \d+ records/).textContent())!.match(/(\d+) records/)![1])
  const download = page.waitForEvent('download')
  await page.getByRole('link', { name: /^Download consents/ }).click()
  const csv = await readFile(await (await download).path(), 'utf8')
  const lines = csv.trimEnd().split(/\r?\n/)
  expect(lines[0]).toBe(
    'seq,recordId,consentId,serverTime,clientTime,method,revision,textsHash,region,mode,language,url,ip,userAgent,gpc,categories,services,prevHash,hash,erasedAt,personalHash',
  )
  expect(lines.length - 1).toBe(rowsShown)
  for (const line of lines.slice(1)) expect(line).toMatch(/^\d+,[0-9a-f-]{36},/)

  // The manifest saved, the chain is checked against it later: the log still reaches its head
  // (none, when this test runs alone on an empty log).
  const manifestDownload = page.waitForEvent('download')
  await page.getByRole('link', { name: 'Download the manifest' }).click()
  const manifestPath = await (await manifestDownload).path()
  await nav.getByRole('link', { name: 'Consent log' }).click()
  await page.getByLabel('Check against a saved manifest (JSON)').setInputFiles({ name: 'saved.manifest.json', mimeType: 'application/json', buffer: await readFile(manifestPath) })
  await expect(page.getByRole('status').filter({ hasText: /Chain intact: .* Checked against the saved manifest of export .*: (the log still holds record #\d+ with the hash it recorded|the log was empty then, so it vouches for no record)\./ })).toBeVisible()
  // Auditors read the admin audit log too (SPEC §8), not the users.
  await nav.getByRole('link', { name: 'Audit log' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Audit log — Minopa' })).toBeVisible()
})

test('the owner invites a user, who accepts the link and lands in the dashboard', async ({ page, browser }) => {
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password)
  await page.goto('/sites/minimagic/members')
  await page.getByLabel('Email').fill('invitee@e2e.test')
  await page.getByLabel('Role', { exact: true }).selectOption('editor')
  await page.getByRole('button', { name: 'Invite' }).click()
  const link = await page.getByLabel('Invitation link').inputValue()
  expect(link).toMatch(/\/invite\/[^/]+$/)
  await expect(page.getByText(/invitee@e2e\.test as editor/).first()).toBeVisible()

  const inviteeContext = await browser.newContext()
  const invitee = await inviteeContext.newPage()
  await invitee.goto(link)
  await expect(invitee.getByText(/You are invited to/)).toBeVisible()
  await checkA11yAndShoot(invitee, 'invite')
  await invitee.getByLabel('New password').fill('invitee-password-123')
  await invitee.getByLabel('Repeat the password').fill('invitee-password-123')
  await invitee.getByRole('button', { name: 'Accept and sign in' }).click()
  // An editor's site opens on its catalogue: editors see no visitor's data (SPEC §8).
  await expect(invitee.getByRole('heading', { level: 1, name: 'Catalogue — MiniMagic' })).toBeVisible()
  await expect(invitee.getByText('invitee@e2e.test')).toBeVisible()
  await expect(invitee.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Consent log' })).toHaveCount(0)
  await inviteeContext.close()
})

// Last, so the pages show the records, revisions and audit entries the flows above made.
test('a session that ends under a page asks to sign in over it, and the edit on the page survives', async ({ page }) => {
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password)
  await page.goto('/sites/mini-moni-club/settings')
  const name = page.getByLabel('Site name')
  const before = await name.inputValue()
  await name.fill(`${before} (renamed)`)
  // The session ends elsewhere (another tab signed out; the same as its 12 hours running out).
  const { csrfToken } = (await (await page.request.get('/api/admin/me')).json()) as { csrfToken: string }
  expect((await page.request.post('/api/admin/logout', { headers: { 'X-CSRF-Token': csrfToken } })).status()).toBe(204)
  expect((await page.request.get('/api/admin/me')).status()).toBe(401)
  await page.getByRole('button', { name: 'Save settings' }).click()
  const dialog = page.getByRole('dialog', { name: 'Your session has ended' })
  await expect(dialog).toBeVisible()
  expect(await axeViolations(page)).toEqual([])
  await dialog.getByLabel('Password').fill(E2E_ADMIN.password)
  await dialog.getByRole('button', { name: 'Sign in', exact: true }).click()
  await expect(dialog).toBeHidden()
  // Focus is back on the button that met the ended session, not lost on <body>.
  await expect(page.getByRole('button', { name: 'Save settings' })).toBeFocused()
  await expect(name).toHaveValue(`${before} (renamed)`)
  await page.getByRole('button', { name: 'Save settings' }).click()
  await expect(page.getByText('Settings saved.')).toBeVisible()
  // Put back as it was, for the other tests.
  await name.fill(before)
  await page.getByRole('button', { name: 'Save settings' }).click()
  await expect(page.getByText('Settings saved.')).toBeVisible()
})

test('every dashboard page has no axe violations and fits desktop and mobile widths', async ({ page }) => {
  // Eleven pages, each analysed by axe and shot at three widths: minutes on a loaded machine.
  test.setTimeout(300_000)
  await page.goto('/sign-in')
  await checkA11yAndShoot(page, 'sign-in')
  await signIn(page, E2E_ADMIN.email, E2E_ADMIN.password)
  await page.getByLabel('Site').selectOption('minopa')
  const pages: Array<[string, string]> = [
    ['consents', 'Consent log'],
    ['catalogue', 'Catalogue'],
    ['publish', 'Publish'],
    ['texts', 'Texts & appearance'],
    ['export', 'Export'],
    ['analytics', 'Analytics'],
    ['install', 'Install'],
    ['members', 'Users & roles'],
    ['audit', 'Audit log'],
  ]
  for (const [slug, title] of pages) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: title, exact: true }).click()
    await expect(page.getByRole('heading', { level: 1, name: `${title} — Minopa` })).toBeVisible()
    await expect(page.getByText(/^Loading/)).toHaveCount(0)
    if (slug === 'consents') {
      // With a record's detail panel open, the densest state of the log.
      const records = page.getByRole('table', { name: 'Consent records' }).getByRole('button')
      if (await records.count()) {
        await records.first().click()
        await expect(page.getByRole('heading', { name: /^Record #\d+$/ })).toBeVisible()
      }
    }
    if (slug === 'analytics' && !(await page.getByText('No decisions in the log yet.').count())) {
      await expect(page.locator('.chart canvas').first()).toBeVisible()
    }
    await checkA11yAndShoot(page, slug)
  }
  await page.getByRole('link', { name: 'Change password' }).click()
  await checkA11yAndShoot(page, 'password')
})
