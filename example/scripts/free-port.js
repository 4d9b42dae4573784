// Prints a TCP port of 127.0.0.1 that nothing listens on, chosen by the OS,
// for a test server that must not collide with parallel runs.
//   node free-port.js
const net = require('net')

const server = net.createServer()
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address()
  server.close(() => process.stdout.write(`${port}\n`))
})
