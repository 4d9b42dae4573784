/*
 * @adonisjs/session
 */

/// <reference path="../../adonis-typings/index.ts" />

import { join } from 'path'
import { promises as fs, BigIntStats } from 'fs'
import { LoggerContract } from '@ioc:Adonis/Core/Logger'
import { SessionDriverContract, SessionUpdater } from '@ioc:Adonis/Addons/Session'
import { SessionRuntimeException, SessionStoreUnavailableException } from '../errors'
import { decodePayload, encodePayload } from '../Payload'
import { isValidSessionId } from '../SessionId'
import { ResolvedSessionConfig } from '../SessionManager/config'
import { SessionFileLock } from './fileLock'
import { inBatch } from './queue'

/**
 * How long a write waits for another process holding the session's lock
 */
const LOCK_WAIT_MS = 5000

/**
 * A session file as this request read it
 */
type Snapshot = { sessionId: string; raw: string; stats: BigIntStats }

/**
 * One file per session, `<location>/<id>.txt`, in the 6.4 payload format.
 * Expiry is the file's modification time plus `age`: `touch` moves it
 * forward without rewriting the data. Writes go through the session's lock
 * file (see SessionFileLock): replaced atomically, never half-written, and
 * serialised across processes.
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
    return this.snapshot ? this.decode(this.snapshot) : null
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
   * Under the session's lock: apply the changes to the latest copy (the one
   * read at the start of the request when the file has not changed since)
   * and replace the file
   */
  private async replace(sessionId: string, file: string, updater: SessionUpdater) {
    const lock = await this.lock(sessionId)
    try {
      const next = updater(await this.latest(sessionId, file))
      if (next === null) {
        await fs.rm(file, { force: true })
        await lock.release()
      } else {
        await lock.publish(file, encodePayload(sessionId, next))
      }
    } catch (error) {
      await lock.release().catch(() => {})
      throw this.unavailable(error)
    }
    this.snapshot = null
  }

  public async destroy(sessionId: string): Promise<void> {
    try {
      await fs.rm(this.pathFor(sessionId), { force: true })
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
    if (Date.now() - Number(snapshot.stats.mtimeMs) < this.config.refreshAfterMs) {
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
   * Open, stat and read in one go; null for a missing or expired file
   */
  private async readSnapshot(sessionId: string): Promise<Snapshot | null> {
    let handle: fs.FileHandle | undefined
    try {
      handle = await fs.open(this.pathFor(sessionId), 'r')
      const stats = await handle.stat({ bigint: true })
      if (Number(stats.mtimeMs) + this.config.ageMs <= Date.now()) {
        return null
      }
      const buffer = Buffer.alloc(Number(stats.size))
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
      return { sessionId, raw: buffer.toString('utf-8', 0, bytesRead), stats }
    } catch (error) {
      if (error.code === 'ENOENT') {
        return null
      }
      throw this.unavailable(error)
    } finally {
      await handle?.close()
    }
  }

  /**
   * The stored values under the lock. A file unchanged since this request
   * read it (same inode, size and times) is not read again.
   */
  private async latest(sessionId: string, file: string) {
    const known = this.snapshot
    if (known && known.sessionId === sessionId) {
      const stats = await fs.stat(file, { bigint: true }).catch(() => null)
      if (stats && sameFile(stats, known.stats)) {
        return Number(stats.mtimeMs) + this.config.ageMs > Date.now() ? this.decode(known) : null
      }
    }
    const fresh = await this.readSnapshot(sessionId)
    return fresh ? this.decode(fresh) : null
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

  private decode(snapshot: Snapshot) {
    return decodePayload(snapshot.sessionId, snapshot.raw.trim(), (reason) => {
      this.logger?.warn('ignoring unreadable session file for "%s": %s', snapshot.sessionId, reason)
    })
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

function sameFile(a: BigIntStats, b: BigIntStats) {
  return a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs
}
