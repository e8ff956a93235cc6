// The invitee's side of an invitation link: see what it is for, then join with a password.
// The token in the path is the credential; no session is needed (and none is trusted).
import { acceptInvitationInput } from '@miniconsent/shared'
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, Services } from '../context'
import { formBody, paramsOf, utf8Body } from '../lib/validate'
import { signInAs, throttledPasswordCheck } from './auth'

/** An invitation link's token (base64url of 32 random bytes); the OpenAPI document uses this schema too. */
export const tokenParam = z.object({ token: z.string().regex(/^[\w-]{20,100}$/, 'not an invitation token') })

/** Accepting is exempt from the CSRF check: it is authorised by its token, not by a cookie. */
export const INVITATION_ACCEPT_PATH = /^\/api\/admin\/invitations\/[^/]+\/accept$/

export function invitationRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/api/admin/invitations/:token', paramsOf(tokenParam), (c) => {
      c.header('Cache-Control', 'no-store')
      return c.json(s.accounts.invitation(c.req.valid('param').token))
    })
    .post('/api/admin/invitations/:token/accept', paramsOf(tokenParam), utf8Body, formBody(acceptInvitationInput, 'an invitation\'s acceptance'), async (c) => {
      const { token } = c.req.valid('param')
      // For an address with an account, accepting checks that account's password and signs in:
      // the link holder must not get more guesses here than at the sign-in form.
      const { email } = s.accounts.invitation(token)
      const user = await throttledPasswordCheck(c, s, email, () => s.accounts.acceptInvitation(token, c.req.valid('json').password))
      // Whoever was signed in on this browser is replaced by the invitee (signInAs).
      return c.json(signInAs(c, s, user.id))
    })
}
