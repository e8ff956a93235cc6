// Blocking and releasing site elements (SPEC §1): `<script type="text/plain" data-category>` and
// any element with `data-src`. Released scripts run in document order; an external one must have
// loaded (or failed) before the next runs, as the parser would have done — unless the browser will
// never run it (see releaseScript).

/** Truthy when the parser has inserted something after `node`, so `node` itself is complete. */
const parsedPast = (node: Node | null): unknown => node && (node.nextSibling || parsedPast(node.parentNode))

export interface Gate {
  /** Re-reads the document, releases what `allowed` permits and returns the iframes still blocked. */
  _apply(allowed: (el: HTMLElement) => boolean): HTMLIFrameElement[]
}

/** `ran` is called after each pass that may have run scripts, including those that waited for a download. */
export function createGate(doc: Document, ran: () => void): Gate {
  /** An external script is downloading: the next ones wait for it. */
  let loading = false
  let allowedNow: (el: HTMLElement) => boolean = () => false

  function releaseScript(el: HTMLScriptElement) {
    const s = doc.createElement('script')
    for (const a of el.attributes) s.setAttribute(a.name, a.value)
    // Browsers hide the nonce attribute's value once parsed; the property keeps it.
    s.nonce = el.nonce
    // A classic script unless data-type says otherwise (a module).
    const type = (s.type = el.getAttribute('data-type') || 'text/javascript')
    const src = el.getAttribute('data-src')
    if (src) s.src = src
    else s.text = el.text
    // Released for good: a framework that puts the element back in the page must not have it
    // released (nor run) again. Not a JavaScript type, so inserting it never runs it.
    el.type = 'text/x-released'
    el.replaceWith(s)
    // Inserted scripts run whenever they arrive; the next waits for this one to keep the parser's
    // order. A script the browser fetches ends with load or error, however slow; one it neither
    // fetches nor runs fires neither, and is not waited for: a data-type other than module or
    // text/javascript (such as text/partytown), or nomodule, as a browser with modules, which this
    // SDK's import() needs, ignores it.
    // https://html.spec.whatwg.org/multipage/scripting.html#prepare-the-script-element
    // s.src: data-src, or a src= the tag kept (not the documented markup, but copied snippets do).
    if (s.src && !s.noModule && /^(module|text\/javascript)$/.test(type)) {
      // Listeners, not the onload/onerror properties: those hold the page's own handlers, compiled
      // from the onload= and onerror= attributes copied above.
      for (const t of ['load', 'error'])
        s.addEventListener(t, () => {
          loading = false
          pump()
        })
      loading = true
    }
  }

  function pump(): HTMLIFrameElement[] {
    const blocked: HTMLIFrameElement[] = []
    let wait = false
    // Each element is checked when its turn comes: a released inline script may have run a pass of
    // its own (miniconsent.rescan()), which released, or removed, those after it.
    for (const el of doc.querySelectorAll<HTMLElement>('[data-category],[data-service]')) {
      if (el.tagName === 'SCRIPT' ? (el as HTMLScriptElement).type !== 'text/plain' || !el.isConnected : !el.hasAttribute('data-src')) continue
      if (!allowedNow(el)) {
        if (el.tagName === 'IFRAME') blocked.push(el as HTMLIFrameElement)
        continue
      }
      if (el.tagName === 'SCRIPT') {
        // While the page is parsed, an inline script may still be missing the rest of its text:
        // it is complete once the parser has gone past it. Later ones wait, to keep the order.
        if (loading || wait || (wait = doc.readyState === 'loading' && !parsedPast(el))) continue
        // Replaced by the script it releases, the element leaves the document.
        releaseScript(el as HTMLScriptElement)
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
