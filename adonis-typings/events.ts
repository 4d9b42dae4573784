/*
 * @adonisjs/session
 */

declare module '@ioc:Adonis/Core/Event' {
  import { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'

  /**
   * The session's events, emitted through `Adonis/Core/Event` only when a
   * listener is registered
   */
  interface EventsList {
    /**
     * A request's session was read from its driver
     */
    'session:initiated': {
      sessionId: string
      fresh: boolean
      readonly: boolean
      driver: string
      ctx: HttpContextContract
    }
    /**
     * A request's session was stored: `written` (the values), `touched`
     * (the expiry only), `migrated` (to a regenerated id) or `none`
     */
    'session:committed': {
      sessionId: string
      driver: string
      operation: 'written' | 'touched' | 'migrated' | 'none'
      ctx: HttpContextContract
    }
    /**
     * `regenerate()` moved the session to a new id; the old one is gone
     */
    'session:migrated': {
      fromSessionId: string
      toSessionId: string
      driver: string
      ctx: HttpContextContract
    }
    /**
     * A session's record was removed: the request emptied it, or it was
     * past `maxLifetime`
     */
    'session:destroyed': {
      sessionId: string
      driver: string
      reason: 'emptied' | 'maxLifetime'
      ctx: HttpContextContract
    }
  }
}
