/*
 * Side-by-side session benchmark: the same minimal AdonisJS v5 app with this
 * repository's packed build ("ours") and with @adonisjs/session@6.4.0 ("original"),
 * plus the same app with sessions disabled as the floor. bench/run.sh installs
 * everything first; see bench/README.md for what each column means.
 */
const { execFileSync } = require('child_process')
const { mkdirSync, rmSync, writeFileSync, readFileSync, existsSync } = require('fs')
const { join } = require('path')
const os = require('os')

const { readSettings, isDefaultRun } = require('./lib/settings')
const { startServer, stopServer, stopAll } = require('./lib/server')
const { runWrk, runContention } = require('./lib/load')
const { establish, readAll, checkIntact, appliedIncrements } = require('./lib/sessions')
const probes = require('./lib/probes')
const { renderReport } = require('./lib/report')

const BENCH_DIR = __dirname
const RESULTS_DIR = join(BENCH_DIR, 'results')
const RUN_DIR = join(RESULTS_DIR, 'runs')
const WORK_DIR = join(BENCH_DIR, '.cache', 'work')

const ROUTE_PATHS = {
  'none': '/none',
  'read': '/read',
  'read-shared': '/read',
  'write': '/write',
  'flash': '/flash',
  'contention': '/write',
}

function log(message) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`)
}

function appDir(pkg) {
  return join(BENCH_DIR, 'apps', pkg)
}

function sessionDir(pkg) {
  return join(appDir(pkg), 'tmp', 'sessions')
}

/**
 * Empties the store a cell is about to use, so every cell starts from the same
 * state: Redis db `redisDb` only, or the variant's own session folder.
 */
function resetStore(driver, pkg, settings) {
  if (driver === 'redis') {
    probes.flushRedisDb(settings.redisPort, settings.redisDb)
  }
  if (driver === 'file') {
    rmSync(sessionDir(pkg), { recursive: true, force: true })
    mkdirSync(sessionDir(pkg), { recursive: true })
  }
}

/**
 * The route never changes the counter, or the state lives in the cookie that the
 * load generator replays unchanged: the counter must read exactly as before.
 */
function countersMustStay(driver, route) {
  return driver === 'cookie' || !['write', 'contention'].includes(route)
}

/**
 * Runs one measured cell against a running server and returns its metrics.
 */
async function runCell({ server, pkg, driver, route, rep, settings }) {
  const shared = route === 'read-shared' || route === 'contention'
  const path = ROUTE_PATHS[route]
  const load = (seconds, cookies) =>
    route === 'contention'
      ? runContention({ port: server.port, path, cookie: cookies[0], seconds, connections: settings.connections })
      : runWrk({ port: server.port, path, cookies, seconds, connections: settings.connections, workDir: WORK_DIR })

  resetStore(driver, pkg, settings)
  const sessions = await establish(server.port, shared ? 1 : settings.connections)
  const cookies = sessions.map((session) => session.cookie)
  await load(settings.warmup, cookies)
  const before = await readAll(server.port, sessions)

  const watcher = driver === 'file' ? probes.watchFiles(sessionDir(pkg)) : null
  if (watcher) {
    await watcher.ready
  }
  const redisBefore = driver === 'redis' ? probes.redisCommandStats(settings.redisPort, settings.redisDb) : null
  const cpuBefore = probes.cpuMicros(server.pid)
  const summary = await load(settings.duration, cookies)
  const cpuAfter = probes.cpuMicros(server.pid)
  const redisCommands = redisBefore
    ? probes.diffStats(redisBefore, probes.redisCommandStats(settings.redisPort, settings.redisDb))
    : null
  const fileEvents = watcher ? await watcher.stop() : null

  const after = await readAll(server.port, sessions)
  const applied = appliedIncrements(before, after)
  let intact = checkIntact(sessions, before, after, countersMustStay(driver, route))
  if (!intact && route === 'write' && driver !== 'cookie' && applied < summary.ok) {
    intact = `${summary.ok - applied} increments lost`
  }
  const requests = summary.requests
  return {
    rep,
    pkg,
    driver,
    route,
    requests,
    ok: summary.ok,
    applied,
    errors: summary.errors + summary.status,
    rps: requests / (summary.durationUs / 1e6),
    p99Ms: summary.p99Us / 1000,
    cpuUsPerReq: (cpuAfter - cpuBefore) / requests,
    redisCommands,
    redisPerReq: redisCommands ? Object.values(redisCommands).reduce((a, b) => a + b, 0) / requests : NaN,
    fileEvents,
    fileWritesPerReq: fileEvents && !fileEvents.overflow ? (fileEvents.CLOSE_WRITE || 0) / requests : NaN,
    intact: intact || 'yes',
  }
}

/**
 * Floor cell: sessions disabled, so no store and nothing to check; the cookie is
 * a placeholder of a real session cookie's size so request bytes stay comparable.
 */
async function runFloorCell({ server, route, rep, settings }) {
  const cookie = `adonis-session=s%3A${'x'.repeat(120)}`
  const path = ROUTE_PATHS[route]
  const options = { port: server.port, path, cookies: [cookie], connections: settings.connections, workDir: WORK_DIR }
  await runWrk({ ...options, seconds: settings.warmup })
  const cpuBefore = probes.cpuMicros(server.pid)
  const summary = await runWrk({ ...options, seconds: settings.duration })
  const cpuAfter = probes.cpuMicros(server.pid)
  return {
    rep,
    pkg: 'floor',
    driver: 'floor',
    route,
    requests: summary.requests,
    ok: summary.ok,
    errors: summary.errors + summary.status,
    rps: summary.requests / (summary.durationUs / 1e6),
    p99Ms: summary.p99Us / 1000,
    cpuUsPerReq: (cpuAfter - cpuBefore) / summary.requests,
  }
}

function describeCell(result) {
  const extra = result.pkg === 'floor' ? '' : ` intact=${result.intact}`
  return (
    `rep ${result.rep} ${result.driver}/${result.route}/${result.pkg}: ${Math.round(result.rps)} req/s, ` +
    `p99 ${result.p99Ms.toFixed(1)} ms, ${Math.round(result.cpuUsPerReq)} µs CPU/req, errors ${result.errors}${extra}`
  )
}

function floorRoutes(settings) {
  const routes = settings.routes.filter((route) => route !== 'contention').map((r) => (r === 'read-shared' ? 'read' : r))
  return [...new Set(routes)]
}

function serverOptions(pkg, driver, settings, meta) {
  const enabled = pkg !== 'floor'
  return {
    name: `${pkg}-${driver}`,
    appDir: appDir(pkg === 'floor' ? 'original' : pkg),
    port: settings.portBase + ['ours', 'original', 'floor'].indexOf(pkg),
    logDir: RUN_DIR,
    expectVersion: pkg === 'ours' ? meta.oursVersion : '6.4.0',
    env: {
      SESSION_ENABLED: String(enabled),
      SESSION_DRIVER: driver === 'floor' ? 'cookie' : driver,
      REDIS_PORT: String(settings.redisPort),
      REDIS_DB: String(settings.redisDb),
    },
  }
}

/**
 * One repetition: the floor first, then per driver both variants side by side,
 * alternating which goes first per cell pair (ours first on odd reps).
 */
async function runRep(rep, settings, meta, results) {
  const order = rep % 2 ? ['ours', 'original'] : ['original', 'ours']
  if (settings.floor && floorRoutes(settings).length) {
    const floor = await startServer(serverOptions('floor', 'floor', settings, meta))
    try {
      for (const route of floorRoutes(settings)) {
        results.push(await runFloorCell({ server: floor, route, rep, settings }))
        log(describeCell(results[results.length - 1]))
      }
    } finally {
      await stopServer(floor)
    }
  }
  for (const driver of settings.drivers) {
    const servers = {}
    try {
      for (const pkg of order) {
        servers[pkg] = await startServer(serverOptions(pkg, driver, settings, meta))
      }
      for (const route of settings.routes) {
        for (const pkg of order) {
          results.push(await runCell({ server: servers[pkg], pkg, driver, route, rep, settings }))
          log(describeCell(results[results.length - 1]))
        }
      }
    } finally {
      await Promise.all(Object.values(servers).map(stopServer))
    }
  }
}

function machineDescription() {
  const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.+)/) || [])[1] || os.cpus()[0].model
  const nproc = execFileSync('nproc').toString().trim()
  const memory = execFileSync('free', ['-h']).toString().split('\n')[1].trim().split(/\s+/)[1]
  return `${nproc} × ${cpu.trim()}, ${memory} RAM (nproc ${nproc})`
}

function collectMeta(settings) {
  const tarballPkg = JSON.parse(readFileSync(join(appDir('ours'), 'node_modules/@adonisjs/session/package.json'), 'utf8'))
  const wrk = (execFileSync('sh', ['-c', 'wrk -v 2>&1 || true']).toString().match(/wrk (\S+)/) || [])[1]
  const redis = settings.drivers.includes('redis')
    ? (probes.redisCli(settings.redisPort, settings.redisDb, ['INFO', 'server']).match(/redis_version:(\S+)/) || [])[1]
    : 'not used'
  const standIn = settings.ours !== 'pack'
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    machine: machineDescription(),
    ours: standIn
      ? `@adonisjs/session@${tarballPkg.version} (stand-in)`
      : `this repo packed (npm pack), @adonisjs/session@${tarballPkg.version}`,
    oursVersion: tarballPkg.version,
    original: '@adonisjs/session@6.4.0 from npm',
    wrk,
    redis,
    standIn,
    isDefault: isDefaultRun(settings),
  }
}

function estimateMinutes(settings) {
  const floorCells = settings.floor ? floorRoutes(settings).length : 0
  const cells = floorCells + settings.drivers.length * settings.routes.length * 2
  const perCell = settings.duration + settings.warmup + 2
  return ((cells * perCell + settings.drivers.length * 6 + 3) * settings.reps) / 60
}

/**
 * Keeps the README's "latest results" section in step with a full default run.
 */
function updateReadme(report) {
  const readme = join(BENCH_DIR, 'README.md')
  if (!existsSync(readme)) {
    return
  }
  const text = readFileSync(readme, 'utf8')
  const start = '<!-- bench:latest:start -->'
  const end = '<!-- bench:latest:end -->'
  if (!text.includes(start) || !text.includes(end)) {
    return
  }
  const body = report.replace(/^# .*\n/, '').replace(/^## /gm, '#### ')
  writeFileSync(readme, `${text.slice(0, text.indexOf(start) + start.length)}\n\n${body}\n${text.slice(text.indexOf(end))}`)
}

/**
 * Formats the generated markdown with the repository's prettier, when present, so
 * `prettier --check` stays green on the tracked results.
 */
function prettify(files) {
  const bin = join(BENCH_DIR, '..', 'node_modules', '.bin', 'prettier')
  if (existsSync(bin)) {
    execFileSync(bin, ['--write', '--loglevel', 'warn', ...files], { timeout: 60000, stdio: 'inherit' })
  }
}

async function main() {
  const settings = readSettings()
  mkdirSync(RUN_DIR, { recursive: true })
  mkdirSync(WORK_DIR, { recursive: true })
  const meta = collectMeta(settings)
  const watchdog = setTimeout(() => abort(new Error(`run exceeded BENCH_MAX_MINUTES=${settings.maxMinutes}`)), settings.maxMinutes * 60000)
  log(`estimated ${estimateMinutes(settings).toFixed(1)} min: ${settings.reps} reps × ${settings.duration} s cells`)
  const started = Date.now()
  const results = []
  for (let rep = 1; rep <= settings.reps; rep++) {
    await runRep(rep, settings, meta, results)
  }
  clearTimeout(watchdog)
  meta.wallMinutes = ((Date.now() - started) / 60000).toFixed(1)

  const report = renderReport({ results, settings, meta })
  const stamp = meta.date.replace(/[:]/g, '-')
  writeFileSync(join(RUN_DIR, `${stamp}.json`), JSON.stringify({ settings, meta, results }, null, 2) + '\n')
  writeFileSync(join(RESULTS_DIR, 'latest.md'), report)
  const formatted = [join(RESULTS_DIR, 'latest.md')]
  if (meta.isDefault) {
    updateReadme(report)
    formatted.push(join(BENCH_DIR, 'README.md'))
  }
  prettify(formatted)
  process.stdout.write(readFileSync(join(RESULTS_DIR, 'latest.md'), 'utf8'))
  log(`wrote bench/results/latest.md and bench/results/runs/${stamp}.json`)
}

async function abort(error) {
  log(`aborting: ${error.stack || error.message}`)
  await stopAll()
  process.exit(1)
}

process.on('SIGINT', () => abort(new Error('interrupted')))
process.on('SIGTERM', () => abort(new Error('terminated')))
main().then(
  () => process.exit(0),
  (error) => abort(error)
)
