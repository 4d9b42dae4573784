/*
 * @adonisjs/session
 */

import { performance } from 'perf_hooks'
import { DatabaseRuntime } from './runtime'
import { SessionTable } from './statements'

/**
 * Rows one statement deletes: small enough that it holds its locks briefly
 */
const BATCH_SIZE = 500

/**
 * How long one batch may take before the sweep stops
 */
const BATCH_TIMEOUT_MS = 30_000

/**
 * The lottery starts a sweep at most this often per process
 */
const MIN_SWEEP_INTERVAL_MS = 60 * 1000

/**
 * Deletes expired session rows in batches of BATCH_SIZE, one statement
 * each, yielding to requests between batches. Run by the request lottery
 * (`gcProbability`) and by `node ace session:gc`.
 */
export class DatabaseSweeper {
  private running: Promise<number> | null = null
  private lastStartedAt = -Infinity
  private closed = false
  private table: SessionTable

  constructor(runtime: DatabaseRuntime, private onError?: (error: unknown) => void) {
    this.table = SessionTable.of(runtime)
  }

  /**
   * Start a sweep in the background unless one runs or one started less
   * than MIN_SWEEP_INTERVAL_MS ago; never awaited by a request
   */
  public schedule() {
    if (
      this.closed ||
      this.running ||
      performance.now() - this.lastStartedAt < MIN_SWEEP_INTERVAL_MS
    ) {
      return
    }
    this.sweep().catch((error) => this.onError?.(error))
  }

  /**
   * Delete every row expired now; resolves with how many were deleted
   */
  public sweep(): Promise<number> {
    if (!this.running) {
      this.lastStartedAt = performance.now()
      this.running = this.deleteExpired().finally(() => {
        this.running = null
      })
    }
    return this.running
  }

  /**
   * Stop sweeping: no sweep starts any more, and the running one ends after
   * its current batch, so no statement reaches a connection Lucid is closing
   */
  public async close() {
    this.closed = true
    await this.running?.catch(() => {})
  }

  private async deleteExpired() {
    const now = Date.now()
    let total = 0
    for (;;) {
      const deleted = await this.table.sweep(now, BATCH_SIZE, BATCH_TIMEOUT_MS)
      total += deleted
      if (deleted < BATCH_SIZE || this.closed) {
        return total
      }
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
}
