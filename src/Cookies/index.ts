/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { EncryptionContract } from '@ioc:Adonis/Core/Encryption'
import { RequestContract } from '@ioc:Adonis/Core/Request'
import { ResponseContract } from '@ioc:Adonis/Core/Response'
import { ResolvedSessionConfig } from '../SessionManager/config'
import { AppKeys } from '../Drivers/Shared/keys'
import { SessionIdCookie } from './idCookie'
import { DataCookie, SessionDataCookie } from './dataCookie'

export { COOKIE_SIZE_LIMIT, cookieSize, serializeCookie } from './header'
export type { DataCookie } from './dataCookie'

/**
 * The session's cookies: the signed id cookie and the cookie driver's
 * encrypted data cookie, in the framework's formats (`s:` and `e:` values),
 * so cookies written by 6.4 are read and the other way round.
 *
 * Crypto already done is not done again: the result of verifying or
 * decrypting an identical cookie string is kept in bounded caches, and the
 * Set-Cookie header for an id is built once. Every check still holds, since
 * a cache entry is keyed by the exact string that passed it and expiry is
 * checked on every read.
 */
export class SessionCookies {
  /**
   * The data cookie, which the cookie driver reads, writes and clears
   */
  public readonly data: SessionDataCookie

  private id: SessionIdCookie

  constructor(
    encryption: EncryptionContract,
    config: ResolvedSessionConfig,
    appKey?: unknown,
    keys: AppKeys = new AppKeys(encryption)
  ) {
    this.id = new SessionIdCookie(encryption, keys, config)
    this.data = new SessionDataCookie(encryption, keys, config, appKey)
  }

  /**
   * The session id carried by the request's signed id cookie, or null
   */
  public readSessionId(request: RequestContract): string | null {
    return this.id.readSessionId(request)
  }

  /**
   * The id inside a signed id cookie value (`s:...`), or null
   */
  public unsignValue(raw: unknown): string | null {
    return this.id.unsignValue(raw)
  }

  /**
   * The signed value of the id cookie, as the framework signs it
   */
  public signSessionId(sessionId: string): string {
    return this.id.signSessionId(sessionId)
  }

  /**
   * Send the id cookie with a fresh Max-Age
   */
  public writeSessionId(response: ResponseContract, sessionId: string) {
    this.id.writeSessionId(response, sessionId)
  }

  /**
   * The values and expiry inside a data cookie value (`e:...`), or null
   */
  public decryptValue(sessionId: string, raw: unknown): DataCookie | null {
    return this.data.decryptValue(sessionId, raw)
  }

  /**
   * Data cookie values decrypted elsewhere (the Japa cookie serializer),
   * without the legacy expiry marker, or null once it has expired
   */
  public withoutExpiry(message: Record<string, any>): Record<string, any> | null {
    return this.data.withoutExpiry(message)
  }

  /**
   * The `e:` value of a data cookie holding exactly the values
   */
  public encryptData(sessionId: string, values: Record<string, any>, createdAt?: number): string {
    return this.data.encryptData(sessionId, values, createdAt)
  }
}
