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

function mainTable(results, settings) {
  const groups = group(results)
  const rows = [
    '| driver | route | req/s ours / orig | ours ÷ orig | ÷ floor ours / orig | p99 ms ours / orig | CPU µs/req ours / orig | Redis cmds/req ours / orig | file writes/req ours / orig | intact ours / orig | errors ours / orig |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ]
  for (const driver of settings.drivers) {
    for (const route of settings.routes.filter((name) => name !== 'contention')) {
      const ours = groups.get(`${driver}|${route}|ours`) || []
      const original = groups.get(`${driver}|${route}|original`) || []
      const floor = groups.get(`floor|${floorRoute(route)}|floor`) || []
      if (!ours.length && !original.length) {
        continue
      }
      const rps = (result) => result.rps
      const cell = (list, metric, digits) => fmt(median(list.map(metric)), digits)
      const cells = [
        driver,
          route,
          pair(cell(ours, rps), cell(original, rps)),
          fmt(pairedRatio(ours, original, rps), 2),
          pair(fmt(pairedRatio(ours, floor, rps), 2), fmt(pairedRatio(original, floor, rps), 2)),
          pair(cell(ours, (r) => r.p99Ms, 1), cell(original, (r) => r.p99Ms, 1)),
          pair(cell(ours, (r) => r.cpuUsPerReq), cell(original, (r) => r.cpuUsPerReq)),
          driver === 'redis'
            ? pair(cell(ours, (r) => r.redisPerReq, 2), cell(original, (r) => r.redisPerReq, 2))
            : '–',
          driver === 'file'
            ? pair(cell(ours, (r) => r.fileWritesPerReq, 2), cell(original, (r) => r.fileWritesPerReq, 2))
            : '–',
          pair(intactLabel(ours), intactLabel(original)),
          pair(sum(ours, (r) => r.errors), sum(original, (r) => r.errors)),
      ]
      rows.push(`| ${cells.join(' | ')} |`)
    }
  }
  return rows.join('\n')
}

function floorTable(results) {
  const groups = group(results.filter((result) => result.pkg === 'floor'))
  const rows = ['| route | req/s | p99 ms | CPU µs/req | errors |', '| --- | --- | --- | --- | --- |']
  for (const [key, list] of groups) {
    const route = key.split('|')[1]
    rows.push(
      `| ${route} | ${fmt(median(list.map((r) => r.rps)))} | ${fmt(median(list.map((r) => r.p99Ms)), 1)} | ` +
        `${fmt(median(list.map((r) => r.cpuUsPerReq)))} | ${sum(list, (r) => r.errors)} |`
    )
  }
  return rows.join('\n')
}

function contentionTable(results, settings) {
  const groups = group(results)
  const rows = [
    '| driver | req/s ours / orig | p99 ms ours / orig | 2xx ours / orig | applied ours / orig | lost updates ours / orig | errors ours / orig | intact ours / orig |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ]
  for (const driver of settings.drivers) {
    const ours = groups.get(`${driver}|contention|ours`) || []
    const original = groups.get(`${driver}|contention|original`) || []
    if (!ours.length && !original.length) {
      continue
    }
    const lost = (list) =>
      driver === 'cookie' ? 'n/a' : fmt(median(list.map((r) => Math.max(0, r.ok - r.applied))))
    const cell = (list, metric, digits) => fmt(median(list.map(metric)), digits)
    rows.push(
      `| ${driver} | ${pair(cell(ours, (r) => r.rps), cell(original, (r) => r.rps))} | ` +
        `${pair(cell(ours, (r) => r.p99Ms, 1), cell(original, (r) => r.p99Ms, 1))} | ` +
        `${pair(cell(ours, (r) => r.ok), cell(original, (r) => r.ok))} | ` +
        `${driver === 'cookie' ? 'n/a' : pair(cell(ours, (r) => r.applied), cell(original, (r) => r.applied))} | ` +
        `${pair(lost(ours), lost(original))} | ` +
        `${pair(sum(ours, (r) => r.errors), sum(original, (r) => r.errors))} | ` +
        `${pair(intactLabel(ours), intactLabel(original))} |`
    )
  }
  return rows.join('\n')
}

/**
 * Per-request breakdown of Redis commands and file events, medians over reps.
 */
function detailsTable(results) {
  const rows = ['| cell | Redis commands per request | file events per request |', '| --- | --- | --- |']
  const groups = group(results.filter((r) => r.driver === 'redis' || r.driver === 'file'))
  for (const [key, list] of groups) {
    const breakdown = (field) => {
      const names = [...new Set(list.flatMap((r) => Object.keys(r[field] || {})))].sort()
      return (
        names
          .map((name) => `${name} ${fmt(median(list.map((r) => (r[field][name] || 0) / r.requests)), 2)}`)
          .join(', ') || '–'
      )
    }
    rows.push(`| ${key.replace(/\|/g, ' ')} | ${breakdown('redisCommands')} | ${breakdown('fileEvents')} |`)
  }
  return rows.join('\n')
}

function renderReport({ results, settings, meta }) {
  const sections = [
    `# Session benchmark: ours vs @adonisjs/session@6.4.0`,
    '',
    `Run ${meta.date} on ${meta.machine}.`,
    '',
    `- ours: ${meta.ours}; orig: ${meta.original}`,
    `- ${settings.duration} s per cell after ${settings.warmup} s warm-up, ${settings.reps} repetitions (medians), ${settings.connections} connections, wrk ${meta.wrk}, Node ${process.version}, Redis ${meta.redis} db ${settings.redisDb}`,
    `- drivers: ${settings.drivers.join(', ')}; routes: ${settings.routes.join(', ')}; wall time ${meta.wallMinutes} min`,
  ]
  if (!meta.isDefault) {
    sections.push(`- **Not the default run** (short or partial settings): for harness checks only, not for conclusions.`)
  }
  if (meta.standIn) {
    sections.push(`- **Stand-in**: the "ours" slot holds @adonisjs/session@6.4.0 too (BENCH_OURS=original).`)
  }
  sections.push('', mainTable(results, settings))
  if (results.some((r) => r.route === 'contention')) {
    sections.push('', '## Contention: all connections increment one session', '', contentionTable(results, settings))
  }
  if (results.some((r) => r.pkg === 'floor')) {
    sections.push('', '## Floor: sessions disabled (`enabled: false`)', '', floorTable(results))
  }
  if (results.some((r) => r.driver === 'redis' || r.driver === 'file')) {
    sections.push('', '## Per-request breakdown', '', detailsTable(results))
  }
  return sections.join('\n') + '\n'
}

module.exports = { renderReport, median }
