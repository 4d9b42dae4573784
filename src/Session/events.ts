/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { EmitterContract, EventsList } from '@ioc:Adonis/Core/Event'
import { LoggerContract } from '@ioc:Adonis/Core/Logger'

/**
 * The session's events, by name
 */
export type SessionEventName =
  | 'session:initiated'
  | 'session:committed'
  | 'session:migrated'
  | 'session:destroyed'

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
