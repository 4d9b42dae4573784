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
 * The lock of a session file, which is also the file its next content is
 * written to. Creating it with O_EXCL takes the lock, across processes;
 * renaming it over the session file publishes the new content and releases
 * the lock in one atomic step. Four system calls for lock, write and
 * release.
 */
export class SessionFileLock {
  private constructor(private handle: fs.FileHandle, public readonly path: string) {}

  /**
   * Take the lock, waiting up to `waitMs` for another holder. Resolves with
   * null when the lock could not be had in time.
   */
  public static async acquire(path: string, waitMs: number): Promise<SessionFileLock | null> {
    const deadline = Date.now() + waitMs
    for (let attempt = 0; ; attempt++) {
      try {
        return new SessionFileLock(await fs.open(path, 'wx'), path)
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
   * Write the new content and move it over the target: the lock is released
   */
  public async publish(target: string, contents: string) {
    try {
      await this.handle.writeFile(contents, 'utf-8')
      await this.handle.close()
      await fs.rename(this.path, target)
    } catch (error) {
      await this.release()
      throw error
    }
  }

  /**
   * Release without publishing anything
   */
  public async release() {
    await this.handle.close().catch(() => {})
    await fs.rm(this.path, { force: true })
  }
}

async function removeIfStale(path: string): Promise<boolean> {
  try {
    const stats = await fs.stat(path)
    if (Date.now() - stats.mtimeMs < STALE_LOCK_MS) {
      return false
    }
    await fs.rm(path, { force: true })
    return true
  } catch (error) {
    return error.code === 'ENOENT'
  }
}
