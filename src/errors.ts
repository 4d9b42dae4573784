/*
 * @adonisjs/session
 */

import { Exception } from '@poppinss/utils'
import { shortId } from './SessionId'

/**
 * Every error the package raises, with a stable code. Messages say what is
 * wrong and where to change it.
 */

/**
 * The configured driver is neither built in nor added with `Session.extend`
 */
export class InvalidSessionDriverException extends Exception {
  public static code = 'E_INVALID_SESSION_DRIVER'

  public static unknown(driver: string) {
    return new this(
      `"${driver}" is not a valid session driver. Use one of cookie, file, redis, database, memory or register it with Session.extend() before the first request`,
      500,
      this.code
    )
  }

  public static needsHttpContext(driver: string) {
    return new this(`The ${driver} session driver needs an HTTP context`, 500, this.code)
  }
}

/**
 * `config/session.ts` is missing a value, or a value has the wrong shape
 */
export class InvalidSessionConfigException extends Exception {
  public static code = 'E_INVALID_SESSION_DRIVER_CONFIG'

  public static missingDriver() {
    return new this(
      'Missing "driver" for session inside "config/session" file. Set it, for example from the SESSION_DRIVER environment variable',
      500,
      this.code
    )
  }

  public static invalid(key: string, expectation: string) {
    return new this(
      `Invalid "${key}" for session inside "config/session" file: ${expectation}`,
      500,
      this.code
    )
  }

  public static missingFileLocation() {
    return new this(
      'Missing "file.location" for session file driver inside "config/session" file',
      500,
      this.code
    )
  }

  public static missingRedisConnection() {
    return new this(
      'Missing "redisConnection" for session redis driver inside "config/session" file',
      500,
      this.code
    )
  }

  public static redisNotInstalled() {
    return new this(
      'Install and configure "@adonisjs/redis" to use the redis driver for sessions (npm i @adonisjs/redis@7, then node ace configure @adonisjs/redis)',
      500,
      this.code
    )
  }

  public static lucidNotInstalled() {
    return new this(
      'Install and configure "@adonisjs/lucid" to use the database driver for sessions (npm i @adonisjs/lucid@18, then node ace configure @adonisjs/lucid)',
      500,
      this.code
    )
  }

  public static unknownDatabaseConnection(name: string) {
    return new this(
      `Database connection "${name}" used by the session database driver is not defined inside "config/database" file`,
      500,
      this.code
    )
  }

  public static unsupportedDatabase(name: string, dialect: string) {
    return new this(
      `Database connection "${name}" uses "${dialect}": the session database driver supports PostgreSQL, MySQL/MariaDB and SQLite (through better-sqlite3)`,
      500,
      this.code
    )
  }

  public static partitionedWithoutSecure() {
    return new this(
      'Invalid "cookie.partitioned" for session inside "config/session" file: browsers only keep a Partitioned cookie that is also Secure, set "cookie.secure" to true',
      500,
      this.code
    )
  }

  /**
   * Names the key by its position: the key itself is a secret
   */
  public static shortPreviousAppKey(index: number) {
    return new this(
      `Invalid "previousAppKeys" for session inside "config/session" file: the key at index ${index} is shorter than 16 characters, the length the framework requires of APP_KEY`,
      500,
      this.code
    )
  }

  public static unknownRedisConnection(name: string) {
    return new this(
      `Redis connection "${name}" used by the session redis driver is not defined inside "config/redis" file`,
      500,
      this.code
    )
  }
}

/**
 * The session is used in a way its state does not allow
 */
export class SessionRuntimeException extends Exception {
  public static code = 'E_RUNTIME_EXCEPTION'

  public static notInitiated() {
    return new this(
      'Session store is not initiated yet. Make sure sessions are enabled in "config/session" file and the session hook has run (or call "await session.initiate(false)")',
      500,
      this.code
    )
  }

  public static readonly() {
    return new this('Session store is in readonly mode and cannot be mutated', 500, this.code)
  }

  public static notANumber(key: string, action: 'increment' | 'decrement') {
    return new this(
      `Cannot ${action} "${key}", since its current value is not a number`,
      500,
      this.code
    )
  }

  public static notARequest() {
    return new this(
      'Session.readonly() expects the request of an "upgrade" event (an http.IncomingMessage), or socket.request with socket.io',
      500,
      this.code
    )
  }

  public static notAnObject(driver: string) {
    return new this(`Session ${driver} driver expects an object of values`, 500, this.code)
  }

  public static missingSessionTable(table: string, connection: string) {
    return new this(
      `Session table "${table}" does not exist on database connection "${connection}". Run "node ace make:session-table", then "node ace migration:run"`,
      500,
      this.code
    )
  }

  public static caseInsensitiveIds(table: string) {
    return new this(
      `The "id" column of session table "${table}" compares case-insensitively, so two session ids can share a row. Give it a binary collation (the make:session-table migration does)`,
      500,
      this.code
    )
  }

  public static tooManyConflicts(sessionId: string) {
    return new this(
      `Gave up writing session "${shortId(sessionId)}" after too many concurrent updates`,
      500,
      this.code
    )
  }

  public static invalidSessionId(driver: string) {
    return new this(`Refusing an invalid session id in the ${driver} driver`, 500, this.code)
  }

  public static notASession(key: string) {
    return new this(
      `Redis key "${shortId(key)}" holds a value that is not a session; refusing to overwrite it`,
      500,
      this.code
    )
  }

  public static userIdTooLong(table: string, limit: number, length: number) {
    return new this(
      `The session database driver stores user ids of up to ${limit} characters in the "user_id" column of table "${table}", got ${length}. Tag sessions with a shorter id`,
      500,
      this.code
    )
  }

  public static invalidUserId() {
    return new this(
      'session.tag() expects the user id as a non-empty string or a finite number',
      500,
      this.code
    )
  }

  public static disabledForTests(what: 'session' | 'flash messages') {
    const message =
      what === 'session'
        ? 'Cannot set session. Make sure to enable it inside "config/session" file'
        : 'Cannot set flash messages. Make sure to enable the session inside "config/session" file'
    return new this(message, 500, this.code)
  }
}

/**
 * A key path with a segment that could reach Object.prototype. Such keys
 * usually come from the request, so this is a client error (400).
 */
export class UnsafeSessionKeyException extends Exception {
  public static code = 'E_UNSAFE_SESSION_KEY'

  /**
   * The message names the segment but not the key: the key is the client's
   * input and the message is what the client gets back
   */
  public static segment(segment: string) {
    return new this(
      `Session keys cannot have a "${segment}" segment: "__proto__", "constructor" and "prototype" are refused in key paths`,
      400,
      this.code
    )
  }
}

/**
 * The cookie driver was asked to send a cookie that browsers drop
 */
export class SessionCookieTooLargeException extends Exception {
  public static code = 'E_SESSION_COOKIE_TOO_LARGE'

  public static create(name: string, size: number, limit: number) {
    return new this(
      `Session cookie "${shortId(
        name
      )}" would be ${size} bytes (name and value), over the ${limit} bytes browsers keep. Store less in the session, or switch to the file or redis driver in "config/session" file`,
      500,
      this.code
    )
  }
}

/**
 * A session payload over the `maxPayloadSize` of "config/session", or too
 * large for where the store keeps it
 */
export class SessionPayloadTooLargeException extends Exception {
  public static code = 'E_SESSION_PAYLOAD_TOO_LARGE'

  public static create(driver: string, sessionId: string, size: number, limit: number) {
    return new this(
      `Session "${shortId(
        sessionId
      )}" would store ${size} bytes in the ${driver} driver, over maxPayloadSize (${limit} bytes). Store less in the session, or raise "maxPayloadSize" inside "config/session" file`,
      500,
      this.code
    )
  }

  /**
   * The payload is larger than the table's "payload" column holds
   */
  public static column(table: string, size: number, limit: number) {
    return new this(
      `Session payload is ${size} bytes, over the ${limit} bytes the "payload" column of table "${table}" holds. Store less in the session, or widen the column`,
      500,
      this.code
    )
  }

  public static fromDatabase(table: string, reason: string) {
    return new this(
      `Session payload does not fit the "payload" column of table "${table}" (${reason}). Store less in the session, or widen the column`,
      500,
      this.code
    )
  }
}

/**
 * The session store did not answer in time or refused the operation
 */
export class SessionStoreUnavailableException extends Exception {
  public static code = 'E_SESSION_STORE_UNAVAILABLE'

  public static create(driver: string, reason: string) {
    return new this(`Session store (${driver} driver) is unavailable: ${reason}`, 503, this.code)
  }

  /**
   * Redis gave no answer within "storeTimeout"; `state` is the connection's
   * status when it was not ready (reconnecting, connecting, ...)
   */
  public static redisNoAnswer(
    address: string,
    connection: string,
    timeoutMs: number,
    state?: string
  ) {
    const waiting = state ? `, the connection is ${state}` : ''
    return this.create(
      'redis',
      `Redis at ${address} (connection "${connection}") did not answer within storeTimeout (${timeoutMs}ms${waiting}). Check that this Redis server is running and reachable, or raise "storeTimeout" inside "config/session" file`
    )
  }

  /**
   * A session write was sent to Redis and its answer did not come in time
   * (a lost reply, a slow reconnect): it may have been applied, and cannot
   * be applied after the moment the request gave up
   */
  public static redisWriteUnknown(address: string, connection: string, timeoutMs: number) {
    return this.create(
      'redis',
      `Redis at ${address} (connection "${connection}") did not answer the session write within storeTimeout (${timeoutMs}ms): the write may have been applied, and will not be applied later. Check that this Redis server is running and reachable, or raise "storeTimeout" inside "config/session" file`
    )
  }

  /**
   * The connection to Redis failed while running a command
   */
  public static redisFailed(address: string, connection: string, reason: string) {
    return this.create(
      'redis',
      `Redis at ${address} (connection "${connection}") failed: ${reason}`
    )
  }
}

/**
 * An Edge tag of the package used with the wrong arguments
 */
export class InvalidSessionTagException extends Exception {
  public static code = 'E_INVALID_SESSION_TAG'

  public static oneArgument(tagName: string, filename: string, line: number) {
    return new this(
      `@${tagName} takes one argument, the flash message key or the field name (${filename}:${line})`,
      500,
      this.code
    )
  }
}

/**
 * A session collection method used with a driver that keeps no server-side
 * index of sessions per user
 */
export class SessionTaggingNotSupportedException extends Exception {
  public static code = 'E_SESSION_TAGGING_NOT_SUPPORTED'

  public static driver(driver: string) {
    return new this(
      `The "${driver}" session driver cannot list or destroy sessions by user. Use a server-side driver (memory, file, redis or database) inside "config/session" file`,
      500,
      this.code
    )
  }
}
