/*
 * Benchmark app entry point. Plain CommonJS, no TypeScript hook: the Ignitor boots
 * `.adonisrc.json`, the `config/*.js` files and `start/routes.js` from this folder.
 */
process.env.ENV_SILENT = 'true'

const { dirname } = require('path')
const { Ignitor } = require('@adonisjs/core/build/src/Ignitor')

/**
 * Tell the harness which copies of the packages this process resolved, so a
 * mis-installed variant (e.g. a symlinked session package reaching for the repo's
 * own @adonisjs/core) is caught before anything is measured.
 */
function describeResolution() {
  const sessionPkg = require.resolve('@adonisjs/session/package.json')
  const sessionCore = require.resolve('@adonisjs/core/package.json', {
    paths: [dirname(sessionPkg)],
  })
  return {
    session: { path: dirname(sessionPkg), version: require(sessionPkg).version },
    core: dirname(require.resolve('@adonisjs/core/package.json')),
    sessionCore: dirname(sessionCore),
  }
}

/**
 * Counts every request the HTTP server receives (errors included), so the harness
 * can divide CPU time, Redis commands and SQL statements by what the server really
 * handled, not by what the load generator saw answered. Read over the IPC channel,
 * which adds no route and no work to the request path. With the database driver,
 * the harness also empties the session table through it between cells, and drops
 * it before stopping the server.
 */
function answerHarness(server, database) {
  let received = 0
  server.instance.on('request', () => received++)
  process.on('message', (message) => {
    if (message === 'bench:requests') {
      const queries = database ? { ...database.queries } : null
      process.send({ bench: 'requests', received, queries })
    }
    if (message === 'bench:reset-store' && database) {
      database.reset().then(
        () => process.send({ bench: 'reset-store', ok: true }),
        (error) => process.send({ bench: 'reset-store', error: error.message })
      )
    }
    if (message === 'bench:drop-store' && database) {
      database.drop().then(
        () => process.send({ bench: 'drop-store', ok: true }),
        (error) => process.send({ bench: 'drop-store', error: error.message })
      )
    }
  })
}

async function start() {
  const httpServer = new Ignitor(__dirname).httpServer()
  await httpServer.start()
  const database =
    process.env.SESSION_DRIVER === 'database' && process.env.SESSION_ENABLED !== 'false'
      ? await require('./database').prepareDatabase()
      : null
  if (process.send) {
    answerHarness(httpServer.server, database)
  }
  console.log(JSON.stringify({ bench: 'ready', pid: process.pid, ...describeResolution() }))
}

start().catch((error) => {
  console.error(error)
  process.exit(1)
})
