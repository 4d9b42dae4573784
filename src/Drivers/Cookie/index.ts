/*
 * @adonisjs/session
 */

/// <reference path="../../../adonis-typings/index.ts" />

import { SessionDriverContract, SessionUpdater } from '@ioc:Adonis/Addons/Session'
import { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'
import { RequestContract } from '@ioc:Adonis/Core/Request'
import { ResponseContract } from '@ioc:Adonis/Core/Response'
import { SessionRuntimeException } from '../../errors'

/**
 * How long a data cookie lives, and after how much of that it is re-issued
 */
export type CookieDriverOptions = { ageMs: number; refreshAfterMs: number }

/**
 * What the driver needs of the session cookies (the manager's
 * SessionCookies): read, send and clear the encrypted data cookie
 */
export interface DataCookies {
  readData(
    request: RequestContract,
    sessionId: string
  ): { values: Record<string, any>; expiresAt: number } | null
  writeData(response: ResponseContract, sessionId: string, values: Record<string, any>): void
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

  public write(sessionId: string, values: Record<string, any>): void {
    if (!values || typeof values !== 'object') {
      throw SessionRuntimeException.notAnObject('cookie')
    }
    this.cookies.writeData(this.ctx.response, sessionId, values)
  }

  /**
   * Applies the changes to the copy the request carried. An emptied session
   * clears its cookie instead of sending an empty one.
   */
  public update(sessionId: string, updater: SessionUpdater): void {
    const next = updater(this.read(sessionId))
    return next === null ? this.destroy(sessionId) : this.write(sessionId, next)
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
      this.cookies.writeData(this.ctx.response, sessionId, data.values)
    }
  }
}
