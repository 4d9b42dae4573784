/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { string } from '@poppinss/utils/build/helpers'
import { SessionConfig } from '@ioc:Adonis/Addons/Session'
import { LoggerContract } from '@ioc:Adonis/Core/Logger'
import { InvalidSessionConfigException } from '../errors'

/**
 * Options of the cookies the package writes, ready for `cookie.serialize`
 */
export type SerializeOptions = {
  domain?: string
  path?: string
  httpOnly?: boolean
  secure?: boolean
  sameSite?: boolean | 'lax' | 'none' | 'strict'
  priority?: 'low' | 'medium' | 'high'
  partitioned?: boolean
  maxAge?: number
}

const PRIORITIES = ['low', 'medium', 'high']

/**
 * `config/session.ts` once validated, with every duration in milliseconds
 */
export type ResolvedSessionConfig = SessionConfig & {
  ageMs: number
  ttlSeconds: number
  refreshAfterMs: number
  storeTimeoutMs: number
  fileLockWaitMs: number
  maxPayloadBytes: number
  flashInputLimitBytes: number
  gcProbability: number
  dontFlash: string[]
  cookieOptions: SerializeOptions
  database: { connection?: string; table: string }
  maxLifetimeMs: number | null
  previousAppKeys: string[]
  encrypt: boolean
  varyCookie: boolean
}

/**
 * Validate and normalise the session config. Runs once, when the manager is
 * built at boot; nothing here runs per request.
 */
export function resolveConfig(
  config: Partial<SessionConfig>,
  httpCookie: Record<string, any> = {}
): ResolvedSessionConfig {
  if (!config || !config.driver) {
    throw InvalidSessionConfigException.missingDriver()
  }

  const ageMs = duration('age', config.age ?? '2h')
  const refreshAfter = ratio('refreshAfter', config.refreshAfter ?? 0.1)
  const gcProbability = ratio('gcProbability', config.gcProbability ?? 0.01)
  const dontFlash = config.dontFlash ?? ['password', 'password_confirmation']
  if (!Array.isArray(dontFlash)) {
    throw InvalidSessionConfigException.invalid('dontFlash', 'expected an array of field names')
  }

  return {
    ...(config as SessionConfig),
    enabled: config.enabled !== false,
    cookieName: config.cookieName || 'adonis-session',
    clearWithBrowser: !!config.clearWithBrowser,
    cookie: { ...config.cookie },
    ageMs,
    ttlSeconds: Math.max(1, Math.round(ageMs / 1000)),
    refreshAfterMs: Math.floor(ageMs * refreshAfter),
    storeTimeoutMs: duration('storeTimeout', config.storeTimeout ?? '1.5s'),
    fileLockWaitMs: duration('file.lockTimeout', config.file?.lockTimeout ?? '5s'),
    maxPayloadBytes: bytes('maxPayloadSize', config.maxPayloadSize ?? '1mb'),
    flashInputLimitBytes: bytes('flashInputLimit', config.flashInputLimit ?? '4kb'),
    gcProbability,
    dontFlash,
    cookieOptions: cookieOptions(config, httpCookie, ageMs),
    database: databaseOptions(config.database),
    ...securityOptions(config),
  }
}

/**
 * A numeric `age` under a minute is likely meant as seconds, since 6.4
 * read numbers as seconds for the cookie: say so at boot
 */
export function warnIfAgeLooksLikeSeconds(config: Partial<SessionConfig>, logger: LoggerContract) {
  if (typeof config.age === 'number' && config.age < 60_000) {
    logger.warn(
      'session "age" is %d milliseconds (6.4 read numbers as seconds for the cookie): use a duration string such as "2h" if you meant seconds',
      config.age
    )
  }
}

/**
 * The database driver's connection (Lucid's default when absent) and table
 */
function databaseOptions(database: SessionConfig['database']) {
  const table = (database && database.table) ?? 'sessions'
  if (typeof table !== 'string' || !/^[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)?$/.test(table)) {
    throw InvalidSessionConfigException.invalid(
      'database.table',
      'expected a table name such as "sessions" or "schema.sessions"'
    )
  }
  const connection = database && database.connection
  return connection ? { connection, table } : { table }
}

/**
 * `maxLifetime`, `previousAppKeys`, `encrypt` and `varyCookie`, validated
 */
function securityOptions(config: Partial<SessionConfig>) {
  const { maxLifetime, previousAppKeys = [] } = config
  if (!Array.isArray(previousAppKeys) || previousAppKeys.some((key) => typeof key !== 'string')) {
    throw InvalidSessionConfigException.invalid(
      'previousAppKeys',
      'expected an array of the former APP_KEY values'
    )
  }
  const keys = previousAppKeys.filter((key) => key !== '')
  const short = keys.find((key) => key.length < 16)
  if (short !== undefined) {
    throw InvalidSessionConfigException.shortPreviousAppKey(keys.indexOf(short))
  }
  return {
    maxLifetimeMs:
      maxLifetime === undefined || maxLifetime === null
        ? null
        : duration('maxLifetime', maxLifetime),
    previousAppKeys: keys,
    encrypt: flag('encrypt', config.encrypt ?? false),
    varyCookie: flag('varyCookie', config.varyCookie ?? true),
  }
}

function flag(key: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw InvalidSessionConfigException.invalid(key, 'expected true or false')
  }
  return value
}

/**
 * The session config's cookie options over the app's `http.cookie` defaults
 * (as the framework merges them), with Max-Age from `age` unless the cookie
 * must die with the browser
 */
function cookieOptions(
  config: Partial<SessionConfig>,
  httpCookie: Record<string, any>,
  ageMs: number
): SerializeOptions {
  const merged = { ...httpCookie, ...config.cookie }
  const { domain, path, httpOnly, secure, sameSite } = merged
  const options: SerializeOptions = { path: path ?? '/' }
  if (domain) options.domain = domain
  if (httpOnly) options.httpOnly = true
  if (secure) options.secure = true
  if (sameSite) options.sameSite = sameSite
  if (merged.priority !== undefined) options.priority = priority(merged.priority)
  if (merged.partitioned) {
    if (!secure) {
      throw InvalidSessionConfigException.partitionedWithoutSecure()
    }
    options.partitioned = true
  }
  if (!config.clearWithBrowser) {
    options.maxAge = Math.round(ageMs / 1000)
  }
  return options
}

function priority(value: unknown): 'low' | 'medium' | 'high' {
  const name = typeof value === 'string' ? value.toLowerCase() : value
  if (typeof name !== 'string' || !PRIORITIES.includes(name)) {
    throw InvalidSessionConfigException.invalid(
      'cookie.priority',
      `expected 'low', 'medium' or 'high', got ${JSON.stringify(value)}`
    )
  }
  return name as 'low' | 'medium' | 'high'
}

/**
 * A positive amount given as a number or as text `parse` reads; the same
 * check for durations and sizes, so that both refuse the same inputs
 */
function positiveAmount(
  key: string,
  value: unknown,
  parse: (text: string) => number,
  expected: string
): number {
  let amount: number | undefined
  try {
    amount = typeof value === 'number' ? value : parse(value as string)
  } catch {}
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0) {
    throw InvalidSessionConfigException.invalid(key, `${expected}, got ${JSON.stringify(value)}`)
  }
  return amount
}

function duration(key: string, value: unknown): number {
  return positiveAmount(
    key,
    value,
    (text) => string.toMs(text),
    "expected a duration like '2h' or '2 days', or a number of milliseconds"
  )
}

function bytes(key: string, value: unknown): number {
  return positiveAmount(
    key,
    value,
    (text) => string.toBytes(text),
    "expected a size like '4kb' or '1mb', or a number of bytes"
  )
}

function ratio(key: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw InvalidSessionConfigException.invalid(key, 'expected a number from 0 to 1')
  }
  return value
}
