/*
 * @adonisjs/session
 */

import { performance } from 'perf_hooks'
import { SessionStoreUnavailableException } from '../../errors'
import { UpdateBatches } from '../Shared/batching'
import { Dialect } from './dialects'
import { describeFailure } from './failures'
import { StatementRunner, runnerFor } from './executor'

/**
 * The part of a Lucid query client the driver uses: its name and the knex
 * instance of its write connection. Typed loosely so that apps without
 * `@adonisjs/lucid` still compile.
 */
export type DatabaseClientLike = { connectionName: string; getWriteClient(): any }

/**
 * Options of the database runtime, normalised by the manager
 */
export type DatabaseRuntimeOptions = {
  table: string
  storeTimeoutMs: number
}

/**
 * Largest payload a column holds when the database cannot tell (SQLite's
 * default SQLITE_MAX_LENGTH; PostgreSQL's limit for one field)
 */
const DEFAULT_LIMIT = 1_000_000_000

/**
 * What one app shares between the requests on the database driver: the
 * connection, the SQL of its dialect, the offset of the database clock,
 * the capacity of the payload column and the update batches. Created by
 * the manager; the
 * connection itself belongs to Lucid, which closes it at shutdown.
 */
export class DatabaseRuntime {
  /**
   * Offset of the database clock from this process' clock, in ms, as last
   * measured by a read (every read returns the database time)
   */
  private clockOffset: number | null = null
  private payloadLimit: Promise<number> | null = null
  private quotedTable: string | null = null
  private runner: StatementRunner

  constructor(
    public readonly client: DatabaseClientLike,
    public readonly dialect: Dialect,
    public readonly options: DatabaseRuntimeOptions,
    public readonly batches: UpdateBatches
  ) {
    this.runner = runnerFor(dialect.family, () => client.getWriteClient())
  }

  /**
   * The connection name, for messages
   */
  public get name() {
    return this.client.connectionName
  }

  /**
   * Runs one statement, failing with E_SESSION_STORE_UNAVAILABLE when the
   * database does not answer within `storeTimeout` or the connection fails.
   * `statement` gets the deadline: when the request stops waiting, in the
   * database clock (ms), minus a margin for the reply to travel back;
   * writes refuse to match a row past it.
   */
  public query<T = any>(
    label: string,
    statement: (deadline: number) => [string, any[]],
    timeoutMs = this.options.storeTimeoutMs
  ): Promise<T> {
    const startedAt = performance.now()
    const deadline = Date.now() + (this.clockOffset ?? 0) + timeoutMs - this.safetyMargin()
    const running = Promise.resolve().then(() => this.runner.run(...statement(deadline)))
    return this.within(running, timeoutMs, label, startedAt)
  }

  /**
   * The session table's name, quoted for the connection's SQL
   */
  public get table(): string {
    this.quotedTable =
      this.quotedTable || this.client.getWriteClient().raw('??', [this.options.table]).toQuery()
    return this.quotedTable!
  }

  /**
   * Remembers the database clock read along a query sent at `sentAt` and
   * answered now (process clock, ms)
   */
  public observeClock(databaseNow: number, sentAt: number) {
    const receivedAt = Date.now()
    if (Number.isFinite(databaseNow) && receivedAt - sentAt < this.safetyMargin()) {
      this.clockOffset = databaseNow - (sentAt + receivedAt) / 2
    }
  }

  /**
   * Measures the database clock unless a read already did: a write's
   * deadline is in that clock
   */
  public async knowClock() {
    if (this.clockOffset !== null) {
      return
    }
    const sentAt = Date.now()
    const result = await this.query('SELECT (clock)', () => [
      `select ${this.dialect.nowMs} as db_now`,
      [],
    ])
    this.observeClock(Number(this.dialect.rows(result)[0].db_now), sentAt)
  }

  /**
   * Bytes the payload column holds, asked once from the database's
   * catalogue (a column created by hand may be smaller than the migration's)
   */
  public payloadBytes(): Promise<number> {
    this.payloadLimit = this.payloadLimit || this.lookUpPayloadBytes()
    return this.payloadLimit
  }

  /**
   * Kept off the deadline given to the database: the reply of a write that
   * matches just before the deadline still has to reach the request in
   * time, and the clock offset is only known to within a round trip
   */
  public safetyMargin() {
    return Math.min(250, Math.floor(this.options.storeTimeoutMs / 5))
  }

  /**
   * The error for a statement that did not run as the request needed
   */
  public unavailable(label: string, reason: string) {
    return SessionStoreUnavailableException.create(
      'database',
      `${label} on connection "${this.name}" ${reason}`
    )
  }

  private async lookUpPayloadBytes(): Promise<number> {
    if (this.dialect.family === 'sqlite') {
      return DEFAULT_LIMIT
    }
    const [schema, table] = this.splitTable()
    const result = await this.query('SELECT (column size)', () => [
      `select character_octet_length as bytes from information_schema.columns where table_schema = ${schema} and table_name = ? and column_name = 'payload'`,
      [table],
    ]).catch(() => null)
    const bytes = result ? Number(this.dialect.rows(result)[0]?.bytes) : NaN
    if (!Number.isFinite(bytes) || bytes <= 0) {
      this.payloadLimit = null
      return DEFAULT_LIMIT
    }
    return bytes
  }

  /**
   * The schema (as SQL) and the name of the session table
   */
  private splitTable(): [string, string] {
    const table = this.options.table
    const dot = table.indexOf('.')
    if (dot > 0) {
      return [`'${table.slice(0, dot).replace(/'/g, "''")}'`, table.slice(dot + 1)]
    }
    return [this.dialect.family === 'pg' ? 'current_schema()' : 'database()', table]
  }

  private within<T>(promise: Promise<T>, ms: number, label: string, startedAt: number) {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(this.unavailable(label, `got no answer within ${ms}ms`))
      }, Math.max(ms - (performance.now() - startedAt), 1))
      promise.then(
        (result) => {
          clearTimeout(timer)
          resolve(result)
        },
        (error) => {
          clearTimeout(timer)
          reject(describeFailure(error, this, label))
        }
      )
    })
  }
}
