/*
 * @adonisjs/session
 */

/**
 * What one request's session did, recorded as it happens (plain
 * assignments, nothing computed): the demo's session panel reads it. Sizes
 * are left to the reader, who serialises `readValues` or `written` if it
 * wants them.
 */
export type SessionStats = {
  /**
   * The configured driver
   */
  driver: string
  /**
   * True once the driver's `read` was called (a fresh session skips it)
   */
  read: boolean
  /**
   * A shallow copy of what the driver's read returned (the session drops
   * its flash messages from the original), null when nothing was stored
   */
  readValues: Record<string, any> | null
  /**
   * What happened to the previous request's flash messages
   */
  flash: 'none' | 'consumed' | 'kept'
  /**
   * What the commit did: `pending` before it ran, `none` (fresh session,
   * nothing to store), `touch` (nothing changed: expiry refreshed, no
   * write), `write`, `regenerate` (stored under a new id, old one destroyed)
   */
  commit: 'pending' | 'none' | 'touch' | 'write' | 'regenerate'
  /**
   * The values handed to the store by the commit; null when the record
   * was deleted or nothing was written
   */
  written: Record<string, any> | null
}

export function newStats(driver: string): SessionStats {
  return { driver, read: false, readValues: null, flash: 'none', commit: 'pending', written: null }
}
