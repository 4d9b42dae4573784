/*
 * Side-by-side session benchmark: the same minimal AdonisJS v5 app with this
 * repository's packed build ("ours") and with @adonisjs/session@6.4.0 ("original"),
 * plus the same app with sessions disabled as the floor. bench/run.sh installs
 * everything first; see bench/README.md for what each column means.
 */
const { execFileSync } = require('child_process')
const { mkdirSync, rmSync, writeFileSync, readFileSync, existsSync, readdirSync } = require('fs')
const { join } = require('path')
const os = require('os')

const { readSettings, isDefaultRun } = require('./lib/settings')
const { startServer, stopServer, stopAll, stopChild } = require('./lib/server')
const { requestsReceived, serverCounters, resetTable, dropTable } = require('./lib/server')
const { runWrk, runClosedLoop } = require('./lib/load')
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

/**
 * The app folder of a variant; with BENCH_BASE the "original" slot holds the
 * base checkout's build (apps/base), and the floor stays 6.4's app
 */
function appDir(pkg, settings) {
  return join(BENCH_DIR, 'apps', pkg === 'original' && settings && settings.base ? 'base' : pkg)
}

/**
 * The file driver's folder, one for every variant: each write of ours allocates
 * an inode (its lock file), which costs more in some parts of the disk than in
 * others, so the variants must not write to different folders
 */
const SESSION_DIR = join(WORK_DIR, 'sessions')

/**
 * Empties the store a cell is about to use, so every cell starts from the same
 * state: Redis db `redisDb` only, the variant's own session folder, or the
 * database driver's table (emptied by the server itself, over IPC).
 */
async function resetStore(driver, pkg, settings, server) {
  if (driver === 'redis') {
    probes.flushRedisDb(settings.redisPort, settings.redisDb)
  }
  if (driver === 'file') {
    mkdirSync(SESSION_DIR, { recursive: true })
    for (const name of readdirSync(SESSION_DIR)) {
      rmSync(join(SESSION_DIR, name), { recursive: true, force: true })
    }
  }
  if (driver === 'database') {
    await resetTable(server)
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
 * File driver only, after the measured run: strace the server while a closed-loop
 * load (exact request count, nothing cut off) replays the cell for a couple of
 * seconds, and count the session files it opened for writing, renamed, etc.
 */
async function sampleFileOps({ server, pkg, path, cookies, settings }) {
  const trace = await probes.traceFileOps(server.pid, SESSION_DIR, join(WORK_DIR, 'strace.txt'))
  const options = { port: server.port, path, cookies, connections: settings.connections }
  const load = await runClosedLoop({ ...options, seconds: settings.traceSeconds }).catch(
    async (error) => {
      await trace.stop()
      throw error
    }
  )
  return { ...(await trace.stop()), requests: load.requests }
}

/**
 * Runs one measured cell against a running server and returns its metrics.
 */
async function runCell({ server, pkg, driver, route, rep, settings }) {
  const shared = route === 'read-shared' || route === 'contention'
  const path = ROUTE_PATHS[route]
  const load = (seconds, cookies) =>
    route === 'contention'
      ? runClosedLoop({
          port: server.port,
          path,
          cookies,
          seconds,
          connections: settings.connections,
        })
      : runWrk({
          port: server.port,
          path,
          cookies,
          seconds,
          connections: settings.connections,
          workDir: WORK_DIR,
        })

  await resetStore(driver, pkg, settings, server)
  const sessions = await establish(server.port, shared ? 1 : settings.connections)
  const cookies = sessions.map((session) => session.cookie)
  if (settings.warmup) {
    await load(settings.warmup, cookies)
    await probes.settle(server.pid)
  }
  const before = await readAll(server.port, sessions)

  const redisBefore =
    driver === 'redis' ? probes.redisCommandStats(settings.redisPort, settings.redisDb) : null
  const redisCpuBefore =
    driver === 'redis' ? probes.redisCpuMicros(settings.redisPort, settings.redisDb) : 0
  const countersBefore = await serverCounters(server)
  const cpuBefore = probes.cpuMicros(server.pid)
  const summary = await load(settings.duration, cookies)
  await probes.settle(server.pid)
  const cpuAfter = probes.cpuMicros(server.pid)
  const countersAfter = await serverCounters(server)
  const received = countersAfter.received - countersBefore.received
  const dbQueries =
    driver === 'database' ? probes.diffStats(countersBefore.queries, countersAfter.queries) : null
  const redisCommands = redisBefore
    ? probes.diffStats(redisBefore, probes.redisCommandStats(settings.redisPort, settings.redisDb))
    : null
  const redisCpuUsPerReq = redisBefore
    ? (probes.redisCpuMicros(settings.redisPort, settings.redisDb) - redisCpuBefore) / received
    : NaN
  const redisForeign = redisBefore
    ? probes.foreignRedisClients(settings.redisPort, settings.redisDb, settings.duration + 2)
    : 0
  const after = await readAll(server.port, sessions)
  const applied = appliedIncrements(before, after)
  let intact = checkIntact(sessions, before, after, countersMustStay(driver, route))
  if (!intact && route === 'write' && driver !== 'cookie' && applied < summary.ok) {
    intact = `${summary.ok - applied} increments lost`
  }
  const fileOps =
    driver === 'file' ? await sampleFileOps({ server, pkg, path, cookies, settings }) : null
  return {
    rep,
    pkg,
    driver,
    route,
    requests: summary.requests,
    received,
    ok: summary.ok,
    applied,
    errors: summary.errors + summary.status,
    errorKinds: { socket: summary.errors, status: summary.status, codes: summary.statusCodes },
    rps: summary.requests / (summary.durationUs / 1e6),
    p99Ms: summary.p99Us / 1000,
    cpuUsPerReq: (cpuAfter - cpuBefore) / received,
    redisCommands,
    redisForeign,
    redisCpuUsPerReq,
    redisPerReq: redisCommands
      ? Object.values(redisCommands).reduce((a, b) => a + b, 0) / received
      : NaN,
    dbQueries,
    dbQueriesPerReq: dbQueries
      ? Object.values(dbQueries).reduce((a, b) => a + b, 0) / received
      : NaN,
    fileOps,
    fileWritesPerReq: fileOps ? (fileOps.writeOpens + fileOps.renames) / fileOps.requests : NaN,
    intact: intact || 'yes',
  }
}

/**
 * Floor cell: sessions disabled, so no store and nothing to check; the cookie is
 * a placeholder of a real session cookie's size so request bytes stay comparable.
 */
async function runFloorCell({ server, driver, route, rep, settings }) {
  const cookie = `adonis-session=s%3A${'x'.repeat(120)}`
  const path = ROUTE_PATHS[route]
  const options = {
    port: server.port,
    path,
    cookies: [cookie],
    connections: settings.connections,
    workDir: WORK_DIR,
  }
  if (settings.warmup) {
    await runWrk({ ...options, seconds: settings.warmup })
    await probes.settle(server.pid)
  }
  const receivedBefore = await requestsReceived(server)
  const cpuBefore = probes.cpuMicros(server.pid)
  const summary = await runWrk({ ...options, seconds: settings.duration })
  await probes.settle(server.pid)
  const cpuAfter = probes.cpuMicros(server.pid)
  const received = (await requestsReceived(server)) - receivedBefore
  return {
    rep,
    pkg: 'floor',
    driver,
    route,
    requests: summary.requests,
    received,
    ok: summary.ok,
    errors: summary.errors + summary.status,
    rps: summary.requests / (summary.durationUs / 1e6),
    p99Ms: summary.p99Us / 1000,
    cpuUsPerReq: (cpuAfter - cpuBefore) / received,
  }
}

/**
 * One progress line per cell on stderr.
 */
function describeCell(result) {
  const where = `rep ${result.rep} ${result.driver}/${result.route}/${result.pkg}`
  const speed = `${Math.round(result.rps)} req/s, p99 ${result.p99Ms.toFixed(1)} ms`
  const cost = `${Math.round(result.cpuUsPerReq)} µs CPU/req, errors ${result.errors}`
  const intact = result.pkg === 'floor' ? '' : `, intact: ${result.intact}`
  return `${where}: ${speed}, ${cost}${intact}`
}

/**
 * How to start the server of a variant; the floor is the original app with
 * sessions disabled.
 */
function serverOptions(pkg, driver, settings, meta) {
  const enabled = pkg !== 'floor'
  return {
    name: `${pkg}-${driver}`,
    appDir: pkg === 'floor' ? appDir('original') : appDir(pkg, settings),
    port: settings.portBase + ['ours', 'original', 'floor'].indexOf(pkg),
    logDir: RUN_DIR,
    expectVersion: { ours: meta.oursVersion, original: meta.originalVersion }[pkg] || '6.4.0',
    env: {
      SESSION_DIR,
      SESSION_ENABLED: String(enabled),
      SESSION_DRIVER: pkg === 'floor' ? 'cookie' : driver,
      REDIS_PORT: String(settings.redisPort),
      REDIS_DB: String(settings.redisDb),
      SESSION_TABLE: `bench_sessions_${settings.portBase}`,
    },
  }
}

/**
 * The variants a driver runs in: 6.4 has no database driver, so that one is ours
 * alone (compared with ours on redis in the report)
 */
function variantsOf(driver) {
  return driver === 'database' ? ['ours'] : ['ours', 'original']
}

/**
 * Who runs first in each group of cells: a rotation of ours, original and floor
 * that moves by one each repetition, so no variant always goes first or last.
 */
function rotation(rep, settings, driver) {
  const all = [...variantsOf(driver), 'floor'].filter((pkg) => settings.floor || pkg !== 'floor')
  const shift = (rep - 1) % all.length
  return [...all.slice(shift), ...all.slice(0, shift)]
}

/**
 * One driver × route group of cells: ours, original and (but for contention) the
 * floor on the same route, back to back, so ratios compare neighbours in time.
 */
async function runGroup({ servers, driver, route, rep, settings, results }) {
  for (const pkg of rotation(rep, settings, driver)) {
    if (pkg === 'floor' && route === 'contention') {
      continue
    }
    const cell = { server: servers[pkg], pkg, driver, route, rep, settings }
    results.push(pkg === 'floor' ? await runFloorCell(cell) : await runCell(cell))
    log(describeCell(results[results.length - 1]))
  }
}

/**
 * Servers on the database driver that still have their session table
 */
const withTable = new Set()

/**
 * Stops a variant's server; on the database driver it first drops the session
 * table the server created, so no run leaves a table behind in the database
 */
async function stopVariant(server) {
  if (withTable.delete(server)) {
    await dropTable(server).catch((error) => log(error.message))
  }
  await stopServer(server)
}

/**
 * One repetition. The floor server lives for the whole repetition; the two
 * variants are started per driver, side by side, and idle while another runs.
 */
async function runRep(rep, settings, meta, results) {
  const servers = {}
  try {
    if (settings.floor) {
      servers.floor = await startServer(serverOptions('floor', 'floor', settings, meta))
    }
    for (const driver of settings.drivers) {
      for (const pkg of variantsOf(driver)) {
        servers[pkg] = await startServer(serverOptions(pkg, driver, settings, meta))
        if (driver === 'database') {
          withTable.add(servers[pkg])
        }
      }
      for (const route of settings.routes) {
        await runGroup({ servers, driver, route, rep, settings, results })
      }
      await Promise.all(variantsOf(driver).map((pkg) => stopVariant(servers[pkg])))
      delete servers.original
    }
  } finally {
    await Promise.all(Object.values(servers).map((server) => stopVariant(server)))
  }
}

/**
 * "2 × CPU model, memory" as nproc, /proc/cpuinfo and free -h tell it.
 */
function machineDescription() {
  const cpu =
    (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.+)/) || [])[1] ||
    os.cpus()[0].model
  const nproc = execFileSync('nproc').toString().trim()
  const memory = execFileSync('free', ['-h']).toString().split('\n')[1].trim().split(/\s+/)[1]
  return `${nproc} × ${cpu.trim()}, ${memory} RAM (nproc ${nproc})`
}

/**
 * Everything the report's header says about the run besides the settings.
 */
function collectMeta(settings) {
  const tarballPkg = JSON.parse(
    readFileSync(join(appDir('ours'), 'node_modules/@adonisjs/session/package.json'), 'utf8')
  )
  const wrk = (execFileSync('sh', ['-c', 'wrk -v 2>&1 || true'])
    .toString()
    .match(/wrk (\S+)/) || [])[1]
  const redis = settings.drivers.includes('redis')
    ? (probes
        .redisCli(settings.redisPort, settings.redisDb, ['INFO', 'server'])
        .match(/redis_version:(\S+)/) || [])[1]
    : 'not used'
  const standIn = settings.ours !== 'pack'
  const base = settings.base ? baseDescription(settings) : null
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    machine: machineDescription(),
    ours: standIn
      ? `@adonisjs/session@${tarballPkg.version} (stand-in)`
      : `this repo packed (npm pack), ${tarballPkg.name}@${tarballPkg.version} as @adonisjs/session`,
    oursVersion: tarballPkg.version,
    original: base ? base.text : '@adonisjs/session@6.4.0 from npm',
    originalVersion: base ? base.version : '6.4.0',
    wrk,
    redis: settings.redisSpawn ? `${redis} (private instance, port ${settings.redisPort})` : redis,
    standIn,
    isDefault: isDefaultRun(settings),
  }
}

/**
 * What the "orig" slot of an A/B run holds: the base checkout, its commit and
 * the version of the build installed from it
 */
function baseDescription(settings) {
  const installed = JSON.parse(
    readFileSync(join(appDir('original', settings), 'node_modules/@adonisjs/session/package.json'))
  )
  const commit = execFileSync('git', ['-C', settings.base, 'rev-parse', '--short', 'HEAD'])
    .toString()
    .trim()
  const dirty = execFileSync('git', ['-C', settings.base, 'status', '--porcelain', '--', '.'])
    .toString()
    .trim()
  return {
    version: installed.version,
    text: `A/B base: ${settings.base} at ${commit}${
      dirty ? ' with uncommitted changes' : ''
    } packed (npm pack), ${installed.name}@${installed.version}`,
  }
}

function estimateMinutes(settings) {
  const floorRoutes = settings.routes.filter((route) => route !== 'contention').length
  const variants = settings.drivers.reduce((n, driver) => n + variantsOf(driver).length, 0)
  const cells =
    variants * settings.routes.length + (settings.floor ? settings.drivers.length * floorRoutes : 0)
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
  writeFileSync(
    readme,
    `${text.slice(0, text.indexOf(start) + start.length)}\n\n${body}\n${text.slice(
      text.indexOf(end)
    )}`
  )
}

/**
 * Formats the generated markdown with the repository's prettier, when present, so
 * `prettier --check` stays green on the tracked results.
 */
function prettify(files) {
  const bin = join(BENCH_DIR, '..', 'node_modules', '.bin', 'prettier')
  if (existsSync(bin)) {
    execFileSync(bin, ['--write', '--loglevel', 'warn', ...files], {
      timeout: 60000,
      stdio: 'inherit',
    })
  }
}

async function main() {
  const settings = readSettings()
  mkdirSync(RUN_DIR, { recursive: true })
  mkdirSync(WORK_DIR, { recursive: true })
  const redis =
    settings.redisSpawn && settings.drivers.includes('redis')
      ? await probes.spawnRedis(settings.redisPort)
      : null
  const meta = collectMeta(settings)
  const watchdog = setTimeout(
    () => abort(new Error(`run exceeded BENCH_MAX_MINUTES=${settings.maxMinutes}`)),
    settings.maxMinutes * 60000
  )
  log(
    `estimated ${estimateMinutes(settings).toFixed(1)} min: ${settings.reps} reps × ${
      settings.duration
    } s cells`
  )
  const started = Date.now()
  const results = []
  for (let rep = 1; rep <= settings.reps; rep++) {
    await runRep(rep, settings, meta, results)
  }
  clearTimeout(watchdog)
  if (redis) {
    await stopChild(redis)
  }
  meta.wallMinutes = ((Date.now() - started) / 60000).toFixed(1)

  const stamp = meta.date.replace(/[:]/g, '-')
  const runFile = join(RUN_DIR, `${stamp}.json`)
  writeFileSync(runFile, JSON.stringify({ settings, meta, results }, null, 2) + '\n')
  publish({ settings, meta, results }, runFile)
}

/**
 * Writes the report to results/latest.md (and the README for a default run),
 * formats it and prints it.
 */
function publish(run, runFile) {
  const report = renderReport(run)
  writeFileSync(join(RESULTS_DIR, 'latest.md'), report)
  const formatted = [join(RESULTS_DIR, 'latest.md'), runFile]
  if (run.meta.isDefault || process.env.BENCH_UPDATE_README === '1') {
    updateReadme(report)
    formatted.push(join(BENCH_DIR, 'README.md'))
  }
  prettify(formatted)
  process.stdout.write(readFileSync(join(RESULTS_DIR, 'latest.md'), 'utf8'))
  log(`wrote bench/results/latest.md from ${runFile}`)
}

/**
 * `node bench/run.js --render <run.json>`: re-renders a stored run without
 * measuring anything (after a change to the report's layout).
 */
function render(runFile) {
  publish(JSON.parse(readFileSync(runFile, 'utf8')), runFile)
}

async function abort(error) {
  log(`aborting: ${error.stack || error.message}`)
  await Promise.all([...withTable].map((server) => dropTable(server).catch(() => {})))
  await stopAll()
  process.exit(1)
}

process.on('SIGINT', () => abort(new Error('interrupted')))
process.on('SIGTERM', () => abort(new Error('terminated')))
const entry = process.argv[2] === '--render' ? async () => render(process.argv[3]) : main
entry().then(
  () => process.exit(0),
  (error) => abort(error)
)
