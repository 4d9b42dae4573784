/*
 * @adonisjs/session
 */

import { randomBytes } from 'crypto'

/**
 * 24 random bytes from the CSPRNG: 192 bits, 32 base64url characters
 */
const OURS = /^[A-Za-z0-9_-]{32}$/

/**
 * The cuid ids 6.4 generated, accepted so that upgrading logs no one out
 */
const LEGACY = /^c[a-z0-9]{20,31}$/

/**
 * A new session id
 */
export function generateSessionId(): string {
  return randomBytes(24).toString('base64url')
}

/**
 * True for an id we or 6.4 could have generated. Anything else (path
 * characters, wrong length, another alphabet) never reaches a driver.
 */
export function isValidSessionId(value: unknown): value is string {
  return typeof value === 'string' && (OURS.test(value) || LEGACY.test(value))
}

/**
 * The start of a session id, for logs and error messages: enough to tell
 * sessions apart, too little to take one over
 */
export function shortId(sessionId: string): string {
  return `${sessionId.slice(0, 6)}…`
}

/**
 * The text with the session ids in file names (`<id>.txt`, `<id>.lock`)
 * shortened, for the messages of system errors
 */
export function withShortFileIds(text: string): string {
  return text.replace(/([A-Za-z0-9_-]{6})[A-Za-z0-9_-]{14,26}\.(txt|lock)\b/g, '$1….$2')
}
