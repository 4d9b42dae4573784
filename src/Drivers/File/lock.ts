/*
 * @adonisjs/session
 */

import * as fs from 'fs'
import { dirname, join } from 'path'
import { closeQuietly, unlinkExisting, writeAll } from './sync'

/**
 * A lock file older than this belongs to a process that died mid-write and
 * is removed, by a writer and by the sweeper alike. A writer stalled for
 * longer (a hung disk) could lose its lock that way; a write takes
 * milliseconds, so the margin is wide.
 */
export const STALE_LOCK_MS = 30_000

/**
 * The lock file of a session: `<location>/<id>.lock`
 */
export function lockPathFor(location: string, sessionId: string) {
  return join(location, `${sessionId}.lock`)
}

/**
 * Remove a lock file left by a dead process: 'removed' when this call
 * removed it, 'missing' when it is gone already, 'fresh' while it may
 * still belong to a live writer
 */
export function removeIfStale(path: string): 'removed' | 'missing' | 'fresh' {
  try {
    if (Date.now() - fs.statSync(path).mtimeMs < STALE_LOCK_MS) {
      return 'fresh'
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
  public static acquire(path: string): FileLock | null {
    let madeDirectory = false
    let removedStale = false
    for (;;) {
      try {
        return new FileLock(fs.openSync(path, 'wx'), path)
      } catch (error) {
        if (error.code === 'ENOENT' && !madeDirectory) {
          madeDirectory = true
          fs.mkdirSync(dirname(path), { recursive: true })
          continue
        }
        if (error.code !== 'EEXIST') {
          throw error
        }
        if (removedStale || removeIfStale(path) === 'fresh') {
          return null
        }
        removedStale = true
      }
    }
  }

  /**
   * Write `contents` into the lock file and rename it over `target`: the
   * lock ends with the rename
   */
  public replace(target: string, contents: Buffer) {
    writeAll(this.fd, contents)
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
