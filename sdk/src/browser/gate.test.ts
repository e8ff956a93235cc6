// The gate alone in happy-dom: which gated scripts run, once each and in document order.
// Chromium's own behaviour (what it fetches, slow downloads) is in e2e/tests/sdk-gate-stalled-scripts.spec.ts.
import { afterEach, expect, it } from 'vitest'
import type { Window } from 'happy-dom'
import { scriptingWindow } from '../test/scripting-window'
import { createGate } from './gate'

const windows: Window[] = []
afterEach(async () => {
  for (const w of windows.splice(0)) await w.happyDOM.close()
})

/**
 * A parsed page (its external scripts `async`: happy-dom fetches the others synchronously, where
 * browsers fetch every inserted script in parallel) with the gate granting everything: `rescan()` runs a pass, as miniconsent.rescan()
 * does. Each external script answers `ran.push(<its name>)` once `release(name)` is called.
 */
function page(body: string) {
  const held = new Map<string, () => void>()
  const w = scriptingWindow('https://site.test/', async (name, window) => {
    await new Promise<void>((r) => held.set(name, r))
    return new window.Response(`ran.push(${JSON.stringify(name)})`, { status: 200, headers: { 'content-type': 'text/javascript' } })
  })
  windows.push(w)
  const win = w as unknown as Record<string, any>
  win.ran = []
  w.document.write(`<!doctype html><html><head></head><body>${body}</body></html>`)
  const gate = createGate(w.document as unknown as Document, () => {})
  win.rescan = () => gate._apply(() => true)
  return {
    w,
    ran: win.ran as string[],
    rescan: win.rescan as () => HTMLIFrameElement[],
    /** Lets the download of `name` finish, once it has been asked for. */
    release: async (name: string) => {
      await expect.poll(() => held.has(name)).toBe(true)
      held.get(name)!()
      await new Promise((r) => setTimeout(r, 50))
    },
    requested: (name: string) => held.has(name),
  }
}

it('runs the script after a library only once the library has loaded, however long it takes', async () => {
  const p = page(`<script type="text/plain" data-category="a" async data-src="/lib.js"></script>
<script type="text/plain" data-category="a">ran.push('uses lib')</script>`)
  p.rescan()
  await new Promise((r) => setTimeout(r, 100))
  // Nothing releases the next scripts but the library's load or error: no timer.
  expect(p.ran).toEqual([])
  await p.release('lib.js')
  expect(p.ran).toEqual(['lib.js', 'uses lib'])
})

it('does not wait for a script of a type the browser does not run, nor for a nomodule one', async () => {
  const p = page(`<script type="text/plain" data-category="a" data-type="text/partytown" async data-src="/worker.js"></script>
<script type="text/plain" data-category="a" nomodule async data-src="/legacy.js"></script>
<script type="text/plain" data-category="a">ran.push('after')</script>`)
  p.rescan()
  expect(p.ran).toEqual(['after'])
  expect(p.w.document.querySelector('script[data-type="text/partytown"]')!.getAttribute('type')).toBe('text/partytown')
})

it('never releases an original script element again once a framework puts it back in the page', async () => {
  const p = page(`<div id="app"><script type="text/plain" data-category="a">ran.push('pageview')</script></div>`)
  const original = p.w.document.querySelector('script[type="text/plain"]')!
  p.rescan()
  expect(p.ran).toEqual(['pageview'])
  // A keyed re-render that still holds the node moves it back.
  p.w.document.getElementById('app')!.append(original)
  p.rescan()
  expect(p.ran).toEqual(['pageview'])
  expect(original.isConnected).toBe(true)
  expect(original.getAttribute('type')).not.toBe('text/plain')
})

it('a released script that runs a pass of its own (miniconsent.rescan()) leaves the outer pass nothing to redo', async () => {
  const p = page(`<script type="text/plain" data-category="a">ran.push('inline'); rescan()</script>
<iframe data-category="a" data-src="https://example.com/embed"></iframe>
<script type="text/plain" data-category="a" async data-src="/lib.js"></script>
<script type="text/plain" data-category="a">ran.push('after lib')</script>`)
  p.rescan()
  expect(p.ran).toEqual(['inline'])
  expect(p.w.document.querySelector('iframe')!.getAttribute('src')).toBe('https://example.com/embed')
  // The library is inserted once, and the script after it waits for it, and for nothing else.
  expect(p.w.document.querySelectorAll('script[src="/lib.js"]').length).toBe(1)
  await p.release('lib.js')
  expect(p.ran).toEqual(['inline', 'lib.js', 'after lib'])
})

it('skips a gated script that a released one removed from the page', async () => {
  const p = page(`<script type="text/plain" data-category="a">document.getElementById('gone').remove()</script>
<script type="text/plain" data-category="a" id="gone" async data-src="/gone.js"></script>
<script type="text/plain" data-category="a">ran.push('after')</script>`)
  p.rescan()
  expect(p.ran).toEqual(['after'])
  expect(p.requested('gone.js')).toBe(false)
})
