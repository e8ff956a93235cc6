// Consent-log exports for auditors: a streamed CSV or NDJSON file and, once its last byte is
// sent, a signed manifest (row count, SHA-256 of the bytes, chain head) to check the file against
// later; and the public keys that check the signatures, for anyone.
import { createHash, type Hash } from 'node:crypto'
import { once } from 'node:events'
import type { ServerResponse } from 'node:http'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { exportQuery, LOG_ROLES, slug } from '@miniconsent/shared'
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, Services } from '../context'
import { ApiError } from '../lib/errors'
import { getOnly, paramsOf, queryOf } from '../lib/validate'
import { workSlots } from '../lib/work-slots'
import { directHeaders } from '../middleware/request-context'
import { assertSiteRole, ownPagesOnly, requireSiteRole } from '../middleware/session'
import { ConsentExports, type ExportJob } from '../services/export'

/** How fast a download must be read: at least `minBytes` per `windowMs` of waiting for its client. */
export interface ExportPace {
  windowMs: number
  minBytes: number
}

/**
 * How much of a page is written at once. A write's callback fires once all its bytes are with the
 * kernel, and only then do they count for the client's pace: a whole NDJSON page (512 records,
 * ~2 MB with long URLs and user agents) would count only once all of it had gone, however steadily
 * the client read it. In slices, what the client takes counts as it takes it, give or take one.
 * A slice is an eighth of the 2 MiB a client may be ahead of the pace (paceBalance), and few per
 * page: each is a `drain` wait, and at 64 KiB (five or six to a CSV page) the export lost a quarter
 * of its speed (CSV 245,000 → 184,000 rows/s, measured; 248,000 at 256 KiB).
 */
export const SLICE_BYTES = 256 * 1024

/**
 * How far a download's client is ahead of the pace, in bytes: its bytes count as they reach the
 * kernel (a write's callback), and each ms of waiting for it costs `minBytes / windowMs`.
 *
 * Not a count per window: the kernel takes a slow client's bytes in bursts, when its send buffer is
 * a third empty (~1.4 MB with Linux's default 4 MiB maximum, seen every ~700 ms for a client
 * reading 2 MiB/s), so a client well above the pace met windows in which nothing at all reached
 * the kernel, and was closed. A balance carries a burst over the windows it covers. It starts at
 * one window's worth and holds at most two: a client that stops reading, however fast it read
 * before, is closed after at most two windows of waiting (what the kernel's buffers took counts in
 * the first), and one that reads at the pace or faster is kept while the kernel's bursts are at
 * most two windows' worth (2 MiB by default: a send buffer allowed far more than Linux's default
 * 4 MiB could make larger ones).
 */
function paceBalance(pace: ExportPace) {
  const perMs = pace.minBytes / pace.windowMs
  const most = 2 * pace.minBytes
  let ahead = pace.minBytes
  let waitingSince: number | null = null
  /** Charges the waiting so far. */
  const settle = () => {
    if (waitingSince === null) return
    const now = Date.now()
    ahead -= (now - waitingSince) * perMs
    waitingSince = now
  }
  return {
    took: (bytes: number) => {
      settle()
      ahead = Math.min(most, ahead + bytes)
    },
    waiting: () => {
      waitingSince = Date.now()
    },
    waited: () => {
      settle()
      waitingSince = null
    },
    /** The waiting left before the client falls behind, in ms, when it takes nothing more. */
    msLeft: () => {
      settle()
      return ahead / perMs
    },
  }
}

/**
 * Writes the file straight to Node's response, each chunk in slices of SLICE_BYTES, one at a
 * time: a `drain` wait after each is the backpressure. The last slice's write callback (the
 * chunk's bytes are then all with the kernel) hands the chunk's memory back to the export's
 * reader, so a download of any size holds a few pages. Resolves true when every byte was sent,
 * false when the client went away first, or fell behind the pace (paceBalance: the download is
 * then closed, as a client that stops reading, or reads a little now and then, would otherwise
 * hold its export's place, thread and snapshot for as long as it keeps the connection).
 */
async function sendTo(outgoing: ServerResponse, job: ExportJob, sha: Hash, pace: ExportPace): Promise<boolean> {
  let gone = false
  const closed = once(outgoing, 'close').then(
    () => {
      gone = !outgoing.writableFinished
    },
    () => {
      gone = true
    },
  )
  let stalledOut = false
  // Only waiting for the client (a `drain`, the last bytes) costs it, however long the server
  // itself took to make the file between two waits (a sparse filter, a busy machine); what the
  // client took meanwhile (handed to the kernel) counts for it.
  const balance = paceBalance(pace)
  /** Waits for `sent` or the client leaving; closes the download once its client has fallen behind the pace. */
  const sending = async (sent: Promise<unknown>) => {
    balance.waiting()
    try {
      for (;;) {
        let timer: NodeJS.Timeout | undefined
        const behind = new Promise<true>((resolve) => (timer = setTimeout(resolve, Math.max(0, Math.ceil(balance.msLeft())), true)))
        const waited = await Promise.race([sent, closed, behind])
        clearTimeout(timer)
        if (waited !== true) return
        // Bytes that reached the kernel meanwhile put the client ahead again: the wait goes on.
        if (balance.msLeft() < 1) {
          stalledOut = true
          outgoing.destroy()
          return
        }
      }
    } finally {
      balance.waited()
    }
  }
  chunks: for await (const bytes of job.chunks) {
    if (gone || outgoing.destroyed) break
    sha.update(bytes)
    // An empty chunk too is written once, for its callback to release it.
    for (let at = 0; at === 0 || at < bytes.length; at += SLICE_BYTES) {
      if (gone || outgoing.destroyed) break chunks
      const slice = bytes.subarray(at, at + SLICE_BYTES)
      const last = at + SLICE_BYTES >= bytes.length
      // A view of the chunk's memory, not a copy: the chunk is released after its last slice only
      // (writes complete in order).
      const flushed = outgoing.write(slice, (err) => {
        if (err) return
        balance.took(slice.length)
        if (last) job.release(bytes)
      })
      if (!flushed) await sending(once(outgoing, 'drain'))
    }
  }
  if (gone || outgoing.destroyed) return false
  // The last bytes too: a client that stops reading before them would hold the place as well.
  await sending(new Promise<void>((resolve) => outgoing.end(resolve)))
  return !gone && !stalledOut
}

/**
 * Exports running at once, over all sites. Each has a thread and a read transaction (an NDJSON
 * one two of each; a read transaction holds back the WAL's checkpoints while it lasts) and most of
 * a core or more; past this, an export is refused with 429 and Retry-After rather than slowing
 * every other one and the ingestion down.
 */
export const EXPORTS_AT_ONCE = 4
/** Of those, how many one account may run. */
export const EXPORTS_PER_ACCOUNT = 2
/** And one site: its accounts together leave a place to every other site. */
export const EXPORTS_PER_SITE = 3
/**
 * How fast a download must be read: 1 MiB per minute spent waiting for the client (~17 KB/s, a
 * tenth of the slowest broadband's pace), or it is closed. A client that reads nothing is closed
 * so too, after at most two minutes of waiting (what the kernel's buffers took counts in the first;
 * paceBalance).
 */
export const EXPORT_PACE: ExportPace = { windowMs: 60_000, minBytes: 1024 * 1024 }

/** The path of an export's manifest; the OpenAPI document uses this schema too. */
export const manifestParam = z.object({ siteId: slug, exportId: z.string().max(64) })

export function exportRoutes(s: Services) {
  // The signing key was settled when the app was made (createApp), not by the first request to the public key list.
  const keys = s.manifestKeys
  const exports = new ConsentExports(s.db, s.now, keys)
  const slots = workSlots(EXPORTS_AT_ONCE, 'exports_busy', 'exports', 10, { perAccount: EXPORTS_PER_ACCOUNT, perSite: EXPORTS_PER_SITE })

  return new Hono<AppEnv>()
    .get('/api/admin/sites/:siteId/export', getOnly('An export is made by GET only: HEAD would make one that nobody receives'), ownPagesOnly, requireSiteRole(s, LOG_ROLES), paramsOf(z.object({ siteId: slug })), queryOf(exportQuery), async (c) => {
      const { siteId } = c.req.valid('param')
      const { format, ...filters } = c.req.valid('query')
      const userId = c.get('session')!.user.id
      const done = slots.take({ account: String(userId), site: siteId })
      let job: Awaited<ReturnType<typeof exports.begin>> | undefined
      try {
        job = await exports.begin({ siteId, format, filters, userId })
        // Still a member with a log role once its reader has started (the role was checked before
        // that wait): only then is the export audited and its first byte sent. Refused, the reader
        // is stopped, its manifest's row deleted (nothing says it began) and the places freed, as
        // for any failure before the body.
        assertSiteRole(c, s, LOG_ROLES, true)
        s.audit.record({ userId, siteId, action: 'consents.export', after: { exportId: job.id, format, filters: job.filters } })
      } catch (e) {
        // The places are freed whatever the discard does: its delete fails on a database that
        // refuses writes, as the audit entry just did, and the places were then never given back (review).
        try {
          job?.discard()
        } catch (err) {
          s.logger.error('export not discarded', { siteId, exportId: job?.id, err })
        } finally {
          done()
        }
        throw e
      }

      const headers = {
        'Content-Type': job.contentType,
        'Content-Disposition': `attachment; filename="${job.filename}"`,
        'X-Export-Id': job.id,
        'Cache-Control': 'no-store',
      }
      // A download cut short gets no manifest: there is no file it would describe.
      const finish = (sha: Hash | null) => {
        done()
        if (!sha) return job.abort()
        job.complete(sha.digest('hex'))
        s.logger.info('export complete', { siteId, exportId: job.id, rows: job.rowCount() })
      }
      const fail = (err: unknown) => {
        done()
        job.abort()
        s.logger.error('export failed', { siteId, exportId: job.id, err })
      }
      const outgoing = c.env?.outgoing
      if (outgoing) {
        // Served by Node (always, but for app.request() in tests): bytes go straight to the socket.
        const sha = createHash('sha256')
        outgoing.writeHead(200, directHeaders(c, headers))
        try {
          finish((await sendTo(outgoing, job, sha, s.exportPace)) ? sha : null)
        } catch (err) {
          // The status line is gone: the download ends unfinished.
          fail(err)
          outgoing.destroy(err instanceof Error ? err : new Error(String(err)))
        }
        return RESPONSE_ALREADY_SENT
      }
      for (const [name, value] of Object.entries(headers)) c.header(name, value)
      // A page is taken when the body's reader asks for one: the backpressure. A failure errors the
      // body, as destroying the socket does above: hono's stream() ended it as if whole, shorter.
      const sha = createHash('sha256')
      // The reader went away (cancel): the page it was waiting for, or the error of the reader
      // stopped meanwhile, is for nobody.
      let cancelled = false
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            const next = await job.chunks.next()
            if (cancelled) return
            if (next.done) {
              controller.close()
              return finish(sha)
            }
            sha.update(next.value)
            controller.enqueue(next.value)
          } catch (err) {
            if (cancelled) return
            fail(err)
            controller.error(err)
          }
        },
        async cancel() {
          cancelled = true
          finish(null)
          await job.chunks.return()
        },
      })
      return c.body(body)
    })
    .get(
      '/api/admin/sites/:siteId/exports/:exportId/manifest',
      requireSiteRole(s, LOG_ROLES),
      paramsOf(manifestParam),
      (c) => {
        const { siteId, exportId } = c.req.valid('param')
        const manifest = exports.manifest(siteId, exportId)
        if (!manifest) throw new ApiError(404, 'manifest_not_found', 'No completed export with this id (still streaming, cut short, or unknown)')
        c.header('Cache-Control', 'no-store')
        return c.json(manifest)
      },
    )
    .get('/api/v1/manifest-keys', (c) => {
      // Public keys, for a verifier outside the server: an auditor's regulator, a script, a page elsewhere.
      c.header('Access-Control-Allow-Origin', '*')
      c.header('Cross-Origin-Resource-Policy', 'cross-origin')
      // Short: a key that starts signing (MANIFEST_SIGNING_KEY changed) is listed within minutes.
      c.header('Cache-Control', 'public, max-age=300')
      return c.json(keys.list())
    })
}
