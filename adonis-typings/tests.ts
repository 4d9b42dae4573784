/*
 * @adonisjs/session
 */

import '@japa/api-client'
import { InspectOptions } from 'util'
import { AllowedSessionValues, SessionClientContract } from '@ioc:Adonis/Addons/Session'

declare module '@japa/api-client' {
  interface ApiRequest {
    /**
     * The client that stores the request's session before it is sent
     */
    sessionClient: SessionClientContract

    /**
     * Send session values with the request
     */
    session(values: Record<string, AllowedSessionValues>): this

    /**
     * Tag the session sent with the request with a user, as
     * `session.tag(userId)` would (server-side drivers)
     */
    sessionTag(userId: string | number): this

    /**
     * Send flash messages with the request, as if set by a previous request
     */
    flashMessages(messages: Record<string, AllowedSessionValues>): this
  }

  interface ApiResponse {
    /**
     * The session and flash messages read back after the response
     */
    sessionJar: {
      session: Record<string, any>
      flashMessages: Record<string, any> | null
    }

    /**
     * The session values after the request
     */
    session(): Record<string, any>

    /**
     * Print the session and flash messages
     */
    dumpSession(options?: InspectOptions): this

    /**
     * The flash messages set by the request
     */
    flashMessages(): Record<string, any>

    /**
     * Assert the session has a key, and optionally its value
     */
    assertSession(key: string, value?: any): void

    /**
     * Assert the session does not have a key
     */
    assertSessionMissing(key: string): void

    /**
     * Assert a flash message was set, and optionally its value
     */
    assertFlashMessage(key: string, value?: any): void

    /**
     * Assert a flash message was not set
     */
    assertFlashMissing(key: string): void
  }
}
