/*
 * @adonisjs/session
 */

import { isPlainObject } from '../../Store'

/**
 * What a stored payload holds: the values and, when `maxLifetime` is set,
 * when the session was created (epoch ms)
 */
export type OpenedPayload = { values: Record<string, any>; createdAt?: number }

/**
 * The one place where the file and redis drivers turn session values into
 * text and back. The format is 6.4's (`{ message, purpose }`), so either
 * version reads what the other wrote. The purpose binds a payload to its
 * session id: a payload copied under another id reads as nothing. The
 * creation time, when given, is a field of its own, never among the values.
 */
export function encodePayload(
  sessionId: string,
  values: Record<string, any>,
  createdAt?: number
): string {
  const payload: Record<string, any> = { message: values, purpose: sessionId }
  if (createdAt !== undefined) {
    payload.createdAt = createdAt
  }
  return JSON.stringify(payload)
}

/**
 * The parsed JSON of a stored payload (which may be any JSON value), or
 * `undefined` when there is none or (with the reason given to `onInvalid`)
 * when it is not JSON
 */
export function parsePayload(
  raw: string | null | undefined,
  onInvalid?: (reason: string) => void
): any {
  if (!raw) {
    return undefined
  }
  try {
    return JSON.parse(raw)
  } catch {
    onInvalid?.('payload is not valid JSON')
    return undefined
  }
}

/**
 * The values and creation time of a parsed payload, or `null` (with the
 * reason given to `onInvalid`) when it is not a payload for this session id
 */
export function openPayload(
  sessionId: string,
  parsed: any,
  onInvalid?: (reason: string) => void
): OpenedPayload | null {
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
  const createdAt = typeof parsed.createdAt === 'number' ? parsed.createdAt : undefined
  return { values: parsed.message, createdAt }
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
  const parsed = parsePayload(raw, onInvalid)
  if (parsed === undefined) {
    return null
  }
  const opened = openPayload(sessionId, parsed, onInvalid)
  return opened ? opened.values : null
}
