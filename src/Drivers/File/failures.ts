/*
 * @adonisjs/session
 */

import { SessionStoreUnavailableException } from '../../errors'
import { withShortFileIds } from '../../SessionId'

/**
 * Why a write gave up after `waitedMs`: the lock stayed taken, or the file
 * kept changing under it
 */
export function lockTimeout(waitedMs: number, busy: boolean, lock: string, file: string) {
  return SessionStoreUnavailableException.create(
    'file',
    withShortFileIds(
      busy
        ? `session file is locked by another request for over ${waitedMs}ms (${lock})`
        : `session file kept changing under the lock for over ${waitedMs}ms (${file}); is a process without the lock (6.4) writing it?`
    )
  )
}

/**
 * File system errors (full or read-only disk, permissions) become
 * E_SESSION_STORE_UNAVAILABLE; anything else passes through
 */
export function fileUnavailable(error: NodeJS.ErrnoException, location: string): Error {
  if (!error || typeof error.syscall !== 'string') {
    return error
  }
  const message = error.message.startsWith(`${error.code}:`)
    ? error.message
    : `${error.code || 'error'}: ${error.message}`
  return SessionStoreUnavailableException.create(
    'file',
    withShortFileIds(`${message} (file.location "${location}")`)
  )
}

/**
 * The pause before trying a lock another writer holds again
 */
export function lockBackoff(attempt: number) {
  return new Promise((resolve) => setTimeout(resolve, Math.min(2 + attempt * 2, 25)))
}
