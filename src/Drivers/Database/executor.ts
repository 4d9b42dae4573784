/*
 * @adonisjs/session
 */

import { createHash } from 'crypto'
import type { DialectFamily } from './dialects'

/**
 * Runs one statement of the driver (SQL with `?` for the values) on the
 * connection and answers with the result as knex's `raw` gives it for the
 * dialect
 */
export interface StatementRunner {
  run(sql: string, values: any[]): Promise<any>
}

/**
 * Through knex's `raw`, for MySQL and SQLite
 */
class KnexRunner implements StatementRunner {
  constructor(private knex: () => any) {}

  public async run(sql: string, values: any[]) {
    return this.knex().raw(sql, values)
  }
}

/**
 * On PostgreSQL, past knex's query builder and runner: a connection of
 * knex's own pool runs each statement as a named prepared statement, so
 * PostgreSQL parses and plans it once per connection and a request only
 * binds its values. knex's pool still owns the connections (it discards
 * those that failed, and closes them at shutdown).
 */
class PgRunner implements StatementRunner {
  private prepared = new Map<string, { name: string; text: string }>()

  constructor(private knex: () => any) {}

  public async run(sql: string, values: any[]) {
    const statement = this.prepared.get(sql) || this.prepare(sql)
    const client = this.knex().client
    const connection = await client.acquireConnection()
    try {
      return await connection.query({ name: statement.name, text: statement.text, values })
    } finally {
      client.releaseConnection(connection)
    }
  }

  /**
   * `$1, $2...` for the values, and a name that is the same for the same
   * text in every process (a name never stands for two texts)
   */
  private prepare(sql: string) {
    let position = 0
    const text = sql.replace(/\?/g, () => `$${++position}`)
    const name = `adonis_session_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`
    const statement = { name, text }
    this.prepared.set(sql, statement)
    return statement
  }
}

/**
 * The runner for a SQL family over the connection's knex instance
 */
export function runnerFor(family: DialectFamily, knex: () => any): StatementRunner {
  return family === 'pg' ? new PgRunner(knex) : new KnexRunner(knex)
}
