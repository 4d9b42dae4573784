/*
 * @adonisjs/session
 */

import cookie from 'cookie'
import { SerializeOptions } from '../SessionManager/config'

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
 * `cookie.serialize`, plus the `Partitioned` attribute (CHIPS), which the
 * cookie package of this major does not know
 */
export function serializeCookie(name: string, value: string, options: SerializeOptions): string {
  const { partitioned, ...rest } = options
  const header = cookie.serialize(name, value, rest)
  return partitioned ? `${header}; Partitioned` : header
}
