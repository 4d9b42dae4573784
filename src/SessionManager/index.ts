/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { ApplicationContract } from '@ioc:Adonis/Core/Application'
import { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'
import {
  ExtendCallback,
  SessionConfig,
  SessionDriverContract,
  SessionManagerContract,
} from '@ioc:Adonis/Addons/Session'
import { InvalidSessionConfigException, InvalidSessionDriverException } from '../errors'
import { ResolvedSessionConfig, resolveConfig } from './config'
import { SessionCookies } from '../Cookies'
import { Session } from '../Session'
import { SessionClient } from '../Client'
import { CookieDriver } from '../Drivers/Cookie'
import { FileDriver } from '../Drivers/File'
import { FileSweeper } from '../Drivers/FileSweeper'
import { MemoryDriver } from '../Drivers/Memory'
import { RedisDriver, RedisConnectionLike } from '../Drivers/Redis'
import { DatabaseDriver, DatabaseRuntime } from '../Drivers/Database'
import { DatabaseSweeper } from '../Drivers/Database/sweeper'
import { dialectFor } from '../Drivers/Database/dialects'

/**
 * Builds a driver for one request; `ctx` is absent for the test client
 */
type DriverFactory = (ctx?: HttpContextContract) => SessionDriverContract

/**
 * Owns the normalised config and the parts shared by every request (cookie
 * caches, file sweeper, redis connection), and creates one Session per
 * request with a fresh driver.
 */
export class SessionManager implements SessionManagerContract {
  /**
   * `config/session.ts`, validated and normalised once
   */
  public readonly config: ResolvedSessionConfig

  /**
   * The id and data cookies, with their crypto caches
   */
  public readonly cookies: SessionCookies

  private extendedDrivers: Map<string, ExtendCallback> = new Map()
  private factory: DriverFactory | null = null
  private fileSweeper: FileSweeper | null = null
  private database: { runtime: DatabaseRuntime; sweeper: DatabaseSweeper } | null = null

  /**
   * The built-in drivers by name. `extend()` under the same name wins.
   */
  private builtIn: Record<string, () => DriverFactory> = {
    cookie: () => this.cookieFactory(),
    file: () => this.fileFactory(),
    redis: () => this.redisFactory(),
    database: () => this.databaseFactory(),
    memory: () => () => new MemoryDriver(this.config.ageMs),
  }

  constructor(public application: ApplicationContract, config: Partial<SessionConfig>) {
    const appConfig = application.container.use('Adonis/Core/Config')
    const httpCookie = appConfig.get('app.http.cookie', {})
    this.config = resolveConfig(config, httpCookie)
    if (typeof config.age === 'number' && config.age < 60_000) {
      application.logger.warn(
        'session "age" is %d milliseconds (6.4 read numbers as seconds for the cookie): use a duration string such as "2h" if you meant seconds',
        config.age
      )
    }
    this.cookies = new SessionCookies(
      application.container.use('Adonis/Core/Encryption'),
      this.config,
      appConfig.get('app.appKey')
    )
  }

  public isEnabled(): boolean {
    return this.config.enabled
  }

  /**
   * The session of one HTTP request
   */
  public create(ctx: HttpContextContract): Session {
    return new Session(ctx, this.config, this.cookies, this.createDriver(ctx))
  }

  /**
   * A session client for the Japa api-client bindings
   */
  public client(): SessionClient {
    return new SessionClient(this.config, this.cookies, this.clientDriver())
  }

  /**
   * The driver behind the test client: none for the cookie driver (the
   * session travels in cookies), the memory driver for extensions (they may
   * need an HTTP context the client does not have), else the app's driver
   */
  private clientDriver(): SessionDriverContract | null {
    if (this.extendedDrivers.has(this.config.driver)) {
      return new MemoryDriver(this.config.ageMs)
    }
    return this.config.driver === 'cookie' ? null : this.createDriver()
  }

  /**
   * Add a driver, or replace a built-in one
   */
  public extend(driver: string, callback: ExtendCallback): void {
    this.extendedDrivers.set(driver, callback)
    this.factory = null
  }

  /**
   * A driver instance for the configured driver. The factory is resolved
   * and its config checked on first use only.
   */
  public createDriver(ctx?: HttpContextContract): SessionDriverContract {
    return this.validateDriver()(ctx)
  }

  /**
   * Resolve the configured driver now (once), raising its config errors
   */
  public validateDriver(): DriverFactory {
    this.factory = this.factory || this.resolveFactory()
    return this.factory
  }

  /**
   * The sweeper of expired sessions, when the built-in file or database
   * driver is configured
   */
  public sweeper(): FileSweeper | DatabaseSweeper | null {
    if (this.extendedDrivers.has(this.config.driver)) {
      return null
    }
    if (this.config.driver === 'database') {
      return this.databaseRuntime().sweeper
    }
    if (this.config.driver !== 'file') {
      return null
    }
    this.fileSweeper = this.fileSweeper || new FileSweeper(this.fileLocation(), this.config.ageMs)
    return this.fileSweeper
  }

  private resolveFactory(): DriverFactory {
    const name = this.config.driver
    const extension = this.extendedDrivers.get(name)
    if (extension) {
      const driverConfig = this.extensionConfig(name)
      return (ctx) => extension(this, driverConfig, ctx!)
    }
    const builtIn = this.builtIn[name]
    if (!builtIn) {
      throw InvalidSessionDriverException.unknown(name)
    }
    return builtIn()
  }

  /**
   * What an extension receives as config: `config.<driver>` as the docs
   * describe, merged over the rest of the session config (6.4 passed the
   * whole config), so extensions written for either work
   */
  private extensionConfig(name: string) {
    const own = (this.config as Record<string, any>)[name]
    return { ...this.config, ...(own && typeof own === 'object' ? own : {}) }
  }

  private cookieFactory(): DriverFactory {
    return (ctx) => {
      if (!ctx) {
        throw new InvalidSessionDriverException('The cookie driver needs an HTTP context')
      }
      return new CookieDriver(this.config, this.cookies, ctx)
    }
  }

  private fileLocation(): string {
    const location = this.config.file && this.config.file.location
    if (!location) {
      throw InvalidSessionConfigException.missingFileLocation()
    }
    return location
  }

  private fileFactory(): DriverFactory {
    const location = this.fileLocation()
    const sweeper = this.sweeper()!
    const logger = this.application.logger
    const probability = this.config.gcProbability
    return (ctx) => {
      if (probability > 0 && Math.random() < probability) {
        sweeper.schedule()
      }
      return new FileDriver(this.config, location, ctx ? ctx.logger : logger)
    }
  }

  private redisFactory(): DriverFactory {
    const name = this.config.redisConnection
    if (!name) {
      throw InvalidSessionConfigException.missingRedisConnection()
    }
    const container = this.application.container
    if (!container.hasBinding('Adonis/Addons/Redis')) {
      throw InvalidSessionConfigException.redisNotInstalled()
    }
    if (!this.application.config.get(`redis.connections.${name}`)) {
      throw InvalidSessionConfigException.unknownRedisConnection(name)
    }

    const redis = container.use('Adonis/Addons/Redis') as any
    const logger = this.application.logger
    return (ctx) => {
      const connection: RedisConnectionLike = redis.connection(name)
      return new RedisDriver(this.config, connection, ctx ? ctx.logger : logger)
    }
  }

  private databaseFactory(): DriverFactory {
    const { runtime, sweeper } = this.databaseRuntime()
    const options = { ageMs: this.config.ageMs, refreshAfterMs: this.config.refreshAfterMs }
    const logger = this.application.logger
    const probability = this.config.gcProbability
    return (ctx) => {
      if (probability > 0 && Math.random() < probability) {
        sweeper.schedule()
      }
      return new DatabaseDriver(options, runtime, ctx ? ctx.logger : logger)
    }
  }

  /**
   * The Lucid connection, its dialect's statements and the sweeper, made
   * once; Lucid closes the connection at shutdown
   */
  private databaseRuntime() {
    if (this.database) {
      return this.database
    }
    const container = this.application.container
    if (!container.hasBinding('Adonis/Lucid/Database')) {
      throw InvalidSessionConfigException.lucidNotInstalled()
    }
    const Database = container.use('Adonis/Lucid/Database') as any
    const name = this.config.database.connection || Database.primaryConnectionName
    if (!name || !Database.manager.has(name)) {
      throw InvalidSessionConfigException.unknownDatabaseConnection(String(name))
    }
    const client = Database.connection(name)
    const dialect = dialectFor(client.dialect.name)
    if (!dialect) {
      throw InvalidSessionConfigException.unsupportedDatabase(name, client.dialect.name)
    }
    const runtime = new DatabaseRuntime(client, dialect, {
      table: this.config.database.table,
      storeTimeoutMs: this.config.storeTimeoutMs,
    })
    const logger = this.application.logger
    const sweeper = new DatabaseSweeper(runtime, (error: any) => {
      logger.warn('sweeping expired sessions failed: %s', error && error.message)
    })
    this.database = { runtime, sweeper }
    return this.database
  }
}
