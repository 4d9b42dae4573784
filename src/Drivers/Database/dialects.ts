/*
 * @adonisjs/session
 */

/**
 * The SQL families the driver speaks, from Lucid's dialect names
 */
export type DialectFamily = 'pg' | 'mysql' | 'sqlite'

/**
 * The statements of one SQL family, for a table's quoted name, with `?` for
 * the values. Every statement that changes a row carries `nowMs < deadline` in the
 * database's own clock, evaluated when the row is matched (see deadline.md
 * in the README: "Outages").
 */
export type Dialect = {
  family: DialectFamily
  /**
   * The database clock in milliseconds since the epoch, at evaluation time
   * (not at transaction or statement start)
   */
  nowMs: string
  /**
   * Insert a row (id, payload, expiry, user, deadline) unless one with the
   * id exists; affects 0 rows then
   */
  insert(table: string): string
  /**
   * Error codes of an insert that met an existing row
   */
  duplicate: string[]
  /**
   * Delete up to a batch (now, now, limit) of expired rows; affects how
   * many it deleted
   */
  sweep(table: string): string
  /**
   * Affected row count of a write statement's knex result
   */
  affected(result: any): number
  /**
   * Rows of a select statement's knex result
   */
  rows(result: any): any[]
}

const PG_NOW = '(extract(epoch from clock_timestamp()) * 1000)'
const MYSQL_NOW = '(unix_timestamp(sysdate(3)) * 1000)'
const SQLITE_NOW = "((julianday('now') - 2440587.5) * 86400000.0)"

const COLUMNS = '(id, payload, version, expires_at, user_id)'

const pg: Dialect = {
  family: 'pg',
  nowMs: PG_NOW,
  insert: (table) =>
    `insert into ${table} ${COLUMNS} select ?, ?, 1, ?, ? where ${PG_NOW} < ? on conflict (id) do nothing`,
  duplicate: [],
  sweep: (table) =>
    `delete from ${table} where expires_at < ? and id in (select id from ${table} where expires_at < ? limit ? for update skip locked)`,
  affected: (result) => result.rowCount,
  rows: (result) => result.rows,
}

const mysql: Dialect = {
  family: 'mysql',
  nowMs: MYSQL_NOW,
  /**
   * A duplicate fails the statement (ER_DUP_ENTRY, read as a conflict):
   * with mysql2's CLIENT_FOUND_ROWS an ON DUPLICATE KEY no-op counts as
   * one affected row like an insert, and INSERT IGNORE would store a
   * too-long payload cut
   */
  insert: (table) =>
    `insert into ${table} ${COLUMNS} select ?, ?, 1, ?, ? from dual where ${MYSQL_NOW} < ?`,
  duplicate: ['ER_DUP_ENTRY'],
  sweep: (table) =>
    `delete from ${table} where expires_at < ? and expires_at < ? order by expires_at limit ?`,
  affected: (result) => result[0].affectedRows,
  rows: (result) => result[0],
}

const sqlite: Dialect = {
  family: 'sqlite',
  nowMs: SQLITE_NOW,
  insert: (table) =>
    `insert into ${table} ${COLUMNS} select ?, ?, 1, ?, ? where ${SQLITE_NOW} < ? on conflict (id) do nothing`,
  duplicate: [],
  sweep: (table) =>
    `delete from ${table} where expires_at < ? and id in (select id from ${table} where expires_at < ? limit ?)`,
  affected: (result) => (typeof result === 'number' ? result : result.changes),
  rows: (result) => result,
}

/**
 * Lucid's dialect names (node-sqlite3 is left out: its knex results carry
 * no affected row count for raw statements) (`config/database.ts` clients) by SQL family
 */
const FAMILIES: Record<string, Dialect> = {
  'postgres': pg,
  'pg': pg,
  'redshift': pg,
  'mysql': mysql,
  'mysql2': mysql,
  'better-sqlite3': sqlite,
}

/**
 * The statements for a Lucid dialect, or null when the driver does not
 * support it (MSSQL, Oracle)
 */
export function dialectFor(name: string): Dialect | null {
  return FAMILIES[name] || null
}
