// Stand-in for Stripe.js (the demo runs offline): sets the two fraud-prevention cookies Stripe
// documents, __stripe_mid (1 year) and __stripe_sid (30 minutes).
;(function () {
  function uuid() {
    return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, function (c) {
      var r = (Math.random() * 16) | 0
      return (c === 'x' ? r : (r & 0x3) | 0x8).toString(16)
    })
  }
  document.cookie = '__stripe_mid=' + uuid() + '; path=/; max-age=31536000; SameSite=Strict'
  document.cookie = '__stripe_sid=' + uuid() + '; path=/; max-age=1800; SameSite=Strict'
  window.demoRan('stripe', 'Stripe (data-src): set __stripe_mid (1 year) and __stripe_sid (30 minutes)')
})()
