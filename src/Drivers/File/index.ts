/*
 * @adonisjs/session
 */

/// <reference path="../../../adonis-typings/index.ts" />

import { join } from 'path'
import { promises as fs } from 'fs'
import { LoggerContract } from '@ioc:Adonis/Core/Logger'
import { SessionDriverContract, SessionUpdater } from '@ioc:Adonis/Addons/Session'
import { SessionRuntimeException, SessionStoreUnavailableException } from '../../errors'
import { decodePayload, encodePayload } from '../Shared/payload'
import { isValidSessionId } from '../../SessionId'
import { ResolvedSessionConfig } from '../../SessionManager/config'
import { ignoreMissing } from './lock'
import { CommitResult, FileContent, fileWorker, toError } from './worker'
import { isSealed, seal, unseal } from './format'
import { inBatch, nextValues } from '../Shared/batching'

/**
 * How long a write waits for another process holding the session's lock
 */
const LOCK_WAIT_MS = 5000

/**
 * The largest session file written in place: one page
 */
const IN_PLACE_MAX_BYTES = 4096

/**
 * How often a read that caught a write half-way tries again
 */
const TORN_READ_RETRIES = 5

/**
 * A session file as this request read it
 */
type Snapshot = FileContent & {
  sessionId: string
  text: string | false
  /**
   * What `read` returned for it
   */
  values?: Record<string, any> | null
}

/**
 * The stored copy a write applies its changes to: the file's content (its
 * unsealed text) as last seen, or null for no file
 */
type Base = FileContent & { text: string | false; expired: boolean }

/**
 * One file per session, `<location>/<id>.txt`, in the 6.4 payload format
 * plus an integrity check (see `seal`). Expiry is the file's modification
 * time plus `age`: `touch` moves it forward without rewriting the data.
 *
 * The system calls run on a worker thread (see fileWorker.ts), batched per
 * turn of the event loop. Every write holds the session's lock file
 * (`<id>.lock`, O_EXCL), so writes are serialised across processes, and
 * checks under it that the file still holds what the request read. A new
 * content that fits in a sealed file of at most one page is written over the
 * old one in place, padded with spaces to the same length; anything else is
 * written whole into the lock file, which is then renamed over the session
 * file. In-place writes are what keep the driver fast (a rename over an
 * existing file makes ext4 flush the data at once); a reader that catches
 * one half-way sees a failed check and reads again. Growing a file takes the
 * rename path, so a full disk fails the write and leaves the previous
 * content intact.
 */
export class FileDriver implements SessionDriverContract {
  private snapshot: Snapshot | null = null

  constructor(
    private config: ResolvedSessionConfig,
    private location: string,
    private logger?: LoggerContract
  ) {}

  public async read(sessionId: string): Promise<Record<string, any> | null> {
    this.snapshot = await this.readSnapshot(sessionId)
    if (!this.snapshot) {
      return null
    }
    this.snapshot.values = this.decode(sessionId, this.snapshot.text)
    return this.snapshot.values
  }

  public async write(sessionId: string, values: Record<string, any>): Promise<void> {
    if (!values || typeof values !== 'object') {
      throw SessionRuntimeException.notAnObject('file')
    }
    await this.update(sessionId, () => values)
  }

  /**
   * Apply the request's changes, together with those of other requests of
   * this process waiting on the same session (see inBatch)
   */
  public async update(sessionId: string, updater: SessionUpdater): Promise<void> {
    const file = this.pathFor(sessionId)
    await inBatch(file, updater, (combined) => this.replace(sessionId, file, combined))
  }

  /**
   * Under the session's lock: apply the changes to the stored copy and
   * write the result, in place when it fits. The changes are applied to
   * the copy this request read; when the file holds something else by the
   * time the lock is held, the worker answers with that content (keeping the
   * lock) and they are applied again to it.
   */
  private async replace(sessionId: string, file: string, updater: SessionUpdater) {
    const known = this.snapshot?.sessionId === sessionId ? this.snapshot : null
    let base: Base | null = known && {
      ...known,
      expired: known.mtimeMs + this.config.ageMs <= Date.now(),
    }
    let token = 0
    const lock = join(this.location, `${sessionId}.lock`)
    const deadline = Date.now() + LOCK_WAIT_MS
    try {
      let job = this.commitJob(sessionId, file, lock, base, updater, known?.values)
      for (let attempt = 0; ; attempt++) {
        const kept = token
        token = 0
        const result: CommitResult = await fileWorker.commit({ ...job, token: kept })
        if ('error' in result) {
          throw toError(result.error)
        }
        if ('done' in result) {
          break
        }
        if ('busy' in result) {
          if (Date.now() >= deadline) {
            throw SessionStoreUnavailableException.create(
              'file',
              `session file is locked by another request for over ${LOCK_WAIT_MS}ms (${lock})`
            )
          }
          await new Promise((resolve) => setTimeout(resolve, Math.min(2 + attempt * 2, 25)))
          continue
        }
        token = result.token
        if (Date.now() >= deadline) {
          throw SessionStoreUnavailableException.create(
            'file',
            `session file kept changing under the lock for over ${LOCK_WAIT_MS}ms (${file}); is a process without the lock (6.4) writing it?`
          )
        }
        base = result.conflict && {
          ...result.conflict,
          text: unseal(result.conflict.raw),
          expired: result.conflict.mtimeMs + this.config.ageMs <= Date.now(),
        }
        job = this.commitJob(sessionId, file, lock, base, updater)
      }
    } catch (error) {
      if (token) {
        fileWorker.release({ op: 'release', token, lock }).catch(() => {})
      }
      throw this.unavailable(error)
    }
    this.snapshot = null
  }

  /**
   * The write of the changes applied to `base`. `read` is what `read()`
   * returned for `base`, given while the request expects the file to hold
   * what it read: the session may then know the result without a replay.
   */
  private commitJob(
    sessionId: string,
    file: string,
    lock: string,
    base: Base | null,
    updater: SessionUpdater,
    read?: Record<string, any> | null
  ) {
    const unexpired = base && !base.expired ? base : null
    const next = nextValues(updater, unexpired && read, () =>
      unexpired ? this.decode(sessionId, unexpired.text) : null
    )
    const text = next === null ? null : seal(encodePayload(sessionId, next))
    const length = text === null ? 0 : Buffer.byteLength(text)
    return {
      op: 'commit' as const,
      file,
      lock,
      expect: base ? base.raw : null,
      expectSize: base ? base.size : 0,
      text,
      inPlace: base !== null && fitsInPlace(length, base),
      replaceSize: withHeadroom(length),
    }
  }

  public async destroy(sessionId: string): Promise<void> {
    try {
      await fs.unlink(this.pathFor(sessionId)).catch(ignoreMissing)
    } catch (error) {
      throw this.unavailable(error)
    }
  }

  /**
   * Moves the modification time forward, at most once per `refreshAfter`
   * of the age; a session that was not found is not touched
   */
  public async touch(sessionId: string): Promise<void> {
    const snapshot = this.snapshot
    if (!snapshot || snapshot.sessionId !== sessionId) {
      return
    }
    if (Date.now() - snapshot.mtimeMs < this.config.refreshAfterMs) {
      return
    }
    const now = new Date()
    try {
      await fs.utimes(this.pathFor(sessionId), now, now)
    } catch (error) {
      if (error.code !== 'ENOENT') {
        throw this.unavailable(error)
      }
    }
  }

  /**
   * The file of a session. Ids are validated long before this point; the
   * check here keeps a path outside `file.location` impossible.
   */
  private pathFor(sessionId: string) {
    if (!isValidSessionId(sessionId)) {
      throw new SessionRuntimeException('Refusing an invalid session id in the file driver')
    }
    return join(this.location, `${sessionId}.txt`)
  }

  /**
   * The file's content; null for a missing or expired file. A content that
   * fails its check was caught half-way through an in-place write: it is
   * read again.
   */
  private async readSnapshot(sessionId: string): Promise<Snapshot | null> {
    const file = this.pathFor(sessionId)
    for (let attempt = 0; ; attempt++) {
      const result = await fileWorker.read({ op: 'read', file }).catch((error) => {
        throw this.unavailable(error)
      })
      if ('error' in result) {
        throw this.unavailable(toError(result.error))
      }
      if ('missing' in result || result.mtimeMs + this.config.ageMs <= Date.now()) {
        return null
      }
      const text = unseal(result.raw)
      if (text !== false || attempt === TORN_READ_RETRIES) {
        return { ...result, sessionId, text }
      }
    }
  }

  /**
   * The values in a file's unsealed content; a content that failed its
   * integrity check or is not a payload of this session reads as empty, with
   * a warning
   */
  private decode(sessionId: string, text: string | false) {
    const warn = (reason: string) => {
      this.logger?.warn('ignoring unreadable session file for "%s": %s', sessionId, reason)
    }
    if (text === false) {
      warn('payload failed its integrity check')
      return null
    }
    return decodePayload(sessionId, text, warn)
  }

  /**
   * File system errors (full or read-only disk, permissions) become
   * E_SESSION_STORE_UNAVAILABLE; anything else passes through
   */
  private unavailable(error: NodeJS.ErrnoException) {
    if (!error || typeof error.syscall !== 'string') {
      return error
    }
    const message = error.message.startsWith(`${error.code}:`)
      ? error.message
      : `${error.code || 'error'}: ${error.message}`
    return SessionStoreUnavailableException.create(
      'file',
      `${message} (file.location "${this.location}")`
    )
  }
}

/**
 * Written in place only over a sealed content (so a reader that races the
 * write sees a failed check, even over a file 6.4 wrote), when it fits, and
 * within one page: a single-page write is never left half-done by a killed
 * process, a multi-page one can be. Anything else takes the rename path.
 */
function fitsInPlace(length: number, current: Base) {
  const sealed = current.text === false || isSealed(current.text)
  return sealed && length <= current.size && current.size <= IN_PLACE_MAX_BYTES
}

/**
 * The size a file written whole gets: room for the session to grow a little
 * before the next write has to take the rename path again
 */
function withHeadroom(length: number) {
  return Math.ceil((length + 64) / 256) * 256
}
