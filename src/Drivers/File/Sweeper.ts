/*
 * @adonisjs/session
 */

import { join } from 'path'
import { performance } from 'perf_hooks'
import { promises as fs } from 'fs'
import { lockPathFor } from './lock'
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
      this.sweep().catch((error) => debug('session sweep failed: %s', error.message))
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
    let names: string[]
    try {
      names = await fs.readdir(this.location)
    } catch (error) {
      if (error.code === 'ENOENT') {
        return 0
      }
      throw error
    }

    let deleted = 0
    for (let start = 0; start < names.length; start += BATCH_SIZE) {
      const batch = names.slice(start, start + BATCH_SIZE)
      const results = await Promise.all(batch.map((name) => this.sweepOne(name)))
      deleted += results.filter(Boolean).length
      await new Promise((resolve) => setImmediate(resolve))
    }
    debug('swept %d expired session files in %s', deleted, this.location)
    return deleted
  }

  private async sweepOne(name: string): Promise<boolean> {
    const ageMs = this.ageMs
    if (name.endsWith('.lock')) {
      const lock = join(this.location, name)
      return (await this.worker.sweep({ op: 'sweep', lock, ageMs })).deleted
    }
    const sessionId = name.slice(0, -4)
    if (!name.endsWith('.txt') || !isValidSessionId(sessionId)) {
      return false
    }
    const file = join(this.location, name)
    const lock = lockPathFor(this.location, sessionId)
    const result = await this.worker.sweep({ op: 'sweep', file, lock, ageMs }).catch(() => null)
    return !!result && result.deleted
  }
}
