/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import {
  AllowedSessionValues,
  SessionClientContract,
  SessionDriverContract,
} from '@ioc:Adonis/Addons/Session'
import { Store, isPlainObject, withoutUnsafeKeys } from '../Store'
import { FLASH_KEY } from '../Store/mutations'
import { ResolvedSessionConfig } from '../SessionManager/config'
import { generateSessionId, isValidSessionId } from '../SessionId'
import { SessionCookies } from '../Cookies'
import { SessionChange, applyChange } from '../Drivers/Shared/change'
import { TagOp, normalizeUserId } from '../Drivers/Shared/tags'
import { SessionRuntimeException } from '../errors'

type Cookie = { value?: unknown } | undefined

/**
 * Prepares a session before a test request and reads it back after the
 * response, through the app's own driver. With the cookie driver (`driver`
 * is null) the session travels in the request's data cookie and comes back
 * in the response's.
 */
export class SessionClient extends Store implements SessionClientContract {
  public sessionId = generateSessionId()
  public flashMessages = new Store({})

  /**
   * Values sent with the cookie driver, the session's state when the
   * response does not replace the data cookie
   */
  private sentValues: Record<string, any> | null = null

  /**
   * The user the session is tagged with when sent
   */
  private userId: string | null = null

  constructor(
    private config: ResolvedSessionConfig,
    private cookies: SessionCookies,
    private driver: SessionDriverContract | null
  ) {
    super({})
  }

  public isEnabled(): boolean {
    return this.config.enabled
  }

  /**
   * Tag the session sent with the request with a user, as `session.tag()`
   * does (the cookie driver stores no tags)
   */
  public tag(userId: string | number): void {
    this.userId = normalizeUserId(userId)
    if (this.userId === null) {
      throw SessionRuntimeException.invalidUserId()
    }
  }

  public set(key: string, value: AllowedSessionValues): void {
    super.set(key, withoutUnsafeKeys(value))
  }

  /**
   * Store the values and flash messages under a new session id and return
   * the cookies the request must carry. With nothing to send, the store is
   * not touched.
   */
  public async commit() {
    const values: Record<string, any> = { ...this.all() }
    if (!this.flashMessages.isEmpty) {
      values[FLASH_KEY] = this.flashMessages.all()
    }

    const signedSessionId = this.cookies.signSessionId(this.sessionId)
    const cookies: Record<string, string> = { [this.config.cookieName]: signedSessionId }
    if (Object.keys(values).length === 0) {
      this.sentValues = null
    } else if (this.driver) {
      await this.store(values)
    } else {
      this.sentValues = values
      cookies[this.sessionId] = this.cookies.encryptData(this.sessionId, values)
    }

    this.clear()
    this.flashMessages.clear()
    return {
      cookieName: this.config.cookieName,
      sessionId: this.sessionId,
      signedSessionId,
      cookies,
    }
  }

  /**
   * Write the values, with their tag when there is one
   */
  private async store(values: Record<string, any>) {
    if (!this.userId || typeof this.driver!.update !== 'function') {
      return this.driver!.write(this.sessionId, values)
    }
    const at = Date.now()
    const tagOps: TagOp[] = [{ op: 'tag', userId: this.userId, at, ip: null, userAgent: null }]
    const change = new SessionChange(
      () => values,
      null,
      null,
      [],
      () => tagOps
    )
    await applyChange(this.driver!, this.sessionId, change)
  }

  /**
   * The session the response points to: its id cookie, else the one sent
   */
  public async load(responseCookies: Record<string, Cookie>) {
    const sessionId = this.sessionIdFrom(responseCookies[this.config.cookieName])
    const values = await this.read(sessionId, responseCookies[sessionId])
    const store = new Store(values)
    const flashMessages = store.pull(FLASH_KEY, null)
    return { session: store.all(), flashMessages }
  }

  /**
   * Remove what the client stored
   */
  public async forget(): Promise<void> {
    this.clear()
    this.flashMessages.clear()
    this.userId = null
    if (this.driver) {
      await this.driver.destroy(this.sessionId)
    }
  }

  private sessionIdFrom(cookie: Cookie): string {
    const value = cookie && cookie.value
    if (typeof value === 'string' && value.startsWith('s:')) {
      return this.cookies.unsignValue(value) ?? this.sessionId
    }
    return isValidSessionId(value) ? value : this.sessionId
  }

  private async read(sessionId: string, dataCookie: Cookie): Promise<Record<string, any> | null> {
    if (this.driver) {
      return this.driver.read(sessionId)
    }
    if (!dataCookie) {
      return sessionId === this.sessionId ? this.sentValues : null
    }
    const value = dataCookie.value
    if (typeof value === 'string') {
      const data = this.cookies.decryptValue(sessionId, value)
      return data && data.values
    }
    return isPlainObject(value) ? this.cookies.withoutExpiry(value) : null
  }
}
