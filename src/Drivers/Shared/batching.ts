/*
 * @adonisjs/session
 */

/// <reference path="../../../adonis-typings/index.ts" />

import { SessionUpdater } from '@ioc:Adonis/Addons/Session'

type Waiting = { updater: SessionUpdater; resolve: () => void; reject: (error: unknown) => void }

/**
 * Updates of each session waiting in this process. A key is present exactly
 * while its writes are running.
 */
const batches: Map<string, Waiting[]> = new Map()

/**
 * Group commit for one session within this process. Updates queue per key;
 * one write at a time runs, and it takes every update queued so far and
 * applies them in order (each still sees the result of the previous one),
 * so a burst of requests on one session costs one store write instead of
 * one each. Every caller resolves once the write holding its update is
 * stored. The store's own lock or compare-and-set still guards against
 * other processes.
 */
export function inBatch(
  key: string,
  updater: SessionUpdater,
  write: (updater: SessionUpdater) => Promise<void>
): Promise<void> {
  return new Promise((resolve, reject) => {
    const queue = batches.get(key)
    if (queue) {
      queue.push({ updater, resolve, reject })
      return
    }
    const started = [{ updater, resolve, reject }]
    batches.set(key, started)
    drain(key, started, write)
  })
}

async function drain(
  key: string,
  queue: Waiting[],
  write: (updater: SessionUpdater) => Promise<void>
) {
  while (queue.length) {
    const taken = queue.splice(0)
    const failed: Map<Waiting, unknown> = new Map()

    /**
     * Each update runs on the result of the previous ones; one that throws
     * fails its own request and is left out of the write. A lone update
     * goes as it is, with its `fromRead` shortcut.
     */
    const combined: SessionUpdater =
      taken.length === 1
        ? taken[0].updater
        : (current) =>
            taken.reduce((values, waiting) => {
              if (failed.has(waiting)) {
                return values
              }
              try {
                return waiting.updater(values)
              } catch (error) {
                failed.set(waiting, error)
                return values
              }
            }, current)

    try {
      await write(combined)
      taken.forEach((waiting) =>
        failed.has(waiting) ? waiting.reject(failed.get(waiting)) : waiting.resolve()
      )
    } catch (error) {
      taken.forEach((waiting) => waiting.reject(failed.get(waiting) || error))
    }
  }
  batches.delete(key)
}

/**
 * The values a driver's write stores: from the session's `fromRead`
 * shortcut when the driver holds what its read returned (`read`) and the
 * store is expected to still hold it, else from the updater applied to the
 * stored copy (`stored`, decoded only then)
 */
export function nextValues(
  updater: SessionUpdater,
  read: Record<string, any> | null | undefined,
  stored: () => Record<string, any> | null
): Record<string, any> | null {
  const shortcut = read && updater.fromRead ? updater.fromRead(read) : undefined
  return shortcut !== undefined ? shortcut : updater(stored())
}
