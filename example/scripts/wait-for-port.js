// Exits 0 once HOST:PORT accepts a TCP connection, 1 after TIMEOUT_MS.
//   node wait-for-port.js HOST PORT [TIMEOUT_MS]
const net = require('net')

const [host, port, timeout = '5000'] = process.argv.slice(2)
const deadline = Date.now() + Number(timeout)

function attempt() {
  const socket = net.connect({ host, port: Number(port) })
  socket.setTimeout(1000)
  socket.once('connect', () => {
    socket.end()
    process.exit(0)
  })
  socket.once('error', retry)
  socket.once('timeout', () => socket.destroy(new Error('timeout')))
}

function retry() {
  if (Date.now() > deadline) {
    process.exit(1)
  }
  setTimeout(attempt, 200)
}

attempt()
