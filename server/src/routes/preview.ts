// The dashboard's live preview: a page for an iframe that runs the real SDK bundle against the
// site's saved draft (catalogue + settings) instead of its live revision.
//
// Nothing the preview does may reach the consent log or the cookies of the site's pages:
// - its config has revision 0, which the SDK treats as "never stored, never recorded" (the
//   record chunk returns before writing the cookie or posting), and which the consent API's
//   schema refuses (revision ≥ 1) should a record ever be sent;
// - it names its own cookie, and the answer expires that cookie, should anything have set it;
// - the dashboard frames it sandboxed without `allow-same-origin`, and its CSP sandboxes it the
//   same way when opened on its own, so the page runs in an opaque origin with no access to the
//   dashboard, its session or any cookie jar.
// The page lives at `/api/admin/preview/<siteId>/` (trailing slash) because the SDK loads its
// chunks relative to the page when its script is inline: `…/<siteId>/banner.js` is answered from
// the SDK build, without a session (the sandboxed page sends no cookies). That is also why it is
// not under `/api/admin/sites/:siteId/`, where every route is for the site's members only.
import { randomBytes } from 'node:crypto'
import { languageTag, publishedConfig, REGION_MODES, type Catalogue, type PublishedConfig, type SiteSettings } from '@miniconsent/shared'
import { Hono, type Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { z } from 'zod'
import type { AppEnv, Services } from '../context'
import { negotiate, reply } from '../lib/encoding'
import { ApiError } from '../lib/errors'
import { ownOrigin, requestOrigin } from '../lib/request'
import { paramsOf, queryOf } from '../lib/validate'
import { requireSiteRole } from '../middleware/session'
import { needsBanner } from '../services/sites'
import { gpcCategories } from '@miniconsent/shared/consent-mode'
import { siteParam } from './catalogue'
import { jsonForScript } from './sdk'

export const PREVIEW_VIEWS = ['banner', 'preferences', 'declaration'] as const
export const PREVIEW_COOKIE = 'miniconsent-preview'

export const previewQuery = z.object({
  /** A language tag; the site's default language when absent. */
  lang: languageTag.optional(),
  view: z.enum(PREVIEW_VIEWS).default('banner'),
  /** The region mode to show: the opt-in banner, opt-out's "Your Privacy Choices", or the notice. */
  mode: z.enum(REGION_MODES).default('opt-in'),
  /** Not read: the dashboard changes them (the draft's save time, a reload count) so that the frame loads the page again. */
  v: z.string().max(64).optional(),
  n: z.string().max(16).optional(),
})
export type PreviewQuery = z.output<typeof previewQuery>

export const previewFileParam = siteParam.extend({ file: z.string().regex(/^[\w.-]+\.js$/) })

const PLACEHOLDER = '"__MINICONSENT_CONFIG__"'

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)

/** The published config a visitor would get if the draft were live, marked as a preview. */
export function previewConfig(settings: SiteSettings, draft: Catalogue, q: PreviewQuery): PublishedConfig {
  return {
    siteId: settings.id,
    revision: 0,
    consentRevision: 0,
    // The schema's own pick of the settings the SDK reads; the cookie is the preview's own.
    site: { ...publishedConfig.shape.site.parse(settings), cookieName: PREVIEW_COOKIE },
    region: null,
    mode: q.mode,
    // The declaration on its own: without a banner over it (a site that needs none shows it so).
    needsBanner: q.view !== 'declaration' && needsBanner(draft),
    // What Global Privacy Control refuses, as a live config lists it (routes/config.ts).
    gpcCategories: gpcCategories(draft),
    catalogue: draft,
  }
}

/** The preview page's path as the route's pattern takes it: one segment, the site id, and the slash. */
const PREVIEW_PAGE = /^\/api\/admin\/preview\/[^/]+\/$/

/**
 * Whether a request is for the preview page, whose refusals are answered as a page (refusalPage):
 * its GET, and the HEAD Hono answers with it. Other methods get the API's 405.
 */
export const isPreviewPage = (method: string, path: string) => (method === 'GET' || method === 'HEAD') && PREVIEW_PAGE.test(path)

/**
 * The page is read in a frame, not by code: a refusal (signed out, not a member, a bad parameter,
 * and those raised before the route runs, such as a database file gone) is shown as a sentence
 * rather than as the API's JSON error. Answered by app.ts's onError for every error of the page,
 * wherever it is raised; the headers set on `c` (Retry-After) go with it.
 */
export function refusalPage(c: Context<AppEnv>, status: ContentfulStatusCode, message: string): Response {
  return c.html(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Preview not available</title></head><body><main><p>Preview not available: ${escapeHtml(message)}</p></main></body></html>\n`,
    status,
    { 'Cache-Control': 'no-store', 'Content-Security-Policy': "default-src 'none'; frame-ancestors 'self'" },
  )
}

/** The sample page's words: why there is no banner, when there is none, so the preview is not taken for broken. */
function sampleText(config: PublishedConfig, q: PreviewQuery): string {
  if (!config.needsBanner) return 'Nothing in this catalogue needs consent, so visitors get no banner; the cookie declaration lists what the site uses.'
  if (q.view === 'banner' && q.mode === 'opt-out') return 'In opt-out regions visitors get no banner: everything runs until they say no with the “Your Privacy Choices” button.'
  if (q.view === 'banner' && q.mode === 'notice') return 'In notice regions the banner informs: everything already runs.'
  return 'A page of the site, as a visitor sees it before choosing.'
}

/**
 * Where the page's CSP lets its SDK chunks load from: under the page, at the origin the browser has
 * it from. Behind a proxy that rewrites Host, that is PUBLIC_URL, not the Host the request names
 * (`127.0.0.1:8787`); the request's own origin is listed too, for the server reached directly.
 */
function chunkSources(c: Context<AppEnv>, s: Services, siteId: string): string {
  const origins = new Set([ownOrigin(c, s), requestOrigin(c, s)])
  return [...origins].map((origin) => `${origin}/api/admin/preview/${siteId}/`).join(' ')
}

export function previewRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get('/api/admin/preview/:siteId/', requireSiteRole(s), paramsOf(siteParam), queryOf(previewQuery), async (c) => {
      const { siteId } = c.req.valid('param')
      const q = c.req.valid('query')
      const bundle = await s.staticFiles.read(s.sdkDir, 'miniconsent.js')
      if (!bundle) throw new ApiError(503, 'sdk_missing', 'The SDK is not built on this server')
      const settings = s.catalogues.settings(siteId)
      const lang = q.lang ?? settings.defaultLanguage
      const config = previewConfig(settings, s.catalogues.draft(siteId), q)
      // An inline copy must not contain what would end the script element early.
      const script = bundle.body.toString('utf8').split(PLACEHOLDER).join(jsonForScript(config))
      if (/<\/script|<!--/i.test(script)) throw new ApiError(500, 'sdk_unsafe', 'The SDK bundle cannot be inlined')
      const nonce = randomBytes(16).toString('base64')
      const chunks = chunkSources(c, s, siteId)
      const open = q.view === 'preferences' ? `<script nonce="${nonce}">miniconsent.open()</script>` : ''
      const body =
        q.view === 'declaration'
          ? '<h1>Cookie declaration</h1><div data-consent-table></div>'
          : `<h1>${escapeHtml(settings.name)}</h1><p>${sampleText(config, q)}</p>`
      const html = `<!doctype html>
<html lang="${escapeHtml(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Preview: ${escapeHtml(settings.name)}</title>
<style nonce="${nonce}">body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:1rem 1.25rem 12rem;color:#1f2328;background:#fff}h1{font-size:1.4rem}</style>
<script nonce="${nonce}" data-lang="${escapeHtml(lang)}">${script}</script>
${open}
</head>
<body><main aria-label="Sample page" lang="en">${body}</main></body>
</html>
`
      return c.html(html, 200, {
        'Cache-Control': 'no-store',
        // Exactly what the page loads: its own nonced script and styles (the SDK puts the nonce on
        // the styles it adds) and the SDK's chunks; nothing is fetched, posted or framed.
        'Content-Security-Policy': [
          "default-src 'none'",
          `script-src 'nonce-${nonce}' ${chunks}`,
          `style-src 'nonce-${nonce}'`,
          "base-uri 'none'",
          "form-action 'none'",
          "frame-ancestors 'self'",
          // The frame's sandbox, also when the page is opened on its own (a link sent to an
          // owner): an opaque origin, without the dashboard's session, whatever the draft holds.
          'sandbox allow-scripts',
        ].join('; '),
        'Set-Cookie': `${PREVIEW_COOKIE}=; Max-Age=0; Path=/; SameSite=Lax`,
      })
    })
    .get('/api/admin/preview/:siteId/:file', paramsOf(previewFileParam), async (c) => {
      // The SDK's public chunks, under the preview page so that its relative imports find them.
      // The sandboxed page imports them from an opaque origin (Origin: null, no cookies).
      const file = c.req.valid('param').file
      const found = file === 'miniconsent.js' ? null : await s.staticFiles.read(s.sdkDir, file)
      if (!found) throw new ApiError(404, 'not_found', 'No such SDK file')
      c.header('Access-Control-Allow-Origin', '*')
      c.header('Cross-Origin-Resource-Policy', 'cross-origin')
      // As /sdk/<file> answers it (routes/sdk.ts): compressed when the client takes it, and a 304
      // with the 200's Cache-Control and Vary, so that a revalidated copy stays cached as long.
      const answer = negotiate(c.req.header('accept-encoding'), c.req.header('if-none-match'), found.body, found.etag, found.type)
      return reply(c, answer, { 'Content-Type': found.type, 'Cache-Control': 'public, max-age=300' })
    })
}
