/*
 * @adonisjs/session
 */

import { AppKeys } from './keys'
import { SessionLifetime } from './lifetime'
import { StoredSession, encodePayload, openPayload, parsePayload } from './payload'
import { SessionTag } from './tags'
import { isPlainObject } from '../../Store'

/**
 * The field an encrypted payload is stored under: `{"encrypted":"..."}`,
 * the framework's `Encryption` format of the plain payload's text
 */
const ENCRYPTED_FIELD = 'encrypted'

/**
 * How a store driver turns one request's session into stored text and
 * back, above the 6.4 payload format: the creation time for `maxLifetime`,
 * and with `encrypt` the payload encrypted with the app key. Encrypted and
 * plain payloads are both read whatever `encrypt` says, so switching it on
 * (or off) logs nobody out: a plain payload is stored encrypted at its
 * next write. Without `maxLifetime` one codec serves every request of an
 * app (its lifetime then keeps no state), else one per request.
 */
export class PayloadCodec {
  constructor(
    public readonly lifetime: SessionLifetime = new SessionLifetime(null),
    private keys: AppKeys | null = null,
    private encrypt: boolean = false
  ) {}

  /**
   * The text to store for the values (and the user the session is tagged
   * with)
   */
  public encode(sessionId: string, values: Record<string, any>, tag?: SessionTag | null): string {
    const plain = encodePayload(sessionId, values, { tag, createdAt: this.lifetime.stamp() })
    if (!this.encrypt || !this.keys) {
      return plain
    }
    const encrypted = this.keys.current.encrypt(plain, undefined, sessionId)
    return `{"${ENCRYPTED_FIELD}":${JSON.stringify(encrypted)}}`
  }

  /**
   * The values in stored text, or null (with the reason given to
   * `onInvalid`) when it is not a readable payload of this session; null
   * too, without a reason, when the session is past `maxLifetime`
   */
  public decode(
    sessionId: string,
    raw: string | null | undefined,
    onInvalid?: (reason: string) => void
  ): Record<string, any> | null {
    const stored = this.decodeSession(sessionId, raw, onInvalid)
    return stored && stored.values
  }

  /**
   * The values and tag in stored text, or null as for `decode`
   */
  public decodeSession(
    sessionId: string,
    raw: string | null | undefined,
    onInvalid?: (reason: string) => void
  ): StoredSession | null {
    let parsed = parsePayload(raw, onInvalid)
    if (isPlainObject(parsed) && typeof parsed[ENCRYPTED_FIELD] === 'string') {
      parsed = this.decrypt(sessionId, parsed[ENCRYPTED_FIELD], onInvalid)
    }
    if (parsed === undefined) {
      return null
    }
    const opened = openPayload(sessionId, parsed, onInvalid)
    if (!opened || !this.lifetime.admit(opened.createdAt)) {
      return null
    }
    return { values: opened.values, tag: opened.tag }
  }

  private decrypt(sessionId: string, value: string, onInvalid?: (reason: string) => void) {
    const decrypted = this.keys ? this.keys.decrypt(value, sessionId) : null
    if (!decrypted || typeof decrypted.value !== 'string') {
      onInvalid?.('encrypted payload does not decrypt with APP_KEY or "previousAppKeys"')
      return undefined
    }
    return parsePayload(decrypted.value, onInvalid)
  }
}
