// The signed-in user's own account.
import { passwordChangeInput } from '@miniconsent/shared'
import { Hono } from 'hono'
import type { AppEnv, Services } from '../context'
import { formBody } from '../lib/validate'
import { requireSession } from '../middleware/session'

export function accountRoutes(s: Services) {
  return new Hono<AppEnv>().post('/api/admin/password', requireSession, formBody(passwordChangeInput), async (c) => {
    const { currentPassword, newPassword } = c.req.valid('json')
    await s.accounts.changePassword(c.get('session')!, currentPassword, newPassword)
    return c.body(null, 204)
  })
}
