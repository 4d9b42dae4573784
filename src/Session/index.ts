/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'
import {
  AllowedSessionValues,
  SessionContract,
  SessionDriverContract,
  StoreContract,
} from '@ioc:Adonis/Addons/Session'
import { Store, withoutUnsafeKeys } from '../Store'
import { ResolvedSessionConfig } from '../SessionManager/config'
import { SessionRuntimeException } from '../errors'
import { generateSessionId } from '../SessionId'
import { SessionCookies } from '../Cookies'
import { SessionFlash } from './flash'
import { SessionValues } from './values'
import { SessionStats } from './stats'
import { shareWithView } from './locals'
import { SessionEvents } from './events'
import { ReadTrackedStore } from './tracked'
import { SessionRecord } from './record'
import debug from '../debug'

/**
 * The session of one HTTP request (`ctx.session`).
 *
 * Besides the values, it records every change the request makes. At commit
 * the record decides what to do: nothing changed means no write at all, and
 * drivers that implement `update` replay the record onto the latest stored
 * copy, so concurrent requests on one session keep each other's changes.
 */
export class Session implements SessionContract {
  public initiated = false
  public readonly = false
  public fresh = false
  public sessionId: string

  /**
   * Flash messages set by the previous request
   */
  public readonly flashMessages: StoreContract

  /**
   * Flash messages for the next request
   */
  public readonly responseFlashMessages: Store

  /**
   * What the session did for this request (read, flash, commit), for
   * diagnostics; not part of the public contract
   */
  public readonly stats: SessionStats

  /**
   * The values, flash messages and tag with their changes, and the round
   * trip to the store
   */
  private record: SessionRecord

  private flash$: SessionFlash

  private values: SessionValues

  constructor(
    private ctx: HttpContextContract,
    private config: ResolvedSessionConfig,
    cookies: SessionCookies,
    driver: SessionDriverContract,
    private events: SessionEvents | null = null
  ) {
    this.record = new SessionRecord(ctx, config, cookies, driver, events)
    this.stats = this.record.stats
    this.flash$ = this.record.flash
    this.values = this.record.values
    this.flashMessages = new ReadTrackedStore(this.flash$.messages, this.record)
    this.responseFlashMessages = this.flash$.outgoing
    const existing = cookies.readSessionId(ctx.request)
    if (existing) {
      this.sessionId = existing
      ctx.logger.trace('existing session found')
    } else {
      this.sessionId = generateSessionId()
      this.fresh = true
      ctx.logger.trace('generating new session id')
    }
  }

  /**
   * Read the session from the driver. Flash messages of the previous request
   * move to `flashMessages` (unless readonly).
   */
  public async initiate(readonly: boolean): Promise<void> {
    if (this.initiated) {
      return
    }
    this.readonly = readonly

    await this.ctx.profiler.profileAsync('session:initiate', { driver: this.config.driver }, () =>
      this.record.read(this)
    )

    this.initiated = true
    this.stats.flash = this.flash$.take(this.values.store, this.ctx.request, readonly)
    shareWithView(this.ctx, this)
    debug('initiated session (fresh: %s, driver: %s)', this.fresh, this.config.driver)
    this.events?.initiated(this.ctx, this.sessionId, this.fresh, readonly, this.config.driver)
  }

  /**
   * Persist what the request changed and send the id cookie with a fresh
   * Max-Age. A request that changed nothing writes nothing.
   */
  public commit(): Promise<void> {
    return this.record.commit(this)
  }

  /**
   * Give the session a new id and keep its data. The old record is destroyed
   * at commit, so a stolen id stops working.
   */
  public regenerate(): void {
    this.ctx.logger.trace('explicitly re-generating session id')
    this.record.leave(this)
    this.sessionId = generateSessionId()
    this.fresh = true
  }

  /**
   * Tie the session to a user (a string or a number), so that
   * `Session.sessions()` lists it and can end it
   */
  public tag(userId: string | number): void {
    this.ensureMutable()
    this.record.tagging.tag(userId)
  }

  /**
   * Untie the session from its user
   */
  public untag(): void {
    this.ensureMutable()
    this.record.tagging.untag()
  }

  public has(key: string): boolean {
    return this.readable.has(key)
  }

  public get(key: string, defaultValue?: any): any {
    return this.readable.get(key, defaultValue)
  }

  public all(): any {
    return this.readable.all()
  }

  public put(key: string, value: AllowedSessionValues): void {
    this.mutable.put(key, value)
  }

  public forget(key: string): void {
    this.mutable.forget(key)
  }

  public pull(key: string, defaultValue?: any): any {
    const values = this.mutable
    this.record.valuesRead = true
    return values.pull(key, defaultValue)
  }

  public increment(key: string, steps: number = 1): any {
    this.mutable.increment(key, steps)
  }

  public decrement(key: string, steps: number = 1): any {
    this.mutable.increment(key, -steps)
  }

  public clear(): void {
    this.mutable.clear()
  }

  /**
   * Flash a key-value pair or an object of them. Falsy values (0, false,
   * '') are kept.
   */
  public flash(key: string | { [key: string]: AllowedSessionValues }, value?: any): void {
    this.mutableFlash.set(key, value)
  }

  /**
   * A flash message for this request only: its templates and
   * `flashMessages` see it, nothing stores it. Allowed in read-only
   * sessions, since it changes nothing stored.
   */
  public flashNow(key: string | { [key: string]: AllowedSessionValues }, value?: any): void {
    this.ensureInitiated()
    this.flash$.now(key, value)
  }

  public flashAll(): void {
    this.mutableFlash.input(this.requestInput())
  }

  public flashOnly(keys: string[]): void {
    this.mutableFlash.input(this.requestInput(), keys)
  }

  public flashExcept(keys: string[]): void {
    this.mutableFlash.input(this.requestInput(), undefined, keys)
  }

  public reflash(): void {
    this.mutableFlash.reflash()
  }

  public reflashOnly(keys: string[]): void {
    this.mutableFlash.reflash(keys)
  }

  public reflashExcept(keys: string[]): void {
    this.mutableFlash.reflash(undefined, keys)
  }

  /**
   * The values, once the session is initiated
   */
  private get readable(): SessionValues {
    this.ensureInitiated()
    this.record.valuesRead = true
    return this.values
  }

  /**
   * The values, once initiated and when not readonly
   */
  private get mutable(): SessionValues {
    this.ensureMutable()
    return this.values
  }

  /**
   * The flash messages, once initiated and when not readonly
   */
  private get mutableFlash(): SessionFlash {
    this.ensureMutable()
    return this.flash$
  }

  private ensureInitiated() {
    if (!this.initiated) {
      throw SessionRuntimeException.notInitiated()
    }
  }

  private ensureMutable() {
    this.ensureInitiated()
    if (this.readonly) {
      throw SessionRuntimeException.readonly()
    }
  }

  /**
   * A deep copy of the request body, without prototype keys
   */
  private requestInput(): Record<string, any> {
    return withoutUnsafeKeys(this.ctx.request.original() || {})
  }
}
