/*
 * @adonisjs/session
 */

import { SessionRuntimeException } from '../../errors'
import { DatabaseRuntime } from './runtime'
import { RawRow, RowReads } from './reads'

/**
 * A session row as the driver sees it; `version` is null when there is none
 */
export type Row = {
  id: string
  version: number | null
  expiresAt: number
  payload: string | null
}

/**
 * The SQL of the statements on one table, with the table's quoted name in
 * it and `?` for the values, built once per runtime so that a request only
 * binds values (and PostgreSQL can keep each one prepared)
 */
type Texts = ReturnType<typeof textsFor>

function textsFor(runtime: DatabaseRuntime) {
  const { table, dialect } = runtime
  const now = dialect.nowMs
  const columns = `select id, payload, version, expires_at, ${now} as db_now from ${table}`
  return {
    select: `${columns} where id = ?`,
    selectMany:
      dialect.family === 'pg'
        ? () => `${columns} where id = any(?)`
        : (count: number) => `${columns} where id in (${new Array(count).fill('?').join(', ')})`,
    tagged: `select id from ${table} where user_id = ? and expires_at > ?`,
    insert: dialect.insert(table),
    replace: `update ${table} set payload = ?, version = ?, expires_at = ?, user_id = ? where id = ? and version = ? and ${now} < ?`,
    remove: `delete from ${table} where id = ? and version = ? and ${now} < ?`,
    destroy: `delete from ${table} where id = ? and ${now} < ?`,
    touch: `update ${table} set expires_at = ? where id = ? and expires_at > ? and expires_at < ? and ${now} < ?`,
    sweep: dialect.sweep(table),
  }
}

const TABLES = new WeakMap<DatabaseRuntime, SessionTable>()

function rowOf(id: string, row: RawRow): Row {
  return {
    id,
    version: Number(row.version),
    expiresAt: Number(row.expires_at),
    payload: row.payload,
  }
}

/**
 * What a write stores in a row: the payload, the user it is tagged with
 * (or null) and the expiry
 */
export type RowContent = { payload: string; userId: string | null; expiresAt: number }

/**
 * The statements on the session table. Each is one round trip. Those that
 * change a row match it only while the database clock is before the
 * request's deadline, so a statement reaching a hung database that resumes
 * later, after the request answered 503, changes nothing.
 */
export class SessionTable {
  private sql: Texts | null = null
  private batches: RowReads | null = null

  /**
   * The table of a runtime, one for all its requests: it holds the reads
   * waiting for the end of this turn of the event loop
   */
  public static of(runtime: DatabaseRuntime): SessionTable {
    let table = TABLES.get(runtime)
    if (!table) {
      table = new SessionTable(runtime)
      TABLES.set(runtime, table)
    }
    return table
  }

  private constructor(private runtime: DatabaseRuntime) {}

  private get texts(): Texts {
    this.sql = this.sql || textsFor(this.runtime)
    return this.sql
  }

  private get reads(): RowReads {
    if (!this.batches) {
      const { select, selectMany } = this.texts
      const many = new Map<number, string>()
      this.batches = new RowReads(this.runtime, {
        one: select,
        many: (count) => many.get(count) || many.set(count, selectMany(count)).get(count)!,
        arrayValue: this.runtime.dialect.family === 'pg',
      })
    }
    return this.batches
  }

  /**
   * The row of a session, read together with the other rows asked for in
   * this turn of the event loop; the statement also measures the database
   * clock (for deadlines)
   */
  public async select(id: string): Promise<Row> {
    const { row, folded, stray, alone } = await this.reads.read(id)
    if (row) {
      return rowOf(id, row)
    }
    if (folded || (stray && alone)) {
      throw SessionRuntimeException.caseInsensitiveIds(this.runtime.options.table)
    }
    return stray ? this.selectAlone(id) : { id, version: null, expiresAt: 0, payload: null }
  }

  /**
   * A read by itself, for an id whose batch returned a row under an id
   * asked by none: only its own statement tells whether that row is this
   * id's
   */
  private async selectAlone(id: string): Promise<Row> {
    const sentAt = Date.now()
    const result = await this.runtime.query('SELECT', () => [this.texts.select, [id]])
    const row: RawRow | undefined = this.runtime.dialect.rows(result)[0]
    if (!row) {
      return { id, version: null, expiresAt: 0, payload: null }
    }
    this.runtime.observeClock(Number(row.db_now), sentAt)
    if (row.id !== id) {
      throw SessionRuntimeException.caseInsensitiveIds(this.runtime.options.table)
    }
    return rowOf(id, row)
  }

  /**
   * The ids of the rows tagged with the user that expire after `now`
   */
  public async tagged(userId: string, now: number): Promise<string[]> {
    const result = await this.runtime.query('SELECT (user)', () => [
      this.texts.tagged,
      [userId, now],
    ])
    return this.runtime.dialect.rows(result).map((row: { id: string }) => row.id)
  }

  /**
   * Adds the row of a new session; false when a row with this id exists
   */
  public async insert(id: string, content: RowContent): Promise<boolean> {
    const { payload, userId, expiresAt } = content
    try {
      return await this.change('INSERT', (deadline) => [
        this.texts.insert,
        [id, payload, expiresAt, userId, deadline],
      ])
    } catch (error) {
      if (this.runtime.dialect.duplicate.includes(error && error.code)) {
        return false
      }
      throw error
    }
  }

  /**
   * Compare-and-set: replaces the payload and user if the row is still at
   * `version`
   */
  public replace(id: string, content: RowContent, version: number) {
    const { payload, userId, expiresAt } = content
    return this.change('UPDATE', (deadline) => [
      this.texts.replace,
      [payload, version + 1, expiresAt, userId, id, version, deadline],
    ])
  }

  /**
   * Compare-and-set delete: removes the row if it is still at `version`
   */
  public remove(id: string, version: number) {
    return this.change('DELETE', (deadline) => [this.texts.remove, [id, version, deadline]])
  }

  /**
   * Removes the row whatever its version
   */
  public async destroy(id: string) {
    await this.change('DELETE', (deadline) => [this.texts.destroy, [id, deadline]])
  }

  /**
   * Moves the expiry of a live row forward; an expired row stays expired
   */
  public async touch(id: string, expiresAt: number) {
    await this.change('UPDATE (expiry)', (deadline) => [
      this.texts.touch,
      [expiresAt, id, Date.now(), expiresAt, deadline],
    ])
  }

  /**
   * Deletes up to `limit` rows expired before `now`; the count deleted
   */
  public async sweep(now: number, limit: number, timeoutMs: number): Promise<number> {
    const result = await this.runtime.query(
      'DELETE (expired)',
      () => [this.texts.sweep, [now, now, limit]],
      timeoutMs
    )
    return this.runtime.dialect.affected(result)
  }

  private async change(
    label: string,
    statement: (deadline: number) => [string, any[]]
  ): Promise<boolean> {
    const result = await this.runtime.query(label, (deadline) => statement(Math.floor(deadline)))
    return this.runtime.dialect.affected(result) > 0
  }
}
