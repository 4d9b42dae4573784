/*
 * @adonisjs/session
 */

/// <reference path="../../../adonis-typings/index.ts" />

import { LoggerContract } from '@ioc:Adonis/Core/Logger'
import { SessionUpdater } from '@ioc:Adonis/Addons/Session'
import { SessionPayloadTooLargeException, SessionRuntimeException } from '../../errors'
import { decodePayload, encodePayload } from '../Shared/payload'
import { ChangeAwareDriver, SessionChange } from '../Shared/change'
import { DatabaseRuntime } from './runtime'
import { Row, SessionTable } from './statements'

export { DatabaseRuntime } from './runtime'
export type { DatabaseClientLike, DatabaseRuntimeOptions } from './runtime'

/**
 * Options of the database driver, normalised by the manager
 */
export type DatabaseDriverOptions = {
  ageMs: number
  refreshAfterMs: number
}

/**
 * Attempts of one update before giving up under extreme contention
 */
const MAX_ATTEMPTS = 100

/**
 * The row a write starts from: its version (null for no row) and its values
 * (null for none, or an expired row)
 */
type Base = { version: number | null; values: Record<string, any> | null }

/**
 * One row per session in a table of a Lucid connection, with the payload in
 * the format of the file and redis drivers. A read is one SELECT; a write is
 * a compare-and-set on the row's version (one UPDATE, or one INSERT for a
 * new session) that replays the request's changes onto the stored row when
 * another request wrote first.
 */
export class DatabaseDriver implements ChangeAwareDriver {
  private readRow: (Row & { values: Record<string, any> | null }) | null = null
  private table: SessionTable

  constructor(
    private options: DatabaseDriverOptions,
    private runtime: DatabaseRuntime,
    private logger?: LoggerContract
  ) {
    this.table = new SessionTable(runtime)
  }

  public async read(sessionId: string): Promise<Record<string, any> | null> {
    const row = await this.table.select(sessionId)
    const values = this.valuesOf(row)
    this.readRow = { ...row, values }
    return values
  }

  /**
   * Read without remembering the row as this request's base, for read-only
   * sessions (WebSocket connections); like `read`, it leaves the expiry alone
   */
  public async peek(sessionId: string): Promise<Record<string, any> | null> {
    return this.valuesOf(await this.table.select(sessionId))
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
      this.compareAndSet(sessionId, combined)
    )
  }

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
   * onto it
   */
  private async compareAndSet(sessionId: string, change: SessionChange) {
    const read = this.readRow && this.readRow.id === sessionId ? this.readRow : null
    let base: Base = read ? { version: read.version, values: read.values } : NOT_STORED
    await this.runtime.knowClock()

    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      // until a conflict, the row holds what this request read
      const next = change.valuesOver(attempt === 0 ? read?.values : null, () => base.values)
      if (await this.store(sessionId, base.version, next)) {
        return
      }
      const fresh = await this.table.select(sessionId)
      if (fresh.version === base.version) {
        throw this.runtime.unavailable(
          'write',
          'reached the database after the request stopped waiting; nothing written'
        )
      }
      base = { version: fresh.version, values: this.valuesOf(fresh) }
      if (attempt >= 3) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt))
      }
    }
    throw SessionRuntimeException.tooManyConflicts(sessionId)
  }

  /**
   * One compare-and-set statement; false when the row was not at `version`
   */
  private async store(sessionId: string, version: number | null, next: Record<string, any> | null) {
    if (next === null) {
      // with no row expected, another request may have inserted one since
      const done =
        version === null
          ? (await this.table.select(sessionId)).version === null
          : await this.table.remove(sessionId, version)
      this.readRow = done ? { ...NO_ROW, id: sessionId, values: null } : this.readRow
      return done
    }
    const payload = encodePayload(sessionId, next)
    await this.checkSize(payload)
    const expiresAt = Date.now() + this.options.ageMs
    const done =
      version === null
        ? await this.table.insert(sessionId, payload, expiresAt)
        : await this.table.replace(sessionId, payload, version, expiresAt)
    if (done) {
      const stored = version === null ? 1 : version + 1
      this.readRow = { id: sessionId, version: stored, expiresAt, payload, values: next }
    }
    return done
  }

  /**
   * Refuses a payload the column cannot hold: some databases (MySQL outside
   * strict mode) would store it cut
   */
  private async checkSize(payload: string) {
    const limit = await this.runtime.payloadBytes()
    const size = Buffer.byteLength(payload)
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
   * The values of a row: null for no row, an expired row or a payload
   * that is not this session's
   */
  private valuesOf(row: Row) {
    if (row.version === null || row.expiresAt <= Date.now()) {
      return null
    }
    return decodePayload(row.id, row.payload, (reason) => {
      this.logger?.warn('ignoring unreadable session payload in the database: %s', reason)
    })
  }
}

const NOT_STORED: Base = { version: null, values: null }
const NO_ROW = { version: null, expiresAt: 0, payload: null }
