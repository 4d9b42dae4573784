/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { join } from 'path'
import { Stats, promises as fs } from 'fs'
import { LoggerContract } from '@ioc:Adonis/Core/Logger'
import { SessionDriverContract, SessionUpdater } from '@ioc:Adonis/Addons/Session'
import { SessionRuntimeException, SessionStoreUnavailableException } from '../errors'
import { decodePayload, encodePayload } from '../Payload'
import { isValidSessionId } from '../SessionId'
import { ResolvedSessionConfig } from '../SessionManager/config'
import { SessionFileLock, fsAsync, ignoreMissing, openExisting, writeAll } from './fileLock'
import { isSealed, seal, unseal } from './fileFormat'
import { inBatch } from './queue'

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
type Snapshot = { sessionId: string; raw: string; text: string | false; stats: Stats }

/**
 * A session file's content and size, as read under its lock
 */
type Current = { text: string | false; size: number; expired: boolean }

/**
 * One file per session, `<location>/<id>.txt`, in the 6.4 payload format
 * plus an integrity check (see `seal`). Expiry is the file's modification
 * time plus `age`: `touch` moves it forward without rewriting the data.
 *
 * Every write holds the session's lock file (see SessionFileLock), so writes
 * are serialised across processes, and re-reads the file under it. A new
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
    return this.snapshot ? this.decode(sessionId, this.snapshot.text) : null
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
   * write the result, in place when it fits
   */
  private async replace(sessionId: string, file: string, updater: SessionUpdater) {
    const lock = await this.lock(sessionId)
    let opened: { fd: number; writable: boolean } | null = null
    try {
      opened = await openForUpdate(file)
      const known = this.snapshot?.sessionId === sessionId ? this.snapshot : null
      const current = opened && (await readCurrent(opened.fd, known, this.config.ageMs))
      const stored = current && !current.expired ? this.decode(sessionId, current.text) : null
      const next = updater(stored)

      if (next === null) {
        await fsAsync.unlink(file).catch(ignoreMissing)
      } else {
        const text = Buffer.from(seal(encodePayload(sessionId, next)))
        if (opened?.writable && current && fitsInPlace(text.length, current)) {
          await writeAll(opened.fd, padded(text, current.size))
        } else {
          await lock.publish(file, padded(text, withHeadroom(text.length)))
        }
      }
      await lock.release()
    } catch (error) {
      await lock.release().catch(() => {})
      throw this.unavailable(error)
    } finally {
      if (opened) {
        await fsAsync.close(opened.fd).catch(() => {})
      }
    }
    this.snapshot = null
  }

  public async destroy(sessionId: string): Promise<void> {
    try {
      await fsAsync.unlink(this.pathFor(sessionId)).catch(ignoreMissing)
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
    if (Date.now() - snapshot.stats.mtimeMs < this.config.refreshAfterMs) {
      return
    }
    const now = new Date()
    try {
      await fsAsync.utimes(this.pathFor(sessionId), now, now)
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
   * Open, stat and read in one go; null for a missing or expired file. A
   * content that fails its check was caught half-way through an in-place
   * write: it is read again.
   */
  private async readSnapshot(sessionId: string): Promise<Snapshot | null> {
    let fd: number | null = null
    try {
      fd = await openExisting(this.pathFor(sessionId), 'r')
      if (fd === null) {
        return null
      }
      for (let attempt = 0; ; attempt++) {
        const { stats, raw } = await readWhole(fd)
        if (stats.mtimeMs + this.config.ageMs <= Date.now()) {
          return null
        }
        const text = unseal(raw)
        if (text !== false || attempt === TORN_READ_RETRIES) {
          return { sessionId, raw, text, stats }
        }
        await new Promise((resolve) => setImmediate(resolve))
      }
    } catch (error) {
      throw this.unavailable(error)
    } finally {
      if (fd !== null) {
        await fsAsync.close(fd).catch(() => {})
      }
    }
  }

  private async lock(sessionId: string): Promise<SessionFileLock> {
    const path = join(this.location, `${sessionId}.lock`)
    let lock: SessionFileLock | null
    try {
      lock = await SessionFileLock.acquire(path, LOCK_WAIT_MS)
    } catch (error) {
      if (error.code !== 'ENOENT') {
        throw this.unavailable(error)
      }
      await fs.mkdir(this.location, { recursive: true }).catch((mkdirError) => {
        throw this.unavailable(mkdirError)
      })
      lock = await SessionFileLock.acquire(path, LOCK_WAIT_MS)
    }
    if (!lock) {
      throw SessionStoreUnavailableException.create(
        'file',
        `session file is locked by another request for over ${LOCK_WAIT_MS}ms (${path})`
      )
    }
    return lock
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
 * A file's stats and whole content, as text
 */
async function readWhole(fd: number): Promise<{ stats: Stats; raw: string }> {
  const stats = await fsAsync.fstat(fd)
  const buffer = Buffer.allocUnsafe(stats.size)
  let filled = 0
  while (filled < stats.size) {
    const { bytesRead } = await fsAsync.read(fd, buffer, filled, stats.size - filled, filled)
    if (bytesRead === 0) {
      break
    }
    filled += bytesRead
  }
  return { stats, raw: buffer.toString('utf-8', 0, filled) }
}

/**
 * The file's content under the lock. When the request read the session
 * before, one read sized to that copy tells whether the file still holds it
 * (then its check needs no second look); any other case costs a stat.
 */
async function readCurrent(fd: number, known: Snapshot | null, ageMs: number): Promise<Current> {
  if (known && known.stats.mtimeMs + ageMs > Date.now()) {
    const size = known.stats.size
    const buffer = Buffer.allocUnsafe(size + 1)
    const { bytesRead } = await fsAsync.read(fd, buffer, 0, size + 1, 0)
    if (bytesRead === size && buffer.toString('utf-8', 0, size) === known.raw) {
      return { text: known.text, size, expired: false }
    }
  }
  const { stats, raw } = await readWhole(fd)
  return { text: unseal(raw), size: stats.size, expired: stats.mtimeMs + ageMs <= Date.now() }
}

/**
 * The session file opened for the update: for writing when the process may
 * (in place), else for reading only (the new content is then renamed over
 * it, which needs only a writable directory); null when it does not exist
 */
async function openForUpdate(file: string): Promise<{ fd: number; writable: boolean } | null> {
  try {
    const fd = await openExisting(file, 'r+')
    return fd === null ? null : { fd, writable: true }
  } catch (error) {
    if (error.code !== 'EACCES' && error.code !== 'EPERM') {
      throw error
    }
    const fd = await openExisting(file, 'r')
    return fd === null ? null : { fd, writable: false }
  }
}

/**
 * Written in place only over a sealed content (so a reader that races the
 * write sees a failed check, even over a file 6.4 wrote), when it fits, and
 * within one page: a single-page write is never left half-done by a killed
 * process, a multi-page one can be. Anything else takes the rename path.
 */
function fitsInPlace(length: number, current: Current) {
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

function padded(text: Buffer, size: number) {
  if (text.length >= size) {
    return text
  }
  const buffer = Buffer.alloc(size, 0x20)
  text.copy(buffer)
  return buffer
}
