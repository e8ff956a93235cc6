// Keeps unsaved edits from being lost by leaving the page: the browser's own prompt on reload or
// close (beforeunload), and a confirm() before an in-app link or site switch navigates away.
import { useEffect } from 'preact/hooks'

const MESSAGE = 'You have unsaved changes. Leave this page and lose them?'
let dirty = false
let dirtyUrl = ''

/** True when it is fine to navigate away: nothing unsaved, or the user agreed to lose it. */
export function confirmLeave(): boolean {
  if (!dirty) return true
  const leave = window.confirm(MESSAGE)
  if (leave) dirty = false
  return leave
}

function onBeforeUnload(event: BeforeUnloadEvent) {
  if (!dirty) return
  event.preventDefault()
  // Older browsers only prompt when returnValue is set.
  event.returnValue = MESSAGE
}

/** Runs before the router's own click handler (registered on window, bubbling). */
function onClickCapture(event: MouseEvent) {
  if (!dirty || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return
  const link = event.composedPath().find((el): el is HTMLAnchorElement => el instanceof HTMLAnchorElement && !!el.href)
  if (!link || link.origin !== location.origin || link.getAttribute('href')?.startsWith('#') || link.download) return
  if (link.pathname === location.pathname && link.search === location.search) return
  if (!confirmLeave()) {
    event.preventDefault()
    event.stopImmediatePropagation()
  }
}

/** Back/forward: the URL has already changed, so put the page's own URL back when the user stays. */
function onPopState(event: PopStateEvent) {
  // A link to a part of the page (its hash) stays on the page.
  if (!dirty || location.pathname + location.search === dirtyUrl) return
  if (!confirmLeave()) {
    event.stopImmediatePropagation()
    history.pushState(null, '', dirtyUrl)
  }
}

// Listening from the moment this module loads, before the router mounts: on window itself,
// chromium runs an event's listeners in the order they were added, capturing or not, and the
// router's, added first, had already shown the previous page when a later one stopped the event
// (Back, then Cancel, showed the previous page under the editor's URL and lost its edits).
window.addEventListener('beforeunload', onBeforeUnload)
window.addEventListener('click', onClickCapture, true)
window.addEventListener('popstate', onPopState, true)

/** Marks the current page as holding unsaved changes while `isDirty` is true. */
export function useUnsavedChanges(isDirty: boolean): void {
  useEffect(() => {
    dirty = isDirty
    if (!isDirty) return
    dirtyUrl = location.pathname + location.search
    return () => {
      dirty = false
    }
  }, [isDirty])
}
