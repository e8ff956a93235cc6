// Shapes of the HTTP API that are not catalogue or consent records.
import { z } from 'zod'
import { slug } from './catalogue'

/** Every 4xx/5xx body: `{ "error": { "code", "message" } }`. */
export const apiError = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
})
export type ApiError = z.infer<typeof apiError>

export const ROLES = ['owner', 'editor', 'auditor'] as const
export const role = z.enum(ROLES)
export type Role = z.infer<typeof role>

export const loginInput = z.object({
  email: z.email().max(254),
  password: z.string().min(1).max(1024),
})
export type LoginInput = z.infer<typeof loginInput>

export const siteSummary = z.object({ id: slug, name: z.string(), role: role })
export type SiteSummary = z.infer<typeof siteSummary>

export const me = z.object({
  user: z.object({ id: z.number().int(), email: z.string() }),
  sites: z.array(siteSummary),
  /** Send back as the `X-CSRF-Token` header on every state-changing admin request. */
  csrfToken: z.string(),
})
export type Me = z.infer<typeof me>
