/*
 * @adonisjs/session
 */

import { performance } from 'perf_hooks'
import { SessionStoreUnavailableException } from '../../errors'
import { RedisRuntime } from './runtime'

/**
 * The part of an `@adonisjs/redis` connection (plain or cluster) the driver
 * uses. Typed loosely so that apps without `@adonisjs/redis` still compile.
 */
export type RedisConnectionLike = { connectionName?: string; ioConnection: any }

/**
 * What the redis driver is built from: the connection's name in
 * `config/redis`, the TTL of a session and how long a request waits for
 * Redis
 */
export type RedisDriverOptions = {
  connection: string
  ttlSeconds: number
  storeTimeoutMs: number
}

/**
 * How often the offset between this process' clock and Redis' is measured
 */
const CLOCK_CHECK_MS = 60_000

/**
 * Runs the driver's commands on one connection within `storeTimeout`,
 * instead of letting them wait in ioredis' offline queue for a server that
 * is down
 */
export class RedisCommands {
  constructor(
    private connection: RedisConnectionLike,
    private options: RedisDriverOptions,
    private runtime: RedisRuntime
  ) {}

  /**
   * The connection's name, for messages
   */
  public get name() {
    return this.connection.connectionName || this.options.connection
  }

  /**
   * Runs a command once the connection is ready, failing with
   * E_SESSION_STORE_UNAVAILABLE after `storeTimeout`. `deadline`
   * (monotonic clock, ms) is when the request stops waiting for the answer.
   */
  public async run<T>(
    command: string,
    action: (io: any, deadline: number) => Promise<T>
  ): Promise<T> {
    const io = this.connection.ioConnection
    const deadline = performance.now() + this.options.storeTimeoutMs
    if (io.status !== 'ready') {
      await this.ready(io, command)
    }
    this.runtime.defineScript(io)
    return this.within(action(io, deadline), deadline - performance.now(), command)
  }

  /**
   * Offset of the Redis server's clock from this process' clock, measured
   * with TIME once a minute. It turns the moment a request stops waiting into
   * the server's clock, so a write reaching Redis after that moment (a hung
   * server resuming, ioredis resending after a reconnect) is refused by the
   * compare-and-set script instead of landing for a request that already
   * answered 503.
   */
  public async clockOffset(): Promise<number> {
    const io = this.connection.ioConnection
    const known = this.runtime.knownOffset(io, CLOCK_CHECK_MS)
    if (known !== undefined) {
      return known
    }
    let sentAt = 0
    const [seconds, micros] = await this.run<[string, string]>('TIME', (client) => {
      sentAt = Date.now()
      return client.time()
    })
    const receivedAt = Date.now()
    const offset =
      Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - (sentAt + receivedAt) / 2
    if (receivedAt - sentAt < this.safetyMargin()) {
      this.runtime.rememberOffset(io, offset)
    }
    return offset
  }

  /**
   * Kept off the deadline given to the script: the reply of a write that
   * runs just before the deadline still has to reach the request in time,
   * and the clock offset is only known to within a round trip
   */
  public safetyMargin() {
    return Math.min(250, Math.floor(this.options.storeTimeoutMs / 5))
  }

  public unavailable(command: string, reason: string) {
    return SessionStoreUnavailableException.create(
      'redis',
      `${command} on connection "${this.name}" ${reason}`
    )
  }

  /**
   * Waits, within `storeTimeout`, for a connection that is not ready yet
   */
  private async ready(io: any, command: string) {
    if (io.status === 'wait') {
      io.connect().catch(() => {})
    }
    let stopWaiting = () => {}
    const waitFor = new Promise<void>((resolve) => {
      stopWaiting = this.runtime.onceReady(io, resolve)
    })
    try {
      await this.within(waitFor, this.options.storeTimeoutMs, command, `connection is ${io.status}`)
    } finally {
      stopWaiting()
    }
  }

  /**
   * Settles with the command's result, or rejects with
   * E_SESSION_STORE_UNAVAILABLE when it takes too long or the connection
   * fails. Errors Redis itself replies with pass through unchanged.
   */
  private within<T>(promise: Promise<T>, ms: number, command: string, reason?: string) {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        const why = `got no answer within ${this.options.storeTimeoutMs}ms`
        reject(this.unavailable(command, reason ? `${why} (${reason})` : why))
      }, Math.max(ms, 1))
      promise.then(
        (result) => {
          clearTimeout(timer)
          resolve(result)
        },
        (error) => {
          clearTimeout(timer)
          const replied = error && error.name === 'ReplyError'
          reject(replied ? error : this.unavailable(command, `failed: ${error && error.message}`))
        }
      )
    })
  }
}
