/*
 * @adonisjs/session
 */

import { join } from 'path'
import { performance } from 'perf_hooks'
import { promises as fs } from 'fs'
import { SessionFileLock } from './lock'
import { isValidSessionId } from '../../SessionId'
import debug from '../../debug'

/**
 * Files looked at in parallel, between two yields to the event loop
 */
const BATCH_SIZE = 32

/**
 * Leftover lock files (a process died mid-write) are removed once this old
 */
const LEFTOVER_LOCK_AGE = 60 * 60 * 1000

/**
 * Background sweeps start at most this often, whatever `gcProbability`
 * says: a sweep reads the whole directory, and files expire over hours
 */
const MIN_SWEEP_INTERVAL_MS = 60 * 1000

/**
 * Deletes expired session files. A sweep runs in the background, one at a
 * time per location, in small batches that yield to the event loop, and
 * skips a session whose lock is held: a request writing it wins.
 */
export class FileSweeper {
  private running: Promise<number> | null = null
  private lastStartedAt = -Infinity

  constructor(private location: string, private ageMs: number) {}

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
    const file = join(this.location, name)
    if (name.endsWith('.lock')) {
      return this.removeIfOlder(file, LEFTOVER_LOCK_AGE)
    }
    if (!name.endsWith('.txt') || !isValidSessionId(name.slice(0, -4))) {
      return false
    }
    if (!(await this.isOlder(file, this.ageMs))) {
      return false
    }

    const lock = await SessionFileLock.acquire(`${file.slice(0, -4)}.lock`).catch(() => null)
    if (!lock) {
      return false
    }
    try {
      return await this.removeIfOlder(file, this.ageMs)
    } finally {
      await lock.release().catch(() => {})
    }
  }

  private async isOlder(file: string, ageMs: number) {
    try {
      const stats = await fs.stat(file)
      return stats.mtimeMs + ageMs <= Date.now()
    } catch {
      return false
    }
  }

  private async removeIfOlder(file: string, ageMs: number) {
    if (!(await this.isOlder(file, ageMs))) {
      return false
    }
    await fs.rm(file, { force: true })
    return true
  }
}
