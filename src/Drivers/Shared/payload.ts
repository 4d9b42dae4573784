/*
 * @adonisjs/session
 */

import { isPlainObject } from '../../Store'
import { SessionPayloadTooLargeException } from '../../errors'
import { SessionTag, readTag } from './tags'

/**
 * The one place where the file and redis drivers turn session values into
 * text and back. The format is 6.4's (`{ message, purpose }`), so either
 * version reads what the other wrote. The purpose binds a payload to its
 * session id: a payload copied under another id reads as nothing.
 */
export function encodePayload(
  sessionId: string,
  values: Record<string, any>,
  tag?: SessionTag | null
): string {
  if (tag) {
    return JSON.stringify({ message: values, purpose: sessionId, tag })
  }
  return JSON.stringify({ message: values, purpose: sessionId })
}

/**
 * The largest payload a driver stores unless `maxPayloadSize` says otherwise
 */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024

/**
 * Refuse to store a payload over the limit, so that no request can grow a
 * store without bound
 */
export function ensureFits(driver: string, sessionId: string, bytes: number, limit: number) {
  if (bytes > limit) {
    throw SessionPayloadTooLargeException.create(driver, sessionId, bytes, limit)
  }
}

/**
 * A decoded payload: the values, and the user the session is tagged with
 * (a field of the payload, beside `message`)
 */
export type StoredSession = { values: Record<string, any>; tag: SessionTag | null }

/**
 * The values inside a payload, or `null` (with the reason given to
 * `onInvalid`) when the text is not a payload for this session id
 */
export function decodePayload(
  sessionId: string,
  raw: string | null | undefined,
  onInvalid?: (reason: string) => void
): Record<string, any> | null {
  const stored = decodeSession(sessionId, raw, onInvalid)
  return stored && stored.values
}

/**
 * The values and tag inside a payload, or `null` as for `decodePayload`
 */
export function decodeSession(
  sessionId: string,
  raw: string | null | undefined,
  onInvalid?: (reason: string) => void
): StoredSession | null {
  if (!raw) {
    return null
  }

  let parsed: any
  try {
    parsed = JSON.parse(raw)
  } catch {
    onInvalid?.('payload is not valid JSON')
    return null
  }

  if (!isPlainObject(parsed) || !isPlainObject(parsed.message)) {
    onInvalid?.('payload does not hold a session object')
    return null
  }
  if (parsed.purpose !== sessionId) {
    onInvalid?.('payload belongs to another session id')
    return null
  }
  if (parsed.expiryDate && !(new Date(parsed.expiryDate).getTime() > Date.now())) {
    return null
  }
  return { values: parsed.message, tag: readTag(parsed.tag) }
}
