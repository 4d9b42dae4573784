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
const { runWrk, runClosedLoop, cellLoad, sessionCount, ROUTE_PATHS } = require('./lib/load')
const { establish, readAll, checkIntact, appliedIncrements } = require('./lib/sessions')
const probes = require('./lib/probes')
const { renderReport } = require('./lib/report')

const BENCH_DIR = __dirname
const RESULTS_DIR = join(BENCH_DIR, 'results')
const RUN_DIR = join(RESULTS_DIR, 'runs')
const WORK_DIR = join(BENCH_DIR, '.cache', 'work')

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
  await resetStore(driver, pkg, settings, server)
  const cell = await prepareCell({ server, pkg, driver, route, settings })
  await measureSlice(cell, settings.duration, settings)
  return finishCell(cell, rep, settings)
}

/**
 * Ours and orig on one route, measured in alternating slices of
 * `BENCH_SLICE_SECONDS` (a b b a a b ...) instead of one long run each: the
 * machine's speed drifts by tens of percent over tens of seconds, and
 * slices this short put both variants under the same drift. Both work on
 * one emptied store, each on its own sessions.
 */
async function runPairCell({ servers, pkgs, driver, route, rep, settings }) {
  await resetStore(driver, pkgs[0], settings, servers[pkgs[0]])
  const cells = []
  for (const pkg of pkgs) {
    cells.push(await prepareCell({ server: servers[pkg], pkg, driver, route, settings }))
  }
  for (const [index, seconds] of sliceLengths(settings).entries()) {
    const first = index % 2
    await measureSlice(cells[first], seconds, settings)
    await measureSlice(cells[1 - first], seconds, settings)
  }
  const results = []
  for (const cell of cells) {
    results.push(await finishCell(cell, rep, settings))
  }
  return results
}

/**
 * The measured seconds of a cell cut into slices of `sliceSeconds` (the last
 * one takes what is left)
 */
function sliceLengths(settings) {
  const count = Math.max(1, Math.floor(settings.duration / settings.sliceSeconds))
  const lengths = Array.from({ length: count }, () => settings.sliceSeconds)
  lengths[count - 1] += settings.duration - count * settings.sliceSeconds
  return lengths
}

/**
 * A variant's part of a cell before it is measured: its sessions (one per
 * connection, or one shared), a warm-up, and what its sessions held
 */
async function prepareCell({ server, pkg, driver, route, settings }) {
  const path = ROUTE_PATHS[route]
  const sessions = await establish(server.port, sessionCount(route, settings.connections))
  const cookies = sessions.map((session) => session.cookie)
  const load = cellLoad({
    port: server.port,
    route,
    cookies,
    connections: settings.connections,
    workDir: WORK_DIR,
  })
  if (settings.warmup) {
    await load(settings.warmup)
    await probes.settle(server.pid)
  }
  const before = await readAll(server.port, sessions)
  const totals = {
    requests: 0,
    ok: 0,
    errors: 0,
    status: 0,
    codes: {},
    durationUs: 0,
    p99s: [],
    cpuUs: 0,
    received: 0,
    queries: {},
    redisCommands: driver === 'redis' ? {} : null,
    redisCpuUs: 0,
  }
  return { server, pkg, driver, route, path, sessions, cookies, load, before, totals }
}

/**
 * One measured run of `seconds` for a variant, added to its totals: the
 * server's CPU and request counters, and Redis' commands and CPU, are read
 * right before and after it
 */
async function measureSlice(cell, seconds, settings) {
  const { server, driver, totals } = cell
  const onRedis = driver === 'redis'
  const redisBefore = onRedis
    ? probes.redisCommandStats(settings.redisPort, settings.redisDb)
    : null
  const redisCpuBefore = onRedis ? probes.redisCpuMicros(settings.redisPort, settings.redisDb) : 0
  const countersBefore = await serverCounters(server)
  const cpuBefore = probes.cpuMicros(server.pid)
  const summary = await cell.load(seconds)
  await probes.settle(server.pid)
  const cpuAfter = probes.cpuMicros(server.pid)
  const countersAfter = await serverCounters(server)
  if (onRedis) {
    const redisAfter = probes.redisCommandStats(settings.redisPort, settings.redisDb)
    addCounts(totals.redisCommands, probes.diffStats(redisBefore, redisAfter))
    totals.redisCpuUs +=
      probes.redisCpuMicros(settings.redisPort, settings.redisDb) - redisCpuBefore
  }
  addCounts(totals.queries, probes.diffStats(countersBefore.queries, countersAfter.queries))
  addCounts(totals.codes, summary.statusCodes || {})
  totals.requests += summary.requests
  totals.ok += summary.ok
  totals.errors += summary.errors
  totals.status += summary.status
  totals.durationUs += summary.durationUs
  totals.p99s.push(summary.p99Us)
  totals.cpuUs += cpuAfter - cpuBefore
  totals.received += countersAfter.received - countersBefore.received
}

function addCounts(into, counts) {
  for (const [name, count] of Object.entries(counts)) {
    into[name] = (into[name] || 0) + count
  }
}

/**
 * The cell's result once its slices ran: rates over the sum of the slices,
 * p99 the median of the slices' p99, then the checks of its sessions
 */
async function finishCell(cell, rep, settings) {
  const { server, pkg, driver, route, path, sessions, cookies, before, totals } = cell
  const received = totals.received
  const redisForeign = totals.redisCommands
    ? probes.foreignRedisClients(settings.redisPort, settings.redisDb, settings.duration + 2)
    : 0
  const after = await readAll(server.port, sessions)
  const applied = appliedIncrements(before, after)
  let intact = checkIntact(sessions, before, after, countersMustStay(driver, route))
  if (!intact && route === 'write' && driver !== 'cookie' && applied < totals.ok) {
    intact = `${totals.ok - applied} increments lost`
  }
  const fileOps =
    driver === 'file' ? await sampleFileOps({ server, pkg, path, cookies, settings }) : null
  const dbQueries = driver === 'database' ? totals.queries : null
  const perRequest = (counts) =>
    counts ? Object.values(counts).reduce((a, b) => a + b, 0) / received : NaN
  return {
    rep,
    pkg,
    driver,
    route,
    slices: totals.p99s.length,
    requests: totals.requests,
    received,
    ok: totals.ok,
    applied,
    errors: totals.errors + totals.status,
    errorKinds: { socket: totals.errors, status: totals.status, codes: totals.codes },
    rps: totals.requests / (totals.durationUs / 1e6),
    p99Ms: medianOf(totals.p99s) / 1000,
    cpuUsPerReq: totals.cpuUs / received,
    redisCommands: totals.redisCommands,
    redisForeign,
    redisCpuUsPerReq: totals.redisCommands ? totals.redisCpuUs / received : NaN,
    redisPerReq: perRequest(totals.redisCommands),
    dbQueries,
    dbQueriesPerReq: perRequest(dbQueries),
    fileOps,
    fileWritesPerReq: fileOps ? (fileOps.writeOpens + fileOps.renames) / fileOps.requests : NaN,
    intact: intact || 'yes',
  }
}

function medianOf(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
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
 * Ours and original run as one cell of alternating slices (`runPairCell`).
 */
async function runGroup({ servers, driver, route, rep, settings, results }) {
  const order = rotation(rep, settings, driver)
  const pair = order.filter((pkg) => pkg !== 'floor')
  for (const pkg of order) {
    const cell = { server: servers[pkg], pkg, driver, route, rep, settings }
    let done = []
    if (pkg === 'floor') {
      done = route === 'contention' ? [] : [await runFloorCell(cell)]
    } else if (pair.length === 1) {
      done = [await runCell(cell)]
    } else if (pkg === pair[0]) {
      done = await runPairCell({ servers, pkgs: pair, driver, route, rep, settings })
    }
    done.forEach((result) => log(describeCell(result)))
    results.push(...done)
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
  const perCell = settings.duration + settings.warmup + 2 + sliceLengths(settings).length * 0.3
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
