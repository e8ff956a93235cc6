// Blocking and releasing site elements (SPEC §1): `<script type="text/plain" data-category>` and
// any element with `data-src`. Released scripts run in document order; an external one must have
// loaded (or failed) before the next runs, as the parser would have done — unless it will never
// run, or takes longer than SETTLE_MS (see releaseScript).

/**
 * How long the next scripts wait at most for an external one. A script the browser fetches ends
 * with load or error; one it does not fetch (a type that is not JavaScript, such as text/partytown
 * or a template) gets neither event, and must not hold the scripts after it forever.
 */
const SETTLE_MS = 5000

/** True when the parser has inserted something after `node`, so `node` itself is complete. */
const parsedPast = (node: Node | null): boolean => !!node && (!!node.nextSibling || parsedPast(node.parentNode))

export interface Gate {
  /** Re-reads the document, releases what `allowed` permits and returns the iframes still blocked. */
  _apply(allowed: (el: HTMLElement) => boolean): HTMLIFrameElement[]
}

/** `ran` is called after each pass that may have run scripts, including those that waited for a download. */
export function createGate(doc: Document, ran: () => void): Gate {
  /** The external script the next ones wait for. */
  let loading: HTMLScriptElement | null = null
  let allowedNow: (el: HTMLElement) => boolean = () => false

  function pending(): HTMLElement[] {
    return [...doc.querySelectorAll<HTMLElement>('[data-category],[data-service]')].filter((el) =>
      el.tagName === 'SCRIPT' ? (el as HTMLScriptElement).type === 'text/plain' : el.hasAttribute('data-src'),
    )
  }

  function releaseScript(el: HTMLScriptElement): boolean {
    const s = doc.createElement('script')
    for (const a of el.attributes) s.setAttribute(a.name, a.value)
    // Browsers hide the nonce attribute's value once parsed; the property keeps it.
    s.nonce = el.nonce
    // A classic script unless data-type says otherwise (a module).
    s.type = el.getAttribute('data-type') || 'text/javascript'
    const src = el.getAttribute('data-src')
    if (src) s.src = src
    else s.text = el.text
    el.replaceWith(s)
    // Inserted scripts run whenever they arrive; the next waits for this one to keep the parser's
    // order. Not for a nomodule script: a browser with modules, which this SDK's import() needs,
    // neither fetches nor runs it, and fires no event on it.
    // https://html.spec.whatwg.org/multipage/scripting.html#prepare-the-script-element
    if (!src || s.noModule) return false
    // Past SETTLE_MS the next scripts no longer wait; should this one still load, it releases nothing.
    const next = () => {
      if (loading == s) {
        loading = null
        pump()
      }
    }
    s.onload = s.onerror = next
    setTimeout(next, SETTLE_MS)
    loading = s
    return true
  }

  function pump(): HTMLIFrameElement[] {
    const blocked: HTMLIFrameElement[] = []
    let wait = !!loading
    for (const el of pending()) {
      if (!allowedNow(el)) {
        if (el.tagName === 'IFRAME') blocked.push(el as HTMLIFrameElement)
        continue
      }
      if (el.tagName === 'SCRIPT') {
        // While the page is parsed, an inline script may still be missing the rest of its text:
        // it is complete once the parser has gone past it. Later ones wait, to keep the order.
        if (wait || (wait = doc.readyState === 'loading' && !parsedPast(el))) continue
        // Replaced by the script it releases, the element leaves the document.
        wait = releaseScript(el as HTMLScriptElement)
      } else {
        const ph = (el as GatedElement)._ph
        if (ph) {
          ph.remove()
          el.hidden = false
        }
        // Without data-src, the element is no longer one to release.
        el.setAttribute('src', el.getAttribute('data-src')!)
        el.removeAttribute('data-src')
      }
    }
    ran()
    return blocked
  }

  return {
    _apply(allowed) {
      allowedNow = allowed
      return pump()
    },
  }
}

/** An element the SDK has dealt with: an iframe's click-to-load placeholder, a rendered declaration. */
export interface GatedElement extends HTMLElement {
  _ph?: HTMLElement
}
