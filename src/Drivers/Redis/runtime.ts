/*
 * @adonisjs/session
 */

import { UpdateBatches } from '../Shared/batching'
import { CommandPipelines } from './pipeline'
import { COMPARE_AND_SET, SCRIPT_NAME } from './script'

/**
 * What the redis drivers of one app share, by ioredis client: the
 * pipelines of the current turn, which clients know the script, the offset
 * of Redis' clock, the requests waiting for a client to be ready. Created
 * by the manager, closed at shutdown.
 */
export class RedisRuntime {
  public readonly pipelines = new CommandPipelines()

  private scriptDefined: WeakSet<object> = new WeakSet()
  private clockOffsets: WeakMap<object, { offset: number; measuredAt: number }> = new WeakMap()
  private readyWaiters: Map<any, { waiters: Set<() => void>; listener: () => void }> = new Map()

  constructor(public readonly batches: UpdateBatches) {}

  /**
   * Teach the client the compare-and-set script, once
   */
  public defineScript(io: any) {
    if (!this.scriptDefined.has(io)) {
      io.defineCommand(SCRIPT_NAME, { numberOfKeys: 1, lua: COMPARE_AND_SET })
      this.scriptDefined.add(io)
    }
  }

  /**
   * The clock offset measured for the client, while younger than `maxAgeMs`
   */
  public knownOffset(io: any, maxAgeMs: number): number | undefined {
    const known = this.clockOffsets.get(io)
    return known && Date.now() - known.measuredAt < maxAgeMs ? known.offset : undefined
  }

  public rememberOffset(io: any, offset: number) {
    this.clockOffsets.set(io, { offset, measuredAt: Date.now() })
  }

  /**
   * Calls `callback` once the client is ready; returns what stops the wait.
   * The client gets one 'ready' listener however many requests wait (one
   * each would pass Node's limit of 10 listeners and print a warning when a
   * burst of requests meets a connection that is still connecting).
   */
  public onceReady(io: any, callback: () => void): () => void {
    const entry = this.readyWaiters.get(io) || this.listenForReady(io)
    entry.waiters.add(callback)
    return () => entry.waiters.delete(callback)
  }

  /**
   * Remove the 'ready' listeners still waiting: the connections outlive
   * the app's sessions only if `@adonisjs/redis` keeps them
   */
  public close() {
    this.readyWaiters.forEach(({ listener }, io) => io.removeListener('ready', listener))
    this.readyWaiters.clear()
  }

  private listenForReady(io: any) {
    const waiters = new Set<() => void>()
    const listener = () => {
      this.readyWaiters.delete(io)
      waiters.forEach((waiter) => waiter())
    }
    const entry = { waiters, listener }
    this.readyWaiters.set(io, entry)
    io.once('ready', listener)
    return entry
  }
}
