/*
 * @adonisjs/session
 */

import { ResolvedSessionConfig } from '../SessionManager/config'
import { stringify } from '../DataCipher'

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
 * is false when that expiry is a guess (see `DataCookieExpiry.entry`).
 */
export type DecryptedData = {
  json: string
  expiresAt: number
  createdAt?: number
  cacheable?: boolean
}

/**
 * What the expiry rules read of the session config
 */
type ExpiryConfig = Pick<ResolvedSessionConfig, 'ageMs' | 'refreshAfterMs'>

/**
 * When a decrypted data cookie expires, for the formats of this package,
 * of 6.5.0 (a marker among the values) and of 6.4 (no expiry inside), and
 * when it is re-issued early: a cookie whose expiry is a guess, or that was
 * encrypted with a previous key, is reported as due for a refresh.
 */
export class DataCookieExpiry {
  /**
   * When data cookies written by 6.4 (no expiry inside) stop being accepted:
   * `age` after this process started, however often they are replayed
   */
  private legacyExpiresAt: number

  constructor(private config: ExpiryConfig) {
    this.legacyExpiresAt = Date.now() + config.ageMs
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
  public entry(
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
    const dueForRefresh = this.refreshDueAt()
    if (envelopeExpiresAt === null) {
      return { json: stringify(message), expiresAt: Math.min(this.legacyExpiresAt, dueForRefresh) }
    }
    return { json: stringify(message), expiresAt: dueForRefresh, cacheable: false }
  }

  /**
   * A cookie encrypted with a previous key is reported as due for a
   * refresh, and not cached, so that the request re-issues it with the
   * current key
   */
  public dueForRefresh(entry: DecryptedData): DecryptedData {
    return { ...entry, expiresAt: Math.min(entry.expiresAt, this.refreshDueAt()), cacheable: false }
  }

  /**
   * The expiry of a cookie written just over `refreshAfter` ago: the cookie
   * driver's touch re-issues it
   */
  private refreshDueAt(): number {
    return Date.now() + this.config.ageMs - this.config.refreshAfterMs - 1
  }
}
