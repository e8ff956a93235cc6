import { request as playwrightRequest } from '@playwright/test'
import { expect, test } from '../support/test'
import { signIn } from '../support/sign-in'
import { E2E_ADMIN, E2E_BASE_URL } from '../support/env'

// An owner whose role another owner lowers to editor while they have the site settings open,
// against the real server: the save that changes an owner's setting is refused (403
// owner_only_setting), the dashboard reloads the roles, and the page puts that setting back as
// saved and read-only, keeps the other change, and saves it. On a site of its own, made here.

const SITE = 'owner-lowered'
const SECOND = { email: 'second-owner@e2e.test', password: 'second-owner-password-1' }

test('an owner lowered to editor meanwhile gets the retention back as saved, read-only, and saves the rest', async ({ page }) => {
  const admin = await playwrightRequest.newContext({ baseURL: E2E_BASE_URL })
  const csrf = ((await (await admin.post('/api/admin/login', { data: E2E_ADMIN })).json()) as { csrfToken: string }).csrfToken
  const asAdmin = { headers: { 'X-CSRF-Token': csrf } }
  const created = await admin.post('/api/admin/sites', { ...asAdmin, data: { id: SITE, name: 'Owner Lowered', domains: ['owner-lowered.example'] } })
  expect(created.status()).toBe(201)
  const invitation = await admin.post(`/api/admin/sites/${SITE}/invitations`, { ...asAdmin, data: { email: SECOND.email, role: 'owner' } })
  const token = String(((await invitation.json()) as { inviteUrl: string }).inviteUrl).split('/invite/')[1]!
  const invitee = await playwrightRequest.newContext({ baseURL: E2E_BASE_URL })
  expect((await invitee.post(`/api/admin/invitations/${token}/accept`, { data: { password: SECOND.password } })).status()).toBe(200)
  await invitee.dispose()

  await signIn(page, SECOND.email, SECOND.password)
  await page.goto(`/sites/${SITE}/settings`)
  const retention = page.getByLabel('Keep consent records for (days)')
  const saved = await retention.inputValue()
  await retention.fill('400')
  await page.getByLabel('Cookie name').fill('owner_lowered_consent')

  // The other owner makes this one an editor.
  const { members } = (await (await admin.get(`/api/admin/sites/${SITE}/members`)).json()) as { members: Array<{ userId: number; email: string }> }
  const second = members.find((m) => m.email === SECOND.email)!
  expect((await admin.patch(`/api/admin/sites/${SITE}/members/${second.userId}`, { ...asAdmin, data: { role: 'editor' } })).status()).toBe(200)

  await page.getByRole('button', { name: 'Save settings' }).click()
  const notice = page.getByRole('alert').filter({ hasText: /^Not saved: your role on this site no longer lets you change how long consent records/ })
  await expect(notice).toContainText('Your other changes were not saved either; they are still here for you to save.')
  await expect(retention).toHaveValue(saved)
  await expect(retention).not.toBeEditable()
  await expect(page.getByLabel('IP addresses')).toBeDisabled()
  await expect(page.getByLabel('Cookie name')).toHaveValue('owner_lowered_consent')
  await expect(page.getByRole('heading', { name: 'Delete this site' })).toHaveCount(0)

  await page.getByRole('button', { name: 'Save settings' }).click()
  await expect(page.getByText('Settings saved.')).toBeVisible()
  await expect(notice).toHaveCount(0)
  const { settings } = (await (await admin.get(`/api/admin/sites/${SITE}/catalogue`)).json()) as { settings: { cookieName: string; retentionDays: number } }
  expect(settings).toMatchObject({ cookieName: 'owner_lowered_consent', retentionDays: Number(saved) })
  await admin.dispose()
})
