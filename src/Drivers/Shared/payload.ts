/*
 * @adonisjs/session
 */

import { isPlainObject } from '../../Store'
import { SessionPayloadTooLargeException } from '../../errors'
import { SessionTag, readTag } from './tags'

/**
 * What a payload keeps beside the values: the user the session is tagged
 * with, and, when `maxLifetime` is set, when the session was created
 * (epoch ms)
 */
export type PayloadMeta = { tag?: SessionTag | null; createdAt?: number }

/**
 * A decoded payload: the values and what is kept beside them
 */
export type StoredSession = { values: Record<string, any>; tag: SessionTag | null }
export type OpenedPayload = StoredSession & { createdAt?: number }

/**
 * The one place where the file, redis and database drivers turn session
 * values into text and back. The format is 6.4's (`{ message, purpose }`),
 * so either version reads what the other wrote. The purpose binds a payload
 * to its session id: a payload copied under another id reads as nothing.
 */
export function encodePayload(
  sessionId: string,
  values: Record<string, any>,
  meta: PayloadMeta = {}
): string {
  const payload: Record<string, any> = { message: values, purpose: sessionId }
  if (meta.tag) {
    payload.tag = meta.tag
  }
  if (meta.createdAt !== undefined) {
    payload.createdAt = meta.createdAt
  }
  return JSON.stringify(payload)
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
 * The values, tag and creation time of a parsed payload, or `null` (with
 * the reason given to `onInvalid`) when it is not a payload for this
 * session id
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
  return { values: parsed.message, tag: readTag(parsed.tag), createdAt }
}

/**
 * The values and tag inside a payload, or `null` (with the reason given to
 * `onInvalid`) when the text is not a payload for this session id
 */
export function decodeSession(
  sessionId: string,
  raw: string | null | undefined,
  onInvalid?: (reason: string) => void
): StoredSession | null {
  const parsed = parsePayload(raw, onInvalid)
  return parsed === undefined ? null : openPayload(sessionId, parsed, onInvalid)
}

/**
 * The values inside a payload, or `null` as for `decodeSession`
 */
export function decodePayload(
  sessionId: string,
  raw: string | null | undefined,
  onInvalid?: (reason: string) => void
): Record<string, any> | null {
  const stored = decodeSession(sessionId, raw, onInvalid)
  return stored && stored.values
}
