/*
 * @adonisjs/session
 */

/// <reference path="../../../adonis-typings/index.ts" />

import { SessionDriverContract, SessionUpdater } from '@ioc:Adonis/Addons/Session'
import { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'
import { RequestContract } from '@ioc:Adonis/Core/Request'
import { ResponseContract } from '@ioc:Adonis/Core/Response'
import { SessionRuntimeException } from '../../errors'
import { SessionChange } from '../Shared/change'
import { SessionLifetime } from '../Shared/lifetime'

/**
 * How long a data cookie lives, and after how much of that it is re-issued
 */
export type CookieDriverOptions = { ageMs: number; refreshAfterMs: number }

/**
 * What the driver needs of the data cookie (the manager's
 * SessionDataCookie): read, send and clear the encrypted data cookie.
 * `writeData` may leave out the `flashInput` keys of the flash messages to
 * fit the cookie within `sizeLimit`, and returns the paths it left out.
 * `createdAt` travels inside the encrypted envelope, never among the values.
 */
export interface DataCookies {
  readonly sizeLimit: number
  readData(
    request: RequestContract,
    sessionId: string
  ): { values: Record<string, any>; expiresAt: number; createdAt?: number } | null
  writeData(
    response: ResponseContract,
    sessionId: string,
    values: Record<string, any>,
    flashInput?: string[],
    createdAt?: number
  ): string[]
  clearData(response: ResponseContract, sessionId: string): void
}

/**
 * Keeps the session values in an encrypted cookie named after the session
 * id. The browser keeps only the last response's cookie, so concurrent
 * requests cannot be merged: the last response wins.
 */
export class CookieDriver implements SessionDriverContract {
  private expiresAt: number | null = null

  constructor(
    private options: CookieDriverOptions,
    private cookies: DataCookies,
    private ctx: HttpContextContract,
    public readonly lifetime: SessionLifetime = new SessionLifetime(null)
  ) {}

  public read(sessionId: string): Record<string, any> | null {
    const data = this.cookies.readData(this.ctx.request, sessionId)
    if (!data || !this.lifetime.admit(data.createdAt)) {
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
    const dropped = this.cookies.writeData(
      this.ctx.response,
      sessionId,
      values,
      flashInput,
      this.lifetime.stamp()
    )
    if (dropped.length) {
      const names = dropped.map((path) => `"${path}"`).join(', ')
      this.ctx.logger.warn(
        `Left out the flashed input ${names} of the session cookie, which would be over the ${this.cookies.sizeLimit} bytes browsers keep`
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
    this.applyChange(sessionId, new SessionChange(updater))
  }

  /**
   * The session's own change: its flashed input may be left out of a
   * cookie too large for browsers, so a validation redirect never fails
   */
  public applyChange(sessionId: string, change: SessionChange): void {
    const current = this.read(sessionId)
    const next = change.replay(current)
    if (next !== null) {
      return this.write(sessionId, next, change.flashInput)
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
    const elapsed = this.options.ageMs - (this.expiresAt - Date.now())
    if (elapsed < this.options.refreshAfterMs) {
      return
    }
    const data = this.cookies.readData(this.ctx.request, sessionId)
    if (data) {
      this.cookies.writeData(this.ctx.response, sessionId, data.values, [], this.lifetime.stamp())
    }
  }
}
