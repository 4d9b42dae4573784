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
 * Waits until the server has burnt no CPU for 100 ms (at most 3 s): requests that
 * wrk abandoned when its time ran out are still being committed right after it
 * exits, and a check racing them would measure the harness, not the package.
 */
async function settle(pid) {
  const deadline = Date.now() + 3000
  let last = cpuMicros(pid)
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    const now = cpuMicros(pid)
    if (now === last) {
      return
    }
    last = now
  }
}

/**
 * Commands that only the harness issues, left out of the per-request counts.
 */
const HARNESS_COMMANDS = /^(info|command|ping|flushdb|select|hello|client)/

function redisCli(port, db, args) {
  return execFileSync(
    'redis-cli',
    ['-h', '127.0.0.1', '-p', String(port), '-n', String(db), ...args],
    {
      timeout: 10000,
    }
  ).toString()
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

/**
 * CPU time (user + system, µs) the Redis server has used since it started,
 * from `INFO cpu`: server wide, like the command counters
 */
function redisCpuMicros(port, db) {
  const info = redisCli(port, db, ['INFO', 'cpu'])
  const field = (name) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)[1])
  return Math.round((field('used_cpu_user') + field('used_cpu_sys')) * 1e6)
}

/**
 * Clients other than the apps' ("session-bench") and this very query that ran a
 * command in the last `seconds`: their commands are in the commandstats deltas too.
 */
function foreignRedisClients(port, db, seconds) {
  return redisCli(port, db, ['CLIENT', 'LIST'])
    .split('\n')
    .filter((line) => line.startsWith('id='))
    .map((line) => Object.fromEntries(line.split(' ').map((pair) => pair.split('='))))
    .filter((client) => client.name !== 'session-bench' && !client.cmd.startsWith('client'))
    .filter((client) => Number(client.idle) <= seconds).length
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
 * Starts a private, memory-only redis-server on 127.0.0.1:`port` (BENCH_REDIS_SPAWN=1)
 * so that nobody else's commands end up in the commandstats deltas.
 */
async function spawnRedis(port) {
  if (isRedisUp(port)) {
    throw new Error(`BENCH_REDIS_SPAWN=1 but something already answers on port ${port}`)
  }
  const child = track(
    spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      }
    )
  )
  const deadline = Date.now() + 10000
  while (Date.now() < deadline && child.exitCode === null) {
    if (isRedisUp(port)) {
      return child
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`could not start redis-server on port ${port}`)
}

function isRedisUp(port) {
  try {
    return redisCli(port, 0, ['PING']).trim() === 'PONG'
  } catch {
    return false
  }
}

/**
 * Attaches strace to every thread of `pid` (libuv runs file I/O on its thread pool)
 * and records the file-system calls that touch `dir`. Resolves once attached; the
 * returned stop() detaches and counts them. Tracing slows the server down a lot,
 * which is why it only runs during a separate, short sample and never while a
 * measured cell is running.
 */
async function traceFileOps(pid, dir, outFile) {
  const calls =
    'openat,open,creat,rename,renameat,renameat2,unlink,unlinkat,link,linkat,mkdir,mkdirat,rmdir'
  const child = track(
    spawn(
      'strace',
      ['-f', '-e', `trace=${calls}`, '-e', 'signal=none', '-o', outFile, '-p', String(pid)],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      }
    )
  )
  await new Promise((resolve, reject) => {
    let stderr = ''
    const timer = setTimeout(() => reject(new Error('strace did not attach')), 10000)
    child.stderr.on('data', (chunk) => {
      stderr += chunk
      if (/attached/.test(stderr)) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.on('exit', () => reject(new Error(`strace exited: ${stderr.trim()}`)))
  })
  return {
    async stop() {
      await new Promise((resolve) => setTimeout(resolve, 200))
      await stopChild(child, 'SIGINT')
      return countFileOps(readFileSync(outFile, 'utf8'), dir)
    },
  }
}

/**
 * Counts strace lines naming a path inside `dir`. A split call ("<unfinished ...>"
 * then "<... resumed>") is counted once, on its first half, which holds the path.
 * Opens of `*.lock` and `*.lock.next` files (ours: the new content of a file that is
 * then renamed into place; lock files of builds before the hard-link locks) are
 * counted apart from opens of session files, and so are links (ours: a lock taken).
 */
function countFileOps(trace, dir) {
  const counts = {
    writeOpens: 0,
    readOpens: 0,
    lockOpens: 0,
    links: 0,
    renames: 0,
    unlinks: 0,
    mkdirs: 0,
    rmdirs: 0,
  }
  for (const line of trace.split('\n')) {
    if (!line.includes(dir) || / = -1 /.test(line)) {
      continue
    }
    const call = (/^\d+\s+(\w+)\(/.exec(line) || [])[1]
    if (call === 'openat' || call === 'open' || call === 'creat') {
      if (/\.lock(\.next)?"/.test(line)) {
        counts.lockOpens++
      } else if (/O_WRONLY|O_RDWR/.test(line) || call === 'creat') {
        counts.writeOpens++
      } else {
        counts.readOpens++
      }
    } else if (call && call.startsWith('rename')) {
      counts.renames++
    } else if (call && call.startsWith('link')) {
      counts.links++
    } else if (call && call.startsWith('unlink')) {
      counts.unlinks++
    } else if (call && call.startsWith('mkdir')) {
      counts.mkdirs++
    } else if (call === 'rmdir') {
      counts.rmdirs++
    }
  }
  return counts
}

module.exports = {
  foreignRedisClients,
  spawnRedis,
  settle,
  cpuMicros,
  redisCommandStats,
  redisCpuMicros,
  diffStats,
  flushRedisDb,
  traceFileOps,
  countFileOps,
  redisCli,
}
