import type { PublishedConfig } from '@miniconsent/shared'
import type { APIRequestContext, Page } from '@playwright/test'

// Customer pages for the SDK UI specs, served on the server's origin through page.route so that
// the product server needs no test-only routes. A page may embed Minopa's published config as
// is, or a changed copy of it (another layout or theme) spliced into the built core the same way
// the server splices a site's config into /sdk/<siteId>.js.

export interface PageOptions {
  /** Path on the server's origin, under /demo/ui/ (not a real demo page). */
  path: string
  /** Markup of <head> after the SDK tag. */
  head?: string
  body?: string
  /** Response headers, e.g. a Content-Security-Policy. */
  headers?: Record<string, string>
  /** Attributes of the SDK tag. */
  sdkAttributes?: string
  /** Changes to Minopa's published config; without, the page loads the real /sdk/minopa.js. */
  config?: (config: PublishedConfig) => void
}

/** As the server does: `<` escaped so that no text of the config can end the script. */
const jsonForScript = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c')

export async function customerPage(page: Page, request: APIRequestContext, o: PageOptions): Promise<void> {
  let src = '/sdk/minopa.js'
  if (o.config) {
    const config = (await (await request.get('/api/v1/sites/minopa/config')).json()) as PublishedConfig
    o.config(config)
    const core = await (await request.get('/sdk/miniconsent.js')).text()
    const name = o.path.replace(/\W+/g, '-').replace(/^-|-$/g, '')
    // Next to the real files, so that the core loads its chunks from /sdk/ as on a customer page.
    src = `/sdk/fixture-${name}.js`
    const script = core.split('"__MINICONSENT_CONFIG__"').join(jsonForScript(config))
    await page.route('**' + src, (route) => route.fulfill({ contentType: 'text/javascript', body: script }))
  }
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<script src="${src}" ${o.sdkAttributes ?? ''}></script><title>Customer page</title>${o.head ?? ''}</head>
<body><main><h1>A customer page</h1>${o.body ?? ''}</main></body></html>`
  await page.route('**' + o.path, (route) => route.fulfill({ contentType: 'text/html', headers: o.headers, body: html }))
}
