// Exits 0 once URL answers 200, 1 after TIMEOUT_MS.
//   node wait-for-url.js URL [TIMEOUT_MS]
const http = require('http')

const [url, timeout = '30000'] = process.argv.slice(2)
const deadline = Date.now() + Number(timeout)

function attempt() {
  const request = http.get(url, { timeout: 2000 }, (response) => {
    response.resume()
    response.statusCode === 200 ? process.exit(0) : retry()
  })
  request.once('timeout', () => request.destroy(new Error('timeout')))
  request.once('error', retry)
}

function retry() {
  if (Date.now() > deadline) {
    process.exit(1)
  }
  setTimeout(attempt, 250)
}

attempt()
