/*
 * @adonisjs/session
 */

/// <reference path="../../../adonis-typings/index.ts" />

import { performance } from 'perf_hooks'
import { LoggerContract } from '@ioc:Adonis/Core/Logger'
import { SessionUpdater } from '@ioc:Adonis/Addons/Session'
import { SessionRuntimeException } from '../../errors'
import { PayloadCodec } from '../Shared/codec'
import { ChangeAwareDriver, SessionChange } from '../Shared/change'
import { RedisCommands, RedisConnectionLike, RedisDriverOptions } from './connection'
import { RedisRuntime } from './runtime'
import { SCRIPT_NAME, hashOf } from './script'

export { RedisConnectionLike, RedisDriverOptions }

/**
 * Attempts of one update before giving up under extreme contention
 */
const MAX_ATTEMPTS = 100

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
export class RedisDriver implements ChangeAwareDriver {
  /**
   * Payload as read by this request, the base of its compare-and-set
   */
  private readPayload: ReadPayload | null = null
  private commands: RedisCommands

  constructor(
    private options: RedisDriverOptions,
    connection: RedisConnectionLike,
    private runtime: RedisRuntime,
    private logger?: LoggerContract,
    private codec: PayloadCodec = new PayloadCodec()
  ) {
    this.commands = new RedisCommands(connection, options, runtime)
  }

  /**
   * The request's session lifetime, kept in the payloads
   */
  public get lifetime() {
    return this.codec.lifetime
  }

  public async read(sessionId: string): Promise<Record<string, any> | null> {
    const payload = await this.getex(sessionId)
    const values = this.decode(sessionId, payload)
    this.readPayload = { sessionId, payload, values }
    return values
  }
  /**
   * Read without refreshing the TTL, for read-only sessions (WebSocket
   * connections), which must leave the expiry alone
   */
  public async peek(sessionId: string): Promise<Record<string, any> | null> {
    const payload = await this.fetch('GET', sessionId, (target) => target.get(sessionId))
    return this.decode(sessionId, payload)
  }

  public async write(sessionId: string, values: Record<string, any>): Promise<void> {
    if (!values || typeof values !== 'object') {
      throw SessionRuntimeException.notAnObject('redis')
    }
    const payload = this.codec.encode(sessionId, values)
    const ttl = this.options.ttlSeconds
    await this.commands.run('SET', (io) => io.set(sessionId, payload, 'EX', ttl))
  }

  public update(sessionId: string, updater: SessionUpdater): Promise<void> {
    return this.applyChange(sessionId, new SessionChange(updater))
  }

  /**
   * Applies the request's changes with compare-and-set, starting from the
   * payload read at the start of the request: one round trip when no other
   * request wrote meanwhile
   */
  public async applyChange(sessionId: string, change: SessionChange): Promise<void> {
    const key = `redis:${this.commands.name}:${sessionId}`
    await this.runtime.batches.run(key, change, (combined) =>
      this.compareAndSet(sessionId, combined)
    )
  }

  private async compareAndSet(sessionId: string, change: SessionChange): Promise<void> {
    /**
     * Without a read of this id (a new or regenerated session) the key is
     * expected not to exist; when it does, the script answers with its
     * payload and the next attempt starts from it
     */
    const read =
      this.readPayload && this.readPayload.sessionId === sessionId ? this.readPayload : null
    let base = read ? read.payload : null
    const offset = await this.commands.clockOffset()

    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      /**
       * Until a conflict, the store holds what this request read
       */
      const next = change.valuesOver(attempt === 0 ? read?.values : null, () =>
        this.decode(sessionId, base)
      )
      const payload = next === null ? '' : this.codec.encode(sessionId, next)
      const [status, current] = await this.casScript(sessionId, hashOf(base), payload, offset)
      if (status === 1) {
        this.readPayload = { sessionId, payload: payload || null }
        return
      }
      if (status === -1) {
        throw SessionRuntimeException.notASession(sessionId)
      }
      if (status === -2) {
        throw this.commands.noAnswer('EVALSHA (ran after the deadline, nothing written)')
      }
      base = current ?? null
      if (attempt >= 3) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt))
      }
    }
    throw SessionRuntimeException.tooManyConflicts(sessionId)
  }

  /**
   * One run of the compare-and-set script, with the last moment it may
   * still write on the server's clock
   */
  private casScript(sessionId: string, hash: string, payload: string, offset: number) {
    const ttl = this.options.ttlSeconds
    return this.commands.run<[number, string?]>('EVALSHA', (io, deadline) => {
      const lastMoment = Math.floor(
        Date.now() + offset + (deadline - performance.now()) - this.commands.safetyMargin()
      )
      return this.runtime.pipelines.inTurn(io, (target) =>
        target[SCRIPT_NAME](sessionId, hash, payload, ttl, lastMoment)
      )
    })
  }

  public async destroy(sessionId: string): Promise<void> {
    await this.commands.run('DEL', (io) => io.del(sessionId))
  }

  /**
   * The read already refreshed the TTL; only a session not read by this
   * request needs an EXPIRE
   */
  public async touch(sessionId: string): Promise<void> {
    if (this.readPayload && this.readPayload.sessionId === sessionId) {
      return
    }
    const ttl = this.options.ttlSeconds
    await this.commands.run('EXPIRE', (io) => io.expire(sessionId, ttl))
  }

  /**
   * Read a payload and refresh its TTL
   */
  private getex(sessionId: string) {
    const ttl = this.options.ttlSeconds
    return this.fetch('GETEX', sessionId, (target) => target.getex(sessionId, 'EX', ttl))
  }

  /**
   * Run a command that returns a session payload; a key holding something
   * else than a string reads as no payload, with a warning
   */
  private async fetch(command: string, sessionId: string, send: (target: any) => any) {
    try {
      return await this.commands.run<string | null>(command, (io) =>
        this.runtime.pipelines.inTurn(io, send)
      )
    } catch (error) {
      if (!String(error.message).startsWith('WRONGTYPE')) {
        throw error
      }
      this.logger?.warn('session key "%s" does not hold a session payload', sessionId)
      return null
    }
  }

  private decode(sessionId: string, payload: string | null) {
    return this.codec.decode(sessionId, payload, (reason) => {
      this.logger?.warn('ignoring unreadable session payload in redis: %s', reason)
    })
  }
}
