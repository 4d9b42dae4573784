/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { SessionDriverContract, SessionUpdater } from '@ioc:Adonis/Addons/Session'
import { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'
import { ResolvedSessionConfig } from '../SessionManager/config'
import { SessionRuntimeException } from '../errors'
import { COOKIE_SIZE_LIMIT, CookieUpdater, SessionCookies } from '../Cookies'

/**
 * Keeps the session values in an encrypted cookie named after the session
 * id. The browser keeps only the last response's cookie, so concurrent
 * requests cannot be merged: the last response wins.
 */
export class CookieDriver implements SessionDriverContract {
  private expiresAt: number | null = null

  constructor(
    private config: ResolvedSessionConfig,
    private cookies: SessionCookies,
    private ctx: HttpContextContract
  ) {}

  public read(sessionId: string): Record<string, any> | null {
    const data = this.cookies.readData(this.ctx.request, sessionId)
    if (!data) {
      return null
    }
    this.expiresAt = data.expiresAt
    return data.values
  }

  /**
   * Flashed input under the `flashInput` keys may be left out when the
   * cookie would be too large for browsers, with a warning naming it
   */
  public write(sessionId: string, values: Record<string, any>, flashInput?: string[]): void {
    if (!values || typeof values !== 'object') {
      throw SessionRuntimeException.notAnObject('cookie')
    }
    const dropped = this.cookies.writeData(this.ctx.response, sessionId, values, flashInput)
    if (dropped.length) {
      const names = dropped.map((path) => `"${path}"`).join(', ')
      this.ctx.logger.warn(
        `Left out the flashed input ${names} of the session cookie, which would be over the ${COOKIE_SIZE_LIMIT} bytes browsers keep`
      )
    }
  }

  /**
   * Applies the changes to the copy the request carried. A session the
   * request emptied (a logout) keeps an encrypted `{}`, as in 6.4, so that
   * code reading the cookie sees an empty session; without a readable
   * cookie to replace, nothing is sent (or a stale one is cleared).
   */
  public update(sessionId: string, updater: SessionUpdater): void {
    const current = this.read(sessionId)
    const next = updater(current)
    if (next !== null) {
      return this.write(sessionId, next, (updater as CookieUpdater).flashInput)
    }
    return current === null ? this.destroy(sessionId) : this.write(sessionId, {})
  }

  public destroy(sessionId: string): void {
    if (this.ctx.request.cookiesList()[sessionId] !== undefined) {
      this.cookies.clearData(this.ctx.response, sessionId)
    }
  }

  /**
   * Re-issues the data cookie (new expiry inside) only once `refreshAfter`
   * of its lifetime has passed; until then the cookie the browser holds is
   * still good. A data cookie that did not read (expired, tampered with) is
   * cleared, so stale cookies do not stay in the browser.
   */
  public touch(sessionId: string): void {
    if (this.expiresAt === null) {
      this.destroy(sessionId)
      return
    }
    const elapsed = this.config.ageMs - (this.expiresAt - Date.now())
    if (elapsed < this.config.refreshAfterMs) {
      return
    }
    const data = this.cookies.readData(this.ctx.request, sessionId)
    if (data) {
      this.cookies.writeData(this.ctx.response, sessionId, data.values)
    }
  }
}
