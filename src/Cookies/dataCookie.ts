/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import LRUCache from 'lru-cache'
import { EncryptionContract } from '@ioc:Adonis/Core/Encryption'
import { RequestContract } from '@ioc:Adonis/Core/Request'
import { ResponseContract } from '@ioc:Adonis/Core/Response'
import { ResolvedSessionConfig, SerializeOptions } from '../SessionManager/config'
import { SessionCookieTooLargeException } from '../errors'
import { isPlainObject } from '../Store'
import { DataCookieCipher, stringify } from '../DataCipher'
import { InputLeaf, inputLeaves, takeLargest, withoutLeaves } from '../flashInput'
import { FLASH_KEY } from '../Store/mutations'
import { AppKeys } from '../Drivers/Shared/keys'
import { COOKIE_SIZE_LIMIT, cookieSize, serializeCookie } from './header'
import { DataCookieExpiry, DecryptedData } from './expiry'

/**
 * What the data cookie reads of the session config
 */
type DataCookieConfig = Pick<ResolvedSessionConfig, 'cookieOptions' | 'ageMs' | 'refreshAfterMs'>

/**
 * A readable data cookie: its values, expiry and the session's creation
 * time (when `maxLifetime` put one in)
 */
export type DataCookie = { values: Record<string, any>; expiresAt: number; createdAt?: number }

/**
 * An encrypted data cookie: its `e:` value, that value as sent in the
 * header, what it holds and its size as browsers count it
 */
type SealedData = {
  raw: string
  value: string
  json: string
  expiresAt: number
  createdAt?: number
  size: number
}

/**
 * The cookie driver's encrypted data cookie, in the framework's format
 * (`e:` values), named after the session id. Decryption tries the app key,
 * then `previousAppKeys`. What decrypting an identical cookie string gave
 * is kept in a bounded cache, and a cookie just written is known without
 * decrypting it when it comes back; expiry is still checked on every read.
 */
export class SessionDataCookie {
  /**
   * The bytes of name and value browsers keep for one cookie
   */
  public readonly sizeLimit = COOKIE_SIZE_LIMIT

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
  private attributes: string

  /**
   * The framework-compatible fast encryption of data cookies, or null to
   * use the framework's own
   */
  private cipher: DataCookieCipher | null

  /**
   * Ciphers of `previousAppKeys`, for data cookies written before a
   * rotation (null where the key's Encryption decrypts instead)
   */
  private previousCiphers: Array<DataCookieCipher | null>

  private expiry: DataCookieExpiry

  constructor(
    private encryption: EncryptionContract,
    private keys: AppKeys,
    private config: DataCookieConfig,
    appKey?: unknown
  ) {
    this.cipher = DataCookieCipher.create(encryption, appKey)
    this.previousCiphers = keys.all
      .slice(1)
      .map((previous, index) => DataCookieCipher.create(previous, keys.previousSecrets[index]))
    this.attributes = serializeCookie('x', '', config.cookieOptions).slice('x='.length)
    const { maxAge, ...rest } = config.cookieOptions
    this.clearOptions = { ...rest, maxAge: -1, expires: new Date(1) }
    this.expiry = new DataCookieExpiry(config)
  }

  /**
   * The values and expiry inside the request's data cookie for a session,
   * or null when it is missing, tampered with or expired
   */
  public readData(request: RequestContract, sessionId: string): DataCookie | null {
    return this.decryptValue(sessionId, request.cookiesList()[sessionId])
  }

  /**
   * The values and expiry inside a data cookie value (`e:...`), or null
   */
  public decryptValue(sessionId: string, raw: unknown): DataCookie | null {
    if (typeof raw !== 'string' || !raw.startsWith('e:')) {
      return null
    }

    const key = `${sessionId}:${raw}`
    let entry: DecryptedData | null | undefined = this.decrypted.get(key)
    if (entry === undefined) {
      entry = this.decrypt(sessionId, raw.slice(2))
      if (entry === null) {
        return null
      }
      if (entry.cacheable !== false) {
        this.decrypted.set(key, entry)
      }
    }

    if (entry.expiresAt <= Date.now()) {
      return null
    }
    const { expiresAt, createdAt } = entry
    return { values: JSON.parse(entry.json), expiresAt, createdAt }
  }

  /**
   * Data cookie values decrypted elsewhere (the Japa cookie serializer),
   * without the legacy expiry marker, or null once it has expired
   */
  public withoutExpiry(message: Record<string, any>): Record<string, any> | null {
    const entry = this.expiry.entry(message, undefined)
    return entry.expiresAt > Date.now() ? JSON.parse(entry.json) : null
  }

  /**
   * The `e:` value of a data cookie holding exactly the values; the expiry
   * is the envelope's, which `Encryption.decrypt` enforces
   */
  public encryptData(sessionId: string, values: Record<string, any>, createdAt?: number): string {
    const sealed = this.seal(sessionId, values, createdAt)
    this.remember(sessionId, sealed)
    return sealed.raw
  }

  /**
   * Send the data cookie, and return the paths of the flashed input left
   * out of it. When the cookie would be over what browsers keep, flashed
   * input (the `flashInput` keys of the flash messages) is left out, the
   * largest values first, until it fits; if it still does not, nothing is
   * sent and the request fails. `createdAt` goes inside the envelope.
   */
  public writeData(
    response: ResponseContract,
    sessionId: string,
    values: Record<string, any>,
    flashInput: string[] = [],
    createdAt?: number
  ): string[] {
    let sealed = this.seal(sessionId, values, createdAt)
    const leaves = sealed.size > COOKIE_SIZE_LIMIT ? inputLeaves(values[FLASH_KEY], flashInput) : []
    const dropped: InputLeaf[] = []
    while (sealed.size > COOKIE_SIZE_LIMIT && leaves.length) {
      /**
       * Base64 makes 4 bytes of every 3 encrypted: leave out about enough
       * at once, then measure again
       */
      dropped.push(...takeLargest(leaves, ((sealed.size - COOKIE_SIZE_LIMIT) * 3) / 4))
      sealed = this.seal(sessionId, withoutLeaves(values, dropped), createdAt)
    }
    if (sealed.size > COOKIE_SIZE_LIMIT) {
      throw SessionCookieTooLargeException.create(sessionId, sealed.size, COOKIE_SIZE_LIMIT)
    }
    this.remember(sessionId, sealed)
    response.append('set-cookie', `${sessionId}=${sealed.value}${this.attributes}`)
    return dropped.map((leaf) => leaf.path.join('.'))
  }

  /**
   * Tell the browser to drop a data cookie
   */
  public clearData(response: ResponseContract, sessionId: string) {
    response.append('set-cookie', serializeCookie(sessionId, '', this.clearOptions))
  }

  /**
   * Encrypt the values into a data cookie value, measured as browsers do
   */
  private seal(sessionId: string, values: Record<string, any>, createdAt?: number): SealedData {
    const expiresAt = Date.now() + this.config.ageMs
    const json = stringify(values)
    const raw = this.cipher
      ? `e:${this.cipher.encryptJson(json, expiresAt, sessionId, createdAt)}`
      : `e:${this.encryption.encrypt(values, this.config.ageMs, sessionId)}`
    const value = encodeURIComponent(raw)
    return { raw, value, json, expiresAt, createdAt, size: cookieSize(sessionId, value) }
  }

  /**
   * The browser sends this exact string back with its next request: what
   * it holds is known already, no need to decrypt it then
   */
  private remember(sessionId: string, { raw, json, expiresAt, createdAt }: SealedData) {
    this.decrypted.set(`${sessionId}:${raw}`, { json, expiresAt, createdAt })
  }

  /**
   * Decrypt a data cookie value, with our cipher when the app's Encryption
   * is the framework's (it also gives the envelope's expiry), else with the
   * app's Encryption (which enforces that expiry without telling it)
   */
  private decrypt(sessionId: string, value: string): DecryptedData | null {
    const current = this.decryptWith(this.cipher, this.encryption, sessionId, value)
    if (current || !this.keys.rotated) {
      return current
    }
    for (let index = 0; index < this.previousCiphers.length; index++) {
      const entry = this.decryptWith(
        this.previousCiphers[index],
        this.keys.all[index + 1],
        sessionId,
        value
      )
      if (entry) {
        return this.expiry.dueForRefresh(entry)
      }
    }
    return null
  }

  private decryptWith(
    cipher: DataCookieCipher | null,
    encryption: EncryptionContract,
    sessionId: string,
    value: string
  ): DecryptedData | null {
    if (cipher) {
      const opened = cipher.decrypt(value, sessionId)
      return opened && isPlainObject(opened.message)
        ? { ...this.expiry.entry(opened.message, opened.expiresAt), createdAt: opened.createdAt }
        : null
    }
    const message = encryption.decrypt(value, sessionId)
    return isPlainObject(message) ? this.expiry.entry(message, undefined) : null
  }
}
