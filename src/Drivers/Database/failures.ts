/*
 * @adonisjs/session
 */

import { SessionPayloadTooLargeException, SessionRuntimeException } from '../../errors'
import type { DatabaseRuntime } from './runtime'

/**
 * SQLSTATE classes of PostgreSQL meaning the connection, not the statement,
 * failed: connection exceptions, insufficient resources, operator
 * intervention (a shutdown)
 */
const PG_UNAVAILABLE = /^(08|53|57P)/

/**
 * Codes saying the value does not fit its column
 */
const TOO_LARGE = new Set([
  '22001',
  '54000',
  'ER_DATA_TOO_LONG',
  'ER_NET_PACKET_TOO_LARGE',
  'SQLITE_TOOBIG',
])

/**
 * Codes saying the session table is missing
 */
const NO_TABLE = new Set(['42P01', 'ER_NO_SUCH_TABLE'])

/**
 * The error a request fails with for a failed statement: a coded error for
 * a payload that does not fit and for a missing table,
 * E_SESSION_STORE_UNAVAILABLE when the database could not be reached or
 * lost the connection, and any other error the database answered with
 * unchanged
 */
export function describeFailure(error: any, runtime: DatabaseRuntime, label: string) {
  const code = String((error && error.code) || '')
  const reason = databaseMessage(error)
  if (TOO_LARGE.has(code)) {
    return SessionPayloadTooLargeException.fromDatabase(runtime.options.table, reason)
  }
  if (NO_TABLE.has(code) || /no such table/.test(String(error && error.message))) {
    return SessionRuntimeException.missingSessionTable(runtime.options.table, runtime.name)
  }
  if (answeredByDatabase(error, code)) {
    error.message = reason
    return error
  }
  return runtime.unavailable(label, `failed: ${reason}`)
}

/**
 * The database's own message: knex puts the statement with its values
 * (the session id, the payload) before it, which must not reach a log
 */
function databaseMessage(error: any): string {
  const message = String((error && error.message) || error)
  if (!/^(select|insert|update|delete) /i.test(message) || !message.includes(' - ')) {
    return message
  }
  return typeof error.sqlMessage === 'string' ? error.sqlMessage : message.split(' - ').pop()!
}

/**
 * True for an error the database replied with over a working connection
 */
function answeredByDatabase(error: any, code: string) {
  if (/^[0-9A-Z]{5}$/.test(code)) {
    return !PG_UNAVAILABLE.test(code)
  }
  if (error && error.sqlState && typeof error.errno === 'number') {
    return !error.fatal && !String(error.sqlState).startsWith('08')
  }
  return code.startsWith('SQLITE_') && code !== 'SQLITE_BUSY' && code !== 'SQLITE_LOCKED'
}
