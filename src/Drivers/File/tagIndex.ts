/*
 * @adonisjs/session
 */

import { createHash } from 'crypto'
import { join } from 'path'
import { TagIndex } from '../Shared/tags'
import { FileWorkerClient } from './WorkerClient'
import { lockBackoff } from './failures'
import { LOCK_SUFFIX } from './lock'
import { DEFAULT_LOCK_WAIT_MS } from './types'

/**
 * How long an index change waits for another process holding the index's
 * lock: the sessions' default, whatever `file.lockTimeout` says
 */
const LOCK_WAIT_MS = DEFAULT_LOCK_WAIT_MS

/**
 * The file driver's index: one file per user, `<location>/tags/<hash>.ids`,
 * listing the ids of the user's sessions one per line. Changes run on the
 * file worker under the index's own lock file (the sessions' lock rule), so
 * processes sharing the directory keep one index; a change writes the
 * whole list to a file of its own and renames it over the index, so a reader
 * never sees half a list.
 */
export class FileTagIndex implements TagIndex {
  constructor(
    private location: string,
    private worker: FileWorkerClient,
    private unavailable: (error: any) => Error
  ) {}

  public add(userId: string, sessionId: string) {
    return this.change(userId, { add: sessionId })
  }

  public remove(userId: string, sessionId: string) {
    return this.change(userId, { remove: sessionId })
  }

  public async members(userId: string): Promise<string[]> {
    const result = await this.worker
      .read({ op: 'read', file: this.pathsFor(userId).file })
      .catch((error) => {
        throw this.unavailable(error)
      })
    return 'missing' in result ? [] : result.raw.split('\n').filter(Boolean)
  }

  /**
   * The index file and its lock; the user id is hashed, so that any id
   * makes a safe file name
   */
  private pathsFor(userId: string) {
    const name = createHash('sha256').update(userId).digest('hex').slice(0, 40)
    const directory = join(this.location, 'tags')
    return { file: join(directory, `${name}.ids`), lock: join(directory, `${name}${LOCK_SUFFIX}`) }
  }

  private async change(userId: string, edit: { add?: string; remove?: string }) {
    const { file, lock } = this.pathsFor(userId)
    const deadline = Date.now() + LOCK_WAIT_MS
    for (let attempt = 0; ; attempt++) {
      const result = await this.worker
        .index({ op: 'index', file, lock, ...edit })
        .catch((error) => {
          throw this.unavailable(error)
        })
      if ('done' in result) {
        return
      }
      if (Date.now() >= deadline) {
        throw this.unavailable({
          syscall: 'open',
          code: 'EBUSY',
          message: `session index is locked by another request for over ${LOCK_WAIT_MS}ms (${lock})`,
        })
      }
      await lockBackoff(attempt)
    }
  }
}
