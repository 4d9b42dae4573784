/*
 * @adonisjs/session
 */

import * as fs from 'fs'
import { dirname, join } from 'path'
import { hostname } from 'os'
import { closeQuietly, unlinkExisting, writeAll } from './sync'

/**
 * A lock file that names no holder (a process died in the instant between
 * creating it and writing its holder line, or between writing a new session
 * into it and renaming it) is removed once older than this
 */
export const STALE_LOCK_MS = 30_000

const HOLDER_TAG = 'adonis-session-lock'

/**
 * A holder's line is shorter than this
 */
const MAX_HOLDER_LINE = 512

/**
 * The lock file of a session: `<location>/<id>.lock`
 */
export function lockPathFor(location: string, sessionId: string) {
  return join(location, `${sessionId}.lock`)
}

function readOrEmpty(path: string) {
  try {
    return fs.readFileSync(path, 'latin1').trim()
  } catch {
    return ''
  }
}

/**
 * When the process started, in clock ticks since boot (Linux), to tell a
 * process from a later one that got the same pid
 */
function startTimeOf(pid: number) {
  const stat = readOrEmpty(`/proc/${pid}/stat`)
  return stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] || '-' : '-'
}

function isRunning(pid: number) {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return error.code !== 'ESRCH'
  }
}

/**
 * Who holds the locks this worker takes: its process (pid, start time),
 * the machine (host name, boot id) and the worker itself. A lock is taken
 * over only when its holder is provably gone: its machine rebooted, its
 * process no longer runs, or it is a worker of this process known to have
 * died. A holder that is alive, frozen or stalled keeps its lock however
 * long it takes; so does one on another host, which cannot be checked.
 */
export class LockOwner {
  public readonly line: Buffer
  private host = encodeURIComponent(hostname())
  private boot = readOrEmpty('/proc/sys/kernel/random/boot_id') || '-'

  constructor(private worker: string, private deadWorkers: string[] = []) {
    const fields = [HOLDER_TAG, process.pid, startTimeOf(process.pid), this.boot, this.host, worker]
    this.line = Buffer.from(`${fields.join(' ')}\n`)
  }

  /**
   * Is the holder named by a lock file's text gone? undefined when the text
   * names no holder
   */
  public isGone(text: string): boolean | undefined {
    const [tag, pidText, start, boot, host, worker] = text.split(' ')
    const pid = Number(pidText)
    if (tag !== HOLDER_TAG || !Number.isInteger(pid) || !worker) {
      return undefined
    }
    if (host !== this.host) {
      return false
    }
    if (boot !== '-' && this.boot !== '-' && boot !== this.boot) {
      return true
    }
    if (pid === process.pid) {
      return worker !== this.worker && this.deadWorkers.includes(worker)
    }
    return !isRunning(pid) || (start !== '-' && ![start, '-'].includes(startTimeOf(pid)))
  }
}

/**
 * Remove a lock file whose holder is gone: 'removed' when this call
 * removed it, 'missing' when it is gone already, 'held' while its holder
 * may still be at work
 */
export function removeIfStale(path: string, owner: LockOwner): 'removed' | 'missing' | 'held' {
  try {
    const gone = owner.isGone(readHolder(path))
    if (gone === false || (gone === undefined && !isOld(path))) {
      return 'held'
    }
    return unlinkExisting(path) ? 'removed' : 'missing'
  } catch (error) {
    if (error.code === 'ENOENT') {
      return 'missing'
    }
    throw error
  }
}

/**
 * The first line of a lock file
 */
function readHolder(path: string) {
  const fd = fs.openSync(path, 'r')
  try {
    const buffer = Buffer.alloc(MAX_HOLDER_LINE)
    const bytesRead = fs.readSync(fd, buffer, 0, buffer.length, 0)
    const text = buffer.toString('latin1', 0, bytesRead)
    return text.slice(0, Math.max(text.indexOf('\n'), 0))
  } finally {
    fs.closeSync(fd)
  }
}

function isOld(path: string) {
  return Date.now() - fs.statSync(path).mtimeMs >= STALE_LOCK_MS
}

/**
 * The lock of a session file: `<id>.lock`, created with O_EXCL, which holds
 * across processes. Synchronous, for the file worker's thread. The lock
 * file doubles as the next content of a write that replaces the session
 * file by rename.
 */
export class FileLock {
  /**
   * The descriptor is open / the lock file is this holder's: each ends
   * once, so a second release cannot close or remove someone else's
   */
  private open = true
  private owned = true

  private constructor(public readonly fd: number, public readonly path: string) {}

  /**
   * Take the lock when it is free, removing a stale one first and making
   * the directory when missing; null while another holder has it
   */
  public static acquire(path: string, owner: LockOwner): FileLock | null {
    let madeDirectory = false
    let removedStale = false
    for (;;) {
      try {
        return new FileLock(FileLock.create(path, owner), path)
      } catch (error) {
        if (error.code === 'ENOENT' && !madeDirectory) {
          madeDirectory = true
          fs.mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
          continue
        }
        if (error.code !== 'EEXIST') {
          throw error
        }
        if (removedStale || removeIfStale(path, owner) === 'held') {
          return null
        }
        removedStale = true
      }
    }
  }

  /**
   * A new lock file (readable by this user only, as it may become the
   * session file) with the holder's line in it
   */
  private static create(path: string, owner: LockOwner): number {
    const fd = fs.openSync(path, 'wx', 0o600)
    try {
      writeAll(fd, owner.line)
      return fd
    } catch (error) {
      closeQuietly(fd)
      unlinkExisting(path)
      throw error
    }
  }

  /**
   * Write `contents` into the lock file (over the holder's line) and rename
   * it over `target`: the lock ends with the rename
   */
  public replace(target: string, contents: Buffer) {
    writeAll(this.fd, contents)
    if (contents.length < MAX_HOLDER_LINE) {
      fs.ftruncateSync(this.fd, contents.length)
    }
    this.open = false
    fs.closeSync(this.fd)
    fs.renameSync(this.path, target)
    this.owned = false
  }

  /**
   * Give the lock up; does nothing the second time. Quiet, since it runs
   * in cleanup, where the write's own outcome is what gets reported.
   */
  public release() {
    if (this.open) {
      this.open = false
      closeQuietly(this.fd)
    }
    if (this.owned) {
      this.owned = false
      try {
        unlinkExisting(this.path)
      } catch {}
    }
  }
}
