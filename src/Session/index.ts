/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'
import {
  AllowedSessionValues,
  SessionContract,
  SessionDriverContract,
  SessionMutation,
  StoreContract,
} from '@ioc:Adonis/Addons/Session'
import { Store, isPlainObject, withoutUnsafeKeys } from '../Store'
import { FLASH_KEY } from '../Store/mutations'
import { ResolvedSessionConfig } from '../SessionManager/config'
import { SessionRuntimeException } from '../errors'
import { generateSessionId } from '../SessionId'
import { CommitPlan, moveToNewId, persistChanges, replaysToSnapshot } from './persistence'
import { SessionCookies } from '../Cookies'
import { isPrefetch, prefersJson } from './requestKind'
import { SessionFlash } from './flash'
import { SessionValues } from './values'
import { SessionStats, newStats } from './stats'
import { shareWithView } from './locals'
import { SessionTagging } from './tagging'
import { SessionEvents } from './events'
import { ReadTrackedStore, varyOnCookie } from './tracked'
import { lifetimeOf } from '../Drivers/Shared/lifetime'
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

  private flash$: SessionFlash

  private values = new SessionValues()

  private tagging: SessionTagging

  /**
   * The object the driver's read returned, while replaying the request's
   * changes onto what was read is known to give what the session holds
   * now (see `persist`)
   */
  private readValues: Record<string, any> | null = null

  /**
   * The id the session had before `regenerate()`, destroyed at commit
   */
  private previousSessionId: string | null = null

  private initiateFailed = false

  /**
   * True once the handler or a template read a value or a flash message:
   * the response then varies with the cookie
   */
  private valuesRead = false

  /**
   * True when the session read was past `maxLifetime`: it continues under
   * a new id and its record is destroyed at commit
   */
  private lifetimeEnded = false

  constructor(
    private ctx: HttpContextContract,
    private config: ResolvedSessionConfig,
    private cookies: SessionCookies,
    private driver: SessionDriverContract,
    private events: SessionEvents | null = null
  ) {
    this.stats = newStats(config.driver)
    this.flash$ = new SessionFlash(config, (path, size, limit) => {
      ctx.logger.warn(
        'not flashing input "%s": %d bytes, over flashInputLimit (%d bytes)',
        path,
        size,
        limit
      )
    })
    this.flashMessages = new ReadTrackedStore(this.flash$.messages, () => {
      this.valuesRead = true
    })
    this.responseFlashMessages = this.flash$.outgoing
    this.tagging = new SessionTagging(ctx, driver, config.refreshAfterMs)
    const existing = this.cookies.readSessionId(ctx.request)
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

    await this.ctx.profiler.profileAsync(
      'session:initiate',
      { driver: this.config.driver },
      async () => {
        try {
          this.stats.read = !this.fresh
          const values = this.fresh ? null : await this.driver.read(this.sessionId)
          this.stats.readValues = isPlainObject(values) ? { ...values } : null
          this.values.store = new Store(isPlainObject(values) ? values : {})
          this.readValues = isPlainObject(values) && replaysToSnapshot(values) ? values : null
          this.tagging.read(this.fresh ? null : this.sessionId)
          this.endIfPastLifetime(readonly)
        } catch (error) {
          this.initiateFailed = true
          throw error
        }
      }
    )

    this.initiated = true
    const prefetch = isPrefetch(this.ctx.request)
    this.flash$.dropsOutgoing = prefetch
    const consume = !readonly && !prefetch && !prefersJson(this.ctx.request)
    this.stats.flash = this.flash$.take(this.values.store, consume)
    shareWithView(this.ctx, this)
    debug('initiated session (fresh: %s, driver: %s)', this.fresh, this.config.driver)
    this.events?.emit('session:initiated', () => ({
      sessionId: this.sessionId,
      fresh: this.fresh,
      readonly,
      driver: this.config.driver,
      ctx: this.ctx,
    }))
  }

  /**
   * A session past `maxLifetime` read as empty; unless readonly, it starts
   * again under a new id, and the old record is destroyed at commit
   */
  private endIfPastLifetime(readonly: boolean) {
    const lifetime = lifetimeOf(this.driver)
    if (!lifetime || !lifetime.ended || readonly) {
      return
    }
    this.ctx.logger.trace('session is past its maxLifetime')
    this.lifetimeEnded = true
    this.previousSessionId = this.sessionId
    this.sessionId = generateSessionId()
    this.fresh = true
    lifetime.restart()
  }

  /**
   * Persist what the request changed and send the id cookie with a fresh
   * Max-Age. A request that changed nothing writes nothing.
   */
  public async commit(): Promise<void> {
    if (this.initiateFailed) {
      return
    }
    if (this.valuesRead && this.config.varyCookie) {
      varyOnCookie(this.ctx.response)
    }

    const previousSessionId = this.previousSessionId
    await this.ctx.profiler.profileAsync(
      'session:commit',
      { driver: this.config.driver },
      async () => {
        if (!this.initiated) {
          this.cookies.writeSessionId(this.ctx.response, this.sessionId)
          if (!this.fresh) {
            this.stats.commit = 'touch'
            await this.driver.touch(this.sessionId)
          }
          return
        }

        this.cookies.writeSessionId(this.ctx.response, this.sessionId)

        if (this.previousSessionId) {
          this.stats.commit = 'regenerate'
          await moveToNewId(
            this.driver,
            this.sessionId,
            this.previousSessionId,
            this.commitPlan([])
          )
          return this.markCommitted()
        }
        const changes = this.changes()
        if (changes.length || this.tagging.changed || this.tagging.due()) {
          this.ctx.logger.trace('persist session changes with driver')
          this.stats.commit = 'write'
          await persistChanges(this.driver, this.sessionId, this.commitPlan(changes))
          return this.markCommitted()
        }
        this.stats.commit = this.fresh ? 'none' : 'touch'
        if (!this.fresh) {
          this.ctx.logger.trace('touch session driver')
          await this.driver.touch(this.sessionId)
        }
      }
    )
    if (this.events) {
      this.emitCommitted(this.events, previousSessionId)
    }
    this.lifetimeEnded = false
  }

  /**
   * The events of a commit that completed
   */
  private emitCommitted(events: SessionEvents, previousSessionId: string | null) {
    const { sessionId, ctx } = this
    const driver = this.config.driver
    const commit = this.stats.commit
    if (commit === 'regenerate' && previousSessionId && !this.lifetimeEnded) {
      events.emit('session:migrated', () => ({
        fromSessionId: previousSessionId,
        toSessionId: sessionId,
        driver,
        ctx,
      }))
    }
    if (commit === 'regenerate' && previousSessionId && this.lifetimeEnded) {
      events.emit('session:destroyed', () => ({
        sessionId: previousSessionId,
        driver,
        reason: 'maxLifetime',
        ctx,
      }))
    }
    if (commit === 'write' && this.emptiedStoredSession()) {
      events.emit('session:destroyed', () => ({ sessionId, driver, reason: 'emptied', ctx }))
    }
    const operations = { write: 'written', touch: 'touched', regenerate: 'migrated' } as const
    const operation = commit === 'none' || commit === 'pending' ? 'none' : operations[commit]
    events.emit('session:committed', () => ({ sessionId, driver, operation, ctx }))
  }

  /**
   * Whether this commit left nothing of a session that held values
   */
  private emptiedStoredSession(): boolean {
    const { readValues, written } = this.stats
    const had = readValues !== null && Object.keys(readValues).length > 0
    return had && (written === null || Object.keys(written).length === 0)
  }

  /**
   * Give the session a new id and keep its data. The old record is destroyed
   * at commit, so a stolen id stops working.
   */
  public regenerate(): void {
    this.ctx.logger.trace('explicitly re-generating session id')
    if (!this.fresh && !this.previousSessionId) {
      this.previousSessionId = this.sessionId
    }
    this.sessionId = generateSessionId()
    this.fresh = true
  }

  /**
   * Tie the session to a user (a string or a number), so that
   * `Session.sessions()` lists it and can end it
   */
  public tag(userId: string | number): void {
    this.ensureMutable()
    this.tagging.tag(userId)
  }

  /**
   * Untie the session from its user
   */
  public untag(): void {
    this.ensureMutable()
    this.tagging.untag()
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
    this.valuesRead = true
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
    this.valuesRead = true
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

  /**
   * What the commit hands to the driver; what it stores is recorded in
   * `stats.written`
   */
  private commitPlan(changes: SessionMutation[]): CommitPlan {
    return {
      changes,
      read: this.readValues,
      snapshot: () => this.snapshot(),
      flashInput: this.readonly ? [] : this.flash$.inputKeys(),
      tagOps: this.tagging.ops(this.previousSessionId !== null),
      record: (values) => (this.stats.written = values),
    }
  }

  /**
   * After a commit, the changes are stored: a second commit must not apply
   * them again
   */
  private markCommitted() {
    this.readValues = null
    this.values.committed()
    this.flash$.committed()
    this.tagging.committed()
    this.previousSessionId = null
  }

  /**
   * Every change of this request, in order: recorded mutations, in-place
   * edits found by comparison, consumed and new flash messages
   */
  private changes(): SessionMutation[] {
    if (this.readonly) {
      return []
    }
    return [...this.values.changes(), ...this.flash$.changes()]
  }

  /**
   * The whole session as the drivers store it
   */
  private snapshot(): Record<string, any> {
    const flash = this.flash$.stored(this.readonly)
    const values = this.values.store.all()
    return flash ? { ...values, [FLASH_KEY]: flash } : { ...values }
  }
}
