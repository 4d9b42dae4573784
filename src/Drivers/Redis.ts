/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { createHash } from 'crypto'
import { LoggerContract } from '@ioc:Adonis/Core/Logger'
import { SessionDriverContract, SessionUpdater } from '@ioc:Adonis/Addons/Session'
import { SessionRuntimeException, SessionStoreUnavailableException } from '../errors'
import { decodePayload, encodePayload } from '../Payload'
import { ResolvedSessionConfig } from '../SessionManager/config'
import { inLine } from './queue'

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
 */
const COMPARE_AND_SET = `
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'string' and kind ~= 'none' then
  return {-1}
end
local current = redis.call('GET', KEYS[1])
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
 * ioredis clients that know the script
 */
const scriptDefined: WeakSet<object> = new WeakSet()

function hashOf(payload: string | null) {
  return payload === null ? '' : createHash('sha1').update(payload).digest('hex')
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
  private readPayload: { sessionId: string; payload: string | null } | null = null

  constructor(
    private config: ResolvedSessionConfig,
    private connection: RedisConnectionLike,
    private logger?: LoggerContract
  ) {}

  public async read(sessionId: string): Promise<Record<string, any> | null> {
    let payload: string | null
    try {
      payload = await this.run('GETEX', (io) => io.getex(sessionId, 'EX', this.config.ttlSeconds))
    } catch (error) {
      if (!String(error.message).startsWith('WRONGTYPE')) {
        throw error
      }
      this.logger?.warn('session key "%s" does not hold a session payload', sessionId)
      return null
    }
    this.readPayload = { sessionId, payload }
    return this.decode(sessionId, payload)
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
    await inLine(`redis:${this.name}:${sessionId}`, () => this.compareAndSet(sessionId, updater))
  }

  private async compareAndSet(sessionId: string, updater: SessionUpdater): Promise<void> {
    let base =
      this.readPayload && this.readPayload.sessionId === sessionId
        ? this.readPayload.payload
        : await this.run<string | null>('GET', (io) => io.get(sessionId))

    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const next = updater(this.decode(sessionId, base))
      const payload = next === null ? '' : encodePayload(sessionId, next)
      const [status, current] = await this.run<[number, string?]>('EVALSHA', (io) =>
        io[SCRIPT_NAME](sessionId, hashOf(base), payload, this.config.ttlSeconds)
      )
      if (status === 1) {
        this.readPayload = { sessionId, payload: payload || null }
        return
      }
      if (status === -1) {
        throw new SessionRuntimeException(
          `Redis key "${sessionId}" holds a value that is not a session; refusing to overwrite it`
        )
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

  private decode(sessionId: string, payload: string | null) {
    return decodePayload(sessionId, payload, (reason) => {
      this.logger?.warn('ignoring unreadable session payload in redis: %s', reason)
    })
  }

  /**
   * Runs a command once the connection is ready, failing with
   * E_SESSION_STORE_UNAVAILABLE after `storeTimeout` instead of waiting in
   * ioredis' offline queue for a server that is down
   */
  private async run<T>(command: string, action: (io: any) => Promise<T>): Promise<T> {
    const io = this.connection.ioConnection
    const deadline = Date.now() + this.config.storeTimeoutMs
    await this.ready(io, command)
    if (!scriptDefined.has(io)) {
      io.defineCommand(SCRIPT_NAME, { numberOfKeys: 1, lua: COMPARE_AND_SET })
      scriptDefined.add(io)
    }
    return this.within(action(io), deadline - Date.now(), command)
  }

  private async ready(io: any, command: string) {
    if (io.status === 'ready') {
      return
    }
    if (io.status === 'wait') {
      io.connect().catch(() => {})
    }
    let onReady!: () => void
    const waitFor = new Promise<void>((resolve) => {
      onReady = resolve
      io.once('ready', onReady)
    })
    try {
      await this.within(waitFor, this.config.storeTimeoutMs, command, `connection is ${io.status}`)
    } finally {
      io.removeListener('ready', onReady)
    }
  }

  /**
   * Settles with the command's result, or rejects with
   * E_SESSION_STORE_UNAVAILABLE when it takes too long or the connection
   * fails. Errors Redis itself replies with pass through unchanged.
   */
  private within<T>(promise: Promise<T>, ms: number, command: string, reason?: string) {
    let timer: NodeJS.Timeout
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const why = `got no answer within ${this.config.storeTimeoutMs}ms`
        reject(this.unavailable(command, reason ? `${why} (${reason})` : why))
      }, Math.max(ms, 1))
    })
    const guarded = promise.catch((error) => {
      if (error && error.name === 'ReplyError') {
        throw error
      }
      throw this.unavailable(command, `failed: ${error && error.message}`)
    })
    return Promise.race([guarded, timeout]).finally(() => clearTimeout(timer))
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
