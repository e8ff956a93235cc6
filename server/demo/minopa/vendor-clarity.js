// Stand-in for Microsoft Clarity's tag (the demo runs offline). Like the real snippet it leaves a
// `clarity()` command queue, which is where MiniConsent's `clarity('consentv2', …)` signal lands.
;(function () {
  window.clarity =
    window.clarity ||
    function () {
      ;(window.clarity.q = window.clarity.q || []).push(arguments)
    }
  var id = Math.random().toString(36).slice(2, 9)
  document.cookie = '_clck=' + id + '%7C2%7Cf0%7C0%7C1; path=/; max-age=31536000; SameSite=Lax'
  document.cookie = '_clsk=' + Math.random().toString(36).slice(2, 9) + '%7C' + Date.now() + '%7C1%7C0; path=/; max-age=86400; SameSite=Lax'
  document.cookie = 'CLID=' + id + '; path=/; max-age=31536000; SameSite=Lax'
  window.demoRan('microsoft-clarity', 'Microsoft Clarity (data-src): set _clck (1 year), _clsk (1 day), CLID (1 year)')
})()
