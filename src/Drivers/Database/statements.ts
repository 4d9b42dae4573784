/*
 * @adonisjs/session
 */

import { SessionRuntimeException } from '../../errors'
import { DatabaseRuntime } from './runtime'

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
  return {
    select: `select id, payload, version, expires_at, ${now} as db_now from ${table} where id = ?`,
    tagged: `select id from ${table} where user_id = ? and expires_at > ?`,
    insert: dialect.insert(table),
    replace: `update ${table} set payload = ?, version = ?, expires_at = ?, user_id = ? where id = ? and version = ? and ${now} < ?`,
    remove: `delete from ${table} where id = ? and version = ? and ${now} < ?`,
    destroy: `delete from ${table} where id = ? and ${now} < ?`,
    touch: `update ${table} set expires_at = ? where id = ? and expires_at > ? and expires_at < ? and ${now} < ?`,
    sweep: dialect.sweep(table),
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

  constructor(private runtime: DatabaseRuntime) {}

  private get texts(): Texts {
    this.sql = this.sql || textsFor(this.runtime)
    return this.sql
  }

  /**
   * The row of a session, with the database clock (measured for deadlines)
   */
  public async select(id: string): Promise<Row> {
    const sentAt = Date.now()
    const result = await this.runtime.query('SELECT', () => [this.texts.select, [id]])
    const row = this.runtime.dialect.rows(result)[0]
    if (!row) {
      return { id, version: null, expiresAt: 0, payload: null }
    }
    this.runtime.observeClock(Number(row.db_now), sentAt)
    if (row.id !== id) {
      throw SessionRuntimeException.caseInsensitiveIds(this.runtime.options.table)
    }
    return {
      id,
      version: Number(row.version),
      expiresAt: Number(row.expires_at),
      payload: row.payload,
    }
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
