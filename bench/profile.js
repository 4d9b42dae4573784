/*
 * Where one cell's time goes, for one installed variant at a time (run
 * `npm run bench` once first: it installs bench/apps/ours, and with BENCH_BASE
 * bench/apps/base):
 *
 *   node bench/profile.js <ours|base|original> <driver> <route> [seconds]
 *
 * Starts the variant's server with `--cpu-prof`, replays the cell under wrk (or
 * the closed loop for `contention`) after a 2 s warm-up, and prints the CPU each
 * thread of the server spent per request (from /proc/<pid>/task) and the
 * functions with the most self time per request. Nothing is compared here: run
 * it for both variants, in turns, and compare; a single run drifts with the
 * machine as much as a cell does.
 */
const { readdirSync, readFileSync, rmSync, mkdirSync, writeFileSync } = require('fs')
const { join } = require('path')
const { cellLoad, sessionCount, ROUTE_PATHS } = require('./lib/load')
const { establish } = require('./lib/sessions')
const { flushRedisDb } = require('./lib/probes')
const { startServer, dropTable } = require('./lib/server')

const BENCH_DIR = __dirname
const WORK_DIR = join(BENCH_DIR, '.cache', 'profile')
const PORT = 3461
const REDIS_DB = 6
/**
 * A preload that exits on SIGUSR2: `--cpu-prof` writes its profile only when
 * the process exits by itself
 */
const EXIT_ON_SIGNAL = "process.on('SIGUSR2', () => process.exit(0))\n"

function usage(message) {
  process.stderr.write(
    `${message}\nusage: node bench/profile.js <ours|base|original> <driver> <route> [seconds]\n`
  )
  process.exit(2)
}

/**
 * User and system CPU of each thread of `pid`, in µs
 */
function threadTimes(pid) {
  const times = {}
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    times[tid] = { user: Number(fields[11]) * 10000, system: Number(fields[12]) * 10000 }
  }
  return times
}

/**
 * Self time per function of a `.cpuprofile`, in µs, keyed by name and place
 */
function selfTimes(profile) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const times = new Map()
  profile.samples.forEach((id, index) => {
    const frame = nodes.get(id).callFrame
    const place = frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\//, '')
    const key = `${frame.functionName || '(anonymous)'} ${place}:${frame.lineNumber + 1}`
    times.set(key, (times.get(key) || 0) + (profile.timeDeltas[index] || 0))
  })
  return times
}

async function main() {
  const [variant, driver, route, secondsText = '10'] = process.argv.slice(2)
  if (!['ours', 'base', 'original'].includes(variant)) usage(`unknown variant "${variant}"`)
  if (!['cookie', 'file', 'redis', 'database'].includes(driver)) usage(`unknown driver "${driver}"`)
  if (!ROUTE_PATHS[route]) usage(`unknown route "${route}"`)
  const seconds = Number(secondsText)
  if (!Number.isInteger(seconds) || seconds < 1) usage('seconds must be a whole number')

  const profileDir = join(WORK_DIR, `${variant}-${driver}-${route}`)
  rmSync(profileDir, { recursive: true, force: true })
  mkdirSync(profileDir, { recursive: true })
  const preload = join(WORK_DIR, 'exit-on-signal.js')
  writeFileSync(preload, EXIT_ON_SIGNAL)
  if (driver === 'redis') {
    flushRedisDb(6379, REDIS_DB)
  }

  const server = await startServer({
    name: `profile-${variant}-${driver}`,
    appDir: join(BENCH_DIR, 'apps', variant),
    port: PORT,
    logDir: WORK_DIR,
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '-r', preload],
    env: {
      SESSION_DIR: join(WORK_DIR, 'sessions'),
      SESSION_ENABLED: 'true',
      SESSION_DRIVER: driver,
      REDIS_PORT: '6379',
      REDIS_DB: String(REDIS_DB),
      SESSION_TABLE: `bench_sessions_${PORT}`,
      BENCH_VARY_COOKIE: process.env.BENCH_VARY_COOKIE || '0',
    },
  })
  const { child } = server
  try {
    const sessions = await establish(PORT, sessionCount(route, 50))
    const cookies = sessions.map((session) => session.cookie)
    const load = cellLoad({ port: PORT, route, cookies, connections: 50, workDir: WORK_DIR })
    await load(2)
    const before = threadTimes(child.pid)
    const summary = await load(seconds)
    const after = threadTimes(child.pid)

    const perRequest = (us) => (us / summary.requests).toFixed(2)
    console.log(`${variant} ${driver}/${route}: ${summary.requests} requests in ${seconds} s`)
    console.log('CPU per request by thread (µs, user / system):')
    for (const [tid, time] of Object.entries(after)) {
      const user = time.user - (before[tid] ? before[tid].user : 0)
      const system = time.system - (before[tid] ? before[tid].system : 0)
      if (user || system) {
        console.log(
          `  ${tid}${Number(tid) === child.pid ? ' (main)' : ''}: ${perRequest(
            user
          )} / ${perRequest(system)}`
        )
      }
    }
  } finally {
    if (driver === 'database' && child.exitCode === null) {
      await dropTable(server).catch((error) => process.stderr.write(`${error.message}\n`))
    }
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGUSR2')
    await exited
  }

  const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'))
  const times = selfTimes(JSON.parse(readFileSync(join(profileDir, file), 'utf8')))
  console.log(`Self time, share of the whole profile incl. warm-up (${join(profileDir, file)}):`)
  const total = [...times.values()].reduce((sum, us) => sum + us, 0)
  const ranked = [...times].sort((a, b) => b[1] - a[1]).slice(0, 30)
  for (const [name, us] of ranked) {
    console.log(`  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${name}`)
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error.message}\n`)
  process.exit(1)
})
