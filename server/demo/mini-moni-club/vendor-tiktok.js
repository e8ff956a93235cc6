// Stand-in for the TikTok Pixel (the demo runs offline). Like the real base code it leaves a `ttq`
// queue with grantConsent/revokeConsent, which MiniConsent calls, and sets TikTok's two
// documented first-party cookies, both kept for 13 months.
;(function () {
  var ttq = (window.ttq = window.ttq || [])
  ;['load', 'page', 'track', 'grantConsent', 'revokeConsent', 'holdConsent'].forEach(function (m) {
    ttq[m] = ttq[m] || function () { ttq.push([m].concat([].slice.call(arguments))) }
  })
  ttq.load('DEMO0000000000000000')
  ttq.page()
  var thirteenMonths = 13 * 30 * 24 * 3600
  document.cookie = '_ttp=' + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2) + '; path=/; max-age=' + thirteenMonths + '; SameSite=Lax'
  document.cookie = '_tt_enable_cookie=1; path=/; max-age=' + thirteenMonths + '; SameSite=Lax'
  window.demoRan('tiktok-pixel', 'TikTok Pixel (data-src): set _ttp and _tt_enable_cookie (13 months)')
})()
