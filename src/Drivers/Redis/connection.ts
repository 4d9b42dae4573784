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
 * `config/redis`, the TTL of a session, how long a request waits for
 * Redis and the largest payload it stores
 */
export type RedisDriverOptions = {
  connection: string
  ttlSeconds: number
  storeTimeoutMs: number
  maxPayloadBytes?: number
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
   * `write` marks a command whose outcome is unknown when its answer does
   * not come: the message then says the write may have been applied.
   */
  public run<T>(
    command: string,
    action: (io: any, deadline: number) => Promise<T>,
    options?: { write: boolean }
  ): Promise<T> {
    const io = this.connection.ioConnection
    const deadline = performance.now() + this.options.storeTimeoutMs
    if (io.status !== 'ready') {
      return this.ready(io, command).then(() => this.send(io, command, action, deadline, options))
    }
    return this.send(io, command, action, deadline, options)
  }

  private send<T>(
    io: any,
    command: string,
    action: (io: any, deadline: number) => Promise<T>,
    deadline: number,
    options?: { write: boolean }
  ): Promise<T> {
    const write = !!options && options.write
    const giveUp = () => (write ? this.writeUnknown(command) : this.noAnswer(command))
    let sent: Promise<T>
    try {
      this.runtime.defineScript(io)
      sent = action(io, deadline)
    } catch (error) {
      return Promise.reject(error)
    }
    return this.within(sent, deadline - performance.now(), command, giveUp)
  }

  /**
   * Offset of the Redis server's clock from this process' monotonic clock
   * (`performance.now()`), measured with TIME once a minute. It turns the
   * moment a request stops waiting into the server's clock, so a write
   * reaching Redis after that moment (a hung server resuming, ioredis
   * resending after a reconnect) is refused by the compare-and-set script
   * instead of landing for a request that already answered 503.
   *
   * Redis read its clock at some point of the round trip; the offset assumes
   * the latest one, the reply's arrival, which makes it the smallest it can
   * be. The script's last moment is then never later than the request's
   * deadline, only earlier by up to the round trip. A measurement whose round
   * trip exceeds the safety margin serves its own request only.
   */
  public async clockOffset(): Promise<number> {
    const io = this.connection.ioConnection
    const known = this.runtime.knownOffset(io, CLOCK_CHECK_MS)
    if (known !== undefined) {
      return known
    }
    let sentAt = 0
    const [seconds, micros] = await this.run<[string, string]>('TIME', (client) => {
      sentAt = performance.now()
      return client.time()
    })
    const receivedAt = performance.now()
    const offset = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - receivedAt
    if (receivedAt - sentAt <= this.safetyMargin()) {
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

  /**
   * A write sent and not answered in time: Redis may have run it before
   * its last moment, never after
   */
  public writeUnknown(command: string) {
    debug('redis %s on connection "%s" got no answer, outcome unknown', command, this.name)
    return SessionStoreUnavailableException.redisWriteUnknown(
      this.address,
      this.name,
      this.options.storeTimeoutMs
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
      const state = io.status
      await this.within(waitFor, this.options.storeTimeoutMs, command, () =>
        this.noAnswer(command, state)
      )
    } finally {
      stopWaiting()
    }
  }

  /**
   * Settles with the command's result, or rejects with `giveUp()` when it
   * takes too long, or E_SESSION_STORE_UNAVAILABLE when the connection
   * fails. Errors Redis itself replies with pass through unchanged. When the
   * timer fires, replies already in the socket are read first (an event loop
   * blocked past the deadline runs timers before I/O), so an answer that
   * arrived in time is not mistaken for none.
   */
  private within<T>(promise: Promise<T>, ms: number, command: string, giveUp: () => Error) {
    return new Promise<T>((resolve, reject) => {
      let settled = false
      const timer = setTimeout(function readPendingRepliesFirst() {
        setImmediate(() => {
          if (!settled) {
            settled = true
            reject(giveUp())
          }
        })
      }, Math.max(ms, 1))
      promise.then(
        (result) => {
          clearTimeout(timer)
          if (!settled) {
            settled = true
            resolve(result)
          }
        },
        (error) => {
          clearTimeout(timer)
          if (!settled) {
            settled = true
            const replied = error && error.name === 'ReplyError'
            reject(replied ? error : this.failed(command, `${error && error.message}`))
          }
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
