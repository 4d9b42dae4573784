/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { EmitterContract, EventsList } from '@ioc:Adonis/Core/Event'
import { LoggerContract } from '@ioc:Adonis/Core/Logger'
import { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'
import { SessionStats } from './stats'

/**
 * The session's events, by name
 */
type SessionEventName =
  | 'session:initiated'
  | 'session:committed'
  | 'session:migrated'
  | 'session:destroyed'

/**
 * What `session:committed` reports for each commit of the stats
 */
const OPERATIONS = { write: 'written', touch: 'touched', regenerate: 'migrated' } as const

/**
 * Whether a commit left nothing of a session that held values
 */
function emptiedStoredSession({ readValues, written }: SessionStats): boolean {
  const had = readValues !== null && Object.keys(readValues).length > 0
  return had && (written === null || Object.keys(written).length === 0)
}

/**
 * Emits the session's events through the app's emitter. The payload is
 * built only when the event has a listener, so an app that listens to
 * none pays one listener count per event. Listeners run after the request
 * goes on: a slow or failing listener never delays or fails a response.
 */
export class SessionEvents {
  constructor(private emitter: EmitterContract, private logger: LoggerContract) {}

  /**
   * The app's emitter, when `Adonis/Core/Event` is bound
   */
  public static of(container: any, logger: LoggerContract): SessionEvents | null {
    if (!container.hasBinding('Adonis/Core/Event')) {
      return null
    }
    return new SessionEvents(container.use('Adonis/Core/Event'), logger)
  }

  /**
   * `session:initiated`, once a request's session is read
   */
  public initiated(
    ctx: HttpContextContract,
    sessionId: string,
    fresh: boolean,
    readonly: boolean,
    driver: string
  ) {
    this.emit('session:initiated', () => ({ sessionId, fresh, readonly, driver, ctx }))
  }

  /**
   * The events of a commit that completed, from its stats: after a
   * regeneration `session:migrated`, or `session:destroyed` when the old
   * record ended past `maxLifetime`; `session:destroyed` for a write that
   * emptied a stored session; then `session:committed`
   */
  public committed(
    ctx: HttpContextContract,
    stats: SessionStats,
    sessionId: string,
    previousSessionId: string | null,
    lifetimeEnded: boolean
  ) {
    const { driver, commit } = stats
    if (commit === 'regenerate' && previousSessionId) {
      if (lifetimeEnded) {
        this.emit('session:destroyed', () => ({
          sessionId: previousSessionId,
          driver,
          reason: 'maxLifetime',
          ctx,
        }))
      } else {
        this.emit('session:migrated', () => ({
          fromSessionId: previousSessionId,
          toSessionId: sessionId,
          driver,
          ctx,
        }))
      }
    }
    if (commit === 'write' && emptiedStoredSession(stats)) {
      this.emit('session:destroyed', () => ({ sessionId, driver, reason: 'emptied', ctx }))
    }
    const operation = commit === 'none' || commit === 'pending' ? 'none' : OPERATIONS[commit]
    this.emit('session:committed', () => ({ sessionId, driver, operation, ctx }))
  }

  /**
   * Emit `name` with the payload `build` gives, if anything listens
   */
  public emit<K extends SessionEventName>(name: K, build: () => EventsList[K]): void {
    if (!this.emitter.hasListeners(name)) {
      return
    }
    this.emitter.emit(name, build()).catch((error: Error) => {
      this.logger.error({ err: error }, 'a "%s" listener failed', name)
    })
  }
}
