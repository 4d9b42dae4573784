/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import LRUCache from 'lru-cache'
import { EncryptionContract } from '@ioc:Adonis/Core/Encryption'
import { RequestContract } from '@ioc:Adonis/Core/Request'
import { ResponseContract } from '@ioc:Adonis/Core/Response'
import { ResolvedSessionConfig } from '../SessionManager/config'
import { isValidSessionId } from '../SessionId'
import { AppKeys } from '../Drivers/Shared/keys'
import { serializeCookie } from './header'

/**
 * What the id cookie reads of the session config
 */
type IdCookieConfig = Pick<ResolvedSessionConfig, 'cookieName' | 'cookieOptions'>

/**
 * The signed id cookie, in the framework's format (`s:` values), verified
 * with the app key and then with `previousAppKeys`. A value that verified
 * and the Set-Cookie header built for an id are kept in bounded caches,
 * each keyed by the exact string that passed the check.
 */
export class SessionIdCookie {
  private headers = new LRUCache<string, string>({ max: 5000 })
  private unsignedIds = new LRUCache<string, string>({ max: 5000 })

  constructor(
    private encryption: EncryptionContract,
    private keys: AppKeys,
    private config: IdCookieConfig
  ) {}

  /**
   * The session id carried by the request's signed id cookie, or null
   */
  public readSessionId(request: RequestContract): string | null {
    return this.unsignValue(request.cookiesList()[this.config.cookieName])
  }

  /**
   * The id inside a signed id cookie value (`s:...`), or null. An id that
   * has neither our shape nor 6.4's never reaches a driver, even when its
   * signature is valid.
   */
  public unsignValue(raw: unknown): string | null {
    if (typeof raw !== 'string' || !raw.startsWith('s:')) {
      return null
    }

    const cached = this.unsignedIds.get(raw)
    if (cached !== undefined) {
      return cached
    }

    const id = this.keys.rotated
      ? this.keys.unsign(raw.slice(2), this.config.cookieName)?.value
      : this.encryption.verifier.unsign(raw.slice(2), this.config.cookieName)
    if (!isValidSessionId(id)) {
      return null
    }
    this.unsignedIds.set(raw, id)
    return id
  }

  /**
   * The signed value of the id cookie, as the framework signs it
   */
  public signSessionId(sessionId: string): string {
    return `s:${this.encryption.verifier.sign(sessionId, undefined, this.config.cookieName)}`
  }

  /**
   * Send the id cookie with a fresh Max-Age
   */
  public writeSessionId(response: ResponseContract, sessionId: string) {
    let header = this.headers.get(sessionId)
    if (header === undefined) {
      header = serializeCookie(
        this.config.cookieName,
        this.signSessionId(sessionId),
        this.config.cookieOptions
      )
      this.headers.set(sessionId, header)
    }
    response.append('set-cookie', header)
  }
}
