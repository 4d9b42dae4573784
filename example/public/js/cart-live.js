// Keeps the cart counts of the page in step with the session: the server
// sends the count on connection and whenever another tab changes the cart.
;(function cartLive() {
  var root = document.documentElement

  function show(count) {
    document.querySelectorAll('#nav-cart, #cart-count').forEach(function (element) {
      element.textContent = String(count)
    })
  }

  function connect() {
    var scheme = location.protocol === 'https:' ? 'wss://' : 'ws://'
    var socket = new WebSocket(scheme + location.host + '/cart/live')
    socket.onopen = function () {
      root.dataset.cartLive = 'open'
    }
    socket.onmessage = function (event) {
      show(JSON.parse(event.data).cart)
    }
    socket.onclose = function () {
      root.dataset.cartLive = 'closed'
      setTimeout(connect, 2000)
    }
  }

  connect()
})()
