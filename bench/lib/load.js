/*
 * Load generators. wrk (C, one thread per connection) drives the ordinary cells so
 * the load generator is never the bottleneck on a 2-core machine; the contention
 * cell uses a small Node loop instead because it must count every 2xx exactly,
 * including the requests still in flight when the time is up.
 */
const http = require('http')
const { spawn } = require('child_process')
const { writeFileSync } = require('fs')
const { join } = require('path')
const { stopChild, track } = require('./server')

const LUA_SCRIPT = join(__dirname, '..', 'wrk', 'cell.lua')

/**
 * Runs wrk for `seconds` against GET `path`, connection i sending cookies[i]
 * (cycled). Resolves with the JSON summary printed by cell.lua.
 */
function runWrk({ port, path, cookies, seconds, connections, workDir }) {
  const cookieFile = join(workDir, 'cookies.txt')
  writeFileSync(cookieFile, cookies.join('\n') + '\n')
  const args = ['-t', String(connections), '-c', String(connections), '-d', `${seconds}s`]
  args.push('--timeout', '5s', '-s', LUA_SCRIPT, `http://127.0.0.1:${port}${path}`)
  const child = track(
    spawn('wrk', args, {
      env: { ...process.env, BENCH_COOKIES: cookieFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
  )
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const guard = setTimeout(() => stopChild(child), (seconds + 20) * 1000)
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      clearTimeout(guard)
      const line = stdout.trim().split('\n').pop()
      if (code !== 0 || !line.startsWith('{')) {
        return reject(new Error(`wrk failed (${code}): ${stderr.trim() || stdout.trim()}`))
      }
      const summary = JSON.parse(line)
      summary.errors = summary.connect + summary.read + summary.write + summary.timeout
      summary.ok = summary.requests - summary.status
      resolve(summary)
    })
  })
}

/**
 * Closed loop: `connections` workers, worker i sending GET `path` with
 * cookies[i % cookies.length], one request at a time, until `seconds` have passed;
 * then every worker finishes the request it has in flight. Nothing is cut off, so
 * the 2xx count is exact (the contention cell and the strace sample rely on that).
 */
async function runClosedLoop({ port, path, cookies, seconds, connections }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections })
  const result = { ok: 0, status: 0, errors: 0, latencies: [], codes: {} }
  const started = process.hrtime.bigint()
  const deadline = Date.now() + seconds * 1000
  async function worker(index) {
    const cookie = cookies[index % cookies.length]
    while (Date.now() < deadline) {
      const sent = process.hrtime.bigint()
      const status = await once(agent, port, path, cookie)
      result.latencies.push(Number(process.hrtime.bigint() - sent) / 1000)
      if (status >= 200 && status < 300) {
        result.ok++
      } else if (status) {
        result.status++
        result.codes[status] = (result.codes[status] || 0) + 1
      } else {
        result.errors++
      }
    }
  }
  await Promise.all(Array.from({ length: connections }, (_, index) => worker(index)))
  agent.destroy()
  const durationUs = Number(process.hrtime.bigint() - started) / 1000
  const sorted = result.latencies.sort((a, b) => a - b)
  return {
    requests: sorted.length,
    durationUs,
    ok: result.ok,
    status: result.status,
    statusCodes: result.codes,
    errors: result.errors,
    p99Us: sorted.length
      ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]
      : 0,
  }
}

/**
 * One request; resolves with the status code, or 0 on a network error/timeout.
 */
function once(agent, port, path, cookie) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent, headers: { cookie } }, (res) => {
      res.resume()
      res.on('close', () => resolve(res.complete ? res.statusCode : 0))
    })
    req.setTimeout(5000, () => req.destroy(new Error('timeout')))
    req.on('error', () => resolve(0))
  })
}

/**
 * The path each route of the benchmark requests
 */
const ROUTE_PATHS = {
  'none': '/none',
  'read': '/read',
  'read-shared': '/read',
  'write': '/write',
  'flash': '/flash',
  'contention': '/write',
}

/**
 * How many sessions a cell's connections share out: one for the routes on a
 * shared session, one per connection for the others
 */
function sessionCount(route, connections) {
  return route === 'read-shared' || route === 'contention' ? 1 : connections
}

/**
 * The load of one cell, as a function of its seconds: the closed loop for
 * `contention` (it counts every 2xx), wrk for the others
 */
function cellLoad({ port, route, cookies, connections, workDir }) {
  const options = { port, path: ROUTE_PATHS[route], cookies, connections }
  return (seconds) =>
    route === 'contention'
      ? runClosedLoop({ ...options, seconds })
      : runWrk({ ...options, seconds, workDir })
}

module.exports = { runWrk, runClosedLoop, cellLoad, sessionCount, ROUTE_PATHS }
