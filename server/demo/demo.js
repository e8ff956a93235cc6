// Shared by the demo pages. The gated stand-ins for vendor scripts call demoRan() so a visitor
// sees which of them the consent choice let through. Loaded right after the SDK, before any
// gated tag, so it exists whenever one of them runs.
;(function () {
  function add(serviceId, text) {
    var list = document.getElementById('ran')
    if (!list) return
    var item = document.createElement('li')
    item.setAttribute('data-ran', serviceId)
    item.textContent = text
    list.appendChild(item)
  }
  window.demoRan = function (serviceId, text) {
    // A granted stand-in may run while <head> is still being parsed, before the list exists.
    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', function () { add(serviceId, text) }, { once: true })
    } else {
      add(serviceId, text)
    }
  }
})()
