/*
 * @adonisjs/session
 */

import { performance } from 'perf_hooks'
import { SessionStoreUnavailableException } from '../../errors'
import { RedisRuntime } from './runtime'
import debug from '../../debug'

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
    return this.connection.connectionName || this.options.connection || ''
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

  /**
   * The messages name the server and the setting a user can act on; the
   * command goes to NODE_DEBUG=adonisjs:session only
   */
  public noAnswer(command: string, state?: string) {
    debug('redis %s on connection "%s" got no answer (%s)', command, this.name, state || 'ready')
    return SessionStoreUnavailableException.redisNoAnswer(
      this.address,
      this.name,
      this.options.storeTimeoutMs,
      state
    )
  }

  private failed(command: string, reason: string) {
    debug('redis %s on connection "%s" failed: %s', command, this.name, reason)
    return SessionStoreUnavailableException.redisFailed(this.address, this.name, reason)
  }

  /**
   * host:port of the server, or the cluster's startup nodes
   */
  private get address() {
    const io = this.connection.ioConnection
    const nodes: any[] = io.isCluster ? io.startupNodes || [] : [io.options || {}]
    return nodes.map(nodeAddress).join(', ')
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
      await this.within(waitFor, this.options.storeTimeoutMs, command, io.status)
    } finally {
      stopWaiting()
    }
  }

  /**
   * Settles with the command's result, or rejects with
   * E_SESSION_STORE_UNAVAILABLE when it takes too long or the connection
   * fails. Errors Redis itself replies with pass through unchanged.
   */
  private within<T>(promise: Promise<T>, ms: number, command: string, state?: string) {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(this.noAnswer(command, state)), Math.max(ms, 1))
      promise.then(
        (result) => {
          clearTimeout(timer)
          resolve(result)
        },
        (error) => {
          clearTimeout(timer)
          const replied = error && error.name === 'ReplyError'
          reject(replied ? error : this.failed(command, `${error && error.message}`))
        }
      )
    })
  }
}

function nodeAddress(node: any): string {
  if (typeof node !== 'object' || node === null) {
    return String(node)
  }
  return node.path || `${node.host || 'localhost'}:${node.port || 6379}`
}
