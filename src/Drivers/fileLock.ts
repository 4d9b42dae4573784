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
  fstat: promisify(fs.fstat),
  read: promisify(fs.read),
  write: promisify(fs.write),
  rename: promisify(fs.rename),
  unlink: promisify(fs.unlink),
  stat: promisify(fs.stat),
  utimes: promisify(fs.utimes),
}

/**
 * A lock file older than this belongs to a process that died mid-write and
 * is removed. A writer stalled for longer (a hung disk) could lose its lock
 * that way; a write takes milliseconds, so the margin is wide.
 */
const STALE_LOCK_MS = 30_000

/**
 * The lock of a session file: `<id>.lock`, created with O_EXCL, which takes
 * it across processes. Its holder either changes the session file in place
 * and removes the lock (`release`), or writes the whole new content into the
 * lock file and renames it over the session file (`publish`), which replaces
 * the file and releases the lock in one atomic step.
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
   * Write the new content and move it over the target: the lock is released
   */
  public async publish(target: string, contents: Buffer) {
    try {
      await writeAll(this.fd, contents)
      await this.closeFd()
      await fsAsync.rename(this.path, target)
      this.held = false
    } catch (error) {
      await this.release()
      throw error
    }
  }

  /**
   * Release without publishing anything; does nothing the second time
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
 * Open a file, or null when it does not exist
 */
export async function openExisting(file: string, flags: string): Promise<number | null> {
  try {
    return await fsAsync.open(file, flags)
  } catch (error) {
    if (error.code === 'ENOENT') {
      return null
    }
    throw error
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

/**
 * Write a whole buffer at `position` (the start of the file by default)
 */
export async function writeAll(fd: number, contents: Buffer, position = 0) {
  let written = 0
  while (written < contents.length) {
    const { bytesWritten } = await fsAsync.write(
      fd,
      contents,
      written,
      contents.length - written,
      position + written
    )
    written += bytesWritten
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
