/*
 * @adonisjs/session
 *
 * Every error of the package: its code, its status and its message,
 * exactly, so that a reworded error is a conscious change
 */

import { test } from '@japa/runner'
import * as errors from '../src/errors'

const {
  InvalidSessionDriverException,
  InvalidSessionConfigException,
  SessionRuntimeException,
  SessionCookieTooLargeException,
  SessionStoreUnavailableException,
  SessionPayloadTooLargeException,
  UnsafeSessionKeyException,
  InvalidSessionTagException,
  SessionTaggingNotSupportedException,
} = errors

type Case = [name: string, error: any, code: string, status: number, message: string]

const CONFIG = 'E_INVALID_SESSION_DRIVER_CONFIG'
const RUNTIME = 'E_RUNTIME_EXCEPTION'

const cases: Case[] = [
  [
    'InvalidSessionDriverException.unknown',
    InvalidSessionDriverException.unknown('mongo'),
    'E_INVALID_SESSION_DRIVER',
    500,
    '"mongo" is not a valid session driver. Use one of cookie, file, redis, database, memory or register it with Session.extend() before the first request',
  ],
  [
    'InvalidSessionDriverException.needsHttpContext',
    InvalidSessionDriverException.needsHttpContext('cookie'),
    'E_INVALID_SESSION_DRIVER',
    500,
    'The cookie session driver needs an HTTP context',
  ],
  [
    'InvalidSessionConfigException.missingDriver',
    InvalidSessionConfigException.missingDriver(),
    CONFIG,
    500,
    'Missing "driver" for session inside "config/session" file. Set it, for example from the SESSION_DRIVER environment variable',
  ],
  [
    'InvalidSessionConfigException.invalid',
    InvalidSessionConfigException.invalid('age', 'expected a duration'),
    CONFIG,
    500,
    'Invalid "age" for session inside "config/session" file: expected a duration',
  ],
  [
    'InvalidSessionConfigException.missingFileLocation',
    InvalidSessionConfigException.missingFileLocation(),
    CONFIG,
    500,
    'Missing "file.location" for session file driver inside "config/session" file',
  ],
  [
    'InvalidSessionConfigException.missingRedisConnection',
    InvalidSessionConfigException.missingRedisConnection(),
    CONFIG,
    500,
    'Missing "redisConnection" for session redis driver inside "config/session" file',
  ],
  [
    'InvalidSessionConfigException.redisNotInstalled',
    InvalidSessionConfigException.redisNotInstalled(),
    CONFIG,
    500,
    'Install and configure "@adonisjs/redis" to use the redis driver for sessions (npm i @adonisjs/redis@7, then node ace configure @adonisjs/redis)',
  ],
  [
    'InvalidSessionConfigException.unknownRedisConnection',
    InvalidSessionConfigException.unknownRedisConnection('cache'),
    CONFIG,
    500,
    'Redis connection "cache" used by the session redis driver is not defined inside "config/redis" file',
  ],
  [
    'InvalidSessionConfigException.lucidNotInstalled',
    InvalidSessionConfigException.lucidNotInstalled(),
    CONFIG,
    500,
    'Install and configure "@adonisjs/lucid" to use the database driver for sessions (npm i @adonisjs/lucid@18, then node ace configure @adonisjs/lucid)',
  ],
  [
    'InvalidSessionConfigException.unknownDatabaseConnection',
    InvalidSessionConfigException.unknownDatabaseConnection('pg'),
    CONFIG,
    500,
    'Database connection "pg" used by the session database driver is not defined inside "config/database" file',
  ],
  [
    'InvalidSessionConfigException.unsupportedDatabase',
    InvalidSessionConfigException.unsupportedDatabase('legacy', 'mssql'),
    CONFIG,
    500,
    'Database connection "legacy" uses "mssql": the session database driver supports PostgreSQL, MySQL/MariaDB and SQLite (through better-sqlite3)',
  ],
  [
    'SessionRuntimeException.missingSessionTable',
    SessionRuntimeException.missingSessionTable('sessions', 'pg'),
    RUNTIME,
    500,
    'Session table "sessions" does not exist on database connection "pg". Run "node ace make:session-table", then "node ace migration:run"',
  ],
  [
    'SessionRuntimeException.caseInsensitiveIds',
    SessionRuntimeException.caseInsensitiveIds('sessions'),
    RUNTIME,
    500,
    'The "id" column of session table "sessions" compares case-insensitively, so two session ids can share a row. Give it a binary collation (the make:session-table migration does)',
  ],
  [
    'SessionPayloadTooLargeException.column',
    SessionPayloadTooLargeException.column('sessions', 70000, 65535),
    'E_SESSION_PAYLOAD_TOO_LARGE',
    500,
    'Session payload is 70000 bytes, over the 65535 bytes the "payload" column of table "sessions" holds. Store less in the session, or widen the column',
  ],
  [
    'SessionPayloadTooLargeException.fromDatabase',
    SessionPayloadTooLargeException.fromDatabase(
      'sessions',
      'value too long for type character varying(2000)'
    ),
    'E_SESSION_PAYLOAD_TOO_LARGE',
    500,
    'Session payload does not fit the "payload" column of table "sessions" (value too long for type character varying(2000)). Store less in the session, or widen the column',
  ],
  [
    'InvalidSessionConfigException.partitionedWithoutSecure',
    InvalidSessionConfigException.partitionedWithoutSecure(),
    CONFIG,
    500,
    'Invalid "cookie.partitioned" for session inside "config/session" file: browsers only keep a Partitioned cookie that is also Secure, set "cookie.secure" to true',
  ],
  [
    'InvalidSessionConfigException.shortPreviousAppKey',
    InvalidSessionConfigException.shortPreviousAppKey(1),
    CONFIG,
    500,
    'Invalid "previousAppKeys" for session inside "config/session" file: the key at index 1 is shorter than 16 characters, the length the framework requires of APP_KEY',
  ],
  [
    'SessionRuntimeException.notInitiated',
    SessionRuntimeException.notInitiated(),
    RUNTIME,
    500,
    'Session store is not initiated yet. Make sure sessions are enabled in "config/session" file and the session hook has run (or call "await session.initiate(false)")',
  ],
  [
    'SessionRuntimeException.readonly',
    SessionRuntimeException.readonly(),
    RUNTIME,
    500,
    'Session store is in readonly mode and cannot be mutated',
  ],
  [
    'SessionRuntimeException.notANumber',
    SessionRuntimeException.notANumber('visits', 'increment'),
    RUNTIME,
    500,
    'Cannot increment "visits", since its current value is not a number',
  ],
  [
    'SessionRuntimeException.notARequest',
    SessionRuntimeException.notARequest(),
    RUNTIME,
    500,
    'Session.readonly() expects the request of an "upgrade" event (an http.IncomingMessage), or socket.request with socket.io',
  ],
  [
    'UnsafeSessionKeyException.segment',
    UnsafeSessionKeyException.segment('__proto__'),
    'E_UNSAFE_SESSION_KEY',
    400,
    'Session keys cannot have a "__proto__" segment: "__proto__", "constructor" and "prototype" are refused in key paths',
  ],
  [
    'SessionRuntimeException.notAnObject',
    SessionRuntimeException.notAnObject('file'),
    RUNTIME,
    500,
    'Session file driver expects an object of values',
  ],
  [
    'SessionRuntimeException.tooManyConflicts',
    SessionRuntimeException.tooManyConflicts('abcdefghijkl'),
    RUNTIME,
    500,
    'Gave up writing session "abcdef…" after too many concurrent updates',
  ],
  [
    'SessionRuntimeException.invalidSessionId',
    SessionRuntimeException.invalidSessionId('file'),
    RUNTIME,
    500,
    'Refusing an invalid session id in the file driver',
  ],
  [
    'SessionRuntimeException.notASession',
    SessionRuntimeException.notASession('abc'),
    RUNTIME,
    500,
    'Redis key "abc…" holds a value that is not a session; refusing to overwrite it',
  ],
  [
    'SessionRuntimeException.disabledForTests',
    SessionRuntimeException.disabledForTests('session'),
    RUNTIME,
    500,
    'Cannot set session. Make sure to enable it inside "config/session" file',
  ],
  [
    'SessionRuntimeException.disabledForTests',
    SessionRuntimeException.disabledForTests('flash messages'),
    RUNTIME,
    500,
    'Cannot set flash messages. Make sure to enable the session inside "config/session" file',
  ],
  [
    'SessionCookieTooLargeException.create',
    SessionCookieTooLargeException.create('abc', 5000, 4096),
    'E_SESSION_COOKIE_TOO_LARGE',
    500,
    'Session cookie "abc…" would be 5000 bytes (name and value), over the 4096 bytes browsers keep. Store less in the session, or switch to the file or redis driver in "config/session" file',
  ],
  [
    'SessionStoreUnavailableException.create',
    SessionStoreUnavailableException.create('redis', 'GETEX timed out'),
    'E_SESSION_STORE_UNAVAILABLE',
    503,
    'Session store (redis driver) is unavailable: GETEX timed out',
  ],
  [
    'SessionStoreUnavailableException.redisNoAnswer',
    SessionStoreUnavailableException.redisNoAnswer('127.0.0.1:6379', 'local', 1500, 'reconnecting'),
    'E_SESSION_STORE_UNAVAILABLE',
    503,
    'Session store (redis driver) is unavailable: Redis at 127.0.0.1:6379 (connection "local") did not answer within storeTimeout (1500ms, the connection is reconnecting). Check that this Redis server is running and reachable, or raise "storeTimeout" inside "config/session" file',
  ],
  [
    'SessionPayloadTooLargeException.create',
    SessionPayloadTooLargeException.create('redis', 'abcdefghijkl', 1048600, 1048576),
    'E_SESSION_PAYLOAD_TOO_LARGE',
    500,
    'Session "abcdef…" would store 1048600 bytes in the redis driver, over maxPayloadSize (1048576 bytes). Store less in the session, or raise "maxPayloadSize" inside "config/session" file',
  ],
  [
    'SessionStoreUnavailableException.redisWriteUnknown',
    SessionStoreUnavailableException.redisWriteUnknown('127.0.0.1:6379', 'local', 1500),
    'E_SESSION_STORE_UNAVAILABLE',
    503,
    'Session store (redis driver) is unavailable: Redis at 127.0.0.1:6379 (connection "local") did not answer the session write within storeTimeout (1500ms): the write may have been applied, and will not be applied later. Check that this Redis server is running and reachable, or raise "storeTimeout" inside "config/session" file',
  ],
  [
    'SessionStoreUnavailableException.redisFailed',
    SessionStoreUnavailableException.redisFailed(
      '127.0.0.1:6379',
      'local',
      'Connection is closed.'
    ),
    'E_SESSION_STORE_UNAVAILABLE',
    503,
    'Session store (redis driver) is unavailable: Redis at 127.0.0.1:6379 (connection "local") failed: Connection is closed.',
  ],
  [
    'InvalidSessionTagException.oneArgument',
    InvalidSessionTagException.oneArgument('error', 'posts/new.edge', 12),
    'E_INVALID_SESSION_TAG',
    500,
    '@error takes one argument, the flash message key or the field name (posts/new.edge:12)',
  ],
  [
    'SessionRuntimeException.invalidUserId',
    SessionRuntimeException.invalidUserId(),
    RUNTIME,
    500,
    'session.tag() expects the user id as a non-empty string or a finite number',
  ],
  [
    'SessionRuntimeException.userIdTooLong',
    SessionRuntimeException.userIdTooLong('sessions', 64, 70),
    RUNTIME,
    500,
    'The session database driver stores user ids of up to 64 characters in the "user_id" column of table "sessions", got 70. Tag sessions with a shorter id',
  ],
  [
    'SessionTaggingNotSupportedException.driver',
    SessionTaggingNotSupportedException.driver('cookie'),
    'E_SESSION_TAGGING_NOT_SUPPORTED',
    500,
    'The "cookie" session driver cannot list or destroy sessions by user. Use a server-side driver (memory, file, redis or database) inside "config/session" file',
  ],
]

test.group('errors', () => {
  for (const [name, error, code, status, message] of cases) {
    test(`${name}: ${code}, ${status}`, ({ assert }) => {
      assert.instanceOf(error, Error)
      assert.equal(error.code, code)
      assert.equal(error.status, status)
      assert.equal(error.message, `${code}: ${message}`)
    })
  }

  test('every factory of src/errors.ts is asserted above', ({ assert }) => {
    const factories = Object.values(errors).flatMap((Class: any) =>
      Object.getOwnPropertyNames(Class)
        .filter((key) => typeof Class[key] === 'function')
        .map((key) => `${Class.name}.${key}`)
    )
    const asserted = new Set(cases.map(([name]) => name))
    assert.deepEqual(
      factories.filter((name) => !asserted.has(name)),
      []
    )
  })
})
