/*
 * The few HTTP calls the harness makes itself (session set-up and checks), with a
 * hard timeout each, over a keep-alive agent of its own.
 */
const http = require('http')

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })

/**
 * GET `path` on 127.0.0.1:`port`; resolves with status, parsed JSON body (or null)
 * and the `name=value` pairs of every Set-Cookie header.
 */
function get(port, path, cookie, timeoutMs = 5000) {
  const fresh = path === '/write'
  return getOnce(port, path, cookie, timeoutMs, fresh).catch((error) => {
    // A kept-alive socket the server closed at its keep-alive timeout just as
    // the request went out; only reads are sent again, since a write may have
    // reached the app
    if (error.reusedSocket && (error.code === 'ECONNRESET' || error.message === 'socket hang up')) {
      return getOnce(port, path, cookie, timeoutMs, fresh)
    }
    throw error
  })
}

/**
 * `fresh`: on a connection of its own, which no keep-alive timeout can close
 * under it (for `/write`, which is not sent twice)
 */
function getOnce(port, path, cookie, timeoutMs, fresh) {
  return new Promise((resolve, reject) => {
    const headers = cookie ? { cookie } : {}
    const options = { host: '127.0.0.1', port, path, headers, agent: fresh ? false : agent }
    const req = http.get(options, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () =>
        resolve({ status: res.statusCode, json: parseJson(body), cookies: pairs(res) })
      )
    })
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${path} timed out`)))
    req.on('error', (error) => reject(Object.assign(error, { reusedSocket: req.reusedSocket })))
  })
}

function parseJson(body) {
  try {
    return JSON.parse(body)
  } catch {
    return null
  }
}

function pairs(res) {
  return (res.headers['set-cookie'] || []).map((line) => line.split(';')[0])
}

/**
 * Merges Set-Cookie pairs into a Cookie header value, later pairs winning.
 */
function mergeCookies(existing, setPairs) {
  const jar = new Map()
  for (const pair of [...(existing ? existing.split('; ') : []), ...setPairs]) {
    const at = pair.indexOf('=')
    const value = pair.slice(at + 1)
    value ? jar.set(pair.slice(0, at), value) : jar.delete(pair.slice(0, at))
  }
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
}

module.exports = { get, mergeCookies, agent }
