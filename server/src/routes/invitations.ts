// The invitee's side of an invitation link: see what it is for, then join with a password.
// The token in the path is the credential; no session is needed (and none is trusted).
import { acceptInvitationInput } from '@miniconsent/shared'
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, Services } from '../context'
import { formBody, paramsOf } from '../lib/validate'
import { signInAs } from './auth'

const tokenParam = z.object({ token: z.string().regex(/^[\w-]{20,100}$/, 'not an invitation token') })

/** Accepting is exempt from the CSRF check: it is authorised by its token, not by a cookie. */
export const INVITATION_ACCEPT_PATH = /^\/api\/admin\/invitations\/[^/]+\/accept$/

export function invitationRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/api/admin/invitations/:token', paramsOf(tokenParam), (c) => {
      c.header('Cache-Control', 'no-store')
      return c.json(s.accounts.invitation(c.req.valid('param').token))
    })
    .post('/api/admin/invitations/:token/accept', paramsOf(tokenParam), formBody(acceptInvitationInput), async (c) => {
      const user = await s.accounts.acceptInvitation(c.req.valid('param').token, c.req.valid('json').password)
      const session = c.get('session')
      // Whoever was signed in on this browser is replaced by the invitee.
      if (session && session.user.id !== user.id) s.accounts.deleteSession(session.sessionId)
      return c.json(signInAs(c, s, user.id))
    })
}
