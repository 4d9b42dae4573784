/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import cookie from 'cookie'
import LRUCache from 'lru-cache'
import { EncryptionContract } from '@ioc:Adonis/Core/Encryption'
import { RequestContract } from '@ioc:Adonis/Core/Request'
import { ResponseContract } from '@ioc:Adonis/Core/Response'
import { ResolvedSessionConfig, SerializeOptions } from '../SessionManager/config'
import { SessionCookieTooLargeException } from '../errors'
import { isPlainObject } from '../Store'
import { isValidSessionId } from '../SessionId'
import { DataCookieCipher, stringify } from '../DataCipher'
import { InputLeaf, inputLeaves, takeLargest, withoutLeaves } from '../flashInput'
import { FLASH_KEY } from '../Store/mutations'
import { AppKeys } from '../Drivers/Shared/keys'

/**
 * Browsers (Chromium, Firefox) drop a cookie whose name and value together
 * pass this many bytes; its attributes are limited separately
 */
export const COOKIE_SIZE_LIMIT = 4096

/**
 * The bytes of a cookie that count against `COOKIE_SIZE_LIMIT`: its name
 * and its value as sent in the header
 */
export function cookieSize(name: string, encodedValue: string): number {
  return Buffer.byteLength(name) + Buffer.byteLength(encodedValue)
}

/**
 * Key that data cookies written by 6.5.0 carry among the values, holding
 * their expiry (epoch ms). Today the expiry travels in the framework's
 * envelope only; the key is still read, and removed, so those cookies keep
 * their expiry and never show it as a value.
 */
const LEGACY_EXPIRES_AT_KEY = '__expires_at__'

/**
 * How far apart the legacy key and the envelope's expiry may be for the key
 * to be that marker: both were computed in the same write, milliseconds
 * apart. A value an app stores under that name now is left alone.
 */
const LEGACY_MARKER_TOLERANCE_MS = 1000

/**
 * A decrypted data cookie: the values' JSON and when it expires. `cacheable`
 * is false when that expiry is a guess (see `toEntry`).
 */
type DecryptedData = { json: string; expiresAt: number; createdAt?: number; cacheable?: boolean }

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
 * `cookie.serialize`, plus the `Partitioned` attribute (CHIPS), which the
 * cookie package of this major does not know
 */
export function serializeCookie(name: string, value: string, options: SerializeOptions): string {
  const { partitioned, ...rest } = options
  const header = cookie.serialize(name, value, rest)
  return partitioned ? `${header}; Partitioned` : header
}

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
   * The bytes of name and value browsers keep for one cookie
   */
  public readonly sizeLimit = COOKIE_SIZE_LIMIT

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

  /**
   * Ciphers of `previousAppKeys`, for data cookies written before a
   * rotation (null where the key's Encryption decrypts instead)
   */
  private previousCiphers: Array<DataCookieCipher | null>

  constructor(
    private encryption: EncryptionContract,
    private config: ResolvedSessionConfig,
    appKey?: unknown,
    private keys: AppKeys = new AppKeys(encryption)
  ) {
    this.cipher = DataCookieCipher.create(encryption, appKey)
    this.previousCiphers = keys.all
      .slice(1)
      .map((previous, index) => DataCookieCipher.create(previous, keys.previousSecrets[index]))
    this.dataAttributes = serializeCookie('x', '', config.cookieOptions).slice('x='.length)
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
    let header = this.idHeaders.get(sessionId)
    if (header === undefined) {
      header = serializeCookie(
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
    const entry = this.toEntry(message, undefined)
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
    response.append('set-cookie', `${sessionId}=${sealed.value}${this.dataAttributes}`)
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
        return this.dueForRefresh(entry)
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
        ? { ...this.toEntry(opened.message, opened.expiresAt), createdAt: opened.createdAt }
        : null
    }
    const message = encryption.decrypt(value, sessionId)
    return isPlainObject(message) ? this.toEntry(message, undefined) : null
  }

  /**
   * A cookie encrypted with a previous key is reported as due for a
   * refresh, and not cached, so that the request re-issues it with the
   * current key
   */
  private dueForRefresh(entry: DecryptedData): DecryptedData {
    const due = Date.now() + this.config.ageMs - this.config.refreshAfterMs - 1
    return { ...entry, expiresAt: Math.min(entry.expiresAt, due), cacheable: false }
  }

  /**
   * The values and expiry of a decrypted cookie. `envelopeExpiresAt` is the
   * envelope's expiry, null when it has none (a 6.4 cookie) and undefined
   * when unknown (decrypted by the app's Encryption).
   *
   * A 6.5.0 cookie keeps the expiry of its legacy marker. A 6.4 cookie is
   * accepted until `legacyExpiresAt` at the latest and reported as due for
   * a refresh, so that the request re-issues it with an expiry. A cookie of
   * unknown expiry is reported as due for a refresh too, and not cached,
   * since its real expiry may come sooner.
   */
  private toEntry(
    message: Record<string, any>,
    envelopeExpiresAt: number | null | undefined
  ): DecryptedData {
    const marker = message[LEGACY_EXPIRES_AT_KEY]
    const isMarker =
      typeof marker === 'number' &&
      Number.isFinite(marker) &&
      (typeof envelopeExpiresAt !== 'number' ||
        Math.abs(marker - envelopeExpiresAt) <= LEGACY_MARKER_TOLERANCE_MS)
    if (isMarker) {
      const values = { ...message }
      delete values[LEGACY_EXPIRES_AT_KEY]
      const expiresAt = Math.min(marker, envelopeExpiresAt ?? Infinity)
      return { json: stringify(values), expiresAt }
    }
    if (typeof envelopeExpiresAt === 'number') {
      return { json: stringify(message), expiresAt: envelopeExpiresAt }
    }
    const dueForRefresh = Date.now() + this.config.ageMs - this.config.refreshAfterMs - 1
    if (envelopeExpiresAt === null) {
      return { json: stringify(message), expiresAt: Math.min(this.legacyExpiresAt, dueForRefresh) }
    }
    return { json: stringify(message), expiresAt: dueForRefresh, cacheable: false }
  }
}
