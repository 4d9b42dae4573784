/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'
import { SessionDriverContract, SessionMutation } from '@ioc:Adonis/Addons/Session'
import { Store } from '../Store'
import { FLASH_KEY } from '../Store/mutations'
import { ResolvedSessionConfig } from '../SessionManager/config'
import { SessionCookies } from '../Cookies'
import { generateSessionId } from '../SessionId'
import {
  CommitPlan,
  commitOperation,
  moveToNewId,
  persistChanges,
  replaysToSnapshot,
} from './persistence'
import { SessionFlash } from './flash'
import { SessionValues } from './values'
import { SessionStats, newStats } from './stats'
import { SessionTagging } from './tagging'
import { SessionEvents } from './events'
import { varyOnCookie } from './tracked'
import { restartsPastLifetime, storedValues } from './read'

/**
 * The public state of `ctx.session` the record reads, and sets when the
 * session continues under a new id
 */
type SessionState = { sessionId: string; fresh: boolean; initiated: boolean; readonly: boolean }

/**
 * One request's copy of its session and its round trip to the store: the
 * values, flash messages and tag with the record of every change made to
 * them, what the driver's read returned, and the commit, which stores the
 * changes (or only refreshes the expiry) and sends the id cookie
 */
export class SessionRecord {
  /**
   * What the session did for this request, for diagnostics
   */
  public readonly stats: SessionStats

  public readonly values = new SessionValues()
  public readonly flash: SessionFlash
  public readonly tagging: SessionTagging

  /**
   * True once the handler or a template read a value or a flash message:
   * the response then varies with the cookie
   */
  public valuesRead = false

  /**
   * The object the driver's read returned, while replaying the request's
   * changes onto what was read is known to give what the session holds
   * now (see `persistChanges`)
   */
  private readValues: Record<string, any> | null = null

  /**
   * The id the session had before `regenerate()`, destroyed at commit
   */
  private previousSessionId: string | null = null

  private readFailed = false

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
    private events: SessionEvents | null
  ) {
    this.stats = newStats(config.driver)
    this.flash = new SessionFlash(config, ctx.logger)
    this.tagging = new SessionTagging(ctx, driver, config.refreshAfterMs)
  }

  /**
   * Read the session from the driver (a new one reads nothing). A session
   * past `maxLifetime` reads as empty and, unless readonly, continues under
   * a new id; the old record is destroyed at commit.
   */
  public async read(session: SessionState): Promise<void> {
    try {
      this.stats.read = !session.fresh
      const read = session.fresh ? null : await this.driver.read(session.sessionId)
      const values = storedValues(read, this.stats)
      this.values.store = new Store(values || {})
      this.readValues = values && replaysToSnapshot(values) ? values : null
      this.tagging.read(session.fresh ? null : session.sessionId)
      if (restartsPastLifetime(this.driver, session.readonly)) {
        this.ctx.logger.trace('session is past its maxLifetime')
        this.lifetimeEnded = true
        this.previousSessionId = session.sessionId
        session.sessionId = generateSessionId()
        session.fresh = true
      }
    } catch (error) {
      this.readFailed = true
      throw error
    }
  }

  /**
   * Before the session takes a new id: the stored one (the first, when it
   * regenerates twice) is destroyed at commit
   */
  public leave(session: SessionState) {
    if (!session.fresh && !this.previousSessionId) {
      this.previousSessionId = session.sessionId
    }
  }

  /**
   * Persist what the request changed and send the id cookie with a fresh
   * Max-Age; after a read that failed, nothing
   */
  public async commit(session: SessionState): Promise<void> {
    if (this.readFailed) {
      return
    }
    if (this.valuesRead && this.config.varyCookie) {
      varyOnCookie(this.ctx.response)
    }

    const previousSessionId = this.previousSessionId
    await this.ctx.profiler.profileAsync('session:commit', { driver: this.config.driver }, () =>
      this.persist(session)
    )
    const { ctx, stats, lifetimeEnded } = this
    this.events?.committed(ctx, stats, session.sessionId, previousSessionId, lifetimeEnded)
    this.lifetimeEnded = false
  }

  /**
   * Send the id cookie, then do what `commitOperation` decides; a session
   * never read only has a stored record's expiry refreshed
   */
  private async persist(session: SessionState): Promise<void> {
    const { driver, previousSessionId } = this
    const { sessionId, fresh } = session
    this.cookies.writeSessionId(this.ctx.response, sessionId)
    if (!session.initiated) {
      if (!fresh) {
        this.stats.commit = 'touch'
        await driver.touch(sessionId)
      }
      return
    }

    const changes = previousSessionId ? [] : this.changes(session.readonly)
    const operation = commitOperation(fresh, !!previousSessionId, changes, this.tagging)
    this.stats.commit = operation
    if (operation === 'regenerate') {
      const plan = this.plan(changes, session.readonly)
      await moveToNewId(driver, sessionId, previousSessionId!, plan)
      return this.committed()
    }
    if (operation === 'write') {
      this.ctx.logger.trace('persist session changes with driver')
      await persistChanges(driver, sessionId, this.plan(changes, session.readonly))
      return this.committed()
    }
    if (operation === 'touch') {
      this.ctx.logger.trace('touch session driver')
      await driver.touch(sessionId)
    }
  }

  /**
   * What the commit hands to the driver; what it stores is recorded in
   * `stats.written`
   */
  private plan(changes: SessionMutation[], readonly: boolean): CommitPlan {
    return {
      changes,
      read: this.readValues,
      snapshot: () => this.snapshot(readonly),
      flashInput: readonly ? [] : this.flash.inputKeys(),
      tagOps: this.tagging.ops(this.previousSessionId !== null),
      record: (values) => (this.stats.written = values),
    }
  }

  /**
   * After a commit, the changes are stored: a second commit must not apply
   * them again
   */
  private committed() {
    this.readValues = null
    this.values.committed()
    this.flash.committed()
    this.tagging.committed()
    this.previousSessionId = null
  }

  /**
   * Every change of this request, in order: recorded mutations, in-place
   * edits found by comparison, consumed and new flash messages
   */
  private changes(readonly: boolean): SessionMutation[] {
    if (readonly) {
      return []
    }
    return [...this.values.changes(), ...this.flash.changes()]
  }

  /**
   * The whole session as the drivers store it
   */
  private snapshot(readonly: boolean): Record<string, any> {
    const flash = this.flash.stored(readonly)
    const values = this.values.store.all()
    return flash ? { ...values, [FLASH_KEY]: flash } : { ...values }
  }
}
