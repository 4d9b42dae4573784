/*
 * Turns the per-repetition cell results into the markdown report: medians over
 * repetitions, ratios computed per repetition (paired) and then medianed.
 */

function median(values) {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b)
  if (!sorted.length) {
    return NaN
  }
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

function fmt(value, digits = 0) {
  if (!Number.isFinite(value)) {
    return 'n/a'
  }
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  })
}

function pair(ours, original) {
  return `${ours} / ${original}`
}

/**
 * Index results as key(driver, route, pkg) -> [result per rep].
 */
function group(results) {
  const groups = new Map()
  for (const result of results) {
    const key = `${result.driver}|${result.route}|${result.pkg}`
    groups.set(key, [...(groups.get(key) || []), result])
  }
  return groups
}

function floorRoute(route) {
  return route === 'read-shared' ? 'read' : route
}

/**
 * Median of a per-repetition ratio between two result lists, paired by rep.
 */
function pairedRatio(top, bottom, metric) {
  return median(
    top.map((result) => {
      const match = bottom.find((other) => other.rep === result.rep)
      return match ? metric(result) / metric(match) : NaN
    })
  )
}

function intactLabel(list) {
  const broken = list.filter((result) => result.intact !== 'yes')
  return broken.length ? `no (${broken.length}/${list.length}: ${broken[0].intact})` : 'yes'
}

function sum(list, metric) {
  return list.reduce((total, result) => total + metric(result), 0)
}

/**
 * Median Redis commands per request, starred when another client was busy on the
 * same Redis during one of the repetitions (its commands are counted too).
 */
function redisCell(list) {
  const value = fmt(median(list.map((r) => r.redisPerReq)), 2)
  return list.some((r) => r.redisForeign > 0) ? `${value}*` : value
}

const MAIN_HEADER = [
  'driver',
  'route',
  'req/s ours / orig',
  'ours ÷ orig',
  '÷ floor ours / orig',
  'p99 ms ours / orig',
  'CPU µs/req ours / orig',
  'Redis cmds/req ours / orig',
  'Redis CPU µs/req ours / orig',
  'file writes/req ours / orig',
  'intact ours / orig',
  'errors ours / orig',
]

/**
 * "ours / orig" of the median of `metric` over each side's repetitions.
 */
function medians(ours, original, metric, digits = 0) {
  const one = (list) => fmt(median(list.map(metric)), digits)
  return pair(one(ours), one(original))
}

/**
 * The cells of one driver × route row of the main table.
 */
function mainRow(driver, route, ours, original, floor) {
  const rps = (result) => result.rps
  return [
    driver,
    route,
    medians(ours, original, rps),
    fmt(pairedRatio(ours, original, rps), 2),
    pair(fmt(pairedRatio(ours, floor, rps), 2), fmt(pairedRatio(original, floor, rps), 2)),
    medians(ours, original, (r) => r.p99Ms, 1),
    medians(ours, original, (r) => r.cpuUsPerReq),
    driver === 'redis' ? pair(redisCell(ours), redisCell(original)) : '–',
    driver === 'redis' ? medians(ours, original, (r) => r.redisCpuUsPerReq, 1) : '–',
    driver === 'file' ? medians(ours, original, (r) => r.fileWritesPerReq, 2) : '–',
    pair(intactLabel(ours), intactLabel(original)),
    pair(
      sum(ours, (r) => r.errors),
      sum(original, (r) => r.errors)
    ),
  ]
}

function mainTable(results, settings) {
  const groups = group(results)
  const rows = [MAIN_HEADER, MAIN_HEADER.map(() => '---')]
  for (const driver of settings.drivers) {
    for (const route of settings.routes.filter((name) => name !== 'contention')) {
      const ours = groups.get(`${driver}|${route}|ours`) || []
      const original = groups.get(`${driver}|${route}|original`) || []
      const floor = groups.get(`${driver}|${route}|floor`) || []
      if (ours.length || original.length) {
        rows.push(mainRow(driver, route, ours, original, floor))
      }
    }
  }
  return rows.map((cells) => `| ${cells.join(' | ')} |`).join('\n')
}

/**
 * The floor per route, over every group it ran in (each driver, each repetition;
 * read-shared's floor cells are the floor's read).
 */
function floorTable(results) {
  const byRoute = new Map()
  for (const result of results.filter((r) => r.pkg === 'floor')) {
    const route = floorRoute(result.route)
    byRoute.set(route, [...(byRoute.get(route) || []), result])
  }
  const rows = [
    ['route', 'req/s', 'p99 ms', 'CPU µs/req', 'cells', 'errors'],
    ['---', '---', '---', '---', '---', '---'],
  ]
  for (const [route, list] of byRoute) {
    const one = (metric, digits = 0) => fmt(median(list.map(metric)), digits)
    rows.push([
      route,
      one((r) => r.rps),
      one((r) => r.p99Ms, 1),
      one((r) => r.cpuUsPerReq),
      list.length,
      sum(list, (r) => r.errors),
    ])
  }
  return rows.map((cells) => `| ${cells.join(' | ')} |`).join('\n')
}

const CONTENTION_HEADER = [
  'driver',
  'req/s ours / orig',
  'p99 ms ours / orig',
  '2xx ours / orig',
  'applied ours / orig',
  'lost updates ours / orig',
  'errors ours / orig',
  'intact ours / orig',
]

/**
 * The cells of one driver's contention row. Lost updates are 2xx responses whose
 * increment is not in the store; the cookie driver's store is the replayed cookie,
 * so it has none to lose.
 */
function contentionRow(driver, ours, original) {
  const serverSide = driver !== 'cookie'
  const lost = (r) => Math.max(0, r.ok - r.applied)
  return [
    driver,
    medians(ours, original, (r) => r.rps),
    medians(ours, original, (r) => r.p99Ms, 1),
    medians(ours, original, (r) => r.ok),
    serverSide ? medians(ours, original, (r) => r.applied) : 'n/a',
    serverSide ? medians(ours, original, lost) : 'n/a',
    pair(
      sum(ours, (r) => r.errors),
      sum(original, (r) => r.errors)
    ),
    pair(intactLabel(ours), intactLabel(original)),
  ]
}

function contentionTable(results, settings) {
  const groups = group(results)
  const rows = [CONTENTION_HEADER, CONTENTION_HEADER.map(() => '---')]
  for (const driver of settings.drivers) {
    const ours = groups.get(`${driver}|contention|ours`) || []
    const original = groups.get(`${driver}|contention|original`) || []
    if (ours.length || original.length) {
      rows.push(contentionRow(driver, ours, original))
    }
  }
  return rows.map((cells) => `| ${cells.join(' | ')} |`).join('\n')
}

const DATABASE_HEADER = [
  'route',
  'req/s database / redis',
  'database ÷ redis',
  'p99 ms database / redis',
  'CPU µs/req database / redis',
  'SQL statements/req',
  'statements by kind',
  'intact',
  'errors',
]

/**
 * 6.4 has no database driver: each database row sets ours on PostgreSQL against
 * ours on redis in the same repetitions (paired ratio)
 */
function databaseTable(results, settings) {
  const groups = group(results)
  const rows = [DATABASE_HEADER, DATABASE_HEADER.map(() => '---')]
  for (const route of settings.routes) {
    const database = groups.get(`database|${route}|ours`) || []
    const redis = groups.get(`redis|${route}|ours`) || []
    if (!database.length) {
      continue
    }
    const rps = (result) => result.rps
    rows.push([
      route,
      medians(database, redis, rps),
      fmt(pairedRatio(database, redis, rps), 2),
      medians(database, redis, (r) => r.p99Ms, 1),
      medians(database, redis, (r) => r.cpuUsPerReq),
      fmt(median(database.map((r) => r.dbQueriesPerReq)), 2),
      breakdown(database, 'dbQueries', (r) => r.received),
      intactLabel(database),
      sum(database, (r) => r.errors),
    ])
  }
  return rows.map((cells) => `| ${cells.join(' | ')} |`).join('\n')
}

/**
 * `name value` pairs of one counter field (redisCommands, fileOps or dbQueries) per request,
 * medians over repetitions, leaving out what rounds to zero.
 */
function breakdown(list, field, perRequest) {
  const names = [...new Set(list.flatMap((r) => Object.keys(r[field] || {})))].sort()
  const value = (name) => median(list.map((r) => (r[field][name] || 0) / perRequest(r)))
  const shown = names.filter((name) => name !== 'requests' && value(name) >= 0.005)
  return shown.map((name) => `${name} ${fmt(value(name), 2)}`).join(', ') || '–'
}

function detailsTable(results) {
  const rows = [
    ['cell', 'Redis commands per request', 'file-system calls per request (strace sample)'],
    ['---', '---', '---'],
  ]
  const detailed = (r) => r.pkg !== 'floor' && (r.driver === 'redis' || r.driver === 'file')
  const groups = group(results.filter(detailed))
  for (const [key, list] of groups) {
    rows.push([
      key.replace(/\|/g, ' '),
      breakdown(list, 'redisCommands', (r) => r.received),
      breakdown(list, 'fileOps', (r) => r.fileOps.requests),
    ])
  }
  return rows.map((cells) => `| ${cells.join(' | ')} |`).join('\n')
}

/**
 * The lines under the title: when, where, what was compared and how.
 */
function header(settings, meta) {
  const lines = [
    `Run ${meta.date} on ${meta.machine}.`,
    '',
    `- ours: ${meta.ours}; orig: ${meta.original}`,
    `- ${settings.duration} s per cell after ${settings.warmup} s warm-up` +
      (settings.sliceSeconds
        ? ` (ours and orig in alternating slices of ${settings.sliceSeconds} s), `
        : ', ') +
      `${settings.reps} repetitions (medians), ${settings.connections} connections, ` +
      `wrk ${meta.wrk}, Node ${process.version}, Redis ${meta.redis} db ${settings.redisDb}`,
    `- drivers: ${settings.drivers.join(', ')}; routes: ${settings.routes.join(', ')}; ` +
      `wall time ${meta.wallMinutes} min`,
  ]
  if (!meta.isDefault) {
    lines.push(
      '- **Not the default run** (short or partial settings): for checks, not conclusions.'
    )
  }
  if (settings.varyCookie === false) {
    lines.push(
      '- `varyCookie: false` (BENCH_VARY_COOKIE=0): the one new option that changes responses is off.'
    )
  }
  if (settings.base) {
    lines.push(
      '- **A/B**: the orig columns hold the base build (BENCH_BASE), not 6.4; "ours ÷ orig" is this build ÷ the base.'
    )
  }
  if (meta.standIn) {
    lines.push(
      '- **Stand-in**: the ours slot holds @adonisjs/session@6.4.0 too (BENCH_OURS=original).'
    )
  }
  return lines
}

function renderReport({ results, settings, meta }) {
  const has = (predicate) => results.some(predicate)
  const title = settings.base
    ? '# Session benchmark: this build vs a base build (A/B)'
    : '# Session benchmark: ours vs @adonisjs/session@6.4.0'
  const sections = [title, '']
  sections.push(...header(settings, meta), '', mainTable(results, settings))
  if (has((r) => r.redisForeign > 0 && r.route !== 'contention')) {
    sections.push('', FOREIGN_NOTE)
  }
  if (has((r) => r.route === 'contention')) {
    const title = '## Contention: all connections increment one session'
    sections.push('', title, '', contentionTable(results, settings))
  }
  if (has((r) => r.driver === 'database')) {
    const title = '## Database driver (PostgreSQL, no 6.4 counterpart): ours ÷ ours on redis'
    sections.push('', title, '', databaseTable(results, settings))
  }
  if (has((r) => r.pkg === 'floor')) {
    const title = '## Floor: sessions disabled (`enabled: false`), medians over all its cells'
    sections.push('', title, '', floorTable(results))
  }
  if (has((r) => r.driver === 'redis' || r.driver === 'file')) {
    sections.push('', '## Per-request breakdown', '', detailsTable(results))
  }
  return sections.join('\n') + '\n'
}

const FOREIGN_NOTE =
  '\\* Another Redis client was active during the cell: its commands are in these counts ' +
  '(`BENCH_REDIS_SPAWN=1` gives the run a Redis of its own).'

module.exports = { renderReport, median }
