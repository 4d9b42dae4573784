/*
 * Measurements taken around a cell: server CPU time, Redis command counts and
 * file-system writes in the file driver's session folder.
 */
const { execFileSync, spawn } = require('child_process')
const { readFileSync } = require('fs')
const { stopChild, track } = require('./server')

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim())

/**
 * utime + stime of the whole process (every thread: JS, libuv pool, GC), in µs.
 * Fields 14 and 15 of /proc/<pid>/stat, counted after the parenthesised name.
 */
function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS
}

/**
 * Commands that only the harness issues, left out of the per-request counts.
 */
const HARNESS_COMMANDS = /^(info|command|ping|flushdb|select|hello|client)/

function redisCli(port, db, args) {
  return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '-n', String(db), ...args], {
    timeout: 10000,
  }).toString()
}

/**
 * `INFO commandstats` as { command: calls }. The counters are server wide (all
 * dbs, all clients), which is why README recommends an otherwise idle Redis.
 */
function redisCommandStats(port, db) {
  const stats = {}
  for (const line of redisCli(port, db, ['INFO', 'commandstats']).split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line)
    if (match && !HARNESS_COMMANDS.test(match[1])) {
      stats[match[1]] = Number(match[2])
    }
  }
  return stats
}

function diffStats(before, after) {
  const delta = {}
  for (const [name, calls] of Object.entries(after)) {
    const diff = calls - (before[name] || 0)
    if (diff > 0) {
      delta[name] = diff
    }
  }
  return delta
}

function flushRedisDb(port, db) {
  const reply = redisCli(port, db, ['FLUSHDB']).trim()
  if (reply !== 'OK') {
    throw new Error(`FLUSHDB on db ${db} answered "${reply}"`)
  }
}

/**
 * Watches `dir` with inotify and counts, per event kind, what happens to files in
 * it: CLOSE_WRITE is "a file opened for writing was closed", i.e. one file write.
 * OPEN is subscribed too so that two writes of the same file are never adjacent
 * in the queue, where the kernel would merge them into one event.
 */
function watchFiles(dir) {
  const child = track(
    spawn('inotifywait', ['-m', '-r', '-e', 'open,close_write,moved_to,create,delete', '--format', '%e', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  )
  const counts = {}
  let pending = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk) => {
    const lines = (pending + chunk).split('\n')
    pending = lines.pop()
    for (const line of lines) {
      for (const kind of line.split(',')) {
        counts[kind] = (counts[kind] || 0) + 1
      }
    }
  })
  const ready = new Promise((resolve, reject) => {
    let stderr = ''
    const timer = setTimeout(() => reject(new Error('inotifywait did not start')), 10000)
    child.stderr.on('data', (chunk) => {
      stderr += chunk
      if (stderr.includes('Watches established')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.on('exit', () => reject(new Error(`inotifywait exited: ${stderr.trim()}`)))
  })
  return {
    ready,
    async stop() {
      await new Promise((resolve) => setTimeout(resolve, 300))
      await stopChild(child)
      return { ...counts, overflow: Boolean(counts.Q_OVERFLOW) }
    },
  }
}

module.exports = { cpuMicros, redisCommandStats, diffStats, flushRedisDb, watchFiles, redisCli }
