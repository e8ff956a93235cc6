// Consent-log exports for auditors: a streamed CSV or NDJSON file and, once its last byte is
// sent, a manifest (row count, SHA-256 of the bytes, chain head) to check the file against later.
import { createHash } from 'node:crypto'
import { exportQuery, slug } from '@miniconsent/shared'
import { Hono } from 'hono'
import { stream } from 'hono/streaming'
import { z } from 'zod'
import type { AppEnv, Services } from '../context'
import { ApiError } from '../lib/errors'
import { paramsOf, queryOf } from '../lib/validate'
import { requireSiteRole } from '../middleware/session'
import { ConsentExports } from '../services/export'

export function exportRoutes(s: Services) {
  const exports = new ConsentExports(s.db, s.now)

  return new Hono<AppEnv>()
    .get('/api/admin/sites/:siteId/export', requireSiteRole(s), paramsOf(z.object({ siteId: slug })), queryOf(exportQuery), async (c) => {
      const { siteId } = c.req.valid('param')
      const { format, ...filters } = c.req.valid('query')
      const userId = c.get('session')!.user.id
      const job = await exports.begin({ siteId, format, filters, userId })
      s.audit.record({ userId, siteId, action: 'consents.export', after: { exportId: job.id, format, filters } })

      c.header('Content-Type', job.contentType)
      c.header('Content-Disposition', `attachment; filename="${job.filename}"`)
      c.header('X-Export-Id', job.id)
      c.header('Cache-Control', 'no-store')
      return stream(
        c,
        async (out) => {
          const sha = createHash('sha256')
          // Chunks are whole pages (~100-200 KB): one write each, awaited, is the backpressure.
          for await (const bytes of job.chunks) {
            if (out.aborted) break
            sha.update(bytes)
            await out.write(bytes)
          }
          // A download cut short gets no manifest: there is no file it would describe.
          if (out.aborted) {
            job.abort()
            return
          }
          job.complete(sha.digest('hex'))
          s.logger.info('export complete', { siteId, exportId: job.id, rows: job.rowCount() })
        },
        async (err) => {
          job.abort()
          s.logger.error('export failed', { siteId, exportId: job.id, err })
        },
      )
    })
    .get(
      '/api/admin/sites/:siteId/exports/:exportId/manifest',
      requireSiteRole(s),
      paramsOf(z.object({ siteId: slug, exportId: z.string().max(64) })),
      (c) => {
        const { siteId, exportId } = c.req.valid('param')
        const manifest = exports.manifest(siteId, exportId)
        if (!manifest) throw new ApiError(404, 'manifest_not_found', 'No completed export with this id (still streaming, cut short, or unknown)')
        c.header('Cache-Control', 'no-store')
        return c.json(manifest)
      },
    )
}
