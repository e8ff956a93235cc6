// Stand-in for PostHog's library (the demo runs offline). With its default persistence
// (localStorage+cookie) PostHog keeps the visitor id in a `ph_<project key>_posthog` cookie for a
// year and the rest under the same key in localStorage.
;(function () {
  var key = 'ph_phc_mmwdemo_posthog'
  var state = JSON.stringify({ distinct_id: Math.random().toString(36).slice(2), $device_id: Math.random().toString(36).slice(2) })
  document.cookie = key + '=' + encodeURIComponent(state) + '; path=/; max-age=31536000; SameSite=Lax'
  try {
    localStorage.setItem(key, state)
  } catch (e) {
    // Blocked storage: PostHog itself falls back to the cookie alone.
  }
  window.demoRan('posthog', 'PostHog library (data-src): set ' + key + ' cookie (1 year) and localStorage')
})()
