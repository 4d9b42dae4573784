/*
 * @adonisjs/session
 */

/// <reference path="../../../adonis-typings/index.ts" />

import { LoggerContract } from '@ioc:Adonis/Core/Logger'
import { SessionUpdater } from '@ioc:Adonis/Addons/Session'
import { SessionRuntimeException } from '../../errors'
import { shortId } from '../../SessionId'
import { DEFAULT_MAX_PAYLOAD_BYTES, StoredSession, ensureFits } from '../Shared/payload'
import { PayloadCodec } from '../Shared/codec'
import { ChangeAwareDriver, SessionChange } from '../Shared/change'
import { SessionTag, TaggingDriver, indexedWrite } from '../Shared/tags'
import { RedisTagIndex } from './tagIndex'
import { RedisCommands, RedisConnectionLike, RedisDriverOptions } from './connection'
import { RedisRuntime } from './runtime'
import { SCRIPT_NAME, hashOf, withWriteToken, writeToken } from './script'

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
  tag?: SessionTag | null
}

/**
 * Keeps each session under its id as key (as 6.4 does), in 6.4's payload
 * format, with the TTL set to `age`. A read refreshes the TTL in the same
 * command (GETEX), so a request that changes nothing costs one command.
 */
export class RedisDriver implements ChangeAwareDriver, TaggingDriver {
  /**
   * Payload as read by this request, the base of its compare-and-set
   */
  private readPayload: ReadPayload | null = null
  private commands: RedisCommands

  /**
   * The tag the last read found, kept after a write (for `destroy`)
   */
  private lastRead: { sessionId: string; tag: SessionTag | null } | null = null

  private tagIndex: RedisTagIndex | null = null

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
   * Which sessions each user has: a set per user, made when first used (a
   * request that does not tag never needs it)
   */
  public get tags(): RedisTagIndex {
    this.tagIndex = this.tagIndex || new RedisTagIndex(this.commands, this.options.ttlSeconds)
    return this.tagIndex
  }

  /**
   * The request's session lifetime, kept in the payloads
   */
  public get lifetime() {
    return this.codec.lifetime
  }

  public async read(sessionId: string): Promise<Record<string, any> | null> {
    const payload = await this.getex(sessionId)
    const stored = this.decode(sessionId, payload)
    const values = stored && stored.values
    const tag = stored && stored.tag
    this.readPayload = { sessionId, payload, values, tag }
    this.lastRead = { sessionId, tag }
    return values
  }

  public tagRead(sessionId: string): SessionTag | null {
    return this.lastRead && this.lastRead.sessionId === sessionId ? this.lastRead.tag : null
  }

  /**
   * The tag of a live session, read without refreshing its TTL
   */
  public async inspect(sessionId: string): Promise<SessionTag | null> {
    const payload = await this.fetch('GET', sessionId, (target) => target.get(sessionId))
    const stored = this.decode(sessionId, payload)
    return stored && stored.tag
  }
  /**
   * Read without refreshing the TTL, for read-only sessions (WebSocket
   * connections), which must leave the expiry alone
   */
  public async peek(sessionId: string): Promise<Record<string, any> | null> {
    const payload = await this.fetch('GET', sessionId, (target) => target.get(sessionId))
    const stored = this.decode(sessionId, payload)
    return stored && stored.values
  }

  public async write(sessionId: string, values: Record<string, any>): Promise<void> {
    if (!values || typeof values !== 'object') {
      throw SessionRuntimeException.notAnObject('redis')
    }
    const payload = this.codec.encode(sessionId, values)
    this.ensureFits(sessionId, payload)
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
      indexedWrite(this.tags, sessionId, combined.tagOps, () =>
        this.compareAndSet(sessionId, combined)
      )
    )
  }

  private async compareAndSet(sessionId: string, change: SessionChange) {
    /**
     * Without a read of this id (a new or regenerated session) the key is
     * expected not to exist; when it does, the script answers with its
     * payload and the next attempt starts from it
     */
    const read =
      this.readPayload && this.readPayload.sessionId === sessionId ? this.readPayload : null
    let base = read ? read.payload : null
    const offset = await this.commands.clockOffset()
    const token = writeToken()

    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      /**
       * Until a conflict, the store holds what this request read
       */
      const known = attempt === 0 ? read : null
      let stored: StoredSession | null | undefined
      const storedCopy = () =>
        (stored = stored === undefined ? this.decode(sessionId, base) : stored)
      const next = change.valuesOver(known?.values, () => storedCopy()?.values || null)
      const before = (known && known.tag !== undefined ? known.tag : storedCopy()?.tag) || null
      const after = change.tagOver(before, next)
      const payload =
        next === null ? '' : withWriteToken(this.codec.encode(sessionId, next, after), base, token)
      this.ensureFits(sessionId, payload)
      const [status, current] = await this.casScript(sessionId, hashOf(base), payload, {
        offset,
        token,
      })
      if (status === 1) {
        this.readPayload = { sessionId, payload: payload || null }
        return { before, after }
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
   * One run of the compare-and-set script, with the write's token and the
   * last moment it may still write on the server's clock (`offset` turns
   * this process' monotonic clock into the server's)
   */
  private casScript(
    sessionId: string,
    hash: string,
    payload: string,
    write: { offset: number; token: string }
  ) {
    const ttl = this.options.ttlSeconds
    const margin = this.commands.safetyMargin()
    return this.commands.run<[number, string?]>(
      'EVALSHA',
      (io, deadline) => {
        const lastMoment = Math.floor(deadline + write.offset - margin)
        return this.runtime.pipelines.inTurn(io, (target) =>
          target[SCRIPT_NAME](sessionId, hash, payload, ttl, lastMoment, write.token)
        )
      },
      { write: true }
    )
  }

  /**
   * Delete the session's key, then its id from its user's set
   */
  public async destroy(sessionId: string): Promise<void> {
    const read = this.lastRead && this.lastRead.sessionId === sessionId ? this.lastRead : null
    const tag = read ? read.tag : await this.inspect(sessionId)
    await this.commands.run('DEL', (io) => io.del(sessionId))
    if (tag) {
      await this.tags.remove(tag.userId, sessionId)
    }
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
      this.logger?.warn('session key "%s" does not hold a session payload', shortId(sessionId))
      return null
    }
  }

  private ensureFits(sessionId: string, payload: string) {
    const limit = this.options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES
    if (payload.length * 3 > limit) {
      ensureFits('redis', sessionId, Buffer.byteLength(payload), limit)
    }
  }

  private decode(sessionId: string, payload: string | null) {
    return this.codec.decodeSession(sessionId, payload, (reason) => {
      this.logger?.warn('ignoring unreadable session payload in redis: %s', reason)
    })
  }
}
