/*
 * @adonisjs/session
 */

/// <reference path="../adonis-typings/index.ts" />

import cookie from 'cookie'
import LRUCache from 'lru-cache'
import { EncryptionContract } from '@ioc:Adonis/Core/Encryption'
import { RequestContract } from '@ioc:Adonis/Core/Request'
import { ResponseContract } from '@ioc:Adonis/Core/Response'
import { ResolvedSessionConfig, SerializeOptions } from './SessionManager/config'
import { SessionCookieTooLargeException } from './errors'
import { isPlainObject } from './Store'
import { isValidSessionId } from './SessionId'
import { DataCookieCipher, stringify } from './DataCipher'

/**
 * Browsers drop a cookie whose name, value and attributes pass this size
 */
export const COOKIE_SIZE_LIMIT = 4096

/**
 * Key inside the encrypted data cookie holding its expiry (epoch ms). Lets
 * the server refuse a replayed old cookie and know when to re-issue it.
 */
const EXPIRES_AT_KEY = '__expires_at__'

type DecryptedData = { json: string; expiresAt: number }

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
  private idHeaders = new LRUCache<string, string>({ max: 5000 })
  private unsignedIds = new LRUCache<string, string>({ max: 5000 })
  private decrypted = new LRUCache<string, DecryptedData>({
    max: 2000,
    maxSize: 8 * 1024 * 1024,
    sizeCalculation: (entry, key) => entry.json.length + key.length,
  })
  private clearOptions: SerializeOptions & { expires: Date }

  /**
   * What follows `name=value` in a data cookie's header (`; Max-Age=...;
   * Path=/...`): the options are the same for every data cookie, so they
   * are serialised once, as the cookie package would on every call
   */
  private dataAttributes: string

  /**
   * When data cookies written by 6.4 (no expiry inside) stop being accepted:
   * `age` after this process started, however often they are replayed
   */
  private legacyExpiresAt: number

  /**
   * The framework-compatible fast encryption of data cookies, or null to
   * use the framework's own
   */
  private cipher: DataCookieCipher | null

  constructor(
    private encryption: EncryptionContract,
    private config: ResolvedSessionConfig,
    appKey?: unknown
  ) {
    this.cipher = DataCookieCipher.create(encryption, appKey)
    this.dataAttributes = cookie.serialize('x', '', config.cookieOptions).slice('x='.length)
    const { maxAge, ...rest } = config.cookieOptions
    this.clearOptions = { ...rest, maxAge: -1, expires: new Date(1) }
    this.legacyExpiresAt = Date.now() + config.ageMs
  }

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

    const id = this.encryption.verifier.unsign(raw.slice(2), this.config.cookieName)
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
    let header = this.idHeaders.get(sessionId)
    if (header === undefined) {
      header = cookie.serialize(
        this.config.cookieName,
        this.signSessionId(sessionId),
        this.config.cookieOptions
      )
      this.idHeaders.set(sessionId, header)
    }
    response.append('set-cookie', header)
  }

  /**
   * The values and expiry inside the request's data cookie for a session,
   * or null when it is missing, tampered with or expired
   */
  public readData(request: RequestContract, sessionId: string) {
    return this.decryptValue(sessionId, request.cookiesList()[sessionId])
  }

  /**
   * The values and expiry inside a data cookie value (`e:...`), or null
   */
  public decryptValue(
    sessionId: string,
    raw: unknown
  ): { values: Record<string, any>; expiresAt: number } | null {
    if (typeof raw !== 'string' || !raw.startsWith('e:')) {
      return null
    }

    const key = `${sessionId}:${raw}`
    let entry = this.decrypted.get(key)
    if (entry === undefined) {
      const message = this.encryption.decrypt(raw.slice(2), sessionId)
      if (!isPlainObject(message)) {
        return null
      }
      entry = this.toEntry(message)
      this.decrypted.set(key, entry)
    }

    if (entry.expiresAt <= Date.now()) {
      return null
    }
    return { values: JSON.parse(entry.json), expiresAt: entry.expiresAt }
  }

  /**
   * Data cookie values decrypted elsewhere (the Japa cookie serializer),
   * without the expiry marker, or null once expired
   */
  public withoutExpiry(message: Record<string, any>): Record<string, any> | null {
    const entry = this.toEntry(message)
    return entry.expiresAt > Date.now() ? JSON.parse(entry.json) : null
  }

  /**
   * The `e:` value of a data cookie holding the values
   */
  public encryptData(sessionId: string, values: Record<string, any>): string {
    const expiresAt = Date.now() + this.config.ageMs
    const json = JSON.stringify(values)
    let raw: string
    if (this.cipher) {
      raw = `e:${this.cipher.encryptJson(
        withExpiry(values, json, expiresAt),
        this.config.ageMs,
        sessionId
      )}`
    } else {
      const payload = { ...values, [EXPIRES_AT_KEY]: expiresAt }
      raw = `e:${this.encryption.encrypt(payload, this.config.ageMs, sessionId)}`
    }

    /**
     * The browser sends this exact string back with its next request: what
     * it holds is known already, no need to decrypt it then
     */
    this.decrypted.set(`${sessionId}:${raw}`, { json, expiresAt })
    return raw
  }

  /**
   * Send the data cookie. Refuses, before writing anything, a cookie that
   * browsers would silently drop.
   */
  public writeData(response: ResponseContract, sessionId: string, values: Record<string, any>) {
    const value = encodeURIComponent(this.encryptData(sessionId, values))
    const header = `${sessionId}=${value}${this.dataAttributes}`
    const size = Buffer.byteLength(header)
    if (size > COOKIE_SIZE_LIMIT) {
      throw SessionCookieTooLargeException.create(sessionId, size, COOKIE_SIZE_LIMIT)
    }
    response.append('set-cookie', header)
  }

  /**
   * Tell the browser to drop a data cookie
   */
  public clearData(response: ResponseContract, sessionId: string) {
    response.append('set-cookie', cookie.serialize(sessionId, '', this.clearOptions))
  }

  /**
   * A cookie written by 6.4 has no expiry inside: it is accepted until
   * `legacyExpiresAt` at the latest, and reported as due for a refresh so
   * that the request re-issues it with an expiry
   */
  private toEntry(message: Record<string, any>): DecryptedData {
    const { [EXPIRES_AT_KEY]: expiresAt, ...values } = message
    const known = typeof expiresAt === 'number' && Number.isFinite(expiresAt)
    const dueForRefresh = Date.now() + this.config.ageMs - this.config.refreshAfterMs - 1
    return {
      json: JSON.stringify(values),
      expiresAt: known ? expiresAt : Math.min(this.legacyExpiresAt, dueForRefresh),
    }
  }
}

/**
 * The JSON of the values with the expiry marker as their last key, as
 * `JSON.stringify({ ...values, [EXPIRES_AT_KEY]: expiresAt })` writes it,
 * made from the values' JSON instead of a second serialisation. Values that
 * hold the marker or a `toJSON` of their own go the long way.
 */
function withExpiry(values: Record<string, any>, json: string, expiresAt: number): string {
  if (EXPIRES_AT_KEY in values || typeof values.toJSON === 'function') {
    return stringify({ ...values, [EXPIRES_AT_KEY]: expiresAt })
  }
  const marker = `"${EXPIRES_AT_KEY}":${expiresAt}}`
  return json === '{}' ? `{${marker}` : `${json.slice(0, -1)},${marker}`
}
