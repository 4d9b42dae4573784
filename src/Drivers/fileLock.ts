/*
 * @adonisjs/session
 */

import fs from 'fs'
import { promisify } from 'util'

/**
 * The callback API through promisify: one thread-pool round trip per call,
 * without the bookkeeping of `fs.promises`' FileHandle, which costs about
 * twice the CPU for the small files of a session store
 */
export const fsAsync = {
  open: promisify(fs.open),
  close: promisify(fs.close),
  unlink: promisify(fs.unlink),
  stat: promisify(fs.stat),
  utimes: promisify(fs.utimes),
}

/**
 * A lock file older than this belongs to a process that died mid-write and
 * is removed. A writer stalled for longer (a hung disk) could lose its lock
 * that way; a write takes milliseconds, so the margin is wide.
 */
export const STALE_LOCK_MS = 30_000

/**
 * The lock of a session file: `<id>.lock`, created with O_EXCL, which takes
 * it across processes. The driver's writes take it on the file worker
 * (fileWorker.ts); this is the same lock for the sweeper, which takes it
 * before deleting an expired file, so a write in progress keeps its file.
 */
export class SessionFileLock {
  /**
   * The lock file's descriptor is open / the lock file is this holder's.
   * Both end once: closing a descriptor number twice could close a file
   * another request has opened meanwhile, and unlinking the lock path after
   * it was renamed away could remove another holder's lock.
   */
  private fdOpen = true
  private held = true

  private constructor(private fd: number, public readonly path: string) {}

  /**
   * Take the lock, waiting up to `waitMs` for another holder. Resolves with
   * null when the lock could not be had in time.
   */
  public static async acquire(path: string, waitMs: number): Promise<SessionFileLock | null> {
    const deadline = Date.now() + waitMs
    for (let attempt = 0; ; attempt++) {
      try {
        return new SessionFileLock(await fsAsync.open(path, 'wx'), path)
      } catch (error) {
        if (error.code !== 'EEXIST') {
          throw error
        }
      }
      if (await removeIfStale(path)) {
        continue
      }
      if (Date.now() >= deadline) {
        return null
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(2 + attempt * 2, 25)))
    }
  }

  /**
   * Release the lock; does nothing the second time
   */
  public async release() {
    await this.closeFd().catch(() => {})
    if (!this.held) {
      return
    }
    this.held = false
    await fsAsync.unlink(this.path).catch(ignoreMissing)
  }

  private async closeFd() {
    if (this.fdOpen) {
      this.fdOpen = false
      await fsAsync.close(this.fd)
    }
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
    const stats = await fsAsync.stat(path)
    if (Date.now() - stats.mtimeMs < STALE_LOCK_MS) {
      return false
    }
    await fsAsync.unlink(path)
    return true
  } catch (error) {
    return error.code === 'ENOENT'
  }
}
