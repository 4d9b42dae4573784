/*
 * @adonisjs/session
 */

import { SessionChange } from './change'

type Waiting = { change: SessionChange; resolve: () => void; reject: (error: unknown) => void }

type Write = (change: SessionChange) => Promise<void>

/**
 * Group commit for one session within this app. Changes queue per key;
 * one write at a time runs, and it takes every change queued so far and
 * applies them in order (each still sees the result of the previous one),
 * so a burst of requests on one session costs one store write instead of
 * one each. Every caller resolves once the write holding its change is
 * stored. The store's own lock or compare-and-set still guards against
 * other processes.
 */
export class UpdateBatches {
  /**
   * Changes of each session waiting; a key is present exactly while its
   * writes are running
   */
  private batches: Map<string, Waiting[]> = new Map()

  public run(key: string, change: SessionChange, write: Write): Promise<void> {
    return new Promise((resolve, reject) => {
      const queue = this.batches.get(key)
      if (queue) {
        queue.push({ change, resolve, reject })
        return
      }
      const started = [{ change, resolve, reject }]
      this.batches.set(key, started)
      this.drain(key, started, write)
    })
  }

  private async drain(key: string, queue: Waiting[], write: Write) {
    while (queue.length) {
      const taken = queue.splice(0)
      const failed: Map<Waiting, unknown> = new Map()
      try {
        await write(taken.length === 1 ? taken[0].change : combined(taken, failed))
        taken.forEach((waiting) =>
          failed.has(waiting) ? waiting.reject(failed.get(waiting)) : waiting.resolve()
        )
      } catch (error) {
        taken.forEach((waiting) => waiting.reject(failed.get(waiting) || error))
      }
    }
    this.batches.delete(key)
  }
}

/**
 * Several changes as one: each replays onto the result of the previous
 * ones, and one that throws fails its own request and is left out
 */
function combined(taken: Waiting[], failed: Map<Waiting, unknown>): SessionChange {
  return new SessionChange((current) =>
    taken.reduce((values, waiting) => {
      if (failed.has(waiting)) {
        return values
      }
      try {
        return waiting.change.replay(values)
      } catch (error) {
        failed.set(waiting, error)
        return values
      }
    }, current)
  )
}
