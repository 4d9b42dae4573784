/*
 * @adonisjs/session
 */

/// <reference path="../../../adonis-typings/index.ts" />

import * as crypto from 'crypto'
import { performance } from 'perf_hooks'
import { LoggerContract } from '@ioc:Adonis/Core/Logger'
import { SessionDriverContract, SessionUpdater } from '@ioc:Adonis/Addons/Session'
import { SessionRuntimeException, SessionStoreUnavailableException } from '../../errors'
import { decodePayload, encodePayload } from '../Shared/payload'
import { ResolvedSessionConfig } from '../../SessionManager/config'
import { inBatch, nextValues } from '../Shared/batching'
import { inTurn } from './pipeline'

/**
 * The part of an `@adonisjs/redis` connection (plain or cluster) the driver
 * uses. Typed loosely so that apps without `@adonisjs/redis` still compile.
 */
export type RedisConnectionLike = { connectionName?: string; ioConnection: any }

/**
 * Compare-and-set, run by Redis as one atomic step: write the new payload
 * (or delete the key when it is empty) only if the stored payload still has
 * the hash the request started from. Otherwise return the stored payload, so
 * the request replays its changes onto it and tries again.
 *
 * ARGV[4] is the last moment (server clock, ms) the request still waits for
 * an answer. A command that reaches Redis later (a hung server resuming, or
 * ioredis resending it after a reconnect) belongs to a request that already
 * answered 503, and must not land: it returns {-2} and writes nothing.
 */
const COMPARE_AND_SET = `
if redis.replicate_commands then redis.replicate_commands() end
local time = redis.call('TIME')
if tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) > tonumber(ARGV[4]) then
  return {-2}
end
local current = redis.pcall('GET', KEYS[1])
if type(current) == 'table' and current.err then
  return {-1}
end
local hash = ''
if current then hash = redis.sha1hex(current) end
if hash ~= ARGV[1] then
  if current then return {0, current} end
  return {0}
end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
end
return {1}
`

const SCRIPT_NAME = 'adonisSessionCompareAndSet'

/**
 * Attempts of one update before giving up under extreme contention
 */
const MAX_ATTEMPTS = 100

/**
 * How often the offset between this process' clock and Redis' is measured
 */
const CLOCK_CHECK_MS = 60_000

/**
 * ioredis clients that know the script
 */
const scriptDefined: WeakSet<object> = new WeakSet()

/**
 * Offset of Redis' clock from this process' (ms), by ioredis client
 */
const clockOffsets: WeakMap<object, { offset: number; measuredAt: number }> = new WeakMap()

/**
 * Requests waiting for an ioredis client to be ready, by client
 */
const readyWaiters: WeakMap<object, Set<() => void>> = new WeakMap()

/**
 * Calls `callback` once the client is ready; returns what stops the wait.
 * The client gets one 'ready' listener however many requests wait (one
 * each would pass Node's limit of 10 listeners and print a warning when a
 * burst of requests meets a connection that is still connecting).
 */
function onceReady(io: any, callback: () => void): () => void {
  const waiters = readyWaiters.get(io) || listenForReady(io)
  waiters.add(callback)
  return () => waiters.delete(callback)
}

/**
 * The client's one 'ready' listener, which calls the waiters it has then
 */
function listenForReady(io: any): Set<() => void> {
  const waiters = new Set<() => void>()
  readyWaiters.set(io, waiters)
  io.once('ready', () => {
    readyWaiters.delete(io)
    waiters.forEach((waiter) => waiter())
  })
  return waiters
}

/**
 * SHA-1 in hex. Node 20.12+ has a one-shot `crypto.hash`, about 2.5x
 * cheaper than a Hash object for a short payload.
 */
const sha1: (text: string) => string =
  typeof (crypto as any).hash === 'function'
    ? (text) => (crypto as any).hash('sha1', text)
    : (text) => crypto.createHash('sha1').update(text).digest('hex')

function hashOf(payload: string | null) {
  return payload === null ? '' : sha1(payload)
}

/**
 * A payload as read by this request, and the values `read()` returned for
 * it (until the request writes)
 */
type ReadPayload = {
  sessionId: string
  payload: string | null
  values?: Record<string, any> | null
}

/**
 * Keeps each session under its id as key (as 6.4 does), in 6.4's payload
 * format, with the TTL set to `age`. A read refreshes the TTL in the same
 * command (GETEX), so a request that changes nothing costs one command.
 */
export class RedisDriver implements SessionDriverContract {
  /**
   * Payload as read by this request, the base of its compare-and-set
   */
  private readPayload: ReadPayload | null = null

  constructor(
    private config: ResolvedSessionConfig,
    private connection: RedisConnectionLike,
    private logger?: LoggerContract
  ) {}

  public async read(sessionId: string): Promise<Record<string, any> | null> {
    const payload = await this.getex(sessionId)
    const values = this.decode(sessionId, payload)
    this.readPayload = { sessionId, payload, values }
    return values
  }

  public async write(sessionId: string, values: Record<string, any>): Promise<void> {
    if (!values || typeof values !== 'object') {
      throw SessionRuntimeException.notAnObject('redis')
    }
    const payload = encodePayload(sessionId, values)
    await this.run('SET', (io) => io.set(sessionId, payload, 'EX', this.config.ttlSeconds))
  }

  /**
   * Applies the request's changes with compare-and-set, starting from the
   * payload read at the start of the request: one round trip when no other
   * request wrote meanwhile
   */
  public async update(sessionId: string, updater: SessionUpdater): Promise<void> {
    await inBatch(`redis:${this.name}:${sessionId}`, updater, (combined) =>
      this.compareAndSet(sessionId, combined)
    )
  }

  private async compareAndSet(sessionId: string, updater: SessionUpdater): Promise<void> {
    /**
     * Without a read of this id (a new or regenerated session) the key is
     * expected not to exist; when it does, the script answers with its
     * payload and the next attempt starts from it
     */
    const read =
      this.readPayload && this.readPayload.sessionId === sessionId ? this.readPayload : null
    let base = read ? read.payload : null
    const offset = await this.clockOffset()

    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      /**
       * Until a conflict, the store holds what this request read
       */
      const next = nextValues(updater, attempt === 0 ? read?.values : null, () =>
        this.decode(sessionId, base)
      )
      const payload = next === null ? '' : encodePayload(sessionId, next)
      const hash = hashOf(base)
      const [status, current] = await this.run<[number, string?]>('EVALSHA', (io, deadline) => {
        const lastMoment = Math.floor(
          Date.now() + offset + (deadline - performance.now()) - this.safetyMargin()
        )
        return inTurn(io, (target) =>
          target[SCRIPT_NAME](sessionId, hash, payload, this.config.ttlSeconds, lastMoment)
        )
      })
      if (status === 1) {
        this.readPayload = { sessionId, payload: payload || null }
        return
      }
      if (status === -1) {
        throw new SessionRuntimeException(
          `Redis key "${sessionId}" holds a value that is not a session; refusing to overwrite it`
        )
      }
      if (status === -2) {
        throw this.unavailable('EVALSHA', 'ran after the request stopped waiting; nothing written')
      }
      base = current ?? null
      if (attempt >= 3) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt))
      }
    }
    throw SessionRuntimeException.tooManyConflicts(sessionId)
  }

  public async destroy(sessionId: string): Promise<void> {
    await this.run('DEL', (io) => io.del(sessionId))
  }

  /**
   * The read already refreshed the TTL; only a session not read by this
   * request needs an EXPIRE
   */
  public async touch(sessionId: string): Promise<void> {
    if (this.readPayload && this.readPayload.sessionId === sessionId) {
      return
    }
    await this.run('EXPIRE', (io) => io.expire(sessionId, this.config.ttlSeconds))
  }

  /**
   * Read a payload and refresh its TTL; a key holding something else than a
   * string reads as no payload, with a warning
   */
  private async getex(sessionId: string) {
    try {
      return await this.run<string | null>('GETEX', (io) =>
        inTurn(io, (target) => target.getex(sessionId, 'EX', this.config.ttlSeconds))
      )
    } catch (error) {
      if (!String(error.message).startsWith('WRONGTYPE')) {
        throw error
      }
      this.logger?.warn('session key "%s" does not hold a session payload', sessionId)
      return null
    }
  }

  /**
   * Offset of the Redis server's clock from this process' clock, measured
   * with TIME once a minute. It turns the moment a request stops waiting into
   * the server's clock, so a write reaching Redis after that moment (a hung
   * server resuming, ioredis resending after a reconnect) is refused by the
   * compare-and-set script instead of landing for a request that already
   * answered 503.
   */
  private async clockOffset(): Promise<number> {
    const io = this.connection.ioConnection
    const known = clockOffsets.get(io)
    if (known && Date.now() - known.measuredAt < CLOCK_CHECK_MS) {
      return known.offset
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
      clockOffsets.set(io, { offset, measuredAt: receivedAt })
    }
    return offset
  }

  /**
   * Kept off the deadline given to the script: the reply of a write that
   * runs just before the deadline still has to reach the request in time,
   * and the clock offset is only known to within a round trip
   */
  private safetyMargin() {
    return Math.min(250, Math.floor(this.config.storeTimeoutMs / 5))
  }

  private decode(sessionId: string, payload: string | null) {
    return decodePayload(sessionId, payload, (reason) => {
      this.logger?.warn('ignoring unreadable session payload in redis: %s', reason)
    })
  }

  /**
   * Runs a command once the connection is ready, failing with
   * E_SESSION_STORE_UNAVAILABLE after `storeTimeout` instead of waiting in
   * ioredis' offline queue for a server that is down. `deadline` (monotonic
   * clock, ms) is when the request stops waiting for the answer.
   */
  private async run<T>(
    command: string,
    action: (io: any, deadline: number) => Promise<T>
  ): Promise<T> {
    const io = this.connection.ioConnection
    const deadline = performance.now() + this.config.storeTimeoutMs
    if (io.status !== 'ready') {
      await this.ready(io, command)
    }
    if (!scriptDefined.has(io)) {
      io.defineCommand(SCRIPT_NAME, { numberOfKeys: 1, lua: COMPARE_AND_SET })
      scriptDefined.add(io)
    }
    return this.within(action(io, deadline), deadline - performance.now(), command)
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
      stopWaiting = onceReady(io, resolve)
    })
    try {
      await this.within(waitFor, this.config.storeTimeoutMs, command, `connection is ${io.status}`)
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
        const why = `got no answer within ${this.config.storeTimeoutMs}ms`
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

  private unavailable(command: string, reason: string) {
    return SessionStoreUnavailableException.create(
      'redis',
      `${command} on connection "${this.name}" ${reason}`
    )
  }

  private get name() {
    return this.connection.connectionName || this.config.redisConnection
  }
}
