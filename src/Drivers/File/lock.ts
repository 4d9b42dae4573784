/*
 * @adonisjs/session
 */

import * as fs from 'fs'
import { dirname, join } from 'path'
import { hostname } from 'os'
import { randomBytes } from 'crypto'
import { closeQuietly, unlinkExisting, writeAll } from './sync'

/**
 * A lock file that names no holder (left by an earlier version of the
 * package, whose lock files were created empty and could hold a new
 * content) is removed once older than this
 */
export const STALE_LOCK_MS = 30_000

const HOLDER_TAG = 'adonis-session-lock'

/**
 * A worker's holder file, which its lock files are links to
 */
export const HOLDER_SUFFIX = '.holder'

/**
 * A lock file: `<id>.lock` beside the session file, `<hash>.lock` beside a
 * user's index
 */
export const LOCK_SUFFIX = '.lock'

/**
 * The new content of a session file replaced whole, written under its lock
 * beside it: `<id>.lock.next`
 */
export const NEXT_SUFFIX = `${LOCK_SUFFIX}.next`

/**
 * A holder's line is shorter than this
 */
const MAX_HOLDER_LINE = 512

/**
 * The lock file of a session: `<location>/<id>.lock`
 */
export function lockPathFor(location: string, sessionId: string) {
  return join(location, `${sessionId}${LOCK_SUFFIX}`)
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
 *
 * The holder's line is written once per directory, into a holder file
 * that every lock of this worker there is a hard link to: taking a lock is
 * then one `link()`, with no inode, no data block and no write of its own,
 * and reading a lock file gives its holder's line.
 */
export class LockOwner {
  public readonly line: Buffer
  private host = encodeURIComponent(hostname())
  private boot = readOrEmpty('/proc/sys/kernel/random/boot_id') || '-'
  private holders = new Map<string, string>()

  constructor(private worker: string, private deadWorkers: string[] = []) {
    const fields = [HOLDER_TAG, process.pid, startTimeOf(process.pid), this.boot, this.host, worker]
    this.line = Buffer.from(`${fields.join(' ')}\n`)
  }

  /**
   * This worker's holder file in `directory`, created on first use under a
   * name no other holder has, so that no earlier holder's locks ever read
   * as this one's
   */
  public holderIn(directory: string): string {
    const known = this.holders.get(directory)
    if (known) {
      return known
    }
    const name = `.${process.pid}-${randomBytes(6).toString('hex')}${HOLDER_SUFFIX}`
    const path = join(directory, name)
    const fd = fs.openSync(path, 'wx', 0o600)
    try {
      writeAll(fd, this.line)
    } catch (error) {
      unlinkExisting(path)
      throw error
    } finally {
      closeQuietly(fd)
    }
    this.holders.set(directory, path)
    return path
  }

  /**
   * The holder file in `directory` is gone (the directory was emptied or
   * made anew): the next lock creates another
   */
  public forget(directory: string) {
    this.holders.delete(directory)
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
 * The lock of a session file: `<id>.lock`, a hard link to its holder's
 * file, made with `link()`, which fails when the name exists and so holds
 * across processes. Synchronous, for the file worker's thread.
 */
export class FileLock {
  /**
   * The lock file is this holder's: it is removed once, so a second
   * release cannot remove someone else's
   */
  private owned = true

  private constructor(public readonly path: string) {}

  /**
   * Take the lock when it is free, removing a stale one first and making
   * the directory (and the holder file) when missing; null while another
   * holder has it
   */
  public static acquire(path: string, owner: LockOwner): FileLock | null {
    const directory = dirname(path)
    let madeDirectory = false
    let removedStale = false
    for (;;) {
      try {
        fs.linkSync(owner.holderIn(directory), path)
        return new FileLock(path)
      } catch (error) {
        if (error.code === 'ENOENT' && !madeDirectory) {
          madeDirectory = true
          owner.forget(directory)
          fs.mkdirSync(directory, { recursive: true, mode: 0o700 })
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
   * Replace `target` whole with `contents`, through a file of its own
   * (readable by this user only) renamed over it, then give the lock up
   */
  public replace(target: string, contents: Buffer) {
    const next = `${this.path.slice(0, -LOCK_SUFFIX.length)}${NEXT_SUFFIX}`
    try {
      const fd = fs.openSync(next, 'w', 0o600)
      try {
        writeAll(fd, contents)
      } finally {
        fs.closeSync(fd)
      }
      fs.renameSync(next, target)
    } catch (error) {
      unlinkExisting(next)
      throw error
    }
    this.release()
  }

  /**
   * Give the lock up; does nothing the second time. Quiet, since it runs
   * in cleanup, where the write's own outcome is what gets reported.
   */
  public release() {
    if (this.owned) {
      this.owned = false
      try {
        unlinkExisting(this.path)
      } catch {}
    }
  }
}
