/*
 * @adonisjs/session
 */

/// <reference path="../../../adonis-typings/index.ts" />

import { LoggerContract } from '@ioc:Adonis/Core/Logger'
import { SessionUpdater } from '@ioc:Adonis/Addons/Session'
import { SessionPayloadTooLargeException, SessionRuntimeException } from '../../errors'
import { shortId } from '../../SessionId'
import { DEFAULT_MAX_PAYLOAD_BYTES, StoredSession, ensureFits } from '../Shared/payload'
import { PayloadCodec } from '../Shared/codec'
import { ChangeAwareDriver, SessionChange } from '../Shared/change'
import { SessionTag, TaggingDriver, indexedWrite } from '../Shared/tags'
import { DatabaseRuntime } from './runtime'
import { DatabaseTagIndex } from './tagIndex'
import { Row, SessionTable } from './statements'

export { DatabaseRuntime } from './runtime'
export type { DatabaseClientLike, DatabaseRuntimeOptions } from './runtime'

/**
 * Options of the database driver, normalised by the manager
 */
export type DatabaseDriverOptions = {
  ageMs: number
  refreshAfterMs: number
  maxPayloadBytes?: number
}

/**
 * Attempts of one update before giving up under extreme contention
 */
const MAX_ATTEMPTS = 100

/**
 * Characters the `user_id` column of the make:session-table migration holds
 */
const USER_ID_LENGTH = 64

/**
 * A row as this request knows it, with what its payload holds (null for
 * no row, an expired row or an unreadable payload)
 */
type KnownRow = Row & { stored: StoredSession | null }

/**
 * The row a write starts from: its version (null for no row) and what its
 * payload holds
 */
type Base = { version: number | null; stored: StoredSession | null }

/**
 * One row per session in a table of a Lucid connection, with the payload in
 * the format of the file and redis drivers (through the codec: creation
 * time, encryption at rest) and the user the session is tagged with in the
 * `user_id` column. A read is one SELECT, shared with the other reads of
 * the same turn of the event loop; a write is a compare-and-set on
 * the row's version (one UPDATE, or one INSERT for a new session) that
 * replays the request's changes onto the stored row when another request
 * wrote first.
 */
export class DatabaseDriver implements ChangeAwareDriver, TaggingDriver {
  private readRow: KnownRow | null = null
  private table: SessionTable
  private maxPayloadBytes: number

  /**
   * The tag the last read found, kept after a write (for `destroy`)
   */
  private lastRead: { sessionId: string; tag: SessionTag | null } | null = null

  /**
   * Which sessions each user has: the `user_id` column
   */
  public readonly tags: DatabaseTagIndex

  constructor(
    private options: DatabaseDriverOptions,
    private runtime: DatabaseRuntime,
    private logger?: LoggerContract,
    private codec: PayloadCodec = new PayloadCodec()
  ) {
    this.table = SessionTable.of(runtime)
    this.tags = new DatabaseTagIndex(this.table)
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES
  }

  /**
   * The request's session lifetime, kept in the payloads
   */
  public get lifetime() {
    return this.codec.lifetime
  }

  public async read(sessionId: string): Promise<Record<string, any> | null> {
    const row = await this.table.select(sessionId)
    const stored = this.storedIn(row)
    this.readRow = { ...row, stored }
    this.lastRead = { sessionId, tag: stored && stored.tag }
    return stored && stored.values
  }

  public tagRead(sessionId: string): SessionTag | null {
    return this.lastRead && this.lastRead.sessionId === sessionId ? this.lastRead.tag : null
  }

  /**
   * The tag of a live session, read without moving its expiry
   */
  public async inspect(sessionId: string): Promise<SessionTag | null> {
    const stored = this.storedIn(await this.table.select(sessionId))
    return stored && stored.tag
  }

  /**
   * Read without remembering the row as this request's base, for read-only
   * sessions (WebSocket connections); like `read`, it leaves the expiry alone
   */
  public async peek(sessionId: string): Promise<Record<string, any> | null> {
    const stored = this.storedIn(await this.table.select(sessionId))
    return stored && stored.values
  }

  public async write(sessionId: string, values: Record<string, any>): Promise<void> {
    if (!values || typeof values !== 'object') {
      throw SessionRuntimeException.notAnObject('database')
    }
    await this.update(sessionId, () => values)
  }

  public update(sessionId: string, updater: SessionUpdater): Promise<void> {
    return this.applyChange(sessionId, new SessionChange(updater))
  }

  /**
   * Applies the request's changes with compare-and-set, together with those
   * of other requests of this app on the same session (one batch of
   * `Shared/batching`): one UPDATE when no other request wrote meanwhile
   */
  public async applyChange(sessionId: string, change: SessionChange): Promise<void> {
    const key = `database:${this.runtime.name}:${this.runtime.options.table}:${sessionId}`
    await this.runtime.batches.run(key, change, (combined) =>
      indexedWrite(this.tags, sessionId, combined.tagOps, () =>
        this.compareAndSet(sessionId, combined)
      )
    )
  }

  /**
   * Deletes the row: its user's listing loses it in the same statement
   */
  public async destroy(sessionId: string): Promise<void> {
    await this.table.destroy(sessionId)
  }

  /**
   * Moves the expiry forward, at most once per `refreshAfter` for a session
   * this request read
   */
  public async touch(sessionId: string): Promise<void> {
    const read = this.readRow && this.readRow.id === sessionId ? this.readRow : null
    if (read && (read.version === null || !this.dueForRefresh(read.expiresAt))) {
      return
    }
    await this.table.touch(sessionId, Date.now() + this.options.ageMs)
  }

  /**
   * Writes the updater's result on the version this request read (or as a
   * new row), and on a conflict reads the row again and replays the changes
   * onto it; answers with the tag before and after the write
   */
  private async compareAndSet(sessionId: string, change: SessionChange) {
    const read = this.readRow && this.readRow.id === sessionId ? this.readRow : null
    let base: Base = read ? { version: read.version, stored: read.stored } : NOT_STORED
    await this.runtime.knowClock()

    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      // until a conflict, the row holds what this request read
      const known = attempt === 0 ? read?.stored?.values : null
      const next = change.valuesOver(known, () => (base.stored && base.stored.values) || null)
      const before = (base.stored && base.stored.tag) || null
      const after = change.tagOver(before, next)
      if (await this.store(sessionId, base.version, next, after)) {
        return { before, after }
      }
      const fresh = await this.table.select(sessionId)
      if (fresh.version === base.version) {
        throw this.runtime.unavailable(
          'write',
          'reached the database after the request stopped waiting; nothing written'
        )
      }
      base = { version: fresh.version, stored: this.storedIn(fresh) }
      if (attempt >= 3) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt))
      }
    }
    throw SessionRuntimeException.tooManyConflicts(sessionId)
  }

  /**
   * One compare-and-set statement; false when the row was not at `version`
   */
  private async store(
    sessionId: string,
    version: number | null,
    next: Record<string, any> | null,
    tag: SessionTag | null
  ) {
    if (next === null) {
      // with no row expected, another request may have inserted one since
      const done =
        version === null
          ? (await this.table.select(sessionId)).version === null
          : await this.table.remove(sessionId, version)
      this.readRow = done ? { ...NO_ROW, id: sessionId } : this.readRow
      return done
    }
    const payload = this.codec.encode(sessionId, next, tag)
    await this.checkSize(sessionId, payload)
    const content = {
      payload,
      userId: this.userIdOf(tag),
      expiresAt: Date.now() + this.options.ageMs,
    }
    const done =
      version === null
        ? await this.table.insert(sessionId, content)
        : await this.table.replace(sessionId, content, version)
    if (done) {
      const stored = { values: next, tag }
      const newVersion = version === null ? 1 : version + 1
      this.readRow = {
        id: sessionId,
        version: newVersion,
        expiresAt: content.expiresAt,
        payload,
        stored,
      }
    }
    return done
  }

  /**
   * The `user_id` of a row with this tag; an id the column cannot hold is
   * refused rather than stored cut or failing as a payload error
   */
  private userIdOf(tag: SessionTag | null): string | null {
    if (!tag) {
      return null
    }
    if (tag.userId.length > USER_ID_LENGTH) {
      throw SessionRuntimeException.userIdTooLong(
        this.runtime.options.table,
        USER_ID_LENGTH,
        tag.userId.length
      )
    }
    return tag.userId
  }

  /**
   * Refuses a payload over `maxPayloadSize` or over what the column holds:
   * some databases (MySQL outside strict mode) would store it cut
   */
  private async checkSize(sessionId: string, payload: string) {
    const size = Buffer.byteLength(payload)
    ensureFits('database', sessionId, size, this.maxPayloadBytes)
    const limit = await this.runtime.payloadBytes()
    if (size > limit) {
      throw SessionPayloadTooLargeException.column(this.runtime.options.table, size, limit)
    }
  }

  /**
   * True once the expiry was last moved `refreshAfter` ago or more
   */
  private dueForRefresh(expiresAt: number) {
    return Date.now() - (expiresAt - this.options.ageMs) >= this.options.refreshAfterMs
  }

  /**
   * What a row's payload holds: null for no row, an expired row, a session
   * past `maxLifetime` or a payload that is not this session's
   */
  private storedIn(row: Row): StoredSession | null {
    if (row.version === null || row.expiresAt <= Date.now()) {
      return null
    }
    return this.codec.decodeSession(row.id, row.payload, (reason) => {
      this.logger?.warn(
        'ignoring unreadable session payload in the database for "%s": %s',
        shortId(row.id),
        reason
      )
    })
  }
}

const NOT_STORED: Base = { version: null, stored: null }
const NO_ROW = { version: null, expiresAt: 0, payload: null, stored: null }
