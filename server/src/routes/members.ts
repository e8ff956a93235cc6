// Who may manage a site, and with which role (SPEC §8): owners only.
import { invitationInput, memberRoleInput, slug, urlNumber } from '@miniconsent/shared'
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, Services } from '../context'
import { ownOrigin } from '../lib/request'
import { formBody, paramsOf } from '../lib/validate'
import { requireSiteRole } from '../middleware/session'
import { siteParam } from './catalogue'

const memberParam = z.object({ siteId: slug, userId: urlNumber() })
const invitationParam = z.object({ siteId: slug, email: invitationInput.shape.email })

export function memberRoutes(s: Services) {
  const owner = requireSiteRole(s, ['owner'])
  return new Hono<AppEnv>()
    .get('/api/admin/sites/:siteId/members', owner, paramsOf(siteParam), (c) => {
      c.header('Cache-Control', 'no-store')
      return c.json(s.accounts.members(c.req.valid('param').siteId))
    })
    .post('/api/admin/sites/:siteId/invitations', owner, paramsOf(siteParam), formBody(invitationInput, 'an invitation'), (c) => {
      const { token } = s.accounts.invite(c.req.valid('param').siteId, c.get('session')!.user.id, c.req.valid('json'))
      // No e-mail is sent: the owner hands the link over. It points at the dashboard: at PUBLIC_URL,
      // or at the host this request came to.
      c.header('Cache-Control', 'no-store')
      return c.json({ inviteUrl: `${ownOrigin(c, s)}/invite/${token}` }, 201)
    })
    .delete('/api/admin/sites/:siteId/invitations/:email', owner, paramsOf(invitationParam), (c) => {
      const { siteId, email } = c.req.valid('param')
      s.accounts.cancelInvitation(siteId, c.get('session')!.user.id, email)
      return c.body(null, 204)
    })
    .patch('/api/admin/sites/:siteId/members/:userId', owner, paramsOf(memberParam), formBody(memberRoleInput, 'a change of role'), (c) => {
      const { siteId, userId } = c.req.valid('param')
      return c.json({ member: s.accounts.changeRole(siteId, c.get('session')!.user.id, userId, c.req.valid('json').role) })
    })
    .delete('/api/admin/sites/:siteId/members/:userId', owner, paramsOf(memberParam), (c) => {
      const { siteId, userId } = c.req.valid('param')
      s.accounts.removeMember(siteId, c.get('session')!.user.id, userId)
      return c.body(null, 204)
    })
}
