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
  SessionViewLocals,
} from '@ioc:Adonis/Addons/Session'
import { Store, isPlainObject, withoutUnsafeKeys } from '../Store'
import { FLASH_KEY, copyOf } from '../Store/mutations'
import { ResolvedSessionConfig } from '../SessionManager/config'
import { SessionRuntimeException } from '../errors'
import { generateSessionId } from '../SessionId'
import {
  Baseline,
  CommitPlan,
  editsSince,
  moveToNewId,
  persistChanges,
  replaysToSnapshot,
} from './persistence'
import { SessionCookies } from '../Cookies'
import { isPrefetch, prefersJson } from './requestKind'
import { withoutFields } from './dontFlash'
import { SessionStats, newStats } from './stats'
import { oldInput } from '../Bindings/View'
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
  public flashMessages = new Store({})

  /**
   * Flash messages for the next request
   */
  public responseFlashMessages = new Store({})

  /**
   * What the session did for this request (read, flash, commit), for
   * diagnostics; not part of the public contract
   */
  public readonly stats: SessionStats

  /**
   * The previous request's flash messages as read (never edited), without
   * those of `flashNow`: what the reflash methods carry on
   */
  private incomingFlash: Record<string, any> = {}

  private store = new Store({})
  private mutations: SessionMutation[] = []

  /**
   * JSON of the values when the request first got hold of a stored object
   * (through get/all/pull, or by putting one), and how many changes were
   * recorded by then. In-place edits of such objects are found by comparing
   * against it at commit; a request that never held an object skips that.
   */
  private baseline: Baseline | null = null

  /**
   * Flash messages read from the store at initiate, removed at commit
   */
  private consumedFlash: Record<string, any> | null = null

  /**
   * Flash messages read by a request that leaves them for the next one
   * (prefetch, JSON, read-only): they stay stored as they were
   */
  private keptFlash: Record<string, any> | null = null

  /**
   * True for a prefetch: flash messages set by it are not stored, since
   * the user may never see the page it produced
   */
  private dropsOutgoingFlash = false

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

  constructor(
    private ctx: HttpContextContract,
    private config: ResolvedSessionConfig,
    private cookies: SessionCookies,
    private driver: SessionDriverContract
  ) {
    this.stats = newStats(config.driver)
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
          this.store = new Store(isPlainObject(values) ? values : {})
          this.readValues = isPlainObject(values) && replaysToSnapshot(values) ? values : null
        } catch (error) {
          this.initiateFailed = true
          throw error
        }
      }
    )

    this.initiated = true
    this.dropsOutgoingFlash = isPrefetch(this.ctx.request)
    this.takeFlashMessages(!readonly && !this.dropsOutgoingFlash && !prefersJson(this.ctx.request))
    this.shareLocalsWithView()
    debug('initiated session (fresh: %s, driver: %s)', this.fresh, this.config.driver)
  }

  /**
   * Persist what the request changed and send the id cookie with a fresh
   * Max-Age. A request that changed nothing writes nothing.
   */
  public async commit(): Promise<void> {
    if (this.initiateFailed) {
      return
    }

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
        if (changes.length) {
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

  public has(key: string): boolean {
    return this.readable.has(key)
  }

  public get(key: string, defaultValue?: any): any {
    return this.handOut(this.readable.get(key, defaultValue))
  }

  public all(): any {
    return this.handOut(this.readable.all())
  }

  public put(key: string, value: AllowedSessionValues): void {
    const store = this.mutable
    if (value !== null && typeof value === 'object') {
      this.takeBaseline()
    }
    store.set(key, value)
    this.mutations.push({ op: 'set', key, value: copyOf(value) })
  }

  public forget(key: string): void {
    this.mutable.unset(key)
    this.mutations.push({ op: 'unset', key })
  }

  public pull(key: string, defaultValue?: any): any {
    const value = this.mutable.pull(key, defaultValue)
    this.mutations.push({ op: 'unset', key })
    return this.handOut(value)
  }

  public increment(key: string, steps: number = 1): any {
    this.mutable.increment(key, steps)
    this.mutations.push({ op: 'increment', key, steps })
  }

  public decrement(key: string, steps: number = 1): any {
    this.mutable.decrement(key, steps)
    this.mutations.push({ op: 'increment', key, steps: -steps })
  }

  public clear(): void {
    this.mutable.clear()
    this.mutations.push({ op: 'clear' })
  }

  /**
   * Flash a key-value pair or an object of them. Falsy values (0, false,
   * '') are kept.
   */
  public flash(key: string | { [key: string]: AllowedSessionValues }, value?: any): void {
    this.ensureMutable()
    if (typeof key === 'string') {
      this.responseFlashMessages.set(key, withoutUnsafeKeys(value))
    } else {
      this.responseFlashMessages.merge(key)
    }
  }

  /**
   * A flash message for this request only: its templates and
   * `flashMessages` see it, nothing stores it. Allowed in read-only
   * sessions, since it changes nothing stored.
   */
  public flashNow(key: string | { [key: string]: AllowedSessionValues }, value?: any): void {
    const messages = this.readableFlash
    if (typeof key === 'string') {
      messages.set(key, withoutUnsafeKeys(value))
    } else {
      messages.merge(key)
    }
  }

  /**
   * Flashed input waits under `input` in responseFlashMessages (as in 6.4)
   * and goes to the top level of the flash messages at commit
   */
  public flashAll(): void {
    this.ensureMutable()
    this.responseFlashMessages.set('input', this.flashable(this.requestInput()))
  }

  public flashOnly(keys: string[]): void {
    this.ensureMutable()
    const input = new Store(this.requestInput())
    const picked = new Store({})
    for (const key of keys) {
      const value = input.get(key)
      if (value !== undefined) {
        picked.set(key, value)
      }
    }
    this.responseFlashMessages.set('input', this.flashable(picked.all()))
  }

  public flashExcept(keys: string[]): void {
    this.ensureMutable()
    const input = new Store(this.requestInput())
    keys.forEach((key) => input.unset(key))
    this.responseFlashMessages.set('input', this.flashable(input.all()))
  }

  public reflash(): void {
    this.flash(copyOf(this.incomingFlash))
  }

  public reflashOnly(keys: string[]): void {
    const incoming = new Store(this.incomingFlash)
    const picked = new Store({})
    for (const key of keys) {
      const value = incoming.get(key)
      if (value !== undefined) {
        picked.set(key, value)
      }
    }
    this.flash(picked.all())
  }

  public reflashExcept(keys: string[]): void {
    const rest = new Store(copyOf(this.incomingFlash))
    keys.forEach((key) => rest.unset(key))
    this.flash(rest.all())
  }

  /**
   * The store, once the session is initiated
   */
  private get readable(): Store {
    if (!this.initiated) {
      throw SessionRuntimeException.notInitiated()
    }
    return this.store
  }

  /**
   * The current request's flash messages, once the session is initiated
   */
  private get readableFlash(): Store {
    if (!this.initiated) {
      throw SessionRuntimeException.notInitiated()
    }
    return this.flashMessages
  }

  /**
   * The store, once initiated and when not readonly
   */
  private get mutable(): Store {
    this.ensureMutable()
    return this.store
  }

  private ensureMutable() {
    if (!this.initiated) {
      throw SessionRuntimeException.notInitiated()
    }
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
   * Input minus the fields listed in `dontFlash` (passwords), at any depth
   */
  private flashable(input: Record<string, any>): Record<string, any> {
    return withoutFields(input, this.config.dontFlash)
  }

  /**
   * Move the previous request's flash messages out of the values. When not
   * consuming them, they are shown to this request and stay stored.
   */
  private takeFlashMessages(consume: boolean) {
    const flash = this.store.get(FLASH_KEY)
    if (this.store.all()[FLASH_KEY] !== undefined) {
      this.store.unset(FLASH_KEY)
    }
    if (isPlainObject(flash) && Object.keys(flash).length) {
      if (consume) {
        this.consumedFlash = flash
      } else {
        this.keptFlash = flash
      }
      this.stats.flash = consume ? 'consumed' : 'kept'
      this.incomingFlash = flash
      this.flashMessages.update(JSON.parse(JSON.stringify(flash)))
    }
  }

  /**
   * Flash messages for the next request: flashed input at the top level,
   * under explicit flash calls
   */
  private outgoingFlash(): Record<string, any> | null {
    if (this.dropsOutgoingFlash || this.responseFlashMessages.isEmpty) {
      return null
    }
    const { input, ...messages } = this.responseFlashMessages.all()
    return { ...(isPlainObject(input) ? input : {}), ...messages }
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
      flashInput: this.flashInputKeys(),
      record: (values) => (this.stats.written = values),
    }
  }

  /**
   * Tell the cookie driver which outgoing flash messages are flashed input
   * (not overridden by an explicit `flash`): it may leave those out of a
   * cookie too large for browsers, so a validation redirect never fails
   */
  private flashInputKeys(): string[] {
    const { input, ...messages } = this.responseFlashMessages.all()
    if (this.readonly || !isPlainObject(input)) {
      return []
    }
    return Object.keys(input).filter((key) => !Object.hasOwn(messages, key))
  }

  /**
   * The flash messages to store: the kept ones under the new ones
   */
  private storedFlash(): Record<string, any> | null {
    const outgoing = this.readonly ? null : this.outgoingFlash()
    if (!this.keptFlash) {
      return outgoing
    }
    return outgoing ? { ...this.keptFlash, ...outgoing } : this.keptFlash
  }

  /**
   * A stored object handed to the caller may be edited in place: take the
   * baseline first
   */
  private handOut<T>(value: T): T {
    if (value !== null && typeof value === 'object') {
      this.takeBaseline()
    }
    return value
  }

  private takeBaseline() {
    if (!this.baseline) {
      this.baseline = { json: JSON.stringify(this.store.all()), recorded: this.mutations.length }
    }
  }

  /**
   * After a commit, the changes are stored: a second commit must not apply
   * them again
   */
  private markCommitted() {
    this.readValues = null
    this.mutations = []
    this.consumedFlash = null
    this.baseline = null
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
    const changes = [...this.mutations]
    if (this.baseline) {
      changes.push(...editsSince(this.baseline, this.mutations, this.store.all()))
    }
    if (this.consumedFlash) {
      changes.push({ op: 'flashConsume', values: this.consumedFlash })
    }
    const outgoing = this.outgoingFlash()
    if (outgoing) {
      changes.push({ op: 'flashMerge', values: outgoing })
    }
    return changes
  }

  /**
   * The whole session as the drivers store it
   */
  private snapshot(): Record<string, any> {
    const flash = this.storedFlash()
    return flash ? { ...this.store.all(), [FLASH_KEY]: flash } : { ...this.store.all() }
  }

  /**
   * Templates get a read-only `session`, the `flashMessages` and `old()`
   */
  private shareLocalsWithView() {
    const view = (this.ctx as any).view
    if (!view || typeof view.share !== 'function') {
      return
    }
    const flashMessages = this.flashMessages
    const locals: SessionViewLocals = {
      flashMessages,
      old: (field, defaultValue) => oldInput(flashMessages, field, defaultValue),
      session: {
        get: this.get.bind(this),
        has: this.has.bind(this),
        all: this.all.bind(this),
      },
    }
    view.share(locals)
  }
}
