/*
 * @adonisjs/session
 */

import { isPlainObject } from '../../Store'

/**
 * The one place where the file and redis drivers turn session values into
 * text and back. The format is 6.4's (`{ message, purpose }`), so either
 * version reads what the other wrote. The purpose binds a payload to its
 * session id: a payload copied under another id reads as nothing.
 */
export function encodePayload(sessionId: string, values: Record<string, any>): string {
  return JSON.stringify({ message: values, purpose: sessionId })
}

/**
 * The values inside a payload, or `null` (with the reason given to
 * `onInvalid`) when the text is not a payload for this session id
 */
export function decodePayload(
  sessionId: string,
  raw: string | null | undefined,
  onInvalid?: (reason: string) => void
): Record<string, any> | null {
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
  return parsed.message
}
