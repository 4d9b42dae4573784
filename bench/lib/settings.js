/*
 * Benchmark settings, read once from the environment. Every knob has a default
 * that makes `npm run bench` the full, documented run.
 */
const ALL_DRIVERS = ['cookie', 'file', 'redis', 'database']
const ALL_ROUTES = ['none', 'read', 'read-shared', 'write', 'flash', 'contention']

/**
 * Parses a positive number from the environment, failing loudly on garbage so a
 * typo never silently turns into the default.
 */
function positive(name, fallback) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') {
    return fallback
  }
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${name} must be a positive number, got "${raw}"`)
  }
  return value
}

/**
 * Whole seconds (wrk takes no fractions); `allowZero` for the optional warm-up.
 */
function seconds(name, fallback, allowZero = false) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') {
    return fallback
  }
  const value = Number(raw)
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new Error(`${name} must be a whole number of seconds, got "${raw}"`)
  }
  return value
}

/**
 * Parses a comma separated subset of `allowed`.
 */
function subset(name, allowed) {
  const raw = process.env[name]
  if (!raw) {
    return allowed.slice()
  }
  const picked = raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
  const unknown = picked.filter((item) => !allowed.includes(item))
  if (unknown.length) {
    throw new Error(`${name}: unknown ${unknown.join(', ')} (allowed: ${allowed.join(', ')})`)
  }
  return allowed.filter((item) => picked.includes(item))
}

function readSettings() {
  const settings = {
    duration: seconds('BENCH_DURATION', 10),
    reps: Math.round(positive('BENCH_REPS', 3)),
    warmup: seconds('BENCH_WARMUP', 1, true),
    sliceSeconds: seconds('BENCH_SLICE_SECONDS', 2),
    traceSeconds: seconds('BENCH_TRACE_SECONDS', 2),
    connections: Math.round(positive('BENCH_CONNECTIONS', 50)),
    drivers: subset('BENCH_DRIVERS', ALL_DRIVERS),
    routes: subset('BENCH_ROUTES', ALL_ROUTES),
    floor: process.env.BENCH_FLOOR !== '0',
    ours: process.env.BENCH_OURS || 'pack',
    base: process.env.BENCH_BASE || '',
    varyCookie: process.env.BENCH_VARY_COOKIE !== '0',
    redisSpawn: process.env.BENCH_REDIS_SPAWN === '1',
    redisPort: Math.round(
      positive('BENCH_REDIS_PORT', process.env.BENCH_REDIS_SPAWN === '1' ? 6390 : 6379)
    ),
    redisDb: Number(process.env.BENCH_REDIS_DB || 5),
    portBase: Math.round(positive('BENCH_PORT_BASE', 3401)),
    maxMinutes: positive('BENCH_MAX_MINUTES', 55),
  }
  if (!Number.isInteger(settings.redisDb) || settings.redisDb < 1 || settings.redisDb > 15) {
    throw new Error('BENCH_REDIS_DB must be 1..15: the harness flushes it, so db 0 is refused')
  }
  return settings
}

/**
 * True when the run is the documented default, the only kind whose table is
 * copied into bench/README.md.
 */
function isDefaultRun(settings) {
  return (
    settings.duration === 10 &&
    settings.sliceSeconds === 2 &&
    settings.reps === 3 &&
    settings.connections === 50 &&
    settings.ours === 'pack' &&
    !settings.base &&
    settings.varyCookie &&
    settings.drivers.length === ALL_DRIVERS.length &&
    settings.routes.length === ALL_ROUTES.length
  )
}

module.exports = { readSettings, isDefaultRun, ALL_DRIVERS, ALL_ROUTES }
