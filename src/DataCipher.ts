/*
 * @adonisjs/session
 */

/// <reference path="../adonis-typings/index.ts" />

import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomFillSync,
  timingSafeEqual,
} from 'crypto'
import { safeParse, safeStringify } from '@poppinss/utils'
import { EncryptionContract } from '@ioc:Adonis/Core/Encryption'

/**
 * Random bytes per IV: 12 bytes are the 16 base64url characters the
 * framework's IVs are made of
 */
const IV_BYTES = 12

/**
 * IVs drawn from the OS at once: one `randomFillSync` per 256 data cookies
 * instead of one each. In Node 20 a small random read costs about as much as
 * the AES encryption itself; the bytes are the same CSPRNG output either way.
 */
const POOL_SIZE = IV_BYTES * 256

/**
 * A decrypted envelope: the message and its expiry (epoch ms), null when
 * the envelope has none (6.4's data cookies), and the session's creation
 * time when `maxLifetime` put one in
 */
export type OpenedEnvelope = { message: unknown; expiresAt: number | null; createdAt?: number }

/**
 * Encrypts data cookies exactly as the framework's `Encryption.encrypt` does
 * (AES-256-CBC under the SHA-256 of the app key, a 16-character IV, the
 * `{ message, purpose, expiryDate }` envelope, an HMAC-SHA256 over
 * `cipher.iv`, all base64url), so `Encryption.decrypt` and 6.4 read its
 * output. It only skips the framework's per-call overhead (a random read per
 * IV, a JSON replacer, regex-based base64url), which is most of the cost of
 * a cookie write. It decrypts with the same checks as `Encryption.decrypt`,
 * and also returns the envelope's expiry, which the framework keeps to
 * itself. `create` checks both round trips against the app's own Encryption
 * and returns null when they do not hold (a replaced Encryption binding,
 * say); the caller then keeps using the framework's encrypt and decrypt.
 */
export class DataCookieCipher {
  private pool = Buffer.alloc(0)
  private offset = 0
  private isoAt = NaN
  private iso = ''

  private constructor(private key: Buffer) {}

  public static create(encryption: EncryptionContract, appKey: unknown): DataCookieCipher | null {
    if (typeof appKey !== 'string' || !appKey) {
      return null
    }
    const cipher = new DataCookieCipher(createHash('sha256').update(appKey).digest())
    const purpose = 'session-cipher-check'
    const probe = { check: randomFillSync(Buffer.alloc(8)).toString('hex') }
    try {
      const decrypted = encryption.decrypt<{ check: string }>(
        cipher.encryptJson(JSON.stringify(probe), Date.now() + 60_000, purpose),
        purpose
      )
      const opened = cipher.decrypt(encryption.encrypt(probe, 60_000, purpose), purpose)
      const readsFramework = (opened?.message as any)?.check === probe.check && !!opened?.expiresAt
      return decrypted?.check === probe.check && readsFramework ? cipher : null
    } catch {
      return null
    }
  }

  /**
   * Encrypt a message given as JSON text, valid until `expiresAt` (epoch
   * ms). The envelope is assembled as text too, key for key what
   * `JSON.stringify` makes of the framework's `{ message, purpose, expiryDate }`,
   * plus `createdAt` when given, which the framework's decrypt ignores.
   */
  public encryptJson(
    messageJson: string,
    expiresAt: number,
    purpose: string,
    createdAt?: number
  ): string {
    const iv = this.nextIv()
    const created = createdAt === undefined ? '' : `,"createdAt":${createdAt}`
    const envelope = `{"message":${messageJson},"purpose":${JSON.stringify(
      purpose
    )},"expiryDate":"${this.expiryDate(expiresAt)}"${created}}`
    const cipher = createCipheriv('aes-256-cbc', this.key, iv)
    const encrypted = Buffer.concat([cipher.update(envelope, 'utf-8'), cipher.final()])
    const body = `${encrypted.toString('base64url')}.${Buffer.from(iv).toString('base64url')}`
    return `${body}.${createHmac('sha256', this.key).update(body).digest('base64url')}`
  }

  /**
   * The message and expiry of a value the framework's format encrypted, or
   * null where `Encryption.decrypt` gives null: a bad HMAC, another
   * purpose, an expired envelope or an unreadable one
   */
  public decrypt(value: string, purpose: string): OpenedEnvelope | null {
    const [encrypted, iv, hmac] = value.split('.')
    if (!encrypted || !iv || !hmac || !this.signedBy(`${encrypted}.${iv}`, hmac)) {
      return null
    }
    try {
      const decipher = createDecipheriv('aes-256-cbc', this.key, Buffer.from(iv, 'base64url'))
      const text = decipher.update(Buffer.from(encrypted, 'base64url'), undefined, 'utf8')
      return openEnvelope(safeParse(text + decipher.final('utf8')), purpose)
    } catch {
      return null
    }
  }

  private signedBy(body: string, hmac: string): boolean {
    const expected = Buffer.from(createHmac('sha256', this.key).update(body).digest('base64url'))
    const given = Buffer.from(hmac)
    return expected.length === given.length && timingSafeEqual(expected, given)
  }

  /**
   * The ISO form of an expiry, as a Date serialises to JSON. Formatting a
   * date costs more than the rest of the envelope; requests of the same
   * millisecond share one.
   */
  private expiryDate(at: number): string {
    if (at !== this.isoAt) {
      this.isoAt = at
      this.iso = new Date(at).toISOString()
    }
    return this.iso
  }

  private nextIv(): string {
    if (this.offset + IV_BYTES > this.pool.length) {
      this.pool = randomFillSync(Buffer.allocUnsafe(POOL_SIZE))
      this.offset = 0
    }
    const iv = this.pool.toString('base64url', this.offset, this.offset + IV_BYTES)
    this.offset += IV_BYTES
    return iv
  }
}

/**
 * The checks of the framework's MessageBuilder.verify on a parsed envelope,
 * keeping its expiry
 */
function openEnvelope(envelope: any, purpose: string): OpenedEnvelope | null {
  if (!envelope || typeof envelope !== 'object' || !envelope.message) {
    return null
  }
  if (envelope.purpose !== purpose) {
    return null
  }
  const createdAt = typeof envelope.createdAt === 'number' ? envelope.createdAt : undefined
  if (!envelope.expiryDate) {
    return { message: envelope.message, expiresAt: null, createdAt }
  }
  const expiresAt = new Date(envelope.expiryDate).getTime()
  return expiresAt >= Date.now() ? { message: envelope.message, expiresAt, createdAt } : null
}

/**
 * Plain JSON.stringify, which gives the same text as the framework's
 * safeStringify for JSON data; values it refuses (BigInt, cycles) go
 * through safeStringify as in the framework
 */
export function stringify(value: any): string {
  try {
    return JSON.stringify(value)
  } catch {
    return safeStringify(value)
  }
}
