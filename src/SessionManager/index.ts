/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { IncomingMessage } from 'http'
import { ApplicationContract } from '@ioc:Adonis/Core/Application'
import { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'
import {
  ExtendCallback,
  SessionConfig,
  SessionDriverContract,
  SessionManagerContract,
} from '@ioc:Adonis/Addons/Session'
import { InvalidSessionDriverException } from '../errors'
import { ResolvedSessionConfig, resolveConfig, warnIfAgeLooksLikeSeconds } from './config'
import { SessionCookies } from '../Cookies'
import { Session } from '../Session'
import { ReadonlySession, readWithoutTouch, upgradeContext } from '../Session/Readonly'
import { generateSessionId } from '../SessionId'
import { SessionClient } from '../Client'
import { SessionCollection } from '../SessionCollection'
import { FileSweeper } from '../Drivers/File/Sweeper'
import { RedisRuntime } from '../Drivers/Redis/runtime'
import { UpdateBatches } from '../Drivers/Shared/batching'
import { DatabaseSweeper } from '../Drivers/Database/sweeper'
import { cookieFactory } from './cookie'
import { DatabaseParts, databaseFactory, databaseParts } from './database'
import { FileParts, fileFactory, fileParts } from './file'
import { memoryFactory } from './memory'
import { redisFactory } from './redis'
import { AppKeys } from '../Drivers/Shared/keys'
import { SessionLifetime } from '../Drivers/Shared/lifetime'
import { PayloadCodec } from '../Drivers/Shared/codec'
import { RequestLifetimes } from './lifetimes'
import { SessionEvents } from '../Session/events'

/**
 * Builds a driver for one request; `ctx` is absent for the test client
 */
type DriverFactory = (ctx?: HttpContextContract) => SessionDriverContract

/**
 * Owns the normalised config and the parts shared by every request of the
 * app (cookie caches, update batches, the file worker and sweeper, the
 * redis pipelines and scripts), closes them with `close()`, and creates one
 * Session per request with a fresh driver.
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
  private batches = new UpdateBatches()
  private file: FileParts | null = null
  private redisRuntime: RedisRuntime | null = null
  private database: DatabaseParts | null = null

  /**
   * The app key and `previousAppKeys`, for cookies and encrypted payloads
   */
  private keys: AppKeys

  /**
   * The app's emitter, for the session events
   */
  private events: SessionEvents | null

  /**
   * Each request's `maxLifetime` clock and payload codec
   */
  private lifetimes: RequestLifetimes

  /**
   * The built-in drivers by name. `extend()` under the same name wins.
   */
  private builtIn: Record<string, () => DriverFactory> = {
    cookie: () => cookieFactory(this.config, this.cookies, () => this.lifetime()),
    file: () =>
      fileFactory(this.fileParts(), this.config, this.application.logger, () => this.codec()),
    redis: () => this.redisFactory(),
    database: () =>
      databaseFactory(this.databaseRuntime(), this.config, this.application.logger, () =>
        this.codec()
      ),
    memory: () => memoryFactory(this.config, () => this.lifetime()),
  }

  constructor(public application: ApplicationContract, config: Partial<SessionConfig>) {
    const appConfig = application.container.use('Adonis/Core/Config')
    const httpCookie = appConfig.get('app.http.cookie', {})
    this.config = resolveConfig(config, httpCookie)
    warnIfAgeLooksLikeSeconds(config, application.logger)
    const encryption = application.container.use('Adonis/Core/Encryption')
    this.keys = AppKeys.forKeys(encryption, this.config.previousAppKeys)
    this.cookies = new SessionCookies(
      encryption,
      this.config,
      appConfig.get('app.appKey'),
      this.keys
    )
    this.events = SessionEvents.of(application.container, application.logger)
    this.lifetimes = new RequestLifetimes(this.config, this.keys)
  }

  /**
   * A new request's session lifetime
   */
  private lifetime(): SessionLifetime {
    return this.lifetimes.lifetime()
  }

  /**
   * How a new request's store driver encodes its payloads
   */
  private codec(): PayloadCodec {
    return this.lifetimes.codec()
  }

  public isEnabled(): boolean {
    return this.config.enabled
  }

  /**
   * The session of one HTTP request
   */
  public create(ctx: HttpContextContract): Session {
    return new Session(ctx, this.config, this.cookies, this.createDriver(ctx), this.events)
  }

  /**
   * The read-only session of a raw request that has no HTTP response: the
   * `upgrade` event's request, or socket.io's `socket.request`. The id and
   * data cookies are checked as for an HTTP request; anything that does not
   * verify gives an empty, fresh session. Costs one store read, and never
   * writes, refreshes the expiry or consumes flash messages.
   */
  public async readonly(request: IncomingMessage): Promise<ReadonlySession> {
    const ctx = upgradeContext(this.application.container, request)
    const sessionId = this.cookies.readSessionId(ctx.request)
    if (!sessionId) {
      return new ReadonlySession(generateSessionId(), true, null)
    }
    if (!this.config.enabled) {
      return new ReadonlySession(sessionId, false, null)
    }

    const driver = this.createDriver(ctx)
    const values = await ctx.profiler.profileAsync(
      'session:initiate',
      { driver: this.config.driver, readonly: true },
      async () => readWithoutTouch(driver, sessionId)
    )
    ctx.logger.trace('read-only session read for an upgrade request')
    return new ReadonlySession(sessionId, false, values)
  }

  /**
   * A session client for the Japa api-client bindings. `ctx` describes the
   * test request; it is what an extension's callback receives (a context
   * for `/` when none is given).
   */
  public client(ctx?: HttpContextContract): SessionClient {
    return new SessionClient(this.config, this.cookies, this.clientDriver(ctx))
  }

  /**
   * The sessions of the store by user (tags), outside of any request
   */
  public sessions(): SessionCollection {
    return new SessionCollection(this.config.driver, () => this.collectionDriver())
  }

  /**
   * A driver instance outside of a request: extensions and the cookie
   * driver get a context for `/`, and keep no index of sessions per user
   */
  private collectionDriver(): SessionDriverContract {
    const name = this.config.driver
    const needsContext = this.extendedDrivers.has(name) || name === 'cookie'
    return this.createDriver(needsContext ? this.testContext() : undefined)
  }

  /**
   * The driver behind the test client: the very driver the server uses, so
   * the test and the app share one store; none for the built-in cookie
   * driver, whose session travels in the request's cookies
   */
  private clientDriver(ctx?: HttpContextContract): SessionDriverContract | null {
    const name = this.config.driver
    if (this.extendedDrivers.has(name)) {
      return this.createDriver(ctx || this.testContext())
    }
    return name === 'cookie' ? null : this.createDriver(ctx)
  }

  /**
   * A real HTTP context for an extension called outside of a request
   */
  private testContext(): HttpContextContract {
    return this.application.container.use('Adonis/Core/HttpContext').create('/', {})
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
    return this.config.driver === 'file' ? this.fileParts().sweeper : null
  }

  /**
   * Stop what the drivers share: the file worker, the redis listeners, the
   * database sweeper. Called by the provider when the app shuts down.
   */
  public async close(): Promise<void> {
    this.redisRuntime?.close()
    await this.database?.sweeper.close()
    await this.file?.runtime.worker.close()
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
   * What an extension receives as config: exactly `config.<driver>`, as the
   * docs describe (`{}` when there is none); the whole session config is
   * `manager.config`
   */
  private extensionConfig(name: string): unknown {
    return (this.config as Record<string, any>)[name] ?? {}
  }

  private redisFactory(): DriverFactory {
    this.redisRuntime = this.redisRuntime || new RedisRuntime(this.batches)
    return redisFactory(this.application, this.config, this.redisRuntime, () => this.codec())
  }

  /**
   * The file worker and the sweeper of the sessions folder, made once
   */
  private fileParts(): FileParts {
    this.file = this.file || fileParts(this.config, this.batches)
    return this.file
  }

  /**
   * The Lucid connection's runtime and the sweeper of its table, made once
   */
  private databaseRuntime(): DatabaseParts {
    this.database = this.database || databaseParts(this.application, this.config, this.batches)
    return this.database
  }
}
