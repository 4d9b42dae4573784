/*
 * @adonisjs/session
 */

import { withShortFileIds } from '../../SessionId'
import { join } from 'path'
import { performance } from 'perf_hooks'
import { promises as fs } from 'fs'
import { HOLDER_SUFFIX, LOCK_SUFFIX, NEXT_SUFFIX, lockPathFor } from './lock'
import { FileWorkerClient } from './WorkerClient'
import { isValidSessionId } from '../../SessionId'
import debug from '../../debug'

/**
 * Files looked at in parallel, between two yields to the event loop
 */
const BATCH_SIZE = 32

/**
 * Background sweeps start at most this often, whatever `gcProbability`
 * says: a sweep reads the whole directory, and files expire over hours
 */
const MIN_SWEEP_INTERVAL_MS = 60 * 1000

/**
 * Deletes expired session files, and lock files left by dead processes
 * (the writers' staleness rule, see lock.ts). A sweep runs in the
 * background, one at a time per location, in small batches that yield to
 * the event loop; the file work runs on the driver's worker, under the
 * writers' lock, so it skips a session a request is writing.
 */
export class FileSweeper {
  private running: Promise<number> | null = null
  private lastStartedAt = -Infinity

  constructor(private location: string, private ageMs: number, private worker: FileWorkerClient) {}

  /**
   * Start a sweep unless one is running or one started less than
   * MIN_SWEEP_INTERVAL_MS ago; never awaited by a request
   */
  public schedule() {
    if (this.running || performance.now() - this.lastStartedAt < MIN_SWEEP_INTERVAL_MS) {
      return
    }
    this.lastStartedAt = performance.now()
    setImmediate(() => {
      this.sweep().catch((error) =>
        debug('session sweep failed: %s', withShortFileIds(String(error.message)))
      )
    })
  }

  /**
   * Delete every expired session file; resolves with the number deleted
   */
  public sweep(): Promise<number> {
    if (!this.running) {
      this.lastStartedAt = performance.now()
      this.running = this.run().finally(() => {
        this.running = null
      })
    }
    return this.running
  }

  private async run(): Promise<number> {
    const names = await namesIn(this.location)

    let deleted = 0
    for (let start = 0; start < names.length; start += BATCH_SIZE) {
      const batch = names.slice(start, start + BATCH_SIZE)
      const results = await Promise.all(batch.map((name) => this.sweepOne(name)))
      deleted += results.filter(Boolean).length
      await new Promise((resolve) => setImmediate(resolve))
    }
    debug('swept %d expired session files in %s', deleted, this.location)
    await this.sweepIndexLocks()
    return deleted
  }

  /**
   * The per-user index folder keeps locks and holder files of its own;
   * those of dead processes go too
   */
  private async sweepIndexLocks() {
    const directory = join(this.location, 'tags')
    for (const name of await namesIn(directory)) {
      if (name.endsWith(LOCK_SUFFIX) || name.endsWith(HOLDER_SUFFIX)) {
        const lock = join(directory, name)
        await this.worker.sweep({ op: 'sweep', lock, ageMs: this.ageMs }).catch(() => null)
      }
    }
  }

  private async sweepOne(name: string): Promise<boolean> {
    if (name.endsWith(LOCK_SUFFIX) || name.endsWith(HOLDER_SUFFIX)) {
      const lock = join(this.location, name)
      return (await this.worker.sweep({ op: 'sweep', lock, ageMs: this.ageMs })).deleted
    }
    if (name.endsWith(NEXT_SUFFIX)) {
      // A whole new content whose writer died before renaming it: removed
      // under its lock, which a live writer would still hold
      return this.sweepUnderLock(name, name.slice(0, -NEXT_SUFFIX.length), 0)
    }
    if (!name.endsWith('.txt')) {
      return false
    }
    return this.sweepUnderLock(name, name.slice(0, -4), this.ageMs)
  }

  /**
   * Delete a file of a session older than `ageMs`, under the session's lock
   */
  private async sweepUnderLock(name: string, sessionId: string, ageMs: number) {
    if (!isValidSessionId(sessionId)) {
      return false
    }
    const file = join(this.location, name)
    const lock = lockPathFor(this.location, sessionId)
    const result = await this.worker.sweep({ op: 'sweep', file, lock, ageMs }).catch(() => null)
    return !!result && result.deleted
  }
}

/**
 * The names in a folder; none when it does not exist
 */
async function namesIn(directory: string): Promise<string[]> {
  try {
    return await fs.readdir(directory)
  } catch (error) {
    if (error.code === 'ENOENT') {
      return []
    }
    throw error
  }
}
