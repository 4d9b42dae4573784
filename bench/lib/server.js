/*
 * Starts and stops the benchmark app servers. Each server is a direct child
 * (`node server.js`, no npm or shell in between), so its PID is the process whose
 * CPU time we read and the only process we ever signal.
 */
const { spawn } = require('child_process')
const { createWriteStream } = require('fs')
const { join } = require('path')
const { get } = require('./http')

const running = new Set()

/**
 * Remembers a child process (server, wrk, strace, redis-server) so an aborted run can stop
 * exactly the processes it started.
 */
function track(child) {
  running.add(child)
  child.on('exit', () => running.delete(child))
  return child
}

/**
 * Boots the app in `appDir` and resolves once it printed its resolution report
 * and answers GET /none. `expectVersion` guards against benchmarking the wrong
 * build of the session package; `nodeArgs` go to node before `server.js`.
 */
async function startServer({ name, appDir, port, env, expectVersion, logDir, nodeArgs = [] }) {
  const log = createWriteStream(join(logDir, `${name}-${port}.log`), { flags: 'a' })
  const child = spawn(process.execPath, [...nodeArgs, 'server.js'], {
    cwd: appDir,
    env: { ...process.env, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  track(child)
  child.stderr.pipe(log)
  const report = await waitForReport(child, log, 30000)
  checkResolution(report, appDir, expectVersion)
  await waitForHttp(port, child)
  return { name, port, pid: child.pid, child, appDir, report }
}

function waitForReport(child, log, timeoutMs) {
  return new Promise((resolve, reject) => {
    let buffer = ''
    const timer = setTimeout(
      () => fail(new Error('server did not report ready in time')),
      timeoutMs
    )
    function fail(error) {
      clearTimeout(timer)
      reject(error)
    }
    child.on('exit', (code) => fail(new Error(`server exited early with code ${code}`)))
    child.stdout.on('data', (chunk) => {
      log.write(chunk)
      if (buffer === null) {
        return
      }
      buffer += chunk
      const line = buffer.split('\n').find((text) => text.includes('"bench":"ready"'))
      if (line) {
        buffer = null
        clearTimeout(timer)
        resolve(JSON.parse(line))
      }
    })
  })
}

/**
 * The session package must be the variant's own copy, and it must share the app's
 * @adonisjs/core (a symlinked package would resolve the repo's core instead).
 */
function checkResolution(report, appDir, expectVersion) {
  const problems = []
  if (!report.session.path.startsWith(appDir)) {
    problems.push(`@adonisjs/session resolved outside the app: ${report.session.path}`)
  }
  if (report.sessionCore !== report.core) {
    problems.push(`@adonisjs/session sees another @adonisjs/core: ${report.sessionCore}`)
  }
  if (expectVersion && report.session.version !== expectVersion) {
    problems.push(`expected @adonisjs/session ${expectVersion}, got ${report.session.version}`)
  }
  if (problems.length) {
    throw new Error(`Bad app install in ${appDir}:\n  ${problems.join('\n  ')}`)
  }
}

async function waitForHttp(port, child) {
  const deadline = Date.now() + 15000
  while (Date.now() < deadline && child.exitCode === null) {
    const res = await get(port, '/none', undefined, 1000).catch(() => null)
    if (res && res.status === 200) {
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`server on port ${port} never answered GET /none with 200`)
}

/**
 * How many requests the server has received so far (asked over IPC).
 */
function requestsReceived(server) {
  return serverCounters(server).then((counters) => counters.received)
}

/**
 * What the server counted so far: requests received, and with the database driver
 * the SQL statements it sent, by kind
 */
function serverCounters(server) {
  return ask(server, 'bench:requests', 'requests').then((message) => ({
    received: message.received,
    queries: message.queries || {},
  }))
}

/**
 * Empties the database driver's session table, through the server's own connection
 */
function resetTable(server) {
  return ask(server, 'bench:reset-store', 'reset-store').then((message) => {
    if (message.error) {
      throw new Error(`emptying the session table failed: ${message.error}`)
    }
  })
}

/**
 * Drops the database driver's session table, through the server's own connection,
 * so a run leaves nothing behind in the database
 */
function dropTable(server) {
  return ask(server, 'bench:drop-store', 'drop-store').then((message) => {
    if (message.error) {
      throw new Error(`dropping the session table failed: ${message.error}`)
    }
  })
}

function ask(server, question, answer) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not answer ${question}`)), 5000)
    function onMessage(message) {
      if (message && message.bench === answer) {
        clearTimeout(timer)
        server.child.off('message', onMessage)
        resolve(message)
      }
    }
    server.child.on('message', onMessage)
    server.child.send(question)
  })
}

/**
 * SIGTERM (or `signal`), then SIGKILL after 5 s, to this one child only.
 */
function stopServer(server) {
  return stopChild(server.child)
}

function stopChild(child, signal = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve()
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill(signal)
  })
}

/**
 * Used on abort: stops every child this harness started, and nothing else.
 */
function stopAll() {
  return Promise.all([...running].map((child) => stopChild(child)))
}

module.exports = {
  startServer,
  stopServer,
  stopAll,
  stopChild,
  track,
  requestsReceived,
  serverCounters,
  resetTable,
  dropTable,
}
