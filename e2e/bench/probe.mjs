// Runs in the page before anything else (addInitScript), so it costs every variant the same.
// "Painted" is measured the way after-frame helpers do it: the first animation frame in which the
// element is rendered (in the DOM, visible, opacity above 0, some height) is the frame that paints
// it; a message posted from that frame's rAF callback is delivered right after the frame is
// presented, and its time is the paint time. Times are ms since navigation start.
export function probe({ banner, gated }) {
  const r = (window.__bench = { ran: [], cls: 0, fcp: null, bannerAt: null, clickAt: null, clickPaintAt: null, goneAt: null, eventDuration: null })
  const notify = (kind) => console.debug(`__bench:${kind}`)
  window.__benchRan = (name) => {
    if (r.ran.push(name) === gated) notify('ran-all')
  }
  const afterPaint = (cb) => {
    const ch = new MessageChannel()
    ch.port1.onmessage = () => cb(performance.now())
    ch.port2.postMessage(0)
  }
  // CLS as web-vitals counts it before any input: every shift without recent input.
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) r.cls += e.value
  }).observe({ type: 'layout-shift', buffered: true })
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.name === 'first-contentful-paint') r.fcp = e.startTime
  }).observe({ type: 'paint', buffered: true })
  // Event Timing's own view of the click (input → next paint, 8 ms granularity), as a cross-check.
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.name === 'click' || e.name === 'pointerup') r.eventDuration = Math.max(r.eventDuration ?? 0, e.duration)
  }).observe({ type: 'event', durationThreshold: 16, buffered: true })
  if (!banner) return

  const shown = () => {
    const el = document.querySelector(banner)
    return !!el && el.checkVisibility({ opacityProperty: true, visibilityProperty: true }) && el.getBoundingClientRect().height > 0
  }
  const watchFrames = (done, until) => {
    const frame = () => {
      if (done()) afterPaint(until)
      else requestAnimationFrame(frame)
    }
    requestAnimationFrame(frame)
  }
  // Nothing polls until the manager has put its banner into the DOM.
  const mo = new MutationObserver(() => {
    if (!document.querySelector(banner)) return
    mo.disconnect()
    watchFrames(shown, (t) => {
      r.bannerAt = t
      notify('banner')
    })
  })
  mo.observe(document, { childList: true, subtree: true })

  // The bench's click on Accept all: from the input event's time to the next frame, and to the
  // first frame without the banner (some managers fade it out).
  addEventListener(
    'click',
    (e) => {
      if (r.clickAt != null || r.bannerAt == null) return
      r.clickAt = e.timeStamp
      requestAnimationFrame(() =>
        afterPaint((t) => {
          r.clickPaintAt = t
          notify('click-paint')
        }),
      )
      watchFrames(
        () => !shown(),
        (t) => {
          r.goneAt = t
          notify('gone')
        },
      )
    },
    true,
  )
}
