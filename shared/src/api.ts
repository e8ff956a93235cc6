// Shapes of the HTTP API that are not catalogue or consent records.
import { z } from 'zod'
import { slug } from './catalogue'

/**
 * Every 4xx/5xx body: `{ "error": { "code", "message" } }`. Validation errors also list each
 * problem with its path (`categories.2.id`), so a form can show it next to the field.
 */
export const apiError = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
})
export type ApiError = z.infer<typeof apiError>

export const ROLES = ['owner', 'editor', 'auditor'] as const
/**
 * Who reads the consent log — the records, their statistics, exports, verification and
 * data-subject look-ups (SPEC §8: "auditor: read logs, export, verify"; owners do everything).
 * Editors keep to the catalogue, texts and publishing: they see no visitor's data.
 */
export const LOG_ROLES = ['owner', 'auditor'] as const
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
  /**
   * Whether this account may create a site (and so become its owner): the server's administrator
   * (the account of `MINICONSENT_ADMIN_EMAIL`) and the owners of a site may; an account that is
   * only an editor or auditor may not (SPEC §8: an auditor changes nothing).
   */
  canCreateSites: z.boolean(),
  /** Send back as the `X-CSRF-Token` header on every state-changing admin request. */
  csrfToken: z.string(),
})
export type Me = z.infer<typeof me>

/** Answer of `GET /api/admin/sites/:siteId/verify` and of the `verify` CLI. */
export const chainVerification = z.object({
  ok: z.boolean(),
  /** Records checked (all of the site's records when the chain is intact). */
  count: z.number().int().min(0),
  /** Hash of the newest record checked; the genesis value (64 zeros) for an empty log. */
  head: z.string(),
  /** The first record that does not fit the chain, and why. */
  firstBad: z.object({ seq: z.number().int(), reason: z.string() }).optional(),
  /** Erased records (tombstones) among those checked: their links, and their content as the server's signature of their erasure holds it, are checked. */
  erased: z.number().int().min(0).optional(),
  /** What was erased, and when: each erasure (one data-subject request) among the records checked, oldest first, with its records' seqs. */
  erasures: z.array(z.object({ erasedAt: z.string(), seqs: z.array(z.number().int()) })).optional(),
  /**
   * Where the chain starts after retention purged older records; absent when it starts at genesis.
   * `retentionDays`: the signed retention the last purge acted on (absent for an anchor last moved
   * by a version that did not sign retention, which did not record it with the anchor's signature,
   * as after a rollback to one).
   */
  anchor: z.object({ seq: z.number().int(), hash: z.string(), purgedCount: z.number().int(), retentionDays: z.number().int().optional() }).optional(),
  /**
   * The auditor's saved manifest the chain was also checked against (verify with a manifest): its
   * export and chain head, and whether that head could be checked (`false` when retention has
   * purged it since, so only the records after the purge anchor were).
   */
  savedManifest: z.object({ exportId: z.string(), createdAt: z.string(), seq: z.number().int(), checked: z.boolean() }).optional(),
})
export type ChainVerification = z.infer<typeof chainVerification>
