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
 * The statements on the session table. Each is one round trip. Those that
 * change a row match it only while the database clock is before the
 * request's deadline, so a statement reaching a hung database that resumes
 * later, after the request answered 503, changes nothing.
 */
export class SessionTable {
  constructor(private runtime: DatabaseRuntime) {}

  private get name() {
    return this.runtime.options.table
  }

  private get dialect() {
    return this.runtime.dialect
  }

  /**
   * The row of a session, with the database clock (measured for deadlines)
   */
  public async select(id: string): Promise<Row> {
    const sentAt = Date.now()
    const result = await this.runtime.run('SELECT', (knex) =>
      knex.raw(
        `select id, payload, version, expires_at, ${this.dialect.nowMs} as db_now from ?? where id = ?`,
        [this.name, id]
      )
    )
    const [row] = this.dialect.rows(result)
    if (!row) {
      return { id, version: null, expiresAt: 0, payload: null }
    }
    this.runtime.observeClock(Number(row.db_now), sentAt)
    if (row.id !== id) {
      throw SessionRuntimeException.caseInsensitiveIds(this.name)
    }
    return {
      id,
      version: Number(row.version),
      expiresAt: Number(row.expires_at),
      payload: row.payload,
    }
  }

  /**
   * Adds the row of a new session; false when a row with this id exists
   */
  public async insert(id: string, payload: string, expiresAt: number): Promise<boolean> {
    try {
      return await this.change('INSERT', (deadline) => [
        this.dialect.insert,
        [this.name, id, payload, expiresAt, deadline],
      ])
    } catch (error) {
      if (this.dialect.duplicate.includes(error && error.code)) {
        return false
      }
      throw error
    }
  }

  /**
   * Compare-and-set: replaces the payload if the row is still at `version`
   */
  public replace(id: string, payload: string, version: number, expiresAt: number) {
    return this.change('UPDATE', (deadline) => [
      `update ?? set payload = ?, version = ?, expires_at = ? where id = ? and version = ? and ${this.dialect.nowMs} < ?`,
      [this.name, payload, version + 1, expiresAt, id, version, deadline],
    ])
  }

  /**
   * Compare-and-set delete: removes the row if it is still at `version`
   */
  public remove(id: string, version: number) {
    return this.change('DELETE', (deadline) => [
      `delete from ?? where id = ? and version = ? and ${this.dialect.nowMs} < ?`,
      [this.name, id, version, deadline],
    ])
  }

  /**
   * Removes the row whatever its version
   */
  public async destroy(id: string) {
    await this.change('DELETE', (deadline) => [
      `delete from ?? where id = ? and ${this.dialect.nowMs} < ?`,
      [this.name, id, deadline],
    ])
  }

  /**
   * Moves the expiry of a live row forward; an expired row stays expired
   */
  public async touch(id: string, expiresAt: number) {
    await this.change('UPDATE (expiry)', (deadline) => [
      `update ?? set expires_at = ? where id = ? and expires_at > ? and expires_at < ? and ${this.dialect.nowMs} < ?`,
      [this.name, expiresAt, id, Date.now(), expiresAt, deadline],
    ])
  }

  /**
   * Deletes up to `limit` rows expired before `now`; the count deleted
   */
  public async sweep(now: number, limit: number, timeoutMs: number): Promise<number> {
    const result = await this.runtime.run(
      'DELETE (expired)',
      (knex) => knex.raw(this.dialect.sweep, this.sweepBindings(now, limit)),
      timeoutMs
    )
    return this.dialect.affected(result)
  }

  private sweepBindings(now: number, limit: number) {
    return this.dialect.family === 'mysql'
      ? [this.name, now, now, limit]
      : [this.name, now, this.name, now, limit]
  }

  private async change(
    label: string,
    statement: (deadline: number) => [string, any[]]
  ): Promise<boolean> {
    const result = await this.runtime.run(label, (knex, deadline) =>
      knex.raw(...statement(Math.floor(deadline)))
    )
    return this.dialect.affected(result) > 0
  }
}
