// A happy-dom window that runs the scripts a test gives it, for the tests of the gate (browser/gate.test.ts)
// and of the built bundle (browser/bundle-harness.ts). Never the network.
import { Window, type BrowserWindow, type Response } from 'happy-dom'

/**
 * A window at `url` that evaluates JavaScript: a script or chunk it fetches is answered by `serve`
 * (given the last segment of its URL, and the window to make the Response in); one happy-dom would
 * fetch synchronously fails with a 404.
 */
export function scriptingWindow(url: string, serve: (name: string, window: BrowserWindow) => Promise<Response>): Window {
  return new Window({
    url,
    settings: {
      enableJavaScriptEvaluation: true,
      suppressInsecureJavaScriptEnvironmentWarning: true,
      fetch: {
        interceptor: {
          beforeAsyncRequest: ({ request, window }) => serve(request.url.split('/').pop()!, window),
          beforeSyncRequest: ({ request, window }) => ({ status: 404, statusText: 'Not Found', ok: false, url: request.url, redirected: false, headers: new window.Headers(), body: null }),
        },
      },
    },
  })
}
