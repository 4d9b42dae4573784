/*
 * @adonisjs/session
 */

import { promises as fs } from 'fs'

/**
 * A lock file older than this belongs to a process that died mid-write and
 * is removed. A writer stalled for longer (a hung disk) could lose its lock
 * that way; a write takes milliseconds, so the margin is wide.
 */
export const STALE_LOCK_MS = 30_000

/**
 * The lock of a session file as the sweeper takes it: `<id>.lock`, created
 * with O_EXCL, which holds across processes. The driver's writes take the
 * same lock on the file worker (fileWorker.ts), so a sweep never deletes a
 * file a write is working on.
 */
export class SessionFileLock {
  /**
   * The lock file is this holder's: unlinking it after a first release
   * could remove the lock another holder has taken since
   */
  private held = true

  private constructor(private handle: fs.FileHandle, public readonly path: string) {}

  /**
   * Take the lock when it is free, removing a stale one first; null while
   * another holder has it
   */
  public static async acquire(path: string): Promise<SessionFileLock | null> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        return new SessionFileLock(await fs.open(path, 'wx'), path)
      } catch (error) {
        if (error.code !== 'EEXIST') {
          throw error
        }
      }
      if (!(await removeIfStale(path))) {
        return null
      }
    }
    return null
  }

  /**
   * Release the lock; does nothing the second time
   */
  public async release() {
    if (!this.held) {
      return
    }
    this.held = false
    await this.handle.close().catch(() => {})
    await fs.unlink(this.path).catch(ignoreMissing)
  }
}

/**
 * For `.catch()` of a removal: a file already gone is fine
 */
export function ignoreMissing(error: NodeJS.ErrnoException) {
  if (error.code !== 'ENOENT') {
    throw error
  }
}

async function removeIfStale(path: string): Promise<boolean> {
  try {
    const stats = await fs.stat(path)
    if (Date.now() - stats.mtimeMs < STALE_LOCK_MS) {
      return false
    }
    await fs.unlink(path)
    return true
  } catch (error) {
    return error.code === 'ENOENT'
  }
}
